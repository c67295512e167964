#!/bin/bash
# --view merged: "/" is the container's root over the tools (container files
# win, tools fill the gaps: /bin/sh on a distroless image), its volume at the
# same place, writes into a tmpfs that vanishes; the container is untouched.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

v_make_distroless dl
DL_PID=$V_PID DL_ROOT=$V_ROOT
v_make_busybox bb
BB_PID=$V_PID BB_ROOT=$V_ROOT

for t in dl bb; do
	pid=DL_PID root=DL_ROOT
	[ $t = bb ] && pid=BB_PID root=BB_ROOT
	pid=${!pid} root=${!root}
	v_snap "$pid" "before-$t"
	tree_before=$(v_tree "$root")
	t_podenter pid:"$pid" --view merged --tools builtin -- sh -c \
		'ps -o pid,comm; echo ---; ls /; echo ---; cat /data/hello;
		 echo gone >/written-in-view && cat /written-in-view;
		 echo gone >/data/in-volume 2>&1; hostname'
	t_expect_rc "$t: the tools' shell ran in the merged root" 0
	t_expect_match "$t: the target's init is PID 1" "$T_OUT" "^ *1 (app-ready|sleep)$"
	t_expect_match "$t: the volume is at its own place" "$T_OUT" "^volume of $t$"
	t_expect_match "$t: the view's root takes writes" "$T_OUT" "^gone$"
	t_expect_match "$t: the pod's hostname" "$T_OUT" "^pod-$t$"
	if [ $t = dl ]; then
		t_expect_match "dl: the container's binary is at /app" "$T_OUT" "^app$"
		t_expect_match "dl: the tools fill the gaps (/bin)" "$T_OUT" "^bin$"
	fi
	t_expect_match "$t: volumes are read-only in the merged view" "$T_ERR$T_OUT" "in-volume: Read-only file system"
	[ -e "$root/written-in-view" ] && t_fail "$t: a write in merged reached the container" ||
		t_pass "$t: a write in merged did not reach the container"
	t_expect_eq "$t: nothing written into the container or its volume" \
		"$(v_tree "$root"; v_tree "$T_TMP/vol-$t")" "$tree_before
$(v_tree "$T_TMP/vol-$t")"
	[ -e "$T_TMP/vol-$t/in-volume" ] && t_fail "$t: a write reached the volume" ||
		t_pass "$t: the volume is untouched"
	v_expect_unchanged "$t" "$pid" "before-$t"
done

# The container's own files win over the tools': busybox target's /bin/sh
# is its own; its resolv.conf is its own.
t_podenter pid:"$BB_PID" --view merged --tools builtin -- sh -c 'cat /etc/resolv.conf; ls -i /bin/busybox'
t_expect_match "bb: the container's resolv.conf" "$T_OUT" "nameserver 10.96.0.10"
t_expect_match "bb: the container's own busybox" "$T_OUT" "^ *$(stat -c %i "$BB_ROOT/bin/busybox") /bin/busybox$"

# These targets' roots are directories of the host's own file system, so
# a tools directory holding the whole host root (--tools /) would hold the
# container's root: overlayfs refuses that, and podenter says why (on a
# real node the container's root is its own overlay mount and this works).
# Nothing is left behind. --tools host is not the host root but a tree of
# its programs (view-host-tools.sh), which holds no container root.
v_snap "$BB_PID" before-host
t_podenter pid:"$BB_PID" --view merged --tools / -- true
t_expect_rc "a tools tree holding the container's root: 125" 125
t_expect_match "the overlap is explained" "$T_ERR" "the container's root lies inside the tools tree"
v_expect_unchanged "refused merged view" "$BB_PID" before-host
t_podenter pid:"$BB_PID" --view merged --tools host -- sh -c 'ls /usr/bin/ps >/dev/null && echo host-ok'
t_expect_rc "host tools merged with a root on the host's file system: works" 0
t_expect_match "host tools merged: the node's ps is there" "$T_OUT" "^host-ok$"

# --rw has no meaning here: refused, nothing happens.
t_podenter pid:"$BB_PID" --view merged --rw -- true
t_expect_rc "--rw with merged: 125" 125
t_expect_match "--rw with merged says why" "$T_ERR" "--rw does not apply to --view merged"

t_done
