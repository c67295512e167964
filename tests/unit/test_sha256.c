/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SHA-256 against the FIPS 180-4 example vectors and sha256sum(1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sha256.h"

static void hex_of(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	struct pe_sha256 s;

	pe_sha256_init(&s);
	pe_sha256_update(&s, data, len);
	pe_sha256_final(&s, d);
	pe_sha256_hex(d, out);
}

static void test_vectors(void **state)
{
	char hex[65];

	(void)state;
	hex_of("", 0, hex);
	assert_string_equal(
	    hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	assert_string_equal(
	    hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 56 bytes: the padding needs a second block */
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       hex);
	assert_string_equal(
	    hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* A million 'a's fed in uneven pieces: every path through update(). */
static void test_million_a_in_pieces(void **state)
{
	static unsigned char buf[1000];
	unsigned char d[32];
	struct pe_sha256 s;
	size_t left = 1000000, step = 1;
	char hex[65];

	(void)state;
	memset(buf, 'a', sizeof(buf));
	pe_sha256_init(&s);
	while (left) {
		size_t n = step < left ? step : left;

		pe_sha256_update(&s, buf, n);
		left -= n;
		step = step * 7 % 997 + 1;
	}
	pe_sha256_final(&s, d);
	pe_sha256_hex(d, hex);
	assert_string_equal(
	    hex,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length around the block and padding edges, against sha256sum. */
static void test_edges_against_sha256sum(void **state)
{
	char path[] = "/tmp/podenter-sha256-XXXXXX";
	unsigned char data[200];

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 31 + 7);
	for (size_t len = 50; len <= 130; len++) {
		char cmd[128], want[65] = "", got[65];
		int fd;
		FILE *f;

		strcpy(path, "/tmp/podenter-sha256-XXXXXX");
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, data, len), (ssize_t)len);
		close(fd);
		snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
		f = popen(cmd, "r");
		assert_non_null(f);
		assert_int_equal(fscanf(f, "%64s", want), 1);
		pclose(f);
		unlink(path);
		hex_of(data, len, got);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a_in_pieces),
		cmocka_unit_test(test_edges_against_sha256sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
