#!/usr/bin/python3
"""A small CRI client that runs pods on containerd the way kubelet does.

No crictl and no .proto file are needed: the CRI API's FileDescriptorProto
(package runtime.v1) is embedded, gzip'd, in the containerd binary. We find it,
load it into a descriptor pool and call the RuntimeService over gRPC.

Pod specs are JSON files under tests/node/pods/, shaped like Kubernetes
objects: a Pod, a Deployment (replicas, names <name>-<template-hash>-<5>),
or a List of those. Fields this harness adds, which Kubernetes does not have:
  container "restarts": N     run N+1 attempts (attempt 0 .. N), as kubelet
                              does after a restart; the earlier ones stay
                              exited, as kubelet keeps one dead container
  container "expectExit": true the command exits by itself (crash loop): wait
                              until the last attempt has exited
  container "x-noStart": true  created and never started (CreateContainer
                              only), as a container whose start failed or
                              never came
Besides the CRI calls, it does kubelet's side jobs: /var/log/pods/<ns>_<pod>_<uid>,
/var/log/containers/<pod>_<ns>_<container>-<id>.log symlinks,
/var/lib/kubelet/pods/<uid>/{etc-hosts,volumes,containers}, and the removal of
pod cgroups in every hierarchy on teardown.

Usage:
  cri.py apply SPEC.json...    create the pods (prints one line per pod)
  cri.py ps                    table of pods and containers with host PIDs
  cri.py pods-json             JSON array, one object per container (CRI's view)
  cri.py sandboxes-json        JSON array, one object per sandbox (pause pid, IP)
  cri.py status-json ID        CRI ContainerStatus of one container (exit code...)
  cri.py teardown [--no-runtime]  stop and remove every pod, and kubelet's files
  cri.py version               runtime name and version
"""
import argparse
import concurrent.futures
import datetime
import errno
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zlib

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

CONTAINERD_BINARY = os.environ.get("CONTAINERD_BINARY", "/usr/bin/containerd")
CRI_SOCKET = os.environ.get("CRI_SOCKET", "/run/containerd/containerd.sock")
STATE_DIR = os.environ.get("PODENTER_NODE_STATE", "/run/podenter-node")
CREATED_LIST = os.path.join(STATE_DIR, "created-paths")
# kubelet's cgroup driver (node.sh sets it from PODENTER_NODE_CGROUP_DRIVER):
# "cgroupfs" (/kubepods/burstable/pod<uid>) or "systemd"
# (kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice,
# containerd's SystemdCgroup = true: runc asks systemd for the slices and scopes)
CGROUP_DRIVER = os.environ.get("PODENTER_NODE_CGROUP_DRIVER", "cgroupfs")
IMAGE_PREFIX = "localhost/podenter/"
POD_LOG_ROOT = "/var/log/pods"
CONTAINER_LOG_ROOT = "/var/log/containers"
KUBELET_PODS = "/var/lib/kubelet/pods"
CALL_TIMEOUT = 60

# Kubelet's default masked and read-only paths for containers that are not
# privileged (pkg/securitycontext: defaultMaskedPaths, defaultReadonlyPaths).
# containerd's CRI plugin masks nothing by itself: kubelet always sends these.
MASKED_PATHS = ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
                "/sys/devices/virtual/powercap"]
READONLY_PATHS = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
NAMESPACE_MODE_POD, NAMESPACE_MODE_CONTAINER = 0, 1
# Kubernetes' name generator alphabet (no vowels, no confusable digits).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def die(msg):
    print("cri.py: " + msg, file=sys.stderr)
    sys.exit(1)


# --------------------------------------------------------------------------
# The CRI API, loaded from the containerd binary
# --------------------------------------------------------------------------

def find_cri_descriptor(binary):
    """Return the FileDescriptorProto of package runtime.v1 embedded in binary."""
    with open(binary, "rb") as f:
        data = f.read()
    pos = 0
    while True:
        pos = data.find(b"\x1f\x8b\x08", pos)
        if pos < 0:
            die("no runtime.v1 CRI descriptor found in " + binary)
        try:
            raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[pos:pos + (4 << 20)])
            fd = descriptor_pb2.FileDescriptorProto()
            fd.ParseFromString(raw)
            if fd.package == "runtime.v1" and any(s.name == "RuntimeService" for s in fd.service):
                return fd
        except Exception:  # not a gzip stream, or not a descriptor: keep scanning
            pass
        pos += 3


def strip_gogo_options(fd):
    """Drop the dependency on gogo.proto; its options are not needed to talk gRPC."""
    del fd.dependency[:]
    fd.ClearField("options")

    def clean(msg):
        map_entry = msg.options.map_entry  # the one option that matters: map<,> fields
        msg.ClearField("options")
        if map_entry:
            msg.options.map_entry = True
        for field in msg.field:
            field.ClearField("options")
        for nested in msg.nested_type:
            clean(nested)
        for enum in msg.enum_type:
            enum.ClearField("options")
            for value in enum.value:
                value.ClearField("options")

    for msg in fd.message_type:
        clean(msg)
    for enum in fd.enum_type:
        enum.ClearField("options")
    return fd


class Cri:
    """Dynamic client for runtime.v1.RuntimeService and ImageService."""

    def __init__(self, socket=CRI_SOCKET, binary=CONTAINERD_BINARY):
        fd = strip_gogo_options(find_cri_descriptor(binary))
        self.pool = descriptor_pool.DescriptorPool()
        self.pool.Add(fd)
        self.file = self.pool.FindFileByName(fd.name)
        self.channel = grpc.insecure_channel("unix://" + socket)
        self._stubs = {}

    def _message_class(self, desc):
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.24
            return message_factory.GetMessageClass(desc)
        return message_factory.MessageFactory(self.pool).GetPrototype(desc)

    def _stub(self, service, method):
        key = (service, method)
        if key not in self._stubs:
            mdesc = self.file.services_by_name[service].methods_by_name[method]
            req_cls = self._message_class(mdesc.input_type)
            resp_cls = self._message_class(mdesc.output_type)
            call = self.channel.unary_unary("/runtime.v1.%s/%s" % (service, method),
                                            request_serializer=req_cls.SerializeToString,
                                            response_deserializer=resp_cls.FromString)
            self._stubs[key] = (req_cls, call)
        return self._stubs[key]

    def call(self, method, request=None, service="RuntimeService", timeout=CALL_TIMEOUT):
        req_cls, call = self._stub(service, method)
        req = json_format.ParseDict(request or {}, req_cls())
        resp = call(req, timeout=timeout)
        return json_format.MessageToDict(resp, preserving_proto_field_name=True,
                                        including_default_value_fields=True)


# --------------------------------------------------------------------------
# Pod specs
# --------------------------------------------------------------------------

def random_suffix(n=5):
    return "".join(random.choice(NAME_ALPHABET) for _ in range(n))


def expand_spec(obj):
    """A spec object -> list of Pod objects (Deployments expanded to replicas)."""
    kind = obj.get("kind", "Pod")
    if kind == "List":
        return [pod for item in obj["items"] for pod in expand_spec(item)]
    if kind == "Pod":
        return [obj]
    if kind == "Deployment":
        meta = obj["metadata"]
        template = obj["spec"]["template"]
        tmpl_hash = obj["spec"].get("templateHash") or hashlib.sha256(
            json.dumps(template, sort_keys=True).encode()).hexdigest()[:10]
        pods = []
        for _ in range(int(obj["spec"].get("replicas", 1))):
            tmeta = template.get("metadata", {})
            labels = dict(tmeta.get("labels", {}), **{"pod-template-hash": tmpl_hash})
            pods.append({"kind": "Pod",
                         "metadata": {"name": "%s-%s-%s" % (meta["name"], tmpl_hash,
                                                            random_suffix()),
                                      "namespace": meta.get("namespace", "default"),
                                      "labels": labels},
                         "spec": template["spec"]})
        return pods
    die("unknown kind %r" % kind)


def load_spec_file(path):
    with open(path) as f:
        return expand_spec(json.load(f))


def cpu_milli(quantity):
    q = str(quantity)
    return int(q[:-1]) if q.endswith("m") else int(float(q) * 1000)


MEMORY_SUFFIXES = {"Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "K": 10**3, "M": 10**6,
                   "G": 10**9}


def memory_bytes(quantity):
    q = str(quantity)
    for suffix, mult in sorted(MEMORY_SUFFIXES.items(), key=lambda kv: -len(kv[0])):
        if q.endswith(suffix):
            return int(float(q[:-len(suffix)]) * mult)
    return int(q)


def effective_requests(container):
    res = container.get("resources", {})
    limits = res.get("limits", {})
    # As the API server defaults it: a limit without a request sets the request.
    return dict(limits, **res.get("requests", {})), limits


def qos_class(pod):
    """Kubernetes' QoS rules: Guaranteed, Burstable or BestEffort."""
    containers = pod["spec"]["containers"]
    if not any(c.get("resources", {}).get(k) for c in containers
               for k in ("requests", "limits")):
        return "BestEffort"
    for c in containers:
        requests, limits = effective_requests(c)
        for resource in ("cpu", "memory"):
            if resource not in limits or requests.get(resource) != limits[resource]:
                return "Burstable"
    return "Guaranteed"


def cgroup_parent(qos, uid):
    """The sandbox's cgroup_parent as kubelet sends it for its cgroup driver."""
    if CGROUP_DRIVER == "systemd":
        # kubelet's systemd driver: a slice name, '-' in the UID escaped to '_'
        # (a '-' in a slice name means nesting); systemd makes the parents
        escaped = uid.replace("-", "_")
        if qos == "Guaranteed":
            return "kubepods-pod%s.slice" % escaped
        return "kubepods-%s-pod%s.slice" % (qos.lower(), escaped)
    if qos == "Guaranteed":
        return "/kubepods/pod" + uid
    return "/kubepods/%s/pod%s" % (qos.lower(), uid)


def remember_cgroup_parent(parent):
    """Record the pod's cgroup for teardown: a cgroup path, or a slice unit."""
    if CGROUP_DRIVER == "systemd":
        remember_path("slice:" + parent)
    else:
        remember_path("cgroup:" + parent)


def container_resources(container, qos):
    """LinuxContainerResources as kubelet computes them with the cgroupfs driver."""
    requests, limits = effective_requests(container)
    res = {"cpu_period": 100000}
    shares = 2
    if "cpu" in requests:
        shares = max(2, cpu_milli(requests["cpu"]) * 1024 // 1000)
    res["cpu_shares"] = shares
    if "cpu" in limits:
        res["cpu_quota"] = max(1000, cpu_milli(limits["cpu"]) * 100000 // 1000)
    if "memory" in limits:
        res["memory_limit_in_bytes"] = memory_bytes(limits["memory"])
    if qos == "Guaranteed":
        res["oom_score_adj"] = -997
    elif qos == "BestEffort":
        res["oom_score_adj"] = 1000
    else:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        req = memory_bytes(requests.get("memory", 0))
        res["oom_score_adj"] = min(999, max(2, 1000 - (1000 * req) // total))
    return res


# --------------------------------------------------------------------------
# Kubelet's side jobs
# --------------------------------------------------------------------------

def remember_path(path):
    """Record a path this harness created, so teardown can remove it."""
    os.makedirs(STATE_DIR, exist_ok=True)
    with open(CREATED_LIST, "a") as f:
        f.write(path + "\n")


def make_dirs_remembered(path):
    """makedirs, recording the topmost directory that did not exist before."""
    top = None
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        top = probe
        probe = os.path.dirname(probe)
    if top is not None:
        remember_path(top)
        os.makedirs(path)


def write_file(path, content, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(content)
    os.chmod(path, mode)


def etc_hosts(ip, hostname):
    return ("# Kubernetes-managed hosts file.\n"
            "127.0.0.1\tlocalhost\n"
            "::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\n"
            "fe00::0\tip6-mcastprefix\n"
            "fe00::1\tip6-allnodes\n"
            "fe00::2\tip6-allrouters\n"
            "%s\t%s\n" % (ip, hostname))


def cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 controllers and the v2 tree)."""
    mounts = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, right = line.split(" - ", 1)
            fstype = right.split()[0]
            if fstype in ("cgroup", "cgroup2"):
                mounts.append(left.split()[4])
    return mounts


def cgroup_tree_pids(relpath):
    pids = set()
    for mnt in cgroup_mounts():
        top = os.path.join(mnt, relpath.lstrip("/"))
        for dirpath, _, _ in os.walk(top):
            try:
                with open(os.path.join(dirpath, "cgroup.procs")) as f:
                    pids.update(int(p) for p in f.read().split())
            except OSError:
                pass
    return pids


def kill_cgroup_tree(relpath, timeout=3.0):
    """SIGKILL what is left in a pod cgroup (containerd died before removing it)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        pids = cgroup_tree_pids(relpath)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)


def remove_cgroup_tree(relpath):
    """rmdir a cgroup directory and everything below it in every hierarchy."""
    left = []
    kill_cgroup_tree(relpath)
    for mnt in cgroup_mounts():
        top = os.path.join(mnt, relpath.lstrip("/"))
        if not os.path.isdir(top):
            continue
        for dirpath, dirnames, _ in sorted(os.walk(top, topdown=False),
                                           key=lambda t: -t[0].count("/")):
            try:
                os.rmdir(dirpath)
            except FileNotFoundError:
                pass
            except OSError as e:
                left.append("%s (%s)" % (dirpath, e.strerror))
    return left


def remove_if_empty_cgroup(relpath):
    for mnt in cgroup_mounts():
        try:
            os.rmdir(os.path.join(mnt, relpath.lstrip("/")))
        except OSError:
            pass


# --------------------------------------------------------------------------
# Creating pods
# --------------------------------------------------------------------------

def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def container_security_context(container):
    """The CRI LinuxContainerSecurityContext kubelet sends for a container's
    securityContext: nothing about capabilities unless the spec says (the
    runtime's default set applies), kubelet's masked and read-only paths unless
    privileged, runAsUser/runAsGroup as CRI Int64Values, runAsNonRoot checked by
    kubelet itself, allowPrivilegeEscalation: false as no_new_privs. Two fields
    Kubernetes does not have: x-runtimeMaskedPaths and x-runtimeReadonlyPaths,
    paths a runtime (or an admission policy) guards beyond kubelet's list."""
    sc = container.get("securityContext", {})
    privileged = bool(sc.get("privileged", False))
    ctx = {"namespace_options": {"network": NAMESPACE_MODE_POD,
                                 "pid": NAMESPACE_MODE_CONTAINER,
                                 "ipc": NAMESPACE_MODE_POD},
           "privileged": privileged}
    if not privileged:
        ctx["masked_paths"] = MASKED_PATHS + sc.get("x-runtimeMaskedPaths", [])
        ctx["readonly_paths"] = READONLY_PATHS + sc.get("x-runtimeReadonlyPaths", [])
    if "runAsUser" in sc:
        ctx["run_as_user"] = {"value": int(sc["runAsUser"])}
    if "runAsGroup" in sc:
        ctx["run_as_group"] = {"value": int(sc["runAsGroup"])}
    if sc.get("runAsNonRoot") and int(sc.get("runAsUser", 0)) == 0:
        die("container %s: runAsNonRoot needs a non-zero runAsUser here "
            "(kubelet would refuse to start it)" % container["name"])
    if sc.get("allowPrivilegeEscalation") is False:
        ctx["no_new_privs"] = True
    # appArmorProfile as kubelet passes it (containerd 1.6's CRI field):
    # Unconfined for a pod that must not be confined on an AppArmor node
    apparmor = sc.get("appArmorProfile", {}).get("type")
    if apparmor == "Unconfined":
        ctx["apparmor_profile"] = "unconfined"
    elif apparmor == "RuntimeDefault":
        ctx["apparmor_profile"] = "runtime/default"
    if "readOnlyRootFilesystem" in sc:
        ctx["readonly_rootfs"] = bool(sc["readOnlyRootFilesystem"])
    caps = sc.get("capabilities", {})
    if caps:
        ctx["capabilities"] = {"add_capabilities": caps.get("add", []),
                               "drop_capabilities": caps.get("drop", [])}
    return ctx


class PodRunner:
    def __init__(self, cri):
        self.cri = cri

    def run_pod(self, pod):
        meta = pod["metadata"]
        name, ns = meta["name"], meta.get("namespace", "default")
        uid = meta.get("uid") or str(uuid.uuid4())
        qos = qos_class(pod)
        log_dir = os.path.join(POD_LOG_ROOT, "%s_%s_%s" % (ns, name, uid))
        kubelet_dir = os.path.join(KUBELET_PODS, uid)
        make_dirs_remembered(log_dir)
        remember_path(log_dir)
        make_dirs_remembered(kubelet_dir)
        remember_path(kubelet_dir)
        remember_cgroup_parent(cgroup_parent(qos, uid))

        labels = dict(meta.get("labels", {}))
        labels.update({"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns,
                       "io.kubernetes.pod.uid": uid})
        sandbox_config = {
            "metadata": {"name": name, "uid": uid, "namespace": ns, "attempt": 0},
            "hostname": name,
            "log_directory": log_dir,
            "dns_config": {"servers": ["10.96.0.10"],
                           "searches": ["%s.svc.cluster.local" % ns, "svc.cluster.local",
                                        "cluster.local"],
                           "options": ["ndots:5"]},
            "labels": labels,
            "annotations": {"kubernetes.io/config.seen": now_rfc3339(),
                            "kubernetes.io/config.source": "api"},
            "linux": {"cgroup_parent": cgroup_parent(qos, uid),
                      "security_context": {"namespace_options": {
                          "network": NAMESPACE_MODE_POD, "pid": NAMESPACE_MODE_CONTAINER,
                          "ipc": NAMESPACE_MODE_POD}}},
        }
        sandbox_id = self.cri.call("RunPodSandbox", {"config": sandbox_config})["pod_sandbox_id"]
        resp = self.cri.call("PodSandboxStatus", {"pod_sandbox_id": sandbox_id, "verbose": True})
        ip = resp["status"].get("network", {}).get("ip", "")
        info = json.loads(resp.get("info", {}).get("info", "{}"))
        for linux_ns in info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", []):
            if linux_ns.get("type") == "network" and linux_ns.get("path"):
                remember_path("netns:" + linux_ns["path"])
        write_file(os.path.join(kubelet_dir, "etc-hosts"), etc_hosts(ip, name))

        volumes = self.prepare_volumes(pod, kubelet_dir)
        containers = []
        for container in pod["spec"]["containers"]:
            containers += self.run_container(container, sandbox_id, sandbox_config, qos,
                                             kubelet_dir, volumes)
        return {"namespace": ns, "pod": name, "pod_uid": uid, "sandbox_id": sandbox_id,
                "ip": ip, "qos": qos, "containers": containers}

    @staticmethod
    def prepare_volumes(pod, kubelet_dir):
        """configMap-like volumes: files written under the pod's kubelet dir;
        hostPath volumes: the node path as it is (made when missing, as
        DirectoryOrCreate does, with a file "canary" in it)."""
        volumes = {}
        for vol in pod["spec"].get("volumes", []):
            if "hostPath" in vol:
                path = vol["hostPath"]["path"]
                if not os.path.exists(path):
                    make_dirs_remembered(path)
                    write_file(os.path.join(path, "canary"), "a file of the node\n")
                volumes[vol["name"]] = path
                continue
            host = os.path.join(kubelet_dir, "volumes", "kubernetes.io~configmap", vol["name"])
            os.makedirs(host, exist_ok=True)
            for fname, content in vol.get("configMap", {}).get("data", {}).items():
                write_file(os.path.join(host, fname), content)
            volumes[vol["name"]] = host
        return volumes

    def run_container(self, container, sandbox_id, sandbox_config, qos, kubelet_dir, volumes):
        meta = sandbox_config["metadata"]
        cname = container["name"]
        image = container["image"]
        if "/" not in image:
            image = IMAGE_PREFIX + image + ("" if ":" in image else ":1")
        term_log = os.path.join(kubelet_dir, "containers", cname, uuid.uuid4().hex[:8])
        write_file(term_log, "", 0o666)
        mounts = [{"container_path": vm["mountPath"], "host_path": volumes[vm["name"]],
                   "readonly": bool(vm.get("readOnly", False))}
                  for vm in container.get("volumeMounts", [])]
        mounts += [{"container_path": "/etc/hosts",
                    "host_path": os.path.join(kubelet_dir, "etc-hosts")},
                   {"container_path": "/dev/termination-log", "host_path": term_log}]
        spec_hash = hashlib.sha256(json.dumps(container, sort_keys=True).encode()).hexdigest()
        results = []
        restarts = int(container.get("restarts", 0))
        for attempt in range(restarts + 1):
            config = {
                "metadata": {"name": cname, "attempt": attempt},
                "image": {"image": image},
                "command": container.get("command", []),
                "args": container.get("args", []),
                "working_dir": container.get("workingDir", ""),
                "envs": [{"key": e["name"], "value": e.get("value", "")}
                         for e in container.get("env", [])],
                "mounts": mounts,
                "labels": {"io.kubernetes.container.name": cname,
                           "io.kubernetes.pod.name": meta["name"],
                           "io.kubernetes.pod.namespace": meta["namespace"],
                           "io.kubernetes.pod.uid": meta["uid"]},
                "annotations": {"io.kubernetes.container.hash": spec_hash[:8],
                                "io.kubernetes.container.restartCount": str(attempt),
                                "io.kubernetes.container.terminationMessagePath":
                                    "/dev/termination-log",
                                "io.kubernetes.container.terminationMessagePolicy": "File",
                                "io.kubernetes.pod.terminationGracePeriod": "30"},
                "log_path": "%s/%d.log" % (cname, attempt),
                "linux": {"resources": container_resources(container, qos),
                          "security_context": container_security_context(container)},
            }
            os.makedirs(os.path.join(sandbox_config["log_directory"], cname), exist_ok=True)
            cid = self.cri.call("CreateContainer", {"pod_sandbox_id": sandbox_id,
                                                    "config": config,
                                                    "sandbox_config": sandbox_config}
                                )["container_id"]
            link = os.path.join(CONTAINER_LOG_ROOT, "%s_%s_%s-%s.log" % (
                meta["name"], meta["namespace"], cname, cid))
            make_dirs_remembered(CONTAINER_LOG_ROOT)
            remember_path(link)
            if not os.path.lexists(link):
                os.symlink(os.path.join(sandbox_config["log_directory"], cname,
                                        "%d.log" % attempt), link)
            if container.get("x-noStart"):
                results.append({"container": cname, "container_id": cid, "attempt": attempt})
                continue
            self.cri.call("StartContainer", {"container_id": cid})
            last = attempt == restarts
            if not last or container.get("expectExit"):
                # An earlier attempt ends (kubelet restarts it); a crashing one ends alone.
                if not container.get("expectExit"):
                    self.cri.call("StopContainer", {"container_id": cid, "timeout": 1})
                self.wait_exited(cid)
            results.append({"container": cname, "container_id": cid, "attempt": attempt})
        return results

    def wait_exited(self, cid, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            st = self.cri.call("ContainerStatus", {"container_id": cid})["status"]
            if st.get("state") == "CONTAINER_EXITED":
                return
            time.sleep(0.1)
        die("container %s did not exit within %ds" % (cid, timeout))


# --------------------------------------------------------------------------
# Listing and teardown
# --------------------------------------------------------------------------

STATE_NAMES = {"CONTAINER_CREATED": "created", "CONTAINER_RUNNING": "running",
               "CONTAINER_EXITED": "exited", "CONTAINER_UNKNOWN": "unknown"}


def container_rows(cri):
    """One dict per container, with the host PID from ContainerStatus verbose info."""
    sandboxes = {s["id"]: s for s in cri.call("ListPodSandbox").get("items", [])}
    rows = []
    for c in cri.call("ListContainers").get("containers", []):
        resp = cri.call("ContainerStatus", {"container_id": c["id"], "verbose": True})
        info = json.loads(resp.get("info", {}).get("info", "{}"))
        sb = sandboxes.get(c["pod_sandbox_id"], {})
        smeta = sb.get("metadata", {})
        rows.append({"namespace": smeta.get("namespace", ""), "pod": smeta.get("name", ""),
                     "pod_uid": smeta.get("uid", ""),
                     "container": c["metadata"]["name"],
                     "attempt": int(c["metadata"].get("attempt", 0)),
                     "container_id": c["id"], "sandbox_id": c["pod_sandbox_id"],
                     "pid": int(info.get("pid", 0)),
                     "state": STATE_NAMES.get(c.get("state", "CONTAINER_CREATED"), "unknown"),
                     "image": c.get("image", {}).get("image", "")})
    rows.sort(key=lambda r: (r["namespace"], r["pod"], r["container"], r["attempt"]))
    return rows


def sandbox_rows(cri):
    rows = []
    for s in cri.call("ListPodSandbox").get("items", []):
        resp = cri.call("PodSandboxStatus", {"pod_sandbox_id": s["id"], "verbose": True})
        info = json.loads(resp.get("info", {}).get("info", "{}"))
        st = resp["status"]
        rows.append({"namespace": s["metadata"]["namespace"], "pod": s["metadata"]["name"],
                     "pod_uid": s["metadata"]["uid"], "sandbox_id": s["id"],
                     "pid": int(info.get("pid", 0)),
                     "ip": st.get("network", {}).get("ip", ""),
                     "state": "ready" if s.get("state") == "SANDBOX_READY" else "notready",
                     "cgroup_parent": info.get("config", {}).get("linux", {})
                     .get("cgroup_parent", "")})
    rows.sort(key=lambda r: (r["namespace"], r["pod"]))
    return rows


def teardown(cri):
    """Remove every pod on this (harness-owned) node, then kubelet's files."""
    problems = []
    if cri is not None:
        def once_more_if_shim_went(step):
            # containerd answers "ttrpc: closed" when two deletes of one
            # task race (containerd/containerd#11505: a container that
            # exits while it is being stopped; seen in the VM's runs, one
            # container in a hundred): the task is gone by then, and the
            # same call again stops and removes what is left. Anything
            # still there afterwards is a failure as before, and the
            # node-teardown check still looks for leftovers.
            try:
                step()
            except grpc.RpcError as e:
                if "ttrpc: closed" not in (e.details() or ""):
                    raise
                time.sleep(0.5)
                step()

        def remove_container(cid):
            # containerd's StopContainer returns at once, stopping nothing, for
            # a container still marked running whose task is already gone
            # (pkg/cri/server/container_stop.go: Task() NotFound and state
            # RUNNING -> return nil): the window between the task's deletion
            # and the exit's record in its event monitor, seconds long when
            # that delete failed on the race above and waits in the monitor's
            # backoff (1 s, then 2 s, ...). RemoveContainer then refuses
            # "container is still running, to stop first" (seen in the VM's
            # runs now and then, two containers at a time). Kubelet retries on
            # its next sync; so does this, for up to 15 s, and fails as before
            # after that (the node-teardown check still looks for leftovers).
            deadline = time.monotonic() + 15
            while True:
                once_more_if_shim_went(lambda: cri.call(
                    "StopContainer", {"container_id": cid, "timeout": 1}))
                try:
                    cri.call("RemoveContainer", {"container_id": cid})
                    return
                except grpc.RpcError as e:
                    if ("still running" not in (e.details() or "")
                            or time.monotonic() > deadline):
                        raise
                time.sleep(0.25)

        def remove_sandbox(sid):
            once_more_if_shim_went(lambda: cri.call(
                "StopPodSandbox", {"pod_sandbox_id": sid}))
            cri.call("RemovePodSandbox", {"pod_sandbox_id": sid})

        # In parallel: PID 1 of a container often ignores SIGTERM (httpd, sleep),
        # so each stop waits out its 1 s grace period.
        containers = [c["id"] for c in cri.call("ListContainers").get("containers", [])]
        problems += run_parallel(remove_container, containers, "container")
        sandboxes = [s["id"] for s in cri.call("ListPodSandbox").get("items", [])]
        problems += run_parallel(remove_sandbox, sandboxes, "sandbox")
    remove_created_paths(problems)
    if CGROUP_DRIVER == "systemd":
        # the QoS slices systemd made as the pods' parents (empty by now)
        subprocess.run(["systemctl", "stop", "kubepods-besteffort.slice",
                        "kubepods-burstable.slice", "kubepods.slice"],
                       stderr=subprocess.DEVNULL, check=False)
    else:
        for qos_dir in ("/kubepods/besteffort", "/kubepods/burstable", "/kubepods"):
            remove_if_empty_cgroup(qos_dir)
    return problems


def run_parallel(func, ids, what):
    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        futures = {pool.submit(func, i): i for i in ids}
        for fut in concurrent.futures.as_completed(futures):
            try:
                fut.result()
            except grpc.RpcError as e:
                problems.append("%s %s: %s" % (what, futures[fut][:12], e.details()))
    return problems


def remove_created_path(path):
    """Remove one recorded path; return a list of problems (empty when done)."""
    if path.startswith("cgroup:"):
        return ["cgroup left: " + p for p in remove_cgroup_tree(path[len("cgroup:"):])]
    if path.startswith("slice:"):
        # systemd owns the slice: stopping it kills what is left in it
        # (containerd died first) and removes its cgroup
        unit = path[len("slice:"):]
        r = subprocess.run(["systemctl", "stop", unit], capture_output=True, text=True,
                           check=False)
        return [] if r.returncode == 0 else ["slice left: %s (%s)" % (unit, r.stderr.strip())]
    if path.startswith("netns:"):
        # RemovePodSandbox normally removes it; after a dead containerd it is ours to do.
        ns = path[len("netns:"):]
        if os.path.exists(ns):
            subprocess.run(["umount", ns], stderr=subprocess.DEVNULL, check=False)
            try:
                os.unlink(ns)
            except OSError as e:
                hint = ""
                if e.errno == errno.EBUSY:
                    hint = "; covered by a later mount on its directory (ip netns add?)"
                return ["netns left: %s (%s%s)" % (ns, e.strerror, hint)]
        return []
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)
    return []


def remove_created_paths(problems):
    """Remove what this harness recorded, newest first; keep what could not go."""
    if not os.path.exists(CREATED_LIST):
        return
    with open(CREATED_LIST) as f:
        paths = [p for p in f.read().splitlines() if p]
    left = []
    for path in reversed(paths):
        trouble = remove_created_path(path)
        if trouble:
            problems += trouble
            left.append(path)
    if left:
        with open(CREATED_LIST, "w") as f:
            f.write("".join(p + "\n" for p in reversed(left)))
    else:
        os.unlink(CREATED_LIST)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def cmd_apply(cri, args):
    runner = PodRunner(cri)
    for path in args.specs:
        for pod in load_spec_file(path):
            rec = runner.run_pod(pod)
            print("pod %s/%s uid=%s ip=%s qos=%s sandbox=%s containers=%s" % (
                rec["namespace"], rec["pod"], rec["pod_uid"], rec["ip"], rec["qos"],
                rec["sandbox_id"][:12],
                ",".join("%s#%d:%s" % (c["container"], c["attempt"], c["container_id"][:12])
                         for c in rec["containers"])))


def cmd_ps(cri, args):
    fmt = "%-10s %-40s %-14s %-3s %-13s %-8s %-7s %s"
    print(fmt % ("NAMESPACE", "POD", "CONTAINER", "TRY", "CONTAINER-ID", "STATE", "PID",
                 "IMAGE"))
    for r in container_rows(cri):
        print(fmt % (r["namespace"], r["pod"], r["container"], r["attempt"],
                     r["container_id"][:13], r["state"], r["pid"], r["image"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("apply", help="create the pods described by JSON spec files")
    p.add_argument("specs", nargs="+")
    sub.add_parser("ps", help="table of containers")
    sub.add_parser("pods-json", help="containers as JSON")
    sub.add_parser("sandboxes-json", help="sandboxes as JSON")
    p = sub.add_parser("status-json", help="ContainerStatus of one container")
    p.add_argument("id")
    p = sub.add_parser("teardown", help="remove every pod and kubelet's files")
    p.add_argument("--no-runtime", action="store_true",
                   help="containerd is gone: only remove kubelet's files and cgroups")
    sub.add_parser("version", help="runtime version")
    args = parser.parse_args()

    if args.cmd == "teardown" and (args.no_runtime or not os.path.exists(CRI_SOCKET)):
        problems = teardown(None)
    else:
        cri = Cri()
        if args.cmd == "apply":
            cmd_apply(cri, args)
        elif args.cmd == "ps":
            cmd_ps(cri, args)
        elif args.cmd == "pods-json":
            print(json.dumps(container_rows(cri), indent=1))
        elif args.cmd == "sandboxes-json":
            print(json.dumps(sandbox_rows(cri), indent=1))
        elif args.cmd == "status-json":
            st = cri.call("ContainerStatus", {"container_id": args.id})["status"]
            print(json.dumps(st, indent=1))
        elif args.cmd == "version":
            v = cri.call("Version")
            print(v["runtime_name"], v["runtime_version"], v["runtime_api_version"])
        elif args.cmd == "teardown":
            problems = teardown(cri)
    if args.cmd == "teardown":
        for p in problems:
            print("cri.py: teardown: " + p, file=sys.stderr)
        sys.exit(1 if problems else 0)


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as e:
        die("CRI call failed: %s: %s" % (e.code().name, e.details()))
