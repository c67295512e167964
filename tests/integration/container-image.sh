#!/bin/bash
# The node image is what the Containerfile says: deploy/image-rootfs.sh
# assembles a self-contained root file system from this build (checked by
# running podenter chrooted into it, on a fixture node), and, when a
# container engine works here (buildah), the Containerfile builds from it
# without network and the image runs podenter and the DaemonSet's command.
source "$TESTLIB"
t_require_root

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=$(cd "$(dirname "$PODENTER")" && pwd)
rootfs=$T_TMP/rootfs

# What podenter loads at start: never libmount or libpcap (loaded with
# dlopen() by the merged view and sniff only), and none of json-c, libcap,
# libseccomp or zlib when configure linked them in (PE_DEP_LIBS).
needed=$(objdump -p "$PODENTER" | awk '/NEEDED/ { print $2 }')
t_expect_nomatch "start-up loads neither libmount nor libpcap" "$needed" "libmount|libpcap"
if grep -q '^PE_DEP_LIBS = -Wl,-Bstatic' "$builddir/Makefile"; then
	t_expect_nomatch "static deps: json-c, libcap, libseccomp, zlib linked in" "$needed" \
		"libjson-c|libcap|libseccomp|libz"
else
	echo "# json-c, libcap, libseccomp and zlib are shared in this build (--disable-static-deps or no archives)"
fi

if ! out=$("$top/deploy/image-rootfs.sh" "$rootfs" "$builddir" 2>&1); then
	t_fail "image-rootfs.sh assembles the root file system"
	printf '%s\n' "$out" | tail -20 | sed 's/^/  | /'
	t_done
fi
t_pass "image-rootfs.sh assembles the root file system"

sbin=$(cd "$rootfs" && find . -path '*/sbin/podenter' -type f | head -n1)
sbin=${sbin#.}
t_expect_match "podenter installed in the image" "$sbin" "/sbin/podenter$"
v=$(chroot "$rootfs" "$sbin" --version 2>&1)
t_expect_eq "podenter runs inside the image's root alone (libraries complete)" "$v" \
	"$("$PODENTER" --version)"
chroot "$rootfs" /bin/sleep 0 && T_RC=0 || T_RC=$?
t_expect_rc "the DaemonSet's command (/bin/sleep) runs in the image" 0

# the toolbox podenter was built to find, at the compiled-in path
toolbox=$(strings "$PODENTER" | grep -m1 '/toolbox$' || true)
if [ -n "$toolbox" ] && [ -f "$builddir/toolbox/bin/busybox" ]; then
	t_expect_eq "the builtin toolbox is where podenter looks for it" \
		"$(test -x "$rootfs$toolbox/bin/busybox" && echo yes)" yes
else
	echo "# no builtin toolbox in this build (no static busybox at configure time)"
fi

# podenter in the image reads a node through /host as in the DaemonSet
mkdir -p "$rootfs/host"
mount --bind "$FIXTURES/containerd2-systemd-v2" "$rootfs/host"
t_cleanup "umount '$rootfs/host'"
list=$(chroot "$rootfs" /bin/sh -c 'PODENTER_HOST_ROOT=/host podenter list -A -o name' 2>&1)
t_expect_match "podenter in the image lists the node at /host" "$list" \
	"^payments/ledger-api-5f7c9d8b4-qm2xz$"
# sniff's libpcap, loaded with dlopen(), is in the image: a bad filter is
# refused by libpcap's own compiler, not for want of the library
out=$(chroot "$rootfs" /bin/sh -c 'podenter sniff --host-root /host -n payments ledger-api-5f7c9d8b4-qm2xz -w /dev/null -- "port ((("' 2>&1)
t_expect_match "podenter sniff in the image loads libpcap" "$out" "bad capture filter"
# without the library: a clear error naming it and how to install it, 125
find "$rootfs" -name 'libpcap.so*' -delete
T_RC=0
out=$(chroot "$rootfs" /bin/sh -c 'podenter sniff --host-root /host -n payments ledger-api-5f7c9d8b4-qm2xz -w /dev/null -- "port 80"' 2>&1) || T_RC=$?
t_expect_rc "sniff without libpcap: podenter's own failure" 125
t_expect_match "sniff without libpcap: says which library" "$out" "cannot load libpcap"
t_expect_match "sniff without libpcap: and how to install it" "$out" "apt-get install libpcap0.8"
umount "$rootfs/host"

# --- the Containerfile, with a real engine ------------------------------------
if ! command -v buildah >/dev/null 2>&1; then
	echo "SKIP: no container engine (buildah) here: the rootfs is checked, the Containerfile build is not" >&2
	echo "  (apt-get install buildah to run it)" >&2
	[ "$T_FAILED" = 0 ] || t_done
	exit 77
fi
store=(--root "$T_TMP/storage" --runroot "$T_TMP/run" --storage-driver vfs)
t_cleanup "buildah ${store[*]} rm -a; buildah ${store[*]} rmi -a -f"
tag=localhost/podenter-test:$("$PODENTER" --version | awk '{ print $2 }')
if ! out=$(buildah "${store[@]}" build --isolation chroot --pull=never \
	-f "$top/Containerfile" -t "$tag" "$rootfs" 2>&1); then
	t_fail "the Containerfile builds without pulling anything"
	printf '%s\n' "$out" | tail -20 | sed 's/^/  | /'
	t_done
fi
t_pass "the Containerfile builds without pulling anything"
t_expect_match "the build's own check ran podenter" "$out" "podenter $("$PODENTER" --version | awk '{ print $2 }')"

ctr=$(buildah "${store[@]}" from "$tag")
t_expect_eq "the image runs podenter" \
	"$(buildah "${store[@]}" run --isolation chroot "$ctr" podenter --version 2>&1)" "$("$PODENTER" --version)"
cmd=$(buildah "${store[@]}" inspect --format '{{.OCIv1.Config.Cmd}}' "$tag")
t_expect_eq "the image's default command idles like the DaemonSet's" "$cmd" "[/bin/sleep infinity]"
env=$(buildah "${store[@]}" inspect --format '{{.OCIv1.Config.Env}}' "$tag")
t_expect_match "the image reads the node at /host by default" "$env" "PODENTER_HOST_ROOT=/host"
buildah "${store[@]}" run --isolation chroot "$ctr" /bin/sleep 0 && T_RC=0 || T_RC=$?
t_expect_rc "the image runs the DaemonSet's command" 0
buildah "${store[@]}" rm "$ctr" >/dev/null 2>&1

t_done
