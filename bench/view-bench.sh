#!/bin/bash
# Benchmark (not a test) of views, run as root from the build tree:
#  1. time to a ready command (podenter ... -- true) per view, with hyperfine,
#     beside the container's own files (no view) and plain nsenter;
#  2. file operations under /target in the tools view against the same
#     operations on /proc/PID/root from the host (goal: under 10% slower).
# Usage: bench/view-bench.sh [RUNS]   (prints a summary; needs hyperfine)
set -eu
RUNS=${1:-30}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
export PODENTER_TOOLBOX=${PODENTER_TOOLBOX:-$HERE/toolbox}
export PODENTER_CONFIG=/nonexistent/podenter.conf  # no site defaults
command -v hyperfine >/dev/null || { echo "hyperfine is needed" >&2; exit 1; }
BB=$(command -v busybox)

T=$(mktemp -d /tmp/podenter-bench.XXXXXX)
cleanup() { [ -n "${outer:-}" ] && kill -9 "$outer" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT

# A busybox target pivoted into its own root, with a tree of small files.
R=$T/root
mkdir -p "$R/bin" "$R/proc" "$R/old" "$R/tree"
cp "$BB" "$R/bin/busybox"
for a in sh sleep mount umount; do ln -s busybox "$R/bin/$a"; done
for d in $(seq 1 50); do
	mkdir "$R/tree/d$d"
	for f in $(seq 1 100); do head -c 4096 /dev/urandom >"$R/tree/d$d/f$f"; done
done
unshare --fork --kill-child --pid --mount --net --uts --ipc --propagation private sh -c '
	mount --bind "$1" "$1" && cd "$1" && pivot_root . old || exit 1
	exec /bin/sh -c "mount -t proc proc /proc; umount -l /old; exec sleep 100000"' sh "$R" &
outer=$!
disown $outer
for _ in $(seq 200); do
	PID=$(pgrep -P $outer | head -1 || true)
	[ -n "$PID" ] && ! grep -q ' /old' /proc/$PID/mountinfo 2>/dev/null && break
	sleep 0.05
done
echo "target: pid $PID, 5000 files of 4 KiB under /tree"

echo "== 1. time to a ready command (-- true), $RUNS runs each"
hyperfine -N -w 3 -r "$RUNS" --export-markdown "$T/ready.md" \
	-n "nsenter -a (no tools)" "nsenter -t $PID -a /bin/busybox true" \
	-n "podenter --view none (own files)" "$PODENTER pid:$PID -q --view none -- /bin/busybox true" \
	-n "podenter --view tools (host)" "$PODENTER pid:$PID -q --view tools --tools host -- true" \
	-n "podenter --view tools (builtin)" "$PODENTER pid:$PID -q --view tools --tools builtin -- true" \
	-n "podenter --view merged" "$PODENTER pid:$PID -q --view merged --tools builtin -- true" \
	-n "podenter --view container" "$PODENTER pid:$PID -q --view container -- /.podenter/bin/true" \
	>/dev/null
cat "$T/ready.md"

echo
echo "== 2. file operations: stat + read of 5000 files, best of 10"
# The same host binaries (find, cat) walk the same files; only the path
# differs: /target inside the tools view, /proc/PID/root from the host.
WALK='s=$(date +%s%N); for i in 1 2 3 4 5 6 7 8 9 10; do
	a=$(date +%s%N); find "$1" -type f -exec cat {} + >/dev/null; b=$(date +%s%N)
	echo $(((b - a) / 1000)); done | sort -n | head -1'
# warm the page cache first
find "/proc/$PID/root/tree" -type f -exec cat {} + >/dev/null
direct=$(sh -c "$WALK" sh "/proc/$PID/root/tree")
inview=$("$PODENTER" pid:"$PID" -q --view tools --tools host -- sh -c "$WALK" sh /target/tree)
echo "direct /proc/$PID/root/tree: ${direct} us"
echo "tools view /target/tree:     ${inview} us"
awk -v d="$direct" -v v="$inview" 'BEGIN { printf "ratio view/direct: %.3f (%+.1f%%)\n", v / d, (v / d - 1) * 100 }'
