#!/bin/bash
# A real Kubernetes-style node for podenter's tests and demo: containerd with
# the CRI plugin, pods created through the CRI API as kubelet would (cri.py),
# no kubelet, no API server, no network but a private bridge.
#
#   node.sh install            apt-get the node packages (skips what is present)
#   node.sh up [SPEC.json...]  build images, start containerd, import images,
#                              create the pods described by the spec files
#   node.sh pods SPEC.json...  create more pods on a running node
#   node.sh status             containerd and the pods, with host PIDs
#   node.sh freeze | thaw      SIGSTOP / SIGCONT the containerd daemon
#   node.sh down               remove pods, stop containerd, remove cgroups,
#                              bridge, netns, IPAM state, logs, kubelet files
#
# containerd keeps the default state root /run/containerd (podenter reads it
# there by default) and root /var/lib/containerd; node.sh refuses to run when a
# containerd it did not start owns them. Everything else it makes lives under
# $PODENTER_NODE_STATE (default /run/podenter-node).
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=/usr/bin/python3
STATE_DIR=${PODENTER_NODE_STATE:-/run/podenter-node}
CONTAINERD_ROOT=/var/lib/containerd
CONTAINERD_STATE=/run/containerd
# Variants (issue 16), chosen at `up` and remembered for `down`:
#   PODENTER_NODE_FLAVOR=k3s     containerd where k3s and rke2 keep it: state
#                                /run/k3s/containerd, root
#                                /var/lib/rancher/k3s/agent/containerd
#   PODENTER_NODE_RUNTIME=crun   containers run by crun instead of runc
FLAVOR=${PODENTER_NODE_FLAVOR:-containerd}
OCI_RUNTIME=${PODENTER_NODE_RUNTIME:-runc}
if [[ -f $STATE_DIR/variant ]]; then
	read -r FLAVOR OCI_RUNTIME <"$STATE_DIR/variant"
fi
case $FLAVOR in
containerd) ;;
k3s)
	CONTAINERD_ROOT=/var/lib/rancher/k3s/agent/containerd
	CONTAINERD_STATE=/run/k3s/containerd
	;;
*) printf 'node: error: unknown PODENTER_NODE_FLAVOR %s\n' "$FLAVOR" >&2; exit 1 ;;
esac
case $OCI_RUNTIME in
runc | crun) ;;
*) printf 'node: error: unknown PODENTER_NODE_RUNTIME %s\n' "$OCI_RUNTIME" >&2; exit 1 ;;
esac
CONTAINERD_SOCK=$CONTAINERD_STATE/containerd.sock
# ctr and cri.py talk to this node's containerd
export CONTAINERD_ADDRESS=$CONTAINERD_SOCK CRI_SOCKET=$CONTAINERD_SOCK
OWNER_MARK=$CONTAINERD_ROOT/.podenter-node
BRIDGE=podenter0
POD_SUBNET=${PODENTER_NODE_SUBNET:-10.88.77.0/24}
CNI_CONF_DIR=$STATE_DIR/cni
IPAM_DIR=$STATE_DIR/ipam
PID_FILE=$STATE_DIR/containerd.pid
LOG_FILE=$STATE_DIR/containerd.log
NODE_PACKAGES=(containerd runc containernetworking-plugins busybox-static iptables tcpdump
               python3-grpcio python3-protobuf)
# kubelet's cgroup driver: cgroupfs (the default, any machine) or systemd
# (systemd as PID 1 and cgroup v2 only: containerd's SystemdCgroup = true,
# pods under kubepods.slice; tests/vm runs the harness this way)
CGROUP_DRIVER=${PODENTER_NODE_CGROUP_DRIVER:-cgroupfs}
# where build-images.py keeps its tarballs (default: images/build in the tree;
# tests/vm points it at a writable copy, the tree being read-only there)
IMAGES_DIR=${PODENTER_NODE_IMAGES:-}
export PODENTER_NODE_STATE=$STATE_DIR PODENTER_NODE_CGROUP_DRIVER=$CGROUP_DRIVER

log() { printf 'node: %s\n' "$*" >&2; }
die() { printf 'node: error: %s\n' "$*" >&2; exit 1; }

require_root() {
	[[ $(id -u) -eq 0 ]] || die "must run as root (containerd, cgroups, netns)"
}

missing_packages() {
	local pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s\n' "$pkg"
	done
}

install_packages() {
	local missing
	mapfile -t missing < <(missing_packages "$@")
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	command -v apt-get >/dev/null || die "missing packages and no apt-get: ${missing[*]}"
	log "installing: ${missing[*]}"
	# deps/install: without starting containerd.service on a systemd node
	"$NODE_DIR/../../deps/install" --no-install-recommends "${missing[@]}" >/dev/null
}

cmd_install() {
	require_root
	install_packages "${NODE_PACKAGES[@]}"
}

containerd_pid() {
	local pid
	[[ -f $PID_FILE ]] || return 1
	pid=$(<"$PID_FILE")
	# A zombie (not yet reaped) has no exe link: it counts as gone.
	[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == */containerd ]] || return 1
	printf '%s\n' "$pid"
}

check_no_foreign_containerd() {
	if containerd_pid >/dev/null; then
		return 0
	fi
	if [[ -S $CONTAINERD_SOCK ]] && timeout 10 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
		die "a containerd not started by node.sh answers on $CONTAINERD_SOCK; refusing to touch it"
	fi
	if [[ -d $CONTAINERD_ROOT ]] && [[ ! -e $OWNER_MARK ]] &&
		[[ -n $(ls -A "$CONTAINERD_ROOT" 2>/dev/null) ]]; then
		die "$CONTAINERD_ROOT holds another containerd's data; refusing to use it"
	fi
}

write_containerd_config() {
	mkdir -p "$STATE_DIR" "$CNI_CONF_DIR" "$IPAM_DIR"
	cat >"$STATE_DIR/containerd.toml" <<-EOF
	# Written by tests/node/node.sh: containerd as a kubelet node would run it.
	version = 2
	root = "$CONTAINERD_ROOT"
	state = "$CONTAINERD_STATE"
	disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
	                    "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
	[grpc]
	  address = "$CONTAINERD_SOCK"
	[plugins."io.containerd.grpc.v1.cri"]
	  sandbox_image = "localhost/podenter/pause:1"
	  # This machine may lack CAP_SYS_RESOURCE: without this the pause container fails.
	  restrict_oom_score_adj = true
	  [plugins."io.containerd.grpc.v1.cri".containerd]
	    snapshotter = "overlayfs"
	    default_runtime_name = "$OCI_RUNTIME"
	    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$OCI_RUNTIME]
	      runtime_type = "io.containerd.runc.v2"
	      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$OCI_RUNTIME.options]
	        SystemdCgroup = $([[ $CGROUP_DRIVER == systemd ]] && echo true || echo false)
	        BinaryName = "$(command -v "$OCI_RUNTIME")"
	  [plugins."io.containerd.grpc.v1.cri".cni]
	    bin_dir = "/usr/lib/cni"
	    conf_dir = "$CNI_CONF_DIR"
	    max_conf_num = 1
	EOF
	cat >"$CNI_CONF_DIR/10-podenter.conflist" <<-EOF
	{
	  "cniVersion": "1.0.0",
	  "name": "podenter-node",
	  "plugins": [
	    {
	      "type": "bridge",
	      "bridge": "$BRIDGE",
	      "isGateway": true,
	      "ipMasq": false,
	      "hairpinMode": true,
	      "ipam": {
	        "type": "host-local",
	        "dataDir": "$IPAM_DIR",
	        "ranges": [[{"subnet": "$POD_SUBNET"}]]
	      }
	    }
	  ]
	}
	EOF
}

check_machine() {
	local routes
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		die "no overlayfs on this kernel: the overlayfs snapshotter cannot work"
	# The pod subnet must be ours alone: pods and tests talk to it directly.
	routes=$(ip -4 route show root "$POD_SUBNET" | grep -v " dev $BRIDGE " || true)
	[[ -z $routes ]] ||
		die "$POD_SUBNET is already routed on this machine ($routes); set PODENTER_NODE_SUBNET"
	grep -qE '\scgroup2?$' /proc/filesystems || die "no cgroup filesystem"
	case $CGROUP_DRIVER in
	cgroupfs) ;;
	systemd)
		[[ -d /run/systemd/system ]] ||
			die "PODENTER_NODE_CGROUP_DRIVER=systemd needs systemd as PID 1"
		[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] ||
			die "PODENTER_NODE_CGROUP_DRIVER=systemd is tested on cgroup v2 only (/sys/fs/cgroup)"
		;;
	*) die "PODENTER_NODE_CGROUP_DRIVER=$CGROUP_DRIVER: cgroupfs or systemd" ;;
	esac
	[[ -x /usr/lib/cni/bridge ]] || die "CNI plugins missing in /usr/lib/cni"
}

# CRI mounts each pod's netns at /run/netns/cni-<uuid>. `ip netns add` (run by
# anything else on the machine) turns /run/netns into a shared bind mount of
# itself the first time; done after our pods exist, that covers their netns
# mounts, and RemovePodSandbox then fails with EBUSY. Doing what iproute2 does
# before any pod exists avoids it (and, like iproute2, is left in place).
prepare_netns_dir() {
	mkdir -p /run/netns
	if ! mountpoint -q /run/netns; then
		mount --bind /run/netns /run/netns
		mount --make-shared /run/netns
	fi
}

start_containerd() {
	local pid i
	if pid=$(containerd_pid); then
		log "containerd already running (pid $pid)"
		return 0
	fi
	check_no_foreign_containerd
	write_containerd_config
	printf '%s %s\n' "$FLAVOR" "$OCI_RUNTIME" >"$STATE_DIR/variant"
	# (the runc v2 shim keeps its runtime root at /run/containerd/runc,
	# whatever containerd's state root: k3s nodes have it too)
	note_made_dirs "$CONTAINERD_ROOT" "$CONTAINERD_STATE" /run/containerd/runc
	mkdir -p "$CONTAINERD_ROOT"
	touch "$OWNER_MARK"
	if [[ $OCI_RUNTIME == crun ]] && cgroup_v2_has_controllers_beside_v1; then
		# crun 1.8 refuses a hybrid layout whose v2 tree has controllers
		# ("cgroups in hybrid mode not supported"): containerd, its shims
		# and crun run in a mount namespace where the v2 tree is not
		# mounted, so crun sees (and uses) cgroup v1 only. The rest of
		# the mount table is the host's, propagation unchanged (pod netns
		# and rootfs mounts stay visible); the v2 tree is made private
		# there first so that its unmount cannot reach the host.
		# shellcheck disable=SC2016 # expanded by the inner bash
		unshare -m --propagation unchanged bash -c '
			mount --make-rprivate /sys/fs/cgroup/unified &&
			umount /sys/fs/cgroup/unified && exec "$@"' node.sh \
			containerd --config "$STATE_DIR/containerd.toml" >"$LOG_FILE" 2>&1 </dev/null &
	else
		containerd --config "$STATE_DIR/containerd.toml" >"$LOG_FILE" 2>&1 </dev/null &
	fi
	pid=$!
	printf '%s\n' "$pid" >"$PID_FILE"
	for ((i = 0; i < 100; i++)); do
		if timeout 10 ctr --address "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
			log "containerd up (pid $pid, log $LOG_FILE)"
			return 0
		fi
		[[ -d /proc/$pid ]] || break
		sleep 0.1
	done
	tail -n 20 "$LOG_FILE" >&2 || true
	die "containerd did not come up"
}

import_images() {
	local name tarball
	while read -r name tarball; do
		if ctr -n k8s.io images ls -q | grep -qxF "$name"; then
			continue
		fi
		ctr -n k8s.io images import --snapshotter overlayfs "$tarball" >/dev/null
		log "imported $name"
	done < <("$PYTHON" "$NODE_DIR/images/build-images.py" ${IMAGES_DIR:+"$IMAGES_DIR"})
}

wait_cri_ready() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$PYTHON" "$NODE_DIR/cri.py" version >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	die "CRI service does not answer"
}

cmd_pods() {
	(($# > 0)) || return 0
	"$PYTHON" "$NODE_DIR/cri.py" apply "$@"
}

cmd_up() {
	require_root
	check_machine
	install_packages "${NODE_PACKAGES[@]}"
	prepare_netns_dir
	start_containerd
	import_images
	wait_cri_ready
	cmd_pods "$@"
}

stop_containerd() {
	local pid i
	pid=$(containerd_pid) || { rm -f "$PID_FILE"; return 0; }
	kill -CONT "$pid" 2>/dev/null || true # a frozen daemon cannot act on SIGTERM
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		containerd_pid >/dev/null || break
		sleep 0.1
	done
	if containerd_pid >/dev/null; then
		log "containerd ignores SIGTERM; killing it"
		kill -KILL "$pid" || true
	fi
	rm -f "$PID_FILE"
	log "containerd stopped"
}

# hybrid cgroups (v1 hierarchies, and the v2 tree at /sys/fs/cgroup/unified)
# with controllers enabled in the v2 tree
cgroup_v2_has_controllers_beside_v1() {
	[[ $(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null) == cgroup2fs ]] &&
		[[ -n $(</sys/fs/cgroup/unified/cgroup.controllers) ]]
}

# The variant's directories whose parents do not exist yet (k3s's
# /var/lib/rancher, /run/k3s): recorded so that `down` removes them too.
note_made_dirs() {
	local d top
	for d in "$@"; do
		top=""
		while [[ ! -e $d && $d != / ]]; do
			top=$d
			d=$(dirname "$d")
		done
		[[ -n $top && $top != "$CONTAINERD_ROOT" && $top != "$CONTAINERD_STATE" ]] &&
			printf '%s\n' "$top" >>"$STATE_DIR/made-dirs"
	done
	return 0
}

# Shims whose containers are gone exit by themselves; any left for the k8s.io
# namespace belong to pods this harness made.
kill_leftover_shims() {
	local pid
	for pid in $(pgrep -f 'containerd-shim-runc-v2 -namespace k8s.io' || true); do
		log "killing leftover shim $pid"
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# The pods' netns are removed by RemovePodSandbox, or by cri.py teardown
# (it recorded their paths) when containerd died first.
remove_network() {
	if ip link show "$BRIDGE" >/dev/null 2>&1; then
		ip link del "$BRIDGE"
	fi
	rm -rf "$IPAM_DIR"
}

remove_containerd_data() {
	# Task and runtime state under /run/containerd, images and snapshots under
	# /var/lib/containerd: only when node.sh created them (owner mark).
	[[ -e $OWNER_MARK ]] || return 0
	local m
	# Unmount leftover rootfs/shm mounts below the state and root dirs, deepest first.
	while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done < <(awk -v a="$CONTAINERD_STATE/" -v b="$CONTAINERD_ROOT/" \
		'index($5, a) == 1 || index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	rm -rf "$CONTAINERD_STATE" "$CONTAINERD_ROOT"
}

cmd_down() {
	require_root
	local rc=0 pid d
	if pid=$(containerd_pid); then
		kill -CONT "$pid" 2>/dev/null || true
		"$PYTHON" "$NODE_DIR/cri.py" teardown || rc=1
	fi
	stop_containerd
	kill_leftover_shims
	# Kubelet's files, netns and pod cgroups, also when containerd was already gone.
	"$PYTHON" "$NODE_DIR/cri.py" teardown --no-runtime || rc=1
	remove_network
	remove_containerd_data
	if [[ -f $STATE_DIR/made-dirs ]] && [[ -e $OWNER_MARK || ! -e $CONTAINERD_ROOT ]]; then
		while read -r d; do
			rm -rf --one-file-system "$d"
		done <"$STATE_DIR/made-dirs"
	fi
	rm -rf "$STATE_DIR"
	log "node down"
	return "$rc"
}

cmd_status() {
	local pid
	if pid=$(containerd_pid); then
		if [[ $(awk '/^State:/ {print $2}' "/proc/$pid/status") == T ]]; then
			echo "containerd: pid $pid, FROZEN (SIGSTOP)"
			return 0
		fi
		echo "containerd: pid $pid, $("$PYTHON" "$NODE_DIR/cri.py" version)"
		"$PYTHON" "$NODE_DIR/cri.py" ps
	else
		echo "containerd: not running"
		return 1
	fi
}

cmd_freeze() {
	local pid
	pid=$(containerd_pid) || die "containerd is not running"
	kill -STOP "$pid"
	log "containerd (pid $pid) frozen with SIGSTOP"
}

cmd_thaw() {
	local pid
	pid=$(containerd_pid) || die "containerd is not running"
	kill -CONT "$pid"
	log "containerd (pid $pid) resumed"
}

main() {
	local cmd=${1:-}
	shift || true
	case $cmd in
	install) cmd_install ;;
	up) cmd_up "$@" ;;
	pods) require_root; cmd_pods "$@" ;;
	down) cmd_down ;;
	status) cmd_status ;;
	freeze) require_root; cmd_freeze ;;
	thaw) require_root; cmd_thaw ;;
	*)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

main "$@"
