#!/bin/bash
# Copy the files podenter reads from a running node (node.sh up) into a
# fixture tree usable with `podenter --host-root DIR`:
#
#   run/containerd/io.containerd.runtime.v2.task/k8s.io/<id>/{config.json,init.pid,address}
#   run/containerd/runc/k8s.io/<id>/state.json
#   var/lib/containerd/io.containerd.grpc.v1.cri/containers/<id>/status
#   var/log/pods/...            (directories and the small log files)
#   var/log/containers/*.log    (symlinks, absolute, as kubelet makes them)
#   proc/<pid>/{cgroup,stat,status}, proc/<pid>/ns/* (symlinks "net:[inode]")
#   expected-containers.json, expected-sandboxes.json: what CRI says (ground truth)
#
# No rootfs, no binaries, no sockets. Usage: capture-fixture.sh [DEST]
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=${1:-$NODE_DIR/../fixtures/containerd-real}
STATE=/run/containerd
ROOT=/var/lib/containerd
TASKS=$STATE/io.containerd.runtime.v2.task/k8s.io
PYTHON=/usr/bin/python3
MAX_LOG_BYTES=4096

copy_file() { # SRC DESTDIR-relative-path
	mkdir -p "$DEST/$(dirname "$2")"
	cp -p "$1" "$DEST/$2"
}

copy_proc() {
	local pid=$1 f ns
	[[ -d /proc/$pid ]] || return 0
	for f in cgroup stat status; do
		mkdir -p "$DEST/proc/$pid"
		cat "/proc/$pid/$f" >"$DEST/proc/$pid/$f"
	done
	mkdir -p "$DEST/proc/$pid/ns"
	for ns in /proc/"$pid"/ns/*; do
		ln -sfn "$(readlink "$ns")" "$DEST/proc/$pid/ns/$(basename "$ns")"
	done
}

capture_bundles() {
	local dir id f
	for dir in "$TASKS"/*/; do
		id=$(basename "$dir")
		for f in config.json init.pid address; do
			[[ -f $dir$f ]] && copy_file "$dir$f" "${TASKS#/}/$id/$f"
		done
		if [[ -f $STATE/runc/k8s.io/$id/state.json ]]; then
			copy_file "$STATE/runc/k8s.io/$id/state.json" "run/containerd/runc/k8s.io/$id/state.json"
		fi
		[[ -f $dir/init.pid ]] && copy_proc "$(<"$dir/init.pid")"
	done
}

capture_cri_checkpoints() {
	local f
	for f in "$ROOT"/io.containerd.grpc.v1.cri/containers/*/status; do
		[[ -f $f ]] && copy_file "$f" "${f#/}"
	done
}

capture_kubelet_logs() {
	local path rel
	while IFS= read -r -d '' path; do
		rel=${path#/}
		if [[ -d $path ]]; then
			mkdir -p "$DEST/$rel"
		else
			mkdir -p "$DEST/$(dirname "$rel")"
			head -c "$MAX_LOG_BYTES" "$path" >"$DEST/$rel"
		fi
	done < <(find /var/log/pods -print0)
	mkdir -p "$DEST/var/log/containers"
	for path in /var/log/containers/*.log; do
		[[ -L $path ]] && ln -sfn "$(readlink "$path")" "$DEST/var/log/containers/$(basename "$path")"
	done
}

main() {
	[[ -d $TASKS ]] || { echo "capture-fixture: no $TASKS: is the node up?" >&2; exit 1; }
	rm -rf "${DEST:?}/run" "${DEST:?}/var" "${DEST:?}/proc"
	mkdir -p "$DEST"
	capture_bundles
	capture_cri_checkpoints
	capture_kubelet_logs
	"$PYTHON" "$NODE_DIR/cri.py" pods-json >"$DEST/expected-containers.json"
	"$PYTHON" "$NODE_DIR/cri.py" sandboxes-json >"$DEST/expected-sandboxes.json"
	containerd --version >"$DEST/containerd-version.txt"
	echo "capture-fixture: wrote $(find "$DEST" -type f -o -type l | wc -l) files to $DEST" \
		"($(du -sh "$DEST" | cut -f1))"
}

# sourced by capture-podman-fixture.sh for copy_file and copy_proc
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	main "$@"
fi
