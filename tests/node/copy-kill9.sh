#!/bin/bash
# kill -9 of `podenter copy` at each step leaves nothing (copy-checks.sh runs
# this in a mount namespace of its own whose "/" is rshared, as on a systemd
# node): no mount in this namespace's whole table, no process of the copy,
# the last run's layer unchanged.
#   copy-kill9.sh PODENTER POD UPPERDIR
set -u
podenter=$1 pod=$2 upper=$3
fail=0

layer_state() { find "$upper" -printf '%p %y %m %s %T@\n' 2>&1 | sort; }
# the copy's processes: podenter's (its command line names the marker
# command), the session's reaper (it renames itself), the command itself
copy_procs() { pgrep -f 'sleep 4242|^podenter: session' || true; }

before_mounts=$(sort /proc/self/mountinfo)
before_layer=$(layer_state)
for point in copy-staged after-pin child-attached running; do
	if [[ $point == running ]]; then
		"$podenter" copy "$pod" --last-run --no-tty -q -- sleep 4242 </dev/null >/dev/null 2>&1 &
	else
		PODENTER_TEST_PAUSE_AT=$point "$podenter" copy "$pod" --last-run --no-tty -q \
			-- sleep 4242 </dev/null >/dev/null 2>&1 &
	fi
	pid=$!
	reached=0
	for _ in $(seq 200); do
		if [[ $point == running ]]; then
			pgrep -f '^sleep 4242$' >/dev/null && reached=1 && break
		elif [[ $point == child-attached ]]; then
			# the command's process stops itself, not podenter
			for p in $(pgrep -f 'sleep 4242'); do
				grep -q '^State:.*T (stopped)' "/proc/$p/status" 2>/dev/null && reached=1
			done
			((reached)) && break
		else
			grep -q '^State:.*T (stopped)' "/proc/$pid/status" 2>/dev/null && reached=1 && break
		fi
		sleep 0.05
	done
	if ((!reached)); then
		echo "FAILED: $point was never reached"
		fail=1
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	# the hook's SIGSTOP is the test's, not part of the run: the command
	# goes on from where podenter died (its reaper waits for its exec)
	if [[ $point == child-attached ]]; then
		for p in $(copy_procs); do kill -CONT "$p" 2>/dev/null; done
	fi
	for _ in $(seq 100); do
		[[ -z $(copy_procs) ]] && break
		sleep 0.05
	done
	if [[ -n $(copy_procs) ]]; then
		echo "FAILED: kill -9 at $point left processes:"
		ps -o pid,ppid,stat,cmd -p "$(copy_procs | paste -sd,)"
		kill -9 $(copy_procs) 2>/dev/null
		fail=1
	fi
	after=$(sort /proc/self/mountinfo)
	if [[ $after != "$before_mounts" ]]; then
		echo "FAILED: kill -9 at $point left mounts (shared propagation):"
		diff <(echo "$before_mounts") <(echo "$after")
		fail=1
	fi
	echo "ok: kill -9 at $point left nothing"
done
if [[ $(layer_state) != "$before_layer" ]]; then
	echo "FAILED: the last run's layer changed:"
	diff <(echo "$before_layer") <(layer_state)
	fail=1
fi
exit "$fail"
