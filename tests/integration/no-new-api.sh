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

# integration scripts that open beneath roots and mount views
for s in resolve-fixtures view-tools view-container view-hostile harden-files; do
	if timeout -k 5 300 "$NO_NEW_API" bash "$here/$s.sh" >"$T_TMP/$s.log" 2>&1; then
		t_pass "$s.sh without openat2 or the new mount API ($(grep -c '^ok' "$T_TMP/$s.log") checks)"
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

t_done
