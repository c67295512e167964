/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability profiles, no_new_privs, seccomp and the LSM exec label of a
 * debug session. See include/podenter/sandbox.h for the order of the steps.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/magic.h>
#include <seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpfcache.h"
#include "bpftree.h"
#include "podenter/sandbox.h"
#include "sha256.h"
#include "syscalls.h"

#define SECCOMP_PROFILE_MAX (1u << 20)

static const char *const profile_names[PE_PROFILE_COUNT] = {
	[PE_PROFILE_GENERAL] = "general",
	[PE_PROFILE_BASELINE] = "baseline",
	[PE_PROFILE_RESTRICTED] = "restricted",
	[PE_PROFILE_NETADMIN] = "netadmin",
	[PE_PROFILE_SYSADMIN] = "sysadmin",
};

int pe_profile_parse(const char *name, enum pe_profile *out,
		     struct pe_error *err)
{
	for (int p = 0; p < PE_PROFILE_COUNT; p++) {
		if (strcmp(name, profile_names[p]) == 0) {
			*out = (enum pe_profile)p;
			return 0;
		}
	}
	pe_error_set(err, PE_ERR_USAGE, EINVAL, "unknown profile '%s'", name);
	pe_error_hint(err, "profiles: general (default), baseline, restricted, "
			   "netadmin, sysadmin");
	return -1;
}

const char *pe_profile_name(enum pe_profile p)
{
	return p < PE_PROFILE_COUNT ? profile_names[p] : "?";
}

/*
 * How many capabilities the running kernel knows, which may be more or
 * fewer than our headers. libcap probes it once when it loads; asking the
 * kernel about each capability again (CAP_IS_SUPPORTED) cost a session
 * about 130 prctl() calls.
 */
static int kernel_cap_count(void)
{
	int n = (int)cap_max_bits();

	return n < 1 ? CAP_LAST_CAP + 1 : n > 64 ? 64 : n;
}

pe_capset pe_capset_all(void)
{
	int n = kernel_cap_count();

	return n >= 64 ? ~(pe_capset)0 : (PE_CAP_BIT(n) - 1);
}

/* The capability set container runtimes give a container by default
 * (Docker's and containerd's list), which kubectl debug's profiles start
 * from. */
static pe_capset runtime_default_caps(void)
{
	return PE_CAP_BIT(CAP_CHOWN) | PE_CAP_BIT(CAP_DAC_OVERRIDE) |
	       PE_CAP_BIT(CAP_FSETID) | PE_CAP_BIT(CAP_FOWNER) |
	       PE_CAP_BIT(CAP_MKNOD) | PE_CAP_BIT(CAP_NET_RAW) |
	       PE_CAP_BIT(CAP_SETGID) | PE_CAP_BIT(CAP_SETUID) |
	       PE_CAP_BIT(CAP_SETFCAP) | PE_CAP_BIT(CAP_SETPCAP) |
	       PE_CAP_BIT(CAP_NET_BIND_SERVICE) | PE_CAP_BIT(CAP_SYS_CHROOT) |
	       PE_CAP_BIT(CAP_KILL) | PE_CAP_BIT(CAP_AUDIT_WRITE);
}

void pe_sandbox_init(struct pe_sandbox *sb, enum pe_profile p)
{
	memset(sb, 0, sizeof(*sb));
	sb->profile = p;
	sb->no_new_privs = true;
	sb->seccomp = PE_SECCOMP_RUNTIME_DEFAULT;
	switch (p) {
	case PE_PROFILE_GENERAL:
		sb->caps = runtime_default_caps() | PE_CAP_BIT(CAP_SYS_PTRACE);
		break;
	case PE_PROFILE_BASELINE:
		sb->caps = runtime_default_caps();
		break;
	case PE_PROFILE_RESTRICTED:
		sb->caps = 0;
		sb->run_as_nonroot = true;
		break;
	case PE_PROFILE_NETADMIN:
		sb->caps = runtime_default_caps() | PE_CAP_BIT(CAP_NET_ADMIN) |
			   PE_CAP_BIT(CAP_NET_RAW);
		/* so tcpdump or ip work for a non-root session user too */
		sb->ambient =
		    PE_CAP_BIT(CAP_NET_ADMIN) | PE_CAP_BIT(CAP_NET_RAW);
		break;
	case PE_PROFILE_SYSADMIN:
	default:
		sb->caps = pe_capset_all();
		sb->no_new_privs = false;
		sb->seccomp = PE_SECCOMP_UNCONFINED;
		break;
	}
}

int pe_cap_parse(const char *name, pe_capset *out, struct pe_error *err)
{
	char buf[64];
	cap_value_t v;
	size_t n = 0;

	if (strcasecmp(name, "ALL") == 0) {
		*out = pe_capset_all();
		return 0;
	}
	if (strncasecmp(name, "cap_", 4) != 0)
		n = (size_t)snprintf(buf, sizeof(buf), "cap_");
	if (strlen(name) + n >= sizeof(buf) || !*name)
		goto bad;
	for (const char *s = name; *s; s++)
		buf[n++] = (char)tolower((unsigned char)*s);
	buf[n] = '\0';
	if (cap_from_name(buf, &v) < 0 || v < 0 || v > 63 ||
	    !(pe_capset_all() & PE_CAP_BIT(v)))
		goto bad;
	*out = PE_CAP_BIT(v);
	return 0;
bad:
	pe_error_set(err, PE_ERR_USAGE, EINVAL, "unknown capability '%s'",
		     name);
	pe_error_hint(err, "use names like NET_ADMIN or CAP_SYS_PTRACE, or ALL "
			   "(see capabilities(7))");
	return -1;
}

int pe_cap_parse_list(const char *list, pe_capset *out, struct pe_error *err)
{
	char *copy = strdup(list), *save = NULL;
	pe_capset set = 0;

	if (!copy)
		return pe_error_errno(err, "parsing capabilities");
	for (char *tok = strtok_r(copy, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		pe_capset one;

		if (pe_cap_parse(tok, &one, err) < 0) {
			free(copy);
			return -1;
		}
		set |= one;
	}
	free(copy);
	*out = set;
	return 0;
}

void pe_capset_format(pe_capset set, char *buf, size_t size)
{
	size_t used = 0;

	if (size)
		buf[0] = '\0';
	for (int c = 0; c < 64 && used < size; c++) {
		char *name;

		if (!(set & PE_CAP_BIT(c)))
			continue;
		name = cap_to_name(c);
		if (!name)
			continue;
		for (char *s = name; *s; s++)
			*s = (char)toupper((unsigned char)*s);
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 used ? "," : "", name);
		cap_free(name);
	}
}

void pe_sandbox_cap_add(struct pe_sandbox *sb, pe_capset add)
{
	sb->caps |= add;
}

void pe_sandbox_cap_drop(struct pe_sandbox *sb, pe_capset drop)
{
	sb->caps &= ~drop;
	sb->ambient &= ~drop;
}

int pe_sandbox_set_seccomp(struct pe_sandbox *sb, const char *spec,
			   struct pe_error *err)
{
	if (!spec || !*spec)
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "--seccomp needs runtime-default, "
				    "unconfined or a file");
	if (strcmp(spec, "runtime-default") == 0) {
		sb->seccomp = PE_SECCOMP_RUNTIME_DEFAULT;
	} else if (strcmp(spec, "unconfined") == 0) {
		sb->seccomp = PE_SECCOMP_UNCONFINED;
	} else {
		sb->seccomp = PE_SECCOMP_FILE;
		sb->seccomp_file = spec;
	}
	return 0;
}

/* --- podenter's runtime-default filter --------------------------------- */

/*
 * The container runtimes' default seccomp profile, written down as our own
 * table. It follows moby/profiles seccomp/v0.2.3 (May 2026), the profile
 * Docker ships as profiles/seccomp/default.json and containerd's
 * contrib/seccomp/seccomp_default.go tracks. It is an allowlist: whatever is
 * not named here gets EPERM, so a system call a later kernel adds stays
 * denied until this table names it.
 *
 * Names are resolved by libseccomp when the filter is built. A name it does
 * not know is skipped, as runtimes skip it, and so gets EPERM (Debian 12's
 * libseccomp 2.5.4 knows none of statmount, listmount, mseal, the *xattrat
 * calls, uretprobe, riscv_hwprobe or lsm_*; runc would answer ENOSYS for
 * calls numbered above all it knows, podenter keeps EPERM for every call
 * it does not allow but clone3); one that exists only on
 * another architecture (the profile's arch-conditional arch_prctl,
 * modify_ldt, arm's cacheflush, s390's s390_*...) adds nothing there, which
 * is what the profile's per-architecture "includes" amount to.
 */
static const char *const runtime_default_allowed[] = {
	"_llseek",
	"_newselect",
	"accept",
	"accept4",
	"access",
	"adjtimex",
	"alarm",
	"bind",
	"brk",
	"cachestat",
	"capget",
	"capset",
	"chdir",
	"chmod",
	"chown",
	"chown32",
	"clock_adjtime",
	"clock_adjtime64",
	"clock_getres",
	"clock_getres_time64",
	"clock_gettime",
	"clock_gettime64",
	"clock_nanosleep",
	"clock_nanosleep_time64",
	"close",
	"close_range",
	"connect",
	"copy_file_range",
	"creat",
	"dup",
	"dup2",
	"dup3",
	"epoll_create",
	"epoll_create1",
	"epoll_ctl",
	"epoll_ctl_old",
	"epoll_pwait",
	"epoll_pwait2",
	"epoll_wait",
	"epoll_wait_old",
	"eventfd",
	"eventfd2",
	"execve",
	"execveat",
	"exit",
	"exit_group",
	"faccessat",
	"faccessat2",
	"fadvise64",
	"fadvise64_64",
	"fallocate",
	"fanotify_mark",
	"fchdir",
	"fchmod",
	"fchmodat",
	"fchmodat2",
	"fchown",
	"fchown32",
	"fchownat",
	"fcntl",
	"fcntl64",
	"fdatasync",
	"fgetxattr",
	"flistxattr",
	"flock",
	"fork",
	"fremovexattr",
	"fsetxattr",
	"fstat",
	"fstat64",
	"fstatat64",
	"fstatfs",
	"fstatfs64",
	"fsync",
	"ftruncate",
	"ftruncate64",
	"futex",
	"futex_requeue",
	"futex_time64",
	"futex_wait",
	"futex_waitv",
	"futex_wake",
	"futimesat",
	"get_robust_list",
	"get_thread_area",
	"getcpu",
	"getcwd",
	"getdents",
	"getdents64",
	"getegid",
	"getegid32",
	"geteuid",
	"geteuid32",
	"getgid",
	"getgid32",
	"getgroups",
	"getgroups32",
	"getitimer",
	"getpeername",
	"getpgid",
	"getpgrp",
	"getpid",
	"getppid",
	"getpriority",
	"getrandom",
	"getresgid",
	"getresgid32",
	"getresuid",
	"getresuid32",
	"getrlimit",
	"getrusage",
	"getsid",
	"getsockname",
	"getsockopt",
	"gettid",
	"gettimeofday",
	"getuid",
	"getuid32",
	"getxattr",
	"getxattrat",
	"inotify_add_watch",
	"inotify_init",
	"inotify_init1",
	"inotify_rm_watch",
	"io_cancel",
	"io_destroy",
	"io_getevents",
	"io_pgetevents",
	"io_pgetevents_time64",
	"io_setup",
	"io_submit",
	"ioprio_get",
	"ioprio_set",
	"ipc",
	"kill",
	"landlock_add_rule",
	"landlock_create_ruleset",
	"landlock_restrict_self",
	"lchown",
	"lchown32",
	"lgetxattr",
	"link",
	"linkat",
	"listen",
	"listmount",
	"listxattr",
	"listxattrat",
	"llistxattr",
	"lremovexattr",
	"lseek",
	"lsetxattr",
	"lstat",
	"lstat64",
	"madvise",
	"map_shadow_stack",
	"membarrier",
	"memfd_create",
	"memfd_secret",
	"mincore",
	"mkdir",
	"mkdirat",
	"mknod",
	"mknodat",
	"mlock",
	"mlock2",
	"mlockall",
	"mmap",
	"mmap2",
	"mprotect",
	"mq_getsetattr",
	"mq_notify",
	"mq_open",
	"mq_timedreceive",
	"mq_timedreceive_time64",
	"mq_timedsend",
	"mq_timedsend_time64",
	"mq_unlink",
	"mremap",
	"mseal",
	"msgctl",
	"msgget",
	"msgrcv",
	"msgsnd",
	"msync",
	"munlock",
	"munlockall",
	"munmap",
	"name_to_handle_at",
	"nanosleep",
	"newfstatat",
	"open",
	"openat",
	"openat2",
	"pause",
	"pidfd_open",
	"pidfd_send_signal",
	"pipe",
	"pipe2",
	"pkey_alloc",
	"pkey_free",
	"pkey_mprotect",
	"poll",
	"ppoll",
	"ppoll_time64",
	"prctl",
	"pread64",
	"preadv",
	"preadv2",
	"prlimit64",
	"process_mrelease",
	"pselect6",
	"pselect6_time64",
	"pwrite64",
	"pwritev",
	"pwritev2",
	"read",
	"readahead",
	"readlink",
	"readlinkat",
	"readv",
	"recv",
	"recvfrom",
	"recvmmsg",
	"recvmmsg_time64",
	"recvmsg",
	"remap_file_pages",
	"removexattr",
	"removexattrat",
	"rename",
	"renameat",
	"renameat2",
	"restart_syscall",
	"riscv_hwprobe",
	"rmdir",
	"rseq",
	"rt_sigaction",
	"rt_sigpending",
	"rt_sigprocmask",
	"rt_sigqueueinfo",
	"rt_sigreturn",
	"rt_sigsuspend",
	"rt_sigtimedwait",
	"rt_sigtimedwait_time64",
	"rt_tgsigqueueinfo",
	"sched_get_priority_max",
	"sched_get_priority_min",
	"sched_getaffinity",
	"sched_getattr",
	"sched_getparam",
	"sched_getscheduler",
	"sched_rr_get_interval",
	"sched_rr_get_interval_time64",
	"sched_setaffinity",
	"sched_setattr",
	"sched_setparam",
	"sched_setscheduler",
	"sched_yield",
	"seccomp",
	"select",
	"semctl",
	"semget",
	"semop",
	"semtimedop",
	"semtimedop_time64",
	"send",
	"sendfile",
	"sendfile64",
	"sendmmsg",
	"sendmsg",
	"sendto",
	"set_robust_list",
	"set_thread_area",
	"set_tid_address",
	"setfsgid",
	"setfsgid32",
	"setfsuid",
	"setfsuid32",
	"setgid",
	"setgid32",
	"setgroups",
	"setgroups32",
	"setitimer",
	"setpgid",
	"setpriority",
	"setregid",
	"setregid32",
	"setresgid",
	"setresgid32",
	"setresuid",
	"setresuid32",
	"setreuid",
	"setreuid32",
	"setrlimit",
	"setsid",
	"setsockopt",
	"setuid",
	"setuid32",
	"setxattr",
	"setxattrat",
	"shmat",
	"shmctl",
	"shmdt",
	"shmget",
	"shutdown",
	"sigaltstack",
	"signalfd",
	"signalfd4",
	"sigprocmask",
	"sigreturn",
	"socketcall",
	"socketpair",
	"splice",
	"stat",
	"stat64",
	"statfs",
	"statfs64",
	"statmount",
	"statx",
	"symlink",
	"symlinkat",
	"sync",
	"sync_file_range",
	"syncfs",
	"sysinfo",
	"tee",
	"tgkill",
	"time",
	"timer_create",
	"timer_delete",
	"timer_getoverrun",
	"timer_gettime",
	"timer_gettime64",
	"timer_settime",
	"timer_settime64",
	"timerfd_create",
	"timerfd_gettime",
	"timerfd_gettime64",
	"timerfd_settime",
	"timerfd_settime64",
	"times",
	"tkill",
	"truncate",
	"truncate64",
	"ugetrlimit",
	"umask",
	"uname",
	"unlink",
	"unlinkat",
	"uretprobe",
	"utime",
	"utimensat",
	"utimensat_time64",
	"utimes",
	"vfork",
	"vmsplice",
	"wait4",
	"waitid",
	"waitpid",
	"write",
	"writev",
	/* the profile's arch-conditional entries (see above) */
	"arch_prctl",
	"modify_ldt",
	"arm_fadvise64_64",
	"arm_sync_file_range",
	"breakpoint",
	"cacheflush",
	"set_tls",
	"sync_file_range2",
	"s390_pci_mmio_read",
	"s390_pci_mmio_write",
	"s390_runtime_instr",
	"swapcontext",
	"riscv_flush_icache",
};

/* Calls the profile allows only to a container holding a capability. */
struct cap_allowed_call {
	const char *name;
	int cap;
};

static const struct cap_allowed_call runtime_default_by_cap[] = {
	{ "open_by_handle_at", CAP_DAC_READ_SEARCH },
	{ "bpf", CAP_SYS_ADMIN },
	{ "clone", CAP_SYS_ADMIN }, /* any flags; else see add_argument_rules */
	{ "clone3", CAP_SYS_ADMIN },
	{ "fanotify_init", CAP_SYS_ADMIN },
	{ "fsconfig", CAP_SYS_ADMIN },
	{ "fsmount", CAP_SYS_ADMIN },
	{ "fsopen", CAP_SYS_ADMIN },
	{ "fspick", CAP_SYS_ADMIN },
	{ "lookup_dcookie", CAP_SYS_ADMIN },
	{ "lsm_get_self_attr", CAP_SYS_ADMIN },
	{ "lsm_list_modules", CAP_SYS_ADMIN },
	{ "lsm_set_self_attr", CAP_SYS_ADMIN },
	{ "mount", CAP_SYS_ADMIN },
	{ "mount_setattr", CAP_SYS_ADMIN },
	{ "move_mount", CAP_SYS_ADMIN },
	{ "open_tree", CAP_SYS_ADMIN },
	{ "perf_event_open", CAP_SYS_ADMIN },
	{ "quotactl", CAP_SYS_ADMIN },
	{ "quotactl_fd", CAP_SYS_ADMIN },
	{ "setdomainname", CAP_SYS_ADMIN },
	{ "sethostname", CAP_SYS_ADMIN },
	{ "setns", CAP_SYS_ADMIN },
	{ "syslog", CAP_SYS_ADMIN },
	{ "umount", CAP_SYS_ADMIN },
	{ "umount2", CAP_SYS_ADMIN },
	{ "unshare", CAP_SYS_ADMIN },
	{ "reboot", CAP_SYS_BOOT },
	{ "chroot", CAP_SYS_CHROOT },
	{ "delete_module", CAP_SYS_MODULE },
	{ "init_module", CAP_SYS_MODULE },
	{ "finit_module", CAP_SYS_MODULE },
	{ "acct", CAP_SYS_PACCT },
	{ "kcmp", CAP_SYS_PTRACE },
	{ "pidfd_getfd", CAP_SYS_PTRACE },
	{ "process_madvise", CAP_SYS_PTRACE },
	{ "process_vm_readv", CAP_SYS_PTRACE },
	{ "process_vm_writev", CAP_SYS_PTRACE },
	{ "ptrace", CAP_SYS_PTRACE },
	{ "iopl", CAP_SYS_RAWIO },
	{ "ioperm", CAP_SYS_RAWIO },
	{ "settimeofday", CAP_SYS_TIME },
	{ "stime", CAP_SYS_TIME },
	{ "clock_settime", CAP_SYS_TIME },
	{ "clock_settime64", CAP_SYS_TIME },
	{ "vhangup", CAP_SYS_TTY_CONFIG },
	{ "get_mempolicy", CAP_SYS_NICE },
	{ "mbind", CAP_SYS_NICE },
	{ "set_mempolicy", CAP_SYS_NICE },
	{ "set_mempolicy_home_node", CAP_SYS_NICE },
	{ "syslog", CAP_SYSLOG },
	{ "bpf", CAP_BPF },
	{ "perf_event_open", CAP_PERFMON },
};

/* Allowed to everyone from Linux 4.8 on, where a tracer can no longer step
 * around the tracee's seccomp filter (the profile's minKernel 4.8 rule);
 * the kernel's own ptrace access checks stay behind it. */
static const char *const runtime_default_since_4_8[] = {
	"process_vm_readv",
	"process_vm_writev",
	"ptrace",
};

/* Allowed for some arguments only (add_argument_rules); clone and clone3
 * only without CAP_SYS_ADMIN, which allows them whole. */
static const char *const runtime_default_by_argument[] = {
	"ioctl",
	"personality",
	"socket",
};

/* personality(2) values the profile allows: PER_LINUX, PER_LINUX32,
 * UNAME26, UNAME26|PER_LINUX32, and 0xffffffff (query only) */
static const scmp_datum_t allowed_personalities[] = {
	0x0, 0x8, 0x20000, 0x20008, 0xffffffff,
};

/* ioctl requests no session may make: typing into, or driving the console
 * behind, a terminal the session holds */
static const uint32_t denied_ioctls[] = { TIOCSTI, TIOCLINUX };

#define NS_CLONE_FLAGS                                                         \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |           \
	 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP)

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* kernel_traits() */
#define KERNEL_PTRACE_SAFE 0x1u /* Linux 4.8 or later */
#define KERNEL_RUNS_X32 0x2u

static bool kernel_at_least(const char *version)
{
	struct utsname u;
	unsigned int want_major = 0, want_minor = 0, major = 0, minor = 0;

	if (sscanf(version, "%u.%u", &want_major, &want_minor) < 1 ||
	    uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) < 2)
		return true;
	return major > want_major ||
	       (major == want_major && minor >= want_minor);
}

/*
 * What of the running kernel decides the runtime-default filter (and so
 * is part of its cache key): the profile's minKernel 4.8 rule, and whether
 * the kernel runs x32 code at all. The profile lists x32 beside x86_64,
 * which costs a third of the filter's length and of its load time; a
 * kernel built without x32 (or booted with it off) answers ENOSYS to every
 * x32 call, so there the filter leaves x32 out and libseccomp sends such a
 * call to the bad-architecture action (kill). The probe is only safe when
 * no filter is on us yet: one that leaves x32 out would kill podenter.
 */
static unsigned int kernel_traits(void)
{
	unsigned int traits = 0;

	if (kernel_at_least("4.8"))
		traits |= KERNEL_PTRACE_SAFE;
	if (seccomp_arch_native() == SCMP_ARCH_X86_64 &&
	    (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0 ||
	     pe_sys_x32_getpid() >= 0 || errno != ENOSYS))
		traits |= KERNEL_RUNS_X32;
	return traits;
}

static bool name_in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(name, list[i]) == 0)
			return true;
	}
	return false;
}

static bool allowed_by_cap(const char *name, pe_capset caps)
{
	for (size_t i = 0; i < N_ELEMS(runtime_default_by_cap); i++) {
		const struct cap_allowed_call *c = &runtime_default_by_cap[i];

		if ((caps & PE_CAP_BIT(c->cap)) && strcmp(name, c->name) == 0)
			return true;
	}
	return false;
}

enum pe_syscall_verdict pe_seccomp_runtime_default_verdict(const char *name,
							   pe_capset caps)
{
	bool admin = caps & PE_CAP_BIT(CAP_SYS_ADMIN);

	if (name_in(name, runtime_default_allowed,
		    N_ELEMS(runtime_default_allowed)) ||
	    allowed_by_cap(name, caps) ||
	    (name_in(name, runtime_default_since_4_8,
		     N_ELEMS(runtime_default_since_4_8)) &&
	     (kernel_traits() & KERNEL_PTRACE_SAFE)))
		return PE_SYSCALL_ALLOWED;
	if (name_in(name, runtime_default_by_argument,
		    N_ELEMS(runtime_default_by_argument)) ||
	    (!admin && strcmp(name, "clone") == 0))
		return PE_SYSCALL_SOME_ARGS;
	if (!admin && strcmp(name, "clone3") == 0)
		return PE_SYSCALL_ENOSYS;
	return PE_SYSCALL_DENIED;
}

static int seccomp_fail(struct pe_error *err, int rc, const char *what)
{
	return pe_error_set(err, PE_ERR_SYSTEM, -rc, "seccomp: %s", what);
}

/*
 * Attributes every filter of ours gets. no_new_privs is the profile's
 * decision, not libseccomp's. The rules are laid out as a binary tree of
 * system call numbers rather than a list: when a filter is loaded, the
 * kernel runs it once for every system call number to find those it
 * always allows (its action cache), and with ~400 rules a list made that
 * walk cost more than joining all the namespaces. The tree makes each of
 * those walks a few comparisons.
 */
static int set_filter_attrs(scmp_filter_ctx ctx)
{
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
	/* an optimisation: a libseccomp that refuses it builds the list */
	if (rc == 0)
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
	return rc;
}

/* The architectures the profile's archMap pairs with the native one: the
 * ones whose system calls this machine's binaries can make. Without them a
 * 32-bit call would fall to the "bad architecture" action (kill) rather
 * than to the rules. Returns how many it wrote to sub[] (at most 2). */
static size_t native_sub_arches(unsigned int traits, uint32_t sub[2])
{
	static const struct {
		uint32_t native;
		uint32_t sub[2];
	} arch_map[] = {
		{ SCMP_ARCH_X86_64, { SCMP_ARCH_X86, SCMP_ARCH_X32 } },
		{ SCMP_ARCH_AARCH64, { SCMP_ARCH_ARM, 0 } },
		{ SCMP_ARCH_S390X, { SCMP_ARCH_S390, 0 } },
	};
	uint32_t native = seccomp_arch_native();
	size_t n = 0;

	for (size_t i = 0; i < N_ELEMS(arch_map); i++) {
		if (arch_map[i].native != native)
			continue;
		for (size_t k = 0; k < N_ELEMS(arch_map[i].sub); k++) {
			uint32_t a = arch_map[i].sub[k];

			if (a && !(a == SCMP_ARCH_X32 &&
				   !(traits & KERNEL_RUNS_X32)))
				sub[n++] = a;
		}
	}
	return n;
}

static int add_native_arches(scmp_filter_ctx ctx, unsigned int traits)
{
	uint32_t sub[2];
	size_t n = native_sub_arches(traits, sub);

	for (size_t k = 0; k < n; k++) {
		int rc = seccomp_arch_add(ctx, sub[k]);

		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

static int allow_by_name(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return 0; /* unknown to this libseccomp: stays denied */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	return rc == -EEXIST ? 0 : rc;
}

/*
 * Allow the call when the low 32 bits of argument arg are none of except[]
 * (the kernel truncates an int or unsigned int argument to them, so
 * (1 << 32) | TIOCSTI is TIOCSTI). libseccomp lets an unconditional allow
 * win over any narrower rule of the same call, so the allowed values are
 * written as the prefixes of the binary tree of 32-bit values that hold no
 * excepted value: at most 32 rules per excepted value.
 */
static int allow_low32_except(scmp_filter_ctx ctx, int nr, unsigned int arg,
			      const uint32_t *except, size_t n, uint32_t prefix,
			      unsigned int depth)
{
	uint32_t mask = depth ? 0xffffffffu << (32 - depth) : 0;
	bool holds_excepted = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if ((except[i] & mask) == prefix)
			holds_excepted = true;
	}
	if (!holds_excepted)
		return seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, nr, 1,
		    SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, mask, prefix));
	if (depth == 32)
		return 0; /* an excepted value: left to the default */
	rc = allow_low32_except(ctx, nr, arg, except, n, prefix, depth + 1);
	if (rc == 0)
		rc = allow_low32_except(ctx, nr, arg, except, n,
					prefix | (1u << (31 - depth)),
					depth + 1);
	return rc;
}

/* The profile's rules that look at arguments. */
static int add_argument_rules(scmp_filter_ctx ctx, pe_capset caps,
			      bool with_ioctl)
{
	/* s390 passes clone's flags second */
	unsigned int clone_flags_arg =
	    seccomp_arch_native() == SCMP_ARCH_S390X ||
		    seccomp_arch_native() == SCMP_ARCH_S390
		? 1
		: 0;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < N_ELEMS(allowed_personalities); i++)
		rc = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
		    SCMP_A0(SCMP_CMP_EQ, allowed_personalities[i], 0));
	/*
	 * socket: every family but AF_ALG (38) and AF_VSOCK (40). The profile
	 * writes "< 38, == 39, > 40" on the whole 64-bit register, but the
	 * kernel reads the family as an int, so "> 40" would also pass
	 * (1 << 32) | AF_ALG. Above 40 only 41..63 are allowed here (the
	 * kernel knows families up to 45), with the upper half zero.
	 */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_LT, 38, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, 39, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_EQ, 41, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, ~1ull, 42));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, ~3ull, 44));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, ~15ull, 48));
	if (rc == 0 && !(caps & PE_CAP_BIT(CAP_SYS_ADMIN))) {
		/* threads and processes, but no new namespaces */
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_CMP(clone_flags_arg,
					       SCMP_CMP_MASKED_EQ,
					       NS_CLONE_FLAGS, 0));
		/* clone3 hides its flags in memory seccomp cannot read:
		 * ENOSYS, so libc falls back to clone */
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
					      SCMP_SYS(clone3), 0);
	}
	if (rc == 0 && with_ioctl)
		rc = allow_low32_except(ctx, SCMP_SYS(ioctl), 1, denied_ioctls,
					N_ELEMS(denied_ioctls), 0, 0);
	return rc;
}

int pe_seccomp_runtime_default(pe_capset caps, void **filter,
			       struct pe_error *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	unsigned int traits = kernel_traits();
	int rc;

	*filter = NULL;
	if (!ctx)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "seccomp: building the filter");
	rc = set_filter_attrs(ctx);
	if (rc == 0)
		rc = add_native_arches(ctx, traits);
	for (size_t i = 0; rc == 0 && i < N_ELEMS(runtime_default_allowed); i++)
		rc = allow_by_name(ctx, runtime_default_allowed[i]);
	for (size_t i = 0; rc == 0 && i < N_ELEMS(runtime_default_by_cap);
	     i++) {
		if (caps & PE_CAP_BIT(runtime_default_by_cap[i].cap))
			rc = allow_by_name(ctx, runtime_default_by_cap[i].name);
	}
	if (rc == 0 && (traits & KERNEL_PTRACE_SAFE)) {
		for (size_t i = 0;
		     rc == 0 && i < N_ELEMS(runtime_default_since_4_8); i++)
			rc = allow_by_name(ctx, runtime_default_since_4_8[i]);
	}
	if (rc == 0)
		rc = add_argument_rules(ctx, caps, true);
	if (rc < 0) {
		seccomp_release(ctx);
		return seccomp_fail(err, rc, "building runtime-default");
	}
	*filter = ctx;
	return 0;
}

/*
 * The unconditional allows of the same filter as ranges (bpftree.h): each
 * allowed name goes into its architectures' sets by number, and ioctl into
 * each set's checked numbers (allowed unless the low half of its request is
 * TIOCSTI or TIOCLINUX). What stays for libseccomp is small: the rules on
 * arguments, and the names an architecture only knows as a multiplexed
 * call (socketcall, ipc on i386), written for that architecture alone (one
 * libseccomp filter per architecture, merged). x32 calls carry the x86_64
 * audit architecture with bit 30 set in their number, so they share its
 * set and its filter.
 */
struct allowsets {
	struct pe_bpf_allowset set[3];
	uint32_t scmp_arch[3]; /* libseccomp's token for each of set[] */
	scmp_filter_ctx ctx[3]; /* the filter that decides the rest for it */
	size_t n;
};

static int set_append(uint32_t **nrs, size_t *n, uint32_t nr)
{
	uint32_t *bigger = realloc(*nrs, (*n + 1) * sizeof(*bigger));

	if (!bigger)
		return -ENOMEM;
	*nrs = bigger;
	(*nrs)[(*n)++] = nr;
	return 0;
}

/* (x86_64 is set[0]: x32 numbers go there) */
static struct pe_bpf_allowset *set_of(struct allowsets *a, size_t i)
{
	return a->scmp_arch[i] == SCMP_ARCH_X32 ? &a->set[0] : &a->set[i];
}

static int allowsets_add(struct allowsets *a, const char *name)
{
	bool ioctl = strcmp(name, "ioctl") == 0;

	for (size_t i = 0; i < a->n; i++) {
		int nr =
		    seccomp_syscall_resolve_name_arch(a->scmp_arch[i], name);
		struct pe_bpf_allowset *set = set_of(a, i);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		if (nr < 0) /* libseccomp takes the native number and writes
			       the multiplexed form for this architecture */
			rc = seccomp_rule_add(
			    a->ctx[i], SCMP_ACT_ALLOW,
			    seccomp_syscall_resolve_name(name), 0);
		else if (ioctl)
			rc = set_append(&set->checked_nrs, &set->n_checked,
					(uint32_t)nr);
		else
			rc = set_append(&set->nrs, &set->n, (uint32_t)nr);
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/* One libseccomp filter per architecture but x32 (with x86_64's). */
static int allowsets_init(struct allowsets *a, unsigned int traits)
{
	uint32_t sub[2];
	size_t n_sub = native_sub_arches(traits, sub);
	int rc = 0;

	a->scmp_arch[a->n++] = seccomp_arch_native();
	for (size_t k = 0; k < n_sub; k++)
		a->scmp_arch[a->n++] = sub[k];
	for (size_t i = 0; i < a->n && rc == 0; i++) {
		uint32_t arch = a->scmp_arch[i];

		a->set[i].audit_arch =
		    arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
		a->set[i].checked_arg = 1;
		a->set[i].denied_low32 = denied_ioctls;
		a->set[i].n_denied = N_ELEMS(denied_ioctls);
		if (arch == SCMP_ARCH_X32) {
			a->ctx[i] = a->ctx[0];
			rc = seccomp_arch_add(a->ctx[0], arch);
			continue;
		}
		a->ctx[i] = seccomp_init(SCMP_ACT_ERRNO(EPERM));
		if (!a->ctx[i])
			return -ENOMEM;
		rc = set_filter_attrs(a->ctx[i]);
		if (rc == 0 && i > 0) {
			rc = seccomp_arch_remove(a->ctx[i], SCMP_ARCH_NATIVE);
			if (rc == 0)
				rc = seccomp_arch_add(a->ctx[i], arch);
		}
	}
	return rc;
}

static void allowsets_release(struct allowsets *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->set[i].nrs);
		free(a->set[i].checked_nrs);
		if (a->ctx[i] && (i == 0 || a->ctx[i] != a->ctx[0]))
			seccomp_release(a->ctx[i]);
	}
}

int pe_seccomp_runtime_default_bpf(pe_capset caps, struct pe_bpf *out,
				   struct pe_error *err)
{
	unsigned int traits = kernel_traits();
	struct allowsets a = { .n = 0 };
	struct pe_bpf rest = { 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = allowsets_init(&a, traits);
	for (size_t i = 0; rc == 0 && i < N_ELEMS(runtime_default_allowed); i++)
		rc = allowsets_add(&a, runtime_default_allowed[i]);
	for (size_t i = 0; rc == 0 && i < N_ELEMS(runtime_default_by_cap);
	     i++) {
		if (caps & PE_CAP_BIT(runtime_default_by_cap[i].cap))
			rc = allowsets_add(&a, runtime_default_by_cap[i].name);
	}
	if (rc == 0 && (traits & KERNEL_PTRACE_SAFE)) {
		for (size_t i = 0;
		     rc == 0 && i < N_ELEMS(runtime_default_since_4_8); i++)
			rc = allowsets_add(&a, runtime_default_since_4_8[i]);
	}
	/* ioctl: in the sets, checked (the other argument rules stay with
	 * libseccomp) */
	if (rc == 0)
		rc = allowsets_add(&a, "ioctl");
	/* the argument rules in each filter, then one filter of them all
	 * (seccomp_merge takes the second one over) */
	for (size_t i = 0; rc == 0 && i < a.n; i++)
		if (i == 0 || a.ctx[i] != a.ctx[0])
			rc = add_argument_rules(a.ctx[i], caps, false);
	for (size_t i = 1; rc == 0 && i < a.n; i++) {
		if (a.ctx[i] == a.ctx[0])
			continue;
		rc = seccomp_merge(a.ctx[0], a.ctx[i]);
		if (rc == 0)
			a.ctx[i] = a.ctx[0];
	}
	if (rc < 0) {
		seccomp_fail(err, rc, "building runtime-default");
	} else if (pe_bpf_export(a.ctx[0], &rest, err) == 0) {
		/* (x32 shares set[0]: its own set stays empty) */
		rc = pe_bpf_allowset_prepend(a.set, a.n, &rest, out);
		if (rc < 0)
			pe_error_errno(err, "seccomp: laying out the filter");
	} else {
		rc = -1;
	}
	pe_bpf_free(&rest);
	allowsets_release(&a);
	return rc < 0 ? -1 : 0;
}

void pe_seccomp_filter_free(void *filter)
{
	if (filter)
		seccomp_release((scmp_filter_ctx)filter);
}

/* --- OCI and Docker JSON profiles ---------------------------------------- */

struct json_profile {
	const char *origin;
	pe_capset caps;
	struct pe_error *err;
};

static int parse_fail(struct json_profile *jp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int parse_fail(struct json_profile *jp, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return pe_error_set(jp->err, PE_ERR_PARSE, EINVAL, "%s: %s", jp->origin,
			    what);
}

static int action_from_name(struct json_profile *jp, const char *name,
			    struct json_object *errno_ret, uint32_t *out)
{
	int eno = EPERM;

	if (errno_ret) {
		if (!json_object_is_type(errno_ret, json_type_int))
			return parse_fail(jp, "errnoRet must be a number");
		eno = json_object_get_int(errno_ret);
		if (eno < 0 || eno > 4095)
			return parse_fail(jp, "errnoRet out of range");
	}
	if (!name)
		return parse_fail(jp, "an action is missing");
	if (strcmp(name, "SCMP_ACT_ALLOW") == 0)
		*out = SCMP_ACT_ALLOW;
	else if (strcmp(name, "SCMP_ACT_ERRNO") == 0)
		*out = SCMP_ACT_ERRNO((uint16_t)eno);
	else if (strcmp(name, "SCMP_ACT_KILL") == 0 ||
		 strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		*out = SCMP_ACT_KILL;
	else if (strcmp(name, "SCMP_ACT_KILL_PROCESS") == 0)
		*out = SCMP_ACT_KILL_PROCESS;
	else if (strcmp(name, "SCMP_ACT_TRAP") == 0)
		*out = SCMP_ACT_TRAP;
	else if (strcmp(name, "SCMP_ACT_LOG") == 0)
		*out = SCMP_ACT_LOG;
	else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
		*out = SCMP_ACT_TRACE((uint16_t)eno);
	else
		return parse_fail(jp, "unsupported action %s", name);
	return 0;
}

static int op_from_name(const char *name, enum scmp_compare *out)
{
	static const struct {
		const char *name;
		enum scmp_compare op;
	} ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE },
		{ "SCMP_CMP_LT", SCMP_CMP_LT },
		{ "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
		{ "SCMP_CMP_GE", SCMP_CMP_GE },
		{ "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};

	for (size_t i = 0; name && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(name, ops[i].name) == 0) {
			*out = ops[i].op;
			return 0;
		}
	}
	return -1;
}

/* Docker's "amd64" style and libseccomp's "x86_64" style both name the
 * native architecture. */
static bool arch_is_native(const char *name)
{
	static const struct {
		const char *go;
		const char *scmp;
	} names[] = {
		{ "amd64", "x86_64" },	  { "386", "x86" },
		{ "arm64", "aarch64" },	  { "arm", "arm" },
		{ "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		{ "riscv64", "riscv64" },
	};
	const char *s = name;
	uint32_t arch;

	if (strncmp(s, "SCMP_ARCH_", 10) == 0)
		s += 10;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i].go) == 0) {
			s = names[i].scmp;
			break;
		}
	}
	{
		char lower[32];
		size_t n = 0;

		for (; n < sizeof(lower) - 1 && s[n]; n++)
			lower[n] = (char)tolower((unsigned char)s[n]);
		lower[n] = '\0';
		arch = seccomp_arch_resolve_name(lower);
	}
	return arch && arch == seccomp_arch_native();
}

static uint32_t arch_from_name(const char *name)
{
	char lower[32];
	const char *s = name;
	size_t n = 0;

	if (strncmp(s, "SCMP_ARCH_", 10) == 0)
		s += 10;
	for (; n < sizeof(lower) - 1 && s[n]; n++)
		lower[n] = (char)tolower((unsigned char)s[n]);
	lower[n] = '\0';
	return seccomp_arch_resolve_name(lower);
}

/* Docker's includes/excludes: caps all held, arch listed, kernel new
 * enough. Returns 1 when the rule applies, 0 when not, -1 on bad JSON. */
static int rule_applies(struct json_profile *jp, struct json_object *rule)
{
	struct json_object *inc = NULL, *exc = NULL, *list;
	pe_capset c;
	struct pe_error scratch;

	if (json_object_object_get_ex(rule, "includes", &inc) && inc) {
		if (json_object_object_get_ex(inc, "caps", &list) &&
		    json_object_is_type(list, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(list);
			     i++) {
				const char *n = json_object_get_string(
				    json_object_array_get_idx(list, i));

				if (!n || pe_cap_parse(n, &c, &scratch) < 0 ||
				    (jp->caps & c) != c)
					return 0;
			}
		}
		if (json_object_object_get_ex(inc, "arches", &list) &&
		    json_object_is_type(list, json_type_array) &&
		    json_object_array_length(list) > 0) {
			bool found = false;

			for (size_t i = 0; i < json_object_array_length(list);
			     i++) {
				const char *n = json_object_get_string(
				    json_object_array_get_idx(list, i));

				if (n && arch_is_native(n))
					found = true;
			}
			if (!found)
				return 0;
		}
		if (json_object_object_get_ex(inc, "minKernel", &list) &&
		    json_object_is_type(list, json_type_string) &&
		    !kernel_at_least(json_object_get_string(list)))
			return 0;
	}
	if (json_object_object_get_ex(rule, "excludes", &exc) && exc) {
		if (json_object_object_get_ex(exc, "caps", &list) &&
		    json_object_is_type(list, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(list);
			     i++) {
				const char *n = json_object_get_string(
				    json_object_array_get_idx(list, i));

				if (n && pe_cap_parse(n, &c, &scratch) == 0 &&
				    (jp->caps & c))
					return 0;
			}
		}
		if (json_object_object_get_ex(exc, "arches", &list) &&
		    json_object_is_type(list, json_type_array)) {
			for (size_t i = 0; i < json_object_array_length(list);
			     i++) {
				const char *n = json_object_get_string(
				    json_object_array_get_idx(list, i));

				if (n && arch_is_native(n))
					return 0;
			}
		}
	}
	return 1;
}

#define MAX_ARGS 6

static int parse_args(struct json_profile *jp, struct json_object *args,
		      struct scmp_arg_cmp *cmp, unsigned int *n,
		      bool *same_index)
{
	unsigned int seen = 0;

	*n = 0;
	*same_index = false;
	if (!args)
		return 0;
	if (!json_object_is_type(args, json_type_array))
		return parse_fail(jp, "\"args\" must be a list");
	if (json_object_array_length(args) > MAX_ARGS)
		return parse_fail(jp, "too many \"args\" in one rule");
	for (size_t i = 0; i < json_object_array_length(args); i++) {
		struct json_object *a = json_object_array_get_idx(args, i);
		struct json_object *idx, *val, *val2 = NULL, *op;
		enum scmp_compare cop;
		int64_t index;

		if (!json_object_is_type(a, json_type_object) ||
		    !json_object_object_get_ex(a, "index", &idx) ||
		    !json_object_is_type(idx, json_type_int) ||
		    !json_object_object_get_ex(a, "value", &val) ||
		    !json_object_is_type(val, json_type_int) ||
		    !json_object_object_get_ex(a, "op", &op))
			return parse_fail(jp, "an argument needs index, value "
					      "and op");
		index = json_object_get_int64(idx);
		if (index < 0 || index >= MAX_ARGS)
			return parse_fail(jp, "argument index out of range");
		if (op_from_name(json_object_get_string(op), &cop) < 0)
			return parse_fail(jp, "unknown comparison %s",
					  json_object_get_string(op)
					      ? json_object_get_string(op)
					      : "null");
		json_object_object_get_ex(a, "valueTwo", &val2);
		if (val2 && !json_object_is_type(val2, json_type_int))
			return parse_fail(jp, "valueTwo must be a number");
		if (seen & (1u << index))
			*same_index = true;
		seen |= 1u << index;
		cmp[*n].arg = (unsigned int)index;
		cmp[*n].op = cop;
		/* json-c keeps numbers above INT64_MAX as uint64 */
		cmp[*n].datum_a = (scmp_datum_t)json_object_get_uint64(val);
		cmp[*n].datum_b =
		    val2 ? (scmp_datum_t)json_object_get_uint64(val2) : 0;
		/* for SCMP_CMP_MASKED_EQ both OCI and libseccomp take the
		 * mask first (value) and the datum second (valueTwo) */
		(*n)++;
	}
	return 0;
}

static int add_rule_names(struct json_profile *jp, scmp_filter_ctx ctx,
			  uint32_t default_action, struct json_object *rule)
{
	struct json_object *names = NULL, *name = NULL, *action = NULL,
			   *errno_ret = NULL, *args = NULL;
	struct scmp_arg_cmp cmp[MAX_ARGS];
	unsigned int ncmp;
	bool same_index;
	uint32_t act;
	size_t count;
	int applies;

	if (!json_object_is_type(rule, json_type_object))
		return parse_fail(jp, "a \"syscalls\" entry is not an object");
	applies = rule_applies(jp, rule);
	if (applies <= 0)
		return applies;
	json_object_object_get_ex(rule, "action", &action);
	json_object_object_get_ex(rule, "errnoRet", &errno_ret);
	if (action_from_name(jp, json_object_get_string(action), errno_ret,
			     &act) < 0)
		return -1;
	json_object_object_get_ex(rule, "args", &args);
	if (parse_args(jp, args, cmp, &ncmp, &same_index) < 0)
		return -1;
	if (act == default_action)
		return 0; /* libseccomp refuses rules that change nothing */
	if (!json_object_object_get_ex(rule, "names", &names))
		json_object_object_get_ex(rule, "name", &name); /* old Docker */
	if (names && !json_object_is_type(names, json_type_array))
		return parse_fail(jp, "\"names\" must be a list");
	if (!names && !(name && json_object_is_type(name, json_type_string)))
		return parse_fail(jp, "a rule has no \"names\"");
	count = names ? json_object_array_length(names) : 1;
	for (size_t i = 0; i < count; i++) {
		struct json_object *n =
		    names ? json_object_array_get_idx(names, i) : name;
		const char *sname = json_object_get_string(n);
		int nr, rc = 0;

		if (!n || !json_object_is_type(n, json_type_string))
			return parse_fail(jp, "a syscall name is not a string");
		nr = seccomp_syscall_resolve_name(sname);
		if (nr == __NR_SCMP_ERROR)
			continue; /* a call of another architecture or kernel */
		if (same_index) {
			/* two conditions on one argument: runc and Docker
			 * add one rule for each (any of them matches) */
			for (unsigned int k = 0; rc == 0 && k < ncmp; k++)
				rc = seccomp_rule_add_array(ctx, act, nr, 1,
							    &cmp[k]);
		} else {
			rc = seccomp_rule_add_array(ctx, act, nr, ncmp, cmp);
		}
		if (rc == -EEXIST)
			rc = 0;
		if (rc < 0) {
			pe_error_set(jp->err, PE_ERR_PARSE, -rc,
				     "%s: the rule for %s cannot be expressed",
				     jp->origin, sname);
			return -1;
		}
	}
	return 0;
}

static int add_arches(struct json_profile *jp, scmp_filter_ctx ctx,
		      struct json_object *root)
{
	struct json_object *list = NULL, *map = NULL;

	if (json_object_object_get_ex(root, "architectures", &list) && list) {
		if (!json_object_is_type(list, json_type_array))
			return parse_fail(jp,
					  "\"architectures\" must be a list");
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			const char *n = json_object_get_string(
			    json_object_array_get_idx(list, i));
			uint32_t arch = n ? arch_from_name(n) : 0;
			int rc;

			if (!arch)
				return parse_fail(jp, "unknown architecture %s",
						  n);
			rc = seccomp_arch_add(ctx, arch);
			if (rc < 0 && rc != -EEXIST)
				return parse_fail(
				    jp, "cannot add architecture %s", n);
		}
		return 0;
	}
	if (json_object_object_get_ex(root, "archMap", &map) && map) {
		if (!json_object_is_type(map, json_type_array))
			return parse_fail(jp, "\"archMap\" must be a list");
		for (size_t i = 0; i < json_object_array_length(map); i++) {
			struct json_object *e =
			    json_object_array_get_idx(map, i);
			struct json_object *a = NULL, *subs = NULL;
			const char *n;

			if (!json_object_object_get_ex(e, "architecture", &a))
				continue;
			n = json_object_get_string(a);
			if (!n || !arch_is_native(n))
				continue;
			if (!json_object_object_get_ex(e, "subArchitectures",
						       &subs) ||
			    !json_object_is_type(subs, json_type_array))
				continue;
			for (size_t k = 0; k < json_object_array_length(subs);
			     k++) {
				const char *sn = json_object_get_string(
				    json_object_array_get_idx(subs, k));
				uint32_t arch = sn ? arch_from_name(sn) : 0;
				int rc;

				if (!arch)
					continue;
				rc = seccomp_arch_add(ctx, arch);
				if (rc < 0 && rc != -EEXIST)
					return parse_fail(
					    jp, "cannot add architecture %s",
					    sn);
			}
		}
	}
	return 0;
}

int pe_seccomp_from_json(const char *buf, const char *origin, pe_capset caps,
			 void **filter, struct pe_error *err)
{
	struct json_profile jp = { origin ? origin : "seccomp profile", caps,
				   err };
	struct json_object *root, *def = NULL, *def_errno = NULL, *calls = NULL,
				  *listener = NULL;
	struct json_tokener *tok;
	scmp_filter_ctx ctx = NULL;
	uint32_t default_action;
	int rc;

	*filter = NULL;
	tok = json_tokener_new();
	if (!tok)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "%s",
				    jp.origin);
	root = json_tokener_parse_ex(tok, buf, (int)strnlen(buf, INT32_MAX));
	if (!root || json_tokener_get_parse_end(tok) < strlen(buf)) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		pe_error_set(err, PE_ERR_PARSE, EINVAL,
			     "%s: not valid JSON (%s at byte %zu)", jp.origin,
			     root ? "trailing data"
				  : json_tokener_error_desc(jerr),
			     json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		json_object_put(root);
		return -1;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		parse_fail(&jp, "the profile is not a JSON object");
		goto fail;
	}
	if (json_object_object_get_ex(root, "listenerPath", &listener) &&
	    listener && *json_object_get_string(listener)) {
		parse_fail(&jp, "seccomp notify (listenerPath) is not "
				"supported");
		goto fail;
	}
	json_object_object_get_ex(root, "defaultAction", &def);
	json_object_object_get_ex(root, "defaultErrnoRet", &def_errno);
	if (!def || !json_object_is_type(def, json_type_string)) {
		parse_fail(&jp, "\"defaultAction\" is missing");
		goto fail;
	}
	if (action_from_name(&jp, json_object_get_string(def), def_errno,
			     &default_action) < 0)
		goto fail;
	ctx = seccomp_init(default_action);
	if (!ctx) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "%s", jp.origin);
		goto fail;
	}
	rc = set_filter_attrs(ctx);
	if (rc < 0) {
		seccomp_fail(err, rc, "setting filter attributes");
		goto fail;
	}
	if (add_arches(&jp, ctx, root) < 0)
		goto fail;
	if (json_object_object_get_ex(root, "syscalls", &calls) && calls) {
		if (!json_object_is_type(calls, json_type_array)) {
			parse_fail(&jp, "\"syscalls\" must be a list");
			goto fail;
		}
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			if (add_rule_names(
				&jp, ctx, default_action,
				json_object_array_get_idx(calls, i)) < 0)
				goto fail;
		}
	}
	json_object_put(root);
	*filter = ctx;
	return 0;
fail:
	if (ctx)
		seccomp_release(ctx);
	json_object_put(root);
	return -1;
}

/* The operator's own file on the node (symlinks allowed), size-capped. */
static int read_profile_file(const char *path, char **out, struct pe_error *err)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		pe_error_errno(err, "opening seccomp profile %s", path);
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			char *bigger;

			if (cap >= SECCOMP_PROFILE_MAX) {
				pe_error_set(err, PE_ERR_PARSE, EFBIG,
					     "seccomp profile %s is larger "
					     "than %u bytes",
					     path, SECCOMP_PROFILE_MAX);
				goto fail;
			}
			cap *= 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger) {
				pe_error_errno(err, "reading %s", path);
				goto fail;
			}
			buf = bigger;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pe_error_errno(err, "reading seccomp profile %s", path);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: not a JSON text (NUL byte)", path);
	}
	*out = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return -1;
}

/*
 * The filter as BPF, from the cache when an earlier session compiled the
 * same one (bpfcache.c: about a millisecond saved per session), else built
 * with libseccomp, exported and cached. Where export fails the libseccomp
 * filter itself is kept and loaded as before.
 */
static int prepare_cached(struct pe_sandbox *sb, const char *what,
			  const char *json, const char *name,
			  struct pe_error *err)
{
	struct pe_bpf prog;
	char key[65];
	int rc;

	pe_bpf_cache_key(what, key);
	if (pe_bpf_cache_get(key, &prog)) {
		sb->bpf = prog.insns;
		sb->bpf_len = prog.len;
		return 0;
	}
	/* runtime-default as ranges (bpftree.h); the plain libseccomp
	 * filter where that cannot be built */
	if (!json &&
	    pe_seccomp_runtime_default_bpf(sb->caps, &prog, NULL) == 0) {
		pe_bpf_cache_put(key, &prog);
		sb->bpf = prog.insns;
		sb->bpf_len = prog.len;
		return 0;
	}
	rc = json ? pe_seccomp_from_json(json, name, sb->caps, &sb->filter, err)
		  : pe_seccomp_runtime_default(sb->caps, &sb->filter, err);
	if (rc < 0)
		return -1;
	if (pe_bpf_export(sb->filter, &prog, NULL) < 0)
		return 0;
	pe_bpf_cache_put(key, &prog);
	pe_seccomp_filter_free(sb->filter);
	sb->filter = NULL;
	sb->bpf = prog.insns;
	sb->bpf_len = prog.len;
	return 0;
}

int pe_sandbox_prepare(struct pe_sandbox *sb, struct pe_error *err)
{
	unsigned char digest[32];
	char what[160], hex[65];
	struct pe_sha256 s;
	char *buf = NULL;
	int rc;

	pe_sandbox_release(sb);
	switch (sb->seccomp) {
	case PE_SECCOMP_UNCONFINED:
		return 0;
	case PE_SECCOMP_FILE:
		if (read_profile_file(sb->seccomp_file, &buf, err) < 0)
			return -1;
		/* the file's bytes decide the filter, not its name */
		pe_sha256_init(&s);
		pe_sha256_update(&s, buf, strlen(buf));
		pe_sha256_final(&s, digest);
		pe_sha256_hex(digest, hex);
		snprintf(what, sizeof(what), "file %s caps %llx", hex,
			 (unsigned long long)sb->caps);
		rc = prepare_cached(sb, what, buf, sb->seccomp_file, err);
		free(buf);
		return rc;
	case PE_SECCOMP_PROFILE_DEFAULT:
	case PE_SECCOMP_RUNTIME_DEFAULT:
	default:
		/* the table itself is in the binary, which the key covers */
		snprintf(what, sizeof(what),
			 "runtime-default caps %llx kernel %x",
			 (unsigned long long)sb->caps, kernel_traits());
		return prepare_cached(sb, what, NULL, NULL, err);
	}
}

void pe_sandbox_release(struct pe_sandbox *sb)
{
	struct pe_bpf prog = { sb->bpf, sb->bpf_len };

	pe_seccomp_filter_free(sb->filter);
	sb->filter = NULL;
	pe_bpf_free(&prog);
	sb->bpf = NULL;
	sb->bpf_len = 0;
}

/* --- the child's steps -----------------------------------------------------
 */

/* A procfs we may write security attributes through: really procfs, and
 * its root (so not a bind mount of some directory inside a fake one). */
static int verify_procfs(int procfd, struct pe_error *err)
{
	struct statfs sfs;
	struct stat st;

	if (fstatfs(procfd, &sfs) < 0)
		return pe_error_errno(err, "checking procfs");
	if (sfs.f_type != PROC_SUPER_MAGIC)
		return pe_error_set(err, PE_ERR_SYSTEM, EPERM,
				    "refusing to write an LSM label through "
				    "something that is not procfs");
	if (fstat(procfd, &st) < 0)
		return pe_error_errno(err, "checking procfs");
	if (st.st_ino != 1)
		return pe_error_set(err, PE_ERR_SYSTEM, EPERM,
				    "refusing to write an LSM label: the "
				    "procfs handle is not its root");
	return 0;
}

int pe_sandbox_read_label(int target_procfd, char *attr, size_t size,
			  struct pe_error *err)
{
	char cur[4096];
	ssize_t n;
	int fd, len;

	attr[0] = '\0';
	fd = openat(target_procfd, "attr/current", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pe_error_errno(err, "reading the target's LSM label");
	n = read(fd, cur, sizeof(cur) - 1);
	close(fd);
	if (n < 0 && errno == EINVAL)
		return 0; /* no LSM keeps a label here */
	if (n < 0)
		return pe_error_errno(err, "reading the target's LSM label");
	cur[n] = '\0';
	while (n > 0 && (cur[n - 1] == '\n' || cur[n - 1] == '\0'))
		cur[--n] = '\0';
	if (n == 0 || strcmp(cur, "unconfined") == 0 ||
	    strcmp(cur, "kernel") == 0)
		return 0;
	/* AppArmor prints "profile (mode)"; it takes "exec profile" */
	if (strstr(cur, " (") && cur[n - 1] == ')') {
		*strstr(cur, " (") = '\0';
		len = snprintf(attr, size, "exec %s", cur);
	} else {
		len = snprintf(attr, size, "%s", cur);
	}
	if (len < 0 || (size_t)len >= size) {
		attr[0] = '\0';
		return pe_error_set(err, PE_ERR_SYSTEM, E2BIG,
				    "the target's LSM label is too long");
	}
	return 0;
}

int pe_sandbox_write_exec_label(int procfd, const char *attr,
				struct pe_error *err)
{
	size_t len = strlen(attr);
	int fd;

	if (len == 0)
		return 0;
	if (verify_procfs(procfd, err) < 0)
		return -1;
	fd = openat(procfd, "thread-self/attr/exec",
		    O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pe_error_errno(err, "opening attr/exec");
	if (write(fd, attr, len) != (ssize_t)len) {
		pe_error_errno(err, "setting the LSM label '%s'", attr);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int pe_sandbox_set_exec_label(int target_procfd, int host_procfd, char *label,
			      size_t size, struct pe_error *err)
{
	char attr[4096];

	if (label && size)
		label[0] = '\0';
	if (verify_procfs(host_procfd, err) < 0 ||
	    pe_sandbox_read_label(target_procfd, attr, sizeof(attr), err) < 0 ||
	    pe_sandbox_write_exec_label(host_procfd, attr, err) < 0)
		return -1;
	if (label && size)
		snprintf(label, size, "%s",
			 strncmp(attr, "exec ", 5) == 0 ? attr + 5 : attr);
	return 0;
}

pe_capset pe_sandbox_read_bounding(void)
{
	int n = kernel_cap_count();
	pe_capset set = 0;

	for (int c = 0; c < n; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			set |= PE_CAP_BIT(c);
	return set;
}

int pe_sandbox_drop_bounding(const struct pe_sandbox *sb, pe_capset *bounding,
			     struct pe_error *err)
{
	int n = kernel_cap_count();

	/* a drop copies and replaces the credentials (the old ones freed
	 * after an RCU grace period) even for a capability already gone:
	 * the stage drops most of them before the reaper and the command
	 * do, so only the ones still there are dropped; which those are,
	 * the caller knows (a session asked the kernel about each
	 * capability three times: 130 system calls on its way in) */
	for (int c = 0; c < n; c++) {
		if ((sb->caps & PE_CAP_BIT(c)) || !(*bounding & PE_CAP_BIT(c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return pe_error_errno(err,
					      "dropping capability %d from "
					      "the bounding set",
					      c);
		*bounding &= ~PE_CAP_BIT(c);
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return pe_error_errno(err,
				      "keeping capabilities across setuid");
	return 0;
}

int pe_sandbox_set_caps(const struct pe_sandbox *sb, pe_capset bounding,
			struct pe_error *err)
{
	cap_value_t list[64];
	int n = 0, namb = 0, known = kernel_cap_count();
	pe_capset ambient = getuid() != 0 ? (sb->ambient & sb->caps) : 0;
	cap_t caps = cap_init();

	if (!caps)
		return pe_error_errno(err, "allocating capabilities");
	/* what the bounding set still holds: podenter's own may lack some */
	for (int c = 0; c < known; c++) {
		if (sb->caps & bounding & PE_CAP_BIT(c))
			list[n++] = c;
	}
	if ((n && (cap_set_flag(caps, CAP_PERMITTED, n, list, CAP_SET) < 0 ||
		   cap_set_flag(caps, CAP_EFFECTIVE, n, list, CAP_SET) < 0))) {
		cap_free(caps);
		return pe_error_errno(err, "building the capability sets");
	}
	for (int c = 0; c < 64; c++) {
		if (ambient & PE_CAP_BIT(c))
			list[namb++] = c;
	}
	/* an ambient capability must also be inheritable; nothing else is */
	if (namb &&
	    cap_set_flag(caps, CAP_INHERITABLE, namb, list, CAP_SET) < 0) {
		cap_free(caps);
		return pe_error_errno(err, "building the capability sets");
	}
	if (cap_set_proc(caps) < 0) {
		cap_free(caps);
		return pe_error_errno(err, "setting capabilities");
	}
	cap_free(caps);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return pe_error_errno(err, "clearing ambient capabilities");
	for (int i = 0; i < namb; i++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, list[i], 0, 0) <
		    0)
			return pe_error_errno(
			    err, "raising ambient capability %d", list[i]);
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return pe_error_errno(err, "resetting keep-caps");
	return 0;
}

int pe_sandbox_set_no_new_privs(const struct pe_sandbox *sb,
				struct pe_error *err)
{
	if (sb->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return pe_error_errno(err, "setting no_new_privs");
	return 0;
}

int pe_sandbox_load_seccomp(const struct pe_sandbox *sb, struct pe_error *err)
{
	int rc;

	if (sb->seccomp == PE_SECCOMP_UNCONFINED)
		return 0;
	if (sb->bpf) {
		struct pe_bpf prog = { sb->bpf, sb->bpf_len };

		return pe_bpf_load(&prog, err);
	}
	if (!sb->filter)
		return 0;
	rc = seccomp_load((scmp_filter_ctx)sb->filter);
	if (rc < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, -rc,
			     "loading the seccomp filter");
		if (rc == -EACCES)
			pe_error_hint(err, "without no_new_privs the filter "
					   "needs CAP_SYS_ADMIN");
		return -1;
	}
	return 0;
}
