#!/bin/bash
# Issue 13: the window before the session's processes execute. podenter's
# session process is born in the pod's PID namespace holding podenter's
# capabilities and keeps them until it executes the tiny reaper (reaper.h);
# the command's process until it drops them. Non-dumpable does not stop a
# tracer holding CAP_SYS_PTRACE in the initial user namespace, as a pod
# that asked for SYS_PTRACE does. The attacker (tests/ptrace-window-attack.c)
# is such a pod process: it tries to seize every new PID of the namespace
# as soon as it exists, while sessions start one after the other. No
# session process may ever be caught holding CAP_SYS_ADMIN (and the
# injected fsopen("proc"), a node-root procfs, must never succeed); the
# attacker must have reached the session's processes all the same (refused
# by the kernel, as podenter holds them: traceguard.h), so the check means
# something; every session still runs to the end.
# The trace guard does not close the other ways to write a session
# process's memory: /proc/PID/mem opened for writing and process_vm_writev
# ask only whether the attacker may trace it (PTRACE_MODE_ATTACH), not
# whether someone traces it already, and CAP_SYS_PTRACE overrides
# non-dumpable. The attacker probes every podenter process it meets that
# way (nothing written: ptrace-window-attack.c) and reads what the process
# holds while access is granted; none may hold a capability outside the
# attacker's own bounding set (--profile baseline: the session's profile
# is within it), in its permitted, effective or bounding set (a root
# process whose code the pod runs regains its whole bounding set by
# executing any program).
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
command -v setpriv >/dev/null || t_skip_all "setpriv (util-linux) is not installed"
ATTACK=$(dirname "$PODENTER")/tests/ptrace-window-attack
[ -x "$ATTACK" ] || { echo "tests/ptrace-window-attack is not built (make check builds it)" >&2; exit 1; }
SESSIONS=${SESSIONS:-30}

e_make_target victim
T=$E_PID
# root in all the target's namespaces, a runtime's default capabilities
# plus SYS_PTRACE (a pod that asked for it)
timeout 120 nsenter -t "$T" -m -p -n -i -u -C \
	setpriv --bounding-set -all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap,+sys_ptrace \
	--inh-caps -all "$ATTACK" 100 >"$T_TMP/attack.out" 2>&1 &
attacker=$!
t_cleanup "kill -9 $attacker"
t_wait_for 400 grep -q '^ready' "$T_TMP/attack.out" ||
	{ echo "the attacker did not start" >&2; cat "$T_TMP/attack.out" >&2; exit 1; }

STRACE=(); command -v strace >/dev/null && STRACE=(strace -f -qq -o /dev/null)
ok=0
for i in $(seq "$SESSIONS"); do
	view= wrap=()
	# half of them with the tools view (more setup in the pod's PID
	# namespace before the reaper executes); every fifth under strace -f,
	# which then holds the session's processes from birth instead
	[ $((i % 2)) = 0 ] && view="--view tools"
	[ $((i % 5)) = 0 ] && wrap=(${STRACE[@]+"${STRACE[@]}"})
	T_RC=0
	# shellcheck disable=SC2086
	timeout 30 ${wrap[@]+"${wrap[@]}"} "$PODENTER" --profile baseline $view pid:"$T" -- true \
		</dev/null >"$T_TMP/s.out" 2>"$T_TMP/s.err" || T_RC=$?
	if [ "$T_RC" = 0 ]; then ok=$((ok + 1)); else
		echo "  session $i ($view): exit $T_RC: $(head -3 "$T_TMP/s.err")"
	fi
done
kill -TERM "$attacker"
timeout 10 tail --pid="$attacker" -f /dev/null
out=$(cat "$T_TMP/attack.out")
get_count() { printf '%s\n' "$out" | grep -c "$1"; }

t_expect_eq "every session ran to the end beside the attacker" "$ok" "$SESSIONS"
privileged=$(get_count '^seized [0-9]* [0-9a-f]* privileged')
t_expect_eq "no session process was caught holding CAP_SYS_ADMIN" "$privileged" 0
t_expect_eq "no injected fsopen(\"proc\") succeeded (node root)" "$(get_count '^inject [0-9]* fsopen ok')" 0
# the attacker met the session's processes: each session's process and
# its command's refused (held by podenter until they executed)
refused=$(get_count '^refused [0-9]* EPERM')
if [ "$refused" -ge "$SESSIONS" ]; then
	t_pass "the attacker reached the session's processes ($refused refused, EPERM)"
else
	t_fail "the attacker reached too few session processes ($refused refused for $SESSIONS sessions)"
fi
# the memory of the session's processes: reached (granted or refused by
# the kernel) for each session, and never while one held more than the pod
# (memprobe PID MEM VM_WRITEV COMM: "granted" or the kernel's errno each)
read -r mem_granted mem_refused by_mem by_vm < <(printf '%s\n' "$out" | awk '$1 == "memprobe" {
	if ($3 == "granted" || $4 == "granted") g++
	else if ($3 == "EACCES" || $4 == "EPERM") r++
	m += $3 == "granted"; v += $4 == "granted"
} END { print g + 0, r + 0, m + 0, v + 0 }')
mem_reached=$((mem_granted + mem_refused))
mem_counts="$mem_granted granted (/proc/PID/mem $by_mem, process_vm_writev $by_vm), $mem_refused refused"
if [ "$mem_reached" -ge "$SESSIONS" ]; then
	t_pass "the attacker reached the session's processes' memory ($mem_reached: $mem_counts)"
else
	t_fail "the attacker reached the memory of too few session processes ($mem_reached for $SESSIONS sessions: $mem_counts)"
fi
mem_privileged=$(get_count '^memopen [0-9]* [0-9a-f]* [0-9a-f]* [0-9a-f]* privileged')
t_expect_eq "no session process's memory writable while it held more than the pod ($mem_privileged of $mem_granted granted)" "$mem_privileged" 0
[ "$T_FAILED" = 0 ] || printf '%s\n' "$out" | grep -v '^refused\|^memprobe' | head -30 | sed 's/^/  | /'
printf '%s\n' "$out" | grep '^summary\|^memsummary\|^attacker-bounding' | sed 's/^/  /'

# Where podenter may not trace its own child (a security module; here a
# seccomp filter, tests/no-ptrace.c), the session is refused, not run
# without the guard.
NO_PTRACE=$(dirname "$PODENTER")/tests/no-ptrace
if [ -x "$NO_PTRACE" ]; then
	T_RC=0
	timeout 30 "$NO_PTRACE" "$PODENTER" pid:"$T" -- echo the-command-ran \
		</dev/null >"$T_TMP/np.out" 2>"$T_TMP/np.err" || T_RC=$?
	T_OUT=$(cat "$T_TMP/np.out") T_ERR=$(cat "$T_TMP/np.err")
	t_expect_rc "ptrace forbidden to podenter: the session is refused" 125
	t_expect_match "ptrace forbidden: says why" "$T_ERR" "cannot keep the pod from ptracing"
	t_expect_nomatch "ptrace forbidden: the command did not run" "$T_OUT" the-command-ran
else
	t_fail "tests/no-ptrace is not built (make check builds it)"
fi
t_done
