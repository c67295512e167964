# shellcheck shell=bash
# podenter cp on the real node (sourced by tests/node/e2e.sh; uses its
# run/expect helpers). The distroless pods have no tar, no shell, nothing
# but their binary: kubectl cp cannot work there, podenter cp must. The
# hostile checks let a busybox pod (masked-extra) plant links towards the
# node's files, then copy through them: the node's files are never read or
# written. Each check compares with the container's files as the node sees
# them, /proc/PID/root.

# Anything podenter cp may have left: its temporary names, in the pod.
cp_leftovers() { # PID
	find "/proc/$1/root/" -xdev -name '.podenter-cp.*' 2>/dev/null
}

check_cp_out_of_distroless() {
	local pid
	pid=$(pid_of default hello)
	podenter cp hello:/etc/app-config/app.conf "$WORK/app.conf" || return 1
	run_ok cmp "$WORK/app.conf" "/proc/$pid/root/etc/app-config/app.conf" || return 1
	expect_eq "the configMap volume's file" "$(cat "$WORK/app.conf")" "greeting=hello from a configMap" || return 1
	podenter cp -v hello:/hello-server "$WORK/hello-server" || return 1
	expect_contains "-v: bytes" "$ERR" "copied 1 files ($(stat -c %s "/proc/$pid/root/hello-server") bytes)" || return 1
	run_ok cmp "$WORK/hello-server" "/proc/$pid/root/hello-server" || return 1
	expect_eq "mode and mtime kept" "$(stat -c '%a %Y' "$WORK/hello-server")" \
		"$(stat -c '%a %Y' "/proc/$pid/root/hello-server")" || return 1
	# -c: the distroless sidecar of a two-container pod, by NS/POD
	podenter cp -c sidecar default/web-6c9f8d7b5-q4x2m:/hello-server "$WORK/sidecar-server" || return 1
	run_ok cmp "$WORK/sidecar-server" "/proc/$(pid_of default web-6c9f8d7b5-q4x2m sidecar)/root/hello-server" || return 1
	run "$PODENTER" cp -c app default/web-6c9f8d7b5-q4x2m:/hello-server "$WORK/app-server"
	expect_eq "-c app: the busybox container has no /hello-server: exit" "$RC" 125 || return 1
	# the non-root distroless pod, whole tree
	podenter cp hello-nonroot:/ "$WORK/nonroot-root" || return 1
	run_ok cmp "$WORK/nonroot-root/hello-server" "/proc/$(pid_of default hello-nonroot)/root/hello-server"
}

check_cp_into_distroless() {
	local pid bad=0 hosts
	pid=$(pid_of default hello)
	mkdir -p "$WORK/cpin/dir"
	echo "copied in" >"$WORK/cpin/dir/file"
	chmod 0604 "$WORK/cpin/dir/file"
	touch -d '2003-04-05 06:07:08' "$WORK/cpin/dir/file"
	chown 4321:8765 "$WORK/cpin/dir/file"
	podenter cp "$WORK/cpin/dir" hello:/copied || return 1
	expect_eq "the file in the pod" "$(cat "/proc/$pid/root/copied/file")" "copied in" || bad=1
	expect_eq "mode, mtime, owner root" "$(stat -c '%a %Y %u:%g' "/proc/$pid/root/copied/file")" \
		"604 $(stat -c %Y "$WORK/cpin/dir/file") 0:0" || bad=1
	podenter cp --preserve "$WORK/cpin/dir/file" hello:/copied/kept || return 1
	expect_eq "--preserve keeps the owner" "$(stat -c '%u:%g' "/proc/$pid/root/copied/kept")" 4321:8765 || bad=1
	run "$PODENTER" cp "$WORK/cpin/dir/file" hello:/etc/app-config/new
	expect_eq "a read-only volume: exit" "$RC" 125 || bad=1
	expect_contains "  says so" "$ERR" "Read-only file system" || bad=1
	# kubelet's /etc/hosts is a file bind-mounted into the container: it
	# is written in place, and the mount stays (renaming over it would
	# detach it in the container's namespace)
	cp "/proc/$pid/root/etc/hosts" "$WORK/hosts.orig"
	podenter cp "$WORK/cpin/dir/file" hello:/etc/hosts || bad=1
	expect_eq "kubelet's /etc/hosts written in place" "$(cat "/proc/$pid/root/etc/hosts")" "copied in" || bad=1
	run_ok grep -q ' /etc/hosts ' "/proc/$pid/mountinfo" || bad=1
	podenter cp "$WORK/hosts.orig" hello:/etc/hosts || bad=1
	run "$PODENTER" cp hello:/no/such/file "$WORK/nothing"
	expect_eq "a missing path: exit" "$RC" 125 || bad=1
	expect_contains "  says so" "$ERR" "no such file or directory" || bad=1
	expect_eq "no temporary file left in the pod" "$(cp_leftovers "$pid")" "" || bad=1
	return "$bad"
}

check_cp_tar_streams() {
	local pid bad=0
	pid=$(pid_of default hello)
	run_ok bash -c "'$PODENTER' cp hello:/etc/app-config - >'$WORK/cfg.tar'" || return 1
	run_ok tar tf "$WORK/cfg.tar" || return 1
	expect_contains "tar t lists the volume's file" "$OUT" "app-config/app.conf" || bad=1
	mkdir -p "$WORK/untar"
	run_ok tar xf "$WORK/cfg.tar" -C "$WORK/untar" || return 1
	run_ok cmp "$WORK/untar/app-config/app.conf" "/proc/$pid/root/etc/app-config/app.conf" || bad=1
	mkdir -p "$WORK/tarsrc/sub"
	echo "via tar" >"$WORK/tarsrc/sub/t"
	run_ok bash -c "tar cf - -C '$WORK/tarsrc' . | '$PODENTER' cp - hello:/" || return 1
	expect_eq "a tar archive in" "$(cat "/proc/$pid/root/sub/t")" "via tar" || bad=1
	return "$bad"
}

# masked-extra (busybox) plants links towards the node's files: the node's
# /etc/shadow (the image has none), the root, /etc.
cp_plant() {
	podenter --view none masked-extra -- sh -c 'ln -sf /etc/shadow /x; ln -sfn / /up; ln -sfn /etc /etclink;
		mkfifo /fifo 2>/dev/null; mknod /null0 c 1 3 2>/dev/null; true'
}

check_cp_planted_symlinks() {
	local pid bad=0 canary
	pid=$(pid_of default masked-extra)
	cp_plant || return 1
	run_ok test -L "/proc/$pid/root/x" || return 1
	run "$PODENTER" cp masked-extra:/x "$WORK/shadow"
	expect_eq "a link to /etc/shadow (the node's): exit" "$RC" 125 || bad=1
	run_ok test ! -e "$WORK/shadow" || bad=1
	podenter cp masked-extra:/up/etc/passwd "$WORK/up-passwd" || return 1
	run_ok cmp "$WORK/up-passwd" "/proc/$pid/root/etc/passwd" || bad=1
	if cmp -s "$WORK/up-passwd" /etc/passwd; then
		say "FAILED: the node's /etc/passwd came out"
		bad=1
	fi
	canary=podenter-cp-canary.$$
	echo planted >"$WORK/canary"
	podenter cp "$WORK/canary" "masked-extra:/etclink/$canary" || return 1
	run_ok test -f "/proc/$pid/root/etc/$canary" || bad=1
	if [[ -e /etc/$canary ]]; then
		say "FAILED: the node's /etc was written"
		rm -f "/etc/$canary"
		bad=1
	fi
	podenter cp "$WORK/canary" "masked-extra:/up/$canary" || return 1
	if [[ -e /$canary ]]; then
		say "FAILED: the node's / was written"
		rm -f "/$canary"
		bad=1
	fi
	run_ok test -f "/proc/$pid/root/$canary" || bad=1
	return "$bad"
}

check_cp_special_files_refused() {
	local pid bad=0
	pid=$(pid_of default masked-extra)
	cp_plant || return 1
	run_ok test -p "/proc/$pid/root/fifo" || return 1
	run "$PODENTER" cp masked-extra:/fifo "$WORK/fifo"
	expect_eq "a FIFO: exit" "$RC" 125 || bad=1
	expect_contains "  refused" "$ERR" "never opened" || bad=1
	if [[ -c /proc/$pid/root/null0 ]]; then
		run "$PODENTER" cp masked-extra:/null0 "$WORK/null0"
		expect_eq "a device node: exit" "$RC" 125 || bad=1
	fi
	expect_eq "no temporary file left in the pod" "$(cp_leftovers "$pid")" "" || bad=1
	return "$bad"
}

# --- an exited container: its files as its last run left them -------------
# (copy-crashloop.json: writer's and planter's attempts have all exited)

# A layer of POD's newest container as containerd mounts it: upper, or
# lower (a colon-separated list).
cp_layer_of() { # POD upper|lower
	local id
	id=$(truth "one('default', '$1')['container_id']")
	ctr --address "$CRI_SOCKET" -n k8s.io snapshots --snapshotter overlayfs \
		mounts /podenter-e2e-none "$id" | grep -o "$2dir=[^, ]*" | cut -d= -f2
}

# podenter cp's processes (the helper is a fork: the same command line).
cp_procs_of() { pgrep -f "^$PODENTER cp" || true; }

check_cp_out_of_exited_container() {
	local upper lower layer busybox before bad=0
	upper=$(cp_layer_of writer upper)
	lower=$(cp_layer_of writer lower)
	[[ -f $upper/tmp/last-run-marker ]] || { say "FAILED: premise: no /tmp/last-run-marker in writer's last layer ($upper)"; return 1; }
	IFS=: read -ra layers <<<"$lower"
	for layer in "${layers[@]}"; do
		[[ -f $layer/bin/busybox ]] && busybox=$layer/bin/busybox && break
	done
	[[ -n ${busybox:-} ]] || { say "FAILED: premise: no bin/busybox in writer's image layers ($lower)"; return 1; }
	before=$(sort /proc/self/mountinfo)
	# what the last run wrote, byte for byte
	podenter cp -v writer:/tmp/last-run-marker "$WORK/marker" || return 1
	expect_contains "says the container is not running, and why" "$ERR" \
		"container 'app' of default/writer is not running (exited with code 3); reading its files as its last run left them (read only)" || bad=1
	expect_contains "-v" "$ERR" "copied 1 files ($(stat -c %s "$upper/tmp/last-run-marker") bytes)" || bad=1
	run_ok cmp "$WORK/marker" "$upper/tmp/last-run-marker" || bad=1
	# an image file, byte for byte, mode and mtime kept
	podenter cp writer:/bin/busybox "$WORK/busybox" || return 1
	run_ok cmp "$WORK/busybox" "$busybox" || bad=1
	expect_eq "mode and mtime kept" "$(stat -c '%a %Y' "$WORK/busybox")" "$(stat -c '%a %Y' "$busybox")" || bad=1
	# the configMap volume, as the copy binds it; the hostPath one is not
	# bound (it is the node's, not the pod's)
	podenter cp writer:/etc/app-config/app.conf "$WORK/app.conf" || return 1
	expect_eq "the configMap volume's file" "$(cat "$WORK/app.conf")" "database=db.example:5432" || bad=1
	run "$PODENTER" cp writer:/node-dir/canary "$WORK/canary"
	expect_eq "a hostPath volume of an exited container: exit" "$RC" 125 || bad=1
	# a tar stream of a directory the last run wrote into
	run_ok bash -c "'$PODENTER' cp -q writer:/tmp - | tar tvf -" || return 1
	expect_contains "tar lists the last run's file" "$OUT" "tmp/last-run-marker" || bad=1
	# -c names the exited container; the running path is not taken
	podenter cp -c app writer:/tmp/last-run-marker "$WORK/marker-c" || return 1
	run_ok cmp "$WORK/marker-c" "$upper/tmp/last-run-marker" || bad=1
	# id:PREFIX of the exited container
	podenter cp "id:$(truth "one('default', 'writer')['container_id']" | cut -c1-12):/tmp/last-run-marker" "$WORK/marker-id" || return 1
	run_ok cmp "$WORK/marker-id" "$upper/tmp/last-run-marker" || bad=1
	expect_eq "no mount left on the node" "$(sort /proc/self/mountinfo)" "$before" || bad=1
	expect_eq "no process left" "$(cp_procs_of)" "" || bad=1
	return "$bad"
}

check_cp_into_exited_container_refused() {
	local upper before bad=0
	upper=$(cp_layer_of writer upper)
	[[ -d $upper ]] || { say "FAILED: premise: no upper layer of writer ($upper)"; return 1; }
	before=$(find "$upper" -printf '%p %y %m %s %T@\n' | sort)
	echo "never written" >"$WORK/in"
	run "$PODENTER" cp "$WORK/in" writer:/tmp/in
	expect_eq "cp into an exited container: exit" "$RC" 125 || bad=1
	expect_contains "  says why" "$ERR" "is not running: podenter cp copies into running containers only" || bad=1
	expect_contains "  the layer is the runtime's" "$ERR" "writable layer belongs to its runtime" || bad=1
	run bash -c "tar cf - -C '$WORK' in | '$PODENTER' cp - writer:/tmp"
	expect_eq "a tar stream into an exited container: exit" "$RC" 125 || bad=1
	expect_eq "the last run's layer unchanged" "$(find "$upper" -printf '%p %y %m %s %T@\n' | sort)" "$before" || bad=1
	return "$bad"
}

# planter's last run planted links out of its root in its writable layer:
# /tmp/shadow-link -> /etc/shadow, /tmp/up -> /, /tmp/etc-dotdot ->
# ../../../../../../etc. Through each, cp reaches the container's files
# (its image, its pod's /etc/hostname), never the node's.
check_cp_exited_planted_links() {
	local upper image_passwd bad=0
	upper=$(cp_layer_of planter upper)
	run_ok test -L "$upper/tmp/shadow-link" || { say "FAILED: premise: planter's links are not in its last layer ($upper)"; return 1; }
	run_ok test -f /etc/shadow || return 1
	run "$PODENTER" cp planter:/tmp/shadow-link "$WORK/shadow"
	expect_eq "a link to /etc/shadow (the image has none): exit" "$RC" 125 || bad=1
	run_ok test ! -e "$WORK/shadow" || bad=1
	podenter cp planter:/tmp/up/etc/passwd "$WORK/up-passwd" || return 1
	for layer in $(cp_layer_of planter lower | tr : ' '); do
		[[ -f $layer/etc/passwd ]] && image_passwd=$layer/etc/passwd && break
	done
	run_ok cmp "$WORK/up-passwd" "${image_passwd:-/nonexistent}" || bad=1
	if cmp -s "$WORK/up-passwd" /etc/passwd; then
		say "FAILED: the node's /etc/passwd came out"
		bad=1
	fi
	podenter cp planter:/tmp/etc-dotdot/hostname "$WORK/dotdot-hostname" || return 1
	expect_eq "../ stays in the container: the pod's /etc/hostname" "$(cat "$WORK/dotdot-hostname")" planter || bad=1
	# a directory: the links come out as links, the planted device node
	# is skipped, the deleted file (a whiteout) is not there
	podenter cp planter:/tmp "$WORK/planter-tmp" || return 1
	expect_contains "the device node skipped" "$ERR" "planted-null: skipped" || bad=1
	expect_eq "a link copied as a link" "$(readlink "$WORK/planter-tmp/shadow-link")" /etc/shadow || bad=1
	run_ok test ! -e "$WORK/planter-tmp/planted-null" || bad=1
	run "$PODENTER" cp planter:/www/index.html "$WORK/index.html"
	expect_eq "a file the last run deleted: exit" "$RC" 125 || bad=1
	return "$bad"
}

# kill -9 of podenter cp while its helper builds the exited container's
# files, and once they are open: nothing left (cp-exited-kill9.sh, in a
# mount namespace whose "/" is rshared as on a systemd node).
check_cp_exited_kill9_leaves_nothing() {
	mkdir -p "$WORK/kill9"
	# shellcheck disable=SC2016 # expanded by the inner bash
	run_ok timeout 120 unshare --mount --propagation private -- bash -c \
		'mount --make-rshared / && exec bash "$1" "$2" "$3" "$4"' bash \
		"$NODE_DIR/cp-exited-kill9.sh" "$PODENTER" writer "$WORK/kill9"
}
