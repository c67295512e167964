#!/bin/bash
# Copy the files podenter reads about podman's containers into a fixture tree
# usable with `podenter --host-root DIR`, from real podman (run by
# podman-e2e.sh, which calls this while its pods run):
#
#   var/lib/containers/storage/overlay-containers/<id>/userdata/config.json
#   var/lib/containers/storage/overlay-containers/containers.json  (our entries)
#   var/lib/containers/storage/overlay-containers/<id>/userdata/ctr.log
#       the k8s-file log (of the exited copy target above all)
#   var/lib/containers/storage/overlay-layers/layers.json  (our layers: each
#       container's own and its image's chain)
#   var/lib/containers/storage/overlay/<layer>/{link,lower}  the same layers
#       (no diff: no file of an image or a container)
#   var/lib/containers/storage/libpod/bolt_state.db  podman's database (the
#       whole bbolt file: exits, restart counts; only this test's
#       containers are in it while it runs on its own storage)
#   run/containers/storage/overlay-containers/<id>/userdata/pidfile
#       (a stopped container's stale pidfile too: podman leaves it)
#   proc/<pid>/{cgroup,stat,status}, proc/<pid>/ns/*   for each running container
#   expected-containers.json, expected-pods.json: podman ps / pod ps (ground truth)
#   expected-inspect.json: podman inspect of each container (GraphDriver's
#       LowerDir and UpperDir, Config, State: what podenter copy recovers)
#
# Only the containers the test made (WORK/our-ids) are copied.
# Usage: PODMAN_E2E_CAPTURE=tests/fixtures/podman-real bash tests/node/podman-e2e.sh
#    or: capture-podman-fixture.sh DEST WORK   (WORK: podman-e2e.sh's work dir)
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=${1:?usage: capture-podman-fixture.sh DEST WORK}
WORK=${2:?usage: capture-podman-fixture.sh DEST WORK}
PYTHON=/usr/bin/python3
LIB=var/lib/containers/storage/overlay-containers
RUN=run/containers/storage/overlay-containers
# shellcheck source=tests/node/capture-fixture.sh
source "$NODE_DIR/capture-fixture.sh" # copy_file, copy_proc (writes to DEST)

rm -rf "${DEST:?}/run" "${DEST:?}/var" "${DEST:?}/proc"
mkdir -p "$DEST/$LIB" "$DEST/$RUN" "$DEST/var/lib/containers/storage/overlay-layers"
STORAGE=var/lib/containers/storage
for id in $(<"$WORK/our-ids"); do
	# a container only created has no spec yet: podman writes it at start
	[[ -f /$LIB/$id/userdata/config.json ]] &&
		copy_file "/$LIB/$id/userdata/config.json" "$LIB/$id/userdata/config.json"
	[[ -f /$LIB/$id/userdata/ctr.log ]] &&
		copy_file "/$LIB/$id/userdata/ctr.log" "$LIB/$id/userdata/ctr.log"
	[[ -f /$RUN/$id/userdata/pidfile ]] &&
		copy_file "/$RUN/$id/userdata/pidfile" "$RUN/$id/userdata/pidfile"
done
"$PYTHON" - "$WORK" "$DEST" "/$LIB/containers.json" <<'PY'
import json, sys
work, dest, index = sys.argv[1:4]
ours = set(open(work + "/our-ids").read().split())
keep = lambda xs, key: [x for x in xs if x[key] in ours]
json.dump(keep(json.load(open(index)), "id"),
          open(dest + "/var/lib/containers/storage/overlay-containers/containers.json", "w"))
ps = keep(json.load(open(work + "/ps.json")), "Id")
json.dump(ps, open(dest + "/expected-containers.json", "w"), indent=1, sort_keys=True)
pods = [p for p in json.load(open(work + "/podps.json")) if p["InfraId"] in ours]
json.dump(pods, open(dest + "/expected-pods.json", "w"), indent=1, sort_keys=True)
PY
# the layers of our containers: each one's own layer and its parents
"$PYTHON" - "$WORK" "$DEST" "/$STORAGE" <<'PY' >"$WORK/our-layers"
import json, sys
work, dest, storage = sys.argv[1:4]
ours = set(open(work + "/our-ids").read().split())
layers = json.load(open(storage + "/overlay-layers/layers.json"))
by_id = {l["id"]: l for l in layers}
keep = set()
for c in json.load(open(storage + "/overlay-containers/containers.json")):
    if c["id"] not in ours:
        continue
    layer = c.get("layer")
    while layer and layer not in keep:
        keep.add(layer)
        layer = by_id.get(layer, {}).get("parent")
json.dump([l for l in layers if l["id"] in keep],
          open(dest + "/var/lib/containers/storage/overlay-layers/layers.json", "w"))
print("\n".join(sorted(keep)))
PY
for layer in $(<"$WORK/our-layers"); do
	for f in link lower; do
		[[ -f /$STORAGE/overlay/$layer/$f ]] &&
			copy_file "/$STORAGE/overlay/$layer/$f" "$STORAGE/overlay/$layer/$f"
	done
done
[[ -f /$STORAGE/libpod/bolt_state.db ]] &&
	copy_file "/$STORAGE/libpod/bolt_state.db" "$STORAGE/libpod/bolt_state.db"
# shellcheck disable=SC2046 # one id per word
podman inspect $(<"$WORK/our-ids") | "$PYTHON" -c '
import json, sys
json.dump(json.load(sys.stdin), open(sys.argv[1], "w"), indent=1, sort_keys=True)
' "$DEST/expected-inspect.json"
"$PYTHON" - "$WORK" <<'PY' >"$WORK/running-pids"
import json, sys
ours = set(open(sys.argv[1] + "/our-ids").read().split())
for c in json.load(open(sys.argv[1] + "/ps.json")):
    if c["Id"] in ours and c["State"] == "running":
        print(c["Pid"])
PY
for pid in $(<"$WORK/running-pids"); do
	copy_proc "$pid"
done
podman --version >"$DEST/podman-version.txt"
runc --version | head -1 >>"$DEST/podman-version.txt"
echo "capture-podman-fixture: wrote $(find "$DEST" -type f -o -type l | wc -l) files to $DEST"
