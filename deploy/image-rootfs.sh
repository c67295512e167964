#!/bin/bash
# Assemble the root file system of podenter's node image from a built tree,
# without network: `make install` into it (podenter, man page, completions,
# the builtin toolbox, the example config), the shared libraries podenter
# links (as ldd resolves them here), and a static busybox for the
# DaemonSet's idle process and a shell. Then build the image from it:
#
#   ./configure && make
#   deploy/image-rootfs.sh image-rootfs            # from the build directory
#   buildah build -f Containerfile -t podenter:0.1.0 image-rootfs
#   (podman build / docker build take the same arguments)
#
# The paths compiled into podenter (toolbox, config) are configure's, so the
# image holds them exactly where the binary looks.
set -euo pipefail

usage() {
	echo "usage: $0 OUTPUT-DIR [BUILD-DIR]" >&2
	exit 2
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
out=$1
builddir=${2:-.}
if [ ! -f "$builddir/Makefile" ] || [ ! -x "$builddir/podenter" ]; then
	echo "$0: $builddir is not a built podenter tree (run ./configure && make)" >&2
	exit 1
fi
case "$out" in
/*) ;;
*) out=$PWD/$out ;;
esac

rm -rf "$out"
mkdir -p "$out"
# install exactly what `make install` installs; no jobserver from a caller
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$builddir" install DESTDIR="$out" >/dev/null

sbin=$(find "$out" -path '*/sbin/podenter' -type f | head -n1)
[ -n "$sbin" ] || {
	echo "$0: make install put no sbin/podenter under $out" >&2
	exit 1
}

# On the image's PATH whatever the prefix (kubectl-podenter runs "podenter").
case "${sbin#"$out"}" in
/usr/local/sbin/podenter | /usr/sbin/podenter | /sbin/podenter) ;;
*)
	mkdir -p "$out/usr/local/sbin"
	ln -sf "${sbin#"$out"}" "$out/usr/local/sbin/podenter"
	;;
esac

# The libraries and the loader, at the paths the binary asks for.
copy_libs() { # elf
	local lib
	for lib in $(ldd "$1" | grep -oE '/[^ ]+\.so[^ ]*'); do
		[ -e "$out$lib" ] && continue
		mkdir -p "$out$(dirname "$lib")"
		cp -L "$lib" "$out$lib"
	done
}
copy_libs "$sbin"
# A static podenter (configure's default) has no loader of its own: its
# dlopen() finds the node's loader by soname in the C library's directory,
# where Debian has it and ldd's program-interpreter path (/lib64) is not.
copy_loader_beside_libc() {
	local libc loader
	libc=$(find "$out" -name libc.so.6 | head -n1)
	loader=$(find "$out" -name 'ld-linux*.so.*' | head -n1)
	[ -n "$libc" ] && [ -n "$loader" ] || return 0
	[ -e "$(dirname "$libc")/$(basename "$loader")" ] ||
		cp "$loader" "$(dirname "$libc")/"
}
# and those it loads with dlopen() (libpcap, for sniff): sonames named in
# the binary that this machine has, with their own libraries
for soname in $(strings "$sbin" | grep -oE '^lib[a-z0-9_.+-]+\.so\.[0-9.]+$' | sort -u); do
	# (awk reads to the end: leaving early would kill ldconfig with
	# SIGPIPE, and pipefail would end this script without a word)
	lib=$(ldconfig -p | awk -v l="$soname" '$1 == l && !found { print $NF; found = 1 }')
	[ -n "$lib" ] || continue
	if [ ! -e "$out$lib" ]; then
		mkdir -p "$out$(dirname "$lib")"
		cp -L "$lib" "$out$lib"
	fi
	copy_libs "$lib"
done
copy_loader_beside_libc

# A static busybox for /bin: sleep (the DaemonSet), sh (debugging the image).
busybox=$(sed -n 's/^BUSYBOX_PATH = //p' "$builddir/Makefile")
busybox=${busybox:-/bin/busybox}
if LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q 'program interpreter'; then
	echo "$0: $busybox is not static (Debian: apt-get install busybox-static)" >&2
	exit 1
fi
mkdir -p "$out/bin" "$out/etc" "$out/host" "$out/tmp" "$out/var/cache/podenter" "$out/var/log/podenter"
chmod 1777 "$out/tmp"
cp "$busybox" "$out/bin/busybox"
for applet in $("$busybox" --list); do
	[ -e "$out/bin/$applet" ] || ln -s busybox "$out/bin/$applet"
done
[ -f "$out/etc/passwd" ] || printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$out/etc/passwd"
[ -f "$out/etc/group" ] || printf 'root:x:0:\nnogroup:x:65534:\n' >"$out/etc/group"

echo "$out: podenter at ${sbin#"$out"}, $(find "$out" -name '*.so*' | wc -l) libraries, busybox at /bin/busybox"
