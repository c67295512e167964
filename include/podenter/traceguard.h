/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trace guard: no process of the pod can ptrace the session's
 * processes while they still run podenter's code with podenter's
 * capabilities.
 *
 * The session's process is born in the pod's PID namespace (setns does not
 * move the caller; a child becomes visible in the pod's /proc at clone) and
 * must do work there that needs privileges: mount the session's fresh
 * /proc (a procfs is of its mounter's PID namespace), finish the view,
 * start the command, whose own process changes identity and capabilities
 * there, then execute the tiny reaper (reaper.h). Until each has executed,
 * it is podenter's code holding every capability in the node's user
 * namespace. Non-dumpable does not keep out a tracer that holds
 * CAP_SYS_PTRACE in that user namespace, as a pod's root does when the pod
 * asked for SYS_PTRACE: it could seize the process and make it run any
 * system call (load a module, mount an unmasked procfs: node root).
 *
 * What cannot work: dropping the capabilities before the fork (the work
 * above needs them, and a process cannot regain them without an exec);
 * checking after the fork who traces it (a tracer can act before any
 * check). What works: a process has one tracer at a time, and the kernel
 * links a child to its parent's tracer inside clone itself, before the
 * child can be found by PID (CLONE_PTRACE). So the stage, in the node's
 * PID namespace where the pod cannot see it, makes podenter its tracer
 * (PTRACE_TRACEME: podenter is its parent), then clones the session's
 * process with CLONE_PTRACE: that process is podenter's tracee from birth,
 * and every PTRACE_ATTACH/SEIZE from the pod fails with EPERM. podenter
 * then has the kernel hand it the command's process the same way
 * (PTRACE_O_TRACEVFORK and its kin, also inside clone), and lets each go
 * at its exec: the command as the user's program with the profile's
 * capabilities, the session's process as the tiny reaper with CAP_KILL.
 * Stop signals sent meanwhile (the pod's SIGSTOP) are dropped; other
 * signals are delivered as they would be. PTRACE_O_EXITKILL: if podenter
 * dies, they die. Each stop costs two context switches; a session makes
 * about five. The command, stopped at its exec's end, waits there until
 * the session's process has executed the tiny reaper (or exited), whose
 * last steps (its filter, its exec) run meanwhile, beside the command's
 * exec: no instruction of the command, which may be the pod's own program
 * (a planted /bin/sh), runs while podenter's code is still in the pod,
 * not even the first on another CPU. Then the command goes first, the
 * tiny reaper right after. (Until 2026-12-05 the session's process waited
 * at its vfork's end for the command's exec stop, and both went at once.)
 *
 * When the stage cannot make podenter its tracer: if a tracer of the node
 * holds it already (podenter run under `strace -f`), CLONE_PTRACE gives
 * that tracer the session's process from birth, which closes the window as
 * well; if kernel.yama.ptrace_scope is 3, nobody can attach to anything;
 * otherwise (a security module says no) the session is refused.
 */
#ifndef PODENTER_TRACEGUARD_H
#define PODENTER_TRACEGUARD_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

#include "podenter/error.h"

/* The clone flag of the fork into the pod's PID namespace. */
#define PE_TRACE_GUARD_CLONE_FLAGS CLONE_PTRACE

enum pe_trace_guard_holder {
	PE_TRACE_GUARD_PODENTER, /* podenter, the stage's parent */
	PE_TRACE_GUARD_ELSEWHERE, /* a tracer of the node's, or nobody can */
};

/*
 * In the stage, right before it clones the session's process with
 * PE_TRACE_GUARD_CLONE_FLAGS: make its parent (podenter) its tracer.
 * The stage must have every signal blocked (a traced process stops on a
 * signal, and podenter waits for the stage to exit first) and must exit
 * right after the clone. *holder says who holds the child; -1: nobody
 * would, the session must not start (err says why).
 */
int pe_trace_guard_take(enum pe_trace_guard_holder *holder,
			struct pe_error *err);

/*
 * In podenter, once the stage exited with PE_TRACE_GUARD_PODENTER: hold
 * the session's process (first, podenter's child and tracee) and every
 * process it starts, until each has executed or exited, at most
 * timeout_ms; each process first started is given cpu's saved affinity
 * back at its exec (cpu may be NULL), and let go only once first has
 * executed or exited. first's exit, if it comes, is left
 * to be reaped by the caller (*first_exited). Returns 0, or -1 (err) after
 * killing them all.
 */
struct pe_trace_guard_cpu;
int pe_trace_guard_hold(pid_t first, int timeout_ms,
			const struct pe_trace_guard_cpu *cpu,
			bool *first_exited, struct pe_error *err);

/*
 * One CPU for podenter and the processes it holds. Every stop of the
 * guard is a round trip through podenter, and waking a process on another
 * CPU costs far more than the stop itself where an idle CPU sleeps deeply
 * (a virtual machine's halted vCPU: 0.3 ms a session on the 2-vCPU machine
 * of docs/benchmarks-attach.md, against nothing measurable on one CPU).
 * podenter pins itself to the CPU it runs on before it starts the stage
 * (pe_trace_guard_cpu_pin); the stage and the session's processes inherit
 * it. The command gets the affinity podenter had back at its exec, from
 * podenter, which then lets it go (pe_trace_guard_hold: the exec itself
 * does not move it to another CPU), or from itself right before it
 * executes when podenter does not hold it (pe_trace_guard_cpu_release:
 * under strace -f). podenter gives its own back once it let them go. The
 * session's process stays on that CPU: as the tiny reaper it only waits,
 * and the command's end then wakes it on the CPU the command ran on (one
 * wake-up across CPUs fewer again). A cpuset the session is born into
 * resets the affinity (and the release intersects with it), as it would
 * have anyway. Nothing is pinned when the affinity cannot be read (more
 * CPUs than cpu_set_t holds) or set.
 */
struct pe_trace_guard_cpu {
	bool pinned;
	cpu_set_t saved;
};
void pe_trace_guard_cpu_pin(struct pe_trace_guard_cpu *cpu);
void pe_trace_guard_cpu_release(const struct pe_trace_guard_cpu *cpu);

#endif
