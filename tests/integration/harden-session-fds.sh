#!/bin/bash
# What a pod can reach of a session through /proc/<pid>/fd (issue 13).
# (1) hole 10: while the session's processes are attached in the pod's PID
# namespace (paused by the test hook right before the command closes its
# fds), root in the pod with every capability lists and follows their fds:
# none may be a handle of the node's (the pinned /proc/PID, the pidfd, the
# audit log, the syslog socket, a host /proc for --follow-context), only
# the session's pipes and, in the reaper, its end of podenter's watch.
# (2) hole 3, stdio: the session's fd 1 must not be the operator's output
# file on the node: a pod process reopening /proc/<session>/fd/1 for
# reading and writing (O_TRUNC) must neither read nor truncate that file.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
PY=/usr/bin/python3
[ -x $PY ] || t_skip_all "python3 is not installed (the attacker is a python script)"
command -v nsenter >/dev/null || t_skip_all "nsenter (util-linux) is not installed"

stopped() { grep -q '^State:.*stopped' "/proc/$1/status" 2>/dev/null; }
pod_pid() { awk '/^NSpid:/ { print $NF }' "/proc/$1/status"; }

e_make_target victim
T=$E_PID

# --- (1) host handles held between fork and exec ---------------------------
cat >"$T_TMP/scan.py" <<'PY'
import os, sys
for pid in sys.argv[1:]:
    for fd in sorted(os.listdir("/proc/%s/fd" % pid), key=int):
        try:
            link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
        except OSError as e:
            link = "unreadable(%d)" % e.errno
        print(pid, fd, link)
PY
PODENTER_TEST_PAUSE_AT=child-attached "$PODENTER" --audit-log "$T_TMP/audit.log" \
	--follow-context pid:$T -- true </dev/null >"$T_TMP/s1.out" 2>&1 &
pe=$!
t_cleanup "kill -9 $pe"
child= reaper=
for _ in $(seq 400); do
	for r in $(pgrep -P "$pe"); do
		c=$(pgrep -P "$r" | head -1)
		if [ -n "$c" ] && stopped "$c"; then reaper=$r child=$c; fi
	done
	[ -n "$child" ] && break
	sleep 0.05
done
if [ -z "$child" ]; then
	t_fail "the session's command never paused"
else
	scan=$(nsenter -t "$T" -a $PY "$T_TMP/scan.py" "$(pod_pid "$reaper")" "$(pod_pid "$child")" 2>&1)
	printf '%s\n' "$scan" | sed 's/^/  # /'
	t_expect_match "the pod sees the session's fds (the attack ran)" "$scan" "^[0-9]+ 0 "
	t_expect_nomatch "no pidfd in the session" "$scan" "pidfd"
	t_expect_nomatch "no audit log in the session" "$scan" "audit.log"
	t_expect_nomatch "no /proc handle in the session" "$scan" " /proc"
	# One socket is the session's by design: until the command executed,
	# the reaper holds its end of podenter's watch (reaper.h), a
	# socketpair whose other end is podenter's (never a syslog socket,
	# whose peer is the node's logger). The command holds none.
	t_expect_nomatch "no socket in the command" "$scan" "^$(pod_pid "$child") [0-9]+ socket:"
	own=" $(ls -l "/proc/$pe/fd" | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')"
	bad=
	for ino in $(printf '%s\n' "$scan" | sed -n 's/.* socket:\[\([0-9]*\)\]$/\1/p' | sort -u); do
		peer=$(ss -xn | awk -v i="$ino" '$6 == i { print $8 }')
		case "$own" in *" $peer "*) [ -n "$peer" ] || bad="$bad $ino" ;; *) bad="$bad $ino" ;; esac
	done
	t_expect_eq "no socket in the session but the watch's channel to podenter" "$bad" ""
	# The reaper also holds its own program until it executes it: a
	# sealed memfd the stage made (reaper.h), nothing of the node's
	t_expect_eq "only pipes (and that channel): the session's stdio" \
		"$(printf '%s\n' "$scan" | awk -v r="$(pod_pid "$reaper")" '$3 !~ /^pipe:/ && $3 !~ /^socket:/ &&
			!($1 == r && $3 ~ /^\/memfd:podenter-reaper/)' | sed 's/^/  # /')" ""
	t_expect_nomatch "the command holds no memfd" "$scan" "^$(pod_pid "$child") [0-9]+ /memfd:"
fi
kill -CONT "$child" 2>/dev/null
t_wait_for 200 bash -c "! kill -0 $pe 2>/dev/null"

# --- (2) the operator's output file --------------------------------------
cat >"$T_TMP/reopen.py" <<'PY'
import os, sys
path = "/proc/%s/fd/1" % sys.argv[1]
print("link", os.readlink(path))
try:
    fd = os.open(path, os.O_RDWR | os.O_TRUNC | os.O_NONBLOCK)
except OSError as e:
    print("open", e.errno)
    sys.exit(0)
try:
    data = os.read(fd, 4096)
except OSError:
    data = b""
print("read", data.decode(errors="replace").strip() or "nothing")
PY
echo "secret-before" >"$T_TMP/node-out"
"$PODENTER" pid:$T -- sleep 3131 </dev/null >>"$T_TMP/node-out" 2>"$T_TMP/s2.err" &
pe=$!
t_cleanup "kill -9 $pe"
t_wait_for 400 pgrep -x -f 'sleep 3131' >/dev/null || t_fail "the session did not start"
cmd=$(pgrep -x -f 'sleep 3131' | head -1)
out=$(nsenter -t "$T" -a $PY "$T_TMP/reopen.py" "$(pod_pid "$cmd")" 2>&1)
printf '%s\n' "$out" | sed 's/^/  # /'
t_expect_nomatch "fd 1 of the session is not the node's file" "$out" "node-out"
t_expect_nomatch "the pod read nothing of the node's file" "$out" "secret-before"
t_expect_eq "the node's file was not truncated" "$(head -1 "$T_TMP/node-out")" "secret-before"
kill "$pe"
wait "$pe" 2>/dev/null

t_done
