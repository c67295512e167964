# shellcheck shell=bash
# How test.sh counts: sourced by test.sh and by its self-test
# (tests/integration/test-sh-counting.sh), so what the self-test proves is
# what CI does. A stage counts as failed when its exit status says so, even
# if its own counts say "0 failed"; skips are counted and listed.

PASSED=0
FAILED=0
SKIPPED=0
FAILED_STAGES=()
SKIP_REASONS=()

# Add an automake run's counts (from its test-suite.log) to the totals. The
# log must be newer than STAMP (made before the run): a test-suite.log left
# by an earlier run in a reused build tree is not this run's.
count_automake() { # builddir label stamp [make's exit status]
	local dir=$1 label=$2 stamp=$3 make_rc=${4:-0} log=$1/test-suite.log p f s e
	if [ ! -f "$log" ] || [ ! "$log" -nt "$stamp" ]; then
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$label (no test-suite.log from this run)")
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$log")
	f=$(sed -n 's/^# FAIL: *//p' "$log")
	s=$(sed -n 's/^# SKIP: *//p' "$log")
	e=$(sed -n 's/^# ERROR: *//p' "$log")
	PASSED=$((PASSED + ${p:-0}))
	FAILED=$((FAILED + ${f:-0} + ${e:-0}))
	SKIPPED=$((SKIPPED + ${s:-0}))
	# skipped tests, and checks a passing test could not make here (it
	# prints "SKIP: why"), with their reasons
	local line
	while read -r line; do
		SKIP_REASONS+=("$label: $line")
	done < <(grep -h '^SKIP' "$dir"/tests/*/*.log "$dir"/tests/*.log 2>/dev/null)
	if [ "$((${f:-0} + ${e:-0}))" != 0 ]; then
		FAILED_STAGES+=("$label")
		# show what failed: the log of every failing test
		grep -l -E '^:test-result: (FAIL|ERROR)' "$dir"/tests/*/*.trs "$dir"/tests/*.trs 2>/dev/null |
			while read -r trs; do
				echo "---- ${trs%.trs}.log"
				tail -40 "${trs%.trs}.log"
			done
	elif [ "$make_rc" != 0 ]; then
		# make failed but no test did: a build error of the tests, a
		# missing file... counted, not lost
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$label (make exited $make_rc with no failing test)")
	fi
}

run_stage() { # label command...
	local label=$1
	shift
	if "$@"; then
		PASSED=$((PASSED + 1))
	else
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$label")
	fi
}

# Count the node suite by its checks AND its exit status: its last line
# "N passed, N failed[, N skipped]" gives the checks; a non-zero exit with
# no failed check (interrupted, set -u abort, teardown failure) is one more
# failure, and so is a missing line or a zero exit beside failed checks.
count_e2e() { # label exit-status log
	local label=$1 rc=$2 log=$3 line p f s
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -1)
	if [ -z "$line" ]; then
		FAILED=$((FAILED + 1))
		FAILED_STAGES+=("$label (exit $rc, no \"N passed, N failed\" line)")
		return
	fi
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped$/\1/p')
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	SKIPPED=$((SKIPPED + ${s:-0}))
	if [ "${s:-0}" != 0 ]; then
		local l
		while read -r l; do
			SKIP_REASONS+=("$label: $l")
		done < <(grep -E '^skip ' "$log")
	fi
	if [ "$rc" != 0 ]; then
		FAILED_STAGES+=("$label (exit $rc)")
		[ "$f" = 0 ] && FAILED=$((FAILED + 1))
	elif [ "$f" != 0 ]; then
		FAILED_STAGES+=("$label (exit 0 beside $f failed checks)")
	fi
	return 0
}

# Run the node suite bounded in time, with default signal dispositions,
# its output to the terminal and to LOG, and count it. A suite that cannot
# run on this machine (the VM suite without qemu) exits 77 after a line
# "...SKIP: why": one skip, with that reason; 77 without the line is red.
run_e2e() { # label log script [args...]
	local label=$1 log=$2 rc why
	shift 2
	timeout -k 30 "${PODENTER_E2E_TIMEOUT:-1800}" env --default-signal bash "$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	why=$(grep -m1 -o 'SKIP: .*' "$log" | sed 's/^SKIP: //')
	if [ "$rc" = 77 ] && [ -n "$why" ]; then
		SKIPPED=$((SKIPPED + 1))
		SKIP_REASONS+=("$label: $why")
		return 0
	fi
	count_e2e "$label" "$rc" "$log"
}

# The last lines of test.sh: what failed, what was skipped and why, the
# counts; the exit status is 0 only when nothing failed and something ran.
summary() {
	local s
	if ((${#SKIP_REASONS[@]})); then
		echo "skipped (and why):"
		for s in "${SKIP_REASONS[@]}"; do echo "  $s"; done
	fi
	if ((${#FAILED_STAGES[@]})); then
		echo "failed:"
		for s in "${FAILED_STAGES[@]}"; do echo "  $s"; done
	fi
	if ((PASSED == 0)); then
		echo "test.sh: no test ran" >&2
		FAILED=$((FAILED + 1))
	fi
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	((FAILED == 0))
}
