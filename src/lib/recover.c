/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A containerd container's definition from the files containerd keeps on
 * disk, for containers that exited (their bundle under /run is gone) and
 * runtimes that hang. The layout, as containerd 1.6.20 writes it (checked
 * against ctr and CRI on the node harness, tests/node/recover-checks.sh;
 * later versions are not checked here):
 *
 * <root>/io.containerd.metadata.v1.bolt/meta.db
 *   v1/<ns>/containers/<id>/
 *     spec         protobuf Any {1: type_url, 2: value = the OCI spec JSON}
 *     image, snapshotter, snapshotKey, createdat (Go time.MarshalBinary)
 *     extensions/io.cri-containerd.container.metadata
 *                  Any whose value is CRI's JSON {"Version":"v1","Metadata":
 *                  {SandboxID, LogPath, Config:{metadata:{attempt},
 *                  annotations:{io.kubernetes.container.restartCount}}}}
 *   v1/<ns>/snapshots/<snapshotter>/<key>/name   the snapshotter's own key
 * <root>/io.containerd.snapshotter.v1.overlayfs/metadata.db
 *   v1/snapshots/<name>/{id (uvarint), parent (name), kind (byte)}
 *     and the layer is <root>/io.containerd.snapshotter.v1.overlayfs/
 *     snapshots/<id>/fs
 * <root>/io.containerd.grpc.v1.cri/containers/<id>/status
 *   CRI's JSON {CreatedAt, StartedAt, FinishedAt, ExitCode, Reason, ...}
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/bbolt.h"
#include "podenter/recover.h"
#include "runtime/sources.h"

const char *const pe_containerd_roots[] = {
	"/var/lib/containerd",
	"/var/lib/rancher/k3s/agent/containerd",
	"/var/lib/rancher/rke2/agent/containerd",
	NULL,
};

#define META_DB "io.containerd.metadata.v1.bolt/meta.db"
#define OVERLAY_DIR "io.containerd.snapshotter.v1.overlayfs"
#define CRI_CONTAINERS "io.containerd.grpc.v1.cri/containers"
#define CRI_METADATA_EXT "io.cri-containerd.container.metadata"
#define SPEC_MAX (4u << 20)
#define STATUS_MAX (64u << 10)
#define CONFIG_MAX (1u << 20)
/* overlayfs takes at most 500 lower layers; a longer chain is a loop */
#define MAX_LAYERS 500
#define RECOVER_TRIES 3
#define ID_MAX 76 /* containerd's identifiers.Validate */
#define ANN "io.kubernetes.cri."
#define KIND_ACTIVE 2 /* containerd snapshots.KindActive */
/* Go's time.MarshalBinary counts seconds from year 1 */
#define GO_UNIX_OFFSET 62135596800ll

struct open_dbs {
	char root[4096]; /* containerd root, node path, no trailing '/' */
	struct pe_bolt *meta;
	struct pe_bolt *overlay; /* opened when needed */
};

static void dbs_close(struct open_dbs *d)
{
	pe_bolt_close(d->meta);
	pe_bolt_close(d->overlay);
	d->meta = d->overlay = NULL;
}

/* containerd's identifier rule: [A-Za-z0-9]+ separated by single [._-].
 * Keeps ids from the user or the file out of paths ('/', ".."). */
static bool valid_identifier(const char *s, size_t len)
{
	bool sep_ok = false;

	if (len == 0 || len > ID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9');

		if (alnum) {
			sep_ok = true;
		} else if ((c == '.' || c == '_' || c == '-') && sep_ok) {
			sep_ok = false;
		} else {
			return false;
		}
	}
	return sep_ok;
}

static int open_bolt_file(const struct pe_hostroot *hr, const char *path,
			  struct pe_bolt **out, struct pe_error *err)
{
	char shown[4200];
	int fd, r;

	pe_host_display(hr, path, shown, sizeof(shown));
	/* no flock: containerd holds it while it runs, hung or not */
	fd = pe_host_open(hr, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		pe_error_errno(err, "%s", shown);
		if (err->errnum == ENOENT)
			err->kind = PE_ERR_NO_RUNTIME;
		return -1;
	}
	r = pe_bolt_open_fd(fd, shown, out, err);
	close(fd);
	return r;
}

bool pe_containerd_root_from_config(const char *toml, char *out, size_t size)
{
	for (const char *line = toml; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line) : strlen(line);
		const char *p = line, *stop = line + n;
		char quote;
		size_t len;

		line = end ? end + 1 : NULL;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (p < stop && *p == '[')
			return false; /* a table: the top-level keys are over */
		if ((size_t)(stop - p) < 4 || strncmp(p, "root", 4) != 0)
			continue;
		p += 4;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= stop || *p++ != '=')
			continue;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (p >= stop || (*p != '"' && *p != '\''))
			return false;
		quote = *p++;
		for (len = 0; p + len < stop && p[len] != quote; len++)
			if (p[len] == '\\' || p[len] == '\0')
				return false; /* escapes: not a path we take */
		if (p + len >= stop || len == 0 || len >= size || p[0] != '/')
			return false;
		memcpy(out, p, len);
		out[len] = '\0';
		return true;
	}
	return false;
}

/* containerd's own config may move its root (root = "/data/containerd"). */
static bool root_from_configs(const struct pe_hostroot *hr, char *root,
			      size_t size)
{
	static const char *const configs[] = {
		"/etc/containerd/config.toml",
		"/var/lib/rancher/k3s/agent/etc/containerd/config.toml",
		"/var/lib/rancher/rke2/agent/etc/containerd/config.toml",
	};
	char path[4200], *buf;

	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
		bool found;

		buf = NULL;
		if (pe_host_read_file(hr, configs[i], CONFIG_MAX, &buf) < 0)
			continue;
		found = pe_containerd_root_from_config(buf, root, size);
		free(buf);
		if (!found)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, META_DB);
		if (pe_host_exists(hr, path))
			return true;
	}
	return false;
}

static int find_root(const struct pe_hostroot *hr, const char *given,
		     char *root, size_t size, struct pe_error *err)
{
	char path[4200];

	if (given) {
		size_t n = strlen(given);

		while (n > 1 && given[n - 1] == '/')
			n--;
		if (given[0] != '/' || n >= size)
			return pe_error_set(err, PE_ERR_USAGE, EINVAL,
					    "containerd root \"%s\": not an "
					    "absolute path",
					    given);
		memcpy(root, given, n);
		root[n] = '\0';
		return 0;
	}
	if (root_from_configs(hr, root, size))
		return 0;
	for (size_t i = 0; pe_containerd_roots[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", pe_containerd_roots[i],
			 META_DB);
		if (pe_host_exists(hr, path)) {
			snprintf(root, size, "%s", pe_containerd_roots[i]);
			return 0;
		}
	}
	pe_error_set(err, PE_ERR_NO_RUNTIME, ENOENT,
		     "no containerd metadata under %s (looked for %s in the "
		     "root containerd's config.toml names, %s, %s, %s)",
		     hr->path, META_DB, pe_containerd_roots[0],
		     pe_containerd_roots[1], pe_containerd_roots[2]);
	return -1;
}

static int dbs_open(const struct pe_hostroot *hr, const char *given,
		    struct open_dbs *d, struct pe_error *err)
{
	char path[4200];

	memset(d, 0, sizeof(*d));
	if (find_root(hr, given, d->root, sizeof(d->root), err))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", d->root, META_DB);
	return open_bolt_file(hr, path, &d->meta, err);
}

/* A live containerd may have committed twice while we read: then pages we
 * read may have been reused. -1 with a PE_ERR_STALE error (retried). */
static int dbs_unchanged(struct open_dbs *d, struct pe_error *err)
{
	int r = pe_bolt_unchanged(d->meta, err);

	if (r == 0 && d->overlay)
		r = pe_bolt_unchanged(d->overlay, err);
	if (r > 0)
		return pe_error_set(err, PE_ERR_STALE, EAGAIN,
				    "containerd's metadata changed while it "
				    "was read");
	return r;
}

static char *dup_bytes(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

/* A value as a string: no NUL inside, at most max bytes. */
static int get_string(struct pe_bolt *db, const char *const *path, size_t depth,
		      const char *key, size_t max, char **out,
		      struct pe_error *err)
{
	const void *v;
	size_t vlen;
	int r = pe_bolt_get(db, path, depth, key, strlen(key), &v, &vlen, err);

	*out = NULL;
	if (r)
		return r;
	if (vlen > max || memchr(v, '\0', vlen))
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: value \"%s\" of bucket %s: not a "
				    "string of at most %zu bytes",
				    pe_bolt_name(db), key, path[depth - 1],
				    max);
	*out = dup_bytes(v, vlen);
	return *out ? 0 : pe_error_errno(err, "%s", key);
}

/* The value field of a protobuf Any. */
static int any_value(const void *buf, size_t len, const uint8_t **val,
		     size_t *vlen)
{
	struct pe_pb_field f;
	size_t pos = 0;
	int r;

	*val = NULL;
	*vlen = 0;
	while ((r = pe_pb_next(buf, len, &pos, &f)) == 1)
		if (f.number == 2 && f.wire_type == 2) {
			*val = f.data;
			*vlen = f.len;
		}
	return r < 0 || !*val ? -1 : 0;
}

/* Go's time.MarshalBinary (versions 1 and 2) to unix nanoseconds. */
static long long go_time_ns(const uint8_t *v, size_t len)
{
	int64_t sec = 0;
	int32_t nsec = 0;

	if ((len != 15 && len != 16) || (v[0] != 1 && v[0] != 2))
		return 0;
	for (int i = 1; i <= 8; i++)
		sec = (int64_t)((uint64_t)sec << 8 | v[i]);
	for (int i = 9; i <= 12; i++)
		nsec = (int32_t)((uint32_t)nsec << 8 | v[i]);
	if (nsec < 0 || nsec > 999999999 || sec < GO_UNIX_OFFSET ||
	    sec - GO_UNIX_OFFSET > 9000000000ll)
		return 0;
	return (sec - GO_UNIX_OFFSET) * 1000000000ll + nsec;
}

static bool only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return false;
	return true;
}

static struct json_object *parse_json(const void *buf, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (!tok || len > INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	/* one document, then at most white space (buf is not a C string) */
	if (obj &&
	    !only_space((const char *)buf + json_tokener_get_parse_end(tok),
			len - json_tokener_get_parse_end(tok))) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

static struct json_object *json_path(struct json_object *o,
				     const char *const *keys)
{
	for (; o && *keys; keys++) {
		struct json_object *next = NULL;

		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, *keys, &next))
			return NULL;
		o = next;
	}
	return o;
}

static const char *json_path_str(struct json_object *o, const char *const *keys)
{
	o = json_path(o, keys);
	return o && json_object_is_type(o, json_type_string)
		   ? json_object_get_string(o)
		   : NULL;
}

/* A non-negative integer from a JSON number or decimal string, else dflt. */
static long long json_int_or(struct json_object *o, long long dflt)
{
	if (!o)
		return dflt;
	if (json_object_is_type(o, json_type_int))
		return json_object_get_int64(o) >= 0 ? json_object_get_int64(o)
						     : dflt;
	if (json_object_is_type(o, json_type_string)) {
		const char *s = json_object_get_string(o);
		char *end;
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (!errno && *s && !*end && v >= 0)
			return v;
	}
	return dflt;
}

/* A count as an int: -1 (unknown) when it does not fit. */
static int small_int(long long v)
{
	return v >= 0 && v <= INT_MAX ? (int)v : -1;
}

struct identity {
	char *sandbox_id, *namespace, *pod, *pod_uid, *container, *image;
	bool is_sandbox;
};

static void identity_clear(struct identity *id)
{
	free(id->sandbox_id);
	free(id->namespace);
	free(id->pod);
	free(id->pod_uid);
	free(id->container);
	free(id->image);
	memset(id, 0, sizeof(*id));
}

/* The pod identity CRI writes into the spec's annotations. */
static int identity_from_spec(struct json_object *spec, struct identity *id)
{
	struct json_object *ann = NULL;
	const char *type;

	if (!json_object_object_get_ex(spec, "annotations", &ann) ||
	    !json_object_is_type(ann, json_type_object))
		return 0;
	type = pe_json_str(ann, ANN "container-type");
	id->is_sandbox = type && strcmp(type, "sandbox") == 0;
	if (pe_strdup_into(&id->sandbox_id,
			   pe_json_str(ann, ANN "sandbox-id")) ||
	    pe_strdup_into(&id->namespace,
			   pe_json_str(ann, ANN "sandbox-namespace")) ||
	    pe_strdup_into(&id->pod, pe_json_str(ann, ANN "sandbox-name")) ||
	    pe_strdup_into(&id->pod_uid, pe_json_str(ann, ANN "sandbox-uid")) ||
	    pe_strdup_into(&id->image, pe_json_str(ann, ANN "image-name")))
		return -1;
	if (!id->is_sandbox &&
	    pe_strdup_into(&id->container,
			   pe_json_str(ann, ANN "container-name")))
		return -1;
	return 0;
}

/* One container's bucket path: v1/<ns>/containers/<id> */
struct cpath {
	const char *p[4];
};

/* The pod identity from the labels CRI gives the container: 0, or 1 when
 * they do not name a pod (not made by CRI), -1 with err. */
static int identity_from_labels(struct pe_bolt *db, const struct cpath *cp,
				struct identity *id, struct pe_error *err)
{
	const char *path[5] = { cp->p[0], cp->p[1], cp->p[2], cp->p[3],
				"labels" };
	char *kind = NULL;
	int r;

	r = get_string(db, path, 5, "io.kubernetes.pod.name", 256, &id->pod,
		       err);
	if (r)
		return r;
	if (get_string(db, path, 5, "io.cri-containerd.kind", 64, &kind, err) <
		0 ||
	    get_string(db, path, 5, "io.kubernetes.pod.namespace", 256,
		       &id->namespace, err) < 0 ||
	    get_string(db, path, 5, "io.kubernetes.pod.uid", 256, &id->pod_uid,
		       err) < 0)
		r = -1;
	else
		r = 0;
	id->is_sandbox = kind && strcmp(kind, "sandbox") == 0;
	free(kind);
	if (r == 0 && !id->is_sandbox &&
	    get_string(db, path, 5, "io.kubernetes.container.name", 256,
		       &id->container, err) < 0)
		r = -1;
	return r;
}

static void cpath_init(struct cpath *c, const char *ns, const char *id)
{
	c->p[0] = "v1";
	c->p[1] = ns;
	c->p[2] = "containers";
	c->p[3] = id;
}

/* The spec (Any) as JSON text and parsed. 0, 1 when absent, -1. */
static int read_spec(struct pe_bolt *db, const struct cpath *cp, char **text,
		     struct json_object **parsed, struct pe_error *err)
{
	const void *v;
	const uint8_t *json;
	size_t vlen, jlen;
	int r = pe_bolt_get(db, cp->p, 4, "spec", 4, &v, &vlen, err);

	*text = NULL;
	*parsed = NULL;
	if (r)
		return r;
	if (any_value(v, vlen, &json, &jlen) || jlen > SPEC_MAX)
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: container %s: spec: not a protobuf "
				    "Any holding at most %u bytes",
				    pe_bolt_name(db), cp->p[3], SPEC_MAX);
	*parsed = parse_json(json, jlen);
	if (!*parsed || !json_object_is_type(*parsed, json_type_object)) {
		json_object_put(*parsed);
		*parsed = NULL;
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: container %s: spec: not a JSON object",
				    pe_bolt_name(db), cp->p[3]);
	}
	*text = dup_bytes(json, jlen);
	if (!*text) {
		json_object_put(*parsed);
		*parsed = NULL;
		return pe_error_errno(err, "container %s: spec", cp->p[3]);
	}
	return 0;
}

struct cri_meta {
	char *sandbox_id, *log_path;
	int attempt, restart_count;
};

/* CRI's metadata extension: sandbox id, log path, attempt, restart count.
 * Absent (a container not made by CRI) leaves the defaults. */
static int read_cri_meta(struct pe_bolt *db, const struct cpath *cp,
			 struct cri_meta *m, struct pe_error *err)
{
	static const char *const k_sandbox[] = { "Metadata", "SandboxID",
						 NULL };
	static const char *const k_log[] = { "Metadata", "LogPath", NULL };
	static const char *const k_attempt[] = { "Metadata", "Config",
						 "metadata", "attempt", NULL };
	static const char *const k_meta[] = { "Metadata", "Config", "metadata",
					      NULL };
	static const char *const k_restarts[] = {
		"Metadata", "Config", "annotations",
		"io.kubernetes.container.restartCount", NULL
	};
	const char *path[5] = { cp->p[0], cp->p[1], cp->p[2], cp->p[3],
				"extensions" };
	struct json_object *o;
	const uint8_t *json;
	const void *v;
	size_t vlen, jlen;
	int r;

	m->attempt = m->restart_count = -1;
	r = pe_bolt_get(db, path, 5, CRI_METADATA_EXT, strlen(CRI_METADATA_EXT),
			&v, &vlen, err);
	if (r)
		return r < 0 ? -1 : 0;
	if (any_value(v, vlen, &json, &jlen) || !(o = parse_json(json, jlen)))
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: container %s: extension %s: not an "
				    "Any holding JSON",
				    pe_bolt_name(db), cp->p[3],
				    CRI_METADATA_EXT);
	if (pe_strdup_into(&m->sandbox_id, json_path_str(o, k_sandbox)) ||
	    pe_strdup_into(&m->log_path, json_path_str(o, k_log))) {
		json_object_put(o);
		return pe_error_errno(err, "container %s", cp->p[3]);
	}
	/* attempt 0 is left out of the JSON (omitempty) */
	if (json_path(o, k_meta))
		m->attempt = small_int(json_int_or(json_path(o, k_attempt), 0));
	m->restart_count = small_int(json_int_or(json_path(o, k_restarts), -1));
	if (m->restart_count < 0)
		m->restart_count = m->attempt;
	json_object_put(o);
	return 0;
}

int pe_recover_parse_cri_status(const char *buf, size_t len,
				struct pe_recovered_container *c)
{
	static const char *const k_created[] = { "CreatedAt", NULL };
	static const char *const k_started[] = { "StartedAt", NULL };
	static const char *const k_finished[] = { "FinishedAt", NULL };
	static const char *const k_exit[] = { "ExitCode", NULL };
	static const char *const k_reason[] = { "Reason", NULL };
	struct json_object *o = parse_json(buf, len);
	const char *reason;
	int r = 0;

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		errno = EINVAL;
		return -1;
	}
	c->created_at_ns =
	    json_int_or(json_path(o, k_created), c->created_at_ns);
	c->started_at_ns = json_int_or(json_path(o, k_started), 0);
	c->finished_at_ns = json_int_or(json_path(o, k_finished), 0);
	c->has_exit = c->finished_at_ns > 0;
	if (c->has_exit) {
		struct json_object *ec = json_path(o, k_exit);

		c->exit_code = ec && json_object_is_type(ec, json_type_int)
				   ? json_object_get_int(ec)
				   : -1;
		reason = json_path_str(o, k_reason);
		/* CRI reports these when the runtime gave no reason */
		if (!reason || !*reason)
			reason = c->exit_code == 0 ? "Completed" : "Error";
		if (pe_strdup_into(&c->reason, reason))
			r = -1; /* errno ENOMEM */
	}
	json_object_put(o);
	return r;
}

/* CRI's status checkpoint: how the last run ended. Absent is fine. */
static int read_cri_status(const struct pe_hostroot *hr, const char *root,
			   struct pe_recovered_container *c,
			   struct pe_error *err)
{
	char path[4400], shown[8600];
	char *buf = NULL;
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "%s/%s/%s/status", root, CRI_CONTAINERS,
		 c->id);
	pe_host_display(hr, path, shown, sizeof(shown));
	n = pe_host_read_file(hr, path, STATUS_MAX, &buf);
	if (n < 0)
		return errno == ENOENT ? 0 : pe_error_errno(err, "%s", shown);
	r = pe_recover_parse_cri_status(buf, (size_t)n, c);
	free(buf);
	if (r < 0 && errno == EINVAL)
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: not a JSON object", shown);
	if (r < 0)
		return pe_error_errno(err, "%s", shown);
	return 0;
}

static char *layer_path(const char *root, uint64_t id)
{
	char *s = NULL;

	/* relative to the host root, as the copy's mount wants it */
	if (asprintf(&s, "%s/%s/snapshots/%" PRIu64 "/fs", root + 1,
		     OVERLAY_DIR, id) < 0)
		return NULL;
	return s;
}

/* The overlayfs snapshot <name>: its id, kind and parent's name. */
static int overlay_snapshot(struct pe_bolt *db, const char *name, uint64_t *id,
			    int *kind, char **parent, struct pe_error *err)
{
	const char *path[3] = { "v1", "snapshots", name };
	const void *v;
	size_t vlen;
	int r;

	*parent = NULL;
	*kind = 0;
	r = pe_bolt_get(db, path, 3, "id", 2, &v, &vlen, err);
	if (r)
		return r;
	if (!pe_uvarint(v, vlen, id))
		return pe_error_set(err, PE_ERR_PARSE, EINVAL,
				    "%s: snapshot %s: id: not a varint",
				    pe_bolt_name(db), name);
	r = pe_bolt_get(db, path, 3, "kind", 4, &v, &vlen, err);
	if (r < 0)
		return -1;
	if (r == 0 && vlen == 1)
		*kind = ((const uint8_t *)v)[0];
	r = get_string(db, path, 3, "parent", 4096, parent, err);
	return r < 0 ? -1 : 0;
}

static int append_layer(struct pe_recovered_container *c, char *path)
{
	char **n;

	if (!path)
		return -1;
	n = realloc(c->lowerdirs, (c->n_lowerdirs + 1) * sizeof(*n));
	if (!n) {
		free(path);
		return -1;
	}
	c->lowerdirs = n;
	c->lowerdirs[c->n_lowerdirs++] = path;
	return 0;
}

/* The container's snapshot and its parents in the overlayfs snapshotter. */
static int read_layers(const struct pe_hostroot *hr, struct open_dbs *d,
		       const char *ns, struct pe_recovered_container *c,
		       struct pe_error *err)
{
	const char *mpath[5] = { "v1", ns, "snapshots", c->snapshotter,
				 c->snapshot_key };
	char dbpath[4200], *name = NULL, *parent = NULL;
	uint64_t id;
	int kind, r;

	/* other snapshotters keep layers their own way: the definition is
	 * still recovered, without layers (the caller names the snapshotter) */
	if (strcmp(c->snapshotter, "overlayfs") != 0)
		return 0;
	r = get_string(d->meta, mpath, 5, "name", 4096, &name, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return 0; /* the snapshot is gone: no layers to offer */
	if (!d->overlay) {
		snprintf(dbpath, sizeof(dbpath), "%s/%s/metadata.db", d->root,
			 OVERLAY_DIR);
		if (open_bolt_file(hr, dbpath, &d->overlay, err)) {
			free(name);
			return -1;
		}
	}
	r = overlay_snapshot(d->overlay, name, &id, &kind, &parent, err);
	if (r == 0 && kind == KIND_ACTIVE &&
	    !(c->upperdir = layer_path(d->root, id)))
		r = pe_error_errno(err, "snapshot %s", name);
	for (int n = 0; r == 0 && parent; n++) {
		free(name);
		name = parent;
		parent = NULL;
		if (n >= MAX_LAYERS) {
			r = pe_error_set(
			    err, PE_ERR_PARSE, ELOOP,
			    "%s: snapshot %s: more than %d parents",
			    pe_bolt_name(d->overlay), c->snapshot_key,
			    MAX_LAYERS);
			break;
		}
		r = overlay_snapshot(d->overlay, name, &id, &kind, &parent,
				     err);
		if (r > 0)
			r = pe_error_set(
			    err, PE_ERR_PARSE, ENOENT,
			    "%s: snapshot %s: its parent %s is missing",
			    pe_bolt_name(d->overlay), c->snapshot_key, name);
		else if (r == 0 && append_layer(c, layer_path(d->root, id)))
			r = pe_error_errno(err, "snapshot %s", name);
	}
	if (r > 0) /* the snapshotter lost it: no layers */
		r = 0;
	free(name);
	free(parent);
	return r;
}

struct prefix_match {
	const char *prefix;
	size_t plen;
	char id[ID_MAX + 1];
	unsigned matches;
};

static int match_prefix(const void *k, size_t klen, const void *v, size_t vlen,
			bool is_bucket, void *arg)
{
	struct prefix_match *m = arg;

	(void)v;
	(void)vlen;
	if (!is_bucket || klen < m->plen || klen > ID_MAX ||
	    memcmp(k, m->prefix, m->plen) != 0)
		return 0;
	if (m->matches++ == 0) {
		memcpy(m->id, k, klen);
		m->id[klen] = '\0';
	}
	return 0;
}

/* The full id of id (exact, or a unique prefix) in the namespace. */
static int find_id(struct pe_bolt *db, const char *ns, const char *id,
		   char *full, struct pe_error *err)
{
	const char *path[3] = { "v1", ns, "containers" };
	const char *cpath[4] = { "v1", ns, "containers", id };
	struct prefix_match m = { .prefix = id, .plen = strlen(id) };
	int r;

	if (!valid_identifier(id, strlen(id)))
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "\"%s\" is not a container id", id);
	r = pe_bolt_get(db, cpath, 4, NULL, 0, NULL, NULL, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		snprintf(full, ID_MAX + 1, "%s", id);
		return 0;
	}
	if (m.plen >= 4) {
		r = pe_bolt_foreach(db, path, 3, match_prefix, &m, err);
		if (r < 0)
			return -1;
	}
	if (m.matches > 1)
		return pe_error_set(err, PE_ERR_AMBIGUOUS, EINVAL,
				    "container id \"%s\" names %u containers "
				    "in namespace %s",
				    id, m.matches, ns);
	if (m.matches == 0)
		return pe_error_set(err, PE_ERR_NOT_FOUND, ENOENT,
				    "no container \"%s\" in containerd "
				    "namespace %s",
				    id, ns);
	snprintf(full, ID_MAX + 1, "%s", m.id);
	return 0;
}

static int recover_once(const struct pe_hostroot *hr, const char *given_root,
			const char *ns, const char *id,
			struct pe_recovered_container *c, struct pe_error *err)
{
	struct open_dbs d;
	struct identity ident = { 0 };
	struct cri_meta cm = { 0 };
	struct json_object *spec = NULL;
	const void *v;
	char full[ID_MAX + 1];
	struct cpath cp;
	size_t vlen;
	int r = -1;

	if (dbs_open(hr, given_root, &d, err))
		return -1;
	if (find_id(d.meta, ns, id, full, err))
		goto out;
	if (!valid_identifier(full, strlen(full))) {
		pe_error_set(err, PE_ERR_PARSE, EINVAL,
			     "%s: container key \"%s\" is not an identifier",
			     pe_bolt_name(d.meta), full);
		goto out;
	}
	c->id = strdup(full);
	if (!c->id) {
		pe_error_errno(err, "container %s", full);
		goto out;
	}
	cpath_init(&cp, ns, c->id);
	if (read_spec(d.meta, &cp, &c->spec_json, &spec, err)) {
		if (err->kind == PE_ERR_NONE)
			pe_error_set(err, PE_ERR_PARSE, ENOENT,
				     "%s: container %s has no spec",
				     pe_bolt_name(d.meta), c->id);
		goto out;
	}
	if (identity_from_spec(spec, &ident) ||
	    get_string(d.meta, cp.p, 4, "image", 4096, &c->image, err) < 0 ||
	    get_string(d.meta, cp.p, 4, "snapshotter", 256, &c->snapshotter,
		       err) < 0 ||
	    get_string(d.meta, cp.p, 4, "snapshotKey", 4096, &c->snapshot_key,
		       err) < 0 ||
	    read_cri_meta(d.meta, &cp, &cm, err))
		goto fail_wrap;
	if (pe_bolt_get(d.meta, cp.p, 4, "createdat", 9, &v, &vlen, err) == 0)
		c->created_at_ns = go_time_ns(v, vlen);
	c->sandbox_id = cm.sandbox_id ? cm.sandbox_id : ident.sandbox_id;
	if (cm.sandbox_id)
		free(ident.sandbox_id);
	cm.sandbox_id = ident.sandbox_id = NULL;
	c->log_path = cm.log_path;
	cm.log_path = NULL;
	c->attempt = cm.attempt;
	c->restart_count = cm.restart_count;
	c->namespace = ident.namespace;
	c->pod = ident.pod;
	c->pod_uid = ident.pod_uid;
	c->container = ident.container;
	ident.namespace = ident.pod = ident.pod_uid = ident.container = NULL;
	if (!c->image) {
		c->image = ident.image;
		ident.image = NULL;
	}
	if (c->snapshotter && c->snapshot_key &&
	    read_layers(hr, &d, ns, c, err))
		goto out;
	if (read_cri_status(hr, d.root, c, err))
		goto out;
	if (dbs_unchanged(&d, err))
		goto out;
	r = 0;
	goto out;
fail_wrap:
	if (err->kind == PE_ERR_NONE)
		pe_error_errno(err, "%s: container %s", pe_bolt_name(d.meta),
			       full);
out:
	json_object_put(spec);
	identity_clear(&ident);
	free(cm.sandbox_id);
	free(cm.log_path);
	dbs_close(&d);
	return r;
}

int pe_recover_containerd(const struct pe_hostroot *hr,
			  const char *containerd_root, const char *ns,
			  const char *id, struct pe_recovered_container *out,
			  struct pe_error *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	out->restart_count = out->attempt = -1;
	if (!ns)
		ns = "k8s.io";
	if (!id || !*id)
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "no container id given");
	pe_error_clear(err);
	r = recover_once(hr, containerd_root, ns, id, out, err);
	/* a live containerd may have rewritten pages under us: again, from
	 * its newest meta page */
	for (int tries = 1;
	     r < 0 && tries < RECOVER_TRIES &&
	     (err->kind == PE_ERR_PARSE || err->kind == PE_ERR_STALE);
	     tries++) {
		pe_recovered_container_clear(out);
		pe_error_clear(err);
		r = recover_once(hr, containerd_root, ns, id, out, err);
	}
	if (r < 0)
		pe_recovered_container_clear(out);
	return r;
}

void pe_recovered_container_clear(struct pe_recovered_container *c)
{
	for (size_t i = 0; i < c->n_lowerdirs; i++)
		free(c->lowerdirs[i]);
	free(c->lowerdirs);
	free(c->id);
	free(c->sandbox_id);
	free(c->spec_json);
	free(c->image);
	free(c->snapshotter);
	free(c->snapshot_key);
	free(c->upperdir);
	free(c->log_path);
	free(c->reason);
	free(c->namespace);
	free(c->pod);
	free(c->pod_uid);
	free(c->container);
	free(c->layers_root);
	for (size_t i = 0; i < PE_RECOVER_RUNTIME_DIRS; i++)
		free(c->runtime_dirs[i]);
	memset(c, 0, sizeof(*c));
	c->restart_count = c->attempt = -1;
}

struct id_list {
	char (*ids)[ID_MAX + 1];
	size_t len, cap;
	bool oom;
};

static int collect_id(const void *k, size_t klen, const void *v, size_t vlen,
		      bool is_bucket, void *arg)
{
	struct id_list *l = arg;

	(void)v;
	(void)vlen;
	if (!is_bucket || !valid_identifier(k, klen))
		return 0; /* not a container anyone could have made */
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *n = realloc(l->ids, cap * sizeof(*l->ids));

		if (!n) {
			l->oom = true;
			return 1;
		}
		l->ids = n;
		l->cap = cap;
	}
	memcpy(l->ids[l->len], k, klen);
	l->ids[l->len++][klen] = '\0';
	return 0;
}

static int list_one(struct open_dbs *d, const char *ns, const char *id,
		    struct pe_container_list *out, struct pe_error *err)
{
	struct identity ident = { 0 };
	struct cri_meta cm = { .attempt = -1, .restart_count = -1 };
	struct json_object *spec = NULL;
	struct pe_container *rec;
	char *text = NULL, *image = NULL;
	char shown[4200];
	struct cpath cp;
	int r;

	cpath_init(&cp, ns, id);
	r = pe_bolt_get(d->meta, cp.p, 4, "spec", 4, NULL, NULL, err);
	if (r)
		return r < 0 ? -1 : 0; /* no spec: nothing to run or list */
	/* CRI's labels name the pod without parsing the spec (a list is
	 * parsed for every container: 4 KiB of JSON each) */
	r = identity_from_labels(d->meta, &cp, &ident, err);
	if (r > 0) {
		r = read_spec(d->meta, &cp, &text, &spec, err);
		free(text);
		if (r == 0)
			r = identity_from_spec(spec, &ident);
	}
	if (r < 0)
		goto out;
	r = -1;
	if (get_string(d->meta, cp.p, 4, "image", 4096, &image, err) < 0 ||
	    (!ident.is_sandbox && read_cri_meta(d->meta, &cp, &cm, err)))
		goto out;
	rec = pe_list_add(out);
	if (!rec)
		goto out;
	snprintf(shown, sizeof(shown), "%s/%s", d->root, META_DB);
	rec->runtime = PE_RT_CONTAINERD;
	rec->source = PE_SRC_CONTAINERD_META;
	rec->is_sandbox = ident.is_sandbox;
	rec->running = false;
	rec->pid = 0;
	rec->pid_state = PE_PID_UNKNOWN;
	rec->attempt = cm.attempt;
	rec->namespace = ident.namespace;
	rec->pod = ident.pod;
	rec->pod_uid = ident.pod_uid;
	rec->container = ident.container;
	ident.namespace = ident.pod = ident.pod_uid = ident.container = NULL;
	rec->sandbox_id = ident.is_sandbox ? strdup(id)
			  : cm.sandbox_id  ? cm.sandbox_id
					   : ident.sandbox_id;
	if (rec->sandbox_id == cm.sandbox_id)
		cm.sandbox_id = NULL;
	else if (rec->sandbox_id == ident.sandbox_id)
		ident.sandbox_id = NULL;
	rec->log_path = cm.log_path;
	cm.log_path = NULL;
	rec->image = image ? image : ident.image;
	if (rec->image == ident.image)
		ident.image = NULL;
	image = NULL;
	rec->container_id = strdup(id);
	rec->bundle = strdup(shown);
	if (!rec->container_id || !rec->bundle ||
	    (ident.is_sandbox && !rec->sandbox_id))
		goto out;
	r = 0;
out:
	if (r < 0 && err->kind == PE_ERR_NONE)
		pe_error_errno(err, "container %s", id);
	free(image);
	json_object_put(spec);
	identity_clear(&ident);
	free(cm.sandbox_id);
	free(cm.log_path);
	return r;
}

static int list_once(const struct pe_hostroot *hr, const char *containerd_root,
		     const char *ns, struct pe_container_list *out,
		     struct pe_error *err)
{
	struct id_list ids = { 0 };
	struct open_dbs d;
	const char *path[3];
	int r;

	if (!ns)
		ns = "k8s.io";
	path[0] = "v1";
	path[1] = ns;
	path[2] = "containers";
	pe_error_clear(err);
	if (dbs_open(hr, containerd_root, &d, err))
		return err->kind == PE_ERR_NO_RUNTIME && !containerd_root ? 0
									  : -1;
	r = pe_bolt_foreach(d.meta, path, 3, collect_id, &ids, err);
	if (ids.oom)
		r = pe_error_errno(err, "%s/%s", d.root, META_DB);
	if (r > 0) /* no such namespace */
		r = 0;
	for (size_t i = 0; r == 0 && i < ids.len; i++)
		r = list_one(&d, ns, ids.ids[i], out, err);
	if (r == 0)
		r = dbs_unchanged(&d, err);
	free(ids.ids);
	dbs_close(&d);
	return r < 0 ? -1 : 0;
}

int pe_recover_list_containerd(const struct pe_hostroot *hr,
			       const char *containerd_root, const char *ns,
			       struct pe_container_list *out,
			       struct pe_error *err)
{
	size_t had = out->len;
	int r;

	pe_error_clear(err);
	r = list_once(hr, containerd_root, ns, out, err);
	for (int tries = 1;
	     r < 0 && tries < RECOVER_TRIES &&
	     (err->kind == PE_ERR_PARSE || err->kind == PE_ERR_STALE);
	     tries++) {
		while (out->len > had)
			pe_container_clear(&out->items[--out->len]);
		pe_error_clear(err);
		r = list_once(hr, containerd_root, ns, out, err);
	}
	return r;
}

/* Move src's string into *dst when *dst is empty. */
static void take_if_empty(char **dst, char **src)
{
	if (!*dst) {
		*dst = *src;
		*src = NULL;
	}
}

int pe_recover_merge_containerd(
    const struct pe_hostroot *hr, const char *containerd_root, const char *ns,
    bool (*want)(const struct pe_container *c, void *arg), void *arg,
    struct pe_container_list *list, struct pe_error *err)
{
	struct pe_container_list meta = { 0 };

	if (pe_recover_list_containerd(hr, containerd_root, ns, &meta, err)) {
		pe_list_free(&meta);
		return -1;
	}
	for (size_t i = 0; i < meta.len; i++) {
		struct pe_container *m = &meta.items[i];
		struct pe_container *have =
		    pe_list_find_id(list, m->container_id);
		struct pe_container *rec;

		if (have) {
			take_if_empty(&have->sandbox_id, &m->sandbox_id);
			take_if_empty(&have->namespace, &m->namespace);
			take_if_empty(&have->pod, &m->pod);
			take_if_empty(&have->pod_uid, &m->pod_uid);
			take_if_empty(&have->container, &m->container);
			take_if_empty(&have->image, &m->image);
			take_if_empty(&have->log_path, &m->log_path);
			if (have->attempt < 0)
				have->attempt = m->attempt;
			if (have->runtime == PE_RT_UNKNOWN)
				have->runtime = PE_RT_CONTAINERD;
			continue;
		}
		if (want && !want(m, arg))
			continue;
		rec = pe_list_add(list);
		if (!rec) {
			pe_list_free(&meta);
			return pe_error_errno(err, "merging containerd's "
						   "containers");
		}
		*rec = *m; /* the strings move over */
		memset(m, 0, sizeof(*m));
	}
	pe_list_free(&meta);
	return 0;
}
