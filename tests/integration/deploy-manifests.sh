#!/bin/bash
# deploy/*.yaml: they parse, carry the fields Kubernetes requires, spell
# every field of the pod spec as the API does (a typo such as "hostPid" is
# silently dropped by kubectl), and agree with what kubectl-podenter and
# podenter expect of them: the label, namespace and container name the
# plugin looks for, /host, the privileges podenter needs, and RBAC for each
# kubectl call the plugin makes.
source "$TESTLIB"

top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
/usr/bin/python3 -c 'import yaml' 2>/dev/null ||
	t_skip_all "python3-yaml is not installed (apt-get install python3-yaml)"

version=$("$PODENTER" --version | awk '{ print $2 }')
/usr/bin/python3 - "$top" "$version" <<'EOF'
import re
import sys

import yaml

top, version = sys.argv[1], sys.argv[2]
plugin = open(f"{top}/contrib/kubectl-podenter").read()
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}" + (f": {detail}" if detail else ""))


def plugin_default(var):
    m = re.search(r"^%s=\$\{[A-Z_]+:-([^}]*)\}$" % var, plugin, re.M)
    return m.group(1) if m else None


def plugin_value(var):
    m = re.search(r"^%s=(\S+)$" % var, plugin, re.M)
    return m.group(1) if m else None


docs = []
for name in ("rbac.yaml", "daemonset.yaml"):
    try:
        loaded = [d for d in yaml.safe_load_all(open(f"{top}/deploy/{name}")) if d is not None]
        check(f"{name} parses as YAML", True)
    except yaml.YAMLError as e:
        check(f"{name} parses as YAML", False, str(e))
        continue
    check(f"{name} holds objects", len(loaded) > 0)
    docs += loaded

for d in docs:
    ident = f"{d.get('kind')}/{d.get('metadata', {}).get('name')}"
    check(f"{ident}: apiVersion, kind, metadata.name",
          all(isinstance(d.get(k), str) for k in ("apiVersion", "kind"))
          and isinstance(d.get("metadata", {}).get("name"), str))
    check(f"{ident}: labelled app.kubernetes.io/name=podenter",
          d["metadata"].get("labels", {}).get("app.kubernetes.io/name") == "podenter")

by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)

ds_ns = plugin_default("DS_NAMESPACE")
selector = plugin_value("DS_SELECTOR")
image = plugin_default("IMAGE").replace("$PLUGIN_VERSION", plugin_value("readonly PLUGIN_VERSION") or "")

# --- the DaemonSet ---
dss = by_kind.get("DaemonSet", [])
check("one DaemonSet", len(dss) == 1)
ds = dss[0]
spec = ds["spec"]
pod = spec["template"]["spec"]
tmpl_labels = spec["template"]["metadata"]["labels"]
check("DaemonSet: apps/v1", ds["apiVersion"] == "apps/v1")
check("DaemonSet: in the namespace the plugin looks in", ds["metadata"]["namespace"] == ds_ns,
      f"{ds['metadata'].get('namespace')} vs plugin {ds_ns}")
check("DaemonSet: the selector matches the template's labels",
      all(tmpl_labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()))
k, _, v = selector.partition("=")
check("DaemonSet: pods carry the label the plugin selects on", tmpl_labels.get(k) == v, selector)
check("DaemonSet: hostPID (podenter finds targets by host PID)", pod.get("hostPID") is True)
check("DaemonSet: no hostNetwork (not needed)", not pod.get("hostNetwork"))
check("DaemonSet: no API token (podenter never calls the API)",
      pod.get("automountServiceAccountToken") is False)
check("DaemonSet: tolerates every taint",
      any(t.get("operator") == "Exists" and "key" not in t for t in pod.get("tolerations", [])))
sa = pod.get("serviceAccountName")
check("DaemonSet: its ServiceAccount is defined in rbac.yaml",
      any(s["metadata"]["name"] == sa and s["metadata"].get("namespace") == ds_ns
          for s in by_kind.get("ServiceAccount", [])))
containers = {c["name"]: c for c in pod["containers"]}
check("DaemonSet: a container named 'podenter' (kubectl-podenter execs -c podenter)",
      "podenter" in containers and "-c podenter" in plugin)
c = containers.get("podenter", {})
check("DaemonSet: the image the plugin uses by default", c.get("image") == image,
      f"{c.get('image')} vs {image}")
check("DaemonSet: the image tag is podenter's version", c.get("image", "").endswith(":" + version),
      f"{c.get('image')} vs {version}")
check("DaemonSet: privileged", c.get("securityContext", {}).get("privileged") is True)
check("DaemonSet: runs as root", c.get("securityContext", {}).get("runAsUser") == 0)
vols = {v["name"]: v for v in pod.get("volumes", [])}
host = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/host"]
check("DaemonSet: the node's root at /host (the plugin runs --host-root /host)",
      len(host) == 1 and vols.get(host[0]["name"], {}).get("hostPath", {}).get("path") == "/"
      and "--host-root /host" in plugin)
check("DaemonSet: /host read-only", host and host[0].get("readOnly") is True)
check("DaemonSet: /host sees the node's later mounts",
      host and host[0].get("mountPropagation") == "HostToContainer")
audit_dir = "/var/log/podenter"
m = [m for m in c.get("volumeMounts", []) if m["mountPath"] == audit_dir]
check("DaemonSet: /var/log/podenter (for --audit-log) is a writable node path",
      len(m) == 1 and not m[0].get("readOnly")
      and vols.get(m[0]["name"], {}).get("hostPath", {}).get("path") == audit_dir,
      f"mounts {[x['mountPath'] for x in c.get('volumeMounts', [])]}")
env = {e["name"]: e.get("value") for e in c.get("env", [])}
check("DaemonSet: PODENTER_HOST_ROOT=/host for a plain `podenter` in the pod",
      env.get("PODENTER_HOST_ROOT") == "/host")
for m in c.get("volumeMounts", []):
    check(f"DaemonSet: volume mount {m['name']} has a volume", m["name"] in vols)

# Field names as the Kubernetes API spells them (core/v1 PodSpec, Container,
# SecurityContext, VolumeMount, Volume; apps/v1 DaemonSetSpec): kubectl
# drops unknown fields with at most a warning, so a typo would deploy a
# DaemonSet without the privilege it was meant to have.
known = {
    "daemonset": {"selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"},
    "pod": {"activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers",
            "dnsConfig", "dnsPolicy", "enableServiceLinks", "ephemeralContainers", "hostAliases",
            "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "imagePullSecrets",
            "initContainers", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy",
            "priority", "priorityClassName", "readinessGates", "resourceClaims", "restartPolicy",
            "runtimeClassName", "schedulerName", "schedulingGates", "securityContext",
            "serviceAccountName", "setHostnameAsFQDN", "shareProcessNamespace", "subdomain",
            "terminationGracePeriodSeconds", "tolerations", "topologySpreadConstraints", "volumes"},
    "container": {"args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle",
                  "livenessProbe", "name", "ports", "readinessProbe", "resizePolicy", "resources",
                  "restartPolicy", "securityContext", "startupProbe", "stdin", "stdinOnce",
                  "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices",
                  "volumeMounts", "workingDir"},
    "securityContext": {"allowPrivilegeEscalation", "appArmorProfile", "capabilities", "privileged",
                        "procMount", "readOnlyRootFilesystem", "runAsGroup", "runAsNonRoot",
                        "runAsUser", "seLinuxOptions", "seccompProfile", "windowsOptions"},
    "volumeMount": {"mountPath", "mountPropagation", "name", "readOnly", "recursiveReadOnly",
                    "subPath", "subPathExpr"},
}


def unknown(obj, kind):
    return sorted(set(obj) - known[kind])


check("DaemonSet spec: known field names", not unknown(spec, "daemonset"), unknown(spec, "daemonset"))
check("pod spec: known field names", not unknown(pod, "pod"), unknown(pod, "pod"))
for cc in pod["containers"]:
    check(f"container {cc['name']}: known field names", not unknown(cc, "container"), unknown(cc, "container"))
    sc = cc.get("securityContext", {})
    check(f"container {cc['name']}: known securityContext fields",
          not unknown(sc, "securityContext"), unknown(sc, "securityContext"))
    for m in cc.get("volumeMounts", []):
        check(f"mount {m['name']}: known field names", not unknown(m, "volumeMount"), unknown(m, "volumeMount"))
for v in pod.get("volumes", []):
    kinds = set(v) - {"name"}
    check(f"volume {v['name']}: exactly one source", len(kinds) == 1, sorted(kinds))

# --- the namespace admits a privileged pod ---
nss = {n["metadata"]["name"]: n for n in by_kind.get("Namespace", [])}
check("the DaemonSet's namespace is defined", ds_ns in nss)
check("Pod Security admits the privileged DaemonSet there",
      nss.get(ds_ns, {}).get("metadata", {}).get("labels", {}).get(
          "pod-security.kubernetes.io/enforce") == "privileged")

# --- RBAC covers every kubectl call the plugin makes ---
roles = by_kind.get("ClusterRole", []) + by_kind.get("Role", [])


def allowed(resource, verb, namespace):
    for r in roles:
        if r["kind"] == "Role" and r["metadata"].get("namespace") != namespace:
            continue
        for rule in r.get("rules", []):
            if "" in rule.get("apiGroups", []) and resource in rule.get("resources", []) \
                    and verb in rule.get("verbs", []):
                return True
    return False


needs = [
    ("kubectl get pod NAME (the node)", "pods", "get", "payments"),
    ("kubectl get pods (globs, prefixes)", "pods", "list", "payments"),
    ("kubectl get pods -n podenter (the DaemonSet's pod)", "pods", "list", ds_ns),
    ("kubectl exec", "pods/exec", "create", ds_ns),
    ("kubectl debug node/NODE reads the node", "nodes", "get", None),
    ("kubectl debug creates the pod", "pods", "create", ds_ns),
    ("kubectl attach", "pods/attach", "create", ds_ns),
    ("kubectl logs", "pods/log", "get", ds_ns),
    ("kubectl delete pod (the debug pod)", "pods", "delete", ds_ns),
]
for label, res, verb, ns in needs:
    check(f"RBAC allows {label}: {verb} {res}", allowed(res, verb, ns))
for verb in ("exec ", "debug ", "attach ", "logs ", "delete pod"):
    check(f"the plugin really makes the call RBAC is given for: kubectl {verb.strip()}",
          f"kube {verb}" in plugin)

# Every role is bound, every binding names a defined role.
role_names = {(r["kind"], r["metadata"]["name"]) for r in roles}
for b in by_kind.get("ClusterRoleBinding", []) + by_kind.get("RoleBinding", []):
    ref = (b["roleRef"]["kind"], b["roleRef"]["name"])
    check(f"{b['kind']}/{b['metadata']['name']} binds a defined role", ref in role_names, ref)
bound = {(b["roleRef"]["kind"], b["roleRef"]["name"])
         for b in by_kind.get("ClusterRoleBinding", []) + by_kind.get("RoleBinding", [])}
for r in sorted(role_names):
    check(f"{r[0]}/{r[1]} is bound", r in bound)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
EOF
