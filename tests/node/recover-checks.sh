# shellcheck shell=bash
# Containers recovered from containerd's files with no daemon (issue 14,
# src/lib/recover.c), on the real node: sourced by tests/node/e2e.sh, uses
# its run/expect helpers. tests/recover-dump prints what recover read; ctr
# and CRI say what containerd itself knows (recover-compare.py compares).

RECOVER_DUMP=${RECOVER_DUMP:-$(dirname "$PODENTER")/tests/recover-dump}

recover_ids() { # the crash-looping pod's two attempts and the restarted pod's
	truth '" ".join(x["container_id"] for x in c if x["pod"] in ("crashloop", "restarted"))'
}

# recover_matches ID: recover-dump ID agrees with ctr and CRI
recover_matches() {
	local id=$1 key d=$WORK/recover-$1
	mkdir -p "$d"
	if [[ ! -x $RECOVER_DUMP ]]; then
		say "FAILED: no $RECOVER_DUMP (make check builds it; or set RECOVER_DUMP)"
		return 1
	fi
	run_ok "$RECOVER_DUMP" "$id" || return 1
	printf '%s\n' "$OUT" >"$d/dump.json"
	run_ok ctr --address "$CRI_SOCKET" -n k8s.io containers info "$id" || return 1
	printf '%s\n' "$OUT" >"$d/info.json"
	key=$(jpy 'd["SnapshotKey"]' <"$d/info.json")
	run_ok ctr --address "$CRI_SOCKET" -n k8s.io snapshots --snapshotter overlayfs mounts /mnt "$key" || return 1
	printf '%s\n' "$OUT" >"$d/mounts"
	run_ok "${CRI[@]}" status-json "$id" || return 1
	printf '%s\n' "$OUT" >"$d/status.json"
	# CRI's row as it is now (a check may have added pods since gather_truth)
	"${CRI[@]}" pods-json | jpy "[x for x in d if x['container_id'] == '$id'][0]" >"$d/row.json"
	run_ok "$PYTHON" "$NODE_DIR/recover-compare.py" "$d/dump.json" "$d/info.json" \
		"$d/mounts" "$d/status.json" "$d/row.json"
}

check_recover_matches_containerd() {
	local id ids n=0
	ids=$(recover_ids)
	for id in $ids; do
		recover_matches "$id" || return 1
		n=$((n + 1))
	done
	expect_eq "containers compared" "$n" 4 || return 1
	# the crash loop's last run: exited with 1, one restart before it
	run_ok "$RECOVER_DUMP" "$(truth "one('default', 'crashloop')['container_id']")" || return 1
	expect_eq "last run's exit" "$(jpy '[d["has_exit"], d["exit_code"], d["reason"], d["restart_count"]]' <<<"$OUT")" \
		'[true, 1, "Error", 1]'
}

# The running container's root file system is an overlay mounted by
# containerd: its upperdir and lowerdir are the ones recover finds.
check_recover_running_matches_its_mount() {
	local id rootfs opts
	id=$(truth "one('default', 'restarted')['container_id']")
	run_ok "$RECOVER_DUMP" "$id" || return 1
	rootfs=$NODE_CONTAINERD_STATE/io.containerd.runtime.v2.task/k8s.io/$id/rootfs
	# as containerd mounted it: in its own mount namespace where node.sh
	# gives it one (the crun variant), else in the node's
	opts=$(awk -v m="$rootfs" '$5 == m { for (i = 7; $i != "-"; i++); print $(i + 3) }' \
		"/proc/$(<"$PODENTER_NODE_STATE/containerd.pid")/mountinfo")
	expect_contains "rootfs mount of $id" "$opts" "upperdir=" || return 1
	expect_contains "upperdir" "$opts" "upperdir=/$(jpy 'd["upperdir"]' <<<"$OUT")," || return 1
	expect_contains "lowerdir" "$opts" "lowerdir=$(jpy '":".join("/" + p for p in d["lowerdirs"])' <<<"$OUT")" || return 1
	expect_eq "running: no exit" "$(jpy 'd["has_exit"]' <<<"$OUT")" "false"
}

# containerd SIGSTOPped (it holds meta.db's flock and answers nothing):
# recover reads the same, within the command timeout.
recover_while_frozen() {
	local id
	for id in $(recover_ids); do
		run_ok "$RECOVER_DUMP" "$id" || return 1
		expect_eq "recovered while frozen: $id" "$OUT" "$(cat "$WORK/recover-thawed-$id.json")" || return 1
	done
	run_ok "$RECOVER_DUMP" --list || return 1
	expect_eq "containers listed while frozen" \
		"$(jpy 'sorted(x["container_id"] for x in d if not x["is_sandbox"])' <<<"$OUT")" \
		"$(truth 'sorted(x["container_id"] for x in c)')"
}

check_recover_frozen_runtime() {
	local id
	for id in $(recover_ids); do
		run_ok "$RECOVER_DUMP" "$id" || return 1
		printf '%s' "$OUT" >"$WORK/recover-thawed-$id.json"
	done
	with_frozen_runtime recover_while_frozen
}

# A three-layer image (tests/node/images/layered-image.py), run as a
# crash-looping pod: the lower layers come top first, as containerd's own
# overlay mount lists them, and the exit code is the command's.
check_recover_layer_chain() {
	local spec=$WORK/layered-pod.json id
	run_ok "$PYTHON" "$NODE_DIR/images/layered-image.py" "$WORK/layered.tar" || return 1
	run_ok ctr --address "$CRI_SOCKET" -n k8s.io images import --snapshotter overlayfs "$WORK/layered.tar" || return 1
	cat >"$spec" <<'JSON'
{"kind": "Pod", "metadata": {"name": "layered", "namespace": "recover"},
 "spec": {"containers": [{"name": "app", "image": "localhost/podenter-recover/layered:1",
   "command": ["sh", "-c", "cat /layer3; exit 3"], "restarts": 1, "expectExit": true}]}}
JSON
	run_ok "${CRI[@]}" apply "$spec" || return 1
	id=$("${CRI[@]}" pods-json | jpy '[x["container_id"] for x in d if x["pod"] == "layered" and x["attempt"] == 1][0]')
	recover_matches "$id" || return 1
	run_ok "$RECOVER_DUMP" "$id" || return 1
	expect_eq "layers" "$(jpy 'len(d["lowerdirs"])' <<<"$OUT")" 3 || return 1
	expect_eq "exit of the last run" "$(jpy '[d["exit_code"], d["restart_count"]]' <<<"$OUT")" "[3, 1]"
}

# containerd committing to meta.db all the while (a label set again and
# again on another container: one bbolt transaction each): every read is
# the same, or reads again (pe_bolt_unchanged), never torn or failed.
check_recover_while_containerd_writes() {
	local id other first n writer rc=0
	id=$(truth "one('default', 'crashloop')['container_id']")
	other=$(truth "one('default', 'restarted')['container_id']")
	run_ok "$RECOVER_DUMP" "$id" || return 1
	first=$OUT
	(
		for n in $(seq 400); do
			timeout 5 ctr --address "$CRI_SOCKET" -n k8s.io containers label "$other" "podenter.test/n=$n" >/dev/null || exit 1
		done
	) &
	writer=$!
	for n in $(seq 150); do
		run_ok "$RECOVER_DUMP" "$id" >/dev/null || { rc=1; break; }
		[[ $OUT == "$first" ]] || { say "FAILED: read $n differs from the first"; rc=1; break; }
		kill -0 "$writer" 2>/dev/null || break
	done
	say "reads done: $n"
	wait "$writer" || { say "FAILED: the writer (ctr containers label) failed"; rc=1; }
	run_ok ctr --address "$CRI_SOCKET" -n k8s.io containers info "$other" || return 1
	expect_contains "the writer committed" "$OUT" "podenter.test/n" || return 1
	return "$rc"
}

# `list --all` also shows what only meta.db still knows: with the kubelet
# log link of the crash loop's first run gone (as log rotation or a manual
# clean-up leaves it), plain list no longer names that container; --all does.
check_recover_list_all_without_kubelet_logs() {
	local id link rc=0
	id=$(truth "[x['container_id'] for x in c if x['pod'] == 'crashloop' and x['attempt'] == 0][0]")
	link=$(ls /var/log/containers/crashloop_default_app-"$id".log) || return 1
	mv "$link" "$WORK/moved-link"
	{
		podenter list -o json crashloop &&
			expect_not_contains "plain list without the log link" "$OUT" "$id" &&
			podenter list --all -o json crashloop &&
			expect_eq "list --all, the first run" \
				"$(jpy "[[x['source'], x['state'], x['container'], x['attempt']] for x in d if x['container_id'] == '$id']" <<<"$OUT")" \
				'[["containerd-meta", "exited", "app", 0]]' &&
			expect_eq "list --all, every container of the pod once" \
				"$(jpy 'len(d) == len(set(x["container_id"] for x in d))' <<<"$OUT")" "true"
	} || rc=1
	mv "$WORK/moved-link" "$link"
	return "$rc"
}
