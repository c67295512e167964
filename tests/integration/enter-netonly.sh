#!/bin/bash
# --net-only: the pod's network namespace with the node's own files and
# binaries. The host's real tcpdump captures traffic sent into the
# namespace; /sys shows the namespace's devices; mnt and pid stay the
# host's (the mount namespace is a private slave copy of it, as with
# `ip netns exec`), and nothing is left mounted afterwards.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root
# shared propagation as on a systemd host, and a mount table of our own
t_shared_propagation "$@"

TCPDUMP=$(command -v tcpdump) || t_skip_all "tcpdump is not installed (apt-get install tcpdump)"
command -v ip >/dev/null || t_skip_all "iproute2 is not installed"

ns=pe-enter-$$
hostif=pe-h$$
# a /30 of its own per run: several copies of the suite may share the machine
net=10.$((200 + $$ % 50)).$((($$ / 50) % 250))
hostip=$net.1
podip=$net.2
t_cleanup "ip netns del $ns"
t_cleanup "ip link del $hostif"
ip netns add "$ns" || { echo "cannot create netns"; exit 1; }
ip link add "$hostif" type veth peer name pe-p$$ || exit 1
ip link set pe-p$$ netns "$ns" || exit 1
ip -n "$ns" link set pe-p$$ name eth0 || exit 1
ip addr add $hostip/30 dev "$hostif"
ip link set "$hostif" up
ip -n "$ns" addr add $podip/30 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set lo up

# the "pod": a process in that network namespace only
ip netns exec "$ns" sleep 1000 >/dev/null 2>&1 &
tpid=$!
disown "$tpid"
t_cleanup "kill -9 $tpid"
in_netns() { [ "$(e_ino "$tpid" net 2>/dev/null)" = "$(stat -L -c %i "/run/netns/$ns")" ]; }
t_wait_for 400 in_netns ||
	{ echo "target did not enter $ns"; exit 1; }
T=pid:$tpid
echo host-file >"$T_TMP/on-host"
mounts_before=$(t_all_mounts)

t_podenter "$T" --net-only -- sh -c 'ls /sys/class/net | tr "\n" " "; echo
	for n in net mnt pid; do echo "$n=$(stat -L -c %i /proc/self/ns/$n)"; done
	cat '"$T_TMP"'/on-host; command -v tcpdump; pwd'
t_expect_rc "--net-only: exit 0" 0
t_expect_eq "/sys shows the pod's devices only" "$(printf '%s\n' "$T_OUT" | head -1)" "eth0 lo "
t_expect_match "net is the pod's" "$T_OUT" "^net=$(e_ino "$tpid" net)$"
t_expect_match "pid stays the host's" "$T_OUT" "^pid=$(e_ino $$ pid)$"
t_expect_nomatch "mnt is not the pod's" "$T_OUT" "^mnt=$(e_ino "$tpid" mnt)$"
t_expect_match "the node's files are there" "$T_OUT" "^host-file$"
t_expect_match "the node's tcpdump is the one found" "$T_OUT" "^$TCPDUMP$"
t_expect_match "the caller's directory is kept" "$T_OUT" "^$(pwd)$"

t_podenter "$T" -N -- sh -c 'ls /sys/class/net | tr "\n" " "'
t_expect_eq "-N alone is --net-only" "$T_OUT" "eth0 lo "

# The real capture: tcpdump from the host inside the pod's netns.
cd "$T_TMP" || exit 1
"$PODENTER" "$T" --net-only -- "$TCPDUMP" -i eth0 -n -c 3 -U -w out.pcap icmp \
	2>"$T_TMP/tcpdump.err" &
cap=$!
t_wait_for 400 grep -q "listening on eth0" "$T_TMP/tcpdump.err" ||
	t_fail "tcpdump did not start: $(cat "$T_TMP/tcpdump.err")"
for _ in 1 2 3 4 5 6; do
	ping -c 1 -W 1 $podip >/dev/null 2>&1 ||
		busybox ping -c 1 -W 1 $podip >/dev/null 2>&1
	kill -0 "$cap" 2>/dev/null || break
done
rc=0
t_wait_pid "$cap" || rc=$?
cd / || exit 1
t_expect_eq "tcpdump exited 0 after 3 packets" "$rc" 0
t_expect_match "the capture holds the pings sent into the pod" \
	"$("$TCPDUMP" -n -r "$T_TMP/out.pcap" 2>/dev/null)" \
	"$hostip > $podip: ICMP echo request"

t_podenter "$T" --net-only --env-from-target -- true
t_expect_rc "--env-from-target with the node's binaries: refused" 125
t_expect_match "and says why" "$T_ERR" "only for commands run in the target's own files"
t_podenter "$T" --net-only --pid -- true
t_expect_rc "--net-only with another namespace: refused" 125

t_expect_eq "no mount left behind or removed on the host (whole table, shared propagation)" \
	"$(t_all_mounts)" "$mounts_before"
if ls /sys/class/net | grep -qx "$hostif"; then
	t_pass "the host's /sys is untouched"
else
	t_fail "the host's /sys changed"
fi

t_done
