#!/bin/bash
# --tools host is a curated tree, not the node's root (issue 13, hole 3).
# A session's root is reachable as /proc/<session>/root by any pod process
# whose uid and capabilities cover the session's. The attack: a hostile pod
# process (uid 0 with the runtime's default capabilities against a
# --profile baseline session; uid N against a --user N session) opens the
# node's secrets through the session's root. Canaries stand in for them
# (/root, /home, /var/lib/kubelet, /etc/kubernetes, made here and removed
# after). Then: the session itself still runs the node's tools.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

APP_UID=4321
TAG=podenter-canary-$$
SECRET="node-secret-$$"
# Canaries in the node's secret places, world-readable inside, so that only
# their absence from the session's root protects them (a uid-N pod process
# can traverse /home, /var/lib/kubelet and /etc/kubernetes as made here).
CANARIES=(/root/$TAG /home/$TAG /var/lib/kubelet/$TAG /etc/kubernetes/$TAG)
for d in /var/lib/kubelet /etc/kubernetes /home; do
	if [ ! -e "$d" ]; then
		mkdir -m 0755 "$d"
		t_cleanup "rmdir $d"
	fi
done
for c in "${CANARIES[@]}"; do
	mkdir -m 0755 "$c"
	t_cleanup "rm -rf $c"
	echo "$SECRET" >"$c/secret"
	chmod 0644 "$c/secret"
done
grep -q . /etc/shadow || t_skip_all "this node has an empty /etc/shadow"

v_make_busybox pod
POD_PID=$V_PID POD_ROOT=$V_ROOT
# lo up in the test's own network namespace, for tcpdump to listen on
nsenter -t "$POD_PID" -n ip link set lo up
# the app's own user, as a pod running as a uid has it
echo "app:x:$APP_UID:$APP_UID::/:/bin/sh" >>"$V_ROOT/etc/passwd"

# start_session ARGS...: a session running "sleep $SLEEP_ARG" in the tools
# view with host tools; sets SESSION (its PID in the pod's PID namespace).
SLEEP_ARG=0
start_session() {
	local host_pid i
	SLEEP_ARG=$((3100 + RANDOM % 800))
	t_spawn timeout 60 "$PODENTER" pid:"$POD_PID" --view tools --tools host "$@" \
		-- sleep "$SLEEP_ARG" >/dev/null
	SESSION=
	for ((i = 0; i < 200; i++)); do
		host_pid=$(pgrep -x -f "sleep $SLEEP_ARG" | head -1)
		if [ -n "$host_pid" ]; then
			SESSION=$(awk '/^NSpid:/ { print $NF }' "/proc/$host_pid/status")
			break
		fi
		sleep 0.05
	done
	[ -n "$SESSION" ] || { echo "the session did not start" >&2; exit 1; }
	SESSION_HOST=$host_pid
}
stop_session() { kill -9 "$SESSION_HOST" 2>/dev/null; sleep 0.1; }

# attack WHO USER-ARGS...: a pod process (the container's own cat, in the
# pod's namespaces) tries each node secret through the session's root.
attack() {
	local who=$1 path
	shift
	for path in /etc/shadow /etc/gshadow "${CANARIES[@]/%//secret}"; do
		t_podenter pid:"$POD_PID" --view none "$@" -- \
			cat "/proc/$SESSION/root$path"
		t_expect_nomatch "$who: $path is not readable through /proc/<session>/root" \
			"$T_OUT" "$SECRET|^root:"
		t_expect_eq "$who: reading $path through the session's root fails" \
			"$([ "$T_RC" != 0 ] && echo failed)" failed
	done
	# the attacker does reach the session's root: the test can fail
	t_podenter pid:"$POD_PID" --view none "$@" -- ls "/proc/$SESSION/root/"
	t_expect_rc "$who: the pod process does reach the session's root" 0
	t_expect_match "$who: ... and sees the tools there" "$T_OUT" "^usr$"
	t_expect_nomatch "$who: ... but no /root, /home, /var or /run of the node" \
		"$T_OUT" "^(root|home|var)$"
}

# uid 0 with the runtime's default capabilities (--profile baseline)
# against a baseline session: same uid, same capabilities.
start_session --profile baseline
attack "uid 0, default capabilities" --profile baseline
stop_session

# uid N against a --user N session
start_session --user "$APP_UID"
attack "uid $APP_UID" --user "$APP_UID"
stop_session

# The session itself: the node's tools run, and the node's secrets are not
# in its tree either.
t_podenter pid:"$POD_PID" --view tools --tools host -- sh -c '
	ps -e -o pid,comm | grep -q " 1 sleep" && echo ps-ok
	ip -o link show lo >/dev/null && echo ip-ok
	strace -f -qq -o /dev/null true && echo strace-ok
	timeout 2 tcpdump -i lo -n -c 1 >/tmp/td 2>&1
	grep -q "listening on lo" /tmp/td && ! grep -q "find user" /tmp/td && echo tcpdump-ok
	ls /etc/alternatives >/dev/null && echo alternatives-ok
	for p in /etc/shadow /root /home /var /etc/kubernetes /etc/ssl/private; do
		[ -e "$p" ] && echo "present: $p"
	done
	cat /etc/resolv.conf; cat /etc/hosts; true'
t_expect_rc "host tools: the session ran" 0
for tool in ps ip strace tcpdump alternatives; do
	t_expect_match "host tools: $tool works in the tools view" "$T_OUT" "^$tool-ok$"
done
t_expect_nomatch "host tools: no node secret or state in the session's tree" "$T_OUT" "^present:"
t_expect_match "host tools: the pod's resolv.conf" "$T_OUT" "nameserver 10.96.0.10"
t_expect_match "host tools: the pod's hosts" "$T_OUT" "10.244.1.7 pod-pod"
t_podenter pid:"$POD_PID" --view tools --tools host -- sh -c \
	'touch /usr/x 2>&1; touch /etc/x 2>&1; grep -E " / | /usr " /proc/self/mountinfo'
t_expect_match "host tools: /usr is read-only" "$T_OUT" "/usr/x.*Read-only file system"
t_expect_match "host tools: / is read-only" "$T_OUT" "/etc/x.*Read-only file system"
t_expect_match "host tools: /usr is nosuid,nodev" "$T_OUT" " /usr [^ ]* ro,nosuid,nodev"

# The other views show the same curated tree: the container view at
# /.podenter, the merged view under the container's files.
# A container without /usr gets the node's; one with /usr gets both.
for ctr_usr in no yes; do
	if [ $ctr_usr = yes ]; then
		mkdir -p "$POD_ROOT/usr/share"
		echo "the container's own" >"$POD_ROOT/usr/share/podenter-mark"
	fi
	t_podenter pid:"$POD_PID" --view merged --tools host -- sh -c \
		'ls /usr/bin/strace >/dev/null && echo merged-tools-ok; cat /usr/share/podenter-mark 2>/dev/null
		 [ -e /etc/shadow ] && echo merged-shadow; [ -e /root ] && echo merged-root; true'
	t_expect_rc "merged (container /usr: $ctr_usr): ran" 0
	t_expect_match "merged (container /usr: $ctr_usr): the node's tools are there" "$T_OUT" "^merged-tools-ok$"
	t_expect_nomatch "merged (container /usr: $ctr_usr): no node secrets" "$T_OUT" "^merged-(shadow|root)$"
done
t_expect_match "merged: the container's own /usr files over the node's" "$T_OUT" "^the container's own$"


t_done
