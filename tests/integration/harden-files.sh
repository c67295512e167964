#!/bin/bash
# Files podenter opens on the node, when someone else planted them (issue 13,
# holes 6 and 9). Output files (sniff -w, --audit-log) are never written
# through a symlink or a hard link, never a FIFO, device or directory, and
# opening them never hangs. Node files read from a --host-root tree that
# are FIFOs (a bundle's config.json, a process's cgroup file, a kubelet log)
# do not hang podenter, and a --host-root whose /proc is a copy rather than
# a procfs is not trusted to pin and join a process.
source "$TESTLIB"
t_require_root
source "$(dirname "${BASH_SOURCE[0]}")/sniff-common.sh"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"

# podenter blocks SIGTERM while it captures: -k ends a hang for sure
BOUND="timeout -k 2 10"
CANARY=$T_TMP/canary
canary_is_intact() { [ "$(cat "$CANARY")" = "NODE FILE, DO NOT TRUNCATE" ]; }
reset_canary() { echo "NODE FILE, DO NOT TRUNCATE" >"$CANARY"; }

# Each planted output: a name for messages, and the words podenter must
# give for its refusal.
plant() { # kind path
	rm -rf "$2"
	case $1 in
	symlink) ln -s "$CANARY" "$2" ;;
	hardlink) ln "$CANARY" "$2" ;;
	fifo) mkfifo "$2" ;;
	device) mknod "$2" c 1 3 ;; # a null device: harmless if written
	directory) mkdir "$2" ;;
	esac
}
declare -A WHY=([symlink]="symbolic link|Too many levels of symbolic links"
	[hardlink]="other hard links" [fifo]="a FIFO" [device]="a device"
	[directory]="a directory")

# --- hole 6: sniff -w ------------------------------------------------------
s_make_pod 1 || { t_fail "making pod 1"; t_done; }
for kind in symlink hardlink fifo device directory; do
	reset_canary
	out=$T_TMP/capture.$kind
	plant $kind "$out"
	T_RC=0
	$BOUND "$PODENTER" sniff pid:"${S_PID[1]}" --count 1 -w "$out" -- icmp \
		>"$T_TMP/o" 2>"$T_TMP/e" || T_RC=$?
	T_OUT=$(cat "$T_TMP/o") T_ERR=$(cat "$T_TMP/e")
	t_expect_rc "sniff -w onto a planted $kind: refused (125), no hang" 125
	t_expect_match "sniff -w onto a planted $kind: says why" "$T_ERR" "${WHY[$kind]}"
	canary_is_intact && t_pass "sniff -w onto a planted $kind: the file it leads to is untouched" ||
		t_fail "sniff -w onto a planted $kind: the canary was truncated or written"
done
# the ordinary case still works: an existing regular file is replaced
reset_canary
cp "$CANARY" "$T_TMP/old.pcapng"
s_sniff_bg "pid:${S_PID[1]}" --count 2 -w "$T_TMP/old.pcapng" -- icmp || t_fail "capture did not start"
s_ping 1 1
S_RC=0
wait "$S_SNIFF" || S_RC=$?
t_expect_eq "sniff -w onto an existing regular file: captures" "$S_RC" 0
t_expect_eq "sniff -w: the old content is gone, the capture is whole" "$(s_count "$T_TMP/old.pcapng")" 2

# --- hole 6/9: --audit-log ---------------------------------------------------
e_make_target audited
for kind in symlink hardlink fifo device directory; do
	reset_canary
	log=$T_TMP/audit.$kind
	plant $kind "$log"
	if [ $kind = fifo ]; then
		# a reader waiting on the FIFO: podenter must still refuse it
		(timeout -k 1 15 cat "$log" >"$T_TMP/fifo-read") &
		reader=$!
	fi
	T_RC=0
	$BOUND "$PODENTER" --audit-log "$log" pid:"$E_PID" -- true </dev/null \
		>"$T_TMP/o" 2>"$T_TMP/e" || T_RC=$?
	T_OUT=$(cat "$T_TMP/o") T_ERR=$(cat "$T_TMP/e")
	t_expect_rc "--audit-log onto a planted $kind: refused (125), no hang" 125
	t_expect_match "--audit-log onto a planted $kind: says why" "$T_ERR" "${WHY[$kind]}"
	canary_is_intact && t_pass "--audit-log onto a planted $kind: the file it leads to is untouched" ||
		t_fail "--audit-log onto a planted $kind: the canary was written"
	if [ $kind = fifo ]; then
		kill "$reader" 2>/dev/null
		wait "$reader" 2>/dev/null
		t_expect_eq "--audit-log onto a FIFO: nothing was written into it" "$(cat "$T_TMP/fifo-read")" ""
	fi
done
# a FIFO with no reader: before the fix the open itself blocked forever
rm -f "$T_TMP/audit.fifo2" && mkfifo "$T_TMP/audit.fifo2"
T_RC=0
$BOUND "$PODENTER" --audit-log "$T_TMP/audit.fifo2" pid:"$E_PID" -- true </dev/null \
	>/dev/null 2>"$T_TMP/e" || T_RC=$?
T_ERR=$(cat "$T_TMP/e")
t_expect_rc "--audit-log onto a FIFO nobody reads: refused, no hang" 125

# --- hole 9: FIFOs in a --host-root tree -------------------------------------
NODE=$T_TMP/node
cp -a "$FIXTURES/containerd-real" "$NODE"
T_RC=0
$BOUND "$PODENTER" list -A -o name --host-root "$NODE" >"$T_TMP/want" 2>&1 || T_RC=$?
t_expect_rc "the copied tree lists" 0
# a FIFO as one bundle's config.json, as another container's PID's cgroup
# file, and as a kubelet log
bundle=$(find "$NODE/run/containerd/io.containerd.runtime.v2.task/k8s.io" -mindepth 1 -maxdepth 1 | head -1)
rm -f "$bundle/config.json" && mkfifo "$bundle/config.json"
cgfile=$(ls -d "$NODE"/proc/[0-9]*/cgroup | tail -1)
rm -f "$cgfile" && mkfifo "$cgfile"
klog=$(ls "$NODE"/var/log/pods/*/*/0.log 2>/dev/null | head -1)
[ -n "$klog" ] && rm -f "$klog" && mkfifo "$klog"
for cmd in "list -A" "list -A -o json" "inspect default/web-6c9f8d7b5-q4x2m -c sidecar"; do
	T_RC=0
	# shellcheck disable=SC2086
	$BOUND "$PODENTER" $cmd --host-root "$NODE" >"$T_TMP/o" 2>"$T_TMP/e" || T_RC=$?
	T_OUT=$(cat "$T_TMP/o") T_ERR=$(cat "$T_TMP/e")
	if [ "$T_RC" = 124 ]; then
		t_fail "FIFOs in the host root: '$cmd' hung (killed by timeout)"
	else
		t_pass "FIFOs in the host root: '$cmd' finished (exit $T_RC)"
	fi
done
T_RC=0
$BOUND "$PODENTER" list -A -o name --host-root "$NODE" >"$T_TMP/o" 2>"$T_TMP/e" || T_RC=$?
T_OUT=$(cat "$T_TMP/o") T_ERR=$(cat "$T_TMP/e")
t_expect_rc "FIFOs in the host root: list still succeeds" 0
t_expect_match "FIFOs in the host root: the other pods are still listed" "$T_OUT" "default/web-6c9f8d7b5-q4x2m"

# --- hole 9: a --host-root whose /proc is a copy -----------------------------
# The copy's /proc/5529 describes web's sidecar; make that PID a real,
# unrelated process of ours (a target in its own namespaces) by renaming the
# copied directory and the bundle's pid. Trusting that /proc, podenter would
# "verify" the copy's files and join whatever process holds the PID.
e_make_target bystander
VICTIM=$E_PID
cp -a "$FIXTURES/containerd-real" "$T_TMP/fake"
FAKE=$T_TMP/fake
sidecar=d688a4b94496d5e7c1ca60ca813b3c7f30abe424210af3c8d0c67c385d5d78f5
mv "$FAKE/proc/5529" "$FAKE/proc/$VICTIM"
echo "$VICTIM" >"$FAKE/run/containerd/io.containerd.runtime.v2.task/k8s.io/$sidecar/init.pid"
t_podenter inspect --host-root "$FAKE" -o json default/web-6c9f8d7b5-q4x2m -c sidecar
t_expect_eq "the copied /proc resolves the sidecar to the bystander's PID" \
	"$(t_json "$T_OUT" "d['pid']" 2>/dev/null)" "$VICTIM"
T_RC=0
$BOUND "$PODENTER" --host-root "$FAKE" default/web-6c9f8d7b5-q4x2m -c sidecar --view none \
	-- cat /proc/sys/kernel/hostname </dev/null >"$T_TMP/o" 2>"$T_TMP/e" || T_RC=$?
T_OUT=$(cat "$T_TMP/o") T_ERR=$(cat "$T_TMP/e")
t_expect_rc "a host root whose /proc is not a procfs: entering is refused" 125
t_expect_match "a host root whose /proc is not a procfs: says so" "$T_ERR" "is not a procfs"
t_expect_nomatch "a host root whose /proc is not a procfs: the bystander was not entered" "$T_OUT" "bystander"

t_done
