#!/bin/bash
# The check helpers of the end-to-end suites (sourced by tests/node/e2e.sh,
# docker-e2e.sh and podman-e2e.sh): run a command with a bounded time and
# keep what it said, compare, and run one named check into a log that the
# report shows when it fails.
#
# The sourcing script sets WORK (a directory of its own), CMD_TIMEOUT
# (seconds per command), PASSED, FAILED, SKIPPED and FAILED_NAMES; and may
# set CHECK_PREFIX (put before every check name, e.g. a round of the suite)
# and E2E_ONLY (a regular expression: only the checks it matches run).

say() { printf '%s\n' "$*"; }

# pretty ARG...: a command line as one would type it (quoted where needed).
pretty() {
	local arg out=""
	for arg in "$@"; do
		if [[ $arg =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
			out+="$arg "
		else
			out+="'${arg//\'/\'\\\'\'}' "
		fi
	done
	printf '%s' "${out% }"
}

# run CMD...: run with a timeout; sets OUT (stdout), ERR (stderr) and RC, and
# prints the command and its output, which the report shows when a check fails.
run() {
	printf '$ %s\n' "$(pretty "$@")"
	set +e
	OUT=$(timeout --kill-after=5 "$CMD_TIMEOUT" "$@" 2>"$WORK/stderr")
	RC=$?
	set -e
	ERR=$(<"$WORK/stderr")
	if [[ -n $OUT ]]; then
		printf '%s\n' "$OUT" | head -n 40 | sed 's/^/  /'
	fi
	if [[ -n $ERR ]]; then
		printf '%s\n' "$ERR" | head -n 20 | sed 's/^/  stderr: /'
	fi
	printf '  [exit %d]\n' "$RC"
	if ((RC == 124 || RC == 137)); then
		printf '  (timed out after %ss)\n' "$CMD_TIMEOUT"
	fi
	return 0
}

# run_ok CMD...: run, and fail unless the exit status is 0.
run_ok() {
	run "$@"
	((RC == 0)) || { say "FAILED: exit status $RC, expected 0"; return 1; }
}

expect_eq() { # WHAT ACTUAL EXPECTED
	[[ $2 == "$3" ]] && return 0
	say "FAILED: $1: got '$2', expected '$3'"
	return 1
}

expect_contains() { # WHAT HAYSTACK NEEDLE
	[[ $2 == *"$3"* ]] && return 0
	say "FAILED: $1: output does not contain '$3'"
	return 1
}

expect_not_contains() { # WHAT HAYSTACK NEEDLE
	[[ $2 != *"$3"* ]] && return 0
	say "FAILED: $1: output contains '$3'"
	return 1
}

check() { # NAME FUNCTION: run one check and record the result
	local name=$1 func=$2 log
	[[ -n ${CHECK_PREFIX:-} ]] && name="$CHECK_PREFIX-$name"
	if [[ -n ${E2E_ONLY:-} ]] && ! [[ $name =~ $E2E_ONLY ]]; then
		return 0
	fi
	log="$WORK/check-$name.log"
	if (set +e; "$func") >"$log" 2>&1; then
		PASSED=$((PASSED + 1))
		say "ok   $name"
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
		say "FAIL $name"
		sed 's/^/     | /' "$log"
	fi
}

skip() { # NAME WHY
	SKIPPED=$((SKIPPED + 1))
	say "skip $1: $2"
}

# The last line of a suite, which test.sh counts.
finish_line() {
	if ((SKIPPED > 0)); then
		say "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		say "$PASSED passed, $FAILED failed"
	fi
}
