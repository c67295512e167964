#!/bin/bash
# podenter port-forward against a direct connection from the pod's network
# namespace: throughput both ways and the time of a 64-byte round trip.
# The "pod" is a network namespace of its own (unshare -n, loopback up) with
# bench/pfbench.c's server bound to its 127.0.0.1; the direct client runs in
# that namespace (nsenter -n), the forwarded one on the node's 127.0.0.1.
# Goals (issue 15): >= 0.8x the direct throughput, < 100 us added per round
# trip. Not a test: numbers depend on the machine and its load.
#
#   bench/portforward.sh [MIB] [ROUND-TRIPS] [REPEATS]   (as root, after make)
#   defaults: 1024 MiB per transfer, 20000 round trips, best of 5
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
PODENTER=${PODENTER:-$top/podenter}
mib=${1:-1024}
trips=${2:-20000}
repeats=${3:-5}
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

# the pod: a network namespace with only its loopback, the server on it
unshare -n sh -c 'ip link set lo up && exec "$0" server 127.0.0.1 '$port \
	"$tmp/pfbench" >"$tmp/server.out" 2>&1 &
pod=$!
pids+=("$pod")
for _ in $(seq 100); do grep -q listening "$tmp/server.out" && break; sleep 0.05; done
grep -q listening "$tmp/server.out" || { echo "the server did not start" >&2; exit 1; }

# traffic only over loopbacks: the node's and the pod's own
ip route get 127.0.0.1 | grep -q ' dev lo ' || { echo "127.0.0.1 is not on the node's lo" >&2; exit 1; }
nsenter -t "$pod" -n ip route get 127.0.0.1 | grep -q ' dev lo ' ||
	{ echo "127.0.0.1 is not on the pod's lo" >&2; exit 1; }

"$PODENTER" port-forward -q "pid:$pod" "0:$port" >"$tmp/pf.out" 2>"$tmp/pf.err" &
pf=$!
pids+=("$pf")
for _ in $(seq 100); do grep -q Forwarding "$tmp/pf.out" && break; sleep 0.05; done
lport=$(sed -nE 's/^Forwarding from 127\.0\.0\.1:([0-9]+) .*/\1/p' "$tmp/pf.out" | head -1)
[ -n "$lport" ] || { echo "port-forward did not start: $(cat "$tmp/pf.err")" >&2; exit 1; }

direct() { nsenter -t "$pod" -n "$tmp/pfbench" "$1" 127.0.0.1 "$port" "$2"; }
forwarded() { "$tmp/pfbench" "$1" 127.0.0.1 "$lport" "$2"; }
# median of the runs (alternating, so load changes hit both alike)
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# CPU time (user + system, clock ticks) of a process so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
pf_ticks=0
for mode in up down; do
	: >"$tmp/$mode.direct"
	: >"$tmp/$mode.fwd"
	for _ in $(seq "$repeats"); do
		direct "$mode" "$mib" >>"$tmp/$mode.direct" || exit 1
		before=$(ticks "$pf")
		forwarded "$mode" "$mib" >>"$tmp/$mode.fwd" || exit 1
		pf_ticks=$((pf_ticks + $(ticks "$pf") - before))
	done
done
: >"$tmp/rtt.direct"
: >"$tmp/rtt.fwd"
for _ in $(seq "$repeats"); do
	direct rtt "$trips" >>"$tmp/rtt.direct" || exit 1
	forwarded rtt "$trips" >>"$tmp/rtt.fwd" || exit 1
done

up_d=$(median <"$tmp/up.direct")
up_f=$(median <"$tmp/up.fwd")
down_d=$(median <"$tmp/down.direct")
down_f=$(median <"$tmp/down.fwd")
# the round trip: the run with the median mean, its median and p99 beside
rtt_d=$(sort -n "$tmp/rtt.direct" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
rtt_f=$(sort -n "$tmp/rtt.fwd" | awk '{ v[NR] = $0 } END { print v[int((NR + 1) / 2)] }')
read -r mean_d med_d p99_d <<<"$rtt_d"
read -r mean_f med_f p99_f <<<"$rtt_f"

echo "| measure | direct, in the pod's netns | through port-forward | ratio or added | goal |"
echo "|---|---|---|---|---|"
awk -v d="$up_d" -v f="$up_f" 'BEGIN { printf "| throughput node -> pod | %d MB/s | %d MB/s | %.2fx | >= 0.8x |\n", d, f, f / d }'
awk -v d="$down_d" -v f="$down_f" 'BEGIN { printf "| throughput pod -> node | %d MB/s | %d MB/s | %.2fx | >= 0.8x |\n", d, f, f / d }'
awk -v d="$mean_d" -v f="$mean_f" 'BEGIN { printf "| 64-byte round trip, mean | %.1f us | %.1f us | +%.1f us | < +100 us |\n", d, f, f - d }'
awk -v d="$med_d" -v f="$med_f" 'BEGIN { printf "| 64-byte round trip, median | %.1f us | %.1f us | +%.1f us | |\n", d, f, f - d }'
awk -v d="$p99_d" -v f="$p99_f" 'BEGIN { printf "| 64-byte round trip, p99 | %.1f us | %.1f us | +%.1f us | |\n", d, f, f - d }'
awk -v t="$pf_ticks" -v hz="$(getconf CLK_TCK)" -v gib="$((mib * repeats * 2))" \
	'BEGIN { printf "| podenter'"'"'s own CPU per GiB forwarded | | %.2f s | | |\n", t / hz / (gib / 1024) }'
echo
echo "$mib MiB per transfer, $trips round trips, median of $repeats runs each (alternating); load average after: $(cut -d' ' -f1-3 /proc/loadavg)."
