#!/bin/bash
# podenter port-forward on a real network namespace: a "pod" made with
# unshare -n whose server listens on its 127.0.0.1 only (so only a socket
# made inside that namespace can reach it). Traffic goes only to the node's
# 127.0.0.1 and to the namespace's own loopback.
source "$TESTLIB"
t_require_root
command -v python3 >/dev/null || t_skip_all "python3 is not installed"
command -v ss >/dev/null || t_skip_all "ss is not installed (iproute2)"

PEER="$(cd "$(dirname "$0")" && pwd)/portforward-peer.py"
PF_PID=""

# the "pod": its own netns with lo up, the server on 127.0.0.1:9000 and :9001/udp
start_pod() {
	POD=$(t_spawn unshare -n sh -c "ip link set lo up && exec python3 $PEER server")
	t_wait_for 100 sh -c "nsenter -t $POD -n ss -ltn | grep -q '127.0.0.1:9000 '"
}

# podenter port-forward ARGS in the background; waits for its
# "Forwarding from" lines (stdout in $T_TMP/pf.out)
pf_start() {
	: >"$T_TMP/pf.out"
	: >"$T_TMP/pf.err"
	# no timeout(1) wrapper: $! must be podenter itself (for ss and the
	# signals); the exit trap kills it
	"$PODENTER" port-forward "$@" >"$T_TMP/pf.out" 2>"$T_TMP/pf.err" &
	PF_PID=$!
	echo "$PF_PID" >>"$T_TMP/spawned-pids"
	t_wait_for 100 grep -q "Forwarding from" "$T_TMP/pf.out"
}

# the node port forwarded to REMOTE (e.g. 9000 or 9001/udp)
local_port() { grep -- "-> $1\$" "$T_TMP/pf.out" | head -1 | sed -E 's/.*:([0-9]+) -> .*/\1/'; }

pf_stop() { # signal; sets PF_RC
	kill "-$1" "$PF_PID"
	PF_RC=0
	timeout 10 tail --pid="$PF_PID" -f /dev/null
	wait "$PF_PID" || PF_RC=$?
}

listening_podenter() { ss -ltunpH | grep -c "\"podenter\",pid=$1," || true; }

start_pod || t_skip_all "could not start a server in a new network namespace"

# --- bad input: 125, a message, nothing left ---------------------------------
for spec in 8080:99999 80:0 http 80:80/sctp 1.2.3:80:80 ::1:80:80 8080:; do
	t_podenter port-forward "pid:$POD" "$spec"
	t_expect_rc "bad spec '$spec': 125" 125
	t_expect_match "bad spec '$spec': says so" "$T_ERR" "bad port spec '.*'"
done
t_podenter port-forward "pid:$POD"
t_expect_rc "no port: 125" 125
t_podenter port-forward --address node1 "pid:$POD" 80
t_expect_rc "bad --address: 125" 125
t_expect_match "bad --address: says so" "$T_ERR" "'node1' is not a numeric address"
# the test's own shell shares the node's network namespace
t_podenter port-forward "pid:$$" 0:80
t_expect_rc "host network: 125" 125
t_expect_match "host network: says so" "$T_ERR" "node's network namespace"

# --- TCP to a port bound only to the pod's 127.0.0.1 ------------------------
pf_start "pid:$POD" 0:9000 :9001/udp || t_fail "forward did not start: $(cat "$T_TMP/pf.err")"
t_expect_match "prints the picked port, kubectl's way" "$(cat "$T_TMP/pf.out")" \
	'^Forwarding from 127\.0\.0\.1:[0-9]+ -> 9000$'
P=$(local_port 9000)
U=$(local_port 9001/udp)
t_expect_eq "listening as podenter while it runs" "$(listening_podenter "$PF_PID")" 2
# a reply is only sent after the server saw our EOF: the half-close crossed
t_expect_eq "TCP with half-close: reply after EOF" \
	"$(timeout 20 python3 "$PEER" half "$P" 11)" ok
t_expect_eq "TCP: 8 MiB arrive intact (backpressure)" \
	"$(timeout 30 python3 "$PEER" half "$P" 8388608)" ok
t_expect_eq "100 concurrent connections all answered" \
	"$(timeout 60 python3 "$PEER" many "$P" 100)" 100
t_expect_eq "UDP request/response" \
	"$(timeout 20 python3 "$PEER" udp "$U" 3 | tr '\n' ' ')" "udp:ping 0 udp:ping 1 udp:ping 2 "
t_expect_eq "UDP: 20 clients each get their own answer" \
	"$(timeout 20 python3 "$PEER" udpclients "$U" 20)" 20

# --- IPv6: a node address that is IPv6 goes to the pod's ::1 ----------------
# the pod's server on ::1 only at 9002 (TCP) and 9003 (UDP); 127.0.0.1:9002
# has nothing, so only a pod socket to ::1 is answered
ip -6 route get ::1 2>/dev/null | grep -q ' dev lo ' || t_skip_all "no IPv6 loopback on the node"
: >"$T_TMP/pf6.out"
"$PODENTER" port-forward --address ::1 "pid:$POD" 0:9002 :9003/udp >"$T_TMP/pf6.out" 2>"$T_TMP/pf6.err" &
pf6=$!
echo "$pf6" >>"$T_TMP/spawned-pids"
t_wait_for 100 grep -q "Forwarding from" "$T_TMP/pf6.out"
t_expect_match "IPv6: listens on the node's [::1]" "$(cat "$T_TMP/pf6.out")" '^Forwarding from \[::1\]:[0-9]+ -> 9002$'
P6=$(sed -nE 's/.*:([0-9]+) -> 9002$/\1/p' "$T_TMP/pf6.out")
U6=$(sed -nE 's|.*:([0-9]+) -> 9003/udp$|\1|p' "$T_TMP/pf6.out")
t_expect_eq "IPv6: TCP to the pod's ::1 with half-close" \
	"$(PEER_HOST=::1 timeout 20 python3 "$PEER" half "$P6" 11)" ok
t_expect_eq "IPv6: 1 MiB intact" "$(PEER_HOST=::1 timeout 20 python3 "$PEER" half "$P6" 1048576)" ok
t_expect_eq "IPv6: UDP to the pod's ::1" \
	"$(PEER_HOST=::1 timeout 20 python3 "$PEER" udp "$U6" 2 | tr '\n' ' ')" "udp6:ping 0 udp6:ping 1 "
kill -TERM "$pf6"
timeout 10 tail --pid="$pf6" -f /dev/null
# an IPv4 node address still means the pod's 127.0.0.1 (nothing at 9002)
: >"$T_TMP/pf4.out"
"$PODENTER" port-forward "pid:$POD" 0:9002 >"$T_TMP/pf4.out" 2>"$T_TMP/pf4.err" &
pf4=$!
echo "$pf4" >>"$T_TMP/spawned-pids"
t_wait_for 100 grep -q "Forwarding from" "$T_TMP/pf4.out"
P4=$(sed -nE 's/.*:([0-9]+) -> 9002$/\1/p' "$T_TMP/pf4.out")
t_expect_match "IPv4 node address: the pod's 127.0.0.1, refused there" \
	"$(timeout 20 python3 "$PEER" half "$P4" 11 2>&1)" "bad|Error|reset|refused"
kill -TERM "$pf4"
timeout 10 tail --pid="$pf4" -f /dev/null

# --- a port in use: 125, nothing of the second forward left -----------------
t_podenter port-forward "pid:$POD" "$P:9000"
t_expect_rc "port in use: 125" 125
t_expect_match "port in use: says so" "$T_ERR" "in use"

# --- SIGTERM: exit 0 and the ports are free ---------------------------------
pf_stop TERM
t_expect_eq "SIGTERM: exit 0" "$PF_RC" 0
t_expect_eq "SIGTERM: nothing left listening" "$(listening_podenter "$PF_PID")" 0
if ss -ltnH "sport = :$P" | grep -q .; then t_fail "SIGTERM: port $P still bound"; else t_pass "SIGTERM: port $P free"; fi

# --- the pod goes away: a message, exit 1 -----------------------------------
pf_start "pid:$POD" 0:9000 || t_fail "forward did not start: $(cat "$T_TMP/pf.err")"
kill -9 "$POD"
PF_RC=0
timeout 10 tail --pid="$PF_PID" -f /dev/null
wait "$PF_PID" || PF_RC=$?
t_expect_eq "pod gone: exit 1" "$PF_RC" 1
t_expect_match "pod gone: says so" "$(cat "$T_TMP/pf.err")" "exited .*the forward ends"

t_done
