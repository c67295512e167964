#!/bin/bash
# A user-namespaced target (hostUsers: false: root inside is uid 100000
# outside) is joined by default, user namespace last: the command is root
# in the target's user namespace, its files land as uid 100000 on the host,
# its /proc is fresh and its PID namespace the target's. Both join paths.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root
t_require_test_hooks

case $(uname -m) in
x86_64) nr_unshare=272 ;;
aarch64) nr_unshare=97 ;;
*) t_skip_all "this test knows the unshare syscall number of x86_64 and aarch64 only" ;;
esac
command -v perl >/dev/null || t_skip_all "perl (perl-base) is needed to make the target"

# The target: a process that unshares its user namespace, waits until we
# wrote a 0 -> 100000 mapping, becomes root inside without exec'ing (an
# unmapped euid would lose its capabilities at exec), then makes the other
# namespaces as a runtime would.
mkfifo "$T_TMP/go"
perl -e 'syscall('"$nr_unshare"', 0x10000000) == 0 or die "unshare: $!";
	open(F, "<", $ARGV[0]) or die; <F>; shift;
	$) = "0 0"; $( = 0; $< = 0; $> = 0; exec @ARGV or die "exec: $!"' \
	"$T_TMP/go" unshare --fork --kill-child --pid --mount-proc --net --uts --ipc --cgroup \
	sh -c 'hostname uns; exec sleep 1000' >/dev/null 2>&1 &
outer=$!
disown $outer
t_cleanup "kill -9 $outer"
own_userns() { [ "$(e_ino "$1" user 2>/dev/null)" != "$(e_ino $$ user)" ]; }
t_wait_for 400 own_userns $outer || { echo "no user namespace"; exit 1; }
echo "0 100000 65536" >/proc/$outer/uid_map || exit 1
echo "0 100000 65536" >/proc/$outer/gid_map || exit 1
echo go >"$T_TMP/go"
t_wait_for 400 pgrep -P $outer -x sleep >/dev/null || { echo "target did not start"; exit 1; }
tpid=$(pgrep -P $outer -x sleep)
t_cleanup "kill -9 $tpid"
chmod 777 "$T_TMP"

for mode in 0 1; do
	label=pidfd
	[ $mode = 1 ] && label=proc
	rm -f "$T_TMP/made-inside"
	e_podenter_env PODENTER_TEST_NO_PIDFD_SETNS=$mode pid:"$tpid" -- sh -c '
		id -u; id -g; stat -L -c %i /proc/self/ns/user /proc/self/ns/pid
		hostname; cat /proc/self/uid_map | tr -s " " | sed "s/^ //"
		p=$(ps -eo comm=); echo $p
		touch '"$T_TMP"'/made-inside'
	t_expect_rc "$label: exit 0" 0
	exp="0 0 $(e_ino "$tpid" user) $(e_ino "$tpid" pid) uns 0 100000 65536 sleep podenter sh ps "
	# the reaper is podenter, or podenter-reaper once it executed the
	# tiny reaper (reaper.h): ps may run either side of that exec, or
	# between its exec and its rename (memfd:podenter-: see
	# enter-namespaces.sh)
	t_expect_eq "$label: root in the target's user namespace, its pid ns and hostname" \
		"$(printf '%s\n' "$T_OUT" | sed -E 's/ (podenter-reaper|memfd:podenter-) / podenter /' |
			tr '\n' ' ')" "$exp"
	t_expect_eq "$label: files made inside belong to the mapped uid" \
		"$(stat -c %u:%g "$T_TMP/made-inside" 2>/dev/null)" "100000:100000"
done

t_podenter pid:"$tpid" --user 1000:1000 -- sh -c 'id -u; id -g'
t_expect_eq "--user UID:GID is read inside the user namespace" \
	"$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" "1000 1000 "
t_podenter pid:"$tpid" --user target -- id -u
t_expect_eq "--user target: the target's uid as the namespace sees it" "$T_OUT" "0"

# selecting namespaces without -U leaves the user namespace alone
t_podenter pid:"$tpid" -N -- stat -L -c %i /proc/self/ns/user
t_expect_eq "-N: the host's user namespace" "$T_OUT" "$(e_ino $$ user)"

# inspect says it is user-namespaced (compared with PID 1's user namespace,
# or with podenter's own where PID 1's links are closed, as here)
t_podenter inspect -o json pid:"$tpid"
t_expect_match "inspect: user_namespaced" "$T_OUT" '"user_namespaced": *true'
t_podenter inspect -o json "pid:$$"
t_expect_match "inspect: a host process is not" "$T_OUT" '"user_namespaced": *false'

t_done
