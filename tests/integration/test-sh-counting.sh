#!/bin/bash
# test.sh's counting (tests/ci/count.sh) cannot be green by accident: a
# node suite that exits non-zero after "N passed, 0 failed" (interrupted,
# set -u abort), one that prints no count, one killed by the time bound,
# and one failing check each turn the run red; skips are counted with their
# reasons; a test-suite.log older than the run is not this run's.
source "$TESTLIB"
source "$top_srcdir/tests/ci/count.sh"

fake() { # name body: a fake e2e.sh
	printf '#!/bin/bash\n%s\n' "$2" >"$T_TMP/$1.sh"
}

# count FAKE: run it through run_e2e alone, then summary; prints the
# summary's last line and its status
count() {
	(
		PASSED=0 FAILED=0 SKIPPED=0 FAILED_STAGES=() SKIP_REASONS=()
		run_e2e e2e "$T_TMP/$1.log" "$T_TMP/$1.sh" >/dev/null
		local rc=0
		summary >"$T_TMP/$1.summary" 2>&1 || rc=$?
		echo "$(tail -1 "$T_TMP/$1.summary") status $rc"
	)
}

fake green 'echo "ok - a"; echo "4 passed, 0 failed, 1 skipped"; exit 0'
t_expect_eq "a green suite is green, its skip counted" "$(count green)" "4 passed, 0 failed, 1 skipped status 0"

fake aborted 'echo "3 passed, 0 failed"; exit 1'
t_expect_eq "exit 1 after \"3 passed, 0 failed\" is red" "$(count aborted)" "3 passed, 1 failed, 0 skipped status 1"

fake unbound 'set -u; echo "2 passed, 0 failed"; echo "$no_such_variable"'
t_expect_eq "a set -u abort after the count is red" "$(count unbound)" "2 passed, 1 failed, 0 skipped status 1"

fake failing 'echo "not ok - pods listed"; echo "5 passed, 1 failed, 2 skipped"; exit 1'
t_expect_eq "a failing check is red, counted once" "$(count failing)" "5 passed, 1 failed, 2 skipped status 1"

fake liar 'echo "5 passed, 2 failed"; exit 0'
t_expect_eq "failed checks with exit 0 are red" "$(count liar)" "5 passed, 2 failed, 0 skipped status 1"

fake silent 'echo "starting the node"; exit 0'
t_expect_eq "no count line is red" "$(count silent)" "0 passed, 2 failed, 0 skipped status 1"
# (1 for the missing line, 1 because nothing ran at all)

fake hangs 'echo "1 passed, 0 failed"; sleep 600'
t_expect_eq "a hung suite is killed by the bound and red" \
	"$(PODENTER_E2E_TIMEOUT=2 count hangs)" "1 passed, 1 failed, 0 skipped status 1"

fake hup 'trap "echo got HUP; echo \"1 passed, 0 failed\"; exit 0" HUP; kill -HUP $$; sleep 5; echo "0 passed, 1 failed"; exit 1'
t_expect_eq "the suite runs with SIGHUP at its default, even when test.sh ignores it" \
	"$(trap '' HUP; PODENTER_E2E_TIMEOUT=20 count hup)" "1 passed, 0 failed, 0 skipped status 0"

fake skipping 'echo "skip sniff-pods: no tshark"; echo "3 passed, 0 failed, 1 skipped"'
count skipping >/dev/null
t_expect_match "skips are listed with their reason" "$(cat "$T_TMP/skipping.summary")" \
	'e2e: skip sniff-pods: no tshark'

fake noqemu 'echo "vm: SKIP: qemu-system-x86_64 is not installed" >&2; exit 77'
t_expect_eq "a suite that cannot run here (77, SKIP: why) is one skip" "$(count noqemu)" \
	"0 passed, 1 failed, 1 skipped status 1"
# (the failure: nothing ran at all in this fake run)
t_expect_match "the skip is listed with its reason" "$(cat "$T_TMP/noqemu.summary")" \
	'e2e: qemu-system-x86_64 is not installed'
fake quiet77 'echo "booting"; exit 77'
t_expect_eq "exit 77 without a SKIP: line is red" "$(count quiet77)" "0 passed, 2 failed, 0 skipped status 1"

# automake's test-suite.log: only this run's counts
mkdir -p "$T_TMP/build/tests/integration"
printf '# PASS: 40\n# FAIL: 0\n# SKIP: 0\n# ERROR: 0\n' >"$T_TMP/build/test-suite.log"
touch -d '1 hour ago' "$T_TMP/build/test-suite.log"
touch "$T_TMP/stamp"
got=$(
	count_automake "$T_TMP/build" "make check" "$T_TMP/stamp" 0 >/dev/null
	echo "$PASSED passed, $FAILED failed: ${FAILED_STAGES[*]}"
)
t_expect_eq "an old test-suite.log is not counted as this run's" "$got" \
	"0 passed, 1 failed: make check (no test-suite.log from this run)"

printf '# PASS: 7\n# FAIL: 1\n# SKIP: 1\n# ERROR: 0\n' >"$T_TMP/build/test-suite.log"
printf 'SKIP: cgroup v1 only\n' >"$T_TMP/build/tests/integration/x.log"
printf ':test-result: FAIL\n' >"$T_TMP/build/tests/integration/y.trs"
printf 'not ok - y\n' >"$T_TMP/build/tests/integration/y.log"
touch -d '1 hour ago' "$T_TMP/stamp"
got=$(
	count_automake "$T_TMP/build" "make check" "$T_TMP/stamp" 2 >"$T_TMP/automake.out"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped: ${SKIP_REASONS[*]}"
)
t_expect_eq "this run's test-suite.log is counted with its skips' reasons" "$got" \
	"7 passed, 1 failed, 1 skipped: make check: SKIP: cgroup v1 only"
t_expect_match "a failing test's log is shown" "$(cat "$T_TMP/automake.out")" 'y\.log'

printf '# PASS: 7\n# FAIL: 0\n# SKIP: 0\n# ERROR: 0\n' >"$T_TMP/build/test-suite.log"
rm "$T_TMP/build/tests/integration/y.trs"
got=$(
	count_automake "$T_TMP/build" "make check" "$T_TMP/stamp" 2 >/dev/null
	echo "$FAILED failed"
)
t_expect_eq "make failing with no failing test is still red" "$got" "1 failed"

# test.sh uses these, not a copy
t_expect_match "test.sh counts the node suite with run_e2e" "$(cat "$top_srcdir/test.sh")" \
	'run_e2e "e2e" e2e\.log tests/node/e2e\.sh'
t_expect_match "test.sh counts the VM suite with run_e2e" "$(cat "$top_srcdir/test.sh")" \
	'run_e2e "vm" vm\.log tests/vm/run\.sh'
t_expect_nomatch "test.sh has no counting of its own" "$(cat "$top_srcdir/test.sh")" \
	'cut -d. -f1|PIPESTATUS'

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
