/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who the session's command is, as the files it sees say: the passwd and
 * group files of a root podenter does not trust (a container's). The parsers
 * work on buffers (unit-tested, fuzzed); the resolver reads the files beneath
 * a root fd, never following a link out of it, regular files only, capped.
 *
 * The rules are runc's (libcontainer/user, GetExecUser), which is what
 * `kubectl exec` and `docker exec` users know:
 *   --user NAME      uid, gid and home of NAME's passwd entry (an error when
 *                    there is none);
 *   --user UID       that uid; the gid and home of its entry if it has one,
 *                    else gid 0 and home "/" ("/root" for uid 0);
 *   ...:GROUP|GID    that group instead (a name must be in the group file);
 *   supplementary    every group file entry listing the user by name, unless
 *                    a group was given; then each --group-add GROUP|GID.
 */
#ifndef PODENTER_PASSWD_H
#define PODENTER_PASSWD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "podenter/error.h"
#include "podenter/exec.h"

/* Larger passwd/group files are refused: a planted file must not make the
 * session allocate without bound. */
#define PE_ACCOUNT_FILE_MAX (4u << 20)
#define PE_ACCOUNT_NAME_MAX 256
#define PE_ACCOUNT_HOME_MAX 4096

struct pe_passwd_entry {
	char name[PE_ACCOUNT_NAME_MAX];
	uid_t uid;
	gid_t gid;
	char home[PE_ACCOUNT_HOME_MAX];
};

/*
 * Find the first well-formed line of a passwd file (buf, len bytes, need not
 * be NUL-terminated) whose name is name, or, with name NULL, whose uid is
 * uid. Returns 1 and fills out when found, 0 when not. Malformed lines
 * (fields missing, ids not decimal, names too long) are skipped.
 */
int pe_passwd_lookup(const char *buf, size_t len, const char *name, uid_t uid,
		     struct pe_passwd_entry *out);

/* The same in a group file: the gid of the group named name (or, with name
 * NULL, check that gid exists). Returns 1 found, 0 not. */
int pe_group_lookup(const char *buf, size_t len, const char *name, gid_t gid,
		    gid_t *out);

/* Add (no duplicates, at most max in all) the gid of every group whose
 * member list holds user. Returns the new count. */
size_t pe_group_memberships(const char *buf, size_t len, const char *user,
			    gid_t *groups, size_t n, size_t max);

/* Check the form of a --user value: "target", NAME|UID[:GROUP|GID]. */
int pe_user_spec_check(const char *spec, struct pe_error *err);
/* Check the form of a --group-add value: GROUP or GID. */
int pe_group_spec_check(const char *spec, struct pe_error *err);

/* What the passwd file says about the session's user, for the
 * environment. */
struct pe_account {
	bool found; /* the uid has a passwd entry */
	char name[PE_ACCOUNT_NAME_MAX];
	char home[PE_ACCOUNT_HOME_MAX];
};

/*
 * Read etc/passwd or etc/group beneath rootfd (openat2 RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS, or the component walk without openat2): never
 * blocking on a FIFO, never opening a device, at most PE_ACCOUNT_FILE_MAX.
 * Returns the length (buffer NUL-terminated, malloc'd) or -1 + errno
 * (ENOENT when absent, EINVAL when not a regular file, EFBIG when too big).
 */
ssize_t pe_account_file_read(int rootfd, const char *rel, char **out);

/*
 * Resolve spec (NULL: root; never "target") and the --group-add values
 * against the files beneath rootfd, by the rules above. The session's own
 * choices never need the files to exist; a name does.
 */
int pe_identity_resolve(int rootfd, const char *spec,
			const char *const *group_add, size_t n_group_add,
			struct pe_identity *id, struct pe_account *acct,
			struct pe_error *err);

/* For an identity decided elsewhere (--user target): its account, and the
 * --group-add groups added to it. */
int pe_identity_complete(int rootfd, const char *const *group_add,
			 size_t n_group_add, struct pe_identity *id,
			 struct pe_account *acct, struct pe_error *err);

/*
 * HOME, USER and LOGNAME for the account unless the environment already has
 * them (the container's configured environment or -e): HOME is the entry's
 * home, else "/" ("/root" for uid 0); USER and LOGNAME its name, when the
 * uid has an entry.
 */
int pe_env_set_account(struct pe_env *e, uid_t uid,
		       const struct pe_account *acct, struct pe_error *err);

#endif
