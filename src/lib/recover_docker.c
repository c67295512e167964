/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A Docker container's definition from Docker's files, with no daemon
 * (recover.h): config.v2.json and hostconfig.json become the OCI spec
 * fields copy reads, layerdb and overlay2 the layer chain. Seen on Docker
 * 20.10 (Debian 12), storage driver overlay2.
 *
 * Why a built spec and not an adapter in copy: copy then has one parser
 * (pe_copy_spec_parse) with one set of path checks and one fuzzer for every
 * runtime, and the session reads the environment from spec_json as for
 * containerd. What Docker adds at run time is added here as Docker does:
 * /etc/hosts, /etc/resolv.conf and /etc/hostname from the container's
 * (or, with a shared network, the sandbox's) directory unless a mount
 * covers them, mounts sorted by depth (daemon/volumes.go sortMounts).
 *
 * Every file is hostile input: read through the data root's fd with no
 * symbolic link followed (pe_read_file_at), bounded, parsed strictly; every
 * id that becomes a path component is checked (64 lower-case hex digits,
 * "-init" for the init layer).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "podenter/recover.h"
#include "runtime/sources.h"
#include "recover_overlay.h"
#include "syscalls.h"

#define DOCKER_JSON_MAX (4u << 20)
#define DOCKER_ID_FILE_MAX 256u
#define DOCKER_LOWER_MAX (64u << 10)
/* overlay2 refuses more than 128 lower layers (overlay2.go maxDepth) */
#define DOCKER_MAX_LAYERS 128
#define LAYERDB "image/overlay2/layerdb"
#define DOCKER_ZERO_TIME "0001-01-01T00:00:00Z"
/* system.DefaultPathEnv on Linux */
#define DOCKER_DEFAULT_PATH                                                    \
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

bool pe_recover_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

struct json_object *pe_recover_parse_strict_as(const char *buf, size_t len,
					       json_type type)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;
	size_t end;

	if (!tok || len > INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	end = json_tokener_get_parse_end(tok);
	for (; obj && end < len; end++)
		if (!strchr(" \t\r\n", buf[end]) || !buf[end]) {
			json_object_put(obj);
			obj = NULL;
		}
	json_tokener_free(tok);
	if (obj && !json_object_is_type(obj, type)) {
		json_object_put(obj);
		obj = NULL;
	}
	return obj;
}

struct json_object *pe_recover_parse_strict(const char *buf, size_t len)
{
	return pe_recover_parse_strict_as(buf, len, json_type_object);
}

/* o[key] if it has type t; absent or JSON null: NULL; another type: *bad */
static struct json_object *member(struct json_object *o, const char *key,
				  json_type t, bool *bad)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, t)) {
		*bad = true;
		return NULL;
	}
	return v;
}

static const char *member_str(struct json_object *o, const char *key, bool *bad)
{
	struct json_object *v = member(o, key, json_type_string, bad);

	return v ? json_object_get_string(v) : NULL;
}

long long pe_recover_rfc3339_ns(const char *s)
{
	struct tm tm;
	const char *p;
	long long ns = 0, scale = 100000000LL, offset = 0;
	time_t t;

	if (!s || strcmp(s, DOCKER_ZERO_TIME) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += scale > 0 ? (*p - '0') * scale : 0;
	/* "Z", or a zone offset "+HH:MM" / "-HH:MM" (Go's time in a local
	 * zone, as podman writes it) */
	if ((p[0] == '+' || p[0] == '-') && strlen(p) == 6 && p[1] >= '0' &&
	    p[1] <= '2' && p[2] >= '0' && p[2] <= '9' && p[3] == ':' &&
	    p[4] >= '0' && p[4] <= '5' && p[5] >= '0' && p[5] <= '9') {
		offset = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600LL +
			 ((p[4] - '0') * 10 + (p[5] - '0')) * 60LL;
		offset = p[0] == '+' ? offset : -offset;
	} else if (strcmp(p, "Z") != 0) {
		return 0;
	}
	t = timegm(&tm);
	/* the year 2262 on would overflow nanoseconds (found by the fuzzer) */
	if (t <= 86400 || (long long)t > LLONG_MAX / 1000000000LL - 86400)
		return 0;
	return ((long long)t - offset) * 1000000000LL + ns;
}

/* "N" as a uid/gid */
static bool parse_id(const char *s, size_t len, unsigned *out)
{
	unsigned long long v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 0xfffffffeULL)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Config.User: "", "UID" or "UID:GID" (names would need the image's
 * /etc/passwd, which Docker read at start; refused clearly) */
static int user_of(const char *user, struct json_object *jsuser,
		   struct pe_error *err)
{
	const char *colon = user ? strchr(user, ':') : NULL;
	unsigned uid = 0, gid = 0;

	if (user && *user) {
		size_t ulen = colon ? (size_t)(colon - user) : strlen(user);

		if (!parse_id(user, ulen, &uid) ||
		    (colon && !parse_id(colon + 1, strlen(colon + 1), &gid))) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				     "the container's user '%s' is not "
				     "numeric (UID or UID:GID)",
				     user);
			pe_error_hint(err, "give the user with --user");
			return -1;
		}
	}
	json_object_object_add(jsuser, "uid", json_object_new_int64(uid));
	json_object_object_add(jsuser, "gid", json_object_new_int64(gid));
	return 0;
}

static struct json_object *new_mount(const char *dest, const char *type,
				     const char *source, bool readonly)
{
	struct json_object *m = json_object_new_object();
	struct json_object *opts = json_object_new_array();

	json_object_object_add(m, "destination", json_object_new_string(dest));
	json_object_object_add(m, "type", json_object_new_string(type));
	if (source)
		json_object_object_add(m, "source",
				       json_object_new_string(source));
	if (strcmp(type, "bind") == 0)
		json_object_array_add(opts, json_object_new_string("rbind"));
	json_object_array_add(opts,
			      json_object_new_string(readonly ? "ro" : "rw"));
	json_object_object_add(m, "options", opts);
	return m;
}

static size_t depth_of(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/';
	return n;
}

static int by_depth(const void *a, const void *b)
{
	struct json_object *const *ma = a, *const *mb = b;
	struct json_object *da = NULL, *db = NULL;
	size_t x, y;

	json_object_object_get_ex(*ma, "destination", &da);
	json_object_object_get_ex(*mb, "destination", &db);
	x = depth_of(json_object_get_string(da));
	y = depth_of(json_object_get_string(db));
	return x < y ? -1 : x > y;
}

static bool has_dest(struct json_object *mounts, const char *dest)
{
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		struct json_object *d = NULL;

		json_object_object_get_ex(json_object_array_get_idx(mounts, i),
					  "destination", &d);
		if (strcmp(json_object_get_string(d), dest) == 0)
			return true;
	}
	return false;
}

/* MountPoints (config.v2.json), Tmpfs (hostconfig.json), then Docker's
 * /etc files; sorted by depth as Docker mounts them. */
static int build_mounts(struct json_object *cfg, struct json_object *hc,
			struct json_object *spec, struct pe_error *err)
{
	static const struct {
		const char *key, *dest;
	} etc_files[] = {
		{ "ResolvConfPath", "/etc/resolv.conf" },
		{ "HostnamePath", "/etc/hostname" },
		{ "HostsPath", "/etc/hosts" },
	};
	bool bad = false;
	struct json_object *points =
	    member(cfg, "MountPoints", json_type_object, &bad);
	struct json_object *tmpfs = member(hc, "Tmpfs", json_type_object, &bad);
	struct json_object *mounts = json_object_new_array(), **sorted;
	size_t n;

	if (bad)
		goto bad;
	if (points) {
		json_object_object_foreach(points, key, mp)
		{
			const char *dest, *src, *type;
			struct json_object *rw;

			(void)key;
			if (!json_object_is_type(mp, json_type_object))
				goto bad;
			dest = member_str(mp, "Destination", &bad);
			src = member_str(mp, "Source", &bad);
			type = member_str(mp, "Type", &bad);
			rw = member(mp, "RW", json_type_boolean, &bad);
			if (bad || !dest)
				goto bad;
			if (type && strcmp(type, "tmpfs") == 0)
				json_object_array_add(
				    mounts,
				    new_mount(
					dest, "tmpfs", NULL,
					rw && !json_object_get_boolean(rw)));
			else
				json_object_array_add(
				    mounts,
				    new_mount(
					dest, "bind", src ? src : "",
					!rw || !json_object_get_boolean(rw)));
		}
	}
	if (tmpfs) {
		json_object_object_foreach(tmpfs, dest, opts)
		{
			if (!json_object_is_type(opts, json_type_string))
				goto bad;
			if (!has_dest(mounts, dest))
				json_object_array_add(
				    mounts,
				    new_mount(
					dest, "tmpfs", NULL,
					strstr(json_object_get_string(opts),
					       "ro") ==
					    json_object_get_string(opts)));
		}
	}
	for (size_t i = 0; i < sizeof(etc_files) / sizeof(etc_files[0]); i++) {
		const char *src = member_str(cfg, etc_files[i].key, &bad);

		if (bad)
			goto bad;
		if (src && *src && !has_dest(mounts, etc_files[i].dest))
			json_object_array_add(
			    mounts,
			    new_mount(etc_files[i].dest, "bind", src, false));
	}
	n = json_object_array_length(mounts);
	sorted = calloc(n + 1, sizeof(*sorted));
	if (!sorted) {
		json_object_put(mounts);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
	}
	for (size_t i = 0; i < n; i++)
		sorted[i] =
		    json_object_get(json_object_array_get_idx(mounts, i));
	json_object_put(mounts);
	qsort(sorted, n, sizeof(*sorted), by_depth);
	mounts = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(mounts, sorted[i]);
	free(sorted);
	json_object_object_add(spec, "mounts", mounts);
	return 0;
bad:
	json_object_put(mounts);
	return pe_error_set(err, PE_ERR_PARSE, 0,
			    "a mount of config.v2.json or hostconfig.json "
			    "is not what Docker writes");
}

/* *dst = a b c d concatenated (NULLs skipped); NULL and -1 on failure */
static int concat_into(char **dst, const char *a, const char *b, const char *c,
		       const char *d)
{
	int n = snprintf(NULL, 0, "%s%s%s%s", a, b, c ? c : "", d ? d : "");

	*dst = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!*dst)
		return -1;
	snprintf(*dst, (size_t)n + 1, "%s%s%s%s", a, b, c ? c : "", d ? d : "");
	return 0;
}

/* Does the environment array name KEY (as "KEY=...")? */
static bool env_has(struct json_object *env, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; env && i < json_object_array_length(env); i++) {
		const char *kv =
		    json_object_get_string(json_object_array_get_idx(env, i));

		if (kv && strncmp(kv, key, klen) == 0 && kv[klen] == '=')
			return true;
	}
	return false;
}

/* an array of strings, copied; NULL: none; anything else: -1 */
static int string_array(struct json_object *arr, struct json_object *into)
{
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(v, json_type_string))
			return -1;
		json_object_array_add(
		    into, json_object_new_string(json_object_get_string(v)));
	}
	return 0;
}

static int build_process(struct json_object *cfg, struct json_object *hc,
			 struct json_object *spec, struct pe_error *err)
{
	bool bad = false;
	struct json_object *config =
	    member(cfg, "Config", json_type_object, &bad);
	const char *path = member_str(cfg, "Path", &bad);
	struct json_object *args = member(cfg, "Args", json_type_array, &bad);
	struct json_object *env = member(config, "Env", json_type_array, &bad);
	const char *wd = member_str(config, "WorkingDir", &bad);
	const char *user = member_str(config, "User", &bad);
	const char *hostname = member_str(config, "Hostname", &bad);
	struct json_object *groups =
	    member(hc, "GroupAdd", json_type_array, &bad);
	struct json_object *proc = json_object_new_object();
	struct json_object *jargs = json_object_new_array();
	struct json_object *jenv = json_object_new_array();
	struct json_object *juser = json_object_new_object();
	struct json_object *gids = json_object_new_array();

	json_object_object_add(proc, "args", jargs);
	json_object_object_add(proc, "env", jenv);
	json_object_object_add(proc, "user", juser);
	json_object_object_add(juser, "additionalGids", gids);
	json_object_object_add(spec, "process", proc);
	/* the environment as Docker makes it
	 * (container.CreateDaemonEnvironment): its PATH and HOSTNAME, then
	 * Config.Env replacing or adding */
	if (!env_has(env, "PATH"))
		json_object_array_add(
		    jenv, json_object_new_string(DOCKER_DEFAULT_PATH));
	if (hostname && !env_has(env, "HOSTNAME")) {
		char *h = NULL;

		if (concat_into(&h, "HOSTNAME=", hostname, NULL, NULL) < 0)
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "docker");
		json_object_array_add(jenv, json_object_new_string(h));
		free(h);
	}
	/* what Docker ran: Path (the entrypoint's first word) then Args */
	if (path)
		json_object_array_add(jargs, json_object_new_string(path));
	if (bad || !config || string_array(args, jargs) < 0 ||
	    string_array(env, jenv) < 0)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "config.v2.json's Path, Args or Config "
				    "is not what Docker writes");
	json_object_object_add(proc, "cwd",
			       json_object_new_string(wd && *wd ? wd : "/"));
	if (user_of(user, juser, err) < 0)
		return -1;
	for (size_t i = 0; groups && i < json_object_array_length(groups);
	     i++) {
		struct json_object *g = json_object_array_get_idx(groups, i);
		const char *s = json_object_get_string(g);
		unsigned gid;

		if (!json_object_is_type(g, json_type_string) ||
		    !parse_id(s, strlen(s), &gid)) {
			pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				     "hostconfig.json's GroupAdd holds '%s', "
				     "not a numeric group id",
				     s ? s : "?");
			return -1;
		}
		json_object_array_add(gids, json_object_new_int64(gid));
	}
	return 0;
}

static int build_linux(struct json_object *hc, struct json_object *spec,
		       struct pe_error *err)
{
	bool bad = false;
	struct json_object *masked =
	    member(hc, "MaskedPaths", json_type_array, &bad);
	struct json_object *ro =
	    member(hc, "ReadonlyPaths", json_type_array, &bad);
	struct json_object *rootro =
	    member(hc, "ReadonlyRootfs", json_type_boolean, &bad);
	struct json_object *linux_ = json_object_new_object();
	struct json_object *jm = json_object_new_array();
	struct json_object *jr = json_object_new_array();
	struct json_object *root = json_object_new_object();

	json_object_object_add(linux_, "maskedPaths", jm);
	json_object_object_add(linux_, "readonlyPaths", jr);
	json_object_object_add(spec, "linux", linux_);
	json_object_object_add(
	    root, "readonly",
	    json_object_new_boolean(rootro && json_object_get_boolean(rootro)));
	json_object_object_add(spec, "root", root);
	if (bad || string_array(masked, jm) < 0 || string_array(ro, jr) < 0)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "hostconfig.json's MaskedPaths, "
				    "ReadonlyPaths or ReadonlyRootfs is not "
				    "what Docker writes");
	return 0;
}

static int dup_label(struct json_object *labels, const char *key, char **dst)
{
	bool bad = false;
	const char *v = member_str(labels, key, &bad);

	return bad ? -1 : pe_strdup_into(dst, v);
}

static int fill_state(struct json_object *cfg, struct pe_recovered_container *c,
		      struct pe_error *err)
{
	bool bad = false;
	struct json_object *state =
	    member(cfg, "State", json_type_object, &bad);
	struct json_object *running =
	    member(state, "Running", json_type_boolean, &bad);
	struct json_object *code =
	    member(state, "ExitCode", json_type_int, &bad);
	struct json_object *oom =
	    member(state, "OOMKilled", json_type_boolean, &bad);
	const char *started = member_str(state, "StartedAt", &bad);
	const char *finished = member_str(state, "FinishedAt", &bad);
	const char *created = member_str(cfg, "Created", &bad);
	const char *reason;

	if (bad || !state)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "config.v2.json's State is not what "
				    "Docker writes");
	c->created_at_ns = pe_recover_rfc3339_ns(created);
	c->started_at_ns = pe_recover_rfc3339_ns(started);
	c->finished_at_ns = pe_recover_rfc3339_ns(finished);
	/* as cri-dockerd reports it: exited once it has finished */
	c->has_exit = !(running && json_object_get_boolean(running)) &&
		      c->finished_at_ns > 0;
	if (!c->has_exit)
		return 0;
	c->exit_code = code ? json_object_get_int(code) : 0;
	reason = oom && json_object_get_boolean(oom) ? "OOMKilled"
		 : c->exit_code == 0		     ? "Completed"
						     : "Error";
	if (pe_strdup_into(&c->reason, reason) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
	return 0;
}

static int fill_identity(struct json_object *cfg,
			 struct pe_recovered_container *c, struct pe_error *err)
{
	bool bad = false;
	const char *id = member_str(cfg, "ID", &bad);
	const char *name = member_str(cfg, "Name", &bad);
	struct json_object *config =
	    member(cfg, "Config", json_type_object, &bad);
	struct json_object *labels =
	    member(config, "Labels", json_type_object, &bad);
	const char *image = member_str(config, "Image", &bad);

	if (bad || !id || !pe_recover_hex64(id, strlen(id)))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "config.v2.json's ID is not a Docker id");
	if (pe_strdup_into(&c->id, id) < 0 ||
	    pe_strdup_into(&c->image, image) < 0 ||
	    dup_label(labels, "io.kubernetes.pod.namespace", &c->namespace) <
		0 ||
	    dup_label(labels, "io.kubernetes.pod.name", &c->pod) < 0 ||
	    dup_label(labels, "io.kubernetes.pod.uid", &c->pod_uid) < 0 ||
	    dup_label(labels, "io.kubernetes.container.name", &c->container) <
		0 ||
	    dup_label(labels, "io.kubernetes.sandbox.id", &c->sandbox_id) < 0)
		return pe_error_set(err, PE_ERR_PARSE, ENOMEM,
				    "config.v2.json's labels");
	/* the sandbox id names a directory of the data root: an id or none */
	if (c->sandbox_id &&
	    !pe_recover_hex64(c->sandbox_id, strlen(c->sandbox_id)))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "label io.kubernetes.sandbox.id '%s' is "
				    "not a Docker id",
				    c->sandbox_id);
	c->attempt = pe_docker_attempt_of_name(name);
	c->restart_count = c->attempt;
	return 0;
}

int pe_recover_docker_parse(const char *config, size_t config_len,
			    const char *hostconfig, size_t hostconfig_len,
			    struct pe_recovered_container *out,
			    struct pe_error *err)
{
	struct json_object *cfg = NULL, *hc = NULL, *spec = NULL;
	bool bad = false;
	const char *hostname;
	int rc = -1;

	pe_recovered_container_clear(out);
	cfg = pe_recover_parse_strict(config, config_len);
	if (!cfg) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "config.v2.json is not a JSON object");
		goto out;
	}
	if (hostconfig) {
		hc = pe_recover_parse_strict(hostconfig, hostconfig_len);
		if (!hc) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "hostconfig.json is not a JSON object");
			goto out;
		}
	}
	spec = json_object_new_object();
	if (!spec) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
		goto out;
	}
	hostname = member_str(member(cfg, "Config", json_type_object, &bad),
			      "Hostname", &bad);
	if (bad) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "config.v2.json's Config is not what Docker "
			     "writes");
		goto out;
	}
	if (hostname)
		json_object_object_add(spec, "hostname",
				       json_object_new_string(hostname));
	if (fill_identity(cfg, out, err) < 0 || fill_state(cfg, out, err) < 0 ||
	    build_process(cfg, hc, spec, err) < 0 ||
	    build_mounts(cfg, hc, spec, err) < 0 ||
	    build_linux(hc, spec, err) < 0 ||
	    pe_strdup_into(&out->spec_json,
			   json_object_to_json_string_ext(
			       spec, JSON_C_TO_STRING_PLAIN |
					 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0 && !err->msg[0])
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
	json_object_put(spec);
	json_object_put(cfg);
	json_object_put(hc);
	if (rc < 0)
		pe_recovered_container_clear(out);
	return rc;
}

bool pe_docker_data_root_of(const char *record_path, const char *id, char *out,
			    size_t size)
{
	static const char *const tails[] = { "", "/config.v2.json" };
	char tail[128];
	size_t n;

	if (!record_path || !id || !pe_recover_hex64(id, strlen(id)) ||
	    record_path[0] != '/')
		return false;
	n = strlen(record_path);
	for (size_t i = 0; i < 2; i++) {
		size_t t = (size_t)snprintf(tail, sizeof(tail),
					    "/containers/%s%s", id, tails[i]);

		if (n <= t || strcmp(record_path + n - t, tail) != 0 ||
		    n - t >= size)
			continue;
		memcpy(out, record_path, n - t);
		out[n - t] = '\0';
		return true;
	}
	return false;
}

/* ---- the layers -----------------------------------------------------------
 */

int pe_recover_read_id_file(int rootfd, const char *rel, char *buf, size_t size)
{
	char *text = NULL;
	ssize_t len = pe_read_file_at(rootfd, rel, DOCKER_ID_FILE_MAX, &text);

	if (len < 0)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if ((size_t)len >= size) {
		free(text);
		errno = EFBIG;
		return -1;
	}
	memcpy(buf, text, (size_t)len + 1);
	free(text);
	return 0;
}

/* A cache id (overlay2's directory name): 64 hex, or 64 hex + "-init" when
 * init is true. */
static bool cache_id_ok(const char *s, bool init)
{
	size_t n = strlen(s);

	if (init)
		return n == 69 && strcmp(s + 64, "-init") == 0 &&
		       pe_recover_hex64(s, 64);
	return pe_recover_hex64(s, n);
}

static int add_layer(struct pe_recovered_container *c, const char *rel_root,
		     const char *cache_id, struct pe_error *err)
{
	char **v;
	char *path;

	if (c->n_lowerdirs >= DOCKER_MAX_LAYERS)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "more than %d image layers in layerdb",
				    DOCKER_MAX_LAYERS);
	v = realloc(c->lowerdirs, (c->n_lowerdirs + 1) * sizeof(*v));
	if (!v)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
	c->lowerdirs = v;
	if (concat_into(&path, rel_root, "/overlay2/", cache_id, "/diff") < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
	c->lowerdirs[c->n_lowerdirs++] = path;
	return 0;
}

int pe_recover_check_lower(int rootfd, const char *driver_dir,
			   const char *mount_id,
			   const struct pe_recovered_container *c,
			   const char *rel_root, struct pe_error *err)
{
	char rel[PATH_MAX], link[64], *lower = NULL, *save = NULL, *tok;
	size_t i = 0, skip = strlen(rel_root) + 1 + strlen(driver_dir) + 1;
	int rc = -1;

	snprintf(rel, sizeof(rel), "%s/%s/lower", driver_dir, mount_id);
	if (pe_read_file_at(rootfd, rel, DOCKER_LOWER_MAX, &lower) < 0)
		return pe_error_errno(err, "reading %s/%s/lower", driver_dir,
				      mount_id);
	lower[strcspn(lower, "\n")] = '\0';
	for (tok = strtok_r(lower, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save), i++) {
		char cache[80];
		size_t len;

		if (i >= c->n_lowerdirs)
			break;
		/* lowerdirs[i] is "<rel_root>/<driver_dir>/<layer>/diff" */
		len = strlen(c->lowerdirs[i]);
		if (len < skip + 5 || len - skip - 5 >= sizeof(cache)) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "layer %zu (%s) is not a directory of "
				     "%s",
				     i, c->lowerdirs[i], driver_dir);
			goto out;
		}
		snprintf(cache, sizeof(cache), "%.*s", (int)(len - skip - 5),
			 c->lowerdirs[i] + skip);
		snprintf(rel, sizeof(rel), "%s/%s/link", driver_dir, cache);
		if (pe_recover_read_id_file(rootfd, rel, link, sizeof(link)) <
		    0) {
			pe_error_errno(err, "reading %s/%s/link", driver_dir,
				       cache);
			goto out;
		}
		if (strncmp(tok, "l/", 2) != 0 || strcmp(tok + 2, link) != 0) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "%s/%s/lower names %s as layer %zu, "
				     "the layer store %s (link %s)",
				     driver_dir, mount_id, tok, i, cache, link);
			goto out;
		}
	}
	if (tok || i != c->n_lowerdirs) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s/%s/lower and the layer store disagree on "
			     "the number of layers",
			     driver_dir, mount_id);
		goto out;
	}
	rc = 0;
out:
	free(lower);
	return rc;
}

static int read_layers(int rootfd, const char *rel_root, const char *id,
		       struct pe_recovered_container *c, struct pe_error *err)
{
	char rel[PATH_MAX], mount_id[80], init_id[80], chain[96], cache[80];
	int fd;

	snprintf(rel, sizeof(rel), LAYERDB "/mounts/%s/mount-id", id);
	if (pe_recover_read_id_file(rootfd, rel, mount_id, sizeof(mount_id)) <
	    0)
		return pe_error_errno(err, "reading %s/%s", rel_root, rel);
	if (!cache_id_ok(mount_id, false))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%s/%s holds '%.80s', not a layer id",
				    rel_root, rel, mount_id);
	snprintf(rel, sizeof(rel), LAYERDB "/mounts/%s/init-id", id);
	if (pe_recover_read_id_file(rootfd, rel, init_id, sizeof(init_id)) ==
	    0) {
		if (!cache_id_ok(init_id, true))
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "%s/%s holds '%.80s', not an init "
					    "layer id",
					    rel_root, rel, init_id);
		if (add_layer(c, rel_root, init_id, err) < 0)
			return -1;
	} else if (errno != ENOENT) {
		return pe_error_errno(err, "reading %s/%s", rel_root, rel);
	}
	snprintf(rel, sizeof(rel), LAYERDB "/mounts/%s/parent", id);
	if (pe_recover_read_id_file(rootfd, rel, chain, sizeof(chain)) < 0) {
		if (errno != ENOENT)
			return pe_error_errno(err, "reading %s/%s", rel_root,
					      rel);
		chain[0] = '\0'; /* an image with no layer (FROM scratch) */
	}
	while (chain[0]) {
		if (strncmp(chain, "sha256:", 7) != 0 ||
		    !pe_recover_hex64(chain + 7, strlen(chain + 7)))
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "layerdb names the layer '%.96s', "
					    "not sha256:<64 hex>",
					    chain);
		snprintf(rel, sizeof(rel), LAYERDB "/sha256/%s/cache-id",
			 chain + 7);
		if (pe_recover_read_id_file(rootfd, rel, cache, sizeof(cache)) <
		    0)
			return pe_error_errno(err, "reading %s/%s", rel_root,
					      rel);
		if (!cache_id_ok(cache, false))
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "%s/%s holds '%.80s', not a layer "
					    "id",
					    rel_root, rel, cache);
		if (add_layer(c, rel_root, cache, err) < 0)
			return -1;
		snprintf(rel, sizeof(rel), LAYERDB "/sha256/%s/parent",
			 chain + 7);
		if (pe_recover_read_id_file(rootfd, rel, chain, sizeof(chain)) <
		    0) {
			if (errno != ENOENT)
				return pe_error_errno(err, "reading %s/%s",
						      rel_root, rel);
			chain[0] = '\0';
		}
	}
	if (!c->n_lowerdirs)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "layerdb has no layer of container %.12s",
				    id);
	if (pe_recover_check_lower(rootfd, "overlay2", mount_id, c, rel_root,
				   err) < 0)
		return -1;
	/* the last run's writable layer, while Docker keeps it */
	snprintf(rel, sizeof(rel), "overlay2/%s/diff", mount_id);
	fd = pe_open_beneath(rootfd, rel, O_PATH | O_DIRECTORY,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		close(fd);
		if (concat_into(&c->upperdir, rel_root, "/", rel, NULL) < 0) {
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "docker");
		}
	}
	return 0;
}

int pe_recover_docker(const struct pe_hostroot *hr, const char *data_root,
		      const char *id, struct pe_recovered_container *out,
		      struct pe_error *err)
{
	char rel[PATH_MAX], *config = NULL, *hostconfig = NULL,
			    *want_log = NULL;
	const char *driver, *log;
	ssize_t clen, hlen;
	struct json_object *cfg = NULL;
	bool bad = false;
	int rootfd, rc = -1;

	pe_recovered_container_clear(out);
	if (!data_root || data_root[0] != '/' || !id ||
	    !pe_recover_hex64(id, strlen(id)))
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "recovering a Docker container needs its "
				    "data root and full id");
	rootfd = pe_host_open(hr, data_root, O_PATH | O_DIRECTORY);
	if (rootfd < 0)
		return pe_error_errno(err, "opening Docker's data root %s",
				      data_root);
	snprintf(rel, sizeof(rel), "containers/%s/config.v2.json", id);
	clen = pe_read_file_at(rootfd, rel, DOCKER_JSON_MAX, &config);
	if (clen < 0) {
		if (errno == ENOENT)
			pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				     "no Docker container %.12s in %s", id,
				     data_root);
		else
			pe_error_errno(err, "reading %s/%s", data_root, rel);
		goto out;
	}
	snprintf(rel, sizeof(rel), "containers/%s/hostconfig.json", id);
	hlen = pe_read_file_at(rootfd, rel, DOCKER_JSON_MAX, &hostconfig);
	if (hlen < 0) {
		pe_error_errno(err, "reading %s/%s", data_root, rel);
		goto out;
	}
	if (pe_recover_docker_parse(config, (size_t)clen, hostconfig,
				    (size_t)hlen, out, err) < 0) {
		pe_error_wrap(err, "%s/containers/%.12s", data_root, id);
		goto out;
	}
	if (strcmp(out->id, id) != 0) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "%s/containers/%s/config.v2.json names another "
			     "container (%.12s)",
			     data_root, id, out->id);
		goto out;
	}
	cfg = pe_recover_parse_strict(config, (size_t)clen);
	driver = member_str(cfg, "Driver", &bad);
	if (!driver || strcmp(driver, "overlay2") != 0) {
		pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
			     "container %.12s uses Docker's storage driver "
			     "'%s'; copy reads overlay2's layers only",
			     id, driver ? driver : "?");
		goto out;
	}
	if (pe_strdup_into(&out->snapshotter, "overlay2") < 0 ||
	    concat_into(&out->layers_root, data_root, "/overlay2", NULL, NULL) <
		0 ||
	    concat_into(&out->runtime_dirs[0], data_root, "/containers/", id,
			NULL) < 0 ||
	    (out->sandbox_id &&
	     concat_into(&out->runtime_dirs[1], data_root, "/containers/",
			 out->sandbox_id, NULL) < 0)) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "docker");
		goto out;
	}
	/* Docker's json-file log of the last run (kubelet's /var/log/pods
	 * name of it is a link there), when it is where Docker keeps it */
	log = member_str(cfg, "LogPath", &bad);
	if (log && !bad &&
	    concat_into(&want_log, out->runtime_dirs[0], "/", id,
			"-json.log") == 0 &&
	    strcmp(log, want_log) == 0) {
		out->log_path = want_log;
		want_log = NULL;
	}
	if (read_layers(rootfd, data_root + 1, id, out, err) < 0)
		goto out;
	rc = 0;
out:
	json_object_put(cfg);
	free(want_log);
	free(config);
	free(hostconfig);
	close(rootfd);
	if (rc < 0)
		pe_recovered_container_clear(out);
	return rc;
}
