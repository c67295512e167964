# shellcheck shell=bash
# Helpers for the enter-*.sh tests (sourced after $TESTLIB): real targets
# made with unshare, each cleaned up by the trap lib.sh installs.

command -v unshare >/dev/null || t_skip_all "unshare (util-linux) is not installed"

# e_make_target NAME [extra unshare args...]
# A target in its own net, pid, ipc, uts, cgroup and mount namespaces:
# hostname NAME, a tmpfs at $T_TMP/mark holding "in-target" that exists only
# in its mount namespace, and two processes in its PID namespace (init
# "sleep 1000" and a child "sleep 1001"). Sets E_PID (its init, host PID).
# E_INIT_PREFIX (words put before the init's "sleep 1000", e.g. setpriv or
# env) and E_CWD (the init's working directory) shape the init process.
e_make_target() {
	local name=$1 outer
	shift
	mkdir -p "$T_TMP/mark"
	rm -f "$T_TMP/ready.$name"
	unshare --fork --kill-child --pid --mount-proc --net --uts --ipc \
		--cgroup "$@" sh -c '
			hostname "$1" || exit 1
			mount -t tmpfs marker "$2/mark" || exit 1
			echo "$1" >"$2/mark/in-target"
			sleep 1001 &
			touch "$2/ready.$1"
			cd "$3" || exit 1
			shift 3
			exec "$@" sleep 1000' sh "$name" "$T_TMP" "${E_CWD:-/}" \
		${E_INIT_PREFIX:-} >/dev/null 2>&1 &
	outer=$!
	disown "$outer"
	t_cleanup "kill -9 $outer"
	if ! t_wait_for 400 test -e "$T_TMP/ready.$name"; then
		echo "could not start target $name" >&2
		exit 1
	fi
	E_PID=$(pgrep -P "$outer" | head -1)
	t_cleanup "kill -9 $E_PID"
	[ -n "$E_PID" ] || { echo "no target process for $name" >&2; exit 1; }
	# the init has exec'd (through any prefix) into its final program
	t_wait_for 400 grep -qx sleep "/proc/$E_PID/comm" ||
		{ echo "target $name did not start sleeping" >&2; exit 1; }
}

# Inode of /proc/PID/ns/NAME.
e_ino() { stat -L -c %i "/proc/$1/ns/$2"; }

# Run the command with a variable set for podenter only.
e_podenter_env() { # VAR=value podenter-args...
	local kv=$1
	shift
	T_RC=0
	env "$kv" "$PODENTER" "$@" >"$T_TMP/out" 2>"$T_TMP/err" || T_RC=$?
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
}

# e_make_distroless NAME: a target whose root (pivot_root'ed, like a
# runtime does) holds only a static busybox at /busybox: no /bin/sh. Its cwd is
# /tmp. Sets E_PID and E_ROOT (the root directory as the host sees it).
e_make_distroless() {
	local name=$1 outer bb
	bb=$(command -v busybox) || t_skip_all "busybox (busybox-static) is not installed"
	file -L "$bb" 2>/dev/null | grep -q 'statically linked' ||
		ldd "$bb" 2>&1 | grep -q 'not a dynamic' ||
		t_skip_all "$bb is not a static busybox (apt-get install busybox-static)"
	E_ROOT=$T_TMP/root-$name
	mkdir -p "$E_ROOT/proc" "$E_ROOT/old" "$E_ROOT/tmp"
	cp "$bb" "$E_ROOT/busybox"
	unshare --fork --kill-child --pid --mount-proc --net --uts --ipc \
		--cgroup sh -c '
			hostname "$1" || exit 1
			mount --bind "$2" "$2" && cd "$2" && pivot_root . old || exit 1
			/busybox mount -t proc proc /proc && /busybox umount -l /old || exit 1
			cd /tmp && /busybox touch /tmp/ready && exec /busybox sleep 1000
		' sh "$name" "$E_ROOT" >/dev/null 2>&1 &
	outer=$!
	disown "$outer"
	t_cleanup "kill -9 $outer"
	if ! t_wait_for 400 test -e "$E_ROOT/tmp/ready"; then
		echo "could not start distroless target $name" >&2
		exit 1
	fi
	E_PID=$(pgrep -P "$outer" | head -1)
	t_cleanup "kill -9 $E_PID"
	[ -n "$E_PID" ] || { echo "no target process for $name" >&2; exit 1; }
}

# The host's procfs and sysfs mounts: what a session could leak (a fresh
# /proc, a /sys for a pod's netns). Other mounts are left out because other
# test scripts running at the same time add and remove their own.
e_host_proc_sys_mounts() { t_mountinfo | awk '$2 == "proc" || $2 == "sysfs"'; }
