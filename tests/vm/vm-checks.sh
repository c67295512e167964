#!/bin/bash
# Checks that need a real systemd + cgroup v2 node: sourced by tests/node/e2e.sh
# (E2E_EXTRA_CHECKS) inside the VM (tests/vm/guest.sh), after its own checks,
# on the same node, with its helpers (run, run_ok, expect_*, truth, pid_of).
# The node runs with PODENTER_NODE_CGROUP_DRIVER=systemd: every pod is in
# kubepods.slice/.../kubepods-<qos>-pod<uid_>.slice/cri-containerd-<id>.scope.

# the cgroup v2 path of a process (the "0::" line)
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

check_vm_node_is_systemd_cgroup2() {
	run_ok cat /proc/1/comm || return 1
	expect_eq "PID 1" "$OUT" systemd || return 1
	run_ok stat -f -c %T /sys/fs/cgroup || return 1
	expect_eq "/sys/fs/cgroup" "$OUT" cgroup2fs || return 1
	run_ok awk '$9 == "cgroup" {print $5}' /proc/self/mountinfo || return 1
	expect_eq "no cgroup v1 hierarchy mounted" "$OUT" "" || return 1
	run_ok grep -c 'SystemdCgroup = true' "$PODENTER_NODE_STATE/containerd.toml" || return 1
}

# inspect: the cgroup, QoS class and pod UID podenter resolves match the
# container's real cgroup (systemd's slice and scope names)
check_vm_inspect_systemd_cgroup_paths() {
	local pod pid uid id qos bad=0
	for pod in qos-guaranteed:Guaranteed qos-burstable:Burstable qos-besteffort:BestEffort; do
		qos=${pod#*:} pod=${pod%%:*}
		pid=$(pid_of qos "$pod")
		uid=$(truth "one('qos', '$pod')['pod_uid']")
		id=$(truth "one('qos', '$pod')['container_id']")
		podenter -n qos inspect "$pod" -o json || { bad=1; continue; }
		expect_eq "$pod: cgroup" "$(jpy 'd["cgroup"]' <<<"$OUT")" "$(cgroup_of "$pid")" || bad=1
		expect_contains "$pod: a systemd scope" "$(jpy 'd["cgroup"]' <<<"$OUT")" \
			"pod${uid//-/_}.slice/cri-containerd-$id.scope" || bad=1
		expect_eq "$pod: qos" "$(jpy 'd["qos"]' <<<"$OUT")" "$qos" || bad=1
		expect_eq "$pod: pod_uid" "$(jpy 'd["pod_uid"]' <<<"$OUT")" "$uid" || bad=1
	done
	return "$bad"
}

# --join-cgroup container: the session is born in the container's scope
check_vm_join_cgroup_container_scope() {
	local pid
	pid=$(pid_of qos qos-guaranteed)
	podenter -n qos qos-guaranteed --join-cgroup container --view none -- cat /proc/self/cgroup ||
		return 1
	# the session is in the container's cgroup namespace: its path reads "/"
	expect_eq "cgroup seen in the session" "$OUT" "0::/" || return 1
	podenter -n qos qos-guaranteed --join-cgroup container --view none -- \
		sh -c 'sleep 30 & echo $!; wait' &
	local bg=$! i found=""
	for ((i = 0; i < 100; i++)); do
		found=$(pgrep -f '^sleep 30$' | while read -r p; do
			[[ $(cgroup_of "$p") == "$(cgroup_of "$pid")" ]] && echo "$p"
		done | head -1)
		[[ -n $found ]] && break
		sleep 0.2
	done
	[[ -n $found ]] && kill "$found"
	wait "$bg" 2>/dev/null
	[[ -n $found ]] || { say "FAILED: no session process in $(cgroup_of "$pid")"; return 1; }
	say "session process $found in $(cgroup_of "$found")"
}

# Memory: the container's memory.max (32Mi, qos-guaranteed) applies to the
# session: a shell that holds 96 MiB is OOM-killed in the container's scope
# and not when it stays in podenter's own cgroup (the default).
HOLD_96M='x=$(head -c 100663296 /dev/zero | tr "\0" a); echo held ${#x}'
check_vm_join_cgroup_memory_limit_applies() {
	local pid scope
	pid=$(pid_of qos qos-guaranteed)
	scope=/sys/fs/cgroup$(cgroup_of "$pid")
	run_ok cat "$scope/memory.max" || return 1
	expect_eq "the container's memory.max" "$OUT" $((32 * 1024 * 1024)) || return 1
	CMD_TIMEOUT=$((CMD_TIMEOUT * 4)) run "$PODENTER" -n qos qos-guaranteed --view none -- sh -c "$HOLD_96M"
	expect_eq "without --join-cgroup: the shell holds 96 MiB" "$OUT" "held 100663296" || return 1
	local before
	before=$(awk '/^oom_kill / {print $2}' "$scope/memory.events")
	CMD_TIMEOUT=$((CMD_TIMEOUT * 4)) run "$PODENTER" -n qos qos-guaranteed --join-cgroup container \
		--view none -- sh -c "$HOLD_96M"
	expect_not_contains "with --join-cgroup container: not held" "$OUT" "held" || return 1
	((RC == 137)) || { say "FAILED: expected the shell to be OOM-killed (137), got $RC"; return 1; }
	run_ok grep '^oom_kill ' "$scope/memory.events" || return 1
	((${OUT#oom_kill } > before)) || { say "FAILED: no OOM kill counted in $scope"; return 1; }
	# the container itself survived (only the session's shell was chosen)
	run_ok kill -0 "$pid"
}

# pids: a pod pids limit (kubelet's podPidsLimit: pids.max on the pod's
# cgroup, here TasksMax= on the pod slice) applies to a session in the
# container, and not to one in podenter's own cgroup.
FORK_40='n=0; pids=; while [ $n -lt 40 ]; do sleep 20 & pids="$pids $!"; n=$((n + 1)); done; echo forked $n; kill $pids'
check_vm_join_cgroup_pids_limit_applies() {
	local pid slice rc=0
	pid=$(pid_of qos qos-burstable)
	slice=$(cgroup_of "$pid")
	slice=${slice%/*}
	slice=${slice##*/}
	run_ok systemctl set-property --runtime "$slice" TasksMax=16 || return 1
	run_ok cat "/sys/fs/cgroup$(dirname "$(cgroup_of "$pid")")/pids.max"
	expect_eq "the pod's pids.max" "$OUT" 16 || rc=1
	if ((rc == 0)); then
		podenter -n qos qos-burstable --view none -- sh -c "$FORK_40" || rc=1
		expect_contains "without --join-cgroup: 40 processes" "$OUT" "forked 40" || rc=1
		run "$PODENTER" -n qos qos-burstable --join-cgroup container --view none -- \
			sh -c "$FORK_40"
		expect_not_contains "with --join-cgroup container: the limit applies" "$OUT" "forked 40" ||
			rc=1
		expect_contains "fork refused" "$ERR" "can't fork" || rc=1
	fi
	run systemctl set-property --runtime "$slice" TasksMax=infinity
	return "$rc"
}

# --join-cgroup pod on cgroup v2: the pod's slice has children and
# controllers, so no process may live in it; podenter makes a leaf of its
# own under it (podenter-<its PID>), the session lives there, and the leaf
# is removed when the session ends. pod_slice_of POD: the slice's directory.
pod_slice_of() { local cg; cg=$(cgroup_of "$(pid_of qos "$1")") && echo "/sys/fs/cgroup${cg%/*}"; }
leaves_in() { (cd "$1" && ls -d podenter-* 2>/dev/null | tr '\n' ' '); }
check_vm_join_cgroup_pod_leaf() {
	local slice unit
	slice=$(pod_slice_of qos-burstable)
	unit=${slice##*/}
	run_ok cat "$slice/cgroup.subtree_control" || return 1
	expect_contains "the pod slice has controllers for its children" "$OUT" memory || return 1
	expect_eq "no leaf before" "$(leaves_in "$slice")" "" || return 1
	podenter -n qos qos-burstable --join-cgroup pod --view none -- \
		sh -c 'cat /proc/self/cgroup; echo started' || return 1
	expect_contains "the session ran" "$OUT" started || return 1
	# the session is in the container's cgroup namespace: the leaf, a
	# sibling of the container's scope, reads as ../podenter-<pid>
	expect_contains "the session's cgroup: podenter's leaf" "$OUT" "/podenter-" || return 1
	expect_contains "podenter said where" "$ERR" "$unit/podenter-" || return 1
	expect_eq "no leaf after the session" "$(leaves_in "$slice")" "" || return 1
	# systemd took no notice: the slice runs, no unit of podenter's appeared
	run_ok systemctl is-active "$unit" || return 1
	run_ok systemctl list-units --all --plain --no-legend 'podenter-[0-9]*' || return 1
	expect_eq "no systemd unit for the leaf" "$OUT" "" || return 1

	# kill -9 of podenter: its session dies with it, the empty leaf stays;
	# the next --join-cgroup pod of this pod removes it
	say "$ $PODENTER -n qos qos-burstable --join-cgroup pod --view none -- sleep 3131 &"
	"$PODENTER" -n qos qos-burstable --join-cgroup pod --view none -- sleep 3131 \
		</dev/null >/dev/null 2>&1 &
	local pe=$! i sp=""
	for ((i = 0; i < 300; i++)); do
		sp=$(pgrep -x -f 'sleep 3131') && break
		sleep 0.2
	done
	say "session sleep: ${sp:-none}, its cgroup: $( [[ -n $sp ]] && cgroup_of "$sp")"
	[[ -n $sp && $(cgroup_of "$sp") == "${slice#/sys/fs/cgroup}/podenter-$pe" ]] || {
		kill -9 "$pe"
		say "FAILED: the session is not in ${slice#/sys/fs/cgroup}/podenter-$pe"
		return 1
	}
	kill -9 "$pe"
	wait "$pe" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		pgrep -x -f 'sleep 3131' >/dev/null || break
		sleep 0.2
	done
	run_ok cat "$slice/podenter-$pe/cgroup.events" || return 1
	expect_contains "kill -9: the leaf is left, empty" "$OUT" "populated 0" || return 1
	podenter -n qos qos-burstable --join-cgroup pod --view none -- true || return 1
	expect_eq "the next session removed it, and its own" "$(leaves_in "$slice")" "" || return 1
}

# Memory: the pod's memory.max (kubelet sets the sum of its containers'
# limits on the pod slice: MemoryMax=32M for qos-guaranteed) applies to a
# session in the pod's cgroup: a shell holding 96 MiB is OOM-killed, counted
# in the pod slice's memory.events. (Without --join-cgroup it holds them:
# check_vm_join_cgroup_memory_limit_applies.)
check_vm_join_cgroup_pod_memory_limit_applies() {
	local slice rc=0 before set=0
	slice=$(pod_slice_of qos-guaranteed)
	if [[ $(cat "$slice/memory.max") == max ]]; then
		run_ok systemctl set-property --runtime "${slice##*/}" MemoryMax=32M || return 1
		set=1
	fi
	run_ok cat "$slice/memory.max"
	expect_eq "the pod's memory.max" "$OUT" $((32 * 1024 * 1024)) || rc=1
	if ((rc == 0)); then
		before=$(awk '/^oom_kill / {print $2}' "$slice/memory.events")
		CMD_TIMEOUT=$((CMD_TIMEOUT * 4)) run "$PODENTER" -n qos qos-guaranteed --join-cgroup pod \
			--view none -- sh -c "$HOLD_96M"
		expect_not_contains "with --join-cgroup pod: not held" "$OUT" "held" || rc=1
		((RC == 137)) || { say "FAILED: expected the shell to be OOM-killed (137), got $RC"; rc=1; }
		run_ok grep '^oom_kill ' "$slice/memory.events" || rc=1
		((${OUT#oom_kill } > before)) || { say "FAILED: no OOM kill counted in $slice"; rc=1; }
		expect_eq "no leaf left" "$(leaves_in "$slice")" "" || rc=1
		run_ok kill -0 "$(pid_of qos qos-guaranteed)" || rc=1
	fi
	((set)) && run systemctl set-property --runtime "${slice##*/}" MemoryMax=infinity
	return "$rc"
}

# pids: the pod's pids.max (kubelet's podPidsLimit, TasksMax= on the pod
# slice) applies to a session in the pod's cgroup.
check_vm_join_cgroup_pod_pids_limit_applies() {
	local slice rc=0
	slice=$(pod_slice_of qos-burstable)
	run_ok systemctl set-property --runtime "${slice##*/}" TasksMax=16 || return 1
	run_ok cat "$slice/pids.max"
	expect_eq "the pod's pids.max" "$OUT" 16 || rc=1
	if ((rc == 0)); then
		run "$PODENTER" -n qos qos-burstable --join-cgroup pod --view none -- sh -c "$FORK_40"
		expect_not_contains "with --join-cgroup pod: the limit applies" "$OUT" "forked 40" || rc=1
		expect_contains "fork refused" "$ERR" "can't fork" || rc=1
		expect_eq "no leaf left" "$(leaves_in "$slice")" "" || rc=1
	fi
	run systemctl set-property --runtime "${slice##*/}" TasksMax=infinity
	return "$rc"
}

# the node target: systemd's (PID 1's) namespaces
check_vm_node_target_is_systemds() {
	local n want=""
	for n in mnt net pid uts ipc cgroup; do want+="$(readlink "/proc/1/ns/$n")"$'\n'; done
	podenter node --view none -- sh -c \
		'for n in mnt net pid uts ipc cgroup; do readlink /proc/self/ns/$n; done; cat /proc/1/comm' ||
		return 1
	expect_eq "namespaces and PID 1 in the node session" "$OUT" "${want}systemd"
}

# sniff by name: a request to the distroless pod, captured from its netns
check_vm_sniff_by_name() {
	local ip pcap="$WORK/hello.pcapng" sniff_pid i
	ip=$(truth "sandbox('default', 'hello')['ip']")
	say "$ $PODENTER sniff hello -w $pcap --count 4 --duration 60 -- tcp port 8080 &"
	"$PODENTER" sniff hello -w "$pcap" --count 4 --duration 60 -- tcp port 8080 \
		>"$WORK/sniff.log" 2>&1 &
	sniff_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -qi 'capturing\|listening' "$WORK/sniff.log" 2>/dev/null && break
		kill -0 "$sniff_pid" 2>/dev/null || break
		sleep 0.2
	done
	sleep 1
	http_get "http://$ip:8080/sniffed-in-the-vm"
	wait "$sniff_pid"
	local rc=$?
	cat "$WORK/sniff.log"
	((rc == 0)) || { say "FAILED: sniff exit status $rc"; return 1; }
	run_ok tcpdump -r "$pcap" -A -nn || return 1
	expect_contains "the request in the capture" "$OUT" "GET /sniffed-in-the-vm"
}

# --follow-context: the session runs under the container's AppArmor profile
check_vm_follow_context_apparmor() {
	local pid label
	pid=$(pid_of default masked-extra)
	label=$(tr -d '\0' <"/proc/$pid/attr/current")
	say "container's AppArmor label: $label"
	expect_contains "containerd confined the container" "$label" "cri-containerd" || return 1
	podenter masked-extra --view none -- cat /proc/self/attr/current || return 1
	expect_eq "without --follow-context" "$(tr -d '\0' <<<"$OUT")" unconfined || return 1
	podenter masked-extra --view none --follow-context -- cat /proc/self/attr/current || return 1
	expect_eq "with --follow-context" "$(tr -d '\0' <<<"$OUT")" "$label"
}

extra_checks() {
	check vm-node-is-systemd-cgroup2 check_vm_node_is_systemd_cgroup2
	check vm-inspect-systemd-cgroup-paths check_vm_inspect_systemd_cgroup_paths
	check vm-join-cgroup-container-scope check_vm_join_cgroup_container_scope
	check vm-join-cgroup-memory-limit-applies check_vm_join_cgroup_memory_limit_applies
	check vm-join-cgroup-pids-limit-applies check_vm_join_cgroup_pids_limit_applies
	check vm-join-cgroup-pod-leaf check_vm_join_cgroup_pod_leaf
	check vm-join-cgroup-pod-memory-limit-applies check_vm_join_cgroup_pod_memory_limit_applies
	check vm-join-cgroup-pod-pids-limit-applies check_vm_join_cgroup_pod_pids_limit_applies
	check vm-node-target-is-systemds check_vm_node_target_is_systemds
	check vm-sniff-by-name check_vm_sniff_by_name
	if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
		check vm-follow-context-apparmor check_vm_follow_context_apparmor
	else
		skip vm-follow-context-apparmor "AppArmor is not enabled in this kernel"
	fi
}
