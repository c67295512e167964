#!/usr/bin/python3
"""Compare what recover read (tests/recover-dump) with containerd and CRI.

recover-compare.py DUMP.json CTR-INFO.json CTR-MOUNTS.txt CRI-STATUS.json CRI-ROW.json
  CTR-INFO:   ctr -n k8s.io containers info ID
  CTR-MOUNTS: ctr -n k8s.io snapshots --snapshotter overlayfs mounts DIR KEY
  CRI-STATUS: cri.py status-json ID;  CRI-ROW: its row of cri.py pods-json
Prints one line per difference; exit status 1 when there is any.
"""
import json
import re
import sys


def main():
    dump, info, status, row = (json.load(open(sys.argv[i])) for i in (1, 2, 4, 5))
    mounts = open(sys.argv[3]).read()
    bad = []

    def eq(what, got, want):
        if got != want:
            bad.append("%s: recover read %r, containerd says %r" % (what, got, want))

    eq("id", dump["id"], info["ID"])
    eq("spec", dump["spec"], info["Spec"])
    eq("image", dump["image"], info["Image"])
    eq("snapshot key", dump["snapshot_key"], info["SnapshotKey"])
    eq("snapshotter", dump["snapshotter"], info["Snapshotter"])
    opts = dict(o.split("=", 1) for o in re.search(r" -o (\S+)", mounts).group(1).split(",")
                if "=" in o)
    eq("upperdir", "/" + (dump["upperdir"] or ""), opts.get("upperdir"))
    eq("lowerdir", ":".join("/" + p for p in dump["lowerdirs"]), opts.get("lowerdir"))
    eq("sandbox id", dump["sandbox_id"], row["sandbox_id"])
    for k in ("namespace", "pod", "pod_uid", "container", "attempt"):
        eq(k, dump[k], row[k])
    eq("attempt (CRI status)", dump["attempt"], status["metadata"].get("attempt", 0))
    eq("restart count", dump["restart_count"],
       int(status["annotations"]["io.kubernetes.container.restartCount"]))
    eq("log path", dump["log_path"], status["log_path"])
    exited = status["state"] == "CONTAINER_EXITED"
    eq("has exit", dump["has_exit"], exited)
    if exited:
        eq("exit code", dump["exit_code"], status.get("exit_code", 0))
        eq("reason", dump["reason"], status["reason"])
        eq("finished at", dump["finished_at_ns"], int(status["finished_at"]))
    eq("started at", dump["started_at_ns"], int(status.get("started_at", 0)))
    eq("created at (CRI)", dump["created_at_ns"], int(status["created_at"]))
    for line in bad:
        print("FAILED: " + line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
