/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fallback when no runtime left state we can read: every process's
 * cgroup names its container. This costs O(processes), so resolve.c runs it
 * only when the runtime sources found nothing. A container's init is taken
 * to be its oldest process (lowest start time), which is what pid 1 of the
 * container is; CRI-O's conmon scope is not the container.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "podenter/cgroup.h"
#include "runtime/sources.h"

unsigned long long pe_proc_stat_at(int procfd, const char *pid, char *state)
{
	char path[64], *buf = NULL, *p;
	unsigned long long v = 0;
	int field = 2;

	if (state)
		*state = '?';
	snprintf(path, sizeof(path), "%s/stat", pid);
	if (pe_read_file_at(procfd, path, 4096, &buf) < 0)
		return 0;
	/* comm may hold spaces and ')': start after the last ')' */
	p = strrchr(buf, ')');
	if (p && p[1] == ' ' && state)
		*state = p[2];
	while (p && *p) {
		if (*p == ' ') {
			field++;
			if (field == 22) {
				v = strtoull(p + 1, NULL, 10);
				break;
			}
		}
		p++;
	}
	free(buf);
	return v;
}

unsigned long long pe_proc_start_time_at(int procfd, const char *pid)
{
	return pe_proc_stat_at(procfd, pid, NULL);
}

int pe_scan_proc(const struct pe_hostroot *hr, struct pe_container_list *out,
		 struct pe_scan_report *report, struct pe_error *err)
{
	int pfd = pe_host_opendir_fd(hr, "/proc");
	size_t before = out->len;
	struct dirent *de;
	DIR *d;

	pe_report_tried(report, "/proc/*/cgroup", pfd >= 0);
	if (pfd < 0)
		return 0;
	d = fdopendir(pfd);
	if (!d) {
		close(pfd);
		return 0;
	}
	if (report)
		report->used_proc_scan = true;
	while ((de = readdir(d)) != NULL) {
		struct pe_cgroup_info info;
		struct pe_container *c;
		unsigned long long st;
		char path[64], *buf = NULL;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/cgroup", de->d_name);
		if (pe_read_file_at(dirfd(d), path, 65536, &buf) < 0)
			continue;
		if (!pe_cgroup_parse_file(buf, &info) ||
		    !info.container_id[0] || info.is_conmon) {
			free(buf);
			continue;
		}
		free(buf);
		{
			char state;

			st = pe_proc_stat_at(dirfd(d), de->d_name, &state);
			if (state == 'Z' || state == 'X')
				continue; /* exited, not yet reaped */
		}
		c = pe_list_find_id(out, info.container_id);
		if (c) {
			if (c->source == PE_SRC_PROC_CGROUP && st &&
			    st < c->start_time) {
				c->pid = (pid_t)atoi(de->d_name);
				c->start_time = st;
			}
			continue;
		}
		c = pe_list_add(out);
		if (!c || pe_strdup_into(&c->container_id, info.container_id) ||
		    (info.pod_uid[0] &&
		     pe_strdup_into(&c->pod_uid, info.pod_uid))) {
			closedir(d);
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "scanning /proc");
		}
		c->runtime = info.runtime;
		c->source = PE_SRC_PROC_CGROUP;
		c->running = true;
		c->pid = (pid_t)atoi(de->d_name);
		c->start_time = st;
	}
	closedir(d);
	if (report && out->len > before)
		report->sources_found |= 1u << PE_SRC_PROC_CGROUP;
	return 0;
}
