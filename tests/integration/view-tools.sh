#!/bin/bash
# --view tools: the tools tree at /, the container's untouched root at
# /target with its volume, the pod's /proc, hostname, resolv.conf and hosts;
# read-only tools and /target, and --rw writing through (and saying so).
source "$TESTLIB"
t_require_root
t_require_test_hooks
source "$(dirname "$0")/view-common.sh"

v_make_distroless dl
DL_PID=$V_PID DL_ROOT=$V_ROOT
v_make_busybox bb
BB_PID=$V_PID BB_ROOT=$V_ROOT

for tools in host builtin; do
	# host tools are the node's procps/coreutils; builtin is busybox
	for t in dl bb; do
		pid=DL_PID root=DL_ROOT
		[ $t = bb ] && pid=BB_PID root=BB_ROOT
		pid=${!pid} root=${!root}
		v_snap "$pid" "before-$tools-$t"
		tree_before=$(v_tree "$root")
		t_podenter pid:"$pid" --view tools --tools $tools -- sh -c \
			'ps -e -o pid,comm; echo ---; ls /target; echo ---; cat /target/data/hello; hostname'
		t_expect_rc "$tools/$t: the shell ran" 0
		# the pod's second process, seen from the host: its PID in the
		# pod's namespace (not 1: PID 1 alone must not pass the check)
		other=$(pgrep -P "$pid" | head -1)
		other=$(awk '/^NSpid:/ { print $NF }' "/proc/${other:-0}/status" 2>/dev/null)
		[ -n "$other" ] && [ "$other" != 1 ] || { t_fail "$tools/$t: the target has no second process"; other=none; }
		t_expect_match "$tools/$t: ps shows the target's init as PID 1" "$T_OUT" "^ *1 (app-ready|sleep)$"
		if [ $t = dl ]; then
			t_expect_match "$tools/$t: ps shows the target's other process" "$T_OUT" "^ *$other app-worker$"
			t_expect_match "$tools/$t: /target holds the distroless binary" "$T_OUT" "^app$"
		else
			# (busybox runs the backgrounded sleep in the forked sh: its
			# name stays "sh")
			t_expect_match "$tools/$t: ps shows the target's other process" "$T_OUT" "^ *$other (sleep|sh)$"
			t_expect_match "$tools/$t: /target holds the container's /bin" "$T_OUT" "^bin$"
		fi
		t_expect_match "$tools/$t: the volume is visible under /target" "$T_OUT" "^volume of $t$"
		t_expect_match "$tools/$t: the pod's hostname" "$T_OUT" "^pod-$t$"
		t_expect_match "$tools/$t: a note says which tools" "$T_ERR" "tools: $tools"
		v_expect_unchanged "$tools/$t" "$pid" "before-$tools-$t"
		t_expect_eq "$tools/$t: nothing written into the container" "$(v_tree "$root")" "$tree_before"
	done
done

# The pod's resolver files and hostname, not the node's.
t_podenter pid:"$BB_PID" --view tools --tools builtin -- cat /etc/resolv.conf /etc/hosts
t_expect_match "resolv.conf is the pod's" "$T_OUT" "nameserver 10.96.0.10"
t_expect_match "hosts is the pod's" "$T_OUT" "10.244.1.7 pod-bb"
# Bound from the container's own files, not copied into the view's overlay
# (no copy-up, no whiteouts): the very inode, read-only.
for tools in host builtin; do
	t_podenter pid:"$BB_PID" --view tools --tools $tools -- sh -c \
		'stat -c %i /etc/hosts /etc/resolv.conf; echo x >>/etc/hosts 2>&1'
	t_expect_eq "$tools: /etc/hosts and resolv.conf are the container's files" \
		"$(printf '%s\n' "$T_OUT" | head -n2)" \
		"$(stat -c %i "$BB_ROOT/etc/hosts" "$BB_ROOT/etc/resolv.conf")"
	t_expect_match "$tools: the pod's /etc/hosts is read-only in the view" "$T_ERR$T_OUT" "Read-only file system"
done
# The view is built in a mount namespace podenter made from the target's
# small one (view.c, make_small_ns: it joins the target's namespace to clone
# its root, and unshares there), not in a copy of the node's mount table,
# whose size would set the cost; the copy remains the fallback
# (PODENTER_TEST_NO_SMALL_NS=1: back to its own namespace, then unshare).
# Both give the same view. podenter does this itself, with no helper process.
if command -v strace >/dev/null; then
	for mode in small copy; do
		env=PODENTER_TEST_NO_SMALL_NS=0
		[ $mode = copy ] && env=PODENTER_TEST_NO_SMALL_NS=1
		T_RC=0
		env "$env" strace -f -qq -e trace=setns,unshare -o "$T_TMP/st.$mode" \
			"$PODENTER" pid:"$BB_PID" --view tools --tools builtin -- sh -c \
			'ls /target; cat /etc/hosts; hostname' >"$T_TMP/out" 2>&1 || T_RC=$?
		T_OUT=$(cat "$T_TMP/out")
		t_expect_rc "$mode namespace: the view works" 0
		t_expect_match "$mode namespace: /target is the container's" "$T_OUT" "^bin$"
		t_expect_match "$mode namespace: the pod's hosts and hostname" "$T_OUT" "10.244.1.7 pod-bb"
		# the mount-namespace steps, in order, each with its process
		steps=$(grep -E '(setns\([0-9]+, CLONE_NEWNS|unshare\(CLONE_NEWNS)\) += 0' "$T_TMP/st.$mode" |
			sed -E 's/^([0-9]+) +(setns|unshare).*/\1 \2/')
		first=$(printf '%s\n' "$steps" | head -n1 | cut -d' ' -f1)
		order=$(printf '%s\n' "$steps" | cut -d' ' -f2 | tr '\n' ' ')
		others=$(printf '%s\n' "$steps" | awk -v p="$first" '$1 != p' | wc -l)
		t_expect_eq "$mode namespace: all in podenter's own process (no helper)" "$others" 0
		if [ $mode = small ]; then
			t_expect_eq "small namespace: the target's joined, its table copied" "$order" "setns unshare "
		else
			t_expect_eq "copy (fallback): the target's joined, left, the node's copied" "$order" "setns setns unshare "
		fi
	done
else
	t_fail "strace is needed to tell the namespaces apart (apt-get install strace)"
fi

# podenter run chrooted (as after `kubectl debug node/...` and `chroot
# /host`): setns() moves a process's root to the namespace's root, so when
# the view falls back to a copy of the node's namespace, podenter must be
# back in its own root first. In a root with nowhere to stage the view (no
# /tmp, /mnt or /run) it says so; with a /tmp there, the view is built in
# it. (Staged in the namespace's root instead, the first would succeed.)
chrooted() { # $1: 1 to give the root a /tmp
	unshare -m bash -c '
		PE=$1 TB=$2 T=$3 R=$4
		mount -t tmpfs none "$R" || exit 90
		mkdir -p "$R/bin" "$R/proc" "$R/dev" "$R/toolbox" || exit 91
		[ "$5" = 1 ] && mkdir "$R/tmp"
		cp "$PE" "$R/bin/podenter" || exit 92
		for lib in $(ldd "$PE" | grep -o "/[^ ]*"); do
			mkdir -p "$R$(dirname "$lib")" && cp "$lib" "$R$lib" || exit 93
		done
		mount --rbind /proc "$R/proc" && mount --rbind /dev "$R/dev" &&
			mount --bind "$TB" "$R/toolbox" || exit 94
		PODENTER_TEST_NO_SMALL_NS=1 PODENTER_CONFIG=/nonexistent \
			chroot "$R" /bin/podenter pid:"$T" --view tools \
			--tools /toolbox -- sh -c "ls /target >/dev/null && echo viewed"
	' _ "$PODENTER" "$PODENTER_TOOLBOX" "$BB_PID" "$T_TMP/root-$1" "$1" \
		>"$T_TMP/out" 2>"$T_TMP/err"
	T_RC=$?
	T_OUT=$(cat "$T_TMP/out") T_ERR=$(cat "$T_TMP/err")
}
mkdir -p "$T_TMP/root-0" "$T_TMP/root-1"
chrooted 0
t_expect_rc "chrooted, no staging directory in its root: refused" 125
t_expect_match "chrooted: the staging error names it" "$T_ERR" "mounting a staging tmpfs for the view"
chrooted 1
t_expect_rc "chrooted, a /tmp in its root: the view is built there" 0
t_expect_eq "chrooted: the session ran in the view" "$T_OUT" "viewed"

t_podenter pid:"$DL_PID" --view tools --tools host -- cat /etc/resolv.conf
t_expect_rc "a pod without resolv.conf: an empty one" 0
t_expect_eq "no node resolver settings leak in" "$T_OUT" ""

# Tools and /target are read-only; a fresh /proc for the pod; no host fds.
t_podenter pid:"$BB_PID" --view tools --tools builtin -- sh -c \
	'touch /bin/x 2>&1; touch /target/x 2>&1; echo w >/tmp/scratch && cat /tmp/scratch;
	 grep -E " / | /target " /proc/self/mountinfo; ls /proc/self/fd | wc -l'
t_expect_match "the tools tree is read-only" "$T_OUT" "/bin/x: Read-only file system"
t_expect_match "/target is read-only without --rw" "$T_OUT" "/target/x: Read-only file system"
t_expect_match "/tmp is a scratch tmpfs" "$T_OUT" "^w$"
t_expect_match "/ is mounted ro,nosuid,nodev" "$T_OUT" " / ro,nosuid,nodev"
t_expect_match "/target is mounted ro,nosuid,nodev" "$T_OUT" " /target ro,nosuid,nodev"
[ -e "$BB_ROOT/x" ] && t_fail "a write to /target reached the container" ||
	t_pass "a write to /target without --rw did not reach the container"

# The host tools' view, built in its namespace's own root tmpfs: /tmp, /run
# (/dev/shm is run/shm) and /dev are directories of that tmpfs mounted on
# themselves, with their own attributes, not a tmpfs each (view.c,
# bind_scratch: fewer file systems to make and to tear down).
t_podenter pid:"$BB_PID" --view tools --tools host -- sh -c \
	'for d in / /tmp /run /dev /dev/shm; do
		awk -v d="$d" "\$5 == d { print d, \$3, \$6 }" /proc/self/mountinfo
	 done
	 stat -c "%n %a" /tmp /dev/shm /run
	 echo t >/tmp/t && echo s >/dev/shm/s && echo r >/run/r && cat /tmp/t /dev/shm/s /run/r
	 head -c 3 /dev/zero | wc -c; touch /x 2>&1; ls /dev/pts/ptmx'
t_expect_rc "host tools: the view's scratch directories work" 0
root_dev=$(printf '%s\n' "$T_OUT" | awk '$1 == "/" { print $2 }')
[ -n "$root_dev" ] || t_fail "host tools: no root in the session's mount table"
for m in "/ $root_dev ro,nosuid,nodev" "/tmp $root_dev rw,nosuid,nodev" \
	"/run $root_dev rw,nosuid,nodev" "/dev $root_dev rw,nosuid,noexec" \
	"/dev/shm $root_dev rw,nosuid,nodev"; do
	t_expect_match "host tools: mounted as '$m'" "$T_OUT" "^$m(,|\$)"
done
t_expect_match "host tools: /tmp is 1777" "$T_OUT" "^/tmp 1777$"
t_expect_match "host tools: /dev/shm is 1777" "$T_OUT" "^/dev/shm 1777$"
t_expect_match "host tools: /run is 755" "$T_OUT" "^/run 755$"
t_expect_match "host tools: /tmp, /dev/shm and /run take writes" "$T_OUT" "^t"$'\n'"s"$'\n'"r$"
t_expect_match "host tools: /dev's nodes work (/dev/zero)" "$T_OUT" "^3$"
t_expect_match "host tools: / stays read-only" "$T_OUT" "/x'?: Read-only file system"
t_expect_match "host tools: a devpts of its own" "$T_OUT" "^/dev/pts/ptmx$"

# --rw writes through and says so.
t_podenter pid:"$BB_PID" --view tools --tools builtin --rw -- sh -c 'echo through >/target/tmp/rw-file'
t_expect_rc "--rw: the write succeeded" 0
t_expect_match "--rw says writes go through" "$T_ERR" "writes to the container's files \(/target\) go through"
t_expect_eq "--rw: the file is in the container" "$(cat "$BB_ROOT/tmp/rw-file" 2>/dev/null)" "through"
rm -f "$BB_ROOT/tmp/rw-file"

# The default tools: host when it has a shell (it does here).
t_podenter pid:"$BB_PID" --view tools -- true
t_expect_match "default tools: host, and why" "$T_ERR" "tools: host \(/\): the host root / has a usable /bin/sh"

# podenter.conf chooses the view and the tools.
printf '# site defaults\ntools = builtin\nview = tools\n' >"$PODENTER_CONFIG"
t_podenter pid:"$BB_PID" -- sh -c 'ls /target/bin/busybox; readlink /bin/sh'
t_expect_match "config: view tools by default" "$T_OUT" "^/target/bin/busybox$"
t_expect_match "config: builtin tools" "$T_ERR" "tools: builtin .*set in $PODENTER_CONFIG"
printf 'view = none\n' >"$PODENTER_CONFIG"
t_podenter pid:"$BB_PID" -- sh -c '[ -d /target ] && echo view || echo own-files'
t_expect_eq "config: view none keeps the container's own files" "$T_OUT" "own-files"
printf 'profile = restricted\n' >"$PODENTER_CONFIG"
t_podenter pid:"$BB_PID" -- sh -c 'grep -E "^(Uid|CapEff)" /proc/self/status'
t_expect_match "config: profile restricted (no capabilities)" "$T_OUT" "CapEff:.0000000000000000"
t_expect_match "config: profile restricted (not root)" "$T_OUT" "^Uid:.65534"
t_podenter pid:"$BB_PID" --profile sysadmin -- sh -c 'grep -E "^Uid" /proc/self/status'
t_expect_match "--profile wins over the config" "$T_OUT" "^Uid:.0"
printf 'colour = blue\n' >"$PODENTER_CONFIG"
t_podenter pid:"$BB_PID" -- true
t_expect_rc "a bad config line: 125" 125
t_expect_match "a bad config line is named" "$T_ERR" "podenter.conf:1: unknown setting 'colour'"
: >"$PODENTER_CONFIG"

t_done
