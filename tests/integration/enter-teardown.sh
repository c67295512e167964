#!/bin/bash
# The session's own mount namespace is held by podenter in an io_uring's
# file table while the session runs (teardown.h), so that the kernel tears
# it down in a worker after the session instead of in the exit podenter's
# caller waits for: podenter alone holds it (no process of the session,
# nothing inherited), for every mount mode that has a namespace of its own
# (a copy of the target's, a view's, a copy of the node's with --net-only)
# and none without one; and where io_uring is refused (a runtime's seccomp
# profile, kernel.io_uring_disabled) the session runs as before.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root

# What this kernel gives: the namespace through a pidfd (6.11) and
# io_uring. Without either podenter holds nothing, and that is checked.
kernel_can_hold=$(python3 - <<'PY'
import ctypes, fcntl, os
try:
    fd = os.pidfd_open(os.getpid())
    os.close(fcntl.ioctl(fd, 0xFF03))  # PIDFD_GET_MNT_NAMESPACE
    libc = ctypes.CDLL(None, use_errno=True)
    params = ctypes.create_string_buffer(120)
    ring = libc.syscall(425, 1, params)  # io_uring_setup
    print("yes" if ring >= 0 else "no")
except OSError:
    print("no")
PY
)
[ "$kernel_can_hold" = yes ] ||
	echo "# this kernel has no PIDFD_GET_MNT_NAMESPACE or no io_uring: podenter must hold nothing"

e_make_target tdown
T=$E_PID
t_cleanup "pkill -9 -f '^sleep 42[0-9]{2}\$'"

# Every process holding an io_uring with a file "mnt:[INODE]" registered,
# as "PID" lines (the fdinfo of a ring lists its registered files).
ring_holders() { # inode
	local f
	for f in /proc/[0-9]*/fdinfo/*; do
		grep -qs "^ *[0-9]*: mnt:\[$1\]\$" "$f" && echo "${f#/proc/}" | cut -d/ -f1
	done | sort -u
}

# session NAME GATE WANT podenter-args...: the session prints its mount
# namespace and waits in "sleep GATE"; meanwhile the holders of a ring
# with that namespace must be podenter alone (WANT=podenter) or nobody
# (WANT=none); then the gate ends, and podenter must exit 0.
session() {
	local name=$1 gate=$2 want=$3 pe ns holders gate_pid
	shift 3
	: >"$T_TMP/ns.out"
	"$@" -- sh -c "readlink /proc/self/ns/mnt; exec sleep $gate" \
		</dev/null >"$T_TMP/ns.out" 2>"$T_TMP/ns.err" &
	pe=$!
	t_cleanup "kill -9 $pe"
	if ! t_wait_for 400 pgrep -f "^sleep $gate\$" >/dev/null ||
		! t_wait_for 100 grep -q . "$T_TMP/ns.out"; then
		t_fail "$name: the session did not start: $(cat "$T_TMP/ns.err")"
		kill -9 "$pe" 2>/dev/null
		return
	fi
	ns=$(sed -n 's/^mnt:\[\([0-9]*\)\]$/\1/p' "$T_TMP/ns.out")
	holders=$(ring_holders "$ns")
	case $want in
	podenter) t_expect_eq "$name: podenter alone holds the session's mount namespace for the kernel" \
		"$holders" "$pe" ;;
	none) t_expect_eq "$name: no ring holds the mount namespace" "$holders" "" ;;
	esac
	gate_pid=$(pgrep -f "^sleep $gate\$")
	[ -n "$gate_pid" ] && kill "$gate_pid"
	T_RC=0
	t_wait_pid "$pe" || T_RC=$?
	T_OUT="" T_ERR=$(cat "$T_TMP/ns.err")
	t_expect_rc "$name: the session ends with the command's status" 143
}

held=podenter
[ "$kernel_can_hold" = yes ] || held=none
session "a copy of the target's (--view none)" 4201 $held "$PODENTER" -q pid:"$T" --view none
session "a view's (--view tools)" 4202 $held "$PODENTER" -q pid:"$T" --view tools
session "a copy of the node's (--net-only)" 4203 $held "$PODENTER" -q --net-only pid:"$T"
# only the UTS namespace: the session stays in podenter's own mount
# namespace (the node's), which is nobody's to tear down
session "no namespace of its own (--uts)" 4204 none "$PODENTER" -q --uts pid:"$T"

# io_uring refused (as under Docker's default seccomp profile): nothing
# held, the session as before
if [ -x "$NO_NEW_API" ]; then
	session "io_uring refused" 4205 none "$NO_NEW_API" --no-io-uring "$PODENTER" -q pid:"$T" --view none
else
	t_fail "tests/no-new-api is not built (make check builds it)"
fi

t_done
