#!/bin/bash
# podenter demo: on a fresh Debian machine, as root.
#
#   ./demo.sh          install what is needed, build podenter, start a real
#                      containerd node with pods (no kubelet, no cluster),
#                      show podenter at work, tear everything down
#   ./demo.sh --keep   same, but leave the node up to try podenter by hand
#
# Environment: PODENTER=PATH uses that binary instead of building one.
# Only the node's own pods (a private bridge, 10.88.77.0/24) get traffic.
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE=(bash "$REPO_DIR/tests/node/node.sh")
CRI=(/usr/bin/python3 "$REPO_DIR/tests/node/cri.py")
PODS=("$REPO_DIR/tests/node/pods/nginx-deployment.json"
      "$REPO_DIR/tests/node/pods/hello-distroless.json")
KEEP=0
STEPS_FAILED=0
PCAP=""
PCAPNG=""

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }

# pretty ARG...: the command line as a person would type it.
pretty() {
	local arg out=""
	for arg in "$@"; do
		if [[ $arg =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then
			out+="$arg "
		else
			out+="'${arg//\'/\'\\\'\'}' "
		fi
	done
	printf '%s' "${out% }"
}

# show CMD...: print the command as a person would type it, then run it.
show() {
	local rc=0
	printf '\n\033[36m# %s\033[0m\n' "$(pretty "$@")"
	"$@" || rc=$?
	if ((rc != 0)); then
		printf '\033[31m   (exit status %d)\033[0m\n' "$rc"
		STEPS_FAILED=$((STEPS_FAILED + 1))
	fi
	return 0
}

# must CMD...: like show, but the demo cannot go on without it.
must() {
	local before=$STEPS_FAILED
	show "$@"
	if ((STEPS_FAILED != before)); then
		echo "demo.sh: cannot go on without that step" >&2
		exit 1
	fi
}

usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

parse_args() {
	while (($# > 0)); do
		case $1 in
		--keep) KEEP=1 ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
		esac
		shift
	done
}

require_root_on_debian() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "demo.sh: run me as root (containerd, namespaces, cgroups need it)" >&2
		exit 1
	fi
	if ! command -v apt-get >/dev/null; then
		echo "demo.sh: this demo installs with apt-get (Debian/Ubuntu)" >&2
		exit 1
	fi
}

# What the demo installs: deps/debian.txt's build and demo sets (the one
# list; test.sh's fresh-root stage proves the build set on a bare Debian 12).
install_build_packages() {
	local missing=()
	mapfile -t missing < <("$REPO_DIR/deps/packages" --missing build demo)
	if ((${#missing[@]} > 0)); then
		# deps/install: containerd is installed but not started (the demo
		# runs its own), also where systemd would start it at once
		must "$REPO_DIR/deps/install" --no-install-recommends "${missing[@]}"
	else
		note "the build and demo packages of deps/debian.txt are installed"
	fi
	must "${NODE[@]}" install
}

build_podenter() {
	if [[ -n ${PODENTER:-} ]]; then
		note "using PODENTER=$PODENTER"
		return 0
	fi
	cd "$REPO_DIR"
	must autoreconf -fi
	must ./configure --quiet
	must make -j"$(nproc)" --quiet
	PODENTER=$REPO_DIR/podenter
	[[ -x $PODENTER ]] || { echo "demo.sh: the build made no ./podenter" >&2; exit 1; }
}

# The demo shows these names; ask the runtime (CRI), not podenter, for them.
first_replica() {
	"${CRI[@]}" sandboxes-json | /usr/bin/python3 -c 'import json, sys
print(sorted(s["pod"] for s in json.load(sys.stdin) if s["pod"].startswith("nginx-deployment-"))[0])'
}

pod_ip() {
	"${CRI[@]}" sandboxes-json | /usr/bin/python3 -c 'import json, sys
print([s["ip"] for s in json.load(sys.stdin) if s["pod"] == sys.argv[1]][0])' "$1"
}

replica_ips() {
	"${CRI[@]}" sandboxes-json | /usr/bin/python3 -c 'import json, sys
for s in sorted(json.load(sys.stdin), key=lambda s: s["pod"]):
    if s["pod"].startswith("nginx-deployment-"):
        print(s["ip"])'
}

# The time to a shell in the distroless pod: `podenter hello -- sh -c exit`
# (find the pod from the node's files, pin, join, build the view, run the
# toolbox's shell, exit), the best and the median of 7 runs.
time_to_shell() {
	local i t0 t1 times=()
	printf '\n\033[36m# time %s hello -- sh -c exit    (7 runs)\033[0m\n' "$PODENTER"
	for ((i = 0; i < 7; i++)); do
		t0=$(date +%s%N)
		if ! "$PODENTER" -q hello -- sh -c exit; then
			STEPS_FAILED=$((STEPS_FAILED + 1))
			note "(podenter hello -- sh -c exit failed)"
			return 0
		fi
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 100000)))
	done
	mapfile -t times < <(printf '%s\n' "${times[@]}" | sort -n)
	note "$(printf 'a shell in the distroless pod: best %d.%d ms, median %d.%d ms' \
		$((times[0] / 10)) $((times[0] % 10)) $((times[3] / 10)) $((times[3] % 10)))"
}

# podenter sniff on every replica at once (the owner prefix matches them
# all), one pcapng whose interface names say which pod a packet is from.
sniff_the_replicas() {
	local ips=() ip capture_pid log i
	mapfile -t ips < <(replica_ips)
	PCAPNG=$(mktemp /tmp/podenter-demo.XXXXXX.pcapng)
	log=$PCAPNG.log
	local cmd=("$PODENTER" sniff nginx-deployment --count $((2 * ${#ips[@]})) -w "$PCAPNG"
		-- 'tcp port 80 and tcp[tcpflags] & tcp-syn != 0')
	printf '\n\033[36m# %s &\033[0m\n' "$(pretty "${cmd[@]}")"
	timeout 30 "${cmd[@]}" >"$log" 2>&1 &
	capture_pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'capturing on' "$log" && break
		kill -0 "$capture_pid" 2>/dev/null || break
		sleep 0.1
	done
	note "a request from the host to each replica:"
	for ip in "${ips[@]}"; do
		if ! ip route get "$ip" | grep -q 'dev podenter0 '; then
			echo "demo.sh: $ip is not on the node's bridge; not sending traffic there" >&2
			return 1
		fi
		show busybox wget -q -O /dev/null "http://$ip/index.html"
	done
	if ! wait "$capture_pid"; then
		STEPS_FAILED=$((STEPS_FAILED + 1))
		note "(the capture failed)"
	fi
	sed 's/^/   /' "$log"
	rm -f "$log"
	note "the SYN and SYN-ACK of each request, and the pod each was captured in:"
	show tshark -r "$PCAPNG" -T fields -e frame.interface_name -e ip.src -e ip.dst -e tcp.flags.str
}

capture_a_request() {
	local replica=$1 ip=$2 capture_pid log i
	PCAP=$(mktemp /tmp/podenter-demo.XXXXXX.pcap)
	log=$PCAP.log
	note "tcpdump from the HOST (not in the image) inside $replica's network namespace:"
	printf '\n\033[36m# %s %s --net-only -- tcpdump -i eth0 -U -c 6 -w %s tcp port 80 &\033[0m\n' \
		"$PODENTER" "$replica" "$PCAP"
	timeout 20 "$PODENTER" "$replica" --net-only -- \
		tcpdump -i eth0 -U -c 6 -w "$PCAP" tcp port 80 >"$log" 2>&1 &
	capture_pid=$!
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$log" && break
		kill -0 "$capture_pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! ip route get "$ip" | grep -q 'dev podenter0 '; then
		echo "demo.sh: $ip is not on the node's bridge; not sending traffic there" >&2
		return 1
	fi
	note "a request from the host to the replica's pod IP:"
	show busybox wget -q -O /dev/null "http://$ip/index.html"
	if ! wait "$capture_pid"; then
		STEPS_FAILED=$((STEPS_FAILED + 1))
		note "(the capture failed)"
	fi
	sed 's/^/   tcpdump: /' "$log"
	rm -f "$log"
	note "what tcpdump saw (the request line):"
	show sh -c "tcpdump -nn -r $PCAP -A 2>/dev/null | grep -a 'GET /index.html'"
}

walk_through() {
	local replica ip
	replica=$(first_replica)
	ip=$(pod_ip "$replica")

	bold "1. What runs on this node, from the node's own files (no API server, no CRI call)"
	show "$PODENTER" list
	show "$PODENTER" list -A --all

	bold "2. A shell in a distroless pod, by pod name: the image has no shell, podenter brings one"
	show "$PODENTER" inspect hello
	show "$PODENTER" hello -- ps aux
	show "$PODENTER" hello -- ls -l /target
	show "$PODENTER" hello -- cat /target/etc/app-config/app.conf
	show "$PODENTER" hello -- hostname
	time_to_shell

	bold "3. podenter sniff: every replica of nginx-deployment at once, one pcapng"
	sniff_the_replicas

	bold "4. Host tcpdump in a replica's network namespace ($replica, $ip)"
	capture_a_request "$replica" "$ip"

	bold "5. podenter needs no runtime daemon: containerd frozen with SIGSTOP"
	show "${NODE[@]}" freeze
	show "$PODENTER" list
	show "$PODENTER" "$replica" -- ps aux
	show "${NODE[@]}" thaw
}

print_try_it() {
	local replica pe=$PODENTER
	replica=$(first_replica)
	[[ $pe == "$REPO_DIR/podenter" ]] && pe="./podenter"
	bold "The node is up (--keep). Try podenter by hand, from $REPO_DIR:"
	printf '   %-58s # %s\n' \
		"$pe list -A" "every pod on this node" \
		"$pe inspect $replica" "all about one target" \
		"$pe $replica" "a shell in the pod" \
		"$pe hello" "a shell in the distroless pod" \
		"$pe $replica --net-only -- tcpdump -i eth0 -nn" "host tcpdump, pod's network" \
		"$pe sniff nginx-deployment -w - | tshark -r -" "every replica's traffic" \
		"bash tests/node/node.sh status" "what the runtime says" \
		"bash tests/node/node.sh down" "tear it all down"
}

teardown() {
	trap - EXIT INT TERM
	[[ -n $PCAP ]] && rm -f "$PCAP"
	[[ -n $PCAPNG ]] && rm -f "$PCAPNG"
	if ((KEEP)); then
		print_try_it
		return 0
	fi
	bold "Tearing down: pods, containerd, cgroups, bridge, logs"
	show "${NODE[@]}" down
}

# One node per machine: wait for a running tests/node/e2e.sh (or demo). The
# lock is held by flock(1) itself (-o), so containerd does not inherit it.
run_under_node_lock() {
	local lock=/run/lock/podenter-node.lock
	[[ -n ${PODENTER_NODE_LOCKED:-} ]] && return 0
	mkdir -p /run/lock
	if ! flock -n "$lock" true; then
		note "another user of the node (tests/node/e2e.sh or demo.sh) is running: waiting for it"
	fi
	exec env PODENTER_NODE_LOCKED=1 flock -o -w 900 "$lock" bash "${BASH_SOURCE[0]}" "$@"
}

main() {
	parse_args "$@"
	require_root_on_debian
	run_under_node_lock "$@"

	bold "Installing what the demo needs (skips what is there)"
	install_build_packages

	bold "Building podenter"
	build_podenter

	bold "Starting a node: containerd + CRI pods, as kubelet would make them"
	trap teardown EXIT
	trap 'exit 130' INT TERM
	must "${NODE[@]}" up "${PODS[@]}"
	show "${NODE[@]}" status

	walk_through
	teardown
	if ((STEPS_FAILED > 0)); then
		echo
		echo "demo.sh: $STEPS_FAILED step(s) failed (see above)"
		exit 1
	fi
	echo
	echo "demo.sh: done"
}

main "$@"
