# shellcheck shell=bash
# Helpers for the view-*.sh and image-*.sh tests (sourced after $TESTLIB):
# real targets in their own namespaces whose root was pivoted into a
# directory, as a runtime does, each with a "volume" (a bind mount made
# inside the target's mount namespace). Everything is cleaned up by the trap
# lib.sh installs.

command -v unshare >/dev/null || t_skip_all "unshare (util-linux) is not installed"
command -v gcc >/dev/null || t_skip_all "gcc is needed to build the distroless target's binary"

V_BUSYBOX=$(command -v busybox) || t_skip_all "busybox (busybox-static) is not installed"
LC_ALL=C readelf -l "$V_BUSYBOX" 2>/dev/null | grep -q 'Requesting program interpreter' &&
	t_skip_all "$V_BUSYBOX is not static (apt-get install busybox-static)"

# The builtin toolbox of this build tree.
: "${PODENTER_TOOLBOX:=$(dirname "$PODENTER")/toolbox}"
export PODENTER_TOOLBOX
[ -x "$PODENTER_TOOLBOX/bin/busybox" ] ||
	{ echo "no builtin toolbox at $PODENTER_TOOLBOX (make builds it)" >&2; exit 1; }
# No node-wide podenter.conf may change what these tests see.
export PODENTER_CONFIG=$T_TMP/podenter.conf
: >"$PODENTER_CONFIG"

# The distroless program: after the pivot it detaches the old root, mounts
# its /proc, renames itself "app-ready" and sleeps; one child sleeps too.
v_build_app() {
	[ -x "$T_TMP/app" ] && return 0
	cat >"$T_TMP/app.c" <<'EOF'
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	umount2("/old", MNT_DETACH);
	rmdir("/old");
	mount("proc", "/proc", "proc", 0, NULL);
	if (fork() == 0) {
		prctl(PR_SET_NAME, "app-worker");
		for (;;)
			pause();
	}
	prctl(PR_SET_NAME, "app-ready");
	for (;;) {
		pause();
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
EOF
	gcc -static -O2 -o "$T_TMP/app" "$T_TMP/app.c" ||
		{ echo "cannot build a static binary (gcc -static)" >&2; exit 1; }
}

# v_start NAME ROOT CMD...: run CMD as the target's init after pivoting
# into ROOT (with $ROOT/data bound from $T_TMP/vol-NAME). Sets V_PID.
v_start() {
	local name=$1 root=$2 outer i
	shift 2
	mkdir -p "$T_TMP/vol-$name" "$root/old" "$root/proc" "$root/data"
	echo "volume of $name" >"$T_TMP/vol-$name/hello"
	unshare --fork --kill-child --pid --net --uts --ipc --mount \
		--propagation private sh -c '
			hostname "$1" || exit 1
			mount --bind "$2" "$2" && mount --bind "$3" "$2/data" || exit 1
			cd "$2" && pivot_root . old || exit 1
			shift 3
			exec "$@"' sh "pod-$name" "$root" "$T_TMP/vol-$name" "$@" \
		>/dev/null 2>&1 &
	outer=$!
	disown "$outer"
	t_cleanup "kill -9 $outer"
	V_PID=
	for ((i = 0; i < 400; i++)); do
		V_PID=$(pgrep -P "$outer" | head -1)
		if [ -n "$V_PID" ] && ! grep -q ' /old' "/proc/$V_PID/mountinfo" 2>/dev/null &&
			[ "$(cat "/proc/$V_PID/comm" 2>/dev/null)" = "$V_READY_COMM" ]; then
			break
		fi
		V_PID=
		sleep 0.05
	done
	[ -n "$V_PID" ] || { echo "could not start target $name" >&2; exit 1; }
	t_cleanup "kill -9 $V_PID"
}

# v_make_distroless NAME: a root with one static binary (and the mount
# points the runtime made). Sets V_PID and V_ROOT.
v_make_distroless() {
	v_build_app
	V_ROOT=$T_TMP/root-$1
	mkdir -p "$V_ROOT"
	cp "$T_TMP/app" "$V_ROOT/app"
	V_READY_COMM=app-ready v_start "$1" "$V_ROOT" /app
}

# v_make_busybox NAME: a busybox root with a pod's /etc files; init is
# "sleep 1000" with a "sleep 1001" beside it. Sets V_PID and V_ROOT.
v_make_busybox() {
	local a
	V_ROOT=$T_TMP/root-$1
	mkdir -p "$V_ROOT/bin" "$V_ROOT/etc" "$V_ROOT/tmp"
	cp "$V_BUSYBOX" "$V_ROOT/bin/busybox"
	for a in sh sleep ls cat mount umount; do ln -sf busybox "$V_ROOT/bin/$a"; done
	printf 'nameserver 10.96.0.10\nsearch default.svc.cluster.local\n' >"$V_ROOT/etc/resolv.conf"
	printf '127.0.0.1 localhost\n10.244.1.7 pod-%s\n' "$1" >"$V_ROOT/etc/hosts"
	V_READY_COMM=sleep v_start "$1" "$V_ROOT" /bin/sh -c \
		'mount -t proc proc /proc; umount -l /old; sleep 1001 & exec sleep 1000'
}

# A stable picture of a mount table: mount point, fs type, source, options.
v_mounts() { awk '{ mp = $5; $1 = $2 = $3 = ""; print mp, $0 }' "$1" | sort; }

# Snapshot the host's and the target's mount tables (to $T_TMP/$2.*).
# The container's is kept as it is, to compare byte for byte.
v_snap() { # PID NAME
	v_mounts /proc/self/mountinfo >"$T_TMP/$2.host"
	cat "/proc/$1/mountinfo" >"$T_TMP/$2.target"
}

# Assert both tables are unchanged since snapshot NAME.
v_expect_unchanged() { # what PID NAME
	local what=$1 pid=$2 name=$3
	local d
	# Other tests share this machine and may mount and unmount their own
	# things meanwhile: a difference counts as ours when it names this
	# test's files, a tools tree, or what a view is built from (a mount on
	# podenter's staging points /tmp, /mnt, /run, or a view's overlay).
	d=$(v_mounts /proc/self/mountinfo | diff "$T_TMP/$name.host" - | grep '^[<>]')
	if [ -z "$d" ]; then
		t_pass "$what: the host's mount table is unchanged"
	elif ! grep -qE "$T_TMP|toolbox|lowerdir=/(tmp|mnt|run)/(target|tools)|^[<>] /(tmp|mnt|run)(/(target|tools|root|dev|proc|sys))? " <<<"$d"; then
		t_pass "$what: the host's mount table has no mount of ours"
		echo "# (unrelated mounts changed meanwhile on this shared machine:)"
		sed 's/^/#   /' <<<"$d" | head -5
	else
		t_fail "$what: the host's mount table changed"
		echo "$d" | head -20
	fi
	# The container's table is compared byte for byte (mount ids too).
	# (through a pipe: procfs files claim size 0 and cmp trusts sizes)
	if cat "/proc/$pid/mountinfo" | cmp -s - "$T_TMP/$name.target"; then
		t_pass "$what: the container's mount table is byte-identical"
	else
		t_fail "$what: the container's mount table changed"
		diff "$T_TMP/$name.target" "/proc/$pid/mountinfo" | head -20
	fi
}

# A listing of a tree (names, types, sizes) to prove nothing was written.
v_tree() { (cd "$1" && find . -xdev -printf '%p %y %s\n' | sort); }
