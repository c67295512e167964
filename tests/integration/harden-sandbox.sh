#!/bin/bash
# Profiles, capabilities and seccomp of a real session, seen from inside it:
# /proc/self/status and a syscall probe (tests/try-syscall) that tells a
# seccomp EPERM from the kernel's own answer to harmless bad arguments.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root

TRY=$(dirname "$PODENTER")/tests/try-syscall
[ -x "$TRY" ] || { echo "tests/try-syscall is not built (make check builds it)" >&2; exit 1; }
# the probe must be reachable from inside the session: the target below
# shares the node's files (only its mount namespace is its own)
e_make_target harden
T=$E_PID

# Bit numbers from capabilities(7).
capmask() {
	local m=0 c
	declare -A bit=([CHOWN]=0 [DAC_OVERRIDE]=1 [FOWNER]=3 [FSETID]=4 [KILL]=5
		[SETGID]=6 [SETUID]=7 [SETPCAP]=8 [NET_BIND_SERVICE]=10 [NET_ADMIN]=12
		[NET_RAW]=13 [SYS_CHROOT]=18 [SYS_PTRACE]=19 [SYS_ADMIN]=21 [MKNOD]=27
		[AUDIT_WRITE]=29 [SETFCAP]=31)
	for c in "$@"; do [ -n "$c" ] && m=$((m | (1 << ${bit[$c]}))); done
	printf '%016x' "$m"
}
RUNTIME_DEFAULT=(CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID
	SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE)
HOST_BND=$(sed -n 's/^CapBnd:\t//p' /proc/self/status)

status_in() { # podenter args...: the session's Cap/NoNewPrivs/Seccomp lines
	t_podenter "$@" pid:$T -- grep -E '^(Cap[A-Za-z]+|NoNewPrivs|Seccomp):' /proc/self/status
}
field() { printf '%s\n' "$T_OUT" | sed -n "s/^$1:\t//p"; }

check_profile() { # name bnd eff amb nnp seccomp [extra podenter args]
	local name=$1 bnd=$2 eff=$3 amb=$4 nnp=$5 sec=$6
	shift 6
	status_in "$@"
	t_expect_rc "$name: runs" 0
	t_expect_eq "$name: bounding set" "$(field CapBnd)" "$bnd"
	t_expect_eq "$name: effective set" "$(field CapEff)" "$eff"
	t_expect_eq "$name: permitted set" "$(field CapPrm)" "$eff"
	# inheritable holds exactly the ambient capabilities (the kernel
	# requires it), empty otherwise
	t_expect_eq "$name: inheritable set" "$(field CapInh)" "$amb"
	t_expect_eq "$name: ambient set" "$(field CapAmb)" "$amb"
	t_expect_eq "$name: NoNewPrivs" "$(field NoNewPrivs)" "$nnp"
	t_expect_eq "$name: Seccomp" "$(field Seccomp)" "$sec"
}

Z=0000000000000000
GENERAL=$(capmask "${RUNTIME_DEFAULT[@]}" SYS_PTRACE)
BASELINE=$(capmask "${RUNTIME_DEFAULT[@]}")
NETADMIN=$(capmask "${RUNTIME_DEFAULT[@]}" NET_ADMIN)
check_profile "default (general)" "$GENERAL" "$GENERAL" $Z 1 2
check_profile general "$GENERAL" "$GENERAL" $Z 1 2 --profile general
check_profile baseline "$BASELINE" "$BASELINE" $Z 1 2 --profile baseline
check_profile restricted $Z $Z $Z 1 2 --profile restricted
check_profile netadmin "$NETADMIN" "$NETADMIN" $Z 1 2 --profile netadmin
check_profile sysadmin "$HOST_BND" "$HOST_BND" $Z 0 0 --profile sysadmin
want=$(capmask $(printf '%s\n' "${RUNTIME_DEFAULT[@]}" | grep -vx -e NET_RAW -e CHOWN) SYS_ADMIN)
check_profile "baseline --cap-add SYS_ADMIN --cap-drop NET_RAW,chown" "$want" "$want" $Z 1 2 \
	--profile baseline --cap-add SYS_ADMIN --cap-drop NET_RAW,chown

# netadmin for a non-root user: NET_ADMIN and NET_RAW ambient, so tcpdump or
# ip work after exec; nothing else survives the uid change
check_profile "netadmin as uid 1000" "$NETADMIN" "$(capmask NET_ADMIN NET_RAW)" \
	"$(capmask NET_ADMIN NET_RAW)" 1 2 --profile netadmin --user 1000
check_profile "general as uid 1000" "$GENERAL" $Z $Z 1 2 --profile general --user 1000
check_profile "netadmin --cap-drop NET_RAW as uid 1000" "$(capmask "${RUNTIME_DEFAULT[@]/NET_RAW/}" NET_ADMIN)" \
	"$(capmask NET_ADMIN)" "$(capmask NET_ADMIN)" 1 2 --profile netadmin --cap-drop NET_RAW --user 1000

# restricted is non-root
t_podenter --profile restricted pid:$T -- id -u
t_expect_eq "restricted: runs as 65534" "$T_OUT" 65534
t_podenter --profile restricted --user 0 pid:$T -- id -u
t_expect_rc "restricted --user 0: refused" 125
t_expect_match "restricted --user 0: says why" "$T_ERR" "non-root"

# seccomp, seen through the probe
probe() { t_podenter "$@" pid:$T -- "$TRY"; }
result() { printf '%s\n' "$T_OUT" | sed -n "s/^$1 //p"; }
probe
t_expect_rc "probe runs in the default session" 0
for p in tiocsti tiocsti-high tioclinux tioclinux-high setns unshare clone-newuser \
	keyctl add_key mount umount2 open_tree userfaultfd io_uring_setup perf_event_open; do
	t_expect_eq "runtime-default: $p denied" "$(result $p)" EPERM
done
# runtime-default is the runtime's allowlist: what it does not name gets
# EPERM, where the kernel would answer ENOSYS/EINVAL/EBADF/ok (see the
# probe run with --seccomp unconfined below)
for p in unknown vserver statmount mseal quotactl_fd kexec_load open_by_handle_at \
	lookup_dcookie personality-bsd socket-alg socket-alg-high socket-vsock; do
	t_expect_eq "runtime-default allowlist: $p denied" "$(result $p)" EPERM
done
if [ -n "$(result x86-unknown)" ]; then
	for p in x86-unknown x86-kexec_load x86-tiocsti; do
		t_expect_eq "runtime-default allowlist, 32-bit call: $p denied" "$(result $p)" EPERM
	done
	t_expect_eq "runtime-default: 32-bit getpid allowed" "$(result x86-getpid)" ok
fi
t_expect_eq "runtime-default: other ioctls allowed" "$(result tiocgwinsz)" EBADF
t_expect_eq "runtime-default: clone3 falls back (ENOSYS)" "$(result clone3)" ENOSYS
t_expect_eq "runtime-default: personality query allowed" "$(result personality-query)" ok
t_expect_eq "runtime-default: AF_UNIX sockets allowed" "$(result socket-unix)" ok
t_expect_eq "general: ptrace allowed (SYS_PTRACE)" "$(result ptrace)" ESRCH
t_expect_eq "general: pidfd_getfd allowed (SYS_PTRACE)" "$(result pidfd_getfd)" EBADF
t_expect_eq "general: process_madvise allowed (SYS_PTRACE)" "$(result process_madvise)" EBADF
t_expect_eq "runtime-default: getppid allowed" "$(result getppid)" ok
probe --profile baseline
# as in the runtime's profile: ptrace for everyone on Linux >= 4.8 (the
# kernel's own access checks decide), its companions only with SYS_PTRACE
t_expect_eq "baseline: ptrace reaches the kernel (Linux >= 4.8)" "$(result ptrace)" ESRCH
t_expect_eq "baseline: pidfd_getfd denied" "$(result pidfd_getfd)" EPERM
t_expect_eq "baseline: process_madvise denied" "$(result process_madvise)" EPERM
probe --profile baseline --cap-add SYS_ADMIN
t_expect_eq "baseline+SYS_ADMIN: setns reaches the kernel" "$(result setns)" EBADF
t_expect_eq "baseline+SYS_ADMIN: quotactl_fd reaches the kernel" "$(result quotactl_fd)" EBADF
t_expect_eq "baseline+SYS_ADMIN: TIOCSTI still denied" "$(result tiocsti-high)" EPERM
t_expect_eq "baseline+SYS_ADMIN: unknown calls still denied" "$(result unknown)" EPERM
probe --profile sysadmin
t_expect_eq "sysadmin: unconfined TIOCSTI reaches the kernel" "$(result tiocsti)" EBADF
t_expect_eq "sysadmin: unconfined unknown call reaches the kernel" "$(result unknown)" ENOSYS
probe --profile sysadmin --seccomp runtime-default
t_expect_eq "sysadmin --seccomp runtime-default: TIOCSTI denied" "$(result tiocsti-high)" EPERM
t_expect_eq "sysadmin --seccomp runtime-default: mount allowed (SYS_ADMIN)" "$(result mount)" EFAULT
t_expect_eq "sysadmin --seccomp runtime-default: unknown call denied" "$(result unknown)" EPERM
t_expect_eq "sysadmin --seccomp runtime-default: vserver denied" "$(result vserver)" EPERM
probe --seccomp unconfined
t_expect_eq "--seccomp unconfined: TIOCSTI reaches the kernel" "$(result tiocsti)" EBADF
t_expect_eq "--seccomp unconfined: unknown call reaches the kernel" "$(result unknown)" ENOSYS

# an OCI profile file
cat >"$T_TMP/profile.json" <<'JSON'
{ "defaultAction": "SCMP_ACT_ALLOW",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    { "names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38 },
    { "names": ["keyctl"], "action": "SCMP_ACT_ERRNO" } ] }
JSON
probe --seccomp "$T_TMP/profile.json"
t_expect_rc "JSON profile: session runs" 0
t_expect_eq "JSON profile: getppid gets its errnoRet" "$(result getppid)" ENOSYS
t_expect_eq "JSON profile: keyctl denied" "$(result keyctl)" EPERM
t_expect_eq "JSON profile: TIOCSTI is the file's business" "$(result tiocsti)" EBADF

# only fds 0-2 reach the command
t_podenter pid:$T -- sh -c 'exec ls /proc/self/fd'
t_expect_eq "only fds 0 1 2 (and ls's own) in the session" "$(echo $T_OUT)" "0 1 2 3"

# --follow-context: this machine runs no LSM (attr/current says EINVAL), so
# the label step must be a no-op that leaks nothing; with AppArmor or
# SELinux the unit tests' write path applies
if [ -e /sys/kernel/security/lsm ] && grep -qE 'apparmor|selinux' /sys/kernel/security/lsm; then
	echo "note: an LSM is active; --follow-context applies the target's label" >&2
fi
t_podenter --follow-context pid:$T -- sh -c 'exec ls /proc/self/fd'
t_expect_rc "--follow-context: session runs" 0
t_expect_eq "--follow-context: the host /proc fd does not reach the session" "$(echo $T_OUT)" "0 1 2 3"

# bad input: a clear message, 125, nothing started
LEFT_ALL=""
printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [' >"$T_TMP/bad.json"
t_podenter_reaped --seccomp "$T_TMP/bad.json" pid:$T -- true
LEFT_ALL+=$T_LEFT
t_expect_rc "malformed JSON profile: 125" 125
t_expect_match "malformed JSON profile: names the file" "$T_ERR" "bad.json.*not valid JSON"
t_podenter_reaped --seccomp "$T_TMP/missing.json" pid:$T -- true
LEFT_ALL+=$T_LEFT
t_expect_rc "missing profile file: 125" 125
t_expect_match "missing profile file: says so" "$T_ERR" "missing.json"
t_podenter_reaped --profile root pid:$T -- true
LEFT_ALL+=$T_LEFT
t_expect_rc "unknown profile: 125" 125
t_expect_match "unknown profile: lists the profiles" "$T_ERR" "general.*baseline.*restricted.*netadmin.*sysadmin"
t_podenter_reaped --cap-add NET_ADMN pid:$T -- true
LEFT_ALL+=$T_LEFT
t_expect_rc "unknown capability: 125" 125
t_expect_match "unknown capability: named" "$T_ERR" "NET_ADMN"
t_expect_eq "bad input: no process left (orphans of podenter, wherever they went)" "$LEFT_ALL" ""

# The bounding set is asked of the kernel once a session (the stage, as it
# drops to the session's capabilities); the command and the reaper drop from
# what is left, which they inherit. Three processes asking about every
# capability cost 130 prctl() calls on the way in (the profile's sets above
# show the drops themselves still happen).
if command -v strace >/dev/null; then
	strace -f -qq -e trace=prctl -o "$T_TMP/strace.capbset" "$PODENTER" pid:$T -- true
	n=$(grep -c 'PR_CAPBSET_READ' "$T_TMP/strace.capbset")
	known=$(($(cat /proc/sys/kernel/cap_last_cap) + 1))
	# and libcap's own probe of how many the kernel knows (a binary
	# search, podenter's start): at most 7 more
	if ((n >= known && n <= known + 7)); then
		t_pass "the bounding set is read once a session ($n PR_CAPBSET_READ, $known capabilities)"
	else
		t_fail "the bounding set is read once a session: $n PR_CAPBSET_READ for $known capabilities"
	fi
else
	t_fail "strace is needed to count the session's prctl() calls (apt-get install strace)"
fi

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
