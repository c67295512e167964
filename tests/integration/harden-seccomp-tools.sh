#!/bin/bash
# runtime-default is an allowlist (the container runtime's default profile):
# the debugging tools a session exists for must still work under it, for
# real, in the profiles meant for them. ps, strace -f and gdb attach
# (general: SYS_PTRACE), ip, ss and tcpdump (netadmin), curl, wget and
# busybox against a server in the target's own loopback.
source "$TESTLIB"
source "$(dirname "$0")/enter-common.sh"
t_require_root
for tool in ps strace gdb tcpdump ip ss curl wget busybox; do
	command -v "$tool" >/dev/null || t_skip_all "$tool is not installed"
done

# a target in its own namespaces that shares the node's files, so the
# node's tools run in it (only its network is the test's own)
e_make_target tools
T=$E_PID
TMO="timeout -k 5 60"

in_session() { # podenter args... -- command...
	local out="$T_TMP/out" err="$T_TMP/err"
	T_RC=0
	$TMO "$PODENTER" "$@" >"$out" 2>"$err" || T_RC=$?
	T_OUT=$(cat "$out")
	T_ERR=$(cat "$err")
}

# each session must run under the filter, or the rest proves nothing
in_session pid:$T -- grep -E '^Seccomp:' /proc/self/status
t_expect_eq "general: the session runs under a seccomp filter" "$(echo $T_OUT)" "Seccomp: 2"
in_session --profile netadmin pid:$T -- grep -E '^Seccomp:' /proc/self/status
t_expect_eq "netadmin: the session runs under a seccomp filter" "$(echo $T_OUT)" "Seccomp: 2"

# --- general -----------------------------------------------------------------
in_session pid:$T -- ps -eo pid,args
t_expect_rc "general: ps runs" 0
t_expect_match "general: ps lists the target's processes" "$T_OUT" "sleep 1001"

in_session pid:$T -- strace -f -qq -e trace=execve -o /dev/stdout sh -c 'sh -c "exit 0"; exit 0'
t_expect_rc "general: strace -f runs" 0
t_expect_match "general: strace -f follows the child's execve" "$T_OUT" '^[0-9]+ +execve\("[^"]*/sh", \["sh", "-c", "exit 0"\]'

# gdb attaches to a process of the target (its "sleep 1001") and reads it
in_session pid:$T -- sh -c 'exec gdb -q -nx -batch -p "$(pgrep -xf "sleep 1001")" -ex "info registers rip" -ex detach'
t_expect_rc "general: gdb attach runs" 0
t_expect_match "general: gdb attached and read registers" "$T_OUT" "^rip +0x"
t_expect_nomatch "general: gdb's ptrace was not refused" "$T_OUT$T_ERR" "ptrace: Operation not permitted"
# (gdb may warn that it cannot open "target:/usr/bin/sleep": the session's
# mount namespace is its own copy, and gdb's setns into the target's needs
# SYS_ADMIN, without seccomp too; `set sysroot /` reads it from the view)

# --- netadmin ----------------------------------------------------------------
in_session --profile netadmin pid:$T -- ip link set lo up
t_expect_rc "netadmin: ip link set (netlink, NET_ADMIN)" 0
in_session --profile netadmin pid:$T -- ip -s addr show dev lo
t_expect_rc "netadmin: ip addr runs" 0
t_expect_match "netadmin: ip sees the target's loopback up" "$T_OUT" "inet 127.0.0.1/8"
in_session --profile netadmin pid:$T -- ip route get 127.0.0.1
t_expect_match "netadmin: ip route runs" "$T_OUT" "^local 127.0.0.1 dev lo"
in_session --profile netadmin pid:$T -- ss -tuanp
t_expect_rc "netadmin: ss runs (sock_diag)" 0
t_expect_match "netadmin: ss prints its table" "$T_OUT" "^Netid +State"

# tcpdump (AF_PACKET, a classic BPF socket filter) sees pings on the
# target's loopback; both stay inside the target's network namespace
in_session --profile netadmin pid:$T -- sh -c '
	tcpdump -i lo -n -c 2 -l icmp >"$1" 2>/dev/null & dump=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		busybox ping -c 1 -W 1 127.0.0.1 >/dev/null 2>&1
		grep -q "ICMP echo" "$1" 2>/dev/null && break
		sleep 0.3
	done
	sleep 0.5; kill $dump 2>/dev/null; wait $dump; cat "$1"' sh "$T_TMP/dump.txt"
t_expect_match "netadmin: tcpdump captured the pings" "$T_OUT" "ICMP echo request"

# --- HTTP clients and busybox, against a server on the target's loopback ------
mkdir -p "$T_TMP/www"
echo "hello from the target" >"$T_TMP/www/index.html"
in_session pid:$T -- busybox sh -c '
	busybox httpd -f -p 127.0.0.1:18080 -h "$1" & srv=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		curl -sf http://127.0.0.1:18080/index.html >/dev/null && break
		sleep 0.2
	done
	echo "curl: $(curl -sf http://127.0.0.1:18080/index.html)"
	echo "wget: $(wget -q -O - http://127.0.0.1:18080/index.html)"
	echo "busybox: $((6 * 7)) $(busybox basename /a/b)"
	kill $srv' sh "$T_TMP/www"
t_expect_rc "general: busybox sh, httpd, curl and wget run" 0
t_expect_match "general: curl fetched the page" "$T_OUT" "^curl: hello from the target$"
t_expect_match "general: wget fetched the page" "$T_OUT" "^wget: hello from the target$"
t_expect_match "general: busybox sh works" "$T_OUT" "^busybox: 42 b$"

echo "$T_PASSED passed, $T_FAILED failed"
[ "$T_FAILED" = 0 ]
