#!/bin/bash
# podenter cp against a hostile target built from namespaces: a process
# chrooted into a tree of its own, in its own mount namespace, with a
# volume (a tmpfs only it sees), a read-only bind, a tiny full volume, and
# planted symlinks, a FIFO and a device node. Files go out and in, as files
# and as tar streams; nothing of the node is read or written through the
# pod's links, nothing partial or temporary is left.
source "$TESTLIB"
t_require_root
command -v busybox >/dev/null || t_skip_all "needs busybox (busybox-static)"
# every podenter run is bounded
T_WRAP=(timeout -k 5 60)

root=$T_TMP/root
node=$T_TMP/node
mkdir -p "$root"/{bin,etc,data/sub,vol,ro,small,tmp,in,proc} "$node"
cp "$(command -v busybox)" "$root/bin/busybox"
echo pod-passwd >"$root/etc/passwd"
printf 'script\n' >"$root/data/script"
chmod 0750 "$root/data/script"
touch -d '2001-02-03 04:05:06' "$root/data/script"
echo deep >"$root/data/sub/deep"
mkdir "$root/data/sub/loop" # the target binds /data there: a loop
ln -s ../script "$root/data/sub/link"
mkfifo "$root/data/fifo"
mknod "$root/data/null" c 1 3
head -c 300000 /dev/urandom >"$root/data/random"
# links a hostile pod plants, towards the node's files
echo node-secret >"$node/secret"
ln -s "$node/secret" "$root/secret-link" # absolute: the node's path
ln -s / "$root/up"                        # the root: the node's, if followed
ln -s /tmp "$root/tmplink"                # an absolute dir
ln -s ../../../../../../.. "$root/data/dotdot"
mkdir -p "$node/dir"
ln -s "$node/dir" "$root/nodedir"
# a file bind-mounted into the target, as kubelet mounts /etc/hosts
echo bound-before >"$node/bound"
touch "$root/etc/bound"

rm -f "$T_TMP/ready"
unshare --fork --kill-child --pid --mount sh -c '
	r=$1
	mount -t tmpfs -o size=1m vol "$r/vol" || exit 1
	echo volume-file >"$r/vol/file"
	mount -t tmpfs -o size=64k small "$r/small" || exit 1
	mount -t proc proc "$r/proc" || exit 1
	mount --bind "$3" "$r/etc/bound" || exit 1
	mount --bind "$r/data" "$r/data/sub/loop" || exit 1
	mount --bind "$r/ro" "$r/ro" && mount -o remount,bind,ro "$r/ro" || exit 1
	touch "$2"
	exec chroot "$r" /bin/busybox sleep 1000' sh "$root" "$T_TMP/ready" "$node/bound" >/dev/null 2>&1 &
outer=$!
disown "$outer"
t_cleanup "kill -9 $outer"
t_wait_for 400 test -e "$T_TMP/ready" || { echo "target did not start" >&2; exit 1; }
t_wait_for 400 grep -qx busybox "/proc/$(pgrep -P "$outer" | head -1)/comm" ||
	{ echo "target did not start sleeping" >&2; exit 1; }
P=$(pgrep -P "$outer" | head -1)
t_cleanup "kill -9 $P"
T="pid:$P"
before=$(t_mountinfo)

out=$T_TMP/got
mkdir -p "$out"

# --- out of the target ------------------------------------------------------
t_podenter cp "$T:/etc/passwd" "$out/passwd"
t_expect_rc "cp out a file" 0
t_expect_eq "the target's file, not the node's" "$(cat "$out/passwd" 2>&1)" pod-passwd

t_podenter cp "$T:/vol/file" "$out/"
t_expect_rc "cp out of a volume only the target's mount namespace has" 0
t_expect_eq "the volume's file" "$(cat "$out/file" 2>&1)" volume-file

t_podenter cp -v "$T:/bin/busybox" "$out/busybox"
t_expect_rc "cp out a binary" 0
if cmp -s "$out/busybox" "/proc/$P/root/bin/busybox"; then
	t_pass "the binary byte for byte"
else t_fail "the binary byte for byte"; fi
t_expect_match "-v reports files and bytes" "$T_ERR" "copied 1 files \($(stat -c %s "$root/bin/busybox") bytes\)"

t_podenter cp "$T:/data/script" "$out/script"
t_expect_eq "mode and mtime kept" "$(stat -c '%a %Y' "$out/script")" \
	"$(stat -c '%a %Y' "$root/data/script")"
t_expect_eq "owned by root" "$(stat -c '%u:%g' "$out/script")" 0:0

t_podenter cp -v "$T:/data" "$out/tree"
t_expect_rc "cp out a directory" 0
t_expect_eq "its files" "$(cd "$out/tree" && find . -type f | sort | tr '\n' ' ')" \
	"./random ./script ./sub/deep "
t_expect_eq "a symlink stays a symlink" "$(readlink "$out/tree/sub/link")" ../script
t_expect_eq "a symlink out stays a symlink" "$(readlink "$out/tree/dotdot")" ../../../../../../..
t_expect_match "the FIFO and the device node skipped with a warning" "$T_ERR" \
	"fifo: skipped: a FIFO.*|null: skipped: a device node"
t_expect_match "a bind mount of an ancestor is not walked again" "$T_ERR" \
	"$T:/data/sub/loop: skipped: the same directory as one it is in"
t_expect_match "the device node named by its path in the target" "$T_ERR" "$T:/data/null: skipped: a device node"
if cmp -s "$out/tree/random" "$root/data/random"; then t_pass "random bytes intact"; else t_fail "random bytes intact"; fi

mkdir -p "$out/into"
t_podenter cp "$T:/data/sub" "$out/into"
t_expect_eq "into an existing directory, under its name" "$(cat "$out/into/sub/deep" 2>&1)" deep
t_podenter cp "$T:/data/sub/." "$out/contents"
t_expect_eq "DIR/. copies the contents" "$(cat "$out/contents/deep" 2>&1)" deep

# the target's whole root: its /proc (a kernel file system) is not walked
T_RC=0
timeout 60 "$PODENTER" cp "$T:/" "$out/whole" >/dev/null 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "cp out the target's whole root" 0
t_expect_match "its /proc skipped with a warning" "$T_ERR" "$T:/proc: skipped: a procfs mount"
t_expect_eq "its files" "$(cat "$out/whole/etc/passwd" "$out/whole/vol/file" 2>&1)" "pod-passwd
volume-file"
t_podenter cp "$T:/proc/1/comm" "$out/comm"
t_expect_eq "a /proc file named on the command line is copied" "$(cat "$out/comm" 2>&1)" busybox

# --- the pod's links never lead to the node -----------------------------------
t_podenter cp "$T:/up/etc/passwd" "$out/up-passwd"
t_expect_eq "a link to / is the target's root" "$(cat "$out/up-passwd" 2>&1)" pod-passwd
t_podenter cp "$T:/secret-link" "$out/secret"
t_expect_rc "a link to a node path: missing in the target, 125" 125
t_expect_match "  said so" "$T_ERR" "no such file or directory"
[ -e "$out/secret" ] && t_fail "the node's file was copied" || t_pass "the node's file was not copied"
t_podenter cp "$T:/data/dotdot/etc/passwd" "$out/dotdot-passwd"
t_expect_eq "'..' above the root stays at the target's root" "$(cat "$out/dotdot-passwd" 2>&1)" pod-passwd

echo copied-in >"$node/in.txt"
t_podenter cp "$node/in.txt" "$T:/tmplink/podenter-cp-canary.$$"
t_expect_rc "cp in through a link to /tmp" 0
t_expect_eq "landed in the target's /tmp" "$(cat "$root/tmp/podenter-cp-canary.$$" 2>&1)" copied-in
[ -e "/tmp/podenter-cp-canary.$$" ] && { t_fail "the node's /tmp was written"; rm -f "/tmp/podenter-cp-canary.$$"; } ||
	t_pass "the node's /tmp untouched"
t_podenter cp "$node/in.txt" "$T:/nodedir/x"
t_expect_rc "cp in through a link to a node directory: 125" 125
t_expect_eq "the node's directory untouched" "$(ls -A "$node/dir")" ""
t_podenter cp "$node/in.txt" "$T:/secret-link"
t_expect_rc "cp in onto a link replaces the link" 0
t_expect_eq "the node's file untouched" "$(cat "$node/secret")" node-secret
[ -f "$root/secret-link" ] && [ ! -L "$root/secret-link" ] && t_pass "the link was replaced" ||
	t_fail "the link was replaced"

# --- special files, missing paths, read-only, full --------------------------
t_podenter cp "$T:/data/null" "$out/null"
t_expect_rc "a device node is refused" 125
t_expect_match "  with a message" "$T_ERR" "not a regular file"
T_RC=0
timeout 10 "$PODENTER" cp "$T:/data/fifo" "$out/fifo" 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "a FIFO is refused at once" 125
t_podenter cp "$T:/nope" "$out/nope"
t_expect_rc "a missing path: 125" 125
t_expect_match "  with a message" "$T_ERR" "/nope: no such file or directory"
t_podenter cp "$node/in.txt" "$T:/nope/x"
t_expect_rc "a missing destination directory: 125" 125
t_podenter cp "$node/in.txt" "$T:/ro/x"
t_expect_rc "a read-only mount: 125" 125
t_expect_match "  says read-only" "$T_ERR" "Read-only file system"
head -c 1048576 /dev/zero >"$node/big"
t_podenter cp "$node/big" "$T:/small/big"
t_expect_rc "a full volume: 125" 125
t_expect_match "  says no space" "$T_ERR" "No space left on device"
t_expect_eq "  nothing left in the volume" "$(ls -A "/proc/$P/root/small")" ""

# --- into the target ----------------------------------------------------------
mkdir -p "$node/src/d"
echo one >"$node/src/one"
echo two >"$node/src/d/two"
chmod 0640 "$node/src/one"
touch -d '2002-03-04 05:06:07' "$node/src/one"
chown 1234:5678 "$node/src/one"
t_podenter cp -v "$node/src" "$T:/in"
t_expect_rc "cp in a directory" 0
t_expect_eq "its files" "$(cat "$root/in/src/one" "$root/in/src/d/two" 2>&1)" "one
two"
t_expect_eq "mode and mtime kept, owner root" "$(stat -c '%a %Y %u:%g' "$root/in/src/one")" \
	"640 $(stat -c %Y "$node/src/one") 0:0"
t_podenter cp --preserve "$node/src/one" "$T:/in/kept"
t_expect_eq "--preserve keeps the owner" "$(stat -c '%u:%g' "$root/in/kept")" 1234:5678
t_podenter cp "$node/src/one" "$T:/vol/in-volume"
t_expect_eq "a volume path writes into the volume" "$(cat "/proc/$P/root/vol/in-volume" 2>&1)" one
[ -e "$root/vol/in-volume" ] && t_fail "wrote under the volume's mount point" || t_pass "not under the volume's mount point"

t_podenter cp "$node/src/one" "$T:/etc/bound"
t_expect_rc "onto a file bind mount" 0
t_expect_eq "  written in place: the target sees it" "$(cat "/proc/$P/root/etc/bound" 2>&1)" one
t_expect_eq "  the mount stays" "$(grep -c ' /etc/bound ' "/proc/$P/mountinfo")" 1
t_expect_eq "  its file is the one written" "$(cat "$node/bound")" one
python3 -c 'import sys, tarfile
t = tarfile.open(sys.argv[1], "w"); i = tarfile.TarInfo("bound")
i.type = tarfile.SYMTYPE; i.linkname = "x"; t.addfile(i); t.close()' "$T_TMP/link.tar"
T_RC=0
timeout 60 "$PODENTER" cp - "$T:/etc" <"$T_TMP/link.tar" 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "a symlink onto a mount point: 125" 125
t_expect_match "  says it is a mount point" "$T_ERR" "mount point"
t_expect_eq "  the mount stays" "$(grep -c ' /etc/bound ' "/proc/$P/mountinfo")" 1

# --- tar streams ------------------------------------------------------------
T_RC=0
timeout 60 "$PODENTER" cp "$T:/data" - >"$T_TMP/data.tar" 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "a tar archive out" 0
t_expect_eq "tar t lists it" "$(tar tf "$T_TMP/data.tar" | sort | tr '\n' ' ')" \
	"data/ data/dotdot data/random data/script data/sub/ data/sub/deep data/sub/link "
mkdir -p "$out/untar"
tar xf "$T_TMP/data.tar" -C "$out/untar"
if cmp -s "$out/untar/data/random" "$root/data/random"; then t_pass "tar: bytes intact"; else t_fail "tar: bytes intact"; fi
t_expect_eq "tar: mode and mtime" "$(stat -c '%a %Y' "$out/untar/data/script")" \
	"$(stat -c '%a %Y' "$root/data/script")"

longname=$(printf 'n%.0s' {1..150})
mkdir -p "$node/tarsrc/a/$longname"
echo long >"$node/tarsrc/a/$longname/$longname"
echo plain >"$node/tarsrc/plain"
mkdir -p "$root/in/untar"
T_RC=0
tar cf - -C "$node/tarsrc" . | timeout 60 "$PODENTER" cp - "$T:/in/untar" 2>"$T_TMP/err" || T_RC=$?
T_ERR=$(cat "$T_TMP/err")
t_expect_rc "a tar archive in (GNU long names)" 0
t_expect_eq "its files" "$(cat "$root/in/untar/plain" "$root/in/untar/a/$longname/$longname" 2>&1)" "plain
long"
T_RC=0
tar --format=pax -cf - -C "$node/tarsrc" . | timeout 60 "$PODENTER" cp - "$T:/in/untar" 2>"$T_TMP/err" || T_RC=$?
t_expect_rc "a pax archive in" 0
T_RC=0
timeout 60 "$PODENTER" cp "$T:/in/untar" - 2>/dev/null | tar tf - >"$T_TMP/list" || T_RC=$?
t_expect_match "a long name out (pax)" "$(cat "$T_TMP/list")" "untar/a/$longname/$longname"

# hostile archives: nothing beneath or beside the destination changes
hostile() { # name python-to-build-entries
	python3 - "$T_TMP/$1.tar" "$2" <<'PY'
import io, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
def f(name, data=b"evil\n"):
    i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
def l(name, target, kind=tarfile.SYMTYPE):
    i = tarfile.TarInfo(name); i.type = kind; i.linkname = target; t.addfile(i)
exec(sys.argv[2])
t.close()
PY
}
hostile dotdot 'f("../escaped")'
hostile linkdir 'l("l", "/"); f("l/etc/evil")'
hostile linkup 'l("u", "../.."); f("u/escaped")'
hostile hardlink 'l("h", "../../etc/passwd", tarfile.LNKTYPE)'
hostile abs 'f("/etc/abs-evil")'
for h in dotdot linkdir linkup hardlink abs; do
	mkdir -p "$root/in/h-$h"
	T_RC=0
	timeout 60 "$PODENTER" cp - "$T:/in/h-$h" <"$T_TMP/$h.tar" >/dev/null 2>"$T_TMP/err" || T_RC=$?
	T_ERR=$(cat "$T_TMP/err")
	t_expect_rc "hostile archive '$h' refused" 125
done
t_expect_eq "nothing escaped next to the destinations" \
	"$(ls -A "$root/in" | grep -v -e '^h-' -e '^src$' -e '^kept$' -e '^untar$')" ""
[ -e "$root/etc/evil" ] || [ -e /etc/evil ] || [ -e "$root/etc/abs-evil" ] ||
	[ -e /etc/abs-evil ] || [ -e "$root/escaped" ] && t_fail "an entry escaped" || t_pass "no entry escaped"
t_expect_eq "the target's passwd unchanged" "$(cat "$root/etc/passwd")" pod-passwd

# --- the pod races the copy ---------------------------------------------------
# A process in the target swaps /race/d and /race/d/sub, again and again,
# between real directories and links to a node directory (absolute, and by
# '..'), while files are copied out of and into them. Whatever each copy
# does, nothing of the node directory comes out and nothing goes in.
mkdir -p "$node/racedir" "$root/race/d/sub"
echo node-race-secret >"$node/racedir/secret"
echo pod-file >"$root/race/d/sub/f"
nsenter -t "$P" -m -r /bin/busybox sh -c '
	while :; do
		mv /race/d/sub /race/d/sub.real; ln -s "$1" /race/d/sub
		rm /race/d/sub; mv /race/d/sub.real /race/d/sub
		mv /race/d /race/d.real; ln -s ../../../../../../../..$1/.. /race/d
		rm /race/d; mv /race/d.real /race/d
	done' sh "$node/racedir" >/dev/null 2>&1 &
racer=$!
disown "$racer"
t_cleanup "kill -9 $racer"
ok_out=0 ok_in=0
for i in $(seq 40); do
	timeout 20 "$PODENTER" cp "$T:/race/d" "$out/race-$i" >/dev/null 2>&1 && ok_out=$((ok_out + 1))
	timeout 20 "$PODENTER" cp "$node/in.txt" "$T:/race/d/sub/in-$i" >/dev/null 2>&1 && ok_in=$((ok_in + 1))
done
kill -9 "$racer"
echo "# race: $ok_out of 40 copies out and $ok_in of 40 copies in went through"
t_expect_eq "racing links: nothing of the node came out" \
	"$(grep -rl node-race-secret "$out"/race-* 2>/dev/null)" ""
t_expect_eq "racing links: nothing went into the node's directory" "$(ls -A "$node/racedir")" secret
[ "$ok_out" -gt 0 ] && t_pass "racing links: copies out still went through" ||
	t_fail "racing links: no copy out went through"

# --- nothing left -------------------------------------------------------------
t_expect_eq "no temporary file anywhere in the target" \
	"$(find "/proc/$P/root/" -xdev -name '.podenter-cp.*' 2>/dev/null; find "/proc/$P/root/vol" "/proc/$P/root/small" -name '.podenter-cp.*')" ""
t_expect_eq "no temporary file on the node side" "$(find "$out" "$node" -name '.podenter-cp.*')" ""
t_expect_eq "no mount left" "$(t_mountinfo)" "$before"

# --- a user-namespaced target: owners as it numbers them -------------------------
# (uid_map and gid_map "0 0 1", "1 100001 65535")
# The target's shell gains the capabilities to chroot when it executes
# after its map is written; under no_new_privs (tests/no-new-api's seccomp
# wrapper sets it) it cannot, so that run leaves this part out: it is not
# about openat2, and the plain run checks it.
userns_checks() {
	uroot=$T_TMP/uroot
	mkdir -p "$uroot"/{bin,etc,in}
	cp "$(command -v busybox)" "$uroot/bin/busybox"
	echo mine >"$uroot/etc/root-file"
	echo user >"$uroot/etc/user-file"
	chown 101000:101001 "$uroot/etc/user-file" # its 1000:1001
	# its map, written from here (root keeps root: what runs there must be able
	# to chroot; every other id is shifted by 100000)
	unshare --user --fork --kill-child --pid --mount sh -c '
		while [ ! -e "$1" ]; do sleep 0.05; done
		exec chroot "$2" /bin/busybox sleep 1000' sh "$T_TMP/umapped" "$uroot" >/dev/null 2>&1 &
	uouter=$!
	disown "$uouter"
	t_cleanup "kill -9 $uouter"
	in_own_userns() { [ "$(readlink "/proc/$1/ns/user")" != "$(readlink /proc/self/ns/user)" ]; }
	t_wait_for 400 in_own_userns "$uouter" || { echo "no user namespace" >&2; exit 1; }
	# (a map is written in one write(2): python, not the shell's line by line)
	python3 -c 'import sys; [open(f, "w").write("0 0 1\n1 100001 65535\n") for f in sys.argv[1:]]' \
		"/proc/$uouter/uid_map" "/proc/$uouter/gid_map"
	touch "$T_TMP/umapped"
	t_wait_for 400 grep -qx busybox "/proc/$(pgrep -P "$uouter" | head -1)/comm" ||
		{ echo "the user-namespaced target did not start" >&2; exit 1; }
	U=pid:$(pgrep -P "$uouter" | head -1)
	t_podenter cp "$node/src/one" "$U:/in/default"
	t_expect_eq "userns: written as the container's root" "$(stat -c %u:%g "$uroot/in/default")" 0:0
	t_podenter cp --preserve "$node/src/one" "$U:/in/kept"
	t_expect_eq "userns: --preserve numbers owners as the container does" \
		"$(stat -c %u:%g "$uroot/in/kept")" 101234:105678
	t_podenter cp --preserve "$U:/etc/user-file" "$out/userns-user"
	t_expect_eq "userns: --preserve out: the container's numbers" "$(stat -c %u:%g "$out/userns-user")" 1000:1001
	T_RC=0
	timeout 60 "$PODENTER" cp "$U:/etc" - 2>/dev/null | tar --numeric-owner -tvf - >"$T_TMP/ulist" || T_RC=$?
	t_expect_match "userns: the archive has the container's owners" "$(cat "$T_TMP/ulist")" \
		"0/0 .* etc/root-file"
	t_expect_match "  and its user's" "$(cat "$T_TMP/ulist")" "1000/1001 .* etc/user-file"
}
if grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status; then
	echo "# userns checks left out: no_new_privs is set (the no-new-api run)"
else
	userns_checks
fi

# --- the audit record -----------------------------------------------------------
t_podenter cp --audit-log "$T_TMP/audit.log" "$T:/etc/passwd" "$out/audited"
t_expect_rc "cp with --audit-log" 0
t_podenter cp --audit-log "$T_TMP/audit.log" "$T:/nope" "$out/audited2"
t_expect_rc "a failing cp with --audit-log" 125
t_expect_eq "audit: start and end records of both copies" \
	"$(python3 -c 'import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print(d["event"], d["target"]["pid"], d.get("exit_status", "-"), " ".join(d["command"]))
' "$T_TMP/audit.log" | sed "s/ $P / PID /")" \
	"session-start PID - cp $T:/etc/passwd $out/audited
session-end PID 0 cp $T:/etc/passwd $out/audited
session-start PID - cp $T:/nope $out/audited2
session-end PID 125 cp $T:/nope $out/audited2"
t_podenter cp --audit-log /dev/full "$T:/etc/passwd" "$out/unaudited"
t_expect_rc "an audit log that cannot be written stops the copy: 125" 125
[ -e "$out/unaudited" ] && t_fail "  but the file was copied" || t_pass "  nothing copied"

# --- usage ----------------------------------------------------------------------
t_podenter cp "$node/in.txt" "$out/x"
t_expect_rc "two node paths: 125" 125
t_podenter cp "$T:/etc/passwd"
t_expect_rc "one argument: 125" 125
t_podenter cp "$T:" "$out/x"
t_expect_rc "no path: 125" 125
if command -v script >/dev/null; then
	T_RC=0
	T_OUT=$(timeout 20 script -qec "$PODENTER cp - $T:/in" /dev/null </dev/null 2>&1) || T_RC=$?
	t_expect_rc "a tar archive from a terminal: 125" 125
	t_expect_match "  said" "$T_OUT" "not reading a tar archive from a terminal"
	T_RC=0
	T_OUT=$(timeout 20 script -qec "$PODENTER cp $T:/etc -" /dev/null </dev/null 2>&1) || T_RC=$?
	t_expect_rc "a tar archive to a terminal: 125" 125
fi
t_done
