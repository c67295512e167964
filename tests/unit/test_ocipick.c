/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-pass reader of a bundle's config.json (runtime/ocipick.c) against
 * json-c's reading of the same document: every configuration captured from
 * a real runtime (tests/fixtures) reads the same, containerd's all through
 * the picker; the last of two members wins as in json-c; escapes decode as
 * in json-c; and what the picker does not read the way json-c does, it
 * leaves to json-c (unsure).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/container.h"
#include "podenter/exec.h"
#include "runtime/sources.h"

static void assert_same_str(const char *what, const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
		fail_msg("%s: picked \"%s\", json-c \"%s\"", what,
			 a ? a : "(null)", b ? b : "(null)");
}

static void assert_same_record(const struct pe_container *a,
			       const struct pe_container *b)
{
	size_t n = 0;

	assert_int_equal(a->is_sandbox, b->is_sandbox);
	assert_same_str("sandbox_id", a->sandbox_id, b->sandbox_id);
	assert_same_str("namespace", a->namespace, b->namespace);
	assert_same_str("pod", a->pod, b->pod);
	assert_same_str("pod_uid", a->pod_uid, b->pod_uid);
	assert_same_str("image", a->image, b->image);
	assert_same_str("container", a->container, b->container);
	assert_non_null(a->config_env);
	assert_non_null(b->config_env);
	for (; a->config_env[n] && b->config_env[n]; n++)
		assert_same_str("env", a->config_env[n], b->config_env[n]);
	assert_null(a->config_env[n]);
	assert_null(b->config_env[n]);
}

/* The picker reads json, and as json-c does. */
static void expect_same(const char *json)
{
	struct pe_container a = { 0 }, b = { 0 };

	if (pe_containerd_record_pick(json, &a) != 1)
		fail_msg("the picker was unsure of: %s", json);
	assert_int_equal(pe_containerd_record_from_json(json, &b), 0);
	assert_same_record(&a, &b);
	pe_container_clear(&a);
	pe_container_clear(&b);
}

/* The picker leaves json to json-c, with nothing filled in. */
static void expect_unsure(const char *json)
{
	struct pe_container a = { 0 };

	if (pe_containerd_record_pick(json, &a) != 0)
		fail_msg("the picker read what it should leave to json-c: %s",
			 json);
	assert_null(a.pod);
	assert_null(a.config_env);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static unsigned int n_configs, n_containerd, n_containerd_picked;

static int each_config(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	struct pe_container a = { 0 }, b = { 0 };
	const char *base = path + ftw->base;
	bool containerd = strstr(path, "io.containerd.runtime.v2.task") != NULL;
	char *json;
	int r;

	(void)st;
	if (type != FTW_F || strcmp(base, "config.json") != 0)
		return 0;
	json = slurp(path);
	n_configs++;
	n_containerd += containerd;
	r = pe_containerd_record_pick(json, &a);
	if (r == 1) {
		n_containerd_picked += containerd;
		assert_int_equal(pe_containerd_record_from_json(json, &b), 0);
		assert_same_record(&a, &b);
	} else {
		assert_int_equal(r, 0);
	}
	pe_container_clear(&a);
	pe_container_clear(&b);
	free(json);
	return 0;
}

/* Every config.json captured from a real runtime: the same record both
 * ways; containerd's bundles (the attach path's) all through the picker,
 * or its speed is gone without anyone noticing. */
static void test_real_configs_read_alike(void **state)
{
	(void)state;
	assert_int_equal(nftw(FIXTURES, each_config, 16, FTW_PHYS), 0);
	assert_true(n_configs >= 50);
	assert_true(n_containerd >= 5);
	print_message("%u configurations, %u of containerd, all picked\n",
		      n_configs, n_containerd);
	assert_int_equal(n_containerd_picked, n_containerd);
}

#define ANN "\"io.kubernetes.cri."
#define PROCESS "\"process\":{\"env\":[\"A=1\"]}"

static void test_annotations_and_env(void **state)
{
	(void)state;
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "container-type\":\"container\"," ANN
		    "sandbox-id\":\"abc\"," ANN
		    "sandbox-namespace\":\"ns\"," ANN
		    "sandbox-name\":\"pod\"," ANN "sandbox-uid\":\"u-1\"," ANN
		    "image-name\":\"img:1\"," ANN "container-name\":\"c\"}}");
	/* a sandbox has no container name, whatever its annotations say */
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "container-type\":\"sandbox\"," ANN
		    "container-name\":\"c\"}}");
	/* no sandbox-uid (containerd before 1.6.11): from the cgroup path */
	expect_same("{\"linux\":{\"cgroupsPath\":\"/kubepods/besteffort/"
		    "pod0b4f5c5e-1111-2222-3333-444455556666/"
		    "abcdef\"}," PROCESS "}");
	expect_same("{\"process\":{},\"annotations\":{}}");
	expect_same(" {\"process\" : { \"env\" : [ ] } } \n");
}

/* json-c keeps the last of two members of one name: so does the picker. */
static void test_last_member_wins(void **state)
{
	(void)state;
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":\"first\"," ANN
		    "sandbox-name\":\"last\"}}");
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":\"first\"},\"annotations\":{" ANN
		    "sandbox-uid\":\"u\"}}");
	expect_same("{\"process\":{\"env\":[\"A=1\"]},\"process\":{\"env\":["
		    "\"B=2\"]}}");
	expect_same("{\"process\":{\"env\":[\"A=1\"],\"env\":[\"B=2\"]}}");
	expect_same("{\"process\":{\"env\":[\"A=1\"]},\"process\":{}}");
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":\"s\"," ANN "sandbox-name\":7}}");
	expect_same(
	    "{" PROCESS ",\"linux\":{\"cgroupsPath\":\"/kubepods/"
	    "pod0b4f5c5e-1111-2222-3333-444455556666/x\"},\"linux\":{}}");
}

static void test_values_as_json_c_reads_them(void **state)
{
	(void)state;
	/* escapes decoded (UTF-8 from \u, one, two and three bytes) */
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":\"a\\\"b\\\\c\\/d\\n\\t\\b\\f\\r\\u0041"
		    "\\u00e9\\u20ac\\uFFFF\\u0001\"}}");
	expect_same("{\"process\":{\"env\":[\"K=\\u00e9\\n\"]}}");
	/* raw bytes above 0x7f pass as they are, valid UTF-8 or not */
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":\"\xc3\xa9\xff\x7f\"}}");
	/* values that are no strings: none read */
	expect_same("{" PROCESS ",\"annotations\":{" ANN
		    "sandbox-name\":null," ANN
		    "sandbox-uid\":{\"a\":[1,2]}," ANN "image-name\":true}}");
	/* settings only: "KEY" alone, "=V" and non-strings are left out */
	expect_same("{\"process\":{\"env\":[\"A=1\",\"B\",\"=C\",3,null,{},"
		    "[\"D=4\"],\"E=\",\"F=a=b\"]}}");
	/* an env that is no array: an empty environment */
	expect_same("{\"process\":{\"env\":\"A=1\"}}");
	/* everything else is skipped whatever it holds */
	expect_same("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
		    "\"x\":[0,-1,1.5,-0.25,123456789012345678,true,false,null,"
		    "[],{},[[{\"k\":\"v\"}]]]," PROCESS "}");
}

/* What the picker does not read the way json-c does: json-c's. */
static void test_unsure_left_to_json_c(void **state)
{
	static const char *const docs[] = {
		"",
		"[]",
		"\"process\"",
		"{",
		"{\"process\":{}",
		"{\"process\":{}} x",
		"{\"process\":{}}{}",
		"{\"process\":{},}",
		"{'process':{}}",
		"{\"process\":{}} // comment",
		"/* c */ {\"process\":{}}",
		"{\"annotations\":{}}", /* no process */
		"{\"process\":[]}",
		"{\"process\":{},\"annotations\":[]}",
		"{\"process\":{},\"linux\":\"x\"}",
		"{\"process\":{},\"Config\":{\"Env\":[\"A=1\"]}}",
		"{\"proc\\u0065ss\":{}}",
		"{\"process\":{\"\\u0065nv\":[]}}",
		"{\"process\":{\"env\":[\"A=\\u0000b\"]}}",
		"{\"process\":{\"env\":[\"A=\\ud83d\\ude00\"]}}",
		"{\"process\":{\"env\":[\"A=\\udc00\"]}}",
		"{\"process\":{\"env\":[\"A=\\x41\"]}}",
		"{\"process\":{\"env\":[\"A=\\u12\"]}}",
		"{\"process\":{\"env\":[\"A=\t\"]}}",
		"{\"process\":{},\"n\":1e5}",
		"{\"process\":{},\"n\":1E-2}",
		"{\"process\":{},\"n\":1234567890123456789}",
		"{\"process\":{},\"n\":01}",
		"{\"process\":{},\"n\":+1}",
		"{\"process\":{},\"n\":.5}",
		"{\"process\":{},\"n\":1.}",
		"{\"process\":{},\"n\":NaN}",
		"{\"process\":{},\"n\":Infinity}",
		"{\"process\":{},\"n\":True}",
		"{\"process\":{},\"n\":nul}",
		"{\"process\":{},\"n\":[1,]}",
		"{\"process\":{},\"n\":[1 2]}",
		"{\"process\":{},\"n\":{\"a\" 1}}",
		"{\"process\":{},\"n\":{1:2}}",
		/* even where nothing is read: json-c may refuse the whole */
		"{\"process\":{},\"x\":[{\"\\u0000\":1}]}",
		"{\"process\":{},\"x\":\"\\ud800\"}",
	};
	char deep[256];
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		expect_unsure(docs[i]);
	/* deeper than PICK_MAX_DEPTH: json-c's limit is near */
	n += (size_t)snprintf(deep, sizeof(deep), "{\"process\":{},\"d\":");
	for (int i = 0; i < 30; i++)
		deep[n++] = '[';
	for (int i = 0; i < 30; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	deep[n] = '\0';
	expect_unsure(deep);
	/* and one level less is read */
	memmove(deep + 20, deep + 21, strlen(deep + 21) + 1);
	memmove(deep + 50, deep + 51, strlen(deep + 51) + 1);
	expect_same(deep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_configs_read_alike),
		cmocka_unit_test(test_annotations_and_env),
		cmocka_unit_test(test_last_member_wins),
		cmocka_unit_test(test_values_as_json_c_reads_them),
		cmocka_unit_test(test_unsure_left_to_json_c),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
