#!/bin/bash
# A hostile container root: its /etc/resolv.conf, /etc/hosts, /etc/hostname,
# /tmp, /dev and /run are symlinks to host paths (absolute, and relative
# ones climbing out). podenter must neither read nor write the host's files
# through them, in any view; a FIFO planted as /etc/hosts must not hang it.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

C=$T_TMP/canary
mkdir -p "$C/tmpdir" "$C/devdir" "$C/rundir"
echo HOST-SECRET-HOSTS >"$C/hosts"
echo host-secret-name >"$C/hostname"
# The resolv.conf canary is a FIFO with a writer waiting: if anything opens
# it for reading, the writer finishes and leaves a mark.
mkfifo "$C/resolv"
(echo HOST-SECRET-RESOLV >"$C/resolv" && touch "$T_TMP/resolv-was-read") >/dev/null 2>&1 &
writer=$!
disown $writer
t_cleanup "kill -9 $writer"

v_make_busybox evil
EVIL_PID=$V_PID EVIL_ROOT=$V_ROOT
rm -rf "$EVIL_ROOT/tmp" "$EVIL_ROOT/etc/resolv.conf" "$EVIL_ROOT/etc/hosts"
ln -s "$C/resolv" "$EVIL_ROOT/etc/resolv.conf"
ln -s "../../../../../../../../../../..$C/hosts" "$EVIL_ROOT/etc/hosts"
ln -s "$C/hostname" "$EVIL_ROOT/etc/hostname"
ln -s "$C/tmpdir" "$EVIL_ROOT/tmp"
ln -s "$C/devdir" "$EVIL_ROOT/dev"
ln -s "$C/rundir" "$EVIL_ROOT/run"
canaries() { (cd "$C" && find . -printf '%p %y %s %T@\n' | sort; cat hosts hostname); }
before=$(canaries)

# Both ways of resolving inside the container: openat2(RESOLVE_IN_ROOT),
# and the component walk used where the kernel lacks openat2.
for mode in openat2 walk; do
	if [ $mode = walk ]; then export PODENTER_TEST_NO_OPENAT2=1; else unset PODENTER_TEST_NO_OPENAT2; fi
	t_podenter pid:"$EVIL_PID" --view tools --tools builtin -- sh -c \
		'cat /etc/resolv.conf /etc/hosts /etc/hostname; echo x >/tmp/t && echo tmp-ok;
		 echo x >/dev/null && echo dev-ok; ls /target/etc'
	t_expect_rc "$mode tools: the session ran" 0
	t_expect_nomatch "$mode tools: no host file content came through" "$T_OUT" "HOST-SECRET|host-secret"
	t_expect_match "$mode tools: the view's own /tmp" "$T_OUT" "^tmp-ok$"
	t_expect_match "$mode tools: the view's own /dev" "$T_OUT" "^dev-ok$"

	t_podenter pid:"$EVIL_PID" --view merged --tools builtin -- sh -c \
		'cat /etc/resolv.conf /etc/hosts /etc/hostname 2>/dev/null; echo x >/tmp/t 2>/dev/null;
		 echo x >/run/r 2>/dev/null; echo x >/dev/null && echo dev-ok; ls /proc/1/exe >/dev/null && echo proc-ok'
	t_expect_rc "$mode merged: the session ran" 0
	t_expect_nomatch "$mode merged: no host file content came through" "$T_OUT" "HOST-SECRET|host-secret"
	t_expect_match "$mode merged: /dev is the view's own, not the planted link" "$T_OUT" "^dev-ok$"
	t_expect_match "$mode merged: /proc is the pod's" "$T_OUT" "^proc-ok$"

	t_podenter pid:"$EVIL_PID" --view container -- /.podenter/bin/sh -c \
		'cat /etc/resolv.conf /etc/hosts /etc/hostname 2>/dev/null; echo x >/tmp/t 2>/dev/null; true'
	t_expect_rc "$mode container: the session ran" 0
	t_expect_nomatch "$mode container: no host file content came through" "$T_OUT" "HOST-SECRET|host-secret"

	t_expect_eq "$mode: no host canary was written, created or touched" "$(canaries)" "$before"
	[ -e "$T_TMP/resolv-was-read" ] && t_fail "$mode: the host's resolv.conf canary was opened" ||
		t_pass "$mode: the host's resolv.conf canary was never opened"
done
unset PODENTER_TEST_NO_OPENAT2

# A FIFO as /etc/hosts would block a naive reader forever; the guard
# timeout only turns a hang into a failure.
rm -f "$EVIL_ROOT/etc/hosts"
mkfifo "$EVIL_ROOT/etc/hosts"
T_RC=0
timeout 60 "$PODENTER" pid:"$EVIL_PID" --view tools --tools builtin -- cat /etc/hosts \
	>"$T_TMP/out" 2>"$T_TMP/err" || T_RC=$?
t_expect_rc "a FIFO as /etc/hosts: copied as empty, no hang" 0

t_done
