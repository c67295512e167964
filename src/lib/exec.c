/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The last steps before exec, done in the child that already lives in the
 * target's namespaces. Everything here assumes a hostile target: its
 * environment is never trusted by default, the cwd is checked after the
 * chdir, and no fd survives to the command.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "podenter/exec.h"
#include "podenter/hostroot.h"
#include "syscalls.h"

#define ENVIRON_MAX (1024 * 1024)

void pe_env_free(struct pe_env *e)
{
	for (size_t i = 0; i < e->len; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static size_t key_len(const char *kv)
{
	const char *eq = strchr(kv, '=');

	return eq ? (size_t)(eq - kv) : 0;
}

int pe_env_put(struct pe_env *e, const char *kv, struct pe_error *err)
{
	size_t klen = key_len(kv);
	char *copy;

	if (klen == 0)
		return pe_error_set(err, PE_ERR_USAGE, 0,
				    "environment setting '%s' is not KEY=VALUE",
				    kv);
	copy = strdup(kv);
	if (!copy)
		return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM, "environment");
	for (size_t i = 0; i < e->len; i++) {
		if (key_len(e->v[i]) == klen &&
		    strncmp(e->v[i], kv, klen) == 0) {
			free(e->v[i]);
			e->v[i] = copy;
			return 0;
		}
	}
	if (e->len + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **v = realloc(e->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return pe_error_set(err, PE_ERR_SYSTEM, ENOMEM,
					    "environment");
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->len++] = copy;
	e->v[e->len] = NULL;
	return 0;
}

int pe_env_set(struct pe_env *e, const char *key, const char *value,
	       struct pe_error *err)
{
	char buf[8192];

	if ((size_t)snprintf(buf, sizeof(buf), "%s=%s", key, value) >=
	    sizeof(buf))
		return pe_error_set(err, PE_ERR_USAGE, E2BIG,
				    "environment value of %s is too long", key);
	return pe_env_put(e, buf, err);
}

const char *pe_env_get(const struct pe_env *e, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < e->len; i++)
		if (key_len(e->v[i]) == klen &&
		    strncmp(e->v[i], key, klen) == 0)
			return e->v[i] + klen + 1;
	return NULL;
}

int pe_env_from_allowlist(struct pe_env *e, const char *hostname,
			  const char *home, struct pe_error *err)
{
	static const char *const from_caller[] = { "TERM", "LANG" };

	if (pe_env_set(e, "PATH", PE_DEFAULT_PATH, err) < 0 ||
	    pe_env_set(e, "HOME", home ? home : "/root", err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(from_caller) / sizeof(from_caller[0]);
	     i++) {
		const char *v = getenv(from_caller[i]);

		if (v && pe_env_set(e, from_caller[i], v, err) < 0)
			return -1;
	}
	if (hostname && *hostname &&
	    pe_env_set(e, "HOSTNAME", hostname, err) < 0)
		return -1;
	return 0;
}

int pe_env_add_target(struct pe_env *e, int procfd, struct pe_error *err)
{
	char *buf = NULL;
	ssize_t n;

	n = pe_read_file_at(procfd, "environ", ENVIRON_MAX, &buf);
	if (n < 0)
		return pe_error_errno(err, "reading the target's environment");
	for (char *p = buf; p < buf + n; p += strlen(p) + 1) {
		/* entries without '=' are not settings; skip them */
		if (key_len(p) == 0)
			continue;
		if (pe_env_put(e, p, err) < 0) {
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out >= (unsigned long)UINT32_MAX)
		return -1;
	return 0;
}

int pe_identity_parse(const char *spec, struct pe_identity *id,
		      struct pe_error *err)
{
	char buf[64], *colon;
	unsigned long uid, gid;

	memset(id, 0, sizeof(*id));
	if (strlen(spec) >= sizeof(buf))
		goto bad;
	strcpy(buf, spec);
	colon = strchr(buf, ':');
	if (colon)
		*colon = '\0';
	if (parse_id(buf, &uid) < 0)
		goto bad;
	gid = uid;
	if (colon && parse_id(colon + 1, &gid) < 0)
		goto bad;
	id->uid = (uid_t)uid;
	id->gid = (gid_t)gid;
	return 0;
bad:
	pe_error_set(err, PE_ERR_USAGE, 0,
		     "--user '%s': expected 'target', UID or UID:GID", spec);
	pe_error_hint(err, "to join the user namespace, use -U/--userns");
	return -1;
}

/* The second number of a "Uid:"/"Gid:" line of /proc/PID/status. */
static int status_effective(const char *status, const char *key,
			    unsigned long *out)
{
	const char *p = strstr(status, key);

	if (!p || sscanf(p + strlen(key), "%*u %lu", out) != 1)
		return -1;
	return 0;
}

int pe_identity_of_target(int procfd, struct pe_identity *id,
			  struct pe_error *err)
{
	unsigned long uid, gid;
	char *status = NULL, *p;

	memset(id, 0, sizeof(*id));
	if (pe_read_file_at(procfd, "status", 65536, &status) < 0)
		return pe_error_errno(err, "reading the target's status");
	if (status_effective(status, "\nUid:", &uid) < 0 ||
	    status_effective(status, "\nGid:", &gid) < 0) {
		free(status);
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "no Uid/Gid in the target's status");
	}
	id->uid = (uid_t)uid;
	id->gid = (gid_t)gid;
	p = strstr(status, "\nGroups:");
	if (p) {
		p += strlen("\nGroups:");
		while (*p && *p != '\n' && id->ngroups < 64) {
			char *end;
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			id->groups[id->ngroups++] = (gid_t)g;
			p = end;
		}
	}
	free(status);
	return 0;
}

int pe_identity_apply(const struct pe_identity *id, struct pe_error *err)
{
	if (setgroups(id->ngroups, id->ngroups ? id->groups : NULL) < 0)
		return pe_error_errno(err, "setting supplementary groups");
	if (setgid(id->gid) < 0)
		return pe_error_errno(err, "setting gid %u", (unsigned)id->gid);
	if (setuid(id->uid) < 0)
		return pe_error_errno(err, "setting uid %u", (unsigned)id->uid);
	if (getuid() != id->uid || geteuid() != id->uid ||
	    getgid() != id->gid || getegid() != id->gid)
		return pe_error_set(err, PE_ERR_SYSTEM, EPERM,
				    "the uid/gid change did not take effect");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return pe_error_errno(err, "making the process non-dumpable");
	return 0;
}

int pe_target_cwd(int procfd, char *buf, size_t size, struct pe_error *err)
{
	ssize_t n = readlinkat(procfd, "cwd", buf, size - 1);

	if (n < 0)
		return pe_error_errno(err,
				      "reading the target's working directory");
	buf[n] = '\0';
	if (buf[0] != '/')
		return pe_error_set(
		    err, PE_ERR_STALE, 0,
		    "the target's working directory '%s' is not "
		    "reachable from its root",
		    buf);
	return 0;
}

int pe_chdir_checked(const char *dir, struct pe_error *err)
{
	char cwd[PATH_MAX];

	if (chdir(dir) < 0)
		return pe_error_errno(err, "changing directory to %s", dir);
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return pe_error_set(err, PE_ERR_SYSTEM, EACCES,
				    "working directory %s is outside the "
				    "target's root",
				    dir);
	return 0;
}

int pe_close_fds_from(unsigned int first)
{
	DIR *d;
	struct dirent *de;

	if (pe_sys_close_range(first, ~0U, 0) == 0)
		return 0;
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name || fd < (long)first ||
		    fd == dirfd(d))
			continue;
		close((int)fd);
	}
	closedir(d);
	return 0;
}

static const char *env_path(char *const envp[])
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (strncmp(envp[i], "PATH=", 5) == 0)
			return envp[i] + 5;
	return PE_DEFAULT_PATH;
}

int pe_exec_command(char *const argv[], char *const envp[],
		    struct pe_error *err)
{
	const char *file = argv[0], *path, *p;
	int saved = ENOENT;
	char full[PATH_MAX];

	if (!file || !*file)
		return pe_error_set(err, PE_ERR_USAGE, 0, "empty command");
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		saved = errno;
		goto failed;
	}
	path = env_path(envp);
	for (p = path;; p++) {
		const char *end = strchrnul(p, ':');
		size_t dlen = (size_t)(end - p);

		/* an empty PATH element means the current directory */
		if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)dlen,
				     p, dlen ? "/" : "", file) < sizeof(full)) {
			execve(full, argv, envp);
			/* as execvp: remember that something was there */
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		if (!*end)
			break;
		p = end;
	}
failed:
	errno = saved;
	if (saved == ENOENT || saved == ENOTDIR)
		return pe_error_set(err, PE_ERR_NOT_FOUND, saved, "%s", file);
	return pe_error_set(err, PE_ERR_SYSTEM, saved, "cannot run %s", file);
}
