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
	# the walk: podenter under tests/no-new-api (openat2 answers ENOSYS;
	# the views keep open_tree, as on Linux 5.2 to 5.5)
	if [ $mode = walk ]; then T_WRAP=("$NO_NEW_API" --openat2-only); else T_WRAP=(); fi
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
T_WRAP=()

# A FIFO as /etc/hosts would block a naive reader forever; the guard
# timeout only turns a hang into a failure.
rm -f "$EVIL_ROOT/etc/hosts"
mkfifo "$EVIL_ROOT/etc/hosts"
T_RC=0
timeout 60 "$PODENTER" pid:"$EVIL_PID" --view tools --tools builtin -- cat /etc/hosts \
	>"$T_TMP/out" 2>"$T_TMP/err" || T_RC=$?
t_expect_rc "a FIFO as /etc/hosts: copied as empty, no hang" 0

# A /proc planted by the container (a tmpfs whose thread-self/children names
# one of its own processes): the container view's /proc is a fresh, guarded
# procfs, never the container's, and the session's reaper, which runs with
# the node's privileges, must not take from the planted one the list of what
# to kill. It kills what the session left, and only that.
FR=$T_TMP/root-fakeproc
mkdir -p "$FR/bin" "$FR/tmp" "$FR/dev"
mknod -m 666 "$FR/dev/null" c 1 3
cp "$V_BUSYBOX" "$FR/bin/busybox"
for a in sh sleep mount umount mkdir cat; do ln -sf busybox "$FR/bin/$a"; done
V_READY_COMM=sleep v_start fakeproc "$FR" /bin/sh -c \
	'umount -l /old; sleep 1002 & p=$!; mount -t tmpfs fake /proc &&
	 mkdir /proc/thread-self && echo $p >/proc/thread-self/children; exec sleep 1000'
t_cleanup "pkill -9 -f '^sleep 406[12]\$'"
t_wait_for 100 pgrep -f '^sleep 1002$' >/dev/null &&
	t_pass "planted /proc: the pod process it names runs (so the check means something)" ||
	t_fail "planted /proc: the pod process it names does not run"
"$PODENTER" pid:"$V_PID" --view container -- sh -c \
	'cat /proc/thread-self/children; sleep 4061 & exec sleep 4062' \
	</dev/null >"$T_TMP/fp.out" 2>&1 &
pe=$!
t_cleanup "kill -9 $pe"
if t_wait_for 400 pgrep -f '^sleep 4062$' >/dev/null && t_wait_for 400 pgrep -f '^sleep 4061$' >/dev/null; then
	t_expect_nomatch "planted /proc: the session's /proc is a fresh procfs, not the planted one" \
		"$(cat "$T_TMP/fp.out")" '^[0-9]+$'
	kill -TERM $pe
	wait $pe 2>/dev/null
	t_wait_for 100 sh -c "! pgrep -f '^sleep 406[12]\$' >/dev/null" &&
		t_pass "planted /proc: what the session left was killed" ||
		t_fail "planted /proc: the session's sleep 4061 survived"
	pgrep -f '^sleep 1002$' >/dev/null && t_pass "planted /proc: the pod process it named is untouched" ||
		t_fail "planted /proc: the reaper killed the pod process the container named"
else
	t_fail "planted /proc: the session did not start"; sed 's/^/  | /' "$T_TMP/fp.out"
fi

t_done
