#!/bin/bash
# Does podenter sniff keep up? A burst of small UDP packets at a set rate
# into one pod (and into two pods at once), captured to a file; records
# what the sender sent, what podenter captured and what the kernel dropped,
# and the same burst under the host's tcpdump in the pod's netns for
# comparison. Not a test: numbers depend on the machine and its load.
#
#   bench/sniff.sh [PACKETS] [RATE-PER-POD...]      (as root, after make)
#   defaults: 200000 packets, rates 100000 and 200000 packets/s
#
# Results are printed and written to bench/out/sniff.txt.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
export PODENTER=${PODENTER:-$top/podenter}
TESTLIB=${TESTLIB:-$top/tests/integration/lib.sh}
# shellcheck source=/dev/null
source "$TESTLIB"
t_require_root
# shellcheck source=/dev/null
source "$top/tests/integration/sniff-common.sh"

packets=${1:-200000}
shift || true
rates=("${@:-100000}")
[ $# -eq 0 ] && rates=(100000 200000)
mkdir -p "$here/out"
report=$here/out/sniff.txt

# The sender: UDP datagrams of 18 bytes (64-byte frames), sendmmsg in
# batches, paced against the clock so the rate holds on average.
cat >"$T_TMP/blast.c" <<'C'
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define BATCH 32
static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}
int main(int argc, char **argv)
{
	long total = atol(argv[3]), rate = atol(argv[4]), sent = 0;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
	struct mmsghdr m[BATCH];
	struct iovec iov[BATCH];
	char payload[18] = "podenter-bench";
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	double t0;

	inet_pton(AF_INET, argv[1], &to.sin_addr);
	memset(m, 0, sizeof(m));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = sizeof(payload);
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &to;
		m[i].msg_hdr.msg_namelen = sizeof(to);
	}
	t0 = now();
	while (sent < total) {
		int n = total - sent < BATCH ? (int)(total - sent) : BATCH;
		double due = t0 + (double)sent / rate;
		int r;

		while (now() < due)
			;
		r = sendmmsg(s, m, n, 0);
		if (r > 0)
			sent += r;
	}
	printf("%ld %.0f\n", sent, sent / (now() - t0));
	return 0;
}
C
gcc -O2 -o "$T_TMP/blast" "$T_TMP/blast.c" || exit 1

s_make_pod 1 || exit 1
s_make_pod 2 || exit 1
# nobody listens on the port: keep the pod's "port unreachable" replies
# out of the figures
for n in 1 2; do
	ip netns exec "${S_TAG}n$n" sysctl -qw net.ipv4.icmp_ratelimit=1000000
done

captured_of() { # pod-label stderr-file
	sed -n "s|^$1: \\([0-9]*\\) packets captured, \\([0-9]*\\) dropped.*|\\1 \\2|p" "$2"
}

run_podenter() { # rate pods...
	local rate=$1 n
	shift
	local targets=() blasts=()
	for n in "$@"; do targets+=("pid:${S_PID[$n]}"); done
	s_sniff_bg "${targets[@]}" -w "$T_TMP/bench.pcapng" -- udp port 9999 || return 1
	for n in "$@"; do
		"$T_TMP/blast" "${S_NET[$n]}.2" 9999 "$packets" "$rate" >"$T_TMP/sent$n" &
		blasts+=($!)
	done
	wait "${blasts[@]}"
	sleep 0.5
	# CPU podenter spent capturing (utime + stime, clock ticks)
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$S_SNIFF/stat")
	s_sniff_stop INT
	for n in "$@"; do
		read -r sent achieved <"$T_TMP/sent$n"
		read -r got dropped < <(captured_of "pid:${S_PID[$n]}" "$T_TMP/sniff.err")
		printf '%-22s pods=%d rate=%-7s sent=%-7s achieved=%-7s captured=%-7s kernel-dropped=%s\n' \
			"podenter sniff" "$#" "$rate" "$sent" "$achieved" "$got" "$dropped"
	done
	printf '%-22s file=%s bytes, podenter cpu=%ss\n' "" "$(stat -c %s "$T_TMP/bench.pcapng")" "$cpu"
}

run_tcpdump() { # rate
	local rate=$1 tp sent achieved
	ip netns exec "${S_TAG}n1" tcpdump -p -n -i eth0 -w "$T_TMP/td.pcap" udp port 9999 \
		2>"$T_TMP/td.err" &
	tp=$!
	t_wait_for 200 grep -q "listening on" "$T_TMP/td.err"
	"$T_TMP/blast" "${S_NET[1]}.2" 9999 "$packets" "$rate" >"$T_TMP/sent1"
	sleep 0.5
	kill -INT "$tp"
	wait "$tp"
	read -r sent achieved <"$T_TMP/sent1"
	printf '%-22s pods=1 rate=%-7s sent=%-7s achieved=%-7s captured=%-7s kernel-dropped=%s\n' \
		"tcpdump (in netns)" "$rate" "$sent" "$achieved" \
		"$(sed -n 's/^\([0-9]*\) packets captured/\1/p' "$T_TMP/td.err")" \
		"$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$T_TMP/td.err")"
}

{
	echo "# bench/sniff.sh $(date -u +%FT%TZ) $(uname -r) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# $packets packets of 64 bytes per pod per run, 4 MiB ring per interface (default)"
	for rate in "${rates[@]}"; do
		run_podenter "$rate" 1
		run_tcpdump "$rate"
		run_podenter "$rate" 1 2
	done
} | tee "$report"
