#!/usr/bin/python3
"""A three-layer image for recover's layer-chain check (tests/node/recover-checks.sh).

busybox (the harness's busybox layer), then one layer adding /layer2, then one
adding /layer3 and replacing /www/index.html: containerd unpacks it into a
chain of three overlayfs snapshots, which a single-layer image never shows.

Usage: layered-image.py TARBALL    (name localhost/podenter-recover/layered:1)
"""
import hashlib
import importlib.util
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "localhost/podenter-recover/layered:1"

spec = importlib.util.spec_from_file_location("build_images", os.path.join(HERE, "build-images.py"))
bi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bi)


def layer_with(files):
    layer = bi.Layer()
    for path, data in files:
        layer.file(path, data)
    return layer.bytes()


def main():
    layers = [bi.busybox_layer(),
              layer_with([("layer2", b"from layer 2\n")]),
              layer_with([("layer3", b"from layer 3\n"),
                          ("www/index.html", b"from layer 3\n")])]
    arch = bi.GOARCH.get(platform.machine(), platform.machine())
    blobs = {}

    def add_blob(data):
        digest = hashlib.sha256(data).hexdigest()
        blobs[digest] = data
        return {"digest": "sha256:" + digest, "size": len(data)}

    layer_descs = [dict(add_blob(l), mediaType="application/vnd.oci.image.layer.v1.tar")
                   for l in layers]
    config = {"architecture": arch, "os": "linux", "created": "2023-11-14T22:13:20Z",
              "config": {"Cmd": ["sh"], "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
              "rootfs": {"type": "layers",
                         "diff_ids": ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]}}
    config_desc = add_blob(json.dumps(config, sort_keys=True).encode())
    manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": dict(config_desc, mediaType="application/vnd.oci.image.config.v1+json"),
                "layers": layer_descs}
    manifest_desc = add_blob(json.dumps(manifest, sort_keys=True).encode())
    index = {"schemaVersion": 2,
             "manifests": [dict(manifest_desc,
                                mediaType="application/vnd.oci.image.manifest.v1+json",
                                platform={"architecture": arch, "os": "linux"},
                                annotations={"io.containerd.image.name": NAME,
                                             "org.opencontainers.image.ref.name": "1"})]}
    out = bi.Layer()
    out.file("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    out.file("index.json", json.dumps(index, sort_keys=True).encode())
    out.dir("blobs")
    out.dir("blobs/sha256")
    for digest, data in sorted(blobs.items()):
        out.file("blobs/sha256/" + digest, data)
    with open(sys.argv[1], "wb") as f:
        f.write(out.bytes())
    print(NAME)


if __name__ == "__main__":
    main()
