/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session records: every field, hostile strings, both sinks, failures. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "podenter/audit.h"

static char *const command[] = { "sh", "-c", "echo \"hi\"\n", NULL };

static void sample(struct pe_audit_record *r)
{
	memset(r, 0, sizeof(*r));
	pe_audit_fill_caller(r);
	r->namespace = "shop";
	r->pod = "web-0";
	/* annotations are the pod author's: anything may be in them */
	r->container = "app\"\n{\"event\":\"forged\"}";
	r->container_id = "4f3a";
	r->runtime = "containerd";
	r->target_pid = 4242;
	snprintf(r->namespaces, sizeof(r->namespaces), "net,pid,mnt");
	r->view = "tools";
	r->profile = "general";
	r->seccomp = "runtime-default";
	r->no_new_privs = true;
	snprintf(r->capabilities, sizeof(r->capabilities),
		 "CAP_CHOWN,CAP_SYS_PTRACE");
	r->command = command;
}

static const char *get(struct json_object *o, const char *path)
{
	char copy[128], *save = NULL;
	struct json_object *cur = o;

	snprintf(copy, sizeof(copy), "%s", path);
	for (char *k = strtok_r(copy, ".", &save); k;
	     k = strtok_r(NULL, ".", &save))
		if (!json_object_object_get_ex(cur, k, &cur))
			return NULL;
	return json_object_get_string(cur);
}

static void record_has_every_field(void **state)
{
	struct pe_audit a;
	struct pe_audit_record r;
	struct json_object *o, *arr;
	char *json;

	(void)state;
	pe_audit_init(&a);
	sample(&r);
	json = pe_audit_json(&a, &r, "session-end", 130, 1500);
	assert_non_null(json);
	assert_null(strchr(json, '\n')); /* one line, whatever the input */
	o = json_tokener_parse(json);
	assert_non_null(o);
	assert_string_equal(get(o, "event"), "session-end");
	assert_int_equal(strlen(get(o, "session")), 32);
	assert_non_null(get(o, "time"));
	assert_string_equal(get(o, "target.namespace"), "shop");
	assert_string_equal(get(o, "target.pod"), "web-0");
	assert_string_equal(get(o, "target.container"), r.container);
	assert_string_equal(get(o, "target.container_id"), "4f3a");
	assert_string_equal(get(o, "target.pid"), "4242");
	assert_string_equal(get(o, "target.runtime"), "containerd");
	assert_string_equal(get(o, "view"), "tools");
	assert_string_equal(get(o, "profile"), "general");
	assert_string_equal(get(o, "seccomp"), "runtime-default");
	assert_string_equal(get(o, "no_new_privs"), "true");
	assert_string_equal(get(o, "capabilities"), "CAP_CHOWN,CAP_SYS_PTRACE");
	assert_string_equal(get(o, "exit_status"), "130");
	assert_string_equal(get(o, "duration_ms"), "1500");
	assert_non_null(get(o, "uid"));
	assert_non_null(get(o, "loginuid"));
	assert_non_null(get(o, "podenter_pid"));
	assert_true(json_object_object_get_ex(o, "namespaces", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(arr, 1)), "pid");
	assert_true(json_object_object_get_ex(o, "command", &arr));
	assert_int_equal(json_object_array_length(arr), 3);
	assert_string_equal(
	    json_object_get_string(json_object_array_get_idx(arr, 2)),
	    "echo \"hi\"\n");
	json_object_put(o);
	free(json);
	/* the start record has no outcome yet */
	json = pe_audit_json(&a, &r, "session-start", -1, -1);
	assert_null(strstr(json, "exit_status"));
	assert_null(strstr(json, "duration_ms"));
	free(json);
}

/* The record as json-c prints it (what pe_audit_json wrote until it wrote
 * the text itself): the reference its text must equal byte for byte, so
 * that nothing reading the audit log sees a difference. */
static void put_str(struct json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_string(v));
}

static char *json_c_text(const struct pe_audit *a,
			 const struct pe_audit_record *r, const char *event,
			 int exit_status, long long duration_ms)
{
	struct json_object *o = json_object_new_object(), *t, *ns, *cmd;
	char copy[sizeof(r->namespaces)], *save = NULL, *out;

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
	snprintf(copy, sizeof(copy), "%s", r->namespaces);
	for (char *n = strtok_r(copy, ",", &save); n;
	     n = strtok_r(NULL, ",", &save))
		json_object_array_add(ns, json_object_new_string(n));
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

static void expect_json_c_text(const struct pe_audit *a,
			       const struct pe_audit_record *r,
			       const char *event, int exit_status,
			       long long duration_ms)
{
	char *got = pe_audit_json(a, r, event, exit_status, duration_ms);
	char *want = json_c_text(a, r, event, exit_status, duration_ms);

	assert_non_null(got);
	assert_non_null(want);
	assert_string_equal(got, want);
	free(got);
	free(want);
}

/* The text is json-c's, byte for byte: a full record, an empty one,
 * every byte value in the pod's strings and the command, both events. */
static void record_text_is_json_c_s(void **state)
{
	static char every_byte[256],
	    *hostile_cmd[] = { every_byte, "", "/a/b", "\\\"", NULL };
	struct pe_audit a;
	struct pe_audit_record r;

	(void)state;
	for (int i = 1; i < 256; i++)
		every_byte[i - 1] = (char)i;
	pe_audit_init(&a);
	sample(&r);
	expect_json_c_text(&a, &r, "session-start", -1, -1);
	expect_json_c_text(&a, &r, "session-end", 130, 1500);
	memset(&r, 0, sizeof(r));
	expect_json_c_text(&a, &r, "session-start", -1, -1);
	expect_json_c_text(&a, &r, "session-end", 0, 0);
	sample(&r);
	r.pod = every_byte;
	r.container = "";
	r.user = "1000:1000";
	r.cgroup = "pod";
	r.tools = "host (/)";
	r.loginuid = -1;
	r.tty_allocated = true;
	snprintf(r.tty, sizeof(r.tty), "/dev/pts/\t3");
	snprintf(r.namespaces, sizeof(r.namespaces), ",net,,\"pid\",");
	r.command = hostile_cmd;
	expect_json_c_text(&a, &r, "session-end", 255, 9223372036854775807LL);
}

static void file_and_syslog_both_get_records(void **state)
{
	char dir[] = "/tmp/test_audit.XXXXXX", path[256], sock[256];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct pe_audit_record r;
	struct pe_audit a;
	struct pe_error err;
	char buf[8192], *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct stat st;
	FILE *f;
	int s, lines = 0;

	(void)state;
#ifndef PE_TEST_HOOKS
	/* the syslog socket is redirected by a test hook only */
	skip();
#endif
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	snprintf(sock, sizeof(sock), "%s/log", dir);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("PODENTER_TEST_SYSLOG", sock, 1);

	pe_audit_init(&a);
	sample(&r);
	assert_int_equal(pe_audit_open(&a, path, &err), 0);
	assert_int_equal(pe_audit_start(&a, &r, &err), 0);
	assert_int_equal(pe_audit_end(&a, &r, 3, &err), 0);
	pe_audit_close(&a);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		struct json_object *o = json_tokener_parse(line);

		assert_non_null(o);
		assert_string_equal(get(o, "event"),
				    lines ? "session-end" : "session-start");
		json_object_put(o);
		lines++;
	}
	free(line);
	fclose(f);
	assert_int_equal(lines, 2);

	/* LOG_AUTHPRIV | LOG_NOTICE = 85 */
	n = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "<85>podenter[", 13), 0);
	assert_non_null(strstr(buf, "\"event\":\"session-start\""));
	n = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"exit_status\":3"));
	close(s);
	unsetenv("PODENTER_TEST_SYSLOG");
	unlink(sock);
	unlink(path);
	rmdir(dir);
}

static void unwritable_log_stops_the_session(void **state)
{
	char dir[] = "/tmp/test_audit.XXXXXX", link[256], path[256];
	struct pe_audit_record r;
	struct pe_audit a;
	struct pe_error err;
	struct rlimit was, none;

	(void)state;
#ifndef PE_TEST_HOOKS
	/* without the hook, records would go to the node's real syslog */
	skip();
#endif
	sample(&r);
	assert_non_null(mkdtemp(dir));
	/* a full disk (here: a file size limit of 0): the start record
	 * fails, so must the session */
	pe_audit_init(&a);
	setenv("PODENTER_TEST_SYSLOG", "/nonexistent/log", 1);
	snprintf(path, sizeof(path), "%s/full.log", dir);
	assert_int_equal(pe_audit_open(&a, path, &err), 0);
	pe_error_clear(&err);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &was), 0);
	none = was;
	none.rlim_cur = 0;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &none), 0);
	assert_int_equal(pe_audit_start(&a, &r, &err), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &was), 0);
	assert_int_equal(err.errnum, EFBIG);
	assert_non_null(strstr(err.msg, "audit log"));
	pe_audit_close(&a);
	unlink(path);
	/* a device is no log (and /dev/full would hide the records) */
	assert_int_equal(pe_audit_open(&a, "/dev/full", &err), -1);
	assert_non_null(strstr(err.msg, "a device"));
	/* no such directory */
	assert_int_equal(pe_audit_open(&a, "/nonexistent/dir/audit.log", &err),
			 -1);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/audit.log"));
	/* never through a symlink (someone may point it at /etc/shadow) */
	snprintf(link, sizeof(link), "%s/audit.log", dir);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(pe_audit_open(&a, link, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	unlink(link);
	rmdir(dir);
	/* no file configured: syslog only, and a missing syslog socket does
	 * not stop anything */
	pe_audit_init(&a);
	assert_int_equal(pe_audit_open(&a, NULL, &err), 0);
	assert_int_equal(pe_audit_start(&a, &r, &err), 0);
	unsetenv("PODENTER_TEST_SYSLOG");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_has_every_field),
		cmocka_unit_test(record_text_is_json_c_s),
		cmocka_unit_test(file_and_syslog_both_get_records),
		cmocka_unit_test(unwritable_log_stops_the_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
