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
