#!/bin/bash
# podenter sniff on real network namespaces, targets given as pid:PID:
# several pods into one pcapng, filters, streaming, signals, pods that go
# away, classic pcap, --tcpdump. Read back with tshark and tcpdump.
source "$TESTLIB"
t_require_root
source "$(dirname "${BASH_SOURCE[0]}")/sniff-common.sh"

s_make_pod 1 || { t_fail "making pod 1"; t_done; }
s_make_pod 2 || { t_fail "making pod 2"; t_done; }
P1=${S_PID[1]}
P2=${S_PID[2]}
N1=${S_NET[1]}
N2=${S_NET[2]}
out=$T_TMP/two.pcapng

# --- two targets, one file, each packet's interface names its pod ---------
s_sniff_bg "pid:$P1" "pid:$P2" -w "$out" -- icmp || t_fail "capture did not start"
t_expect_match "both pods' interfaces opened" "$(cat "$T_TMP/sniff.err")" \
	"capturing on pid:$P1:eth0, pid:$P2:eth0"
s_ping 1 3
s_ping 2 2
t_wait_for 100 sh -c "[ \$(tcpdump -r '$out' 2>/dev/null | wc -l) -ge 10 ]"
s_sniff_stop INT
t_expect_eq "SIGINT ends the capture with status 0" "$S_RC" 0
pk=$(s_packets "$out")
t_expect_eq "pod 1's packets carry pod 1's interface" \
	"$(printf '%s\n' "$pk" | grep -c "^pid:$P1:eth0	$N1.[12]	$N1.[12]$")" 6
t_expect_eq "pod 2's packets carry pod 2's interface" \
	"$(printf '%s\n' "$pk" | grep -c "^pid:$P2:eth0	$N2.[12]	$N2.[12]$")" 4
t_expect_eq "no packet is attributed to the wrong pod" "$(printf '%s\n' "$pk" | wc -l)" 10
t_expect_eq "tcpdump -r reads the merged pcapng" "$(s_count "$out")" 10
t_expect_match "summary per pod on stderr" "$(cat "$T_TMP/sniff.err")" \
	"pid:$P1: 6 packets captured, 0 dropped by the kernel"
t_expect_match "summary total" "$(cat "$T_TMP/sniff.err")" "total: 10 packets captured"
t_expect_eq "capture file is owner-only" "$(stat -c %a "$out")" 600
tshark -r "$out" -T fields -e frame.time_epoch 2>/dev/null >"$T_TMP/ts"
t_expect_eq "packets are in time order" "$(sort -n "$T_TMP/ts" | md5sum)" "$(md5sum <"$T_TMP/ts")"

# --- two pods busy at once: still one time-ordered stream -----------------
s_sniff_bg "pid:$P1" "pid:$P2" -w "$T_TMP/both.pcapng" -- icmp || t_fail "capture did not start"
busybox ping -q -c 40 -i 0.01 "$N1.2" >/dev/null 2>&1 &
busy=$!
busybox ping -q -c 40 -i 0.01 "$N2.2" >/dev/null 2>&1
t_wait_pid "$busy" 60
t_wait_for 100 sh -c "[ \$(tcpdump -r '$T_TMP/both.pcapng' 2>/dev/null | wc -l) -ge 160 ]"
s_sniff_stop INT
tshark -r "$T_TMP/both.pcapng" -T fields -e frame.time_epoch 2>/dev/null >"$T_TMP/ts"
t_expect_eq "interleaved pods: 160 packets" "$(wc -l <"$T_TMP/ts")" 160
t_expect_eq "interleaved pods: written in time order" "$(sort -n "$T_TMP/ts" | md5sum)" "$(md5sum <"$T_TMP/ts")"

# --- a reader too slow for the traffic: the kernel drops, and says so ------
# a 64 KiB ring and a reader that starts late: most of a burst is dropped,
# and what was captured plus what the kernel dropped is the whole burst
touch "$T_TMP/slow.err"
(
	"$PODENTER" sniff "pid:$P1" -s 128 -B 64 -w - -- udp port 7100 2>"$T_TMP/slow.err" |
		{ sleep 2; cat >"$T_TMP/slow.pcapng"; }
) &
slow=$!
t_cleanup "kill -9 $slow"
t_wait_for 200 grep -q "capturing on" "$T_TMP/slow.err"
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(20000):
    s.sendto(b"x" * 18, (sys.argv[1], 7100))' "$N1.2"
sleep 2.5
pkill -INT -P "$slow" -x podenter 2>/dev/null || kill -INT $(pgrep -P "$slow") 2>/dev/null
t_wait_for 200 sh -c "! kill -0 $slow 2>/dev/null"
read -r got dropped < <(sed -n "s|^pid:$P1: \([0-9]*\) packets captured, \([0-9]*\) dropped.*|\1 \2|p" "$T_TMP/slow.err")
if [ "${dropped:-0}" -gt 0 ]; then t_pass "kernel drops counted ($dropped)"; else t_fail "no drops reported: $(cat "$T_TMP/slow.err")"; fi
t_expect_eq "captured + dropped = the whole burst" "$((${got:-0} + ${dropped:-0}))" 20000
t_expect_eq "the file holds what was captured" "$(s_count "$T_TMP/slow.pcapng")" "${got:-x}"
t_expect_match "the drops are in the file's statistics" "$(s_blocks "$T_TMP/slow.pcapng")" "ISB=1 "

# --- the filter restricts what is captured --------------------------------
for f in "" "udp port 7001"; do
	s_sniff_bg "pid:$P1" -w "$T_TMP/f.pcapng" ${f:+-- $f} || t_fail "capture did not start"
	s_udp 1 7001
	s_udp 1 7002
	s_ping 1 1
	t_wait_for 100 sh -c "tcpdump -r '$T_TMP/f.pcapng' -n 2>/dev/null | grep -q $N1.2.7001"
	s_sniff_stop TERM
	t_expect_eq "SIGTERM ends the capture with status 0${f:+ (filter $f)}" "$S_RC" 0
	txt=$(tcpdump -r "$T_TMP/f.pcapng" -n 2>/dev/null)
	if [ -z "$f" ]; then
		t_expect_match "no filter: port 7002 seen" "$txt" "$N1.2.7002"
		t_expect_match "no filter: ICMP seen" "$txt" "ICMP echo"
	else
		t_expect_match "filter: port 7001 kept" "$txt" "$N1.2.7001"
		t_expect_nomatch "filter: port 7002 left out" "$txt" "7002"
		t_expect_nomatch "filter: ICMP left out" "$txt" "ICMP"
	fi
done

# --- a bad filter: clear error pointing at the word, 125, nothing written --
t_podenter sniff "pid:$P1" -w "$T_TMP/bad.pcapng" -- tcp port eighty
t_expect_rc "bad filter exits 125" 125
t_expect_match "bad filter names the problem" "$T_ERR" "bad capture filter: unknown port 'eighty'"
t_expect_match "bad filter shows the text" "$T_ERR" "filter: tcp port eighty"
t_expect_match "bad filter points at the word" "$T_ERR" "^ +\\^~~~~~$"
t_podenter sniff "pid:$P1" -w "$T_TMP/bad.pcapng" -- 'icmp and ('
t_expect_rc "filter syntax error exits 125" 125
t_expect_match "syntax error said" "$T_ERR" "bad capture filter: .*syntax error"
if [ -e "$T_TMP/bad.pcapng" ]; then t_fail "a bad filter left a file"; else t_pass "a bad filter leaves no file"; fi

# --- bad input: 125 and a reason --------------------------------------------
t_podenter sniff pid:2147483646 -w "$T_TMP/x.pcapng"
t_expect_rc "no such process: 125" 125
t_podenter sniff "pid:$P1" -i nosuch0 -w "$T_TMP/x.pcapng"
t_expect_rc "no such interface in the pod: 125" 125
t_expect_match "no such interface: said" "$T_ERR" "pid:$P1 has no interface 'nosuch0'"
t_expect_match "no such interface: lists the pod's" "$T_ERR" "its interfaces: lo, eth0"
t_podenter sniff "pid:$P1" "pid:$P2" --format pcap -w "$T_TMP/x.pcapng"
t_expect_rc "classic pcap with two pods: 125" 125
t_expect_match "classic pcap with two pods: why" "$T_ERR" "classic pcap holds one interface"
t_podenter sniff "pid:$P1" --count 0 -w "$T_TMP/x.pcapng"
t_expect_rc "--count 0 refused" 125
t_podenter sniff "pid:$P1" --duration soon -w "$T_TMP/x.pcapng"
t_expect_rc "--duration soon refused" 125
t_podenter sniff "pid:$P1" --tcpdump -w "$T_TMP/x.pcapng"
t_expect_rc "--tcpdump with -w refused" 125
if [ -e "$T_TMP/x.pcapng" ]; then t_fail "bad input left a file"; else t_pass "bad input leaves no file"; fi

# --- -w - streams: tcpdump -r - decodes it; --count stops at exactly N -----
touch "$T_TMP/stream.err"
(
	"$PODENTER" sniff "pid:$P1" -w - --count 4 -- icmp 2>"$T_TMP/stream.err" |
		tcpdump -r - -n >"$T_TMP/stream.txt" 2>/dev/null
) &
stream=$!
t_cleanup "kill -9 $stream"
t_wait_for 200 grep -q "capturing on" "$T_TMP/stream.err"
s_ping 1 4
t_wait_for 200 sh -c "! kill -0 $stream 2>/dev/null"
t_wait_pid "$stream" 60
t_expect_eq "-w - | tcpdump -r - decodes exactly --count packets" \
	"$(grep -c 'ICMP echo' "$T_TMP/stream.txt")" 4
t_expect_match "--count: summary" "$(cat "$T_TMP/stream.err")" "4 packets captured"

# --- the stream stays valid when podenter is interrupted mid-way -----------
s_sniff_bg "pid:$P1" -w "$T_TMP/int.pcapng" -- icmp
s_ping 1 2
t_wait_for 100 sh -c "[ \$(tcpdump -r '$T_TMP/int.pcapng' 2>/dev/null | wc -l) -ge 4 ]"
s_sniff_stop INT
# (tshark warns about running as root; anything else is a complaint)
if tshark -r "$T_TMP/int.pcapng" >/dev/null 2>"$T_TMP/tshark.err" &&
	! grep -v "Running as user" "$T_TMP/tshark.err" | grep -q .; then
	t_pass "SIGINT after N packets leaves a file tshark reads cleanly"
else
	t_fail "tshark complains: $(cat "$T_TMP/tshark.err")"
fi
t_expect_eq "SIGINT: all N packets kept" "$(s_count "$T_TMP/int.pcapng")" 4
t_expect_eq "every block whole; kernel statistics (ISB) at the end" \
	"$(s_blocks "$T_TMP/int.pcapng")" "IDB=1 EPB=4 ISB=1 isb_ifrecv=4"

# --- --duration ends by itself ----------------------------------------------
T_RC=0
timeout 20 "$PODENTER" sniff "pid:$P1" -w "$T_TMP/dur.pcapng" --duration 0.5 2>/dev/null || T_RC=$?
t_expect_eq "--duration ends the capture with status 0" "$T_RC" 0
t_expect_match "--duration leaves a readable file" "$(tcpdump -r "$T_TMP/dur.pcapng" 2>&1)" "reading from file"

# --- one pod to classic pcap (nanosecond) -----------------------------------
s_sniff_bg "pid:$P1" --format pcap -w "$T_TMP/one.pcap" -- icmp
s_ping 1 2
t_wait_for 100 sh -c "[ \$(tcpdump -r '$T_TMP/one.pcap' 2>/dev/null | wc -l) -ge 4 ]"
s_sniff_stop INT
t_expect_eq "classic pcap magic (nanosecond)" "$(od -An -tx4 -N4 "$T_TMP/one.pcap" | tr -d ' ')" a1b23c4d
t_expect_eq "classic pcap readable by tcpdump" "$(s_count "$T_TMP/one.pcap")" 4

# --- default leaves lo out; -i lo takes it ---------------------------------
s_sniff_bg "pid:$P1" -w "$T_TMP/lo.pcapng" -- icmp
t_expect_nomatch "default: lo not opened" "$(cat "$T_TMP/sniff.err")" ":lo"
ip netns exec "${S_TAG}n1" busybox ping -q -c 2 -i 0.05 127.0.0.1 >/dev/null 2>&1
s_ping 1 1
t_wait_for 100 sh -c "[ \$(tcpdump -r '$T_TMP/lo.pcapng' 2>/dev/null | wc -l) -ge 2 ]"
s_sniff_stop INT
t_expect_nomatch "default: no loopback traffic" "$(tcpdump -r "$T_TMP/lo.pcapng" -n 2>/dev/null)" "127.0.0.1"
s_sniff_bg "pid:$P1" -i lo -w "$T_TMP/lo2.pcapng" -- icmp
ip netns exec "${S_TAG}n1" busybox ping -q -c 2 -i 0.05 127.0.0.1 >/dev/null 2>&1
t_wait_for 100 sh -c "[ \$(tcpdump -r '$T_TMP/lo2.pcapng' 2>/dev/null | wc -l) -ge 4 ]"
s_sniff_stop INT
t_expect_match "-i lo: loopback traffic" "$(s_packets "$T_TMP/lo2.pcapng")" "^pid:$P1:lo	127.0.0.1"

# --- the pod is not changed: no promiscuous mode, nothing added -------------
before=$(ip -n "${S_TAG}n1" -d link show eth0 | head -1)
s_sniff_bg "pid:$P1" -w "$T_TMP/p.pcapng"
during=$(ip -n "${S_TAG}n1" -d link show eth0 | head -1)
t_expect_nomatch "pod's interface not put in promiscuous mode" "$during" PROMISC
t_expect_eq "pod's interface flags unchanged" "$during" "$before"
t_expect_eq "podenter kept the host's mount namespace" "$(readlink "/proc/$S_SNIFF/ns/mnt")" "$(readlink /proc/self/ns/mnt)"
t_expect_eq "podenter is back in the host's network namespace" "$(readlink "/proc/$S_SNIFF/ns/net")" "$(readlink /proc/self/ns/net)"
t_expect_eq "podenter holds no namespace fd once the sockets are open" \
	"$(ls -l "/proc/$S_SNIFF/fd" | grep -c -e 'ns/net' -e 'net:\[')" 0
s_sniff_stop INT

# --- --tcpdump: the host's tcpdump in each pod, lines say which pod --------
s_sniff_bg "pid:$P1" "pid:$P2" --tcpdump -- icmp
t_wait_for 200 sh -c "[ \$(grep -c 'listening on' '$T_TMP/sniff.err') -ge 2 ]"
s_ping 1 1
s_ping 2 1
t_wait_for 100 sh -c "[ \$(grep -c 'ICMP echo' '$T_TMP/sniff.out') -ge 4 ]"
s_sniff_stop INT
t_expect_eq "--tcpdump: status 0 after SIGINT" "$S_RC" 0
txt=$(cat "$T_TMP/sniff.out")
t_expect_match "--tcpdump: pod 1's line prefixed" "$txt" "^pid:$P1: .* $N1.1 > $N1.2: ICMP echo request"
t_expect_match "--tcpdump: pod 2's line prefixed" "$txt" "^pid:$P2: .* $N2.1 > $N2.2: ICMP echo request"
t_expect_nomatch "--tcpdump: no pod 2 traffic under pod 1" "$txt" "^pid:$P1: .*$N2\\."
t_expect_match "--tcpdump: runs on the pod's own eth0" "$(cat "$T_TMP/sniff.err")" "listening on eth0"
t_expect_eq "--tcpdump: no empty prefixed lines" "$(grep -c '^pid:[0-9]*: *$' "$T_TMP/sniff.out")" 0

# --tcpdump into a reader that leaves (| head -n 1): podenter ends, status 0
touch "$T_TMP/head.err"
(
	"$PODENTER" sniff "pid:$P1" "pid:$P2" --tcpdump -- icmp 2>"$T_TMP/head.err" | head -n 1 >/dev/null
	echo "${PIPESTATUS[0]}" >"$T_TMP/head.rc"
) &
headp=$!
t_cleanup "kill -9 $headp"
t_wait_for 200 sh -c "[ \$(grep -c 'listening on' '$T_TMP/head.err') -ge 2 ]"
# one exchange: head takes a line and leaves; no later line is needed
s_ping 1 1
t_wait_for 100 test -s "$T_TMP/head.rc"
t_expect_eq "--tcpdump: reader gone, podenter ends with status 0" "$(cat "$T_TMP/head.rc" 2>/dev/null)" 0

# --- --tcpdump: a pod that goes away ends its tcpdump; the others go on ---
s_make_pod 3 || t_fail "making pod 3"
P3=${S_PID[3]}
N3=${S_NET[3]}
s_sniff_bg "pid:$P1" "pid:$P3" --tcpdump -- icmp
t_wait_for 200 sh -c "[ \$(grep -c 'listening on' '$T_TMP/sniff.err') -ge 2 ]"
kill -9 "$P3"
t_wait_for 200 grep -q "pod went away" "$T_TMP/sniff.err"
t_expect_match "--tcpdump: the gone pod is named" "$(cat "$T_TMP/sniff.err")" \
	"pid:$P3: its process $P3 exited: the pod went away; its capture ends, the others go on"
s_ping 1 1
t_wait_for 100 sh -c "[ \$(grep -c 'ICMP echo' '$T_TMP/sniff.out') -ge 2 ]"
t_expect_match "--tcpdump: the other pod goes on" "$(cat "$T_TMP/sniff.out")" "^pid:$P1: .* $N1.1 > $N1.2: ICMP echo request"
s_sniff_stop INT
t_expect_eq "--tcpdump: status 0 after a pod went and SIGINT" "$S_RC" 0

# --- a terminal gets no binary capture -------------------------------------
if command -v script >/dev/null; then
	script -qec "$PODENTER sniff pid:$P1 -w -; echo rc=\$?" /dev/null >"$T_TMP/tty.out" 2>&1
	t_expect_match "-w - to a terminal: refused with 125" "$(cat "$T_TMP/tty.out")" "refusing to write a binary capture to a terminal"
	t_expect_match "-w - to a terminal: status" "$(cat "$T_TMP/tty.out")" "rc=125"
fi

# --- a pod that goes away ends its part; the others go on -----------------
s_sniff_bg "pid:$P1" "pid:$P2" -w "$T_TMP/gone.pcapng" -- icmp
s_ping 2 1
kill -9 "$P2"
t_wait_for 200 grep -q "pod went away" "$T_TMP/sniff.err"
t_expect_match "the gone pod is named" "$(cat "$T_TMP/sniff.err")" \
	"pid:$P2: its process $P2 exited: the pod went away; its capture ends, the others go on"
if kill -0 "$S_SNIFF" 2>/dev/null; then t_pass "the capture goes on"; else t_fail "the capture stopped"; fi
s_ping 1 2
t_wait_for 100 sh -c "[ \$(tshark -r '$T_TMP/gone.pcapng' -Y 'ip.addr==$N1.2' 2>/dev/null | wc -l) -ge 4 ]"
s_sniff_stop INT
t_expect_eq "the other pod's packets after the loss" \
	"$(s_packets "$T_TMP/gone.pcapng" | grep -c "^pid:$P1:eth0")" 4
t_expect_eq "the gone pod's packets before it went" \
	"$(s_packets "$T_TMP/gone.pcapng" | grep -c "^pid:$P2:eth0")" 2
t_expect_match "summary marks the gone pod" "$(cat "$T_TMP/sniff.err")" "pid:$P2: 2 packets captured, 0 dropped by the kernel \(ended: "

# --- the reader goes away (| head): a normal end, status 0 ------------------
touch "$T_TMP/pipe.err"
(
	"$PODENTER" sniff "pid:$P1" -w - -- icmp 2>"$T_TMP/pipe.err" | head -c 1 >/dev/null
	echo "${PIPESTATUS[0]}" >"$T_TMP/pipe.rc"
) &
pipe=$!
t_cleanup "kill -9 $pipe"
t_wait_for 200 grep -q "capturing on" "$T_TMP/pipe.err"
# head leaves after the header; with no traffic at all podenter must see
# the closed pipe (POLLERR), not wait for a packet's write to fail
t_wait_for 100 test -s "$T_TMP/pipe.rc"
t_expect_eq "reader gone: podenter ends with status 0" "$(cat "$T_TMP/pipe.rc" 2>/dev/null)" 0

# --- what the pod controls: interfaces that are down, odd names, too many --
ns1="${S_TAG}n1"
# veth pairs inside the pod (no dummy module on every kernel)
ip -n "$ns1" link add downed0 type veth peer name downed1
ip -n "$ns1" link add "$(printf 'e\033[2Jx')" type veth peer name odd1
ip -n "$ns1" link set "$(printf 'e\033[2Jx')" up
ip -n "$ns1" link set odd1 up
t_podenter sniff "pid:$P1" -w "$T_TMP/odd.pcapng" --duration 0.2
t_expect_rc "odd interfaces: capture works" 0
t_expect_match "an interface that is down is skipped, and said" "$T_ERR" "down, skipped: .*downed0"
t_expect_match "control characters in a name are shown as ?" "$T_ERR" "pid:$P1:e\?\[2Jx"
t_expect_nomatch "no escape sequence reaches the terminal" "$T_ERR" "$(printf '\033')"
t_expect_match "the odd interface is captured too" "$(s_blocks "$T_TMP/odd.pcapng")" "IDB=3 "
# the interface names and descriptions (IDB options 2 and 3), not the
# binary timestamps, must be free of control characters
idb_text=$(/usr/bin/python3 - "$T_TMP/odd.pcapng" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
off = 0
while off < len(d):
    t, n = struct.unpack("<II", d[off:off + 8])
    if t == 1:
        o = off + 16
        while o < off + n - 4:
            code, ln = struct.unpack("<HH", d[o:o + 4])
            if code == 0:
                break
            if code in (2, 3):
                v = d[o + 4:o + 4 + ln]
                print("CONTROL" if any(b < 0x20 or b == 0x7f for b in v) else v.decode())
            o += 4 + ((ln + 3) & ~3)
    off += n
PY
)
t_expect_match "the odd name is in the file, made printable" "$idb_text" "^pid:$P1:e\?\[2Jx$"
t_expect_nomatch "no control character in the file's interface names" "$idb_text" "CONTROL"
for k in $(seq 1 32); do
	echo "link add manya$k type veth peer name manyb$k"
	echo "link set manya$k up"
	echo "link set manyb$k up"
done | ip -n "$ns1" -batch -
t_podenter sniff "pid:$P1" -w "$T_TMP/many.pcapng" --duration 2
t_expect_rc "a pod with more than 64 interfaces: 125" 125
t_expect_match "too many interfaces: said" "$T_ERR" "has more than 64 interfaces"
t_expect_match "too many interfaces: the way out" "$T_ERR" "choose one with -i IFACE"
if [ -e "$T_TMP/many.pcapng" ]; then t_fail "too many interfaces left a file"; else t_pass "too many interfaces: no file"; fi
t_podenter sniff "pid:$P1" -i eth0 -w "$T_TMP/many.pcapng" --duration 0.2
t_expect_rc "too many interfaces: -i eth0 works" 0

t_done
