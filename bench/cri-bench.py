#!/usr/bin/python3
"""Time what a CRI client must do to learn a pod container's host PID:
ListPodSandbox (label filter on the pod's name and namespace), ListContainers
(filter on that sandbox), ContainerStatus(verbose) for the PID. The client is
one long-lived process with its channel open and the API descriptor loaded,
so only the gRPC round trips to containerd are timed: the most generous
measure for the runtime (crictl would also pay its own start-up).

    cri-bench.py NAMESPACE POD RUNS   -> prints "median_ms p90_ms pid"
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "node"))
import cri  # noqa: E402  (the node harness's CRI client)


def pid_of(client, namespace, pod):
    sandboxes = client.call("ListPodSandbox", {"filter": {"label_selector": {
        "io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": namespace}}})
    sid = sandboxes["items"][0]["id"]
    containers = client.call("ListContainers", {"filter": {"pod_sandbox_id": sid}})
    cid = containers["containers"][0]["id"]
    status = client.call("ContainerStatus", {"container_id": cid, "verbose": True})
    import json
    return json.loads(status["info"]["info"])["pid"]


def main():
    namespace, pod, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    client = cri.Cri()
    pid = pid_of(client, namespace, pod)  # warm the channel and stubs
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pid_of(client, namespace, pod)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print("%.2f %.2f %d" % (statistics.median(times), times[int(len(times) * 0.9)], pid))


if __name__ == "__main__":
    main()
