/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * bench/portforward.sh's peer: one server and its clients, for throughput
 * and round-trip time over TCP, direct or through podenter port-forward.
 *
 *   pfbench server ADDR PORT            one connection at a time; the first
 *                                       byte says what it wants: S sink,
 *                                       R source (8-byte size follows),
 *                                       E echo
 *   pfbench up ADDR PORT MIB            send MIB to the sink: prints MB/s
 *                                       and this process's CPU seconds
 *   pfbench down ADDR PORT MIB          receive MIB from the source (the
 *                                       same two figures)
 *   pfbench rtt ADDR PORT N             N round trips of 64 bytes: prints
 *                                       the mean, median and p99 in us
 * ADDR is numeric, IPv4 or IPv6.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (128 * 1024)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static socklen_t addr_of(const char *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, a, &s6->sin6_addr) != 1)
			exit(2);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	if (inet_pton(AF_INET, a, &s4->sin_addr) != 1)
		exit(2);
	return sizeof(*s4);
}

static void all(int fd, const void *p, size_t n, int writing)
{
	while (n) {
		ssize_t k = writing ? write(fd, p, n) : read(fd, (void *)p, n);

		if (k <= 0) {
			perror(writing ? "write" : "read");
			exit(1);
		}
		p = (const char *)p + k;
		n -= (size_t)k;
	}
}

static int dial(const char *a, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(a, port, &ss);
	int fd = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("connect");
		exit(1);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void serve(const char *a, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(a, port, &ss);
	int l = socket(ss.ss_family, SOCK_STREAM, 0), one = 1;
	static char buf[CHUNK];

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&ss, len) < 0 || listen(l, 16) < 0) {
		perror("bind");
		exit(1);
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL);
		char mode;
		uint64_t total = 0, want;
		ssize_t n;

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (read(c, &mode, 1) != 1) {
			close(c);
			continue;
		}
		if (mode == 'S') {
			while ((n = read(c, buf, sizeof(buf))) > 0)
				total += (uint64_t)n;
			all(c, &total, sizeof(total), 1);
		} else if (mode == 'R') {
			all(c, &want, sizeof(want), 0);
			while (total < want) {
				size_t k = want - total < sizeof(buf)
					       ? (size_t)(want - total)
					       : sizeof(buf);
				all(c, buf, k, 1);
				total += k;
			}
		} else if (mode == 'E') {
			while ((n = read(c, buf, sizeof(buf))) > 0)
				all(c, buf, (size_t)n, 1);
		}
		close(c);
	}
}

/* user + system seconds of this process so far */
static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];

	if (argc < 4)
		return 2;
	if (!strcmp(argv[1], "server")) {
		serve(argv[2], atoi(argv[3]));
	} else if (!strcmp(argv[1], "up") && argc == 5) {
		uint64_t want = (uint64_t)atol(argv[4]) << 20, sent = 0, got;
		int fd = dial(argv[2], atoi(argv[3]));
		double t0 = now();

		all(fd, "S", 1, 1);
		while (sent < want) {
			all(fd, buf, sizeof(buf), 1);
			sent += sizeof(buf);
		}
		shutdown(fd, SHUT_WR);
		all(fd, &got, sizeof(got), 0);
		if (got != sent)
			return 1;
		printf("%.0f %.3f\n", (double)sent / 1e6 / (now() - t0),
		       cpu_seconds());
	} else if (!strcmp(argv[1], "down") && argc == 5) {
		uint64_t want = (uint64_t)atol(argv[4]) << 20, got = 0;
		int fd = dial(argv[2], atoi(argv[3]));
		double t0 = now();
		ssize_t n;

		all(fd, "R", 1, 1);
		all(fd, &want, sizeof(want), 1);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			got += (uint64_t)n;
		if (got != want)
			return 1;
		printf("%.0f %.3f\n", (double)got / 1e6 / (now() - t0),
		       cpu_seconds());
	} else if (!strcmp(argv[1], "rtt") && argc == 5) {
		int n = atoi(argv[4]), fd = dial(argv[2], atoi(argv[3]));
		double *t = calloc((size_t)n, sizeof(*t)), sum = 0;

		all(fd, "E", 1, 1);
		for (int i = 0; i < n; i++) {
			double t0 = now();

			all(fd, buf, 64, 1);
			all(fd, buf, 64, 0);
			t[i] = (now() - t0) * 1e6;
			sum += t[i];
		}
		qsort(t, (size_t)n, sizeof(*t), cmp);
		printf("%.1f %.1f %.1f\n", sum / n, t[n / 2], t[n * 99 / 100]);
	} else {
		return 2;
	}
	return 0;
}
