#!/bin/bash
# --tools FILE.tar: OCI layout and docker-save tarballs with two layers (a
# whiteout and an opaque directory in the second) unpack correctly into the
# cache, are reused, and a damaged cached copy is rebuilt; hostile archives
# are refused with a clear message and leave nothing behind.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"
PY=/usr/bin/python3
[ -x $PY ] || t_skip_all "the image builder needs /usr/bin/python3"
MK="$PY $(dirname "$0")/image-mkimage.py"

v_make_busybox img
IMG_PID=$V_PID
CACHE=$T_TMP/cache
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"

check_tools() { # what
	t_expect_rc "$1: the image's shell ran" 0
	t_expect_match "$1: the whiteout removed etc/gone.txt" "$T_OUT" "^gone:no$"
	t_expect_match "$1: files beside a whiteout stay" "$T_OUT" "^kept$"
	t_expect_match "$1: the opaque dir hides the lower layer's files" "$T_OUT" "^opq:new$"
	t_expect_match "$1: other dirs keep the lower layer's files" "$T_OUT" "^plain:old$"
	t_expect_match "$1: the second layer's file" "$T_OUT" "^from layer 2$"
	t_expect_match "$1: hard links are links" "$T_OUT" "^links:2$"
	t_expect_match "$1: the container is at /target" "$T_OUT" "^/target/bin/busybox$"
}
PROBE='[ -e /etc/gone.txt ] && echo gone:yes || echo gone:no; cat /etc/kept.txt;
	echo opq:$(ls /dir/opq); echo plain:$(ls /dir/plain); cat /added.txt;
	echo links:$(stat -c %h /bin/ls); ls /target/bin/busybox'

for fmt in oci docker; do
	$MK $fmt "$T_TMP/$fmt.tar" "$V_BUSYBOX" good
	CACHE=$T_TMP/cache-$fmt
	echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$fmt.tar" -- sh -c "$PROBE"
	check_tools "$fmt"
	t_expect_nomatch "$fmt: first use unpacks" "$T_ERR" "cached"
	key=$(ls "$CACHE")
	t_expect_match "$fmt: the cache is keyed by a sha256 (manifest, config, layers)" "$key" "^[0-9a-f]{64}$"
	t_expect_eq "$fmt: nothing but the unpacked image in the cache" \
		"$(ls -A "$CACHE" "$CACHE/$key" | tr '\n' ' ')" "$CACHE: $key  $CACHE/$key: rootfs tree.sha256 "

	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$fmt.tar" -- sh -c "$PROBE"
	check_tools "$fmt reused"
	t_expect_match "$fmt: the second use reuses the cache" "$T_ERR" ", cached"

	# A damaged copy (a file lost, one added) is noticed and rebuilt.
	rm "$CACHE/$key/rootfs/added.txt"
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$fmt.tar" -- sh -c "$PROBE"
	check_tools "$fmt rebuilt"
	t_expect_nomatch "$fmt: a damaged copy is not reused" "$T_ERR" "cached"
	echo intruder >"$CACHE/$key/rootfs/bin/intruder"
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$fmt.tar" -- sh -c '[ -e /bin/intruder ] && echo intruder:yes || echo intruder:no'
	t_expect_match "$fmt: an added file makes the copy rebuilt" "$T_OUT" "^intruder:no$"
	t_expect_eq "$fmt: the old copy is gone" "$(ls -A "$CACHE" | wc -l)" 1
done

# Several podenters unpacking the same image at once: all succeed, one
# copy stays, no scratch directory is left.
CACHE=$T_TMP/cache-race
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
pids=()
for i in 1 2 3; do
	"$PODENTER" pid:"$IMG_PID" --tools "$T_TMP/oci.tar" -- sh -c 'cat /added.txt' \
		>"$T_TMP/race-$i.out" 2>&1 &
	pids+=($!)
done
ok=0
for i in 1 2 3; do
	wait "${pids[$((i - 1))]}" && grep -q "^from layer 2$" "$T_TMP/race-$i.out" && ok=$((ok + 1))
done
t_expect_eq "concurrent unpacks all succeed" "$ok" 3
t_expect_eq "concurrent unpacks leave one copy" "$(ls -A "$CACHE" | wc -l)" 1

# A blob whose content does not match its digest is refused.
cp "$T_TMP/oci.tar" "$T_TMP/tampered.tar"
$PY - "$T_TMP/tampered.tar" <<'PYEOF'
import sys, tarfile, io
src = tarfile.open(sys.argv[1]); members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
src.close()
with tarfile.open(sys.argv[1], 'w', format=tarfile.GNU_FORMAT) as out:
    for m, data in members:
        if m.isfile() and m.name.startswith('blobs/') and m.size > 100000:
            data = data[:-1] + bytes([data[-1] ^ 1])
        out.addfile(m, io.BytesIO(data) if data is not None else None)
PYEOF
CACHE=$T_TMP/cache-tampered
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/tampered.tar" -- true
t_expect_rc "a tampered layer: 125" 125
t_expect_match "a tampered layer is named" "$T_ERR" "does not match its digest"

# Hostile archives: refused, with the entry named; nothing outside the
# cache, nothing half-made inside it.
refused() { # spec [outer-variant] message-regex
	local spec=$1 variant=$2 re=$3 name=$1${2:+-$2}
	$MK oci "$T_TMP/$name.tar" "$V_BUSYBOX" "$spec" $variant
	CACHE=$T_TMP/cache-$name
	echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
	v_snap "$IMG_PID" "before-$name"
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$name.tar" -- true
	t_expect_rc "$name: refused with 125" 125
	t_expect_match "$name: the message names the entry" "$T_ERR" "$re"
	t_expect_eq "$name: nothing left in the cache" "$(ls -A "$CACHE")" ""
	v_expect_unchanged "$name" "$IMG_PID" "before-$name"
}
refused dotdot "" "refused: entry '../escaped-by-dotdot' leaves the root"
refused absolute "" "refused: entry '/tmp/escaped-by-absolute' leaves the root"
refused symlink-out "" "refused: symlink 'evil' -> '../../../../../../etc/passwd' leaves the root"
refused hardlink-out "" "refused: hard link 'evil' -> '../../etc/passwd' leaves the root"
refused device "" "refused: device node 'dev/evil-null'"
refused good outer-symlink "refused: entry 'blobs/escape' is a link or special file"
refused good outer-dotdot "refused: entry '../outer-escaped' leaves the root"
for f in /tmp/escaped-by-absolute "$T_TMP/escaped-by-dotdot" "$T_TMP/outer-escaped" "$T_TMP/cache-dotdot/../escaped-by-dotdot"; do
	[ -e "$f" ] && t_fail "a hostile entry was written at $f" || t_pass "nothing written at $f"
done

# Device nodes when root allows them in podenter.conf.
CACHE=$T_TMP/cache-dev-allowed
printf 'cache-dir = %s\nallow-device-nodes = yes\n' "$CACHE" >"$PODENTER_CONFIG"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/device.tar" -- sh -c :
t_expect_rc "device nodes allowed by the config" 0
[ -c "$CACHE"/*/rootfs/dev/evil-null ] && t_pass "the device node was made" ||
	t_fail "the device node was not made"

# An absolute symlink inside a layer is kept (it resolves inside the tools
# root), and a later entry written "through" it lands inside the root.
CACHE=$T_TMP/cache-through
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
$MK oci "$T_TMP/through.tar" "$V_BUSYBOX" through-link
t_podenter pid:"$IMG_PID" --tools "$T_TMP/through.tar" -- sh -c 'cat /through-link-file; readlink /up'
t_expect_rc "a link to / in a layer: unpacked" 0
t_expect_match "the entry through the link landed inside the root" "$T_OUT" "^inside$"
[ -e /through-link-file ] && t_fail "an entry escaped to the host's /" ||
	t_pass "nothing written to the host's /"

t_done
