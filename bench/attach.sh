#!/bin/bash
# Benchmark (not a test): time to run `true` inside a target's namespaces,
# podenter against util-linux nsenter, in the same hyperfine run:
#   podenter pid:PID -- true     (net, pid, ipc, uts, cgroup, mnt: a private
#                                 copy of the target's mount namespace with a
#                                 fresh /proc, plus the session's sandbox)
#   nsenter -t PID -a true       (the same namespaces, nothing else)
# and, to show where the difference goes:
#   podenter --version / nsenter --version        (process start: libraries)
#   podenter pid:PID --ipc -- true / nsenter -i   (one namespace, no mounts)
#   podenter pid:PID --profile sysadmin --seccomp unconfined -- true
#                                                 (no capability/seccomp work)
# Goal: median(podenter) / median(nsenter) <= 1.2.
# Usage (root, from the build tree): bench/attach.sh [RUNS]
set -euo pipefail
RUNS=${1:-300}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
OUT=$HERE/bench/out
mkdir -p "$OUT"
command -v hyperfine >/dev/null || { echo "hyperfine is needed" >&2; exit 1; }
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
hyperfine -N --style basic --warmup 30 --runs "$RUNS" --export-json "$json" \
	"$PODENTER pid:$PID -- true" \
	"nsenter -t $PID -a true" \
	"$PODENTER --version" \
	"nsenter --version" \
	"$PODENTER pid:$PID --ipc -- true" \
	"nsenter -t $PID -i true" \
	"$PODENTER pid:$PID --profile sysadmin --seccomp unconfined -- true" >/dev/null

/usr/bin/python3 - "$json" "$RUNS" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
print("| command | median ms | min ms | user ms | sys ms |")
print("|---|---|---|---|---|")
for r in res:
    cmd = r["command"].replace(sys.argv[1].rsplit("/bench/", 1)[0] + "/", "./")
    print("| `%s` | %.2f | %.2f | %.2f | %.2f |" % (cmd, r["median"] * 1e3, r["min"] * 1e3, r["user"] * 1e3, r["system"] * 1e3))
m = [r["median"] for r in res]
print()
print("median ratio podenter/nsenter, full attach: %.2f (goal <= 1.2)" % (m[0] / m[1]))
print("median ratio, process start only (--version): %.2f" % (m[2] / m[3]))
print("median ratio, one namespace (--ipc / -i):     %.2f" % (m[4] / m[5]))
print("median ratio, full attach without sandbox:    %.2f" % (m[6] / m[1]))
print("runs per command: %s" % sys.argv[2])
PY
