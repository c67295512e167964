#!/usr/bin/python3
"""Interleaved medians: compare commands (e.g. builds of podenter at several
commits) on a machine whose speed drifts. Each round runs every command once,
so drift hits all of them alike; hyperfine runs one command's runs back to
back instead. Each round starts one command further on (round i runs command
i mod N first, then the rest in order), so each command follows each other
one equally often: what a command leaves for the kernel to finish after its
exit (freed memory, a namespace torn down by a worker) lands on whichever
command runs next, and in a fixed order the command after the baseline ran
0.15-0.18 ms slower than the same command in second place (the same podenter
binary twice, 300 rounds, twice; docs/benchmarks-attach.md).

Usage: bench/interleave.py RUNS 'CMD1 ARGS' 'CMD2 ARGS' ... 'BASELINE ARGS'
Prints the median wall time of each and its ratio to the last command;
with INTERLEAVE_JSON=FILE also writes each command's median, min and p90 (s)
there (bench/attach.sh and bench/cri-bench.sh use it).
"""
import json
import os
import shlex
import statistics
import sys
import time

WARMUP = 20


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    runs = int(sys.argv[1])
    cmds = [shlex.split(c) for c in sys.argv[2:]]
    times = [[] for _ in cmds]
    devnull = os.open("/dev/null", os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    for i in range(runs + WARMUP):
        for j in range(len(cmds)):
            k = (i + j) % len(cmds)
            cmd = cmds[k]
            t = time.perf_counter_ns()
            pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=actions)
            os.waitpid(pid, 0)
            if i >= WARMUP:
                times[k].append((time.perf_counter_ns() - t) / 1e6)
    if os.environ.get("INTERLEAVE_JSON"):
        with open(os.environ["INTERLEAVE_JSON"], "w") as f:
            json.dump([{"command": arg, "median": statistics.median(t) / 1e3,
                        "min": min(t) / 1e3,
                        "p90": sorted(t)[int(len(t) * 0.9)] / 1e3}
                       for arg, t in zip(sys.argv[2:], times)], f)
    base = statistics.median(times[-1])
    for arg, t in zip(sys.argv[2:], times):
        m = statistics.median(t)
        print("%7.3f ms  x%.2f  %s" % (m, m / base, arg))


if __name__ == "__main__":
    main()
