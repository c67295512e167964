#!/bin/bash
# Real processes in real cgroups named like kubelet's, resolved from the real
# /proc (no --host-root): the cgroup parser against the kernel, not a file.
source "$TESTLIB"
t_require_root

uid=$(cat /proc/sys/kernel/random/uuid)
id=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
rel="kubepods/burstable/pod$uid/$id"
t_make_cgroup "$rel"

pid=$(t_spawn unshare --fork --pid --net --uts sleep 1000)
# the init of the new PID namespace is unshare's child
t_wait_for 40 pgrep -P "$pid" >/dev/null || { t_fail "target did not start"; t_done; }
inner=$(pgrep -P "$pid")
t_join_cgroup "$inner" "$rel"
grep -q "$id" "/proc/$inner/cgroup" || t_skip_all "cannot move a process into a test cgroup here"

t_podenter inspect -o json "pid:$inner"
t_expect_rc "pid: target in a kubepods cgroup" 0
t_expect_eq "container id parsed from the real cgroup" "$(t_json "$T_OUT" "d['container_id']")" "$id"
t_expect_eq "pod uid parsed" "$(t_json "$T_OUT" "d['pod_uid']")" "$uid"
t_expect_eq "QoS parsed" "$(t_json "$T_OUT" "d['qos']")" Burstable
t_expect_eq "net namespace is the target's" "$(t_json "$T_OUT" "d['namespaces']['net']")" \
	"$(readlink "/proc/$inner/ns/net" | tr -dc 0-9)"
t_expect_eq "start time recorded" "$(t_json "$T_OUT" "d['start_time']")" \
	"$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$inner/stat")"

t_podenter inspect -o json "id:${id:0:12}"
t_expect_rc "id: prefix of a container only /proc knows" 0
t_expect_eq "id: resolves to the container's init" "$(t_json "$T_OUT" "d['pid']")" "$inner"

t_podenter inspect "pid:$$"
t_expect_rc "a plain host process is a valid pid: target" 0
t_podenter inspect pid:2147483646
t_expect_rc "no such PID: 125" 125
t_expect_match "no such PID: said" "$T_ERR" "no process with PID 2147483646"

# the process goes away: a clear message, not a stale answer
kill -9 "$inner" "$pid"
wait "$pid" 2>/dev/null
t_podenter inspect "id:${id:0:12}"
t_expect_rc "exited container: 125" 125

t_done
