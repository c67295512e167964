#!/bin/bash
# A hostile container. (1) While podenter's child is attached (paused by
# the test hook right before it closes podenter's fds and executes), a root
# process in the container without CAP_SYS_PTRACE, as a default container
# runs, tries to ptrace it and to open its /proc/<pid>/{exe,fd,root,environ}:
# all must fail; the same against the session's reaper, which stays in the
# pod's PID namespace all along, holds no fd and shows no command line of
# the node's. (2) A container root whose /proc, /dev/null, /etc/passwd,
# /etc/resolv.conf and /tmp are symlinks to host canaries: the canaries are
# never touched, and each session works or fails closed with a message.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
t_require_test_hooks
command -v setpriv >/dev/null || t_skip_all "setpriv (util-linux) is not installed"
PY=/usr/bin/python3
[ -x $PY ] || t_skip_all "python3 is not installed (the attacker is a python script)"

# --- (1) attacks on the attached child and on the session's reaper ---------
e_make_target victim
T=$E_PID
PODENTER_TEST_PAUSE_AT=child-attached "$PODENTER" --profile baseline pid:$T -- true </dev/null >"$T_TMP/s.out" 2>&1 &
pe=$!
t_cleanup "kill -9 $pe"
# podenter -> the reaper (reaper.h) -> the command's process, paused
child= reaper=
for _ in $(seq 400); do
	reaper=$(pgrep -P "$pe" | head -1)
	child=${reaper:+$(pgrep -P "$reaper" | head -1)}
	[ -n "$child" ] && grep -q '^State:.*stopped' /proc/$child/status 2>/dev/null && break
	child=
	sleep 0.05
done

# the attacker: root in all the target's namespaces, the capabilities a
# container runtime gives by default (no SYS_PTRACE, no SYS_ADMIN): the
# session's own set under --profile baseline, so the kernel's
# capability-subset rule does not stop it and only podenter's non-dumpable
# state does
cat >"$T_TMP/attack.py" <<'PY'
import ctypes, errno, os, sys
pid = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
def res(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
print("visible", "yes" if os.path.exists("/proc/%d" % pid) else "no")
print("cmdline", open("/proc/%d/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode().strip())
r = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
print("ptrace-attach", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
r = libc.ptrace(0x4206, pid, None, None)  # PTRACE_SEIZE
print("ptrace-seize", "ok" if r == 0 else errno.errorcode[ctypes.get_errno()])
print("exe-readlink", res(lambda: os.readlink("/proc/%d/exe" % pid)))
print("exe-open", res(lambda: os.close(os.open("/proc/%d/exe" % pid, os.O_RDONLY))))
# root with DAC_OVERRIDE may list the fd numbers; none may be followed
fds = sorted(os.listdir("/proc/%d/fd" % pid), key=int)
print("fds-held", "yes" if len(fds) > 3 else "none" if not fds else "no")
print("fd-readlink", " ".join(sorted(set(res(lambda: os.readlink("/proc/%d/fd/%s" % (pid, f))) for f in fds))) or "EACCES")
print("fd-open", " ".join(sorted(set(res(lambda: os.close(os.open("/proc/%d/fd/%s" % (pid, f), os.O_RDONLY))) for f in fds))) or "EACCES")
print("root-list", res(lambda: os.listdir("/proc/%d/root/" % pid)))
print("cwd-readlink", res(lambda: os.readlink("/proc/%d/cwd" % pid)))
print("environ-read", res(lambda: open("/proc/%d/environ" % pid, "rb").read()))
print("mem-open", res(lambda: os.close(os.open("/proc/%d/mem" % pid, os.O_RDONLY))))
PY
attack() { # host PID of the victim process
	local inner
	inner=$(sed -n 's/^NSpid:.*\t//p' /proc/$1/status)
	t_expect_match "$who is in the target's PID namespace" "$inner" '^[0-9]+$'
	out=$(nsenter -t "$T" -m -p -n -i -u -C \
		setpriv --bounding-set -all,+chown,+dac_override,+fowner,+fsetid,+kill,+setgid,+setuid,+setpcap,+net_bind_service,+net_raw,+sys_chroot,+mknod,+audit_write,+setfcap \
		--inh-caps -all $PY "$T_TMP/attack.py" "$inner" 2>&1)
}
get() { printf '%s\n' "$out" | sed -n "s/^$1 //p"; }

if [ -z "$child" ]; then
	t_fail "the attached child never paused"
else
	who="the child"
	attack "$child"
	t_expect_eq "the attacker sees the child (so the checks mean something)" "$(get visible)" yes
	for probe in ptrace-attach ptrace-seize; do
		t_expect_eq "container root cannot $probe podenter's child" "$(get $probe)" EPERM
	done
	# (it holds its stdio pipes only: no handle of the node's reaches the
	# pod's PID namespace, harden-session-fds.sh; the fds it has must
	# still be out of reach)
	t_expect_eq "the paused child holds its stdio, nothing else" "$(get fds-held)" no
	for probe in exe-readlink exe-open fd-readlink fd-open root-list cwd-readlink environ-read mem-open; do
		t_expect_match "container root cannot $probe of podenter's child" "$(get $probe)" '^(EACCES|EPERM)$'
	done
	[ -n "$(get ptrace-attach)" ] || printf '%s\n' "$out" | sed 's/^/  | /'

	kill -CONT "$child"
	wait "$pe"
	t_expect_eq "after the attacks, the session still runs to the end" "$?" 0

	# the reaper lives as long as the session, in the pod's PID namespace
	"$PODENTER" --profile baseline pid:$T -- sleep 1213 </dev/null >/dev/null 2>&1 &
	pe=$!
	t_cleanup "kill -9 $pe"
	cmd=
	t_wait_for 400 pgrep -x -f 'sleep 1213' >/dev/null && cmd=$(pgrep -x -f 'sleep 1213')
	reaper=$(ps -o ppid= -p "${cmd:-0}" | tr -d ' ')
	who="the reaper"
	attack "${reaper:-0}"
	t_expect_eq "the attacker sees the reaper" "$(get visible)" yes
	# the tiny reaper from a sealed memfd (harden-reaper.sh attacks it with
	# CAP_SYS_PTRACE): its one fd is its own list of children
	t_expect_match "the reaper's command line shows nothing of the node's" "$(get cmdline)" '^podenter-reaper [0-9]+ [0-9]+$'
	t_expect_eq "the reaper holds no fd but its children list" "$(get fds-held)" no
	for probe in ptrace-attach ptrace-seize; do
		t_expect_eq "container root cannot $probe the reaper" "$(get $probe)" EPERM
	done
	for probe in exe-readlink exe-open fd-readlink fd-open root-list cwd-readlink environ-read mem-open; do
		t_expect_match "container root cannot $probe of the reaper" "$(get $probe)" '^(EACCES|EPERM)$'
	done
	[ -n "$(get ptrace-attach)" ] || printf '%s\n' "$out" | sed 's/^/  | /'
	kill -TERM "$pe"
	wait "$pe"
	t_expect_eq "after the attacks, the session ends as asked (SIGTERM)" "$?" 143
fi

# --- (2) a rootfs of symlinks to host canaries ---------------------------------
bb=$(command -v busybox) || t_skip_all "busybox (busybox-static) is not installed"
C=$T_TMP/canary
mkdir -p "$C/procdir" "$C/tmpdir"
for f in null passwd resolv; do echo "HOST-CANARY-$f" >"$C/$f"; done
touch -d '2001-01-01 00:00' "$C"/* "$C"/procdir "$C"/tmpdir
before=$(cd "$C" && find . -printf '%p %s %T@ %m\n' | sort; sha256sum null passwd resolv)
R=$T_TMP/evilroot
mkdir -p "$R/etc" "$R/dev" "$R/old" "$R/realproc"
cp "$bb" "$R/busybox"
ln -s "$C/procdir" "$R/proc"
ln -s "../../../../../../../../../..$C/null" "$R/dev/null"
ln -s "$C/passwd" "$R/etc/passwd"
ln -s "../../../../../../../../../..$C/resolv" "$R/etc/resolv.conf"
ln -s "$C/tmpdir" "$R/tmp"
# the container's own processes see their proc at /realproc (its /proc is
# the trap); it runs from the pivoted root like a runtime starts it
unshare --fork --kill-child --pid --net --uts --ipc --cgroup --mount sh -c '
	mount --bind "$1" "$1" && cd "$1" && pivot_root . old || exit 1
	/busybox mount -t proc proc /realproc && /busybox umount -l /old || exit 1
	/busybox touch /ready-marker 2>/dev/null; exec /busybox sleep 1000
' sh "$R" >/dev/null 2>&1 &
outer=$!
t_cleanup "kill -9 $outer"
EVIL=
for _ in $(seq 400); do
	EVIL=$(pgrep -P "$outer" | head -1)
	[ -n "$EVIL" ] && [ "$(readlink /proc/$EVIL/exe 2>/dev/null)" = /busybox ] && break
	EVIL=
	sleep 0.05
done
[ -n "$EVIL" ] || { echo "could not start the hostile container" >&2; exit 1; }
t_cleanup "kill -9 $EVIL"

# session NAME works|refused REGEX podenter-args...: each case states what
# must happen. works: exit 0 and stdout matches REGEX; refused: exit 125 and
# stderr gives the reason REGEX (the trap it met, never "any message").
# Nothing of a host canary may show in the output either way.
session() {
	local name=$1 expect=$2 re=$3
	shift 3
	t_podenter "$@"
	case $expect in
	works)
		t_expect_rc "$name: works" 0
		t_expect_match "$name: its output" "$T_OUT" "$re"
		;;
	refused)
		t_expect_rc "$name: refused (125)" 125
		t_expect_match "$name: says why" "$T_ERR" "$re"
		;;
	esac
	t_expect_nomatch "$name: no canary content reaches the session" "$T_OUT" "HOST-CANARY"
}
PROC_TRAP="the target's /proc is missing or a symlink; nothing was mounted"
# the fresh /proc of a pid-namespace session is met first: refused there
session "own files" refused "$PROC_TRAP" pid:$EVIL -- /busybox echo alive
session "own files, writes to /tmp and /dev/null" refused "$PROC_TRAP" pid:$EVIL -- /busybox sh -c 'echo x >/dev/null; echo y >/tmp/planted; echo done'
session "--user 1000 (no passwd lookup through the link)" refused "$PROC_TRAP" --user 1000 pid:$EVIL -- /busybox id -u
session "restricted profile" refused "$PROC_TRAP" --profile restricted pid:$EVIL -- /busybox id -u
session "--audit-log and --join-cgroup container" refused "$PROC_TRAP" --audit-log "$T_TMP/audit.log" --join-cgroup container pid:$EVIL -- /busybox echo alive
# the tools view builds its own /proc and /etc: the links are not followed
session "--view tools" works '^alive$' --view tools pid:$EVIL -- sh -c 'cat /etc/resolv.conf >/dev/null 2>&1; echo alive'
session "--view tools --user 1000" works '^1000$' --view tools --user 1000 pid:$EVIL -- id -u
session "--view tools: the pod's resolv.conf, /tmp and /dev/null links" works '^end$' --view tools pid:$EVIL -- \
	sh -c 'cat /etc/resolv.conf; echo y >/tmp/t; echo z >/dev/null; echo end'
session "--view merged" refused "overlayfs refuses layers inside one another" --view merged pid:$EVIL -- sh -c 'echo alive'
T_OUT=$(script -qec "$PODENTER pid:$EVIL -- /busybox sh -c 'echo alive-in-pty'" /dev/null </dev/null 2>&1 | tr -d '\r')
t_expect_match "interactive session: refused at the /proc trap" "$T_OUT" "$PROC_TRAP"
after=$(cd "$C" && find . -printf '%p %s %T@ %m\n' | sort; sha256sum null passwd resolv)
t_expect_eq "host canaries untouched (content, size, mtime, mode, no new files)" "$after" "$before"

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
