/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capturing pods' traffic from the node.
 *
 * A packet socket belongs to the network namespace it was created in, for
 * its whole life. So this thread enters each pod's network namespace only
 * to create its pcap handles, and returns to the host's at once: the
 * capture then runs in one poll loop of this process, with the host's
 * mounts and files, and nothing runs in (or is added to) the pod. One loop
 * rather than a thread per pod: every packet ends in the same output
 * stream anyway, and bench/sniff.sh shows the loop keeps up with 100k
 * packets/s with no kernel drops on this two-core machine.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcapload.h"
#include "podenter/nsjoin.h"
#include "podenter/passwd.h"
#include "podenter/sandbox.h"
#include "podenter/sniff.h"
#include "runtime/sources.h"
#include "syscalls.h"

/* TPACKET_V3 hands over a block when it fills or after this long: the
 * latency of a live stream, and how long a stop waits for the last one. */
#define SNIFF_BLOCK_TIMEOUT_MS 100
#define SNIFF_DEFAULT_BUFFER_KIB 4096
#define SNIFF_MAX_LINKTYPES 8
/* a hostile pod can make thousands of interfaces; each handle costs a
 * kernel ring, so beyond this the user must choose with -i */
#define SNIFF_MAX_IFACES_PER_POD 64

struct sniff_iface {
	char name[IFNAMSIZ];
	char display[sizeof(((struct pe_sniff_pod *)0)->label) + IFNAMSIZ + 2];
	size_t pod;
	pcap_t *h;
	int fd;
	int linktype;
	bool nano;
	bool closed;
	uint64_t captured;
	uint64_t recv, drop;
	struct pcap_stat stat;
};

struct sniff_packet {
	uint64_t ts_ns;
	uint64_t seq;
	size_t off;
	size_t len;
};

struct pe_sniff {
	struct pe_sniff_pod *pods;
	size_t npods;
	struct pe_sniff_opts opts;
	struct sniff_iface *ifaces;
	size_t nifaces;
	struct {
		int linktype;
		struct bpf_program prog;
	} progs[SNIFF_MAX_LINKTYPES];
	size_t nprogs;

	/* one poll round of packets, encoded, then written in time order */
	struct pe_buf round;
	struct sniff_packet *pkts;
	size_t npkts, pkts_cap;
	struct pe_buf out;
	uint64_t seq;
	uint64_t written;
	bool count_reached;
	bool oom;
	bool reader_gone;
};

/* ---- pinning ----------------------------------------------------------- */

static unsigned long inode_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/*
 * The session's pin (nsjoin.h): pidfd, then the identity re-checked (start
 * time and, for a container, its cgroup), then the namespace handle opened
 * through the pinned /proc/PID and the process checked alive after it.
 */
int pe_sniff_pin(const struct pe_hostroot *hr, const struct pe_container *c,
		 const char *label, struct pe_sniff_pod *pod,
		 struct pe_error *err)
{
	struct pe_pin pin;
	int self;

	memset(pod, 0, sizeof(*pod));
	pod->pidfd = -1;
	pod->netns_fd = -1;
	snprintf(pod->label, sizeof(pod->label), "%s", label);
	if (c->pid <= 0 || c->pid_state != PE_PID_VERIFIED)
		return pe_error_set(err, PE_ERR_NOT_FOUND, ESRCH,
				    "%s has no running process to capture from",
				    label);
	if (pe_pin_target(hr, c, &pin, err) < 0)
		return pe_error_wrap(err, "%s", label);
	pod->pid = c->pid;
	pod->netns_fd = openat(pin.procfd, "ns/net", O_RDONLY | O_CLOEXEC);
	if (pod->netns_fd < 0) {
		pe_error_errno(err, "%s: opening /proc/%d/ns/net", label,
			       (int)c->pid);
		goto fail;
	}
	pod->netns_inode = inode_of_fd(pod->netns_fd);
	if (pod->netns_inode != pin.ns_inode[PE_NS_NET] ||
	    (c->ns_inode[PE_NS_NET] &&
	     pod->netns_inode != c->ns_inode[PE_NS_NET])) {
		pe_error_set(err, PE_ERR_STALE, 0,
			     "%s: process %d changed network namespace", label,
			     (int)c->pid);
		goto fail;
	}
	/* alive after the open: the namespace file was that process's */
	if (pe_pin_check_alive(&pin, err) < 0) {
		pe_error_wrap(err, "%s", label);
		goto fail;
	}
	/* the pidfd stays (readable when the pod is gone); the /proc/PID
	 * directory is not needed any more */
	pod->pidfd = pin.pidfd;
	pin.pidfd = -1;
	pe_pin_release(&pin);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self >= 0) {
		pod->host_network = inode_of_fd(self) == pod->netns_inode;
		close(self);
	}
	return 0;
fail:
	pe_pin_release(&pin);
	pe_sniff_pod_close(pod);
	return -1;
}

void pe_sniff_pod_close(struct pe_sniff_pod *pod)
{
	if (pod->pidfd >= 0)
		close(pod->pidfd);
	if (pod->netns_fd >= 0)
		close(pod->netns_fd);
	pod->pidfd = -1;
	pod->netns_fd = -1;
}

/* ---- filters ----------------------------------------------------------- */

/*
 * libpcap's messages quote the word it choked on ("unknown host 'foo'") or
 * name the token ("syntax error"); point at the quoted word in the filter
 * text when there is one.
 */
static void hint_filter_position(struct pe_error *err, const char *filter,
				 const char *msg)
{
	const char *q1 = strchr(msg, '\''), *q2, *at = NULL;
	char word[256];
	size_t n;

	pe_error_hint(err, "filter: %s", filter);
	if (q1 && (q2 = strchr(q1 + 1, '\'')) && q2 > q1 + 1) {
		n = (size_t)(q2 - q1 - 1);
		if (n < sizeof(word)) {
			memcpy(word, q1 + 1, n);
			word[n] = '\0';
			at = strstr(filter, word);
		}
	}
	if (at) {
		int col = (int)(at - filter) + (int)strlen("filter: ");

		pe_error_hint(err, "%*s^%.*s", col, "",
			      (int)strlen(word) > 1 ? (int)strlen(word) - 1 : 0,
			      "~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~"
			      "~~~~~~~~~~~~~~~");
	}
	pe_error_hint(err, "the syntax is pcap-filter(7), as for tcpdump");
}

static int compile_filter(pcap_t *h, const char *filter,
			  struct bpf_program *prog, struct pe_error *err)
{
	if (pcap_compile(h, prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0)
		return 0;
	pe_error_set(err, PE_ERR_USAGE, 0, "bad capture filter: %s",
		     pcap_geterr(h));
	hint_filter_position(err, filter, pcap_geterr(h));
	return -1;
}

int pe_sniff_check_filter(const char *filter, uint32_t snaplen,
			  struct pe_error *err)
{
	struct bpf_program prog;
	pcap_t *dead;
	int r;

	if (!filter || !*filter)
		return 0;
	if (pe_pcap_load(err) < 0)
		return -1;
	dead = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (!dead)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "libpcap");
	r = compile_filter(dead, filter, &prog, err);
	if (r == 0)
		pcap_freecode(&prog);
	pcap_close(dead);
	return r;
}

/* The filter compiled once per link type (veths are all Ethernet; a
 * tunnel or "any" needs its own program). */
static int set_filter(struct pe_sniff *s, struct sniff_iface *i,
		      struct pe_error *err)
{
	size_t k;

	if (!s->opts.filter || !*s->opts.filter)
		return 0;
	for (k = 0; k < s->nprogs; k++)
		if (s->progs[k].linktype == i->linktype)
			break;
	if (k == s->nprogs) {
		if (k == SNIFF_MAX_LINKTYPES)
			return pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
					    "too many link types");
		if (compile_filter(i->h, s->opts.filter, &s->progs[k].prog,
				   err) < 0)
			return pe_error_wrap(
			    err, "%s (link type %s)", i->display,
			    pcap_datalink_val_to_name(i->linktype));
		s->progs[k].linktype = i->linktype;
		s->nprogs++;
	}
	if (pcap_setfilter(i->h, &s->progs[k].prog) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, 0,
				    "%s: setting filter: %s", i->display,
				    pcap_geterr(i->h));
	return 0;
}

/* ---- opening ----------------------------------------------------------- */

static int open_handle(struct pe_sniff *s, struct sniff_iface *i,
		       struct pe_error *err)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int kib =
	    s->opts.buffer_kib ? s->opts.buffer_kib : SNIFF_DEFAULT_BUFFER_KIB;
	int r;

	i->h = pcap_create(i->name, ebuf);
	if (!i->h)
		return pe_error_set(err, PE_ERR_SYSTEM, 0, "%s: %s", i->display,
				    ebuf);
	pcap_set_snaplen(i->h, (int)s->opts.snaplen);
	/* promiscuous mode would change the pod's interface (ip link shows
	 * PROMISC); a pod's veth sees its own traffic without it */
	pcap_set_promisc(i->h, 0);
	pcap_set_timeout(i->h, SNIFF_BLOCK_TIMEOUT_MS);
	pcap_set_buffer_size(i->h, kib * 1024);
	i->nano =
	    pcap_set_tstamp_precision(i->h, PCAP_TSTAMP_PRECISION_NANO) == 0;
	r = pcap_activate(i->h);
	if (r < 0) {
		pe_error_set(err,
			     r == PCAP_ERROR_NO_SUCH_DEVICE ? PE_ERR_NOT_FOUND
							    : PE_ERR_SYSTEM,
			     0, "capturing on %s: %s", i->display,
			     pcap_geterr(i->h));
		if (r == PCAP_ERROR_PERM_DENIED)
			pe_error_hint(
			    err, "capturing needs CAP_NET_RAW (run as root)");
		return -1;
	}
	i->linktype = pcap_datalink(i->h);
	if (set_filter(s, i, err) < 0)
		return -1;
	if (pcap_setnonblock(i->h, 1, ebuf) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, 0, "%s: %s", i->display,
				    ebuf);
	i->fd = pcap_get_selectable_fd(i->h);
	if (i->fd < 0)
		return pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				    "%s: no pollable descriptor", i->display);
	/* a packet socket must not reach a program we might exec */
	fcntl(i->fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/*
 * Interface names come from the pod (with NET_ADMIN it names its own) and
 * end up on terminals and in Wireshark: the kernel forbids '/', ':' and
 * spaces but not control characters, so those are shown as '?'.
 */
static void printable_copy(char *dst, size_t size, const char *src)
{
	size_t k;

	for (k = 0; k + 1 < size && src[k]; k++) {
		unsigned char ch = (unsigned char)src[k];

		dst[k] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
	}
	dst[k] = '\0';
}

static struct sniff_iface *add_iface(struct pe_sniff *s, size_t pod,
				     const char *name)
{
	struct sniff_iface *n, *i;
	char shown[IFNAMSIZ];

	n = realloc(s->ifaces, (s->nifaces + 1) * sizeof(*n));
	if (!n)
		return NULL;
	s->ifaces = n;
	i = &s->ifaces[s->nifaces++];
	memset(i, 0, sizeof(*i));
	i->fd = -1;
	i->pod = pod;
	snprintf(i->name, sizeof(i->name), "%s", name);
	printable_copy(shown, sizeof(shown), name);
	snprintf(i->display, sizeof(i->display), "%s:%s", s->pods[pod].label,
		 shown);
	return i;
}

static bool iface_is_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return false;
	return (ifr.ifr_flags & IFF_UP) != 0;
}

static void append_name(char *list, size_t size, const char *name)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, "%s%s", len ? ", " : "", name);
}

/* Runs with the pod's network namespace as this thread's. */
static int open_pod_ifaces(struct pe_sniff *s, size_t p, struct pe_error *err)
{
	struct pe_sniff_pod *pod = &s->pods[p];
	struct if_nameindex *names, *n;
	char present[512] = "";
	int sock, r = 0;

	names = if_nameindex();
	if (!names)
		return pe_error_errno(err, "%s: listing interfaces",
				      pod->label);
	/* created here, so it asks about the pod's interfaces */
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (n = names; n->if_index; n++) {
		struct sniff_iface *i;
		char shown[IFNAMSIZ];

		printable_copy(shown, sizeof(shown), n->if_name);
		append_name(present, sizeof(present), shown);
		if (s->opts.iface) {
			if (strcmp(n->if_name, s->opts.iface) != 0)
				continue;
		} else if (strcmp(n->if_name, "lo") == 0) {
			continue;
		} else if (sock >= 0 && !iface_is_up(sock, n->if_name)) {
			append_name(pod->skipped, sizeof(pod->skipped), shown);
			continue;
		}
		if (pod->n_ifaces == SNIFF_MAX_IFACES_PER_POD) {
			r = pe_error_set(err, PE_ERR_USAGE, E2BIG,
					 "%s has more than %d interfaces",
					 pod->label, SNIFF_MAX_IFACES_PER_POD);
			pe_error_hint(err,
				      "choose one with -i IFACE (or -i any)");
			goto out;
		}
		i = add_iface(s, p, n->if_name);
		if (!i) {
			r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					 "interfaces");
			goto out;
		}
		pod->n_ifaces++;
		if (open_handle(s, i, err) < 0) {
			r = -1;
			goto out;
		}
	}
	if (s->opts.iface && strcmp(s->opts.iface, "any") == 0 &&
	    !pod->n_ifaces) {
		struct sniff_iface *i = add_iface(s, p, "any");

		if (!i) {
			r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					 "interfaces");
			goto out;
		}
		pod->n_ifaces++;
		r = open_handle(s, i, err);
		goto out;
	}
	if (!pod->n_ifaces) {
		if (s->opts.iface)
			r = pe_error_set(err, PE_ERR_NOT_FOUND, ENODEV,
					 "%s has no interface '%s'", pod->label,
					 s->opts.iface);
		else
			r = pe_error_set(
			    err, PE_ERR_NOT_FOUND, ENODEV,
			    "%s has no interface that is up besides lo",
			    pod->label);
		pe_error_hint(err, "its interfaces: %s", present);
	}
out:
	if (sock >= 0)
		close(sock);
	if_freenameindex(names);
	return r;
}

void pe_sniff_default_iface(char *out, size_t size)
{
	struct if_nameindex *names = if_nameindex(), *n;
	int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unsigned up = 0;

	snprintf(out, size, "any");
	for (n = names; n && n->if_index; n++) {
		if (strcmp(n->if_name, "lo") == 0 || sock < 0 ||
		    !iface_is_up(sock, n->if_name))
			continue;
		if (++up == 1)
			snprintf(out, size, "%s", n->if_name);
	}
	for (const char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			up = 0; /* a name that would reach the terminal raw */
	if (up != 1)
		snprintf(out, size, "any");
	if (sock >= 0)
		close(sock);
	if (names)
		if_freenameindex(names);
}

static void close_iface(struct sniff_iface *i)
{
	if (i->closed || !i->h)
		return;
	if (pcap_stats(i->h, &i->stat) == 0) {
		i->recv = i->stat.ps_recv;
		i->drop = i->stat.ps_drop;
	}
	pcap_close(i->h);
	i->h = NULL;
	i->fd = -1;
	i->closed = true;
}

void pe_sniff_close(struct pe_sniff *s)
{
	if (!s)
		return;
	for (size_t k = 0; k < s->nifaces; k++)
		close_iface(&s->ifaces[k]);
	for (size_t k = 0; k < s->nprogs; k++)
		pcap_freecode(&s->progs[k].prog);
	free(s->ifaces);
	free(s->pkts);
	pe_buf_free(&s->round);
	pe_buf_free(&s->out);
	free(s);
}

int pe_sniff_open(struct pe_sniff **out, struct pe_sniff_pod *pods,
		  size_t npods, const struct pe_sniff_opts *o,
		  struct pe_error *err)
{
	struct pe_sniff *s;
	int home;

	*out = NULL;
	if (pe_pcap_load(err) < 0)
		return -1;
	s = calloc(1, sizeof(*s));
	if (!s)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "capture");
	s->pods = pods;
	s->npods = npods;
	s->opts = *o;
	if (!s->opts.snaplen)
		s->opts.snaplen = 262144;
	home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) {
		pe_error_errno(err, "opening this thread's network namespace");
		goto fail;
	}
	for (size_t p = 0; p < npods; p++) {
		int r;

		if (setns(pods[p].netns_fd, CLONE_NEWNET) < 0) {
			pe_error_errno(err,
				       "%s: entering its network namespace",
				       pods[p].label);
			goto fail_home;
		}
		r = open_pod_ifaces(s, p, err);
		/* must come home even after a failure: the output file and
		 * everything after are the host's business */
		if (setns(home, CLONE_NEWNET) < 0) {
			pe_error_errno(
			    err, "returning to the host network namespace");
			goto fail_home;
		}
		if (r < 0)
			goto fail_home;
	}
	close(home);
	if (s->opts.format == PE_SNIFF_PCAP && s->nifaces != 1) {
		pe_error_set(
		    err, PE_ERR_USAGE, 0,
		    "classic pcap holds one interface; this capture has %zu",
		    s->nifaces);
		pe_error_hint(err,
			      "use pcapng (the default), or choose one pod "
			      "and one interface with -i");
		goto fail;
	}
	*out = s;
	return 0;
fail_home:
	close(home);
fail:
	pe_sniff_close(s);
	return -1;
}

size_t pe_sniff_iface_count(const struct pe_sniff *s)
{
	return s->nifaces;
}

const char *pe_sniff_iface_name(const struct pe_sniff *s, size_t i)
{
	return i < s->nifaces ? s->ifaces[i].display : NULL;
}

bool pe_sniff_reader_gone(const struct pe_sniff *s)
{
	return s->reader_gone;
}

/* ---- capturing --------------------------------------------------------- */

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct dispatch_ctx {
	struct pe_sniff *s;
	size_t iface;
};

static void on_packet_ctx(u_char *user, const struct pcap_pkthdr *h,
			  const u_char *data)
{
	struct dispatch_ctx *ctx = (struct dispatch_ctx *)user;
	struct pe_sniff *s = ctx->s;
	struct sniff_iface *i = &s->ifaces[ctx->iface];
	uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000000u +
		      (uint64_t)h->ts.tv_usec * (i->nano ? 1u : 1000u);
	struct sniff_packet *pk;
	size_t before = s->round.len;
	int r;

	if (s->count_reached || s->oom)
		return;
	if (s->opts.count && s->written + s->npkts >= s->opts.count) {
		s->count_reached = true;
		pcap_breakloop(i->h);
		return;
	}
	if (s->npkts == s->pkts_cap) {
		size_t cap = s->pkts_cap ? s->pkts_cap * 2 : 1024;
		struct sniff_packet *n = realloc(s->pkts, cap * sizeof(*n));

		if (!n) {
			s->oom = true;
			pcap_breakloop(i->h);
			return;
		}
		s->pkts = n;
		s->pkts_cap = cap;
	}
	if (s->opts.format == PE_SNIFF_PCAP)
		r = pe_pcap_record(&s->round, ts, data, h->caplen, h->len);
	else
		r = pe_pcapng_epb(&s->round, (uint32_t)ctx->iface, ts, data,
				  h->caplen, h->len);
	if (r < 0) {
		s->oom = true;
		pcap_breakloop(i->h);
		return;
	}
	pk = &s->pkts[s->npkts++];
	pk->ts_ns = ts;
	pk->seq = s->seq++;
	pk->off = before;
	pk->len = s->round.len - before;
	i->captured++;
	s->pods[i->pod].captured++;
	if (s->opts.count && s->written + s->npkts >= s->opts.count) {
		s->count_reached = true;
		pcap_breakloop(i->h);
	}
}

static int cmp_packet(const void *a, const void *b)
{
	const struct sniff_packet *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write all of buf, or note that the reader went away. */
static int write_all(struct pe_sniff *s, int fd, const unsigned char *buf,
		     size_t len, struct pe_error *err)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				s->reader_gone = true;
				return 0;
			}
			return pe_error_errno(err, "writing the capture");
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Each interface's packets come in order, but a block of one pod can be
 * handed over up to one block timeout after another pod's later packets.
 * So packets are held for that long and written in time order; what is
 * younger stays for the next round. all: write everything (the end).
 */
#define SNIFF_REORDER_NS ((SNIFF_BLOCK_TIMEOUT_MS + 50) * 1000000ull)

static int ensure_cap(struct pe_buf *b, size_t cap)
{
	unsigned char *n;

	if (b->cap >= cap)
		return 0;
	n = realloc(b->data, cap);
	if (!n)
		return -1;
	b->data = n;
	b->cap = cap;
	return 0;
}

static int flush_round(struct pe_sniff *s, int fd, bool all,
		       struct pe_error *err)
{
	uint64_t watermark = now_ns(CLOCK_REALTIME) - SNIFF_REORDER_NS;
	size_t ready = 0, kept = 0;
	struct pe_buf tmp;
	int r = 0;

	if (s->oom)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "capture buffer");
	if (!s->npkts || s->reader_gone)
		goto out;
	qsort(s->pkts, s->npkts, sizeof(*s->pkts), cmp_packet);
	while (ready < s->npkts && (all || s->pkts[ready].ts_ns <= watermark))
		ready++;
	if (ensure_cap(&s->out, s->round.len) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "capture buffer");
	s->out.len = 0;
	for (size_t k = 0; k < ready; k++) {
		memcpy(s->out.data + s->out.len, s->round.data + s->pkts[k].off,
		       s->pkts[k].len);
		s->out.len += s->pkts[k].len;
	}
	if (ready) {
		r = write_all(s, fd, s->out.data, s->out.len, err);
		if (r < 0)
			goto out;
		s->written += ready;
	}
	if (ready == s->npkts || s->reader_gone)
		goto out;
	/* keep the rest: compact it into the other buffer, then swap */
	s->out.len = 0;
	for (size_t k = ready; k < s->npkts; k++) {
		struct sniff_packet *pk = &s->pkts[k];

		memcpy(s->out.data + s->out.len, s->round.data + pk->off,
		       pk->len);
		pk->off = s->out.len;
		s->out.len += pk->len;
		s->pkts[kept++] = *pk;
	}
	tmp = s->round;
	s->round = s->out;
	s->out = tmp;
	s->npkts = kept;
	return 0;
out:
	s->npkts = 0;
	s->round.len = 0;
	if (s->opts.count && s->written >= s->opts.count)
		s->count_reached = true;
	return r;
}

static int write_headers(struct pe_sniff *s, int fd, struct pe_error *err)
{
	struct pe_buf b = { 0 };
	int r = 0;

	if (s->opts.format == PE_SNIFF_PCAP) {
		r = pe_pcap_header(&b, (uint32_t)s->ifaces[0].linktype,
				   s->opts.snaplen);
	} else {
		r = pe_pcapng_shb(&b, "podenter " PACKAGE_VERSION);
		for (size_t k = 0; r == 0 && k < s->nifaces; k++) {
			struct sniff_iface *i = &s->ifaces[k];
			struct pe_sniff_pod *p = &s->pods[i->pod];
			char desc[700], shown[IFNAMSIZ];

			printable_copy(shown, sizeof(shown), i->name);
			snprintf(desc, sizeof(desc),
				 "interface %s of %s (network namespace "
				 "net:[%lu], pid %d)",
				 shown, p->label, p->netns_inode, (int)p->pid);
			r = pe_pcapng_idb(&b, (uint16_t)i->linktype,
					  s->opts.snaplen, i->display, desc);
		}
	}
	if (r < 0)
		r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "capture header");
	else
		r = write_all(s, fd, b.data, b.len, err);
	pe_buf_free(&b);
	return r;
}

/* Drain what the kernel has for one interface; false when it is gone. */
/* drain: everything the ring holds (the end of a pod, or of the capture) */
static bool dispatch_iface(struct pe_sniff *s, size_t k, bool drain, char *why,
			   size_t size)
{
	struct sniff_iface *i = &s->ifaces[k];
	struct dispatch_ctx ctx = { s, k };
	int n, rounds = 0;

	if (i->closed)
		return true;
	/* a few blocks at a time: under a flood the other interfaces get
	 * their turn and the round is written, rather than memory growing
	 * while the kernel ring would have dropped (and counted) */
	do {
		n = pcap_dispatch(i->h, -1, on_packet_ctx, (u_char *)&ctx);
	} while (n > 0 && (drain || ++rounds < 8) && !s->count_reached &&
		 !s->oom);
	if (n == PCAP_ERROR) {
		snprintf(why, size, "%s: %s", i->name, pcap_geterr(i->h));
		return false;
	}
	return true;
}

static void finish_pod(struct pe_sniff *s, size_t p)
{
	struct pe_sniff_pod *pod = &s->pods[p];

	pod->kernel_recv = pod->kernel_drop = 0;
	for (size_t k = 0; k < s->nifaces; k++) {
		struct sniff_iface *i = &s->ifaces[k];

		if (i->pod != p)
			continue;
		close_iface(i);
		pod->kernel_recv += i->recv;
		pod->kernel_drop += i->drop;
	}
}

static void end_pod(struct pe_sniff *s, size_t p, const char *reason,
		    const struct pe_sniff_events *ev)
{
	struct pe_sniff_pod *pod = &s->pods[p];

	if (pod->ended)
		return;
	finish_pod(s, p);
	pod->ended = true;
	snprintf(pod->end_reason, sizeof(pod->end_reason), "%s", reason);
	if (ev && ev->pod_ended)
		ev->pod_ended(ev->ctx, pod);
}

static int write_stats(struct pe_sniff *s, int fd, struct pe_error *err)
{
	struct pe_buf b = { 0 };
	uint64_t ts = now_ns(CLOCK_REALTIME);
	int r = 0;

	if (s->opts.format != PE_SNIFF_PCAPNG || s->reader_gone)
		return 0;
	for (size_t k = 0; r == 0 && k < s->nifaces; k++)
		r = pe_pcapng_isb(&b, (uint32_t)k, ts, s->ifaces[k].recv,
				  s->ifaces[k].drop);
	if (r < 0)
		r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "statistics");
	else
		r = write_all(s, fd, b.data, b.len, err);
	pe_buf_free(&b);
	return r;
}

int pe_sniff_run(struct pe_sniff *s, int out_fd, int stop_fd,
		 const struct pe_sniff_events *ev, struct pe_error *err)
{
	/* the last slot is the output: a pipe whose reader left reports
	 * POLLERR at once, without waiting for the next packet to fail */
	size_t nfds = 1 + s->npods + s->nifaces + 1;
	struct pollfd *fds = calloc(nfds, sizeof(*fds));
	uint64_t *end_at = calloc(s->npods ? s->npods : 1, sizeof(*end_at));
	uint64_t deadline = 0;
	bool stopping = false;
	int r = -1;

	if (!fds || !end_at) {
		free(fds);
		free(end_at);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "capture");
	}
	if (s->opts.duration_ms)
		deadline = now_ns(CLOCK_MONOTONIC) +
			   (uint64_t)s->opts.duration_ms * 1000000u;
	if (write_headers(s, out_fd, err) < 0)
		goto out;
	fds[0].fd = stop_fd;
	fds[nfds - 1].fd = out_fd;
	fds[nfds - 1].events = 0;
	fds[0].events = POLLIN;
	for (size_t p = 0; p < s->npods; p++) {
		fds[1 + p].fd = s->pods[p].pidfd;
		fds[1 + p].events = POLLIN;
	}
	for (size_t k = 0; k < s->nifaces; k++) {
		fds[1 + s->npods + k].fd = s->ifaces[k].fd;
		fds[1 + s->npods + k].events = POLLIN;
	}
	while (!s->reader_gone && !s->count_reached) {
		int timeout = -1, n;
		size_t live = 0;
		char why[PCAP_ERRBUF_SIZE + IFNAMSIZ + 4];

		uint64_t now = now_ns(CLOCK_MONOTONIC), wake = deadline;

		if (deadline && now >= deadline) {
			stopping = true;
			break;
		}
		for (size_t p = 0; p < s->npods; p++)
			if (end_at[p] && !s->pods[p].ended &&
			    (!wake || end_at[p] < wake))
				wake = end_at[p];
		/* held packets are written once they are old enough */
		if (s->npkts && (!wake || wake > now + 50000000ull))
			wake = now + 50000000ull;
		if (wake)
			timeout = wake > now
				      ? (int)((wake - now + 999999) / 1000000)
				      : 0;
		n = poll(fds, nfds, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pe_error_errno(err, "poll");
			goto out;
		}
		if (fds[nfds - 1].revents & POLLERR) {
			s->reader_gone = true;
			break;
		}
		if (fds[0].revents) {
			stopping = true;
			break;
		}
		for (size_t k = 0; k < s->nifaces; k++) {
			struct pollfd *f = &fds[1 + s->npods + k];

			if (!f->revents || s->count_reached)
				continue;
			if (!dispatch_iface(s, k, false, why, sizeof(why))) {
				/* the interface went away (deleted by CNI,
				 * say): the pod's part ends when all of its
				 * have */
				size_t p = s->ifaces[k].pod;
				bool others = false;

				close_iface(&s->ifaces[k]);
				f->fd = -1;
				for (size_t j = 0; j < s->nifaces; j++)
					others |= s->ifaces[j].pod == p &&
						  !s->ifaces[j].closed;
				if (!others) {
					char reason[sizeof(why) + 32];

					fds[1 + p].fd = -1;
					snprintf(reason, sizeof(reason),
						 "capture failed (%s)", why);
					end_pod(s, p, reason, ev);
				}
			}
		}
		if (flush_round(s, out_fd, false, err) < 0)
			goto out;
		now = now_ns(CLOCK_MONOTONIC);
		for (size_t p = 0; p < s->npods; p++) {
			struct pollfd *f = &fds[1 + p];
			char reason[96];

			if (s->pods[p].ended)
				continue;
			if (f->fd >= 0 && f->revents) {
				/* its last packets may sit in a block the
				 * kernel hands over within one block timeout:
				 * they are the end of its story, so wait for
				 * them */
				end_at[p] =
				    now +
				    (SNIFF_BLOCK_TIMEOUT_MS + 20) * 1000000ull;
				f->fd = -1;
			}
			if (!end_at[p] || now < end_at[p])
				continue;
			for (size_t k = 0; k < s->nifaces; k++)
				if (s->ifaces[k].pod == p)
					dispatch_iface(s, k, true, why,
						       sizeof(why));
			if (flush_round(s, out_fd, false, err) < 0)
				goto out;
			for (size_t k = 0; k < s->nifaces; k++)
				if (s->ifaces[k].pod == p)
					fds[1 + s->npods + k].fd = -1;
			snprintf(reason, sizeof(reason),
				 "its process %d exited: the pod went away",
				 (int)s->pods[p].pid);
			end_pod(s, p, reason, ev);
		}
		for (size_t p = 0; p < s->npods; p++)
			live += !s->pods[p].ended;
		if (!live)
			break;
	}
	if (stopping && !s->reader_gone) {
		char why[PCAP_ERRBUF_SIZE + IFNAMSIZ + 4];

		/* packets in a block the kernel has not handed over yet
		 * arrive within one block timeout */
		poll(NULL, 0, SNIFF_BLOCK_TIMEOUT_MS + 20);
		for (size_t k = 0; k < s->nifaces && !s->count_reached; k++)
			dispatch_iface(s, k, true, why, sizeof(why));
	}
	if (flush_round(s, out_fd, true, err) < 0)
		goto out;
	for (size_t p = 0; p < s->npods; p++)
		if (!s->pods[p].ended)
			finish_pod(s, p);
	if (write_stats(s, out_fd, err) < 0)
		goto out;
	r = 0;
out:
	free(fds);
	free(end_at);
	return r;
}

/* ---- tcpdump's process ------------------------------------------------ */

int pe_sniff_tcpdump_identity(struct pe_identity *id, struct pe_error *err)
{
	static const struct pe_identity nobody = { .uid = 65534, .gid = 65534 };
	struct pe_account acct;
	int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), rc;

	if (rootfd < 0)
		return pe_error_errno(err, "opening /");
	rc = pe_identity_resolve(rootfd, "tcpdump", NULL, 0, id, &acct, err);
	close(rootfd);
	if (rc < 0 && err->errnum == ENOENT) {
		/* no such account here: the user nobody's numbers */
		pe_error_clear(err);
		*id = nobody;
		return 0;
	}
	return rc;
}

int pe_sniff_tcpdump_drop(const struct pe_identity *id, pid_t parent,
			  struct pe_error *err)
{
	struct pe_sandbox capture;
	pe_capset bounding = pe_sandbox_read_bounding();

	memset(&capture, 0, sizeof(capture));
	capture.caps = capture.ambient =
	    PE_CAP_BIT(CAP_NET_RAW) | PE_CAP_BIT(CAP_NET_ADMIN);
	if (pe_sandbox_drop_bounding(&capture, &bounding, err) < 0 ||
	    pe_identity_apply(id, err) < 0 ||
	    pe_sandbox_set_caps(&capture, bounding, err) < 0)
		return -1;
	/* the uid change cleared it; nothing changes the uid after this */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return pe_error_errno(err, "arming the parent-death signal");
	if (getppid() != parent)
		return pe_error_set(err, PE_ERR_SYSTEM, ESRCH,
				    "podenter ended before tcpdump started");
	return 0;
}
