#!/bin/bash
# Exec semantics users know from `kubectl exec` / `runc exec` (issue 13):
# the identity and HOME/USER/LOGNAME come from the passwd and group files the
# command sees (the container's; /target's in the tools view), read beneath
# the container's root so that a planted link never reads a file of the
# node's; --user NAME[:GROUP], UID (gid of its entry, else 0), --group-add;
# and a failed exec says why (a missing "#!" interpreter or ELF loader, no
# execute bit, a noexec mount, an unknown format).
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

v_make_busybox app
APP=$V_PID R=$V_ROOT
for a in id env; do ln -sf busybox "$R/bin/$a"; done
cat >"$R/etc/passwd" <<'EOF2'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1001:App:/home/app:/bin/sh
EOF2
cat >"$R/etc/group" <<'EOF2'
root:x:0:
wheel:x:10:app
audio:x:29:other,app
app:x:1001:
video:x:44:application
EOF2
line() { printf '%s\n' "$T_OUT" | tr '\n' ' '; }

# --- identity and HOME/USER/LOGNAME from the container's files -----------
for view in none tools; do
	V=(--view "$view")
	[ "$view" = tools ] && V+=(--tools builtin)
	t_podenter pid:"$APP" "${V[@]}" --user 1000 -- sh -c 'echo "$HOME $USER $LOGNAME"; id -u; id -g; id -G'
	t_expect_eq "$view: --user 1000: its entry's home, name, gid and groups" "$(line)" \
		"/home/app app app 1000 1001 1001 10 29 "
	t_podenter pid:"$APP" "${V[@]}" --user app -- sh -c 'echo "$HOME"; id -u; id -g'
	t_expect_eq "$view: --user NAME: looked up in the container's /etc/passwd" "$(line)" "/home/app 1000 1001 "
	t_podenter pid:"$APP" "${V[@]}" --user 4242 -- sh -c 'echo "$HOME ${USER-unset}"; id -u; id -g; id -G'
	t_expect_eq "$view: --user UID without an entry: HOME=/, gid 0, no groups" "$(line)" "/ unset 4242 0 0 "
	t_podenter pid:"$APP" "${V[@]}" -- sh -c 'echo "$HOME $USER"; id -G'
	t_expect_eq "$view: default root: its entry's home, no groups it is not listed in" "$(line)" "/root root 0 "
done
t_podenter pid:"$APP" --view none --user app:audio -- id -G
t_expect_eq "--user NAME:GROUP: that group, none of the memberships" "$T_OUT" "29"
t_podenter pid:"$APP" --view none --user 1000:44 -- sh -c 'id -g; id -G'
t_expect_eq "--user UID:GID" "$(line)" "44 44 "
t_podenter pid:"$APP" --view none --user app --group-add 44 --group-add wheel --group-add 5000 -- id -G
t_expect_eq "--group-add: by gid and by name, added once" "$T_OUT" "1001 10 29 44 5000"
t_podenter pid:"$APP" --view none --user 4242 --group-add audio -- id -G
t_expect_eq "--group-add for a uid without an entry" "$T_OUT" "0 29"
t_podenter pid:"$APP" --view none -e HOME=/elsewhere --user app -- sh -c 'echo $HOME'
t_expect_eq "-e HOME wins over the passwd entry" "$T_OUT" "/elsewhere"
t_podenter pid:"$APP" --view none --user nosuch -- true
t_expect_rc "--user unknown name: 125" 125
t_expect_match "--user unknown name: says where it looked" "$T_ERR" "no such user in the target's /etc/passwd"
t_podenter pid:"$APP" --view none --user app:nosuch -- true
t_expect_rc "--user NAME:unknown group: 125" 125
t_expect_match "--user NAME:unknown group: names /etc/group" "$T_ERR" "/etc/group"
t_podenter pid:"$APP" --view none --group-add 'a,b' -- true
t_expect_rc "--group-add malformed: 125" 125
t_podenter pid:"$APP" --view none --user 'x/y' -- true
t_expect_rc "--user malformed: 125" 125

# --- a hostile container's passwd: links to a passwd of the node's ---------
# The tools tree holds the canary, so a reader that follows the container's
# link from the tools view's root (not from the container's) would find it.
TOOLS=$T_TMP/tools-canary
mkdir -p "$TOOLS/bin" "$TOOLS/etc"
cp "$V_BUSYBOX" "$TOOLS/bin/busybox"
for a in sh id env cat; do ln -sf busybox "$TOOLS/bin/$a"; done
printf 'root:x:0:0:canary:/CANARY:/bin/sh\napp:x:7777:7777:canary:/CANARY:/bin/sh\n' >"$TOOLS/etc/canary-passwd"
printf 'canary:x:7777:app,root\n' >"$TOOLS/etc/canary-group"
# ... and the node too (for the none view): a node path the link names
NODE_CANARY=$T_TMP/node-canary-passwd
cp "$TOOLS/etc/canary-passwd" "$NODE_CANARY"
v_make_busybox evil
EVIL=$V_PID E=$V_ROOT
for a in id env; do ln -sf busybox "$E/bin/$a"; done
before=$(stat -c '%X %Y' "$TOOLS/etc/canary-passwd" "$NODE_CANARY")
for link in /etc/canary-passwd ../../../../../../../etc/canary-passwd \
	"$NODE_CANARY" "../../../../../../..$NODE_CANARY" /proc/self/root/etc/canary-passwd; do
	rm -f "$E/etc/passwd" "$E/etc/group"
	ln -s "$link" "$E/etc/passwd"
	ln -s "${link/passwd/group}" "$E/etc/group"
	for view in tools none; do
		V=(--view "$view")
		[ "$view" = tools ] && V+=(--tools "$TOOLS")
		t_podenter pid:"$EVIL" "${V[@]}" -q -- sh -c 'echo "$HOME"; id -G'
		t_expect_eq "$view, /etc/passwd -> $link: not followed out of the container" "$(line)" "/root 0 "
		t_podenter pid:"$EVIL" "${V[@]}" -q --user app -- id -u
		t_expect_rc "$view, /etc/passwd -> $link: --user app is unknown (125)" 125
		t_expect_nomatch "$view, /etc/passwd -> $link: nothing of the canary" "$T_OUT" "7777|CANARY"
	done
done
# a FIFO as /etc/passwd: neither read nor waited on
rm -f "$E/etc/passwd"
mkfifo "$E/etc/passwd"
T_RC=0
T_OUT=$(timeout 30 "$PODENTER" pid:"$EVIL" --view none -- sh -c 'echo $HOME' 2>"$T_TMP/err") || T_RC=$?
t_expect_rc "a FIFO as /etc/passwd: no hang" 0
t_expect_eq "a FIFO as /etc/passwd: HOME as without an entry" "$T_OUT" "/root"
t_podenter pid:"$EVIL" --view none --user app -- true
t_expect_match "a FIFO as /etc/passwd: --user NAME says the file cannot be used" "$T_ERR" "/etc/passwd cannot be used"
t_expect_eq "the canaries were never read" "$(stat -c '%X %Y' "$TOOLS/etc/canary-passwd" "$NODE_CANARY")" "$before"

# --- a failed exec names its cause ------------------------------------------
printf '#!/mmnnttbb\necho never\n' >"$R/run.sh"
chmod 755 "$R/run.sh"
cp "$R/run.sh" "$R/bin/runsh"
cat >"$T_TMP/hello.c" <<'EOF2'
int main(void) { return 0; }
EOF2
gcc -o "$R/app" "$T_TMP/hello.c" -Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1 ||
	{ echo "cannot build a binary with another loader" >&2; exit 1; }
printf 'echo hi\n' >"$R/notexec"
chmod 644 "$R/notexec"
printf '\001\002\003junk' >"$R/garbage"
chmod 755 "$R/garbage"
nsenter -t "$APP" -m -- /bin/busybox sh -c \
	'mkdir -p /nx && mount -t tmpfs -o noexec tmpfs /nx && cp /bin/busybox /nx/bb' ||
	{ echo "cannot make a noexec mount in the container" >&2; exit 1; }
exec_fails() { # name rc regex args...
	local name=$1 rc=$2 re=$3
	shift 3
	t_podenter pid:"$APP" --view none -- "$@"
	t_expect_rc "$name: exit $rc" "$rc"
	t_expect_match "$name: says why" "$T_ERR" "$re"
}
exec_fails "script with a missing interpreter" 126 "interpreter /mmnnttbb of /run.sh not found" /run.sh
exec_fails "the same found through PATH" 126 "interpreter /mmnnttbb of /bin/runsh not found" runsh
exec_fails "ELF whose loader is missing" 126 \
	"the ELF interpreter /lib/ld-musl-x86_64.so.1 of /app is missing" /app
exec_fails "no execute permission" 126 "cannot run /notexec: not executable \(mode 0644\)" /notexec
exec_fails "not an executable format" 126 "cannot run /garbage: not an executable format" /garbage
exec_fails "a noexec mount" 126 "cannot run /nx/bb: its file system is mounted noexec" /nx/bb
exec_fails "a directory" 126 "cannot run /etc: it is a directory" /etc
exec_fails "a command that is not there" 127 "nosuchcmd: command not found" nosuchcmd

# podenter holds the session's processes on its own CPU until they execute
# (traceguard.h): the command gets podenter's affinity back (the reaper,
# which only waits, keeps one CPU of them), under strace -f too
cpus_of() { sed -n 's/^Cpus_allowed_list:\t//p' "$1"; }
all_cpus=$(cpus_of /proc/self/status)
show_cpus='sed -n "s/^Cpus_allowed_list:\t//p" /proc/self/status /proc/$PPID/status'
t_podenter pid:"$APP" --view none -- sh -c "$show_cpus"
t_expect_rc "affinity: the session runs" 0
t_expect_eq "affinity: the command's is podenter's" "$(echo $T_OUT | cut -d' ' -f1)" "$all_cpus"
t_expect_match "affinity: the reaper's is one CPU" "$(echo $T_OUT | cut -d' ' -f2)" '^[0-9]+$'
if command -v strace >/dev/null; then
	T_WRAP=(strace -f -qq -o /dev/null)
	t_podenter pid:"$APP" --view none -- sh -c "$show_cpus"
	T_WRAP=()
	t_expect_eq "affinity: under strace -f (podenter does not hold it) the command's is podenter's" \
		"$(echo $T_OUT | cut -d' ' -f1)" "$all_cpus"
fi
if [ "$(nproc --all)" -gt 1 ]; then
	T_WRAP=(taskset -c 1)
	t_podenter pid:"$APP" --view none -- sh -c 'sed -n "s/^Cpus_allowed_list:\t//p" /proc/self/status'
	T_WRAP=()
	t_expect_eq "affinity: a podenter started on CPU 1 gives CPU 1" "$T_OUT" 1
fi

t_done
