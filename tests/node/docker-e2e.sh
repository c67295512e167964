#!/bin/bash
# End-to-end tests of podenter against real Docker (issue 16, part 2).
#
# Starts the node's dockerd (Debian's docker.io 20.10) with its own
# containerd, in a private mount namespace: /run there is a fresh tmpfs with
# only the host's /run/docker bound back in, so dockerd cannot find (or
# clash with) the node harness's containerd at /run/containerd, and its
# mounts (overlay roots, netns) never reach the host's mount table, while
# its files stay where a real node has them and where podenter reads them:
#   /var/lib/docker/containers/<id>/config.v2.json           (data root)
#   /run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/<id>/
# Options keep the node clean: --bridge=none --iptables=false
# --ip-forward=false --ip-masq=false, socket and pidfile in the test's work
# directory. The one network is a bridge network the test creates
# (pe-dock0, 10.88.78.0/24 unless the machine routes it).
#
# Two rounds:
#   default  data root /var/lib/docker (dockerd's default): a pod as
#            cri-dockerd makes it (k8s_POD_<pod>_<ns>_<uid>_0 pause sandbox
#            with kubelet's labels on our bridge, app containers
#            k8s_<ctr>_<pod>_<ns>_<uid>_<attempt> joining its net and ipc,
#            an exited attempt 0 of app, and the log links cri-dockerd and
#            kubelet make under /var/log/pods and /var/log/containers), a
#            plain container, a paused one and a stopped one;
#            list/inspect/enter (views none and tools, -c)/sniff by pod name,
#            compared with docker inspect.
#   moved    data root /var/lib/podenter-docker-e2e-moved (--data-root):
#            podenter must find it through dockerd's containerd task bundles.
# Everything is removed afterwards, also on failure or Ctrl-C: containers,
# images, the network and bridge, dockerd and its containerd and shims, the
# data and exec roots (when this test made them), cgroups; the last check
# says nothing is left. Closes with: N passed, N failed[, N skipped]
# Exit status: 0 when nothing failed.
#
# Run it like the other node suites, under the shared lock:
#   flock -o /tmp/podenter-itest.lock bash tests/node/docker-e2e.sh
#
# Environment:
#   PODENTER                podenter binary (default: ./podenter at the repo top)
#   DOCKER                  docker client (default /usr/bin/docker, docker.io's)
#   DOCKER_E2E_CAPTURE=DIR  copy the default round's Docker files into DIR and
#                           the moved round's into DIR-moved-root, as fixture
#                           trees (tests/node/capture-docker-fixture.sh)
#   DOCKER_E2E_SUBNET       the test bridge's /24 (default 10.88.78.0/24)
#   DOCKER_E2E_RUN=CMD      run CMD (bash -c, at most 600 s) while round 1's
#                           containers are up, with DOCKER_E2E_POD and
#                           DOCKER_E2E_APP_PID set: a benchmark, a look around
#   E2E_CMD_TIMEOUT         seconds for each command (default 30)
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$NODE_DIR/../.." && pwd)
PODENTER=${PODENTER:-$REPO_DIR/podenter}
PYTHON=/usr/bin/python3
CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-30}
# Debian's client (docker.io), not another one earlier on PATH
DOCKER=${DOCKER:-/usr/bin/docker}
SUBNET=${DOCKER_E2E_SUBNET:-10.88.78.0/24}
NET_PREFIX=${SUBNET%.*}
BRIDGE=pe-dock0
NET=pe-dock-net

# Everything this test makes is named from here, and only these are removed.
NS=default
POD=pe-dock-web
POD_UID=0d0c4e2e-7a3b-4c55-9f10-5e2e0d0c4e2e
CGROUP_PARENT=/kubepods/besteffort/pod$POD_UID
SANDBOX=k8s_POD_${POD}_${NS}_${POD_UID}_0
APP0=k8s_app_${POD}_${NS}_${POD_UID}_0 # exited: the first attempt
APP=k8s_app_${POD}_${NS}_${POD_UID}_1
SIDE=k8s_side_${POD}_${NS}_${POD_UID}_0
# crash: writes a file and exits 7, as user 1000:1000 (+ group 2000) in
# /www with CRASH_MARK set: what `podenter copy` must rebuild
CRASH=k8s_crash_${POD}_${NS}_${POD_UID}_0
PLAIN=pe-dock-plain
PAUSED=pe-dock-paused
STOPPED=pe-dock-stopped
OUR_CONTAINERS=("$SANDBOX" "$APP0" "$APP" "$SIDE" "$CRASH" "$PLAIN" "$PAUSED" "$STOPPED")
IMG=localhost/podenter-docker-e2e:1
DEFAULT_ROOT=/var/lib/docker
MOVED_ROOT=/var/lib/podenter-docker-e2e-moved
EXEC_ROOT=/run/docker
KUBELET_POD_LOGS=/var/log/pods/${NS}_${POD}_${POD_UID}

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
WORK=""
OUT=""
ERR=""
RC=0
ROUND=""
DOCKERD_PID=""
DOCKERD_MNTNS=""
CREATED_PATHS=()   # removed at the end when this test made them
CREATED_CGROUPS=() # likewise, deepest first

# shellcheck source=tests/node/checklib.sh
source "$NODE_DIR/checklib.sh"

skip_all() { # WHY
	say "skip docker-e2e: $1"
	SKIPPED=$((SKIPPED + 1))
	finish_line
	exit 0
}

machine_cannot_run_docker() {
	local tool
	if [[ $(id -u) -ne 0 ]]; then
		echo "not running as root (dockerd needs root)"
		return 0
	fi
	for tool in dockerd "$DOCKER" containerd runc busybox unshare tcpdump tshark curl; do
		if ! command -v "$tool" >/dev/null; then
			echo "$tool is not installed (deps/debian.txt's [test] set)"
			return 0
		fi
	done
	if ! file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
		echo "busybox is not statically linked (apt-get install busybox-static)"
		return 0
	fi
	if [[ -e $EXEC_ROOT || -e $DEFAULT_ROOT || -e $MOVED_ROOT ]]; then
		echo "$EXEC_ROOT or $DEFAULT_ROOT already exists: a Docker of this machine's own; not touching it"
		return 0
	fi
	if ! ip route get "$NET_PREFIX.2" 2>/dev/null | head -n 1 | grep -q ' via '; then
		echo "$SUBNET is already routed here (set DOCKER_E2E_SUBNET)"
		return 0
	fi
	return 1
}

dk() { timeout --kill-after=5 "$CMD_TIMEOUT" "$DOCKER" -H "unix://$WORK/docker.sock" "$@"; }

cgroup_mounts() { # every cgroup v1 hierarchy and the v2 tree
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") break;
	       if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo
}

# ---------------------------------------------------------------------------
# dockerd, in a private mount namespace
# ---------------------------------------------------------------------------

note_created() { # PATH: remember it when it does not exist yet
	[[ -e $1 ]] || CREATED_PATHS+=("$1")
}

note_created_cgroups() { # the cgroups dockerd will make for our containers
	local m rel
	while read -r m; do
		for rel in /docker /kubepods /kubepods/besteffort "$CGROUP_PARENT"; do
			[[ -d $m$rel ]] || CREATED_CGROUPS+=("$m$rel")
		done
	done < <(cgroup_mounts)
}

start_dockerd() { # DATA-ROOT
	local root=$1 i
	mkdir -p "$EXEC_ROOT" "$WORK/hostrun"
	# unshare execs bash, which execs dockerd: $! is dockerd itself
	# shellcheck disable=SC2016 # expanded by the inner bash
	unshare -m --propagation private bash -c '
		set -e
		mount --bind /run "$1"
		mount -t tmpfs -o mode=0755 podenter-docker-e2e /run
		mkdir /run/docker
		mount --bind "$1/docker" /run/docker
		umount -l "$1"
		shift
		exec "$@"' docker-e2e "$WORK/hostrun" \
		dockerd -H "unix://$WORK/docker.sock" --pidfile "$WORK/dockerd.pid" \
		--data-root "$root" --exec-root "$EXEC_ROOT" \
		--bridge=none --iptables=false --ip-forward=false --ip-masq=false \
		--userland-proxy=false --exec-opt native.cgroupdriver=cgroupfs \
		--storage-driver overlay2 --log-driver json-file \
		>"$WORK/dockerd-$ROUND.log" 2>&1 &
	DOCKERD_PID=$!
	for ((i = 0; i < 150; i++)); do
		dk version >/dev/null 2>&1 && break
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.2
	done
	if ! dk version >/dev/null 2>&1; then
		echo "dockerd did not answer within 30 s:"
		tail -n 20 "$WORK/dockerd-$ROUND.log"
		return 1
	fi
	DOCKERD_MNTNS=$(readlink "/proc/$DOCKERD_PID/ns/mnt")
	[[ $DOCKERD_MNTNS != "$(readlink /proc/self/ns/mnt)" ]] ||
		{ echo "dockerd shares the host's mount namespace"; return 1; }
}

# Every process in dockerd's mount namespace: dockerd, its containerd, the
# shims and the containers. All of them are this test's.
procs_in_dockerd_ns() {
	local p
	[[ -n $DOCKERD_MNTNS ]] || return 0
	for p in /proc/[0-9]*; do
		[[ $(readlink "$p/ns/mnt" 2>/dev/null) == "$DOCKERD_MNTNS" ]] && echo "${p#/proc/}"
	done
	return 0
}

stop_dockerd() {
	local i left
	[[ -n $DOCKERD_PID ]] || return 0
	remove_ours
	kill -TERM "$DOCKERD_PID" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.2
	done
	wait "$DOCKERD_PID" 2>/dev/null || true
	# dockerd stops its containerd; anything left of ours gets KILL
	for ((i = 0; i < 25; i++)); do
		left=$(procs_in_dockerd_ns)
		[[ -z $left ]] && break
		# shellcheck disable=SC2086 # one PID a word
		((i < 20)) || kill -KILL $left 2>/dev/null || true
		sleep 0.2
	done
	DOCKERD_PID=""
	DOCKERD_MNTNS=""
}

remove_ours() {
	local c
	[[ -S $WORK/docker.sock ]] || return 0
	for c in "${OUR_CONTAINERS[@]}"; do
		dk unpause "$c" >/dev/null 2>&1 || true
		dk rm -f "$c" >/dev/null 2>&1 || true
	done
	dk network rm "$NET" >/dev/null 2>&1 || true
	dk rmi -f "$IMG" >/dev/null 2>&1 || true
	remove_kubelet_logs
}

# ---------------------------------------------------------------------------
# The containers
# ---------------------------------------------------------------------------

# busybox-static with its applets, /www for httpd, and the harness's pause.
make_image() {
	local root=$WORK/rootfs a
	mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,www}
	chmod 1777 "$root/tmp"
	cp "$(command -v busybox)" "$root/bin/busybox"
	for a in sh sleep ps cat hostname ls true httpd id tr pwd test; do
		ln -sf busybox "$root/bin/$a"
	done
	echo "podenter docker e2e" >"$root/www/index.html"
	if command -v gcc >/dev/null &&
		gcc -static -O2 -o "$root/pause" "$NODE_DIR/images/pause.c" 2>"$WORK/gcc.log"; then
		:
	else # no static gcc: a sleeping shell stands in
		printf '#!/bin/sh\nexec /bin/sleep 2147483647\n' >"$root/pause"
		chmod 755 "$root/pause"
	fi
	tar -C "$root" -cf "$WORK/rootfs.tar" .
	dk import --change 'CMD ["/bin/sleep","2147483647"]' "$WORK/rootfs.tar" "$IMG" >/dev/null
}

# kubelet's labels, as cri-dockerd sets them
pod_labels() { # CONTAINER-NAME TYPE
	echo --label "io.kubernetes.pod.name=$POD" --label "io.kubernetes.pod.namespace=$NS" \
		--label "io.kubernetes.pod.uid=$POD_UID" --label "io.kubernetes.container.name=$1" \
		--label "io.kubernetes.docker.type=$2"
}

# What cri-dockerd and kubelet make for a container's log: cri-dockerd links
# /var/log/pods/<ns>_<pod>_<uid>/<container>/<attempt>.log to Docker's json
# log, kubelet links /var/log/containers/<pod>_<ns>_<container>-<id>.log to
# that. podenter's fast path reads these names.
kubelet_log_links() { # DOCKER-NAME CONTAINER ATTEMPT
	local id log dir
	id=$(dk inspect --format '{{.Id}}' "$1")
	log=$(dk inspect --format '{{.LogPath}}' "$1")
	dir=$KUBELET_POD_LOGS/$2
	mkdir -p "$dir" /var/log/containers
	ln -sfn "$log" "$dir/$3.log"
	ln -sfn "$dir/$3.log" "/var/log/containers/${POD}_${NS}_$2-$id.log"
}

remove_kubelet_logs() {
	rm -rf "$KUBELET_POD_LOGS"
	rm -f /var/log/containers/"${POD}_${NS}"_*.log
	rmdir /var/log/pods /var/log/containers 2>/dev/null || true
	return 0
}

make_containers() {
	local sb name
	# shellcheck disable=SC2046 # the labels split on purpose
	dk run -d --name "$SANDBOX" --hostname "$POD" --network "$NET" --ipc shareable \
		--cgroup-parent "$CGROUP_PARENT" $(pod_labels POD podsandbox) \
		"$IMG" /pause >/dev/null
	sb=$(dk inspect --format '{{.Id}}' "$SANDBOX")
	member() { # NAME CONTAINER [DOCKER-RUN-OPTION...] -- CMD...
		local name=$1 ctr=$2 opts=()
		shift 2
		while [[ $# -gt 0 && $1 != -- ]]; do opts+=("$1"); shift; done
		shift
		# shellcheck disable=SC2046
		dk run -d --name "$name" --network "container:$sb" --ipc "container:$sb" "${opts[@]}" \
			--cgroup-parent "$CGROUP_PARENT" $(pod_labels "$ctr" container) \
			--label "io.kubernetes.sandbox.id=$sb" "$IMG" "$@" >/dev/null
	}
	member "$APP0" app -- /bin/sh -c 'exit 3'
	dk wait "$APP0" >/dev/null
	member "$CRASH" crash --user 1000:1000 --group-add 2000 --workdir /www \
		--env CRASH_MARK=written-by-crash -- \
		/bin/sh -c 'echo crashed >/tmp/crash-mark; echo crash is exiting; exit 7'
	dk wait "$CRASH" >/dev/null
	member "$APP" app -- /bin/httpd -f -p 80 -h /www
	member "$SIDE" side -- /bin/sleep 2147483646
	dk run -d --network none --name "$PLAIN" --hostname pe-dock-plain-host "$IMG" >/dev/null
	dk run -d --network none --name "$PAUSED" "$IMG" >/dev/null
	dk pause "$PAUSED" >/dev/null
	dk run -d --network none --name "$STOPPED" "$IMG" >/dev/null
	dk stop -t 0 "$STOPPED" >/dev/null
	for name in "$APP0:app:0" "$APP:app:1" "$SIDE:side:0" "$CRASH:crash:0"; do
		kubelet_log_links "${name%%:*}" "$(cut -d: -f2 <<<"$name")" "${name##*:}"
	done
	# Docker's own view, to compare with
	dk inspect "${OUR_CONTAINERS[@]}" >"$WORK/inspect.json"
	"$PYTHON" -c 'import json,sys
for c in json.load(open(sys.argv[1])): print(c["Id"])' "$WORK/inspect.json" >"$WORK/our-ids"
}

setup_round() { # ROUND DATA-ROOT
	ROUND=$1
	start_dockerd "$2"
	remove_ours # a run killed before its teardown
	make_image
	dk network create -d bridge --subnet "$SUBNET" \
		-o "com.docker.network.bridge.name=$BRIDGE" "$NET" >/dev/null
	make_containers
}

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

# podenter's records of this test's containers against docker inspect.
COMPARE_PY='
import json, sys
inspect = {c["Id"]: c for c in json.load(open(sys.argv[1]))}
pe = {r["container_id"]: r for r in json.loads(sys.stdin.read())
      if r["container_id"] in inspect}
bad = []
for cid, c in sorted(inspect.items(), key=lambda kv: kv[1]["Name"]):
    name = c["Name"].lstrip("/")
    labels = c["Config"]["Labels"] or {}
    r = pe.get(cid)
    if r is None:
        bad.append("%s (%s): not listed by podenter" % (name, cid[:12]))
        continue
    if "io.kubernetes.pod.name" in labels:
        sandbox = labels.get("io.kubernetes.docker.type") == "podsandbox"
        want = {"namespace": labels["io.kubernetes.pod.namespace"],
                "pod": labels["io.kubernetes.pod.name"],
                "pod_uid": labels["io.kubernetes.pod.uid"],
                "is_sandbox": sandbox,
                "container": None if sandbox else labels["io.kubernetes.container.name"],
                "attempt": int(name.rsplit("_", 1)[1])}
    else:  # a plain container: its own pod in the namespace docker
        want = {"namespace": "docker", "pod": name, "container": name,
                "is_sandbox": False, "attempt": None}
    st = c["State"]
    want["state"] = st["Status"] if st["Status"] in ("running", "paused", "exited") \
        else "?" + st["Status"]
    if st["Running"]:
        want["pid"] = st["Pid"]
    want["runtime"] = "docker"
    for k, v in want.items():
        if r.get(k) != v:
            bad.append("%s: %s is %r, docker says %r" % (name, k, r.get(k), v))
    print("%-60s pod=%-14s container=%-14s attempt=%-4s pid=%-7s state=%s" %
          (name, r.get("pod"), r.get("container"), r.get("attempt"), r.get("pid"), r.get("state")))
for b in bad:
    print("FAILED: " + b)
sys.exit(1 if bad else 0)
'

check_list_matches_docker_inspect() {
	run_ok "$PODENTER" list -A --all -o json || return 1
	printf '%s' "$OUT" | "$PYTHON" -c "$COMPARE_PY" "$WORK/inspect.json"
}

# inspect_as VAR TARGET-ARGS...: "PID CONTAINER STATE ATTEMPT" from inspect
inspect_as() {
	local -n into=$1
	shift
	run_ok "$PODENTER" inspect -o json "$@" || return 1
	# shellcheck disable=SC2034 # a nameref: sets the caller's variable
	into=$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["pid"], d["container"], d["state"], d["attempt"])')
}

check_inspect_by_pod_name() {
	local want got
	want="$(dk inspect --format '{{.State.Pid}}' "$APP") app running 1"
	inspect_as got "$NS/$POD" || return 1
	expect_eq "inspect $NS/$POD (default container)" "$got" "$want" || return 1
	want="$(dk inspect --format '{{.State.Pid}}' "$SIDE") side running 0"
	inspect_as got -c side "$POD" || return 1
	expect_eq "inspect -c side $POD" "$got" "$want"
}

# kubelet's log names lead to the containers (podenter's fast path): the
# record of -c side carries the log kubelet would read
check_inspect_kubelet_log_path() {
	local id
	id=$(dk inspect --format '{{.Id}}' "$SIDE")
	run_ok "$PODENTER" inspect -o json -c side "$POD" || return 1
	expect_eq "log_path of side" "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["log_path"])')" \
		"/var/log/containers/${POD}_${NS}_side-$id.log" || return 1
	run_ok readlink -f "/var/log/containers/${POD}_${NS}_side-$id.log" || return 1
	expect_eq "the link leads to Docker's json log" "$OUT" "$(dk inspect --format '{{.LogPath}}' "$SIDE")"
}

check_enter_view_none() {
	local sb_pid app_pid
	sb_pid=$(dk inspect --format '{{.State.Pid}}' "$SANDBOX")
	app_pid=$(dk inspect --format '{{.State.Pid}}' "$APP")
	run_ok "$PODENTER" -q --view none "$POD" -- cat /etc/hostname || return 1
	expect_eq "/etc/hostname in $POD" "$OUT" "$POD" || return 1
	# the pod's network and ipc are the sandbox's; the PID namespace is app's
	# shellcheck disable=SC2016 # expanded by the pod's shell
	run_ok "$PODENTER" -q --view none "$POD" -- sh -c \
		'for n in net ipc pid; do readlink /proc/self/ns/$n; done; ps -o args' || return 1
	expect_contains "net ns" "$OUT" "$(readlink "/proc/$sb_pid/ns/net")" || return 1
	expect_contains "ipc ns" "$OUT" "$(readlink "/proc/$sb_pid/ns/ipc")" || return 1
	expect_contains "pid ns" "$OUT" "$(readlink "/proc/$app_pid/ns/pid")" || return 1
	expect_contains "ps in $POD" "$OUT" "httpd -f -p 80" || return 1
	[[ $OUT != *"sleep 2147483646"* ]] || { say "FAILED: ps shows the side container"; return 1; }
}

check_enter_view_tools_side() {
	local ip
	ip=$(dk inspect --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$SANDBOX")
	[[ -n $ip ]] || { say "FAILED: premise: the sandbox has no address on $NET"; return 1; }
	# the node's own ip(8) (not in the image: its busybox has no ip applet
	# link outside /bin), in the side container's namespaces
	run_ok "$PODENTER" -q --view tools -c side "$POD" -- /usr/sbin/ip -o -4 addr show || return 1
	expect_contains "the sandbox's address, seen through -c side" "$OUT" "inet $ip/" || return 1
	run_ok "$PODENTER" -q --view tools -c side "$POD" -- /bin/sh -c 'cat /target/proc/1/cmdline | tr "\0" " "' || return 1
	expect_contains "/target is side's root" "$OUT" "sleep 2147483646"
}

check_enter_plain_container_by_name() {
	run_ok "$PODENTER" -q --view none docker/"$PLAIN" -- hostname || return 1
	expect_eq "hostname in docker/$PLAIN" "$OUT" pe-dock-plain-host || return 1
	run_ok "$PODENTER" -q --view none -n docker "$PLAIN" -- hostname || return 1
	expect_eq "hostname in -n docker $PLAIN" "$OUT" pe-dock-plain-host
}

check_paused_is_paused() {
	local got
	expect_eq "premise: docker says" "$(dk inspect --format '{{.State.Status}}' "$PAUSED")" paused || return 1
	inspect_as got docker/"$PAUSED" || return 1
	expect_eq "inspect docker/$PAUSED" "${got#* }" "$PAUSED paused None" || return 1
	run_ok "$PODENTER" list -n docker -o json "$PAUSED" || return 1
	expect_eq "state in list" "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys
print(" ".join(r["state"] for r in json.load(sys.stdin)))')" paused || return 1
	# entering still works: the session is not in the frozen cgroup
	run_ok "$PODENTER" -q --view none docker/"$PAUSED" -- hostname || return 1
	expect_eq "hostname in the paused container" "$OUT" \
		"$(dk inspect --format '{{.Config.Hostname}}' "$PAUSED")"
}

check_stopped_is_exited() {
	run "$PODENTER" -q docker/"$STOPPED" -- true
	expect_eq "entering a stopped container: exit status" "$RC" 125 || return 1
	expect_contains "message" "$ERR" "has no running container" || return 1
	run_ok "$PODENTER" list -n docker -o json "$STOPPED" || return 1
	expect_eq "state in list" "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys
print(" ".join(r["state"] for r in json.load(sys.stdin)))')" exited
}

# sniff by pod name: a request from the host to the pod's address on the
# test's bridge (the route is checked first), captured in the pod's netns.
check_sniff_by_pod_name() {
	local ip pcap log pid i
	ip=$(dk inspect --format "{{(index .NetworkSettings.Networks \"$NET\").IPAddress}}" "$SANDBOX")
	run_ok ip route get "$ip" || return 1
	[[ $OUT == *"dev $BRIDGE "* ]] || { say "FAILED: $ip is not routed over $BRIDGE; no traffic sent"; return 1; }
	pcap=$WORK/sniff.pcapng
	log=$WORK/sniff.log
	say "\$ $PODENTER sniff $POD --count 2 -w $pcap -- 'tcp port 80 and tcp[tcpflags] & tcp-syn != 0' &"
	timeout --kill-after=5 20 "$PODENTER" sniff "$POD" --count 2 -w "$pcap" -- \
		'tcp port 80 and tcp[tcpflags] & tcp-syn != 0' >"$log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'capturing on' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run_ok curl -s --max-time 5 "http://$ip/index.html" || { kill "$pid" 2>/dev/null; return 1; }
	expect_eq "the pod's answer" "$OUT" "podenter docker e2e" || { kill "$pid" 2>/dev/null; return 1; }
	wait "$pid" || { say "FAILED: sniff exited with $?"; sed 's/^/  /' "$log"; return 1; }
	sed 's/^/  /' "$log"
	run_ok tcpdump -nn -r "$pcap" || return 1
	expect_contains "the SYN to the pod" "$OUT" "> $ip.80: Flags [S]" || return 1
	expect_contains "the SYN-ACK from the pod" "$OUT" "IP $ip.80 > " || return 1
	run_ok tshark -r "$pcap" -T fields -e frame.interface_name || return 1
	expect_contains "the interface names the pod" "$OUT" "$NS/$POD:eth0"
}

# podenter copy of the exited crash container, from Docker's files only:
# its user, groups, working directory, environment and hostname; --last-run
# sees what it wrote, a plain copy does not; its exit code is shown; the
# copy leaves no mount and no process.
check_copy_exited_container() {
	local want mounts_before mounts_after
	want="$(dk inspect --format '{{.Config.User}}' "$CRASH")"
	expect_eq "docker's user of crash" "$want" 1000:1000 || return 1
	mounts_before=$(grep -c . /proc/self/mountinfo)
	# shellcheck disable=SC2016 # expanded by the copy's shell
	run_ok "$PODENTER" copy --no-tty -c crash "$NS/$POD" -- \
		sh -c 'id -u; id -g; id -G; pwd; echo "$CRASH_MARK"; cat /etc/hostname; test -e /tmp/crash-mark && echo has-mark || echo no-mark' ||
		return 1
	expect_eq "copy's uid, gid, groups, cwd, env, hostname, mark" "$(printf '%s' "$OUT" | tr '\n' ' ')" \
		"1000 1000 1000 2000 /www written-by-crash $POD no-mark" || return 1
	expect_contains "copy's stderr" "$ERR" "last run exited with code 7" || return 1
	expect_contains "the last run's log in copy's stderr" "$ERR" "| crash is exiting" || return 1
	run_ok "$PODENTER" copy -q --no-tty --last-run -c crash "$NS/$POD" -- cat /tmp/crash-mark || return 1
	expect_eq "--last-run sees the file the last run wrote" "$OUT" crashed || return 1
	run_ok "$PODENTER" copy -q --no-tty --last-run -c crash "$NS/$POD" -- \
		sh -c 'echo changed >/tmp/crash-mark; cat /tmp/crash-mark' || return 1
	expect_eq "a write in the copy" "$OUT" changed || return 1
	run_ok "$PODENTER" copy -q --no-tty --last-run -c crash "$NS/$POD" -- cat /tmp/crash-mark || return 1
	expect_eq "the last run's layer after a copy wrote" "$OUT" crashed || return 1
	run_ok "$PODENTER" copy -q --no-tty --print-command -c crash "$NS/$POD" || return 1
	expect_contains "--print-command" "$OUT" "echo crashed >/tmp/crash-mark" || return 1
	mounts_after=$(grep -c . /proc/self/mountinfo)
	expect_eq "host mounts after the copies" "$mounts_after" "$mounts_before" || return 1
	if pgrep -f 'pe-copy-left-behind' >/dev/null; then
		say "FAILED: a copy's process is left"
		return 1
	fi
	run "$PODENTER" copy -q --no-tty -c crash "$NS/$POD" -- sh -c 'sleep 1 # pe-copy-left-behind'
	((RC == 0)) || return 1
	if pgrep -f 'pe-copy-left-behind' >/dev/null; then
		say "FAILED: the copy's process outlived podenter"
		return 1
	fi
	expect_eq "host mounts after the copies" "$(grep -c . /proc/self/mountinfo)" "$mounts_before"
}

# A copy of the running app, beside it: every variable of the original
# process's environment (as runc set it from Docker's files) is in the
# copy's, with the same value; HOME aside (runc's from the image's passwd),
# and PATH may end with the tools' :/.podenter/bin, which podenter appends.
check_copy_env_matches_running() {
	local pid kv missing=()
	pid=$(dk inspect --format '{{.State.Pid}}' "$APP")
	run_ok "$PODENTER" copy -q --no-tty --net none -c app "$NS/$POD" -- env || return 1
	while IFS= read -r kv; do
		[[ -z $kv || $kv == HOME=* ]] && continue
		grep -qxF -- "$kv" <<<"$OUT" && continue
		[[ $kv == PATH=* ]] && grep -qxF -- "$kv:/.podenter/bin" <<<"$OUT" && continue
		missing+=("$kv")
	done < <(tr '\0' '\n' <"/proc/$pid/environ")
	if ((${#missing[@]} > 0)); then
		say "FAILED: the copy's environment lacks: ${missing[*]}"
		return 1
	fi
	say "the running app's environment is in the copy's: $(tr '\0' ' ' <"/proc/$pid/environ")"
}

# podenter cp by pod name (issue 16: enter, sniff and cp on every runtime):
# out of app, compared with what docker exec reads; into side, read back by
# docker exec in side (and absent from app: the right container's root)
check_cp_by_pod_name() {
	local want token
	want=$(dk exec "$APP" cat /www/index.html) || { say "FAILED: premise: docker exec cat"; return 1; }
	rm -f "$WORK/cp-out"
	run_ok "$PODENTER" cp -c app "$NS/$POD:/www/index.html" "$WORK/cp-out" || return 1
	expect_eq "the file copied out of app" "$(<"$WORK/cp-out")" "$want" || return 1
	token="from the node $$ $RANDOM"
	printf '%s\n' "$token" >"$WORK/cp-in"
	run_ok "$PODENTER" cp -c side "$WORK/cp-in" "$NS/$POD:/www/cp-in" || return 1
	run_ok "$DOCKER" -H "unix://$WORK/docker.sock" exec "$SIDE" cat /www/cp-in || return 1
	expect_eq "the file copied into side, as docker exec reads it" "$OUT" "$token" || return 1
	run "$DOCKER" -H "unix://$WORK/docker.sock" exec "$APP" cat /www/cp-in
	((RC != 0)) || { say "FAILED: the file copied into side is in app"; return 1; }
}

check_moved_root_found() {
	[[ -d $MOVED_ROOT/containers ]] || { say "FAILED: premise: no $MOVED_ROOT/containers"; return 1; }
	[[ ! -e $DEFAULT_ROOT/containers ]] || { say "FAILED: premise: $DEFAULT_ROOT/containers exists"; return 1; }
	check_list_matches_docker_inspect
}

check_moved_enter_by_name() {
	run_ok "$PODENTER" -q --view none "$POD" -- cat /etc/hostname || return 1
	expect_eq "/etc/hostname in $POD" "$OUT" "$POD" || return 1
	run_ok "$PODENTER" -q --view none docker/"$PLAIN" -- hostname || return 1
	expect_eq "hostname in docker/$PLAIN" "$OUT" pe-dock-plain-host
}

check_teardown_left_nothing() {
	local left=() p m
	for p in $(procs_in_dockerd_ns); do left+=("process $p"); done
	pgrep -f "unix://$WORK/docker.sock" >/dev/null && left+=("a dockerd of ours")
	for p in "${CREATED_PATHS[@]}"; do [[ -e $p ]] && left+=("$p"); done
	ip link show "$BRIDGE" >/dev/null 2>&1 && left+=("bridge $BRIDGE")
	[[ -e $KUBELET_POD_LOGS ]] && left+=("$KUBELET_POD_LOGS")
	for p in /var/log/containers/"${POD}_${NS}"_*.log; do
		[[ -L $p ]] && left+=("$p")
	done
	ip route | grep -q "^${SUBNET} " && left+=("a route to $SUBNET")
	for p in "${CREATED_CGROUPS[@]}"; do [[ -d $p ]] && left+=("cgroup $p"); done
	while read -r m; do
		[[ -d $m$CGROUP_PARENT ]] && left+=("cgroup $m$CGROUP_PARENT")
	done < <(cgroup_mounts)
	grep -c . /proc/self/mountinfo >"$WORK/mounts-after"
	cmp -s "$WORK/mounts-before" "$WORK/mounts-after" ||
		left+=("mounts: $(<"$WORK/mounts-before") before, $(<"$WORK/mounts-after") after")
	grep -qE 'docker|overlay2|podenter-docker-e2e' /proc/self/mountinfo &&
		left+=("a Docker mount in the host's table")
	iptables-save 2>/dev/null | grep -E -v '^[#:]|^(COMMIT|\*)' | sort >"$WORK/iptables-after" || true
	cmp -s "$WORK/iptables-before" "$WORK/iptables-after" || left+=("iptables rules changed")
	if ((${#left[@]} > 0)); then
		say "FAILED: left after teardown:"
		printf '  %s\n' "${left[@]}"
		return 1
	fi
	say "nothing left: no process, path, bridge, route, cgroup, mount or iptables rule of ours"
}

# ---------------------------------------------------------------------------

teardown() {
	local p i
	stop_dockerd
	remove_kubelet_logs
	# deepest first; rmdir fails (and leaves it) when someone else uses it
	for ((i = ${#CREATED_CGROUPS[@]} - 1; i >= 0; i--)); do
		rmdir "${CREATED_CGROUPS[$i]}" 2>/dev/null || true
	done
	remove_created_paths
}

# The roots this test made, once dockerd's namespace (and every mount in
# it) is gone; never while anything is mounted there.
remove_created_paths() {
	local p
	for p in "${CREATED_PATHS[@]}"; do
		[[ -e $p ]] || continue
		if [[ -n $(procs_in_dockerd_ns) ]] || grep -q " ${p}[ /]" /proc/self/mountinfo; then
			say "docker-e2e: $p is still in use; left in place"
			continue
		fi
		rm -rf --one-file-system "$p"
	done
}

finish() {
	trap - EXIT INT TERM
	if [[ -n $WORK && -f $WORK/mounts-before ]]; then
		teardown
		ROUND=""
		CHECK_PREFIX=""
		check teardown-left-nothing check_teardown_left_nothing
	fi
	((${#FAILED_NAMES[@]} > 0)) && say "docker-e2e: failed checks: ${FAILED_NAMES[*]}"
	[[ -n $WORK ]] && rm -rf "$WORK"
	finish_line
	((FAILED == 0)) && exit 0
	exit 1
}

round_or_fail() { # ROUND DATA-ROOT
	if ! (setup_round "$1" "$2") >"$WORK/setup-$1.log" 2>&1; then
		say "docker-e2e: setup of round $1 failed:"
		sed 's/^/  | /' "$WORK/setup-$1.log"
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("setup-$1")
		return 1
	fi
	ROUND=$1
	CHECK_PREFIX=""
	[[ $ROUND == default ]] || CHECK_PREFIX=$ROUND # checks named per round
	DOCKERD_PID=$(<"$WORK/dockerd.pid")
	DOCKERD_MNTNS=$(readlink "/proc/$DOCKERD_PID/ns/mnt")
}

main() {
	local why
	if why=$(machine_cannot_run_docker); then
		skip_all "$why"
	fi
	[[ -x $PODENTER ]] || { say "docker-e2e: no podenter binary at $PODENTER"; exit 1; }
	# An uninstalled build keeps its builtin toolbox beside the binary
	# (copy's default --tools builtin), as e2e.sh finds it.
	if [[ -z ${PODENTER_TOOLBOX:-} && -x $(dirname "$PODENTER")/toolbox/bin/sh ]]; then
		export PODENTER_TOOLBOX
		PODENTER_TOOLBOX=$(dirname "$PODENTER")/toolbox
	fi
	WORK=$(mktemp -d /tmp/podenter-docker-e2e.XXXXXX)
	trap finish EXIT
	trap 'exit 130' INT TERM
	note_created_cgroups
	note_created "$DEFAULT_ROOT"
	note_created "$MOVED_ROOT"
	note_created "$EXEC_ROOT"
	grep -c . /proc/self/mountinfo >"$WORK/mounts-before"
	iptables-save 2>/dev/null | grep -E -v '^[#:]|^(COMMIT|\*)' | sort >"$WORK/iptables-before" || true

	# round 1: dockerd's default data root
	if round_or_fail default "$DEFAULT_ROOT"; then
		check list-matches-docker-inspect check_list_matches_docker_inspect
		check inspect-by-pod-name check_inspect_by_pod_name
		check inspect-kubelet-log-path check_inspect_kubelet_log_path
		check enter-view-none-by-pod-name check_enter_view_none
		check enter-view-tools-c-side check_enter_view_tools_side
		check enter-plain-container-by-name check_enter_plain_container_by_name
		check paused-is-paused check_paused_is_paused
		check stopped-is-exited check_stopped_is_exited
		check sniff-by-pod-name check_sniff_by_pod_name
		check copy-exited-container check_copy_exited_container
		check copy-env-matches-running check_copy_env_matches_running
		check cp-by-pod-name check_cp_by_pod_name
		if [[ -n ${DOCKER_E2E_CAPTURE:-} ]]; then
			bash "$NODE_DIR/capture-docker-fixture.sh" "$DOCKER_E2E_CAPTURE" "$WORK" "$DEFAULT_ROOT"
		fi
		if [[ -n ${DOCKER_E2E_RUN:-} ]]; then
			say "docker-e2e: running DOCKER_E2E_RUN"
			DOCKER_E2E_POD=$POD DOCKER_E2E_APP_PID=$(dk inspect --format '{{.State.Pid}}' "$APP") \
				timeout --kill-after=5 600 bash -c "$DOCKER_E2E_RUN" ||
				say "docker-e2e: DOCKER_E2E_RUN exited $?"
		fi
	fi
	stop_dockerd
	remove_created_paths # the moved round must not find the default root

	# round 2: a moved data root
	if round_or_fail moved "$MOVED_ROOT"; then
		check root-found-through-containerd-tasks check_moved_root_found
		check enter-by-name check_moved_enter_by_name
		check copy-exited-container check_copy_exited_container
		if [[ -n ${DOCKER_E2E_CAPTURE:-} ]]; then
			bash "$NODE_DIR/capture-docker-fixture.sh" "$DOCKER_E2E_CAPTURE-moved-root" "$WORK" "$MOVED_ROOT"
		fi
	fi
}

main "$@"
