#!/bin/bash
# Benchmark (not a test): time to run `true` inside a target's namespaces,
# podenter against util-linux nsenter, in the same interleaved run (bench/interleave.py):
#   podenter pid:PID -- true     (net, pid, ipc, uts, cgroup, mnt: a private
#                                 copy of the target's mount namespace with a
#                                 fresh /proc, plus the session's sandbox)
#   nsenter -t PID -a true       (the same namespaces, nothing else)
#   podenter --view tools pid:PID -- true   (the default view: the node's
#                                 tools at /, the container's files at /target)
# and, to show where the difference goes:
#   podenter --version / nsenter --version        (process start: libraries)
#   podenter pid:PID --ipc -- true / nsenter -i   (one namespace, no mounts)
#   podenter pid:PID --profile sysadmin --seccomp unconfined -- true
#                                                 (no capability/seccomp work)
# Goals (issue 13): median(podenter --view none) / median(nsenter) <= 1.25,
# the tools view <= 1.5. Where the time goes: bench/timeline.py.
# Usage (root, from the build tree): bench/attach.sh [RUNS]
set -euo pipefail
RUNS=${1:-300}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
OUT=$HERE/bench/out
mkdir -p "$OUT"
command -v nsenter >/dev/null || { echo "nsenter (util-linux) is needed" >&2; exit 1; }
export PODENTER_CONFIG=/nonexistent/podenter.conf # no site defaults

outer=
cleanup() { [ -n "$outer" ] && kill -9 "$outer" 2>/dev/null || true; }
trap cleanup EXIT
unshare --fork --kill-child --pid --mount-proc --net --uts --ipc --cgroup \
	sleep 100000 >/dev/null 2>&1 &
outer=$!
disown "$outer"
PID=
for _ in $(seq 200); do
	PID=$(pgrep -P "$outer" -x sleep || true)
	[ -n "$PID" ] && break
	sleep 0.05
done
[ -n "$PID" ] || { echo "target did not start" >&2; exit 1; }

"$PODENTER" pid:"$PID" -- true || { echo "podenter cannot enter the target" >&2; exit 1; }

json=$OUT/attach.json
# interleaved (each round runs every command once, in turn), so that the
# machine's drift hits them all alike: hyperfine runs one command's runs
# back to back, which moved the ratio by 0.1 between two commands' turns
INTERLEAVE_JSON=$json /usr/bin/python3 "$HERE/bench/interleave.py" "$RUNS" \
	"$PODENTER pid:$PID -- true" \
	"$PODENTER --view tools pid:$PID -- true" \
	"$PODENTER pid:$PID --profile sysadmin --seccomp unconfined -- true" \
	"$PODENTER pid:$PID --ipc -- true" \
	"nsenter -t $PID -i true" \
	"$PODENTER --version" \
	"nsenter --version" \
	"nsenter -t $PID -a true" >/dev/null

/usr/bin/python3 - "$json" "$RUNS" "$HERE" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))
print("| command | median ms | min ms | p90 ms |")
print("|---|---:|---:|---:|")
for r in res:
    cmd = r["command"].replace(sys.argv[3] + "/", "./")
    print("| `%s` | %.2f | %.2f | %.2f |" % (cmd, r["median"] * 1e3, r["min"] * 1e3, r["p90"] * 1e3))
m = [r["median"] for r in res]
print()
print("median ratio podenter/nsenter, full attach: %.2f (goal <= 1.25)" % (m[0] / m[7]))
print("median ratio, the tools view:               %.2f (goal <= 1.5)" % (m[1] / m[7]))
print("median ratio, full attach without sandbox:    %.2f" % (m[2] / m[7]))
print("median ratio, one namespace (--ipc / -i):     %.2f" % (m[3] / m[4]))
print("median ratio, process start only (--version): %.2f" % (m[5] / m[6]))
print("rounds (every command once per round, in turn): %s" % sys.argv[2])
PY
