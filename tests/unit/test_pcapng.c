/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pcapng and pcap encoders, checked two ways: libpcap's own reader must
 * return the packets byte for byte with nanosecond timestamps, and a block
 * walk checks lengths, padding and the interface-name options that libpcap
 * does not expose.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/sniff.h"

static const uint64_t ts_base = 1764250000123456789ull;

static FILE *as_file(const struct pe_buf *b)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
	rewind(f);
	return f;
}

static pcap_t *open_reader(const struct pe_buf *b)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_fopen_offline_with_tstamp_precision(
	    as_file(b), PCAP_TSTAMP_PRECISION_NANO, ebuf);

	if (!p)
		fail_msg("libpcap refused the file: %s", ebuf);
	return p;
}

static uint32_t u32_at(const struct pe_buf *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b->data + off, sizeof(v));
	return v;
}

/* Check every block's framing; return the number of blocks. */
static unsigned walk_blocks(const struct pe_buf *b)
{
	size_t off = 0;
	unsigned n = 0;

	while (off < b->len) {
		uint32_t len = u32_at(b, off + 4);

		assert_true(len >= 12);
		assert_int_equal(len % 4, 0);
		assert_true(off + len <= b->len);
		assert_int_equal(u32_at(b, off + len - 4), len);
		off += len;
		n++;
	}
	assert_int_equal(off, b->len);
	return n;
}

/* The if_name option of the IDB at off, or NULL. */
static char *idb_name(const struct pe_buf *b, size_t off)
{
	uint32_t len = u32_at(b, off + 4);
	size_t o = off + 16;

	while (o + 4 <= off + len - 4) {
		uint16_t code, olen;

		memcpy(&code, b->data + o, 2);
		memcpy(&olen, b->data + o + 2, 2);
		if (code == 0)
			break;
		if (code == 2)
			return strndup((const char *)b->data + o + 4, olen);
		o += 4 + ((olen + 3u) & ~3u);
	}
	return NULL;
}

static void test_pcapng_read_back_by_libpcap(void **state)
{
	static const unsigned char pkt[60] = {
		0xde, 0xad, 0xbe, 0xef, 1, 2, 3
	};
	const uint32_t lens[] = { 1, 5, 60 };
	struct pe_buf b = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	(void)state;
	assert_int_equal(pe_pcapng_shb(&b, "podenter test"), 0);
	assert_int_equal(pe_pcapng_idb(&b, DLT_EN10MB, 65535,
				       "default/web-0:eth0",
				       "interface eth0 of default/web-0"),
			 0);
	for (unsigned k = 0; k < 3; k++)
		assert_int_equal(pe_pcapng_epb(&b, 0, ts_base + k, pkt, lens[k],
					       lens[k] + 100 * k),
				 0);
	assert_int_equal(pe_pcapng_isb(&b, 0, ts_base + 10, 3, 0), 0);
	assert_int_equal(walk_blocks(&b), 6);

	p = open_reader(&b);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	for (unsigned k = 0; k < 3; k++) {
		assert_int_equal(pcap_next_ex(p, &h, &data), 1);
		assert_int_equal(h->caplen, lens[k]);
		assert_int_equal(h->len, lens[k] + 100 * k);
		assert_memory_equal(data, pkt, lens[k]);
		assert_int_equal((uint64_t)h->ts.tv_sec * 1000000000ull +
				     (uint64_t)h->ts.tv_usec,
				 ts_base + k);
	}
	/* the statistics block is skipped, then the file ends cleanly */
	assert_int_equal(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
	pe_buf_free(&b);
}

static void test_pcapng_names_every_padding(void **state)
{
	const char *names[] = {
		"a",	     "ab",
		"abc",	     "abcd",
		"ns/p:eth0", "default/nginx-deployment-7848d4b86f-6qzm9:eth0"
	};
	struct pe_buf b = { 0 };
	size_t off;
	unsigned k;

	(void)state;
	assert_int_equal(pe_pcapng_shb(&b, NULL), 0);
	for (k = 0; k < 6; k++)
		assert_int_equal(pe_pcapng_idb(&b, DLT_EN10MB, 262144, names[k],
					       k % 2 ? NULL : names[k]),
				 0);
	assert_int_equal(walk_blocks(&b), 7);
	off = u32_at(&b, 4); /* past the SHB */
	for (k = 0; k < 6; k++) {
		char *got = idb_name(&b, off);

		assert_int_equal(u32_at(&b, off), 1);
		assert_non_null(got);
		assert_string_equal(got, names[k]);
		free(got);
		off += u32_at(&b, off + 4);
	}
	pe_buf_free(&b);
}

static void test_pcapng_two_interfaces(void **state)
{
	static const unsigned char a[14] = { 0xaa }, c[14] = { 0xcc };
	struct pe_buf b = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	(void)state;
	assert_int_equal(pe_pcapng_shb(&b, NULL), 0);
	assert_int_equal(
	    pe_pcapng_idb(&b, DLT_EN10MB, 262144, "ns/a:eth0", NULL), 0);
	assert_int_equal(
	    pe_pcapng_idb(&b, DLT_EN10MB, 262144, "ns/b:eth0", NULL), 0);
	assert_int_equal(pe_pcapng_epb(&b, 1, ts_base, c, 14, 14), 0);
	assert_int_equal(pe_pcapng_epb(&b, 0, ts_base + 1, a, 14, 14), 0);
	/* the interface id is in each EPB, right after the block length */
	assert_int_equal(u32_at(&b, b.len - 2 * 48 + 8), 1);
	assert_int_equal(u32_at(&b, b.len - 48 + 8), 0);
	p = open_reader(&b);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(data[0], 0xcc);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(data[0], 0xaa);
	pcap_close(p);
	pe_buf_free(&b);
}

static void test_classic_pcap_nanoseconds(void **state)
{
	static const unsigned char pkt[3] = { 1, 2, 3 };
	struct pe_buf b = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	(void)state;
	assert_int_equal(pe_pcap_header(&b, DLT_EN10MB, 96), 0);
	assert_int_equal(pe_pcap_record(&b, ts_base, pkt, 3, 1500), 0);
	assert_int_equal(b.len, 24 + 16 + 3);
	p = open_reader(&b);
	assert_int_equal(pcap_snapshot(p), 96);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	assert_int_equal(pcap_next_ex(p, &h, &data), 1);
	assert_int_equal(h->caplen, 3);
	assert_int_equal(h->len, 1500);
	assert_int_equal(h->ts.tv_sec, ts_base / 1000000000ull);
	assert_int_equal(h->ts.tv_usec, ts_base % 1000000000ull);
	assert_memory_equal(data, pkt, 3);
	pcap_close(p);
	pe_buf_free(&b);
}

static void test_buffer_grows_past_first_block(void **state)
{
	static unsigned char big[70000];
	struct pe_buf b = { 0 };

	(void)state;
	memset(big, 0x5a, sizeof(big));
	assert_int_equal(pe_pcapng_shb(&b, NULL), 0);
	assert_int_equal(pe_pcapng_idb(&b, DLT_EN10MB, 262144, "x:eth0", NULL),
			 0);
	assert_int_equal(
	    pe_pcapng_epb(&b, 0, ts_base, big, sizeof(big), sizeof(big)), 0);
	assert_int_equal(walk_blocks(&b), 3);
	assert_true(b.cap >= b.len);
	pe_buf_free(&b);
	assert_null(b.data);
}

static void test_filter_errors_point_at_the_word(void **state)
{
	struct pe_error err;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_sniff_check_filter("tcp port 80", 262144, &err), 0);
	assert_int_equal(pe_sniff_check_filter(NULL, 262144, &err), 0);
	assert_int_equal(pe_sniff_check_filter("tcp port eighty", 262144, &err),
			 -1);
	assert_int_equal(err.kind, PE_ERR_USAGE);
	assert_non_null(strstr(err.msg, "eighty"));
	/* the caret line sits under the word: "filter: " is 8 wide */
	assert_non_null(strstr(err.hint, "\n                 ^~~~~~\n"));
	pe_error_clear(&err);
	assert_int_equal(pe_sniff_check_filter("icmp and (", 262144, &err), -1);
	assert_non_null(strstr(err.msg, "syntax error"));
}

/* Field 22 of /proc/self/stat. */
static unsigned long long own_start_time(void)
{
	char buf[1024], *p;
	unsigned long long v = 0;
	FILE *f = fopen("/proc/self/stat", "r");

	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	p = strrchr(buf, ')');
	assert_non_null(p);
	/* after ") " come fields 3..: skip 19 of them to reach 22 */
	p += 2;
	for (int k = 0; k < 19; k++)
		p = strchr(p, ' ') + 1;
	v = strtoull(p, NULL, 10);
	return v;
}

static void test_pin_checks_identity(void **state)
{
	struct pe_container c = { 0 };
	struct pe_sniff_pod pod;
	struct pe_hostroot hr;
	struct pe_error err;
	struct stat st;

	(void)state;
	pe_error_clear(&err);
	assert_int_equal(pe_hostroot_open(&hr, "/", &err), 0);
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	c.pid = getpid();
	c.pid_state = PE_PID_VERIFIED;
	c.start_time = own_start_time();
	c.ns_inode[PE_NS_NET] = st.st_ino;

	assert_int_equal(pe_sniff_pin(&hr, &c, "me", &pod, &err), 0);
	assert_true(pod.pidfd >= 0);
	assert_true(pod.netns_fd >= 0);
	assert_int_equal(pod.netns_inode, st.st_ino);
	assert_true(pod.host_network);
	assert_string_equal(pod.label, "me");
	pe_sniff_pod_close(&pod);
	assert_int_equal(pod.pidfd, -1);

	/* a PID whose process started at another time is someone else */
	c.start_time += 1;
	assert_int_equal(pe_sniff_pin(&hr, &c, "me", &pod, &err), -1);
	assert_int_equal(err.kind, PE_ERR_STALE);
	assert_non_null(strstr(err.msg, "replaced by another process"));
	assert_int_equal(pod.pidfd, -1);
	assert_int_equal(pod.netns_fd, -1);

	/* the session's pin: a process that left the container's cgroup
	 * (restarted container, reused PID) is refused too */
	c.start_time -= 1;
	c.container_id = (char *)"0123456789abcdef0123456789abcdef"
				 "0123456789abcdef0123456789abcdef";
	pe_error_clear(&err);
	assert_int_equal(pe_sniff_pin(&hr, &c, "me", &pod, &err), -1);
	assert_int_equal(err.kind, PE_ERR_STALE);
	assert_non_null(strstr(err.msg, "left its container's cgroup"));
	assert_int_equal(pod.pidfd, -1);
	c.container_id = NULL;
	c.start_time += 1;

	/* resolved with another network namespace: refused */
	c.start_time -= 1;
	c.ns_inode[PE_NS_NET] = st.st_ino + 1;
	pe_error_clear(&err);
	assert_int_equal(pe_sniff_pin(&hr, &c, "me", &pod, &err), -1);
	assert_int_equal(err.kind, PE_ERR_STALE);

	/* not verified: nothing is opened */
	c.pid_state = PE_PID_STALE;
	pe_error_clear(&err);
	assert_int_equal(pe_sniff_pin(&hr, &c, "me", &pod, &err), -1);
	assert_int_equal(err.kind, PE_ERR_NOT_FOUND);
	pe_hostroot_close(&hr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcapng_read_back_by_libpcap),
		cmocka_unit_test(test_pcapng_names_every_padding),
		cmocka_unit_test(test_pcapng_two_interfaces),
		cmocka_unit_test(test_classic_pcap_nanoseconds),
		cmocka_unit_test(test_buffer_grows_past_first_block),
		cmocka_unit_test(test_filter_errors_point_at_the_word),
		cmocka_unit_test(test_pin_checks_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
