/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The node's sources of truth, one file each. Every source appends records
 * to the same list and notes what it examined in the report. A source that
 * finds nothing is not an error; a source fails only on allocation failure.
 */
#ifndef PODENTER_RUNTIME_SOURCES_H
#define PODENTER_RUNTIME_SOURCES_H

#include "podenter/resolve.h"

int pe_scan_containerd(const struct pe_hostroot *hr,
		       const struct pe_scan_filter *f,
		       struct pe_container_list *out,
		       struct pe_scan_report *report, struct pe_error *err);
/* CRI-O and podman (podman.c reads libpod-made records). */
int pe_scan_crio(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		 struct pe_container_list *out, struct pe_scan_report *report,
		 struct pe_error *err);
/* Docker: after pe_scan_containerd, whose moby tasks name moved data
 * roots. Plain containers are listed in the namespace "docker". */
#define PE_DOCKER_NAMESPACE "docker"
int pe_scan_docker(const struct pe_hostroot *hr, const struct pe_scan_filter *f,
		   struct pe_container_list *out, struct pe_scan_report *report,
		   struct pe_error *err);
/* The attempt in a cri-dockerd name "k8s_<ctr>_<pod>_<ns>_<uid>_<attempt>",
 * -1 for any other name. */
int pe_docker_attempt_of_name(const char *name);
/* Kubelet's logs fill names for records that lack them, and add records
 * (without PID) for containers no runtime source knew. */
int pe_scan_kubelet_logs(const struct pe_hostroot *hr,
			 const struct pe_scan_filter *f,
			 struct pe_container_list *out,
			 struct pe_scan_report *report, struct pe_error *err);
/* The fallback: every /proc/PID/cgroup under the host root. */
int pe_scan_proc(const struct pe_hostroot *hr, struct pe_container_list *out,
		 struct pe_scan_report *report, struct pe_error *err);

/* Split a /var/log/containers name "<pod>_<ns>_<container>-<id>.log".
 * Names cannot hold '_', and the id is the part after the last '-'. */
struct pe_kubelet_log_name {
	char pod[254];
	char namespace[64];
	char container[64];
	char id[129];
};
bool pe_kubelet_parse_log_name(const char *name,
			       struct pe_kubelet_log_name *out);
/* Every parseable name in /var/log/containers (malloc'd array, *n entries).
 * A directory listing, no file opened: the cheap index from pod to ids. */
int pe_kubelet_log_names(const struct pe_hostroot *hr,
			 struct pe_kubelet_log_name **out, size_t *n);
/* Merge names already listed (pe_kubelet_log_names) into the records, as
 * pe_scan_kubelet_logs does, without listing the directory again. */
int pe_kubelet_merge_names(const struct pe_hostroot *hr,
			   const struct pe_kubelet_log_name *names, size_t n,
			   const struct pe_scan_filter *f,
			   struct pe_container_list *out, struct pe_error *err);
/* Split a /var/log/pods directory "<ns>_<pod>_<uid>". */
bool pe_kubelet_parse_pod_dir(const char *name, char *ns, size_t nssz,
			      char *pod, size_t podsz, char *uid, size_t uidsz);

/* Fill c from a config.json held in buf, through the same readers the scans
 * use. Returns -1 when buf is not JSON or on allocation failure. */
int pe_containerd_record_from_json(const char *buf, struct pe_container *c);
/* The same through pe_oci_pick alone (what a scan tries first): 1 read,
 * 0 when the picker is unsure (the scan then uses json-c, as above), -1
 * on allocation failure. */
int pe_containerd_record_pick(const char *buf, struct pe_container *c);

/*
 * The strings a node scan reads from an OCI config.json, picked out in one
 * pass without building the document (ocipick.c): the annotations named in
 * ann_keys (each value, or NULL when absent or not a string), the last
 * linux.cgroupsPath, and process.env's settings as pe_config_env_strings
 * keeps them. Returns 1 when read; 0 when the document is not in the
 * strict shape it reads (the caller parses it with json-c: the two never
 * disagree), -1 on allocation failure; the out fields are then empty.
 */
struct pe_oci_pick {
	const char *const *ann_keys; /* in */
	size_t n_ann; /* in */
	char **ann; /* out: n_ann values */
	char *cgroups_path; /* out */
	char **env; /* out: NULL-terminated "KEY=VALUE"s */
	size_t n_env;
};
int pe_oci_pick(const char *json, struct pe_oci_pick *p);
void pe_oci_pick_clear(struct pe_oci_pick *p);
int pe_crio_record_from_json(const char *buf, struct pe_container *c);

/* Shared by the OCI-config readers (containerd, CRI-O, podman). */
struct json_object;
void pe_report_tried(struct pe_scan_report *report, const char *path,
		     bool exists);
/* The cheap test on a directory name, before any file is opened: never
 * one that is not a single path component ("..", "a/b"). */
bool pe_filter_wants_id(const struct pe_scan_filter *f, const char *id);
bool pe_file_may_match(const char *buf, const struct pe_scan_filter *f,
		       const char *id);
const char *pe_json_str(struct json_object *obj, const char *key);
/* Read a PID from a pidfile under a directory fd; 0 when absent/invalid. */
pid_t pe_read_pidfile_at(int dirfd, const char *name);
/* Field 22 of /proc/<pid>/stat under an open /proc dir fd; 0 if unreadable. */
unsigned long long pe_proc_start_time_at(int procfd, const char *pid);
/* The same, and field 3 (R, S, D, Z, X...) into *state ('?' if unreadable). */
unsigned long long pe_proc_stat_at(int procfd, const char *pid, char *state);
/* Take a copy of s (NULL stays NULL); on allocation failure returns -1. */
int pe_strdup_into(char **dst, const char *s);

#endif
