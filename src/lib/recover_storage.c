/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A podman or CRI-O container's definition from containers/storage's files,
 * with no daemon (recover.h): for `podenter copy` of a container that
 * exited. Seen on podman 4.3.1 (Debian 12), storage driver overlay; CRI-O
 * keeps the same layout (it is the same library), not checked here on
 * CRI-O-written files.
 *
 *   <graph>/overlay-containers/containers.json
 *       [{"id", "names", "image", "layer", "metadata"}]: the container's
 *       own (writable) layer; read by podman.c's index reader
 *   <graph>/overlay-containers/<id>/userdata/config.json (CRI-O: also under
 *       <run>): the OCI spec the runtime last ran, used as it is
 *   <graph>/overlay-layers/layers.json
 *       [{"id", "parent", ...}]: the container's layer, its parent (the
 *       image's top layer), and so on down to a layer with no parent
 *   <graph>/overlay/<layer>/{diff,link,lower}: the layer's files, its short
 *       name, and the short names of the chain below it (checked against
 *       layers.json, recover_overlay.h)
 *   <graph>/overlay-containers/<id>/userdata/ctr.log: podman's k8s-file
 *       log (the CRI format); CRI-O names kubelet's in an annotation
 *
 * Every file is hostile input: read through the graph root's fd with no
 * symbolic link followed (pe_read_file_at), size-capped, parsed strictly;
 * every id that becomes a path component is 64 lower-case hex digits; the
 * chain is bounded (overlayfs's 500 layers) and a layer seen twice is a
 * loop, refused.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/bbolt.h"
#include "podenter/recover.h"
#include "recover_overlay.h"
#include "runtime/podman.h"
#include "runtime/sources.h"
#include "syscalls.h"

#define STORAGE_INDEX_MAX (64u << 20)
#define STORAGE_SPEC_MAX (4u << 20)
/* overlayfs takes at most 500 lower layers; a longer chain is a loop */
#define STORAGE_MAX_LAYERS 500
#define STORAGE_DRIVER "overlay"
#define CONTAINERS_DIR STORAGE_DRIVER "-containers"
#define LAYERS_DIR STORAGE_DRIVER "-layers"
/* podman 4's own database (bbolt; podman 4.8 on may use SQLite, not read):
 * bucket ctr/<id>, key "state": the container's state as JSON */
#define PODMAN_DB "libpod/bolt_state.db"
#define PODMAN_STATE_MAX (1u << 20)

/* a 64-hex id from the files, or NULL */
static const char *storage_id(const char *s)
{
	return s && pe_recover_hex64(s, strlen(s)) ? s : NULL;
}

static int concat(char **dst, const char *a, const char *b, const char *c,
		  const char *d)
{
	int n = snprintf(NULL, 0, "%s%s%s%s", a, b, c ? c : "", d ? d : "");

	free(*dst);
	*dst = n < 0 ? NULL : malloc((size_t)n + 1);
	if (!*dst)
		return -1;
	snprintf(*dst, (size_t)n + 1, "%s%s%s%s", a, b, c ? c : "", d ? d : "");
	return 0;
}

/* layers.json: id -> the layer's entry, every entry an object with a
 * string id and, when it has one, a string parent. */
static struct json_object *layers_by_id(const char *buf, size_t len,
					struct pe_error *err)
{
	struct json_object *arr =
	    pe_recover_parse_strict_as(buf, len, json_type_array);
	struct json_object *map;
	size_t n;

	if (!arr) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     LAYERS_DIR "/layers.json is not a JSON array");
		return NULL;
	}
	map = json_object_new_object();
	n = json_object_array_length(arr);
	for (size_t i = 0; map && i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		struct json_object *parent = NULL;
		const char *id = pe_json_str(e, "id");

		if (!id || (json_object_object_get_ex(e, "parent", &parent) &&
			    parent &&
			    !json_object_is_type(parent, json_type_string))) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     LAYERS_DIR "/layers.json: entry %zu is "
						"not what containers/storage "
						"writes",
				     i);
			json_object_put(map);
			map = NULL;
			break;
		}
		json_object_object_add(map, id, json_object_get(e));
	}
	json_object_put(arr);
	if (!map && !err->msg[0])
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "layers.json");
	return map;
}

static int add_dir(char ***v, size_t *n, const char *rel_root,
		   const char *layer, struct pe_error *err)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
	*v = nv;
	nv[*n] = NULL;
	if (concat(&nv[*n], rel_root, "/" STORAGE_DRIVER "/", layer, "/diff") <
	    0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
	(*n)++;
	return 0;
}

/* The container's layer (upperdir) and its parents, top first
 * (lowerdirs). */
static int layer_chain(struct json_object *layers, const char *top,
		       const char *rel_root, struct pe_recovered_container *c,
		       struct pe_error *err)
{
	struct json_object *seen = json_object_new_object(), *e = NULL;
	const char *layer = top;
	int rc = -1;

	if (!seen)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
	if (!json_object_object_get_ex(layers, top, &e)) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     LAYERS_DIR "/layers.json has no layer %.12s, "
					"the container's",
			     top);
		goto out;
	}
	if (concat(&c->upperdir, rel_root, "/" STORAGE_DRIVER "/", top,
		   "/diff") < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
		goto out;
	}
	json_object_object_add(seen, top, NULL);
	for (;;) {
		const char *parent = pe_json_str(e, "parent");

		if (!parent || !*parent)
			break;
		if (!storage_id(parent)) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     LAYERS_DIR "/layers.json: the parent of "
						"layer %.12s is '%.80s', not "
						"a layer id",
				     layer, parent);
			goto out;
		}
		if (json_object_object_get_ex(seen, parent, NULL)) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     LAYERS_DIR "/layers.json: layer %.12s "
						"is its own ancestor (a loop)",
				     parent);
			goto out;
		}
		if (c->n_lowerdirs >= STORAGE_MAX_LAYERS) {
			pe_error_set(err, PE_ERR_PARSE, 0,
				     LAYERS_DIR "/layers.json: more than %d "
						"layers below the container's",
				     STORAGE_MAX_LAYERS);
			goto out;
		}
		if (!json_object_object_get_ex(layers, parent, &e)) {
			pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				     LAYERS_DIR "/layers.json has no layer "
						"%.12s, parent of %.12s",
				     parent, layer);
			goto out;
		}
		if (add_dir(&c->lowerdirs, &c->n_lowerdirs, rel_root, parent,
			    err) < 0)
			goto out;
		json_object_object_add(seen, parent, NULL);
		layer = parent;
	}
	rc = 0;
out:
	json_object_put(seen);
	return rc;
}

/* Identity from the spec's annotations and podman's index, as `list`
 * reads it (crio.c, podman.c): one reading of these files. */
static int fill_identity(struct json_object *cfg,
			 const struct pe_podman_index *ix, const char *id,
			 struct pe_recovered_container *c, struct pe_error *err)
{
	struct pe_container rec = { 0 };
	struct json_object *ann = NULL;
	const char *log;
	int rc = -1;

	rec.attempt = -1;
	if (pe_strdup_into(&rec.container_id, id) < 0 ||
	    pe_storage_fill_record(&rec, cfg, ix) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
		goto out;
	}
	/* the sandbox id names directories of the storage: an id or none */
	if (rec.sandbox_id && !storage_id(rec.sandbox_id)) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "config.json's sandbox id '%.80s' is not a "
			     "container id",
			     rec.sandbox_id);
		goto out;
	}
	c->id = rec.container_id, rec.container_id = NULL;
	c->sandbox_id = rec.sandbox_id, rec.sandbox_id = NULL;
	c->image = rec.image, rec.image = NULL;
	c->namespace = rec.namespace, rec.namespace = NULL;
	c->pod = rec.pod, rec.pod = NULL;
	c->pod_uid = rec.pod_uid, rec.pod_uid = NULL;
	c->container = rec.container, rec.container = NULL;
	/* CRI-O: kubelet's log file; podman's is found beside the spec */
	json_object_object_get_ex(cfg, "annotations", &ann);
	log = pe_json_str(ann, "io.kubernetes.cri-o.LogPath");
	if (log && log[0] == '/' && pe_strdup_into(&c->log_path, log) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
		goto out;
	}
	rc = 0;
out:
	pe_container_clear(&rec);
	return rc;
}

int pe_recover_storage_parse(const char *containers, size_t containers_len,
			     const char *layers, size_t layers_len,
			     const char *config, size_t config_len,
			     const char *id, const char *rel_root,
			     struct pe_recovered_container *out,
			     struct pe_error *err)
{
	struct pe_podman_index ix = { 0 };
	struct json_object *index = NULL, *by_layer = NULL, *cfg = NULL;
	const char *top;
	int rc = -1;

	pe_recovered_container_clear(out);
	if (!id || !storage_id(id) || !rel_root || rel_root[0] == '/')
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "recovering a containers/storage "
				    "container needs its full id");
	index = pe_recover_parse_strict_as(containers, containers_len,
					   json_type_array);
	if (!index) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     CONTAINERS_DIR "/containers.json is not a JSON "
					    "array");
		goto out;
	}
	if (pe_podman_index_add(&ix, index) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "containers.json");
		goto out;
	}
	if (!json_object_object_get_ex(ix.by_id, id, NULL)) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "containers/storage has no container %.12s", id);
		goto out;
	}
	top = pe_podman_index_layer(&ix, id);
	if (!storage_id(top)) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     CONTAINERS_DIR "/containers.json: container "
					    "%.12s's layer is '%.80s', not a "
					    "layer id",
			     id, top ? top : "(none)");
		goto out;
	}
	cfg = pe_recover_parse_strict(config, config_len);
	if (!cfg) {
		pe_error_set(err, PE_ERR_PARSE, 0,
			     "the container's userdata/config.json is not a "
			     "JSON object");
		goto out;
	}
	by_layer = layers_by_id(layers, layers_len, err);
	if (!by_layer || fill_identity(cfg, &ix, id, out, err) < 0 ||
	    layer_chain(by_layer, top, rel_root, out, err) < 0)
		goto out;
	/* the spec as the runtime wrote it: copy's parser checks it */
	out->spec_json = strndup(config, config_len);
	if (!out->spec_json ||
	    pe_strdup_into(&out->snapshotter, STORAGE_DRIVER) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
		goto out;
	}
	rc = 0;
out:
	json_object_put(index);
	json_object_put(by_layer);
	json_object_put(cfg);
	pe_podman_index_free(&ix);
	if (rc < 0)
		pe_recovered_container_clear(out);
	return rc;
}

int pe_recover_podman_state_parse(const char *buf, size_t len,
				  struct pe_recovered_container *c)
{
	struct json_object *st = pe_recover_parse_strict(buf, len);
	struct json_object *exited = NULL, *code = NULL, *oom = NULL,
			   *restarts = NULL;
	const char *reason;
	int rc = -1;

	if (!st)
		return -1;
	json_object_object_get_ex(st, "exited", &exited);
	json_object_object_get_ex(st, "exitCode", &code);
	json_object_object_get_ex(st, "oomKilled", &oom);
	json_object_object_get_ex(st, "restartCount", &restarts);
	if ((exited && !json_object_is_type(exited, json_type_boolean)) ||
	    (code && !json_object_is_type(code, json_type_int)) ||
	    (oom && !json_object_is_type(oom, json_type_boolean)) ||
	    (restarts && !json_object_is_type(restarts, json_type_int)))
		goto out;
	c->started_at_ns =
	    pe_recover_rfc3339_ns(pe_json_str(st, "startedTime"));
	c->finished_at_ns =
	    pe_recover_rfc3339_ns(pe_json_str(st, "finishedTime"));
	/* Go omits a zero restartCount */
	if (!restarts)
		c->restart_count = 0;
	else if (json_object_get_int64(restarts) >= 0 &&
		 json_object_get_int64(restarts) < INT32_MAX)
		c->restart_count = (int)json_object_get_int64(restarts);
	/* podman sets "exited" when its container process has ended */
	c->has_exit = exited && json_object_get_boolean(exited);
	if (c->has_exit) {
		c->exit_code = code ? json_object_get_int(code) : 0;
		reason = oom && json_object_get_boolean(oom) ? "OOMKilled"
			 : c->exit_code == 0		     ? "Completed"
							     : "Error";
		free(c->reason);
		c->reason = strdup(reason);
		if (!c->reason)
			goto out;
	}
	rc = 0;
out:
	json_object_put(st);
	return rc;
}

/* The last run's exit from podman's database, when there is one: what the
 * copy shows, never needed to make it. A database that is missing, of
 * another kind (SQLite), corrupt, or without this container leaves the
 * exit unknown. */
static void podman_exit(int gfd, const char *graph_root,
			struct pe_recovered_container *c)
{
	const char *path[2] = { "ctr", c->id };
	char shown[PATH_MAX];
	struct pe_bolt *db = NULL;
	struct pe_error ignored;
	const void *v;
	size_t vlen;
	int fd;

	fd = pe_open_beneath(gfd, PODMAN_DB, O_RDONLY | O_NONBLOCK,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return;
	pe_error_clear(&ignored);
	snprintf(shown, sizeof(shown), "%s/" PODMAN_DB, graph_root);
	if (pe_bolt_open_fd(fd, shown, &db, &ignored) == 0 &&
	    pe_bolt_get(db, path, 2, "state", 5, &v, &vlen, &ignored) == 0 &&
	    vlen <= PODMAN_STATE_MAX &&
	    pe_recover_podman_state_parse(v, vlen, c) < 0)
		c->has_exit = false;
	pe_bolt_close(db);
	close(fd);
}

/* rel beneath dirfd into *buf; ENOENT is left in errno */
static ssize_t read_capped(int dirfd, const char *rel, size_t max, char **buf)
{
	*buf = NULL;
	return dirfd < 0 ? (errno = ENOENT, -1)
			 : pe_read_file_at(dirfd, rel, max, buf);
}

/* The runtime's own directories of the container and of its sandbox:
 * hosts, resolv.conf, hostname, .containerenv and shm are bound from
 * there. */
static int runtime_dirs(const char *graph_root, const char *run_root,
			struct pe_recovered_container *c)
{
	const char *ids[2] = { c->id, c->sandbox_id };
	size_t k = 0;

	for (size_t i = 0; i < 2; i++) {
		if (!ids[i] || (i == 1 && strcmp(ids[1], ids[0]) == 0))
			continue;
		if (concat(&c->runtime_dirs[k++], graph_root,
			   "/" CONTAINERS_DIR "/", ids[i], "/userdata") < 0 ||
		    concat(&c->runtime_dirs[k++], run_root,
			   "/" CONTAINERS_DIR "/", ids[i], "/userdata") < 0)
			return -1;
	}
	return 0;
}

/* podman's k8s-file log, when it is there */
static int podman_log(int gfd, const char *graph_root,
		      struct pe_recovered_container *c)
{
	char rel[PATH_MAX];
	int fd;

	if (c->log_path)
		return 0;
	snprintf(rel, sizeof(rel), CONTAINERS_DIR "/%s/userdata/ctr.log",
		 c->id);
	fd = pe_open_beneath(gfd, rel, O_PATH,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return 0;
	close(fd);
	return concat(&c->log_path, graph_root, "/", rel, NULL);
}

int pe_recover_storage(const struct pe_hostroot *hr, const char *graph_root,
		       const char *run_root, const char *id,
		       struct pe_recovered_container *out, struct pe_error *err)
{
	char rel[PATH_MAX], top[65], *containers = NULL, *layers = NULL,
				     *config = NULL;
	ssize_t clen, llen, slen;
	int gfd, rfd = -1, fd, rc = -1;

	pe_recovered_container_clear(out);
	graph_root = graph_root ? graph_root : PE_STORAGE_GRAPH_ROOT;
	run_root = run_root ? run_root : PE_STORAGE_RUN_ROOT;
	if (graph_root[0] != '/' || run_root[0] != '/' || !id ||
	    !storage_id(id))
		return pe_error_set(err, PE_ERR_USAGE, EINVAL,
				    "recovering a containers/storage "
				    "container needs its storage roots and "
				    "full id");
	gfd = pe_host_open(hr, graph_root, O_PATH | O_DIRECTORY);
	if (gfd < 0)
		return pe_error_errno(err,
				      "opening containers/storage's root "
				      "%s",
				      graph_root);
	rfd = pe_host_open(hr, run_root, O_PATH | O_DIRECTORY);
	clen = read_capped(gfd, CONTAINERS_DIR "/containers.json",
			   STORAGE_INDEX_MAX, &containers);
	if (clen < 0) {
		pe_error_errno(err,
			       "reading %s/" CONTAINERS_DIR "/containers.json",
			       graph_root);
		if (errno == ENOENT)
			pe_error_hint(err, "copy reads containers/storage's "
					   "overlay driver only");
		goto out;
	}
	llen = read_capped(gfd, LAYERS_DIR "/layers.json", STORAGE_INDEX_MAX,
			   &layers);
	if (llen < 0) {
		pe_error_errno(err, "reading %s/" LAYERS_DIR "/layers.json",
			       graph_root);
		goto out;
	}
	/* podman writes the spec under the graph root only; CRI-O under
	 * both */
	snprintf(rel, sizeof(rel), CONTAINERS_DIR "/%s/userdata/config.json",
		 id);
	slen = read_capped(gfd, rel, STORAGE_SPEC_MAX, &config);
	if (slen < 0 && errno == ENOENT)
		slen = read_capped(rfd, rel, STORAGE_SPEC_MAX, &config);
	if (slen < 0) {
		if (errno == ENOENT) {
			pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				     "container %.12s has no OCI spec in "
				     "containers/storage (%s/%s)",
				     id, graph_root, rel);
			pe_error_hint(err, "podman writes it when the "
					   "container first starts: a "
					   "container that was created and "
					   "never started cannot be copied");
		} else {
			pe_error_errno(err, "reading %s/%s", graph_root, rel);
		}
		goto out;
	}
	if (pe_recover_storage_parse(containers, (size_t)clen, layers,
				     (size_t)llen, config, (size_t)slen, id,
				     graph_root + 1, out, err) < 0) {
		pe_error_wrap(err, "%s, container %.12s", graph_root, id);
		goto out;
	}
	/* upperdir is "<graph_root + 1>/overlay/<layer>/diff" */
	snprintf(rel, sizeof(rel), "%s", out->upperdir + strlen(graph_root));
	snprintf(top, sizeof(top), "%s", rel + strlen(STORAGE_DRIVER "/"));
	if (out->n_lowerdirs &&
	    pe_recover_check_lower(gfd, STORAGE_DRIVER, top, out,
				   graph_root + 1, err) < 0)
		goto out;
	/* the last run's writable layer, while the storage keeps it */
	fd = pe_open_beneath(gfd, rel, O_PATH | O_DIRECTORY,
			     RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				 RESOLVE_NO_MAGICLINKS);
	if (fd >= 0) {
		close(fd);
	} else {
		free(out->upperdir);
		out->upperdir = NULL;
	}
	if (concat(&out->layers_root, graph_root, "/" STORAGE_DRIVER, NULL,
		   NULL) < 0 ||
	    runtime_dirs(graph_root, run_root, out) < 0 ||
	    podman_log(gfd, graph_root, out) < 0) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "storage");
		goto out;
	}
	podman_exit(gfd, graph_root, out);
	rc = 0;
out:
	free(containers);
	free(layers);
	free(config);
	close(gfd);
	if (rfd >= 0)
		close(rfd);
	if (rc < 0)
		pe_recovered_container_clear(out);
	return rc;
}
