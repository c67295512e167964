/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --each's line splitter and runner (src/lib/each.c), with plain child
 * processes as jobs: no root, no pod. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "podenter/each.h"

/* An in-memory file the code under test writes into; read back whole. */
static int memfile(void)
{
	int fd = memfd_create("each-out", 0);

	assert_true(fd >= 0);
	return fd;
}

static char *contents(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)size + 1);

	assert_non_null(s);
	assert_int_equal(pread(fd, s, (size_t)size, 0), size);
	return s;
}

static void test_lines_whole_and_prefixed(void **state)
{
	struct pe_linebuf lb = { 0 };
	int fd = memfile();
	char *got;

	(void)state;
	/* a line in three pieces, two lines at once, an empty line, and a
	 * last line without its newline */
	assert_int_equal(pe_linebuf_feed(&lb, "ns/a: ", fd, "one ", 4), 0);
	assert_int_equal(pe_linebuf_feed(&lb, "ns/a: ", fd, "two ", 4), 0);
	got = contents(fd);
	assert_string_equal(got, ""); /* nothing before the line ends */
	free(got);
	assert_int_equal(
	    pe_linebuf_feed(&lb, "ns/a: ", fd, "three\nx\n\nla", 11), 0);
	assert_int_equal(pe_linebuf_feed(&lb, "ns/a: ", fd, "st", 2), 0);
	assert_int_equal(pe_linebuf_finish(&lb, "ns/a: ", fd), 0);
	got = contents(fd);
	assert_string_equal(got, "ns/a: one two three\nns/a: x\nns/a: \n"
				 "ns/a: last\n");
	free(got);
	close(fd);
}

static void test_no_prefix_and_nothing_pending(void **state)
{
	struct pe_linebuf lb = { 0 };
	int fd = memfile();
	char *got;

	(void)state;
	assert_int_equal(pe_linebuf_feed(&lb, NULL, fd, "a\nb\n", 4), 0);
	assert_int_equal(pe_linebuf_finish(&lb, NULL, fd), 0);
	got = contents(fd);
	assert_string_equal(got, "a\nb\n"); /* no newline added */
	free(got);
	close(fd);
}

static void test_long_line_split(void **state)
{
	struct pe_linebuf lb = { 0 };
	size_t n = PE_EACH_LINE_MAX + 10;
	char *big = malloc(n), *got;
	int fd = memfile();

	(void)state;
	memset(big, 'y', n);
	big[n - 1] = '\n';
	assert_int_equal(pe_linebuf_feed(&lb, "p: ", fd, big, n), 0);
	assert_int_equal(pe_linebuf_finish(&lb, "p: ", fd), 0);
	got = contents(fd);
	/* two lines, each with the prefix */
	assert_int_equal(strlen(got), 3 + PE_EACH_LINE_MAX + 1 + 3 + 10);
	assert_memory_equal(got, "p: yyy", 6);
	assert_memory_equal(got + 3 + PE_EACH_LINE_MAX, "\np: yyyyyyyyy\n", 14);
	free(got);
	free(big);
	close(fd);
}

/* For a terminal: a pod's \r, escape sequences and other controls cannot
 * move the cursor over another pod's prefix. */
static void test_controls_escaped(void **state)
{
	struct pe_linebuf lb = { .escape_controls = true };
	int fd = memfile();
	char *got;

	(void)state;
	assert_int_equal(pe_linebuf_feed(&lb, "ns/evil: ", fd,
					 "\rns/good: ok\x1b[1A\tx\x7f\x01\n",
					 21),
			 0);
	assert_int_equal(pe_linebuf_feed(&lb, "ns/evil: ", fd, "tail\r", 5), 0);
	assert_int_equal(pe_linebuf_finish(&lb, "ns/evil: ", fd), 0);
	got = contents(fd);
	assert_string_equal(got, "ns/evil: ^Mns/good: ok^[[1A\tx^?^A\n"
				 "ns/evil: tail^M\n");
	free(got);
	close(fd);
}

/* ---- the runner, with plain children ------------------------------------ */

struct fake {
	const char *script[4]; /* sh -c per job */
};

static int run_sh(void *ctx, size_t i)
{
	const struct fake *f = ctx;

	execl("/bin/sh", "sh", "-c", f->script[i], (char *)NULL);
	return 127;
}

static void test_runner_statuses_and_streams(void **state)
{
	struct fake f = { .script = {
			      "echo out-a; echo err-a >&2",
			      "printf 'b1\\nb2'; exit 3",
			      "cat; echo c-read-nothing; kill -TERM $$",
			  } };
	struct pe_each_job jobs[3] = { { .prefix = "a: " },
				       { .prefix = "b: " },
				       { .prefix = "c: " } };
	int out = memfile(), err = memfile();
	struct pe_each_opts o = { .max_parallel = 1, /* in order */
				  .out_fd = out,
				  .err_fd = err,
				  .run = run_sh,
				  .ctx = &f };
	struct pe_error e;
	bool interrupted;
	char *got;

	(void)state;
	pe_error_clear(&e);
	assert_int_equal(pe_each_run(&o, jobs, 3, &interrupted, &e), 0);
	assert_false(interrupted);
	assert_int_equal(jobs[0].state, PE_EACH_EXITED);
	assert_int_equal(jobs[0].status, 0);
	assert_int_equal(jobs[1].status, 3);
	assert_int_equal(jobs[2].status, 128 + SIGTERM);
	got = contents(out);
	assert_string_equal(got, "a: out-a\nb: b1\nb: b2\nc: c-read-nothing\n");
	free(got);
	got = contents(err);
	assert_string_equal(got, "a: err-a\n");
	free(got);
	close(out);
	close(err);
}

static void test_runner_parallel_and_timeout(void **state)
{
	struct fake f = { .script = {
			      "sleep 0.6; echo done",
			      "sleep 0.6; echo done",
			      "exec sleep 30",
			  } };
	struct pe_each_job jobs[3] = { { .prefix = "" } };
	int out = memfile();
	struct pe_each_opts o = { .timeout_ms = 1500,
				  .out_fd = out,
				  .err_fd = out,
				  .run = run_sh,
				  .ctx = &f };
	struct timespec t0, t1;
	struct pe_error e;
	bool interrupted;
	double took;

	(void)state;
	pe_error_clear(&e);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pe_each_run(&o, jobs, 3, &interrupted, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	took = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_int_equal(jobs[0].status, 0);
	assert_int_equal(jobs[1].status, 0);
	assert_int_equal(jobs[2].state, PE_EACH_TIMED_OUT);
	assert_int_equal(jobs[2].status, 128 + SIGTERM);
	/* at once (not 0.6 + 0.6 + 1.5), and bounded by the timeout */
	assert_true(took >= 1.4 && took < 4.0);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_whole_and_prefixed),
		cmocka_unit_test(test_no_prefix_and_nothing_pending),
		cmocka_unit_test(test_long_line_split),
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_runner_statuses_and_streams),
		cmocka_unit_test(test_runner_parallel_and_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
