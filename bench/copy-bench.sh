#!/bin/bash
# Benchmark (not a test): podenter copy of a crash-looping container on the
# real containerd node of tests/node (the writer pod of
# tests/node/pods/copy-crashloop.json: exited, its definition recovered from
# containerd's files), from start to exit, against
#   nsenter -t PID -a true   into a running busybox container (restarted),
#   a pod start through CRI  (bench/copy-podstart.py: the lower bound of
#                             kubectl debug --copy-to, without the API,
#                             scheduling or an image pull).
# Interleaved medians (bench/interleave.py). Goal: copy under 20 ms.
#   bench/copy-bench.sh [RUNS]        (root; prints a Markdown table)
set -euo pipefail
RUNS=${1:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
export PODENTER_TOOLBOX=${PODENTER_TOOLBOX:-$HERE/toolbox}
export PODENTER_CONFIG=/nonexistent/podenter.conf # no site defaults
NODE=(bash "$HERE/tests/node/node.sh")
LOG=$(mktemp /tmp/podenter-copy-bench.XXXXXX)
cleanup() {
	"${NODE[@]}" down >>"$LOG" 2>&1 || cat "$LOG" >&2
	rm -f "$LOG"
}
trap cleanup EXIT
"${NODE[@]}" up "$HERE/tests/node/pods/copy-crashloop.json" "$HERE/tests/node/pods/restarts.json" \
	>"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
pid=$("$PODENTER" inspect -q -o json default/restarted | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
"$PODENTER" copy -q --no-tty writer -- true || { echo "podenter copy failed" >&2; exit 1; }
out=$(/usr/bin/python3 "$HERE/bench/interleave.py" "$RUNS" \
	"$PODENTER copy -q --no-tty writer -- true" \
	"$PODENTER copy -q --no-tty --last-run writer -- true" \
	"$PODENTER copy -q --no-tty --net none writer -- true" \
	"nsenter -t $pid -a true")
read -r start_med start_min < <(/usr/bin/python3 "$HERE/bench/copy-podstart.py" 5)
echo "| command | median ms | x nsenter |"
echo "|---|---|---|"
while read -r ms _ ratio cmd; do
	echo "| \`${cmd//$HERE\//./}\` | $ms | ${ratio#x} |"
done <<<"$out"
echo "| a pod start through CRI (kubectl debug --copy-to's lower bound; min $start_min ms) | $start_med | |"
