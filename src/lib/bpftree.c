/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The allowlist as ranges in front of a libseccomp program (bpftree.h). */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bpftree.h"

/* What a stretch of numbers gets: the rest decides, ALLOW, or ALLOW
 * unless one argument is one of a few values (set->checked_nrs) */
enum leaf { LEAF_REST, LEAF_ALLOW, LEAF_CHECKED };

/* One stretch of numbers [start, next segment's start) with one answer. */
struct segment {
	uint32_t start;
	enum leaf leaf;
};

struct emitter {
	struct sock_filter *insns;
	size_t len, cap;
	size_t *to_rest; /* jumps whose target is the libseccomp program */
	size_t n_to_rest, cap_to_rest;
};

static int emit(struct emitter *e, uint16_t code, uint8_t jt, uint8_t jf,
		uint32_t k)
{
	if (e->len == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 256;
		struct sock_filter *bigger =
		    realloc(e->insns, cap * sizeof(*bigger));

		if (!bigger)
			return -1;
		e->insns = bigger;
		e->cap = cap;
	}
	e->insns[e->len++] = (struct sock_filter){ code, jt, jf, k };
	return 0;
}

/* A jump to the libseccomp program, its offset known once the prefix is. */
static int emit_to_rest(struct emitter *e)
{
	if (e->n_to_rest == e->cap_to_rest) {
		size_t cap = e->cap_to_rest ? e->cap_to_rest * 2 : 64;
		size_t *bigger = realloc(e->to_rest, cap * sizeof(*bigger));

		if (!bigger)
			return -1;
		e->to_rest = bigger;
		e->cap_to_rest = cap;
	}
	e->to_rest[e->n_to_rest++] = e->len;
	return emit(e, BPF_JMP | BPF_JA, 0, 0, 0);
}

static size_t leaf_size(const struct pe_bpf_allowset *set, enum leaf leaf)
{
	return leaf == LEAF_CHECKED ? set->n_denied + 3 : 1;
}

/* The low 32 bits of argument arg in struct seccomp_data */
static uint32_t arg_low_offset(unsigned int arg)
{
	return (uint32_t)(offsetof(struct seccomp_data, args) + 8 * arg +
			  (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 4 : 0));
}

/* A call allowed unless the low 32 bits of its argument (the kernel reads
 * an int there, so (1 << 32) | TIOCSTI is TIOCSTI) are a denied value:
 * load, compare with each, ALLOW, else on to the rest. */
static int emit_checked(struct emitter *e, const struct pe_bpf_allowset *set)
{
	size_t n = set->n_denied;

	if (emit(e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
		 arg_low_offset(set->checked_arg)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (emit(e, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(n - i), 0,
			 set->denied_low32[i]) < 0)
			return -1;
	if (emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW) < 0)
		return -1;
	return emit_to_rest(e);
}

/* Instructions the search over segments lo..hi takes (see emit_tree). */
static size_t tree_size(const struct pe_bpf_allowset *set,
			const struct segment *seg, size_t lo, size_t hi)
{
	size_t mid, left;

	if (lo == hi)
		return leaf_size(set, seg[lo].leaf);
	mid = lo + (hi - lo + 1) / 2;
	left = tree_size(set, seg, lo, mid - 1);
	return 1 + (left > 255 ? 1 : 0) + left + tree_size(set, seg, mid, hi);
}

/*
 * A binary search: "nr >= start of the middle segment" goes right, else
 * left; a leaf returns ALLOW or goes on to the libseccomp program. Jumps
 * only go forward and a conditional one reaches at most 255 instructions:
 * past a longer left half it lands on an unconditional jump.
 */
static int emit_tree(struct emitter *e, const struct pe_bpf_allowset *set,
		     const struct segment *seg, size_t lo, size_t hi)
{
	size_t mid, left;

	if (lo == hi) {
		switch (seg[lo].leaf) {
		case LEAF_ALLOW:
			return emit(e, BPF_RET | BPF_K, 0, 0,
				    SECCOMP_RET_ALLOW);
		case LEAF_CHECKED:
			return emit_checked(e, set);
		case LEAF_REST:
		default:
			return emit_to_rest(e);
		}
	}
	mid = lo + (hi - lo + 1) / 2;
	left = tree_size(set, seg, lo, mid - 1);
	if (left > 255) {
		if (emit(e, BPF_JMP | BPF_JGE | BPF_K, 0, 1, seg[mid].start) <
			0 ||
		    emit(e, BPF_JMP | BPF_JA, 0, 0, (uint32_t)left) < 0)
			return -1;
	} else if (emit(e, BPF_JMP | BPF_JGE | BPF_K, (uint8_t)left, 0,
			seg[mid].start) < 0) {
		return -1;
	}
	if (emit_tree(e, set, seg, lo, mid - 1) < 0)
		return -1;
	return emit_tree(e, set, seg, mid, hi);
}

/*
 * The folded search: when a whole section fits within one conditional
 * jump's reach, its ALLOW and "on to the rest" leaves are not written out
 * one by one; the comparisons jump straight to one shared `ret ALLOW` and
 * one shared jump to the rest at the section's end. That halves the
 * search's length (a search over n stretches: n - 1 comparisons instead of
 * 2n - 1 instructions), and the kernel's cost of loading a filter (its
 * check, translation and JIT) follows the length.
 */
struct fold {
	size_t *insn; /* a comparison whose jump goes to a shared leaf */
	bool *on_true; /* its jt (else its jf) */
	enum leaf *leaf;
	size_t n;
};

static bool simple_leaf(const struct segment *seg, size_t lo, size_t hi)
{
	return lo == hi && seg[lo].leaf != LEAF_CHECKED;
}

static size_t folded_size(const struct pe_bpf_allowset *set,
			  const struct segment *seg, size_t lo, size_t hi)
{
	size_t mid;

	if (lo == hi)
		return seg[lo].leaf == LEAF_CHECKED
			   ? leaf_size(set, LEAF_CHECKED)
			   : 0;
	mid = lo + (hi - lo + 1) / 2;
	return 1 + folded_size(set, seg, lo, mid - 1) +
	       folded_size(set, seg, mid, hi);
}

static void fold_later(struct fold *f, size_t insn, bool on_true,
		       enum leaf leaf)
{
	f->insn[f->n] = insn;
	f->on_true[f->n] = on_true;
	f->leaf[f->n] = leaf;
	f->n++;
}

/* emit_tree, folded: lo..hi is not a simple leaf (see simple_leaf) */
static int emit_folded(struct emitter *e, const struct pe_bpf_allowset *set,
		       const struct segment *seg, size_t lo, size_t hi,
		       struct fold *f)
{
	size_t mid, at;
	bool left_leaf, right_leaf;

	if (lo == hi)
		return emit_checked(e, set);
	mid = lo + (hi - lo + 1) / 2;
	left_leaf = simple_leaf(seg, lo, mid - 1);
	right_leaf = simple_leaf(seg, mid, hi);
	at = e->len;
	if (emit(e, BPF_JMP | BPF_JGE | BPF_K,
		 (uint8_t)folded_size(set, seg, lo, mid - 1), 0,
		 seg[mid].start) < 0)
		return -1;
	if (left_leaf)
		fold_later(f, at, false, seg[lo].leaf);
	if (right_leaf)
		fold_later(f, at, true, seg[mid].leaf);
	if (!left_leaf && emit_folded(e, set, seg, lo, mid - 1, f) < 0)
		return -1;
	return right_leaf ? 0 : emit_folded(e, set, seg, mid, hi, f);
}

/* The section's search, folded when it fits in a jump's reach. */
static int emit_search(struct emitter *e, const struct pe_bpf_allowset *set,
		       const struct segment *seg, size_t n_seg)
{
	struct fold f = { 0 };
	size_t allow_at;
	int rc = -1;

	/* 2: the shared leaves after the search */
	if (simple_leaf(seg, 0, n_seg - 1) ||
	    folded_size(set, seg, 0, n_seg - 1) + 2 > 255)
		return emit_tree(e, set, seg, 0, n_seg - 1);
	f.insn = malloc(n_seg * sizeof(*f.insn));
	f.on_true = malloc(n_seg * sizeof(*f.on_true));
	f.leaf = malloc(n_seg * sizeof(*f.leaf));
	if (!f.insn || !f.on_true || !f.leaf ||
	    emit_folded(e, set, seg, 0, n_seg - 1, &f) < 0)
		goto out;
	allow_at = e->len;
	if (emit(e, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW) < 0 ||
	    emit_to_rest(e) < 0)
		goto out;
	for (size_t i = 0; i < f.n; i++) {
		size_t to = f.leaf[i] == LEAF_ALLOW ? allow_at : allow_at + 1;
		uint8_t off = (uint8_t)(to - f.insn[i] - 1);

		if (f.on_true[i])
			e->insns[f.insn[i]].jt = off;
		else
			e->insns[f.insn[i]].jf = off;
	}
	rc = 0;
out:
	free(f.insn);
	free(f.on_true);
	free(f.leaf);
	return rc;
}

/* A number and what it gets, for sorting. */
struct numbered {
	uint32_t nr;
	enum leaf leaf;
};

static int cmp_numbered(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	/* a number both allowed and checked is allowed */
	return (int)x->leaf - (int)y->leaf;
}

/* The set as stretches covering every 32-bit number: runs of allowed
 * numbers, each checked number alone, the rest between them. */
static struct segment *segments_of(const struct pe_bpf_allowset *set,
				   size_t *n_out)
{
	size_t total = set->n + set->n_checked, k = 0, n = 0;
	struct numbered *nrs = malloc((total ? total : 1) * sizeof(*nrs));
	struct segment *seg = malloc((2 * total + 1) * sizeof(*seg));
	uint64_t next = 0; /* the first number no segment covers yet */

	if (!nrs || !seg) {
		free(nrs);
		free(seg);
		return NULL;
	}
	for (size_t i = 0; i < set->n; i++)
		nrs[k++] = (struct numbered){ set->nrs[i], LEAF_ALLOW };
	for (size_t i = 0; i < set->n_checked; i++)
		nrs[k++] =
		    (struct numbered){ set->checked_nrs[i], LEAF_CHECKED };
	qsort(nrs, total, sizeof(*nrs), cmp_numbered);
	for (size_t i = 0; i < total;) {
		size_t end = i; /* nrs[i..end]: one segment */

		if (nrs[i].nr <
		    next) { /* a duplicate, or checked and allowed */
			i++;
			continue;
		}
		while (nrs[i].leaf == LEAF_ALLOW && end + 1 < total &&
		       nrs[end + 1].leaf == LEAF_ALLOW &&
		       (uint64_t)nrs[end + 1].nr <= (uint64_t)nrs[end].nr + 1)
			end++;
		if (nrs[i].nr > next)
			seg[n++] =
			    (struct segment){ (uint32_t)next, LEAF_REST };
		seg[n++] = (struct segment){ nrs[i].nr, nrs[i].leaf };
		next = (uint64_t)nrs[end].nr + 1;
		i = end + 1;
	}
	if (next <= UINT32_MAX)
		seg[n++] = (struct segment){ (uint32_t)next, LEAF_REST };
	free(nrs);
	*n_out = n;
	return seg;
}

int pe_bpf_allowset_prepend(const struct pe_bpf_allowset *sets, size_t n_sets,
			    const struct pe_bpf *rest, struct pe_bpf *out)
{
	struct emitter e = { 0 };
	size_t *section_jump = calloc(n_sets ? n_sets : 1, sizeof(size_t));
	int saved;

	memset(out, 0, sizeof(*out));
	if (!section_jump)
		return -1;
	/* which architecture: each known one to its own search */
	if (emit(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
		 offsetof(struct seccomp_data, arch)) < 0)
		goto fail;
	for (size_t i = 0; i < n_sets; i++) {
		if (emit(&e, BPF_JMP | BPF_JEQ | BPF_K, 0, 1,
			 sets[i].audit_arch) < 0)
			goto fail;
		section_jump[i] = e.len;
		if (emit(&e, BPF_JMP | BPF_JA, 0, 0, 0) < 0)
			goto fail;
	}
	if (emit_to_rest(&e) < 0)
		goto fail;
	for (size_t i = 0; i < n_sets; i++) {
		size_t n_seg = 0;
		struct segment *seg = segments_of(&sets[i], &n_seg);
		int rc;

		if (!seg)
			goto fail;
		e.insns[section_jump[i]].k =
		    (uint32_t)(e.len - section_jump[i] - 1);
		rc = emit(&e, BPF_LD | BPF_W | BPF_ABS, 0, 0,
			  offsetof(struct seccomp_data, nr));
		if (rc == 0)
			rc = emit_search(&e, &sets[i], seg, n_seg);
		free(seg);
		if (rc < 0)
			goto fail;
	}
	for (size_t i = 0; i < e.n_to_rest; i++)
		e.insns[e.to_rest[i]].k = (uint32_t)(e.len - e.to_rest[i] - 1);
	if (e.len + rest->len > BPF_MAXINSNS) {
		errno = E2BIG;
		goto fail;
	}
	for (size_t i = 0; i < rest->len; i++) {
		const struct sock_filter *f =
		    &((const struct sock_filter *)rest->insns)[i];

		if (emit(&e, f->code, f->jt, f->jf, f->k) < 0)
			goto fail;
	}
	free(section_jump);
	free(e.to_rest);
	out->insns = e.insns;
	out->len = e.len;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	free(section_jump);
	free(e.to_rest);
	free(e.insns);
	errno = saved;
	return -1;
}
