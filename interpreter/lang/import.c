/*
 * import.c - a Markdown runbook into runbook YAML (import.h): the
 * document's blocks (md.h) into runbooks of steps, inputs and kept text,
 * then each written as YAML with its `# review:` comments.
 *
 * The YAML is written here rather than with libyaml's emitter because it
 * carries comments; every scalar goes through yaml_scalar(), which writes
 * it plain only when that reads back as the same string, as a literal
 * block when it has lines and only printable characters, else
 * double-quoted with escapes.
 */
#include "lang/import.h"
#include "base/utf8.h"
#include "base/value.h"
#include "lang/import_table.h"
#include "lang/md.h"
#include "lang/node.h"
#include "lang/prim.h"
#include "lang/runbook.h"
#include "lang/shword.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* the drill's inject, symptoms and guard: only docs' steps (phase= in their info) */
enum imp_phase { IPH_NONE, IPH_CHECKS, IPH_STEPS, IPH_VERIFY, IPH_CLEANUP, IPH_ROLLBACK, IPH_INJECT,
		 IPH_SYMPTOMS, IPH_GUARD, IPH_PROBES, IPH_N };
enum kind { K_EXEC, K_SHELL, K_MANUAL, K_PRIM };

typedef struct note {
	char *text;
	struct note *next;
} note;

typedef struct istep {
	char *id, *title, *desc, *cwd, *rollback_of;
	int kind, phase, effect;        /* effect: 0 read, 1 write, -1 not said */
	char **argv;
	size_t argc;
	char *text;                     /* shell text or manual instructions */
	sh_refs env;                    /* shell: the variables passed by env */
	note *notes, **tail;
	int line, col;
	struct istep *rollbacks;        /* attached by rollback-of or a Rollback section */
	struct istep *next_rb, **rb_tail;
	int attached;
	/* from a step table of docs: K_PRIM's primitive and action, the
	 * table's keys with their values (value.h values, written out) */
	const char *prim;
	value *action;
	const char **xk;
	value **xv;
	size_t nx;
	int idempotent;
	char **targv;                   /* exec: argv with the page's templates as written */
	int untabled;                   /* its table's keys failed validation */
	int out_first, out_last;        /* its lines in the YAML last written */
} istep;

typedef struct ivar {
	char *name, *spell, *def;
	int line, col;
	int secretish;
	int used;                       /* a $VAR of the document names it */
	/* declared by an Inputs table: its type and the keys it gives, each
	 * already YAML (tdef, values, min, max, items); NULL when not given */
	int declared, required;
	char *type, *from, *pattern, *tdef, *values, *min, *max, *min_items, *max_items, *desc;
} ivar;

/* a string set: step ids and input names */
typedef struct sset {
	char **v;
	void **val;
	size_t cap, n;
} sset;

typedef struct irb {
	char *id, *title;
	sbuf desc;
	istep **steps;
	size_t n, cap;
	ivar **in;
	size_t nin, capin;
	sset ids, inputs;
	note *notes, **tail;
	int line;
	int untyped;                    /* the Inputs table's types failed validation */
	int untabled;                   /* and the step tables' keys: not kept */
	char *guard_every;              /* the drill's guard: every (a guard step's Checked row) */
	/* the Connections table (name, kind, target) and the Defaults
	 * table (key, value): values held by the import */
	struct keyed { char *k, *kind; value *v; } *conns, *defs;
	size_t nconns, capconns, ndefs, capdefs;
	int drop_obj;                   /* and the Objectives table's: 1 steps-required, 2 all */
	char **obj_k, **obj_v;          /* the Objectives table: keys, values as YAML */
	size_t nobj, capobj, capobjv;
} irb;

typedef struct meta {
	char *id, *title, *owner, *version, *reviewed, *key, *in_doubt;
	char *reviewers, *audience, *tags;      /* flow lists, already YAML */
	sbuf extra;                             /* front matter kept as text */
	char *description;
} meta;

typedef struct imp {
	arena *a;
	const char *file;
	md_doc d;
	diags *rep;
	meta m;
	irb *rb;
	/* the walk */
	int hphase[7];                  /* the phase each open heading level gives */
	const char *hsect[7];           /* and its text */
	size_t hpending[7];             /* a heading's block index + 1 while not yet in the description */
	size_t hmark[7];                /* steps + description length when it came */
	int label;                      /* a **Label:** paragraph's phase, or -1 */
	const char *lead;               /* a paragraph ending in ':' before a code block */
	int kept_item;                  /* the description ends with a list item */
	size_t kept_end;                /* at this length */
	step_tbl tbl;                   /* a step table of docs before its block */
	const md_block *tbl_block;      /* that table, while its block has not come */
	size_t ol_len;                  /* out_line: where it counted to */
	int ol_line;
	value **vals;                   /* the values the steps hold, released at the end */
	size_t nvals, capvals;
} imp;

/* ---- small helpers ------------------------------------------------------ */

static size_t hash(const char *s)
{
	size_t h = 5381;
	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static void **sset_slot(arena *a, sset *s, const char *k, int add)
{
	if (add && 2 * (s->n + 1) > s->cap) {
		sset old = *s;
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = arena_alloc(a, s->cap * sizeof(*s->v));
		s->val = arena_alloc(a, s->cap * sizeof(*s->val));
		s->n = 0;
		for (size_t i = 0; i < old.cap; i++)
			if (old.v[i])
				*sset_slot(a, s, old.v[i], 1) = old.val[i];
	}
	if (!s->cap)
		return NULL;
	for (size_t i = hash(k) & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (!s->v[i]) {
			if (!add)
				return NULL;
			s->v[i] = arena_strdup(a, k);
			s->n++;
			return &s->val[i];
		}
		if (!strcmp(s->v[i], k))
			return &s->val[i];
	}
}

static void addnote(imp *im, note **tail_p, note ***tail, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void addnote(imp *im, note **head, note ***tail, int line, int col, const char *fmt, ...)
{
	va_list ap;
	note *n = arena_alloc(im->a, sizeof(*n));

	va_start(ap, fmt);
	char *t = vxasprintf(fmt, ap);
	va_end(ap);
	n->text = arena_strdup(im->a, t);
	diag_add(im->rep, SEV_WARNING, im->file, line, col, "import-review", "%s", t);
	free(t);
	if (!*tail)
		*tail = head;
	**tail = n;
	*tail = &n->next;
}

#define STEP_NOTE(im, st, ...) addnote((im), &(st)->notes, &(st)->tail, (st)->line, (st)->col, __VA_ARGS__)
#define RB_NOTE(im, line, col, ...) addnote((im), &(im)->rb->notes, &(im)->rb->tail, (line), (col), __VA_ARGS__)

/* [a-z0-9][a-z0-9-]*: the words of s, at most max bytes, cut at a word */
static char *slug(arena *a, const char *s, size_t max)
{
	char *r = arena_alloc(a, max + 1);
	size_t n = 0, cut = 0;
	int dash = 0;

	for (; *s && n < max; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) && c < 0x80) {
			if (dash && n) {
				cut = n;
				r[n++] = '-';
				if (n >= max)
					break;
			}
			r[n++] = (char)tolower(c);
			dash = 0;
		} else if (c != '\'' && c != '`') {
			dash = 1;
		}
	}
	if (n >= max && *s && cut)
		n = cut;
	while (n && r[n - 1] == '-')
		n--;
	r[n] = 0;
	return r;
}

static int valid_id(const char *s)
{
	if (!*s || !(islower((unsigned char)*s) || isdigit((unsigned char)*s)))
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return 0;
	return 1;
}

/* a unique step id from base (a fallback when base is empty) */
static char *unique_id(imp *im, const char *base)
{
	irb *rb = im->rb;
	char *id = (char *)(*base ? base : "step");

	if (!sset_slot(im->a, &rb->ids, id, 0)) {
		sset_slot(im->a, &rb->ids, id, 1);
		return arena_strdup(im->a, id);
	}
	void **count = sset_slot(im->a, &rb->ids, id, 0);
	for (size_t k = (size_t)*count + 2;; k++) {
		char *c = arena_printf(im->a, "%s-%zu", id, k);
		if (!sset_slot(im->a, &rb->ids, c, 0)) {
			*sset_slot(im->a, &rb->ids, id, 0) = (void *)(k - 1);
			sset_slot(im->a, &rb->ids, c, 1);
			return c;
		}
	}
}

/* text on one line: runs of whitespace as one space, trimmed */
static char *one_line(arena *a, const char *s, size_t n)
{
	char *r = arena_alloc(a, n + 1), *p = r;
	int sp = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n') {
			sp = p != r;
			continue;
		}
		if (sp)
			*p++ = ' ';
		sp = 0;
		*p++ = s[i];
	}
	*p = 0;
	return r;
}

/* ---- phases ------------------------------------------------------------- */

static const struct {
	const char *word;
	int phase;
} phase_words[] = {
	{ "verification", IPH_VERIFY }, { "verify", IPH_VERIFY }, { "validation", IPH_VERIFY },
	{ "validate", IPH_VERIFY }, { "diagnosis", IPH_CHECKS }, { "diagnose", IPH_CHECKS },
	{ "diagnostics", IPH_CHECKS }, { "triage", IPH_CHECKS }, { "checks", IPH_CHECKS },
	{ "prechecks", IPH_CHECKS }, { "pre-checks", IPH_CHECKS }, { "preconditions", IPH_CHECKS },
	{ "investigation", IPH_CHECKS }, { "mitigation", IPH_STEPS }, { "remediation", IPH_STEPS },
	{ "steps", IPH_STEPS }, { "procedure", IPH_STEPS }, { "resolution", IPH_STEPS },
	{ "fix", IPH_STEPS }, { "cleanup", IPH_CLEANUP }, { "clean-up", IPH_CLEANUP },
	{ "clean up", IPH_CLEANUP }, { "teardown", IPH_CLEANUP }, { "rollback", IPH_ROLLBACK },
	{ "roll back", IPH_ROLLBACK }, { "rollbacks", IPH_ROLLBACK }, { "revert", IPH_ROLLBACK },
	{ "undo", IPH_ROLLBACK },
};

/* the phase a heading or label names (its first words, numbering and
 * markup left out), IPH_NONE when it names none */
static int phase_of(const char *s, size_t n)
{
	char w[32];
	size_t k = 0, i = 0;

	while (i < n && (isdigit((unsigned char)s[i]) || strchr(" \t.)#*_:", s[i])))
		i++;
	for (; i < n && k < sizeof w - 1; i++) {
		unsigned char c = (unsigned char)s[i];
		if (strchr("*_:`", (char)c))
			continue;
		w[k++] = (char)tolower(c);
	}
	while (k && (w[k - 1] == ' ' || w[k - 1] == '.' || w[k - 1] == '\t'))
		k--;
	w[k] = 0;
	if (i < n && k == sizeof w - 1)
		return IPH_NONE;
	for (size_t j = 0; j < sizeof phase_words / sizeof phase_words[0]; j++) {
		size_t l = strlen(phase_words[j].word);
		/* the whole name, or its first word and at most two more ("Verify the rollout") */
		if (!strcmp(w, phase_words[j].word))
			return phase_words[j].phase;
		if (!strncmp(w, phase_words[j].word, l) && w[l] == ' ') {
			int words = 0;
			for (const char *p = w + l; *p; p++)
				words += *p == ' ';
			if (words <= 3 && phase_words[j].phase != IPH_ROLLBACK && phase_words[j].phase != IPH_STEPS)
				return phase_words[j].phase;
		}
	}
	return IPH_NONE;
}

/* the phase content is in: a label's, else the innermost heading's that names one */
static int cur_phase(const imp *im)
{
	if (im->label >= 0)
		return im->label;
	for (int l = 6; l >= 1; l--)
		if (im->hsect[l] && im->hphase[l] != IPH_NONE)
			return im->hphase[l];
	return IPH_NONE;
}

static const char *cur_section(const imp *im)
{
	for (int l = 6; l >= 1; l--)
		if (im->hsect[l])
			return im->hsect[l];
	return NULL;
}

/* ---- the description: what is kept as text ----------------------------- */

static void keep_text(imp *im, const char *s, size_t n)
{
	sbuf *d = &im->rb->desc;

	if (d->len)
		sbuf_adds(d, d->buf[d->len - 1] == '\n' ? "\n" : "\n\n");
	sbuf_add(d, s, n);
	im->kept_item = 0;
}

/* a block kept verbatim, after the headings above it not yet written */
static void keep_block(imp *im, const md_block *b)
{
	for (int l = 1; l <= 6; l++) {
		if (im->hpending[l]) {
			const md_block *h = &im->d.v[im->hpending[l] - 1];
			keep_text(im, im->d.src + h->off, h->end - h->off);
			im->hpending[l] = 0;
		}
	}
	if (b->kind == MD_ITEM && im->kept_item && im->kept_end == im->rb->desc.len)
		sbuf_add(&im->rb->desc, im->d.src + b->off, b->end - b->off);
	else
		keep_text(im, im->d.src + b->off, b->end - b->off);
	im->kept_item = b->kind == MD_ITEM;
	im->kept_end = im->rb->desc.len;
}

/* ---- inputs ------------------------------------------------------------- */

static int secretish(const char *name)
{
	static const char *const words[] = { "token", "password", "passwd", "secret", "key", "dsn", "credential", NULL };
	for (size_t i = 0; words[i]; i++)
		if (strstr(name, words[i]))
			return 1;
	return 0;
}

/* the input a reference names (made on first use) */
static ivar *use_input(imp *im, const sh_ref *r, int line, int col)
{
	irb *rb = im->rb;
	void **slot = sset_slot(im->a, &rb->inputs, r->name, 0);
	ivar *v;

	if (slot) {
		v = *slot;
		if (v->declared && !v->used)
			v->spell = arena_strdup(im->a, r->spell);   /* as the document writes it */
		v->used = 1;
		if (!v->def && r->def)
			v->def = arena_strdup(im->a, r->def);
		return v;
	}
	v = arena_alloc(im->a, sizeof(*v));
	v->name = arena_strdup(im->a, r->name);
	v->spell = arena_strdup(im->a, r->spell);
	v->def = r->def ? arena_strdup(im->a, r->def) : NULL;
	v->line = line;
	v->col = col;
	v->secretish = secretish(v->name);
	v->used = 1;
	*sset_slot(im->a, &rb->inputs, r->name, 1) = v;
	rb->in = arena_grow(im->a, rb->in, rb->nin, &rb->capin, sizeof(*rb->in));
	rb->in[rb->nin++] = v;
	return v;
}

static void use_inputs(imp *im, const sh_refs *refs, int line, int col)
{
	for (size_t i = 0; i < refs->n; i++)
		use_input(im, &refs->v[i], line, col);
}

/* ---- an Inputs table ---------------------------------------------------- */

/*
 * A table under a heading "Inputs" whose columns are Name, Type,
 * Required, Default and Description (as `runbook docs` writes it) declares
 * typed inputs.  The Type cell is a type, then what `docs` writes of its
 * constraints: " (from env:NAME; never shown)" for a secret, ": [values]",
 * ", pattern P", ", min N", ", max N", ", at least N items", ", at most N
 * items".  A table that does not read this way is kept as text.
 */
static char *flow_list(imp *im, const node *n);
static void flow_scalar(sbuf *o, const char *s);

#define TBL_COLS 5

/* a cell's text: trimmed, backslash escapes, &amp; &lt; &gt; and <br> undone; NULL for "-" or empty */
static char *cell_text(imp *im, const char *s, size_t n)
{
	static const char *const ent[][2] = { { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
					      { "&quot;", "\"" }, { "<br>", "\n" } };
	sbuf b = { 0 };
	char *r;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0, el = 0;
		if (s[i] == '\\' && i + 1 < n && ispunct((unsigned char)s[i + 1])) {
			sbuf_addc(&b, s[++i]);
			continue;
		}
		for (; k < sizeof ent / sizeof ent[0]; k++)
			if (!strncmp(s + i, ent[k][0], (el = strlen(ent[k][0]))) && i + el <= n)
				break;
		if (k < sizeof ent / sizeof ent[0]) {
			sbuf_adds(&b, ent[k][1]);
			i += el - 1;
		} else {
			sbuf_addc(&b, s[i]);
		}
	}
	r = b.len && !(b.len == 1 && b.buf[0] == '-') ? arena_strndup(im->a, b.buf, b.len) : NULL;
	sbuf_release(&b);
	return r;
}

/* the cells of the table row s[0..n) (| escaped by \ stays in its cell):
 * their count, max + 1 when there are more (max <= TBL_COLS) */
static size_t row_cells(const char *s, size_t n, const char **cs, size_t *cl, size_t max)
{
	size_t i = 0, k = 0, start;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	i += i < n && s[i] == '|';
	for (start = i; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
		} else if (s[i] == '|') {
			if (k == max)
				return max + 1;
			cs[k] = s + start;
			cl[k++] = i - start;
			start = i + 1;
		}
	}
	while (start < n && (s[start] == ' ' || s[start] == '\t'))
		start++;
	if (start < n) {
		if (k == max)
			return max + 1;
		cs[k] = s + start;
		cl[k++] = n - start;
	}
	return k;
}

/* a number as YAML reads one: digits, '.', an exponent */
static int number_ok(const char *s)
{
	char *e;
	if (!s || !*s || strspn(s, "0123456789.eE+-") != strlen(s) || !isdigit((unsigned char)s[strspn(s, "+-")]))
		return 0;
	(void)strtod(s, &e);
	return !*e;
}

/* the number ending [p, *end) after lead and before tail: its text, and *end moved before lead */
static char *tail_num(imp *im, const char *p, const char **end, const char *lead, const char *tail)
{
	size_t tl = strlen(tail), ll = strlen(lead);
	const char *e = *end, *q;
	char *num;

	if ((size_t)(e - p) < tl + ll + 1 || strncmp(e - tl, tail, tl))
		return NULL;
	e -= tl;
	for (q = e; q > p && strchr("0123456789.eE+-", q[-1]); q--)
		;
	if ((size_t)(q - p) < ll || strncmp(q - ll, lead, ll))
		return NULL;
	num = arena_strndup(im->a, q, (size_t)(e - q));
	if (!number_ok(num))
		return NULL;
	*end = q - ll;
	return num;
}

/* s as YAML: a list of scalars, as a flow list ("[]" for an empty one); NULL otherwise */
static char *yaml_list(imp *im, const char *s, size_t n)
{
	arena a;
	doc y;
	diags scratch;
	char *r = NULL;

	diags_init(&scratch);
	arena_init(&a);
	if (load_buffer(&a, "<inputs table>", s, n, &y, &scratch) == 0 && y.root && y.root->kind == N_SEQ)
		r = y.root->n ? flow_list(im, y.root) : arena_strdup(im->a, "[]");
	arena_free(&a);
	diags_release(&scratch);
	return r;
}

/* the Type cell into v: 0 when it is not one `docs` writes */
static int type_cell(imp *im, const char *t, ivar *v)
{
	size_t wl = strspn(t, "abcdefghijklmnopqrstuvwxyz"), k = 0;
	const char *p = t + wl, *end;

	for (; rb_keys.input_types[k]; k++)
		if (strlen(rb_keys.input_types[k]) == wl && !strncmp(t, rb_keys.input_types[k], wl))
			break;
	if (!wl || !rb_keys.input_types[k])
		return 0;
	v->type = arena_strndup(im->a, t, wl);
	if (!strncmp(p, " (from ", 7)) {
		const char *q = strstr(p, "; never shown)");
		if (!q || strcmp(v->type, "secret"))
			return 0;
		v->from = arena_strndup(im->a, p + 7, (size_t)(q - p - 7));
		p = q + 14;
	}
	end = p + strlen(p);
	if (!strcmp(v->type, "list")) {
		v->max_items = tail_num(im, p, &end, ", at most ", " items");
		v->min_items = tail_num(im, p, &end, ", at least ", " items");
	} else if (!strcmp(v->type, "int") || !strcmp(v->type, "number")) {
		v->max = tail_num(im, p, &end, ", max ", "");
		v->min = tail_num(im, p, &end, ", min ", "");
	}
	if (!strncmp(p, ": ", 2)) {
		/* the values, then maybe a pattern: the first split that reads as a list */
		const char *q = p + 2, *cut = end;
		for (int tries = 0; !v->values && tries < 8; tries++) {
			const char *pat = strstr(q, ", pattern ");
			cut = pat && pat < end ? pat : end;
			v->values = yaml_list(im, p + 2, (size_t)(cut - p - 2));
			if (cut == end)
				break;
			q = cut + 1;
		}
		if (!v->values)
			return 0;
		p = cut;
	}
	if (!strncmp(p, ", pattern ", 10)) {
		v->pattern = arena_strndup(im->a, p + 10, (size_t)(end - p - 10));
		p = end;
	}
	return p == end;
}

/* the Default cell, by the type: 0 when it does not fit */
static int default_cell(imp *im, char *d, ivar *v)
{
	if (!d || !strcmp(v->type, "secret"))
		return 1;
	if (!strcmp(v->type, "int") || !strcmp(v->type, "number"))
		v->tdef = number_ok(d) ? d : NULL;
	else if (!strcmp(v->type, "bool"))
		v->tdef = !strcmp(d, "true") || !strcmp(d, "false") ? d : NULL;
	else if (!strcmp(v->type, "list"))
		v->tdef = yaml_list(im, d, strlen(d));
	else {
		sbuf b = { 0 };
		flow_scalar(&b, d);
		v->tdef = arena_strndup(im->a, b.buf, b.len);
		sbuf_release(&b);
	}
	return v->tdef != NULL;
}

/* one row into an input (not yet declared): NULL when it does not read as one */
static ivar *table_row(imp *im, const char *const *cs, const size_t *cl, int line)
{
	ivar *v = arena_alloc(im->a, sizeof(*v));
	char *req = cell_text(im, cs[2], cl[2]), *t = cell_text(im, cs[1], cl[1]);

	v->name = cell_text(im, cs[0], cl[0]);
	v->line = line;
	v->col = 1;
	v->declared = 1;
	if (!v->name || strchr(v->name, '\n') || !t || !req || (strcmp(req, "yes") && strcmp(req, "no")))
		return NULL;
	v->spell = v->name;
	v->secretish = secretish(v->name);
	v->required = !strcmp(req, "yes");
	v->desc = cell_text(im, cs[4], cl[4]);
	if (!type_cell(im, t, v) || !default_cell(im, cell_text(im, cs[3], cl[3]), v))
		return NULL;
	return v;
}

/* a table's row after its head: 0 when it does not read as one */
typedef int table_row_fn(imp *im, const char *const *cs, const size_t *cl, int line, void *ctx);

/* the table block b, under a heading named sect (NULL: any), with the
 * columns head (ncols of them; NULL: the head row goes to fn too): each
 * row to fn; 0 when it is not that table */
static int read_table(imp *im, const md_block *b, const char *sect, const char *const *head, size_t ncols,
		      table_row_fn *fn, void *ctx)
{
	const char *s = im->d.src + b->off, *cs[TBL_COLS + 1];
	size_t n = b->end - b->off, cl[TBL_COLS + 1];
	const char *cur = cur_section(im);

	if ((sect && (!cur || strcasecmp(cur, sect))) || s[strspn(s, " \t")] != '|')
		return 0;
	for (int row = 0; n; row++) {
		size_t l = strcspn(s, "\n");
		size_t k = row_cells(s, l < n ? l : n, cs, cl, ncols);
		if (k != ncols)
			return 0;
		for (size_t c = 0; c < ncols && row < 2 && (head || row); c++) {
			char *t = row == 1 ? NULL : cell_text(im, cs[c], cl[c]);
			if (row == 0 && (!t || strcasecmp(t, head[c])))
				return 0;
			if (row == 1 && (!cl[c] || strspn(cs[c], "-: \t") < cl[c]))
				return 0;
		}
		if ((row > 1 || (!head && !row)) && !fn(im, cs, cl, b->line + row, ctx))
			return 0;
		s += l + (l < n);
		n -= l + (l < n);
	}
	return 1;
}

typedef struct vlist {
	ivar **v;
	size_t n, cap;
	sset seen;
} vlist;

static int input_row(imp *im, const char *const *cs, const size_t *cl, int line, void *ctx)
{
	vlist *vs = ctx;
	ivar *v = table_row(im, cs, cl, line);

	if (!v || sset_slot(im->a, &vs->seen, v->name, 0))
		return 0;
	sset_slot(im->a, &vs->seen, v->name, 1);
	vs->v = arena_grow(im->a, vs->v, vs->n, &vs->cap, sizeof(*vs->v));
	vs->v[vs->n++] = v;
	return 1;
}

/* the table block b, under a heading "Inputs", into declared inputs: 0 when it is not an Inputs table */
static int inputs_table(imp *im, const md_block *b)
{
	static const char *const head[TBL_COLS] = { "name", "type", "required", "default", "description" };
	vlist vs = { 0 };
	irb *rb = im->rb;

	if (!read_table(im, b, "inputs", head, TBL_COLS, input_row, &vs))
		return 0;
	for (size_t i = 0; i < vs.n; i++) {
		if (sset_slot(im->a, &rb->inputs, vs.v[i]->name, 0))
			continue;       /* a second table: the first one's input stays */
		*sset_slot(im->a, &rb->inputs, vs.v[i]->name, 1) = vs.v[i];
		rb->in = arena_grow(im->a, rb->in, rb->nin, &rb->capin, sizeof(*rb->in));
		rb->in[rb->nin++] = vs.v[i];
	}
	return 1;
}

/* n (a scalar, or a list of scalars and lists of scalars) as YAML on one
 * line; *ok cleared when it is none of these */
static void flow_node(imp *im, sbuf *o, const node *n, int depth, int *ok)
{
	if (n->kind == N_SCALAR) {
		flow_scalar(o, n->str);
		*ok &= n->len == strlen(n->str);
		return;
	}
	if (n->kind != N_SEQ || depth > 1) {
		*ok = 0;
		return;
	}
	sbuf_addc(o, '[');
	for (size_t i = 0; i < n->n; i++) {
		if (i)
			sbuf_adds(o, ", ");
		flow_node(im, o, n->vals[i], depth + 1, ok);
	}
	sbuf_addc(o, ']');
}

static int objective_row(imp *im, const char *const *cs, const size_t *cl, int line, void *ctx)
{
	irb *rb = im->rb;
	char *k = cell_text(im, cs[0], cl[0]), *t = cell_text(im, cs[1], cl[1]);
	size_t i = 0;
	sbuf o = { 0 };
	int ok = 1;

	(void)ctx;
	while (k && rb_keys.objectives.names[i] && strcmp(rb_keys.objectives.names[i], k))
		i++;
	if (!k || !t || !rb_keys.objectives.names[i])
		return 0;
	for (size_t j = 0; j < rb->nobj; j++)
		if (!strcmp(rb->obj_k[j], k))
			return 0;
	if (!strcmp(k, "steps-required")) {
		arena a;
		doc y;
		diags scratch;
		diags_init(&scratch);
		arena_init(&a);
		if (load_buffer(&a, "<objectives table>", t, strlen(t), &y, &scratch) == 0 && y.root &&
		    y.root->kind == N_SEQ)
			flow_node(im, &o, y.root, 0, &ok);
		else
			ok = 0;
		arena_free(&a);
		diags_release(&scratch);
	} else {
		flow_scalar(&o, t);
	}
	if (ok && o.len) {
		rb->obj_k = arena_grow(im->a, rb->obj_k, rb->nobj, &rb->capobj, sizeof(*rb->obj_k));
		rb->obj_v = arena_grow(im->a, rb->obj_v, rb->nobj, &rb->capobjv, sizeof(*rb->obj_v));
		rb->obj_k[rb->nobj] = k;
		rb->obj_v[rb->nobj++] = arena_strndup(im->a, o.buf, o.len);
	}
	sbuf_release(&o);
	return ok;
}

/* an Objectives table (Objective, Target) into the runbook's objectives */
static int objectives_table(imp *im, const md_block *b)
{
	static const char *const head[] = { "objective", "target" };
	size_t before = im->rb->nobj;

	if (read_table(im, b, "objectives", head, 2, objective_row, NULL))
		return 1;
	im->rb->nobj = before;
	return 0;
}

static value *hold(imp *im, value *v);
typedef struct keyed keyed;

/* a row of docs' Connections or Defaults table: the last cell a code span */
static int keyed_row(imp *im, const char *const *cs, const size_t *cl, int line, void *ctx)
{
	irb *rb = im->rb;
	int conn = ctx != NULL;
	char *k = cell_text(im, cs[0], cl[0]), *kind = conn ? cell_text(im, cs[1], cl[1]) : NULL;
	value *v = tbl_value(cs[conn ? 2 : 1], cl[conn ? 2 : 1]);

	(void)line;
	if (!v)
		return 0;
	hold(im, v);
	if (!k || (conn && !kind) || !valid_id(k))
		return 0;
	keyed **l = conn ? &rb->conns : &rb->defs;
	size_t *n = conn ? &rb->nconns : &rb->ndefs;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*l)[i].k, k))
			return 0;
	*l = arena_grow(im->a, *l, *n, conn ? &rb->capconns : &rb->capdefs, sizeof(**l));
	(*l)[(*n)++] = (keyed){ k, kind, v };
	return 1;
}

/* docs' Connections table (Name, Kind, Target) or Defaults table
 * (Default, Value): 0 when b is neither (none of its rows kept) */
static int keyed_table(imp *im, const md_block *b)
{
	static const char *const chead[] = { "name", "kind", "target" }, *const dhead[] = { "default", "value" };
	irb *rb = im->rb;
	size_t nc = rb->nconns, nd = rb->ndefs;

	if (read_table(im, b, "connections", chead, 3, keyed_row, im) ||
	    read_table(im, b, "defaults", dhead, 2, keyed_row, NULL))
		return 1;
	rb->nconns = nc;
	rb->ndefs = nd;
	return 0;
}

/* ---- steps -------------------------------------------------------------- */

static istep *new_step(imp *im, int kind, int phase, int line, int col)
{
	irb *rb = im->rb;
	istep *st = arena_alloc(im->a, sizeof(*st));

	st->kind = kind;
	st->phase = phase;
	st->effect = -1;
	st->line = line;
	st->col = col;
	rb->steps = arena_grow(im->a, rb->steps, rb->n, &rb->cap, sizeof(*rb->steps));
	rb->steps[rb->n++] = st;
	if (phase == IPH_NONE) {
		const char *s = cur_section(im);
		st->phase = IPH_STEPS;
		STEP_NOTE(im, st, "put in steps: %s%s%s names no phase", s ? "section '" : "the text before any heading",
			  s ? one_line(im->a, s, strlen(s)) : "", s ? "'" : "");
	}
	return st;
}

/* the step's id: from its title, else from its command's words */
static void name_step(imp *im, istep *st, const char *explicit_id)
{
	if (explicit_id) {
		char *s = slug(im->a, explicit_id, 60);
		if (strcmp(s, explicit_id) || !valid_id(s))
			STEP_NOTE(im, st, "id '%s' made from the name '%s'", *s ? s : "step", explicit_id);
		st->id = unique_id(im, s);
		if (strcmp(st->id, s) && *s)
			STEP_NOTE(im, st, "the name '%s' is taken: id '%s'", s, st->id);
		return;
	}
	sbuf b = { 0 };
	if (st->title) {
		sbuf_adds(&b, st->title);
	} else if (st->kind == K_EXEC) {
		for (size_t i = 0, k = 0; i < st->argc && k < 3; i++)
			if (st->argv[i][0] != '-' && !strstr(st->argv[i], "${{")) {
				const char *w = strrchr(st->argv[i], '/') && i == 0 ? strrchr(st->argv[i], '/') + 1 : st->argv[i];
				sbuf_addf(&b, "%s ", w);
				k++;
			}
	} else if (st->text) {
		sbuf_add(&b, st->text, strcspn(st->text, "\n"));
	}
	st->id = unique_id(im, slug(im->a, b.buf ? b.buf : "", 40));
	sbuf_release(&b);
}

/* the title: text on one line, a trailing ':' dropped */
static char *title_of(imp *im, const char *s)
{
	char *t = one_line(im->a, s, strlen(s));
	size_t n = strlen(t);

	if (n && t[n - 1] == ':')
		t[n - 1] = 0;
	return *t ? t : NULL;
}

static void set_effect(imp *im, istep *st, const char *read_why, const char *said)
{
	if (said) {
		st->effect = !strcmp(said, "read") ? 0 : 1;
		return;
	}
	st->effect = read_why ? 0 : 1;
	if (read_why)
		STEP_NOTE(im, st, "effect read: '%s' is a known read", read_why);
	else
		STEP_NOTE(im, st, "effect write: not a known read; say what undoes it (rollback), or effect: read");
}

static istep *exec_step(imp *im, sh_cmd *c, int phase, int line, int col, const char *title,
			const char *id, const char *effect)
{
	istep *st = new_step(im, K_EXEC, phase, line, col);

	st->argv = c->argv;
	st->argc = c->argc;
	st->title = title ? arena_strdup(im->a, title) : NULL;
	name_step(im, st, id);
	set_effect(im, st, sh_read(im->a, c->raw, c->argc), effect);
	use_inputs(im, &c->refs, line, col);
	return st;
}

static istep *shell_step(imp *im, const char *s, size_t n, int phase, int line, int col,
			 const char *title, const char *id, const char *effect, const char *why)
{
	istep *st = new_step(im, K_SHELL, phase, line, col);
	sh_refs refs = { 0 };
	int is_read;

	st->text = sh_shell_text(im->a, s, n, &refs, &is_read);
	st->title = title ? arena_strdup(im->a, title) : NULL;
	name_step(im, st, id);
	if (why)
		STEP_NOTE(im, st, "a shell step: the commands have %s", why);
	set_effect(im, st, is_read ? "every command in it" : NULL, effect);
	use_inputs(im, &refs, line, col);
	for (size_t i = 0; i < refs.n; i++) {
		int dup = 0;
		if (!refs.v[i].env)
			continue;
		for (size_t k = 0; k < st->env.n && !dup; k++)
			dup = !strcmp(st->env.v[k].name, refs.v[i].name);
		if (!dup) {
			sh_refs *e = &st->env;
			e->v = arena_grow(im->a, e->v, e->n, &e->cap, sizeof(*e->v));
			e->v[e->n++] = refs.v[i];
		}
	}
	for (size_t i = 0; i < refs.n; i++)
		if (!refs.v[i].env)
			STEP_NOTE(im, st, "'%s' is pasted into the shell text: quote it, or pass it through env", refs.v[i].spell);
	return st;
}

static istep *manual_step(imp *im, const char *text, int phase, int line, int col)
{
	istep *st = new_step(im, K_MANUAL, phase, line, col);

	st->text = arena_strdup(im->a, text);
	name_step(im, st, NULL);
	return st;
}

/* the programs a code span in prose is taken for a command of */
static const char *const tools =
	"kubectl kubectx kubens oc helm kind docker docker-compose podman systemctl journalctl service "
	"curl wget http https psql pg_dump pg_restore redis-cli kafka-topics kafka-consumer-groups "
	"kafka-console-consumer kcat kafkacat python python3 pip pip3 npm node go make git gh aws "
	"gcloud az terraform ansible ansible-playbook ssh scp rsync vault jq cat ls grep tail head tar "
	"open echo sudo promtool amtool nc dig ping openssl kill pkill ps top df du free cp mv rm mkdir "
	"chmod chown ln touch sed awk source bash sh zsh crictl etcdctl consul nomad mysql mongo mongosh "
	"sqlite3 redis-server nginx haproxy iptables ip ss netstat lsof strace tcpdump dmesg uptime find "
	"xargs wc sort uniq cut tr env printenv stat file";

static int is_tool(const char *w, size_t n)
{
	char buf[40];

	if (n >= 2 && !memcmp(w, "./", 2))
		return 1;
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, w, n);
	buf[n] = 0;
	const char *p = strstr(tools, buf);
	while (p && !((p == tools || p[-1] == ' ') && (p[n] == ' ' || !p[n])))
		p = strstr(p + 1, buf);
	return p != NULL;
}

/* a code span that is a command: a known program and at least one word more */
static int is_command(const char *s, size_t n)
{
	size_t w = strcspn(s, " \t");

	return w < n && is_tool(s, w) && strspn(s + w, " \t") < n - w;
}

/* the commands in the code spans of a paragraph or list item: steps */
static int text_commands(imp *im, const char *text, int phase, int line, int col)
{
	size_t pos = 0, st, len, at = 0;
	int made = 0, words = 0;
	char *title = title_of(im, text);

	/* a text that is only its code spans (and punctuation) is no title */
	while (md_code_span(text, &pos, &st, &len)) {
		for (; at < st; at++)
			words |= isalnum((unsigned char)text[at]) && text[at] != '`';
		at = st + len;
	}
	for (; text[at]; at++)
		words |= isalnum((unsigned char)text[at]);
	if (!words)
		title = NULL;
	pos = 0;

	while (md_code_span(text, &pos, &st, &len)) {
		if (!is_command(text + st, len))
			continue;
		char *cmd = arena_strndup(im->a, text + st, len);
		for (char *p = cmd; *p; p++)
			if (*p == '\n')
				*p = ' ';
		sh_cmd c;
		if (sh_split(im->a, cmd, len, &c))
			exec_step(im, &c, phase, line, col, title, NULL, NULL);
		else
			shell_step(im, cmd, len, phase, line, col, title, NULL, NULL, c.why);
		made++;
	}
	return made;
}

/* ---- code blocks -------------------------------------------------------- */

typedef struct attrs {
	const char *lang, *name, *effect, *title, *cwd, *rollback_of;
	const char *unknown[8];
	size_t nunknown;
} attrs;

/* the info string: a language, then Runme's {key=value ...} attributes */
static void parse_info(imp *im, const char *info, attrs *at)
{
	size_t n = strlen(info), i = strcspn(info, " \t{");
	const char *p;

	memset(at, 0, sizeof(*at));
	at->lang = arena_strndup(im->a, info, i);
	if (!(p = strchr(info + i, '{')))
		return;
	for (i = (size_t)(p - info) + 1; i < n && info[i] != '}';) {
		while (i < n && strchr(" \t,", info[i]))
			i++;
		size_t k = i;
		while (i < n && !strchr(" \t,=}", info[i]))
			i++;
		char *key = arena_strndup(im->a, info + k, i - k);
		char *val = "";
		if (i < n && info[i] == '=') {
			char q = ++i < n && (info[i] == '"' || info[i] == '\'') ? info[i++] : 0;
			k = i;
			while (i < n && (q ? info[i] != q : !strchr(" \t,}", info[i])))
				i++;
			val = arena_strndup(im->a, info + k, i - k);
			if (q && i < n)
				i++;
		}
		if (!*key)
			break;
		if (!strcmp(key, "name") || !strcmp(key, "id"))
			at->name = val;
		else if (!strcmp(key, "effect") && (!strcmp(val, "read") || !strcmp(val, "write")))
			at->effect = val;
		else if (!strcmp(key, "title"))
			at->title = val;
		else if (!strcmp(key, "cwd"))
			at->cwd = val;
		else if (!strcmp(key, "rollback-of"))
			at->rollback_of = val;
		else if (at->nunknown < sizeof at->unknown / sizeof at->unknown[0])
			at->unknown[at->nunknown++] = arena_printf(im->a, "%s=%s", key, val);
	}
}

static int shell_lang(const char *l)
{
	static const char *const langs[] = { "", "sh", "bash", "shell", "console", "zsh",
					     "shell-session", "shellsession", "terminal", NULL };
	for (size_t i = 0; langs[i]; i++)
		if (!strcasecmp(l, langs[i]))
			return 1;
	return 0;
}

/* the logical lines of a block: continuations joined; prompt mode keeps
 * only the lines after "$ " (the rest is the commands' output) */
typedef struct lines {
	char **v;
	int *lineno;
	size_t n;
	sbuf out;               /* prompt mode: the output lines */
} lines;

static int prompt_mode(const char *text, const char *lang)
{
	int cmds = 0, other = 0;

	for (const char *p = text; *p;) {
		size_t l = strcspn(p, "\n");
		if (l && *p != '#')
			(!strncmp(p, "$ ", 2) || (l == 1 && *p == '$')) ? cmds++ : other++;
		p += l + (p[l] == '\n');
	}
	return cmds && (!other || !strcasecmp(lang, "console") || !strcasecmp(lang, "shell-session"));
}

static void split_block(imp *im, const char *text, int first_line, int prompts, lines *L)
{
	size_t cap = 16;
	sbuf cur = { 0 };
	int start = 0, lineno = first_line;

	memset(L, 0, sizeof(*L));
	L->v = arena_alloc(im->a, cap * sizeof(*L->v));
	L->lineno = arena_alloc(im->a, cap * sizeof(int));
	for (const char *p = text; *p; lineno++) {
		size_t l = strcspn(p, "\n"), bs = 0;
		const char *s = p;
		p += l + (p[l] == '\n');
		if (prompts && !cur.len) {
			if (strncmp(s, "$ ", 2) && !(l == 1 && *s == '$')) {
				sbuf_add(&L->out, s, l);
				sbuf_addc(&L->out, '\n');
				continue;
			}
			s += l == 1 ? 1 : 2;
			l -= l == 1 ? 1 : 2;
		}
		while (bs < l && s[l - 1 - bs] == '\\')
			bs++;
		if (!cur.len)
			start = lineno;
		sbuf_add(&cur, s, l - (bs % 2));
		if (bs % 2 && *p)
			continue;
		if (L->n + 1 >= cap) {
			char **v = arena_alloc(im->a, 2 * cap * sizeof(*v));
			int *ln = arena_alloc(im->a, 2 * cap * sizeof(int));
			memcpy(v, L->v, L->n * sizeof(*v));
			memcpy(ln, L->lineno, L->n * sizeof(int));
			L->v = v;
			L->lineno = ln;
			cap *= 2;
		}
		L->lineno[L->n] = start;
		L->v[L->n++] = arena_strndup(im->a, cur.buf ? cur.buf : "", cur.len);
		cur.len = 0;
	}
	sbuf_release(&cur);
}

static void attr_notes(imp *im, istep *st, const attrs *at)
{
	for (size_t i = 0; i < at->nunknown; i++)
		if (strncmp(at->unknown[i], "phase=", 6) && strcmp(at->unknown[i], "shell=true"))
			STEP_NOTE(im, st, "the block's attribute '%s' has no runbook key", at->unknown[i]);
	if (at->cwd)
		st->cwd = arena_strdup(im->a, at->cwd);
	if (at->rollback_of)
		st->rollback_of = arena_strdup(im->a, at->rollback_of);
}

/* a comment line of a block: the next command's title; one that names a
 * phase (# Verify) moves the commands after it there */
static int block_comment(imp *im, const char *s, const char **title, int *phase)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '#')
		return 0;
	while (*s == '#' || *s == ' ')
		s++;
	*title = *s ? s : NULL;
	int ph = *s ? phase_of(s, strlen(s)) : IPH_NONE;
	if (ph != IPH_NONE)
		*phase = ph;
	(void)im;
	return 1;
}

/* a block that is not simple commands only, or one named cell: one shell step */
static void block_shell(imp *im, const md_block *b, const attrs *at, const lines *L, int prompts,
			const char *title, int phase, const char *why)
{
	sbuf t = { 0 };
	const char *text = b->text;
	size_t n = strlen(text);

	if (prompts) {
		for (size_t i = 0; i < L->n; i++) {
			sbuf_adds(&t, L->v[i]);
			sbuf_addc(&t, '\n');
		}
		text = t.buf ? t.buf : "";
		n = t.len;
	}
	istep *st = shell_step(im, text, n, phase, b->line, b->col, at->title ? at->title : title,
			       at->name, at->effect, why);
	attr_notes(im, st, at);
	sbuf_release(&t);
}

/* a code block's steps; phase -1: the headings' phase, a shell block's
 * (else kept as text), else that phase, the block's commands whatever
 * its language */
static void fence_plain(imp *im, const md_block *b, int phase)
{
	attrs at;
	lines L;
	const char *why = NULL, *title, *lead = im->lead;
	int prompts, forced = phase >= 0;
	size_t ncmd = 0;

	im->lead = NULL;
	parse_info(im, b->info, &at);
	if (!forced)
		phase = cur_phase(im);
	if (!forced && !shell_lang(at.lang)) {
		if (lead)
			keep_text(im, lead, strlen(lead));
		keep_block(im, b);
		return;
	}
	prompts = prompt_mode(b->text, at.lang);
	split_block(im, b->text, b->content_line, prompts, &L);
	sh_cmd *cmds = arena_alloc(im->a, (L.n + 1) * sizeof(*cmds));
	for (size_t i = 0; i < L.n; i++) {
		int ph;
		if (!L.v[i][strspn(L.v[i], " \t")] || block_comment(im, L.v[i], &title, &ph))
			continue;
		if (!sh_split(im->a, L.v[i], strlen(L.v[i]), &cmds[i]) && !why)
			why = cmds[i].why;
		ncmd++;
	}
	if (!ncmd) {
		if (lead)
			keep_text(im, lead, strlen(lead));
		keep_block(im, b);
		sbuf_release(&L.out);
		return;
	}
	if (why || (at.name && ncmd > 1)) {
		block_shell(im, b, &at, &L, prompts, lead ? title_of(im, lead) : NULL, phase, why);
	} else {
		const char *pending = lead ? title_of(im, lead) : at.title;
		istep *st = NULL;
		for (size_t i = 0; i < L.n; i++) {
			if (!L.v[i][strspn(L.v[i], " \t")]) {
				pending = NULL;
				continue;
			}
			if (block_comment(im, L.v[i], &title, &phase)) {
				pending = title;
				continue;
			}
			st = exec_step(im, &cmds[i], phase, L.lineno[i], 1, pending, at.name, at.effect);
			attr_notes(im, st, &at);
			if (cmds[i].comment)
				st->desc = arena_strdup(im->a, cmds[i].comment);
			pending = NULL;
		}
	}
	if (!at.lang[0] && !forced)
		RB_NOTE(im, b->line, b->col, "a code block without a language is taken for shell commands");
	if (L.out.len) {
		istep *last = im->rb->steps[im->rb->n - 1];
		last->desc = arena_printf(im->a, "%s%sOutput shown in the document:\n%s",
					  last->desc ? last->desc : "", last->desc ? "\n" : "", L.out.buf);
	}
	sbuf_release(&L.out);
}

/* ---- a step of docs: its table, then its block --------------------------- */

/* v kept until the import ends */
static value *hold(imp *im, value *v)
{
	im->vals = arena_grow(im->a, im->vals, im->nvals, &im->capvals, sizeof(*im->vals));
	im->vals[im->nvals++] = v;
	return v;
}

static int step_row_fn(imp *im, const char *const *cs, const size_t *cl, int line, void *ctx)
{
	step_tbl *t = ctx;
	char *label = cell_text(im, cs[0], cl[0]);

	if (!t->line)
		return tbl_head(t, label, cs[1], cl[1], line);
	if (label && !strcmp(label, "Title") && !t->title) {
		char *c = cell_text(im, cs[1], cl[1]);
		t->title = strdup(c ? c : "");
		return 1;
	}
	return tbl_row(t, label, cs[1], cl[1], line);
}

/* a table of docs' shape (| Step | `id` |): the next block's
 * step takes its keys; 0 when it is not one (a note when it has docs'
 * head but is not read) */
static int step_table(imp *im, const md_block *b)
{
	step_tbl *t = &im->tbl;
	int ok;

	memset(t, 0, sizeof *t);
	ok = read_table(im, b, NULL, NULL, 2, step_row_fn, t);
	if (ok && !t->prim) {
		snprintf(t->why, sizeof t->why, "it has no Primitive row");
		ok = 0;
	}
	if (!ok && t->line) {
		if (!t->why[0])
			snprintf(t->why, sizeof t->why, "a row of it is not two cells");
		RB_NOTE(im, t->why_line ? t->why_line : b->line, 1,
			"the step table of '%s' (line %d) is not read: %s", t->id, t->line, t->why);
	}
	if (!ok)
		tbl_release(t);
	else
		im->tbl_block = b;
	return ok;
}

/* the pending step table, not read (why): kept as text, as any table */
static void tbl_drop(imp *im, const char *why)
{
	if (!im->tbl_block)
		return;
	RB_NOTE(im, im->tbl.line, 1, "the step table of '%s' (line %d) is not read: %s", im->tbl.id,
		im->tbl.line, why);
	keep_block(im, im->tbl_block);
	im->tbl_block = NULL;
	tbl_release(&im->tbl);
}

/* s with shword's literal "${{" (written ${{ '${{' }}) a template's
 * again: a docs page shows the runbook's templates as written */
static char *unescaped(imp *im, const char *s)
{
	static const char esc[] = "${{ '${{' }}";
	sbuf b = { 0 };

	if (!strstr(s, esc))
		return (char *)s;
	for (const char *p = s; *p;) {
		const char *q = strstr(p, esc);
		size_t n = q ? (size_t)(q - p) : strlen(p);
		sbuf_add(&b, p, n);
		if (!q)
			break;
		sbuf_adds(&b, "${{");
		p = q + sizeof esc - 1;
	}
	char *r = arena_strndup(im->a, b.buf ? b.buf : "", b.len);
	sbuf_release(&b);
	return r;
}

/* the table's keys, effect and title on the step its block made */
static void apply_table(imp *im, istep *st)
{
	step_tbl *t = &im->tbl;

	st->xk = arena_alloc(im->a, (t->n + 1) * sizeof(*st->xk));
	st->xv = arena_alloc(im->a, (t->n + 1) * sizeof(*st->xv));
	for (size_t i = 0; i < t->n; i++) {
		const char *k = t->keys[i];
		if (!strcmp(k, "cwd"))
			st->cwd = NULL;
		else if (!strcmp(k, "env"))
			st->env.n = 0;
		else if (!strcmp(k, "description"))
			st->desc = NULL;
		st->xk[st->nx] = k;
		st->xv[st->nx++] = hold(im, v_retain(t->vals[i]));
	}
	if (t->effect >= 0)
		st->effect = t->effect;
	st->idempotent = t->idempotent;
	if (st->kind == K_EXEC) {
		st->targv = arena_alloc(im->a, (st->argc + 1) * sizeof(*st->targv));
		for (size_t i = 0; i < st->argc; i++)
			st->targv[i] = unescaped(im, st->argv[i]);
	}
	if (!st->title && t->title)
		st->title = arena_strdup(im->a, t->title);
}

/* a step of another primitive than exec: its action from its block */
static int table_step(imp *im, const md_block *b, const attrs *at, int phase, const char **why)
{
	value *a = tbl_action(&im->tbl, at->lang, b->text, why);
	if (!a)
		return 0;
	istep *st = new_step(im, K_PRIM, phase, b->line, b->col);
	st->prim = im->tbl.prim;
	st->action = hold(im, a);
	st->title = at->title ? arena_strdup(im->a, at->title) : NULL;
	name_step(im, st, at->name);
	attr_notes(im, st, at);
	apply_table(im, st);
	return 1;
}

/* the phase of a docs block's phase= attribute: the drill's inject,
 * symptoms or guard (or a rollback of one of their steps), a probe; -1
 * for another, the headings' phase without one */
static int block_phase(imp *im, const attrs *at)
{
	static const char *const names[] = { "phase=inject", "phase=symptoms", "phase=guard", "phase=probe" };
	static const int phases[] = { IPH_INJECT, IPH_SYMPTOMS, IPH_GUARD, IPH_PROBES };
	int cur = cur_phase(im);

	for (size_t i = 0; i < at->nunknown; i++) {
		if (strncmp(at->unknown[i], "phase=", 6))
			continue;
		for (size_t k = 0; k < sizeof names / sizeof *names; k++)
			if (!strcmp(at->unknown[i], names[k]))
				return cur == IPH_ROLLBACK ? cur : phases[k];
		return -1;
	}
	return cur;
}

/* a docs step of the guard: its Checked row gives the guard's every */
static void guard_every(imp *im, int phase)
{
	const char *c = im->tbl.checked;
	if (phase == IPH_GUARD && !im->rb->guard_every && c && !strncmp(c, "every ", 6) && c[6])
		im->rb->guard_every = arena_strdup(im->a, c + 6);
}

/* a docs exec step: its block's command (forced: whatever its language,
 * in phase); NULL, or why its table is not read */
static const char *table_exec(imp *im, const md_block *b, const attrs *at, int phase)
{
	size_t n0 = im->rb->n;

	fence_plain(im, b, shell_lang(at->lang) ? -1 : phase);
	if (im->rb->n == n0 + 1 && im->rb->steps[n0]->kind == K_EXEC &&
	    !strcmp(im->rb->steps[n0]->id, im->tbl.id)) {
		apply_table(im, im->rb->steps[n0]);
		return NULL;
	}
	return "its block is not one command";
}

/* a code block: after a step table of docs, the step the two describe */
static void fence_steps(imp *im, const md_block *b)
{
	const md_block *tb = im->tbl_block;
	const char *why = NULL;
	attrs at;
	int ph;

	im->tbl_block = NULL;
	if (!tb) {
		fence_plain(im, b, -1);
		return;
	}
	parse_info(im, b->info, &at);
	ph = block_phase(im, &at);
	if (ph <= IPH_NONE) {
		/* an unknown phase, or none: imported as before, its table kept as text */
		tbl_release(&im->tbl);
		keep_block(im, tb);
		fence_plain(im, b, -1);
		return;
	}
	guard_every(im, ph);
	if (!at.name || strcmp(at.name, im->tbl.id)) {
		why = "the block under it is not its step's";
	} else if (!(prim_find(im->tbl.prim)->flags & PF_ARGV)) {
		if (table_step(im, b, &at, ph, &why))
			why = NULL;
		else if (!why)
			why = "its block gives no action";
	} else if (!shell_lang(at.lang) && strcmp(at.lang, "text")) {
		why = "its block is not a command line";
	} else if ((why = table_exec(im, b, &at, ph))) {
		/* its block made the steps it did before */
		RB_NOTE(im, im->tbl.line, 1, "the step table of '%s' (line %d) is not read: %s", im->tbl.id,
			im->tbl.line, why);
		why = NULL;
	}
	if (why) {
		RB_NOTE(im, im->tbl.line, 1, "the step table of '%s' (line %d) is not read: %s", im->tbl.id,
			im->tbl.line, why);
		keep_block(im, tb);
		fence_plain(im, b, -1);
	}
	tbl_release(&im->tbl);
}

/* ---- the walk ----------------------------------------------------------- */

/* **Label:** at the start of a paragraph: the label's phase, *rest after it */
static int label_of(const char *t, const char **rest)
{
	if (strncmp(t, "**", 2) && strncmp(t, "__", 2))
		return IPH_NONE;
	const char *e = strstr(t + 2, t[0] == '*' ? "**" : "__");
	if (!e || e - t > 40)
		return IPH_NONE;
	const char *r = e + 2;
	if (!(e[-1] == ':' || *r == ':'))
		return IPH_NONE;
	int ph = phase_of(t + 2, (size_t)(e - t - 2));
	if (*r == ':')
		r++;
	while (*r == ' ' || *r == '\t' || *r == '\n')
		r++;
	*rest = r;
	return ph;
}

static int ends_with_colon(const char *t)
{
	size_t n = strlen(t);

	while (n && isspace((unsigned char)t[n - 1]))
		n--;
	return n && t[n - 1] == ':';
}

/* the next block is a shell code block (of this item, for an item) */
static int leads_block(const imp *im, size_t i, size_t end)
{
	const md_block *n = i + 1 < end ? &im->d.v[i + 1] : NULL;
	attrs at;

	if (!n || n->kind != MD_FENCE || (im->d.v[i].kind == MD_ITEM && n->item != (int)i))
		return 0;
	parse_info((imp *)im, n->info, &at);
	return shell_lang(at.lang);
}

static void text_block(imp *im, size_t i, size_t end)
{
	const md_block *b = &im->d.v[i];
	const char *text = b->text;
	int phase;

	if (b->kind == MD_PARA) {
		const char *rest;
		int ph = label_of(text, &rest);
		if (ph != IPH_NONE) {
			im->label = ph;
			if (!*rest)
				return;
			text = rest;
		}
	}
	phase = cur_phase(im);
	if (ends_with_colon(text) && leads_block(im, i, end)) {
		size_t pos = 0, s, l;
		int cmd = 0;
		while (md_code_span(text, &pos, &s, &l))
			cmd |= is_command(text + s, l);
		if (!cmd) {
			im->lead = text;
			return;
		}
	}
	if (text_commands(im, text, phase, b->line, b->col))
		return;
	if (phase != IPH_NONE || (b->kind == MD_ITEM && b->ordered)) {
		manual_step(im, text, phase, b->line, b->col);
		return;
	}
	keep_block(im, b);
}

/* the Inputs table's heading: not kept in the description */
static void drop_pending(imp *im)
{
	for (int l = 6; l >= 1; l--)
		if (im->hsect[l]) {
			im->hpending[l] = 0;
			return;
		}
}

/* the headings from level on end: one under which nothing came is kept */
static void drop_headings(imp *im, int level)
{
	for (int l = 6; l >= level; l--) {
		if (!im->hpending[l] || im->hmark[l] != im->rb->n + im->rb->desc.len)
			continue;
		const md_block *h = &im->d.v[im->hpending[l] - 1];
		im->hpending[l] = 0;
		keep_block(im, h);
	}
}

static void heading(imp *im, size_t i)
{
	const md_block *b = &im->d.v[i];

	drop_headings(im, b->level);
	for (int l = b->level; l <= 6; l++) {
		im->hsect[l] = NULL;
		im->hphase[l] = IPH_NONE;
		im->hpending[l] = 0;
	}
	im->hsect[b->level] = b->text;
	im->hphase[b->level] = phase_of(b->text, strlen(b->text));
	im->hpending[b->level] = i + 1;
	im->hmark[b->level] = im->rb->n + im->rb->desc.len;
	im->label = -1;
	im->lead = NULL;
}

static void walk(imp *im, size_t b0, size_t b1, size_t skip)
{
	memset(im->hsect, 0, sizeof im->hsect);
	memset(im->hpending, 0, sizeof im->hpending);
	im->label = -1;
	im->lead = NULL;
	for (size_t i = b0; i < b1; i++) {
		const md_block *b = &im->d.v[i];
		if (i + 1 == skip) {
			/* the runbook's title: the section its content is in, not text */
			heading(im, i);
			im->hpending[b->level] = 0;
			continue;
		}
		if (b->kind != MD_FENCE)
			tbl_drop(im, "no code block comes right after it");
		switch (b->kind) {
		case MD_HEADING:
			heading(im, i);
			break;
		case MD_PARA:
		case MD_ITEM:
			text_block(im, i, b1);
			break;
		case MD_FENCE:
			fence_steps(im, b);
			break;
		default:
			im->lead = NULL;
			if (inputs_table(im, b) || objectives_table(im, b) || keyed_table(im, b))
				drop_pending(im);
			else if (!step_table(im, b))
				keep_block(im, b);
		}
	}
	tbl_drop(im, "no code block comes right after it");
	drop_headings(im, 1);
	if (im->lead) {
		/* a lead-in whose block was not a step: keep it */
		keep_text(im, im->lead, strlen(im->lead));
		im->lead = NULL;
	}
}

/* ---- YAML --------------------------------------------------------------- */

/* the code point at s (valid UTF-8), its length in *len */
static long cp_at(const char *s, size_t n, size_t *len)
{
	long c = utf8_decode((const unsigned char *)s, 0, n, len);
	return c;
}

/* printable in YAML and not a line break of its own (NEL, LS, PS) */
static int printable(long c)
{
	return c == '\t' || (c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029) ||
	       (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int reserved_word(const char *s)
{
	static const char *const w[] = { "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", NULL };
	for (size_t i = 0; w[i]; i++)
		if (!strcasecmp(s, w[i]))
			return 1;
	return 0;
}

/* s can be written plain (also inside a flow list) and reads back as itself */
static int plain_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 200 || reserved_word(s))
		return 0;
	if (isdigit((unsigned char)s[0]) || s[0] == '.' || s[0] == '+' ||
	    (s[0] == '-' && (n == 1 || isdigit((unsigned char)s[1]) || s[1] == '.' || s[1] == ' ')))
		return 0;
	/* '@' and '`' are reserved indicators: no plain scalar starts with one */
	if (!(isalnum((unsigned char)s[0]) || strchr("_/(-", s[0])) || s[n - 1] == ' ')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_./+=@ ()-", s[i])))
			return 0;
	return 1;
}

static void dquote(sbuf *o, const char *s)
{
	size_t n = strlen(s), len;

	sbuf_addc(o, '"');
	for (size_t i = 0; i < n; i += len) {
		long c = cp_at(s + i, n - i, &len);
		if (c == '"' || c == '\\') {
			sbuf_addc(o, '\\');
			sbuf_addc(o, (char)c);
		} else if (c == '\n') {
			sbuf_adds(o, "\\n");
		} else if (c == '\t') {
			sbuf_adds(o, "\\t");
		} else if (c < 0 || !printable(c)) {
			if (c < 0)
				c = (unsigned char)s[i];
			sbuf_addf(o, c <= 0xFF ? "\\x%02lX" : "\\u%04lX", c);
		} else {
			sbuf_add(o, s + i, len);
		}
	}
	sbuf_addc(o, '"');
}

/* a literal block keeps s exactly: lines, printable characters only */
static int block_ok(const char *s)
{
	size_t n = strlen(s), len;

	if (!strchr(s, '\n') || !s[strspn(s, " \t\n")])
		return 0;
	for (size_t i = 0; i < n; i += len) {
		long c = cp_at(s + i, n - i, &len);
		if (c != '\n' && (c < 0 || !printable(c)))
			return 0;
	}
	return 1;
}

/* a scalar after "key: " (or "- "); block style at indent + 2 */
static void scalar(sbuf *o, const char *s, int indent)
{
	if (plain_ok(s)) {
		sbuf_adds(o, s);
		return;
	}
	if (!block_ok(s)) {
		dquote(o, s);
		return;
	}
	size_t n = strlen(s), trail = 0;
	while (trail < n && s[n - 1 - trail] == '\n')
		trail++;
	const char *first = s + strspn(s, "\n");
	sbuf_addc(o, '|');
	if (*first == ' ' || *first == '\t' || first != s)
		sbuf_addf(o, "%d", 2);
	sbuf_adds(o, trail == 0 ? "-" : trail > 1 ? "+" : "");
	const char *p = s, *e = s + n - (trail ? 1 : 0);
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(e - p);
		sbuf_addc(o, '\n');
		if (l)
			sbuf_addf(o, "%*s", indent + 2, "");
		sbuf_add(o, p, l);
		p += l;
		if (p >= e)
			break;
		p++;
	}
}

/* a flow scalar: plain or double-quoted */
static void flow_scalar(sbuf *o, const char *s)
{
	if (plain_ok(s))
		sbuf_adds(o, s);
	else
		dquote(o, s);
}

/* a comment line: its text on one line, no control or break characters */
static void comment(sbuf *o, int indent, const char *prefix, const char *t)
{
	size_t n = strlen(t), len;

	sbuf_addf(o, "%*s# %s", indent, "", prefix);
	for (size_t i = 0; i < n; i += len) {
		long c = cp_at(t + i, n - i, &len);
		if (c < 0x20 || !printable(c))
			sbuf_addc(o, ' ');
		else
			sbuf_add(o, t + i, len);
	}
	sbuf_addc(o, '\n');
}

static void notes_out(sbuf *o, int indent, const note *n)
{
	for (; n; n = n->next)
		comment(o, indent, "review: ", n->text);
}

static void key(sbuf *o, int indent, const char *k)
{
	sbuf_addf(o, "%*s%s: ", indent, "", k);
}

/* "key: value" on one line, when there is a value */
static void key_flow(sbuf *o, int indent, const char *k, const char *v)
{
	if (!v)
		return;
	key(o, indent, k);
	flow_scalar(o, v);
	sbuf_addc(o, '\n');
}

/* a templated field: a literal ${{ escaped */
static char *escaped(imp *im, const char *s)
{
	sbuf b = { 0 };
	tmpl_escape(&b, s, strlen(s));
	char *r = arena_strndup(im->a, b.buf ? b.buf : "", b.len);
	sbuf_release(&b);
	return r;
}

static void step_out(imp *im, sbuf *o, const istep *st, int indent);

/* a value in flow style: templates and every string as written */
static void flow_value(sbuf *o, const value *v)
{
	char *t;

	switch (v_type(v)) {
	case V_STR:
		flow_scalar(o, v_as_str(v));
		break;
	case V_LIST:
	case V_OBJ:
		sbuf_addc(o, v_type(v) == V_LIST ? '[' : '{');
		for (size_t i = 0; i < v_len(v); i++) {
			sbuf_adds(o, i ? ", " : "");
			if (v_type(v) == V_OBJ) {
				flow_scalar(o, v_obj_key(v, i));
				sbuf_adds(o, ": ");
			}
			flow_value(o, v_type(v) == V_OBJ ? v_obj_val(v, i) : v_list_get(v, i));
		}
		sbuf_addc(o, v_type(v) == V_LIST ? ']' : '}');
		break;
	default:
		t = v_to_json(v);
		sbuf_adds(o, t);
		free(t);
	}
}

/* a value after "key: ", then the line's end: a string as a scalar
 * (a literal block when it has lines), anything else in flow style */
static void value_out(sbuf *o, const value *v, int indent)
{
	if (v_type(v) == V_STR && strlen(v_as_str(v)) == v_str_len(v))
		scalar(o, v_as_str(v), indent);
	else
		flow_value(o, v);
	sbuf_addc(o, '\n');
}

/* a step of the drill's inject, symptoms or guard, or a probe, whose
 * table is not kept: not written (a manual step cannot stand there, nor
 * a probe without its effect) */
static int dropped(const imp *im, const istep *st)
{
	if (!st->untabled && !im->rb->untabled)
		return 0;
	return st->phase == IPH_PROBES || (st->kind == K_PRIM && (st->phase == IPH_INJECT ||
	       st->phase == IPH_SYMPTOMS || st->phase == IPH_GUARD));
}

static void steps_out(imp *im, sbuf *o, int indent, const char *k, int phase, int attached)
{
	irb *rb = im->rb;
	int any = 0;

	for (size_t i = 0; i < rb->n; i++) {
		const istep *st = rb->steps[i];
		if (st->phase != phase || st->attached != attached || dropped(im, st))
			continue;
		if (!any)
			sbuf_addf(o, "%*s%s:\n", indent, "", k);
		any = 1;
		step_out(im, o, st, indent + 2);
	}
}

/* the line o's next character is on (counted on from the last call) */
static int out_line(imp *im, const sbuf *o)
{
	if (o->len < im->ol_len)
		im->ol_len = 0, im->ol_line = 1;
	for (; im->ol_len < o->len; im->ol_len++)
		im->ol_line += o->buf[im->ol_len] == '\n';
	return im->ol_line ? im->ol_line : (im->ol_line = 1);
}

static void step_out(imp *im, sbuf *o, const istep *st, int indent)
{
	int in = indent + 2;
	istep *w = (istep *)st;         /* the lines it is written on */
	int tabled = !st->untabled && !im->rb->untabled;

	w->out_first = out_line(im, o);

	sbuf_addf(o, "%*s- ", indent, "");
	key_flow(o, 0, "id", st->id);
	notes_out(o, in, st->notes);
	key_flow(o, in, "title", st->title ? escaped(im, st->title) : NULL);
	if (st->desc) {
		key(o, in, "description");
		scalar(o, st->desc, in);
		sbuf_addc(o, '\n');
	}
	if (st->kind == K_EXEC) {
		key(o, in, "exec");
		sbuf_addc(o, '[');
		for (size_t i = 0; i < st->argc; i++) {
			if (i)
				sbuf_adds(o, ", ");
			flow_scalar(o, st->targv && tabled ? st->targv[i] : st->argv[i]);
		}
		sbuf_adds(o, "]\n");
	} else if (st->kind == K_PRIM && tabled) {
		key(o, in, st->prim);
		value_out(o, st->action, in);
	} else if (st->kind == K_PRIM) {
		char *j = v_to_json(st->action);
		key(o, in, "manual");
		scalar(o, escaped(im, arena_printf(im->a, "%s: %s", st->prim, j)), in);
		sbuf_addc(o, '\n');
		free(j);
	} else {
		key(o, in, st->kind == K_SHELL ? "shell" : "manual");
		scalar(o, st->kind == K_SHELL ? st->text : escaped(im, st->text), in);
		sbuf_addc(o, '\n');
	}
	for (size_t i = 0; i < st->nx && tabled; i++) {
		key(o, in, st->xk[i]);
		value_out(o, st->xv[i], in);
	}
	if (st->idempotent && tabled)
		sbuf_addf(o, "%*sidempotent: true\n", in, "");
	if (st->env.n) {
		sbuf_addf(o, "%*senv:\n", in, "");
		for (size_t i = 0; i < st->env.n; i++) {
			const char *sp = st->env.v[i].spell;
			size_t b = sp[1] == '{' ? 2 : 1, l = strspn(sp + b, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
			sbuf_addf(o, "%*s%.*s: \"${{ inputs.%s }}\"\n", in + 2, "", (int)l, sp + b, st->env.v[i].name);
		}
	}
	key_flow(o, in, "cwd", st->cwd ? escaped(im, st->cwd) : NULL);
	if (st->effect >= 0 && !st->attached)
		sbuf_addf(o, "%*seffect: %s\n", in, "", st->effect ? "write" : "read");
	if (st->rollbacks) {
		sbuf_addf(o, "%*srollback:\n", in, "");
		for (const istep *r = st->rollbacks; r; r = r->next_rb)
			step_out(im, o, r, in + 2);
	}
	w->out_last = out_line(im, o) - 1;
}

static void list_out(sbuf *o, const char *k, const char *flow)
{
	if (flow)
		sbuf_addf(o, "%s: %s\n", k, flow);
}

/* an input of the Inputs table: its keys */
static void declared_out(imp *im, sbuf *o, const ivar *v)
{
	const char *raw[][2] = { { "values", v->values }, { "min", v->min }, { "max", v->max },
				 { "min-items", v->min_items }, { "max-items", v->max_items }, { "default", v->tdef } };
	int implied = !v->tdef && strcmp(v->type, "secret");

	sbuf_adds(o, "  ");
	flow_scalar(o, v->name);
	sbuf_addf(o, ":\n    type: %s\n", v->type);
	key_flow(o, 4, "from", v->from);
	key_flow(o, 4, "pattern", v->pattern);
	for (size_t k = 0; k < sizeof raw / sizeof raw[0]; k++)
		if (raw[k][1])
			sbuf_addf(o, "    %s: %s\n", raw[k][0], raw[k][1]);
	if (v->required != implied)
		sbuf_addf(o, "    required: %s\n", v->required ? "true" : "false");
	key_flow(o, 4, "description", v->desc);
}

static void inputs_out(imp *im, sbuf *o)
{
	irb *rb = im->rb;
	int any = 0;

	for (size_t i = 0; i < rb->nin; i++) {
		const ivar *v = rb->in[i];
		if (v->declared && !v->used && rb->untyped)
			continue;
		if (!any++)
			sbuf_adds(o, "inputs:\n");
		if (v->declared && !rb->untyped) {
			declared_out(im, o, v);
			continue;
		}
		comment(o, 2, "review: ", v->def ? arena_printf(im->a, "from %s: a string, default from the document", v->spell)
						 : arena_printf(im->a, "from %s: a string, required (the document gives no default)", v->spell));
		if (v->secretish)
			comment(o, 2, "review: ", "a secret? type: secret with from: env:NAME, passed to the step by env");
		sbuf_adds(o, "  ");
		flow_scalar(o, v->name);
		sbuf_adds(o, ":\n    type: string\n");
		key_flow(o, 4, "default", v->def);
	}
}

static void meta_out(imp *im, sbuf *o)
{
	irb *rb = im->rb;
	const meta *m = &im->m;

	key_flow(o, 0, "runbook", rb->id);
	key_flow(o, 0, "title", rb->title);
	key_flow(o, 0, "version", m->version);
	key_flow(o, 0, "owner", m->owner);
	list_out(o, "reviewers", m->reviewers);
	if (m->reviewed)
		sbuf_addf(o, "last-reviewed: %s\n", m->reviewed);
	list_out(o, "audience", m->audience);
	list_out(o, "tags", m->tags);
	key_flow(o, 0, "concurrency-key", m->key);
	key_flow(o, 0, "on-in-doubt", m->in_doubt);
}

/* the drill: docs' inject, symptoms and guard steps, and the cleanup */
static void drill_out(imp *im, sbuf *o)
{
	irb *rb = im->rb;
	int any = 0, guard = 0;

	for (size_t i = 0; i < rb->n; i++) {
		int ph = rb->steps[i]->phase;
		any |= (ph == IPH_CLEANUP || ph == IPH_INJECT || ph == IPH_SYMPTOMS || ph == IPH_GUARD) &&
		       !dropped(im, rb->steps[i]);
		guard |= ph == IPH_GUARD && !rb->steps[i]->attached && !dropped(im, rb->steps[i]);
	}
	if (!any)
		return;
	sbuf_adds(o, "drill:\n");
	steps_out(im, o, 2, "inject", IPH_INJECT, 0);
	steps_out(im, o, 2, "symptoms", IPH_SYMPTOMS, 0);
	if (guard) {
		sbuf_adds(o, "  guard:\n");
		key_flow(o, 4, "every", rb->guard_every);
		steps_out(im, o, 4, "steps", IPH_GUARD, 0);
	}
	steps_out(im, o, 2, "cleanup", IPH_CLEANUP, 0);
}

/* the Connections (kind set) or Defaults rows, unless the tables are not kept */
static void keyed_out(imp *im, sbuf *o, const char *k, const keyed *v, size_t n)
{
	if (!n || im->rb->untabled)
		return;
	sbuf_addf(o, "%s:\n", k);
	for (size_t i = 0; i < n; i++) {
		key(o, 2, v[i].k);
		if (v[i].kind) {
			sbuf_addc(o, '\n');
			key(o, 4, v[i].kind);
		}
		value_out(o, v[i].v, v[i].kind ? 4 : 2);
	}
}

static void runbook_out(imp *im, sbuf *o)
{
	irb *rb = im->rb;
	sbuf d = { 0 };

	comment(o, 0, "Imported from ", arena_printf(im->a, "%s by `runbook import`. Every \"# review:\" comment", im->file));
	sbuf_adds(o, "# is a guess to confirm; the import report lists what needs a decision.\n");
	notes_out(o, 0, rb->notes);
	meta_out(im, o);
	if (im->m.description)
		sbuf_adds(&d, im->m.description);
	if (rb->desc.len) {
		if (d.len)
			sbuf_adds(&d, "\n\n");
		sbuf_add(&d, rb->desc.buf, rb->desc.len);
	}
	if (im->m.extra.len) {
		if (d.len)
			sbuf_adds(&d, d.buf[d.len - 1] == '\n' ? "\n" : "\n\n");
		sbuf_adds(&d, "Front matter:\n\n");
		sbuf_add(&d, im->m.extra.buf, im->m.extra.len);
	}
	if (d.len) {
		sbuf_addc(&d, 0);
		key(o, 0, "description");
		scalar(o, d.buf, 0);
		sbuf_addc(o, '\n');
	}
	sbuf_release(&d);
	inputs_out(im, o);
	keyed_out(im, o, "connections", rb->conns, rb->nconns);
	keyed_out(im, o, "defaults", rb->defs, rb->ndefs);
	steps_out(im, o, 0, "checks", IPH_CHECKS, 0);
	steps_out(im, o, 0, "steps", IPH_STEPS, 0);
	steps_out(im, o, 0, "verify", IPH_VERIFY, 0);
	steps_out(im, o, 0, "probes", IPH_PROBES, 0);
	drill_out(im, o);
	for (size_t i = 0, n = 0; i < rb->nobj && rb->drop_obj < 2; i++)
		if (!rb->drop_obj || strcmp(rb->obj_k[i], "steps-required"))
			sbuf_addf(o, "%s  %s: %s\n", n++ ? "" : "objectives:\n", rb->obj_k[i], rb->obj_v[i]);
}

/* ---- front matter ------------------------------------------------------- */

/* a scalar or a list of scalars as a flow list ("a, b" is two items) */
static char *flow_list(imp *im, const node *n)
{
	sbuf b = { 0 };
	char *r;

	sbuf_addc(&b, '[');
	if (n->kind == N_SCALAR) {
		const char *p = n->str;
		while (*p) {
			size_t l = strcspn(p, ",");
			char *item = one_line(im->a, p, l);
			if (*item) {
				if (b.len > 1)
					sbuf_adds(&b, ", ");
				flow_scalar(&b, item);
			}
			p += l + (p[l] == ',');
		}
	} else {
		for (size_t i = 0; i < n->n; i++) {
			if (n->vals[i]->kind != N_SCALAR) {
				sbuf_release(&b);
				return NULL;
			}
			if (i)
				sbuf_adds(&b, ", ");
			flow_scalar(&b, n->vals[i]->str);
		}
	}
	sbuf_addc(&b, ']');
	r = b.len > 2 ? arena_strndup(im->a, b.buf, b.len) : NULL;
	sbuf_release(&b);
	return r;
}

/* one front matter key into the metadata; 0 when it is not one of them */
static int meta_key(imp *im, const char *k, const node *v)
{
	meta *m = &im->m;
	int scalar_v = v->kind == N_SCALAR && v->len == strlen(v->str) && !strchr(v->str, '\n');
	char **slot = !strcmp(k, "title") ? &m->title : !strcmp(k, "owner") ? &m->owner
		      : !strcmp(k, "version") ? &m->version : !strcmp(k, "runbook") || !strcmp(k, "slug") || !strcmp(k, "id") ? &m->id
		      : !strcmp(k, "concurrency-key") ? &m->key
		      : !strcmp(k, "on-in-doubt") ? &m->in_doubt : NULL;

	if (slot) {
		if (!scalar_v || !*v->str)
			return 0;
		*slot = arena_strdup(im->a, v->str);
		return 1;
	}
	if (!strcmp(k, "last-reviewed") || !strcmp(k, "last_reviewed") || !strcmp(k, "reviewed")) {
		if (!scalar_v || !runbook_date_ok(v->str))
			return 0;
		m->reviewed = arena_strdup(im->a, v->str);
		return 1;
	}
	if (!strcmp(k, "description") || !strcmp(k, "summary")) {
		if (v->kind != N_SCALAR || v->len != strlen(v->str))
			return 0;
		m->description = arena_strdup(im->a, v->str);
		return 1;
	}
	char **list = !strcmp(k, "reviewers") ? &m->reviewers : !strcmp(k, "audience") ? &m->audience
		      : !strcmp(k, "tags") ? &m->tags : NULL;
	if (!list || v->kind == N_MAP || (v->kind == N_SCALAR && v->len != strlen(v->str)))
		return 0;
	return (*list = flow_list(im, v)) != NULL;
}

static int front_matter(imp *im, diags *dg)
{
	md_doc *d = &im->d;
	arena a;
	doc y;
	sbuf b = { 0 };
	int rc = 0;

	if (!d->has_fm)
		return 0;
	/* line numbers as in the file: one empty line for the opening --- */
	sbuf_addc(&b, '\n');
	sbuf_add(&b, d->fm, d->fm_len);
	arena_init(&a);
	if (load_buffer(&a, im->file, b.buf, b.len, &y, dg) < 0) {
		rc = -1;
	} else if (y.root && y.root->kind != N_MAP) {
		diag_add(dg, SEV_ERROR, im->file, y.root->line, y.root->col, "import",
			 "front matter is a %s, not a mapping of keys", node_kind_name(y.root));
		rc = -1;
	} else if (y.root) {
		const node *r = y.root;
		for (size_t i = 0; i < r->n; i++) {
			if (meta_key(im, r->keys[i]->str, r->vals[i]))
				continue;
			/* kept as text: its lines, from its key to the next key */
			size_t s = r->keys[i]->offset, e = i + 1 < r->n ? r->keys[i + 1]->offset : b.len;
			while (s > 0 && b.buf[s - 1] != '\n')
				s--;
			while (e > s && b.buf[e - 1] != '\n' && i + 1 < r->n)
				e--;
			sbuf_add(&im->m.extra, b.buf + s, e - s);
			if (im->m.extra.len && im->m.extra.buf[im->m.extra.len - 1] != '\n')
				sbuf_addc(&im->m.extra, '\n');
		}
	}
	arena_free(&a);
	sbuf_release(&b);
	return rc;
}

/* ---- runbooks ----------------------------------------------------------- */

static void attach(istep *t, istep *st)
{
	if (!t->rollbacks)
		t->rb_tail = &t->rollbacks;
	*t->rb_tail = st;
	t->rb_tail = &st->next_rb;
	st->attached = 1;
}

/* the steps of a Rollback section undo the last write step before them;
 * a block's rollback-of=ID the step with that id */
static void attach_rollbacks(imp *im)
{
	irb *rb = im->rb;
	sset byid = { 0 };
	istep *last_write = NULL;

	for (size_t i = 0; i < rb->n; i++)
		*sset_slot(im->a, &byid, rb->steps[i]->id, 1) = rb->steps[i];
	for (size_t i = 0; i < rb->n; i++) {
		istep *st = rb->steps[i], *t = NULL;
		if (st->rollback_of) {
			void **slot = sset_slot(im->a, &byid, st->rollback_of, 0);
			t = slot ? *slot : NULL;
			if (!t || t == st || t->attached)
				STEP_NOTE(im, st, "rollback-of '%s': no such step before it; kept as a step", st->rollback_of);
		} else if (st->phase == IPH_ROLLBACK) {
			t = last_write;
			if (t)
				STEP_NOTE(im, st, "the rollback of '%s', the last write step before it", t->id);
			else
				STEP_NOTE(im, st, "a rollback step with no write step before it to undo: kept in steps");
		}
		if (t && t != st && !t->attached) {
			attach(t, st);
			continue;
		}
		if (st->phase == IPH_ROLLBACK)
			st->phase = IPH_STEPS;
		if (st->phase == IPH_STEPS && st->effect != 0)
			last_write = st;
	}
}

static char *base_slug(imp *im)
{
	const char *b = strrchr(im->file, '/') ? strrchr(im->file, '/') + 1 : im->file;
	const char *dot = strrchr(b, '.');
	char *s = slug(im->a, arena_strndup(im->a, b, dot && dot != b ? (size_t)(dot - b) : strlen(b)), 60);
	return *s ? s : arena_strdup(im->a, "imported");
}

static irb *new_rb(imp *im, const char *title, const char *id, int line)
{
	irb *rb = arena_alloc(im->a, sizeof(*rb));

	rb->title = title ? one_line(im->a, title, strlen(title)) : NULL;
	rb->id = id && *id ? slug(im->a, id, 60) : NULL;
	if (!rb->id || !*rb->id)
		rb->id = rb->title && *slug(im->a, rb->title, 60) ? slug(im->a, rb->title, 60) : base_slug(im);
	if (!rb->title || !*rb->title) {
		/* a title is required: the file's name */
		const char *b = strrchr(im->file, '/') ? strrchr(im->file, '/') + 1 : im->file;
		rb->title = one_line(im->a, b, strlen(b));
		if (!*rb->title)
			rb->title = rb->id;
	}
	rb->line = line;
	im->rb = rb;
	return rb;
}

/* the runbook o does not validate with what the tables gave: then less
 * of it, one at a time -- the objective steps-required (it may name steps
 * the page did not show as blocks), the objectives, the inputs' types
 * (the inputs are then the strings the document's variables use); a note
 * says why.  1 when o is to be written again */
/* the step took something from a step table */
static int has_table(const istep *st)
{
	return st->kind == K_PRIM || st->nx || st->idempotent || st->targv;
}

/* the step of a table whose YAML holds the first error of ck, or NULL */
static istep *failed_step(imp *im, const diags *ck)
{
	istep *hit = NULL;
	size_t e = 0;

	while (e < ck->n && ck->v[e].severity != SEV_ERROR)
		e++;
	for (size_t k = 0; e < ck->n && k < im->rb->n; k++) {
		istep *st = im->rb->steps[k];
		if (!st->untabled && has_table(st) &&
		    ck->v[e].line >= st->out_first && ck->v[e].line <= st->out_last &&
		    (!hit || st->out_first > hit->out_first))
			hit = st;
	}
	return hit;
}

static int typed_fails(imp *im, const sbuf *o)
{
	irb *rb = im->rb;
	diags ck;
	runbook *loaded;
	size_t i = 0;
	int has_sr = 0, tabled = 0;
	istep *hit;

	while (i < rb->nin && !rb->in[i]->declared)
		i++;
	for (size_t k = 0; k < rb->nobj; k++)
		has_sr |= !strcmp(rb->obj_k[k], "steps-required");
	tabled = rb->nconns || rb->ndefs;
	for (size_t k = 0; k < rb->n && !tabled; k++)
		tabled = has_table(rb->steps[k]);
	if ((i == rb->nin || rb->untyped) && (!rb->nobj || rb->drop_obj == 2) && (!tabled || rb->untabled))
		return 0;
	diags_init(&ck);
	loaded = runbook_load_text(im->file, "<imported>", o->buf, o->len, &ck, 0);
	if (loaded) {
		runbook_free(loaded);
		diags_release(&ck);
		return 0;
	}
	const char *why = "it does not validate";
	for (size_t k = 0; k < ck.n; k++)
		if (ck.v[k].severity == SEV_ERROR) {
			why = ck.v[k].msg;
			break;
		}
	if (tabled && (hit = failed_step(im, &ck))) {
		hit->untabled = 1;
		if (dropped(im, hit))
			RB_NOTE(im, hit->line, hit->col, "the %s '%s' is left out: its step table is not kept (%s)",
				hit->phase == IPH_PROBES ? "probe" : "drill's step", hit->id, why);
		else
			STEP_NOTE(im, hit, "its step table's keys are not kept (%s)%s", why,
				  hit->kind == K_PRIM ? ": a manual step" : "");
	} else if (tabled && !rb->untabled) {
		rb->untabled = 1;
		RB_NOTE(im, rb->line, 1, "the Connections, Defaults and step tables are not kept (%s): "
			"the steps of other primitives than exec they made are manual", why);
	} else if (rb->nobj && rb->drop_obj < 2) {
		rb->drop_obj += has_sr && !rb->drop_obj ? 1 : 2 - rb->drop_obj;
		RB_NOTE(im, rb->line, 1, "the Objectives table's %s not kept (%s)",
			rb->drop_obj == 1 ? "steps-required is" : "objectives are", why);
	} else {
		rb->untyped = 1;
		RB_NOTE(im, rb->in[i]->line, 1, "the Inputs table's types are not kept (%s): the inputs are strings", why);
	}
	diags_release(&ck);
	return 1;
}

static int emit(imp *im, imp_result *r, sset *names, diags *dg)
{
	sbuf o = { 0 };
	irb *rb = im->rb;

	attach_rollbacks(im);
	if (sset_slot(im->a, names, rb->id, 0)) {
		for (int k = 2;; k++) {
			char *c = arena_printf(im->a, "%s-%d", rb->id, k);
			if (!sset_slot(im->a, names, c, 0)) {
				rb->id = c;
				break;
			}
		}
	}
	sset_slot(im->a, names, rb->id, 1);
	runbook_out(im, &o);
	while (typed_fails(im, &o)) {
		o.len = 0;
		runbook_out(im, &o);
	}
	if (o.len > LOAD_MAX_BYTES) {
		diag_add(dg, SEV_ERROR, im->file, rb->line, 1, "import",
			 "the runbook '%s' would be %zu bytes, over the limit of %u", rb->id, o.len, LOAD_MAX_BYTES);
		sbuf_release(&o);
		return -1;
	}
	r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
	r->v[r->n++] = (imp_out){ xstrdup(rb->id), o.buf ? o.buf : xstrdup(""), o.len, rb->line };
	return 0;
}

/* the level to split at: the first one that occurs more than once */
static int split_level(const md_doc *d)
{
	int count[7] = { 0 };

	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].kind == MD_HEADING)
			count[d->v[i].level]++;
	for (int l = 1; l <= 6; l++)
		if (count[l] > 1)
			return l;
	return 0;
}

static int import_one(imp *im, imp_result *r, sset *names, diags *dg)
{
	const md_doc *d = &im->d;
	size_t skip = 0;
	const char *title = im->m.title;

	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].kind != MD_HEADING)
			continue;
		if (d->v[i].level == 1 && (!title || !strcmp(title, d->v[i].text))) {
			title = d->v[i].text;
			skip = i + 1;
		}
		break;
	}
	new_rb(im, title, im->m.id, 1);
	walk(im, 0, d->n, skip);
	return emit(im, r, names, dg);
}

static int import_split(imp *im, int level, imp_result *r, sset *names, diags *dg)
{
	const md_doc *d = &im->d;
	size_t first = 0;
	char *pre = NULL;

	while (first < d->n && !(d->v[first].kind == MD_HEADING && d->v[first].level == level))
		first++;
	/* the text before the first procedure: a runbook when it has steps,
	 * else kept in each procedure's description */
	irb *p = new_rb(im, im->m.title, im->m.id, 1);
	walk(im, 0, first, 0);
	if (p->n && emit(im, r, names, dg) < 0)
		return -1;
	if (!p->n && p->desc.len)
		pre = arena_strndup(im->a, p->desc.buf, p->desc.len);
	sbuf_release(&p->desc);
	for (size_t i = first; i < d->n;) {
		size_t e = i + 1;
		while (e < d->n && !(d->v[e].kind == MD_HEADING && d->v[e].level <= level))
			e++;
		const char *t = d->v[i].text;
		while (isdigit((unsigned char)*t) || *t == '.' || *t == ')' || *t == ' ')
			t++;
		new_rb(im, *t ? t : d->v[i].text, NULL, d->v[i].line);
		walk(im, i, e, i + 1);
		if (pre)
		{
			const char *base = strrchr(im->file, '/') ? strrchr(im->file, '/') + 1 : im->file;
			char *from = arena_printf(im->a, "From %s:\n\n%s", base, pre);
			keep_text(im, from, strlen(from));
		}
		int rc = emit(im, r, names, dg);
		sbuf_release(&im->rb->desc);
		if (rc < 0)
			return -1;
		i = e;
	}
	return 0;
}

int md_import(const char *file, const char *src, size_t len, int split, imp_result *r,
	      diags *report, diags *dg)
{
	arena a;
	imp im = { .a = &a, .file = file, .rep = report };
	sset names = { 0 };
	int rc = -1, level;

	memset(r, 0, sizeof(*r));
	if (len > LOAD_MAX_BYTES) {
		diag_add(dg, SEV_ERROR, file, 1, 1, "import", "the document is %zu bytes, over the limit of %u",
			 len, LOAD_MAX_BYTES);
		return -1;
	}
	arena_init(&a);
	if (md_parse(&a, file, src, len, &im.d, dg) == 0 && front_matter(&im, dg) == 0) {
		diag_register_source(file, src, len);
		level = split ? split_level(&im.d) : 0;
		rc = level ? import_split(&im, level, r, &names, dg) : import_one(&im, r, &names, dg);
	} else {
		diag_register_source(file, src, len);
	}
	if (im.rb)
		sbuf_release(&im.rb->desc);
	for (size_t i = 0; i < im.nvals; i++)
		v_release(im.vals[i]);
	tbl_release(&im.tbl);
	sbuf_release(&im.m.extra);
	arena_free(&a);
	if (rc < 0)
		imp_result_release(r);
	return rc;
}

void imp_result_release(imp_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].id);
		free(r->v[i].yaml);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}
