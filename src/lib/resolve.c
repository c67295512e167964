/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From TARGET to one verified container. The runtime sources are read
 * first (their cost grows with containers); kubelet's logs add names and
 * exited containers; /proc is scanned only when no runtime state exists.
 * Every error is written for a person in an incident: what was searched,
 * what is near, what to try.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/cgroup.h"
#include "podenter/resolve.h"
#include "runtime/sources.h"

#define CGROUP_FILE_MAX 65536

/* Containers inherit pod identity their own files lack from the sandbox. */
static int inherit_from_sandboxes(struct pe_container_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];
		struct pe_container *sb;

		if (c->is_sandbox || !c->sandbox_id ||
		    (c->namespace && c->pod && c->pod_uid))
			continue;
		sb = pe_list_find_id(l, c->sandbox_id);
		if (!sb)
			continue;
		if ((!c->namespace &&
		     pe_strdup_into(&c->namespace, sb->namespace)) ||
		    (!c->pod && pe_strdup_into(&c->pod, sb->pod)) ||
		    (!c->pod_uid && pe_strdup_into(&c->pod_uid, sb->pod_uid)))
			return -1;
	}
	return 0;
}

/* Kubelet's logs know names but not which runtime ran an exited container:
 * it is the one that runs the rest of its pod. */
static void inherit_runtime(struct pe_container_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];

		if (c->runtime != PE_RT_UNKNOWN || !c->pod_uid)
			continue;
		for (size_t j = 0; j < l->len; j++) {
			const struct pe_container *o = &l->items[j];

			if (o->runtime != PE_RT_UNKNOWN && o->pod_uid &&
			    strcmp(o->pod_uid, c->pod_uid) == 0) {
				c->runtime = o->runtime;
				if (!c->sandbox_id && o->sandbox_id &&
				    pe_strdup_into(&c->sandbox_id,
						   o->sandbox_id) < 0)
					return;
				break;
			}
		}
	}
}

/* The /proc fallback cannot tell the pause process from an app container;
 * kubelet logs only app containers, so a nameless member of a pod is its
 * sandbox. */
static void mark_unnamed_sandboxes(struct pe_container_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];

		if (c->source == PE_SRC_PROC_CGROUP && !c->container &&
		    c->pod_uid)
			c->is_sandbox = true;
	}
}

/* Kubelet's names when the caller has listed them already (the index
 * fast path); NULL means list /var/log/containers. */
struct kubelet_names {
	const struct pe_kubelet_log_name *names;
	size_t n;
};

static int node_scan(const struct pe_hostroot *hr,
		     const struct pe_scan_filter *f,
		     const struct kubelet_names *listed,
		     struct pe_container_list *out,
		     struct pe_scan_report *report, struct pe_error *err);

int pe_node_scan(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		 struct pe_container_list *out, struct pe_scan_report *report,
		 struct pe_error *err)
{
	return node_scan(hr, f, NULL, out, report, err);
}

static int node_scan(const struct pe_hostroot *hr,
		     const struct pe_scan_filter *f,
		     const struct kubelet_names *listed,
		     struct pe_container_list *out,
		     struct pe_scan_report *report, struct pe_error *err)
{
	struct pe_scan_report local;

	if (!report)
		report = &local;
	memset(report, 0, sizeof(*report));
	if (pe_scan_containerd(hr, f, out, report, err) < 0 ||
	    pe_scan_crio(hr, f, out, report, err) < 0 ||
	    pe_scan_docker(hr, f, out, report, err) < 0)
		return -1;
	/* No runtime state at all (not merely no match): fall back to /proc. A
	 * filtered scan that found nothing cannot tell the two apart, so look
	 * for any state before paying for the /proc walk. */
	if (report->sources_found == 0) {
		bool any_state = false;

		for (unsigned i = 0; i < report->ntried; i++)
			any_state |= report->tried_exists[i];
		if (!any_state && pe_scan_proc(hr, out, report, err) < 0)
			return -1;
	}
	if (listed ? pe_kubelet_merge_names(hr, listed->names, listed->n, f,
					    out, err) < 0
		   : pe_scan_kubelet_logs(hr, f, out, report, err) < 0)
		return -1;
	if (inherit_from_sandboxes(out) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "merging records");
	mark_unnamed_sandboxes(out);
	inherit_runtime(out);
	return 0;
}

static unsigned long ns_inode_of(int pfd, const char *name)
{
	char rel[32], buf[64];
	ssize_t n;
	const char *lb;

	snprintf(rel, sizeof(rel), "ns/%s", name);
	n = readlinkat(pfd, rel, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	lb = strchr(buf, '[');
	return lb ? strtoul(lb + 1, NULL, 10) : 0;
}

/*
 * The identity half of verification, through an open /proc/PID directory:
 * cgroup (container id, pod UID), start time, zombie state.
 */
/*
 * The identity half of verification, from the process's cgroup file (cg,
 * NULL when it could not be read: the process is gone) and its open
 * /proc/PID directory: container id, pod UID, start time, zombie state.
 */
static void verify_identity(int pfd, const char *cg, struct pe_container *c)
{
	char cgpath[4096];
	struct pe_cgroup_info info;
	char state;

	if (!cg) {
		c->pid_state = PE_PID_GONE;
		return;
	}
	c->pid_state = PE_PID_VERIFIED;
	if (c->container_id) {
		if (!pe_cgroup_path_of(cg, c->container_id, cgpath,
				       sizeof(cgpath)))
			c->pid_state = PE_PID_STALE;
		else if (pe_strdup_into(&c->cgroup, cgpath) < 0)
			c->pid_state = PE_PID_UNKNOWN;
	}
	/* the UID check catches a PID reused by another pod's container */
	if (c->pid_state == PE_PID_VERIFIED && c->pod_uid &&
	    pe_cgroup_parse_file(cg, &info) && info.pod_uid[0] &&
	    strcmp(info.pod_uid, c->pod_uid) != 0)
		c->pid_state = PE_PID_STALE;
	if (c->pid_state != PE_PID_VERIFIED)
		return;
	c->start_time = pe_proc_stat_at(pfd, ".", &state);
	/* a zombie keeps its cgroup line but no namespaces: it has exited,
	 * whoever has yet to reap it */
	if (state == 'Z' || state == 'X')
		c->pid_state = PE_PID_GONE;
}

/* podman leaves its pidfile behind when a container stops, and its files
 * say nothing else about the state: a PID that no longer names the
 * container means the container exited. */
static void podman_exited_unless_verified(struct pe_container *c)
{
	if (c->source == PE_SRC_PODMAN_USERDATA &&
	    c->pid_state != PE_PID_VERIFIED)
		c->running = false;
}

/* Identity, then the namespaces (verify_identity's arguments). */
static void verify_with(const struct pe_hostroot *hr, int pfd, const char *cg,
			struct pe_container *c)
{
	verify_identity(pfd, cg, c);
	if (c->pid_state != PE_PID_VERIFIED)
		return;
	for (int t = 0; t < PE_NS_COUNT; t++)
		c->ns_inode[t] =
		    ns_inode_of(pfd, pe_ns_name((enum pe_ns_type)t));
	c->user_namespaced = c->ns_inode[PE_NS_USER] && hr->user_ns &&
			     hr->user_ns != c->ns_inode[PE_NS_USER];
}

/* The cgroup file through an open /proc/PID directory; NULL when gone. */
static char *read_cgroup_at(int pfd)
{
	char *cg = NULL;

	if (pfd < 0 || pe_read_file_at(pfd, "cgroup", CGROUP_FILE_MAX, &cg) < 0)
		return NULL;
	return cg;
}

static int open_proc_pid(const struct pe_hostroot *hr, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return pe_host_open(hr, path, O_PATH | O_DIRECTORY);
}

void pe_verify_pid_at(int procfd, struct pe_container *c)
{
	char *cg;

	if (c->pid <= 0) {
		c->pid_state = PE_PID_UNKNOWN;
		return;
	}
	cg = read_cgroup_at(procfd);
	verify_identity(procfd, cg, c);
	podman_exited_unless_verified(c);
	free(cg);
}

void pe_verify_pid(const struct pe_hostroot *hr, struct pe_container *c)
{
	char *cg;
	int pfd;

	if (c->pid <= 0) {
		c->pid_state = PE_PID_UNKNOWN;
		return;
	}
	pfd = open_proc_pid(hr, c->pid);
	cg = read_cgroup_at(pfd);
	verify_with(hr, pfd, cg, c);
	podman_exited_unless_verified(c);
	free(cg);
	if (pfd >= 0)
		close(pfd);
}

/* Does the node file hold the text that says frozen? */
static bool host_file_says_frozen(const struct pe_hostroot *hr,
				  const char *path, const char *frozen)
{
	char *buf = NULL;
	bool yes;

	if (pe_host_read_file(hr, path, 4096, &buf) < 0)
		return false;
	yes = strstr(buf, frozen) != NULL;
	free(buf);
	return yes;
}

static bool cgroup_line_frozen(const struct pe_hostroot *hr, const char *line,
			       size_t len)
{
	char files[PE_CGROUP_FREEZER_FILES][4400];
	const char *frozen;
	size_t n = pe_cgroup_freezer_files(line, len, files, &frozen);

	for (size_t i = 0; i < n; i++)
		if (host_file_says_frozen(hr, files[i], frozen))
			return true;
	return false;
}

void pe_note_paused(const struct pe_hostroot *hr, struct pe_container *c)
{
	char *cg;
	int pfd;

	c->paused = false;
	if (c->pid_state != PE_PID_VERIFIED)
		return;
	pfd = open_proc_pid(hr, c->pid);
	cg = read_cgroup_at(pfd);
	if (pfd >= 0)
		close(pfd);
	for (const char *line = cg; line && *line && !c->paused;) {
		size_t len = strcspn(line, "\n");

		c->paused = cgroup_line_frozen(hr, line, len);
		line += len;
		if (*line == '\n')
			line++;
	}
	free(cg);
}

bool pe_pod_name_matches(const char *pattern, bool is_glob, const char *pod)
{
	size_t len;

	if (!pod)
		return false;
	if (is_glob)
		return pe_glob_match(pattern, pod);
	if (strcmp(pattern, pod) == 0)
		return true;
	/* a Deployment, ReplicaSet, StatefulSet or DaemonSet name: the pod is
	 * "<owner>-<suffix>" */
	len = strlen(pattern);
	return strncmp(pod, pattern, len) == 0 && pod[len] == '-';
}

/* The longest plain run before any glob character: every match contains
 * it, so sources can skip files without it. */
static void literal_of(const char *pattern, char *out, size_t size)
{
	size_t n = strcspn(pattern, "*?[");

	if (n >= size)
		n = size - 1;
	memcpy(out, pattern, n);
	out[n] = '\0';
}

static bool same_str(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static bool same_pod(const struct pe_container *a, const struct pe_container *b)
{
	return same_str(a->namespace, b->namespace) &&
	       same_str(a->pod, b->pod) &&
	       (!a->pod_uid || !b->pod_uid ||
		strcmp(a->pod_uid, b->pod_uid) == 0);
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[256];

	if (la > 250 || lb > 250)
		return 1000;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned prev = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned cur = row[j];
			unsigned best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = cur;
		}
	}
	return row[lb];
}

static bool already_listed(const char *buf, const char *ns, const char *pod)
{
	char needle[600];

	snprintf(needle, sizeof(needle), " %s/%s?", ns, pod);
	return strstr(buf, needle + 1) != NULL;
}

static int explain_no_runtime(const struct pe_hostroot *hr,
			      const struct pe_scan_report *rep,
			      struct pe_error *err)
{
	pe_error_set(err, PE_ERR_NO_RUNTIME, 0,
		     "no container runtime state found under host root %s",
		     hr->path);
	pe_error_hint(err, "looked for:");
	for (unsigned i = 0; i < rep->ntried; i++) {
		char shown[512];

		pe_host_display(hr, rep->tried[i], shown, sizeof(shown));
		pe_error_hint(err, "  %s%s", shown,
			      rep->tried_exists[i] ? " (empty)" : " (missing)");
	}
	if (hr->is_slash)
		pe_error_hint(err, "inside a pod, mount the node's / and pass "
				   "--host-root (e.g. --host-root /host)");
	return -1;
}

/* Not found: say where it is instead, or what is near. */
static int explain_pod_not_found(const struct pe_hostroot *hr,
				 const struct pe_target *t,
				 const struct pe_container_list *filtered,
				 const struct pe_scan_report *rep,
				 struct pe_error *err)
{
	struct pe_container_list all = { 0 };
	struct pe_scan_report allrep;
	char others[1024] = "";
	unsigned shown = 0;

	for (size_t i = 0; i < filtered->len; i++) {
		const struct pe_container *c = &filtered->items[i];

		if (c->namespace &&
		    pe_pod_name_matches(t->pod, t->pod_is_glob, c->pod) &&
		    !strstr(others, c->namespace)) {
			size_t len = strlen(others);

			snprintf(others + len, sizeof(others) - len, "%s%s",
				 len ? ", " : "", c->namespace);
		}
	}
	if (others[0]) {
		pe_error_set(
		    err, PE_ERR_NOT_FOUND, 0,
		    "pod '%s' not found in namespace '%s'; it exists in "
		    "namespace %s",
		    t->pod, t->namespace, others);
		pe_error_hint(err, "use -n NAMESPACE or NAMESPACE/%s", t->pod);
		return -1;
	}

	/* a full scan costs more, but only on this failing path */
	if (pe_node_scan(hr, NULL, &all, &allrep, err) < 0)
		return -1;
	if (all.len == 0) {
		pe_list_free(&all);
		return explain_no_runtime(hr, &allrep, err);
	}
	(void)rep;
	pe_error_set(err, PE_ERR_NOT_FOUND, 0,
		     "no pod matching '%s' in namespace '%s' on this node "
		     "(%zu containers known)",
		     t->pod, t->namespace, all.len);
	pe_list_sort(&all);
	for (size_t i = 0; i < all.len && shown < 5; i++) {
		const struct pe_container *c = &all.items[i];
		size_t plen = strlen(t->pod);
		bool near;

		if (!c->pod || !c->namespace ||
		    already_listed(err->hint, c->namespace, c->pod))
			continue;
		near = edit_distance(t->pod, c->pod) <= 3 ||
		       strncmp(t->pod, c->pod, plen > 6 ? 6 : plen) == 0 ||
		       strstr(c->pod, t->pod) != NULL;
		if (!near)
			continue;
		pe_error_hint(err, "did you mean %s/%s?", c->namespace, c->pod);
		shown++;
	}
	if (shown == 0)
		pe_error_hint(err, "run 'podenter list -A' to see every pod on "
				   "this node");
	pe_list_free(&all);
	return -1;
}

static void note_other_containers(struct pe_resolve_note *note,
				  const struct pe_container_list *l,
				  const struct pe_container *chosen)
{
	for (size_t i = 0; i < l->len; i++) {
		const struct pe_container *c = &l->items[i];
		size_t len = strlen(note->other_containers);

		if (c == chosen || c->is_sandbox || !c->container ||
		    !same_pod(c, chosen) ||
		    strstr(note->other_containers, c->container))
			continue;
		snprintf(note->other_containers + len,
			 sizeof(note->other_containers) - len, "%s%s",
			 len ? ", " : "", c->container);
	}
}

/* The pod's containers, for "no container X" messages. */
static void list_containers(struct pe_error *err,
			    const struct pe_container_list *l,
			    const struct pe_container *pod)
{
	char names[1024] = "";

	for (size_t i = 0; i < l->len; i++) {
		const struct pe_container *c = &l->items[i];
		size_t len = strlen(names);

		if (c->is_sandbox || !c->container || !same_pod(c, pod) ||
		    strstr(names, c->container))
			continue;
		snprintf(names + len, sizeof(names) - len, "%s%s (%s)",
			 len ? ", " : "", c->container, pe_container_state(c));
	}
	pe_error_hint(err, "containers of %s/%s: %s%s", pod->namespace,
		      pod->pod, names[0] ? names : "none",
		      /* podman writes userdata/config.json, which podenter
		       * reads, when a container first starts */
		      pod->runtime == PE_RT_PODMAN
			  ? "; a podman container only created (never "
			    "started) has no spec yet and is not seen"
			  : "");
}

/* The caller's copy of the chosen record, which the scan's list owns. */
static int copy_out(struct pe_container *out, const struct pe_container *c,
		    struct pe_error *err)
{
	if (pe_container_copy(out, c) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "copying the record of %s",
				    c->container_id ? c->container_id : "?");
	return 0;
}

static int stale_error(const struct pe_container *c, struct pe_error *err)
{
	if (c->pid_state == PE_PID_GONE)
		return pe_error_set(err, PE_ERR_STALE, ESRCH,
				    "container %s (%.12s): recorded PID %d no "
				    "longer exists",
				    c->container ? c->container : "sandbox",
				    c->container_id ? c->container_id : "?",
				    (int)c->pid);
	return pe_error_set(err, PE_ERR_STALE, 0,
			    "container %s (%.12s): recorded PID %d now belongs "
			    "to another process (stale pidfile); refusing to "
			    "use it",
			    c->container ? c->container : "sandbox",
			    c->container_id ? c->container_id : "?",
			    (int)c->pid);
}

/* Pick the container of one pod: -c, else the first started app container,
 * else the sandbox (crash loops: the pod's namespaces are still there). */
/* The pod's sandbox, a verified one first. Verified only when it is
 * needed (no running container, or a hint): that costs a read of its
 * cgroup, stat and namespaces in /proc, and a session that enters a
 * running container never uses it. */
static struct pe_container *pod_sandbox(const struct pe_hostroot *hr,
					struct pe_container_list *l,
					const struct pe_container *pod)
{
	struct pe_container *sandbox = NULL;

	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];

		if (!c->is_sandbox || !same_pod(c, pod))
			continue;
		pe_verify_pid(hr, c);
		if (!sandbox || c->pid_state == PE_PID_VERIFIED)
			sandbox = c;
	}
	return sandbox;
}

static struct pe_container *choose_container(const struct pe_hostroot *hr,
					     struct pe_container_list *l,
					     const struct pe_container *pod,
					     const struct pe_resolve_opts *o,
					     struct pe_resolve_note *note,
					     struct pe_error *err)
{
	struct pe_container *best = NULL, *sandbox = NULL, *named = NULL;

	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];

		if (c->is_sandbox || !same_pod(c, pod))
			continue;
		pe_verify_pid(hr, c);
		if (o->container) {
			if (same_str(c->container, o->container) &&
			    (!named || c->pid_state == PE_PID_VERIFIED))
				named = c;
			continue;
		}
		if (c->pid_state != PE_PID_VERIFIED)
			continue;
		if (!best || c->start_time < best->start_time ||
		    (c->start_time == best->start_time &&
		     strcmp(c->container ? c->container : "",
			    best->container ? best->container : "") < 0))
			best = c;
	}
	if (o->container) {
		if (!named) {
			pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				     "pod %s/%s has no container '%s'",
				     pod->namespace, pod->pod, o->container);
			list_containers(err, l, pod);
			return NULL;
		}
		if (named->pid_state != PE_PID_VERIFIED) {
			if (named->pid_state == PE_PID_STALE ||
			    named->pid_state == PE_PID_GONE)
				stale_error(named, err);
			else
				pe_error_set(
				    err, PE_ERR_NOT_FOUND, 0,
				    "container '%s' of pod %s/%s is not "
				    "running (%s)",
				    o->container, pod->namespace, pod->pod,
				    pe_container_state(named));
			sandbox = pod_sandbox(hr, l, pod);
			if (sandbox && sandbox->pid_state == PE_PID_VERIFIED)
				pe_error_hint(
				    err, "the pod's sandbox is running: omit "
					 "-c to enter the pod's namespaces "
					 "through it");
			return NULL;
		}
		return named;
	}
	if (best) {
		snprintf(note->defaulted_container,
			 sizeof(note->defaulted_container), "%s",
			 best->container ? best->container : "");
		note_other_containers(note, l, best);
		return best;
	}
	sandbox = pod_sandbox(hr, l, pod);
	if (sandbox && sandbox->pid_state == PE_PID_VERIFIED) {
		note->sandbox_fallback = true;
		note_other_containers(note, l, sandbox);
		return sandbox;
	}
	pe_error_set(err, PE_ERR_NOT_FOUND, 0,
		     "pod %s/%s has no running container", pod->namespace,
		     pod->pod);
	list_containers(err, l, pod);
	if (sandbox && sandbox->pid_state == PE_PID_STALE)
		pe_error_hint(err, "its sandbox's recorded PID %d is stale",
			      (int)sandbox->pid);
	return NULL;
}

static bool list_has_container(const struct pe_container_list *l,
			       const char *name)
{
	for (size_t i = 0; i < l->len; i++)
		if (same_str(l->items[i].container, name))
			return true;
	return false;
}

/* Move every record of src to the end of dst. */
static int list_append(struct pe_container_list *dst,
		       struct pe_container_list *src)
{
	for (size_t i = 0; i < src->len; i++) {
		struct pe_container *c = pe_list_add(dst);

		if (!c)
			return -1;
		*c = src->items[i];
		memset(&src->items[i], 0, sizeof(src->items[i]));
	}
	return 0;
}

/*
 * The fast path: kubelet's /var/log/containers names map pods to container
 * ids, so one directory listing tells which bundles to read; the sandboxes
 * follow from those bundles' sandbox-id. Returns 1 when it found the pod's
 * containers in runtime state, 0 when the caller must scan everything (no
 * kubelet logs, or they name containers the runtime no longer has).
 */
static int scan_pod_by_kubelet_index(const struct pe_hostroot *hr,
				     const struct pe_target *t,
				     const char *literal,
				     struct pe_container_list *l,
				     struct pe_scan_report *rep,
				     struct pe_error *err)
{
	struct pe_container_list sandboxes = { 0 };
	struct pe_kubelet_log_name *names = NULL;
	const char **ids = NULL, **sbids = NULL;
	size_t nnames = 0, nids = 0, nsb = 0;
	bool found_with_sandbox = false;
	int r = 0;

	if (pe_kubelet_log_names(hr, &names, &nnames) < 0)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				    "reading /var/log/containers");
	ids = calloc(nnames + 1, sizeof(*ids));
	if (!ids) {
		r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "indexing");
		goto out;
	}
	for (size_t i = 0; i < nnames; i++)
		if (strcmp(names[i].namespace, t->namespace) == 0 &&
		    pe_pod_name_matches(t->pod, t->pod_is_glob, names[i].pod))
			ids[nids++] = names[i].id;
	if (nids == 0)
		goto out;
	{
		struct pe_scan_filter f = { .literal = literal,
					    .ids = ids,
					    .nids = nids,
					    .with_sandboxes = true };
		struct kubelet_names listed = { names, nnames };

		if (node_scan(hr, &f, &listed, l, rep, err) < 0) {
			r = -1;
			goto out;
		}
	}
	/* No runtime state at all, so the scan walked /proc: that found
	 * every container with its sandbox, and a full scan would only walk
	 * it again. */
	if (rep->used_proc_scan) {
		r = 1;
		goto out;
	}
	sbids = calloc(l->len + 1, sizeof(*sbids));
	if (!sbids) {
		r = pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "indexing");
		goto out;
	}
	for (size_t i = 0; i < l->len; i++) {
		const char *sb = l->items[i].sandbox_id;
		bool have = !sb || pe_list_find_id(l, sb);

		for (size_t j = 0; j < nsb && !have; j++)
			have = strcmp(sbids[j], sb) == 0;
		if (!have && l->items[i].source != PE_SRC_KUBELET_LOGS)
			sbids[nsb++] = sb;
		found_with_sandbox |=
		    sb && l->items[i].source != PE_SRC_KUBELET_LOGS &&
		    !l->items[i].is_sandbox && pe_list_find_id(l, sb);
	}
	if (nsb == 0) {
		/* containerd's came with their sandboxes (with_sandboxes) */
		r = found_with_sandbox ? 1 : 0;
		goto out;
	}
	{
		struct pe_scan_filter f = { .ids = sbids, .nids = nsb };
		struct kubelet_names none = { NULL,
					      0 }; /* sandboxes never log */
		struct pe_scan_report sbrep;

		if (node_scan(hr, &f, &none, &sandboxes, &sbrep, err) < 0 ||
		    list_append(l, &sandboxes) < 0) {
			r = err->kind ? -1
				      : pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
						     "merging");
			goto out;
		}
		r = 1;
	}
out:
	pe_list_free(&sandboxes);
	free(sbids);
	free(ids);
	free(names);
	if (r == 0) {
		/* not usable: the caller starts over with a full scan */
		pe_list_free(l);
	}
	return r;
}

/*
 * The pods a pod target names: the node's records scanned into l, and one
 * representative record of each matching pod in *pods (pointers into l,
 * sorted as l). A pattern that names one pod exactly means only that pod.
 * None: a NOT_FOUND error that says where podenter looked.
 */
static int
matching_pods(const struct pe_hostroot *hr, const struct pe_target *t,
	      const struct pe_resolve_opts *o, struct pe_container_list *l,
	      struct pe_container ***pods, size_t *npods, struct pe_error *err)
{
	struct pe_scan_report rep;
	struct pe_scan_filter f = { 0 };
	char literal[254];
	bool exact = false;

	*pods = NULL;
	*npods = 0;
	literal_of(t->pod, literal, sizeof(literal));
	f.literal = literal;
	switch (scan_pod_by_kubelet_index(hr, t, literal, l, &rep, err)) {
	case -1:
		return -1;
	case 1:
		/* a container kubelet never logged for (created, not started;
		 * or not made by kubelet) is only in the runtime's files */
		if (!o->container || list_has_container(l, o->container))
			break;
		pe_list_free(l);
		/* fall through */
	case 0:
		if (pe_node_scan(hr, &f, l, &rep, err) < 0)
			return -1;
		break;
	}
	pe_list_sort(l);
	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];

		if (!same_str(c->namespace, t->namespace) ||
		    !pe_pod_name_matches(t->pod, t->pod_is_glob, c->pod))
			continue;
		exact |= strcmp(c->pod, t->pod) == 0;
	}
	*pods = calloc(l->len ? l->len : 1, sizeof(**pods));
	if (!*pods)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "listing pods");
	for (size_t i = 0; i < l->len; i++) {
		struct pe_container *c = &l->items[i];
		bool seen = false;

		if (!same_str(c->namespace, t->namespace) ||
		    !pe_pod_name_matches(t->pod, t->pod_is_glob, c->pod) ||
		    (exact && strcmp(c->pod, t->pod) != 0))
			continue;
		for (size_t j = 0; j < *npods && !seen; j++)
			seen = same_pod((*pods)[j], c);
		if (!seen)
			(*pods)[(*npods)++] = c;
	}
	if (*npods > 0)
		return 0;
	if (l->len == 0 && rep.sources_found == 0 && !rep.used_proc_scan) {
		bool any = false;

		for (unsigned i = 0; i < rep.ntried; i++)
			any |= rep.tried_exists[i];
		if (!any)
			return explain_no_runtime(hr, &rep, err);
	}
	return explain_pod_not_found(hr, t, l, &rep, err);
}

static int resolve_pod(const struct pe_hostroot *hr, const struct pe_target *t,
		       const struct pe_resolve_opts *o,
		       struct pe_container *out, struct pe_resolve_note *note,
		       struct pe_error *err)
{
	struct pe_container_list l = { 0 };
	struct pe_container **pods = NULL;
	struct pe_container *chosen;
	size_t npods = 0;
	int r = -1;

	if (matching_pods(hr, t, o, &l, &pods, &npods, err) < 0)
		goto out;
	if (npods > 1 && !o->any) {
		size_t shown = npods < 64 ? npods : 64;

		pe_error_set(err, PE_ERR_AMBIGUOUS, 0,
			     "'%s' matches %zu pods in namespace '%s'", t->pod,
			     npods, t->namespace);
		for (size_t j = 0; j < shown; j++)
			pe_error_hint(err, "  %s/%s", pods[j]->namespace,
				      pods[j]->pod);
		pe_error_hint(err, "name one, pass --any to take the first, "
				   "or --each to run in every one");
		goto out;
	}
	note->matched_pods = (unsigned)npods;
	chosen = choose_container(hr, &l, pods[0], o, note, err);
	if (!chosen)
		goto out;
	r = copy_out(out, chosen, err);
out:
	free(pods);
	pe_list_free(&l);
	return r;
}

int pe_resolve_each(const struct pe_hostroot *hr, const struct pe_target *t,
		    const struct pe_resolve_opts *o, struct pe_resolved **out,
		    size_t *nout, struct pe_error *err)
{
	struct pe_resolve_opts defaults = { 0 };
	struct pe_container_list l = { 0 };
	struct pe_container **pods = NULL;
	struct pe_resolved *res = NULL;
	size_t npods = 0;
	int r = -1;

	*out = NULL;
	*nout = 0;
	if (!o)
		o = &defaults;
	if (t->kind != PE_TARGET_POD)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "--each needs a pod name or pattern, not "
				    "a PID, a container id or the node");
	if (matching_pods(hr, t, o, &l, &pods, &npods, err) < 0)
		goto out;
	res = calloc(npods, sizeof(*res));
	if (!res) {
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "listing pods");
		goto out;
	}
	for (size_t i = 0; i < npods; i++) {
		struct pe_resolved *p = &res[i];
		struct pe_container *chosen;

		snprintf(p->namespace, sizeof(p->namespace), "%s",
			 pods[i]->namespace ? pods[i]->namespace : "");
		snprintf(p->pod, sizeof(p->pod), "%s",
			 pods[i]->pod ? pods[i]->pod : "");
		pe_error_clear(&p->err);
		chosen =
		    choose_container(hr, &l, pods[i], o, &p->note, &p->err);
		p->ok = chosen && copy_out(&p->c, chosen, &p->err) == 0;
	}
	*out = res;
	*nout = npods;
	res = NULL;
	r = 0;
out:
	free(res);
	free(pods);
	pe_list_free(&l);
	return r;
}

void pe_resolved_free(struct pe_resolved *r, size_t n)
{
	for (size_t i = 0; r && i < n; i++)
		pe_container_clear(&r[i].c);
	free(r);
}

static bool list_has_id_prefix(const struct pe_container_list *l,
			       const char *prefix)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->items[i].container_id &&
		    strncmp(l->items[i].container_id, prefix, strlen(prefix)) ==
			0)
			return true;
	return false;
}

static int resolve_id(const struct pe_hostroot *hr, const struct pe_target *t,
		      bool allow_exited, struct pe_container *out,
		      struct pe_error *err)
{
	struct pe_container_list l = { 0 };
	struct pe_scan_filter f = { .id_prefix = t->id };
	struct pe_scan_report rep;
	struct pe_container *match = NULL;
	unsigned n = 0;
	int r = -1;

	if (pe_node_scan(hr, &f, &l, &rep, err) < 0)
		goto out;
	/* a container the runtime files do not know (another runtime, a
	 * runtime root we do not read): ask /proc, on this failing path only */
	if (!list_has_id_prefix(&l, t->id) && !rep.used_proc_scan &&
	    pe_scan_proc(hr, &l, &rep, err) < 0)
		goto out;
	for (size_t i = 0; i < l.len; i++) {
		struct pe_container *c = &l.items[i];

		if (!c->container_id ||
		    strncmp(c->container_id, t->id, strlen(t->id)) != 0)
			continue;
		pe_verify_pid(hr, c);
		if (!match || (c->pid_state == PE_PID_VERIFIED &&
			       match->pid_state != PE_PID_VERIFIED))
			match = c;
		n++;
	}
	if (n == 0) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "no container with an id starting with '%s'",
			     t->id);
		pe_error_hint(err, "run 'podenter list -A -o wide' to see ids");
		goto out;
	}
	if (n > 1) {
		pe_error_set(err, PE_ERR_AMBIGUOUS, 0,
			     "id prefix '%s' matches %u containers", t->id, n);
		for (size_t i = 0; i < l.len; i++)
			if (l.items[i].container_id &&
			    strncmp(l.items[i].container_id, t->id,
				    strlen(t->id)) == 0)
				pe_error_hint(
				    err, "  %.16s  %s/%s %s",
				    l.items[i].container_id,
				    l.items[i].namespace ? l.items[i].namespace
							 : "-",
				    l.items[i].pod ? l.items[i].pod : "-",
				    l.items[i].container ? l.items[i].container
							 : "");
		pe_error_hint(err, "give a longer prefix");
		goto out;
	}
	if (match->pid_state != PE_PID_VERIFIED && !allow_exited) {
		if (match->pid_state == PE_PID_UNKNOWN)
			pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				     "container %.12s is not running",
				     match->container_id);
		else
			stale_error(match, err);
		goto out;
	}
	r = copy_out(out, match, err);
out:
	pe_list_free(&l);
	return r;
}

static int resolve_pid(const struct pe_hostroot *hr, const struct pe_target *t,
		       struct pe_container *out, struct pe_error *err)
{
	struct pe_container_list l = { 0 };
	struct pe_cgroup_info info;
	int pfd = open_proc_pid(hr, t->pid), r = -1;
	char *cg = read_cgroup_at(pfd);

	if (!cg) {
		pe_error_set(err, PE_ERR_NOT_FOUND, errno,
			     "no process with PID %d", (int)t->pid);
		if (pfd >= 0)
			close(pfd);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->attempt = -1;
	if (pe_cgroup_parse_file(cg, &info) && info.container_id[0]) {
		struct pe_scan_filter f = { .id_prefix = info.container_id };
		struct pe_container *c;

		if (pe_node_scan(hr, &f, &l, NULL, err) < 0)
			goto out;
		c = pe_list_find_id(&l, info.container_id);
		if (c && pe_container_copy(out, c) < 0) {
			pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
				     "copying record");
			goto out;
		}
		if (!c) {
			if (pe_strdup_into(&out->container_id,
					   info.container_id) ||
			    (info.pod_uid[0] &&
			     pe_strdup_into(&out->pod_uid, info.pod_uid))) {
				pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					     "copying record");
				goto out;
			}
			out->runtime = info.runtime;
			out->source = PE_SRC_PROC_CGROUP;
		}
	}
	out->pid = t->pid;
	out->running = true;
	/* the cgroup read above, through the same /proc/PID */
	verify_with(hr, pfd, cg, out);
	if (out->pid_state != PE_PID_VERIFIED) {
		pe_error_set(err, PE_ERR_STALE, ESRCH, "process %d went away",
			     (int)t->pid);
		pe_container_clear(out);
		goto out;
	}
	r = 0;
out:
	close(pfd);
	free(cg);
	pe_list_free(&l);
	return r;
}

int pe_resolve_node(const struct pe_hostroot *hr, struct pe_container *out,
		    struct pe_error *err)
{
	memset(out, 0, sizeof(*out));
	out->attempt = -1;
	out->pid = 1;
	out->running = true;
	pe_verify_pid(hr, out);
	if (out->pid_state != PE_PID_VERIFIED)
		return pe_error_set(err, PE_ERR_NOT_FOUND, 0,
				    "cannot read PID 1 under host root %s "
				    "(is the node's /proc mounted there?)",
				    hr->path);
	return 0;
}

int pe_resolve(const struct pe_hostroot *hr, const struct pe_target *t,
	       const struct pe_resolve_opts *o, struct pe_container *out,
	       struct pe_resolve_note *note, struct pe_error *err)
{
	struct pe_resolve_opts defaults = { 0 };
	struct pe_resolve_note scratch;

	if (!o)
		o = &defaults;
	if (!note)
		note = &scratch;
	memset(note, 0, sizeof(*note));
	memset(out, 0, sizeof(*out));
	switch (t->kind) {
	case PE_TARGET_POD:
		return resolve_pod(hr, t, o, out, note, err);
	case PE_TARGET_ID:
		return resolve_id(hr, t, o->allow_exited, out, err);
	case PE_TARGET_PID:
		return resolve_pid(hr, t, out, err);
	case PE_TARGET_NODE:
		return pe_resolve_node(hr, out, err);
	}
	return pe_error_set(err, PE_ERR_USAGE, 0, "unknown target kind");
}

int pe_resolve_pods(const struct pe_hostroot *hr, const struct pe_target *t,
		    bool all_namespaces, struct pe_container_list *out,
		    struct pe_scan_report *report, struct pe_error *err)
{
	struct pe_container_list l = { 0 };
	struct pe_scan_filter f = { 0 };
	char literal[254] = "";

	if (t && t->pod[0]) {
		literal_of(t->pod, literal, sizeof(literal));
		f.literal = literal;
	}
	if (pe_node_scan(hr, &f, &l, report, err) < 0) {
		pe_list_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.len; i++) {
		struct pe_container *c = &l.items[i];
		struct pe_container *dst;

		if (!all_namespaces && t &&
		    !same_str(c->namespace, t->namespace))
			continue;
		if (t && t->pod[0] &&
		    !pe_pod_name_matches(t->pod, t->pod_is_glob, c->pod))
			continue;
		pe_verify_pid(hr, c);
		pe_note_paused(hr, c);
		dst = pe_list_add(out);
		if (!dst) {
			pe_list_free(&l);
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "listing");
		}
		*dst = *c; /* move: ownership of the strings passes to out */
		memset(c, 0, sizeof(*c));
	}
	pe_list_free(&l);
	pe_list_sort(out);
	return 0;
}

/*
 * podenter copy: the container to copy (running or not: -c, else the
 * pod's first app container by name; of its attempts the newest, a
 * running one first among equals) and the pod's running sandbox, whose
 * namespaces the copy joins. One pod only (--any: the first).
 */
int pe_resolve_for_copy(const struct pe_hostroot *hr, const struct pe_target *t,
			const char *container, bool any,
			struct pe_container *chosen,
			struct pe_container *sandbox, struct pe_error *err)
{
	struct pe_container_list l = { 0 };
	struct pe_container *pod = NULL, *best = NULL, *sb;
	struct pe_scan_report report;
	int rc = -1;

	memset(&report, 0, sizeof(report));
	if (t->kind != PE_TARGET_POD) {
		pe_error_set(err, PE_ERR_USAGE, 0,
			     "copy takes a pod: POD or NAMESPACE/POD");
		return -1;
	}
	if (pe_resolve_pods(hr, t, false, &l, &report, err) < 0)
		return -1;
	/* a pod named exactly so wins over prefix and glob matches */
	for (size_t i = 0; i < l.len && !pod; i++)
		if (l.items[i].pod && strcmp(l.items[i].pod, t->pod) == 0)
			pod = &l.items[i];
	for (size_t i = 0; i < l.len; i++) {
		struct pe_container *c = &l.items[i];

		if (!pod) {
			pod = c;
		} else if (!same_pod(c, pod) && !any &&
			   strcmp(pod->pod, t->pod) != 0) {
			pe_error_set(err, PE_ERR_AMBIGUOUS, 0,
				     "'%s' matches several pods (%s, %s)",
				     t->pod, pod->pod, c->pod);
			pe_error_hint(err, "name one, or take the first with "
					   "--any");
			goto out;
		}
	}
	if (!pod) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0, "no pod %s/%s",
			     t->namespace, t->pod);
		goto out;
	}
	for (size_t i = 0; i < l.len; i++) {
		struct pe_container *c = &l.items[i];
		bool running = c->pid_state == PE_PID_VERIFIED;

		if (c->is_sandbox || !c->container || !same_pod(c, pod) ||
		    (container && strcmp(c->container, container) != 0))
			continue;
		/* of one container's attempts: a running one (the newest by
		 * definition), else the highest attempt */
		if (!best ||
		    (!container && strcmp(c->container, best->container) < 0))
			best = c;
		else if (strcmp(c->container, best->container) == 0 &&
			 best->pid_state != PE_PID_VERIFIED &&
			 (running || c->attempt > best->attempt))
			best = c;
	}
	if (!best) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     container ? "pod %s/%s has no container '%s'"
				       : "pod %s/%s has no app container%s",
			     pod->namespace, pod->pod,
			     container ? container : "");
		list_containers(err, &l, pod);
		goto out;
	}
	if (!best->container_id) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "the node's files do not name the id of "
			     "container '%s' of pod %s/%s",
			     best->container, pod->namespace, pod->pod);
		goto out;
	}
	sb = sandbox ? pod_sandbox(hr, &l, pod) : NULL;
	if (sandbox && (!sb || sb->pid_state != PE_PID_VERIFIED)) {
		pe_error_set(err, PE_ERR_NOT_FOUND, 0,
			     "the sandbox of pod %s/%s is not running",
			     pod->namespace, pod->pod);
		pe_error_hint(err, "a copy joins the pod's network, IPC and "
				   "UTS namespaces, which the sandbox holds");
		goto out;
	}
	if (pe_container_copy(chosen, best) < 0 ||
	    (sandbox && pe_container_copy(sandbox, sb) < 0)) {
		pe_container_clear(chosen);
		pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "resolving");
		goto out;
	}
	rc = 0;
out:
	pe_list_free(&l);
	return rc;
}
