#!/bin/bash
# podenter sniff by pod name and pattern: a containerd node tree (as CRI
# writes it) whose pods are real network namespaces and real processes in
# kubelet-style cgroups, the real /proc bind-mounted into the tree, read
# with --host-root. All replicas of a Deployment are captured at once.
source "$TESTLIB"
t_require_root
source "$(dirname "${BASH_SOURCE[0]}")/sniff-common.sh"

root=$T_TMP/root
tasks=$root/run/containerd/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$tasks" "$root/proc"
mount --bind /proc "$root/proc" || t_skip_all "cannot bind-mount /proc here"
t_cleanup "umount -l '$root/proc'"

# wait (bounded) for killed processes to leave a cgroup so it can be removed
s_await_cgroup_empty() { # relative path
	local d
	for d in $(t_cgroup_dirs); do
		[ -f "$d/$1/cgroup.procs" ] &&
			t_wait_for 100 sh -c "! [ -s '$d/$1/cgroup.procs' ]"
	done
	return 0
}

new_id() { head -c 32 /dev/urandom | sha256sum | cut -c1-64; }

# bundle ID UID NAMESPACE POD TYPE [CONTAINER-NAME SANDBOX-ID]
bundle() {
	local id=$1 uid=$2 ns=$3 pod=$4 type=$5 name=${6:-} sid=${7:-$1}
	mkdir -p "$tasks/$id"
	/usr/bin/python3 - "$tasks/$id/config.json" "$id" "$uid" "$ns" "$pod" "$type" "$name" "$sid" <<'PY'
import json, sys
path, cid, uid, ns, pod, typ, name, sid = sys.argv[1:]
a = {
    "io.kubernetes.cri.container-type": typ,
    "io.kubernetes.cri.sandbox-id": sid,
    "io.kubernetes.cri.sandbox-name": pod,
    "io.kubernetes.cri.sandbox-namespace": ns,
    "io.kubernetes.cri.sandbox-uid": uid,
}
if typ == "sandbox":
    a["io.kubernetes.cri.sandbox-log-directory"] = "/var/log/pods/%s_%s_%s" % (ns, pod, uid)
else:
    a["io.kubernetes.cri.container-name"] = name
    a["io.kubernetes.cri.image-name"] = "localhost/podenter/busybox:1"
cfg = {"ociVersion": "1.0.2", "annotations": a,
       "linux": {"cgroupsPath": "/kubepods/besteffort/pod%s/%s" % (uid, cid)}}
json.dump(cfg, open(path, "w"))
PY
}

# pod N NAMESPACE NAME: a network namespace, its sandbox process in the
# sandbox's cgroup, and the bundle that names it.
declare -A SANDBOX
pod() {
	local n=$1 ns=$2 name=$3 uid sid rel
	uid=$(cat /proc/sys/kernel/random/uuid)
	sid=$(new_id)
	rel="kubepods/besteffort/pod$uid/$sid"
	# registered before the process: cleanups run in reverse, so the
	# process is killed, then awaited, then its cgroup removed
	t_make_cgroup "$rel"
	t_cleanup "s_await_cgroup_empty '$rel'"
	s_make_pod "$n" || return 1
	t_join_cgroup "${S_PID[$n]}" "$rel"
	grep -q "$sid" "/proc/${S_PID[$n]}/cgroup" ||
		t_skip_all "cannot move a process into a test cgroup here"
	bundle "$sid" "$uid" "$ns" "$name" sandbox
	echo "${S_PID[$n]}" >"$tasks/$sid/init.pid"
	SANDBOX[$n]=$sid
	UID_OF[$n]=$uid
}
declare -A UID_OF

pod 1 default nginx-deployment-7848d4b86f-6qzm9 || { t_fail "pod 1"; t_done; }
pod 2 default nginx-deployment-7848d4b86f-x2b7r || { t_fail "pod 2"; t_done; }
pod 3 default redis-0 || { t_fail "pod 3"; t_done; }
pod 4 other nginx-deployment-7848d4b86f-zz9kq || { t_fail "pod 4"; t_done; }
N1=${S_NET[1]} N2=${S_NET[2]} N3=${S_NET[3]} N4=${S_NET[4]}

# an app container in pod 1: its own process, in the pod's netns
app=$(new_id)
t_make_cgroup "kubepods/besteffort/pod${UID_OF[1]}/$app"
t_cleanup "s_await_cgroup_empty 'kubepods/besteffort/pod${UID_OF[1]}/$app'"
ip netns exec "${S_TAG}n1" sleep 1000 >/dev/null 2>&1 &
APP=$!
t_cleanup "kill -9 $APP"
t_wait_for 100 s_in_netns "$APP" "${S_TAG}n1"
t_join_cgroup "$APP" "kubepods/besteffort/pod${UID_OF[1]}/$app"
bundle "$app" "${UID_OF[1]}" default nginx-deployment-7848d4b86f-6qzm9 container nginx "${SANDBOX[1]}"
echo "$APP" >"$tasks/$app/init.pid"

t_podenter list --host-root "$root" -A
t_expect_match "the fake node lists the pods" "$T_OUT" "nginx-deployment-7848d4b86f-6qzm9"

# --- a Deployment prefix: its replicas in this namespace, one file --------
out=$T_TMP/replicas.pcapng
s_sniff_bg --host-root "$root" nginx-deployment -w "$out" -- icmp ||
	t_fail "capture did not start"
t_expect_match "both replicas opened, by name" "$(cat "$T_TMP/sniff.err")" \
	"capturing on default/nginx-deployment-7848d4b86f-6qzm9:eth0, default/nginx-deployment-7848d4b86f-x2b7r:eth0$"
for n in 1 2 3 4; do s_ping $n 2; done
t_wait_for 100 sh -c "[ \$(tcpdump -r '$out' 2>/dev/null | wc -l) -ge 8 ]"
s_sniff_stop INT
pk=$(s_packets "$out")
t_expect_eq "replica 1's packets name replica 1" \
	"$(printf '%s\n' "$pk" | grep -c "^default/nginx-deployment-7848d4b86f-6qzm9:eth0	$N1\\.")" 4
t_expect_eq "replica 2's packets name replica 2" \
	"$(printf '%s\n' "$pk" | grep -c "^default/nginx-deployment-7848d4b86f-x2b7r:eth0	$N2\\.")" 4
t_expect_eq "other pods' traffic is not captured" "$(printf '%s\n' "$pk" | wc -l)" 8
t_expect_nomatch "the app container's netns was not captured twice" "$(cat "$T_TMP/sniff.err")" "shares its network namespace"
t_expect_match "summary by pod name" "$(cat "$T_TMP/sniff.err")" \
	"default/nginx-deployment-7848d4b86f-x2b7r: 4 packets captured, 0 dropped by the kernel"

# --- a glob across namespaces, and several TARGET arguments ----------------
out=$T_TMP/glob.pcapng
s_sniff_bg --host-root "$root" -A 'nginx-*' redis-0 -w "$out" -- icmp ||
	t_fail "capture did not start"
t_expect_match "-A glob + a second target: four pods" "$(cat "$T_TMP/sniff.err")" \
	"capturing on .*other/nginx-deployment-7848d4b86f-zz9kq:eth0.*default/redis-0:eth0|capturing on .*default/redis-0:eth0.*other/nginx"
for n in 1 2 3 4; do s_ping $n 1; done
t_wait_for 100 sh -c "[ \$(tcpdump -r '$out' 2>/dev/null | wc -l) -ge 8 ]"
s_sniff_stop INT
pk=$(s_packets "$out")
t_expect_eq "redis-0's packets name redis-0" "$(printf '%s\n' "$pk" | grep -c "^default/redis-0:eth0	$N3\\.")" 2
t_expect_eq "the other namespace's replica is named with its namespace" \
	"$(printf '%s\n' "$pk" | grep -c "^other/nginx-deployment-7848d4b86f-zz9kq:eth0	$N4\\.")" 2

# --- the same pod twice (name and pid) is captured once --------------------
t_podenter sniff --host-root "$root" nginx-deployment-7848d4b86f-6qzm9 "pid:$APP" -w "$T_TMP/twice.pcapng" --duration 0.2
t_expect_rc "the same pod twice: fine" 0
t_expect_match "the same pod twice (its app container's pid): one interface" "$T_ERR" \
	"capturing on default/nginx-deployment-7848d4b86f-6qzm9:eth0$"

# --- -c: a named container's process holds the netns ----------------------
# the interface description records which process pinned the netns
s_pinned_by() { # file
	/usr/bin/python3 - "$1" <<'PY'
import re, sys
print(re.search(rb"pid (\d+)\)", open(sys.argv[1], "rb").read()).group(1).decode())
PY
}
t_podenter sniff --host-root "$root" nginx-deployment-7848d4b86f-6qzm9 -w "$T_TMP/s.pcapng" --duration 0.2
t_expect_eq "by default the sandbox's process holds the pod's netns" "$(s_pinned_by "$T_TMP/s.pcapng")" "${S_PID[1]}"
t_podenter sniff --host-root "$root" -c nginx nginx-deployment-7848d4b86f-6qzm9 -w "$T_TMP/c.pcapng" --duration 0.2
t_expect_rc "-c names the container" 0
t_expect_eq "-c: that container's process holds the netns" "$(s_pinned_by "$T_TMP/c.pcapng")" "$APP"
t_podenter sniff --host-root "$root" -c nosuch nginx-deployment-7848d4b86f-6qzm9 -w "$T_TMP/c2.pcapng"
t_expect_rc "-c with no such container: 125" 125
t_expect_match "-c with no such container: said" "$T_ERR" "has no running container 'nosuch'"

# --- not found: 125 with resolution's explanation, nothing written ---------
t_podenter sniff --host-root "$root" no-such-pod -w "$T_TMP/nf.pcapng"
t_expect_rc "no such pod: 125" 125
t_expect_match "no such pod: said" "$T_ERR" "no-such-pod"
if [ -e "$T_TMP/nf.pcapng" ]; then t_fail "not found left a file"; else t_pass "not found leaves no file"; fi

# --- a replaced sandbox (PID reused by another process) is refused ---------
echo $$ >"$tasks/${SANDBOX[3]}/init.pid"
t_podenter sniff --host-root "$root" redis-0 -w "$T_TMP/stale.pcapng"
t_expect_rc "a PID that no longer names the pod: 125" 125
echo "${S_PID[3]}" >"$tasks/${SANDBOX[3]}/init.pid"

t_done
