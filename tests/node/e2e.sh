#!/bin/bash
# End-to-end tests of podenter on a real containerd CRI node (tests/node/node.sh).
#
# Brings the node up with every pod spec in tests/node/pods/, runs each check,
# tears the node down (also on failure or Ctrl-C), and closes with one line:
#   N passed, N failed[, N skipped]
# Exit status: 0 when nothing failed.
#
# Environment:
#   PODENTER              podenter binary (default: ./podenter at the repo top)
#   PODENTER_E2E_OPTOUT=1 on a machine that cannot run a node (not root, no
#                         overlayfs), skip instead of failing
#   E2E_KEEP=1            leave the node up afterwards (tear down: node.sh down)
#   E2E_ONLY=REGEX        run only the checks whose names match
#   E2E_EXTRA_CHECKS=FILE a file of more checks, sourced after the checks here
#                         are defined: its function extra_checks runs last,
#                         on the same node (tests/vm/vm-checks.sh in the VM)
#   PODENTER_NODE_FLAVOR=k3s, PODENTER_NODE_RUNTIME=crun
#                         node.sh's variants: containerd where k3s keeps it,
#                         containers run by crun (checked by node-variant)
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$NODE_DIR/../.." && pwd)
PODENTER=${PODENTER:-$REPO_DIR/podenter}
PYTHON=/usr/bin/python3
PODENTER_NODE_STATE=${PODENTER_NODE_STATE:-/run/podenter-node}
export PODENTER_NODE_STATE
CRI=("$PYTHON" "$NODE_DIR/cri.py")
# where node.sh's containerd keeps its state (tests/node/node.sh, variants)
case ${PODENTER_NODE_FLAVOR:-containerd} in
k3s)
	NODE_CONTAINERD_STATE=/run/k3s/containerd
	NODE_CONTAINERD_ROOT=/var/lib/rancher/k3s/agent/containerd
	;;
*)
	NODE_CONTAINERD_STATE=/run/containerd
	NODE_CONTAINERD_ROOT=/var/lib/containerd
	;;
esac
NODE_OCI_RUNTIME=${PODENTER_NODE_RUNTIME:-runc}
# the runc v2 shim's runtime root, whichever binary it runs (k3s leaves it)
NODE_RUNTIME_ROOT=/run/containerd/runc/k8s.io
# the cgroup line that shows a pod's QoS path: the v2 tree's, except where
# node.sh runs crun on a hybrid host with the v2 tree hidden (v1 only)
QOS_CGROUP_LINE='^0::'
if [[ $NODE_OCI_RUNTIME == crun && $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]]; then
	QOS_CGROUP_LINE=':memory:'
fi
# cri.py and ctr talk to it; podenter is not told (it must find it itself)
export CRI_SOCKET=$NODE_CONTAINERD_STATE/containerd.sock
CMD_TIMEOUT=${E2E_CMD_TIMEOUT:-20}
# node.sh up: containerd, the images, every pod (3-4 min under emulation)
NODE_UP_TIMEOUT=${E2E_NODE_UP_TIMEOUT:-900}
ENTER_NS_TYPES=(net pid ipc uts cgroup)
NODE_BRIDGE=podenter0

PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
WORK=""
OUT=""
ERR=""
RC=0

# shellcheck source=tests/node/checklib.sh
source "$NODE_DIR/checklib.sh"

# ---------------------------------------------------------------------------
# Preconditions
# ---------------------------------------------------------------------------

machine_cannot_run_node() {
	if [[ $(id -u) -ne 0 ]]; then
		echo "not running as root (containerd, cgroups and netns need root)"
	elif ! grep -qw overlay /proc/filesystems && ! modprobe overlay 2>/dev/null; then
		echo "this kernel has no overlayfs (containerd's overlayfs snapshotter)"
	elif [[ ! -d /sys/fs/cgroup ]]; then
		echo "no /sys/fs/cgroup"
	else
		return 1
	fi
}

opt_out_or_die() {
	local why=$1
	say "################################################################"
	say "## e2e: THIS MACHINE CANNOT RUN THE NODE TESTS: $why"
	say "################################################################"
	if [[ ${PODENTER_E2E_OPTOUT:-0} == 1 ]]; then
		say "e2e: PODENTER_E2E_OPTOUT=1: skipping every check"
		say "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	say "e2e: set PODENTER_E2E_OPTOUT=1 to skip on such machines"
	say "0 passed, 1 failed"
	exit 1
}

# ---------------------------------------------------------------------------
# Running commands and reporting
# ---------------------------------------------------------------------------

podenter() { run_ok "$PODENTER" "$@"; }

# jpy EXPR < JSON: evaluate a Python expression over the JSON document d.
jpy() {
	"$PYTHON" -c 'import json, sys
try:
    d = json.loads(sys.stdin.read())
except ValueError as e:
    sys.exit("FAILED: output is not JSON: %s" % e)
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))' "$1"
}

# http_get URL: fetch from the host, only from this node's pods: the address
# must route over the node's bridge, never out of the machine.
http_get() {
	local url=$1 host
	host=${url#http://}
	host=${host%%[:/]*}
	if ! ip route get "$host" 2>/dev/null | grep -q "dev $NODE_BRIDGE "; then
		say "FAILED: $host is not on the node's bridge $NODE_BRIDGE: not sending traffic there"
		RC=1
		return 1
	fi
	if command -v curl >/dev/null; then
		run_ok curl -sS --max-time 5 "$url"
	else
		run_ok busybox wget -q -O - "$url" # busybox 1.35's wget -T crashes
	fi
}

# ---------------------------------------------------------------------------
# The session's /proc and /sys are guarded like the container's (issue 13, 1)
# ---------------------------------------------------------------------------

# Run inside a session (busybox or the node's sh): one line per guard, "ok ..."
# or "BAD ...". Truncating a sysctl file with ": >" opens it for writing
# without writing a value, so a failing check leaves the node unchanged.
# shellcheck disable=SC2016 # expanded by the session's shell
GUARD_SCRIPT='
w() { if ( : >"$1" ) 2>/dev/null; then echo "BAD writable $1"; else echo "ok not-writable $1"; fi; }
w /proc/sys/kernel/core_pattern
if [ -e /proc/sysrq-trigger ]; then w /proc/sysrq-trigger; fi
for f in /proc/kcore /proc/keys /proc/timer_list; do
	[ -e "$f" ] || continue
	n=$(head -c 64 "$f" 2>/dev/null | wc -c)
	if [ "$n" -eq 0 ]; then echo "ok empty $f"; else echo "BAD readable $f"; fi
done
o=$(awk "\$5 == \"/sys\" { o = \$6 } END { print o }" /proc/self/mountinfo)
case "$o" in ro | ro,*) echo "ok read-only /sys" ;; *) echo "BAD /sys mounted $o" ;; esac
for d in /proc/acpi /sys/firmware; do
	[ -d "$d" ] || continue
	if [ -z "$(ls -A "$d")" ]; then echo "ok empty $d"; else echo "BAD visible $d"; fi
done
echo "sys-cgroup=$(ls /sys/fs/cgroup 2>/dev/null | wc -l)"
echo guard-script-done'

expect_guarded() { # WHAT: OUT holds GUARD_SCRIPT's report
	expect_contains "$1: the guard script ran" "$OUT" "guard-script-done" || return 1
	expect_contains "$1: core_pattern" "$OUT" "ok not-writable /proc/sys/kernel/core_pattern" || return 1
	expect_contains "$1: /proc/keys" "$OUT" "ok empty /proc/keys" || return 1
	expect_contains "$1: /sys" "$OUT" "ok read-only /sys" || return 1
	expect_not_contains "$1" "$OUT" "BAD"
}

# The attack of hole 1 in every view: container code run by the session (the
# pod's own /bin/sh for none, merged and container) must not reach node root
# through /proc/sys/kernel/core_pattern.
check_session_proc_guarded_in_every_view() {
	local replica view bad=0
	replica=$(first_replica)
	for view in none tools merged container; do
		local tools=()
		[[ $view == merged || $view == container ]] && tools=(--tools builtin)
		podenter "$replica" -c nginx --view "$view" "${tools[@]}" -- sh -c "$GUARD_SCRIPT" || { bad=1; continue; }
		expect_guarded "--view $view" || bad=1
		# the container's own /sys keeps its cgroup mounts (no mask over them)
		if [[ $view == none || $view == container ]]; then
			expect_not_contains "--view $view: /sys/fs/cgroup" "$OUT" "sys-cgroup=0" || bad=1
		fi
	done
	return "$bad"
}

check_session_proc_guarded_in_profiles() {
	local replica profile view bad=0
	replica=$(first_replica)
	for profile in baseline netadmin general; do
		for view in none tools; do
			podenter "$replica" -c nginx --view "$view" --profile "$profile" -- sh -c "$GUARD_SCRIPT" ||
				{ bad=1; continue; }
			expect_guarded "--profile $profile --view $view" || bad=1
		done
	done
	return "$bad"
}

# The same guards for the distroless pod running as uid 65532 (tools view: it
# has no shell of its own).
check_session_proc_guarded_nonroot_distroless() {
	local pid
	pid=$(pid_of default hello-nonroot)
	run_ok grep -E '^Uid:' "/proc/$pid/status" || return 1
	expect_contains "the app's uid" "$OUT" "65532" || return 1
	podenter hello-nonroot -- sh -c "$GUARD_SCRIPT" || return 1
	expect_guarded "hello-nonroot"
}

# What the target's runtime guards beyond kubelet's list is guarded in the
# session too: masked-extra's runtime masked /proc/cmdline (a file) and
# /proc/tty (a directory) and made /proc/pressure read-only.
check_session_reproduces_target_masks() {
	local view bad=0 script
	# shellcheck disable=SC2016 # expanded by the session's shell
	script='n=$(head -c 64 /proc/cmdline 2>/dev/null | wc -c); echo "cmdline=$n"
		echo "tty=$(ls -A /proc/tty 2>/dev/null | wc -l)"
		awk "\$5 == \"/proc/pressure\" { o = \$6 } END { print \"pressure=\" o }" /proc/self/mountinfo'
	for view in none tools; do
		podenter masked-extra --view "$view" -- sh -c "$script" || { bad=1; continue; }
		expect_contains "--view $view: /proc/cmdline masked" "$OUT" "cmdline=0" || bad=1
		expect_contains "--view $view: /proc/tty masked" "$OUT" "tty=0" || bad=1
		expect_contains "--view $view: /proc/pressure read-only" "$OUT" "pressure=ro" || bad=1
	done
	# the node's own are not masked: the test could not fail otherwise
	[[ $(head -c 64 /proc/cmdline | wc -c) -gt 0 && -n $(ls -A /proc/tty) ]] || { say "FAILED: the node's /proc/cmdline or /proc/tty is empty"; bad=1; }
	return "$bad"
}

# The node is the variant asked for: every task's bundle under the state
# root (k3s: /run/k3s/containerd, and nothing of ours under /run/containerd),
# and every container known to the OCI runtime asked for (crun's or runc's
# state under /run/containerd/runc/k8s.io, the runc v2 shim's default root,
# which k3s keeps too).
check_node_variant() {
	local ids id missing=0
	ids=$(truth '" ".join(x["container_id"] for x in c if x["state"] == "running")')
	for id in $ids; do
		[[ -f $NODE_CONTAINERD_STATE/io.containerd.runtime.v2.task/k8s.io/$id/config.json ]] ||
			{ say "FAILED: no bundle of $id under $NODE_CONTAINERD_STATE"; missing=1; }
	done
	if [[ $NODE_CONTAINERD_STATE != /run/containerd && -d /run/containerd/io.containerd.runtime.v2.task/k8s.io ]]; then
		for id in $ids; do
			[[ -e /run/containerd/io.containerd.runtime.v2.task/k8s.io/$id ]] &&
				{ say "FAILED: $id has a bundle under /run/containerd too"; missing=1; }
		done
	fi
	run_ok "$NODE_OCI_RUNTIME" --root "$NODE_RUNTIME_ROOT" list || return 1
	for id in $ids; do
		[[ $OUT == *"$id"* ]] || { say "FAILED: $NODE_OCI_RUNTIME does not list $id"; missing=1; }
	done
	say "$(wc -w <<<"$ids") running containers, all under $NODE_CONTAINERD_STATE, run by $NODE_OCI_RUNTIME"
	return "$missing"
}

# The pods carry what kubelet sends, as containerd's bundle shows it.
check_node_pods_carry_kubelet_security() {
	local id bundle bad=0
	bundle_of() { echo "$NODE_CONTAINERD_STATE/io.containerd.runtime.v2.task/k8s.io/$1/config.json"; }
	id=$(truth "one('default', '$(first_replica)')['container_id']")
	run_ok "$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print("masked=" + ",".join(sorted(s["linux"]["maskedPaths"])))
print("readonly=" + ",".join(sorted(s["linux"]["readonlyPaths"])))
print("bounding=" + ",".join(sorted(s["process"]["capabilities"]["bounding"])))' "$(bundle_of "$id")" || return 1
	expect_contains "masked" "$OUT" "masked=/proc/acpi,/proc/asound,/proc/kcore,/proc/keys,/proc/latency_stats,/proc/sched_debug,/proc/scsi,/proc/timer_list,/proc/timer_stats,/sys/devices/virtual/powercap,/sys/firmware" || bad=1
	expect_contains "read-only" "$OUT" "readonly=/proc/bus,/proc/fs,/proc/irq,/proc/sys,/proc/sysrq-trigger" || bad=1
	expect_contains "default capabilities" "$OUT" "bounding=CAP_AUDIT_WRITE,CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER,CAP_FSETID,CAP_KILL,CAP_MKNOD,CAP_NET_BIND_SERVICE,CAP_NET_RAW,CAP_SETFCAP,CAP_SETGID,CAP_SETPCAP,CAP_SETUID,CAP_SYS_CHROOT" || bad=1
	id=$(truth "one('default', 'hello-nonroot')['container_id']")
	run_ok "$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))
print("uid=%d gid=%d nnp=%s" % (s["process"]["user"]["uid"], s["process"]["user"]["gid"], s["process"].get("noNewPrivileges", False)))' "$(bundle_of "$id")" || return 1
	expect_contains "hello-nonroot user" "$OUT" "uid=65532 gid=65532 nnp=True" || bad=1
	return "$bad"
}

# ---------------------------------------------------------------------------
# What the runtime says (ground truth), gathered while containerd answers
# ---------------------------------------------------------------------------

gather_truth() {
	"${CRI[@]}" pods-json >"$WORK/containers.json"
	"${CRI[@]}" sandboxes-json >"$WORK/sandboxes.json"
	timeout -k 5 "$CMD_TIMEOUT" ctr --address "$CRI_SOCKET" -n k8s.io task ls >"$WORK/ctr-tasks.txt"
}

# truth EXPR: evaluate over the CRI container list (c) and sandbox list (s).
truth() {
	"$PYTHON" -c 'import json, sys
c = json.load(open(sys.argv[2])); s = json.load(open(sys.argv[3]))
def one(ns, pod, name=None):
    m = [x for x in c if x["namespace"] == ns and x["pod"] == pod
         and (name is None or x["container"] == name)]
    return max(m, key=lambda x: x["attempt"])
def sandbox(ns, pod):
    return [x for x in s if x["namespace"] == ns and x["pod"] == pod][0]
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True))' \
		"$1" "$WORK/containers.json" "$WORK/sandboxes.json"
}

first_replica() { truth '[x["pod"] for x in c if x["pod"].startswith("nginx-deployment-")][0]'; }
glibc_replica() { truth '[x["pod"] for x in c if x["pod"].startswith("glibc-deployment-")][0]'; }
# shellcheck disable=SC2016 # ${3:+...} expands: the quotes are Python's
pid_of() { truth "one('$1', '$2'${3:+, '$3'})['pid']"; }
ns_of_pid() { readlink "/proc/$1/ns/$2"; }

# ---------------------------------------------------------------------------
# Checks of the harness itself (the node is what the tests believe it is)
# ---------------------------------------------------------------------------

check_node_pods_as_specified() {
	local want got
	want='[["attack", "hostile"], ["default", "api"], ["default", "crashloop"], ["default", "distroless-crash"], ["default", "glibc-deployment"], ["default", "hello"], ["default", "hello-nonroot"], ["default", "masked-extra"], ["default", "never-started"], ["default", "nginx-deployment"], ["default", "nginx-deployment"], ["default", "nginx-deployment"], ["default", "planter"], ["default", "restarted"], ["default", "web-6c9f8d7b5-q4x2m"], ["default", "writer"], ["qos", "qos-besteffort"], ["qos", "qos-burstable"], ["qos", "qos-guaranteed"], ["staging", "api"]]'
	got=$(truth 'sorted([x["namespace"], "nginx-deployment" if x["pod"].startswith("nginx-deployment-7848d4b86f-") else "glibc-deployment" if x["pod"].startswith("glibc-deployment-5d8f9c7b46-") else x["pod"]] for x in s if x["state"] == "ready")')
	expect_eq "ready sandboxes" "$got" "$want" || return 1
	got=$(truth 'sorted("%s/%s:%s#%d=%s" % (x["namespace"], x["pod"], x["container"], x["attempt"], x["state"]) for x in c if x["pod"] in ("restarted", "crashloop", "web-6c9f8d7b5-q4x2m"))')
	expect_eq "restarts, crash loop, two containers" "$got" \
		'["default/crashloop:app#0=exited", "default/crashloop:app#1=exited", "default/restarted:app#0=exited", "default/restarted:app#1=running", "default/web-6c9f8d7b5-q4x2m:app#0=running", "default/web-6c9f8d7b5-q4x2m:sidecar#0=running"]'
}

check_node_pids_agree_with_ctr() {
	local id pid ctr_pid bad=0
	while read -r id pid; do
		ctr_pid=$(awk -v id="$id" '$1 == id { print $2 }' "$WORK/ctr-tasks.txt")
		expect_eq "ctr task pid of ${id:0:12}" "$ctr_pid" "$pid" || bad=1
	done < <(truth '"\n".join("%s %d" % (x["container_id"], x["pid"]) for x in c if x["state"] == "running")')
	return "$bad"
}

check_node_kubelet_files() {
	local id ns pod cname attempt uid link bad=0
	while read -r id ns pod cname attempt uid; do
		link="/var/log/containers/${pod}_${ns}_${cname}-${id}.log"
		expect_eq "symlink $link" "$(readlink "$link")" \
			"/var/log/pods/${ns}_${pod}_${uid}/${cname}/${attempt}.log" || bad=1
		[[ -f /var/lib/kubelet/pods/$uid/etc-hosts ]] || { say "FAILED: no etc-hosts for $pod"; bad=1; }
	done < <(truth '"\n".join("%s %s %s %s %d %s" % (x["container_id"], x["namespace"], x["pod"], x["container"], x["attempt"], x["pod_uid"]) for x in c)')
	return "$bad"
}

check_node_qos_cgroups() {
	local pod qos pid uid bad=0 pods
	pods="qos-guaranteed:/kubepods/pod qos-burstable:/kubepods/burstable/pod
		qos-besteffort:/kubepods/besteffort/pod"
	# kubelet's systemd driver (node.sh, PODENTER_NODE_CGROUP_DRIVER=systemd):
	# slices, the UID's '-' escaped as '_', each container in its own scope
	[[ ${PODENTER_NODE_CGROUP_DRIVER:-cgroupfs} == systemd ]] &&
		pods="qos-guaranteed:/kubepods.slice/kubepods-pod
		qos-burstable:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod
		qos-besteffort:/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
	for pod in $pods; do
		qos=${pod#*:} pod=${pod%%:*}
		pid=$(pid_of qos "$pod")
		uid=$(truth "one('qos', '$pod')['pod_uid']")
		run_ok grep -E "$QOS_CGROUP_LINE" "/proc/$pid/cgroup" || { bad=1; continue; }
		if [[ ${PODENTER_NODE_CGROUP_DRIVER:-cgroupfs} == systemd ]]; then
			expect_contains "cgroup of $pod" "$OUT" \
				"$qos${uid//-/_}.slice/cri-containerd-$(truth "one('qos', '$pod')['container_id']").scope" || bad=1
		else
			expect_contains "cgroup of $pod" "$OUT" "$qos$uid/" || bad=1
		fi
	done
	return "$bad"
}

check_node_pods_serve_http() {
	local ip
	for ip in $(truth '" ".join(x["ip"] for x in s if x["pod"].startswith("nginx-deployment-"))'); do
		http_get "http://$ip/" || return 1
		expect_contains "replica $ip" "$OUT" "hello from a podenter test pod" || return 1
	done
	ip=$(truth "sandbox('default', 'hello')['ip']")
	http_get "http://$ip:8080/" || return 1
	expect_contains "distroless pod" "$OUT" "hello from a distroless pod"
}

# ---------------------------------------------------------------------------
# podenter list / inspect
# ---------------------------------------------------------------------------

check_list_all_namespaces_matches_runtime() {
	local want got
	podenter list -A -o json || return 1
	printf '%s' "$OUT" >"$WORK/list.json"
	want=$(truth 'sorted("%s/%s/%s %s pid=%d" % (x["namespace"], x["pod"], x["container"], x["container_id"], x["pid"]) for x in c if x["state"] == "running")')
	got=$(jpy 'sorted("%s/%s/%s %s pid=%d" % (x["namespace"], x["pod"], x["container"], x["container_id"], x["pid"]) for x in d if x.get("state") == "running")' <"$WORK/list.json") || return 1
	expect_eq "running containers (namespace/pod/container id pid)" "$got" "$want" || return 1
	got=$(jpy 'sorted(set("%s/%s" % (x["namespace"], x["pod"]) for x in d))' <"$WORK/list.json")
	want=$(truth 'sorted(set("%s/%s" % (x["namespace"], x["pod"]) for x in c))')
	expect_eq "pods listed (no others)" "$got" "$want"
}

check_list_json_fields() {
	local missing pid id netns
	podenter list -A -o json || return 1
	missing=$(jpy 'sorted(set(k for x in d for k in ("namespace", "pod", "pod_uid", "container", "container_id", "pid", "runtime", "state", "sandbox_id", "image", "namespaces") if k not in x))' <<<"$OUT")
	expect_eq "missing keys" "$missing" "[]" || return 1
	expect_eq "runtime of running containers" \
		"$(jpy 'sorted(set(x["runtime"] for x in d if x["state"] == "running"))' <<<"$OUT")" \
		'["containerd"]' || return 1
	id=$(truth "one('default', 'web-6c9f8d7b5-q4x2m', 'sidecar')['container_id']")
	pid=$(truth "one('default', 'web-6c9f8d7b5-q4x2m', 'sidecar')['pid']")
	netns=$(ns_of_pid "$pid" net)
	expect_eq "namespaces.net of the sidecar" \
		"$(jpy "[x for x in d if x['container_id'] == '$id'][0]['namespaces']['net']" <<<"$OUT")" \
		"$(tr -dc 0-9 <<<"$netns")" || return 1
	expect_eq "sandbox_id of the sidecar" \
		"$(jpy "[x for x in d if x['container_id'] == '$id'][0]['sandbox_id']" <<<"$OUT")" \
		"$(truth "one('default', 'web-6c9f8d7b5-q4x2m', 'sidecar')['sandbox_id']")"
}

# A container CRI created and never started (never-started) is listed as
# exited too: telling them apart needs CRI's status file, which list does
# not read on its live path (copy does, and says "no exit recorded").
check_list_exited_containers() {
	podenter list -A -o json || return 1
	expect_eq "exited containers (crash loop, earlier attempts), as CRI lists them" \
		"$(jpy 'sorted("%s/%s/%s %s" % (x["namespace"], x["pod"], x["container"], x["container_id"]) for x in d if x["state"] == "exited")' <<<"$OUT")" \
		"$(truth 'sorted("%s/%s/%s %s" % (x["namespace"], x["pod"], x["container"], x["container_id"]) for x in c if x["state"] in ("exited", "created"))')" ||
		return 1
	expect_eq "runtime of exited containers" \
		"$(jpy 'sorted(set(x["runtime"] for x in d if x["state"] != "running"))' <<<"$OUT")" \
		'["containerd"]'
}

check_list_all_shows_sandboxes() {
	podenter list -A --all -o json || return 1
	expect_eq "sandboxes (namespace/pod id pid)" \
		"$(jpy 'sorted("%s/%s %s pid=%d" % (x["namespace"], x["pod"], x["container_id"], x["pid"]) for x in d if x["container_id"] == x["sandbox_id"])' <<<"$OUT")" \
		"$(truth 'sorted("%s/%s %s pid=%d" % (x["namespace"], x["pod"], x["sandbox_id"], x["pid"]) for x in s)')"
}

check_list_default_namespace_and_pattern() {
	podenter list -o json || return 1
	expect_eq "namespaces without -A" "$(jpy 'sorted(set(x["namespace"] for x in d))' <<<"$OUT")" \
		'["default"]' || return 1
	podenter list -o json 'nginx-deployment-*' || return 1
	expect_eq "pods matching nginx-deployment-*" \
		"$(jpy 'len(set(x["pod"] for x in d if x["pod"].startswith("nginx-deployment-7848d4b86f-")))' <<<"$OUT")" \
		"3" || return 1
	expect_eq "only those" "$(jpy 'len(set(x["pod"] for x in d))' <<<"$OUT")" "3"
}

check_list_table_readable() {
	local replica
	replica=$(first_replica)
	podenter list -A || return 1
	expect_contains "table" "$OUT" "$replica" || return 1
	expect_contains "table" "$OUT" "staging"
}

check_list_wide() {
	local pod
	podenter list -A -o wide || return 1
	for pod in $(truth '" ".join(sorted(set(x["pod"] for x in c if x["state"] == "running")))'); do
		expect_contains "wide table" "$OUT" "$pod" || return 1
	done
}

check_inspect_pod_by_name() {
	local replica
	replica=$(first_replica)
	podenter inspect -o json "$replica" || return 1
	expect_eq "container_id" "$(jpy 'd["container_id"]' <<<"$OUT")" \
		"$(truth "one('default', '$replica')['container_id']")" || return 1
	expect_eq "pid" "$(jpy 'd["pid"]' <<<"$OUT")" "$(pid_of default "$replica")" || return 1
	expect_eq "pod_uid" "$(jpy 'd["pod_uid"]' <<<"$OUT")" \
		"$(truth "one('default', '$replica')['pod_uid']")" || return 1
	expect_eq "namespaces.pid" "$(jpy 'd["namespaces"]["pid"]' <<<"$OUT")" \
		"$(ns_of_pid "$(pid_of default "$replica")" pid | tr -dc 0-9)"
}

check_inspect_target_forms() {
	local replica id pid form
	replica=$(first_replica)
	id=$(truth "one('default', '$replica')['container_id']")
	pid=$(pid_of default "$replica")
	for form in "default/$replica" "pid:$pid" "id:${id:0:12}"; do
		podenter inspect -o json "$form" || return 1
		expect_eq "container_id for $form" "$(jpy 'd["container_id"]' <<<"$OUT")" "$id" || return 1
	done
}

check_inspect_same_name_in_two_namespaces() {
	podenter inspect -n staging -o json api || return 1
	expect_eq "staging/api" "$(jpy 'd["container_id"]' <<<"$OUT")" \
		"$(truth "one('staging', 'api')['container_id']")" || return 1
	podenter inspect -o json api || return 1
	expect_eq "default/api" "$(jpy 'd["container_id"]' <<<"$OUT")" \
		"$(truth "one('default', 'api')['container_id']")" || return 1
	podenter list -A -o json api || return 1
	expect_eq "list -A api" "$(jpy 'sorted(x["namespace"] for x in d)' <<<"$OUT")" \
		'["default", "staging"]'
}

check_inspect_restarted_container_is_latest_attempt() {
	podenter inspect -o json restarted || return 1
	expect_eq "container_id" "$(jpy 'd["container_id"]' <<<"$OUT")" \
		"$(truth "one('default', 'restarted')['container_id']")" || return 1
	expect_eq "pid" "$(jpy 'd["pid"]' <<<"$OUT")" "$(pid_of default restarted)"
}

check_inspect_crashloop_pod() {
	local pause_pid
	pause_pid=$(truth "sandbox('default', 'crashloop')['pid']")
	# No container runs: the pod's namespaces are still there, held by the sandbox.
	podenter inspect -o json crashloop || return 1
	expect_eq "namespaces.net of the crash-looping pod" "$(jpy 'd["namespaces"]["net"]' <<<"$OUT")" \
		"$(ns_of_pid "$pause_pid" net | tr -dc 0-9)" || return 1
	run "$PODENTER" inspect -o json -c app crashloop
	expect_eq "exit status of inspect -c app (exited)" "$RC" 125 || return 1
	expect_contains "reason" "$ERR" "exited"
}

check_own_failures_exit_125() {
	run "$PODENTER" no-such-pod-e2e -- true
	expect_eq "exit status for an unknown pod" "$RC" 125 || return 1
	run "$PODENTER" -n no-such-namespace api -- true
	expect_eq "exit status for a pod in the wrong namespace" "$RC" 125 || return 1
	run "$PODENTER" crashloop -c app -- true
	expect_eq "exit status for an exited container" "$RC" 125
}

# ---------------------------------------------------------------------------
# Entering
# ---------------------------------------------------------------------------

# expect_namespaces_of PID OUTPUT: OUTPUT has one readlink per ENTER_NS_TYPES.
expect_namespaces_of() {
	local pid=$1 out=$2 t bad=0
	for t in "${ENTER_NS_TYPES[@]}"; do
		expect_contains "$t namespace of pid $pid" "$out" "$(ns_of_pid "$pid" "$t")" || bad=1
	done
	return "$bad"
}

# The command that prints the entered process's namespaces, one per line
# (busybox readlink takes a single file, so loop in a shell).
readlink_ns_cmd() {
	printf '%s\n' sh -c "for t in ${ENTER_NS_TYPES[*]}; do readlink /proc/self/ns/\$t; done"
}

check_enter_joins_pod_namespaces() {
	local replica pid cmd
	replica=$(first_replica)
	pid=$(pid_of default "$replica")
	mapfile -t cmd < <(readlink_ns_cmd)
	podenter -n default "$replica" -c nginx -- "${cmd[@]}" || return 1
	expect_namespaces_of "$pid" "$OUT"
}

check_enter_hostname_is_pod_name() {
	local replica
	replica=$(first_replica)
	podenter "$replica" -- hostname || return 1
	expect_eq "hostname" "$OUT" "$replica"
}

check_enter_ps_shows_pod_processes_only() {
	local replica
	replica=$(first_replica)
	podenter "$replica" -c nginx -- ps aux || return 1
	expect_contains "ps aux" "$OUT" "httpd" || return 1
	expect_not_contains "ps aux" "$OUT" "containerd" || return 1
	expect_not_contains "ps aux" "$OUT" "sleep 100000" || return 1
	expect_not_contains "ps aux" "$OUT" "hello-server"
}

check_enter_view_tools_has_target_root() {
	local replica
	replica=$(first_replica)
	podenter "$replica" -- sh -c 'ls /target/www && cat /target/etc/hosts' || return 1
	expect_contains "container root at /target" "$OUT" "index.html" || return 1
	expect_contains "the pod's etc-hosts" "$OUT" "$replica"
}

# An image whose programs are dynamically linked (the glibc image: the
# node's own sh, true, sleep, ls with their C library and loader): with
# --view none the image's own loader and libraries run them; the tools view
# has the image at /target beside the node's tools.
check_enter_glibc_image() {
	local pod want
	pod=$(glibc_replica) || return 1
	want=$(nsenter -t "$(pid_of default "$pod")" -m ls /usr/bin) || return 1
	podenter "$pod" --view none -- ls /usr/bin || return 1
	expect_eq "the image's own /usr/bin" "$OUT" "$want" || return 1
	podenter "$pod" --view none -- sh -c 'ls /usr/lib/*-linux-gnu' || return 1
	expect_contains "the image's own C library" "$OUT" "libc.so.6" || return 1
	podenter "$pod" -- sh -c 'ls /target/usr/bin' || return 1
	expect_eq "the image at /target" "$OUT" "$want"
}

check_enter_distroless_gets_a_shell() {
	local pid
	pid=$(pid_of default hello)
	podenter hello -- sh -c 'ls /target; cat /target/etc/app-config/app.conf; readlink /proc/self/ns/net' ||
		return 1
	expect_contains "ls /target" "$OUT" "hello-server" || return 1
	expect_contains "the configMap volume" "$OUT" "greeting=hello from a configMap" || return 1
	expect_contains "net namespace" "$OUT" "$(ns_of_pid "$pid" net)"
}

check_enter_distroless_ps() {
	podenter hello -- ps aux || return 1
	expect_contains "ps aux in the distroless pod" "$OUT" "hello-server"
}

check_enter_second_container_of_pod() {
	local pid cmd
	pid=$(pid_of default web-6c9f8d7b5-q4x2m sidecar)
	mapfile -t cmd < <(readlink_ns_cmd)
	podenter web-6c9f8d7b5-q4x2m -c sidecar -- "${cmd[@]}" || return 1
	expect_namespaces_of "$pid" "$OUT" || return 1
	podenter web-6c9f8d7b5-q4x2m -c sidecar -- cat /target/etc/app-config/app.conf || return 1
	expect_contains "sidecar's volume" "$OUT" "sidecar=8080"
}

check_enter_same_name_other_namespace() {
	local pid
	pid=$(pid_of staging api)
	podenter -n staging api -- sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/pid' ||
		return 1
	expect_contains "staging/api's net" "$OUT" "$(ns_of_pid "$pid" net)" || return 1
	expect_contains "staging/api's pid" "$OUT" "$(ns_of_pid "$pid" pid)" || return 1
	expect_not_contains "default/api's net" "$OUT" "$(ns_of_pid "$(pid_of default api)" net)"
}

check_enter_by_pid_and_id() {
	local pid id
	pid=$(pid_of qos qos-guaranteed)
	id=$(truth "one('qos', 'qos-guaranteed')['container_id']")
	podenter "pid:$pid" -- readlink /proc/self/ns/pid || return 1
	expect_eq "pid:PID" "$OUT" "$(ns_of_pid "$pid" pid)" || return 1
	podenter "id:${id:0:12}" -- readlink /proc/self/ns/pid || return 1
	expect_eq "id:PREFIX" "$OUT" "$(ns_of_pid "$pid" pid)"
}

check_enter_crashloop_pod_through_sandbox() {
	local pause_pid
	pause_pid=$(truth "sandbox('default', 'crashloop')['pid']")
	podenter crashloop -- sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts' ||
		return 1
	expect_contains "the pod's net namespace" "$OUT" "$(ns_of_pid "$pause_pid" net)" || return 1
	expect_contains "the pod's uts namespace" "$OUT" "$(ns_of_pid "$pause_pid" uts)"
}

# Tools sources (--tools): the command runs from the tools root, the
# distroless container's root is at /target.
check_enter_tools_host() {
	podenter hello --tools host -- sh -c 'ls /target; test -x /usr/bin/tcpdump && echo host-tcpdump' ||
		return 1
	expect_contains "container root at /target" "$OUT" "hello-server" || return 1
	expect_contains "the host's binaries" "$OUT" "host-tcpdump"
}

check_enter_tools_builtin() {
	podenter hello --tools builtin -- sh -c 'ls /target; readlink /bin/sh' || return 1
	expect_contains "container root at /target" "$OUT" "hello-server" || return 1
	expect_contains "the builtin busybox toolbox" "$OUT" "busybox"
}

check_enter_tools_dir() {
	local tools=$WORK/tools applet
	mkdir -p "$tools/bin"
	cp /bin/busybox "$tools/bin/busybox"
	for applet in sh ls cat readlink; do
		ln -sf busybox "$tools/bin/$applet"
	done
	echo "tools dir of e2e $$" >"$tools/podenter-e2e-tools"
	podenter hello --tools "$tools" -- /bin/sh -c 'cat /podenter-e2e-tools; ls /target' || return 1
	expect_contains "the tools dir at /" "$OUT" "tools dir of e2e $$" || return 1
	expect_contains "container root at /target" "$OUT" "hello-server"
}

check_enter_tools_image_from_runtime() {
	# The busybox image, unpacked from containerd's own content store.
	podenter hello --tools image:localhost/podenter/busybox:1 -- sh -c 'ls /www; ls /target' ||
		return 1
	expect_contains "the tools image at /" "$OUT" "index.html" || return 1
	expect_contains "container root at /target" "$OUT" "hello-server"
}

# The container's configured environment (the pod spec's env, from its
# bundle's config.json), as kubectl exec gives it: in its own files as is,
# never the process's changed one; for the node's tools without LD_PRELOAD.
check_enter_configured_env() {
	podenter -n qos qos-besteffort --view none -- env || return 1
	expect_contains "--view none: the pod spec's env" "$OUT" "GREETING=from-the-pod-spec" || return 1
	expect_not_contains "--view none: not the process's environ" "$OUT" "changed-by-the-process" || return 1
	expect_contains "--view none: its own LD_PRELOAD for its own binaries" "$OUT" \
		"LD_PRELOAD=/nonexistent-preload.so" || return 1
	expect_contains "--view none: HOME from its /etc/passwd" "$OUT" "HOME=/root" || return 1
	podenter -n qos qos-besteffort --view tools --tools host -- env || return 1
	expect_contains "tools view: the pod spec's env" "$OUT" "GREETING=from-the-pod-spec" || return 1
	expect_not_contains "tools view: no LD_PRELOAD into the node's binaries" "$OUT" "LD_PRELOAD" || return 1
	expect_contains "tools view: the tools' PATH" "$OUT" \
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" || return 1
	expect_not_contains "tools view: the loader was not told to preload" "$ERR" "nonexistent-preload"
}

check_enter_exit_status_passes_through() {
	run "$PODENTER" "$(first_replica)" -- sh -c 'exit 7'
	expect_eq "exit status of the command" "$RC" 7
}

check_net_only_host_tcpdump_sees_http() {
	local replica pid ip pcap tcpdump_pid i
	replica=$(first_replica)
	pid=$(pid_of default "$replica")
	ip=$(truth "sandbox('default', '$replica')['ip']")
	pcap="$WORK/replica.pcap"
	echo "host file $$" >"$WORK/host-marker"
	podenter "$replica" --net-only -- sh -c \
		"readlink /proc/self/ns/net; readlink /proc/self/ns/pid; cat $WORK/host-marker" || return 1
	expect_contains "net-only joins the net namespace" "$OUT" "$(ns_of_pid "$pid" net)" || return 1
	expect_contains "net-only stays in the host's pid namespace" "$OUT" "$(ns_of_pid $$ pid)" ||
		return 1
	expect_contains "net-only keeps the host's files" "$OUT" "host file $$" || return 1

	say "$ $PODENTER $replica --net-only -- tcpdump -i eth0 -U -c 6 -w $pcap tcp port 80 &"
	timeout 20 "$PODENTER" "$replica" --net-only -- \
		tcpdump -i eth0 -U -c 6 -w "$pcap" tcp port 80 >"$WORK/tcpdump.log" 2>&1 &
	tcpdump_pid=$!
	for ((i = 0; i < 50; i++)); do
		grep -q 'listening on' "$WORK/tcpdump.log" 2>/dev/null && break
		kill -0 "$tcpdump_pid" 2>/dev/null || break
		sleep 0.1
	done
	http_get "http://$ip/podenter-e2e-probe" || true
	wait "$tcpdump_pid" || true
	sed 's/^/  tcpdump: /' "$WORK/tcpdump.log"
	[[ -s $pcap ]] || { say "FAILED: no capture file $pcap on the host"; return 1; }
	run_ok tcpdump -nn -r "$pcap" -A || return 1
	expect_contains "decoded capture" "$OUT" "GET /podenter-e2e-probe HTTP/1.1"
}

# with_frozen_runtime FUNC: run FUNC with containerd SIGSTOPped, then resume it
# (whatever FUNC did) and check that the runtime answers again.
with_frozen_runtime() {
	local rc=0 pid_file=$PODENTER_NODE_STATE/containerd.pid
	bash "$NODE_DIR/node.sh" freeze
	# SIGSTOP lands when each thread next leaves the kernel: a busy
	# containerd shows R for a moment (bounded wait, then the check)
	for _ in $(seq 100); do
		grep -q '^State:.*T (stopped)' "/proc/$(<"$pid_file")/status" && break
		sleep 0.05
	done
	{ run_ok grep -E '^State:' "/proc/$(<"$pid_file")/status" &&
		expect_contains "containerd is stopped" "$OUT" "T (stopped)" && "$1"; } || rc=1
	bash "$NODE_DIR/node.sh" thaw
	run_ok "${CRI[@]}" version || rc=1
	return "$rc"
}

list_and_inspect_while_frozen() {
	local replica
	replica=$(first_replica)
	podenter list -A -o json || return 1
	expect_eq "running containers listed while frozen" \
		"$(jpy 'sorted(x["container_id"] for x in d if x.get("state") == "running")' <<<"$OUT")" \
		"$(truth 'sorted(x["container_id"] for x in c if x["state"] == "running")')" || return 1
	podenter inspect -o json "$replica" || return 1
	expect_eq "pid while frozen" "$(jpy 'd["pid"]' <<<"$OUT")" "$(pid_of default "$replica")"
}

enter_while_frozen() {
	local replica
	replica=$(first_replica)
	podenter "$replica" -- readlink /proc/self/ns/net || return 1
	expect_eq "enter while frozen" "$OUT" "$(ns_of_pid "$(pid_of default "$replica")" net)"
}

check_frozen_runtime_list_inspect() { with_frozen_runtime list_and_inspect_while_frozen; }
check_frozen_runtime_enter() { with_frozen_runtime enter_while_frozen; }

# ---------------------------------------------------------------------------

bring_node_up() {
	local d rc started
	if [[ -e $PODENTER_NODE_STATE ]]; then
		say "e2e: a node from an earlier run (demo --keep, E2E_KEEP, a killed run) is up:" \
			"tearing it down first"
		bash "$NODE_DIR/node.sh" down >"$WORK/node-down-before.log" 2>&1 ||
			{ cat "$WORK/node-down-before.log"; return 1; }
	fi
	say "e2e: bringing the node up (tests/node/node.sh up tests/node/pods/*.json)"
	ls /run/netns >"$WORK/netns-before" 2>/dev/null || true
	for d in /run/k3s /var/lib/rancher; do [[ -e $d ]] && echo "$d"; done >"$WORK/paths-before"
	# bounded: a node that does not come up is a failure with its logs, not a
	# silence until the caller's limit (a runtime stuck under emulation)
	started=$SECONDS
	timeout -k 10 "$NODE_UP_TIMEOUT" bash "$NODE_DIR/node.sh" up "$NODE_DIR"/pods/*.json \
		>"$WORK/node-up.log" 2>&1
	rc=$?
	if ((rc != 0)); then
		((rc == 124 || rc == 137)) &&
			say "e2e: node.sh up did not finish within $NODE_UP_TIMEOUT s (E2E_NODE_UP_TIMEOUT)"
		cat "$WORK/node-up.log"
		if [[ -f $PODENTER_NODE_STATE/containerd.log ]]; then
			say "e2e: the last lines of containerd's log:"
			tail -n 20 "$PODENTER_NODE_STATE/containerd.log"
		fi
		return 1
	fi
	say "e2e: node up in $((SECONDS - started)) s"
	gather_truth
}

tear_node_down() {
	local rc=0
	trap - EXIT INT TERM
	if [[ ${E2E_KEEP:-0} == 1 ]]; then
		say "e2e: E2E_KEEP=1: node left up; tear it down with: bash tests/node/node.sh down"
	else
		bash "$NODE_DIR/node.sh" down >"$WORK/node-down.log" 2>&1 || {
			rc=$?
			say "e2e: teardown failed:"
			cat "$WORK/node-down.log"
		}
	fi
	return "$rc"
}

# After node.sh down: nothing of the node is left (a second run starts clean).
check_teardown_left_nothing() {
	local left=() uid id d
	[[ -e $PODENTER_NODE_STATE ]] && left+=("$PODENTER_NODE_STATE")
	[[ -e $NODE_CONTAINERD_STATE ]] && left+=("$NODE_CONTAINERD_STATE")
	[[ -e /run/containerd ]] && left+=(/run/containerd)
	[[ -e $NODE_CONTAINERD_ROOT/.podenter-node ]] && left+=("$NODE_CONTAINERD_ROOT")
	if [[ ${PODENTER_NODE_FLAVOR:-} == k3s ]]; then
		for d in /run/k3s /var/lib/rancher; do
			grep -qxF "$d" "$WORK/paths-before" || { [[ -e $d ]] && left+=("$d"); }
		done
	fi
	ip link show podenter0 >/dev/null 2>&1 && left+=("bridge podenter0")
	for d in $(pgrep -x containerd); do # zombies (an init that does not reap) are gone
		[[ $(awk '/^State:/ {print $2}' "/proc/$d/status" 2>/dev/null) == Z ]] ||
			left+=("containerd process $d")
	done
	for uid in $(truth '" ".join(sorted(set(x["pod_uid"] for x in s)))'); do
		for d in /var/log/pods/*_"$uid" "/var/lib/kubelet/pods/$uid" \
			$(find /sys/fs/cgroup -maxdepth 5 -type d \( -name "pod$uid" -o \
				-name "kubepods-*pod${uid//-/_}.slice" \) 2>/dev/null); do
			[[ -e $d ]] && left+=("$d")
		done
	done
	for id in $(truth '" ".join(x["container_id"] for x in c)'); do
		for d in /var/log/containers/*-"$id".log; do
			[[ -L $d ]] && left+=("$d")
		done
	done
	for d in /run/netns/cni-*; do
		[[ -e $d ]] || continue
		grep -qxF "${d##*/}" "$WORK/netns-before" || left+=("$d")
	done
	if ((${#left[@]} > 0)); then
		say "FAILED: left after node.sh down:"
		printf '  %s\n' "${left[@]}"
		return 1
	fi
}

finish() {
	local status=$?
	if tear_node_down; then
		if [[ ${E2E_KEEP:-0} != 1 && -s $WORK/containers.json ]]; then
			check node-teardown-left-nothing check_teardown_left_nothing
		fi
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=(node-teardown)
	fi
	if ((${#FAILED_NAMES[@]} > 0)); then
		say "e2e: failed checks: ${FAILED_NAMES[*]}"
	fi
	rm -rf "$WORK"
	finish_line
	((FAILED == 0 && status == 0)) || exit 1
	exit 0
}

# One node per machine: e2e runs (and the demo) wait for each other. The lock
# is held by flock(1) itself (-o), so containerd started below does not inherit it.
run_under_node_lock() {
	local lock=/run/lock/podenter-node.lock
	[[ -n ${PODENTER_NODE_LOCKED:-} ]] && return 0
	mkdir -p /run/lock
	if ! flock -n "$lock" true; then
		say "e2e: another user of the node (e2e.sh or demo.sh) is running: waiting for it"
	fi
	exec env PODENTER_NODE_LOCKED=1 flock -o -w 900 "$lock" bash "${BASH_SOURCE[0]}" "$@"
}

# podenter port-forward (issue 15)
# shellcheck source=tests/node/portforward-checks.sh
source "$NODE_DIR/portforward-checks.sh"
# shellcheck source=tests/node/each-checks.sh
source "$NODE_DIR/each-checks.sh"
# podenter copy (issue 14)
# shellcheck source=tests/node/copy-checks.sh
source "$NODE_DIR/copy-checks.sh"
# containers recovered from containerd's files (issue 14)
# shellcheck source=tests/node/recover-checks.sh
source "$NODE_DIR/recover-checks.sh"
# issue 13's attacks, made by a real pod (holes 2-5, 10, 12)
# shellcheck source=tests/node/hostile-checks.sh
source "$NODE_DIR/hostile-checks.sh"
# podenter cp (issue 15)
# shellcheck source=tests/node/cp-checks.sh
source "$NODE_DIR/cp-checks.sh"

main() {
	local why
	if why=$(machine_cannot_run_node); then
		opt_out_or_die "$why"
	fi
	run_under_node_lock "$@"
	WORK=$(mktemp -d /tmp/podenter-e2e.XXXXXX)
	trap finish EXIT
	trap 'exit 130' INT TERM

	if [[ ! -x $PODENTER ]]; then
		say "e2e: WARNING: no podenter binary at $PODENTER (build it, or set PODENTER):" \
			"every podenter check will fail"
	fi
	PODENTER=$(realpath -m "$PODENTER")
	# An uninstalled build keeps its builtin toolbox beside the binary.
	if [[ -z ${PODENTER_TOOLBOX:-} && -x $(dirname "$PODENTER")/toolbox/bin/sh ]]; then
		export PODENTER_TOOLBOX
		PODENTER_TOOLBOX=$(dirname "$PODENTER")/toolbox
	fi
	if ! bring_node_up; then
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=(node-up)
		return 1
	fi

	check node-pods-as-specified check_node_pods_as_specified
	check node-variant check_node_variant
	check node-pids-agree-with-ctr check_node_pids_agree_with_ctr
	check node-kubelet-files check_node_kubelet_files
	check node-qos-cgroups check_node_qos_cgroups
	check node-pods-serve-http check_node_pods_serve_http

	check list-all-namespaces-matches-runtime check_list_all_namespaces_matches_runtime
	check list-json-fields check_list_json_fields
	check list-exited-containers check_list_exited_containers
	check list-all-shows-sandboxes check_list_all_shows_sandboxes
	check list-default-namespace-and-pattern check_list_default_namespace_and_pattern
	check list-table-readable check_list_table_readable
	check list-wide check_list_wide
	check inspect-pod-by-name check_inspect_pod_by_name
	check inspect-target-forms check_inspect_target_forms
	check inspect-same-name-in-two-namespaces check_inspect_same_name_in_two_namespaces
	check inspect-restarted-container check_inspect_restarted_container_is_latest_attempt
	check inspect-crashloop-pod check_inspect_crashloop_pod
	check own-failures-exit-125 check_own_failures_exit_125

	check enter-joins-pod-namespaces check_enter_joins_pod_namespaces
	check enter-hostname-is-pod-name check_enter_hostname_is_pod_name
	check enter-ps-shows-pod-only check_enter_ps_shows_pod_processes_only
	check enter-view-tools-target-root check_enter_view_tools_has_target_root
	check enter-distroless-gets-a-shell check_enter_distroless_gets_a_shell
	check enter-distroless-ps check_enter_distroless_ps
	check enter-second-container check_enter_second_container_of_pod
	check enter-same-name-other-namespace check_enter_same_name_other_namespace
	check enter-by-pid-and-id check_enter_by_pid_and_id
	check enter-crashloop-pod-via-sandbox check_enter_crashloop_pod_through_sandbox
	check enter-tools-host check_enter_tools_host
	check enter-glibc-image check_enter_glibc_image
	check enter-tools-builtin check_enter_tools_builtin
	check enter-tools-dir check_enter_tools_dir
	check enter-tools-image-from-runtime check_enter_tools_image_from_runtime
	check enter-exit-status-passes-through check_enter_exit_status_passes_through
	check enter-configured-env check_enter_configured_env
	check net-only-host-tcpdump-sees-http check_net_only_host_tcpdump_sees_http
	check node-pods-carry-kubelet-security check_node_pods_carry_kubelet_security
	check session-proc-guarded-in-every-view check_session_proc_guarded_in_every_view
	check session-proc-guarded-in-profiles check_session_proc_guarded_in_profiles
	check session-proc-guarded-nonroot-distroless check_session_proc_guarded_nonroot_distroless
	check session-reproduces-target-masks check_session_reproduces_target_masks
	check hostile-ptrace-reaper check_hostile_ptrace_reaper
	check hostile-ptrace-window check_hostile_ptrace_window
	check hostile-planted-sh check_hostile_planted_sh
	check hostile-session-root-fd check_hostile_session_root_fd
	check hostile-session-fds check_hostile_session_fds
	check hostile-planted-ptmx check_hostile_planted_ptmx
	check hostile-stops-reaper check_hostile_stops_reaper
	check hostile-code-under-seccomp check_hostile_code_under_seccomp
	check frozen-runtime-list-inspect check_frozen_runtime_list_inspect
	check frozen-runtime-enter check_frozen_runtime_enter
	check portforward-http-through-pod-port check_portforward_http_through_pod_port
	check portforward-pod-localhost-listener check_portforward_pod_localhost_listener
	check portforward-bad-input-exit-125 check_portforward_bad_input_exit_125
	check portforward-pod-ipv6-loopback check_portforward_pod_ipv6_loopback
	check each-every-replica-prefixed check_each_every_replica_prefixed
	check each-failing-replica-named check_each_failing_replica_named
	check each-bad-input-exit-125 check_each_bad_input_exit_125

	check node-copy-pods-restart check_node_copy_pods_restart
	check copy-matches-spec check_copy_matches_spec
	check copy-last-run check_copy_last_run
	check copy-shows-last-exit-and-log check_copy_shows_last_exit_and_log
	check copy-distroless-gets-a-shell check_copy_distroless_gets_a_shell
	check copy-tools-below-staging check_copy_tools_below_staging
	check copy-net-none-and-share-processes check_copy_net_none_and_share_processes
	check copy-reaches-nothing-of-the-node check_copy_reaches_nothing_of_the_node
	check copy-hostile-last-run-layer check_copy_hostile_last_run_layer
	check copy-container-masks check_copy_container_masks
	check copy-host-paths check_copy_host_paths
	check copy-bind-source-symlink check_copy_bind_source_symlink
	check copy-running-container-beside check_copy_running_container_beside
	check copy-chooses-container check_copy_chooses_container
	check copy-audit-record check_copy_audit_record
	check copy-join-cgroup-pod check_copy_join_cgroup_pod
	check copy-bad-input-exit-125 check_copy_bad_input_exit_125
	check copy-created-never-started check_copy_created_never_started
	check copy-kill9-leaves-nothing check_copy_kill9_leaves_nothing
	check copy-frozen-runtime check_copy_frozen_runtime
	check recover-matches-containerd check_recover_matches_containerd
	check recover-running-matches-its-mount check_recover_running_matches_its_mount
	check recover-frozen-runtime check_recover_frozen_runtime
	check recover-layer-chain check_recover_layer_chain
	check recover-while-containerd-writes check_recover_while_containerd_writes
	check recover-list-all-without-kubelet-logs check_recover_list_all_without_kubelet_logs
	check cp-out-of-distroless check_cp_out_of_distroless
	check cp-into-distroless check_cp_into_distroless
	check cp-tar-streams check_cp_tar_streams
	check cp-planted-symlinks check_cp_planted_symlinks
	check cp-special-files-refused check_cp_special_files_refused
	check cp-out-of-exited-container check_cp_out_of_exited_container
	check cp-into-exited-container-refused check_cp_into_exited_container_refused
	check cp-exited-planted-links check_cp_exited_planted_links
	check cp-exited-kill9-leaves-nothing check_cp_exited_kill9_leaves_nothing
	if [[ -n ${E2E_EXTRA_CHECKS:-} ]]; then
		extra_checks
	fi
}

if [[ -n ${E2E_EXTRA_CHECKS:-} ]]; then
	# shellcheck source=/dev/null
	source "$E2E_EXTRA_CHECKS"
fi

main "$@"
