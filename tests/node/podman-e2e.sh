#!/bin/bash
# End-to-end tests of podenter against real podman (issue 16, part 2).
#
# Makes, with the node's podman and runc: a `podman pod create` pod with two
# containers, a `podman kube play` pod, a plain container, a stopped one and
# a paused one
# (all with --network none: no traffic leaves a pod), then compares
# `podenter list -A --all -o json` with `podman ps --all` and `podman pod ps`
# (names, PIDs, states), inspects, enters and sniffs (the pod's loopback) by
# pod name, and removes
# everything it made, also on failure or Ctrl-C. Closes with one line:
#   N passed, N failed[, N skipped]
# Exit status: 0 when nothing failed.
#
# podman is configured only through CONTAINERS_CONF pointing at a file of this
# test's (runc, cgroupfs, file events, equal soft/hard ulimits: this host has
# no CAP_SYS_RESOURCE); /etc/containers is not touched. Storage is podman's
# default (/var/lib/containers/storage), which is what podenter reads; if it
# did not exist before, it is removed afterwards.
#
# Run it like the containerd suite, under the shared lock:
#   flock -o /tmp/podenter-itest.lock bash tests/node/podman-e2e.sh
#
# Environment:
#   PODENTER              podenter binary (default: ./podenter at the repo top)
#   PODMAN_E2E_CAPTURE=DIR  also copy the node's podman files into DIR as a
#                         fixture tree (tests/node/capture-podman-fixture.sh)
#   E2E_CMD_TIMEOUT       seconds for each command (default 30)
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$NODE_DIR/../.." && pwd)
PODENTER=${PODENTER:-$REPO_DIR/podenter}
PYTHON=/usr/bin/python3
CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-30}

# Everything this test makes is named from here, and only these are removed.
POD=pe-e2e-pod        # podman pod create; containers pe-e2e-pod-app, -side
KPOD=pe-e2e-kube      # podman kube play; container web (pe-e2e-kube-web)
PLAIN=pe-e2e-plain    # a container outside any pod
STOPPED=pe-e2e-stopped # run, then stopped: a stale pidfile stays
PAUSED=pe-e2e-paused  # podman pause: its cgroup frozen
CPOD=pe-e2e-copy      # podenter copy: containers crash (ran, wrote, exited 3),
                      # created (podman create, never started) and planter
                      # (as root, planted a device node in its layer)
IMG=localhost/podenter-e2e-busybox:1
PAUSE_IMG=localhost/podenter-e2e-pause:1
# IMG plus a layer (podman build, COPY only: no container runs): copy's
# layer chain of more than one
LAYERED_IMG=localhost/podenter-e2e-layered:1
OUR_CONTAINERS=("$POD-app" "$POD-side" "$KPOD-web" "$PLAIN" "$STOPPED" "$PAUSED"
	"$CPOD-crash" "$CPOD-created" "$CPOD-planter")
OUR_PODS=("$POD" "$KPOD" "$CPOD")
# what the crashing container's last run wrote into its writable layer
CRASH_FILE=/tmp/written-by-last-run
CRASH_TOKEN="the last run was here"
STORAGE_DIRS=(/var/lib/containers/storage /run/containers/storage /run/libpod)

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
WORK=""
OUT=""
ERR=""
RC=0
CREATED_STORAGE=()

# shellcheck source=tests/node/checklib.sh
source "$NODE_DIR/checklib.sh"

skip_all() { # WHY
	say "skip podman-e2e: $1"
	SKIPPED=$((SKIPPED + 1))
	finish_line
	exit 0
}

machine_cannot_run_podman() {
	local tool
	if [[ $(id -u) -ne 0 ]]; then
		echo "not running as root (podman's root storage and cgroups need root)"
		return 0
	fi
	for tool in podman runc busybox tcpdump tshark; do
		if ! command -v "$tool" >/dev/null; then
			echo "$tool is not installed (apt-get install ${tool/busybox/busybox-static})"
			return 0
		fi
	done
	if ! file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
		echo "busybox is not statically linked (apt-get install busybox-static)"
		return 0
	fi
	return 1
}

pm() { timeout --kill-after=5 "$CMD_TIMEOUT" podman "$@"; }

# ---------------------------------------------------------------------------
# Setup and teardown
# ---------------------------------------------------------------------------

write_config() {
	# equal soft and hard limits: runc cannot raise a hard limit without
	# CAP_SYS_RESOURCE; crun 1.8 refuses this cgroup-v1 hybrid host
	cat >"$WORK/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		log_driver = "k8s-file"
		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		infra_image = "$PAUSE_IMG"
		infra_command = "/pause"
	EOF
	export CONTAINERS_CONF=$WORK/containers.conf
	cat >"$WORK/kube.yaml" <<-EOF
		apiVersion: v1
		kind: Pod
		metadata:
		  name: $KPOD
		spec:
		  containers:
		  - name: web
		    image: $IMG
		    command: ["/bin/sleep", "2147483647"]
	EOF
}

# A root with busybox-static and its applets, and /pause for the infra.
make_image() {
	local root=$WORK/rootfs a
	mkdir -p "$root"/{bin,etc,proc,sys,dev,tmp,www}
	cp "$(command -v busybox)" "$root/bin/busybox"
	for a in sh sleep ps cat hostname ls true httpd wget id; do
		ln -s busybox "$root/bin/$a"
	done
	chmod 1777 "$root/tmp"
	echo "podenter podman e2e" >"$root/www/index.html"
	printf '#!/bin/sh\nexec /bin/sleep 2147483647\n' >"$root/pause"
	chmod 755 "$root/pause"
	tar -C "$root" -cf "$WORK/rootfs.tar" .
	pm import --quiet --change 'CMD=["/bin/sleep","2147483647"]' \
		"$WORK/rootfs.tar" "$IMG" >/dev/null
	pm tag "$IMG" "$PAUSE_IMG"
}

remove_ours() {
	local c p
	for c in "${OUR_CONTAINERS[@]}"; do
		pm unpause "$c" >/dev/null 2>&1 || true
		pm container exists "$c" 2>/dev/null && pm rm -f -t 0 "$c" >/dev/null 2>&1
	done
	for p in "${OUR_PODS[@]}"; do
		pm pod exists "$p" 2>/dev/null && pm pod rm -f -t 0 "$p" >/dev/null 2>&1
	done
	for c in "$LAYERED_IMG" "$IMG" "$PAUSE_IMG"; do
		pm image exists "$c" 2>/dev/null && pm rmi -f "$c" >/dev/null 2>&1
	done
	return 0
}

setup() {
	local d
	write_config
	remove_ours # a run killed before its teardown
	grep -c . /proc/self/mountinfo >"$WORK/mounts-before"
	make_image
	pm pod create --name "$POD" --network none >/dev/null
	pm run -d --pod "$POD" --name "$POD-app" "$IMG" /bin/sleep 2147483647 >/dev/null
	pm run -d --pod "$POD" --name "$POD-side" "$IMG" /bin/sleep 2147483646 >/dev/null
	pm kube play --network none "$WORK/kube.yaml" >"$WORK/kube-play.log"
	pm run -d --network none --name "$PLAIN" "$IMG" /bin/sleep 2147483647 >/dev/null
	pm run -d --network none --name "$STOPPED" "$IMG" /bin/sleep 2147483647 >/dev/null
	pm stop -t 0 "$STOPPED" >/dev/null 2>&1
	pm run -d --network none --name "$PAUSED" "$IMG" /bin/sleep 2147483647 >/dev/null
	pm pause "$PAUSED" >/dev/null
	# a crash: as user 1234:2345 in /www with an env of its own, it writes
	# a file into its writable layer, logs, and exits 3 (podman keeps the
	# container, its layer and its k8s-file log)
	mkdir -p "$WORK/layered"
	echo "from the second layer" >"$WORK/layered/layer2.txt"
	printf 'FROM %s\nCOPY layer2.txt /www/layer2.txt\n' "$IMG" >"$WORK/layered/Containerfile"
	pm build -q --network none -t "$LAYERED_IMG" "$WORK/layered" >/dev/null
	pm pod create --name "$CPOD" --network none >/dev/null
	pm run -d --pod "$CPOD" --name "$CPOD-crash" --user 1234:2345 \
		--workdir /www -e CRASH_ENV="from the spec" "$LAYERED_IMG" /bin/sh -c \
		"echo '$CRASH_TOKEN' >$CRASH_FILE; echo 'crash: about to exit 3'; exit 3" >/dev/null
	[[ $(pm wait "$CPOD-crash") == 3 ]]
	pm create --pod "$CPOD" --name "$CPOD-created" "$IMG" /bin/sleep 1 >/dev/null
	# hostile: its last run leaves /dev/null's twin in its writable layer
	pm run --pod "$CPOD" --name "$CPOD-planter" "$IMG" /bin/sh -c \
		'mknod /tmp/planted-null c 1 3 && echo planted; exit 2' >/dev/null || true
	# podman's own view, to compare with
	pm ps --all --format json >"$WORK/ps.json"
	pm pod ps --format json >"$WORK/podps.json"
	for d in "${OUR_CONTAINERS[@]}"; do
		pm inspect --format '{{.Id}}' "$d"
	done >"$WORK/our-ids"
	for d in "${OUR_PODS[@]}"; do
		pm pod inspect --format '{{.InfraContainerID}}' "$d"
	done >>"$WORK/our-ids"
}

teardown() {
	local d
	remove_ours
	if ((${#CREATED_STORAGE[@]} > 0)) && [[ -z $(pm ps --all --quiet 2>/dev/null) ]] &&
		[[ -z $(pm images --quiet 2>/dev/null) ]]; then
		# this test made podman's storage: leave the machine as it was
		pm system reset --force >/dev/null 2>&1 || true
		for d in "${CREATED_STORAGE[@]}"; do
			rm -rf "$d"
		done
	fi
}

finish() {
	trap - EXIT INT TERM
	if [[ -n $WORK && -f $WORK/containers.conf ]]; then
		teardown
		if [[ -s $WORK/our-ids ]]; then
			check teardown-left-nothing check_teardown_left_nothing
		fi
	fi
	((${#FAILED_NAMES[@]} > 0)) && say "podman-e2e: failed checks: ${FAILED_NAMES[*]}"
	[[ -n $WORK ]] && rm -rf "$WORK"
	finish_line
	((FAILED == 0)) && exit 0
	exit 1
}

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

# podenter's records of this test's containers against podman ps / pod ps.
COMPARE_PY='
import json, sys
work = sys.argv[1]
ours = set(open(work + "/our-ids").read().split())
ps = {c["Id"]: c for c in json.load(open(work + "/ps.json")) if c["Id"] in ours}
pods = {p["Id"]: p["Name"] for p in json.load(open(work + "/podps.json"))}
pe = {r["container_id"]: r for r in json.loads(sys.stdin.read())
      if r["container_id"] in ours}
bad = []
for cid, c in sorted(ps.items()):
    r = pe.get(cid)
    name = c["Names"][0]
    if c["State"] == "created":
        # podman writes the spec of a container (userdata/config.json) when it
        # first starts: podenter does not list one only created
        continue
    if r is None:
        bad.append("%s (%s): not listed by podenter" % (name, cid[:12]))
        continue
    pod = pods.get(c.get("Pod") or "", name)
    want = {
        "namespace": "podman",
        "pod": pod,
        "is_sandbox": bool(c["IsInfra"]),
        "container": None if c["IsInfra"] else
            (name[len(pod) + 1:] if name.startswith(pod + "-") else name),
        "state": c["State"] if c["State"] in ("running", "paused", "exited") else "?" + c["State"],
        "runtime": "podman",
    }
    if c["State"] in ("running", "paused"):
        want["pid"] = c["Pid"]
    for k, v in want.items():
        if r.get(k) != v:
            bad.append("%s: %s is %r, podman says %r" % (name, k, r.get(k), v))
    print("%-22s pod=%-12s container=%-6s pid=%-7s state=%s" %
          (name, r.get("pod"), r.get("container"), r.get("pid"), r.get("state")))
if len(ps) != len(ours):
    bad.append("podman ps shows %d of our %d containers" % (len(ps), len(ours)))
for b in bad:
    print("FAILED: " + b)
sys.exit(1 if bad else 0)
'

check_list_matches_podman_ps() {
	run_ok "$PODENTER" list -A --all -o json || return 1
	printf '%s' "$OUT" | "$PYTHON" -c "$COMPARE_PY" "$WORK"
}

check_list_pods_match_pod_ps() {
	local got want
	run_ok "$PODENTER" list -n podman -o json || return 1
	got=$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys
print(" ".join(sorted({r["pod"] for r in json.load(sys.stdin) if r["pod"].startswith("pe-e2e-")})))')
	want=$("$PYTHON" -c 'import json,sys
names = {p["Name"] for p in json.load(open(sys.argv[1])) if p["Name"].startswith("pe-e2e-")}
print(" ".join(sorted(names | set(sys.argv[2:]))))' "$WORK/podps.json" "$PLAIN" "$STOPPED" "$PAUSED")
	expect_eq "pods (and plain containers) in namespace podman" "$got" "$want"
}

# inspect_as VAR TARGET-ARGS...: "PID CONTAINER STATE" from podenter inspect
inspect_as() {
	local -n into=$1
	shift
	run_ok "$PODENTER" inspect -o json "$@" || return 1
	# shellcheck disable=SC2034 # a nameref: sets the caller's variable
	into=$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys; d=json.load(sys.stdin); print(d["pid"], d["container"], d["state"])')
}

check_inspect_by_pod_name() {
	local want got
	want="$(pm inspect --format '{{.State.Pid}}' "$POD-app") app running"
	inspect_as got podman/"$POD" || return 1
	expect_eq "inspect podman/$POD (default container)" "$got" "$want" || return 1
	want="$(pm inspect --format '{{.State.Pid}}' "$POD-side") side running"
	inspect_as got -n podman -c side "$POD" || return 1
	expect_eq "inspect -n podman -c side $POD" "$got" "$want"
}

check_enter_pod_by_name() {
	local want
	want=$(pm exec "$POD-app" cat /etc/hostname)
	run_ok "$PODENTER" -q podman/"$POD" -- cat /etc/hostname || return 1
	expect_eq "/etc/hostname in podman/$POD" "$OUT" "$want" || return 1
	run_ok "$PODENTER" -q podman/"$POD" -- ps -eo args || return 1
	expect_contains "ps in podman/$POD" "$OUT" "sleep 2147483647" || return 1
	# the app container's PID namespace, not the side container's
	[[ $OUT != *"sleep 2147483646"* ]] || { say "FAILED: ps shows the side container"; return 1; }
}

# the two views by pod name: none (the container's own files) and tools
# (the node's tools at /, the container at /target), with -c
check_enter_views_by_pod_name() {
	# shellcheck disable=SC2016 # expanded by the pod's shell
	run_ok "$PODENTER" -q --view none podman/"$POD" -- sh -c 'tr "\0" " " </proc/1/cmdline; ls /www' || return 1
	expect_contains "view none: the app container's PID 1" "$OUT" "sleep 2147483647" || return 1
	expect_contains "view none: the image's files at /" "$OUT" "index.html" || return 1
	run_ok "$PODENTER" -q --view tools -c side podman/"$POD" -- /bin/sh -c \
		'tr "\0" " " </target/proc/1/cmdline; ls /target/www; /usr/sbin/ip -o link' || return 1
	expect_contains "view tools: the side container at /target" "$OUT" "sleep 2147483646" || return 1
	expect_contains "view tools: its files at /target" "$OUT" "index.html" || return 1
	expect_contains "view tools: the node's ip(8) in the pod's netns" "$OUT" "1: lo:" || return 1
	[[ $OUT != *"eth0"* ]] || { say "FAILED: a --network none pod shows eth0"; return 1; }
}

check_enter_kube_play_pod() {
	run_ok "$PODENTER" -q -n podman -c web "$KPOD" -- hostname || return 1
	expect_eq "hostname in $KPOD/web" "$OUT" "$KPOD"
}

check_enter_plain_container() {
	local want
	want=$(pm exec "$PLAIN" hostname)
	run_ok "$PODENTER" -q podman/"$PLAIN" -- hostname || return 1
	expect_eq "hostname in podman/$PLAIN" "$OUT" "$want"
}

check_stopped_stale_pidfile_is_exited() {
	local id pidfile pid
	id=$(pm inspect --format '{{.Id}}' "$STOPPED")
	pidfile=/run/containers/storage/overlay-containers/$id/userdata/pidfile
	# the premise: podman left its pidfile behind, naming a dead process
	[[ -s $pidfile ]] || { say "FAILED: premise: no stale pidfile at $pidfile"; return 1; }
	pid=$(<"$pidfile")
	say "stale pidfile: $pid"
	run "$PODENTER" -q podman/"$STOPPED" -- true
	expect_eq "entering a stopped container: exit status" "$RC" 125 || return 1
	expect_contains "message" "$ERR" "has no running container" || return 1
	expect_contains "message" "$ERR" "$STOPPED (exited)" || return 1
	run_ok "$PODENTER" list -n podman -o json "$STOPPED" || return 1
	expect_eq "state in list" "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys
print(" ".join(r["state"] for r in json.load(sys.stdin)))')" exited
}

# sniff by pod name. The pods have no network (--network none): the
# traffic is a request over the pod's own loopback, from its app container
# to an httpd in its side container, so nothing leaves the pod.
check_sniff_pod_by_name() {
	local pcap=$WORK/sniff.pcapng log=$WORK/sniff.log pid i
	pm exec -d "$POD-side" /bin/httpd -f -p 8080 -h /www
	say "\$ $PODENTER sniff podman/$POD -i lo --count 2 -w $pcap -- 'tcp port 8080 and tcp[tcpflags] & tcp-syn != 0' &"
	timeout --kill-after=5 20 "$PODENTER" sniff podman/"$POD" -i lo --count 2 -w "$pcap" -- \
		'tcp port 8080 and tcp[tcpflags] & tcp-syn != 0' >"$log" 2>&1 &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'capturing on' "$log" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	run_ok podman exec "$POD-app" wget -q -O - http://127.0.0.1:8080/index.html ||
		{ kill "$pid" 2>/dev/null; return 1; }
	expect_eq "the side container's answer" "$OUT" "podenter podman e2e" ||
		{ kill "$pid" 2>/dev/null; return 1; }
	wait "$pid" || { say "FAILED: sniff exited with $?"; sed 's/^/  /' "$log"; return 1; }
	sed 's/^/  /' "$log"
	run_ok tcpdump -nn -r "$pcap" || return 1
	expect_contains "the SYN" "$OUT" "> 127.0.0.1.8080: Flags [S]" || return 1
	expect_contains "the SYN-ACK" "$OUT" "IP 127.0.0.1.8080 > 127.0.0.1." || return 1
	run_ok tshark -r "$pcap" -T fields -e frame.interface_name || return 1
	expect_contains "the interface names the pod" "$OUT" "podman/$POD:lo"
}

# podenter cp by pod name (issue 16: enter, sniff and cp on every runtime):
# out of app, compared with what podman exec reads; into side, read back by
# podman exec in side (and absent from app: the right container's root)
check_cp_by_pod_name() {
	local want token
	want=$(pm exec "$POD-app" cat /www/index.html) || { say "FAILED: premise: podman exec cat"; return 1; }
	rm -f "$WORK/cp-out"
	run_ok "$PODENTER" cp -c app podman/"$POD":/www/index.html "$WORK/cp-out" || return 1
	expect_eq "the file copied out of app" "$(<"$WORK/cp-out")" "$want" || return 1
	token="from the node $$ $RANDOM"
	printf '%s\n' "$token" >"$WORK/cp-in"
	run_ok "$PODENTER" cp -c side "$WORK/cp-in" podman/"$POD":/www/cp-in || return 1
	run_ok podman exec "$POD-side" cat /www/cp-in || return 1
	expect_eq "the file copied into side, as podman exec reads it" "$OUT" "$token" || return 1
	run podman exec "$POD-app" cat /www/cp-in
	((RC != 0)) || { say "FAILED: the file copied into side is in app"; return 1; }
}

# podenter copy of an exited podman container (issue 14): its definition
# recovered from containers/storage's files (recover_storage.c), the
# image's files, the spec's user, working directory and environment; the
# last run's writes only with --last-run; nothing left after.
copy_out() { # OPTIONS...: OUT = what the copy printed
	run "$PODENTER" copy "$@" -c crash podman/"$CPOD" -- /bin/sh -c \
		'/bin/id -u; /bin/id -g; pwd; echo "env=$CRASH_ENV"; cat /www/index.html /www/layer2.txt; cat '"$CRASH_FILE"' 2>&1 || :'
}

check_copy_sees_the_spec_and_image() {
	local mounts_before
	mounts_before=$(grep -c . /proc/self/mountinfo)
	copy_out || return 1
	((RC == 0)) || { say "FAILED: exit status $RC"; return 1; }
	expect_eq "the copy's output" "$OUT" "1234
2345
/www
env=from the spec
podenter podman e2e
from the second layer
cat: can't open '$CRASH_FILE': No such file or directory" || return 1
	expect_contains "why the last run ended (its log)" "$ERR" "crash: about to exit 3" || return 1
	expect_eq "mount lines after the copy" "$(grep -c . /proc/self/mountinfo)" "$mounts_before" || return 1
	# what podman ran, to rerun by hand
	run_ok "$PODENTER" copy --print-command -c crash podman/"$CPOD" || return 1
	expect_contains "the original command" "$OUT" "exit 3"
}

check_copy_last_run_sees_written_file() {
	local upper
	copy_out --last-run || return 1
	((RC == 0)) || { say "FAILED: exit status $RC"; return 1; }
	expect_contains "the last run's file" "$OUT" "$CRASH_TOKEN" || return 1
	expect_contains "the user still the spec's" "$OUT" "1234" || return 1
	# the copy's writes vanish; the container's layer is never written
	run_ok "$PODENTER" copy -q --last-run -c crash podman/"$CPOD" -- /bin/sh -c \
		"echo changed >$CRASH_FILE; cat $CRASH_FILE" || return 1
	expect_eq "written in the copy" "$OUT" changed || return 1
	upper=$(pm inspect --format '{{.GraphDriver.Data.UpperDir}}' "$CPOD-crash")
	expect_eq "the container's own file, untouched" "$(<"$upper$CRASH_FILE")" "$CRASH_TOKEN"
}

# A running container's copy is made beside it, from the same files, and
# leaves it running.
check_copy_running_container_beside() {
	local pid
	pid=$(pm inspect --format '{{.State.Pid}}' "$POD-app")
	run_ok "$PODENTER" copy -q --no-tty -c app podman/"$POD" -- /bin/sh -c 'cat /www/index.html; ps -o pid,args' || return 1
	expect_contains "the image's file" "$OUT" "podenter podman e2e" || return 1
	# a PID namespace of its own: the app's sleep is not in it
	[[ $OUT != *"sleep 2147483647"* ]] || { say "FAILED: the copy sees the app's processes"; return 1; }
	expect_eq "the app, still running, same PID" "$(pm inspect --format '{{.State.Running}} {{.State.Pid}}' "$POD-app")" "true $pid"
}

# A hostile last run: a device node it made in its writable layer is in the
# copy (--last-run) but cannot be opened: every layer is mounted nodev.
check_copy_hostile_device_node() {
	local upper
	upper=$(pm inspect --format '{{.GraphDriver.Data.UpperDir}}' "$CPOD-planter")
	[[ -c $upper/tmp/planted-null ]] || { say "FAILED: premise: no device node in $upper/tmp"; return 1; }
	# shellcheck disable=SC2016 # expanded in the copy
	run "$PODENTER" copy -q --no-tty --last-run -c planter podman/"$CPOD" -- /bin/sh -c \
		'ls -l /tmp/planted-null; echo x >/tmp/planted-null; echo "write=$?"; cat /tmp/planted-null; echo "read=$?"'
	((RC == 0)) || { say "FAILED: exit status $RC"; return 1; }
	[[ $OUT == c* ]] || { say "FAILED: the node is not in the copy (ls -l: ${OUT%%$'\n'*})"; return 1; }
	expect_contains "writing it fails" "$OUT" "write=1" || return 1
	expect_contains "reading it fails" "$OUT" "read=1"
}

# podman writes a container's spec when it first starts: one only created
# (podman create) cannot be copied, and copy says why
check_copy_created_never_started() {
	run "$PODENTER" copy -c created podman/"$CPOD" -- /bin/true
	expect_eq "exit status" "$RC" 125 || return 1
	expect_contains "message" "$ERR" "has no container 'created'" || return 1
	expect_contains "the reason" "$ERR" "only created (never started) has no spec yet" || return 1
	[[ $OUT == "" ]] || { say "FAILED: the command ran"; return 1; }
}

check_paused_is_paused() {
	expect_eq "premise: podman says" "$(pm inspect --format '{{.State.Status}}' "$PAUSED")" paused || return 1
	run_ok "$PODENTER" list -n podman -o json "$PAUSED" || return 1
	expect_eq "state in list" "$(printf '%s' "$OUT" | "$PYTHON" -c 'import json,sys
print(" ".join(r["state"] for r in json.load(sys.stdin)))')" paused
}

check_teardown_left_nothing() {
	local left=() id
	for id in $(<"$WORK/our-ids"); do
		[[ -e /var/lib/containers/storage/overlay-containers/$id ]] && left+=("storage of $id")
		[[ -e /run/containers/storage/overlay-containers/$id ]] && left+=("run dir of $id")
		grep -q "$id" /proc/self/mountinfo && left+=("a mount of $id")
		find /sys/fs/cgroup -maxdepth 4 -name "libpod-$id" 2>/dev/null | grep -q . &&
			left+=("cgroup of $id")
	done
	for id in "${OUR_CONTAINERS[@]}"; do
		pm container exists "$id" 2>/dev/null && left+=("container $id")
	done
	for id in "${OUR_PODS[@]}"; do
		pm pod exists "$id" 2>/dev/null && left+=("pod $id")
	done
	pm image exists "$IMG" 2>/dev/null && left+=("image $IMG")
	pm image exists "$LAYERED_IMG" 2>/dev/null && left+=("image $LAYERED_IMG")
	if ((${#left[@]} > 0)); then
		say "FAILED: left after teardown:"
		printf '  %s\n' "${left[@]}"
		return 1
	fi
	say "nothing left of: $(wc -w <"$WORK/our-ids") containers, ${#OUR_PODS[@]} pods, 3 image names"
}

main() {
	local why
	if why=$(machine_cannot_run_podman); then
		skip_all "$why"
	fi
	[[ -x $PODENTER ]] || { say "podman-e2e: no podenter binary at $PODENTER"; exit 1; }
	# An uninstalled build keeps its builtin toolbox beside the binary
	# (copy's default --tools builtin), as e2e.sh finds it.
	if [[ -z ${PODENTER_TOOLBOX:-} && -x $(dirname "$PODENTER")/toolbox/bin/sh ]]; then
		export PODENTER_TOOLBOX
		PODENTER_TOOLBOX=$(dirname "$PODENTER")/toolbox
	fi
	WORK=$(mktemp -d /tmp/podenter-podman-e2e.XXXXXX)
	for why in "${STORAGE_DIRS[@]}"; do
		[[ -e $why ]] || CREATED_STORAGE+=("$why")
	done
	trap finish EXIT
	trap 'exit 130' INT TERM
	if ! (setup) >"$WORK/setup.log" 2>&1; then
		say "podman-e2e: setup failed:"
		sed 's/^/  | /' "$WORK/setup.log"
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=(setup)
		exit 1
	fi
	export CONTAINERS_CONF=$WORK/containers.conf
	check list-matches-podman-ps check_list_matches_podman_ps
	check list-pods-match-pod-ps check_list_pods_match_pod_ps
	check inspect-by-pod-name check_inspect_by_pod_name
	check enter-pod-by-name check_enter_pod_by_name
	check enter-views-by-pod-name check_enter_views_by_pod_name
	check enter-kube-play-pod check_enter_kube_play_pod
	check enter-plain-container-by-name check_enter_plain_container
	check stopped-stale-pidfile-is-exited check_stopped_stale_pidfile_is_exited
	check sniff-pod-by-name check_sniff_pod_by_name
	check paused-is-paused check_paused_is_paused
	check cp-by-pod-name check_cp_by_pod_name
	check copy-sees-the-spec-and-image check_copy_sees_the_spec_and_image
	check copy-last-run-sees-written-file check_copy_last_run_sees_written_file
	check copy-created-never-started check_copy_created_never_started
	check copy-hostile-device-node check_copy_hostile_device_node
	check copy-running-container-beside check_copy_running_container_beside
	if [[ -n ${PODMAN_E2E_CAPTURE:-} ]]; then
		bash "$NODE_DIR/capture-podman-fixture.sh" "$PODMAN_E2E_CAPTURE" "$WORK"
	fi
}

main "$@"
