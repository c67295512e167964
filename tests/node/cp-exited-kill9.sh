#!/bin/bash
# kill -9 of `podenter cp` out of an exited container leaves nothing
# (cp-checks.sh runs this in a mount namespace of its own whose "/" is
# rshared, as on a systemd node): at copy-staged (the helper building the
# container's files stopped itself) and at cp-root-open (podenter holds
# them): no mount in this namespace's table, no process, no file, and the
# copy's mount namespace held by nothing any more.
#   cp-exited-kill9.sh PODENTER POD DIR
set -u
podenter=$1 pod=$2 dir=$3
fail=0

cp_procs() { pgrep -f "^$podenter cp" || true; }
# every process and fd holding mount namespace $1 ("mnt:[N]"): one find,
# not a readlink process per fd (thousands on a node: 55 s a scan under
# the VM stage's software emulation, past this check's bound)
holders() {
	find /proc/[0-9]*/ns/mnt /proc/[0-9]*/fd -maxdepth 1 -type l \
		-printf '%p\t%l\n' 2>/dev/null | awk -F'\t' -v ns="$1" '$2 == ns { print $1 }'
}

before_mounts=$(sort /proc/self/mountinfo)
self_ns=$(readlink /proc/self/ns/mnt)
for point in copy-staged cp-root-open; do
	out=$dir/out-$point
	PODENTER_TEST_PAUSE_AT=$point "$podenter" cp -q "$pod:/tmp/last-run-marker" "$out" \
		</dev/null >/dev/null 2>&1 &
	pid=$!
	stopped=
	for _ in $(seq 100); do
		for p in $pid $(pgrep -P "$pid"); do
			grep -q '^State:.*T (stopped)' "/proc/$p/status" 2>/dev/null && stopped=$p
		done
		[[ -n $stopped ]] && break
		sleep 0.05
	done
	ns=
	if [[ -z $stopped ]]; then
		echo "FAILED: $point was never reached"
		fail=1
	elif [[ $point == copy-staged ]]; then
		# the helper stopped in the namespace it built
		[[ $stopped != "$pid" ]] || { echo "FAILED: copy-staged: podenter itself stopped, not its helper"; fail=1; }
		ns=$(readlink "/proc/$stopped/ns/mnt")
	else
		# podenter holds the copy's namespace by an fd; its helper is gone
		ns=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done | grep '^mnt:' | head -1)
		[[ -z $(pgrep -P "$pid") ]] || { echo "FAILED: cp-root-open: the helper still runs"; fail=1; }
	fi
	if [[ -z $ns || $ns == "$self_ns" ]]; then
		echo "FAILED: $point: no mount namespace of the copy's found ('$ns')"
		fail=1
	fi
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	for _ in $(seq 100); do
		[[ -z $(cp_procs) ]] && break
		sleep 0.05
	done
	if [[ -n $(cp_procs) ]]; then
		echo "FAILED: kill -9 at $point left processes:"
		ps -o pid,ppid,stat,cmd -p "$(cp_procs | paste -sd,)"
		# shellcheck disable=SC2046 # one PID a word
		kill -9 $(cp_procs) 2>/dev/null
		fail=1
	fi
	if [[ -n $ns && $ns != "$self_ns" && -n $(holders "$ns") ]]; then
		echo "FAILED: kill -9 at $point: the copy's namespace $ns is still held:"
		holders "$ns"
		fail=1
	fi
	if [[ $(sort /proc/self/mountinfo) != "$before_mounts" ]]; then
		echo "FAILED: kill -9 at $point left mounts (shared propagation):"
		diff <(echo "$before_mounts") <(sort /proc/self/mountinfo)
		fail=1
	fi
	if [[ -n $(ls -A "$dir") ]]; then
		echo "FAILED: kill -9 at $point left files in $dir:"
		ls -la "$dir"
		fail=1
	fi
	echo "ok: kill -9 at $point left nothing"
done
exit "$fail"
