/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tar layer applier on hand-made archives: names, links, whiteouts,
 * opaque directories, long names, refusals, and the cache's tree digest.
 * Each test builds a scratch root under /tmp and removes it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/image.h"

/* RESOLVE_NO_SYMLINKS, as openat2.h spells it (not every libc has it) */
#define RESOLVE_NO_SYMLINKS_FOR_TEST 0x04

/* --- a tiny tar writer for the tests ------------------------------------- */

static void octal(char *field, size_t len, unsigned long long v)
{
	snprintf(field, len, "%0*llo", (int)len - 1, v);
}

static void put_header(FILE *f, const char *name, char type, const char *link,
		       size_t size, unsigned mode)
{
	char b[512];
	unsigned sum = 0;

	memset(b, 0, sizeof(b));
	strncpy(b, name, 100);
	octal(b + 100, 8, mode);
	octal(b + 108, 8, 0);
	octal(b + 116, 8, 0);
	octal(b + 124, 12, size);
	octal(b + 136, 12, 0);
	b[156] = type;
	if (link)
		strncpy(b + 157, link, 100);
	memcpy(b + 257, "ustar", 6);
	memcpy(b + 263, "00", 2);
	memset(b + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)b[i];
	snprintf(b + 148, 8, "%06o", sum);
	fwrite(b, 1, 512, f);
}

static void put_data(FILE *f, const char *data, size_t size)
{
	static const char zero[512];

	fwrite(data, 1, size, f);
	if (size % 512)
		fwrite(zero, 1, 512 - size % 512, f);
}

static void put_file(FILE *f, const char *name, const char *data)
{
	put_header(f, name, '0', NULL, strlen(data), 0644);
	put_data(f, data, strlen(data));
}

static void put_long_name(FILE *f, const char *name, const char *data)
{
	put_header(f, "././@LongLink", 'L', NULL, strlen(name) + 1, 0644);
	put_data(f, name, strlen(name) + 1);
	put_file(f, "truncated-name", data);
}

static void put_end(FILE *f)
{
	static const char zero[1024];

	fwrite(zero, 1, sizeof(zero), f);
	fclose(f);
}

/* --- fixtures ---------------------------------------------------------------
 */

struct scratch {
	char dir[64];
	char tar[96];
	int rootfd;
};

static int setup(void **state)
{
	struct scratch *s = calloc(1, sizeof(*s));
	char root[128];

	snprintf(s->dir, sizeof(s->dir), "/tmp/test_image.XXXXXX");
	if (!mkdtemp(s->dir)) {
		free(s);
		return -1;
	}
	snprintf(s->tar, sizeof(s->tar), "%s/layer.tar", s->dir);
	snprintf(root, sizeof(root), "%s/root", s->dir);
	mkdir(root, 0755);
	s->rootfd = open(root, O_RDONLY | O_DIRECTORY);
	*state = s;
	return s->rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	struct scratch *s = *state;
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY);

	close(s->rootfd);
	pe_image_remove_tree(fd, s->dir + strlen("/tmp/"));
	close(fd);
	free(s);
	return 0;
}

static const struct pe_image_opts no_devices = { 0 };

static int apply(struct scratch *s, struct pe_error *err)
{
	pe_error_clear(err);
	return pe_image_apply_tar(s->rootfd, s->tar, PE_TAR_LAYER, &no_devices,
				  err);
}

static char *slurp(int dirfd, const char *rel)
{
	static char buf[256];
	int fd = openat(dirfd, rel, O_RDONLY | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static bool exists(int dirfd, const char *rel)
{
	struct stat st;
	return fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* --- names -----------------------------------------------------------------
 */

static void test_clean_name(void **state)
{
	char a[64];
	(void)state;

	strcpy(a, "./usr//bin/./ls/");
	assert_int_equal(pe_image_clean_name(a), 0);
	assert_string_equal(a, "usr/bin/ls");
	strcpy(a, "./");
	assert_int_equal(pe_image_clean_name(a), 0);
	assert_string_equal(a, "");
	strcpy(a, "a/../../etc");
	assert_int_equal(pe_image_clean_name(a), -1);
	strcpy(a, "/etc/passwd");
	assert_int_equal(pe_image_clean_name(a), -1);
	strcpy(a, "..");
	assert_int_equal(pe_image_clean_name(a), -1);
	strcpy(a, "a/..b/c..");
	assert_int_equal(pe_image_clean_name(a), 0);
	assert_string_equal(a, "a/..b/c..");
}

static void test_link_inside(void **state)
{
	(void)state;
	assert_true(pe_image_link_inside("bin/sh", "busybox", false));
	assert_true(pe_image_link_inside("usr/lib/x", "../../lib/y", false));
	assert_false(pe_image_link_inside("usr/lib/x", "../../../etc", false));
	assert_false(pe_image_link_inside("top", "../x", false));
	assert_true(pe_image_link_inside("a/b", "c/../../d", false));
	assert_false(pe_image_link_inside("a/b", "c/../../../d", false));
	assert_false(pe_image_link_inside("lib64/ld", "/lib/ld", false));
	assert_true(pe_image_link_inside("lib64/ld", "/lib/ld", true));
	assert_false(pe_image_link_inside("x", "", true));
}

/* --- layers ------------------------------------------------------------------
 */

static void test_files_links_and_parents(void **state)
{
	struct scratch *s = *state;
	struct pe_error err;
	FILE *f = fopen(s->tar, "w");
	char longname[300];
	struct stat a, b;

	put_file(f, "deep/er/file", "deep\n"); /* no parent entries */
	put_header(f, "bin/sh", '2', "busybox", 0, 0777);
	put_header(f, "deep/hard", '1', "deep/er/file", 0, 0644);
	snprintf(longname, sizeof(longname), "long/%0200d", 7);
	put_long_name(f, longname, "long\n");
	put_end(f);
	assert_int_equal(apply(s, &err), 0);
	assert_string_equal(slurp(s->rootfd, "deep/er/file"), "deep\n");
	assert_true(exists(s->rootfd, "bin/sh"));
	assert_int_equal(fstatat(s->rootfd, "deep/hard", &a, 0), 0);
	assert_int_equal(fstatat(s->rootfd, "deep/er/file", &b, 0), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_string_equal(slurp(s->rootfd, longname), "long\n");
}

static void test_whiteout_and_opaque(void **state)
{
	struct scratch *s = *state;
	struct pe_error err;
	FILE *f = fopen(s->tar, "w");

	put_file(f, "etc/gone", "1\n");
	put_file(f, "etc/kept", "1\n");
	put_file(f, "opq/old", "1\n");
	put_file(f, "opq/sub/older", "1\n");
	put_end(f);
	assert_int_equal(apply(s, &err), 0);

	f = fopen(s->tar, "w");
	/* the new file comes before the marker: it must survive it */
	put_file(f, "opq/new", "2\n");
	put_header(f, "opq/.wh..wh..opq", '0', NULL, 0, 0644);
	put_header(f, "etc/.wh.gone", '0', NULL, 0, 0644);
	put_header(f, ".wh.never-existed", '0', NULL, 0, 0644);
	put_end(f);
	assert_int_equal(apply(s, &err), 0);
	assert_false(exists(s->rootfd, "etc/gone"));
	assert_true(exists(s->rootfd, "etc/kept"));
	assert_false(exists(s->rootfd, "opq/old"));
	assert_false(exists(s->rootfd, "opq/sub"));
	assert_string_equal(slurp(s->rootfd, "opq/new"), "2\n");
	assert_false(exists(s->rootfd, "opq/.wh..wh..opq"));
	assert_false(exists(s->rootfd, "etc/.wh.gone"));
}

static void test_replace_never_writes_through(void **state)
{
	struct scratch *s = *state;
	struct pe_error err;
	char outside[128];
	FILE *f = fopen(s->tar, "w");

	snprintf(outside, sizeof(outside), "%s/outside", s->dir);
	close(open(outside, O_CREAT | O_WRONLY, 0644));
	/* an absolute link to a path that, from the host, is outside */
	put_header(f, "victim", '2', outside, 0, 0777);
	put_header(f, "up", '2', "/", 0, 0777);
	put_end(f);
	assert_int_equal(apply(s, &err), 0);

	f = fopen(s->tar, "w");
	put_file(f, "victim", "replaced\n"); /* replaces the link */
	put_file(f, "up/through", "inside\n"); /* resolves in the root */
	put_end(f);
	assert_int_equal(apply(s, &err), 0);
	assert_string_equal(slurp(s->rootfd, "victim"), "replaced\n");
	assert_string_equal(slurp(s->rootfd, "through"), "inside\n");
	assert_string_equal(slurp(AT_FDCWD, outside), "");
}

static void expect_refused(struct scratch *s, const char *what)
{
	struct pe_error err;

	assert_int_equal(apply(s, &err), -1);
	assert_non_null(strstr(err.msg, "refused"));
	assert_non_null(strstr(err.msg, what));
}

static void test_refusals(void **state)
{
	struct scratch *s = *state;
	struct pe_image_opts devices = { .allow_device_nodes = true };
	struct pe_error err;
	FILE *f;

	f = fopen(s->tar, "w");
	put_file(f, "../escape", "x");
	put_end(f);
	expect_refused(s, "'../escape' leaves the root");

	f = fopen(s->tar, "w");
	put_file(f, "/abs", "x");
	put_end(f);
	expect_refused(s, "'/abs' leaves the root");

	f = fopen(s->tar, "w");
	put_header(f, "a/l", '2', "../../x", 0, 0777);
	put_end(f);
	expect_refused(s, "symlink 'a/l' -> '../../x' leaves the root");

	f = fopen(s->tar, "w");
	put_header(f, "h", '1', "../x", 0, 0644);
	put_end(f);
	expect_refused(s, "hard link 'h' -> '../x' leaves the root");

	f = fopen(s->tar, "w");
	put_header(f, "dev/null", '3', NULL, 0, 0666);
	put_end(f);
	expect_refused(s, "device node 'dev/null'");
	assert_int_equal(
	    pe_image_apply_tar(s->rootfd, s->tar, PE_TAR_LAYER, &devices, &err),
	    0);

	/* the outer archive of an image: no links at all */
	f = fopen(s->tar, "w");
	put_header(f, "blobs", '2', "/etc", 0, 0777);
	put_end(f);
	pe_error_clear(&err);
	assert_int_equal(pe_image_apply_tar(s->rootfd, s->tar, PE_TAR_LAYOUT,
					    &no_devices, &err),
			 -1);
	assert_non_null(strstr(err.msg, "link or special file"));

	/* nothing of a refused archive was written */
	assert_false(exists(s->rootfd, "a"));
	assert_false(exists(s->rootfd, "h"));
	assert_false(exists(s->rootfd, "blobs"));
}

/* Whiteouts naming "", "." or ".." would remove the directory they sit
 * in or its parent: at the top level, that is outside the tree (the cache
 * holding it). Each is refused, and nothing next to the tree is touched. */
static void test_whiteout_escapes_refused(void **state)
{
	static const char *const names[] = {
		".wh..", ".wh...",    "etc/.wh..", "etc/.wh...",
		".wh.",	 "etc/.wh./", ".wh..wh.x", "a/b/.wh...",
	};
	struct scratch *s = *state;
	char sentinel[128];
	FILE *f;

	snprintf(sentinel, sizeof(sentinel), "%s/sentinel", s->dir);
	f = fopen(sentinel, "w");
	assert_non_null(f);
	fputs("outside\n", f);
	fclose(f);
	f = fopen(s->tar, "w");
	put_file(f, "etc/kept", "1\n");
	put_file(f, "a/b/kept", "1\n");
	put_end(f);
	{
		struct pe_error err;
		assert_int_equal(apply(s, &err), 0);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		f = fopen(s->tar, "w");
		put_header(f, names[i], '0', NULL, 0, 0644);
		put_end(f);
		expect_refused(s, "names no entry of its directory");
		assert_string_equal(slurp(AT_FDCWD, sentinel), "outside\n");
		assert_true(exists(s->rootfd, "etc/kept"));
		assert_true(exists(s->rootfd, "a/b/kept"));
	}
	/* "..." is an ordinary name: its whiteout is fine */
	f = fopen(s->tar, "w");
	put_header(f, ".wh....", '0', NULL, 0, 0644);
	put_end(f);
	{
		struct pe_error err;
		assert_int_equal(apply(s, &err), 0);
	}
	assert_string_equal(slurp(AT_FDCWD, sentinel), "outside\n");
}

/* Decompression bombs: a declared size past the byte limit is refused
 * before a byte is written; so are too many entries and too deep names. */
static void test_limits(void **state)
{
	struct scratch *s = *state;
	struct pe_image_opts small = { .max_bytes = 64 * 1024, .max_files = 3 };
	char deep[4096] = "";
	struct pe_error err;
	FILE *f;

	f = fopen(s->tar, "w");
	put_header(f, "big", '0', NULL, 1024 * 1024, 0644);
	put_end(f);
	pe_error_clear(&err);
	assert_int_equal(
	    pe_image_apply_tar(s->rootfd, s->tar, PE_TAR_LAYER, &small, &err),
	    -1);
	assert_non_null(strstr(err.msg, "unpacks to more than 65536 bytes"));
	assert_false(exists(s->rootfd, "big"));

	f = fopen(s->tar, "w");
	for (int i = 0; i < 5; i++) {
		char name[16];
		snprintf(name, sizeof(name), "f%d", i);
		put_file(f, name, "x");
	}
	put_end(f);
	pe_error_clear(&err);
	assert_int_equal(
	    pe_image_apply_tar(s->rootfd, s->tar, PE_TAR_LAYER, &small, &err),
	    -1);
	assert_non_null(strstr(err.msg, "more than 3 entries"));

	for (int i = 0; i <= PE_IMAGE_MAX_DEPTH; i++)
		strcat(deep, "d/");
	strcat(deep, "f");
	f = fopen(s->tar, "w");
	put_long_name(f, deep, "x");
	put_end(f);
	expect_refused(s, "directories deep");
	assert_false(exists(s->rootfd, "d"));
}

static void test_damaged_archives(void **state)
{
	struct scratch *s = *state;
	struct pe_error err;
	FILE *f = fopen(s->tar, "w");

	fputs("this is not a tar archive at all, padded.", f);
	for (int i = 0; i < 600; i++)
		fputc('x', f);
	fclose(f);
	assert_int_equal(apply(s, &err), -1);
	assert_non_null(strstr(err.msg, "bad header checksum"));

	f = fopen(s->tar, "w");
	put_header(f, "big", '0', NULL, 100000, 0644);
	put_data(f, "short", 5);
	fclose(f);
	assert_int_equal(apply(s, &err), -1);
}

static void test_tree_digest(void **state)
{
	struct scratch *s = *state;
	struct pe_error err;
	char d1[65], d2[65], d3[65];
	FILE *f = fopen(s->tar, "w");

	put_file(f, "a/b", "1\n");
	put_file(f, "c", "22\n");
	put_end(f);
	assert_int_equal(apply(s, &err), 0);
	assert_int_equal(pe_image_tree_digest(s->rootfd, d1, &err), 0);
	assert_int_equal(pe_image_tree_digest(s->rootfd, d2, &err), 0);
	assert_string_equal(d1, d2);
	assert_int_equal(strlen(d1), 64);
	/* a truncated file changes the shape */
	{
		int fd = openat(s->rootfd, "c", O_WRONLY | O_TRUNC);
		close(fd);
	}
	assert_int_equal(pe_image_tree_digest(s->rootfd, d3, &err), 0);
	assert_string_not_equal(d1, d3);
}

/* Both resolvers (openat2 and the component walk) keep every lookup in the
 * tree: absolute links, ".." and links climbing out all stay inside. */
static void check_in_root(struct scratch *s)
{
	char outside[128];
	int fd;

	snprintf(outside, sizeof(outside), "%s/secret", s->dir);
	fd = open(outside, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(write(fd, "host\n", 5) == 5);
	close(fd);
	mkdirat(s->rootfd, "etc", 0755);
	fd =
	    openat(s->rootfd, "etc/secret", O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(write(fd, "tree\n", 5) == 5);
	close(fd);
	unlinkat(s->rootfd, "abs", 0);
	unlinkat(s->rootfd, "climb", 0);
	unlinkat(s->rootfd, "host", 0);
	assert_int_equal(symlinkat("/etc/secret", s->rootfd, "abs"), 0);
	assert_int_equal(
	    symlinkat("../../../../../../etc/secret", s->rootfd, "climb"), 0);
	assert_int_equal(symlinkat(outside, s->rootfd, "host"), 0);

	for (int i = 0; i < 3; i++) {
		static const char *const via[] = { "abs", "climb",
						   "../../../etc/secret" };
		fd = pe_open_in_root(s->rootfd, via[i], O_RDONLY, 0);
		assert_true(fd >= 0);
		{
			char buf[16] = "";
			assert_true(read(fd, buf, sizeof(buf) - 1) == 5);
			assert_string_equal(buf, "tree\n");
		}
		close(fd);
	}
	/* a link to the host path resolves inside the tree: not there */
	assert_int_equal(pe_open_in_root(s->rootfd, "host", O_RDONLY, 0), -1);
	assert_int_equal(errno, ENOENT);
	/* no links at all when asked */
	assert_int_equal(pe_open_in_root(s->rootfd, "abs", O_RDONLY,
					 RESOLVE_NO_SYMLINKS_FOR_TEST),
			 -1);
	assert_int_equal(errno, ELOOP);
	/* the root itself */
	fd = pe_open_in_root(s->rootfd, "", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd >= 0);
	close(fd);
}

/* openat2 here; the component walk when tests/no-new-api runs this test
 * (tests/integration/no-new-api.sh) */
static void test_open_in_root(void **state)
{
	check_in_root(*state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_name),
		cmocka_unit_test(test_link_inside),
		cmocka_unit_test_setup_teardown(test_files_links_and_parents,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_and_opaque, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
		    test_replace_never_writes_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whiteout_escapes_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_archives, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tree_digest, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_open_in_root, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
