# shellcheck shell=bash
# Issue 13's attacks on a session, made by a real pod of the node (sourced by
# tests/node/e2e.sh; uses its run/expect helpers). The attacker is the pod
# attack/hostile (tests/node/pods/hostile.json: busybox, the runtime's default
# capabilities plus SYS_PTRACE, as `securityContext.capabilities.add` gives
# them), and every attacking process is started in it the way `kubectl exec`
# does: `ctr task exec` (runc exec with the container's own process spec:
# its capabilities, its namespaces, its root). Programs the pod would bring
# are copied into its root file system first (tests/reaper-attack and
# tests/try-syscall-static, both static; `make check` builds them).
#
#   hostile-ptrace-reaper      hole 2: ptrace and /proc of the reaper
#   hostile-ptrace-window      hole 2: ptrace of the session's processes
#                              before they execute
#   hostile-planted-sh         hole 2: the same attacker as the pod's /bin/sh
#   hostile-session-root-fd    hole 3: /proc/<session>/root and fd/1
#   hostile-session-fds        hole 10: the session's fds before exec
#   hostile-planted-ptmx       hole 4: a FIFO planted as the pod's /dev/ptmx
#   hostile-stops-reaper       hole 5: SIGSTOP of the reaper
#   hostile-code-under-seccomp hole 12: the pod's code under runtime-default
#
# Holes 6-9 and 11 are not reachable from a pod (files podenter writes on the
# node, the image cache, image tarballs, --host-root trees, the build): their
# attacks stay in tests/integration (harden-files.sh, image-cache.sh,
# test_image, debian-package.sh).

HOSTILE_NS=attack
HOSTILE_POD=hostile
ATTACK_BIN="$REPO_DIR/tests/reaper-attack"
PROBE_BIN="$REPO_DIR/tests/try-syscall-static"
WINDOW_BIN="$REPO_DIR/tests/ptrace-window-attack"
HOSTILE_PIDS=()

hostile_cleanup() {
	local p
	for p in "${HOSTILE_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	HOSTILE_PIDS=()
}

hostile_pid() { pid_of "$HOSTILE_NS" "$HOSTILE_POD"; }
hostile_cid() { truth "one('$HOSTILE_NS', '$HOSTILE_POD')['container_id']"; }
# the PID a host process has in the pod's PID namespace
inner_pid() { awk '/^NSpid:/ { print $NF }' "/proc/$1/status" 2>/dev/null; }
stopped() { grep -q '^State:.*stopped' "/proc/$1/status" 2>/dev/null; }

# in_pod CMD...: run CMD as a process of the hostile pod (kubectl exec);
# sets OUT, ERR and RC like run
in_pod() {
	run ctr --address "$CRI_SOCKET" -n k8s.io task exec --exec-id "hostile-$$-$RANDOM" "$(hostile_cid)" "$@"
}

# plant FILE PATH-IN-POD: the pod brings a program of its own
plant() {
	local root
	root=/proc/$(hostile_pid)/root
	[[ -x $1 ]] || { say "FAILED: $1 is not built (make check builds it)"; return 1; }
	cp "$1" "$root/$2" && chmod 755 "$root/$2"
}

# wait_for_cmd PATTERN: the host PID of a session command (full command line)
wait_for_cmd() {
	local c
	for _ in $(seq 200); do
		c=$(pgrep -x -f "$1" | head -1)
		[[ -n $c ]] && { echo "$c"; return 0; }
		sleep 0.05
	done
	return 1
}

get() { printf '%s\n' "$OUT" | sed -n "s/^$1 //p"; }

# wait_for_reaper HOST-PID: until the session's reaper runs its own program
# (it executes it right after the command started); a build whose reaper
# never does is then attacked as it is
wait_for_reaper() {
	for _ in $(seq 100); do
		[[ $(cat "/proc/$1/comm" 2>/dev/null) == podenter-reaper ]] && return 0
		sleep 0.05
	done
}

# wait_blocked_open CMDLINE: until a process with that command line sits in
# open(2) (a reader blocked on a FIFO); its host PID
wait_blocked_open() {
	local p
	for _ in $(seq 100); do
		p=$(pgrep -x -f "$1" | head -1)
		if [[ -n $p ]] && [[ $(cut -d' ' -f1 "/proc/$p/syscall" 2>/dev/null) =~ ^(2|257|437)$ ]]; then
			echo "$p"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# What tests/reaper-attack found (in OUT); mirrors harden-reaper.sh.
expect_reaper_powerless() { # WHO
	local who=$1 k bad=0 node_id
	node_id=$(stat -L -c '%d:%i' "$PODENTER")
	[[ $(get target) =~ ^[0-9]+\  ]] || { say "FAILED: $who: the attacker did not reach the reaper"; return 1; }
	for k in CapEff CapPrm CapBnd; do
		expect_eq "$who: the reaper's $k is CAP_KILL alone" "$(get status-$k)" 0000000000000020 || bad=1
	done
	for k in CapInh CapAmb; do
		expect_eq "$who: the reaper's $k" "$(get status-$k)" 0000000000000000 || bad=1
	done
	expect_eq "$who: no_new_privs" "$(get status-NoNewPrivs)" 1 || bad=1
	expect_eq "$who: seccomp" "$(get status-Seccomp)" 2 || bad=1
	[[ $(get exe-link) == /memfd:podenter-reaper* ]] || { say "FAILED: $who: /proc/<reaper>/exe is $(get exe-link)"; bad=1; }
	[[ -n $(get exe-stat) && $(get exe-stat) != "$node_id" ]] || { say "FAILED: $who: /proc/<reaper>/exe is the node's podenter"; bad=1; }
	for k in exe-open-write exe-open-rdwr; do
		[[ $(get $k) =~ ^(ETXTBSY|EPERM|EACCES)$ ]] || { say "FAILED: $who: $k of /proc/<reaper>/exe: $(get $k)"; bad=1; }
	done
	expect_eq "$who: the reaper maps no file but its memfd" "$(get maps-files)" '/memfd:podenter-reaper (deleted)|' || bad=1
	expect_eq "$who: the reaper's environment" "$(get environ-bytes)" 0 || bad=1
	expect_eq "$who: the reaper's fds" "$(get fd-count)" 1 || bad=1
	if [[ $(uname -m) == x86_64 ]]; then
		expect_eq "$who: the pod takes the reaper over with ptrace" "$(get ptrace-seize) $(get inject-wait4)" "ok ok" || bad=1
		expect_eq "$who: the taken-over reaper cannot unshare" "$(get inject-unshare)" EPERM || bad=1
		expect_eq "$who: the taken-over reaper cannot make a procfs" "$(get inject-fsopen)" EPERM || bad=1
	fi
	return "$bad"
}

# Hole 2: a pod holding CAP_SYS_PTRACE goes after the reaper of a running
# session (--profile baseline: the session holds less than the pod).
check_hostile_ptrace_reaper() {
	local pe cmd reaper bad=0
	trap hostile_cleanup EXIT
	plant "$ATTACK_BIN" /tmp/reaper-attack || return 1
	"$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --profile baseline --view none -- sleep 1216 \
		</dev/null >/dev/null 2>&1 &
	pe=$!
	HOSTILE_PIDS+=("$pe")
	cmd=$(wait_for_cmd 'sleep 1216') || { say "FAILED: the session did not start"; return 1; }
	reaper=$(ps -o ppid= -p "$cmd" | tr -d ' ')
	wait_for_reaper "$reaper"
	in_pod /tmp/reaper-attack "$(inner_pid "$reaper")"
	expect_reaper_powerless "CAP_SYS_PTRACE pod" || bad=1
	kill -TERM "$pe"
	RC=0
	timeout 10 tail --pid="$pe" -f /dev/null || RC=124
	wait "$pe" || RC=$?
	expect_eq "after the attack the session ends as asked (SIGTERM)" "$RC" 143 || bad=1
	return "$bad"
}

# Hole 2, before the reaper executes: the pod (CAP_SYS_PTRACE) seizes every
# new PID of its namespace as soon as it exists (tests/ptrace-window-attack.c)
# while sessions start one after the other; the session's processes are
# podenter's code with podenter's capabilities until they execute, and
# podenter holds them as their tracer until then (traceguard.h). None may be
# caught holding CAP_SYS_ADMIN; the attacker must have met them (EPERM).
# The same attacker also tries the ways to write their memory that the
# trace guard does not stop (/proc/PID/mem opened for writing,
# process_vm_writev: an access check only): it must have reached them, and
# none may hold a capability beyond the pod's bounding set while it could.
check_hostile_ptrace_window() {
	local att i n=16 ok=0 bad=0 out mine root mem_granted mem_refused by_mem by_vm counts
	trap hostile_cleanup EXIT
	plant "$WINDOW_BIN" /tmp/ptrace-window-attack || return 1
	root=/proc/$(hostile_pid)/root
	rm -f "$root/tmp/window-stop"
	: >"$WORK/window.out"
	ctr --address "$CRI_SOCKET" -n k8s.io task exec --exec-id "hostile-$$-window" \
		"$(hostile_cid)" /tmp/ptrace-window-attack 120 /tmp/window-stop >"$WORK/window.out" 2>&1 &
	att=$!
	HOSTILE_PIDS+=("$att")
	for _ in $(seq 200); do grep -q '^ready' "$WORK/window.out" && break; sleep 0.05; done
	grep -q '^ready' "$WORK/window.out" || { say "FAILED: the attacker did not start"; return 1; }
	for i in $(seq $n); do
		if ((i % 2)); then
			run timeout 30 "$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --profile baseline --view none -- true </dev/null
		else
			run timeout 30 "$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --profile baseline -- true </dev/null
		fi
		[[ $RC = 0 ]] && ok=$((ok + 1))
	done
	# the attacker stops at a file the node plants (no exec into the
	# pod meanwhile: runc's own exec process would be a victim too)
	touch "$root/tmp/window-stop"
	timeout 30 tail --pid="$att" -f /dev/null || kill -9 "$att"
	out=$(cat "$WORK/window.out")
	expect_eq "every session ran to the end beside the attacker" "$ok" "$n" || bad=1
	# podenter's processes are "podenter" until they execute
	mine=$(printf '%s\n' "$out" | grep '^seized [0-9]* [0-9a-f]* privileged podenter$')
	expect_eq "no session process caught holding CAP_SYS_ADMIN" "$mine" "" || bad=1
	printf '%s\n' "$out" | grep '^seized [0-9]* [0-9a-f]* privileged' | grep -v ' podenter$' |
		sed 's/^/note: seized, not podenter: /'
	if (($(printf '%s\n' "$out" | grep -c '^refused [0-9]* EPERM') >= n)); then
		say "the attacker met the session's processes: $(printf '%s\n' "$out" | grep '^summary')"
	else
		say "FAILED: the attacker met too few session processes: $(printf '%s\n' "$out" | grep '^summary')"
		bad=1
	fi
	# memprobe PID MEM VM_WRITEV COMM: "granted" or the kernel's errno each
	read -r mem_granted mem_refused by_mem by_vm < <(printf '%s\n' "$out" | awk '$1 == "memprobe" {
		if ($3 == "granted" || $4 == "granted") g++
		else if ($3 == "EACCES" || $4 == "EPERM") r++
		m += $3 == "granted"; v += $4 == "granted"
	} END { print g + 0, r + 0, m + 0, v + 0 }')
	counts="$mem_granted granted (/proc/PID/mem $by_mem, process_vm_writev $by_vm), $mem_refused refused"
	if ((mem_granted + mem_refused >= n)); then
		say "the attacker reached the session's processes' memory: $counts"
	else
		say "FAILED: the attacker reached the memory of too few session processes ($n sessions): $counts"
		bad=1
	fi
	expect_eq "no session process's memory writable while it held more than the pod" \
		"$(printf '%s\n' "$out" | grep -c '^memopen [0-9]* [0-9a-f]* [0-9a-f]* [0-9a-f]* privileged')" 0 || bad=1
	((bad)) && printf '%s\n' "$out" | grep -v '^refused\|^memprobe' | head -20
	printf '%s\n' "$out" | grep '^summary\|^memsummary\|^attacker-bounding'
	return "$bad"
}

# Hole 2 again: the attacker planted as the pod's /bin/sh, run as the
# session's shell by a general-profile session (which holds SYS_PTRACE).
check_hostile_planted_sh() {
	local root bad=0
	root=/proc/$(hostile_pid)/root
	[[ -x $ATTACK_BIN ]] || { say "FAILED: $ATTACK_BIN is not built (make check builds it)"; return 1; }
	mv "$root/bin/sh" "$root/bin/sh.hostile-orig" || return 1
	# shellcheck disable=SC2064 # the path now
	trap "mv -f '$root/bin/sh.hostile-orig' '$root/bin/sh'" EXIT
	cp "$ATTACK_BIN" "$root/bin/sh" || return 1
	run "$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --profile general --view none </dev/null
	expect_eq "the planted /bin/sh ran as the session's shell" "$RC" 0 || bad=1
	expect_reaper_powerless "planted /bin/sh" || bad=1
	return "$bad"
}

# Hole 3: root of the pod (the same uid, more capabilities than a baseline
# session) reaches the session through /proc/<session>: its root is the
# curated tools tree, never the node's (/etc/shadow, kubelet's directory),
# and its fd 1 is a pipe, never the operator's output file on the node.
check_hostile_session_root_fd() {
	local pe cmd inner bad=0
	trap hostile_cleanup EXIT
	echo "secret-before" >"$WORK/node-out"
	"$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --profile baseline -- sleep 3131 \
		</dev/null >>"$WORK/node-out" 2>"$WORK/session.err" &
	pe=$!
	HOSTILE_PIDS+=("$pe")
	cmd=$(wait_for_cmd 'sleep 3131') || { say "FAILED: the session did not start"; cat "$WORK/session.err"; return 1; }
	inner=$(inner_pid "$cmd")
	# shellcheck disable=SC2016 # expanded in the pod
	in_pod sh -c '
		r=/proc/$1/root
		ls "$r/" >/dev/null 2>&1 && echo "reach root" || echo "reach none"
		[ -d "$r/usr/bin" ] && echo "reach usr-bin"
		for f in etc/shadow etc/gshadow root var/lib/kubelet etc/kubernetes run/containerd; do
			if [ -e "$r/$f" ]; then echo "exposed $f"; else echo "absent $f"; fi
		done
		echo "fd1 $(readlink /proc/$1/fd/1)"
		: >"/proc/$1/fd/1" && echo "reopened fd1"
		echo attack-done' sh "$inner"
	expect_contains "the attack ran" "$OUT" "attack-done" || bad=1
	expect_contains "the pod reaches the session's root (the attack is real)" "$OUT" "reach usr-bin" || bad=1
	expect_not_contains "nothing of the node's beyond the tools" "$OUT" "exposed" || bad=1
	expect_contains "fd 1 is the session's pipe" "$OUT" "fd1 pipe:" || bad=1
	expect_eq "the node's file is untouched" "$(head -1 "$WORK/node-out")" "secret-before" || bad=1
	kill -TERM "$pe"
	wait "$pe" 2>/dev/null || true
	return "$bad"
}

# Hole 10: while the session's command is attached in the pod's PID
# namespace (paused by the test hook right before it closes its fds), the
# pod lists every fd of the reaper and of the command: none is a handle of
# the node's (the pinned /proc, the pidfd, the audit log).
check_hostile_session_fds() {
	local pe r c reaper="" child="" bad=0
	if ! grep -q -e "PODENTER_TEST_%s" -e PODENTER_TEST_PAUSE_AT "$PODENTER"; then
		say "FAILED: $PODENTER has no test hooks (./configure --enable-test-hooks, as test.sh builds)"
		return 1
	fi
	trap hostile_cleanup EXIT
	PODENTER_TEST_PAUSE_AT=child-attached "$PODENTER" --audit-log "$WORK/audit.log" \
		-n "$HOSTILE_NS" "$HOSTILE_POD" --view none -- true </dev/null >/dev/null 2>&1 &
	pe=$!
	HOSTILE_PIDS+=("$pe")
	for _ in $(seq 200); do
		for r in $(pgrep -P "$pe"); do
			c=$(pgrep -P "$r" | head -1)
			if [[ -n $c ]] && stopped "$c"; then reaper=$r child=$c; fi
		done
		[[ -n $child ]] && break
		sleep 0.05
	done
	[[ -n $child ]] || { say "FAILED: the session's command never paused"; return 1; }
	# shellcheck disable=SC2016 # expanded in the pod
	local in_reaper in_child
	in_reaper=$(inner_pid "$reaper") in_child=$(inner_pid "$child")
	in_pod sh -c 'for p in "$@"; do for f in /proc/$p/fd/*; do echo "$p ${f##*/} $(readlink "$f")"; done; done' \
		sh "$in_reaper" "$in_child"
	kill -CONT "$child" 2>/dev/null
	expect_contains "the pod lists the command's fds (the attack is real)" "$OUT" "$in_child 0 " || bad=1
	expect_not_contains "no pidfd" "$OUT" "pidfd" || bad=1
	expect_not_contains "no audit log" "$OUT" "audit.log" || bad=1
	expect_not_contains "no /proc handle" "$OUT" " /proc" || bad=1
	# the reaper holds its own program until it executes it: a sealed
	# memfd of the tiny reaper the stage made (reaper.h), no node path
	expect_not_contains "no node path at all" \
		"$(printf '%s\n' "$OUT" | grep -v "^$in_reaper [0-9]* /memfd:podenter-reaper")" " /" || bad=1
	expect_not_contains "the command holds no memfd" \
		"$(printf '%s\n' "$OUT" | grep "^$in_child ")" "/memfd:" || bad=1
	wait "$pe" 2>/dev/null || true
	return "$bad"
}

# Hole 4: the pod plants a FIFO as its /dev/ptmx and waits on it; a session
# with a pty and the container's own tree must take its pty from the node's
# devpts and never open the planted node.
check_hostile_planted_ptmx() {
	local root reader node_pts bad=0
	root=/proc/$(hostile_pid)/root
	node_pts=$(stat -c %d /dev/pts)
	mv "$root/dev/ptmx" "$root/dev/ptmx.hostile-orig" || return 1
	# shellcheck disable=SC2064 # the paths now
	trap "hostile_cleanup; timeout 2 sh -c 'echo >$root/dev/ptmx' 2>/dev/null; rm -f '$root/dev/ptmx' '$root/tmp/ptmx-opened'; mv -f '$root/dev/ptmx.hostile-orig' '$root/dev/ptmx'" EXIT
	mkfifo -m 666 "$root/dev/ptmx" || return 1
	rm -f "$root/tmp/ptmx-opened"
	# the pod's reader: released (and leaves its marker) when the FIFO is opened
	ctr --address "$CRI_SOCKET" -n k8s.io task exec --exec-id "hostile-$$-reader" "$(hostile_cid)" \
		sh -c 'cat /dev/ptmx >/dev/null; touch /tmp/ptmx-opened' >/dev/null 2>&1 &
	reader=$!
	HOSTILE_PIDS+=("$reader")
	wait_blocked_open 'cat /dev/ptmx' >/dev/null || { say "FAILED: the pod's reader did not block on its FIFO"; return 1; }
	run "$PODENTER" -t -n "$HOSTILE_NS" "$HOSTILE_POD" --view container --tools builtin -- \
		busybox stat -L -c %d /proc/self/fd/0 </dev/null
	expect_eq "the session ran with a pty (-t)" "$RC" 0 || bad=1
	expect_eq "its pty is one of the node's devpts" "$(printf '%s' "$OUT" | tr -d '\r')" "$node_pts" || bad=1
	sleep 0.5
	if [[ -e $root/tmp/ptmx-opened ]]; then
		say "FAILED: podenter opened the pod's planted /dev/ptmx"
		bad=1
	fi
	return "$bad"
}

# Hole 5: the pod stops the reaper (SIGSTOP, from inside its PID namespace)
# while the command runs: podenter returns within its bound with the
# command's status.
check_hostile_stops_reaper() {
	# HOSTILE_REAPER_SECONDS: how long the session's command runs; the pod
	# must stop the reaper meanwhile (tests/vm/guest.sh sets it longer:
	# under emulation `ctr task exec` alone takes more than 1.5 s)
	local secs=${HOSTILE_REAPER_SECONDS:-1.5} pe cmd reaper start ms limit_ms bad=0
	limit_ms=$(awk -v s="$secs" 'BEGIN { printf "%d", s * 1000 + 4500 }')
	trap hostile_cleanup EXIT
	start=$(date +%s%N)
	"$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --view none -- sh -c "exec sleep $secs" \
		</dev/null >/dev/null 2>"$WORK/stop.err" &
	pe=$!
	HOSTILE_PIDS+=("$pe")
	cmd=$(wait_for_cmd "sleep $secs") || { say "FAILED: the session did not start"; return 1; }
	reaper=$(ps -o ppid= -p "$cmd" | tr -d ' ')
	in_pod kill -STOP "$(inner_pid "$reaper")"
	expect_eq "the pod stopped the reaper" "$RC" 0 || bad=1
	RC=0
	timeout $((limit_ms / 1000 + 10)) tail --pid="$pe" -f /dev/null || { RC=124; kill -9 "$pe"; }
	wait "$pe" || RC=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_eq "podenter returns the command's status" "$RC" 0 || { cat "$WORK/stop.err"; bad=1; }
	((ms < limit_ms)) || { say "FAILED: podenter took $ms ms (bound $limit_ms)"; bad=1; }
	say "back in $ms ms"
	return "$bad"
}

# Hole 12: code of the pod's run by a session (a probe the pod planted)
# under runtime-default, an allowlist: what the runtime's profile does not
# name gets EPERM, TIOCSTI too (also with the high bits set).
check_hostile_code_under_seccomp() {
	local p bad=0
	plant "$PROBE_BIN" /tmp/try-syscall || return 1
	run "$PODENTER" -n "$HOSTILE_NS" "$HOSTILE_POD" --view none -- /tmp/try-syscall </dev/null
	expect_eq "the probe ran" "$RC" 0 || return 1
	for p in tiocsti tiocsti-high tioclinux unshare setns mount keyctl kexec_load \
		open_by_handle_at unknown userfaultfd perf_event_open; do
		expect_eq "runtime-default: $p" "$(get "$p")" EPERM || bad=1
	done
	expect_eq "runtime-default: getppid allowed" "$(get getppid)" ok || bad=1
	expect_eq "runtime-default: other ioctls allowed" "$(get tiocgwinsz)" EBADF || bad=1
	return "$bad"
}
