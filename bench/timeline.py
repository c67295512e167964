#!/usr/bin/python3
"""Where a session's time goes: the median timeline of a podenter command
(from its exec to its exit), phase by phase, beside `nsenter -t PID -a true`.
Not part of `make bench`; for finding what to make faster. Root, perf.

Usage: bench/timeline.py RUNS PID PODENTER COMMAND...
  e.g. bench/timeline.py 150 1234 ./podenter pid:1234 -- true
       bench/timeline.py 150 1234 ./podenter -q default/web-0 -- true

Each phase is a uprobe on one of podenter's functions (perf probe, from the
binary's debug information) or a scheduler event (fork, exec, exit) of any
process of the session. A uprobe costs a few microseconds per hit, so the
whole is slower than a plain run (about 0.1 ms); the steps between phases
are what to read. Runs whose sequence of events differs from the most common
one (a timer tick between two events, a late wake-up) are left out.
"""
import collections
import os
import re
import statistics
import subprocess
import sys

GROUP = "petimeline"
# podenter's functions on the attach path, in the order they run; a name
# the binary does not have (inlined away, renamed) is skipped
FUNCTIONS = [
    "main", "pe_sandbox_prepare", "pe_hostroot_open", "pe_resolve",
    "pe_session_run", "pe_pin_target", "pe_session_plan", "pe_audit_open",
    "pe_view_enter", "pe_view_enter%return", "pe_audit_start",
    "stage_main", "privileged_steps_in_stage", "drop_to_session_caps",
    "pe_trace_guard_hold", "pe_reaper_run", "run_command", "pe_bpf_load",
    "pe_exec_command", "io_run", "io_run%return", "session_release",
]
SCHED = ["sched:sched_process_exec", "sched:sched_process_fork",
         "sched:sched_process_exit"]


def add_probes(binary):
    # more functions to watch: TIMELINE_FUNCS=name,name%return,...
    extra = [f for f in os.environ.get("TIMELINE_FUNCS", "").split(",") if f]
    subprocess.run(["perf", "probe", "-q", "-d", GROUP + ":*"],
                   stderr=subprocess.DEVNULL, check=False)
    added = []
    for i, f in enumerate(FUNCTIONS + extra):
        name = "p%02d_%s" % (i, re.sub(r"\W", "_", f))
        r = subprocess.run(["perf", "probe", "-q", "-x", binary, "-a",
                            "%s:%s=%s" % (GROUP, name, f)],
                           capture_output=True, text=True, check=False)
        if r.returncode == 0:
            added.append(f)
    return added


def record(cmd, runs, events):
    data = "/tmp/podenter-timeline.%d.data" % os.getpid()
    loop = "for i in $(seq %d); do %s >/dev/null 2>&1; done" % (runs, cmd)
    args = ["perf", "record", "-q", "-a", "-o", data]
    for e in events:
        args += ["-e", e]
    subprocess.run(args + ["--", "bash", "-c", loop], check=True,
                   stderr=subprocess.DEVNULL)
    out = subprocess.run(["perf", "script", "-i", data, "-F",
                          "comm,pid,time,event"], capture_output=True,
                         text=True, check=True).stdout
    os.unlink(data)
    return out


def timeline(script, first_comm):
    events = []
    for line in script.splitlines():
        m = re.match(r"\s*(.+?)\s+(\d+)\s+([\d.]+):\s+(\S+):", line)
        if not m:
            continue
        comm, _, t, ev = m.groups()
        if comm in ("bash", "seq", "perf"):
            continue
        name = ev.split(":", 1)[1]
        if ev.startswith("sched:"):
            name = "%s %s" % (name.replace("sched_process_", ""), comm)
        else:
            name = re.sub(r"^p\d\d_", "", name).replace("__return", "")
            name = re.sub(r"_return$", " returns", name)
        events.append((float(t) * 1e6, name))
    runs, cur = [], None
    for t, name in events:
        if name == "exec " + first_comm:
            cur = []
            runs.append(cur)
        if cur is not None:
            cur.append((t, name))
    by_shape = collections.defaultdict(list)
    for r in runs[5:]:  # the first ones warm the caches
        by_shape[tuple(n for _, n in r)].append([t - r[0][0] for t, _ in r])
    shape, rows = max(by_shape.items(), key=lambda kv: len(kv[1]))
    print("%d of %d runs in the most common order" % (len(rows), len(runs)))
    prev = 0.0
    for i, name in enumerate(shape):
        m = statistics.median(r[i] for r in rows)
        print("%8.0f us %+6.0f  %s" % (m, m - prev, name))
        prev = m


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    runs, pid = int(sys.argv[1]), sys.argv[2]
    binary = os.path.abspath(sys.argv[3])
    command = " ".join([binary] + sys.argv[4:])
    found = add_probes(binary)
    if not found:
        sys.exit("no probe could be placed: is %s built with -g?" % binary)
    try:
        comm = os.path.basename(binary)[:15]
        print("## %s" % command)
        timeline(record(command, runs, SCHED + [GROUP + ":*"]), comm)
        print("\n## nsenter -t %s -a true" % pid)
        timeline(record("nsenter -t %s -a true" % pid, runs, SCHED),
                 "nsenter")
    finally:
        subprocess.run(["perf", "probe", "-q", "-d", GROUP + ":*"],
                       stderr=subprocess.DEVNULL, check=False)


if __name__ == "__main__":
    main()
