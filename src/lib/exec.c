/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The last steps before exec, done in the child that already lives in the
 * target's namespaces. Everything here assumes a hostile target: its
 * environment is never trusted by default, the cwd is checked after the
 * chdir, and no fd survives to the command.
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "podenter/container.h"
#include "podenter/exec.h"
#include "podenter/hostroot.h"
#include "syscalls.h"

#define ENVIRON_MAX (1024 * 1024)
/* as the runtime scans read it */
#define CONFIG_JSON_MAX (4u << 20)

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

bool pe_env_is_setting(const char *kv)
{
	return key_len(kv) > 0;
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
	    (home && pe_env_set(e, "HOME", home, err) < 0))
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

/* What makes a node binary load or run a file the container chose: glibc's
 * own list of variables it drops for setuid programs (UNSECURE_ENVVARS),
 * the shells' start-up files and exported functions, and the interpreters'
 * module paths. Prefixes end in '_' or are whole names followed by '='. */
static const char *const node_unsafe_prefixes[] = { "LD_", "BASH_FUNC_",
						    "MALLOC_" };
static const char *const node_unsafe_names[] = {
	"GCONV_PATH",
	"GETCONF_DIR",
	"GLIBC_TUNABLES",
	"HOSTALIASES",
	"LOCALDOMAIN",
	"LOCPATH",
	"NIS_PATH",
	"NLSPATH",
	"RESOLV_HOST_CONF",
	"RES_OPTIONS",
	"TMPDIR",
	"TZDIR",
	"ENV",
	"BASH_ENV",
	"SHELLOPTS",
	"BASHOPTS",
	"PS4",
	"PROMPT_COMMAND",
	"IFS",
	"CDPATH",
	"PYTHONPATH",
	"PYTHONHOME",
	"PYTHONSTARTUP",
	"PYTHONUSERBASE",
	"PERL5LIB",
	"PERLLIB",
	"PERL5OPT",
	"RUBYLIB",
	"RUBYOPT",
	"NODE_OPTIONS",
	"NODE_PATH",
	"LUA_PATH",
	"LUA_CPATH",
	"LUA_INIT",
	"GIT_EXEC_PATH",
	"SSL_CERT_FILE",
	"OPENSSL_CONF",
	"OPENSSL_ENGINES",
	"TERMINFO",
	"TERMINFO_DIRS",
	"TERMCAP",
	"INPUTRC",
	"EDITOR",
	"VISUAL",
	"PAGER",
	"LESSOPEN",
	"LESSCLOSE",
	"MANPAGER",
};

bool pe_env_unsafe_for_node(const char *kv)
{
	size_t klen = strcspn(kv, "=");

	for (size_t i = 0;
	     i < sizeof(node_unsafe_prefixes) / sizeof(node_unsafe_prefixes[0]);
	     i++)
		if (strncmp(kv, node_unsafe_prefixes[i],
			    strlen(node_unsafe_prefixes[i])) == 0)
			return true;
	for (size_t i = 0;
	     i < sizeof(node_unsafe_names) / sizeof(node_unsafe_names[0]); i++)
		if (strlen(node_unsafe_names[i]) == klen &&
		    strncmp(kv, node_unsafe_names[i], klen) == 0)
			return true;
	return false;
}

/* Each setting of a parsed configuration, in order: OCI's process.env or
 * Docker's Config.Env; "KEY" alone, "=VALUE" and embedded NULs are no
 * settings. Stops at the first put() < 0. */
static int each_config_setting(struct json_object *cfg,
			       int (*put)(void *arg, const char *kv), void *arg)
{
	struct json_object *outer = NULL, *list = NULL;
	size_t n;

	if (json_object_object_get_ex(cfg, "process", &outer) &&
	    json_object_is_type(outer, json_type_object))
		json_object_object_get_ex(outer, "env", &list);
	else if (json_object_object_get_ex(cfg, "Config", &outer) &&
		 json_object_is_type(outer, json_type_object))
		json_object_object_get_ex(outer, "Env", &list);
	n = json_object_is_type(list, json_type_array)
		? json_object_array_length(list)
		: 0;
	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		const char *kv;

		if (!json_object_is_type(item, json_type_string))
			continue;
		kv = json_object_get_string(item);
		if (!pe_env_is_setting(kv) ||
		    strlen(kv) != (size_t)json_object_get_string_len(item))
			continue;
		if (put(arg, kv) < 0)
			return -1;
	}
	return 0;
}

struct env_put {
	struct pe_env *e;
	struct pe_error *err;
};

static int put_into_env(void *arg, const char *kv)
{
	struct env_put *p = arg;

	return pe_env_put(p->e, kv, p->err);
}

int pe_env_from_config_json(struct pe_env *e, const char *json,
			    struct pe_error *err)
{
	struct json_object *cfg = json_tokener_parse(json);
	struct env_put p = { e, err };
	int rc;

	if (!cfg || !json_object_is_type(cfg, json_type_object)) {
		json_object_put(cfg);
		return pe_error_set(err, PE_ERR_PARSE, 0,
				    "the container's configuration is not a "
				    "JSON object");
	}
	rc = each_config_setting(cfg, put_into_env, &p);
	json_object_put(cfg);
	return rc;
}

struct str_list {
	char **v;
	size_t len;
};

static int put_into_list(void *arg, const char *kv)
{
	struct str_list *l = arg;
	char **bigger = realloc(l->v, (l->len + 2) * sizeof(*bigger));

	if (!bigger)
		return -1;
	l->v = bigger;
	l->v[l->len] = strdup(kv);
	if (!l->v[l->len])
		return -1;
	l->v[++l->len] = NULL;
	return 0;
}

void pe_config_env_free(char **list)
{
	for (size_t i = 0; list && list[i]; i++)
		free(list[i]);
	free(list);
}

int pe_config_env_strings(struct json_object *cfg, char ***out)
{
	struct str_list l = { calloc(1, sizeof(char *)), 0 };

	*out = NULL;
	if (!l.v || each_config_setting(cfg, put_into_list, &l) < 0) {
		pe_config_env_free(l.v);
		return -1;
	}
	*out = l.v;
	return 0;
}

int pe_env_load_configured(const struct pe_hostroot *hr,
			   const struct pe_container *c, struct pe_env *e,
			   struct pe_error *err)
{
	char path[PATH_MAX];
	char *buf = NULL;
	int rc;

	/* read with the record (the same file, parsed once) */
	if (c->config_env) {
		for (size_t i = 0; c->config_env[i]; i++)
			if (pe_env_put(e, c->config_env[i], err) < 0)
				return -1;
		return 1;
	}
	if (!c->bundle || !c->bundle[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", c->bundle,
		 c->source == PE_SRC_DOCKER_CONFIG ? "config.v2.json"
						   : "config.json");
	if (pe_host_read_file(hr, path, CONFIG_JSON_MAX, &buf) < 0)
		return 0;
	rc = pe_env_from_config_json(e, buf, err);
	free(buf);
	if (rc < 0 && err->kind == PE_ERR_PARSE)
		return 0; /* a bundle being rewritten: keep the defaults */
	return rc < 0 ? -1 : 1;
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

/* ELF program headers, read from a buffer in native byte order; class is
 * ELFCLASS32 or ELFCLASS64. Returns 1 with the PT_INTERP path. */
#define ELF_INTERP(Ehdr, Phdr)                                                 \
	do {                                                                   \
		Ehdr eh;                                                       \
		if (len < sizeof(eh))                                          \
			return 0;                                              \
		memcpy(&eh, head, sizeof(eh));                                 \
		if (eh.e_phentsize < sizeof(Phdr))                             \
			return 0;                                              \
		for (size_t i = 0; i < eh.e_phnum; i++) {                      \
			uint64_t off = (uint64_t)eh.e_phoff +                  \
				       (uint64_t)i * eh.e_phentsize;           \
			Phdr ph;                                               \
			if (off > len || len - off < sizeof(ph))               \
				return 0;                                      \
			memcpy(&ph, head + off, sizeof(ph));                   \
			if (ph.p_type != PT_INTERP)                            \
				continue;                                      \
			if (ph.p_filesz == 0 || ph.p_offset > len ||           \
			    ph.p_filesz > len - ph.p_offset)                   \
				return 0;                                      \
			n = strnlen((const char *)head + ph.p_offset,          \
				    (size_t)ph.p_filesz);                      \
			if (n == 0 || n >= size)                               \
				return 0;                                      \
			memcpy(out, head + ph.p_offset, n);                    \
			out[n] = '\0';                                         \
			*kind = "ELF";                                         \
			return 1;                                              \
		}                                                              \
		return 0;                                                      \
	} while (0)

int pe_exec_interpreter(const unsigned char *head, size_t len, char *out,
			size_t size, const char **kind)
{
	size_t n;

	*kind = NULL;
	if (!head || size == 0)
		return 0;
	if (len >= 2 && head[0] == '#' && head[1] == '!') {
		/* as binfmt_script: blanks, then the path up to a blank */
		size_t i = 2, start;

		while (i < len && (head[i] == ' ' || head[i] == '\t'))
			i++;
		start = i;
		while (i < len && head[i] != ' ' && head[i] != '\t' &&
		       head[i] != '\n' && head[i] != '\0')
			i++;
		n = i - start;
		if (n == 0 || n >= size)
			return 0;
		memcpy(out, head + start, n);
		out[n] = '\0';
		*kind = "script";
		return 1;
	}
	if (len < EI_NIDENT || memcmp(head, ELFMAG, SELFMAG) != 0)
		return 0;
#if __BYTE_ORDER == __LITTLE_ENDIAN
	if (head[EI_DATA] != ELFDATA2LSB)
		return 0;
#else
	if (head[EI_DATA] != ELFDATA2MSB)
		return 0;
#endif
	if (head[EI_CLASS] == ELFCLASS64)
		ELF_INTERP(Elf64_Ehdr, Elf64_Phdr);
	if (head[EI_CLASS] == ELFCLASS32)
		ELF_INTERP(Elf32_Ehdr, Elf32_Phdr);
	return 0;
}

void pe_exec_explain(const char *path, int errnum, const unsigned char *head,
		     size_t len, const struct stat *st, bool noexec,
		     bool interp_exists, char *msg, size_t size)
{
	char interp[PATH_MAX];
	const char *kind = NULL;
	bool has_interp =
	    pe_exec_interpreter(head, len, interp, sizeof(interp), &kind) == 1;
	bool is_elf = head && len >= SELFMAG && !memcmp(head, ELFMAG, SELFMAG);

	if (st && S_ISDIR(st->st_mode)) {
		snprintf(msg, size, "cannot run %s: it is a directory", path);
	} else if (st && !S_ISREG(st->st_mode)) {
		snprintf(msg, size, "cannot run %s: not a regular file", path);
	} else if (errnum == ENOENT && has_interp && !interp_exists) {
		if (strcmp(kind, "ELF") == 0)
			snprintf(msg, size,
				 "the ELF interpreter %s of %s is missing "
				 "(a binary built for another libc or "
				 "distribution?)",
				 interp, path);
		else
			snprintf(msg, size, "interpreter %s of %s not found",
				 interp, path);
	} else if (errnum == ENOENT && has_interp) {
		snprintf(msg, size,
			 "cannot run %s: its %s interpreter %s could not be "
			 "started (a library or loader it needs is missing)",
			 path, kind, interp);
	} else if (errnum == ENOENT) {
		snprintf(msg, size,
			 "cannot run %s: a file it needs (its interpreter or "
			 "dynamic loader) is missing",
			 path);
	} else if (errnum == EACCES && st && !(st->st_mode & 0111)) {
		snprintf(msg, size, "cannot run %s: not executable (mode %04o)",
			 path, (unsigned)(st->st_mode & 07777));
	} else if (errnum == EACCES && noexec) {
		snprintf(msg, size,
			 "cannot run %s: its file system is mounted noexec",
			 path);
	} else if (errnum == EACCES && has_interp && interp_exists) {
		snprintf(msg, size,
			 "cannot run %s: its %s interpreter %s is not "
			 "executable",
			 path, kind, interp);
	} else if (errnum == EACCES) {
		snprintf(msg, size,
			 "cannot run %s: permission denied (no execute "
			 "permission for this user, or a directory on the way "
			 "is not searchable)",
			 path);
	} else if (errnum == ENOEXEC && is_elf) {
		snprintf(msg, size,
			 "cannot run %s: an ELF binary this kernel does not "
			 "run (another architecture?)",
			 path);
	} else if (errnum == ENOEXEC) {
		snprintf(msg, size,
			 "cannot run %s: not an executable format (neither a "
			 "\"#!\" script nor an ELF binary)",
			 path);
	} else {
		snprintf(msg, size, "cannot run %s: %s", path,
			 strerror(errnum));
	}
}

/* After a failed execve of a file that is there: read what it is, as the
 * command's own user (this runs after the identity change), and say why. */
static int exec_failed(const char *path, int errnum, struct pe_error *err)
{
	unsigned char head[8192];
	char interp[PATH_MAX], msg[PE_ERROR_MSG_MAX];
	const char *kind;
	struct stat st;
	struct statvfs vfs;
	bool have_st = stat(path, &st) == 0, interp_exists = false;
	ssize_t len = -1;

	if (have_st && S_ISREG(st.st_mode)) {
		/* non-blocking, no controlling tty: nothing but reading */
		int fd =
		    open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd >= 0) {
			len = read(fd, head, sizeof(head));
			close(fd);
		}
	}
	if (len > 0 && pe_exec_interpreter(head, (size_t)len, interp,
					   sizeof(interp), &kind) == 1)
		interp_exists = access(interp, F_OK) == 0;
	pe_exec_explain(path, errnum, len > 0 ? head : NULL,
			len > 0 ? (size_t)len : 0, have_st ? &st : NULL,
			statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC),
			interp_exists, msg, sizeof(msg));
	return pe_error_set(err, PE_ERR_SYSTEM, errnum, "%s", msg);
}

int pe_exec_command(char *const argv[], char *const envp[],
		    struct pe_error *err)
{
	const char *file = argv[0], *path, *p;
	int saved = ENOENT;
	/* not initialised whole: zeroing 4 KiB touches a page, a page
	 * fault in the command's process right before its exec */
	char full[PATH_MAX], failed[PATH_MAX];

	failed[0] = '\0';
	if (!file || !*file)
		return pe_error_set(err, PE_ERR_USAGE, 0, "empty command");
	if (strchr(file, '/')) {
		execve(file, argv, envp);
		saved = errno;
		/* ENOENT for a file that is there: its interpreter is not */
		if (saved != ENOENT || access(file, F_OK) == 0)
			snprintf(failed, sizeof(failed), "%s", file);
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
			/* as execvp: remember the first thing that was there
			 * (a missing interpreter also reads ENOENT) */
			if (!failed[0] &&
			    ((errno != ENOENT && errno != ENOTDIR) ||
			     (errno == ENOENT && access(full, F_OK) == 0))) {
				saved = errno;
				snprintf(failed, sizeof(failed), "%s", full);
			}
		}
		if (!*end)
			break;
		p = end;
	}
failed:
	if (failed[0])
		return exec_failed(failed, saved, err);
	errno = saved;
	if (saved == ENOENT || saved == ENOTDIR)
		return pe_error_set(err, PE_ERR_NOT_FOUND, saved, "%s", file);
	return pe_error_set(err, PE_ERR_SYSTEM, saved, "cannot run %s", file);
}
