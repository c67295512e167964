#!/usr/bin/python3
"""Build the node harness's four test images offline, as OCI layout tarballs.

  busybox     busybox-static plus its applet links, /etc/passwd and a web root:
              a normal "app" image (httpd, sleep, sh ...)
  glibc       the node's own dynamically linked sh, true, sleep and ls with
              the C library and loader they need, at the node's paths (merged
              /usr links kept): most images (Debian, Ubuntu, RHEL bases) run
              programs like these, where busybox's are static; the attach
              benchmark's like-for-like target (bench/cri-bench.sh)
  distroless  one static C binary (hello-server) and nothing else
  pause       one static C binary (pause), the sandbox image

Each tarball holds oci-layout, index.json and blobs/sha256/*; index.json names
the image with the io.containerd.image.name annotation so that
`ctr -n k8s.io images import FILE` registers it under that name.
Builds are cached in images/build/: an image is rebuilt only when its inputs
(sources, busybox binary, this script) change.

Usage: build-images.py [OUTDIR]    prints "NAME TARBALL" per image
"""
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
BUSYBOX = "/bin/busybox"
IMAGE_PREFIX = "localhost/podenter"
TAG = "1"
EPOCH = 1700000000  # fixed mtime: identical inputs give identical layers

GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
          "s390x": "s390x", "riscv64": "riscv64"}


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def compile_static(source, output):
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-o", output, source],
                   check=True)
    subprocess.run(["strip", output], check=True)


class Layer:
    """An uncompressed layer tar built in memory, with fixed owners and times."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)

    def _info(self, path, kind, mode):
        info = tarfile.TarInfo(path)
        info.type, info.mode, info.mtime = kind, mode, EPOCH
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        return info

    def dir(self, path, mode=0o755):
        self.tar.addfile(self._info(path, tarfile.DIRTYPE, mode))

    def file(self, path, data, mode=0o644):
        info = self._info(path, tarfile.REGTYPE, mode)
        info.size = len(data)
        self.tar.addfile(info, io.BytesIO(data))

    def symlink(self, path, target):
        info = self._info(path, tarfile.SYMTYPE, 0o777)
        info.linkname = target
        self.tar.addfile(info)

    def bytes(self):
        self.tar.close()
        return self.buf.getvalue()


def busybox_layer():
    layer = Layer()
    for d in ("bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "root", "www", "var"):
        layer.dir(d)
    layer.dir("tmp", 0o1777)
    with open(BUSYBOX, "rb") as f:
        layer.file("bin/busybox", f.read(), 0o755)
    applets = subprocess.run([BUSYBOX, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    for applet in sorted(set(applets)):
        if applet == "bin/busybox":
            continue
        layer.symlink(applet, "/bin/busybox")
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                             b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    layer.file("www/index.html", b"<html><body>hello from a podenter test pod</body></html>\n")
    return layer.bytes()


# the glibc image's programs, from the node (each with what ldd lists)
GLIBC_PROGRAMS = ["/bin/sh", "/usr/bin/true", "/usr/bin/sleep", "/bin/ls"]


def needed_files(program):
    """The program and the shared objects and loader ldd says it needs."""
    out = subprocess.run(["ldd", program], check=True, capture_output=True,
                         text=True).stdout
    paths = [program]
    for line in out.splitlines():
        words = line.split()
        for w in words:
            if w.startswith("/"):
                paths.append(w)
                break
    return paths


def add_node_path(layer, path, seen):
    """path as it is on the node, each symlink on the way kept as a link."""
    parts = path.strip("/").split("/")
    cur = ""
    for i, part in enumerate(parts):
        cur = cur + "/" + part
        if os.path.islink(cur):
            target = os.readlink(cur)
            if cur not in seen:
                seen.add(cur)
                layer.symlink(cur[1:], target)
            rest = "/".join(parts[i + 1:])
            resolved = os.path.normpath(os.path.join(os.path.dirname(cur), target))
            if rest or resolved not in seen:
                add_node_path(layer, resolved + ("/" + rest if rest else ""), seen)
            return
        if cur in seen:
            continue
        seen.add(cur)
        if i < len(parts) - 1:
            layer.dir(cur[1:])
        else:
            with open(cur, "rb") as f:
                layer.file(cur[1:], f.read(), os.stat(cur).st_mode & 0o777)


def glibc_paths():
    """Every program of the glibc image and what ldd says each needs."""
    return [p for prog in GLIBC_PROGRAMS for p in needed_files(prog)]


def glibc_layer(paths):
    layer = Layer()
    seen = set()
    for d in ("etc", "root", "tmp"):
        layer.dir(d, 0o1777 if d == "tmp" else 0o755)
        seen.add("/" + d)
    for path in paths:
        add_node_path(layer, path, seen)
    layer.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                             b"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
    layer.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n")
    return layer.bytes()


def single_binary_layer(name, source, builddir):
    binary = os.path.join(builddir, name)
    compile_static(source, binary)
    layer = Layer()
    with open(binary, "rb") as f:
        layer.file(name, f.read(), 0o755)
    return layer.bytes()


def write_oci_tarball(path, name, layer, entrypoint, cmd):
    arch = GOARCH.get(platform.machine(), platform.machine())
    blobs = {}

    def add_blob(data):
        digest = sha256(data)
        blobs[digest] = data
        return {"digest": "sha256:" + digest, "size": len(data)}

    layer_desc = add_blob(layer)
    config = {
        "architecture": arch, "os": "linux", "created": "2023-11-14T22:13:20Z",
        "config": {"Entrypoint": entrypoint, "Cmd": cmd,
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": ["sha256:" + sha256(layer)]},
    }
    config_desc = add_blob(json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": dict(config_desc, mediaType="application/vnd.oci.image.config.v1+json"),
        "layers": [dict(layer_desc, mediaType="application/vnd.oci.image.layer.v1.tar")],
    }
    manifest_desc = add_blob(json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [dict(manifest_desc,
                           mediaType="application/vnd.oci.image.manifest.v1+json",
                           platform={"architecture": arch, "os": "linux"},
                           annotations={"io.containerd.image.name": name,
                                        "org.opencontainers.image.ref.name": TAG})],
    }
    out = Layer()  # same deterministic tar writer, used for the whole layout
    out.file("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    out.file("index.json", json.dumps(index, sort_keys=True).encode())
    out.dir("blobs")
    out.dir("blobs/sha256")
    for digest, data in sorted(blobs.items()):
        out.file("blobs/sha256/" + digest, data)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out.bytes())
    os.rename(tmp, path)


def inputs_digest(*paths):
    h = hashlib.sha256()
    for p in paths + (os.path.abspath(__file__),):
        with open(p, "rb") as f:
            h.update(sha256(f.read()).encode())
    return h.hexdigest()


def main():
    builddir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "build")
    os.makedirs(builddir, exist_ok=True)
    glibc = glibc_paths()
    images = [
        ("busybox", [BUSYBOX], lambda: busybox_layer(), None, ["sh"]),
        ("glibc", sorted(set(os.path.realpath(p) for p in glibc)),
         lambda: glibc_layer(glibc), None, ["sh"]),
        ("distroless", [os.path.join(HERE, "hello-server.c")],
         lambda: single_binary_layer("hello-server", os.path.join(HERE, "hello-server.c"),
                                     builddir),
         ["/hello-server"], ["8080"]),
        ("pause", [os.path.join(HERE, "pause.c")],
         lambda: single_binary_layer("pause", os.path.join(HERE, "pause.c"), builddir),
         ["/pause"], None),
    ]
    for short, inputs, make_layer, entrypoint, cmd in images:
        name = "%s/%s:%s" % (IMAGE_PREFIX, short, TAG)
        tarball = os.path.join(builddir, short + ".oci.tar")
        stamp = tarball + ".inputs"
        digest = inputs_digest(*inputs)
        cached = os.path.exists(tarball) and os.path.exists(stamp) and \
            open(stamp).read().strip() == digest
        if not cached:
            write_oci_tarball(tarball, name, make_layer(), entrypoint, cmd)
            with open(stamp, "w") as f:
                f.write(digest + "\n")
        print(name, tarball)


if __name__ == "__main__":
    main()
