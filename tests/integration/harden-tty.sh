#!/bin/bash
# The session's terminal, driven through a real pty (script(1)): a fresh pty
# allocated by podenter, never the caller's; session leader with it as
# controlling terminal; the caller's terminal settings restored; window size
# forwarded; without a terminal: pipes and no controlling terminal. And the
# session's lifetime: SIGHUP ends it, SIGKILL of podenter kills it.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
command -v script >/dev/null || t_skip_all "script (util-linux) is not installed"

e_make_target tty
T=$E_PID

# Run a command line under a new pty made by script(1); output with \r gone.
in_pty() { # command-line
	T_OUT=$(script -qec "$1" /dev/null </dev/null 2>&1 | tr -d '\r')
}
line() { printf '%s\n' "$T_OUT" | sed -n "s/^$1=//p" | head -1; }

# (fields 6 and 7 of /proc/PID/stat: session id and controlling tty)
PROBE='set -- $(cat /proc/$$/stat); echo pid=$1 sid=$6 ttynr=$7; echo fd0=$(readlink /proc/$$/fd/0); echo fd1=$(readlink /proc/$$/fd/1); echo fd2=$(readlink /proc/$$/fd/2); echo size=$(stty size 2>/dev/null)'

in_pty "echo caller=\$(tty); stty rows 33 cols 101; echo before=\$(stty -g); $PODENTER pid:$T -- sh -c '$PROBE; exit 7'; echo rc=\$?; echo after=\$(stty -g)"
caller=$(line caller)
fd0=$(line fd0)
t_expect_match "interactive: the caller is at a pty" "$caller" '^/dev/pts/[0-9]+$'
t_expect_match "interactive: the session's stdin is a pty" "$fd0" '^/dev/pts/[0-9]+$'
if [ -n "$fd0" ] && [ "$fd0" != "$caller" ]; then t_pass "interactive: a new pty, not the caller's ($fd0 vs $caller)"; else
	t_fail "interactive: session pty '$fd0' vs caller '$caller'"; printf '%s\n' "$T_OUT" | sed 's/^/  | /'; fi
t_expect_eq "interactive: stdout is the same pty" "$(line fd1)" "$fd0"
t_expect_eq "interactive: stderr is the same pty" "$(line fd2)" "$fd0"
t_expect_eq "interactive: session leader" "$(printf '%s\n' "$T_OUT" | sed -n 's/.*pid=\([0-9]*\) sid=\([0-9]*\).*/\1=\2/p' | awk -F= '{print ($1==$2)}')" 1
t_expect_nomatch "interactive: has a controlling terminal" "$T_OUT" "ttynr=0( |$)"
t_expect_eq "interactive: window size copied" "$(line size)" "33 101"
t_expect_eq "interactive: exit status passed through" "$(line rc)" 7
t_expect_eq "interactive: caller's terminal settings restored" "$(line after)" "$(line before)"
[ -n "$(line before)" ] || t_fail "stty -g gave nothing"

# the caller's terminal is in raw mode during the session
in_pty "$PODENTER pid:$T -- sh -c 'echo inside'; echo raw=\$(stty -a </dev/tty | grep -o -- '-icanon' | head -1)"
t_expect_eq "raw mode is undone after the session" "$(line raw)" ""
rm -f "$T_TMP"/raw-*
script -qec "tty >$T_TMP/raw-tty; $PODENTER pid:$T -- sh -c 'touch $T_TMP/raw-started; while [ ! -e $T_TMP/raw-checked ]; do sleep 0.05; done'" /dev/null </dev/null >/dev/null 2>&1 &
sp=$!
t_cleanup "kill -9 $sp"
t_wait_for 400 test -e "$T_TMP/raw-started" || t_fail "raw mode: the session did not start"
T_OUT="during=$(stty -a -F "$(cat "$T_TMP/raw-tty")" | grep -o -- '-icanon' | head -1)"
touch "$T_TMP/raw-checked"
t_wait_pid "$sp"
t_expect_eq "raw mode during the session" "$(line during)" "-icanon"

# only the new pty, on 0, 1 and 2 (3 is ls's own directory)
in_pty "$PODENTER pid:$T -- ls -l /proc/self/fd"
t_expect_eq "interactive: only fds 0-2 (and ls's own)" "$(printf '%s\n' "$T_OUT" | grep -c -- ' -> ')" 4
t_expect_eq "interactive: 0, 1 and 2 are one pty" "$(printf '%s\n' "$T_OUT" | grep -E ' [012] -> /dev/pts/' | sed 's/.*-> //' | sort -u | wc -l)" 1

# keys typed reach the session's terminal and its line discipline
T_OUT=$(printf 'echo typed-$((6*7))\nexit 3\n' | script -qec "$PODENTER -t pid:$T -- sh" /dev/null 2>&1 | tr -d '\r')
t_expect_match "typed input reaches the session's shell" "$T_OUT" "typed-42"

# SIGWINCH: a resize of the caller's terminal reaches the session (the
# kernel signals podenter, the foreground process of the caller's pty)
rm -f "$T_TMP"/w-*
script -qec "tty >$T_TMP/w-tty; stty rows 20 cols 80; $PODENTER pid:$T -- sh -c 'trap \"stty size >$T_TMP/w-size; exit 0\" WINCH; touch $T_TMP/w-ready; while :; do sleep 0.05; done'" /dev/null </dev/null >/dev/null 2>&1 &
sp=$!
t_cleanup "kill -9 $sp"
if t_wait_for 400 test -e "$T_TMP/w-ready"; then
	stty -F "$(cat "$T_TMP/w-tty")" rows 44 cols 132
	t_wait_for 400 test -s "$T_TMP/w-size"
	t_expect_eq "window size change forwarded" "$(cat "$T_TMP/w-size" 2>/dev/null)" "44 132"
else
	t_fail "SIGWINCH: the session did not start"
fi
t_wait_pid "$sp"

# --no-tty at a terminal: pipes, a session of its own, no controlling tty
in_pty "$PODENTER --no-tty pid:$T -- sh -c '$PROBE'"
t_expect_match "--no-tty: stdin is a pipe" "$(line fd0)" '^pipe:'
t_expect_match "--no-tty: stdout is a pipe" "$(line fd1)" '^pipe:'
t_expect_match "--no-tty: no controlling terminal" "$T_OUT" "ttynr=0( |$)"
t_expect_eq "--no-tty: session leader" "$(printf '%s\n' "$T_OUT" | sed -n 's/.*pid=\([0-9]*\) sid=\([0-9]*\).*/\1=\2/p' | awk -F= '{print ($1==$2)}')" 1
T_OUT=$(printf 'through-the-pipe\n' | script -qec "$PODENTER --no-tty pid:$T -- sh -c 'read x; echo got=\$x'" /dev/null 2>&1 | tr -d '\r')
t_expect_eq "--no-tty: input still flows (through a pipe)" "$(line got)" "through-the-pipe"

# without any terminal: pipes, never the caller's own fds (a pod process
# could reopen them through /proc: harden-session-fds.sh), no controlling tty
t_podenter pid:$T -- sh -c "$PROBE" </dev/null
t_expect_match "no terminal: stdin is a pipe, not the caller's /dev/null" "$(line fd0)" '^pipe:'
t_expect_match "no terminal: no controlling terminal" "$T_OUT" "ttynr=0( |$)"

# lifetime: SIGHUP to podenter (a lost ssh connection) ends the session
script -qec "exec $PODENTER pid:$T -- sleep 1299" /dev/null </dev/null >/dev/null 2>&1 &
sp=$!
t_cleanup "kill -9 $sp"
t_cleanup "pkill -x -f 'sleep 1299'"
if t_wait_for 400 pgrep -x -f 'sleep 1299' >/dev/null; then
	pe=$(pgrep -x -f "$PODENTER pid:$T -- sleep 1299")
	kill -HUP $pe
	if t_wait_for 400 sh -c "! kill -0 $pe 2>/dev/null"; then t_pass "SIGHUP: podenter ends"; else t_fail "SIGHUP: podenter still runs"; fi
	if t_wait_for 400 sh -c "! pgrep -x -f 'sleep 1299' >/dev/null"; then
		t_pass "SIGHUP: the session is gone"; else t_fail "SIGHUP: the session survived"; fi
else
	t_fail "SIGHUP: the session did not start"
fi
wait "$sp" 2>/dev/null

# lifetime: SIGKILL of podenter kills the session (parent-death signal,
# re-armed after the uid change, so --user too)
n=1234
for who in 0 1000; do
	n=$((n + 1))
	"$PODENTER" --user "$who" pid:$T -- sleep $n </dev/null >/dev/null 2>&1 &
	pe=$!
	t_cleanup "kill -9 $pe"
	t_cleanup "pkill -x -f 'sleep $n'"
	if ! t_wait_for 400 pgrep -x -f "sleep $n" >/dev/null; then
		t_fail "SIGKILL (uid $who): the session did not start"
		continue
	fi
	kill -9 "$pe"
	wait "$pe" 2>/dev/null
	if t_wait_for 400 sh -c "! pgrep -x -f 'sleep $n' >/dev/null"; then
		t_pass "SIGKILL of podenter (uid $who): the session dies with it"
	else
		t_fail "SIGKILL of podenter (uid $who): the session survived"
	fi
done

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
