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
 * TERM and LANG from the caller's environment, HOME, and HOSTNAME.
 */
int pe_env_from_allowlist(struct pe_env *e, const char *hostname,
			  const char *home, struct pe_error *err);

/* Add the target's environment (/proc/PID/environ through procfd). */
int pe_env_add_target(struct pe_env *e, int procfd, struct pe_error *err);

struct pe_identity {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	size_t ngroups;
};

/* "UID[:GID]" (numbers; the gid defaults to the uid). */
int pe_identity_parse(const char *spec, struct pe_identity *id,
		      struct pe_error *err);
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
 * when no such command exists (exit 127), SYSTEM otherwise (126).
 */
int pe_exec_command(char *const argv[], char *const envp[],
		    struct pe_error *err);

#endif
