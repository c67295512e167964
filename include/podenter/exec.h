/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the entered process runs with: an environment built from an
 * allowlist, an identity (uid, gid, groups), a working directory that is
 * inside the target, no inherited fds, and a PATH search done inside the
 * new root.
 */
#ifndef PODENTER_EXEC_H
#define PODENTER_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "podenter/error.h"

#define PE_DEFAULT_PATH                                                        \
	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* A NULL-terminated KEY=VALUE vector; later settings replace earlier ones. */
struct pe_env {
	char **v;
	size_t len;
	size_t cap;
};

void pe_env_free(struct pe_env *e);
/* Set "KEY=VALUE" (a USAGE error when there is no '=' or the key is empty). */
int pe_env_put(struct pe_env *e, const char *kv, struct pe_error *err);
int pe_env_set(struct pe_env *e, const char *key, const char *value,
	       struct pe_error *err);
const char *pe_env_get(const struct pe_env *e, const char *key);

/*
 * The allowlist: PATH (a standard one: the caller's names host paths),
 * TERM and LANG from the caller's environment, HOME (unless NULL: then the
 * passwd file decides, pe_env_set_account in passwd.h), and HOSTNAME.
 */
int pe_env_from_allowlist(struct pe_env *e, const char *hostname,
			  const char *home, struct pe_error *err);

/* Add the target's environment (/proc/PID/environ through procfd). */
int pe_env_add_target(struct pe_env *e, int procfd, struct pe_error *err);

/*
 * A variable that must never reach a node binary (the tools, host tools)
 * from a container: it makes the loader, libc, a shell or an interpreter
 * load or run a file the container names (LD_*, GCONV_PATH, LOCPATH,
 * BASH_ENV, BASH_FUNC_*, PYTHONPATH, ...). kv is "KEY=VALUE" or "KEY".
 */
bool pe_env_unsafe_for_node(const char *kv);

/*
 * The container's configured environment: "process.env" of an OCI
 * config.json, or "Config.Env" of Docker's config.v2.json, as held in json.
 * Entries without '=' are skipped. A PARSE error when json is not such a
 * document; a missing list is an empty environment.
 */
int pe_env_from_config_json(struct pe_env *e, const char *json,
			    struct pe_error *err);

/* The same settings of a parsed configuration (a struct json_object *), as
 * a NULL-terminated list of copies: what a runtime reader keeps with the
 * record (pe_container.config_env), so the file is parsed once. 0, or -1
 * (ENOMEM). */
struct json_object;
int pe_config_env_strings(struct json_object *cfg, char ***out);
/* A configuration's entry that is a setting: "KEY=VALUE" (not "KEY"
 * alone, not "=VALUE"); what pe_config_env_strings keeps. */
bool pe_env_is_setting(const char *kv);
void pe_config_env_free(char **list);

struct pe_hostroot;
struct pe_container;
/*
 * The same, read from the container's bundle on the node (what the runtime
 * was told to start it with; never the process's own, mutable, environ).
 * Returns 1 when read, 0 when the record has no readable config (a PID
 * target, a record from kubelet's logs): the caller keeps its defaults.
 */
int pe_env_load_configured(const struct pe_hostroot *hr,
			   const struct pe_container *c, struct pe_env *e,
			   struct pe_error *err);

struct pe_identity {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	size_t ngroups;
};

/* The target's effective uid, gid and supplementary groups. */
int pe_identity_of_target(int procfd, struct pe_identity *id,
			  struct pe_error *err);
/* groups, gid, uid in that order, each checked to have happened, and the
 * process made non-dumpable again (a credential change resets it). */
int pe_identity_apply(const struct pe_identity *id, struct pe_error *err);

/* The target's working directory as its own root sees it. */
int pe_target_cwd(int procfd, char *buf, size_t size, struct pe_error *err);

/* chdir, then check getcwd() is absolute: reachable from the current root
 * (a leaked fd to a directory outside it reads "(unreachable)/..."). */
int pe_chdir_checked(const char *dir, struct pe_error *err);

/* Close every fd >= first: close_range(2), else a walk of /proc/self/fd. */
int pe_close_fds_from(unsigned int first);

/*
 * execve with a PATH search (PATH taken from envp, else PE_DEFAULT_PATH)
 * resolved in the current root. Returns only on failure: a NOT_FOUND error
 * when no such command exists (exit 127), SYSTEM otherwise (126), whose
 * message names the cause read from the file (pe_exec_diagnose).
 */
int pe_exec_command(char *const argv[], char *const envp[],
		    struct pe_error *err);

/*
 * Why execve(path) failed with errnum, in words: a missing "#!" interpreter
 * or ELF interpreter (dynamic loader), a file that is not executable, a
 * noexec mount, a format the kernel does not run. head holds the file's
 * first bytes (len of them, NULL when unreadable), st its stat (NULL when
 * unknown), noexec whether its file system is mounted noexec. Writes a
 * sentence to msg; a pure function (unit-tested, fuzzed).
 */
struct stat;
void pe_exec_explain(const char *path, int errnum, const unsigned char *head,
		     size_t len, const struct stat *st, bool noexec,
		     bool interp_exists, char *msg, size_t size);

/*
 * The interpreter a file asks for: the "#!" line's, or an ELF's PT_INTERP
 * (native byte order, 32- or 64-bit), from its first len bytes. Returns 1
 * with the path in out (kind "script" or "ELF"), 0 when it names none.
 */
int pe_exec_interpreter(const unsigned char *head, size_t len, char *out,
			size_t size, const char **kind);

#endif
