#!/bin/bash
# The image cache against hostile input (issue 13, hole 7): two tarballs
# sharing one config but not their layers never serve each other's tree; a
# docker-save layer that is not the one its config names is refused; a
# cache directory podenter did not make (another owner, writable by others,
# a symlink) is refused; decompression bombs (bytes, entries, depth) are
# refused with 125 and leave nothing behind.
source "$TESTLIB"
t_require_root
source "$(dirname "$0")/view-common.sh"
PY=/usr/bin/python3
[ -x $PY ] || t_skip_all "the image builder needs /usr/bin/python3"
MK="$PY $(dirname "$0")/image-mkimage.py"

v_make_busybox img
IMG_PID=$V_PID
use_cache() { # dir [extra config lines...]
	CACHE=$1
	shift
	printf '%s\n' "cache-dir = $CACHE" "$@" >"$PODENTER_CONFIG"
}

# --- one config, two sets of layers ---------------------------------------
$MK oci "$T_TMP/a-oci.tar" "$V_BUSYBOX" good
$MK oci "$T_TMP/b-oci.tar" "$V_BUSYBOX" other config-of=good
t_expect_eq "the two OCI images share their config blob" \
	"$(tar tf "$T_TMP/a-oci.tar" | grep -c -F -f <(tar tf "$T_TMP/b-oci.tar" | grep 'blobs/sha256/.'))" 1
use_cache "$T_TMP/cache-shared"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/a-oci.tar" -- sh -c 'cat /added.txt'
t_expect_rc "oci a: runs" 0
t_expect_eq "oci a: its own second layer" "$T_OUT" "from layer 2"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/b-oci.tar" -- sh -c 'cat /added.txt'
t_expect_rc "oci b (same config): runs" 0
t_expect_eq "oci b (same config): its own layers, not a's cached tree" "$T_OUT" "from the other image"
t_expect_nomatch "oci b: not served from a's cache entry" "$T_ERR" "cached"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/a-oci.tar" -- sh -c 'cat /added.txt'
t_expect_eq "oci a again: still its own tree" "$T_OUT" "from layer 2"
t_expect_match "oci a again: from the cache" "$T_ERR" ", cached"
t_expect_eq "two cache entries, one per image" "$(ls -A "$CACHE" | wc -l)" 2

# docker-save names layers by path: a layer that is not the one the
# config's diff_ids name (a tampered or swapped layer) is refused.
$MK docker "$T_TMP/a-docker.tar" "$V_BUSYBOX" good
$MK docker "$T_TMP/b-docker.tar" "$V_BUSYBOX" other config-of=good
use_cache "$T_TMP/cache-docker"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/a-docker.tar" -- sh -c 'cat /added.txt'
t_expect_eq "docker a: its own tree" "$T_OUT" "from layer 2"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/b-docker.tar" -- sh -c 'cat /added.txt'
t_expect_rc "docker b (layers not its config's): refused with 125" 125
t_expect_match "docker b: the layer is named" "$T_ERR" "refused: layer l[01]/layer.tar does not match the config's diff_id"
t_expect_nomatch "docker b: a's tree was not served" "$T_OUT" "from layer 2"
t_expect_eq "docker b: nothing added to the cache" "$(ls -A "$CACHE" | wc -l)" 1

# --- a cache directory podenter did not make ------------------------------
bad_cache() { # what message-regex
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/a-oci.tar" -- sh -c 'cat /added.txt'
	t_expect_rc "$1: refused with 125" 125
	t_expect_match "$1: the message says why" "$T_ERR" "$2"
	t_expect_nomatch "$1: no tools from it" "$T_OUT" "from layer 2"
}
mkdir -m 0700 "$T_TMP/cache-other-owner"
chown 4321:4321 "$T_TMP/cache-other-owner"
use_cache "$T_TMP/cache-other-owner"
bad_cache "cache owned by another uid" "refused: the cache .* is owned by another user"
t_expect_eq "cache owned by another uid: nothing written in it" "$(ls -A "$CACHE")" ""
mkdir -m 0700 "$T_TMP/cache-world"
chmod 0777 "$T_TMP/cache-world"
use_cache "$T_TMP/cache-world"
bad_cache "world-writable cache" "refused: the cache .* is writable by others"
t_expect_eq "world-writable cache: nothing written in it" "$(ls -A "$CACHE")" ""
mkdir -m 0775 "$T_TMP/cache-group"
use_cache "$T_TMP/cache-group"
bad_cache "group-writable cache" "refused: the cache .* is writable by others"
mkdir -m 0700 "$T_TMP/cache-real"
ln -s "$T_TMP/cache-real" "$T_TMP/cache-link"
use_cache "$T_TMP/cache-link"
bad_cache "cache as a symlink" "refused: the cache .* is a symlink"
t_expect_eq "cache as a symlink: nothing written behind it" "$(ls -A "$T_TMP/cache-real")" ""
# one podenter makes itself is fine, and is 0700
use_cache "$T_TMP/new/cache"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/a-oci.tar" -- sh -c 'cat /added.txt'
t_expect_eq "a cache podenter makes: used" "$T_OUT" "from layer 2"
t_expect_eq "a cache podenter makes: mode 0700, root's" "$(stat -c '%a %u' "$CACHE")" "700 0"

# --- decompression bombs ----------------------------------------------------
bomb() { # spec config-line message-regex
	local spec=$1 conf=$2 re=$3
	$MK oci "$T_TMP/$spec.tar" "$V_BUSYBOX" "$spec"
	use_cache "$T_TMP/cache-$spec" "$conf"
	t_podenter pid:"$IMG_PID" --tools "$T_TMP/$spec.tar" -- true
	t_expect_rc "$spec: refused with 125" 125
	t_expect_match "$spec: the message says why" "$T_ERR" "$re"
	t_expect_eq "$spec: nothing left in the cache" "$(ls -A "$CACHE")" ""
}
# 64 MiB of zeros in a 64 KiB gzip layer, against a 16 MiB limit
bomb bomb "image-max-bytes = 16777216" "refused: the image unpacks to more than 16777216 bytes"
t_expect_eq "bomb: the layer is small, what it unpacks to is not" \
	"$(($(stat -c %s "$T_TMP/bomb.tar") < 4 * 1024 * 1024))" 1
bomb many "image-max-files = 100" "refused: the image holds more than 100 entries"
bomb deep "" "refused: entry 'd/d/d.*' is more than 128 directories deep"
# the same bomb is fine within the default limit (8 GiB)
use_cache "$T_TMP/cache-bomb-ok"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/bomb.tar" -- sh -c 'stat -c %s /zeros'
t_expect_eq "bomb within the default limit: unpacked" "$T_OUT" "$((64 << 20))"
use_cache "$T_TMP/cache-x" "image-max-bytes = -1"
t_podenter pid:"$IMG_PID" --tools "$T_TMP/bomb.tar" -- true
t_expect_rc "a bad limit in podenter.conf: 125" 125
t_expect_match "a bad limit is named" "$T_ERR" "image-max-bytes wants a positive number"

t_done
