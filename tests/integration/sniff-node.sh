#!/bin/bash
# podenter sniff on a real containerd CRI node (tests/node): the three
# replicas of nginx-deployment captured at once by their Deployment name,
# HTTP from the host to each replica, and each packet's pcapng interface
# must name the replica whose IP it carries. The node is shared with
# e2e.sh and demo.sh: this waits for their lock, like they do.
# one node per machine: hold its lock for the whole script (before lib.sh
# makes its scratch directory, which exec would leak)
if [ -z "${PODENTER_NODE_LOCKED:-}" ]; then
	mkdir -p /run/lock
	exec env PODENTER_NODE_LOCKED=1 flock -o -w 900 /run/lock/podenter-node.lock \
		bash "${BASH_SOURCE[0]}" "$@"
fi

source "$TESTLIB"
t_require_root
source "$(dirname "${BASH_SOURCE[0]}")/sniff-common.sh"

node_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../node" && pwd)
CRI=(/usr/bin/python3 "$node_dir/cri.py")

command -v containerd >/dev/null || t_skip_all "containerd is not installed (tests/node/node.sh install)"
/usr/bin/python3 -c 'import grpc, google.protobuf' 2>/dev/null ||
	t_skip_all "python3-grpcio/python3-protobuf missing (tests/node/node.sh install)"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	t_skip_all "this kernel has no overlayfs (containerd's snapshotter)"

if ! bash "$node_dir/node.sh" up "$node_dir/pods/nginx-deployment.json" \
	"$node_dir/pods/hello-distroless.json" >"$T_TMP/up.log" 2>&1; then
	cat "$T_TMP/up.log"
	bash "$node_dir/node.sh" down >/dev/null 2>&1
	t_fail "the node did not come up"
	t_done
fi
t_cleanup "bash '$node_dir/node.sh' down"

"${CRI[@]}" sandboxes-json >"$T_TMP/sandboxes.json"
mapfile -t replicas < <(/usr/bin/python3 -c '
import json, sys
for s in json.load(open(sys.argv[1])):
    if s["pod"].startswith("nginx-deployment-") and s["state"] == "ready":
        print(s["pod"], s["ip"])' "$T_TMP/sandboxes.json")
hello_ip=$(/usr/bin/python3 -c '
import json, sys
print([s["ip"] for s in json.load(open(sys.argv[1])) if s["pod"] == "hello"][0])' "$T_TMP/sandboxes.json")
t_expect_eq "the node runs three replicas" "${#replicas[@]}" 3

# only ever send traffic to this node's pods, over its bridge
on_bridge() { ip route get "$1" 2>/dev/null | grep -q "dev podenter0 "; }
http_get() { # ip port
	on_bridge "$1" || { echo "not on the node's bridge: $1" >&2; return 1; }
	busybox wget -q -O /dev/null "http://$1:$2/" 2>/dev/null
}

out=$T_TMP/replicas.pcapng
s_sniff_bg nginx-deployment -w "$out" -- tcp port 80 or tcp port 8080 ||
	t_fail "capture did not start"
names=$(sed -n 's/^podenter: capturing on //p' "$T_TMP/sniff.err")
for r in "${replicas[@]}"; do
	pod=${r% *}
	t_expect_match "replica $pod opened as default/$pod:eth0" "$names" "default/$pod:eth0"
done
t_expect_nomatch "the pod 'hello' is not captured" "$names" "hello"
for r in "${replicas[@]}"; do
	http_get "${r#* }" 80 || t_fail "GET from ${r% *}"
done
http_get "$hello_ip" 8080 || t_fail "GET from hello"
# a TCP exchange is at least 3 + 2 + 4 packets per replica
t_wait_for 100 sh -c "[ \$(tcpdump -r '$out' 2>/dev/null | wc -l) -ge 27 ]"
s_sniff_stop INT
t_expect_eq "SIGINT: status 0" "$S_RC" 0

pk=$(s_packets "$out")
for r in "${replicas[@]}"; do
	pod=${r% *}
	ip=${r#* }
	mine=$(printf '%s\n' "$pk" | grep "^default/$pod:eth0	" | wc -l)
	right=$(printf '%s\n' "$pk" | grep -c "^default/$pod:eth0	.*\\b${ip//./\\.}\\b")
	if [ "$mine" -ge 9 ] && [ "$mine" = "$right" ]; then
		t_pass "every packet on default/$pod:eth0 carries its IP $ip ($mine packets)"
	else
		t_fail "default/$pod:eth0: $mine packets, $right with its IP $ip"
		printf '%s\n' "$pk" | head -20 | sed 's/^/  | /'
	fi
done
t_expect_nomatch "no packet of the pod 'hello'" "$pk" "${hello_ip//./\\.}"
t_expect_match "the capture decodes as HTTP" "$(tcpdump -r "$out" -A 2>/dev/null)" "GET / HTTP/1.1"

# --tcpdump by name on the real pods, lines say which replica
first=${replicas[0]% *}
first_ip=${replicas[0]#* }
s_sniff_bg "$first" --tcpdump -- tcp port 80
http_get "$first_ip" 80 || t_fail "GET from $first"
t_wait_for 100 grep -q "Flags \[F" "$T_TMP/sniff.out"
s_sniff_stop INT
t_expect_match "--tcpdump on a real pod sees the request" "$(cat "$T_TMP/sniff.out")" \
	"${first_ip//./\\.}\\.80: Flags \\[P\\.\\]"

t_done
