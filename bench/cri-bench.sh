#!/bin/bash
# Benchmark (not a test): asking the runtime against reading the node's files.
# Brings up the real containerd node of tests/node with the nginx-deployment
# pods, then measures, for one replica, in the same run:
#   - the CRI round trips a client needs for a container's PID
#     (bench/cri-bench.py: one warm client, gRPC calls only), and
#   - `podenter inspect -q -o json POD` as a whole process (hyperfine -N),
# then the same podenter call with containerd frozen (SIGSTOP), where every
# CRI call would hang until its deadline. Tears the node down.
#   bench/cri-bench.sh [RUNS]        (root; prints a Markdown table)
set -euo pipefail
RUNS=${1:-100}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
NODE=(bash "$HERE/tests/node/node.sh")
OUT=$HERE/bench/out
mkdir -p "$OUT"
LOG=$(mktemp /tmp/podenter-cri-bench.XXXXXX)
cleanup() {
	"${NODE[@]}" thaw >/dev/null 2>&1 || true
	"${NODE[@]}" down >>"$LOG" 2>&1 || cat "$LOG" >&2
	rm -f "$LOG"
}
trap cleanup EXIT
"${NODE[@]}" up "$HERE/tests/node/pods/nginx-deployment.json" >"$LOG" 2>&1 || { cat "$LOG" >&2; exit 1; }
pod=$("$PODENTER" list -o name nginx-deployment | head -1 | cut -d/ -f2)
read -r cri_med cri_p90 cri_pid < <(/usr/bin/python3 "$HERE/bench/cri-bench.py" default "$pod" "$RUNS")
hyperfine -N -w 5 -r "$RUNS" --export-json "$OUT/cri-podenter.json" \
	"$PODENTER inspect -q -o json default/$pod" >/dev/null 2>&1
"${NODE[@]}" freeze >/dev/null
hyperfine -N -w 5 -r "$RUNS" --export-json "$OUT/cri-podenter-frozen.json" \
	"$PODENTER inspect -q -o json default/$pod" >/dev/null 2>&1
"${NODE[@]}" thaw >/dev/null
pe_pid=$("$PODENTER" inspect -q -o json "default/$pod" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
stat() { /usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; ts=sorted(r['times']); print('%.2f %.2f' % (r['median']*1000, ts[int(len(ts)*0.9)]*1000))" "$1"; }
read -r pe_med pe_p90 < <(stat "$OUT/cri-podenter.json")
read -r fr_med fr_p90 < <(stat "$OUT/cri-podenter-frozen.json")
echo "One nginx-deployment replica on the harness's containerd ($(containerd --version | awk '{print $3}')), $RUNS runs each."
echo
echo "| how | median ms | p90 ms | PID found |"
echo "|---|---:|---:|---:|"
echo "| CRI: ListPodSandbox + ListContainers + ContainerStatus(verbose), warm client, calls only | $cri_med | $cri_p90 | $cri_pid |"
echo "| \`podenter inspect\`, whole process, from the node's files | $pe_med | $pe_p90 | $pe_pid |"
echo "| \`podenter inspect\` with containerd frozen (CRI calls hang) | $fr_med | $fr_p90 | $pe_pid |"
