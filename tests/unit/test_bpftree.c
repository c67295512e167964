/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The allowlist as ranges (src/lib/bpftree.c): the program every session
 * loads must answer exactly as libseccomp's own filter of the same profile,
 * for every system call number of every architecture and the argument values
 * the profile looks at. Both programs are run here by a small classic-BPF
 * interpreter (the instructions libseccomp and bpftree.c write), and the
 * ranges program is also loaded into the kernel for real.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpfcache.h"
#include "bpftree.h"
#include "podenter/sandbox.h"

#define X32_BIT 0x40000000u

/*
 * Runs prog on d into *ret; fails the test on an instruction it does not
 * know or a jump out of the program. With known_only, as the kernel folds
 * a filter into its action cache (seccomp_is_const_allow): only the number
 * and the architecture are known, and false comes back at a load of
 * anything else or an instruction it does not fold.
 */
static bool interpret(const struct pe_bpf *prog, const struct seccomp_data *d,
		      bool known_only, uint32_t *ret)
{
	const struct sock_filter *f = prog->insns;
	uint32_t acc = 0;

	for (size_t pc = 0; pc < prog->len; pc++) {
		const struct sock_filter *i = &f[pc];
		bool cond = false;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (known_only &&
			    i->k != offsetof(struct seccomp_data, nr) &&
			    i->k != offsetof(struct seccomp_data, arch))
				return false; /* not known ahead */
			assert_true(i->k + 4 <= sizeof(*d));
			memcpy(&acc, (const char *)d + i->k, 4);
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			acc &= i->k;
			continue;
		case BPF_RET | BPF_K:
			*ret = i->k;
			return true;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K:
			cond = acc == i->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			cond = acc > i->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			cond = acc >= i->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			cond = (acc & i->k) != 0;
			break;
		default:
			if (known_only)
				return false;
			fail_msg("instruction %#x at %zu", i->code, pc);
		}
		pc += cond ? i->jt : i->jf;
	}
	fail_msg("ran off the end of the program");
	return false;
}

static uint32_t run_bpf(const struct pe_bpf *prog, const struct seccomp_data *d)
{
	uint32_t ret = 0;

	interpret(prog, d, false, &ret);
	return ret;
}

/* Every number of interest for an architecture, each with argument values
 * that the profile's rules tell apart; the two programs must agree. */
static void compare(const struct pe_bpf *a, const struct pe_bpf *b,
		    uint32_t arch, size_t *allowed)
{
	static const uint64_t arg_values[] = {
		0,
		1,
		2,
		10,
		37,
		38,
		39,
		40,
		41,
		42,
		43,
		44,
		47,
		48,
		63,
		64,
		0x8,
		0xffffffff,
		TIOCSTI,
		TIOCLINUX,
		(1ull << 32) | TIOCSTI,
		(1ull << 32) | 38,
		CLONE_NEWNS,
		CLONE_NEWUSER | 0x11,
		CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
		    CLONE_THREAD,
		0x20000,
		0x20008,
		0xffffffffffffffffull,
	};
	uint32_t bases[] = { 0, X32_BIT };

	for (size_t base = 0; base < 2; base++) {
		for (uint32_t n = 0; n < 1100; n++) {
			struct seccomp_data d = { .arch = arch };

			d.nr = (int)(bases[base] + n);
			for (size_t v = 0;
			     v < sizeof(arg_values) / sizeof(arg_values[0]);
			     v++) {
				uint32_t ra, rb;

				for (int k = 0; k < 6; k++)
					d.args[k] = arg_values[v];
				ra = run_bpf(a, &d);
				rb = run_bpf(b, &d);
				if (ra != rb)
					fail_msg(
					    "arch %#x nr %#x arg %#llx: "
					    "%#x against %#x",
					    arch, (unsigned)d.nr,
					    (unsigned long long)arg_values[v],
					    ra, rb);
				if (ra == SECCOMP_RET_ALLOW)
					(*allowed)++;
			}
		}
	}
	/* the numbers at the ends of the 32-bit range */
	for (uint32_t n = 0xfffffff0u; n != 0; n++) {
		struct seccomp_data d = { .arch = arch, .nr = (int)n };

		assert_int_equal(run_bpf(a, &d), run_bpf(b, &d));
	}
}

static void same_answers(pe_capset caps)
{
	static const uint32_t arches[] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386,
					   AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM,
					   0 };
	struct pe_bpf ranges, plain;
	struct pe_error err;
	void *ctx = NULL;
	size_t allowed = 0;

	assert_int_equal(pe_seccomp_runtime_default(caps, &ctx, &err), 0);
	assert_int_equal(pe_bpf_export(ctx, &plain, &err), 0);
	pe_seccomp_filter_free(ctx);
	assert_int_equal(pe_seccomp_runtime_default_bpf(caps, &ranges, &err),
			 0);
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
		compare(&ranges, &plain, arches[i], &allowed);
	/* the comparison saw allowed calls, and the point of it all */
	assert_true(allowed > 1000);
	print_message("caps %#llx: %zu instructions, libseccomp's %zu\n",
		      (unsigned long long)caps, ranges.len, plain.len);
	assert_true(ranges.len * 5 < plain.len * 3);
	pe_bpf_free(&ranges);
	pe_bpf_free(&plain);
}

static void same_answers_as_libseccomp(void **state)
{
	(void)state;
	same_answers(PE_CAP_BIT(CAP_CHOWN) | PE_CAP_BIT(CAP_KILL) |
		     PE_CAP_BIT(CAP_NET_RAW) | PE_CAP_BIT(CAP_SYS_PTRACE));
	same_answers(0);
	same_answers(PE_CAP_BIT(CAP_SYS_ADMIN) | PE_CAP_BIT(CAP_SYS_PTRACE) |
		     PE_CAP_BIT(CAP_SYS_MODULE) | PE_CAP_BIT(CAP_SYS_BOOT) |
		     PE_CAP_BIT(CAP_SYS_TIME) | PE_CAP_BIT(CAP_SYSLOG));
}

/* Sets at the edges: empty, from 0, up to UINT32_MAX, and one with so
 * many runs that the search needs jumps longer than 255 instructions. */
static void edges_of_the_number_range(void **state)
{
	static const struct sock_filter deny[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct pe_bpf rest = { (void *)deny, 1 }, out;
	uint32_t edges[] = {
		0, 1, 2, 7, 0x7fffffff, UINT32_MAX - 1, UINT32_MAX
	};
	uint32_t *many = malloc(600 * sizeof(*many));
	uint32_t checked[] = { 100, 2 }, denied[] = { 7, 9 };
	struct pe_bpf_allowset sets[2] = {
		{ .audit_arch = AUDIT_ARCH_X86_64,
		  .nrs = edges,
		  .n = sizeof(edges) / sizeof(edges[0]),
		  .checked_nrs = checked,
		  .n_checked = 2,
		  .checked_arg = 1,
		  .denied_low32 = denied,
		  .n_denied = 2 },
		{ .audit_arch = AUDIT_ARCH_I386, .nrs = many, .n = 600 },
	};

	assert_non_null(many);
	for (uint32_t i = 0; i < 600; i++)
		many[i] = i * 3 + (i % 2); /* runs of one, uneven gaps */
	assert_int_equal(pe_bpf_allowset_prepend(sets, 2, &rest, &out), 0);
	for (uint64_t n = 0; n <= 2500; n++) {
		struct seccomp_data d = { .arch = AUDIT_ARCH_I386,
					  .nr = (int)n };
		bool in = n < 1800 && n % 3 == ((n / 3) % 2);

		assert_int_equal(run_bpf(&out, &d),
				 in ? SECCOMP_RET_ALLOW
				    : SECCOMP_RET_ERRNO | EPERM);
	}
	for (uint64_t n = 0; n <= UINT32_MAX; n += (n < 16 ? 1 : 0x1000001)) {
		struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64,
					  .nr = (int)(uint32_t)n };
		bool in = false;

		for (size_t k = 0; k < sizeof(edges) / sizeof(edges[0]); k++)
			in = in || edges[k] == (uint32_t)n;
		in = in || n == 100; /* checked, and args are 0 here */
		assert_int_equal(run_bpf(&out, &d),
				 in ? SECCOMP_RET_ALLOW
				    : SECCOMP_RET_ERRNO | EPERM);
	}
	/* 100: allowed unless the second argument's low half is 7 or 9; 2 is
	 * allowed outright (an allowed number also checked stays allowed) */
	{
		static const uint64_t values[] = {
			0, 7, 9, 8, (1ull << 32) | 7, (1ull << 32) | 8
		};

		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]);
		     v++) {
			struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64,
						  .nr = 100 };
			uint32_t low = (uint32_t)values[v];

			d.args[1] = values[v];
			assert_int_equal(run_bpf(&out, &d),
					 low == 7 || low == 9
					     ? SECCOMP_RET_ERRNO | EPERM
					     : SECCOMP_RET_ALLOW);
			d.nr = 2;
			assert_int_equal(run_bpf(&out, &d), SECCOMP_RET_ALLOW);
		}
	}
	for (size_t k = 0; k < sizeof(edges) / sizeof(edges[0]); k++) {
		struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64,
					  .nr = (int)edges[k] };

		assert_int_equal(run_bpf(&out, &d), SECCOMP_RET_ALLOW);
		/* another architecture: not this set's */
		d.arch = AUDIT_ARCH_AARCH64;
		assert_int_equal(run_bpf(&out, &d), SECCOMP_RET_ERRNO | EPERM);
	}
	pe_bpf_free(&out);
	/* no set at all: the rest alone decides */
	assert_int_equal(pe_bpf_allowset_prepend(NULL, 0, &rest, &out), 0);
	{
		struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64, .nr = 0 };

		assert_int_equal(run_bpf(&out, &d), SECCOMP_RET_ERRNO | EPERM);
	}
	pe_bpf_free(&out);
	free(many);
}

/* A section that fits in a jump's reach is searched folded: one
 * comparison per boundary between stretches, the ALLOW and "on to the rest"
 * leaves shared at its end (not one instruction per stretch). */
static void leaves_are_shared(void **state)
{
	static const struct sock_filter deny[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct pe_bpf rest = { (void *)deny, 1 }, out;
	uint32_t nrs[100];
	struct pe_bpf_allowset set = { .audit_arch = AUDIT_ARCH_X86_64,
				       .nrs = nrs,
				       .n = 100 };

	(void)state;
	for (uint32_t i = 0; i < 100; i++)
		nrs[i] = 1 + 2 * i; /* 1, 3, ..., 199: 201 stretches */
	assert_int_equal(pe_bpf_allowset_prepend(&set, 1, &rest, &out), 0);
	/* load arch, compare it, jump, else on to the rest; load nr; 200
	 * comparisons; ret ALLOW and the jump on to the rest; the rest */
	assert_int_equal(out.len, 4 + 1 + 200 + 2 + 1);
	for (uint32_t n = 0; n < 300; n++) {
		struct seccomp_data d = { .arch = AUDIT_ARCH_X86_64,
					  .nr = (int)n };

		assert_int_equal(run_bpf(&out, &d),
				 n % 2 && n < 200 ? SECCOMP_RET_ALLOW
						  : SECCOMP_RET_ERRNO | EPERM);
	}
	pe_bpf_free(&out);
}

/* What the kernel folds into its action cache when a filter is attached
 * (run for every number): true when the program allows nr on arch whatever
 * the arguments, found with nothing but the number and the architecture
 * known. */
static bool kernel_caches_allow(const struct pe_bpf *prog, uint32_t arch,
				uint32_t nr)
{
	struct seccomp_data d = { .arch = arch, .nr = (int)nr };
	uint32_t ret = 0;

	return interpret(prog, &d, true, &ret) && ret == SECCOMP_RET_ALLOW;
}

/* What pe_bpf_load gives the kernel (pe_bpf_uncached): the same answers
 * for every call, and nothing for the kernel to work out ahead for any
 * number (its cache costs each filter load tens of microseconds), where
 * the program as built lets it fold hundreds. */
static void the_kernel_builds_no_cache(void **state)
{
	struct pe_bpf prog, uncached;
	struct pe_error err;
	size_t folded = 0, folded_uncached = 0, allowed = 0;

	(void)state;
	assert_int_equal(
	    pe_seccomp_runtime_default_bpf(PE_CAP_BIT(CAP_KILL), &prog, &err),
	    0);
	assert_int_equal(pe_bpf_uncached(&prog, &uncached), 0);
	assert_int_equal(uncached.len, prog.len + 1);
	compare(&uncached, &prog, AUDIT_ARCH_X86_64, &allowed);
	compare(&uncached, &prog, AUDIT_ARCH_I386, &allowed);
	assert_true(allowed > 1000);
	for (uint32_t nr = 0; nr < 1100; nr++) {
		folded += kernel_caches_allow(&prog, AUDIT_ARCH_X86_64, nr);
		folded_uncached +=
		    kernel_caches_allow(&uncached, AUDIT_ARCH_X86_64, nr);
	}
	print_message("the kernel would fold %zu numbers, uncached %zu\n",
		      folded, folded_uncached);
	assert_true(folded > 100);
	assert_int_equal(folded_uncached, 0);
	pe_bpf_free(&uncached);
	pe_bpf_free(&prog);
}

/* The kernel takes the program, and under it an allowed call works and a
 * denied one gets EPERM. */
static void the_kernel_runs_it(void **state)
{
	struct pe_bpf prog;
	struct pe_error err;
	pid_t pid;
	int status;

	(void)state;
	assert_int_equal(
	    pe_seccomp_runtime_default_bpf(PE_CAP_BIT(CAP_KILL), &prog, &err),
	    0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    pe_bpf_load(&prog, &err) < 0)
			_exit(1);
		if (getppid() <= 0 || syscall(SYS_getpid) <= 0)
			_exit(2);
		errno = 0;
		if (syscall(SYS_kexec_load, 0, 0, 0, 0) == 0 || errno != EPERM)
			_exit(3);
		if (ioctl(0, TIOCSTI, "x") == 0 || errno != EPERM)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pe_bpf_free(&prog);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_answers_as_libseccomp),
		cmocka_unit_test(edges_of_the_number_range),
		cmocka_unit_test(leaves_are_shared),
		cmocka_unit_test(the_kernel_builds_no_cache),
		cmocka_unit_test(the_kernel_runs_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
