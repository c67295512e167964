#!/bin/bash
# The session's /proc and /sys are guarded at least as the container's own
# (issue 13, hole 1), in every view: a fresh procfs used to be read-write with
# nothing masked, so container code the session ran could open
# /proc/sys/kernel/core_pattern for writing (node root). Targets:
#  bare    its own plain /proc, a read-write /sys and no /dev, like a
#          privileged pod: kubelet's defaults still apply;
#  masks   a runtime that masked /proc/cmdline (a null device) and /proc/tty
#          (a read-only tmpfs) and made /proc/pressure read-only: the session
#          has the same;
#  hostile its /dev/null is a symlink to core_pattern (CVE-2025-31133): the
#          masks never become a bind of it.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

# Truncating a sysctl file with ": >" opens it for writing without writing a
# value, so a failing run leaves the node unchanged.
# shellcheck disable=SC2016 # expanded by the session's shell
GUARD='w() { if ( : >"$1" ) 2>/dev/null; then echo "BAD writable $1"; else echo "ok not-writable $1"; fi; }
w /proc/sys/kernel/core_pattern
if [ -e /proc/sysrq-trigger ]; then w /proc/sysrq-trigger; fi
for f in /proc/kcore /proc/keys /proc/timer_list; do
	[ -e "$f" ] || continue
	n=$(head -c 64 "$f" 2>/dev/null | wc -c)
	if [ "$n" -eq 0 ]; then echo "ok empty $f"; else echo "BAD readable $f"; fi
done
o=$(awk "\$5 == \"/sys\" { o = \$6 } END { print o }" /proc/self/mountinfo)
case "$o" in ro | ro,*) echo "ok read-only /sys" ;; *) echo "BAD /sys mounted $o" ;; esac
for d in /proc/acpi /sys/firmware; do
	[ -d "$d" ] || continue
	if [ -z "$(ls -A "$d")" ]; then echo "ok empty $d"; else echo "BAD visible $d"; fi
done
n=$(head -c 64 /proc/cmdline 2>/dev/null | wc -c); echo "cmdline=$n"
echo "tty=$(ls -A /proc/tty 2>/dev/null | wc -l)"
awk "\$5 == \"/proc/pressure\" { o = \$6 } END { print \"pressure=\" o }" /proc/self/mountinfo
awk "\$5 == \"/proc/tty\" || \$5 == \"/sys/firmware\" { d[\$5] = \$3 } END { for (m in d) print \"maskdev\", d[m] }" /proc/self/mountinfo
echo guard-done'

# the checks only mean something where the node's own are there to guard
[ -e /proc/sys/kernel/core_pattern ] && [ "$(head -c 64 /proc/keys | wc -c)" -gt 0 ] ||
	t_skip_all "this kernel has no core_pattern or /proc/keys to guard"
[ "$(head -c 64 /proc/cmdline | wc -c)" -gt 0 ] && [ -n "$(ls -A /proc/tty)" ] ||
	t_skip_all "the node's /proc/cmdline or /proc/tty is empty"

# g_make NAME INIT-SCRIPT [dev-null-kind]: a busybox root, /dev/null a null
# device ("node"), a symlink to core_pattern ("hostile") or absent ("").
g_make() {
	local name=$1 init=$2 null=${3:-} a
	V_ROOT=$T_TMP/root-$name
	mkdir -p "$V_ROOT/bin" "$V_ROOT/etc" "$V_ROOT/tmp" "$V_ROOT/dev" "$V_ROOT/sys"
	cp "$V_BUSYBOX" "$V_ROOT/bin/busybox"
	for a in sh sleep ls cat mount umount head wc awk; do ln -sf busybox "$V_ROOT/bin/$a"; done
	case $null in
	node) mknod -m 666 "$V_ROOT/dev/null" c 1 3 ;;
	hostile) ln -s /proc/sys/kernel/core_pattern "$V_ROOT/dev/null" ;;
	esac
	V_READY_COMM=sleep v_start "$name" "$V_ROOT" /bin/sh -c \
		"mount -t proc proc /proc && mount -t sysfs sysfs /sys && $init umount -l /old; sleep 1001 & exec sleep 1000"
}

expect_guarded() { # WHAT
	t_expect_rc "$1: the session ran" 0
	t_expect_match "$1: the guard script ran" "$T_OUT" "^guard-done$"
	t_expect_match "$1: core_pattern cannot be opened for writing" "$T_OUT" \
		"^ok not-writable /proc/sys/kernel/core_pattern$"
	t_expect_match "$1: /proc/keys reads empty" "$T_OUT" "^ok empty /proc/keys$"
	t_expect_match "$1: /sys is read-only" "$T_OUT" "^ok read-only /sys$"
	t_expect_nomatch "$1: nothing unguarded" "$T_OUT" "^BAD"
}

g_make bare ""
BARE_PID=$V_PID
v_snap "$BARE_PID" before-bare
for view in none tools merged container; do
	t_podenter pid:"$BARE_PID" --view "$view" --tools builtin -- sh -c "$GUARD"
	expect_guarded "bare, --view $view"
done
for profile in baseline netadmin general; do
	t_podenter pid:"$BARE_PID" --view none --profile "$profile" -- sh -c "$GUARD"
	expect_guarded "bare, --view none --profile $profile"
done
v_expect_unchanged "bare" "$BARE_PID" before-bare

g_make masks "mount -o bind /dev/null /proc/cmdline && mount -t tmpfs -o ro tmpfs /proc/tty &&
	mount -o bind /proc/pressure /proc/pressure && mount -o remount,bind,ro /proc/pressure &&" node
MASKS_PID=$V_PID
grep -q ' /proc/pressure ro' "/proc/$MASKS_PID/mountinfo" ||
	{ t_fail "masks: the target could not guard its own /proc"; t_done; }
for view in none tools; do
	t_podenter pid:"$MASKS_PID" --view "$view" --tools builtin -- sh -c "$GUARD"
	expect_guarded "masks, --view $view"
	t_expect_match "masks, --view $view: the target's masked file" "$T_OUT" "^cmdline=0$"
	t_expect_match "masks, --view $view: the target's masked directory" "$T_OUT" "^tty=0$"
	t_expect_match "masks, --view $view: the target's read-only path" "$T_OUT" "^pressure=ro"
	# every masked directory, under /proc and /sys alike, is a clone of
	# one empty tmpfs (nsjoin.h, pe_guard_kit): one file system to make
	# and to tear down, not one for each tree (the last mount listed at
	# each path is the one on top; --view none also lists the target's
	# own masks below the fresh /proc)
	if [ -d /sys/firmware ]; then
		t_expect_eq "masks, --view $view: /proc/tty and /sys/firmware masked by one tmpfs" \
			"$(printf '%s\n' "$T_OUT" | awk '$1 == "maskdev" { print $2 }' | sort | uniq -c | awk '{ print $1 }')" 2
	fi
done

g_make hostile "" hostile
core_before=$(cat /proc/sys/kernel/core_pattern)
t_podenter pid:"$V_PID" --view none -- sh -c "$GUARD"
expect_guarded "hostile /dev/null, --view none"
t_expect_eq "hostile: core_pattern unchanged" "$(cat /proc/sys/kernel/core_pattern)" "$core_before"

t_done
