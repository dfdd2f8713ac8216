/*
 * suppress.c - inline suppressions of lint findings:
 *
 *     - id: scale    # runbook: ignore[lint-no-rollback] the autoscaler sets it back
 *
 * A comment `# runbook: ignore[rule-id,...] reason` covers the line it is
 * on or, when it stands alone on its line, the next line that is not a
 * comment; when a step begins on that line (its first key), it covers
 * the whole step, nested lines included.  The reason is required: an
 * ignore without one suppresses nothing.  Only lint findings can be
 * suppressed, never a validation error.  libyaml drops comments, so they
 * are found in the source text: a `#` at the start of a line or after a
 * blank, outside every scalar the loader read (quoted, block and flow
 * scalars keep their `#`).
 */
#include "lang/lint.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SUPP_MAX_IDS 16
#define SUPP_MAX_ID_LEN 64

typedef struct supp {
	int line, col;                  /* the comment's '#' */
	int first, last;                /* the lines it covers */
	const char *id[SUPP_MAX_IDS];   /* into the source, idlen[i] bytes */
	size_t idlen[SUPP_MAX_IDS];
	int used[SUPP_MAX_IDS];         /* 1: suppressed a finding, 2: met a validation error */
	size_t nids;
	int has_reason;
} supp;

typedef struct sctx {
	const runbook *rb;
	diags *dg;
	const char *src;
	size_t len;
	size_t *lines, nlines;          /* byte offset of each line's start */
	size_t *spans, nspans, cap;     /* scalars' [start, end) pairs, sorted */
	supp *v;
	size_t n;
} sctx;

static void index_lines(sctx *c)
{
	size_t cap = 64;
	c->lines = xcalloc(cap, sizeof *c->lines);
	c->nlines = 1;
	for (size_t i = 0; i < c->len;) {
		size_t b = yaml_break_len(c->src + i, c->src + c->len);
		i += b ? b : 1;
		if (!b)
			continue;
		if (c->nlines == cap)
			c->lines = xrealloc(c->lines, (cap *= 2) * sizeof *c->lines);
		c->lines[c->nlines++] = i;
	}
}

/* the 1-based line of byte off */
static int line_of(const sctx *c, size_t off)
{
	size_t lo = 0, hi = c->nlines;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (c->lines[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo + 1;
}

/* the 1-based column (in characters) of byte off */
static int col_of(const sctx *c, size_t off)
{
	int col = 1;
	for (size_t i = c->lines[line_of(c, off) - 1]; i < off; i++)
		col += ((unsigned char)c->src[i] & 0xC0) != 0x80;
	return col;
}

static void add_spans(sctx *c, const node *n, int depth)
{
	if (!n || depth > LOAD_MAX_DEPTH)
		return;
	if (n->kind == N_SCALAR) {
		if (n->end <= n->offset)
			return;
		if (c->nspans + 2 > c->cap) {
			c->cap = c->cap ? c->cap * 2 : 256;
			c->spans = xrealloc(c->spans, c->cap * sizeof *c->spans);
		}
		c->spans[c->nspans++] = n->offset;
		c->spans[c->nspans++] = n->end;
		return;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == N_MAP)
			add_spans(c, n->keys[i], depth + 1);
		add_spans(c, n->vals[i], depth + 1);
	}
}

static int cmp_span(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* is byte off inside a scalar's text */
static int in_scalar(const sctx *c, size_t off)
{
	size_t lo = 0, hi = c->nspans / 2;
	while (lo < hi) {       /* the first span starting after off */
		size_t mid = (lo + hi) / 2;
		if (c->spans[2 * mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && off < c->spans[2 * (lo - 1) + 1];
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static const char *skip_blanks(const char *p, const char *e)
{
	while (p < e && is_blank(*p))
		p++;
	return p;
}

static int is_id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* the rule ids of `[a, b]` at p into s; the byte after ']', or NULL */
static const char *parse_ids(const char *p, const char *e, supp *s)
{
	if (p >= e || *p != '[')
		return NULL;
	p++;
	for (;;) {
		p = skip_blanks(p, e);
		const char *id = p;
		while (p < e && is_id_char(*p))
			p++;
		if (p == id || p - id > SUPP_MAX_ID_LEN || s->nids == SUPP_MAX_IDS)
			return NULL;
		s->id[s->nids] = id;
		s->idlen[s->nids++] = (size_t)(p - id);
		p = skip_blanks(p, e);
		if (p < e && *p == ']')
			return p + 1;
		if (p >= e || *p != ',')
			return NULL;
		p++;
	}
}

static void report(sctx *c, const supp *s, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void report(sctx *c, const supp *s, const char *rule, const char *fmt, ...)
{
	const lint_rule *r = lint_rule_find(rule);
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(c->dg, r->severity, c->rb->d.path, s->line, s->col, r->id, fmt, ap);
	va_end(ap);
}

/* the line a comment alone on line `line` speaks for: the next one that
 * is neither blank nor a comment (0: none) */
static int next_content_line(const sctx *c, int line)
{
	for (size_t l = (size_t)line; l < c->nlines; l++) {
		const char *p = c->src + c->lines[l];
		const char *e = l + 1 < c->nlines ? c->src + c->lines[l + 1] : c->src + c->len;
		p = skip_blanks(p, e);
		if (p < e && *p != '#' && !yaml_break_len(p, e))
			return (int)l + 1;
	}
	return 0;
}

/* the byte just past the last scalar under n */
static size_t node_end(const node *n, int depth)
{
	if (!n || depth > LOAD_MAX_DEPTH)
		return 0;
	if (n->kind == N_SCALAR)
		return n->end;
	size_t end = 0;
	for (size_t i = 0; i < n->n; i++) {
		size_t e = node_end(n->vals[i], depth + 1);
		if (e > end)
			end = e;
	}
	return end;
}

/* s covers line `target`, and the whole step that begins there */
static void cover(sctx *c, supp *s, int target)
{
	s->first = s->last = target;
	for (size_t i = 0; target && i < c->rb->all.n; i++) {
		const node *n = c->rb->all.v[i]->n;
		if (!n || n->line != target)
			continue;
		size_t end = node_end(n, 0);
		int last = end > n->offset ? line_of(c, end - 1) : target;
		if (last > s->last)
			s->last = last;
	}
}

/* the comment from # at byte i to byte e: a suppression, or nothing */
static void parse_comment(sctx *c, size_t i, size_t e)
{
	const char *p = skip_blanks(c->src + i + 1, c->src + e), *end = c->src + e;
	if ((size_t)(end - p) < 8 || memcmp(p, "runbook:", 8))
		return;
	p = skip_blanks(p + 8, end);
	if ((size_t)(end - p) < 6 || memcmp(p, "ignore", 6))
		return;
	supp s = { 0 };
	s.line = line_of(c, i);
	s.col = col_of(c, i);
	p = parse_ids(p + 6, end, &s);
	if (!p) {
		report(c, &s, "unknown-suppression",
		       "malformed suppression: write '# runbook: ignore[rule-id] reason'");
		return;
	}
	p = skip_blanks(p, end);
	s.has_reason = p < end;
	const char *ls = c->src + c->lines[s.line - 1];
	int alone = skip_blanks(ls, c->src + i) == c->src + i;
	cover(c, &s, alone ? next_content_line(c, s.line) : s.line);
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n++] = s;
}

static void find_comments(sctx *c)
{
	for (size_t i = 0; i < c->len; i++) {
		if (c->src[i] != '#')
			continue;
		char prev = i ? c->src[i - 1] : '\n';
		if ((!is_blank(prev) && prev != '\n' && prev != '\r') || in_scalar(c, i))
			continue;
		size_t e = i;
		while (e < c->len && !yaml_break_len(c->src + e, c->src + c->len))
			e++;
		parse_comment(c, i, e);
		i = e;
	}
}

static int id_is(const supp *s, size_t k, const char *rule)
{
	return strlen(rule) == s->idlen[k] && !memcmp(s->id[k], rule, s->idlen[k]);
}

/* does a suppression take diagnostic g away (marking it used) */
static int suppressed(sctx *c, const diag *g)
{
	int lint = lint_rule_find(g->rule) != NULL;
	for (size_t i = 0; i < c->n; i++) {
		supp *s = &c->v[i];
		if (!s->has_reason || g->line < s->first || g->line > s->last)
			continue;
		for (size_t k = 0; k < s->nids; k++) {
			if (!id_is(s, k, g->rule))
				continue;
			if (lint) {
				s->used[k] = 1;
				return 1;
			}
			if (g->severity == SEV_ERROR)
				s->used[k] = 2;
		}
	}
	return 0;
}

/* what a suppression that took nothing away is told */
static void report_unused(sctx *c, const supp *s, size_t k)
{
	char id[SUPP_MAX_ID_LEN + 1];
	memcpy(id, s->id[k], s->idlen[k]);
	id[s->idlen[k]] = 0;
	if (s->used[k] == 2)
		report(c, s, "unknown-suppression",
		       "'%s' is a validation error, not a lint rule: it cannot be suppressed, fix the runbook",
		       id);
	else if (lint_rule_find(id))
		report(c, s, "unused-suppression",
		       "suppression of '%s' matches no finding on the lines it covers: remove it", id);
	else {
		char hint[SUPP_MAX_ID_LEN + 32];
		report(c, s, "unknown-suppression", "no lint rule '%s'%s", id,
		       lint_rule_hint(id, hint, sizeof hint));
	}
}

void lint_suppress(const runbook *rb, diags *dg, size_t first)
{
	sctx c = { .rb = rb, .dg = dg, .src = rb->d.src, .len = rb->d.srclen };
	if (!c.src || !memchr(c.src, '#', c.len))
		return;
	index_lines(&c);
	add_spans(&c, rb->d.root, 0);
	if (c.nspans)
		qsort(c.spans, c.nspans / 2, 2 * sizeof *c.spans, cmp_span);
	find_comments(&c);
	for (size_t j = first; j < dg->n; j++) {
		const diag *g = &dg->v[j];
		if (g->rule && g->file && !strcmp(g->file, rb->d.path) && suppressed(&c, g))
			diag_drop(dg, j--);
	}
	for (size_t i = 0; i < c.n; i++) {
		if (!c.v[i].has_reason) {
			report(&c, &c.v[i], "suppression-reason",
			       "suppression without a reason: say why after the ']' (until then it suppresses nothing)");
			continue;
		}
		for (size_t k = 0; k < c.v[i].nids; k++)
			if (c.v[i].used[k] != 1)
				report_unused(&c, &c.v[i], k);
	}
	free(c.lines);
	free(c.spans);
	free(c.v);
}
