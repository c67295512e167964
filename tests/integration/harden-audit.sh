#!/bin/bash
# The audit trail of a real session, checked field by field: the JSON lines
# file (--audit-log) and the syslog datagrams (to a socket of the test's
# own, through PODENTER_TEST_SYSLOG, so the node's /dev/log is not needed).
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
t_require_test_hooks

e_make_target audited
T=$E_PID
LOG=$T_TMP/audit.jsonl
SOCK=$T_TMP/syslog.sock
export PODENTER_TEST_SYSLOG=$SOCK

# A syslog socket that writes each datagram it gets as one line.
/usr/bin/python3 -c '
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as out:
    while True:
        out.write(s.recv(65536).decode() + "\n")
' "$SOCK" "$T_TMP/syslog.txt" &
t_cleanup "kill $!"
t_wait_for 400 test -e "$SOCK.ready" || { echo "no syslog listener" >&2; exit 1; }

jget() { # line-number key.path
	sed -n "$1p" "$LOG" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k] if not isinstance(v, list) else v[int(k)]
print(json.dumps(v) if isinstance(v, (list, dict, bool)) or v is None else v)
' "$2" 2>&1
}

t_podenter --audit-log "$LOG" --profile netadmin pid:$T -- sh -c 'exit 7' </dev/null
t_expect_rc "audited session: exit status passed through" 7
t_expect_eq "two records" "$(wc -l <"$LOG")" 2
t_expect_eq "file is private (0600)" "$(stat -c %a "$LOG")" 600
t_expect_eq "start: event" "$(jget 1 event)" session-start
t_expect_eq "end: event" "$(jget 2 event)" session-end
t_expect_eq "one session id for both" "$(jget 1 session)" "$(jget 2 session)"
t_expect_match "session id: 128 random bits" "$(jget 1 session)" '^[0-9a-f]{32}$'
t_expect_match "when: RFC 3339 UTC" "$(jget 1 time)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$'
# the moment is the clock's, in UTC, to the second
when=$(jget 1 time)
now=$(date -u +%s)
then_=$(date -u -d "${when%.*}Z" +%s 2>/dev/null || echo 0)
if ((then_ <= now && now - then_ < 120)); then
	t_pass "  the clock's moment ($when, now $(date -u +%FT%TZ))"
else
	t_fail "  the clock's moment: $when, now $(date -u +%FT%TZ)"
fi
# and found without the time zone database (glibc's gmtime_r loads it:
# TZ, /etc/localtime), which UTC does not need
TZ=Europe/Paris strace -f -qq -e trace=open,openat,openat2 -o "$T_TMP/tz" \
	"$PODENTER" --audit-log "$T_TMP/tz.jsonl" pid:$T --view none -- true </dev/null >/dev/null 2>&1
t_expect_match "  its session ran under strace" "$(cat "$T_TMP/tz")" "execve|openat"
t_expect_nomatch "  and read no time zone file" "$(cat "$T_TMP/tz")" "localtime|zoneinfo|Paris"
t_expect_match "  its record in UTC all the same" "$(tail -1 "$T_TMP/tz.jsonl")" '"time":"[0-9-]{10}T[0-9:.]{12}Z"'
t_expect_eq "who: uid" "$(jget 1 uid)" "$(id -u)"
want_login=$(cat /proc/self/loginuid)
[ "$want_login" = 4294967295 ] && want_login=-1
t_expect_eq "who: login uid" "$(jget 1 loginuid)" "$want_login"
t_expect_eq "who: tty (none here)" "$(jget 1 tty)" ""
t_expect_match "who: podenter's pid" "$(jget 1 podenter_pid)" '^[0-9]+$'
t_expect_eq "target: pid" "$(jget 1 target.pid)" "$T"
t_expect_eq "namespaces joined" "$(jget 1 namespaces)" '["cgroup", "ipc", "uts", "net", "pid", "mnt"]'
t_expect_eq "view" "$(jget 1 view)" none
t_expect_eq "profile" "$(jget 1 profile)" netadmin
t_expect_match "capabilities" "$(jget 1 capabilities)" 'CAP_NET_ADMIN'
t_expect_eq "seccomp" "$(jget 1 seccomp)" runtime-default
t_expect_eq "no_new_privs" "$(jget 1 no_new_privs)" true
t_expect_eq "user" "$(jget 1 user)" 0
t_expect_eq "pty" "$(jget 1 pty)" false
t_expect_eq "command" "$(jget 1 command)" '["sh", "-c", "exit 7"]'
t_expect_eq "end: exit status" "$(jget 2 exit_status)" 7
t_expect_match "end: duration" "$(jget 2 duration_ms)" '^[0-9]+$'
if sed -n 1p "$LOG" | grep -q exit_status; then t_fail "start record has an exit status"; else t_pass "start record has no exit status"; fi

# syslog got the same two records, as AUTHPRIV notices
t_wait_for 400 sh -c "[ \$(grep -c podenter '$T_TMP/syslog.txt') -ge 2 ]"
t_expect_match "syslog: start record" "$(sed -n 1p "$T_TMP/syslog.txt")" '^<85>podenter\[[0-9]+\]: \{"event":"session-start"'
t_expect_match "syslog: end record with the status" "$(sed -n 2p "$T_TMP/syslog.txt")" '"event":"session-end".*"exit_status":7'

# a command that is not there: still one start and one end, status 127
t_podenter --audit-log "$LOG" pid:$T -- /no/such/command
t_expect_rc "missing command: 127" 127
t_expect_eq "missing command: recorded as 127" "$(jget 4 exit_status)" 127
t_expect_eq "default profile recorded" "$(jget 3 profile)" general

# an interactive session: the caller's tty and the pty are recorded
script -qec "$PODENTER --audit-log $LOG pid:$T -- true" /dev/null </dev/null >/dev/null 2>&1
t_expect_match "interactive: caller's tty" "$(jget 5 tty)" '^/dev/pts/[0-9]+$'
t_expect_eq "interactive: pty allocated" "$(jget 5 pty)" true

# failure to write the record stops the session, before anything starts
rm -f "$T_TMP/ran"
t_podenter --audit-log /dev/full pid:$T -- touch "$T_TMP/ran"
t_expect_rc "audit log full: 125" 125
t_expect_match "audit log full: says why" "$T_ERR" "audit log"
[ -e "$T_TMP/ran" ] && t_fail "audit log full: the command ran" || t_pass "audit log full: the command did not run"
t_podenter --audit-log "$T_TMP/no/such/dir/log" pid:$T -- touch "$T_TMP/ran"
t_expect_rc "audit log unopenable: 125" 125
[ -e "$T_TMP/ran" ] && t_fail "audit log unopenable: the command ran" || t_pass "audit log unopenable: the command did not run"
ln -s /etc/hostname "$T_TMP/link.log"
t_podenter --audit-log "$T_TMP/link.log" pid:$T -- touch "$T_TMP/ran"
t_expect_rc "audit log is a symlink: refused (125)" 125
[ -e "$T_TMP/ran" ] && t_fail "audit log symlink: the command ran" || t_pass "audit log symlink: the command did not run"

# A container target gets the tools view by default, a private mount
# namespace with other files at the same paths: the records must still land
# in the node's file and syslog, not in the view.
e_make_target audited-view
CT=$E_PID
cid=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
cg="kubepods/besteffort/pod$(cat /proc/sys/kernel/random/uuid)/$cid"
t_make_cgroup "$cg"
t_join_cgroup "$CT" "$cg"
VLOG=$T_TMP/view-audit.jsonl
before=$(wc -l <"$T_TMP/syslog.txt")
# (with a login uid of its own: the view has no /proc of the node's, so the
# caller is read before it is built)
T_RC=0
sh -c 'echo 4242 >/proc/self/loginuid && exec "$@"' sh \
	"$PODENTER" --audit-log "$VLOG" --tools builtin pid:$CT -- sh -c 'test -d /target' \
	>"$T_TMP/out" 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "a session in the tools view runs" 0
t_expect_match "the session was in a view" "$T_ERR" "tools: builtin"
t_expect_eq "the view session's file records are on the node" "$(wc -l <"$VLOG" 2>/dev/null)" 2
LOG=$VLOG
t_expect_eq "the view session's record names the caller's login uid" "$(jget 1 loginuid)" 4242
t_expect_eq "the view session's end record too" "$(jget 2 loginuid)" 4242
t_wait_for 100 test "$(wc -l <"$T_TMP/syslog.txt")" -ge "$((before + 2))"
t_expect_eq "the view session's syslog records reached the node's socket" \
	"$(($(wc -l <"$T_TMP/syslog.txt") - before))" 2

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
