# shellcheck shell=bash
# Helpers for the sniff tests (sourced after $TESTLIB): "pods" made of a
# real network namespace with a veth to the host and a process holding it.
# Traffic only ever goes to addresses inside these namespaces.

command -v tcpdump >/dev/null || t_skip_all "tcpdump is not installed (apt-get install tcpdump)"
command -v tshark >/dev/null || t_skip_all "tshark is not installed (apt-get install tshark): it reads the pcapng interface names"
command -v busybox >/dev/null || t_skip_all "busybox is not installed (apt-get install busybox-static)"

# The ip netns names carry our PID; each pod gets a free 10.231.X.0/24
# (X >= 100), chosen under a lock, so parallel runs (make check -j, other
# engineers' runs) do not collide.
S_TAG="pe$$"
# a signal still runs lib.sh's cleanups (bash skips EXIT traps otherwise)
trap 'exit 1' INT TERM HUP

# s_make_pod N: netns ${S_TAG}n<N> with eth0 = $S_NET[N].2, host side
# ${S_TAG}h<N> = $S_NET[N].1, IPv6 off (no router solicitations in the
# counts), and a sleep holding it. Sets S_PID[N] and S_NET[N].
declare -A S_PID S_NET
s_make_pod() {
	local n=$1 ns="${S_TAG}n$1" host="${S_TAG}h$1" x

	exec {lock}>/run/lock/podenter-sniff-test.lock
	flock "$lock"
	for x in $(seq 100 250); do
		ip -4 -o addr show 2>/dev/null | grep -q " 10\.231\.$x\." || break
	done
	S_NET[$n]="10.231.$x"
	ip netns add "$ns" || return 1
	t_cleanup "ip netns delete $ns"
	ip link add "$host" type veth peer name eth0 netns "$ns" || return 1
	t_cleanup "ip link delete $host"
	sysctl -qw "net.ipv6.conf.$host.disable_ipv6=1"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip addr add "${S_NET[$n]}.1/24" dev "$host"
	exec {lock}>&-
	ip link set "$host" up
	ip -n "$ns" addr add "${S_NET[$n]}.2/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sleep 1000 >/dev/null 2>&1 &
	S_PID[$n]=$!
	t_cleanup "kill -9 ${S_PID[$n]}"
	# ip netns exec sets up the namespace, then execs sleep
	t_wait_for 100 s_in_netns "${S_PID[$n]}" "$ns" || return 1
}

s_in_netns() { # pid ns-name
	[ "$(readlink "/proc/$1/ns/net")" = "net:[$(stat -L -c %i "/run/netns/$2")]" ] &&
		[ "$(cat "/proc/$1/comm" 2>/dev/null)" = sleep ]
}

# ICMP echo from the host to pod N, count packets, 50 ms apart.
s_ping() { # n count
	busybox ping -q -c "$2" -i 0.05 -W 1 "${S_NET[$1]}.2" >/dev/null 2>&1
}

# A UDP datagram from the host to pod N (bash's /dev/udp).
s_udp() { # n port
	echo hello >"/dev/udp/${S_NET[$1]}.2/$2" 2>/dev/null
}

# Run podenter sniff in the background, stderr to $T_TMP/sniff.err. Sets
# S_SNIFF and waits until the capture is open ("capturing on").
s_sniff_bg() { # args...
	: >"$T_TMP/sniff.err"
	"$PODENTER" sniff "$@" >"$T_TMP/sniff.out" 2>"$T_TMP/sniff.err" &
	S_SNIFF=$!
	t_cleanup "kill -9 $S_SNIFF"
	t_wait_for 200 grep -q -e "capturing on" -e "listening on" "$T_TMP/sniff.err" ||
		{ cat "$T_TMP/sniff.err"; return 1; }
}

# Stop it with a signal and collect its status in S_RC.
s_sniff_stop() { # [signal]
	kill "-${1:-INT}" "$S_SNIFF" 2>/dev/null
	S_RC=0
	t_wait_pid "$S_SNIFF" 60 || S_RC=$?
}

# "interface-name src dst" per packet, via tshark.
s_packets() { # file [display filter]
	tshark -r "$1" ${2:+-Y "$2"} -T fields -e frame.interface_name -e ip.src \
		-e ip.dst 2>/dev/null
}

s_count() { # file
	tcpdump -r "$1" -n 2>/dev/null | wc -l
}

# Walk a pcapng file block by block: every block's two length fields agree
# and the last one ends exactly at the end of the file. Prints
# "IDB=<n> EPB=<n> ISB=<n> isb_ifrecv=<sum>" or "invalid: why".
s_blocks() { # file
	/usr/bin/python3 - "$1" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
off, counts, recv = 0, {1: 0, 5: 0, 6: 0}, 0
bo = '<' if data[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
while off < len(data):
    if off + 12 > len(data):
        print('invalid: truncated block header at', off); sys.exit()
    btype, blen = struct.unpack(bo + 'II', data[off:off + 8])
    if blen < 12 or blen % 4 or off + blen > len(data) or \
       struct.unpack(bo + 'I', data[off + blen - 4:off + blen])[0] != blen:
        print('invalid: bad block at', off); sys.exit()
    if btype in counts:
        counts[btype] += 1
    if btype == 5:  # options after if id + timestamp
        o = off + 20
        while o < off + blen - 4:
            code, ln = struct.unpack(bo + 'HH', data[o:o + 4])
            if code == 0:
                break
            if code == 4:
                recv += struct.unpack(bo + 'Q', data[o + 4:o + 12])[0]
            o += 4 + ((ln + 3) & ~3)
    off += blen
print('IDB=%d EPB=%d ISB=%d isb_ifrecv=%d' % (counts[1], counts[6], counts[5], recv))
PY
}
