#!/bin/bash
# --view container: the container's own tree as it is (a private copy,
# read-only unless --rw), its volume in place, static tools at /.podenter
# and /.podenter/bin at the end of PATH; a distroless target gets the tools'
# shell. Dynamic tools are refused with a clear message.
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
	# no --tools: the container view picks the static builtin toolbox
	t_podenter pid:"$pid" --view container -- /.podenter/bin/sh -c \
		'echo "PATH=$PATH"; ps -o pid,comm; echo ---; ls /; echo ---;
		 cat /data/hello; ls /.podenter/bin/busybox; touch /data/x 2>&1; hostname'
	t_expect_rc "$t: the tools' shell ran" 0
	t_expect_match "$t: the builtin tools were chosen" "$T_ERR" "tools: builtin"
	t_expect_match "$t: PATH ends with /.podenter/bin" "$T_OUT" "^PATH=.*:/.podenter/bin$"
	t_expect_match "$t: the target's init is PID 1" "$T_OUT" "^ *1 (app-ready|sleep)$"
	t_expect_match "$t: the volume is at its own place" "$T_OUT" "^volume of $t$"
	t_expect_match "$t: tools at /.podenter" "$T_OUT" "^/.podenter/bin/busybox$"
	t_expect_match "$t: read-only without --rw" "$T_OUT" "/data/x: Read-only file system"
	t_expect_match "$t: the pod's hostname" "$T_OUT" "^pod-$t$"
	[ $t = dl ] && t_expect_match "dl: its root as it is" "$T_OUT" "^app$"
	[ $t = bb ] && t_expect_match "bb: its root as it is" "$T_OUT" "^bin$"
	t_expect_eq "$t: nothing written into the container" "$(v_tree "$root")" "$tree_before"
	v_expect_unchanged "$t" "$pid" "before-$t"
done

# A distroless container has no /bin/sh: the default shell is the tools'.
t_podenter pid:"$DL_PID" --view container -- sh -c 'readlink /proc/$$/exe'
t_expect_rc "dl: 'sh' is found through PATH in /.podenter/bin" 0
t_expect_match "dl: it is the toolbox's busybox" "$T_OUT" "^/.podenter/bin/busybox$"
t_podenter pid:"$DL_PID" --view container </dev/null
t_expect_rc "dl: no COMMAND: the tools' shell starts (and reads EOF)" 0

# The busybox container's own /bin/sh wins over the tools'.
t_podenter pid:"$BB_PID" --view container -- /bin/sh -c 'readlink /proc/$$/exe'
t_expect_eq "bb: its own shell" "$T_OUT" "/bin/busybox"

# --rw: the container's files take writes, and podenter says so.
t_podenter pid:"$BB_PID" --view container --rw -- /bin/sh -c 'echo rw >/tmp/rw-c'
t_expect_rc "--rw: the write succeeded" 0
t_expect_match "--rw is announced" "$T_ERR" "go through to the container"
t_expect_eq "--rw: the file is in the container" "$(cat "$BB_ROOT/tmp/rw-c" 2>/dev/null)" "rw"
rm -f "$BB_ROOT/tmp/rw-c"

# The node's own tools need the node's libraries: refused, clearly.
v_snap "$BB_PID" before-host
t_podenter pid:"$BB_PID" --view container --tools host -- true
t_expect_rc "dynamic host tools in the container view: 125" 125
t_expect_match "the refusal says why and what to use" "$T_ERR" "needs static tools.*
.*--tools builtin"
v_expect_unchanged "refused container view" "$BB_PID" before-host

t_done
