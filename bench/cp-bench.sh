#!/bin/bash
# podenter cp of a 100 MiB file out of a container against the plain way,
# `cat /proc/PID/root/FILE > out` (the issue's goal: >= 0.9x its
# throughput), and the tar stream against GNU tar reading the same path.
# The container: a process chrooted into a directory of its own, in its own
# mount and PID namespaces (as a pod's, without needing the node harness);
# the file is on the node's disk, as a pod's overlay upper layer is.
# Interleaved rounds (bench/interleave.py), medians; the page cache is warm
# for both (the warm-up rounds read the file first).
#   bench/cp-bench.sh [RUNS] [MIB]
set -euo pipefail
RUNS=${1:-20}
MIB=${2:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
[ "$(id -u)" = 0 ] || { echo "cp-bench: needs root" >&2; exit 1; }
command -v busybox >/dev/null || { echo "cp-bench: needs busybox" >&2; exit 1; }

W=$(mktemp -d /var/tmp/podenter-cp-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$W/root/bin" "$W/out"
cp "$(command -v busybox)" "$W/root/bin/busybox"
head -c "$((MIB * 1048576))" /dev/urandom >"$W/root/big"
unshare --fork --kill-child --pid --mount chroot "$W/root" /bin/busybox sleep 10000 &
pid=$!
disown "$pid"
for _ in $(seq 100); do
	t=$(pgrep -P "$pid" | head -1) || true
	[ -n "$t" ] && grep -qx busybox "/proc/$t/comm" 2>/dev/null && break
	sleep 0.05
done
[ -n "${t:-}" ] || { echo "cp-bench: the target did not start" >&2; exit 1; }

# both must produce the same bytes
"$PODENTER" cp "pid:$t:/big" "$W/out/check" && cmp -s "$W/out/check" "$W/root/big" ||
	{ echo "cp-bench: podenter cp copied something else" >&2; exit 1; }
rm -f "$W/out/check"

res=$(python3 "$HERE/bench/interleave.py" "$RUNS" \
	"$PODENTER cp pid:$t:/big $W/out/podenter" \
	"sh -c 'cat /proc/$t/root/big >$W/out/cat'" \
	"sh -c '$PODENTER cp pid:$t:/big - >$W/out/podenter.tar'" \
	"sh -c 'tar -C /proc/$t/root -cf - big >$W/out/gnu.tar'")
ms() { printf '%s\n' "$res" | sed -n "${1}p" | awk '{ print $1 }'; }
rate() { awk -v mib="$MIB" -v ms="$1" 'BEGIN { printf "%.0f", mib / (ms / 1000) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b / a }'; }
echo "| $MIB MiB file out of a container, $RUNS interleaved rounds | median | MiB/s | throughput vs the plain way |"
echo "| --- | --- | --- | --- |"
echo "| \`podenter cp pid:PID:/big out\` | $(ms 1) ms | $(rate "$(ms 1)") | $(ratio "$(ms 1)" "$(ms 2)")x (goal >= 0.9x) |"
echo "| \`cat /proc/PID/root/big > out\` | $(ms 2) ms | $(rate "$(ms 2)") | 1.00x |"
echo "| \`podenter cp pid:PID:/big - > out.tar\` | $(ms 3) ms | $(rate "$(ms 3)") | $(ratio "$(ms 3)" "$(ms 4)")x |"
echo "| \`tar -C /proc/PID/root -cf - big > out.tar\` | $(ms 4) ms | $(rate "$(ms 4)") | 1.00x |"
