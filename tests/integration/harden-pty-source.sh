#!/bin/bash
# The session's pty comes from the node's devpts, opened before podenter
# switches to any of the pod's files (issue 13, hole 4). A hostile container
# plants its own /dev/ptmx: a FIFO (opening it would hand the pod the
# operator's keystrokes and release a reader blocked on it) or a devpts
# instance of its own (a pty the pod can read and write). With
# --view container the session must still get a pty of the node's devpts,
# and never open the planted node.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

node_pts_dev=$(stat -c %d /dev/pts)

# hostile_target NAME MODE: a busybox root whose /dev (a tmpfs of its own)
# holds the planted /dev/ptmx. Sets V_PID and V_ROOT.
hostile_target() {
	local a
	V_ROOT=$T_TMP/root-$1
	mkdir -p "$V_ROOT/bin" "$V_ROOT/tmp" "$V_ROOT/dev"
	cp "$V_BUSYBOX" "$V_ROOT/bin/busybox"
	for a in sh sleep cat mount umount mkdir mkfifo ln touch stat; do
		ln -sf busybox "$V_ROOT/bin/$a"
	done
	V_READY_COMM=sleep v_start "$1" "$V_ROOT" /bin/sh -c '
		mount -t proc proc /proc; umount -l /old
		mount -t tmpfs dev /dev || exit 1
		case '"$2"' in
		fifo)
			mkfifo /dev/ptmx || exit 1
			# blocks until someone opens the FIFO for writing
			(cat /dev/ptmx >/tmp/ptmx-read; touch /tmp/ptmx-opened) & ;;
		devpts)
			mkdir /dev/pts &&
				mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
				ln -s pts/ptmx /dev/ptmx || exit 1 ;;
		esac
		sleep 1001 & exec sleep 1000'
}

for mode in fifo devpts; do
	hostile_target "$mode" "$mode"
	t_podenter -t pid:"$V_PID" --view container -- /bin/busybox stat -L -c %d /proc/self/fd/0 </dev/null
	t_expect_rc "$mode: the session ran with a pty (-t)" 0
	t_expect_eq "$mode: its pty is one of the node's devpts" \
		"$(printf '%s' "$T_OUT" | tr -d '\r')" "$node_pts_dev"
	if [ "$mode" = fifo ]; then
		# (the reader writes its marker at once when released)
		if t_wait_for 20 test -e "$V_ROOT/tmp/ptmx-opened"; then
			t_fail "fifo: podenter opened the pod's planted /dev/ptmx"
		else
			t_pass "fifo: the planted /dev/ptmx was never opened"
		fi
	fi
done

t_done
