/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * passwd(5) and group(5) of a container podenter enters, parsed without
 * trusting them: every line may be malformed, every field too long, the
 * file itself a link, a FIFO, a device or gigabytes. The parsers never read
 * past the buffer and skip what they do not understand, as runc does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "podenter/hostroot.h"
#include "podenter/passwd.h"

/* passwd has 7 fields, group 4; more are tolerated, fewer are not */
#define FIELDS_MAX 7

struct fields {
	const char *p[FIELDS_MAX];
	size_t len[FIELDS_MAX];
	size_t n;
};

/* Split one line (no '\n' inside) at ':'. */
static void split_line(const char *line, size_t len, struct fields *f)
{
	const char *end = line + len, *p = line;

	f->n = 0;
	while (f->n < FIELDS_MAX) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		f->p[f->n] = p;
		f->len[f->n] = c ? (size_t)(c - p) : (size_t)(end - p);
		f->n++;
		if (!c)
			break;
		p = c + 1;
	}
}

/* A decimal id: digits only, below (uint32_t)-1 (which means "no id"). */
static bool parse_id_field(const char *p, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	if (v >= UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool field_is(const char *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

static bool copy_field(char *dst, size_t size, const char *p, size_t len)
{
	if (len >= size || memchr(p, '\0', len))
		return false;
	memcpy(dst, p, len);
	dst[len] = '\0';
	return true;
}

/* Call fn for each line of buf; stops when fn returns non-zero. */
static int each_line(const char *buf, size_t len,
		     int (*fn)(const char *line, size_t len, void *arg),
		     void *arg)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int r;

		/* empty lines, comments and NIS "+"/"-" entries name nobody */
		if (l > 0 && *p != '#' && *p != '+' && *p != '-') {
			r = fn(p, l, arg);
			if (r)
				return r;
		}
		p += l + 1;
	}
	return 0;
}

struct passwd_query {
	const char *name;
	uid_t uid;
	struct pe_passwd_entry *out;
};

static int passwd_line(const char *line, size_t len, void *arg)
{
	struct passwd_query *q = arg;
	struct fields f;
	uint32_t uid, gid;

	split_line(line, len, &f);
	if (f.n < 7 || f.len[0] == 0 ||
	    !parse_id_field(f.p[2], f.len[2], &uid) ||
	    !parse_id_field(f.p[3], f.len[3], &gid))
		return 0;
	if (q->name ? !field_is(f.p[0], f.len[0], q->name) : uid != q->uid)
		return 0;
	if (!copy_field(q->out->name, sizeof(q->out->name), f.p[0], f.len[0]) ||
	    !copy_field(q->out->home, sizeof(q->out->home), f.p[5], f.len[5]))
		return 0;
	q->out->uid = (uid_t)uid;
	q->out->gid = (gid_t)gid;
	return 1;
}

int pe_passwd_lookup(const char *buf, size_t len, const char *name, uid_t uid,
		     struct pe_passwd_entry *out)
{
	struct passwd_query q = { .name = name, .uid = uid, .out = out };

	memset(out, 0, sizeof(*out));
	if (!buf)
		return 0;
	return each_line(buf, len, passwd_line, &q);
}

struct group_query {
	const char *name; /* by name, or */
	gid_t gid; /* by gid */
	gid_t *out;
	/* memberships */
	const char *member;
	gid_t *groups;
	size_t n, max;
};

static bool group_fields(const char *line, size_t len, struct fields *f,
			 uint32_t *gid)
{
	split_line(line, len, f);
	return f->n >= 4 && f->len[0] > 0 &&
	       parse_id_field(f->p[2], f->len[2], gid);
}

static int group_line(const char *line, size_t len, void *arg)
{
	struct group_query *q = arg;
	struct fields f;
	uint32_t gid;

	if (!group_fields(line, len, &f, &gid))
		return 0;
	if (q->name ? !field_is(f.p[0], f.len[0], q->name) : gid != q->gid)
		return 0;
	*q->out = (gid_t)gid;
	return 1;
}

int pe_group_lookup(const char *buf, size_t len, const char *name, gid_t gid,
		    gid_t *out)
{
	struct group_query q = { .name = name, .gid = gid, .out = out };

	if (!buf)
		return 0;
	return each_line(buf, len, group_line, &q);
}

static bool has_gid(const gid_t *groups, size_t n, gid_t g)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

static int membership_line(const char *line, size_t len, void *arg)
{
	struct group_query *q = arg;
	const char *p, *end;
	struct fields f;
	uint32_t gid;

	if (!group_fields(line, len, &f, &gid))
		return 0;
	p = f.p[3];
	end = p + f.len[3];
	while (p < end) {
		const char *c = memchr(p, ',', (size_t)(end - p));
		size_t l = c ? (size_t)(c - p) : (size_t)(end - p);

		if (field_is(p, l, q->member)) {
			if (q->n < q->max && !has_gid(q->groups, q->n, gid))
				q->groups[q->n++] = (gid_t)gid;
			break;
		}
		p += l + 1;
	}
	return q->n >= q->max;
}

size_t pe_group_memberships(const char *buf, size_t len, const char *user,
			    gid_t *groups, size_t n, size_t max)
{
	struct group_query q = {
		.member = user, .groups = groups, .n = n, .max = max
	};

	if (!buf || !user || !*user || n >= max)
		return n;
	each_line(buf, len, membership_line, &q);
	return q.n;
}

static bool is_number(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* A user or group name as the files can hold it: not empty, no ':', ',',
 * '/' or control characters, shorter than the entries' limit. */
static bool name_ok(const char *s, size_t len)
{
	/* a leading '-' or '+' is an option or a NIS entry, never a name */
	if (len == 0 || len >= PE_ACCOUNT_NAME_MAX || s[0] == '-' ||
	    s[0] == '+')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 0x20 || ch == 0x7f || ch == ':' || ch == ',' ||
		    ch == '/')
			return false;
	}
	return true;
}

static bool id_or_name_ok(const char *s, size_t len)
{
	uint32_t v;

	if (len > 0 && s[0] >= '0' && s[0] <= '9')
		return parse_id_field(s, len, &v);
	return name_ok(s, len);
}

int pe_user_spec_check(const char *spec, struct pe_error *err)
{
	const char *colon = strchr(spec, ':');
	size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);

	if (strcmp(spec, "target") == 0)
		return 0;
	if (id_or_name_ok(spec, ulen) &&
	    (!colon || id_or_name_ok(colon + 1, strlen(colon + 1))))
		return 0;
	pe_error_set(err, PE_ERR_USAGE, 0,
		     "--user '%s': expected 'target', NAME, UID, NAME:GROUP "
		     "or UID:GID",
		     spec);
	pe_error_hint(err, "to join the user namespace, use -U/--userns");
	return -1;
}

int pe_group_spec_check(const char *spec, struct pe_error *err)
{
	if (id_or_name_ok(spec, strlen(spec)))
		return 0;
	return pe_error_set(err, PE_ERR_USAGE, 0,
			    "--group-add '%s': expected a GID or a group name",
			    spec);
}

ssize_t pe_account_file_read(int rootfd, const char *rel, char **out)
{
	struct stat st, st2;
	size_t got = 0, cap;
	char *buf = NULL;
	int fd, saved;

	*out = NULL;
	/* look before opening: opening a planted device node (a watchdog, a
	 * tape) as root has effects of its own, and a FIFO blocks */
	fd = pe_open_in_root(rootfd, rel, O_PATH, 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	close(fd);
	fd = -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)st.st_size > PE_ACCOUNT_FILE_MAX) {
		errno = EFBIG;
		return -1;
	}
	fd = pe_open_in_root(rootfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return -1;
	/* the same file (a swap in between is refused, never read) */
	if (fstat(fd, &st2) < 0)
		goto fail;
	if (!S_ISREG(st2.st_mode) || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		errno = EINVAL;
		goto fail;
	}
	/* sized by st_size (a buffer of the cap is a 4 MiB mapping made and
	 * unmapped in every session), grown when the file grew */
	cap = (size_t)st2.st_size + 4096;
	if (cap > PE_ACCOUNT_FILE_MAX)
		cap = PE_ACCOUNT_FILE_MAX;
	buf = malloc(cap + 1);
	if (!buf)
		goto fail;
	/* read to EOF, whatever st_size said, but never past the cap */
	for (;;) {
		ssize_t n;

		if (got >= cap && cap < PE_ACCOUNT_FILE_MAX) {
			char *bigger;

			cap = cap * 2 > PE_ACCOUNT_FILE_MAX
				  ? PE_ACCOUNT_FILE_MAX
				  : cap * 2;
			bigger = realloc(buf, cap + 1);
			if (!bigger)
				goto fail;
			buf = bigger;
		}
		n = read(fd, buf + got, cap + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		got += (size_t)n;
		if (got > PE_ACCOUNT_FILE_MAX) {
			errno = EFBIG;
			goto fail;
		}
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	return (ssize_t)got;
fail:
	saved = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = saved;
	return -1;
}

/* One of the two files, NULL (no entries) when it cannot be used. What it
 * could not be is kept for the message of a lookup that needed it. */
struct account_file {
	char *buf;
	size_t len;
	int error; /* errno of the read, 0 when read */
	bool tried;
};

static void account_file_load(int rootfd, const char *rel,
			      struct account_file *f)
{
	ssize_t n;

	if (f->tried)
		return;
	f->tried = true;
	n = pe_account_file_read(rootfd, rel, &f->buf);
	f->error = n < 0 ? errno : 0;
	f->len = n < 0 ? 0 : (size_t)n;
}

static int lookup_failed(struct pe_error *err, const char *what,
			 const char *name, const char *file,
			 const struct account_file *f)
{
	if (f->error && f->error != ENOENT)
		return pe_error_set(err, PE_ERR_USAGE, f->error,
				    "%s '%s': the target's /%s cannot be "
				    "used",
				    what, name, file);
	pe_error_set(err, PE_ERR_USAGE, ENOENT,
		     "%s '%s': no such %s in the target's /%s", what, name,
		     strcmp(file, "etc/passwd") ? "group" : "user", file);
	pe_error_hint(err, "a number needs no entry: --user UID[:GID], "
			   "--group-add GID");
	return -1;
}

/* A group given by name or number (--user ...:GROUP, --group-add). */
static int resolve_group(int rootfd, const char *what, const char *spec,
			 struct account_file *gr, gid_t *out,
			 struct pe_error *err)
{
	uint32_t v;

	if (is_number(spec)) {
		if (!parse_id_field(spec, strlen(spec), &v))
			return pe_error_set(err, PE_ERR_USAGE, 0,
					    "%s '%s': not a valid gid", what,
					    spec);
		*out = (gid_t)v;
		return 0;
	}
	account_file_load(rootfd, "etc/group", gr);
	if (!pe_group_lookup(gr->buf, gr->len, spec, 0, out))
		return lookup_failed(err, what, spec, "etc/group", gr);
	return 0;
}

static int add_groups(int rootfd, const char *const *group_add, size_t n,
		      struct account_file *gr, struct pe_identity *id,
		      struct pe_error *err)
{
	const size_t max = sizeof(id->groups) / sizeof(id->groups[0]);

	for (size_t i = 0; i < n; i++) {
		gid_t g;

		if (resolve_group(rootfd, "--group-add", group_add[i], gr, &g,
				  err) < 0)
			return -1;
		if (has_gid(id->groups, id->ngroups, g))
			continue;
		if (id->ngroups >= max)
			return pe_error_set(err, PE_ERR_USAGE, E2BIG,
					    "more than %zu supplementary "
					    "groups",
					    max);
		id->groups[id->ngroups++] = g;
	}
	return 0;
}

static void account_from(struct pe_account *acct,
			 const struct pe_passwd_entry *e)
{
	acct->found = true;
	snprintf(acct->name, sizeof(acct->name), "%s", e->name);
	snprintf(acct->home, sizeof(acct->home), "%s", e->home);
}

int pe_identity_resolve(int rootfd, const char *spec,
			const char *const *group_add, size_t n_group_add,
			struct pe_identity *id, struct pe_account *acct,
			struct pe_error *err)
{
	struct account_file pw = { 0 }, gr = { 0 };
	struct pe_passwd_entry e;
	char user[PE_ACCOUNT_NAME_MAX];
	const char *group = NULL;
	int rc = -1;

	memset(id, 0, sizeof(*id));
	memset(acct, 0, sizeof(*acct));
	if (pe_user_spec_check(spec ? spec : "0", err) < 0)
		return -1;
	snprintf(user, sizeof(user), "%s", spec ? spec : "0");
	if (strchr(user, ':')) {
		group = spec + (strchr(user, ':') - user) + 1;
		*strchr(user, ':') = '\0';
	}
	account_file_load(rootfd, "etc/passwd", &pw);
	if (is_number(user)) {
		uint32_t v = 0;

		parse_id_field(user, strlen(user), &v);
		id->uid = (uid_t)v;
		/* no entry: gid 0, as runc does */
		if (pe_passwd_lookup(pw.buf, pw.len, NULL, id->uid, &e)) {
			id->gid = e.gid;
			account_from(acct, &e);
		}
	} else {
		if (!pe_passwd_lookup(pw.buf, pw.len, user, 0, &e)) {
			lookup_failed(err, "--user", user, "etc/passwd", &pw);
			goto out;
		}
		id->uid = e.uid;
		id->gid = e.gid;
		account_from(acct, &e);
	}
	if (group) {
		if (resolve_group(rootfd, "--user", group, &gr, &id->gid, err) <
		    0)
			goto out;
	} else if (acct->found) {
		account_file_load(rootfd, "etc/group", &gr);
		id->ngroups = pe_group_memberships(
		    gr.buf, gr.len, acct->name, id->groups, 0,
		    sizeof(id->groups) / sizeof(id->groups[0]));
	}
	rc = add_groups(rootfd, group_add, n_group_add, &gr, id, err);
out:
	free(pw.buf);
	free(gr.buf);
	return rc;
}

int pe_identity_complete(int rootfd, const char *const *group_add,
			 size_t n_group_add, struct pe_identity *id,
			 struct pe_account *acct, struct pe_error *err)
{
	struct account_file pw = { 0 }, gr = { 0 };
	struct pe_passwd_entry e;
	int rc;

	memset(acct, 0, sizeof(*acct));
	account_file_load(rootfd, "etc/passwd", &pw);
	if (pe_passwd_lookup(pw.buf, pw.len, NULL, id->uid, &e))
		account_from(acct, &e);
	rc = add_groups(rootfd, group_add, n_group_add, &gr, id, err);
	free(pw.buf);
	free(gr.buf);
	return rc;
}

int pe_env_set_account(struct pe_env *e, uid_t uid,
		       const struct pe_account *acct, struct pe_error *err)
{
	const char *home = acct->found && acct->home[0] ? acct->home
			   : uid == 0			? "/root"
							: "/";

	if (!pe_env_get(e, "HOME") && pe_env_set(e, "HOME", home, err) < 0)
		return -1;
	if (!acct->found)
		return 0;
	if (!pe_env_get(e, "USER") &&
	    pe_env_set(e, "USER", acct->name, err) < 0)
		return -1;
	if (!pe_env_get(e, "LOGNAME") &&
	    pe_env_set(e, "LOGNAME", acct->name, err) < 0)
		return -1;
	return 0;
}
