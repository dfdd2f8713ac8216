/*
 * acmatch.c - Aho-Corasick over ASCII-case-folded bytes.
 *
 * The patterns' folded bytes make a trie; each state's fail link is the
 * state of its longest proper suffix that is also in the trie, and its
 * output link the nearest state on that chain (itself included) where a
 * pattern ends.  Bytes are first mapped to classes (the distinct folded
 * bytes of the patterns, plus one class for every other byte), so a full
 * transition row has as many entries as the patterns use bytes.
 *
 * Memory: the states are numbered breadth first, and only the first
 * DENSE_MAX states (the shallow ones, where a scan spends its time) get a
 * full row of transitions; a deeper state keeps its trie children (which
 * breadth-first numbering makes consecutive) and follows its fail links on
 * a miss, the classic way.  So a long secret (a private key) costs some
 * bytes per pattern byte, not a row.
 *
 * A pattern that must match exactly is verified with memcmp when its
 * folded bytes match.  At each end position the output chain is walked
 * from the longest candidate down to the first that verifies.
 */
#include "base/acmatch.h"
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

#define DENSE_MAX 8192
/* a row entry: the target's row offset (state * nclass) for a dense
 * target, its number | SPARSE for a deeper one; HAS_OUT: a pattern ends
 * on the target's output chain */
#define HAS_OUT 0x80000000u
#define SPARSE 0x40000000u
#define VAL(t) ((t) & ~(HAS_OUT | SPARSE))

struct acmatch {
	uint8_t cls[256];       /* byte -> class (0: in no pattern) */
	uint32_t nclass, nstates, ndense;
	uint32_t *row;          /* ndense rows of nclass entries (see above) */
	uint32_t *fail, *depth, *kids, *nkids;  /* kids: first child's number */
	uint8_t *label;         /* the class on the edge into each state */
	int32_t *out;           /* nearest state on the fail chain where a pattern ends */
	int32_t *first;         /* per state: first pattern ending there, or -1 */
	int32_t *next;          /* per pattern: the next one ending at its state */
	struct ac_pattern *pat;
	size_t npat, maxlen;
};

static unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* the trie before numbering: first child / next sibling lists */
struct trie {
	uint32_t *child, *sib, *term;
	uint8_t *label;
	uint32_t n, cap;
};

static uint32_t trie_node(struct trie *t, uint8_t label)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->child = xrealloc(t->child, t->cap * sizeof(*t->child));
		t->sib = xrealloc(t->sib, t->cap * sizeof(*t->sib));
		t->term = xrealloc(t->term, t->cap * sizeof(*t->term));
		t->label = xrealloc(t->label, t->cap);
	}
	t->child[t->n] = t->sib[t->n] = 0;
	t->term[t->n] = UINT32_MAX;
	t->label[t->n] = label;
	return t->n++;
}

/* the trie node of pattern i's folded bytes, made as needed */
static uint32_t trie_insert(struct trie *t, const acmatch *a, const struct ac_pattern *p)
{
	uint32_t u = 0;

	for (size_t i = 0; i < p->len; i++) {
		uint8_t c = a->cls[(unsigned char)p->s[i]];
		uint32_t v = t->child[u];

		while (v && t->label[v] != c)
			v = t->sib[v];
		if (!v) {
			v = trie_node(t, c);
			t->sib[v] = t->child[u];
			t->child[u] = v;
		}
		u = v;
	}
	return u;
}

static void classes(acmatch *a, const struct ac_pattern *p, size_t n)
{
	uint8_t seen[256] = { 0 };

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p[i].len; j++)
			seen[lower((unsigned char)p[i].s[j])] = 1;
	a->nclass = 1;
	for (int c = 0; c < 256; c++)
		if (seen[c])
			a->cls[c] = (uint8_t)a->nclass++;
	for (int c = 'A'; c <= 'Z'; c++)
		a->cls[c] = a->cls[c + 32];
}

/* Number the trie breadth first: a state's children are consecutive. */
static void number(acmatch *a, struct trie *t)
{
	uint32_t *queue = xmalloc(t->n * sizeof(*queue)), *newid = xmalloc(t->n * sizeof(*newid));
	uint32_t head = 0, tail = 0;

	a->nstates = t->n;
	a->fail = xcalloc(t->n, sizeof(*a->fail));
	a->depth = xcalloc(t->n, sizeof(*a->depth));
	a->kids = xcalloc(t->n, sizeof(*a->kids));
	a->nkids = xcalloc(t->n, sizeof(*a->nkids));
	a->label = xcalloc(t->n, 1);
	a->out = xmalloc(t->n * sizeof(*a->out));
	a->first = xmalloc(t->n * sizeof(*a->first));
	queue[tail++] = 0;
	while (head < tail) {
		uint32_t u = queue[head], nu = head++;

		newid[u] = nu;
		a->first[nu] = t->term[u] == UINT32_MAX ? -1 : (int32_t)t->term[u];
		a->kids[nu] = tail;
		for (uint32_t v = t->child[u]; v; v = t->sib[v]) {
			a->label[tail] = t->label[v];
			a->depth[tail] = a->depth[nu] + 1;
			a->nkids[nu]++;
			queue[tail++] = v;
		}
	}
	free(queue);
	free(newid);
}

/* the state a row entry leads to (raw: rows not encoded yet) */
static uint32_t target(const acmatch *a, uint32_t t, int raw)
{
	return raw ? t : t & SPARSE ? VAL(t) : VAL(t) / a->nclass;
}

/* the transition from u on class c (u's row, or its children and fails) */
static uint32_t go(const acmatch *a, uint32_t u, uint8_t c, int raw)
{
	for (;;) {
		if (u < a->ndense)
			return target(a, a->row[(size_t)u * a->nclass + c], raw);
		for (uint32_t v = a->kids[u], e = v + a->nkids[u]; v < e; v++)
			if (a->label[v] == c)
				return v;
		u = a->fail[u];
	}
}

/* fail and output links, and the rows, in breadth-first order */
static void link(acmatch *a)
{
	a->ndense = a->nstates < DENSE_MAX ? a->nstates : DENSE_MAX;
	a->row = xcalloc((size_t)a->ndense * a->nclass, sizeof(*a->row));
	/* a state's parent comes before it: walk parents' children */
	for (uint32_t u = 0; u < a->nstates; u++) {
		for (uint32_t v = a->kids[u], e = v + a->nkids[u]; v < e; v++)
			a->fail[v] = u ? go(a, a->fail[u], a->label[v], 1) : 0;
		a->out[u] = a->first[u] >= 0 ? (int32_t)u : u ? a->out[a->fail[u]] : -1;
		if (u < a->ndense) {
			uint32_t *r = a->row + (size_t)u * a->nclass;
			if (u)
				memcpy(r, a->row + (size_t)a->fail[u] * a->nclass, a->nclass * sizeof(*r));
			for (uint32_t v = a->kids[u], e = v + a->nkids[u]; v < e; v++)
				r[a->label[v]] = v;
		}
	}
	/* the rows hold state numbers so far: now their entries (once every
	 * output link is known) */
	for (size_t i = 0; i < (size_t)a->ndense * a->nclass; i++) {
		uint32_t v = a->row[i];
		a->row[i] = (v < a->ndense ? v * a->nclass : v | SPARSE) |
			    (a->out[v] >= 0 ? HAS_OUT : 0);
	}
}

acmatch *ac_build(const struct ac_pattern *p, size_t n)
{
	struct trie t = { 0 };
	acmatch *a;

	if (!n)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	classes(a, p, n);
	a->pat = xmalloc(n * sizeof(*a->pat));
	memcpy(a->pat, p, n * sizeof(*p));
	a->npat = n;
	a->next = xmalloc(n * sizeof(*a->next));
	trie_node(&t, 0);
	for (size_t i = 0; i < n; i++) {
		uint32_t u = trie_insert(&t, a, &p[i]);

		/* an exact pattern waits behind one of any case (it always
		 * verifies first, and is at least as long) */
		a->next[i] = t.term[u] == UINT32_MAX ? -1 : (int32_t)t.term[u];
		if (!p[i].fold && a->next[i] >= 0) {
			int32_t j = a->next[i];
			a->next[i] = a->next[j];
			a->next[j] = (int32_t)i;
		} else {
			t.term[u] = (uint32_t)i;
		}
		if (p[i].len > a->maxlen)
			a->maxlen = p[i].len;
	}
	number(a, &t);
	link(a);
	free(t.child);
	free(t.sib);
	free(t.term);
	free(t.label);
	return a;
}

void ac_free(acmatch *a)
{
	if (!a)
		return;
	free(a->row);
	free(a->fail);
	free(a->depth);
	free(a->kids);
	free(a->nkids);
	free(a->label);
	free(a->out);
	free(a->first);
	free(a->next);
	free(a->pat);
	free(a);
}

size_t ac_max_len(const acmatch *a)
{
	return a ? a->maxlen : 0;
}

void ac_begin(struct ac_cursor *c, const char *s, size_t len)
{
	c->s = (const unsigned char *)s;
	c->len = len;
	c->pos = 0;
	c->st = 0;
}

/* the longest pattern that really ends at end (state st's chain), or -1 */
static int32_t verified(const acmatch *a, const unsigned char *s, size_t end, uint32_t st)
{
	for (int32_t t = a->out[st]; t >= 0; t = a->out[a->fail[t]])
		for (int32_t i = a->first[t]; i >= 0; i = a->next[i]) {
			const struct ac_pattern *p = &a->pat[i];
			if (p->fold || memcmp(s + end - p->len, p->s, p->len) == 0)
				return i;
		}
	return -1;
}

/* Offsets and flags make the common step one load and one test. */
int ac_next(const acmatch *a, struct ac_cursor *c, size_t *start, size_t *end, size_t *id)
{
	const unsigned char *s = c->s;
	const uint32_t *row;
	uint32_t st = c->st, off;
	size_t i = c->pos, len = c->len;

	if (!a)
		return 0;
	row = a->row;
	while (i < len) {
		int has;

		if (st < a->ndense) {
			/* the fast loop: dense states, no pattern ending */
			uint32_t t;
			off = st * a->nclass;
			while ((t = row[off + a->cls[s[i++]]]) < SPARSE && i < len)
				off = t;
			if (t < SPARSE) {
				st = t / a->nclass;
				break;
			}
			st = target(a, t, 0);
			has = (t & HAS_OUT) != 0;
		} else {
			st = go(a, st, a->cls[s[i++]], 0);
			has = a->out[st] >= 0;
		}
		if (has) {
			int32_t p = verified(a, s, i, st);
			if (p >= 0) {
				c->st = st;
				c->pos = i;
				*start = i - a->pat[p].len;
				*end = i;
				if (id)
					*id = (size_t)p;
				return 1;
			}
		}
	}
	c->st = st;
	c->pos = i;
	return 0;
}
