#!/bin/bash
# A paused container (docker pause, podman pause, ctr task pause) is a
# process in a frozen cgroup: podenter says "paused", from cgroup v1's
# freezer.state or v2's cgroup.events, read like every node file. Real
# cgroups, a real process frozen by the kernel, in both hierarchies where the
# machine has them (v1 freezer and the v2 tree, hybrid or v2-only). Entering
# it with --join-cgroup container is refused (podenter would freeze itself).
source "$TESTLIB"
t_require_root

uid=$(cat /proc/sys/kernel/random/uuid)
id=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
rel="kubepods/besteffort/pod$uid/$id"
t_make_cgroup "$rel"

v1=/sys/fs/cgroup/freezer/$rel
v2=""
for d in /sys/fs/cgroup/unified /sys/fs/cgroup; do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ] && [ -f "$d/$rel/cgroup.freeze" ]; then
		v2=$d/$rel
		break
	fi
done
[ -f "$v1/freezer.state" ] || [ -n "$v2" ] || t_skip_all "no cgroup freezer here (neither v1 freezer nor v2 cgroup.freeze)"

thaw() {
	[ -f "$v1/freezer.state" ] && echo THAWED >"$v1/freezer.state"
	[ -n "$v2" ] && echo 0 >"$v2/cgroup.freeze"
	sleep 0.2
	return 0
}
t_cleanup thaw

pid=$(t_spawn sleep 1000)
t_join_cgroup "$pid" "$rel"
grep -q "$id" "/proc/$pid/cgroup" || t_skip_all "cannot move a process into a test cgroup here"

expect_state() { # WHAT STATE: what inspect and list say of the process
	t_podenter inspect -o json "pid:$pid"
	t_expect_rc "inspect pid:$pid ($1)" 0
	t_expect_eq "$1: inspect" "$(t_json "$T_OUT" "d['state']")" "$2"
}

expect_state "a process in a thawed cgroup" running

# --join-cgroup into a frozen cgroup would freeze podenter itself (it moves
# in before it forks the session): refused with 125, within the bound, and
# podenter stays where it was
refuses_frozen_join() { # WHAT
	local before
	before=$(cat /proc/self/cgroup)
	T_RC=0
	timeout -s KILL 20 "$PODENTER" pid:"$pid" --join-cgroup container -- true \
		>"$T_TMP/join.out" 2>"$T_TMP/join.err" || T_RC=$?
	T_OUT=$(cat "$T_TMP/join.out")
	T_ERR=$(cat "$T_TMP/join.err")
	t_expect_rc "$1: --join-cgroup container refused, not frozen" 125
	t_expect_match "$1: says why" "$T_ERR" "is frozen \(the container is paused\)"
	t_expect_eq "$1: the shell's cgroups are unchanged" "$(cat /proc/self/cgroup)" "$before"
}
t_podenter pid:"$pid" --join-cgroup container -- true
t_expect_rc "--join-cgroup container into a thawed cgroup works" 0

if [ -f "$v1/freezer.state" ]; then
	echo FROZEN >"$v1/freezer.state"
	t_wait_for 100 grep -qx FROZEN "$v1/freezer.state" || t_fail "v1 freezer did not freeze"
	expect_state "cgroup v1 freezer FROZEN: paused" paused
	refuses_frozen_join "cgroup v1 freezer FROZEN"
	echo THAWED >"$v1/freezer.state"
	t_wait_for 100 grep -qx THAWED "$v1/freezer.state" || t_fail "v1 freezer did not thaw"
	expect_state "cgroup v1 freezer THAWED: running again" running
else
	echo "# no cgroup v1 freezer on this machine: the v1 case is not run"
fi

if [ -n "$v2" ]; then
	echo 1 >"$v2/cgroup.freeze"
	t_wait_for 100 grep -qx 'frozen 1' "$v2/cgroup.events" || t_fail "v2 cgroup did not freeze"
	expect_state "cgroup v2 cgroup.freeze 1: paused" paused
	refuses_frozen_join "cgroup v2 frozen"
	echo 0 >"$v2/cgroup.freeze"
	t_wait_for 100 grep -qx 'frozen 0' "$v2/cgroup.events" || t_fail "v2 cgroup did not thaw"
	expect_state "cgroup v2 thawed: running again" running
else
	echo "# no cgroup v2 freezer on this machine: the v2 case is not run"
fi

t_done
