/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session records to syslog and a JSON lines file; see audit.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "podenter/audit.h"
#include "podenter/utc.h"
#include "podenter/testhooks.h"
#include "podenter/outfile.h"

void pe_audit_init(struct pe_audit *a)
{
	unsigned char raw[16];
	struct timespec now;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->syslog_fd = -1;
	if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(a->session + 2 * i, 3, "%02x", raw[i]);
	clock_gettime(CLOCK_MONOTONIC, &a->started);
	clock_gettime(CLOCK_REALTIME, &now);
	pe_utc_format(now.tv_sec, now.tv_nsec / 1000000, a->start_time,
		      sizeof(a->start_time));
	a->syslog_path = pe_test_value("SYSLOG");
	if (!a->syslog_path || !*a->syslog_path)
		a->syslog_path = "/dev/log";
}

void pe_audit_fill_caller(struct pe_audit_record *r)
{
	char buf[32] = "";
	ssize_t n;
	int fd;

	r->uid = getuid();
	r->podenter_pid = getpid();
	r->loginuid = -1;
	fd = open("/proc/self/loginuid", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			r->loginuid = strtoll(buf, NULL, 10);
			if (r->loginuid == 4294967295LL)
				r->loginuid = -1; /* never set */
		}
	}
	r->tty[0] = '\0';
	for (int f = 0; f < 3 && !r->tty[0]; f++) {
		if (isatty(f) && ttyname_r(f, r->tty, sizeof(r->tty)) != 0)
			r->tty[0] = '\0';
	}
}

/* A datagram socket connected to the syslog socket, or -1: a node
 * without a syslog daemon still gets the file record. */
static int connect_syslog(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int pe_audit_open(struct pe_audit *a, const char *path, struct pe_error *err)
{
	if (a->syslog_fd < 0)
		a->syslog_fd = connect_syslog(a->syslog_path);
	if (!path || !*path)
		return 0;
	a->fd = pe_open_output(path, PE_OUTPUT_APPEND, 0600, err);
	if (a->fd < 0) {
		pe_error_wrap(err, "the audit log");
		pe_error_hint(err, "the session does not start without its "
				   "audit record");
		return -1;
	}
	return 0;
}

void pe_audit_close(struct pe_audit *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->syslog_fd >= 0)
		close(a->syslog_fd);
	a->syslog_fd = -1;
}

/*
 * The record's JSON text, written out rather than built as a json-c tree
 * and printed (25 us a record here, twice a session): the same text
 * json-c's plain printing gives, byte for byte (test_audit compares them),
 * strings escaped as json-c escapes them ('"', '\', the control
 * characters; '/' and bytes above 0x7f as they are).
 */
struct jtext {
	char *p;
	size_t len, cap;
	bool failed;
};

static void jt_put(struct jtext *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *p;

		while (cap < t->len + n + 1)
			cap *= 2;
		p = realloc(t->p, cap);
		if (!p) {
			t->failed = true;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void jt_text(struct jtext *t, const char *s)
{
	jt_put(t, s, strlen(s));
}

static void jt_string(struct jtext *t, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;

	jt_put(t, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char u[7] = "\\u00";
		const char *esc;

		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			if (c >= 0x20)
				continue;
			u[4] = hex[c >> 4];
			u[5] = hex[c & 0xf];
			esc = u;
		}
		jt_put(t, run, (size_t)(s - run));
		jt_text(t, esc);
		run = s + 1;
	}
	jt_put(t, run, (size_t)(s - run));
	jt_put(t, "\"", 1);
}

/* "key": after a comma unless it is the first member */
static void jt_key(struct jtext *t, const char *key)
{
	if (t->len && t->p[t->len - 1] != '{')
		jt_put(t, ",", 1);
	jt_string(t, key);
	jt_put(t, ":", 1);
}

/* a string member; none when v is NULL */
static void jt_str(struct jtext *t, const char *key, const char *v)
{
	if (!v)
		return;
	jt_key(t, key);
	jt_string(t, v);
}

static void jt_int(struct jtext *t, const char *key, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	jt_key(t, key);
	jt_text(t, num);
}

static void jt_bool(struct jtext *t, const char *key, bool v)
{
	jt_key(t, key);
	jt_text(t, v ? "true" : "false");
}

char *pe_audit_json(const struct pe_audit *a, const struct pe_audit_record *r,
		    const char *event, int exit_status, long long duration_ms)
{
	struct jtext t = { 0 };
	char copy[sizeof(r->namespaces)], *save = NULL;
	const char *sep = "";

	jt_put(&t, "{", 1);
	jt_str(&t, "event", event);
	jt_str(&t, "session", a->session);
	jt_str(&t, "time", a->start_time);
	jt_int(&t, "uid", r->uid);
	jt_int(&t, "loginuid", r->loginuid);
	jt_str(&t, "tty", r->tty);
	jt_int(&t, "podenter_pid", r->podenter_pid);
	jt_key(&t, "target");
	jt_put(&t, "{", 1);
	jt_str(&t, "namespace", r->namespace);
	jt_str(&t, "pod", r->pod);
	jt_str(&t, "container", r->container);
	jt_str(&t, "container_id", r->container_id);
	jt_str(&t, "runtime", r->runtime);
	jt_int(&t, "pid", r->target_pid);
	jt_put(&t, "}", 1);
	jt_key(&t, "namespaces");
	jt_put(&t, "[", 1);
	snprintf(copy, sizeof(copy), "%s", r->namespaces);
	for (char *n = strtok_r(copy, ",", &save); n;
	     n = strtok_r(NULL, ",", &save), sep = ",") {
		jt_text(&t, sep);
		jt_string(&t, n);
	}
	jt_put(&t, "]", 1);
	jt_str(&t, "view", r->view);
	jt_str(&t, "tools", r->tools);
	jt_str(&t, "profile", r->profile);
	jt_str(&t, "capabilities", r->capabilities);
	jt_str(&t, "seccomp", r->seccomp);
	jt_bool(&t, "no_new_privs", r->no_new_privs);
	jt_str(&t, "user", r->user);
	jt_str(&t, "cgroup", r->cgroup);
	jt_bool(&t, "pty", r->tty_allocated);
	jt_key(&t, "command");
	jt_put(&t, "[", 1);
	for (size_t i = 0; r->command && r->command[i]; i++) {
		if (i)
			jt_put(&t, ",", 1);
		jt_string(&t, r->command[i]);
	}
	jt_put(&t, "]", 1);
	if (exit_status >= 0)
		jt_int(&t, "exit_status", exit_status);
	if (duration_ms >= 0)
		jt_int(&t, "duration_ms", duration_ms);
	jt_put(&t, "}", 1);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	return t.p;
}

/* RFC 3164 to the local syslog socket, as syslog(3) would, but with a
 * result: journald or rsyslog read /dev/log. */
static int send_syslog(const struct pe_audit *a, const char *msg)
{
	char line[8192];
	int n;

	if (a->syslog_fd < 0)
		return -1;
	n = snprintf(line, sizeof(line), "<%d>podenter[%d]: %s",
		     LOG_AUTHPRIV | LOG_NOTICE, (int)getpid(), msg);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	return send(a->syslog_fd, line, (size_t)n, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int write_record(struct pe_audit *a, const char *json,
			struct pe_error *err)
{
	size_t len = strlen(json);
	char *line = malloc(len + 2);
	ssize_t w;

	/* a node without a syslog daemon still gets the file record; the
	 * file is the one a session depends on */
	(void)send_syslog(a, json);
	if (a->fd < 0) {
		free(line);
		return 0;
	}
	if (!line)
		return pe_error_errno(err, "writing the audit record");
	memcpy(line, json, len);
	line[len] = '\n';
	/* one write: O_APPEND keeps concurrent sessions' lines whole */
	w = write(a->fd, line, len + 1);
	free(line);
	if (w != (ssize_t)(len + 1)) {
		if (w >= 0)
			errno = EIO;
		return pe_error_errno(err, "writing the audit log");
	}
	if (fdatasync(a->fd) < 0 && errno != EINVAL)
		return pe_error_errno(err, "syncing the audit log");
	return 0;
}

int pe_audit_start(struct pe_audit *a, const struct pe_audit_record *r,
		   struct pe_error *err)
{
	char *json = pe_audit_json(a, r, "session-start", -1, -1);
	int rc;

	if (!json)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "building the audit record");
	rc = write_record(a, json, err);
	free(json);
	return rc;
}

int pe_audit_end(struct pe_audit *a, const struct pe_audit_record *r,
		 int exit_status, struct pe_error *err)
{
	struct timespec now;
	long long ms;
	char *json;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - a->started.tv_sec) * 1000 +
	     (now.tv_nsec - a->started.tv_nsec) / 1000000;
	json = pe_audit_json(a, r, "session-end", exit_status, ms);
	if (!json)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "building the audit record");
	rc = write_record(a, json, err);
	free(json);
	return rc;
}
