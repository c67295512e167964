#!/bin/bash
# A fixture node (capture-fixture.sh: bundles, /proc, kubelet's logs, CRI's
# status files) plus containerd's on-disk metadata, for recover.c and the
# bbolt reader, with what containerd itself says about it (the ground truth
# the unit tests compare against):
#
#   var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db
#   var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db
#   var/lib/containerd/io.containerd.grpc.v1.cri/containers/<id>/status
#   expected/<id>.info.json    ctr -n k8s.io containers info ID
#   expected/<id>.mounts       ctr snapshots mounts of its snapshot key
#   expected/<id>.status.json  CRI ContainerStatus (cri.py status-json)
#   expected/containers.json   cri.py pods-json
#
# The bbolt files are copied while containerd runs: cp reads them without a
# lock, as podenter does. Usage: capture-recover-fixture.sh [DEST]
set -euo pipefail

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=${1:-$NODE_DIR/../fixtures/containerd-meta}
ROOT=/var/lib/containerd
PYTHON=/usr/bin/python3
MAX_DB_BYTES=$((1024 * 1024))
CTR=(timeout 20 ctr -n k8s.io)

copy_file() { # SRC DEST-relative-path
	mkdir -p "$DEST/$(dirname "$2")"
	cp -p "$1" "$DEST/$2"
}

# bbolt preallocates (meta.db starts at 512 KiB, mostly zeros); the pages in
# use end at the meta pages' high-water mark (pgid), and nothing past it is
# read. Cut the copy there to keep the fixture small; the bytes kept are
# containerd's own.
truncate_to_high_water() {
	"$PYTHON" - "$1" <<'PY'
import struct, sys
path = sys.argv[1]
with open(path, "rb") as f:
    head = f.read(2 * 65536)
psize = struct.unpack_from("<I", head, 16 + 8)[0]
hwm = max(struct.unpack_from("<Q", head, off + 16 + 40)[0] for off in (0, psize))
with open(path, "r+b") as f:
    f.truncate(hwm * psize)
PY
}

main() {
	local db f id key
	db=$ROOT/io.containerd.metadata.v1.bolt/meta.db
	[[ -f $db ]] || { echo "capture-recover-fixture: no $db: is the node up?" >&2; exit 1; }
	bash "$NODE_DIR/capture-fixture.sh" "$DEST"
	rm -rf "${DEST:?}/expected"
	mkdir -p "$DEST/expected"
	for f in "$db" "$ROOT/io.containerd.snapshotter.v1.overlayfs/metadata.db"; do
		if (($(stat -c %s "$f") > MAX_DB_BYTES)); then
			echo "capture-recover-fixture: $f is larger than $MAX_DB_BYTES bytes" >&2
			exit 1
		fi
		copy_file "$f" "${f#/}"
		truncate_to_high_water "$DEST/${f#/}"
	done
	"$PYTHON" "$NODE_DIR/cri.py" pods-json >"$DEST/expected/containers.json"
	for id in $("${CTR[@]}" containers ls -q); do
		"${CTR[@]}" containers info "$id" >"$DEST/expected/$id.info.json"
		key=$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("SnapshotKey",""))' \
			<"$DEST/expected/$id.info.json")
		if [[ -n $key ]]; then
			"${CTR[@]}" snapshots --snapshotter overlayfs mounts /mnt "$key" \
				>"$DEST/expected/$id.mounts"
		fi
		if [[ -d $ROOT/io.containerd.grpc.v1.cri/containers/$id ]]; then
			"$PYTHON" "$NODE_DIR/cri.py" status-json "$id" >"$DEST/expected/$id.status.json"
		fi
	done
	"${CTR[@]}" snapshots --snapshotter overlayfs ls >"$DEST/expected/snapshots.txt"
	containerd --version >"$DEST/containerd-version.txt"
	echo "capture-recover-fixture: wrote $(find "$DEST" -type f | wc -l) files to $DEST" \
		"($(du -sh "$DEST" | cut -f1))"
}

main "$@"
