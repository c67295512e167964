/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podenter copy (copy.h): the container's definition read and checked. The
 * mounts are made in copyroot.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/copy.h"
#include "syscalls.h"

/* ---- paths ----------------------------------------------------------------
 */

bool pe_copy_path_ok(const char *path)
{
	size_t len;

	if (!path || path[0] != '/')
		return false;
	len = strlen(path);
	if (len > PATH_MAX - 64 || (len > 1 && path[len - 1] == '/'))
		return false;
	for (const char *p = path; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if (ch < 0x20 || ch == 0x7f || ch == ',' || ch == ':' ||
		    ch == '\\')
			return false;
	}
	/* each component: not empty, not "." nor ".." */
	for (const char *p = path; *p;) {
		const char *c = p + 1, *end = strchr(c, '/');
		size_t n = end ? (size_t)(end - c) : strlen(c);

		if (len == 1)
			break; /* "/" itself */
		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		p = c + n;
	}
	return true;
}

/* Does path lie strictly below dir (both clean)? */
static bool path_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/' && path[n + 1];
}

/* A single path component of letters, digits, '-', '_' and '.' (ids, UIDs). */
static bool plain_name(const char *s)
{
	if (!s || !*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
		      *s == '.'))
			return false;
	return true;
}

/* containerd's state directories (its roots are recover.h's
 * pe_containerd_roots): the default, and k3s's and rke2's */
static const char *const containerd_states[] = {
	PE_COPY_CONTAINERD_STATE,
	"/run/k3s/containerd",
	NULL,
};

enum pe_copy_source_class pe_copy_classify_source(const char *source,
						  const char *pod_uid,
						  const char *sandbox_id)
{
	char dir[PATH_MAX];

	if (!pe_copy_path_ok(source))
		return PE_COPY_SRC_OTHER;
	if (plain_name(pod_uid)) {
		snprintf(dir, sizeof(dir), "%s/%s", PE_COPY_KUBELET_PODS,
			 pod_uid);
		if (path_below(source, dir))
			return PE_COPY_SRC_POD;
	}
	if (!plain_name(sandbox_id))
		return PE_COPY_SRC_OTHER;
	for (size_t i = 0; pe_containerd_roots[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%s", pe_containerd_roots[i],
			 PE_COPY_CRI_SANDBOXES, sandbox_id);
		if (path_below(source, dir))
			return PE_COPY_SRC_RUNTIME;
	}
	for (size_t i = 0; containerd_states[i]; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%s", containerd_states[i],
			 PE_COPY_CRI_SANDBOXES, sandbox_id);
		if (path_below(source, dir))
			return PE_COPY_SRC_RUNTIME;
	}
	return PE_COPY_SRC_OTHER;
}

/* A layer: <a containerd root>/io.containerd.snapshotter.v1.overlayfs/
 * snapshots/<digits>/fs, or for another runtime (def->layers_root set)
 * <layers_root>/<one plain name>/diff; given relative to the host root or
 * absolute. The clean absolute form goes to *abs. */
static bool layer_ok(const struct pe_recovered_container *def,
		     const char *given, char *abs, size_t size)
{
	if (!given)
		return false;
	if ((size_t)snprintf(abs, size, "%s%s", given[0] == '/' ? "" : "/",
			     given) >= size ||
	    !pe_copy_path_ok(abs))
		return false;
	if (def->layers_root) {
		const char *rest, *slash;
		char name[PATH_MAX];

		if (!pe_copy_path_ok(def->layers_root) ||
		    !path_below(abs, def->layers_root))
			return false;
		rest = abs + strlen(def->layers_root) + 1;
		slash = strchr(rest, '/');
		if (!slash || (size_t)(slash - rest) >= sizeof(name))
			return false;
		snprintf(name, sizeof(name), "%.*s", (int)(slash - rest), rest);
		return plain_name(name) && strcmp(slash, "/diff") == 0;
	}
	for (size_t i = 0; pe_containerd_roots[i]; i++) {
		char dir[PATH_MAX];
		const char *rest;
		size_t n;

		snprintf(dir, sizeof(dir), "%s/%s/", pe_containerd_roots[i],
			 PE_COPY_OVERLAY_SNAPSHOTS);
		if (strncmp(abs, dir, strlen(dir)) != 0)
			continue;
		rest = abs + strlen(dir);
		n = strspn(rest, "0123456789");
		return n > 0 && strcmp(rest + n, "/fs") == 0;
	}
	return false;
}

enum pe_copy_source_class
pe_copy_classify_source_of(const struct pe_recovered_container *def,
			   const char *source)
{
	enum pe_copy_source_class cls =
	    pe_copy_classify_source(source, def->pod_uid, def->sandbox_id);

	for (size_t i = 0;
	     cls == PE_COPY_SRC_OTHER && i < PE_RECOVER_RUNTIME_DIRS; i++)
		if (def->runtime_dirs[i] &&
		    pe_copy_path_ok(def->runtime_dirs[i]) &&
		    path_below(source, def->runtime_dirs[i]))
			cls = PE_COPY_SRC_RUNTIME;
	return cls;
}

/* One JSON document of exactly len bytes (a log line is not a C string),
 * NULL when it is not one. */
static struct json_object *json_document_of(const char *p, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o = NULL;

	if (tok && len <= INT32_MAX) {
		o = json_tokener_parse_ex(tok, p, (int)len);
		if (o && json_tokener_get_parse_end(tok) != len) {
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	return o;
}

/* ---- the spec -------------------------------------------------------------
 */

static struct json_object *get(struct json_object *o, const char *key,
			       enum json_type type)
{
	struct json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* A JSON string with no NUL inside, or NULL. */
static const char *str_of(struct json_object *v)
{
	const char *s;

	if (!v || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static int dup_to(char **dst, const char *s, struct pe_error *err)
{
	*dst = strdup(s);
	return *dst ? 0 : pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
}

static bool has_option(struct json_object *opts, const char *name)
{
	size_t n = opts ? json_object_array_length(opts) : 0;

	for (size_t i = 0; i < n; i++) {
		const char *s = str_of(json_object_array_get_idx(opts, i));

		if (s && strcmp(s, name) == 0)
			return true;
	}
	return false;
}

/* What the session provides itself, whatever the spec mounts there. */
static bool session_owned(const char *dest)
{
	static const char *const own[] = { "/proc", "/sys", "/dev" };

	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		size_t n = strlen(own[i]);

		if (strncmp(dest, own[i], n) == 0 &&
		    (dest[n] == '\0' || dest[n] == '/') &&
		    strcmp(dest, "/dev/shm") != 0 &&
		    strcmp(dest, "/dev/termination-log") != 0)
			return true;
	}
	return false;
}

static int parse_mount(struct json_object *m, struct pe_copy_mount *out,
		       struct pe_error *err)
{
	const char *dest = str_of(get(m, "destination", json_type_string));
	const char *type = str_of(get(m, "type", json_type_string));
	const char *src = str_of(get(m, "source", json_type_string));
	struct json_object *opts = get(m, "options", json_type_array);
	bool bind = (type && strcmp(type, "bind") == 0) ||
		    has_option(opts, "bind") || has_option(opts, "rbind");

	if (!pe_copy_path_ok(dest))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "the spec mounts at '%s', not a clean "
				    "absolute path",
				    dest ? dest : "(none)");
	out->readonly = has_option(opts, "ro");
	if (session_owned(dest)) {
		out->kind = PE_COPY_MOUNT_SESSION;
	} else if (bind) {
		if (!pe_copy_path_ok(src))
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "the spec binds '%s' at %s, not "
					    "a clean absolute path",
					    src ? src : "(none)", dest);
		out->kind = PE_COPY_MOUNT_BIND;
		if (dup_to(&out->source, src, err) < 0)
			return -1;
	} else if (type && strcmp(type, "tmpfs") == 0) {
		out->kind = PE_COPY_MOUNT_TMPFS;
	} else {
		/* mqueue, cgroup, anything else: the session's or nothing */
		out->kind = PE_COPY_MOUNT_SESSION;
	}
	return dup_to(&out->dest, dest, err);
}

static int parse_process(struct json_object *proc, struct pe_copy_spec *s,
			 struct pe_error *err)
{
	struct json_object *args = get(proc, "args", json_type_array);
	struct json_object *user = get(proc, "user", json_type_object);
	struct json_object *gids = get(user, "additionalGids", json_type_array);
	const char *cwd = str_of(get(proc, "cwd", json_type_string));
	size_t n = args ? json_object_array_length(args) : 0;

	s->args = calloc(n + 1, sizeof(*s->args));
	if (!s->args)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	for (size_t i = 0; i < n; i++) {
		const char *a = str_of(json_object_array_get_idx(args, i));

		if (!a)
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "process.args[%zu] is not a "
					    "string",
					    i);
		if (dup_to(&s->args[s->n_args++], a, err) < 0)
			return -1;
	}
	if (cwd && !pe_copy_path_ok(cwd))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "process.cwd '%s' is not a clean absolute "
				    "path",
				    cwd);
	if (dup_to(&s->cwd, cwd ? cwd : "/", err) < 0)
		return -1;
	s->uid =
	    (unsigned)json_object_get_int64(get(user, "uid", json_type_int));
	s->gid =
	    (unsigned)json_object_get_int64(get(user, "gid", json_type_int));
	n = gids ? json_object_array_length(gids) : 0;
	if (n > 1024)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%zu additional groups", n);
	s->group_add = calloc(n + 1, sizeof(*s->group_add));
	if (!s->group_add)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	for (size_t i = 0; i < n; i++) {
		struct json_object *g = json_object_array_get_idx(gids, i);
		int64_t v = json_object_get_int64(g);
		char num[24];

		if (!json_object_is_type(g, json_type_int) || v < 0 ||
		    v > 0xfffffffeLL)
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "a bad additional group id");
		snprintf(num, sizeof(num), "%lld", (long long)v);
		if (dup_to(&s->group_add[s->n_group_add++], num, err) < 0)
			return -1;
	}
	return 0;
}

/* linux.maskedPaths / readonlyPaths: those under /proc and /sys, clean,
 * relative; anything else is the session's own business (it has a fresh
 * /dev and no other file system of the node). */
static int parse_guards(struct json_object *list, char ***out, size_t *n,
			struct pe_error *err)
{
	size_t len = list ? json_object_array_length(list) : 0;

	if (len > PE_PROC_GUARD_MAX)
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "%zu masked or read-only paths", len);
	*out = calloc(len + 1, sizeof(**out));
	if (!*out)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	for (size_t i = 0; i < len; i++) {
		const char *p = str_of(json_object_array_get_idx(list, i));

		if (!p || !pe_copy_path_ok(p))
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "a masked or read-only path '%s' "
					    "is not a clean absolute path",
					    p ? p : "(not a string)");
		if (strncmp(p, "/proc/", 6) != 0 && strncmp(p, "/sys/", 5) != 0)
			continue;
		if (strlen(p) >= PE_PROC_GUARD_PATH)
			return pe_error_set(err, PE_ERR_PARSE, 0,
					    "the masked path %s is too long",
					    p);
		if (dup_to(&(*out)[(*n)++], p + 1, err) < 0)
			return -1;
	}
	return 0;
}

int pe_copy_spec_parse(const char *json, struct pe_copy_spec *s,
		       struct pe_error *err)
{
	struct json_object *root = json_tokener_parse(json), *proc, *mounts;
	const char *host;
	size_t n;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (!root || !json_object_is_type(root, json_type_object)) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "the container's spec is not a JSON object");
		goto out;
	}
	proc = get(root, "process", json_type_object);
	if (!proc) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "the container's spec has no process");
		goto out;
	}
	if (parse_process(proc, s, err) < 0)
		goto out;
	host = str_of(get(root, "hostname", json_type_string));
	if (host && dup_to(&s->hostname, host, err) < 0)
		goto out;
	s->root_readonly =
	    json_object_get_boolean(get(get(root, "root", json_type_object),
					"readonly", json_type_boolean));
	if (parse_guards(get(get(root, "linux", json_type_object),
			     "maskedPaths", json_type_array),
			 &s->masked, &s->n_masked, err) < 0 ||
	    parse_guards(get(get(root, "linux", json_type_object),
			     "readonlyPaths", json_type_array),
			 &s->readonly, &s->n_readonly, err) < 0)
		goto out;
	mounts = get(root, "mounts", json_type_array);
	n = mounts ? json_object_array_length(mounts) : 0;
	if (n > 4096) {
		pe_error_set(err, PE_ERR_PARSE, 0, "%zu mounts", n);
		goto out;
	}
	s->mounts = calloc(n ? n : 1, sizeof(*s->mounts));
	if (!s->mounts) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(mounts, i);

		if (!json_object_is_type(m, json_type_object)) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     "mounts[%zu] is not an object", i);
			goto out;
		}
		if (parse_mount(m, &s->mounts[s->n_mounts], err) < 0)
			goto out;
		s->n_mounts++;
	}
	rc = 0;
out:
	json_object_put(root);
	if (rc < 0)
		pe_copy_spec_clear(s);
	return rc;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void pe_copy_spec_clear(struct pe_copy_spec *s)
{
	free_strv(s->args, s->n_args);
	free_strv(s->group_add, s->n_group_add);
	free_strv(s->masked, s->n_masked);
	free_strv(s->readonly, s->n_readonly);
	free(s->cwd);
	free(s->hostname);
	for (size_t i = 0; s->mounts && i < s->n_mounts; i++) {
		free(s->mounts[i].dest);
		free(s->mounts[i].source);
	}
	free(s->mounts);
	memset(s, 0, sizeof(*s));
}

/* ---- the definition -------------------------------------------------------
 */

/* The definition, recovered from the runtime's files with no daemon, for a
 * running container as for an exited one (recover.h). */
int pe_copy_load_definition(const struct pe_hostroot *hr,
			    const struct pe_container *c,
			    struct pe_recovered_container *def,
			    struct pe_error *err)
{
	char data_root[4096];

	switch (c->runtime) {
	case PE_RT_CONTAINERD:
	case PE_RT_UNKNOWN:
		return pe_recover_containerd(hr, NULL, NULL, c->container_id,
					     def, err);
	case PE_RT_DOCKER:
		/* the record was read from <data root>/containers/<id>/ */
		if (!pe_docker_data_root_of(c->bundle, c->container_id,
					    data_root, sizeof(data_root)))
			return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
					    "Docker's data root of container "
					    "%.12s is not known (read from "
					    "%s)",
					    c->container_id,
					    c->bundle ? c->bundle : "?");
		return pe_recover_docker(hr, data_root, c->container_id, def,
					 err);
	case PE_RT_PODMAN:
	case PE_RT_CRIO:
		/* containers/storage at its default roots: where the record
		 * was read from */
		return pe_recover_storage(hr, NULL, NULL, c->container_id, def,
					  err);
	default:
		return pe_error_set(err, PE_ERR_UNSUPPORTED, 0,
				    "copy reads containerd's, Docker's and "
				    "containers/storage's (podman, CRI-O) "
				    "files only; container %.12s is %s's",
				    c->container_id,
				    pe_runtime_name(c->runtime));
	}
}

int pe_copy_prepare(struct pe_copy *cp, struct pe_error *err)
{
	char abs[PATH_MAX];

	if (!cp->def.spec_json)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "no spec of container %s was found",
				    cp->def.id ? cp->def.id : "?");
	if (!cp->def.n_lowerdirs)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "no image layers of container %s were "
				    "found",
				    cp->def.id ? cp->def.id : "?");
	for (size_t i = 0; i < cp->def.n_lowerdirs; i++)
		if (!layer_ok(&cp->def, cp->def.lowerdirs[i], abs, sizeof(abs)))
			return pe_error_set(
			    err, PE_ERR_PARSE, 0,
			    "image layer '%s' is not a layer directory "
			    "of the runtime's overlay storage",
			    cp->def.lowerdirs[i]);
	if (cp->last_run && !cp->def.upperdir) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "the last run's writable layer of container %s "
			     "is gone",
			     cp->def.id ? cp->def.id : "?");
		pe_error_hint(err, "the runtime removed it (the container was "
				   "garbage-collected); copy without "
				   "--last-run");
		return -1;
	}
	if (cp->last_run &&
	    !layer_ok(&cp->def, cp->def.upperdir, abs, sizeof(abs)))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "the writable layer '%s' is not a layer "
				    "directory of the runtime's overlay "
				    "storage",
				    cp->def.upperdir);
	return pe_copy_spec_parse(cp->def.spec_json, &cp->spec, err);
}

void pe_copy_clear(struct pe_copy *cp)
{
	pe_recovered_container_clear(&cp->def);
	pe_copy_spec_clear(&cp->spec);
}

/* ---- the network ----------------------------------------------------------
 */

int pe_copy_loopback_up(struct pe_error *err)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return pe_error_errno(err, "a socket for the loopback device");
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		close(fd);
		return pe_error_errno(err, "reading the loopback's flags");
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
		close(fd);
		return pe_error_errno(err, "bringing the loopback up");
	}
	close(fd);
	return 0;
}

/* ---- the last run's log ---------------------------------------------------
 */

/* One CRI log line "TIME STREAM TAG TEXT": TEXT and whether it is partial
 * (tag "P"); false for a line of another shape. */
static bool cri_line(const char *line, size_t len, const char **text,
		     size_t *tlen, bool *partial)
{
	const char *p = line, *end = line + len;
	int fields = 0;
	const char *tag = NULL;

	while (p < end && fields < 3) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));

		if (!sp)
			return false;
		if (fields == 2)
			tag = p;
		p = sp + 1;
		fields++;
	}
	if (fields < 3 || !tag)
		return false;
	*partial = tag[0] == 'P';
	*text = p;
	*tlen = (size_t)(end - p);
	return true;
}

char *pe_copy_cri_log_text(const char *buf, size_t len, size_t max_lines)
{
	size_t cap = len + 2, used = 0, lines = 0;
	char *text = malloc(cap), *out;
	const char *p = buf, *end = buf + len;
	size_t start;

	if (!text)
		return NULL;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *t = NULL;
		size_t tlen = 0;
		bool partial = false;
		struct json_object *jline = NULL;

		if (llen && p[0] == '{') {
			/* Docker's json-file log (cri-dockerd's nodes):
			 * {"log":"text\n","stream":...,"time":...} */
			jline = json_document_of(p, llen);
			t = str_of(get(jline, "log", json_type_string));
			tlen = t ? strlen(t) : 0;
			partial = !tlen || t[tlen - 1] != '\n';
			if (tlen && !partial)
				tlen--;
		}
		if (jline ? t != NULL
			  : cri_line(p, llen, &t, &tlen, &partial)) {
			/* the pod wrote this: no byte of it may steer the
			 * operator's terminal (escape sequences) or cut the
			 * text short (NUL) */
			for (size_t i = 0; i < tlen; i++) {
				unsigned char ch = (unsigned char)t[i];

				text[used++] =
				    (ch < 0x20 && ch != '\t') || ch == 0x7f
					? '?'
					: (char)ch;
			}
			if (!partial)
				text[used++] = '\n';
		}
		json_object_put(jline);
		p += llen + (nl ? 1 : 0);
	}
	if (used && text[used - 1] != '\n')
		text[used++] = '\n';
	text[used] = '\0';
	/* keep the last max_lines lines */
	start = used;
	while (start > 0) {
		if (text[start - 1] == '\n' && start != used &&
		    ++lines == max_lines)
			break;
		start--;
	}
	if (max_lines == 0)
		start = used;
	out = strdup(text + start);
	free(text);
	return out;
}

int pe_copy_log_tail(const struct pe_hostroot *hr, const char *log_path,
		     size_t max_lines, char **out, struct pe_error *err)
{
	const size_t window = 64 * 1024;
	char target[PATH_MAX];
	char *buf;
	struct stat st;
	off_t from;
	ssize_t n;
	int fd;

	*out = NULL;
	/* kubelet's /var/log/containers/NAME.log is a link to its file under
	 * /var/log/pods: followed once, to there only */
	if (log_path && path_below(log_path, PE_COPY_KUBELET_LOG_LINKS) &&
	    pe_copy_path_ok(log_path)) {
		ssize_t len =
		    pe_host_readlink(hr, log_path, target, sizeof(target) - 1);

		if (len < 0)
			return pe_error_errno(err, "reading the link %s",
					      log_path);
		target[len] = '\0';
		if (!path_below(target, PE_COPY_KUBELET_LOGS))
			return pe_error_set(
			    err, PE_ERR_PARSE, 0, "%s links to %s, outside %s",
			    log_path, target, PE_COPY_KUBELET_LOGS);
		log_path = target;
	}
	if (!pe_copy_path_ok(log_path))
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "log path '%s' is not a clean absolute "
				    "path",
				    log_path ? log_path : "(none)");
	fd = pe_open_beneath(
	    hr->dirfd, log_path + 1, O_RDONLY | O_NONBLOCK | O_NOCTTY,
	    RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return pe_error_errno(err, "opening %s", log_path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s is not a regular file", log_path);
	}
	buf = malloc(window + 1);
	if (!buf) {
		close(fd);
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
	}
	from = st.st_size > (off_t)window ? st.st_size - (off_t)window : 0;
	n = pread(fd, buf, window, from);
	close(fd);
	if (n < 0) {
		free(buf);
		return pe_error_errno(err, "reading %s", log_path);
	}
	{
		/* a window that starts mid-line: drop that piece */
		const char *start = buf;
		size_t len = (size_t)n;

		if (from > 0) {
			const char *nl = memchr(buf, '\n', len);

			len = nl ? len - (size_t)(nl + 1 - buf) : 0;
			start = nl ? nl + 1 : buf;
		}
		*out = pe_copy_cri_log_text(start, len, max_lines);
	}
	free(buf);
	return *out ? 0 : pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "copy");
}
