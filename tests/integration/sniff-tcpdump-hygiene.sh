#!/bin/bash
# sniff --tcpdump runs a node binary as root in the pod's network
# namespace: it gets the session's hygiene (issue 13). The caller's
# environment (FOO, LD_PRELOAD) does not reach it, nor an extra fd the
# caller had open (fd 5); it runs with no_new_privs, as tcpdump's own
# user from its start (podenter makes the switch, tcpdump does none) with
# CAP_NET_RAW and CAP_NET_ADMIN alone; and it dies with podenter: after a
# kill -9 of podenter no tcpdump is left (a tcpdump that switched its uid
# itself lost its parent-death signal and kept running, issue 13).
source "$TESTLIB"
t_require_root
source "$(dirname "${BASH_SOURCE[0]}")/sniff-common.sh"

s_make_pod 1 || { t_fail "making pod 1"; t_done; }
P1=${S_PID[1]}

# a harmless LD_PRELOAD (the C library, loaded anyway) that must not reach
# tcpdump all the same
libc=$(ldd /bin/true | awk '/libc\.so/ { print $3 }')
[ -e "$libc" ] || t_skip_all "cannot find the C library for a harmless LD_PRELOAD"
: >"$T_TMP/caller-fd5"
FOO=from-the-caller LD_PRELOAD=$libc "$PODENTER" sniff "pid:$P1" --tcpdump -- icmp \
	>"$T_TMP/td.out" 2>"$T_TMP/td.err" 5>>"$T_TMP/caller-fd5" &
pe=$!
t_cleanup "kill -9 $pe"
td=
for _ in $(seq 200); do
	td=$(pgrep -P "$pe" -x tcpdump | head -1)
	[ -n "$td" ] && [ -n "$(ls "/proc/$td/fd" 2>/dev/null)" ] && break
	td=
	sleep 0.05
done
if [ -z "$td" ]; then
	t_fail "tcpdump did not start: $(cat "$T_TMP/td.err")"
	t_done
fi
env=$(tr '\0' '\n' <"/proc/$td/environ")
t_expect_nomatch "the caller's FOO does not reach tcpdump" "$env" "^FOO="
t_expect_nomatch "the caller's LD_PRELOAD does not reach tcpdump" "$env" "^LD_PRELOAD="
t_expect_match "tcpdump has the standard PATH" "$env" "^PATH=/usr/local/sbin:"
links=$(for f in /proc/$td/fd/*; do readlink "$f"; done)
t_expect_nomatch "the caller's fd 5 is not open in tcpdump" "$links" "caller-fd5"
t_expect_eq "tcpdump runs with no_new_privs" \
	"$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$td/status")" 1
want=$(id -u tcpdump 2>/dev/null || echo 65534)
t_expect_eq "tcpdump runs as its own user (real, effective, saved)" \
	"$(awk '/^Uid:/ { print $2, $3, $4 }' "/proc/$td/status")" "$want $want $want"
# CAP_NET_ADMIN (12) and CAP_NET_RAW (13), nothing else, or less (tcpdump
# may drop what it no longer needs once the capture is open)
capbnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$td/status")
t_expect_eq "tcpdump's bounding set is NET_ADMIN and NET_RAW" "$capbnd" 0000000000003000
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$td/status")
if [ $((0x$capeff & ~0x3000)) = 0 ]; then t_pass "tcpdump holds no capability beyond NET_ADMIN and NET_RAW"
else t_fail "tcpdump holds capabilities $capeff"; fi

# podenter killed without a chance to clean up: tcpdump must not survive it
kill -9 "$pe"
wait "$pe" 2>/dev/null
gone=no
for _ in $(seq 100); do
	# gone, or a zombie (dead: this node's PID 1 may never reap it)
	state=$(awk '/^State:/ { print $2 }' "/proc/$td/status" 2>/dev/null)
	case $state in "" | Z | X) gone=yes; break ;; esac
	sleep 0.05
done
t_expect_eq "tcpdump dies with podenter (kill -9), within 5 s" "$gone" yes
[ "$gone" = yes ] || kill -9 "$td"

t_done
