#!/bin/bash
# --tools image:REF: an image already on the node, exported from containerd's
# content store (ctr) and unpacked into the cache, like kubectl debug
# --image without a registry; a clear message when the runtime cannot
# provide it. A private containerd (own root, state and socket) is started
# so the node's own containerd, if any, is never touched.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"
PY=/usr/bin/python3
[ -x $PY ] || t_skip_all "the image builder needs /usr/bin/python3"
command -v containerd >/dev/null || t_skip_all "containerd is not installed"
command -v ctr >/dev/null || t_skip_all "ctr (containerd's client) is not installed"

CD=$T_TMP/containerd
mkdir -p "$CD"
cat >"$CD/config.toml" <<CFG
version = 2
root = "$CD/root"
state = "$CD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CD/containerd.sock"
[ttrpc]
  address = "$CD/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
CFG
containerd --config "$CD/config.toml" >"$CD/log" 2>&1 &
cpid=$!
disown $cpid
# stop it by its PID, then unmount whatever its snapshotter left
t_cleanup "kill $cpid; sleep 0.5; kill -9 $cpid; grep -o \" $CD[^ ]*\" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l"
export CONTAINERD_ADDRESS=$CD/containerd.sock
t_wait_for 400 ctr version >/dev/null 2>&1 || { cat "$CD/log" >&2; echo "containerd did not start" >&2; exit 1; }

$PY "$(dirname "$0")/image-mkimage.py" oci "$T_TMP/oci.tar" "$V_BUSYBOX" good
ctr -n k8s.io images import "$T_TMP/oci.tar" >/dev/null ||
	{ echo "ctr could not import the test image" >&2; exit 1; }
REF=podenter.test/tools-good:1

v_make_busybox rt
CACHE=$T_TMP/cache
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
v_snap "$V_PID" before

t_podenter pid:"$V_PID" --tools "image:$REF" -- sh -c 'cat /added.txt; ls /etc; ls /target/bin/busybox'
t_expect_rc "image:REF from containerd: the image's shell ran" 0
t_expect_match "the image's files (second layer)" "$T_OUT" "^from layer 2$"
t_expect_nomatch "the whiteout was honoured" "$T_OUT" "^gone.txt$"
t_expect_match "the container at /target" "$T_OUT" "^/target/bin/busybox$"
t_expect_match "the note names the image" "$T_ERR" "tools: image:$REF"
t_expect_eq "one unpacked image in the cache, no export left" "$(ls -A "$CACHE" | wc -l)" 1

t_podenter pid:"$V_PID" --tools "image:$REF" -- sh -c 'cat /added.txt'
t_expect_match "the second use reuses the cache" "$T_ERR" ", cached"

t_podenter pid:"$V_PID" --tools image:podenter.test/not-pulled:1 -- sh -c :
t_expect_rc "an image the node lacks: 125" 125
t_expect_match "a clear message" "$T_ERR" "image 'podenter.test/not-pulled:1' is not available from the node's runtime"
t_expect_match "with what to do" "$T_ERR" "pull it on the node first"
t_expect_eq "nothing left in the cache" "$(ls -A "$CACHE" | wc -l)" 1

# With containerd gone the message says so too.
kill $cpid
t_wait_for 200 sh -c "! kill -0 $cpid 2>/dev/null"
t_podenter pid:"$V_PID" --tools "image:other/img:2" -- sh -c :
t_expect_rc "no runtime answering: 125" 125
t_expect_match "no runtime: ctr's own words are shown" "$T_ERR" "ctr said: .*(connect|dial|no such file)"
v_expect_unchanged "image:REF sessions" "$V_PID" before

t_done
