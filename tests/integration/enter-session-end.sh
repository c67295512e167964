#!/bin/bash
# Nothing the session started outlives it (reaper.h): processes left in the
# background (`&`, nohup + setsid, a double-forked daemon) are killed when
# the command exits, when podenter is killed with SIGKILL, and when a
# forwarded SIGTERM ends the command; as another user and without the PID
# namespace too. The pod's own processes are never touched.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root

e_make_target endt
T=$E_PID
pod_before=$(pgrep -c -f '^sleep 100[01]$')

# the session's leftovers carry a marker in their command line: sleep 4NNN
left() { pgrep -f "^sleep $1\$" >/dev/null; }
none_left() { ! left "$1"; }
t_cleanup "pkill -9 -f '^sleep 4[0-9]{3}\$'"

# Background processes of every kind, then the command exits: all gone,
# and the command's status is podenter's.
LEAVE='sleep 4001 & nohup setsid sleep 4002 >/dev/null 2>&1 &
	(sh -c "sleep 4003 &" &) ; sleep 0.2; exit 3'
t_podenter pid:"$T" -- sh -c "$LEAVE"
t_expect_rc "the command's status is podenter's" 3
for n in 4001 4002 4003; do
	if t_wait_for 100 none_left $n; then t_pass "exit: the session's sleep $n is gone"; else
		t_fail "exit: sleep $n outlived the session"; fi
done

# podenter killed with SIGKILL mid-session: the reaper hears of it.
"$PODENTER" pid:"$T" -- sh -c 'sleep 4011 & nohup setsid sleep 4012 >/dev/null 2>&1 & exec sleep 4013' \
	</dev/null >/dev/null 2>&1 &
pe=$!
t_cleanup "kill -9 $pe"
if t_wait_for 400 left 4013 && t_wait_for 400 left 4012; then
	kill -9 $pe
	wait $pe 2>/dev/null
	for n in 4011 4012 4013; do
		if t_wait_for 200 none_left $n; then t_pass "SIGKILL of podenter: sleep $n is gone"; else
			t_fail "SIGKILL of podenter: sleep $n outlived podenter"; fi
	done
else
	t_fail "SIGKILL of podenter: the session did not start"
fi

# SIGTERM to podenter is forwarded; the command ends, the rest is killed.
"$PODENTER" pid:"$T" -- sh -c 'sleep 4021 & exec sleep 4022' </dev/null >/dev/null 2>&1 &
pe=$!
if t_wait_for 400 left 4022 && t_wait_for 400 left 4021; then
	kill -TERM $pe
	T_RC=0
	wait $pe || T_RC=$?
	t_expect_rc "SIGTERM: podenter exits 128+15" 143
	t_wait_for 200 none_left 4021 && t_pass "SIGTERM: the background sleep is gone" ||
		t_fail "SIGTERM: the background sleep outlived the session"
else
	t_fail "SIGTERM: the session did not start"
fi

# As another user: the reaper still kills what the session left.
t_podenter --user 1000 pid:"$T" -- sh -c 'nohup setsid sleep 4031 >/dev/null 2>&1 & sleep 0.2'
t_expect_rc "--user 1000: exit 0" 0
t_wait_for 100 none_left 4031 && t_pass "--user 1000: the background sleep is gone" ||
	t_fail "--user 1000: the background sleep outlived the session"

# Without the PID namespace (network only): leftovers live in the host's
# PID namespace and are killed all the same.
t_podenter pid:"$T" --net-only -- sh -c 'nohup setsid sleep 4041 >/dev/null 2>&1 & sleep 0.2'
t_expect_rc "--net-only: exit 0" 0
t_wait_for 100 none_left 4041 && t_pass "--net-only: the background sleep is gone" ||
	t_fail "--net-only: the background sleep outlived the session"

# The pod's own processes: all still there.
t_expect_eq "the target's processes are untouched" "$(pgrep -c -f '^sleep 100[01]$')" "$pod_before"
kill -0 "$T" && t_pass "the target's init still runs" || t_fail "the target's init died"

t_done
