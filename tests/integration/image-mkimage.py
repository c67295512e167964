#!/usr/bin/python3
"""Build image tarballs for the image-*.sh tests: OCI layout or docker-save,
with layers given as a small description language, including hostile ones.

usage: image-mkimage.py FORMAT OUT BUSYBOX SPEC
FORMAT: oci | docker. SPEC names a layer set (see LAYERS below).
A fifth argument: outer-symlink | outer-dotdot (a hostile outer archive), or
config-of=SPEC2: the image config (its rootfs.diff_ids) of SPEC2's layers,
with SPEC's layers (two images sharing one config, different layers)."""
import gzip, hashlib, io, json, sys, tarfile

fmt, out, busybox, spec = sys.argv[1:5]
bb = open(busybox, 'rb').read()


def entry(name, kind='file', data=b'', target='', mode=0o644):
    t = tarfile.TarInfo(name)
    t.mode = mode
    if kind == 'file':
        t.size = len(data)
    elif kind == 'dir':
        t.type = tarfile.DIRTYPE
        t.mode = 0o755
    elif kind == 'sym':
        t.type = tarfile.SYMTYPE
        t.linkname = target
    elif kind == 'hard':
        t.type = tarfile.LNKTYPE
        t.linkname = target
    elif kind == 'chr':
        t.type = tarfile.CHRTYPE
        t.devmajor, t.devminor = 1, 3
    return (t, data)


BASE = [entry('bin', 'dir'), entry('bin/busybox', data=bb, mode=0o755),
        entry('bin/sh', 'sym', target='busybox'),
        entry('bin/ls', 'hard', target='bin/busybox')]
LAYERS = {
    # two layers: a whiteout and an opaque directory in the second
    'good': [BASE + [entry('etc', 'dir'), entry('etc/gone.txt', data=b'old\n'),
                     entry('etc/kept.txt', data=b'kept\n'),
                     entry('dir/opq/old', data=b'old\n'),
                     entry('dir/plain/old', data=b'plain\n')],
             [entry('etc/.wh.gone.txt'), entry('dir/opq/.wh..wh..opq'),
              entry('dir/opq/new', data=b'new\n'),
              entry('added.txt', data=b'from layer 2\n')]],
    'dotdot': [BASE + [entry('../escaped-by-dotdot', data=b'x\n')]],
    'absolute': [BASE + [entry('/tmp/escaped-by-absolute', data=b'x\n')]],
    'symlink-out': [BASE + [entry('evil', 'sym', target='../../../../../../etc/passwd')]],
    'hardlink-out': [BASE + [entry('evil', 'hard', target='../../etc/passwd')]],
    'device': [BASE + [entry('dev/evil-null', 'chr')]],
    # an absolute symlink to "/" then a file through it: must land inside
    'through-link': [BASE + [entry('up', 'sym', target='/'),
                             entry('up/through-link-file', data=b'inside\n')]],
    # 'good' with another second layer
    'other': [BASE + [entry('etc', 'dir'), entry('etc/kept.txt', data=b'kept\n')],
              [entry('added.txt', data=b'from the other image\n')]],
    # decompression bombs: 64 MiB of zeros (a 64 KiB gzip layer), many
    # entries, a deep path
    'bomb': [BASE + [entry('zeros', data=bytes(64 << 20))]],
    'many': [BASE + [entry('f%d' % i) for i in range(300)]],
    'deep': [BASE + [entry('/'.join(['d'] * 200) + '/f', data=b'x\n')]],
}
layers = LAYERS[spec]


def tar_bytes(entries, compress):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.GNU_FORMAT) as tf:
        for t, data in entries:
            tf.addfile(t, io.BytesIO(data) if t.isfile() else None)
    raw = buf.getvalue()
    return raw, (gzip.compress(raw, mtime=0) if compress else raw)


def sha(b):
    return hashlib.sha256(b).hexdigest()


config_of = spec
if len(sys.argv) > 5 and sys.argv[5].startswith('config-of='):
    config_of = sys.argv[5][len('config-of='):]
blobs, layer_descs, diff_ids = {}, [], []
for i, entries in enumerate(layers):
    raw, blob = tar_bytes(entries, compress=(i == 0))
    blobs[sha(blob)] = blob
    diff_ids.append('sha256:' + sha(raw))
    layer_descs.append({'mediaType': 'application/vnd.oci.image.layer.v1.tar' +
                        ('+gzip' if i == 0 else ''),
                        'digest': 'sha256:' + sha(blob), 'size': len(blob)})
if config_of != spec:
    diff_ids = ['sha256:' + sha(tar_bytes(e, compress=False)[0]) for e in LAYERS[config_of]]
config = json.dumps({'architecture': 'amd64', 'os': 'linux',
                     'config': {'Cmd': ['/bin/sh']},
                     'rootfs': {'type': 'layers', 'diff_ids': diff_ids}}).encode()

outer = []
if fmt == 'oci':
    blobs[sha(config)] = config
    manifest = json.dumps({'schemaVersion': 2,
                           'mediaType': 'application/vnd.oci.image.manifest.v1+json',
                           'config': {'mediaType': 'application/vnd.oci.image.config.v1+json',
                                      'digest': 'sha256:' + sha(config), 'size': len(config)},
                           'layers': layer_descs}).encode()
    blobs[sha(manifest)] = manifest
    index = json.dumps({'schemaVersion': 2, 'manifests': [
        {'mediaType': 'application/vnd.oci.image.manifest.v1+json',
         'digest': 'sha256:' + sha(manifest), 'size': len(manifest),
         'annotations': {'io.containerd.image.name': 'podenter.test/tools-' + spec + ':1',
                         'org.opencontainers.image.ref.name': '1'},
         'platform': {'architecture': 'amd64', 'os': 'linux'}}]}).encode()
    outer += [entry('oci-layout', data=b'{"imageLayoutVersion":"1.0.0"}'),
              entry('index.json', data=index), entry('blobs', 'dir'),
              entry('blobs/sha256', 'dir')]
    outer += [entry('blobs/sha256/' + d, data=b) for d, b in blobs.items()]
else:
    names = []
    for i, entries in enumerate(layers):
        raw, _ = tar_bytes(entries, compress=False)
        names.append('l%d/layer.tar' % i)
        outer += [entry('l%d' % i, 'dir'), entry(names[-1], data=raw)]
    cfg = sha(config) + '.json'
    outer.append(entry(cfg, data=config))
    outer.append(entry('manifest.json', data=json.dumps(
        [{'Config': cfg, 'RepoTags': ['podenter.test/tools:1'], 'Layers': names}]).encode()))
if len(sys.argv) > 5 and sys.argv[5] == 'outer-symlink':
    outer.append(entry('blobs/escape', 'sym', target='/etc'))
if len(sys.argv) > 5 and sys.argv[5] == 'outer-dotdot':
    outer.append(entry('../outer-escaped', data=b'x\n'))
with open(out, 'wb') as f:
    f.write(tar_bytes(outer, compress=False)[0])
