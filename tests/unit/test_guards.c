/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hardening lines that mutation testing found undefended (issue 13): each
 * test here fails when its line is removed or weakened. The ones that
 * mount or join namespaces need root and run in children with their own
 * mount namespaces, so nothing outlives them.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "podenter/cgroupjoin.h"
#include "podenter/nsjoin.h"
#include "podenter/resolve.h"
#include "runtime/sources.h"
#include "syscalls.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

#define UID_A "0d4702bb-1111-4222-8333-444455556666"
#define UID_B "0d4702bb-9999-4222-8333-444455556666"
#define CTR_ID                                                                 \
	"5387f7a039eaa0c42be4e04d9910a917ae8a24353cf6415a69de0868806ead8a"

static char scratch[64];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX], cmd[PATH_MAX + 64];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_at(const char *target, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int open_scratch(const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/test_guards.XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* Run fn in a child; its exit status is the result (0 = held). */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		alarm(20);
		_exit(fn());
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --- /proc/PID/stat: comm may hold ") " and digits ----------------------- */
static void stat_is_split_at_the_last_paren(void **state)
{
	char stat[512], state_char = '?';
	unsigned long long start;
	int fd;

	(void)state;
	/* split at the first ')', the comm's fake fields say: zombie,
	 * started at 777 */
	snprintf(stat, sizeof(stat),
		 "4242 (x) Z 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 777 y) S "
		 "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 123456 0 0\n");
	put("stat/4242/stat", stat);
	fd = open_scratch("stat");
	assert_true(fd >= 0);
	start = pe_proc_stat_at(fd, "4242", &state_char);
	close(fd);
	assert_int_equal(start, 123456);
	assert_int_equal(state_char, 'S');
}

/* --- resolution: a PID whose cgroup names the container but another pod - */
static void verify_checks_the_pod_uid(void **state)
{
	struct pe_container c = { 0 };
	int fd;

	(void)state;
	put("uid/4243/cgroup",
	    "0::/kubepods/besteffort/pod" UID_B "/" CTR_ID "\n");
	put("uid/4243/stat", "4243 (app) S 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 "
			     "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 5000 0\n");
	fd = open_scratch("uid/4243");
	assert_true(fd >= 0);
	c.pid = 4243;
	c.container_id = (char *)CTR_ID;
	c.pod_uid = (char *)UID_B;
	pe_verify_pid_at(fd, &c);
	assert_int_equal(c.pid_state, PE_PID_VERIFIED);
	free(c.cgroup);
	c.cgroup = NULL;
	/* the same container id under another pod's UID: a reused PID */
	c.pod_uid = (char *)UID_A;
	pe_verify_pid_at(fd, &c);
	assert_int_equal(c.pid_state, PE_PID_STALE);
	free(c.cgroup);
	close(fd);
}

/* --- --join-cgroup: the path from /proc/PID/cgroup stays put ------------- */

/* pe_cgroup_join_prepare also opens podenter's own cgroup in each
 * hierarchy it joins (to step back out once the session is born): make
 * this process's v2 path exist in the fake hierarchy under `hier`. */
static void put_own_v2_cgroup(const char *hier)
{
	char line[4096], rel[PATH_MAX + 64];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool found = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(rel, sizeof(rel), "%s%s%scgroup.procs", hier, line + 3,
			 line[strlen(line) - 1] == '/' ? "" : "/");
		put(rel, "");
		found = true;
	}
	fclose(f);
	assert_true(found);
}
static void cgroup_path_follows_no_link(void **state)
{
	char mountinfo[PATH_MAX + 128], hier[PATH_MAX];
	struct pe_cgroup_join cj;
	struct pe_error err;
	int target;

	(void)state;
	snprintf(hier, sizeof(hier), "%s/hier", scratch);
	put("hier/pod/ctr/cgroup.procs", "");
	put("hier/system/cgroup.procs", "");
	put_own_v2_cgroup("hier");
	/* cgroupfs has no symlinks; one in the path was planted */
	link_at("../system", "hier/pod/evil");
	snprintf(mountinfo, sizeof(mountinfo),
		 "30 1 0:26 / %s rw,nosuid - cgroup2 cgroup2 rw\n", hier);
	put("target/cgroup", "0::/pod/ctr\n");
	target = open_scratch("target");
	assert_int_equal(pe_cgroup_join_prepare(target, mountinfo,
						PE_CGROUP_CONTAINER, NULL, &cj,
						&err),
			 0);
	assert_int_equal(cj.n, 1);
	pe_cgroup_join_release(&cj);
	put("target/cgroup", "0::/pod/evil\n");
	assert_int_equal(pe_cgroup_join_prepare(target, mountinfo,
						PE_CGROUP_CONTAINER, NULL, &cj,
						&err),
			 -1);
	assert_int_equal(err.errnum, ELOOP);
	put("target/cgroup", "0::/pod/../../outside\n");
	put("outside/cgroup.procs", "");
	assert_int_equal(pe_cgroup_join_prepare(target, mountinfo,
						PE_CGROUP_CONTAINER, NULL, &cj,
						&err),
			 -1);
	close(target);
}

/* --- the /proc fallback join checks liveness before setns ---------------- */
static struct pe_pin live_pin;

static int join_with_dead_pidfd(void)
{
	struct pe_error err;
	char host[64] = "";
	int r;

	setenv("PODENTER_TEST_NO_PIDFD_SETNS", "1", 1);
	r = pe_ns_join(&live_pin, PE_NS_BIT(PE_NS_UTS), NULL, &err);
	gethostname(host, sizeof(host));
	if (strcmp(host, "guard-other") == 0)
		return 2; /* joined the namespaces of a pin that is gone */
	return r == -1 && err.kind == PE_ERR_STALE ? 0 : 1;
}

static void proc_join_checks_liveness(void **state)
{
	int ready[2], hold[2];
	pid_t other, dead;
	char c, p[64];

	(void)state;
#ifndef PE_TEST_HOOKS
	skip(); /* reaching the /proc path needs the NO_PIDFD_SETNS hook */
#endif
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	other = fork();
	if (other == 0) {
		close(hold[1]); /* EOF on hold[0] when the test is done */
		alarm(30);
		if (unshare(CLONE_NEWUTS) < 0 ||
		    sethostname("guard-other", 11) < 0)
			_exit(1);
		(void)!write(ready[1], "x", 1);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	/* the pin's /proc dir is a live process's, but the process the pin
	 * was made for (its pidfd) has died since */
	dead = fork();
	if (dead == 0)
		_exit(0);
	pe_pin_init(&live_pin);
	live_pin.pid = other;
	live_pin.pidfd = pe_sys_pidfd_open(dead, 0);
	assert_true(live_pin.pidfd >= 0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	snprintf(p, sizeof(p), "/proc/%d", (int)other);
	live_pin.procfd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(live_pin.procfd >= 0);
	assert_int_equal(in_child(join_with_dead_pidfd), 0);
	pe_pin_release(&live_pin);
	close(hold[1]);
	waitpid(other, NULL, 0);
	close(ready[0]), close(ready[1]), close(hold[0]);
}

/* --- the session's mount namespace copy is private ---------------------- */
static char shared_dir[PATH_MAX];

static bool is_mount_point(const char *path)
{
	char parent[PATH_MAX];
	struct stat a, b;

	snprintf(parent, sizeof(parent), "%s/..", path);
	return stat(path, &a) == 0 && stat(parent, &b) == 0 &&
	       a.st_dev != b.st_dev;
}

static int copy_then_mount(void)
{
	struct pe_error err;
	char sub[PATH_MAX + 8];

	if (pe_ns_private_mount_copy(&err) < 0)
		return 3;
	snprintf(sub, sizeof(sub), "%s/sub", shared_dir);
	return mount("copy", sub, "tmpfs", 0, NULL) < 0 ? 4 : 0;
}

static int shared_root_does_not_leak(void)
{
	char sub[PATH_MAX + 8];
	int r;

	/* a test namespace cut off from the node's, then made shared the
	 * way systemd leaves "/" */
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0)
		return 5;
	if (mount("shared", shared_dir, "tmpfs", 0, NULL) < 0)
		return 6;
	snprintf(sub, sizeof(sub), "%s/sub", shared_dir);
	if (mkdir(sub, 0700) < 0)
		return 7;
	r = in_child(copy_then_mount);
	if (r != 0)
		return r;
	/* the copy's mount must not have come back here */
	return is_mount_point(sub) ? 2 : 0;
}

static void mount_copy_is_private(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(shared_dir, sizeof(shared_dir), "%s/shared", scratch);
	assert_int_equal(mkdir(shared_dir, 0700), 0);
	assert_int_equal(in_child(shared_root_does_not_leak), 0);
}

/* --- the fresh /proc: never through a link, and verified --------------- */
static char fake_root[PATH_MAX];

static bool is_procfs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC;
}

static int enter_fake_root(void)
{
	return unshare(CLONE_NEWNS) == 0 &&
		       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		       chroot(fake_root) == 0 && chdir("/") == 0
		   ? 0
		   : -1;
}

/* the target's /proc is a symlink to a directory */
static int proc_symlink_is_refused(void)
{
	struct pe_proc_guard guard;
	struct pe_error err;
	struct pe_guard_kit kit = PE_GUARD_KIT_INIT;
	int r;

	pe_proc_guard_defaults(&guard);
	if (enter_fake_root() < 0)
		return 5;
	r = pe_ns_mount_fresh_proc(&guard, -1, &kit, &err);
	pe_guard_kit_close(&kit);
	if (is_procfs("/elsewhere"))
		return 2; /* mounted through the link */
	return r == -1 ? 0 : 1;
}

/* no new mount API (an older kernel): the fallback mounts onto
 * /proc/self/fd/N, which the target's own /proc (a plain directory with
 * planted links) sends elsewhere; the result must be checked */
static int unverified_proc_is_refused(void)
{
	static const char *const hidden[] = { "fsopen", "fsconfig", "fsmount",
					      "move_mount", "open_tree" };
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct pe_proc_guard guard;
	struct pe_error err;
	struct pe_guard_kit kit = PE_GUARD_KIT_INIT;
	int r;

	if (!ctx)
		return 5;
	pe_proc_guard_defaults(&guard);
	for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				 seccomp_syscall_resolve_name(hidden[i]), 0);
	pe_proc_guard_defaults(&guard);
	if (enter_fake_root() < 0 || seccomp_load(ctx) < 0)
		return 5;
	r = pe_ns_mount_fresh_proc(&guard, -1, &kit, &err);
	pe_guard_kit_close(&kit);
	if (r == 0 && !is_procfs("/proc"))
		return 2; /* says done, yet /proc is the planted tree */
	return r == -1 || is_procfs("/proc") ? 0 : 1;
}

static void fresh_proc_is_guarded(void **state)
{
	char p[PATH_MAX + 64];

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(fake_root, sizeof(fake_root), "%s/fakeroot", scratch);
	put("fakeroot/elsewhere/.keep", "");
	link_at("/elsewhere", "fakeroot/proc");
	assert_int_equal(in_child(proc_symlink_is_refused), 0);

	snprintf(p, sizeof(p), "%s/proc", fake_root);
	assert_int_equal(unlink(p), 0);
	put("fakeroot/proc/self/fd/.keep", "");
	for (int fd = 3; fd < 64; fd++) {
		snprintf(p, sizeof(p), "fakeroot/proc/self/fd/%d", fd);
		link_at("/elsewhere", p);
	}
	assert_int_equal(in_child(unverified_proc_is_refused), 0);
}

/* --follow-context's procfs, held by the session's processes in the pod:
 * processes only (no /proc/sys, no sysrq-trigger to write through it), its
 * own attr/exec still there; made for our PID namespace (-1) and, where the
 * kernel takes procfs's pidns, for a namespace given by fd */
static void check_pids_only(int fd)
{
	struct statfs sfs;
	int f;

	assert_true(fd >= 0);
	assert_int_equal(fstatfs(fd, &sfs), 0);
	assert_int_equal(sfs.f_type, PROC_SUPER_MAGIC);
	f = openat(fd, "sys", O_PATH | O_CLOEXEC);
	assert_int_equal(f, -1);
	f = openat(fd, "sysrq-trigger", O_PATH | O_CLOEXEC);
	assert_int_equal(f, -1);
	f = openat(fd, "thread-self/attr/exec", O_PATH | O_CLOEXEC);
	assert_true(f >= 0);
	close(f);
	close(fd);
}

static void label_procfs_shows_processes_only(void **state)
{
	int ns, fd;

	(void)state;
	if (geteuid() != 0)
		skip(); /* not root: cmocka reports it skipped (mounting a
			   procfs needs root; CI runs as root) */
	fd = pe_ns_new_pid_procfs(-1);
	if (fd < 0 && errno == ENOSYS)
		return; /* no new mount API (no-new-api.sh) */
	check_pids_only(fd);
	ns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	assert_true(ns >= 0);
	fd = pe_ns_new_pid_procfs(ns);
	close(ns);
	if (fd < 0 && errno == EOPNOTSUPP)
		return; /* before Linux 6.18 */
	check_pids_only(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_is_split_at_the_last_paren),
		cmocka_unit_test(verify_checks_the_pod_uid),
		cmocka_unit_test(cgroup_path_follows_no_link),
		cmocka_unit_test(proc_join_checks_liveness),
		cmocka_unit_test(mount_copy_is_private),
		cmocka_unit_test(fresh_proc_is_guarded),
		cmocka_unit_test(label_procfs_shows_processes_only),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
