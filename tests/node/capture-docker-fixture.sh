#!/bin/bash
# Copy the files podenter reads about Docker's containers into a fixture tree
# usable with `podenter --host-root DIR`, from real Docker (run by
# docker-e2e.sh, which calls this while its containers run):
#
#   <data-root>/containers/<id>/config.v2.json          every container of ours
#   run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby/<id>/
#       config.json, init.pid                            the running ones
#   proc/<pid>/{cgroup,stat,status}, proc/<pid>/ns/*     the running ones
#   sys/fs/cgroup/freezer/<path>/freezer.state           their freezer state
#   sys/fs/cgroup/unified/<path>/cgroup.events           (v1 and v2)
#   var/log/containers/*.log -> var/log/pods/<ns>_<pod>_<uid>/<ctr>/<n>.log
#                                                        kubelet's log names
#   expected-inspect.json: `docker inspect` of them (ground truth)
#
# Only the containers the test made (WORK/our-ids) are copied; no rootfs.
# Usage: DOCKER_E2E_CAPTURE=$PWD/tests/fixtures/docker bash tests/node/docker-e2e.sh
#    or: capture-docker-fixture.sh DEST WORK DATA-ROOT   (WORK: docker-e2e.sh's)
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=${1:?usage: capture-docker-fixture.sh DEST WORK DATA-ROOT}
WORK=${2:?usage: capture-docker-fixture.sh DEST WORK DATA-ROOT}
DATA_ROOT=${3:?usage: capture-docker-fixture.sh DEST WORK DATA-ROOT}
# shellcheck source=tests/node/capture-fixture.sh
source "$NODE_DIR/capture-fixture.sh" # copy_file, copy_proc (writes to DEST)
PYTHON=/usr/bin/python3
TASKS=run/docker/containerd/daemon/io.containerd.runtime.v2.task/moby

# the cgroup files that say whether a process is frozen, as the node has them
copy_freezer() { # PID
	local line ctrl path f
	while IFS= read -r line; do
		ctrl=${line#*:}
		path=${ctrl#*:}
		ctrl=${ctrl%%:*}
		case ,$ctrl, in
		*,freezer,*) f=/sys/fs/cgroup/freezer$path/freezer.state ;;
		,,) f=/sys/fs/cgroup/unified$path/cgroup.events
			[[ -f $f ]] || f=/sys/fs/cgroup$path/cgroup.events ;;
		*) continue ;;
		esac
		[[ -f $f ]] && copy_file "$f" "${f#/}"
	done <"/proc/$1/cgroup"
	return 0
}

mkdir -p "$DEST"
rm -rf "${DEST:?}/run" "${DEST:?}/var" "${DEST:?}/proc" "${DEST:?}/sys"
for id in $(<"$WORK/our-ids"); do
	copy_file "$DATA_ROOT/containers/$id/config.v2.json" "${DATA_ROOT#/}/containers/$id/config.v2.json"
	if [[ -f /$TASKS/$id/init.pid ]]; then
		copy_file "/$TASKS/$id/config.json" "$TASKS/$id/config.json"
		copy_file "/$TASKS/$id/init.pid" "$TASKS/$id/init.pid"
		copy_proc "$(<"/$TASKS/$id/init.pid")"
		copy_freezer "$(<"/$TASKS/$id/init.pid")"
	fi
done
# kubelet's log names of our containers (links, as kubelet and cri-dockerd
# make them; the log itself is Docker's json log, copied small)
for id in $(<"$WORK/our-ids"); do
	for link in /var/log/containers/*-"$id".log; do
		[[ -L $link ]] || continue
		target=$(readlink "$link")
		mkdir -p "$DEST/var/log/containers" "$DEST/$(dirname "${target#/}")"
		ln -sfn "$target" "$DEST/${link#/}"
		head -c 4096 "$target" >"$DEST/${target#/}"
	done
done
"$PYTHON" - "$WORK/inspect.json" "$DEST/expected-inspect.json" <<'PY'
import json, sys
keep = ("Id", "Name", "State", "Config", "HostConfig", "GraphDriver")
out = []
for c in json.load(open(sys.argv[1])):
    d = {k: c[k] for k in keep if k in c}
    d["Config"] = {k: c["Config"].get(k) for k in ("Hostname", "Image", "Labels", "Cmd")}
    d["HostConfig"] = {k: c["HostConfig"].get(k) for k in ("NetworkMode", "IpcMode", "CgroupParent")}
    out.append(d)
json.dump(out, open(sys.argv[2], "w"), indent=1, sort_keys=True)
PY
{
	dockerd --version
	containerd --version
	runc --version | head -n 1
} >"$DEST/docker-version.txt"
echo "capture-docker-fixture: wrote $(find "$DEST" -type f -o -type l | wc -l) files to $DEST"
