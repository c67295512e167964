#!/bin/bash
# A target that dies between lookup and join, or whose PID is taken by
# another process, is refused with a clear message and exit 125; nothing
# runs. PODENTER_TEST_PAUSE_AT (a test-only hook) stops podenter at a chosen
# point so the target can be killed or replaced exactly there.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root
t_require_test_hooks

# wait until PID is stopped (podenter raised SIGSTOP at the hook)
stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

for point in before-pin after-pin; do
	e_make_target "tgt-$point"
	rm -f "$T_TMP/ran"
	PODENTER_TEST_PAUSE_AT=$point "$PODENTER" pid:"$E_PID" -- \
		touch "$T_TMP/ran" 2>"$T_TMP/err" &
	p=$!
	t_wait_for 400 stopped "$p" || t_fail "$point: podenter did not pause"
	kill -9 "$E_PID"
	t_wait_for 400 gone "$E_PID" || t_fail "$point: the target did not die"
	kill -CONT "$p"
	rc=0
	t_wait_pid "$p" || rc=$?
	t_expect_eq "target died at $point: exit 125" "$rc" 125
	t_expect_match "target died at $point: says so" "$(cat "$T_TMP/err")" \
		"process $E_PID exited between lookup and join"
	[ -e "$T_TMP/ran" ] && t_fail "$point: the command ran" ||
		t_pass "target died at $point: the command did not run"
done

# A reused PID: inside a private PID namespace only this script forks, so
# ns_last_pid hands the dead target's PID to the replacement for certain.
cat >"$T_TMP/reuse.sh" <<'INNER'
sleep 1000 &
t=$!
PODENTER_TEST_PAUSE_AT=before-pin "$PODENTER" pid:$t -- touch "$DIR/ran" 2>"$DIR/reuse.err" &
p=$!
while [ "$(cut -d' ' -f3 /proc/$p/stat)" != T ]; do sleep 0.02; done
kill -9 $t
wait $t 2>/dev/null
sleep 0.05 # let the clock tick: start times are in 1/100 s
echo $((t - 1)) >/proc/sys/kernel/ns_last_pid
sleep 1005 &
n=$!
[ "$n" = "$t" ] && echo reused=yes || echo "reused=no ($n, wanted $t)"
kill -CONT $p
wait $p
echo rc=$?
kill -9 $n
INNER
out=$(DIR=$T_TMP PODENTER=$PODENTER timeout -k 5 60 unshare --pid --fork --mount-proc bash "$T_TMP/reuse.sh" 2>&1)
t_expect_match "the dead target's PID was given to another process" "$out" "^reused=yes$"
t_expect_match "a reused PID: exit 125" "$out" "^rc=125$"
t_expect_match "a reused PID: says so" "$(cat "$T_TMP/reuse.err")" \
	"replaced by another process with the same PID"
[ -e "$T_TMP/ran" ] && t_fail "reused PID: the command ran" ||
	t_pass "reused PID: the command did not run"

# The same process, moved out of its container's cgroup (a container's PID
# is trusted only while its cgroup names the container).
id=ace0$(printf '%060x' $$)
uid=11111111-2222-3333-4444-$(printf '%012x' $$)
cg=kubepods/besteffort/pod$uid/$id
t_make_cgroup "$cg"
e_make_target tgt-cgroup
t_join_cgroup "$E_PID" "$cg"
t_cleanup "t_join_cgroup $E_PID ."
grep -q "$id" "/proc/$E_PID/cgroup" || t_fail "could not put the target in $cg"
rm -f "$T_TMP/ran"
PODENTER_TEST_PAUSE_AT=before-pin "$PODENTER" pid:"$E_PID" -- touch "$T_TMP/ran" \
	2>"$T_TMP/err" &
p=$!
t_wait_for 400 stopped "$p" || t_fail "cgroup: podenter did not pause"
t_join_cgroup "$E_PID" .
kill -CONT "$p"
rc=0
t_wait_pid "$p" || rc=$?
t_expect_eq "moved out of its container's cgroup: exit 125" "$rc" 125
t_expect_match "moved out of its container's cgroup: says so" "$(cat "$T_TMP/err")" \
	"left its container's cgroup"
[ -e "$T_TMP/ran" ] && t_fail "cgroup: the command ran" ||
	t_pass "moved out of its cgroup: the command did not run"

t_done
