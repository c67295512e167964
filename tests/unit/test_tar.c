/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tar.c's writer read back by its reader: plain ustar, a name split into
 * ustar's prefix, names, links, owners and sizes that need pax records, and
 * GNU tar reading what the writer made (when tar is installed).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "podenter/tar.h"

static ssize_t fd_read(void *ctx, void *buf, size_t n)
{
	return read(*(int *)ctx, buf, n);
}

static void put(struct pe_tar_writer *w, const char *name, char type,
		const char *link, uint64_t size, uid_t uid, int64_t mtime)
{
	struct pe_tar_entry *e = calloc(1, sizeof(*e));
	struct pe_error err;
	char *data = calloc(1, size ? size : 1);

	assert_non_null(e);
	assert_non_null(data);
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(e->link, sizeof(e->link), "%s", link ? link : "");
	e->type = type;
	e->mode = 0640;
	e->uid = uid;
	e->gid = 7;
	e->size = size;
	e->mtime = mtime;
	assert_int_equal(pe_tar_write_header(w, e, &err), 0);
	if (type == '0') {
		memset(data, 'x', size);
		assert_int_equal(write(w->fd, data, size), (ssize_t)size);
		w->written += size; /* the caller's data, as cp.c counts it */
		assert_int_equal(pe_tar_write_pad(w, size, &err), 0);
	}
	free(data);
	free(e);
}

static void test_round_trip(void **state)
{
	char long_name[301], split_name[160], long_link[201];
	struct pe_tar_writer w = { 0 };
	struct pe_tar_reader r = { .read = fd_read,
				   .path = "mem",
				   .limit = UINT64_MAX };
	struct pe_tar_entry *e = calloc(1, sizeof(*e));
	struct pe_error err;
	int fd = memfd_create("t", 0);

	(void)state;
	assert_true(fd >= 0);
	memset(long_name, 'p', 300);
	long_name[300] = '\0';
	memset(split_name, 'a', 150);
	split_name[60] = '/';
	split_name[150] = '\0';
	memset(long_link, 'l', 200);
	long_link[200] = '\0';
	w.fd = fd;
	put(&w, "dir/", '5', NULL, 0, 0, 1000);
	put(&w, "dir/file", '0', NULL, 1000, 0, 1700000000);
	put(&w, split_name, '0', NULL, 1, 0, 0);
	put(&w, long_name, '0', NULL, 513, 3000000, 5);
	put(&w, "link", '2', long_link, 0, 0, 0);
	assert_int_equal(pe_tar_write_end(&w, &err), 0);
	assert_int_equal(w.written % 512, 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	r.ctx = &fd;

	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_string_equal(e->name, "dir/");
	assert_int_equal(e->type, '5');
	assert_int_equal(e->mtime, 1000);
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_string_equal(e->name, "dir/file");
	assert_int_equal(e->size, 1000);
	assert_int_equal(e->mode, 0640);
	assert_int_equal(e->gid, 7);
	assert_int_equal(e->mtime, 1700000000);
	{
		char buf[10];

		assert_int_equal(pe_tar_read_data(&r, buf, sizeof(buf)), 0);
		assert_memory_equal(buf, "xxxxxxxxxx", 10);
	}
	/* the rest of the data is skipped by the next call */
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_string_equal(e->name, split_name);
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_string_equal(e->name, long_name);
	assert_int_equal(e->uid, 3000000); /* too big for ustar: pax */
	assert_int_equal(e->size, 513);
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_string_equal(e->link, long_link);
	assert_int_equal(e->type, '2');
	assert_int_equal(pe_tar_next(&r, e, &err), 0);
	close(fd);
	free(e);
}

static void test_limit_and_truncation(void **state)
{
	struct pe_tar_writer w = { 0 };
	struct pe_tar_reader r = { .read = fd_read,
				   .path = "mem",
				   .limit = 1024 };
	struct pe_tar_entry *e = calloc(1, sizeof(*e));
	struct pe_error err;
	int fd = memfd_create("t", 0);

	(void)state;
	w.fd = fd;
	put(&w, "big", '0', NULL, 4096, 0, 0);
	assert_int_equal(pe_tar_write_end(&w, &err), 0);
	lseek(fd, 0, SEEK_SET);
	r.ctx = &fd;
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_int_equal(pe_tar_next(&r, e, &err), -1);
	assert_true(r.over);
	assert_non_null(strstr(err.msg, "unpacks to more than 1024 bytes"));
	/* cut in the middle of the data: truncated */
	assert_int_equal(ftruncate(fd, 512 + 100), 0);
	lseek(fd, 0, SEEK_SET);
	pe_tar_reader_reset(&r);
	r.limit = UINT64_MAX;
	assert_int_equal(pe_tar_next(&r, e, &err), 1);
	assert_int_equal(pe_tar_next(&r, e, &err), -1);
	assert_non_null(strstr(err.msg, "truncated archive"));
	close(fd);
	free(e);
}

static void test_gnu_tar_reads_it(void **state)
{
	char dir[] = "/tmp/test_tar.XXXXXX", cmd[2048], path[256];
	struct pe_tar_writer w = { 0 };
	char long_name[301];
	struct pe_error err;
	FILE *f;

	(void)state;
	if (system("tar --version >/dev/null 2>&1") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.tar", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	w.fd = fileno(f);
	/* 301 bytes, two components under NAME_MAX: pax's path */
	memset(long_name, 'q', 300);
	long_name[150] = '/';
	long_name[300] = '\0';
	put(&w, long_name, '0', NULL, 3, 0, 1234567890);
	assert_int_equal(pe_tar_write_end(&w, &err), 0);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && tar xf a.tar && test \"$(cat %s)\" = xxx && "
		 "test \"$(stat -c %%Y %s)\" = 1234567890",
		 dir, long_name, long_name);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_limit_and_truncation),
		cmocka_unit_test(test_gnu_tar_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
