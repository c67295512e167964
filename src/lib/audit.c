/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session records to syslog and a JSON lines file; see audit.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "podenter/audit.h"
#include "podenter/testhooks.h"
#include "podenter/outfile.h"

void pe_audit_init(struct pe_audit *a)
{
	unsigned char raw[16];
	struct timespec now;
	struct tm tm;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->syslog_fd = -1;
	if (getrandom(raw, sizeof(raw), GRND_NONBLOCK) != (ssize_t)sizeof(raw))
		memset(raw, 0, sizeof(raw));
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(a->session + 2 * i, 3, "%02x", raw[i]);
	clock_gettime(CLOCK_MONOTONIC, &a->started);
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(a->start_time, sizeof(a->start_time),
		 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 now.tv_nsec / 1000000);
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

static void put_str(struct json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

char *pe_audit_json(const struct pe_audit *a, const struct pe_audit_record *r,
		    const char *event, int exit_status, long long duration_ms)
{
	struct json_object *o = json_object_new_object(), *t, *ns, *cmd;
	char *out = NULL;

	if (!o)
		return NULL;
	put_str(o, "event", event);
	put_str(o, "session", a->session);
	put_str(o, "time", a->start_time);
	json_object_object_add(o, "uid", json_object_new_int64(r->uid));
	json_object_object_add(o, "loginuid",
			       json_object_new_int64(r->loginuid));
	put_str(o, "tty", r->tty);
	json_object_object_add(o, "podenter_pid",
			       json_object_new_int64(r->podenter_pid));
	t = json_object_new_object();
	put_str(t, "namespace", r->namespace);
	put_str(t, "pod", r->pod);
	put_str(t, "container", r->container);
	put_str(t, "container_id", r->container_id);
	put_str(t, "runtime", r->runtime);
	json_object_object_add(t, "pid", json_object_new_int64(r->target_pid));
	json_object_object_add(o, "target", t);
	ns = json_object_new_array();
	{
		char copy[sizeof(r->namespaces)], *save = NULL;

		snprintf(copy, sizeof(copy), "%s", r->namespaces);
		for (char *n = strtok_r(copy, ",", &save); n;
		     n = strtok_r(NULL, ",", &save))
			json_object_array_add(ns, json_object_new_string(n));
	}
	json_object_object_add(o, "namespaces", ns);
	put_str(o, "view", r->view);
	put_str(o, "tools", r->tools);
	put_str(o, "profile", r->profile);
	put_str(o, "capabilities", r->capabilities);
	put_str(o, "seccomp", r->seccomp);
	json_object_object_add(o, "no_new_privs",
			       json_object_new_boolean(r->no_new_privs));
	put_str(o, "user", r->user);
	put_str(o, "cgroup", r->cgroup);
	json_object_object_add(o, "pty",
			       json_object_new_boolean(r->tty_allocated));
	cmd = json_object_new_array();
	for (size_t i = 0; r->command && r->command[i]; i++)
		json_object_array_add(cmd,
				      json_object_new_string(r->command[i]));
	json_object_object_add(o, "command", cmd);
	if (exit_status >= 0)
		json_object_object_add(o, "exit_status",
				       json_object_new_int(exit_status));
	if (duration_ms >= 0)
		json_object_object_add(o, "duration_ms",
				       json_object_new_int64(duration_ms));
	out = strdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
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
