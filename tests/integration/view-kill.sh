#!/bin/bash
# SIGKILL of podenter at any step of building a view, or mid-session, leaves
# no mount in the host's or the container's mount table and no process:
# every mount lives in podenter's private mount namespace, which dies with
# it. The steps are reached with the test hook PODENTER_TEST_PAUSE_AT.
source "$TESTLIB"
t_require_root
t_require_test_hooks
source "$(dirname "$0")/view-common.sh"

v_make_busybox kl
KL_PID=$V_PID KL_ROOT=$V_ROOT
tree_before=$(v_tree "$KL_ROOT")

stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }

for view in tools merged container; do
	for point in view-cloned view-staged view-entered; do
		what="$view, killed at $point"
		v_snap "$KL_PID" "before"
		PODENTER_TEST_PAUSE_AT=$point "$PODENTER" pid:"$KL_PID" --view $view \
			--tools builtin -- true >/dev/null 2>&1 &
		pe=$!
		t_cleanup "kill -9 $pe"
		if ! t_wait_for 600 stopped $pe; then
			t_fail "$what: podenter never reached the step"
			continue
		fi
		kill -9 $pe
		wait $pe 2>/dev/null
		t_wait_for 200 gone $pe || t_fail "$what: podenter survived SIGKILL"
		v_expect_unchanged "$what" "$KL_PID" before
	done

	# Mid-session: the command runs; its mounts are invisible outside
	# while it runs, and nothing remains after podenter is killed.
	v_snap "$KL_PID" "before"
	"$PODENTER" pid:"$KL_PID" --view $view --tools builtin -- sleep 777 >/dev/null 2>&1 &
	pe=$!
	t_cleanup "kill -9 $pe"
	# the command runs under the session's reaper (a child of podenter)
	session() { pgrep -x -f 'sleep 777' >/dev/null; }
	if ! t_wait_for 600 session; then
		t_fail "$view: the session did not start"
		continue
	fi
	child=$(pgrep -x -f 'sleep 777')
	v_expect_unchanged "$view, during the session" "$KL_PID" before
	kill -9 $pe
	wait $pe 2>/dev/null
	t_wait_for 200 gone "$child" && t_pass "$view: the session died with podenter" ||
		t_fail "$view: the session outlived podenter"
	v_expect_unchanged "$view, after kill -9 mid-session" "$KL_PID" before
done
t_expect_eq "nothing written into the container" "$(v_tree "$KL_ROOT")" "$tree_before"

t_done
