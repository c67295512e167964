#!/bin/bash
# podenter PATTERN --each -- COMMAND: the command in every replica at once.
# Three pods of one "Deployment" (web-6f7d8-a1, -b2, -c3) and one other
# (db-0), each a real process in namespaces of its own, named in a
# containerd task tree under a host root (as enter-pod.sh builds it).
# Checks: every replica's output, prefixed, lines never mixed; statuses
# summed (one failing replica: its status, named in the summary); the
# parallel bound; --timeout; SIGTERM passed to every session, nothing
# left; bad input.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root

node=$T_TMP/node
tasks=$node/run/containerd/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$tasks" "$node/proc"
n=0
# make_pod NAME: a pod with a sandbox and one app container "app"
make_pod() {
	local name=$1 uid sb ct ctpid pausepid
	n=$((n + 1))
	uid=5e7a1c2d-0b9f-4e3a-8c21-$(printf '%06x%06x' $$ $n)
	sb=5b$(printf '%056x%06x' $$ $n)
	ct=c7$(printf '%056x%06x' $$ $n)
	t_make_cgroup "kubepods/besteffort/pod$uid/$ct"
	t_make_cgroup "kubepods/besteffort/pod$uid/$sb"
	e_make_target "$name"
	ctpid=$E_PID
	pausepid=$(pgrep -P "$ctpid" -x sleep | head -1)
	t_join_cgroup "$ctpid" "kubepods/besteffort/pod$uid/$ct"
	t_join_cgroup "$pausepid" "kubepods/besteffort/pod$uid/$sb"
	t_cleanup "t_join_cgroup $ctpid ."
	t_cleanup "t_join_cgroup $pausepid ."
	mkdir -p "$tasks/$sb" "$tasks/$ct"
	bundle "$tasks/$sb" sandbox "" "$pausepid" "$name" "$uid" "$sb"
	bundle "$tasks/$ct" container app "$ctpid" "$name" "$uid" "$sb"
}
bundle() { # dir type container-name pid pod uid sandbox-id
	cat >"$1/config.json" <<JSON
{"ociVersion":"1.0.2","annotations":{
 "io.kubernetes.cri.container-type":"$2",
 "io.kubernetes.cri.sandbox-id":"$7",
 "io.kubernetes.cri.sandbox-name":"$5",
 "io.kubernetes.cri.sandbox-namespace":"each-test",
 "io.kubernetes.cri.sandbox-uid":"$6",
 "io.kubernetes.cri.container-name":"$3",
 "io.kubernetes.cri.image-name":"example/web:1"},
 "process":{"env":["PATH=/usr/bin:/bin"]},
 "linux":{"cgroupsPath":"/kubepods/besteffort/pod$6/$(basename "$1")"}}
JSON
	echo "$4" >"$1/init.pid"
}
for p in web-6f7d8-a1 web-6f7d8-b2 web-6f7d8-c3 db-0; do
	make_pod "$p"
done
mount --bind /proc "$node/proc" || { echo "cannot bind /proc"; exit 1; }
t_cleanup "umount -l $node/proc"
P=(--host-root "$node" -n each-test)
mounts_before=$(e_host_proc_sys_mounts)

# every replica, stdout and stderr apart, each line prefixed
t_podenter "${P[@]}" web --each -- sh -c 'echo "out $(hostname)"; echo "err $(hostname)" >&2'
t_expect_rc "three replicas, all succeed: exit 0" 0
t_expect_eq "stdout: one prefixed line per replica, nothing of db-0" \
	"$(printf '%s\n' "$T_OUT" | sort | tr '\n' '|')" \
	"each-test/web-6f7d8-a1: out web-6f7d8-a1|each-test/web-6f7d8-b2: out web-6f7d8-b2|each-test/web-6f7d8-c3: out web-6f7d8-c3|"
t_expect_eq "stderr: the lines of stderr, prefixed, then the summary" \
	"$(printf '%s\n' "$T_ERR" | grep -v '^podenter:' | sort | tr '\n' '|')" \
	"each-test/web-6f7d8-a1: err web-6f7d8-a1|each-test/web-6f7d8-b2: err web-6f7d8-b2|each-test/web-6f7d8-c3: err web-6f7d8-c3|"
t_expect_match "summary: 3 pods, 3 succeeded" "$T_ERR" "^podenter: 3 pods: 3 succeeded, 0 failed$"

# a glob, and one replica failing: its status, named in the summary
t_podenter "${P[@]}" 'web-*' --each -- sh -c '[ "$(hostname)" != web-6f7d8-b2 ] || exit 3'
t_expect_rc "one replica exits 3: exit 3" 3
t_expect_match "summary counts the failure" "$T_ERR" "^podenter: 3 pods: 2 succeeded, 1 failed$"
t_expect_match "summary names the failing pod, its container and status" "$T_ERR" \
	"^podenter:   each-test/web-6f7d8-b2 \(app\): exit 3$"
t_expect_nomatch "summary names no succeeding pod" "$T_ERR" "web-6f7d8-(a1|c3) \(app\)"
t_podenter "${P[@]}" web --each -- sh -c 'case $(hostname) in *a1) exit 2;; *b2) exit 7;; esac'
t_expect_rc "several fail: the highest status" 7

# lines are whole: each written in three pieces by every replica at once,
# none may be cut or mixed with another pod's
t_podenter "${P[@]}" web --each -- sh -c 'h=$(hostname); i=0; while [ $i -lt 300 ]; do printf "%s-" "$h"; printf "%s-" "$i"; printf "%s\n" xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=$((i + 1)); done'
t_expect_rc "900 lines written in pieces: exit 0" 0
t_expect_eq "900 lines" "$(printf '%s\n' "$T_OUT" | wc -l)" 900
t_expect_eq "every line whole and under its own pod's prefix" \
	"$(printf '%s\n' "$T_OUT" | grep -Ecv '^each-test/(web-6f7d8-..): \1-[0-9]+-x{62}$')" 0
# a last line without its newline, and an empty line
t_podenter "${P[@]}" web-6f7d8-a1 --each -- sh -c 'echo; printf "no newline"'
t_expect_eq "an empty line and a last line without newline, each prefixed" "$T_OUT" \
	"$(printf 'each-test/web-6f7d8-a1: \neach-test/web-6f7d8-a1: no newline')"
t_expect_match "one pod: 1 pod" "$T_ERR" "^podenter: 1 pod: 1 succeeded, 0 failed$"
t_podenter "${P[@]}" web --each --no-prefix -- hostname
t_expect_eq "--no-prefix: the lines as they are" "$(printf '%s\n' "$T_OUT" | sort | tr '\n' ' ')" \
	"web-6f7d8-a1 web-6f7d8-b2 web-6f7d8-c3 "
# a hostile replica's \r and escape sequences: passed on as they are into a
# pipe, shown as ^M and ^[ on a terminal, where they could otherwise move
# the cursor over another pod's prefix and pass its lines off as theirs
t_podenter "${P[@]}" web-6f7d8-a1 --each -- printf 'x\reach-test/web-6f7d8-b2: fine\033[1A\n'
t_expect_eq "into a pipe: the bytes as they are" "$T_OUT" \
	"$(printf 'each-test/web-6f7d8-a1: x\reach-test/web-6f7d8-b2: fine\033[1A')"
T_OUT=$(PODENTER_TOOLBOX="${PODENTER_TOOLBOX:-}" timeout 60 script -qec \
	"$PODENTER --host-root $node -n each-test web-6f7d8-a1 --each -- printf 'x\\reach-test/web-6f7d8-b2: fine\\033[1A\\n' 2>/dev/null" /dev/null | tr -d '\r')
t_expect_eq "on a terminal: control characters shown as ^X" "$T_OUT" \
	"each-test/web-6f7d8-a1: x^Meach-test/web-6f7d8-b2: fine^[[1A"

# stdin is /dev/null for each, the caller's is never read
T_RC=0
T_OUT=$(echo secret | "$PODENTER" "${P[@]}" web --each -- sh -c 'cat; echo end' 2>"$T_TMP/err") || T_RC=$?
t_expect_eq "stdin: /dev/null in every pod" "$(printf '%s\n' "$T_OUT" | sed 's/^[^:]*: //' | tr '\n' ' ')" "end end end "

# the parallel bound: sessions log start and end (node-side files,
# --net-only), flock'ed; with --max-parallel 1 they never overlap, without
# it all three are running at once
log=$T_TMP/parallel.log
cmd='flock '$log' -c "echo start >>'$log'"; sleep 1; flock '$log' -c "echo end >>'$log'"'
: >"$log"
t_podenter "${P[@]}" web --each --net-only --max-parallel 1 -- sh -c "$cmd"
t_expect_rc "--max-parallel 1: exit 0" 0
t_expect_eq "--max-parallel 1: one after the other" "$(tr '\n' ' ' <"$log")" "start end start end start end "
: >"$log"
t_podenter "${P[@]}" web --each --net-only -- sh -c "$cmd"
t_expect_eq "default: all three at once" "$(tr '\n' ' ' <"$log")" "start start start end end end "

# --timeout: SIGTERM, the summary says so, bounded
start=$SECONDS
t_podenter "${P[@]}" web --each --timeout 1 -- sh -c 'case $(hostname) in *a1) exit 0;; esac; exec sleep 30'
t_expect_rc "--timeout: the command's SIGTERM status" 143
t_expect_match "--timeout: named in the summary" "$T_ERR" "each-test/web-6f7d8-b2 \(app\): timed out \(exit 143\)"
t_expect_match "--timeout: the one that finished is counted" "$T_ERR" "^podenter: 3 pods: 1 succeeded, 2 failed$"
t_expect_eq "--timeout 1: over in a few seconds" "$((SECONDS - start < 8))" 1

# SIGTERM to podenter: passed to every session, every process reaped
"$PODENTER" "${P[@]}" web --each -- sleep 31.5 >"$T_TMP/sig.out" 2>"$T_TMP/sig.err" &
pe=$!
t_cleanup "kill -9 $pe"
t_wait_for 200 test "$(pgrep -fx 'sleep 31.5' | wc -l)" = 3
t_expect_eq "three sessions running" "$(pgrep -fx 'sleep 31.5' | wc -l)" 3
# each session in a process group of its own: a terminal's ^C reaches
# podenter alone, which passes it on once (not twice) to every session
pe_pgid=$(ps -o pgid= -p "$pe" | tr -d ' ')
t_expect_eq "sessions outside podenter's process group" \
	"$(ps -o pgid= --ppid "$pe" | tr -d ' ' | grep -cvx "$pe_pgid")" 3
kill -TERM "$pe"
rc=0
timeout 10 tail --pid="$pe" -f /dev/null || rc=$?
wait "$pe" 2>/dev/null
rc=$?
t_expect_eq "SIGTERM: podenter ends with the commands' status" "$rc" 143
t_expect_match "SIGTERM: summary says interrupted" "$(cat "$T_TMP/sig.err")" "3 failed \(interrupted\)"
t_wait_for 100 test -z "$(pgrep -fx 'sleep 31.5')"
t_expect_eq "SIGTERM: no command left running" "$(pgrep -fx 'sleep 31.5')" ""
t_expect_eq "SIGTERM: no podenter process left" "$(pgrep -f -- 'web --each -- sleep 31.5')" ""

# ^C on the terminal: the command in each pod gets one SIGINT (podenter
# passes it on; the sessions are not in the terminal's process group)
T_OUT=$(timeout 60 python3 - "$PODENTER" "${P[@]}" <<'PY' 2>&1
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:] + ["web", "--each", "--", "sh", "-c",
             "n=0; trap 'n=$((n + 1))' INT; echo ready; "
             "while [ $n -eq 0 ]; do sleep 0.1; done; sleep 1; echo got-INT-$n; exit 7"])
out = b""
def read_for(seconds, until=None):
    global out
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                return
            if not d:
                return
            out += d
        if until and out.count(until) >= 3:
            return
read_for(20, b"ready")
os.write(fd, b"\x03")
read_for(20)
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("status=%d" % os.waitstatus_to_exitcode(status))
PY
)
t_expect_eq "^C: each pod's command got one SIGINT" "$(grep -c ': got-INT-1$' <<<"$T_OUT")" 3
t_expect_match "^C: podenter exits with their status" "$T_OUT" "status=7"

# bad input: a clear message, 125, nothing started
t_podenter "${P[@]}" nosuch --each -- true
t_expect_rc "no pod matches: 125" 125
t_expect_match "no pod matches: says so" "$T_ERR" "nosuch"
t_podenter "${P[@]}" web --each
t_expect_rc "--each without a COMMAND: 125" 125
t_expect_match "--each without a COMMAND: says so" "$T_ERR" "needs a COMMAND"
t_podenter "${P[@]}" web --each -t -- true
t_expect_rc "--each -t: 125" 125
t_podenter "${P[@]}" web --each --any -- true
t_expect_rc "--each --any: 125" 125
t_podenter "${P[@]}" web --max-parallel 2 -- true
t_expect_rc "--max-parallel without --each: 125" 125
t_podenter "${P[@]}" web --each --max-parallel 0 -- true
t_expect_rc "--max-parallel 0: 125" 125
t_podenter "${P[@]}" web --each --timeout x -- true
t_expect_rc "--timeout x: 125" 125
t_podenter "${P[@]}" pid:1 --each -- true
t_expect_rc "--each with a PID: 125" 125
t_expect_match "--each with a PID: says so" "$T_ERR" "needs a pod name or pattern"
t_podenter "${P[@]}" web --each -c nosuch -- true
t_expect_rc "-c naming no container of the pods: 125" 125
t_expect_eq "-c nosuch: each pod's error under its prefix" \
	"$(printf '%s\n' "$T_ERR" | grep -c "^each-test/web-6f7d8-..: podenter: pod each-test/web-6f7d8-.. has no container 'nosuch'")" 3
t_podenter "${P[@]}" web -- true
t_expect_rc "without --each the pattern is still ambiguous: 125" 125
t_expect_match "the ambiguity hint names --each" "$T_ERR" "--each"

t_expect_eq "no /proc or /sys mount left on the node" "$(e_host_proc_sys_mounts)" "$mounts_before"
t_done
