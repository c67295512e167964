# shellcheck shell=bash
# podenter PATTERN --each on the real node (sourced by tests/node/e2e.sh; uses
# its run/expect/truth helpers): the three nginx-deployment replicas.

each_replicas() { truth '"\n".join(sorted(x["pod"] for x in c if x["pod"].startswith("nginx-deployment-") and x["container"] == "nginx"))'; }

# Every replica ran the command in its own namespaces (its hostname is its
# pod name), every line came out under its pod's prefix, on the right stream.
check_each_every_replica_prefixed() {
	local r n=0
	run "$PODENTER" nginx-deployment --each -- sh -c 'echo "host $(hostname)"; echo "err $(hostname)" >&2'
	expect_eq "exit status" "$RC" 0 || return 1
	for r in $(each_replicas); do
		n=$((n + 1))
		expect_contains "stdout of $r" "$OUT" "default/$r: host $r" || return 1
		expect_contains "stderr of $r" "$ERR" "default/$r: err $r" || return 1
		expect_not_contains "stdout has no stderr line of $r" "$OUT" "err $r" || return 1
	done
	expect_eq "three replicas" "$n" 3 || return 1
	expect_eq "stdout: three lines" "$(printf '%s\n' "$OUT" | wc -l)" 3 || return 1
	expect_contains "summary" "$ERR" "podenter: 3 pods: 3 succeeded, 0 failed"
}

# One replica made to fail: its status is podenter's, the summary names it.
check_each_failing_replica_named() {
	local bad
	bad=$(each_replicas | sed -n 2p)
	run "$PODENTER" -n default nginx-deployment --each -- sh -c "[ \"\$(hostname)\" != $bad ] || exit 4"
	expect_eq "exit status: the failing replica's" "$RC" 4 || return 1
	expect_contains "summary counts" "$ERR" "podenter: 3 pods: 2 succeeded, 1 failed" || return 1
	expect_contains "summary names it" "$ERR" "podenter:   default/$bad (nginx): exit 4"
}

check_each_bad_input_exit_125() {
	run "$PODENTER" nosuch-deployment --each -- true
	expect_eq "no pod matches: exit" "$RC" 125 || return 1
	expect_contains "no pod matches: says so" "$ERR" "nosuch-deployment" || return 1
	run "$PODENTER" nginx-deployment --each
	expect_eq "no COMMAND: exit" "$RC" 125 || return 1
	run "$PODENTER" nginx-deployment --each -t -- true
	expect_eq "-t: exit" "$RC" 125
}
