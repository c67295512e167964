#!/bin/bash
# The command's result comes back faithfully: exit codes 0, 7, 126, 127,
# 128+N; signals sent to podenter reach the command; killing podenter kills
# the command; only fds 0, 1 and 2 reach the command; a target without
# /bin/sh (distroless) gets a clear 127.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root

e_make_target tgt-exit
T=pid:$E_PID

t_podenter "$T" -- true
t_expect_rc "exit 0 passes through" 0
t_podenter "$T" -- sh -c 'exit 7'
t_expect_rc "exit 7 passes through" 7
t_podenter "$T" -- /etc/passwd
t_expect_rc "a file that cannot be run: 126" 126
t_expect_match "126 says why" "$T_ERR" "cannot run /etc/passwd: not executable \(mode 0644\)"
t_podenter "$T" -- no-such-command-here
t_expect_rc "a command that does not exist: 127" 127
t_expect_match "127 names the command" "$T_ERR" "no-such-command-here: command not found"
t_podenter "$T" -- /no/such/file
t_expect_rc "a path that does not exist: 127" 127
t_podenter "$T" -- sh -c 'kill -9 $$'
t_expect_rc "killed by SIGKILL: 128+9" 137
t_podenter "$T" -- sh -c 'kill -TERM $$'
t_expect_rc "killed by SIGTERM: 128+15" 143
t_podenter pid:999999999 -- true
t_expect_rc "no such target: 125" 125
t_podenter "$T" --user no-such-user-here -- true
t_expect_rc "bad --user: 125" 125
t_expect_match "bad --user: says where it looked" "$T_ERR" "no such user in the target's /etc/passwd"
t_podenter "$T" -e NOEQUALS -- true
t_expect_rc "bad -e: 125" 125

# Only 0, 1, 2: podenter's caller leaks fd 7 on purpose (not CLOEXEC).
exec 7</dev/null
"$PODENTER" "$T" -- sleep 1004 &
p=$!
t_wait_for 400 pgrep -f '^sleep 1004$' >/dev/null
cmdpid=$(pgrep -f '^sleep 1004$')
t_expect_eq "only fds 0 1 2 in the command (seen from the host)" \
	"$(ls "/proc/$cmdpid/fd" | sort -n | tr '\n' ' ')" "0 1 2 "
kill -TERM "$p"
wait "$p" 2>/dev/null
t_podenter "$T" -- ls -l /proc/self/fd
t_expect_eq "ls -l /proc/self/fd: 0 1 2 and ls's own directory" \
	"$(printf '%s\n' "$T_OUT" | awk 'NR > 1 {print $9}' | tr '\n' ' ')" "0 1 2 3 "
t_expect_match "fd 3 is ls reading the directory" "$T_OUT" " 3 -> /proc/[0-9]+/fd"
exec 7<&-

# Signals sent to podenter reach the command (which decides its exit code).
for sig in TERM USR1 HUP USR2; do
	rm -f "$T_TMP/ready" "$T_TMP/got"
	"$PODENTER" "$T" -- sh -c "trap 'echo $sig >$T_TMP/got; exit 3' $sig
		touch $T_TMP/ready; while :; do sleep 0.05; done" &
	p=$!
	t_wait_for 400 test -e "$T_TMP/ready" || t_fail "$sig: command did not start"
	kill -"$sig" "$p"
	rc=0
	t_wait_pid "$p" || rc=$?
	t_expect_eq "SIG$sig forwarded: the command's exit code" "$rc" 3
	t_expect_eq "SIG$sig forwarded: the command saw it" "$(cat "$T_TMP/got" 2>/dev/null)" "$sig"
done

# A command that does not handle the signal dies of it: 128+N.
rm -f "$T_TMP/ready"
"$PODENTER" "$T" -- sh -c "touch $T_TMP/ready; exec sleep 1002" &
p=$!
t_wait_for 400 test -e "$T_TMP/ready"
t_wait_for 400 pgrep -f '^sleep 1002$' >/dev/null
kill -TERM "$p"
rc=0
t_wait_pid "$p" || rc=$?
t_expect_eq "SIGTERM to podenter: the command died of it, 143" "$rc" 143

# podenter killed outright: its command goes with it (PR_SET_PDEATHSIG),
# and no mount of the session shows in the host or the target.
host_mounts=$(e_host_proc_sys_mounts)
target_mounts=$(cut -d' ' -f5,9- "/proc/$E_PID/mountinfo" | sort)
rm -f "$T_TMP/ready"
"$PODENTER" "$T" -- sh -c "touch $T_TMP/ready; exec sleep 1003" &
p=$!
t_wait_for 400 test -e "$T_TMP/ready"
t_wait_for 400 pgrep -f '^sleep 1003$' >/dev/null
t_expect_eq "during a session: the target's mounts are unchanged" \
	"$(cut -d' ' -f5,9- "/proc/$E_PID/mountinfo" | sort)" "$target_mounts"
t_expect_eq "during a session: the host's mounts are unchanged" "$(e_host_proc_sys_mounts)" "$host_mounts"
kill -KILL "$p"
wait "$p" 2>/dev/null
if t_wait_for 400 sh -c '! pgrep -f "^sleep 1003$" >/dev/null'; then
	t_pass "kill -9 of podenter ends the command"
else
	t_fail "the command outlived podenter"
	pkill -9 -f '^sleep 1003$'
fi
t_expect_eq "after kill -9: the host's mounts are unchanged" "$(e_host_proc_sys_mounts)" "$host_mounts"
t_expect_eq "after kill -9: the target's mounts are unchanged" \
	"$(cut -d' ' -f5,9- "/proc/$E_PID/mountinfo" | sort)" "$target_mounts"

# --no-stdin (as ssh -n): a loop reading its own stdin runs podenter on every
# line; without it the first session reads (and swallows) the rest.
loop() { printf 'one\ntwo\nthree\n' | while read -r line; do
	"$PODENTER" "$@" pid:"$E_PID" -- sh -c 'cat; echo "ran $0"' "$line"; done; }
t_expect_eq "--no-stdin: a session per line, each reading end-of-file" \
	"$(loop --no-stdin 2>&1 | tr '\n' ' ')" "ran one ran two ran three "
t_expect_eq "without it the first session reads the loop's input" \
	"$(loop 2>&1 | tr '\n' ' ')" "two three ran one "
t_podenter -t --no-stdin pid:"$E_PID" -- true
t_expect_rc "-t with --no-stdin: 125" 125

# Distroless: no /bin/sh in the target's root.
e_make_distroless tgt-distroless
t_podenter pid:"$E_PID"
t_expect_rc "no /bin/sh and no command: 127" 127
t_expect_match "says the target has no /bin/sh" "$T_ERR" "no /bin/sh"
t_expect_match "points at a tools view" "$T_ERR" "tools"
t_podenter pid:"$E_PID" -- /busybox echo inside
t_expect_rc "the target's own binary runs" 0
t_expect_eq "its output" "$T_OUT" "inside"
t_podenter pid:"$E_PID" -- /busybox ls /
t_expect_eq "the command sees the target's root" "$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" \
	"busybox old proc tmp "
t_podenter pid:"$E_PID" --wd target -- /busybox pwd
t_expect_eq "--wd target: the target's cwd inside its root" "$T_OUT" "/tmp"
t_podenter pid:"$E_PID" --wd /nonexistent -- /busybox pwd
t_expect_rc "--wd to a missing directory: 125" 125

t_done
