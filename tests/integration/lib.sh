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

# Run podenter like t_podenter, as the child of a subreaper: anything it
# leaves running (a session, a helper, a daemonized copy: orphans re-parent
# to the subreaper, wherever they moved in the process tree) is listed in
# T_LEFT ("pid comm" lines, empty when nothing was left) and killed.
t_podenter_reaped() {
	local out="$T_TMP/out" err="$T_TMP/err" left="$T_TMP/left"
	T_RC=0
	/usr/bin/python3 - "$left" "$PODENTER" "$@" >"$out" 2>"$err" <<'PY' || T_RC=$?
import ctypes, os, signal, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("t_podenter_reaped: prctl(PR_SET_CHILD_SUBREAPER) failed")
rc = subprocess.call(sys.argv[2:], timeout=60)
def children():
    me, found = str(os.getpid()), []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[1] == me:
            found.append((int(pid), stat[stat.index("(") + 1:stat.rindex(")")]))
    return found
time.sleep(0.3)  # a forked leftover has re-parented by now
left = children()
with open(sys.argv[1], "w") as f:
    f.writelines(f"{pid} {comm}\n" for pid, comm in left)
for pid, _ in left:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
sys.exit(rc if rc >= 0 else 128 - rc)
PY
	T_OUT=$(cat "$out")
	T_ERR=$(cat "$err")
	T_LEFT=$(cat "$left" 2>/dev/null)
}

# Run the rest of this test script in a mount namespace of its own whose
# mounts are all shared, as systemd makes the host's / (a bare `unshare -m`
# or this machine's private / would hide leaks): a mount or unmount that
# podenter lets escape a namespace it made from this one propagates back
# here and shows in this test's mount table, and no other test's mounts on
# the machine show here, so "no mount left" compares the whole table.
# Call right after `source "$TESTLIB"`, with the script's arguments.
t_shared_propagation() {
	[ -n "${T_SHARED_NS:-}" ] && return 0
	if ! unshare --mount --propagation private true 2>/dev/null; then
		t_skip_all "cannot make a mount namespace (needs root)"
	fi
	trap - EXIT
	rm -rf "$T_TMP"
	# private first: cut from the machine's peer groups; then shared
	# within this namespace only
	exec env T_SHARED_NS=1 unshare --mount --propagation private -- \
		"$BASH" -c 'mount --make-rshared / && exec "$@"' bash "$BASH" "$0" "$@"
}

# The whole mount table of this test's namespace (t_shared_propagation).
t_all_mounts() { t_mountinfo; }

# Wait for a background child of this shell, at most SECONDS (default 30):
# returns its exit status, or kills it and returns 124 when it did not end
# (a lost signal, a hang): a test never waits forever.
t_wait_pid() { # pid [seconds]
	local pid=$1 secs=${2:-30} rc=0
	if ! timeout "$secs" tail --pid="$pid" -s 0.05 -f /dev/null; then
		echo "t_wait_pid: process $pid did not end within ${secs} s: killed" >&2
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid" || rc=$?
	return $rc
}
