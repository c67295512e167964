#!/bin/bash
# list and inspect through the binary, on fixture node trees (--host-root).
source "$TESTLIB"

REAL=$FIXTURES/containerd-real

# list -A -o json equals CRI's own view, captured from the live pods
t_podenter list -A -o json --host-root "$REAL"
t_expect_rc "list -A -o json succeeds" 0
got=$(t_json "$T_OUT" "'\n'.join(sorted('%s %s %s %s %s' % (c['namespace'], c['pod'], c['container'], c['container_id'], c['pid']) for c in d))")
want=$(/usr/bin/python3 -c "
import json
d = json.load(open('$REAL/expected-containers.json'))
print('\n'.join(sorted('%s %s %s %s %s' % (c['namespace'], c['pod'], c['container'], c['container_id'], c['pid']) for c in d)))")
t_expect_eq "list -A -o json matches CRI's containers (ids, PIDs)" "$got" "$want"

keys=$(t_json "$T_OUT" "','.join(sorted(d[0].keys()))")
for k in namespace pod pod_uid container container_id pid runtime state sandbox_id image namespaces; do
	t_expect_match "json has key $k" ",$keys," ",$k,"
done
t_expect_eq "sandboxes hidden without --all" "$(t_json "$T_OUT" "sum(1 for c in d if c['is_sandbox'])")" 0
t_podenter list -A --all -o json --host-root "$REAL"
t_expect_eq "--all shows the 12 sandboxes" "$(t_json "$T_OUT" "sum(1 for c in d if c['is_sandbox'])")" 12

# the same on a real systemd + cgroup v2 node (captured in tests/vm): the
# containers' cgroups are kubepods.slice/.../cri-containerd-<id>.scope
SYSD=$FIXTURES/containerd-systemd-real
t_podenter list -A -o json --host-root "$SYSD"
t_expect_rc "systemd cgroup v2 node: list -A -o json succeeds" 0
got=$(t_json "$T_OUT" "'\n'.join(sorted('%s %s %s %s %s' % (c['namespace'], c['pod'], c['container'], c['container_id'], c['pid']) for c in d))")
want=$(/usr/bin/python3 -c "
import json
d = json.load(open('$SYSD/expected-containers.json'))
print('\n'.join(sorted('%s %s %s %s %s' % (c['namespace'], c['pod'], c['container'], c['container_id'], c['pid']) for c in d)))")
t_expect_eq "systemd cgroup v2 node: list -A -o json matches CRI's containers" "$got" "$want"
t_podenter inspect --host-root "$SYSD" -o json qos/qos-burstable
t_expect_match "systemd cgroup v2 node: the scope under the pod's slice" \
	"$(t_json "$T_OUT" "d['cgroup'] + ' ' + d['qos']")" \
	'^/kubepods\.slice/kubepods-burstable\.slice/kubepods-burstable-pod[0-9a-f_]{36}\.slice/cri-containerd-[0-9a-f]{64}\.scope Burstable$'

# the table, kubectl-like, and options before the subcommand
t_podenter --host-root "$REAL" -n staging list
t_expect_rc "options before the subcommand" 0
t_expect_match "table header" "$T_OUT" '^NAMESPACE +POD +CONTAINER +STATE +PID +RUNTIME$'
t_expect_match "staging/api listed" "$T_OUT" '^staging +api +api +running +5406 +containerd'
t_expect_nomatch "only the staging namespace" "$T_OUT" '^default'
t_podenter list --host-root "$REAL" 'nginx-deployment'
t_expect_eq "a Deployment prefix lists its 3 replicas" "$(printf '%s\n' "$T_OUT" | grep -c nginx-deployment-)" 3
t_podenter list --host-root "$REAL" -A -o name
t_expect_match "-o name lists ns/pod once" "$T_OUT" '^default/web-6c9f8d7b5-q4x2m$'
t_expect_eq "-o name: one line per pod" "$(printf '%s\n' "$T_OUT" | grep -c web-6c9f8d7b5)" 1

# inspect
t_podenter inspect --host-root "$REAL" -o json default/web-6c9f8d7b5-q4x2m -c sidecar
t_expect_rc "inspect -o json" 0
t_expect_eq "inspect pid" "$(t_json "$T_OUT" "d['pid']")" 5529
t_expect_eq "inspect net namespace inode from /proc/PID/ns" "$(t_json "$T_OUT" "d['namespaces']['net']")" \
	"$(readlink "$REAL/proc/5529/ns/net" | tr -dc 0-9)"
t_podenter inspect --host-root "$REAL" web-6c9f8d7b5-q4x2m
t_expect_match "default container said on stderr" "$T_ERR" "defaulting to container 'app' \(also in pod: sidecar"
t_podenter inspect --host-root "$REAL" -q web-6c9f8d7b5-q4x2m
t_expect_eq "-q silences the note" "$T_ERR" ""

# errors: exit 125, clear words, nothing on stdout
t_podenter inspect --host-root "$REAL" ngnix-deployment-7848d4b86f-88nj7
t_expect_rc "typo: exit 125" 125
t_expect_match "typo: did you mean" "$T_ERR" "did you mean default/nginx-deployment-7848d4b86f-88nj7\?"
t_podenter inspect --host-root "$REAL" -n kube-system api
t_expect_match "wrong namespace: says where" "$T_ERR" "exists in namespace default, staging"
t_podenter inspect --host-root "$REAL" web-6c9f8d7b5-q4x2m -c nope
t_expect_match "missing container lists the pod's" "$T_ERR" "containers of default/web-6c9f8d7b5-q4x2m: app \(running\), sidecar \(running\)"
t_podenter inspect --host-root "$REAL" nginx-deployment
t_expect_rc "several replicas: exit 125" 125
t_expect_match "several replicas: --any suggested" "$T_ERR" "--any"
t_podenter inspect --host-root "$REAL" --any nginx-deployment
t_expect_rc "--any picks one" 0
t_podenter inspect --host-root "$T_TMP" web
t_expect_rc "no runtime state: exit 125" 125
t_expect_match "no runtime state: paths tried" "$T_ERR" "run/containerd/io.containerd.runtime.v2.task \(missing\)"
t_podenter inspect --host-root /nonexistent web
t_expect_match "bad host root" "$T_ERR" "cannot open host root /nonexistent"
t_podenter inspect --host-root "$REAL" 'Bad_Name'
t_expect_rc "bad target: exit 125" 125
t_expect_match "bad target: explained" "$T_ERR" "is not a pod name"
t_podenter list --bogus
t_expect_rc "unknown option: 125" 125
t_expect_match "unknown option: points at --help" "$T_ERR" "podenter list --help"
t_podenter list -o yaml
t_expect_match "bad output format" "$T_ERR" "unknown output format 'yaml'"
t_podenter --version
t_expect_match "--version" "$T_OUT" '^podenter [0-9]'
t_podenter --help
t_expect_match "--help names the exit codes" "$T_OUT" "125"

# the other layouts
t_podenter inspect --host-root "$FIXTURES/containerd2-systemd-v2" -n payments stale-pod -c app
t_expect_match "stale init.pid refused" "$T_ERR" "stale pidfile"
t_podenter inspect --host-root "$FIXTURES/crio" -o json openshift-monitoring/prometheus-k8s-0
t_expect_eq "CRI-O runtime" "$(t_json "$T_OUT" "d['runtime']")" cri-o
# Docker 20.10, captured (tests/node/docker-e2e.sh): cri-dockerd names and
# labels, a plain container by its name, a paused one, a moved data root
t_podenter inspect --host-root "$FIXTURES/docker" -o json pe-dock-web
t_expect_eq "docker runtime" "$(t_json "$T_OUT" "d['runtime'] + ' ' + d['container'] + ' ' + str(d['attempt'])")" "docker app 1"
t_podenter inspect --host-root "$FIXTURES/docker" -o json docker/pe-dock-plain
t_expect_eq "docker: a plain container by its name" "$(t_json "$T_OUT" "d['pid']")" 17949
t_podenter inspect --host-root "$FIXTURES/docker" -o json docker/pe-dock-paused
t_expect_eq "docker: a paused container (frozen cgroup)" "$(t_json "$T_OUT" "d['state']")" paused
t_podenter inspect --host-root "$FIXTURES/docker-moved-root" -o json pe-dock-web
t_expect_eq "docker: a moved data root, found through dockerd's containerd" "$(t_json "$T_OUT" "d['pid']")" 20228
t_podenter inspect --host-root "$FIXTURES/k3s" -o json kube-system/coredns-6799fbcd5-9xk2d
t_expect_eq "k3s state root" "$(t_json "$T_OUT" "d['pid']")" 3101
t_podenter inspect --host-root "$FIXTURES/procscan" -o json web-5f4d8-hhx2k
t_expect_eq "/proc fallback names via kubelet logs" "$(t_json "$T_OUT" "d['container'] + ' ' + d['source']")" "web proc-cgroup"
t_podenter inspect --host-root "$FIXTURES/containerd2-systemd-v2" -o json payments/ledger-worker-0
t_expect_eq "Guaranteed QoS from a systemd path" "$(t_json "$T_OUT" "d['qos']")" Guaranteed

t_done
