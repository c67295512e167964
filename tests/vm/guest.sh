#!/bin/bash
# The in-VM suite: systemd starts it after boot (podenter-vm-suite.service,
# tests/vm/configure-guest.sh), with the host's build tree read-only at /src,
# its output on the second serial port (the host's tests/vm/run.sh reads it),
# and powers the VM off when it ends.
#
# The node harness as on the host, with kubelet's systemd cgroup driver
# (PODENTER_NODE_CGROUP_DRIVER=systemd: containerd's SystemdCgroup = true,
# pods under kubepods.slice), every check of tests/node/e2e.sh plus the VM's
# own (tests/vm/vm-checks.sh). The kernel command line's podenter.mode=bench
# runs the attach benchmark (bench/interleave.py) instead, podenter.mode=capture
# copies the node's files into a fixture (tests/node/capture-fixture.sh).
#
# Ends with "vm-suite: N passed, N failed" and "vm-suite: done".
set -uo pipefail

# One brace group: bash reads the whole script before running any of it,
# so the tree (shared live from the host) may change while the suite runs.
{
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN=/run/podenter-vm
say() { printf 'vm-suite: %s\n' "$*"; }

# The session-core tests of make check that depend on cgroups or on
# systemd's shared mount propagation, run here as make check runs them
# (tests/bounded.sh, the same environment): on systemd as PID 1, cgroup v2
# only, with / rshared as systemd sets it. One check each.
VM_INTEGRATION_TESTS=${VM_INTEGRATION_TESTS:-"harden-cgroup harden-reaper resolve-real-cgroups enter-namespaces enter-netonly"}
run_integration_tests() {
	local t name rc
	INTEG_PASSED=0 INTEG_FAILED=0 INTEG_SKIPPED=0
	for t in $VM_INTEGRATION_TESTS; do
		name=integration-$t
		(cd /tmp && env PODENTER="$PODENTER" FIXTURES="$SRC/tests/fixtures" \
			NO_NEW_API="$SRC/tests/no-new-api" TESTLIB="$SRC/tests/integration/lib.sh" \
			PODENTER_TOOLBOX="$SRC/toolbox" top_srcdir="$SRC" PODENTER_TEST_TIMEOUT=900 \
			sh "$SRC/tests/bounded.sh" bash "$SRC/tests/integration/$t.sh") >"$RUN/$name.log" 2>&1
		rc=$?
		if ((rc == 0)); then
			INTEG_PASSED=$((INTEG_PASSED + 1))
			echo "ok   $name ($(grep -E '^[0-9]+ passed' "$RUN/$name.log" | tail -1))"
		elif ((rc == 77)); then
			INTEG_SKIPPED=$((INTEG_SKIPPED + 1))
			echo "skip $name: $(grep -m1 -i 'skip' "$RUN/$name.log")"
		else
			INTEG_FAILED=$((INTEG_FAILED + 1))
			echo "FAIL $name (exit $rc)"
			grep -E '^not ok|TIMEOUT|FAIL' "$RUN/$name.log" | head -40 | sed 's/^/     | /'
			tail -15 "$RUN/$name.log" | sed 's/^/     | /'
		fi
	done
}

# A suite that says nothing for half of the host's patience (run.sh's
# VM_STALL, podenter.stall=N here) is asked what it waits for, once per
# silence: every process with its state, age and kernel wait channel, the
# kernel stack of those in D state, the node harness's logs, memory and the
# kernel's last messages. The host gives up on the VM at the whole VM_STALL,
# so this reaches the CI log first. (Seen once in CI under emulation: silent
# after "bringing the node up" until the time limit, nothing on the console.)
report_stall() {
	local pid f
	say "stall: nothing new for $1 s; what the guest is doing:"
	{
		echo "load: $(cat /proc/loadavg)"
		free -m
		ps --ppid 2 -p 2 --deselect -o pid,ppid,stat,etimes,wchan:28,args --forest | cut -c1-220
		for pid in $(ps -eo pid=,stat= | awk '$2 ~ /^D/ { print $1 }'); do
			echo "--- kernel stack of $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
			cat "/proc/$pid/stack" 2>/dev/null
		done
		for f in /tmp/podenter-e2e.*/node-up.log /run/podenter-node/containerd.log; do
			[[ -f $f ]] || continue
			echo "--- last lines of $f"
			tail -n 30 "$f"
		done
		echo "--- kernel messages"
		dmesg | tail -n 30
	} 2>&1 | sed 's/^/vm-suite: stall: /'
}
watch_for_stall() {
	local quiet_limit=$(($1 / 2)) newest now reported=0
	while sleep 15; do
		# the suite's output so far: e2e.sh's (tee'd) and each integration script's log
		newest=$(stat -c %Y "$RUN"/e2e.out "$RUN"/integration-*.log 2>/dev/null | sort -n | tail -1)
		now=$(date +%s)
		if ((now - ${newest:-now} < quiet_limit)); then
			reported=0
		elif ((!reported)); then
			report_stall $((now - newest))
			reported=1
		fi
	done
}

main() {
	mode=suite
	stall=600
	local -a args
	read -ra args </proc/cmdline # no pathname expansion of a regex
	for arg in "${args[@]}"; do
		case $arg in
		podenter.mode=*) mode=${arg#podenter.mode=} ;;
		podenter.accel=*) accel=${arg#podenter.accel=} ;;
		podenter.stall=*) stall=${arg#podenter.stall=} ;;
		# run.sh's VM_ONLY and VM_INTEGRATION_TESTS: a part of the suite
		podenter.only=*) export E2E_ONLY=${arg#podenter.only=} ;;
		podenter.integration=none) VM_INTEGRATION_TESTS= ;;
		podenter.integration=*)
			VM_INTEGRATION_TESTS=${arg#podenter.integration=}
			VM_INTEGRATION_TESTS=${VM_INTEGRATION_TESTS//,/ }
			;;
		esac
	done
	[[ -n ${E2E_ONLY:-} ]] && say "only the checks matching $E2E_ONLY;" \
		"integration: ${VM_INTEGRATION_TESTS:-none}"
	say "guest up after $(cut -d' ' -f1 /proc/uptime) s ($(uname -r), ${accel:-?}," \
		"PID 1 $(cat /proc/1/comm) $(systemctl --version | head -1 | cut -d' ' -f2)," \
		"/sys/fs/cgroup $(stat -f -c %T /sys/fs/cgroup), AppArmor $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null))"

	# The harness's images were built on the host (they need a compiler); the
	# tree is read-only here, so build-images.py works on a copy.
	mkdir -p "$RUN/images"
	cp "$SRC"/tests/node/images/build/*.oci.tar "$SRC"/tests/node/images/build/*.oci.tar.inputs \
		"$RUN/images/" || { say "no harness images in $SRC/tests/node/images/build"; say "0 passed, 1 failed"; say done; exit 1; }
	export PODENTER_NODE_IMAGES=$RUN/images PODENTER_NODE_CGROUP_DRIVER=systemd
	export PODENTER=$SRC/podenter
	# the builtin toolbox on the guest's own disk: bound from the 9p share,
	# a mount's root would read /toolbox, not the path podenter was given
	rm -rf /var/lib/podenter-vm/toolbox && mkdir -p /var/lib/podenter-vm &&
		cp -a "$SRC/toolbox" /var/lib/podenter-vm/toolbox &&
		export PODENTER_TOOLBOX=/var/lib/podenter-vm/toolbox
	# everything is slower under emulation: each command of a check gets longer
	if [[ ${accel:-} != kvm ]]; then
		export E2E_CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-120}
		# the session must outlive a ctr task exec under emulation (hostile-checks.sh)
		export HOSTILE_REAPER_SECONDS=${HOSTILE_REAPER_SECONDS:-20}
		# harden-reaper's session commands must outlive finding the reaper
		export PODENTER_TEST_SLOWDOWN=${PODENTER_TEST_SLOWDOWN:-8}
	fi

	started=$SECONDS
	case $mode in
	suite)
		: >"$RUN/e2e.out"
		watch_for_stall "$stall" &
		watcher=$!
		E2E_EXTRA_CHECKS=$SRC/tests/vm/vm-checks.sh timeout -k 10 2000 \
			bash "$SRC/tests/node/e2e.sh" 2>&1 | tee "$RUN/e2e.out"
		rc=${PIPESTATUS[0]}
		count=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$RUN/e2e.out" | tail -1)
		passed=$(sed -n 's/^\([0-9]*\) passed.*/\1/p' <<<"$count")
		failed=$(sed -n 's/.* \([0-9]*\) failed.*/\1/p' <<<"$count")
		skipped=$(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' <<<"$count")
		# a suite that ended badly without counting it still failed
		if [[ -z $count ]] || { ((rc != 0)) && ((failed == 0)); }; then
			say "e2e.sh exited $rc with ${count:-no count}"
			failed=$((${failed:-0} + 1))
		fi
		say "node suite took $((SECONDS - started)) s"
		run_integration_tests
		passed=$((${passed:-0} + INTEG_PASSED))
		failed=$((failed + INTEG_FAILED))
		skipped=$((${skipped:-0} + INTEG_SKIPPED))
		((skipped > 0)) || skipped=
		kill "$watcher" 2>/dev/null
		say "suite took $((SECONDS - started)) s"
		say "${passed} passed, ${failed} failed${skipped:+, $skipped skipped}"
		;;
	bench)
		# the attach benchmark on a real pod of this node, against nsenter -a
		rc=0
		bash "$SRC/tests/node/node.sh" up "$SRC/tests/node/pods/runtime-masks.json" >"$RUN/node-up.log" 2>&1 ||
			{ cat "$RUN/node-up.log"; rc=1; }
		if ((rc == 0)); then
			pid=$(/usr/bin/python3 "$SRC/tests/node/cri.py" pods-json | /usr/bin/python3 -c \
				'import json, sys; print([c["pid"] for c in json.load(sys.stdin) if c["pod"] == "masked-extra"][0])')
			say "benchmark: masked-extra, PID $pid, ${BENCH_RUNS:=100} runs each, emulated (${accel:-?})"
			timeout -k 10 1800 /usr/bin/python3 "$SRC/bench/interleave.py" "$BENCH_RUNS" \
				"$PODENTER pid:$pid --view none -- /bin/true" \
				"$PODENTER masked-extra -- /bin/true" \
				"nsenter -t $pid -a /bin/true" || rc=1
		fi
		bash "$SRC/tests/node/node.sh" down >/dev/null 2>&1
		say "bench took $((SECONDS - started)) s"
		say "$((rc == 0)) passed, $((rc != 0)) failed"
		;;
	capture)
		# the node's files as podenter reads them, into the host's capture
		# share (run.sh VM_CAPTURE=DIR): a fixture of a real systemd + cgroup v2
		# containerd node (tests/fixtures/containerd-systemd-real)
		rc=0
		mkdir -p "$RUN/out"
		mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 podenter-out "$RUN/out" || rc=1
		if ((rc == 0)); then
			bash "$SRC/tests/node/node.sh" up "$SRC"/tests/node/pods/*.json >"$RUN/node-up.log" 2>&1 ||
				{ cat "$RUN/node-up.log"; rc=1; }
		fi
		if ((rc == 0)); then
			bash "$SRC/tests/node/capture-fixture.sh" "$RUN/out/fixture" || rc=1
			cat /sys/fs/cgroup/cgroup.controllers >"$RUN/out/fixture/cgroup-controllers.txt"
			systemctl --version | head -1 >"$RUN/out/fixture/systemd-version.txt"
		fi
		bash "$SRC/tests/node/node.sh" down >/dev/null 2>&1
		umount "$RUN/out" 2>/dev/null
		say "capture took $((SECONDS - started)) s"
		say "$((rc == 0)) passed, $((rc != 0)) failed"
		;;
	*)
		say "unknown podenter.mode=$mode"
		say "0 passed, 1 failed"
		;;
	esac
	say done
}

main "$@"
exit
}
