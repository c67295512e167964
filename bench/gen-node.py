#!/usr/bin/python3
"""Synthetic node trees for benchmarks: N containers across pods and
namespaces, as containerd (or CRI-O) and kubelet leave them, plus a /proc
with many processes, so resolution cost can be measured against both.

    gen-node.py OUTDIR --containers 330 --procs 10000 [--source containerd|crio|proc]

Each pod has a sandbox and two app containers (3 records a pod). config.json
files are sized like production ones (~15 KiB: the RuntimeDefault seccomp
profile inline, environment, mounts), built from the real capture's shape.
"""
import argparse
import hashlib
import json
import os
import shutil

SYSCALLS = ["accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget",
            "capset", "chdir", "chmod", "chown", "clock_getres", "clock_gettime",
            "clock_nanosleep", "close", "connect", "copy_file_range", "creat", "dup",
            "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait",
            "epoll_wait", "eventfd", "eventfd2", "execve", "execveat", "exit",
            "exit_group", "faccessat", "fadvise64", "fallocate", "fanotify_mark",
            "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl", "fdatasync",
            "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
            "fstat", "fstatfs", "fsync", "ftruncate", "futex", "getcwd", "getdents",
            "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer",
            "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
            "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list",
            "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday",
            "getuid", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
            "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
            "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill", "lchown",
            "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lseek",
            "lstat", "madvise", "memfd_create", "mincore", "mkdir", "mkdirat", "mknod",
            "mknodat", "mlock", "mmap", "mprotect", "mremap", "msync", "munmap",
            "nanosleep", "newfstatat", "open", "openat", "pause", "pipe", "pipe2", "poll",
            "ppoll", "prctl", "pread64", "preadv", "prlimit64", "pselect6", "pwrite64",
            "read", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg",
            "rename", "renameat", "renameat2", "rmdir", "rt_sigaction", "rt_sigprocmask",
            "rt_sigreturn", "sched_getaffinity", "sched_yield", "select", "sendfile",
            "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups",
            "setitimer", "setpgid", "setpriority", "setregid", "setresgid", "setresuid",
            "setreuid", "setrlimit", "setsid", "setsockopt", "set_tid_address", "setuid",
            "shutdown", "sigaltstack", "socket", "socketpair", "splice", "stat", "statfs",
            "statx", "symlink", "symlinkat", "sync", "sysinfo", "tee", "tgkill", "time",
            "timer_create", "timer_delete", "timerfd_create", "timerfd_gettime",
            "timerfd_settime", "times", "tkill", "truncate", "umask", "uname", "unlink",
            "unlinkat", "utime", "utimensat", "vfork", "wait4", "waitid", "write", "writev"]


def cid(seed):
    return hashlib.sha256(seed.encode()).hexdigest()


def uid(seed):
    h = hashlib.md5(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def write(root, path, content):
    full = os.path.join(root, path.lstrip("/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(content)


def config_json(annotations, cgroups_path):
    return json.dumps({
        "ociVersion": "1.1.0",
        "process": {"user": {"uid": 65532, "gid": 65532}, "args": ["/app", "--port=8080"],
                    "env": [f"SERVICE_{i}_PORT=tcp://10.96.{i}.1:80" for i in range(40)],
                    "cwd": "/", "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL"]},
                    "oomScoreAdj": 999},
        "root": {"path": "rootfs"},
        "mounts": [{"destination": f"/var/run/secrets/vol{i}", "type": "bind",
                    "source": f"/var/lib/kubelet/pods/x/volumes/v{i}", "options": ["rbind", "ro"]}
                   for i in range(10)],
        "annotations": annotations,
        "linux": {"cgroupsPath": cgroups_path,
                  "seccomp": {"defaultAction": "SCMP_ACT_ERRNO",
                              "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
                              "syscalls": [{"names": SYSCALLS, "action": "SCMP_ACT_ALLOW"}]},
                  "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats"],
                  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"]},
    }, separators=(",", ":"))


def proc_entry(root, pid, cgroup, start):
    write(root, f"/proc/{pid}/cgroup", f"0::{cgroup}\n")
    fields = [str(pid), "(proc)", "S", "1"] + ["0"] * 17 + [str(start)] + ["0"] * 30
    write(root, f"/proc/{pid}/stat", " ".join(fields) + "\n")
    nsdir = os.path.join(root, f"proc/{pid}/ns")
    os.makedirs(nsdir, exist_ok=True)
    for i, t in enumerate(["net", "pid", "mnt", "uts", "ipc", "cgroup", "user", "time"]):
        os.symlink(f"{t}:[{4026532000 + pid * 10 + i}]", os.path.join(nsdir, t))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--containers", type=int, default=330)
    ap.add_argument("--procs", type=int, default=10000)
    ap.add_argument("--source", choices=["containerd", "crio", "proc"], default="containerd")
    a = ap.parse_args()
    root = a.outdir
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    npods = a.containers // 3
    pid = 1000
    proc_for = []
    namespaces = [f"team-{i}" for i in range(max(1, npods // 20))]
    for p in range(npods):
        ns = namespaces[p % len(namespaces)]
        pod = f"svc-{p:05d}-7d4b9c8f6-x{p % 97:02d}k9p"
        puid = uid(pod)
        sid = cid("s" + pod)
        pod_cg = f"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{puid.replace('-', '_')}.slice"
        members = [("sandbox", sid, None), ("app", cid("a" + pod), "app"), ("sidecar", cid("b" + pod), "sidecar")]
        for kind, i, name in members:
            ann = {"io.kubernetes.cri.container-type": "sandbox" if name is None else "container",
                   "io.kubernetes.cri.sandbox-id": sid,
                   "io.kubernetes.cri.sandbox-name": pod,
                   "io.kubernetes.cri.sandbox-namespace": ns,
                   "io.kubernetes.cri.sandbox-uid": puid}
            if name:
                ann["io.kubernetes.cri.container-name"] = name
                ann["io.kubernetes.cri.image-name"] = f"registry.example/{name}:1.2.3"
            cg = f"{pod_cg}/cri-containerd-{i}.scope"
            pid += 1
            if a.source == "containerd":
                d = f"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{i}"
                write(root, f"{d}/config.json", config_json(ann, f"kubepods-burstable-pod{puid}.slice:cri-containerd:{i}"))
                write(root, f"{d}/init.pid", str(pid))
            elif a.source == "crio":
                crio = {"io.container.manager": "cri-o",
                        "io.kubernetes.cri-o.ContainerType": "sandbox" if name is None else "container",
                        "io.kubernetes.cri-o.SandboxID": sid,
                        "io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": ns,
                        "io.kubernetes.pod.uid": puid,
                        "io.kubernetes.container.name": name or "POD"}
                d = f"/run/containers/storage/overlay-containers/{i}/userdata"
                write(root, f"{d}/config.json", config_json(crio, cg))
                write(root, f"{d}/pidfile", str(pid))
            if name:
                logdir = f"/var/log/pods/{ns}_{pod}_{puid}/{name}"
                write(root, f"{logdir}/0.log", "")
                link = os.path.join(root, f"var/log/containers/{pod}_{ns}_{name}-{i}.log")
                os.makedirs(os.path.dirname(link), exist_ok=True)
                os.symlink(f"{logdir}/0.log", link)
            proc_for.append((pid, cg))
    # the container inits, then host processes up to --procs in all
    start = 1000
    for p, cg in proc_for:
        start += 1
        proc_entry(root, p, cg, start)
    for extra in range(max(0, a.procs - len(proc_for))):
        pid += 1
        proc_entry(root, pid, "/system.slice/some.service", start + extra)
    proc_entry(root, 1, "/init.scope", 1)
    print(f"{root}: {npods} pods, {npods * 3} containers, {max(a.procs, len(proc_for))} processes, source {a.source}")
    # a pod in the middle, for the benchmark to resolve
    mid = npods // 2
    print(f"TARGET={namespaces[mid % len(namespaces)]}/svc-{mid:05d}-7d4b9c8f6-x{mid % 97:02d}k9p")


if __name__ == "__main__":
    main()
