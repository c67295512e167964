# shellcheck shell=bash
# podenter port-forward on the real node (sourced by tests/node/e2e.sh; uses
# its run/expect helpers). Traffic goes only to the node's 127.0.0.1 and,
# for the "not reachable from outside" proof, to a pod address after
# `ip route get` showed it is on the node's bridge.

PF_PEER="$REPO_DIR/tests/integration/portforward-peer.py"
PF_PIDS=()

pf_cleanup() {
	local p
	for p in "${PF_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	PF_PIDS=()
}

# pf_bg NAME ARGS...: podenter port-forward ARGS in the background, output in
# $WORK/pf-NAME.out/.err; waits for its "Forwarding from" lines. Sets PF_PID.
pf_bg() {
	local name=$1 n
	shift
	# no timeout(1) wrapper: $! must be podenter itself (for ss and the
	# signals); pf_cleanup kills it when the check ends
	"$PODENTER" port-forward "$@" >"$WORK/pf-$name.out" 2>"$WORK/pf-$name.err" &
	PF_PID=$!
	PF_PIDS+=("$PF_PID")
	for n in $(seq 100); do
		grep -q "Forwarding from" "$WORK/pf-$name.out" && return 0
		kill -0 "$PF_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "FAILED: port-forward $* did not start:"
	sed 's/^/  /' "$WORK/pf-$name.err"
	return 1
}

# pf_port NAME REMOTE: the node port forwarded to REMOTE ("80", "9001/udp")
pf_port() { grep -- "-> $2\$" "$WORK/pf-$1.out" | head -1 | sed -E 's/.*:([0-9]+) -> .*/\1/'; }

pf_stop() { # PID: SIGTERM, wait (bounded); sets RC
	kill -TERM "$1"
	RC=0
	timeout 10 tail --pid="$1" -f /dev/null || true
	wait "$1" || RC=$?
}

check_portforward_http_through_pod_port() {
	local p
	trap pf_cleanup EXIT
	pf_bg hello hello :8080 || return 1
	expect_contains "kubectl's line" "$(cat "$WORK/pf-hello.out")" "Forwarding from 127.0.0.1:" || return 1
	p=$(pf_port hello 8080)
	run_ok curl -sS --max-time 5 "http://127.0.0.1:$p/" || return 1
	expect_contains "distroless pod through the forward" "$OUT" "hello from a distroless pod" || return 1
	pf_bg nginx --any nginx-deployment 0:80 || return 1
	p=$(pf_port nginx 80)
	run_ok curl -sS --max-time 5 "http://127.0.0.1:$p/" || return 1
	expect_contains "busybox httpd through the forward" "$OUT" "hello from a podenter test pod"
}

# A server bound to the pod's 127.0.0.1 only (python in the pod's network
# namespace): unreachable from the node at the pod's address, reachable
# through the forward; half-close, 100 concurrent connections, UDP, and
# nothing left listening after SIGTERM.
check_portforward_pod_localhost_listener() {
	local pid ip srv p u i
	trap pf_cleanup EXIT
	pid=$(pid_of default hello)
	ip=$(truth "sandbox('default', 'hello')['ip']")
	nsenter -t "$pid" -n "$PYTHON" "$PF_PEER" server >"$WORK/pf-server.out" 2>&1 &
	srv=$!
	PF_PIDS+=("$srv")
	for i in $(seq 100); do
		nsenter -t "$pid" -n ss -ltnH | grep -q '127.0.0.1:9000 ' && break
		sleep 0.05
	done
	if ! ip route get "$ip" | grep -q "dev $NODE_BRIDGE "; then
		say "FAILED: $ip is not on $NODE_BRIDGE: not sending traffic there"
		return 1
	fi
	run curl -sS --max-time 3 "http://$ip:9000/"
	((RC != 0)) || { say "FAILED: the pod's 127.0.0.1-only port answered on $ip"; return 1; }
	pf_bg local hello 0:9000 :9001/udp || return 1
	p=$(pf_port local 9000)
	u=$(pf_port local 9001/udp)
	run_ok "$PYTHON" "$PF_PEER" half "$p" 100000 || return 1
	expect_eq "half-close passed on" "$OUT" ok || return 1
	run_ok "$PYTHON" "$PF_PEER" many "$p" 100 || return 1
	expect_eq "100 concurrent connections answered" "$OUT" 100 || return 1
	run_ok "$PYTHON" "$PF_PEER" udp "$u" 2 || return 1
	expect_eq "UDP request/response" "$OUT" $'udp:ping 0\nudp:ping 1' || return 1
	run ss -ltunpH
	expect_contains "listening while it runs" "$OUT" "127.0.0.1:$p " || return 1
	expect_contains "listening as podenter" "$OUT" "\"podenter\",pid=$PF_PID," || return 1
	pf_stop "$PF_PID"
	expect_eq "SIGTERM: exit 0" "$RC" 0 || return 1
	run ss -ltunpH
	expect_not_contains "nothing left listening after SIGTERM" "$OUT" "\"podenter\",pid=$PF_PID," || return 1
	expect_not_contains "port $p free" "$OUT" "127.0.0.1:$p "
}

# IPv6: a server bound to the pod's ::1 only, reached from the node's ::1
# (--address ::1): the pod side of the forward follows the node address's
# family.
check_portforward_pod_ipv6_loopback() {
	local pid srv p i
	trap pf_cleanup EXIT
	pid=$(pid_of default hello)
	nsenter -t "$pid" -n "$PYTHON" "$PF_PEER" server >"$WORK/pf6-server.out" 2>&1 &
	srv=$!
	PF_PIDS+=("$srv")
	for i in $(seq 100); do
		nsenter -t "$pid" -n ss -ltnH | grep -q '\[::1\]:9002 ' && break
		sleep 0.05
	done
	run nsenter -t "$pid" -n ss -ltnH
	expect_contains "the pod's server on its ::1" "$OUT" "[::1]:9002 " || return 1
	ip -6 route get ::1 | grep -q ' dev lo ' || { say "FAILED: ::1 is not the node's lo"; return 1; }
	pf_bg six --address ::1 hello 0:9002 || return 1
	p=$(pf_port six 9002)
	PEER_HOST=::1 run_ok "$PYTHON" "$PF_PEER" half "$p" 100000 || return 1
	expect_eq "TCP through the node's [::1] to the pod's ::1" "$OUT" ok
}

check_portforward_bad_input_exit_125() {
	local spec p
	trap pf_cleanup EXIT
	for spec in 8080:99999 http 80:80/sctp 1.2.3:80:80; do
		run "$PODENTER" port-forward hello "$spec"
		expect_eq "bad spec $spec: exit" "$RC" 125 || return 1
		expect_contains "bad spec $spec: message" "$ERR" "bad port spec" || return 1
	done
	pf_bg first hello 0:8080 || return 1
	p=$(pf_port first 8080)
	run "$PODENTER" port-forward hello "$p:8080"
	expect_eq "port in use: exit" "$RC" 125 || return 1
	expect_contains "port in use: message" "$ERR" "in use" || return 1
	run "$PODENTER" port-forward no-such-pod 80
	expect_eq "no such pod: exit" "$RC" 125
}
