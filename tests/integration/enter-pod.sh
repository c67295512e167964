#!/bin/bash
# A pod by name, from a node's files: a containerd task tree under a host
# root (with the real /proc bind-mounted in it) whose config.json carries the
# CRI annotations, for a real process in a kubepods cgroup. Checks the
# identity and environment inside: --user, --wd, the allowlisted
# environment, --env-from-target, -e.
source "${TESTLIB:-$(dirname "${BASH_SOURCE[0]}")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/enter-common.sh"
t_require_root

# unique per run: several copies of the suite may share the machine
uid=5e7a1c2d-0b9f-4e3a-8c21-$(printf '%012x' $$)
sb=5b$(printf '%062x' $$)
ct=c7$(printf '%062x' $$)
t_make_cgroup "kubepods/besteffort/pod$uid/$ct"
t_make_cgroup "kubepods/besteffort/pod$uid/$sb"

# the app container: uid 1234, gid 2345, groups 3456 and 4567, cwd /tmp,
# FOO=from-target and an LD_PRELOAD in its environment
E_CWD=/tmp E_INIT_PREFIX="setpriv --reuid 1234 --regid 2345 --groups 3456,4567 env FOO=from-target LD_PRELOAD=/nonexistent.so" \
	e_make_target web-0
ctpid=$E_PID
pausepid=$(pgrep -P "$ctpid" -x sleep | head -1)
t_join_cgroup "$ctpid" "kubepods/besteffort/pod$uid/$ct"
t_join_cgroup "$pausepid" "kubepods/besteffort/pod$uid/$sb"
t_cleanup "t_join_cgroup $ctpid ."
t_cleanup "t_join_cgroup $pausepid ."

node=$T_TMP/node
tasks=$node/run/containerd/io.containerd.runtime.v2.task/k8s.io
mkdir -p "$tasks/$sb" "$tasks/$ct" "$node/proc"
bundle() { # dir type name pid env-json-strings
	cat >"$1/config.json" <<JSON
{"ociVersion":"1.0.2","annotations":{
 "io.kubernetes.cri.container-type":"$2",
 "io.kubernetes.cri.sandbox-id":"$sb",
 "io.kubernetes.cri.sandbox-name":"web-0",
 "io.kubernetes.cri.sandbox-namespace":"enter-test",
 "io.kubernetes.cri.sandbox-uid":"$uid",
 "io.kubernetes.cri.container-name":"$3",
 "io.kubernetes.cri.image-name":"example/web:1"},
 "process":{"env":[$5]},
 "linux":{"cgroupsPath":"/kubepods/besteffort/pod$uid/$(basename "$1")"}}
JSON
	echo "$4" >"$1/init.pid"
}
bundle "$tasks/$sb" sandbox "" "$pausepid" ""
# the configured environment (the pod spec's), unlike the process's own
bundle "$tasks/$ct" container app "$ctpid" \
	'"PATH=/config/bin:/usr/bin:/bin","GREETING=from-config","FOO=from-config","LD_PRELOAD=/nonexistent-config.so"'
mount --bind /proc "$node/proc" || { echo "cannot bind /proc"; exit 1; }
t_cleanup "umount -l $node/proc"
P=(--host-root "$node" -n enter-test)

# the default view: tools at /, the container's own files at /target
t_podenter "${P[@]}" web-0 -- sh -c 'hostname; cat /target'"$T_TMP"'/mark/in-target; id -u'
t_expect_rc "pod by name: exit 0" 0
t_expect_eq "pod by name: the pod's hostname and files, root by default" \
	"$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" "web-0 web-0 0 "
t_podenter "${P[@]}" enter-test/web -c app -- true
t_expect_rc "NAMESPACE/owner-prefix and -c: exit 0" 0
t_podenter "${P[@]}" web-0 -c nosuch -- true
t_expect_rc "no such container: 125" 125
t_podenter "${P[@]}" nosuchpod -- true
t_expect_rc "no such pod: 125" 125

# identity
t_podenter "${P[@]}" web-0 --user target -- sh -c 'id -u; id -g; id -G'
t_expect_eq "--user target: uid, gid and groups of the target" \
	"$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" "1234 2345 2345 3456 4567 "
t_podenter "${P[@]}" web-0 --user 4242:4343 -- sh -c 'id -u; id -g; id -G'
t_expect_eq "--user UID:GID, no supplementary groups" \
	"$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" "4242 4343 4343 "
t_podenter "${P[@]}" web-0 --user 4242 -- sh -c 'id -u; id -g'
t_expect_eq "--user UID without a passwd entry: gid 0 (as runc)" "$(printf '%s\n' "$T_OUT" | tr '\n' ' ')" "4242 0 "
t_podenter "${P[@]}" web-0 -- id -G
t_expect_eq "default: root with no supplementary groups of the caller" "$T_OUT" "0"
t_podenter "${P[@]}" web-0 --user target -- grep -E '^(NoNewPrivs|CapEff)' /proc/self/status
t_expect_match "--user target: no capabilities left" "$T_OUT" "CapEff:[[:space:]]+0+$"

# working directory
t_podenter "${P[@]}" web-0 -- pwd
t_expect_eq "default working directory /" "$T_OUT" "/"
t_podenter "${P[@]}" web-0 --wd target -- pwd
t_expect_eq "--wd target" "$T_OUT" "/tmp"
t_podenter "${P[@]}" web-0 --wd /etc -- pwd
t_expect_eq "--wd DIR" "$T_OUT" "/etc"

# environment: an allowlist, never the caller's nor the target's by default
T_RC=0
T_OUT=$(env -i SECRET=caller TERM=xterm-test LANG=C.UTF-8 MALLOC_CHECK_=3 \
	PODENTER_TOOLBOX="${PODENTER_TOOLBOX:-}" \
	"$PODENTER" "${P[@]}" web-0 -- env) || T_RC=$?
t_expect_eq "environment: the allowlist, the configured one without LD_PRELOAD and the tools' PATH, the passwd's HOME" \
	"$(printf '%s\n' "$T_OUT" | sort | tr '\n' ' ')" \
	"FOO=from-config GREETING=from-config HOME=/root HOSTNAME=web-0 LANG=C.UTF-8 LOGNAME=root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=xterm-test USER=root "
t_podenter "${P[@]}" web-0 --env-from-target -e EXTRA=1 -e FOO=overridden -- env
t_expect_match "--env-from-target adds the target's" "$T_OUT" "^LD_PRELOAD=/nonexistent.so$"
t_expect_match "-e wins over the target's" "$T_OUT" "^FOO=overridden$"
t_expect_match "-e adds" "$T_OUT" "^EXTRA=1$"
t_podenter "${P[@]}" web-0 -e FOO=x -- env
t_expect_nomatch "no --env-from-target: nothing of the target's" "$T_OUT" "LD_PRELOAD"
t_expect_match "-e alone" "$T_OUT" "^FOO=x$"
# the container's own files: its configured environment as it is (kubectl
# exec), never the process's (mutable) one
t_podenter "${P[@]}" web-0 --view none -- env
t_expect_match "--view none: the configured environment" "$T_OUT" "^GREETING=from-config$"
t_expect_match "--view none: the configured PATH" "$T_OUT" "^PATH=/config/bin:/usr/bin:/bin$"
t_expect_match "--view none: the configured LD_PRELOAD (its own binaries)" "$T_OUT" "^LD_PRELOAD=/nonexistent-config.so$"
t_expect_match "--view none: not the process's environ" "$T_OUT" "^FOO=from-config$"
t_expect_match "--view none: HOME from its passwd" "$T_OUT" "^HOME=/root$"

# the app container, not the sandbox, is the default target
t_podenter "${P[@]}" -q web-0 -- sh -c 'cat /proc/1/cmdline | tr "\0" " "'
t_expect_eq "the app container's PID namespace" "$T_OUT" "sleep 1000 "

t_done
