#!/bin/bash
# Bad input to the view options: a clear message, exit 125, and nothing
# left behind (no mount in either table, no file in the container, no
# process, nothing in the cache).
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"

v_make_busybox er
ER_PID=$V_PID ER_ROOT=$V_ROOT
CACHE=$T_TMP/cache
echo "cache-dir = $CACHE" >"$PODENTER_CONFIG"
mkdir -p "$T_TMP/no-shell/bin"
echo "not an archive" >"$T_TMP/junk.tar"
tree_before=$(v_tree "$ER_ROOT")
v_snap "$ER_PID" before

bad() { # what regex podenter-args...
	local what=$1 re=$2
	shift 2
	t_podenter_reaped pid:"$ER_PID" "$@"
	t_expect_rc "$what: 125" 125
	t_expect_match "$what: says why" "$T_ERR" "$re"
	t_expect_eq "$what: no process left (orphans of podenter)" "$T_LEFT" ""
}
bad "unknown view" "unknown view 'bogus'" --view bogus -- true
bad "missing tools source" "tools source '$T_TMP/nope'" --tools "$T_TMP/nope" -- true
bad "tools without a shell" "has no usable /bin/sh" --tools "$T_TMP/no-shell" -- true
bad "a file that is no archive" "junk.tar: not a tar archive" --tools "$T_TMP/junk.tar" -- true
bad "a view without the mount namespace" "need the target's mount namespace" --net-only --view tools -- true
bad "the target's environment with the node's tools" "need --view container" \
	--view tools --env-from-target -- true
PODENTER_TOOLBOX=$T_TMP/no-toolbox t_podenter_reaped pid:"$ER_PID" --tools builtin -- true
t_expect_rc "a missing toolbox: 125" 125
t_expect_eq "a missing toolbox: no process left" "$T_LEFT" ""
t_expect_match "a missing toolbox is named" "$T_ERR" "the builtin tools tree $T_TMP/no-toolbox"
t_expect_match "a missing toolbox says how to get one" "$T_ERR" "busybox-static"

# the leftover check can fail: a stand-in that exits 125 and leaves a
# process behind, detached into its own session
printf '#!/bin/sh\nsetsid sleep 313 </dev/null >/dev/null 2>&1 &\nexit 125\n' >"$T_TMP/leaky"
chmod +x "$T_TMP/leaky"
PODENTER=$T_TMP/leaky t_podenter_reaped pid:"$ER_PID" -- true
t_expect_match "the leftover check sees what a leaky podenter leaves" "$T_LEFT" "sleep"

v_expect_unchanged "after bad input" "$ER_PID" before
t_expect_eq "nothing written into the container" "$(v_tree "$ER_ROOT")" "$tree_before"
t_expect_eq "nothing left in the cache" "$(ls -A "$CACHE" 2>/dev/null)" ""

t_done
