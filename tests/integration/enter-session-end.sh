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

# leave NAME RC "MARKERS" GATE podenter-args...: podenter in the
# background; the session starts each marker's "sleep N" and then waits in
# "sleep GATE". Every marker must be seen running (else "gone" would prove
# nothing), then the gate is ended, the command exits, podenter's status
# must be RC and every marker gone.
leave() {
	local name=$1 rc=$2 markers=$3 gate=$4 pe n gate_pid
	shift 4
	"$PODENTER" "$@" </dev/null >/dev/null 2>"$T_TMP/leave.err" &
	pe=$!
	t_cleanup "kill -9 $pe"
	for n in $markers $gate; do
		if t_wait_for 400 left "$n"; then t_pass "$name: the session's sleep $n ran"; else
			t_fail "$name: the session's sleep $n was never seen: $(cat "$T_TMP/leave.err")"; fi
	done
	gate_pid=$(pgrep -f "^sleep $gate\$")
	[ -n "$gate_pid" ] && kill "$gate_pid"
	T_RC=0
	t_wait_pid "$pe" || T_RC=$?
	T_OUT="" T_ERR=$(cat "$T_TMP/leave.err")
	t_expect_rc "$name: the command's status is podenter's" "$rc"
	for n in $markers; do
		if t_wait_for 100 none_left "$n"; then t_pass "$name: the session's sleep $n is gone"; else
			t_fail "$name: sleep $n outlived the session"; fi
	done
}

# Background processes of every kind, then the command exits: all gone,
# and the command's status is podenter's.
LEAVE='sleep 4001 & nohup setsid sleep 4002 >/dev/null 2>&1 &
	(sh -c "sleep 4003 &" &) ; sleep 4009; exit 3'
leave exit 3 "4001 4002 4003" 4009 pid:"$T" -- sh -c "$LEAVE"

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
	t_wait_pid "$pe" || T_RC=$?
	t_expect_rc "SIGTERM: podenter exits 128+15" 143
	t_wait_for 200 none_left 4021 && t_pass "SIGTERM: the background sleep is gone" ||
		t_fail "SIGTERM: the background sleep outlived the session"
else
	t_fail "SIGTERM: the session did not start"
fi

# As another user: the reaper still kills what the session left.
leave "--user 1000" 0 4031 4039 --user 1000 pid:"$T" -- \
	sh -c 'nohup setsid sleep 4031 >/dev/null 2>&1 & sleep 4039; exit 0' 

# Without the PID namespace (network only): leftovers live in the host's
# PID namespace and are killed all the same.
leave --net-only 0 4041 4049 pid:"$T" --net-only -- \
	sh -c 'nohup setsid sleep 4041 >/dev/null 2>&1 & sleep 4049; exit 0' 

# The pod's own processes: all still there.
t_expect_eq "the target's processes are untouched" "$(pgrep -c -f '^sleep 100[01]$')" "$pod_before"
kill -0 "$T" && t_pass "the target's init still runs" || t_fail "the target's init died"

t_done
