/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcapng and classic pcap encoders, in host byte order (the byte-order
 * magic tells readers which). Blocks are appended whole to a buffer so the
 * caller can write them with one write(2) and a reader never sees half a
 * block at a write boundary.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/sniff.h"

#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 0x00000001u
#define PCAPNG_ISB 0x00000005u
#define PCAPNG_EPB 0x00000006u
#define PCAPNG_BYTE_ORDER_MAGIC 0x1A2B3C4Du

#define OPT_ENDOFOPT 0
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_DESCRIPTION 3
#define OPT_IF_TSRESOL 9
#define OPT_ISB_IFRECV 4
#define OPT_ISB_IFDROP 5

/* nanosecond classic pcap, so both formats keep the kernel's precision */
#define PCAP_MAGIC_NSEC 0xA1B23C4Du

/* pcapng strings are option values: at most 65535 bytes, padded to 4 */
#define OPT_VALUE_MAX 65535u

void pe_buf_free(struct pe_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int buf_reserve(struct pe_buf *b, size_t more)
{
	size_t want = b->len + more;
	unsigned char *p;
	size_t cap;

	if (want <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < want)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p) {
		errno = ENOMEM;
		return -1;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

static void put(struct pe_buf *b, const void *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put32(struct pe_buf *b, uint32_t v)
{
	put(b, &v, sizeof(v));
}

static void put16(struct pe_buf *b, uint16_t v)
{
	put(b, &v, sizeof(v));
}

static void put64(struct pe_buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

static void pad4(struct pe_buf *b)
{
	while (b->len % 4)
		b->data[b->len++] = 0;
}

static size_t pad_len(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static size_t str_opt_len(const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	n = strlen(s);
	if (n > OPT_VALUE_MAX)
		n = OPT_VALUE_MAX;
	return 4 + pad_len(n);
}

static void put_str_opt(struct pe_buf *b, uint16_t code, const char *s)
{
	size_t n;

	if (!s || !*s)
		return;
	n = strlen(s);
	if (n > OPT_VALUE_MAX)
		n = OPT_VALUE_MAX;
	put16(b, code);
	put16(b, (uint16_t)n);
	put(b, s, n);
	pad4(b);
}

static void put_end_opts(struct pe_buf *b)
{
	put16(b, OPT_ENDOFOPT);
	put16(b, 0);
}

int pe_pcapng_shb(struct pe_buf *b, const char *user_appl)
{
	size_t opts = str_opt_len(user_appl);
	size_t total = 28 + (opts ? opts + 4 : 0);

	if (buf_reserve(b, total) < 0)
		return -1;
	put32(b, PCAPNG_SHB);
	put32(b, (uint32_t)total);
	put32(b, PCAPNG_BYTE_ORDER_MAGIC);
	put16(b, 1); /* major */
	put16(b, 0); /* minor */
	put64(b, UINT64_MAX); /* section length not known: streamed */
	if (opts) {
		put_str_opt(b, OPT_SHB_USERAPPL, user_appl);
		put_end_opts(b);
	}
	put32(b, (uint32_t)total);
	return 0;
}

int pe_pcapng_idb(struct pe_buf *b, uint16_t linktype, uint32_t snaplen,
		  const char *name, const char *description)
{
	size_t opts = str_opt_len(name) + str_opt_len(description) + 8 + 4;
	size_t total = 20 + opts;

	if (buf_reserve(b, total) < 0)
		return -1;
	put32(b, PCAPNG_IDB);
	put32(b, (uint32_t)total);
	put16(b, linktype);
	put16(b, 0);
	put32(b, snaplen);
	put_str_opt(b, OPT_IF_NAME, name);
	put_str_opt(b, OPT_IF_DESCRIPTION, description);
	put16(b, OPT_IF_TSRESOL);
	put16(b, 1);
	b->data[b->len++] = 9; /* 10^-9 s */
	pad4(b);
	put_end_opts(b);
	put32(b, (uint32_t)total);
	return 0;
}

int pe_pcapng_epb(struct pe_buf *b, uint32_t ifid, uint64_t ts_ns,
		  const unsigned char *data, uint32_t caplen, uint32_t origlen)
{
	size_t total = 32 + pad_len(caplen);

	if (buf_reserve(b, total) < 0)
		return -1;
	put32(b, PCAPNG_EPB);
	put32(b, (uint32_t)total);
	put32(b, ifid);
	put32(b, (uint32_t)(ts_ns >> 32));
	put32(b, (uint32_t)ts_ns);
	put32(b, caplen);
	put32(b, origlen);
	put(b, data, caplen);
	pad4(b);
	put32(b, (uint32_t)total);
	return 0;
}

static void put_u64_opt(struct pe_buf *b, uint16_t code, uint64_t v)
{
	put16(b, code);
	put16(b, 8);
	put64(b, v);
}

int pe_pcapng_isb(struct pe_buf *b, uint32_t ifid, uint64_t ts_ns,
		  uint64_t received, uint64_t dropped)
{
	size_t total = 24 + 2 * 12 + 4;

	if (buf_reserve(b, total) < 0)
		return -1;
	put32(b, PCAPNG_ISB);
	put32(b, (uint32_t)total);
	put32(b, ifid);
	put32(b, (uint32_t)(ts_ns >> 32));
	put32(b, (uint32_t)ts_ns);
	put_u64_opt(b, OPT_ISB_IFRECV, received);
	put_u64_opt(b, OPT_ISB_IFDROP, dropped);
	put_end_opts(b);
	put32(b, (uint32_t)total);
	return 0;
}

int pe_pcap_header(struct pe_buf *b, uint32_t linktype, uint32_t snaplen)
{
	if (buf_reserve(b, 24) < 0)
		return -1;
	put32(b, PCAP_MAGIC_NSEC);
	put16(b, 2);
	put16(b, 4);
	put32(b, 0); /* thiszone */
	put32(b, 0); /* sigfigs */
	put32(b, snaplen);
	put32(b, linktype);
	return 0;
}

int pe_pcap_record(struct pe_buf *b, uint64_t ts_ns, const unsigned char *data,
		   uint32_t caplen, uint32_t origlen)
{
	if (buf_reserve(b, 16 + (size_t)caplen) < 0)
		return -1;
	put32(b, (uint32_t)(ts_ns / 1000000000u));
	put32(b, (uint32_t)(ts_ns % 1000000000u));
	put32(b, caplen);
	put32(b, origlen);
	put(b, data, caplen);
	return 0;
}
