#!/bin/bash
# podenter TARGET -- CMD joins exactly the chosen namespaces of a real target
# (made with unshare): every /proc/self/ns inode in the command is the
# target's for the chosen set and the host's for the rest; ps shows exactly
# the target's PID namespace; both the pidfd setns and the /proc/PID/ns
# fallback are exercised and told apart with strace.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root
t_require_test_hooks
# shared propagation as on a systemd host, and a mount table of our own
t_shared_propagation "$@"

ALL_NS="net pid ipc uts cgroup mnt user time"
e_make_target tgt-ns
self=$$

# What the command saw: "name=inode" lines, then its hostname and marker.
probe='for n in '"$ALL_NS"'; do echo "$n=$(stat -L -c %i /proc/self/ns/$n)"; done
echo "host=$(hostname)"; echo "mark=$(cat '"$T_TMP"'/mark/in-target 2>/dev/null)"'

# check_ns LABEL "joined namespaces" OUTPUT: joined ones equal the target's,
# the others the caller's (mnt is special: see below)
check_ns() {
	local label=$1 joined=$2 out=$3 n got want
	for n in $ALL_NS; do
		got=$(printf '%s\n' "$out" | sed -n "s/^$n=//p")
		case " $joined " in
		*" $n "*) want=$(e_ino "$E_PID" "$n") ;;
		*) want=$(e_ino "$self" "$n") ;;
		esac
		if [ "$n" = mnt ]; then
			# a private copy: never the target's nor the host's own
			# namespace, so session mounts reach neither
			case " $joined " in
			*" mnt "* | *" net "* | *" pid "*)
				[ "$got" != "$(e_ino "$E_PID" mnt)" ] &&
					[ "$got" != "$(e_ino "$self" mnt)" ] &&
					t_pass "$label: mnt is a private copy" ||
					t_fail "$label: mnt $got is not a private copy"
				continue ;;
			esac
		fi
		t_expect_eq "$label: $n namespace" "$got" "$want"
	done
}

for mode in pidfd proc; do
	var=PODENTER_TEST_NO_PIDFD_SETNS=0
	[ $mode = proc ] && var=PODENTER_TEST_NO_PIDFD_SETNS=1

	e_podenter_env "$var" pid:"$E_PID" -- sh -c "$probe"
	t_expect_rc "$mode default: exit 0" 0
	check_ns "$mode default" "net pid ipc uts cgroup mnt" "$T_OUT"
	t_expect_match "$mode default: hostname is the target's" "$T_OUT" "^host=tgt-ns$"
	t_expect_match "$mode default: the target's mounts are seen" "$T_OUT" "^mark=tgt-ns$"

	e_podenter_env "$var" pid:"$E_PID" -N --uts -- sh -c "$probe"
	t_expect_rc "$mode -N --uts: exit 0" 0
	check_ns "$mode -N --uts" "net uts" "$T_OUT"
	t_expect_match "$mode -N --uts: the host's files" "$T_OUT" "^mark=$"

	e_podenter_env "$var" pid:"$E_PID" --ipc -P -- sh -c "$probe"
	t_expect_rc "$mode --ipc -P: exit 0" 0
	check_ns "$mode --ipc -P" "ipc pid" "$T_OUT"

	e_podenter_env "$var" pid:"$E_PID" --ipc -- sh -c "$probe"
	t_expect_rc "$mode --ipc: exit 0" 0
	check_ns "$mode --ipc alone (no mount namespace made)" "ipc" "$T_OUT"

	e_podenter_env "$var" pid:"$E_PID" -a -- sh -c "$probe"
	t_expect_rc "$mode --all-ns: exit 0" 0
	check_ns "$mode --all-ns" "net pid ipc uts cgroup mnt" "$T_OUT"
done

# Which join was used: one setns with every flag, or one per namespace.
if command -v strace >/dev/null; then
	strace -f -qq -e trace=setns -o "$T_TMP/strace.pidfd" \
		"$PODENTER" pid:"$E_PID" -- true
	strace -f -qq -e trace=setns -o "$T_TMP/strace.proc" \
		env PODENTER_TEST_NO_PIDFD_SETNS=1 "$PODENTER" pid:"$E_PID" -- true
	n=$(grep -c 'setns(' "$T_TMP/strace.pidfd")
	t_expect_eq "pidfd: a single setns call" "$n" 1
	t_expect_match "pidfd: it carries every flag" "$(cat "$T_TMP/strace.pidfd")" \
		'setns\([0-9]+, (CLONE_NEW[A-Z]+\|){5}CLONE_NEW[A-Z]+\) = 0'
	n=$(grep -c 'setns(.* = 0' "$T_TMP/strace.proc")
	t_expect_eq "fallback: one setns per namespace" "$n" 6
else
	t_fail "strace is needed to tell the join paths apart (apt-get install strace)"
fi

# ps lists exactly the target's PID namespace (its two sleeps) plus the
# session: the command itself and its reaper (reaper.h): podenter until the
# command executed, then podenter-reaper (the tiny reaper it executes, which
# names itself so at once); ps may read its name either side of that exec,
# and in between as the kernel names a program run from a memfd (Linux 6.x:
# "memfd:podenter-", the memfd's name cut to 15 bytes; while podenter's
# trace guard holds the reaper at its exec, that moment lasts a while).
T_RC=0
out=$("$PODENTER" pid:"$E_PID" -- ps -eo pid=,comm=) || T_RC=$?
t_expect_rc "ps: exit 0" 0
t_expect_eq "ps: the target's processes and ps" \
	"$(printf '%s\n' "$out" | awk '{print $2}' |
		sed -E 's/^(podenter-reaper|memfd:podenter-)$/podenter/' | sort | tr '\n' ' ')" \
	"podenter ps sleep sleep "
t_expect_match "ps: the target's init is PID 1" "$out" "^ *1 sleep$"
hostcount=0
for p in /proc/[0-9]*; do
	[ "$(stat -L -c %i "$p/ns/pid" 2>/dev/null)" = "$(e_ino "$E_PID" pid)" ] &&
		hostcount=$((hostcount + 1))
done
t_expect_eq "ps: as many as the host sees in that namespace" \
	"$(printf '%s\n' "$out" | grep -vcE ' (ps|podenter|podenter-reaper|memfd:podenter-)$')" "$hostcount"

# The fresh /proc and the private copy leave nothing in the target.
before=$(cat "/proc/$E_PID/mountinfo" | cut -d' ' -f5 | sort)
"$PODENTER" pid:"$E_PID" -- true
after=$(cat "/proc/$E_PID/mountinfo" | cut -d' ' -f5 | sort)
t_expect_eq "no mount left in the target" "$after" "$before"

# node: PID 1's namespaces. Seen from inside the target's PID and mount
# namespaces (as from a privileged pod with hostPID), PID 1 is the target's
# init, so "node" must land in its UTS and network namespaces.
T_RC=0
out=$(nsenter -t "$E_PID" --pid --mount "$PODENTER" node -- sh -c \
	'hostname; stat -L -c %i /proc/self/ns/net') || T_RC=$?
t_expect_rc "node: exit 0" 0
t_expect_eq "node: PID 1's hostname and network namespace" \
	"$(printf '%s\n' "$out" | tr '\n' ' ')" "tgt-ns $(e_ino "$E_PID" net) "

# The time namespace: not in the default set, joined with --time or -a
# (the command is forked after setns, so it lives in it).
if unshare --time true 2>/dev/null; then
	e_make_target tgt-time --time
	t_podenter pid:"$E_PID" -- stat -L -c %i /proc/self/ns/time
	t_expect_eq "time: not joined by default" "$T_OUT" "$(e_ino $$ time)"
	t_podenter pid:"$E_PID" --time -- stat -L -c %i /proc/self/ns/time
	t_expect_eq "time: --time joins it" "$T_OUT" "$(e_ino "$E_PID" time)"
	t_podenter pid:"$E_PID" -a -- stat -L -c %i /proc/self/ns/time
	t_expect_eq "time: -a joins it" "$T_OUT" "$(e_ino "$E_PID" time)"
else
	t_fail "unshare --time does not work here (kernel without time namespaces?)"
fi

# Help: podenter --help shows the enter options too.
t_podenter --help
t_expect_match "--help lists the namespace flags" "$T_OUT" "--net-only"
t_expect_match "--help lists -U/--userns" "$T_OUT" "-U, --userns"
t_podenter --help-enter
t_expect_match "--help-enter" "$T_OUT" "^Usage: podenter \\[OPTIONS\\] TARGET"
t_podenter help enter
t_expect_match "help enter" "$T_OUT" "--env-from-target"

# The fresh /proc and the private copy leave nothing in the target, nor
# here: checked on a target whose mounts are shared with this namespace
# (a container with Bidirectional propagation; systemd's /), where a mount
# that escapes the session's namespace would show on both sides.
# (no /proc of its own: with shared propagation it would cover ours)
unshare --fork --kill-child --pid --mount --propagation shared sleep 1313 >/dev/null 2>&1 &
shared_outer=$!
disown "$shared_outer"
t_cleanup "kill -9 $shared_outer"
shared_started() { SHARED_PID=$(pgrep -P "$shared_outer" -x sleep) && [ "$(e_ino "$SHARED_PID" mnt)" != "$(e_ino $$ mnt)" ]; }
t_wait_for 400 shared_started || { echo "could not start the shared-propagation target" >&2; exit 1; }
[ "$(awk '$5 == "/" { print ($7 ~ /^shared:/) }' "/proc/$SHARED_PID/mountinfo")" = 1 ] &&
	t_pass "the target's / is shared" || t_fail "the target's / is not shared: this check would prove nothing"
before=$(cut -d' ' -f5,9- "/proc/$SHARED_PID/mountinfo" | sort)
before_here=$(t_all_mounts)
"$PODENTER" pid:"$SHARED_PID" -- true
after=$(cut -d' ' -f5,9- "/proc/$SHARED_PID/mountinfo" | sort)
t_expect_eq "no mount left in the target" "$after" "$before"
t_expect_eq "no mount left here (the node's side)" "$(t_all_mounts)" "$before_here"

t_done
