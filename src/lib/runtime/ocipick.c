/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The strings a node scan reads from an OCI config.json, picked out in one
 * pass (sources.h: pe_oci_pick). json-c builds a tree of the whole document
 * (its mounts, its rlimits, a runtime's seccomp profile) to read a handful
 * of strings: about 30 us for a 4 KB bundle here, 50 us the first time in a
 * process, and podenter reads one or two on every attach.
 *
 * Strict JSON only (RFC 8259), in the shape runtimes write: the document an
 * object, "annotations", "process" and "linux" objects, "process" present,
 * keys without escapes, strings without raw control characters or \u0000 or
 * surrogates, numbers without exponents and of at most 18 digits, nesting
 * at most PICK_MAX_DEPTH deep, nothing after the document. Anything else is
 * "unsure" (0), and the caller parses with json-c as before: where the two
 * could read a document differently (json-c's leniencies, its depth limit,
 * its own handling of odd escapes), this reader does not answer, so the
 * record is the same either way (tests/unit/test_ocipick.c, and
 * fuzz/fuzz_oci_pick.c compares every answer with json-c's).
 *
 * As json-c keeps the last of two members of one name, so does this: a
 * second "annotations" replaces the first, and so on.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "podenter/exec.h"
#include "runtime/sources.h"

/* json-c refuses documents nested deeper than 32 (its default depth) */
#define PICK_MAX_DEPTH 30
/* json-c reads longer numbers its own way (uint64, double): not here */
#define PICK_MAX_DIGITS 18

enum { PICK_OK = 0, PICK_UNSURE = 1, PICK_NOMEM = -1 };

struct walk {
	const char *p; /* the document is NUL-terminated, as json-c reads it */
	int depth;
	struct pe_oci_pick *pick;
	bool process_seen;
};

/* A string's raw bytes between its quotes. */
struct span {
	const char *s;
	size_t len;
	bool escaped;
};

static void skip_ws(struct walk *w)
{
	while (*w->p == ' ' || *w->p == '\t' || *w->p == '\n' || *w->p == '\r')
		w->p++;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The four hex digits of a \u escape at s (after its 'u'): the code
 * point they spell, or -1 when they are not four hex digits. */
static long hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* The string at w->p (its opening quote): its span, w->p past it. */
static int take_string(struct walk *w, struct span *out)
{
	const char *q = w->p + 1;

	out->s = q;
	out->escaped = false;
	for (;;) {
		unsigned char c = (unsigned char)*q;

		if (c == '"')
			break;
		if (c < 0x20) /* a raw control character, or the end */
			return PICK_UNSURE;
		if (c != '\\') {
			q++;
			continue;
		}
		out->escaped = true;
		switch (q[1]) {
		case '"':
		case '\\':
		case '/':
		case 'b':
		case 'f':
		case 'n':
		case 'r':
		case 't':
			q += 2;
			break;
		case 'u': {
			long v = hex4(q + 2);

			if (v <= 0 || (v >= 0xD800 && v <= 0xDFFF))
				return PICK_UNSURE;
			q += 6;
			break;
		}
		default:
			return PICK_UNSURE;
		}
	}
	out->len = (size_t)(q - out->s);
	w->p = q + 1;
	return PICK_OK;
}

/* A span's decoded string, malloc'd (escapes checked by take_string). */
static char *decode(const struct span *sp)
{
	char *buf = malloc(sp->len + 1), *o = buf;
	const char *q = sp->s, *end = sp->s + sp->len;

	if (!buf)
		return NULL;
	while (q < end) {
		long v;

		if (*q != '\\') {
			*o++ = *q++;
			continue;
		}
		switch (q[1]) {
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			v = hex4(q + 2);
			if (v < 0x80) {
				*o++ = (char)v;
			} else if (v < 0x800) {
				*o++ = (char)(0xC0 | (v >> 6));
				*o++ = (char)(0x80 | (v & 0x3F));
			} else {
				*o++ = (char)(0xE0 | (v >> 12));
				*o++ = (char)(0x80 | ((v >> 6) & 0x3F));
				*o++ = (char)(0x80 | (v & 0x3F));
			}
			q += 6;
			continue;
		default: /* '"', '\\', '/' */
			*o++ = q[1];
			break;
		}
		q += 2;
	}
	*o = '\0';
	return buf;
}

static bool is_key(const struct span *k, const char *name)
{
	return !k->escaped && strlen(name) == k->len &&
	       memcmp(k->s, name, k->len) == 0;
}

static int skip_number(struct walk *w)
{
	const char *p = w->p;
	int digits = 0;

	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
		digits++;
	} else if (*p >= '1' && *p <= '9') {
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	} else {
		return PICK_UNSURE;
	}
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return PICK_UNSURE;
		while (*p >= '0' && *p <= '9')
			p++, digits++;
	}
	if (*p == 'e' || *p == 'E' || digits > PICK_MAX_DIGITS)
		return PICK_UNSURE;
	w->p = p;
	return PICK_OK;
}

static int skip_literal(struct walk *w, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(w->p, word, n) != 0)
		return PICK_UNSURE;
	w->p += n;
	return PICK_OK;
}

/* A member's value, at w->p; consumes it. */
typedef int (*member_fn)(struct walk *w, const struct span *key);

static int walk_object(struct walk *w, member_fn member);
static int walk_array(struct walk *w, int (*element)(struct walk *w));

static int skip_value(struct walk *w)
{
	struct span sp;

	switch (*w->p) {
	case '"':
		return take_string(w, &sp);
	case '{':
		return walk_object(w, NULL);
	case '[':
		return walk_array(w, NULL);
	case 't':
		return skip_literal(w, "true");
	case 'f':
		return skip_literal(w, "false");
	case 'n':
		return skip_literal(w, "null");
	default:
		return skip_number(w);
	}
}

/* Into an object or array at w->p (its opening character): 1 when it
 * closes right away, 0 when items follow, or unsure (too deep). */
static int open_container(struct walk *w, char close)
{
	if (++w->depth > PICK_MAX_DEPTH)
		return -PICK_UNSURE;
	w->p++;
	skip_ws(w);
	if (*w->p != close)
		return 0;
	w->p++;
	w->depth--;
	return 1;
}

/* After an item: 0 when a ',' says another follows, 1 when the container
 * closes, or unsure. */
static int next_item(struct walk *w, char close)
{
	skip_ws(w);
	if (*w->p == ',') {
		w->p++;
		skip_ws(w);
		return 0;
	}
	if (*w->p != close)
		return -PICK_UNSURE;
	w->p++;
	w->depth--;
	return 1;
}

static int walk_object(struct walk *w, member_fn member)
{
	int state = open_container(w, '}');

	while (state == 0) {
		struct span key;
		int r;

		if (*w->p != '"')
			return PICK_UNSURE;
		r = take_string(w, &key);
		if (r != PICK_OK)
			return r;
		/* a key json-c would decode: not compared here */
		if (key.escaped && member)
			return PICK_UNSURE;
		skip_ws(w);
		if (*w->p != ':')
			return PICK_UNSURE;
		w->p++;
		skip_ws(w);
		r = member ? member(w, &key) : skip_value(w);
		if (r != PICK_OK)
			return r;
		state = next_item(w, '}');
	}
	return state < 0 ? PICK_UNSURE : PICK_OK;
}

static int walk_array(struct walk *w, int (*element)(struct walk *w))
{
	int state = open_container(w, ']');

	while (state == 0) {
		int r = element ? element(w) : skip_value(w);

		if (r != PICK_OK)
			return r;
		state = next_item(w, ']');
	}
	return state < 0 ? PICK_UNSURE : PICK_OK;
}

/* A string member's value into *slot (NULL when it is not a string, as
 * pe_json_str reads it); the last of two members of one name wins. */
static int take_string_value(struct walk *w, char **slot)
{
	struct span sp;
	int r;

	free(*slot);
	*slot = NULL;
	if (*w->p != '"')
		return skip_value(w);
	r = take_string(w, &sp);
	if (r != PICK_OK)
		return r;
	*slot = decode(&sp);
	return *slot ? PICK_OK : PICK_NOMEM;
}

static int annotation(struct walk *w, const struct span *key)
{
	struct pe_oci_pick *p = w->pick;

	for (size_t i = 0; i < p->n_ann; i++)
		if (is_key(key, p->ann_keys[i]))
			return take_string_value(w, &p->ann[i]);
	return skip_value(w);
}

static void clear_env(struct pe_oci_pick *p)
{
	pe_config_env_free(p->env);
	p->env = NULL;
	p->n_env = 0;
}

/* One of process.env's strings: kept if it is a setting, as
 * pe_config_env_strings keeps it; other values are skipped there too. */
static int env_element(struct walk *w)
{
	struct pe_oci_pick *p = w->pick;
	struct span sp;
	char *kv, **bigger;
	int r;

	if (*w->p != '"')
		return skip_value(w);
	r = take_string(w, &sp);
	if (r != PICK_OK)
		return r;
	kv = decode(&sp);
	if (!kv)
		return PICK_NOMEM;
	if (!pe_env_is_setting(kv)) {
		free(kv);
		return PICK_OK;
	}
	bigger = realloc(p->env, (p->n_env + 2) * sizeof(*bigger));
	if (!bigger) {
		free(kv);
		return PICK_NOMEM;
	}
	p->env = bigger;
	p->env[p->n_env++] = kv;
	p->env[p->n_env] = NULL;
	return PICK_OK;
}

static int new_env(struct pe_oci_pick *p)
{
	clear_env(p);
	p->env = calloc(1, sizeof(*p->env));
	return p->env ? PICK_OK : PICK_NOMEM;
}

static int process_member(struct walk *w, const struct span *key)
{
	int r;

	if (!is_key(key, "env"))
		return skip_value(w);
	/* the last "env" is the list; one that is no array, an empty one */
	r = new_env(w->pick);
	if (r != PICK_OK)
		return r;
	return *w->p == '[' ? walk_array(w, env_element) : skip_value(w);
}

static int linux_member(struct walk *w, const struct span *key)
{
	if (!is_key(key, "cgroupsPath"))
		return skip_value(w);
	return take_string_value(w, &w->pick->cgroups_path);
}

static int top_member(struct walk *w, const struct span *key)
{
	struct pe_oci_pick *p = w->pick;
	int r;

	if (is_key(key, "annotations")) {
		if (*w->p != '{')
			return PICK_UNSURE;
		for (size_t i = 0; i < p->n_ann; i++) {
			free(p->ann[i]);
			p->ann[i] = NULL;
		}
		return walk_object(w, annotation);
	}
	if (is_key(key, "process")) {
		if (*w->p != '{')
			return PICK_UNSURE;
		w->process_seen = true;
		r = new_env(p);
		return r != PICK_OK ? r : walk_object(w, process_member);
	}
	if (is_key(key, "linux")) {
		if (*w->p != '{')
			return PICK_UNSURE;
		free(p->cgroups_path);
		p->cgroups_path = NULL;
		return walk_object(w, linux_member);
	}
	/* Docker's environment list: pe_config_env_strings' other source */
	if (is_key(key, "Config"))
		return PICK_UNSURE;
	return skip_value(w);
}

void pe_oci_pick_clear(struct pe_oci_pick *p)
{
	for (size_t i = 0; p->ann && i < p->n_ann; i++)
		free(p->ann[i]);
	free(p->ann);
	p->ann = NULL;
	free(p->cgroups_path);
	p->cgroups_path = NULL;
	clear_env(p);
}

int pe_oci_pick(const char *json, struct pe_oci_pick *p)
{
	struct walk w = { .p = json, .pick = p };
	int r;

	p->ann = calloc(p->n_ann ? p->n_ann : 1, sizeof(*p->ann));
	p->cgroups_path = NULL;
	p->env = NULL;
	p->n_env = 0;
	if (!p->ann)
		return -1;
	skip_ws(&w);
	r = *w.p == '{' ? walk_object(&w, top_member) : PICK_UNSURE;
	if (r == PICK_OK) {
		skip_ws(&w);
		if (*w.p != '\0' || !w.process_seen)
			r = PICK_UNSURE;
	}
	if (r == PICK_OK)
		return 1;
	pe_oci_pick_clear(p);
	return r == PICK_NOMEM ? -1 : 0;
}
