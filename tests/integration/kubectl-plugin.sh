#!/bin/bash
# contrib/kubectl-podenter against a fake kubectl (tests/integration/fake-kubectl)
# whose nodes are fixture trees and this machine: the plugin finds the node,
# builds the kubectl exec / kubectl debug command, passes options, stdin and
# the exit status through, and deletes the debug pod. podenter itself runs for
# real on the "node". Every kubectl command line the plugin produced is then
# replayed through the real kubectl (when installed) to prove real kubectl
# accepts it.
source "$TESTLIB"
t_require_root

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
PLUGIN=$top/contrib/kubectl-podenter
FAKE_DIR=$top/tests/integration/fake-kubectl
export PODENTER FAKE_KUBECTL_STATE=$T_TMP/state
export KUBECTL=$FAKE_DIR/kubectl
export FAKE_NODE_ROOTS="node-a=$FIXTURES/containerd2-systemd-v2 node-b=$FIXTURES/containerd-real node-local=/"
export KUBECTL_PODENTER_START_TIMEOUT=3
unset KUBECTL_PODENTER_IMAGE KUBECTL_PODENTER_METHOD KUBECTL_PODENTER_DAEMONSET_NAMESPACE \
	KUBECTL_PODENTER_DEBUG_NAMESPACE FAKE_DS_PODS FAKE_DEBUG_START FAKE_API_DOWN FAKE_ATTACH_FORBIDDEN \
	FAKE_OLD_KUBECTL

ALL_CALLS=$T_TMP/all-calls

# Run the plugin with a fresh fake-cluster state; T_OUT, T_ERR, T_RC, CALLS.
plugin() {
	rm -rf "$FAKE_KUBECTL_STATE"
	mkdir -p "$FAKE_KUBECTL_STATE"
	T_RC=0
	"$PLUGIN" "$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null || T_RC=$?
	T_OUT=$(cat "$T_TMP/out")
	T_ERR=$(cat "$T_TMP/err")
	CALLS=$(cat "$FAKE_KUBECTL_STATE/calls" 2>/dev/null)
	cat "$FAKE_KUBECTL_STATE/calls" >>"$ALL_CALLS" 2>/dev/null
}

# No debug pod may outlive the plugin.
expect_no_debug_pod_left() { # name
	local left
	left=$(find "$FAKE_KUBECTL_STATE" -maxdepth 1 -name 'debug-*' | wc -l)
	t_expect_eq "$1: debug pod deleted" "$left" 0
}

LEDGER=ledger-api-5f7c9d8b4-qm2xz

# --- the DaemonSet path ----------------------------------------------------------
export FAKE_DS_PODS="node-a=podenter-7xk2p node-b=podenter-q9w4d node-local=podenter-local"
plugin -n payments inspect "$LEDGER" -c api -o json
t_expect_rc "daemonset: inspect a pod by name" 0
t_expect_eq "daemonset: podenter's real output comes back" \
	"$(t_json "$T_OUT" "d['pod'] + '/' + d['container']")" "$LEDGER/api"
t_expect_match "daemonset: node found through the API" "$CALLS" \
	"^get pod -n payments $LEDGER -o "
t_expect_match "daemonset: looks for the podenter pod on that node" "$CALLS" \
	"get pods -n podenter -l app.kubernetes.io/name=podenter --field-selector spec.nodeName=node-a\\\\?,status.phase=Running"
t_expect_match "daemonset: exec with the options in order, target made exact" "$CALLS" \
	"^exec -n podenter -i podenter-7xk2p -c podenter -- podenter --host-root /host -n payments inspect payments/$LEDGER -c api -o json $"
t_expect_nomatch "daemonset: no debug pod" "$CALLS" "^debug "

# the issue's example, on this machine's real processes: exit status and stdin
sleeper=$(t_spawn sleep 1000)
plugin --node node-local "pid:$sleeper" -- sh -c 'exit 7'
t_expect_rc "daemonset: the command's exit status comes back" 7
t_expect_match "daemonset: --node skips the pod lookup" "$CALLS" "^get pods -n podenter"
t_expect_nomatch "daemonset: --node skips the pod lookup (no get pod NAME)" "$CALLS" "^get pod -n"

rm -rf "$FAKE_KUBECTL_STATE" && mkdir -p "$FAKE_KUBECTL_STATE"
out=$(echo "hello from the laptop" | "$PLUGIN" --node node-local "pid:$sleeper" -- cat 2>/dev/null)
t_expect_eq "daemonset: stdin reaches the command" "$out" "hello from the laptop"

plugin --node node-b inspect default/no-such-pod
t_expect_rc "daemonset: podenter's own failure is 125" 125
t_expect_match "daemonset: podenter's message comes back" "$T_ERR" "no-such-pod"

plugin --context prod --request-timeout=5s --node node-b list -A -o name
t_expect_rc "list on a given node" 0
t_expect_match "list: podenter's real list" "$T_OUT" "^default/api$"
t_expect_eq "kubectl options go to every kubectl call" \
	"$(grep -vc -- '^--context prod --request-timeout=5s ' <<<"$CALLS")" 0
t_expect_nomatch "kubectl options never reach podenter" "$CALLS" "podenter --host-root /host.*--context"

plugin --tty --node node-local "pid:$sleeper" -- true
t_expect_match "--tty asks kubectl for a terminal too" "$CALLS" "^exec -n podenter -i -t podenter-local"
plugin --node node-local "pid:$sleeper" -- true
t_expect_nomatch "no terminal here: no -t" "$CALLS" "^exec .* -t "

plugin --node node-local --net -e FOO=bar --wd /tmp "pid:$sleeper" -- sh -c 'echo "$FOO"'
t_expect_match "podenter options pass through unchanged and in order" "$CALLS" \
	"-- podenter --host-root /host --net -e FOO=bar --wd /tmp pid:$sleeper -- sh -c "

# --audit-log FILE passes through: the record is written by the node side
# (the fake maps the DaemonSet pod's /var/log/podenter hostPath)
plugin --node node-local --audit-log /var/log/podenter/sessions.jsonl --net "pid:$sleeper" -- true
audit=$FAKE_KUBECTL_STATE/pod-podenter-local/var/log/podenter/sessions.jsonl
t_expect_rc "daemonset: a session with --audit-log" 0
t_expect_match "daemonset: the session is recorded in the pod's audit log" \
	"$(cat "$audit" 2>/dev/null)" "\"event\":\"session-start\".*\"pid\":$sleeper\}"
t_expect_eq "daemonset: a start and an end record" "$(grep -c . "$audit" 2>/dev/null)" 2

# --- finding the pod ---------------------------------------------------------------
plugin -n payments 'ledger-api-*' -- true
t_expect_match "a glob is matched against the API's pods" "$CALLS" "^get pods -n payments -o "
t_expect_match "the glob's one match becomes the exact target" "$CALLS" \
	"podenter --host-root /host -n payments payments/$LEDGER -- true"

plugin nginx-deployment -- true
t_expect_rc "an owner prefix with several replicas: 125" 125
t_expect_match "the replicas are listed" "$T_ERR" "default/nginx-deployment-7848d4b86f-88nj7"
t_expect_match "and --any is suggested" "$T_ERR" "--any"
t_expect_nomatch "nothing runs on a node" "$CALLS" "^(exec|debug) "

plugin --any inspect nginx-deployment
t_expect_rc "--any takes the first replica" 0
t_expect_match "--any: the exact name is sent to the node" "$CALLS" \
	"podenter --host-root /host --any inspect default/nginx-deployment-7848d4b86f-88nj7 $"

plugin sniff nginx-deployment -w - -c nginx
t_expect_match "sniff: a pattern's replicas on one node are captured at once" "$CALLS" \
	"podenter --host-root /host sniff nginx-deployment -w - -c nginx $"
t_expect_match "sniff: on their node" "$CALLS" "^exec -n podenter -i podenter-q9w4d "
plugin copy --net none -n payments 'ledger-api-*' --last-run -- true
t_expect_match "copy: its --net takes a value, the pod is found" "$CALLS" \
	"podenter --host-root /host copy --net none -n payments payments/$LEDGER --last-run -- true"
plugin sniff web -w -
t_expect_rc "sniff: replicas on several nodes: 125" 125
t_expect_match "sniff: the nodes are listed" "$T_ERR" "default/web-6c9f8d7b5-zz9xk \(node-a\)"
t_expect_match "sniff: --node is suggested" "$T_ERR" "--node NODE"
t_expect_nomatch "sniff: nothing runs on a node" "$CALLS" "^(exec|debug) "
plugin nginx-deployment --each -- true
t_expect_match "--each: a pattern's replicas on one node, the pattern passed on" "$CALLS" \
	"podenter --host-root /host nginx-deployment --each -- true $"
plugin web --each -- true
t_expect_rc "--each: replicas on several nodes: 125" 125
t_expect_match "--each: --node is suggested" "$T_ERR" "--each works on one node: choose it with --node NODE"
plugin --node node-b sniff web -w /tmp/x.pcapng --count 1
t_expect_match "sniff -w FILE: the file is written on the node side, said" "$T_ERR" "-w - streams the capture to this machine"
t_expect_match "sniff: --node passes the pattern through" "$CALLS" "podenter --host-root /host sniff web -w /tmp/x.pcapng --count 1 $"

plugin cp -n payments "$LEDGER:/etc/app/conf" -
t_expect_match "cp: the pod of POD:PATH found, made exact, PATH kept" "$CALLS" \
	"^exec -n podenter -i podenter-7xk2p -c podenter -- podenter --host-root /host cp -n payments payments/$LEDGER:/etc/app/conf - $"
t_expect_nomatch "cp: no note for a stream" "$T_ERR" "node-side pod"
plugin cp -n payments /tmp/conf "$LEDGER:/etc/app"
t_expect_match "cp: into the pod, DEST made exact" "$CALLS" \
	"-- podenter --host-root /host cp -n payments /tmp/conf payments/$LEDGER:/etc/app $"
t_expect_match "cp: a local path is the node-side pod's, said" "$T_ERR" "/tmp/conf is a path in the node-side pod"
plugin -n payments port-forward "$LEDGER" 8080:80
t_expect_match "port-forward is a subcommand, its TARGET made exact" "$CALLS" \
	"-- podenter --host-root /host -n payments port-forward payments/$LEDGER 8080:80 $"
plugin sniff -A 'qos-*' -w -
t_expect_match "sniff -A: the pattern is looked up in every namespace" "$CALLS" "^get pods -A -o "
t_expect_match "sniff -A: the node of the matches" "$CALLS" "^exec -n podenter -i podenter-q9w4d .* sniff -A qos-\\\\\\* -w - $"
plugin -A inspect ledger-api-5f7c9d8b4-qm2xz
t_expect_rc "-A: a pod name in any namespace" 0
t_expect_match "-A: found in its namespace, sent exactly" "$CALLS" "podenter --host-root /host -A inspect payments/ledger-api-5f7c9d8b4-qm2xz $"
plugin -A inspect no-such-pod
t_expect_match "-A: not found anywhere, said" "$T_ERR" "no pod 'no-such-pod' in any namespace"

plugin payments/nope -- true
t_expect_rc "no such pod: 125" 125
t_expect_match "no such pod: said, with a way to look" "$T_ERR" "no pod 'nope' in namespace 'payments'"
t_expect_nomatch "no such pod: nothing runs on a node" "$CALLS" "^(exec|debug) "

plugin "pid:$sleeper" -- true
t_expect_rc "pid: without --node: 125" 125
t_expect_match "pid: without --node: the way out is said" "$T_ERR" "--node NODE"

plugin list -A
t_expect_rc "list without --node: 125" 125

FAKE_API_DOWN=1 plugin -n payments "$LEDGER" -- true
t_expect_rc "API unreachable: 125" 125
t_expect_match "API unreachable: kubectl's reason is shown" "$T_ERR" "was refused"

plugin --method sometimes -n payments "$LEDGER"
t_expect_rc "bad --method: 125" 125

plugin
t_expect_rc "no target: 125" 125
plugin --help
t_expect_rc "--help without a target shows the plugin's usage" 0
t_expect_match "--help: usage" "$T_OUT" "^Usage: kubectl podenter"

# --- the kubectl debug path --------------------------------------------------------
export FAKE_DS_PODS=""
plugin --image registry.example/podenter:1 -n payments inspect "$LEDGER" -c envoy -o json
t_expect_rc "debug: inspect through a node debugging pod" 0
t_expect_eq "debug: podenter's real output comes back" "$(t_json "$T_OUT" "d['container']")" envoy
t_expect_match "debug: kubectl debug node/NODE --profile=sysadmin with the image" "$CALLS" \
	"^debug node/node-a --profile=sysadmin --image=registry.example/podenter:1 --attach=false -i -- podenter --host-root /host -n payments inspect payments/$LEDGER -c envoy -o json $"
t_expect_match "debug: attached to the pod's container" "$CALLS" "^attach -i node-debugger-node-a-[a-z0-9]{5} -c debugger"
t_expect_match "debug: the pod is deleted" "$CALLS" "^delete pod node-debugger-node-a-[a-z0-9]{5} --wait=false"
expect_no_debug_pod_left "debug"

plugin --node node-local "pid:$sleeper" -- sh -c 'exit 9'
t_expect_rc "debug: the command's exit status comes back" 9
expect_no_debug_pod_left "debug, failing command"

rm -rf "$FAKE_KUBECTL_STATE" && mkdir -p "$FAKE_KUBECTL_STATE"
out=$(echo "piped in" | "$PLUGIN" --node node-local "pid:$sleeper" -- cat 2>/dev/null)
t_expect_eq "debug: stdin reaches the command" "$out" "piped in"

FAKE_DEBUG_START=completed plugin --node node-local "pid:$sleeper" -- sh -c 'echo early; exit 3'
t_expect_rc "debug, finished before attach: exit status from the pod" 3
t_expect_eq "debug, finished before attach: output from the log" "$T_OUT" "early"
t_expect_match "debug, finished before attach: read with kubectl logs" "$CALLS" "^logs node-debugger-node-local-[a-z0-9]{5} -c debugger"
expect_no_debug_pod_left "debug, finished before attach"

FAKE_DEBUG_START=pending KUBECTL_PODENTER_START_TIMEOUT=1 plugin --node node-local "pid:$sleeper" -- true
t_expect_rc "debug pod never starts: 125" 125
t_expect_match "debug pod never starts: said" "$T_ERR" "did not start in 1s"
t_expect_match "debug pod never starts: where to look" "$T_ERR" "kubectl describe pod node-debugger-"
expect_no_debug_pod_left "debug pod never starts"

FAKE_ATTACH_FORBIDDEN=1 plugin --node node-local "pid:$sleeper" -- true
t_expect_rc "attach refused: 125" 125
t_expect_match "attach refused: kubectl's reason is shown" "$T_ERR" "cannot create resource .pods/attach"
t_expect_match "attach refused: said" "$T_ERR" "cannot attach to pod node-debugger-node-local-"
expect_no_debug_pod_left "attach refused"

FAKE_OLD_KUBECTL=1 plugin --node node-local "pid:$sleeper" -- true
t_expect_rc "debug with a kubectl before 1.30: 125" 125
t_expect_match "debug with an old kubectl: said, with the way out" "$T_ERR" "no --profile=sysadmin.*1.30"
t_expect_nomatch "debug with an old kubectl: no pod is made" "$CALLS" "^debug node/"

plugin --debug-namespace ops --node node-local "pid:$sleeper" -- true
t_expect_rc "debug pod in another namespace" 0
t_expect_match "debug pod created in --debug-namespace" "$CALLS" "^debug -n ops node/node-local"
t_expect_match "and deleted from there" "$CALLS" "^delete pod -n ops node-debugger"
expect_no_debug_pod_left "debug pod in another namespace"

plugin --method daemonset --node node-local "pid:$sleeper" -- true
t_expect_rc "--method daemonset with no DaemonSet pod: 125" 125
t_expect_match "--method daemonset: how to install it is said" "$T_ERR" "deploy/daemonset.yaml"
t_expect_nomatch "--method daemonset never falls back to a debug pod" "$CALLS" "^debug "

export FAKE_DS_PODS="node-local=podenter-local"
plugin --method debug --node node-local "pid:$sleeper" -- true
t_expect_match "--method debug even with a DaemonSet" "$CALLS" "^debug node/node-local"

# --- drift against podenter's own command line -----------------------------------
# Options with a separate value in any `podenter ... --help`: the plugin must
# know them to find TARGET; and its own options must not shadow podenter's.
help_texts() {
	local sub
	"$PODENTER" --help
	for sub in $("$PODENTER" --help | grep -o -- '--help-[a-z]*' | sort -u); do
		"$PODENTER" "$sub"
	done
	for sub in $("$PODENTER" --help | sed -n 's/^ *podenter \([a-z][a-z-]*\) .*/\1/p' | sort -u); do
		"$PODENTER" "$sub" --help
	done
}
help=$(help_texts 2>/dev/null)
value_opts=$(grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z0-9-]* [A-Z<]' <<<"$help" |
	grep -oE -- '-[A-Za-z0-9]|--[a-z][a-z0-9-]*' | sort -u)
plugin_list=$(sed -n 's/^PODENTER_\(COPY_\)\{0,1\}VALUE_OPTS="\(.*\)"$/\2/p' "$PLUGIN")
missing=
for o in $value_opts; do
	case " $plugin_list " in *" $o "*) ;; *) missing="$missing $o" ;; esac
done
t_expect_eq "the plugin knows every podenter option that takes a value" "${missing# }" ""
# and never eats the next word after a flag (an option of --help without a
# value); an option this build lacks is only noted
flags=$(grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*( [a-z(]| *$|  )' <<<"$help" |
	grep -oE -- '-[A-Za-z0-9]|--[a-z][a-z0-9-]*' | sort -u)
extra=
for o in $plugin_list; do
	if grep -qx -- "$o" <<<"$flags" && ! grep -qx -- "$o" <<<"$value_opts"; then
		extra="$extra $o"
	elif ! grep -qx -- "$o" <<<"$value_opts"; then
		echo "# the plugin knows $o, which this build of podenter does not have"
	fi
done
t_expect_eq "the plugin takes no value after a podenter flag" "${extra# }" ""
all_opts=$(grep -oE '^ +(-[A-Za-z0-9], )?--[a-z][a-z0-9-]*' <<<"$help" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
t_expect_match "podenter's options were found in --help" "$all_opts" "--host-root"
clash=
for o in --node --method --image --daemonset-namespace --debug-namespace --plugin-help --plugin-version; do
	grep -qx -- "$o" <<<"$all_opts" && clash="$clash $o"
done
t_expect_eq "the plugin's own options do not shadow podenter's" "${clash# }" ""

# --- the real kubectl accepts every command line the plugin built ------------------
if command -v kubectl >/dev/null 2>&1 && [ "$(command -v kubectl)" != "$KUBECTL" ]; then
	cat >"$T_TMP/kubeconfig" <<-'EOF'
	apiVersion: v1
	kind: Config
	clusters:
	- name: nowhere
	  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}
	users:
	- name: nobody
	  user: {token: not-a-token}
	contexts:
	- name: prod
	  context: {cluster: nowhere, user: nobody}
	current-context: prod
	EOF
	bad=0 checked=0
	while IFS= read -r line; do
		eval "args=($line)"
		checked=$((checked + 1))
		if [[ " $line " == *" --help "* ]]; then
			# the plugin's version probe: help, no server
			if ! KUBECONFIG=$T_TMP/kubeconfig kubectl "${args[@]}" 2>&1 | grep -q '"sysadmin"'; then
				bad=$((bad + 1))
				echo "  real kubectl: no sysadmin profile in: kubectl $line"
			fi
			continue
		fi
		err=$(KUBECONFIG=$T_TMP/kubeconfig timeout 20 kubectl --request-timeout=2s "${args[@]}" </dev/null 2>&1 >/dev/null)
		if ! grep -q 'connect: connection refused\|was refused' <<<"$err"; then
			bad=$((bad + 1))
			echo "  real kubectl refused: kubectl $line"
			echo "$err" | grep -v memcache.go | head -3 | sed 's/^/    /'
		fi
	done < <(sort -u "$ALL_CALLS")
	t_expect_eq "real kubectl parses all $checked command lines (fails only at connecting; debug --help names sysadmin)" "$bad" 0

	# the jsonpath the plugin reads a pod's node with, evaluated by real kubectl
	cat >"$T_TMP/pod.json" <<-'EOF'
	{"apiVersion": "v1", "kind": "Pod",
	 "metadata": {"name": "ledger-api-5f7c9d8b4-qm2xz", "namespace": "payments"},
	 "spec": {"nodeName": "node-a", "containers": [{"name": "api", "image": "ledger:1"}]},
	 "status": {"phase": "Failed", "containerStatuses": [{"name": "api",
	   "state": {"terminated": {"exitCode": 7}}}]}}
	EOF
	while IFS= read -r jp; do
		got=$(KUBECONFIG=$T_TMP/kubeconfig kubectl label --local -f "$T_TMP/pod.json" x=y -o "jsonpath=$jp" 2>&1)
		case "$jp" in
		*nodeName*) want=$(printf 'payments\tledger-api-5f7c9d8b4-qm2xz\tnode-a') ;;
		*exitCode*) want=7 ;;
		*phase*) want=Failed ;;
		'{.metadata.name}') want=ledger-api-5f7c9d8b4-qm2xz ;;
		*) want="(unexpected jsonpath)" ;;
		esac
		t_expect_eq "real kubectl evaluates the plugin's jsonpath $jp" "$got" "$want"
	done < <(
		# the plugin's jsonpath strings, with the list's range unwrapped
		sed -n "s/.*'\(jsonpath=\)\?\({\(\.\|range \)[^']*}\)'.*/\2/p" "$PLUGIN" |
			sed 's/^{range \.items\[\*\]}\(.*\){end}$/\1/; s/{"\\n"}$//' | sort -u)
else
	echo "# real kubectl not installed: the replay through kubectl is not done (install kubectl to run it)"
fi

t_done
