#!/bin/bash
# A fresh Debian 12 machine, every CI run: test.sh's fresh-root stage.
#
#   tests/fresh-root.sh [--manifest FILE] [--source DIR]
#
# Bootstraps (mmdebstrap) a minimal Debian 12 root from this machine's Debian
# apt sources, installs in it exactly the [build] set of deps/debian.txt
# (no recommends, as demo.sh installs it), copies in the source tree (the
# files git tracks, plus new ones it does not ignore), and there, in a
# chroot of a private mount namespace, runs the README's build and two
# commands: `podenter --version` and `podenter --host-root
# tests/fixtures/containerd-real list -A` (whose output is compared with
# the host build's). A package missing from the set fails the stage.
#
# The bootstrapped root is cached under $PODENTER_CI_CACHE (default
# /var/cache/podenter-ci/fresh-root), keyed by the hash of the package list
# and the apt sources: a rerun only builds (the root is the lower layer of
# an overlay and stays unchanged). Entries unused for 14 days are removed.
#
# Exit status: 0 when the fresh root built and ran podenter; 1 otherwise.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MANIFEST=$TOP/deps/debian.txt
SOURCE=$TOP
CACHE=${PODENTER_CI_CACHE:-/var/cache/podenter-ci/fresh-root}
SUITE=bookworm
# bump when the way the root is made changes: it is part of the cache key
BOOTSTRAP_RECIPE=1
BOOTSTRAP_TIMEOUT=${FRESH_ROOT_BOOTSTRAP_TIMEOUT:-1800}
BUILD_TIMEOUT=${FRESH_ROOT_BUILD_TIMEOUT:-900}

say() { printf 'fresh-root: %s\n' "$*"; }
die() { printf 'fresh-root: error: %s\n' "$*" >&2; exit 1; }

while (($# > 0)); do
	case $1 in
	--manifest) MANIFEST=$(realpath "$2"); shift ;;
	--source) SOURCE=$(realpath "$2"); shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
	shift
done

[[ $(id -u) == 0 ]] || die "run as root (mmdebstrap, chroot, mount namespaces)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (it is in deps/debian.txt's [test] set)"

# Only Debian's own sources: what a fresh Debian 12 machine has.
mapfile -t APT_SOURCES < <(grep -l -E '^[^#]*(deb|URIs:).*(deb|security)\.debian\.org' \
	/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null)
((${#APT_SOURCES[@]} > 0)) || die "no Debian apt source (deb.debian.org) configured on this machine"

mapfile -t PACKAGES < <(awk '
	/^[[:space:]]*(#|$)/ { next }
	/^\[.*\]$/ { want = ($0 == "[build]"); next }
	want && !seen[$1]++ { print $1 }' "$MANIFEST")
((${#PACKAGES[@]} > 0)) || die "$MANIFEST has no [build] set"

KEY=$({
	echo "recipe $BOOTSTRAP_RECIPE suite $SUITE variant minbase"
	printf '%s\n' "${PACKAGES[@]}" | sort
	for f in "${APT_SOURCES[@]}"; do grep -v '^[[:space:]]*#' "$f"; done
} | sha256sum | cut -c1-16)
BASE=$CACHE/$KEY

bootstrap() {
	local tmp=$CACHE/.tmp.$KEY.$$ started=$SECONDS
	say "bootstrapping a minimal Debian 12 root with the [build] set (cache key $KEY):"
	say "  ${PACKAGES[*]}"
	rm -rf "$tmp"
	# mmdebstrap mounts /proc, /sys and /dev in the new root: in a private
	# mount namespace, so the node's mount table never sees them
	if ! timeout "$BOOTSTRAP_TIMEOUT" unshare --mount --propagation private \
		mmdebstrap --quiet --mode=root --variant=minbase \
		--aptopt='APT::Install-Recommends "false"' \
		--include="$(IFS=,; echo "${PACKAGES[*]}")" \
		"$SUITE" "$tmp" "${APT_SOURCES[@]}" >"$CACHE/.bootstrap.$KEY.log" 2>&1; then
		tail -30 "$CACHE/.bootstrap.$KEY.log" >&2
		rm -rf "$tmp"
		die "mmdebstrap failed (a package of the [build] set that Debian 12 does not have?)"
	fi
	mv "$tmp" "$BASE"
	say "bootstrapped in $((SECONDS - started)) s"
}

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
timeout "$BOOTSTRAP_TIMEOUT" flock 9 || die "another run holds $CACHE/.lock"
if [[ -d $BASE ]]; then
	say "cached root $BASE (key $KEY: same [build] set and apt sources)"
else
	bootstrap
fi
touch "$BASE"
find "$CACHE" -mindepth 1 -maxdepth 1 -type d -name '????????????????' -mtime +14 \
	-exec rm -rf {} + 2>/dev/null || true

WORK=$(mktemp -d /var/tmp/podenter-fresh-root.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/upper" "$WORK/work" "$WORK/root"

# The source tree as a fresh clone has it (no build products of this tree).
mkdir -p "$WORK/upper/src"
if git -C "$SOURCE" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$SOURCE" ls-files -co --exclude-standard -z | grep -zv '^build-asan/' |
		(cd "$SOURCE" && tar --null -T - -cf -) | tar -C "$WORK/upper/src" -xf -
else
	die "$SOURCE is not a git work tree"
fi

# What runs inside: the README's build, then the two commands.
cat >"$WORK/upper/src/.fresh-root-build" <<'EOF'
set -e
cd /src
echo "fresh-root: autoreconf -fi && ./configure && make"
{ autoreconf -fi && ./configure -q && make -j2; } >/build.log 2>&1 || { tail -40 /build.log; exit 1; }
echo "fresh-root: ./podenter --version"
./podenter --version
echo "fresh-root: ./podenter --host-root tests/fixtures/containerd-real list -A"
./podenter --host-root tests/fixtures/containerd-real list -A >/list.out
cat /list.out
EOF

# In a private mount namespace and PID namespace: the cached root is the
# overlay's lower layer (never written), /dev and /proc are the namespace's.
started=$SECONDS
set +e
timeout "$BUILD_TIMEOUT" unshare --mount --propagation private --pid --fork \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	WORK="$WORK" BASE="$BASE" bash -euc '
	mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/work" "$WORK/root"
	mount -t proc proc "$WORK/root/proc"
	mount -t tmpfs -o mode=755 dev "$WORK/root/dev"
	for n in null zero full random urandom tty; do
		touch "$WORK/root/dev/$n"
		mount --bind "/dev/$n" "$WORK/root/dev/$n"
	done
	ln -s /proc/self/fd "$WORK/root/dev/fd"
	mount -t tmpfs tmp "$WORK/root/tmp"
	exec chroot "$WORK/root" /bin/sh /src/.fresh-root-build' 2>&1 | sed 's/^/  /'
rc=${PIPESTATUS[0]}
set -e
say "build and run in the fresh root: $((SECONDS - started)) s"
((rc == 0)) || die "the fresh Debian 12 root with only the [build] set could not build or run podenter (exit $rc)"

# The fresh build must list the fixture node as the README shows it.
if [[ -x $TOP/podenter ]]; then
	if ! diff <("$TOP/podenter" --host-root "$TOP/tests/fixtures/containerd-real" list -A) \
		"$WORK/upper/list.out" >&2; then
		die "list -A in the fresh root differs from this build's"
	fi
fi
grep -q '^default  *hello  *hello  *running' "$WORK/upper/list.out" ||
	die "list -A in the fresh root does not show the fixture's pods"
say "ok: a fresh Debian 12 root with deps/debian.txt's [build] set builds and runs podenter"
