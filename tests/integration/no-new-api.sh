#!/bin/bash
# The suite's resolution, view and open-beneath tests again, on a "kernel"
# without openat2 and the new mount API: tests/no-new-api (a seccomp filter
# answering ENOSYS) runs them, so podenter's fallbacks (the component walk
# of pe_open_beneath, mount(2) onto /proc/self/fd/N) are what is tested.
# The product has no switch for this; the filter is the only way in.
source "$TESTLIB"
t_require_root
[ -x "$NO_NEW_API" ] || t_skip_all "tests/no-new-api is not built (make check builds it)"

builddir=$(dirname "$PODENTER")
here=$(dirname "${BASH_SOURCE[0]}")

# the wrapper itself: the calls answer ENOSYS, everything else works
out=$("$NO_NEW_API" python3 -c '
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
print(libc.syscall(437, -100, b"/", None, 0), ctypes.get_errno() == errno.ENOSYS)
' 2>&1)
t_expect_eq "under the wrapper openat2 answers ENOSYS" "$out" "-1 True"

# unit tests of open-beneath, reading node files, resolution, views' trees
for u in test_hostroot test_image test_resolve test_guards test_cgroupjoin; do
	if [ ! -x "$builddir/tests/unit/$u" ]; then
		t_fail "$u is not built"
		continue
	fi
	if timeout -k 5 120 "$NO_NEW_API" "$builddir/tests/unit/$u" >"$T_TMP/$u.log" 2>&1; then
		t_pass "$u without openat2 or the new mount API"
	else
		t_fail "$u without openat2 or the new mount API"
		tail -20 "$T_TMP/$u.log" | sed 's/^/  | /'
	fi
done

# Integration scripts that open beneath roots and mount views. The tools and
# merged views need open_tree (Linux 5.2, see below): their scripts run on a
# kernel that has the mount API but not openat2 (5.2 to 5.5).
for s in resolve-fixtures harden-files view-tools view-container view-hostile cp; do
	mode=()
	case $s in view-*) mode=(--openat2-only) ;; esac
	if timeout -k 5 300 "$NO_NEW_API" "${mode[@]}" bash "$here/$s.sh" >"$T_TMP/$s.log" 2>&1; then
		t_pass "$s.sh without openat2${mode:+ (mount API kept)}${mode:- or the new mount API} ($(grep -c '^ok' "$T_TMP/$s.log") checks)"
	else
		rc=$?
		if [ $rc = 77 ]; then
			echo "# $s.sh skipped: $(grep -m1 SKIP "$T_TMP/$s.log")"
			continue
		fi
		t_fail "$s.sh without openat2 or the new mount API (exit $rc)"
		grep -E '^not ok|^  ' "$T_TMP/$s.log" | head -20 | sed 's/^/  | /'
	fi
done

# A kernel with the mount API whose procfs has no "pidns" parameter (before
# 6.18): the session's process makes the session's /proc inside the pod's
# PID namespace, then drops to the session's capabilities (session.c). The
# sessions, their guarded /proc and the stage's other steps work the same.
for s in enter-namespaces view-proc-guard harden-reaper-noexec harden-ptrace-window; do
	if timeout -k 5 300 "$NO_NEW_API" --no-procfs-pidns bash "$here/$s.sh" >"$T_TMP/$s-pidns.log" 2>&1; then
		t_pass "$s.sh without procfs's pidns ($(grep -c '^ok' "$T_TMP/$s-pidns.log") checks)"
	else
		rc=$?
		if [ $rc = 77 ]; then
			echo "# $s.sh skipped: $(grep -m1 SKIP "$T_TMP/$s-pidns.log")"
			continue
		fi
		t_fail "$s.sh without procfs's pidns (exit $rc)"
		grep -E '^not ok|^  ' "$T_TMP/$s-pidns.log" | head -20 | sed 's/^/  | /'
	fi
done

# There the stage takes the target's own procfs instead, checked to be of
# the target's PID namespace: a target whose /proc is the node's procfs (a
# PID namespace without its own /proc mounted) must get a fresh one made
# inside its namespace, never the node's processes.
unshare --fork --kill-child --pid --mount --net sh -c 'exec sleep 1002' >/dev/null 2>&1 &
outer=$!
t_cleanup "kill -9 $outer"
t_wait_for 400 pgrep -P "$outer" -x sleep >/dev/null
nodeproc_target=$(pgrep -P "$outer" -x sleep | head -1)
t_expect_eq "the target's /proc is the node's procfs" \
	"$(nsenter -t "${nodeproc_target:-0}" -m cat /proc/1/comm)" "$(cat /proc/1/comm)"
T_WRAP=("$NO_NEW_API" --no-procfs-pidns)
t_podenter pid:"${nodeproc_target:-0}" --view none -- cat /proc/1/comm </dev/null
T_WRAP=()
t_expect_rc "without procfs's pidns, a /proc that is the node's: the session runs" 0
t_expect_eq "  its /proc is of the target's PID namespace, not the node's" "$T_OUT" sleep

# Before Linux 5.2 (no open_tree) the tools view cannot be built: podenter
# says so and leaves nothing behind; --view none still works.
source "$here/enter-common.sh"
e_make_target old-kernel
before=$(t_mountinfo)
T_WRAP=("$NO_NEW_API")
t_podenter pid:"$E_PID" --view tools --tools builtin -- true </dev/null
t_expect_rc "no mount API: the tools view is refused" 125
t_expect_match "no mount API: the refusal names open_tree" "$T_ERR" "lacks open_tree"
t_expect_eq "no mount API: no mount left behind" "$(t_mountinfo)" "$before"
t_podenter pid:"$E_PID" --view none -- cat /proc/sys/kernel/hostname </dev/null
t_expect_rc "no mount API: --view none enters (fresh /proc by mount(2))" 0
t_expect_eq "no mount API: inside the target" "$T_OUT" old-kernel
T_WRAP=()

t_done
