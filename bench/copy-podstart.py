#!/usr/bin/python3
"""The lower bound of `kubectl debug --copy-to`: starting a pod (a sandbox
with its network, a container created and started), through the CRI API as
kubelet does (tests/node/cri.py), with no scheduling, no API server and no
image pull. Times PodRunner.run_pod for N one-container busybox pods on the
running node of tests/node; prints "MEDIAN_MS MIN_MS" (node.sh down removes
the pods).
Usage: bench/copy-podstart.py N
"""
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "node"))
import cri  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    runner = cri.PodRunner(cri.Cri())
    times = []
    for i in range(n):
        spec = {"kind": "Pod",
                "metadata": {"name": "copy-bench-%d" % i, "namespace": "bench"},
                "spec": {"containers": [{"name": "app", "image": "busybox",
                                         "command": ["sleep", "100000"]}]}}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(spec, f)
        pods = cri.load_spec_file(f.name)
        os.unlink(f.name)
        t = time.perf_counter()
        runner.run_pod(pods[0])
        times.append((time.perf_counter() - t) * 1000)
    print("%.1f %.1f" % (statistics.median(times), min(times)))


if __name__ == "__main__":
    main()
