#!/bin/bash
# Sessions on nodes that forbid executing memfds (vm.memfd_noexec=2, Linux
# 6.3): the reaper's sealed memfd cannot be executed there, so podenter puts
# the same program in a tmpfs of its own that is attached nowhere and made
# read-only (reaper.c). The sysctl is set in the target's own PID namespace
# only (it is per PID namespace and applies to those below): the node's value
# is never changed. The session must work, and the reaper must still not be
# the node's binary, nor writable.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
[ -e /proc/sys/vm/memfd_noexec ] || t_skip_all "this kernel has no vm.memfd_noexec (Linux < 6.3)"
node_value=$(cat /proc/sys/vm/memfd_noexec)

cat >"$T_TMP/noexec.sh" <<'SH'
#!/bin/sh
# the target's PID namespace (and those below it) may not execute memfds
echo 2 >/proc/sys/vm/memfd_noexec || exit 1
exec "$@"
SH
chmod 755 "$T_TMP/noexec.sh"
E_INIT_PREFIX=$T_TMP/noexec.sh e_make_target noexec
T=$E_PID
t_expect_eq "the target's PID namespace forbids executing memfds" \
	"$(nsenter -t "$T" -p -m cat /proc/sys/vm/memfd_noexec)" 2
t_expect_eq "the node's value is unchanged" "$(cat /proc/sys/vm/memfd_noexec)" "$node_value"
# (the proof that the setting bites: a memfd cannot be made executable there)
t_expect_match "memfd_create(MFD_EXEC) is refused in the target" \
	"$(nsenter -t "$T" -p -m python3 -c 'import os
try:
    os.memfd_create("x", 0x10)
    print("allowed")
except OSError as e:
    print("refused", e.errno)' 2>&1)" "^refused"

t_podenter pid:"$T" --view none -- sh -c 'echo in-the-pod'
t_expect_rc "a session works" 0
t_expect_eq "its command ran" "$T_OUT" in-the-pod

# the reaper of a running session: not the node's podenter, not writable
"$PODENTER" pid:"$T" --view none -- sleep 2718 </dev/null >/dev/null 2>&1 &
pe=$!
t_cleanup "kill -9 $pe"
cmd=
t_wait_for 400 pgrep -x -f 'sleep 2718' >/dev/null && cmd=$(pgrep -x -f 'sleep 2718' | head -1)
reaper=$(ps -o ppid= -p "${cmd:-0}" | tr -d ' ')
t_expect_eq "the reaper runs" "$(cat /proc/"${reaper:-0}"/comm 2>/dev/null)" podenter-reaper
node_id=$(stat -L -c '%d:%i' "$PODENTER")
exe_id=$(stat -L -c '%d:%i' "/proc/${reaper:-0}/exe" 2>/dev/null)
if [ -n "$exe_id" ] && [ "$exe_id" != "$node_id" ]; then
	t_pass "the reaper's exe is not the node's podenter"
else
	t_fail "the reaper's exe is the node's podenter ($exe_id)"
fi
t_expect_match "the reaper's exe cannot be opened for writing" \
	"$(python3 -c 'import os, sys
try:
    os.open(sys.argv[1], os.O_WRONLY)
    print("opened")
except OSError as e:
    print("refused", e.errno)' "/proc/${reaper:-0}/exe" 2>&1)" "^refused"
t_expect_eq "the reaper holds CAP_KILL alone" \
	"$(sed -n 's/^CapEff:\t//p' "/proc/${reaper:-0}/status")" 0000000000000020
kill -TERM "$pe"
T_RC=0
timeout 10 tail --pid="$pe" -f /dev/null || T_RC=124
wait "$pe" || T_RC=$?
t_expect_rc "the session ends as asked (SIGTERM)" 143
t_done
