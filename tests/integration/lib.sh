# shellcheck shell=bash
# Shared helpers for podenter's integration tests (bash, run as root by
# `make check`). Each test script: `source "$TESTLIB"`, then use these.
# Exit codes follow automake: 0 pass, 1 fail, 77 skip (always with a reason).

set -u

: "${PODENTER:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/podenter}"
: "${FIXTURES:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/fixtures}"
# runs a command with openat2 and the new mount API answering ENOSYS
: "${NO_NEW_API:=$(dirname "$PODENTER")/tests/no-new-api}"
# words put before "$PODENTER" by t_podenter, e.g. ("$NO_NEW_API")
T_WRAP=()

T_PASSED=0
T_FAILED=0
T_NAME=$(basename "$0" .sh)
T_CLEANUPS=()

# A private scratch directory removed at exit.
T_TMP=$(mktemp -d "/tmp/podenter-${T_NAME}.XXXXXX")

# Register a cleanup command (run in reverse order at exit, even on failure).
t_cleanup() { T_CLEANUPS+=("$*"); }

t_run_cleanups() {
	local i pid
	if [ -f "$T_TMP/spawned-pids" ]; then
		while read -r pid; do
			kill -9 "$pid" 2>/dev/null || true
		done <"$T_TMP/spawned-pids"
	fi
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	rm -rf "$T_TMP"
}
trap t_run_cleanups EXIT

t_pass() { T_PASSED=$((T_PASSED + 1)); echo "ok - $*"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "not ok - $*"; }

# Skip the whole script, loudly. Use only when the machine lacks a feature.
t_skip_all() { echo "SKIP: $T_NAME: $*" >&2; exit 77; }

# The PODENTER_TEST_* hooks exist only in a build configured with
# --enable-test-hooks (test.sh's); a release build has none.
t_have_test_hooks() { grep -aq 'PODENTER_TEST_' "$PODENTER"; }
t_require_test_hooks() {
	t_have_test_hooks || t_skip_all "needs the PODENTER_TEST_* hooks: ./configure --enable-test-hooks"
}

t_require_root() {
	[ "$(id -u)" = 0 ] || t_skip_all "needs root (run make check as root)"
}

# Run podenter, capturing stdout, stderr and status into T_OUT, T_ERR, T_RC.
t_podenter() {
	local out="$T_TMP/out" err="$T_TMP/err"
	T_RC=0
	${T_WRAP[@]+"${T_WRAP[@]}"} "$PODENTER" "$@" >"$out" 2>"$err" || T_RC=$?
	T_OUT=$(cat "$out")
	T_ERR=$(cat "$err")
}

# Assertions print what they saw on failure.
t_expect_rc() { # name expected
	if [ "$T_RC" = "$2" ]; then t_pass "$1"; else
		t_fail "$1: exit $T_RC, expected $2"
		printf '  stdout: %s\n  stderr: %s\n' "$T_OUT" "$T_ERR" | head -20
	fi
}

t_expect_eq() { # name got expected
	if [ "$2" = "$3" ]; then t_pass "$1"; else
		t_fail "$1"
		printf '  got:      %s\n  expected: %s\n' "$2" "$3"
	fi
}

t_expect_match() { # name text regex
	if printf '%s' "$2" | grep -Eq -- "$3"; then t_pass "$1"; else
		t_fail "$1: no match for /$3/"
		printf '%s\n' "$2" | head -20 | sed 's/^/  | /'
		# the last podenter run's stderr usually says why
		[ -n "${T_ERR:-}" ] && printf '%s\n' "$T_ERR" | head -10 | sed 's/^/  stderr: /'
	fi
	return 0
}

t_expect_nomatch() { # name text regex
	if ! printf '%s' "$2" | grep -Eq -- "$3"; then t_pass "$1"; else
		t_fail "$1: unexpected match for /$3/"
		printf '%s\n' "$2" | head -20 | sed 's/^/  | /'
	fi
}

# jq-free JSON access through python3's standard library.
t_json() { # json-text python-expression-on-d
	printf '%s' "$1" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}

# The cgroup v1 hierarchies and the v2 mount, as "controller-dir" paths.
t_cgroup_dirs() {
	awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts |
		grep -v -e '/systemd$' | sort -u
}

# Make a cgroup path in every hierarchy (v1 and v2); registers removal.
t_make_cgroup() { # relative path, e.g. kubepods/besteffort/pod<uid>/<id>
	local rel=$1 d
	for d in $(t_cgroup_dirs); do
		mkdir -p "$d/$rel" 2>/dev/null || true
	done
	t_cleanup "t_remove_cgroup '$rel'"
}

t_remove_cgroup() { # relative path; removes leaf to root of what we made
	local rel=$1 d p
	for d in $(t_cgroup_dirs); do
		p=$rel
		while [ -n "$p" ] && [ "$p" != . ]; do
			rmdir "$d/$p" 2>/dev/null || true
			p=$(dirname "$p")
		done
	done
}

# Move a PID into a cgroup path in every hierarchy.
t_join_cgroup() { # pid relative-path
	local d
	for d in $(t_cgroup_dirs); do
		[ -d "$d/$2" ] && echo "$1" >"$d/$2/cgroup.procs" 2>/dev/null || true
	done
}

# Start a background process; prints its PID and kills it at exit. Callers
# use pid=$(t_spawn ...), a subshell, so the PID goes to a file the exit
# trap reads rather than to T_CLEANUPS, which the subshell cannot change.
t_spawn() {
	"$@" >/dev/null 2>&1 &
	local pid=$!
	echo "$pid" >>"$T_TMP/spawned-pids"
	echo "$pid"
}

# Wait (bounded) until a condition command succeeds.
t_wait_for() { # tries command...
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

# Snapshot of mounts (for "nothing left behind" checks).
t_mountinfo() { cut -d' ' -f5,9- /proc/self/mountinfo | sort; }

# Finish: print the closing line and exit.
t_done() {
	echo "$T_PASSED passed, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
	exit $?
}
