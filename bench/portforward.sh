#!/bin/bash
# podenter port-forward against a direct connection from the pod's network
# namespace: throughput both ways and the time of a 64-byte round trip.
# The "pod" is a network namespace of its own (unshare -n, loopback up) with
# bench/pfbench.c's server bound to its 127.0.0.1; the direct client runs in
# that namespace (nsenter -n), the forwarded one on the node's 127.0.0.1.
# Goals (issue 15): >= 0.8x the direct throughput, < 100 us added per round
# trip. Not a test: numbers depend on the machine and its load.
#
#   bench/portforward.sh [MIB] [ROUND-TRIPS] [PAIRS]   (as root, after make)
#   defaults: 1024 MiB per transfer, 20000 round trips, 5 pairs
#
# Transfers run in pairs, direct then forwarded (A B A B ...), and each
# pair gives one ratio: a change of the machine's speed during the run (its
# other load) then hits both halves of a pair alike, which medians of the
# direct and the forwarded runs taken apart do not promise. The figure is
# the median of the per-pair ratios, with their min and max.
# PODENTER_BASE=/path/to/another/podenter adds that build's forward to each
# round (direct, this build, that build): a before/after comparison in one
# run. PF_BENCH_RAW=1 prints every pair's figures too.
# The CPU row adds up the client's, the server's and podenter's CPU time per
# GiB moved: on a machine short of CPU the forwarded throughput cannot beat
# direct by more than the ratio of those, however the relay is scheduled.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PODENTER=${PODENTER:-$top/podenter}
BASE=${PODENTER_BASE:-}
mib=${1:-1024}
trips=${2:-20000}
pairs=${3:-5}
port=7777

[ "$(id -u)" = 0 ] || { echo "bench/portforward.sh: needs root" >&2; exit 77; }
tmp=$(mktemp -d /tmp/podenter-bench-pf.XXXXXX)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -o "$tmp/pfbench" "$here/pfbench.c" || exit 1
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# the pod: a network namespace with only its loopback, the server on it
unshare -n sh -c 'ip link set lo up && exec "$0" server 127.0.0.1 '$port \
	"$tmp/pfbench" >"$tmp/server.out" 2>&1 &
pod=$!
pids+=("$pod")
disown "$pod" # killed at the end without a word from bash
for _ in $(seq 100); do grep -q listening "$tmp/server.out" && break; sleep 0.05; done
grep -q listening "$tmp/server.out" || { echo "the server did not start" >&2; exit 1; }

# traffic only over loopbacks: the node's and the pod's own
ip route get 127.0.0.1 | grep -q ' dev lo ' || { echo "127.0.0.1 is not on the node's lo" >&2; exit 1; }
nsenter -t "$pod" -n ip route get 127.0.0.1 | grep -q ' dev lo ' ||
	{ echo "127.0.0.1 is not on the pod's lo" >&2; exit 1; }

# start_forward NAME BINARY: sets pf_NAME (its pid) and port_NAME
start_forward() {
	local name=$1 bin=$2 p lp
	"$bin" port-forward -q "pid:$pod" "0:$port" >"$tmp/pf.$name.out" 2>"$tmp/pf.$name.err" &
	p=$!
	pids+=("$p")
	disown "$p"
	for _ in $(seq 100); do grep -q Forwarding "$tmp/pf.$name.out" && break; sleep 0.05; done
	lp=$(sed -nE 's/^Forwarding from 127\.0\.0\.1:([0-9]+) .*/\1/p' "$tmp/pf.$name.out" | head -1)
	[ -n "$lp" ] || { echo "port-forward ($bin) did not start: $(cat "$tmp/pf.$name.err")" >&2; exit 1; }
	printf -v "pf_$name" %s "$p"
	printf -v "port_$name" %s "$lp"
}
start_forward new "$PODENTER"
forwards=(new)
if [ -n "$BASE" ]; then
	start_forward base "$BASE"
	forwards+=(base)
fi

direct() { nsenter -t "$pod" -n "$tmp/pfbench" "$1" 127.0.0.1 "$port" "$2"; }
forwarded() { # NAME MODE ARG
	local lp="port_$1"
	"$tmp/pfbench" "$2" 127.0.0.1 "${!lp}" "$3"
}
# CPU time (user + system, clock ticks) of a process so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
declare -A cpu=([new]=0 [base]=0)

# path_cpu CLIENT-SECONDS SERVER-TICKS PODENTER-TICKS: the CPU seconds per
# GiB of a transfer's whole path (client, server and relay): where the
# machine's CPU is the limit, the throughput ratio tends to the ratio of
# these (direct / forwarded), whatever the relay's scheduling
path_cpu() {
	awk -v c="$1" -v s="$2" -v p="$3" -v hz="$hz" -v m="$mib" \
		'BEGIN { printf "%.3f", (c + (s + p) / hz) / (m / 1024) }'
}
hz=$(getconf CLK_TCK)

# order FIRST SECOND: the forwards in this round's order; with a base build
# the two swap places every round, so neither always runs second
order() {
	if [ -n "$BASE" ] && [ $(($1 % 2)) = 1 ]; then echo "base new"; else echo "${forwards[*]}"; fi
}
# one line per pair in $tmp/MODE: the direct figure, then each forward's
# (always in the order of $forwards, whatever order they ran in)
for round in $(seq "$pairs"); do
	for mode in up down; do
		server_before=$(ticks "$pod")
		read -r d client_cpu <<<"$(direct "$mode" "$mib")" || exit 1
		path_cpu=$(path_cpu "$client_cpu" $(($(ticks "$pod") - server_before)) 0)
		declare -A got=() got_cpu=()
		for f in $(order "$round"); do
			pid="pf_$f"
			before=$(ticks "${!pid}")
			server_before=$(ticks "$pod")
			read -r v client_cpu <<<"$(forwarded "$f" "$mode" "$mib")" || exit 1
			[ -n "$v" ] || exit 1
			got[$f]=$v
			got_cpu[$f]=$(path_cpu "$client_cpu" $(($(ticks "$pod") - server_before)) \
				$(($(ticks "${!pid}") - before)))
			cpu[$f]=$((cpu[$f] + $(ticks "${!pid}") - before))
		done
		line=$d
		cpu_line=$path_cpu
		for f in "${forwards[@]}"; do
			line+=" ${got[$f]}"
			cpu_line+=" ${got_cpu[$f]}"
		done
		echo "$line" >>"$tmp/$mode"
		echo "$cpu_line" >>"$tmp/$mode.cpu"
	done
done
# ROUND-TRIPS 0: throughput only
for round in $(seq "$pairs"); do
	[ "$trips" -gt 0 ] || break
	d=$(direct rtt "$trips") || exit 1 # mean median p99
	declare -A got=()
	for f in $(order "$round"); do
		got[$f]=$(forwarded "$f" rtt "$trips") || exit 1
	done
	line=$d
	for f in "${forwards[@]}"; do line+=" ${got[$f]}"; done
	echo "$line" >>"$tmp/rtt"
done

# stats COLUMN-EXPRESSION <FILE: "median min max" of an awk expression over
# the lines (one per pair)
stats() {
	awk "{ print $1 }" | sort -g |
		awk '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %s %s\n", m, v[1], v[NR] }'
}
gib=$(awk -v m="$mib" -v p="$pairs" 'BEGIN { print m * p * 2 / 1024 }')

header="| measure | direct, in the pod's netns | through port-forward"
rule="|---|---|---"
[ -n "$BASE" ] && header+=" | base build (PODENTER_BASE)" && rule+="|---"
echo "$header | goal |"
echo "$rule|---|"
# throughput rows: direct MB/s (median), then per forward: the median of
# the per-pair ratios, (min-max), and the median MB/s
for mode in up down; do
	[ "$mode" = up ] && what="node -> pod" || what="pod -> node"
	read -r d _ <<<"$(stats '$1' <"$tmp/$mode")"
	row="| throughput $what | $(printf '%.0f' "$d") MB/s"
	col=2
	for _ in "${forwards[@]}"; do
		read -r r rmin rmax <<<"$(stats "\$$col / \$1" <"$tmp/$mode")"
		read -r v _ <<<"$(stats "\$$col" <"$tmp/$mode")"
		row+=$(awk -v r="$r" -v a="$rmin" -v b="$rmax" -v v="$v" \
			'BEGIN { printf " | %.2fx (%.2f-%.2f), %d MB/s", r, a, b, v }')
		col=$((col + 1))
	done
	echo "$row | >= 0.8x |"
done
# round trips: columns 1-3 direct mean, median, p99; 4-6 the first forward...
for k in 1 2 3; do
	[ "$trips" -gt 0 ] || break
	name=$(echo "mean median p99" | cut -d' ' -f$k)
	read -r d _ <<<"$(stats "\$$k" <"$tmp/rtt")"
	row="| 64-byte round trip, $name | $(printf '%.1f' "$d") us"
	col=$((k + 3))
	for _ in "${forwards[@]}"; do
		read -r a amin amax <<<"$(stats "\$$col - \$$k" <"$tmp/rtt")"
		row+=$(awk -v a="$a" -v x="$amin" -v y="$amax" \
			'BEGIN { printf " | %+.1f us (%+.1f to %+.1f)", a, x, y }')
		col=$((col + 3))
	done
	[ "$k" = 1 ] && row+=" | < +100 us |" || row+=" | |"
	echo "$row"
done
row="| CPU per GiB, the whole path (client, server, podenter)"
read -r dc _ <<<"$(cat "$tmp/up.cpu" "$tmp/down.cpu" | stats '$1')"
row+=" | $dc s"
col=2
for _ in "${forwards[@]}"; do
	read -r fc _ <<<"$(cat "$tmp/up.cpu" "$tmp/down.cpu" | stats "\$$col")"
	row+=$(awk -v d="$dc" -v f="$fc" 'BEGIN { printf " | %.3f s (direct / this: %.2fx)", f, d / f }')
	col=$((col + 1))
done
echo "$row | |"
row="| podenter's own CPU per GiB forwarded |"
for f in "${forwards[@]}"; do
	row+=$(awk -v t="${cpu[$f]}" -v hz="$hz" -v g="$gib" 'BEGIN { printf " | %.2f s", t / hz / g }')
done
echo "$row | |"
echo
echo "$mib MiB per transfer, $trips round trips, $pairs pairs (direct, then forwarded$([ -n "$BASE" ] && echo " by this build and the base build, which goes first every other round"), in turn); ratio: median of the per-pair ratios (min-max); round trip: median of the per-pair differences. $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cpus, load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)."
if [ -n "${PF_BENCH_RAW:-}" ]; then
	for mode in up down up.cpu down.cpu rtt; do
		echo
		echo "$mode, one line per pair (direct, ${forwards[*]}):"
		cat "$tmp/$mode" 2>/dev/null
	done
fi
