/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter port-forward's engine (see portforward.h).
 *
 * Sockets keep the network namespace they were created in, so the pod side
 * of every connection is made by switching this thread into the pod's
 * network namespace for the socket() call only, and straight back. The
 * pod's namespace fd is opened once, through the pin. Nothing runs in the
 * pod; the pod's data is copied, never interpreted.
 *
 * TCP: edge-triggered epoll; each connection pumps two buffers (one per
 * direction), reads only while its buffer has room (backpressure), and
 * forwards an EOF as shutdown(SHUT_WR) once the buffer is drained.
 * Buffers start at 64 KiB and grow to 1 MiB while reads keep filling
 * them (a bulk transfer), so an interactive connection keeps 64 KiB. In
 * interleaved runs of bench/portforward.sh against fixed 256 KiB buffers,
 * podenter's CPU per GiB fell from 0.40-0.49 s to 0.28-0.39 s and the
 * throughput rose from 0.59-0.74x to 0.67-0.97x of a direct connection:
 * fewer wakeups, each moving more (strace: ~1 MiB a call); 4 MiB was no
 * better than 1 MiB. A short send
 * means the socket is full: EPOLLOUT follows, no send is tried for EAGAIN.
 * splice(2) through a 1 MiB pipe cut podenter's CPU further (0.29 s/GiB)
 * but moved less (0.29-0.65x): in perf the client's own send copies took
 * twice their share (24% of the samples against 11%), likely because the
 * spliced packets keep its pages referenced, so its socket cannot reuse
 * them while they are still in cache.
 *
 * What limits a bulk transfer is CPU, not the relay's system calls or
 * its sleeps (~1 recv and send per MiB; in one run it slept ~100 times a
 * GiB while the server slept ~800 times waiting for it): its two copies
 * come on top of the client's and the server's, so a forwarded GiB costs
 * ~1.6x the CPU of a direct one (bench/portforward.sh's CPU row) and, on
 * a machine short of CPU, the throughput ratio follows. Measured and
 * rejected in paired runs (docs/benchmarks.md): spinning on epoll before
 * sleeping, compacting the buffer to keep reading while the other side is
 * full, 2 MiB (huge page) buffers, TCP_NODELAY off, CPU pinning (within
 * the noise, and wrong on a busy node). SO_RCVLOWAT stalls small
 * messages. A sockmap (sk_skb verdict redirect) moves the bytes in the
 * kernel without these copies, but it is unsafe here: the verdict takes
 * data off the sender's socket whether or not the other side has room,
 * so a pod sending to a slow node-side client grew the node's kernel
 * memory by ~400 MiB/s (unbounded), and the relay cannot know when the
 * redirected bytes have left, so a half-close overtook data.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "podenter/portforward.h"

#define PF_BUF_MIN (64 * 1024)
#define PF_BUF_MAX (1024 * 1024)
#define PF_DGRAM_MAX 65536

/* ---- specs ------------------------------------------------------------- */

static int parse_port(const char *s, size_t len, bool zero_ok, uint16_t *out)
{
	unsigned long v = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t k = 0; k < len; k++) {
		if (s[k] < '0' || s[k] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[k] - '0');
	}
	if (v > 65535 || (v == 0 && !zero_ok))
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* A numeric address (or localhost) into its canonical text. */
static int canonical_address(const char *s, size_t len, char *out)
{
	char tmp[PE_PF_ADDR_MAX];
	struct in6_addr a6;
	struct in_addr a4;

	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (strcmp(tmp, "localhost") == 0) {
		strcpy(out, "127.0.0.1");
		return 0;
	}
	if (inet_pton(AF_INET, tmp, &a4) == 1)
		return inet_ntop(AF_INET, &a4, out, PE_PF_ADDR_MAX) ? 0 : -1;
	if (inet_pton(AF_INET6, tmp, &a6) == 1)
		return inet_ntop(AF_INET6, &a6, out, PE_PF_ADDR_MAX) ? 0 : -1;
	return -1;
}

static int bad_spec(struct pe_error *err, const char *text, const char *why)
{
	pe_error_set(err, PE_ERR_USAGE, 0, "bad port spec '%.200s': %s", text,
		     why);
	pe_error_hint(err, "the form is [ADDR:]LOCAL:REMOTE[/udp], :REMOTE or "
			   "REMOTE (e.g. 8080:80, :80, 127.0.0.1:5353:53/udp)");
	return -1;
}

int pe_pf_parse_spec(const char *text, struct pe_pf_spec *out,
		     struct pe_error *err)
{
	const char *end, *colon, *ports;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!text || !*text)
		return bad_spec(err, "", "empty");
	len = strlen(text);
	if (len > 200)
		return bad_spec(err, text, "too long");
	end = text + len;
	if (len > 4 && strcmp(end - 4, "/udp") == 0) {
		out->udp = true;
		end -= 4;
	} else if (len > 4 && strcmp(end - 4, "/tcp") == 0) {
		end -= 4;
	} else if (memchr(text, '/', len)) {
		return bad_spec(err, text, "the protocol is /tcp or /udp");
	}
	ports = text;
	if (*text == '[') {
		/* [IPv6]:LOCAL:REMOTE */
		const char *close = memchr(text, ']', (size_t)(end - text));

		if (!close || close + 1 >= end || close[1] != ':')
			return bad_spec(
			    err, text,
			    "an IPv6 address is [ADDR]:LOCAL:REMOTE");
		if (canonical_address(text + 1, (size_t)(close - text - 1),
				      out->address) < 0 ||
		    !strchr(out->address, ':'))
			return bad_spec(err, text, "not an IPv6 address");
		ports = close + 2;
		colon = memchr(ports, ':', (size_t)(end - ports));
		if (!colon)
			return bad_spec(err, text,
					"an address needs LOCAL:REMOTE");
	} else {
		const char *last = NULL;
		unsigned colons = 0;

		for (const char *p = text; p < end; p++)
			if (*p == ':') {
				colons++;
				last = p;
			}
		if (colons > 2)
			return bad_spec(err, text,
					"put an IPv6 address in brackets");
		if (colons == 2) {
			const char *first = memchr(text, ':', len);

			if (canonical_address(text, (size_t)(first - text),
					      out->address) < 0 ||
			    strchr(out->address, ':'))
				return bad_spec(err, text,
						"not a numeric address (IPv4, "
						"[IPv6] or localhost)");
			ports = first + 1;
		}
		colon = colons ? last : NULL;
	}
	if (!colon) {
		/* REMOTE alone: the same port on both sides, as kubectl */
		if (parse_port(ports, (size_t)(end - ports), false,
			       &out->remote) < 0)
			return bad_spec(err, text,
					"a port is a number from 1 to 65535");
		out->local = out->remote;
		return 0;
	}
	if (colon == ports)
		out->local = 0; /* ":REMOTE" */
	else if (parse_port(ports, (size_t)(colon - ports), true, &out->local) <
		 0)
		return bad_spec(err, text,
				"LOCAL is a number from 0 (any free port) to "
				"65535");
	if (parse_port(colon + 1, (size_t)(end - colon - 1), false,
		       &out->remote) < 0)
		return bad_spec(err, text,
				"REMOTE is a number from 1 to 65535");
	return 0;
}

int pe_pf_parse_addresses(const char *list, char out[][PE_PF_ADDR_MAX],
			  size_t max, struct pe_error *err)
{
	size_t n = 0;
	const char *p = list;

	if (!list || !*list)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "--address wants an address");
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char addr[PE_PF_ADDR_MAX];
		bool dup = false;

		if (canonical_address(p, len, addr) < 0)
			return pe_error_set(
			    err, PE_ERR_USAGE, 0,
			    "--address: '%.*s' is not a numeric address "
			    "(IPv4, IPv6 or localhost)",
			    (int)(len > 100 ? 100 : len), p);
		for (size_t k = 0; k < n; k++)
			dup = dup || strcmp(out[k], addr) == 0;
		if (!dup) {
			if (n == max)
				return pe_error_set(err, PE_ERR_USAGE, E2BIG,
						    "--address: at most %zu "
						    "addresses",
						    max);
			strcpy(out[n++], addr);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	return (int)n;
}

/* ---- the forward ------------------------------------------------------- */

enum pf_kind { PF_LISTENER, PF_CONN_SIDE, PF_UDP_CLIENT, PF_STOP, PF_POD };

struct pf_tag {
	enum pf_kind kind;
};

struct pf_udp_client;

struct pf_listener {
	struct pf_tag tag;
	struct pe_pf_listener_info info;
	int fd;
	int family; /* the node side's; the pod side uses the same (its
		       127.0.0.1 or its ::1) */
	struct pf_udp_client *clients; /* UDP: one pod socket per client */
	unsigned nclients;
};

struct pf_buf {
	char *data; /* allocated on the first read */
	size_t off, len;
	size_t cap; /* PF_BUF_MIN, growing to PF_BUF_MAX */
};

struct pf_conn;

struct pf_side {
	struct pf_tag tag;
	struct pf_conn *conn;
	int fd;
	bool readable, writable;
};

/* side[0]: the client on the node; side[1]: the socket in the pod. buf[d]
 * holds what was read from side[d] and is to be written to side[1 - d]. */
struct pf_conn {
	struct pf_side side[2];
	struct pf_buf buf[2];
	bool eof[2]; /* side[d] sent its EOF */
	bool shut[2]; /* ...and it was passed on to side[1 - d] */
	bool connected;
	bool dead; /* closed; freed after the current batch of events */
	struct pf_listener *l;
	struct pf_conn *prev, *next;
};

struct pf_udp_client {
	struct pf_tag tag;
	struct pf_listener *l;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int fd; /* in the pod, connected to REMOTE on its loopback */
	struct timespec last;
	struct pf_udp_client *next;
};

struct pe_pf {
	int epfd;
	int pod_netns, host_netns;
	int pidfd;
	struct pe_pf_opts o;
	struct pf_listener *ls;
	size_t nls;
	struct pf_conn *conns;
	size_t nconns;
	struct pf_conn *graveyard; /* closed, events of this batch may name
				      them */
	const struct pe_pf_events *ev;
	struct pf_tag stop_tag, pod_tag;
	char *dgram;
};

static unsigned long inode_of_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

/* A socket of the pod's network namespace: this thread goes there for the
 * socket() call only. Not coming back would leave every later socket in the
 * pod: that is fatal (-2). */
static int pod_socket(struct pe_pf *pf, int family, int type, int *back_failed)
{
	int fd, e;

	*back_failed = 0;
	if (setns(pf->pod_netns, CLONE_NEWNET) < 0)
		return -1;
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	e = errno;
	if (setns(pf->host_netns, CLONE_NEWNET) < 0) {
		*back_failed = 1;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	errno = e;
	return fd;
}

/* REMOTE on the pod's loopback of the listener's family. */
static socklen_t pod_loopback(const struct pf_listener *l,
			      struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (l->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(l->info.remote);
		s6->sin6_addr = in6addr_loopback;
		return sizeof(*s6);
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(l->info.remote);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
}

static int make_sockaddr(const char *addr, uint16_t port,
			 struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	{
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return inet_pton(AF_INET, addr, &s4->sin_addr) == 1 ? 0 : -1;
	}
}

static int bind_listener(struct pf_listener *l, const char *addr, uint16_t port,
			 bool udp, struct pe_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;

	if (make_sockaddr(addr, port, &ss, &len) < 0)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "'%s' is not an address", addr);
	l->family = ss.ss_family;
	l->fd = socket(
	    ss.ss_family,
	    (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return pe_error_errno(err, "socket for %s", addr);
	/* a forward stopped a moment ago leaves TIME_WAIT connections: they
	 * must not keep the port from being used again */
	if (!udp)
		setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;

		pe_error_set(err, PE_ERR_USAGE, e,
			     "cannot listen on %s%s%s:%u%s",
			     strchr(addr, ':') ? "[" : "", addr,
			     strchr(addr, ':') ? "]" : "", (unsigned)port,
			     udp ? "/udp" : "");
		if (e == EADDRINUSE)
			pe_error_hint(err, "the port is in use on the node: "
					   "choose another LOCAL, or 0 (or "
					   ":REMOTE) for any free port");
		else if (e == EADDRNOTAVAIL)
			pe_error_hint(err, "no interface of the node has that "
					   "address");
		return -1;
	}
	if (!udp && listen(l->fd, 511) < 0)
		return pe_error_errno(err, "listen on %s:%u", addr,
				      (unsigned)port);
	len = sizeof(ss);
	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) < 0)
		return pe_error_errno(err, "getsockname");
	l->info.port = ntohs(ss.ss_family == AF_INET6
				 ? ((struct sockaddr_in6 *)&ss)->sin6_port
				 : ((struct sockaddr_in *)&ss)->sin_port);
	snprintf(l->info.address, sizeof(l->info.address), "%s", addr);
	l->info.udp = udp;
	return 0;
}

static int epoll_add(struct pe_pf *pf, int fd, uint32_t events, void *tag)
{
	struct epoll_event e = { .events = events, .data.ptr = tag };

	return epoll_ctl(pf->epfd, EPOLL_CTL_ADD, fd, &e);
}

static int open_netns(struct pe_pf *pf, const struct pe_pin *pin,
		      struct pe_error *err)
{
	unsigned long want = pin->ns_inode[PE_NS_NET];

	if (want && pin->self_ns_inode[PE_NS_NET] == want) {
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "process %d uses the node's network namespace "
			     "(host network): there is nothing to forward",
			     (int)pin->pid);
		pe_error_hint(err, "its ports are the node's: connect to "
				   "them directly");
		return -1;
	}
	pf->pod_netns = openat(pin->procfd, "ns/net", O_RDONLY | O_CLOEXEC);
	if (pf->pod_netns < 0)
		return pe_error_errno(err,
				      "opening the network namespace of "
				      "process %d",
				      (int)pin->pid);
	if (!want || inode_of_fd(pf->pod_netns) != want)
		return pe_error_set(err, PE_ERR_STALE, ESRCH,
				    "process %d changed network namespace "
				    "after it was pinned",
				    (int)pin->pid);
	pf->host_netns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (pf->host_netns < 0)
		return pe_error_errno(err, "opening this thread's network "
					   "namespace");
	/* alive after the open: the namespace was that process's */
	return pe_pin_check_alive(pin, err);
}

int pe_pf_open(struct pe_pf **out, const struct pe_pin *pin,
	       const struct pe_pf_spec *specs, size_t nspecs,
	       const char (*addrs)[PE_PF_ADDR_MAX], size_t naddrs,
	       const struct pe_pf_opts *o, struct pe_error *err)
{
	struct pe_pf *pf = calloc(1, sizeof(*pf));
	size_t total = 0;

	*out = NULL;
	if (!pf)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "port-forward");
	pf->epfd = pf->pod_netns = pf->host_netns = -1;
	pf->pidfd = pin->pidfd;
	if (o)
		pf->o = *o;
	if (!pf->o.udp_idle_ms)
		pf->o.udp_idle_ms = 60000;
	if (!pf->o.max_udp_clients)
		pf->o.max_udp_clients = 1024;
	for (size_t s = 0; s < nspecs; s++)
		total += specs[s].address[0] ? 1 : naddrs;
	pf->ls = calloc(total ? total : 1, sizeof(*pf->ls));
	pf->dgram = malloc(PF_DGRAM_MAX);
	if (!pf->ls || !pf->dgram) {
		pe_pf_close(pf);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "port-forward");
	}
	if (open_netns(pf, pin, err) < 0)
		goto fail;
	pf->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (pf->epfd < 0) {
		pe_error_errno(err, "epoll_create1");
		goto fail;
	}
	for (size_t s = 0; s < nspecs; s++) {
		size_t n = specs[s].address[0] ? 1 : naddrs;
		uint16_t port = specs[s].local;

		for (size_t a = 0; a < n; a++) {
			struct pf_listener *l = &pf->ls[pf->nls];
			const char *addr =
			    specs[s].address[0] ? specs[s].address : addrs[a];

			l->fd = -1;
			l->tag.kind = PF_LISTENER;
			l->info.remote = specs[s].remote;
			pf->nls++;
			if (bind_listener(l, addr, port, specs[s].udp, err) < 0)
				goto fail;
			/* LOCAL 0: the port picked on the first address is
			 * the one on the others too */
			port = l->info.port;
			if (epoll_add(pf, l->fd, EPOLLIN, &l->tag) < 0) {
				pe_error_errno(err, "epoll_ctl");
				goto fail;
			}
		}
	}
	*out = pf;
	return 0;
fail:
	pe_pf_close(pf);
	return -1;
}

size_t pe_pf_listener_count(const struct pe_pf *pf)
{
	return pf->nls;
}

const struct pe_pf_listener_info *pe_pf_listener(const struct pe_pf *pf,
						 size_t i)
{
	return i < pf->nls ? &pf->ls[i].info : NULL;
}

size_t pe_pf_open_connections(const struct pe_pf *pf)
{
	return pf->nconns;
}

/* ---- TCP --------------------------------------------------------------- */

/* Close a connection's sockets (which takes them out of the epoll set);
 * its memory waits in the graveyard until the batch of events is done,
 * since a later event of the batch may name its other side. */
static void conn_free(struct pe_pf *pf, struct pf_conn *c, bool reset)
{
	for (int s = 0; s < 2; s++) {
		if (c->side[s].fd < 0)
			continue;
		if (reset) {
			/* pass a reset on as a reset, not as a clean end */
			struct linger lg = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(c->side[s].fd, SOL_SOCKET, SO_LINGER, &lg,
				   sizeof(lg));
		}
		close(c->side[s].fd);
		c->side[s].fd = -1;
	}
	free(c->buf[0].data);
	free(c->buf[1].data);
	c->buf[0].data = c->buf[1].data = NULL;
	if (c->prev)
		c->prev->next = c->next;
	else
		pf->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pf->nconns--;
	c->dead = true;
	c->prev = NULL;
	c->next = pf->graveyard;
	pf->graveyard = c;
}

static void bury(struct pe_pf *pf)
{
	while (pf->graveyard) {
		struct pf_conn *c = pf->graveyard;

		pf->graveyard = c->next;
		free(c);
	}
}

static void conn_error(struct pe_pf *pf, struct pf_conn *c, const char *what,
		       int errnum)
{
	if (pf->ev && pf->ev->conn_error)
		pf->ev->conn_error(pf->ev->ctx, &c->l->info, what, errnum);
}

/* A read filled all the room there was: more is coming than the buffer
 * holds, so it grows (x4, up to PF_BUF_MAX); without memory it stays as
 * it is. */
static void buf_grow(struct pf_buf *b)
{
	size_t cap = b->cap * 4 < PF_BUF_MAX ? b->cap * 4 : PF_BUF_MAX;
	char *data;

	if (b->off) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	data = realloc(b->data, cap);
	if (data) {
		b->data = data;
		b->cap = cap;
	}
}

/* One step of one direction: < 0 the connection ends (-2: out of
 * memory), else whether anything moved. */
static int pump_one_way(struct pf_conn *c, int d)
{
	struct pf_side *src = &c->side[d], *dst = &c->side[1 - d];
	struct pf_buf *b = &c->buf[d];
	int moved = 0;
	ssize_t n;

	if (b->len && dst->writable) {
		n = send(dst->fd, b->data + b->off, b->len, MSG_NOSIGNAL);
		if (n > 0) {
			/* a short send filled the socket's buffer: TCP then
			 * signals EPOLLOUT when it has room again, so no
			 * send is tried only to see EAGAIN */
			if ((size_t)n < b->len)
				dst->writable = false;
			b->off += (size_t)n;
			b->len -= (size_t)n;
			if (!b->len)
				b->off = 0;
			moved = 1;
		} else if (errno == EAGAIN) {
			dst->writable = false;
		} else {
			return -1; /* the reader went away */
		}
	}
	if (!c->eof[d] && src->readable &&
	    (!b->data || b->off + b->len < b->cap)) {
		size_t room;

		if (!b->data) {
			b->data = malloc(PF_BUF_MIN);
			if (!b->data) {
				errno = ENOMEM;
				return -2;
			}
			b->cap = PF_BUF_MIN;
		}
		room = b->cap - b->off - b->len;
		n = recv(src->fd, b->data + b->off + b->len, room, 0);
		if (n > 0) {
			b->len += (size_t)n;
			moved = 1;
			if ((size_t)n == room && b->cap < PF_BUF_MAX)
				buf_grow(b);
		} else if (n == 0) {
			c->eof[d] = true;
			moved = 1;
		} else if (errno == EAGAIN) {
			src->readable = false;
		} else {
			return -1;
		}
	}
	return moved;
}

/* Move data both ways as far as the sockets let us. Returns false when the
 * connection was freed. */
static bool conn_pump(struct pe_pf *pf, struct pf_conn *c)
{
	bool progress = true;

	if (!c->connected)
		return true;
	while (progress) {
		progress = false;
		for (int d = 0; d < 2; d++) {
			struct pf_buf *b = &c->buf[d];
			int r = pump_one_way(c, d);

			if (r == -2)
				conn_error(pf, c, "buffer", ENOMEM);
			if (r < 0) {
				conn_free(pf, c, true);
				return false;
			}
			progress |= r > 0;
			if (c->eof[d] && !b->len && !c->shut[d]) {
				/* a half-close is passed on as one */
				shutdown(c->side[1 - d].fd, SHUT_WR);
				c->shut[d] = true;
				progress = true;
			}
		}
	}
	if (c->shut[0] && c->shut[1]) {
		conn_free(pf, c, false);
		return false;
	}
	return true;
}

/* Returns -1 only on a fatal error (this thread stuck in the pod). */
static int tcp_accept(struct pe_pf *pf, struct pf_listener *l,
		      struct pe_error *err)
{
	for (;;) {
		int cfd =
		    accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct sockaddr_storage to;
		socklen_t tolen = pod_loopback(l, &to);
		struct pf_conn *c;
		int pfd, back_failed, one = 1;

		if (cfd < 0)
			return 0; /* EAGAIN, or a client gone already */
		pfd = pod_socket(pf, l->family, SOCK_STREAM, &back_failed);
		if (back_failed) {
			close(cfd);
			return pe_error_errno(err, "returning to the node's "
						   "network namespace");
		}
		c = pfd >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			conn_error(pf, &(struct pf_conn){ .l = l },
				   "creating a socket in the pod",
				   pfd < 0 ? errno : ENOMEM);
			if (pfd >= 0)
				close(pfd);
			close(cfd);
			continue;
		}
		c->l = l;
		for (int s = 0; s < 2; s++) {
			c->side[s].tag.kind = PF_CONN_SIDE;
			c->side[s].conn = c;
			c->side[s].fd = s ? pfd : cfd;
			/* interactive protocols pay no Nagle delay twice */
			setsockopt(c->side[s].fd, IPPROTO_TCP, TCP_NODELAY,
				   &one, sizeof(one));
		}
		c->next = pf->conns;
		if (pf->conns)
			pf->conns->prev = c;
		pf->conns = c;
		pf->nconns++;
		if (pf->ev && pf->ev->accepted)
			pf->ev->accepted(pf->ev->ctx, &l->info);
		if (connect(pfd, (struct sockaddr *)&to, tolen) == 0)
			c->connected = true;
		else if (errno != EINPROGRESS) {
			conn_error(pf, c, "connecting in the pod", errno);
			conn_free(pf, c, true);
			continue;
		}
		if (epoll_add(pf, cfd,
			      EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      &c->side[0].tag) < 0 ||
		    epoll_add(pf, pfd,
			      EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
			      &c->side[1].tag) < 0) {
			conn_error(pf, c, "epoll_ctl", errno);
			conn_free(pf, c, true);
		}
	}
}

static void conn_event(struct pe_pf *pf, struct pf_side *side, uint32_t ev)
{
	struct pf_conn *c = side->conn;

	if (c->dead)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		side->readable = true;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		side->writable = true;
	if (!c->connected && side == &c->side[1] &&
	    (ev & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		if (getsockopt(side->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) <
		    0)
			soerr = errno;
		if (soerr) {
			conn_error(pf, c, "connecting in the pod", soerr);
			conn_free(pf, c, true);
			return;
		}
		c->connected = true;
	}
	conn_pump(pf, c);
}

/* ---- UDP --------------------------------------------------------------- */

static void udp_client_free(struct pf_udp_client *u)
{
	struct pf_udp_client **p = &u->l->clients;

	while (*p && *p != u)
		p = &(*p)->next;
	if (*p)
		*p = u->next;
	u->l->nclients--;
	close(u->fd);
	free(u);
}

static int udp_client_for(struct pe_pf *pf, struct pf_listener *l,
			  const struct sockaddr_storage *from, socklen_t len,
			  struct pf_udp_client **out, struct pe_error *err)
{
	struct sockaddr_storage to;
	socklen_t tolen = pod_loopback(l, &to);
	struct pf_udp_client *u;
	int fd, back_failed;

	*out = NULL;
	for (u = l->clients; u; u = u->next)
		if (u->addrlen == len && memcmp(&u->addr, from, len) == 0) {
			*out = u;
			return 0;
		}
	if (l->nclients >= pf->o.max_udp_clients) {
		conn_error(pf, &(struct pf_conn){ .l = l },
			   "too many UDP clients; datagram dropped", EMFILE);
		return 0;
	}
	fd = pod_socket(pf, l->family, SOCK_DGRAM, &back_failed);
	if (back_failed)
		return pe_error_errno(err, "returning to the node's network "
					   "namespace");
	if (fd < 0) {
		conn_error(pf, &(struct pf_conn){ .l = l },
			   "creating a socket in the pod", errno);
		return 0;
	}
	if (connect(fd, (struct sockaddr *)&to, tolen) < 0 ||
	    !(u = calloc(1, sizeof(*u)))) {
		conn_error(pf, &(struct pf_conn){ .l = l },
			   "connecting in the pod", errno);
		close(fd);
		return 0;
	}
	u->tag.kind = PF_UDP_CLIENT;
	u->l = l;
	u->fd = fd;
	memcpy(&u->addr, from, len);
	u->addrlen = len;
	u->next = l->clients;
	l->clients = u;
	l->nclients++;
	if (epoll_add(pf, fd, EPOLLIN, &u->tag) < 0) {
		udp_client_free(u);
		return pe_error_errno(err, "epoll_ctl");
	}
	if (pf->ev && pf->ev->accepted)
		pf->ev->accepted(pf->ev->ctx, &l->info);
	*out = u;
	return 0;
}

static int udp_from_client(struct pe_pf *pf, struct pf_listener *l,
			   struct pe_error *err)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage from;
		socklen_t len = sizeof(from);
		struct pf_udp_client *u;
		ssize_t n = recvfrom(l->fd, pf->dgram, PF_DGRAM_MAX, 0,
				     (struct sockaddr *)&from, &len);

		if (n < 0)
			return 0;
		if (udp_client_for(pf, l, &from, len, &u, err) < 0)
			return -1;
		if (!u)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &u->last);
		/* a full queue or nobody listening in the pod (ICMP): the
		 * datagram is lost, as UDP's are */
		(void)send(u->fd, pf->dgram, (size_t)n, MSG_NOSIGNAL);
	}
	return 0;
}

static void udp_from_pod(struct pe_pf *pf, struct pf_udp_client *u)
{
	for (int k = 0; k < 64; k++) {
		ssize_t n = recv(u->fd, pf->dgram, PF_DGRAM_MAX, 0);

		if (n < 0)
			return;
		clock_gettime(CLOCK_MONOTONIC, &u->last);
		(void)sendto(u->l->fd, pf->dgram, (size_t)n, MSG_NOSIGNAL,
			     (struct sockaddr *)&u->addr, u->addrlen);
	}
}

static long long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000LL +
	       (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* Close idle UDP clients; returns whether any is left (to poll again). */
static bool udp_expire(struct pe_pf *pf)
{
	bool any = false;

	for (size_t i = 0; i < pf->nls; i++) {
		struct pf_udp_client *u = pf->ls[i].clients, *next;

		for (; u; u = next) {
			next = u->next;
			if (ms_since(&u->last) >= (long long)pf->o.udp_idle_ms)
				udp_client_free(u);
			else
				any = true;
		}
	}
	return any;
}

/* ---- the loop ---------------------------------------------------------- */

int pe_pf_run(struct pe_pf *pf, int stop_fd, const struct pe_pf_events *ev,
	      struct pe_error *err)
{
	struct epoll_event events[64];

	pf->ev = ev;
	pf->stop_tag.kind = PF_STOP;
	pf->pod_tag.kind = PF_POD;
	if (stop_fd >= 0 && epoll_add(pf, stop_fd, EPOLLIN, &pf->stop_tag) < 0)
		return pe_error_errno(err, "epoll_ctl");
	if (pf->pidfd >= 0 &&
	    epoll_add(pf, pf->pidfd, EPOLLIN, &pf->pod_tag) < 0) {
		epoll_ctl(pf->epfd, EPOLL_CTL_DEL, stop_fd, NULL);
		return pe_error_errno(err, "epoll_ctl");
	}
	for (;;) {
		bool udp_live = false;
		int n, rc = -2;

		for (size_t i = 0; i < pf->nls && !udp_live; i++)
			udp_live = pf->ls[i].nclients > 0;
		n = epoll_wait(pf->epfd, events, 64, udp_live ? 1000 : -1);
		if (n < 0 && errno != EINTR) {
			pe_error_errno(err, "epoll_wait");
			rc = -1;
		}
		for (int k = 0; k < n && rc == -2; k++) {
			struct pf_tag *t = events[k].data.ptr;

			switch (t->kind) {
			case PF_STOP:
				rc = PE_PF_STOPPED;
				break;
			case PF_POD:
				rc = PE_PF_POD_GONE;
				break;
			case PF_LISTENER: {
				struct pf_listener *l = (struct pf_listener *)t;

				if ((l->info.udp ? udp_from_client(pf, l, err)
						 : tcp_accept(pf, l, err)) < 0)
					rc = -1;
				break;
			}
			case PF_CONN_SIDE:
				conn_event(pf, (struct pf_side *)t,
					   events[k].events);
				break;
			case PF_UDP_CLIENT:
				udp_from_pod(pf, (struct pf_udp_client *)t);
				break;
			}
		}
		bury(pf);
		if (udp_live)
			udp_expire(pf);
		if (rc != -2) {
			if (stop_fd >= 0)
				epoll_ctl(pf->epfd, EPOLL_CTL_DEL, stop_fd,
					  NULL);
			if (pf->pidfd >= 0)
				epoll_ctl(pf->epfd, EPOLL_CTL_DEL, pf->pidfd,
					  NULL);
			return rc;
		}
	}
}

void pe_pf_close(struct pe_pf *pf)
{
	if (!pf)
		return;
	while (pf->conns)
		conn_free(pf, pf->conns, false);
	bury(pf);
	for (size_t i = 0; i < pf->nls; i++) {
		while (pf->ls[i].clients)
			udp_client_free(pf->ls[i].clients);
		if (pf->ls[i].fd >= 0)
			close(pf->ls[i].fd);
	}
	if (pf->epfd >= 0)
		close(pf->epfd);
	if (pf->pod_netns >= 0)
		close(pf->pod_netns);
	if (pf->host_netns >= 0)
		close(pf->host_netns);
	free(pf->ls);
	free(pf->dgram);
	free(pf);
}
