#!/bin/bash
# The VM image of tests/vm: a Debian 12 node with systemd as PID 1, cgroup v2
# only, containerd, runc, the CNI plugins, AppArmor, the node harness's
# packages and podenter's runtime dependencies.
#
#   tests/vm/build-image.sh [--manifest FILE]
#
# Prints the image directory on stdout (messages go to stderr): vmlinuz,
# initrd.img and root.raw (an ext4 disk, whole-disk filesystem, /dev/vda in
# the guest). No bootloader: run.sh boots the kernel with qemu -kernel.
#
# Built offline from Debian's packages (mmdebstrap from this machine's Debian
# apt sources; the Debian mirror is the only network): exactly deps/debian.txt's
# [run] and [vm-guest] sets, no recommends. The filesystem is made from the
# tree with `mke2fs -d` (no loop device, no mount on the host), in a private
# mount namespace (mmdebstrap mounts /proc, /sys, /dev in the tree).
#
# Cached under $PODENTER_CI_CACHE (default /var/cache/podenter-ci/vm), keyed by
# the hash of the package list, the apt sources, this script and
# configure-guest.sh: a rerun with
# the same key prints the cached directory at once. The image is never
# written afterwards (run.sh boots a qcow2 overlay of it). Entries unused for
# 14 days are removed.
#
# Exit status: 0 with the directory printed; 1 otherwise.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SELF=$TOP/tests/vm/build-image.sh
GUEST_CONFIG=$TOP/tests/vm/configure-guest.sh
MANIFEST=$TOP/deps/debian.txt
CACHE=${PODENTER_CI_CACHE:-/var/cache/podenter-ci/vm}
SUITE=bookworm
BOOTSTRAP_TIMEOUT=${VM_BOOTSTRAP_TIMEOUT:-2400}
DISK_SIZE=4G

say() { printf 'vm-image: %s\n' "$*" >&2; }
die() { printf 'vm-image: error: %s\n' "$*" >&2; exit 1; }

while (($# > 0)); do
	case $1 in
	--manifest) MANIFEST=$(realpath "$2"); shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

[[ $(id -u) == 0 ]] || die "run as root (mmdebstrap --mode=root, mke2fs -d keeps owners)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (deps/debian.txt [vm])"
command -v mke2fs >/dev/null || die "mke2fs is not installed (e2fsprogs, deps/debian.txt [vm])"

# Only Debian's own sources: what a fresh Debian 12 machine has.
mapfile -t APT_SOURCES < <(grep -l -E '^[^#]*(deb|URIs:).*(deb|security)\.debian\.org' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null)
((${#APT_SOURCES[@]} > 0)) || die "no Debian apt source (deb.debian.org) configured on this machine"

mapfile -t PACKAGES < <("$TOP/deps/packages" run vm-guest)
((${#PACKAGES[@]} > 0)) || die "$MANIFEST has no [vm-guest] set"

KEY=$({
	echo "suite $SUITE variant minbase disk $DISK_SIZE"
	printf '%s\n' "${PACKAGES[@]}" | sort
	for f in "${APT_SOURCES[@]}"; do grep -v '^[[:space:]]*#' "$f"; done
	cat "$SELF" "$GUEST_CONFIG"
} | sha256sum | cut -c1-16)
IMAGE=$CACHE/$KEY

bootstrap() {
	local tmp=$CACHE/.tmp.$KEY.$$ started=$SECONDS tree
	tree=$tmp/tree
	say "bootstrapping a Debian 12 VM root (cache key $KEY):"
	say "  ${PACKAGES[*]}"
	rm -rf "$tmp"
	mkdir -p "$tmp"
	# mmdebstrap mounts /proc, /sys and /dev in the new root: in a private
	# mount namespace, so the host's mount table never sees them
	if ! timeout "$BOOTSTRAP_TIMEOUT" unshare --mount --propagation private \
		mmdebstrap --quiet --mode=root --variant=minbase \
		--aptopt='APT::Install-Recommends "false"' \
		--dpkgopt='path-exclude=/usr/share/doc/*' \
		--dpkgopt='path-exclude=/usr/share/man/*' \
		--dpkgopt='path-exclude=/usr/share/locale/*' \
		--dpkgopt='path-include=/usr/share/locale/locale.alias' \
		--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" && echo RESUME=none >"$1/etc/initramfs-tools/conf.d/resume"' \
		--customize-hook="bash '$GUEST_CONFIG' \"\$1\"" \
		--include="$(IFS=,; echo "${PACKAGES[*]}")" \
		"$SUITE" "$tree" "${APT_SOURCES[@]}" >"$tmp/bootstrap.log" 2>&1; then
		tail -30 "$tmp/bootstrap.log" >&2
		rm -rf "$tmp"
		die "mmdebstrap failed (a package of the [vm-guest] set that Debian 12 does not have?)"
	fi
	say "bootstrapped in $((SECONDS - started)) s"
	cp "$(readlink -f "$tree/vmlinuz")" "$tmp/vmlinuz"
	cp "$(readlink -f "$tree/initrd.img")" "$tmp/initrd.img"
	[[ -s $tmp/vmlinuz && -s $tmp/initrd.img ]] || die "no kernel or initrd in the tree"
	# the kernel and initrd live outside the disk: drop the copies inside
	rm -f "$tree"/boot/vmlinuz-* "$tree"/boot/initrd.img-*
	if ! mke2fs -q -t ext4 -L podenter-vm -d "$tree" "$tmp/root.raw" "$DISK_SIZE" \
		>"$tmp/mke2fs.log" 2>&1; then
		cat "$tmp/mke2fs.log" >&2
		rm -rf "$tmp"
		die "mke2fs -d failed"
	fi
	rm -rf "$tree"
	printf '%s\n' "${PACKAGES[@]}" >"$tmp/packages"
	mv "$tmp" "$IMAGE"
	say "image built in $((SECONDS - started)) s: $IMAGE"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
timeout "$BOOTSTRAP_TIMEOUT" flock 9 || die "another run holds $CACHE/.lock"
if [[ -f $IMAGE/root.raw ]]; then
	say "cached image $IMAGE (key $KEY: same packages, apt sources and build script)"
else
	bootstrap
fi
touch "$IMAGE"
find "$CACHE" -mindepth 1 -maxdepth 1 -type d -name '????????????????' -mtime +14 \
	-exec rm -rf {} + 2>/dev/null || true
find "$CACHE" -mindepth 1 -maxdepth 1 -name '.tmp.*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
printf '%s\n' "$IMAGE"
