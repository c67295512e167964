#!/bin/bash
# --join-cgroup: the session is charged to the container's or the pod's
# cgroups (every v1 hierarchy and v2), or stays in podenter's own (the
# default); podenter itself is back in its own cgroups while the session
# runs (the target's OOM killer must not pick it); checked through /proc/<pid>/cgroup of the session's process and
# of podenter, read on the host. The pod is a containerd task tree under a
# host root, for real processes in real kubepods cgroups.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
[ -n "$(t_cgroup_dirs)" ] || t_skip_all "no cgroup hierarchy is mounted"

# where the test shell is before anything: compared at the end
SHELL_CG_BEFORE=$(cat /proc/$$/cgroup)
# cgroup v1 controllers are checked where they are mounted; on a v2-only
# machine (Debian 12's default) the v2 line carries every controller
V1_MEMORY=0
grep -q ':memory:' /proc/$$/cgroup && V1_MEMORY=1

# unique per run: several copies of the suite may share the machine
uid=7c4d5e6f-1a2b-4c3d-8e9f-$(printf '%012x' $$)
sb=5c$(printf '%062x' $$)
ct=c8$(printf '%062x' $$)
POD=kubepods/besteffort/pod$uid
t_make_cgroup "$POD/$ct"
t_make_cgroup "$POD/$sb"
e_make_target cg
T=$E_PID
pausepid=$(pgrep -P "$T" -x sleep | head -1)
t_join_cgroup "$T" "$POD/$ct"
t_join_cgroup "$pausepid" "$POD/$sb"
t_cleanup "t_join_cgroup $T ."
t_cleanup "t_join_cgroup $pausepid ."
grep -q "$POD/$ct" /proc/$T/cgroup || { echo "could not place the target in $POD/$ct" >&2; exit 1; }

node=$T_TMP/node
tasks=$node/run/containerd/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$tasks/$sb" "$tasks/$ct" "$node/proc"
bundle() { # dir type name pid
	cat >"$1/config.json" <<JSON
{"ociVersion":"1.0.2","annotations":{
 "io.kubernetes.cri.container-type":"$2",
 "io.kubernetes.cri.sandbox-id":"$sb",
 "io.kubernetes.cri.sandbox-name":"cg-0",
 "io.kubernetes.cri.sandbox-namespace":"harden",
 "io.kubernetes.cri.sandbox-uid":"$uid",
 "io.kubernetes.cri.container-name":"$3"},
 "linux":{"cgroupsPath":"/$POD/$(basename "$1")"}}
JSON
	echo "$4" >"$1/init.pid"
}
bundle "$tasks/$sb" sandbox "" "$pausepid"
bundle "$tasks/$ct" container app "$T"
mount --bind /proc "$node/proc" || { echo "cannot bind /proc" >&2; exit 1; }
t_cleanup "umount -l $node/proc"
P=(--host-root "$node" -n harden --view none)

# The hierarchies the target really is in (cpuset needs cpus set to join).
in_ct() { printf '%s\n' "$1" | grep -E ":/$POD/$ct\$" | cut -d: -f1-2 | sort | tr '\n' ' '; }
in_pod() { printf '%s\n' "$1" | grep -E ":/$POD\$" | cut -d: -f1-2 | sort | tr '\n' ' '; }
want=$(in_ct "$(cat /proc/$T/cgroup)")

session_cgroups() { # podenter args...: SESSION_CG, PODENTER_CG from the host
	"$PODENTER" "${P[@]}" "$@" cg-0 -- sleep 1313 </dev/null >"$T_TMP/out" 2>"$T_TMP/err" &
	local pe=$! sp
	PE_PID=$pe
	t_cleanup "kill -9 $pe"
	SESSION_CG="(no session: $(cat "$T_TMP/err"))" PODENTER_CG=""
	if t_wait_for 400 pgrep -x -f 'sleep 1313' >/dev/null; then
		sp=$(pgrep -x -f 'sleep 1313')
		SESSION_CG=$(cat /proc/$sp/cgroup)
		PODENTER_CG=$(cat /proc/$pe/cgroup)
	fi
	kill -9 "$pe" 2>/dev/null
	wait "$pe" 2>/dev/null
	t_wait_for 400 sh -c "! pgrep -x -f 'sleep 1313' >/dev/null"
}

session_cgroups --join-cgroup container
t_expect_eq "container: in the container's cgroup in each hierarchy the target is" "$(in_ct "$SESSION_CG")" "$want"
t_expect_match "container: cgroup v2" "$SESSION_CG" "(^|$(printf '\n'))0::/$POD/$ct"
if ((V1_MEMORY)); then
	t_expect_match "container: v1 memory (limits apply)" "$SESSION_CG" ":memory:/$POD/$ct"
	t_expect_match "container: v1 pids" "$SESSION_CG" ":pids:/$POD/$ct"
else
	echo "SKIP: harden-cgroup: v1 memory/pids placement: no cgroup v1 memory hierarchy here (cgroup v2 only; the v2 line above carries the controllers)"
fi
# podenter, the relay of the session's stdio, moved there only for the
# session to be born there, then stepped back out to its own cgroups in
# every hierarchy: the container's limits (its OOM killer) never pick it.
# It was started by this shell: its own cgroups are the shell's.
t_expect_eq "container: podenter itself in none of the container's cgroups while the session runs" \
	"$(in_ct "$PODENTER_CG")" ""
t_expect_eq "container: podenter itself back in its own cgroups, every hierarchy" \
	"$PODENTER_CG" "$(cat /proc/$$/cgroup)"

# podenter cannot go back: its own cgroup was removed while it was in the
# container's (podenter alone was in it, a cgroup of the test's, made in
# every hierarchy). The step out is noted, the session goes on and its exit
# status is podenter's. (PODENTER_TEST_PAUSE_AT=after-pin stops podenter
# once it has moved into the container's cgroups, before the stage.)
if t_have_test_hooks; then
	HOME_CG=podenter-home-$$
	t_make_cgroup "$HOME_CG"
	(
		t_join_cgroup "$BASHPID" "$HOME_CG"
		PODENTER_TEST_PAUSE_AT=after-pin exec "$PODENTER" "${P[@]}" --join-cgroup container \
			cg-0 -- sh -c 'exit 7' </dev/null >"$T_TMP/out" 2>"$T_TMP/err"
	) &
	pe=$!
	t_cleanup "kill -9 $pe"
	stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
	t_wait_for 400 stopped "$pe" || t_fail "home removed: podenter did not pause"
	t_expect_eq "home removed: paused in the container's cgroups" "$(in_ct "$(cat "/proc/$pe/cgroup")")" "$want"
	t_remove_cgroup "$HOME_CG"
	t_expect_eq "home removed: podenter's own cgroup is gone" \
		"$(for d in $(t_cgroup_dirs); do [ -d "$d/$HOME_CG" ] && echo "$d"; done)" ""
	kill -CONT "$pe"
	rc=0
	t_wait_pid "$pe" || rc=$?
	t_expect_eq "home removed: the session went on, its exit status kept" "$rc" 7
	t_expect_match "home removed: a note says podenter could not go back" "$(cat "$T_TMP/err")" \
		"going back from cgroup .*$ct to podenter's own .*$HOME_CG.*the session goes on"
else
	echo "SKIP: harden-cgroup: podenter's own cgroup removed: needs the PODENTER_TEST_* hooks"
fi

# the pod: its own cgroup in each v1 hierarchy; in v2, where the kernel puts
# no process in a cgroup with children (and controllers), a leaf of
# podenter's under it, podenter-<its PID>, removed when the session ends
V2_DIR=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
V2_POD=
grep -q "^0::/$POD/$ct\$" /proc/$T/cgroup && [ -n "$V2_DIR" ] && V2_POD=$V2_DIR/$POD
leaves() { [ -z "$V2_POD" ] || (cd "$V2_POD" && ls -d podenter-* 2>/dev/null | tr '\n' ' '); }
# whatever a failing podenter left, so that the pod's cgroup can go
remove_leaves() { # bounded: the killed sessions leave the leaves first
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(leaves)" ] && return 0
		(cd "$V2_POD" && rmdir podenter-*) 2>/dev/null
		sleep 0.1
	done
}
[ -n "$V2_POD" ] && t_cleanup remove_leaves
in_pod_v1() { in_pod "$1" | tr ' ' '\n' | grep -v '^0:$' | tr '\n' ' '; }
session_cgroups --join-cgroup pod
t_expect_eq "pod: in the pod's cgroup in each v1 hierarchy of those" \
	"$(in_pod_v1 "$SESSION_CG")" "$(printf '%s' "$want" | tr ' ' '\n' | grep -v '^0:$' | tr '\n' ' ')"
t_expect_nomatch "pod: not in the container's" "$SESSION_CG" "$ct"
# podenter stepped back out of the pod's cgroups (v1 ones, and its v2 leaf)
t_expect_eq "pod: podenter itself in none of the pod's cgroups while the session runs" \
	"$(in_pod "$PODENTER_CG")" ""
t_expect_eq "pod: podenter itself back in its own cgroups, every hierarchy" \
	"$PODENTER_CG" "$(cat /proc/$$/cgroup)"
if [ -n "$V2_POD" ]; then
	KILLED_PE=$PE_PID
	t_expect_match "pod: cgroup v2: a leaf of podenter's under the pod's cgroup, named by its PID" \
		"$SESSION_CG" "(^|$(printf '\n'))0::/$POD/podenter-$PE_PID\$"
	# podenter, the relay of the session's stdio, stepped back out once the
	# session was born there: the pod's limits never pick it
	t_expect_eq "pod: cgroup v2: podenter itself back in its own cgroup" \
		"$(printf '%s\n' "$PODENTER_CG" | grep '^0::')" "$(grep '^0::' /proc/$$/cgroup)"
	# podenter was killed with SIGKILL (session_cgroups): its empty leaf is
	# left, and the next --join-cgroup pod of this pod removes it
	t_expect_eq "pod: kill -9 of podenter leaves its (empty) leaf" "$(leaves)" "podenter-$KILLED_PE "
	t_podenter "${P[@]}" --join-cgroup pod cg-0 -- sh -c 'cat /proc/self/cgroup; echo done'
	t_expect_eq "pod: a whole session: exit 0" "$T_RC" 0
	t_expect_match "pod: a whole session: it ran" "$T_OUT" "^done\$|done"
	t_expect_eq "pod: no leaf left after the session, nor the killed podenter's" "$(leaves)" ""
	t_expect_match "pod: says where the session is" "$T_ERR" "cgroup: .*/$POD/podenter-[0-9]+"

	# the pod kills the session's reaper: its orphans escape the reaper,
	# not the leaf; podenter kills what is left there (cgroup.kill) and
	# removes it
	"$PODENTER" "${P[@]}" --join-cgroup pod cg-0 -- sh -c 'sleep 1414 & sleep 1515' \
		</dev/null >"$T_TMP/out" 2>"$T_TMP/err" &
	pe=$!
	t_cleanup "kill -9 $pe"
	orphan=
	if t_wait_for 400 pgrep -x -f 'sleep 1414' >/dev/null; then
		orphan=$(pgrep -x -f 'sleep 1414')
		shpid=$(awk '{print $4}' /proc/$orphan/stat)
		reaper=$(awk '{print $4}' /proc/$shpid/stat)
		kill -9 "$reaper"
	fi
	t_expect_match "pod: the reaper killed: a session started" "$orphan" "^[0-9]+\$"
	t_cleanup "kill -9 $orphan"
	timeout 30 sh -c "while kill -0 $pe 2>/dev/null; do sleep 0.1; done"
	t_expect_eq "pod: the reaper killed: podenter ended" "$(kill -0 "$pe" 2>/dev/null && echo running)" ""
	t_expect_eq "pod: the reaper killed: its orphan killed with the leaf" \
		"$(pgrep -x -f 'sleep 1414')" ""
	t_expect_eq "pod: the reaper killed: no leaf left" "$(leaves)" ""
	wait "$pe" 2>/dev/null
else
	echo "SKIP: harden-cgroup: the v2 leaf: the target has no cgroup v2 path here"
fi

session_cgroups --join-cgroup host
t_expect_nomatch "host: the session stays out of the pod" "$SESSION_CG" "pod$uid"
t_expect_eq "host: the session is where its caller (this test shell) is, in every hierarchy" \
	"$SESSION_CG" "$(cat /proc/$$/cgroup)"
session_cgroups
t_expect_nomatch "default: host" "$SESSION_CG" "pod$uid"

# bad values and impossible placements: 125, nothing started
t_podenter "${P[@]}" --join-cgroup node cg-0 -- true
t_expect_rc "unknown placement: 125" 125
t_expect_match "unknown placement: says which are known" "$T_ERR" "pod, container or host"
t_podenter --join-cgroup pod pid:$$ -- true
t_expect_rc "pod placement for a process in no pod: 125" 125
t_expect_match "pod placement for a process in no pod: says why" "$T_ERR" "pod"
t_expect_eq "after all this, the test shell is where it was" \
	"$(cat /proc/$$/cgroup)" "$SHELL_CG_BEFORE"

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
