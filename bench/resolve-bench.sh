#!/bin/bash
# Benchmark (not a test): resolution cost against node size, per source.
# Generates synthetic node trees (bench/gen-node.py) with 330, 1,000 and
# 5,000 containers beside 10,000 processes, and times with hyperfine:
#   podenter --host-root TREE inspect -q -o json NS/POD   (one pod)
#   podenter --host-root TREE list -A -o json             (the whole node)
# and records peak RSS of each. Writes a Markdown section to stdout and the
# raw hyperfine JSON under bench/out/.
#   bench/resolve-bench.sh [RUNS]
set -euo pipefail
RUNS=${1:-50}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PODENTER=${PODENTER:-$HERE/podenter}
OUT=$HERE/bench/out
WORK=$(mktemp -d /tmp/podenter-resolve-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT"

median_ms() { # hyperfine json -> median in ms, 2 decimals
	/usr/bin/python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][0]; print('%.2f' % (r['median']*1000))" "$1"
}
peak_rss_kib() { # command... -> max RSS in KiB
	/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}

echo "### Resolution against node size"
echo
echo "Each tree: pods of 3 (sandbox + 2 app containers), production-sized config.json"
echo "files, kubelet's log trees, and /proc with 10,000 processes. Median of $RUNS runs"
echo "(\`hyperfine -N\`), peak RSS from \`/usr/bin/time -f %M\`."
echo
echo "| source | containers | inspect one pod (ms) | list -A -o json (ms) | peak RSS inspect / list (KiB) |"
echo "|---|---:|---:|---:|---:|"
for source in containerd crio proc; do
	for n in 330 1000 5000; do
		tree=$WORK/$source-$n
		target=$(/usr/bin/python3 "$HERE/bench/gen-node.py" "$tree" --containers "$n" --procs 10000 --source "$source" |
			sed -n 's/^TARGET=//p')
		hyperfine -N -w 3 -r "$RUNS" --export-json "$OUT/inspect-$source-$n.json" \
			"$PODENTER --host-root $tree inspect -q -o json $target" >/dev/null 2>&1
		hyperfine -N -w 2 -r "$((RUNS / 5 + 3))" --export-json "$OUT/list-$source-$n.json" \
			"$PODENTER --host-root $tree list -A -o json" >/dev/null 2>&1
		rss_i=$(peak_rss_kib "$PODENTER" --host-root "$tree" inspect -q -o json "$target")
		rss_l=$(peak_rss_kib "$PODENTER" --host-root "$tree" list -A -o json)
		echo "| $source | $n | $(median_ms "$OUT/inspect-$source-$n.json") | $(median_ms "$OUT/list-$source-$n.json") | $rss_i / $rss_l |"
		rm -rf "$tree"
	done
done
echo
echo "Startup floor (\`podenter --version\`, dynamic linking and nothing else):"
hyperfine -N -w 5 -r "$RUNS" --export-json "$OUT/version.json" "$PODENTER --version" >/dev/null 2>&1
echo "$(median_ms "$OUT/version.json") ms."
