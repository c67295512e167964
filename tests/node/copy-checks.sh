# shellcheck shell=bash
# podenter copy on the real node (sourced by tests/node/e2e.sh; uses its
# run/expect/truth helpers). The pods are tests/node/pods/copy-crashloop.json:
#   writer            busybox as 1234:2345 in /www, env, a configMap volume
#                     and a hostPath one (/node-dir, a scratch node directory);
#                     each run writes /tmp/last-run-marker, logs two lines and
#                     exits 3 (two attempts, both exited)
#   distroless-crash  the distroless server as 65532, which cannot bind :80
#   planter           busybox as root: its runs plant a device node in their
#                     writable layer, delete /www/index.html (a whiteout) and
#                     make /.podenter a link to a directory with a fake shell,
#                     and links out of its root in /tmp (cp-checks.sh)
#   never-started     busybox as 4321 in /www with an env: created through
#                     CRI and never started (x-noStart), as when a start
#                     failed or never came

# Every crash-looping pod really ran twice: attempts 0 and 1 exited, each
# with an id and a log of its own, in the same sandbox.
check_node_copy_pods_restart() {
	local got log
	got=$(truth 'sorted("%s:%s#%d=%s" % (x["pod"], x["container"], x["attempt"], x["state"]) for x in c if x["pod"] in ("writer", "distroless-crash", "planter"))')
	expect_eq "attempts of the crash loops" "$got" \
		'["distroless-crash:hello#0=exited", "distroless-crash:hello#1=exited", "planter:app#0=exited", "planter:app#1=exited", "writer:app#0=exited", "writer:app#1=exited"]' || return 1
	expect_eq "two container ids per pod" \
		"$(truth 'sorted(len(set(x["container_id"] for x in c if x["pod"] == p)) for p in ("writer", "distroless-crash", "planter"))')" \
		"[2, 2, 2]" || return 1
	for log in 0 1; do
		run_ok cat /var/log/pods/default_writer_*/app/$log.log || return 1
		expect_contains "log of attempt $log" "$OUT" "fatal: cannot reach the database" || return 1
	done
}

copy_matches_spec() {
	local ip
	ip=$(truth "sandbox('default', 'writer')['ip']")
	# shellcheck disable=SC2016 # expanded in the copy
	podenter copy writer --no-tty -- sh -c 'id -u; id -g; pwd; echo "$COPY_TEST_ENV"; hostname; cat /etc/app-config/app.conf; ip -4 -o addr show eth0' || return 1
	expect_eq "uid (runAsUser)" "$(sed -n 1p <<<"$OUT")" 1234 || return 1
	expect_eq "gid (runAsGroup)" "$(sed -n 2p <<<"$OUT")" 2345 || return 1
	expect_eq "working directory" "$(sed -n 3p <<<"$OUT")" /www || return 1
	expect_eq "environment" "$(sed -n 4p <<<"$OUT")" from-the-spec || return 1
	expect_eq "hostname" "$(sed -n 5p <<<"$OUT")" writer || return 1
	expect_eq "configMap volume" "$(sed -n 6p <<<"$OUT")" "database=db.example:5432" || return 1
	expect_contains "the pod's IP" "$(sed -n 7p <<<"$OUT")" "inet $ip/"
}

copy_last_run() {
	# a plain copy starts from the image: the last run's file is not there
	run "$PODENTER" copy writer --no-tty -- cat /tmp/last-run-marker
	((RC != 0)) || { say "FAILED: a plain copy sees the last run's file"; return 1; }
	podenter copy writer --last-run --no-tty -- cat /tmp/last-run-marker || return 1
	expect_eq "--last-run sees the last run's file" "$OUT" written-by-the-last-run || return 1
	# the copy's writes vanish, and never reach the last run's layer
	podenter copy writer --last-run --no-tty -- sh -c 'echo changed >/tmp/last-run-marker && cat /tmp/last-run-marker' || return 1
	expect_eq "a write in the copy" "$OUT" changed || return 1
	podenter copy writer --last-run --no-tty -- cat /tmp/last-run-marker || return 1
	expect_eq "the last run's layer after a copy wrote" "$OUT" written-by-the-last-run
}

# A container created and never started has its spec and its (empty)
# writable layer in containerd's files already: copy works, and says no run
# ended.
check_copy_created_never_started() {
	expect_eq "premise: CRI's state" \
		"$(truth 'sorted(x["state"] for x in c if x["pod"] == "never-started")')" '["created"]' || return 1
	# shellcheck disable=SC2016 # expanded in the copy
	podenter copy never-started --no-tty -- sh -c 'id -u; pwd; echo "$NEVER_STARTED_ENV"; cat /www/index.html' || return 1
	expect_eq "uid, working directory, environment, the image" "$OUT" "4321
/www
from-the-spec
<html><body>hello from a podenter test pod</body></html>" || return 1
	expect_contains "no run ended" "$ERR" "no exit recorded (never started" || return 1
	podenter copy never-started --last-run --no-tty -- cat /www/index.html || return 1
	podenter copy never-started --print-command || return 1
	expect_eq "the command it would have run" "$OUT" "sh -c 'echo never ran; exit 4'"
}

check_copy_matches_spec() { copy_matches_spec; }
check_copy_last_run() { copy_last_run; }

check_copy_shows_last_exit_and_log() {
	podenter copy writer --no-tty -- true || return 1
	expect_contains "exit code" "$ERR" "last run exited with code 3 (Error)" || return 1
	expect_contains "restart count" "$ERR" "restart count 1" || return 1
	expect_contains "log line (stderr)" "$ERR" "| fatal: cannot reach the database" || return 1
	expect_contains "log line (stdout)" "$ERR" "| attempt starting in /www" || return 1
	podenter copy writer --print-command || return 1
	# shellcheck disable=SC2016
	expect_eq "--print-command" "$OUT" \
		"sh -c 'echo \"attempt starting in \$PWD\"; echo written-by-the-last-run > /tmp/last-run-marker; echo '\\''fatal: cannot reach the database'\\'' >&2; exit 3'"
}

copy_while_frozen() {
	copy_matches_spec && copy_last_run && {
		podenter copy writer --no-tty -- true &&
			expect_contains "exit code while frozen" "$ERR" "last run exited with code 3"
	}
}
check_copy_frozen_runtime() { with_frozen_runtime copy_while_frozen; }

check_copy_distroless_gets_a_shell() {
	run_ok "$PODENTER" copy distroless-crash --no-tty <<<'ls /; id -u' || return 1
	expect_contains "the image's files" "$OUT" hello-server || return 1
	expect_contains "its user" "$OUT" 65532 || return 1
	expect_contains "why it died" "$ERR" "hello-server: bind/listen: Permission denied"
}

# The tools tree may live where the copy mounts its staging tmpfs (a build
# tree in /tmp, as CI's clean clone is): the copy still gets its tools.
# Failed in CI's clean clone at /tmp/ci1 before the tree was cloned first.
check_copy_tools_below_staging() {
	local tb rc=0
	tb=$(mktemp -d /tmp/podenter-e2e-toolbox.XXXXXX)
	cp -a "$(dirname "$PODENTER")/toolbox/." "$tb/" || { rm -rf "$tb"; say "FAILED: premise: no toolbox beside $PODENTER"; return 1; }
	PODENTER_TOOLBOX=$tb run_ok "$PODENTER" copy distroless-crash --no-tty -- /.podenter/bin/busybox echo tools-here || rc=1
	rm -rf "$tb"
	((rc == 0)) || return 1
	expect_contains "the tools from a tree below /tmp" "$OUT" tools-here
}

check_copy_net_none_and_share_processes() {
	podenter copy writer --net none --no-tty -- cat /proc/net/dev || return 1
	expect_contains "loopback" "$OUT" "lo:" || return 1
	expect_not_contains "no pod interface with --net none" "$OUT" "eth0" || return 1
	podenter copy writer --no-tty -- ps -o comm || return 1
	expect_not_contains "a PID namespace of its own" "$OUT" pause || return 1
	podenter copy writer --share-processes --no-tty -- ps -o comm || return 1
	expect_contains "--share-processes sees the sandbox" "$OUT" pause
}

# The copy reaches nothing of the node's beyond the original's: its mounts
# are its own layers, the pod's and the runtime's directories of this pod,
# and the tools; its /proc is of its own PID namespace.
check_copy_reaches_nothing_of_the_node() {
	local uid sb line root bad=0
	uid=$(truth "sandbox('default', 'writer')['pod_uid']")
	sb=$(truth "sandbox('default', 'writer')['sandbox_id']")
	podenter copy writer --no-tty -- cat /proc/self/mountinfo || return 1
	while read -r line; do
		root=$(awk '{print $4}' <<<"$line")
		case $root in
		/ | /null | /fs | /bus | /irq | /sys | /sysrq-trigger) ;;
		/var/lib/kubelet/pods/"$uid"/*) ;;
		"$NODE_CONTAINERD_ROOT"/io.containerd.grpc.v1.cri/sandboxes/"$sb"/*) ;;
		"$NODE_CONTAINERD_STATE"/io.containerd.grpc.v1.cri/sandboxes/"$sb"/*) ;;
		"$PODENTER_TOOLBOX") ;;
		*)
			say "FAILED: the copy reaches $root: $line"
			bad=1
			;;
		esac
	done <<<"$OUT"
	podenter copy writer --no-tty -- sh -c 'ls /proc | grep -c "^[0-9]"' || return 1
	((OUT <= 4)) || { say "FAILED: the copy sees $OUT processes"; bad=1; }
	# the session's hygiene, as when entering: fds 0-2 only (and the one ls
	# reads), the profile's no_new_privs and seccomp filter
	podenter copy writer --no-tty -- sh -c 'ls /proc/self/fd | tr "\n" " "; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t\n" "  "' || return 1
	expect_eq "fds and limits in the copy" "$OUT" "0 1 2 3 NoNewPrivs: 1 Seccomp: 2 " || bad=1
	return "$bad"
}

# The container's own masked and read-only paths (its runtime's, beyond the
# sandbox's) guard the copy's /proc as they guarded the container's.
check_copy_container_masks() {
	run "$PODENTER" copy masked-extra --no-tty -- sh -c 'wc -c </proc/cmdline; ls /proc/tty | wc -l; : >/proc/pressure/cpu && echo WROTE'
	expect_eq "exit status" "$RC" 1 || return 1
	expect_eq "/proc/cmdline masked, /proc/tty empty" "$(sed -n 1,2p <<<"$OUT" | tr -d ' ' | tr '\n' ' ')" "0 0 " || return 1
	expect_not_contains "/proc/pressure read-only" "$OUT" WROTE || return 1
	expect_contains "refused" "$ERR" "Read-only file system"
}

# A pod's last run planted a device node and deleted a file: the copy
# honours the deletion and cannot use the node (nodev), as root.
check_copy_hostile_last_run_layer() {
	run "$PODENTER" copy planter --last-run --no-tty -- sh -c 'ls /tmp; echo x >/tmp/planted-null && echo WROTE-THROUGH-THE-DEVICE; ls /www'
	expect_contains "the planted node is in the layer" "$OUT" planted-null || return 1
	expect_not_contains "the planted device is usable" "$OUT" WROTE-THROUGH-THE-DEVICE || return 1
	expect_contains "refused" "$ERR" "Permission denied" || return 1
	expect_not_contains "the whiteout is honoured" "$OUT" index.html || return 1
	podenter copy planter --no-tty -- ls /www || return 1
	expect_contains "a plain copy has the image's file" "$OUT" index.html || return 1
	# the last run planted /.podenter -> /tmp/fake with a shell of its own:
	# the tools there are podenter's
	podenter copy planter --last-run --no-tty -- /.podenter/bin/sh -c 'echo tools-of-podenter; readlink /.podenter; ls /.podenter/bin | wc -l' || return 1
	expect_not_contains "no trojan" "$OUT" TROJAN || return 1
	expect_eq "the tools' shell" "$(sed -n 1p <<<"$OUT")" "tools-of-podenter" || return 1
	expect_eq "/.podenter is no link any more (readlink said nothing)" "$(wc -l <<<"$OUT")" 2 || return 1
	((${OUT##*$'\n'} > 100)) || { say "FAILED: /.podenter is not the toolbox"; return 1; }
}

# A mount from outside the pod's and the runtime's directories (a hostPath,
# or a spec pointing at the node's files): left out, said on stderr; with
# --host-paths bound read-only, even for root in the copy.
check_copy_host_paths() {
	run "$PODENTER" copy writer --no-tty -- ls /node-dir
	((RC != 0)) || { say "FAILED: the hostPath is in the copy by default"; return 1; }
	expect_contains "the note" "$ERR" "skipped the mount of /run/podenter-node/hostpath-canary at /node-dir" || return 1
	run "$PODENTER" copy writer --host-paths --user 0 --no-tty -- sh -c 'cat /node-dir/canary; touch /node-dir/copy-wrote && echo WROTE-TO-THE-NODE'
	expect_contains "--host-paths binds it" "$OUT" "a file of the node" || return 1
	expect_not_contains "read-only" "$OUT" WROTE-TO-THE-NODE || return 1
	expect_contains "refused" "$ERR" "Read-only file system" || return 1
	[[ ! -e /run/podenter-node/hostpath-canary/copy-wrote ]] || { say "FAILED: the copy wrote to the node"; return 1; }
}

# A bind source turned into a symbolic link to another node file (what a
# pod with write access to kubelet's directory could do): never followed.
check_copy_bind_source_symlink() {
	local uid hosts canary=/run/podenter-node/copy-canary rc=0
	uid=$(truth "sandbox('default', 'writer')['pod_uid']")
	hosts=/var/lib/kubelet/pods/$uid/etc-hosts
	echo "a secret of the node" >"$canary"
	run_ok mv "$hosts" "$hosts.orig" || return 1
	ln -s "$canary" "$hosts"
	run "$PODENTER" copy writer --no-tty -- cat /etc/hosts
	expect_eq "exit status" "$RC" 125 || rc=1
	expect_not_contains "the link was not followed" "$OUT" "a secret of the node" || rc=1
	expect_contains "the message" "$ERR" "a symbolic link on the way" || rc=1
	rm -f "$hosts" "$canary"
	mv "$hosts.orig" "$hosts"
	return "$rc"
}

check_copy_running_container_beside() {
	local pid
	pid=$(pid_of default hello)
	run_ok "$PODENTER" copy hello --no-tty <<<'ls /hello-server && echo in-the-copy' || return 1
	expect_contains "a shell beside the running container's files" "$OUT" in-the-copy || return 1
	expect_contains "said it runs" "$ERR" "it is running; the copy is beside it" || return 1
	run_ok kill -0 "$pid" || return 1
	run_ok grep -q hello-server "/proc/$pid/cmdline"
}

# --join-cgroup as when entering: the copy is charged to the pod's cgroups
check_copy_join_cgroup_pod() {
	local uid
	uid=$(truth "sandbox('default', 'writer')['pod_uid']")
	if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
		# cgroup v2 only (tests/vm): the pod's cgroup has children with
		# controllers and takes no process: the copy is in a leaf of
		# podenter's under it (podenter-<pid>), removed afterwards
		local leaf_re="pod${uid//-/_}\\.slice/podenter-[0-9]+\$"
		podenter copy writer --join-cgroup pod --no-tty -- cat /proc/self/cgroup || return 1
		[[ $OUT =~ $leaf_re ]] || { say "FAILED: not in podenter's leaf under the pod: /$leaf_re/"; return 1; }
		run_ok sh -c "find /sys/fs/cgroup -path '*pod${uid//-/_}.slice/podenter-*'" || return 1
		expect_eq "cgroup v2: the leaf removed" "$OUT" "" || return 1
		podenter copy writer --no-tty -- cat /proc/self/cgroup || return 1
		expect_not_contains "by default podenter's own" "$OUT" "pod${uid//-/_}.slice"
		return
	fi
	podenter copy writer --join-cgroup pod --no-tty -- cat /proc/self/cgroup || return 1
	expect_contains "in the pod's cgroup" "$OUT" "/pod$uid" || return 1
	podenter copy writer --no-tty -- cat /proc/self/cgroup || return 1
	expect_not_contains "by default podenter's own" "$OUT" "/pod$uid"
}

# A pod of two containers: the first by name by default, -c the other
check_copy_chooses_container() {
	podenter copy web-6c9f8d7b5-q4x2m --print-command || return 1
	expect_eq "the default container (app)" "$OUT" "httpd -f -p 80 -h /www" || return 1
	podenter copy -c sidecar web-6c9f8d7b5-q4x2m --print-command || return 1
	expect_eq "-c sidecar" "$OUT" "/hello-server 8080" || return 1
	podenter copy -c sidecar web-6c9f8d7b5-q4x2m --no-tty -- /.podenter/bin/ls /hello-server /etc/app-config/app.conf || return 1
	expect_contains "the sidecar's files and volume" "$OUT" "/etc/app-config/app.conf"
}

check_copy_audit_record() {
	local log=$WORK/copy-audit.jsonl
	podenter copy writer --audit-log "$log" --no-tty -- true || return 1
	run_ok cat "$log" || return 1
	expect_contains "view" "$OUT" '"view":"copy"' || return 1
	expect_contains "container" "$OUT" '"container":"app"'
}

check_copy_bad_input_exit_125() {
	local before
	before=$(sort /proc/self/mountinfo)
	run "$PODENTER" copy no-such-pod
	expect_eq "no such pod" "$RC" 125 || return 1
	expect_contains "message" "$ERR" "no pod default/no-such-pod" || return 1
	run "$PODENTER" copy -c nosuch writer
	expect_eq "no such container" "$RC" 125 || return 1
	run "$PODENTER" copy pid:1
	expect_eq "not a pod" "$RC" 125 || return 1
	expect_contains "message" "$ERR" "copy takes a pod" || return 1
	run "$PODENTER" copy --net bogus writer
	expect_eq "bad --net" "$RC" 125 || return 1
	run "$PODENTER" copy --view tools writer
	expect_eq "an option of enter only" "$RC" 125 || return 1
	expect_eq "no mount left" "$(sort /proc/self/mountinfo)" "$before"
}

# kill -9 of podenter at each step: no mount (in a namespace whose "/" is
# shared, as systemd makes it: a mount podenter failed to keep private would
# show there), no process, and the last run's layer unchanged.
check_copy_kill9_leaves_nothing() {
	local upper id
	id=$(truth "one('default', 'writer')['container_id']")
	run_ok ctr --address "$CRI_SOCKET" -n k8s.io snapshots --snapshotter overlayfs mounts /podenter-e2e-none "$id" || return 1
	upper=$(grep -o 'upperdir=[^,]*' <<<"$OUT" | cut -d= -f2)
	[[ -d $upper ]] || { say "FAILED: no upper layer of $id found ($upper)"; return 1; }
	run_ok timeout 120 unshare --mount --propagation private -- bash -c \
		'mount --make-rshared / && exec bash "$1" "$2" "$3" "$4"' bash \
		"$NODE_DIR/copy-kill9.sh" "$PODENTER" writer "$upper"
}
