/*
 * validate.c - from the YAML tree to the validated step model.
 *
 * runbook_load() runs four passes over one file, collecting every problem
 * instead of stopping at the first (SQLite's pParse->nErr habit):
 *
 *   1. load_file(): YAML -> node tree with positions (load.c);
 *   2. structure: every key of every mapping, types, enums, durations,
 *      inputs, connections, steps and their actions against the primitive
 *      table (prim.c).  Templates are parsed here and cached in
 *      node->cache; each parsed template is remembered with the step it
 *      belongs to and what may appear in it;
 *   3. graph_build(): `needs`, cycles and the execution order (graph.c);
 *   4. references: every `inputs.x`, `steps.y`, `result` in the templates,
 *      now that all steps and their order are known; then the lint rules.
 *
 * Only scalars that contain "${{" get a cached template: render.c reads any
 * other scalar as a YAML literal (plain scalars keep their core type).
 *
 * The model points into the tree and lives in rb->a, like the tree.
 */
#include "lang/runbook.h"
#include "lang/fragment.h"
#include "lang/inputs.h"
#include "lang/prim.h"
#include "lang/render.h"
#include "lang/expr.h"
#include "lang/match.h"
#include "base/value.h"
#include "base/hash.h"
#include "base/re.h"
#include "base/suggest.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const phase_names[PH__COUNT] = {
	"checks", "steps", "verify", "rollback", "inject", "symptoms", "cleanup", "guard", "probes",
};

/* what may appear in a template, and how secrets in it are judged */
enum {
	R_RESULT = 1,           /* expect, outputs, until: `result` is the current step's */
	R_ARGV = 2,             /* exec argv, shell text: a secret there is an error */
	R_URL = 4,              /* http url: a secret there is a warning */
	R_CONN = 8,             /* a connection spec: inputs, env, run */
	R_DEFAULT = 16,         /* an input default: env, run */
	R_WITH_PUBLIC = 32,     /* a `with:` value for a fragment input that is not a secret */
	R_FOREACH = 64,         /* a for-each list: `each` is what it makes, not yet there */
	R_EARLY = 128,          /* a guard's or probe's `every`: known when the run starts */
	R_KEY = 256,            /* concurrency-key: inputs and env, never a secret */
};

typedef struct tref {
	node *n;
	tmpl *t;
	step *st;               /* the step whose order applies (NULL outside steps) */
	int flags;
	const char *what;       /* R_WITH_PUBLIC: "input 'x' of fragment 'y'" */
	const step *result_of;  /* R_RESULT: the step whose result `result` is */
} tref;

typedef struct vctx {
	runbook *rb;
	diags *dg;
	arena *a;
	tref *refs;
	size_t nrefs, caprefs;
	step **unnamed;         /* rollback steps without an id: named at the end */
	size_t nunnamed, capunnamed;
	step **ids;             /* open-addressing hash of step ids */
	size_t idcap, nids;
	int dfl_attempts;
	int64_t dfl_delay, dfl_max_delay;
	double dfl_backoff;
	int dfl_onfail;
	/* the files being loaded, outermost first (real paths): a `use` of
	 * one of them is a cycle; the outermost is NULL until a `use` step
	 * needs it (path is its name as given) */
	char **chain;
	size_t depth;
	const char *path;
	const char *with_what;  /* for add_ref while walking a `with:` value */
	const step *result_of;  /* for add_ref while walking expect and outputs */
} vctx;

/* a parse that failed: reported once, never rendered (the load fails) */
static char bad_tmpl_mark;

/*
 * The key tables.  Each list of names has a parallel list of one-line
 * docs (same order, checked at compile time) that `runbook schema`
 * prints as descriptions: the schema is generated from what the
 * validator accepts.  The step keys are one table of rows (name, doc,
 * where allowed, shape, parse function): step_key_table, with parse_step.
 */
#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))
/* the timeout of a step that does I/O when neither it nor defaults says */
#define DEFAULT_IO_TIMEOUT_MS 30000
#define SAME_LEN(a, b) _Static_assert(NKEYS(a) == NKEYS(b), #b " must match " #a)

static const char *const top_keys[] = {
	"runbook", "title", "version", "owner", "reviewers", "last-reviewed",
	"audience", "tags", "description", "inputs", "connections", "defaults",
	"checks", "steps", "verify", "rollback", "objectives", "drill", "probes",
	"concurrency-key", "on-in-doubt", NULL,
};
static const char *const top_docs[] = {
	"the runbook's id: [a-z0-9][a-z0-9-]*",
	"a one-line title",
	"the runbook's own version",
	"the team that maintains it (lint: required)",
	"who reviews changes",
	"date of the last review, YYYY-MM-DD (lint: stale after 90 days)",
	"who it is written for",
	"free tags",
	"free text, Markdown",
	"typed parameters, given with --input name=value or --inputs FILE",
	"named services the primitives use: postgres, redis, kafka, prometheus, http",
	"timeout, retry and on-failure for every step that does not say otherwise",
	"preconditions: all must pass before any step runs",
	"the procedure",
	"postconditions: they define the success of the run",
	"when rollbacks run: on-failure (default), always or never",
	"drill objectives, judged by `runbook verify`",
	"fault injection for game days: inject, symptoms, cleanup, and the guard that stops it",
	"continuous checks beside the steps (run and drill): read steps with every, during "
	"and tolerance; one that fails more than `tolerance` times in a row fails the run",
	"what the run lock is held on (default: the runbook id): runs with the same key never "
	"run at once, e.g. \"${{ inputs.namespace }}/telemetry-worker\"; inputs and env only, "
	"never a secret",
	"what `runbook resume` does, when the operator gives no --in-doubt, with a step that "
	"had started and never ended (neither idempotent nor checked): rerun, skip (assume it "
	"took effect), rollback (roll back the run) or park (the default: wait for the "
	"operator); a step's own on-in-doubt wins",
	NULL,
};
SAME_LEN(top_keys, top_docs);
/* a fragment (`use:`): `fragment:` instead of `runbook:`, steps and outputs */
static const char *const fragment_keys[] = {
	"fragment", "title", "version", "owner", "reviewers", "last-reviewed", "tags",
	"description", "inputs", "connections", "defaults", "steps", "outputs", NULL,
};
static const char *const fragment_docs[] = {
	"the fragment's id: [a-z0-9][a-z0-9-]*; a fragment is run by a runbook's `use:` step",
	"a one-line title",
	"the fragment's own version",
	"the team that maintains it",
	"who reviews changes",
	"date of the last review, YYYY-MM-DD",
	"free tags",
	"free text, Markdown",
	"typed parameters, given by the caller's `with:` (secrets too)",
	"named services the fragment's steps use (they may use its inputs)",
	"timeout, retry and on-failure for the fragment's steps",
	"the fragment's steps, with their rollbacks",
	"name: ${{ }} template over inputs and steps; the using step's result",
	NULL,
};
SAME_LEN(fragment_keys, fragment_docs);
static const char *const input_keys[] = {
	"type", "default", "pattern", "description", "values", "from", "required",
	"min", "max", "min-items", "max-items", NULL,
};
static const char *const input_docs[] = {
	"string (default), int, number, bool, duration, url, secret, list or enum",
	"the value when none is given (a secret has none)",
	"a PCRE2 pattern the value must match",
	"what the input is for",
	"the allowed values of an enum",
	"where a secret comes from: env:NAME or file:/path (never argv)",
	"whether the input must be given (default: when it has no default)",
	"int and number: the smallest value allowed",
	"int and number: the largest value allowed",
	"list: the fewest items allowed",
	"list: the most items allowed",
	NULL,
};
SAME_LEN(input_keys, input_docs);
static const char *const input_types[] = {
	"string", "int", "number", "bool", "duration", "url", "secret", "list", "enum", NULL,
};
/* a manual step's field: a value the operator enters */
static const char *const field_keys[] = {
	"type", "description", "pattern", "values", "min", "max", "min-items", "max-items", NULL,
};
static const char *const field_docs[] = {
	"string (default), int, number, bool, duration, url, list, enum, or secret: read "
	"without echo on a terminal and masked everywhere",
	"what the operator is asked for",
	"a PCRE2 pattern the value must match",
	"the allowed values of an enum",
	"int and number: the smallest value allowed",
	"int and number: the largest value allowed",
	"list: the fewest items allowed",
	"list: the most items allowed",
	NULL,
};
SAME_LEN(field_keys, field_docs);
static const char *const retry_keys[] = { "attempts", "delay", "backoff", "max-delay", NULL };
static const char *const retry_docs[] = {
	"attempts in all, 1 to 1000 (in a step also a ${{ }}, read when the step starts)",
	"wait before the second attempt (in a step also a ${{ }})",
	"factor applied to the delay after each attempt, 1.0 to 100",
	"upper bound of the delay (in a step also a ${{ }})", NULL,
};
SAME_LEN(retry_keys, retry_docs);
static const char *const until_keys[] = { "every", "within", "hold", NULL };
static const char *const until_docs[] = {
	"how often to poll: a duration, or a ${{ }} read when the step starts",
	"how long to keep polling: a duration, or a ${{ }}",
	"a soak: how long `expect` must keep holding, polled every `every` (a duration, or a "
	"${{ }}); a poll that fails starts it again, and `within` bounds the whole", NULL,
};
SAME_LEN(until_keys, until_docs);
static const char *const defaults_keys[] = { "timeout", "retry", "on-failure", NULL };
static const char *const defaults_docs[] = {
	"timeout of every step", "retry of every step", "on-failure of every step", NULL,
};
SAME_LEN(defaults_keys, defaults_docs);
static const char *const objective_keys[] = {
	"max-duration", "time-to-detect", "time-to-recover", "steps-required",
	"rollbacks-expected", "guard-tripped", "max-probe-failures", NULL,
};
static const char *const objective_docs[] = {
	"the whole run takes at most this long",
	"first inject step start to the last symptoms step ending ok",
	"first steps step start to the last verify step ending ok",
	"step ids that must end ok; a list among them, [a, b]: one of those must (a step per environment)",
	"step ids whose rollback must have run",
	"whether a guard stopped the drill (default false when the drill has a guard)",
	"the most failed checks of the continuous probes, all together",
	NULL,
};
SAME_LEN(objective_keys, objective_docs);
static const char *const drill_keys[] = { "inject", "symptoms", "cleanup", "guard", NULL };
static const char *const drill_docs[] = {
	"steps that cause the incident this runbook remedies",
	"steps that prove the fault is visible before remediation",
	"steps that always run at the end of a drill",
	"stop conditions, checked from the first inject step until cleanup: {every, steps}; "
	"one failed check stops the drill",
	NULL,
};
SAME_LEN(drill_keys, drill_docs);
static const char *const guard_keys[] = { "every", "steps", NULL };
static const char *const guard_docs[] = {
	"how often each guard step is checked: a duration, or a ${{ }} over inputs, env and "
	"run (read when the run starts)",
	"read steps of the primitives that talk to a process or a service, whose `expect` "
	"must hold",
	NULL,
};
SAME_LEN(guard_keys, guard_docs);
static const char *const during_names[] = { "steps", "drill", "run", NULL };
static const char *const effect_names[] = { "read", "write", NULL };
static const char *const onfail_names[] = { "rollback", "continue", "abort", NULL };
static const char *const policy_names[] = { "on-failure", "always", "never", NULL };
static const char *const dry_run_names[] = { "run", "skip", NULL };
/* by DOUBT_* - 1 */
static const char *const in_doubt_names[] = { "rerun", "skip", "rollback", "park", NULL };
static const char *const contexts[] = { "inputs", "env", "steps", "result", "run", "each", NULL };
/* the fields of `each` (key and value for the items of an object) */
static const char *const each_fields[] = { "item", "index", "key", "value", NULL };

const rb_keytables rb_keys = {
	{ top_keys, top_docs }, { fragment_keys, fragment_docs }, { input_keys, input_docs }, { retry_keys, retry_docs }, { until_keys, until_docs },
	{ defaults_keys, defaults_docs }, { objective_keys, objective_docs },
	{ drill_keys, drill_docs }, { guard_keys, guard_docs },
	input_types, effect_names, onfail_names, policy_names, contexts, dry_run_names,
	{ field_keys, field_docs }, during_names, in_doubt_names,
};

/* ---- did you mean ---- */

/* "; did you mean 'x'?" for the suggestion s, or "" (arena string) */
static const char *hint_for(vctx *v, const char *s)
{
	return s ? arena_printf(v->a, "; did you mean '%s'?", s) : "";
}

/* the hint among the names cands (n as for suggest()) */
static const char *hint(vctx *v, const char *word, const char *const *cands, size_t n)
{
	return hint_for(v, suggest(word, cands, n, 0));
}

/* ---- diagnostics ---- */

__attribute__((format(printf, 7, 0)))
static void vdiag(vctx *v, int sev, const char *file, int line, int col,
		  const char *rule, const char *fmt, va_list ap)
{
	diag_vadd(v->dg, sev, file ? file : v->rb->path, line, col, rule, fmt, ap);
}

__attribute__((format(printf, 4, 5)))
static void err(vctx *v, const node *n, const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(v, SEV_ERROR, n ? n->file : NULL, n ? n->line : 1, n ? n->col : 1, rule, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 6, 7)))
static void err_in(vctx *v, int sev, const node *n, size_t off, const char *rule,
		   const char *fmt, ...)
{
	int line, col;
	node_pos_at(n, off, &line, &col);
	va_list ap;
	va_start(ap, fmt);
	vdiag(v, sev, n->file, line, col, rule, fmt, ap);
	va_end(ap);
}

/* ---- scalars ---- */

static int is_map(const node *n) { return n && n->kind == N_MAP; }
static int is_seq(const node *n) { return n && n->kind == N_SEQ; }
static int is_scalar(const node *n) { return n && n->kind == N_SCALAR; }

/* position of s in the NULL-terminated list l, or -1; the first bytes are
 * compared inline, as nearly every candidate differs there */
static int index_of(const char *s, const char *const *l)
{
	for (int i = 0; l[i]; i++)
		if (l[i][0] == s[0] && !strcmp(s, l[i]))
			return i;
	return -1;
}

static int in_list(const char *s, const char *const *l)
{
	return index_of(s, l) >= 0;
}

static int plain_int(const node *n, long long *out)
{
	if (!is_scalar(n) || n->style != S_PLAIN || !n->len)
		return 0;
	char *end;
	long long x = strtoll(n->str, &end, 10);
	if (*end || end == n->str)
		return 0;
	*out = x;
	return 1;
}

static int plain_num(const node *n, double *out)
{
	if (!is_scalar(n) || n->style != S_PLAIN || !n->len)
		return 0;
	if (strspn(n->str, "+-0123456789.eE") != n->len || !strpbrk(n->str, "0123456789"))
		return 0;
	char *end;
	double d = strtod(n->str, &end);
	if (*end)
		return 0;
	*out = d;
	return 1;
}

/* describes a node for "got ..." */
static const char *got(vctx *v, const node *n)
{
	if (!n)
		return "nothing";
	if (n->kind == N_MAP)
		return "a mapping";
	if (n->kind == N_SEQ)
		return "a list";
	if (node_is_null(n))
		return "null";
	if (n->len > 40)
		return arena_printf(v->a, "'%.37s...'", n->str);
	return arena_printf(v->a, "'%s'", n->str);
}

static int id_ok(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return 0;
	return 1;
}

/* [A-Za-z_][A-Za-z0-9_]*, plus '-' after the first character when dash */
static int name_ok(const char *s, int dash)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || (dash && *s == '-')))
			return 0;
	return 1;
}

/* a real calendar date YYYY-MM-DD */
int runbook_date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/* ---- typed fields ---- */

/* unknown keys of map, each at its key with a did-you-mean among allowed */
static void check_keys(vctx *v, const node *map, const char *const *allowed,
		       const char *where)
{
	for (size_t i = 0; i < map->n; i++) {
		const node *k = map->keys[i];
		if (!in_list(k->str, allowed))
			err(v, k, "unknown-key", "unknown key '%s' %s%s", k->str, where,
			    hint(v, k->str, allowed, (size_t)-1));
	}
}

static int want_map(vctx *v, const node *n, const char *what)
{
	if (is_map(n))
		return 1;
	err(v, n, "type", "'%s' must be a mapping, got %s", what, got(v, n));
	return 0;
}

static int want_seq(vctx *v, const node *n, const char *what)
{
	if (is_seq(n))
		return 1;
	err(v, n, "type", "'%s' must be a list, got %s", what, got(v, n));
	return 0;
}

static int want_str(vctx *v, const node *n, const char *what)
{
	if (is_scalar(n) && !node_is_null(n))
		return 1;
	err(v, n, "type", "'%s' must be a string, got %s", what, got(v, n));
	return 0;
}

static int want_bool(vctx *v, const node *n, const char *what, int *out)
{
	if (node_bool(n, out))
		return 1;
	err(v, n, "type", "'%s' must be true or false, got %s", what, got(v, n));
	return 0;
}

static int want_dur(vctx *v, const node *n, const char *what, int64_t *ms)
{
	if (is_scalar(n) && !node_is_null(n) && dur_parse(n->str, n->len, ms) == 0)
		return 1;
	err(v, n, "type", "'%s' must be a duration like 30s, got %s", what, got(v, n));
	return 0;
}

/* one of names (NULL-terminated); -1 after an error */
static int want_enum(vctx *v, const node *n, const char *what, const char *const *names)
{
	if (is_scalar(n)) {
		int i = index_of(n->str, names);
		if (i >= 0)
			return i;
	}
	char list[256] = "";
	for (size_t i = 0; names[i]; i++) {
		size_t l = strlen(list);
		snprintf(list + l, sizeof list - l, "%s%s", i ? (names[i + 1] ? ", " : " or ") : "",
			 names[i]);
	}
	err(v, n, "value", "'%s' must be %s, got %s%s", what, list, got(v, n),
	    is_scalar(n) ? hint(v, n->str, names, (size_t)-1) : "");
	return -1;
}

static void want_str_list(vctx *v, const node *n, const char *what)
{
	if (!want_seq(v, n, what))
		return;
	for (size_t i = 0; i < n->n; i++)
		want_str(v, n->vals[i], arena_printf(v->a, "%s[%zu]", what, i));
}

/* ---- templates ---- */

const tmpl *node_tmpl(const node *n)
{
	return n && n->kind == N_SCALAR && n->cache != &bad_tmpl_mark ? n->cache : NULL;
}

/* Parse (once) the template of a scalar holding "${{"; NULL when it has
 * none or after a syntax error, which is reported at its exact column. */
static tmpl *parse_tmpl(vctx *v, node *n)
{
	if (!is_scalar(n) || !has_template(n->str, n->len))
		return NULL;
	if (n->cache == &bad_tmpl_mark)
		return NULL;
	if (n->cache)
		return n->cache;
	size_t off = 0;
	const char *msg = NULL;
	tmpl *t = tmpl_parse(v->a, n->str, n->len, &off, &msg);
	if (!t) {
		n->cache = &bad_tmpl_mark;
		err_in(v, SEV_ERROR, n, off, "expr", "%s", msg ? msg : "invalid expression");
		return NULL;
	}
	n->cache = t;
	return t;
}

static int is_single_tmpl(vctx *v, node *n)
{
	tmpl *t = parse_tmpl(v, n);
	return t && tmpl_is_single_expr(t);
}

static void add_ref(vctx *v, node *n, tmpl *t, step *st, int flags)
{
	if (v->nrefs == v->caprefs) {
		v->caprefs = v->caprefs ? v->caprefs * 2 : 64;
		v->refs = xrealloc(v->refs, v->caprefs * sizeof *v->refs);
	}
	v->refs[v->nrefs++] = (tref){ n, t, st, flags, v->with_what, v->result_of };
}

/* parse every template under n (values, not keys) and remember its refs */
static void walk_tmpl(vctx *v, node *n, step *st, int flags)
{
	if (!n)
		return;
	switch (n->kind) {
	case N_SCALAR: {
		tmpl *t = parse_tmpl(v, n);
		if (t && (flags & R_URL))
			tmpl_mark_url(t);
		if (t)
			add_ref(v, n, t, st, flags);
		break;
	}
	case N_SEQ:
	case N_MAP:
		for (size_t i = 0; i < n->n; i++)
			walk_tmpl(v, n->vals[i], st, flags);
		break;
	}
}

/* ---- step ids ---- */

static size_t id_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static step *id_find(const vctx *v, const char *id)
{
	if (!v->idcap)
		return NULL;
	for (size_t i = id_hash(id) & (v->idcap - 1);; i = (i + 1) & (v->idcap - 1)) {
		if (!v->ids[i])
			return NULL;
		if (!strcmp(v->ids[i]->id, id))
			return v->ids[i];
	}
}

static void id_insert(vctx *v, step *st)
{
	if (2 * (v->nids + 1) > v->idcap) {
		size_t oldcap = v->idcap;
		step **old = v->ids;
		v->idcap = oldcap ? oldcap * 2 : 64;
		v->ids = xcalloc(v->idcap, sizeof *v->ids);
		v->nids = 0;
		for (size_t i = 0; i < oldcap; i++)
			if (old[i])
				id_insert(v, old[i]);
		free(old);
	}
	size_t i = id_hash(st->id) & (v->idcap - 1);
	while (v->ids[i])
		i = (i + 1) & (v->idcap - 1);
	v->ids[i] = st;
	v->nids++;
}

static void list_push(arena *a, steplist *l, step *st)
{
	/* capacity: the next power of two >= n (arena blocks are not freed) */
	if ((l->n & (l->n - 1)) == 0 && l->n >= 4) {
		step **nv = arena_alloc(a, 2 * l->n * sizeof *nv);
		memcpy(nv, l->v, l->n * sizeof *nv);
		l->v = nv;
	} else if (!l->v)
		l->v = arena_alloc(a, 4 * sizeof *l->v);
	l->v[l->n++] = st;
}

/* ---- inputs and connections ---- */

/*
 * Compile a literal pattern (once per process: base/re.h).  A bad one is
 * reported with PCRE2's message at its offset: 0, or -1 then.
 */
static int check_pattern(vctx *v, node *pat, int opts)
{
	re_error e;

	if (re_check(pat->str, pat->len, opts, &e) == 0)
		return 0;
	err_in(v, SEV_ERROR, pat, e.offset, "pattern", "invalid pattern: %s at offset %zu", e.msg,
	       e.offset);
	return -1;
}

/* Does a literal default fit the input's type? Message or NULL. */
static const char *default_mismatch(const input_def *in, const node *d)
{
	long long i;
	double x;
	int b;
	int64_t ms;
	switch (in->type) {
	case IT_STRING:
	case IT_SECRET:
		return is_scalar(d) ? NULL : "a string";
	case IT_INT:
		return plain_int(d, &i) ? NULL : "an int";
	case IT_NUMBER:
		return plain_num(d, &x) ? NULL : "a number";
	case IT_BOOL:
		return node_bool(d, &b) ? NULL : "true or false";
	case IT_DURATION:
		return is_scalar(d) && dur_parse(d->str, d->len, &ms) == 0 ? NULL
			: "a duration like 30s";
	case IT_URL: {
		if (!is_scalar(d))
			return "a URL";
		const char *p = d->str;
		size_t s = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789+.-");
		return s && p[0] >= 'a' && p[0] <= 'z' && !strncmp(p + s, "://", 3) && p[s + 3]
			? NULL : "a URL like https://host/path";
	}
	case IT_LIST:
		return is_seq(d) ? NULL : "a list";
	case IT_ENUM:
		if (!is_scalar(d))
			return "one of its values";
		if (is_seq(in->values))
			for (size_t k = 0; k < in->values->n; k++)
				if (is_scalar(in->values->vals[k]) &&
				    !strcmp(in->values->vals[k]->str, d->str))
					return NULL;
		return in->values ? "one of its values" : NULL;
	}
	return NULL;
}

/* an enum's `values` (and enum inputs without them) */
static void input_values(vctx *v, input_def *in, node *m, node *t)
{
	node *vals = node_get(m, "values");
	if (vals) {
		if (in->type != IT_ENUM)
			err(v, node_key(m, "values"), "value",
			    "'values' only applies to enum %ss (%s '%s' is a %s)", input_noun(in),
			    input_noun(in), in->name, input_types[in->type]);
		else if (want_seq(v, vals, "values")) {
			if (!vals->n)
				err(v, vals, "value", "enum %s '%s' needs at least one value", input_noun(in),
				    in->name);
			for (size_t i = 0; i < vals->n; i++)
				if (!is_scalar(vals->vals[i]) || node_is_null(vals->vals[i]))
					err(v, vals->vals[i], "type", "enum values must be strings, got %s",
					    got(v, vals->vals[i]));
			in->values = vals;
		}
	} else if (in->type == IT_ENUM)
		err(v, t, "required", "enum %s '%s' needs 'values'", input_noun(in), in->name);
}

/* a secret's `from: env:NAME | file:/path` (a fragment's secrets come
 * from its caller) */
static void input_from(vctx *v, input_def *in, node *key, node *m)
{
	node *from = node_get(m, "from");
	if (from && v->rb->fragment) {
		err(v, node_key(m, "from"), "value",
		    "'from' is not allowed in a fragment: the caller passes '%s' with 'with:'",
		    in->name);
	} else if (from) {
		if (in->type != IT_SECRET)
			err(v, node_key(m, "from"), "value",
			    "'from' only applies to secret inputs; '%s' is given with --input",
			    in->name);
		else if (want_str(v, from, "from")) {
			const char *f = from->str;
			if (!strncmp(f, "env:", 4) && name_ok(f + 4, 0))
				in->from = f;
			else if (!strncmp(f, "file:", 5) && f[5])
				in->from = f;
			else
				err(v, from, "value",
				    "'from' must be env:NAME or file:/path, got %s", got(v, from));
		}
	} else if (in->type == IT_SECRET && !v->rb->fragment)
		err(v, key, "secret",
		    "secret input '%s' needs 'from: env:NAME' or 'from: file:/path'", in->name);
}

/* `default`: none for a secret; a literal one must fit the type */
static void input_default(vctx *v, input_def *in, node *m)
{
	node *def = node_get(m, "default");
	if (def && in->type == IT_SECRET) {
		err(v, node_key(m, "default"), "secret",
		    "secret input '%s' must not have a default: it would be stored in the file",
		    in->name);
		def = NULL;
	}
	if (def && !node_is_null(def)) {
		in->def = def;
		walk_tmpl(v, def, NULL, R_DEFAULT);
		if (!(is_scalar(def) && has_template(def->str, def->len))) {
			const char *want = default_mismatch(in, def);
			if (want)
				err(v, def, "type", "default of input '%s' must be %s, got %s",
				    in->name, want, got(v, def));
		}
	}
}

/* `pattern`: it compiles, and a literal default matches it */
static void input_pattern(vctx *v, input_def *in, node *m)
{
	node *pat = node_get(m, "pattern");
	if (!pat || !want_str(v, pat, "pattern") || check_pattern(v, pat, 0) < 0)
		return;
	in->pattern = pat->str;
	re_error e;
	if (in->def && is_scalar(in->def) && !in->def->cache &&
	    re_match(pat->str, pat->len, 0, in->def->str, in->def->len, 0, &e) != 1)
		err(v, in->def, "pattern",
		    "default %s of input '%s' does not match its pattern '%s'",
		    got(v, in->def), in->name, pat->str);
}

/* a literal of input in's type outside its bounds: the run-time message
 * (input_in_bounds, malloc'd), else NULL */
static char *literal_out_of_bounds(const input_def *in, const node *x)
{
	value *lit = literal_node(x);
	char *e = NULL;
	value *c = input_coerce(in, lit, &e);
	free(e);                /* its type is default_mismatch's to judge */
	e = NULL;
	if (c && input_in_bounds(in, c, &e))
		e = NULL;
	if (c)
		v_release(c);
	v_release(lit);
	return e;
}

/* `min`/`max` (int, number) or `min-items`/`max-items` (list): *has set
 * when given; numbers, whole and not negative for the item counts */
static void input_bound(vctx *v, input_def *in, node *m, const char *key, int *has,
			double *num, long long *count)
{
	node *x = node_get(m, key);
	int items = count != NULL;
	long long c;
	if (!x)
		return;
	if (items ? in->type != IT_LIST : in->type != IT_INT && in->type != IT_NUMBER) {
		err(v, node_key(m, key), "value", "'%s' only applies to %s %ss (%s '%s' is a%s %s%s)",
		    key, items ? "list" : "int and number", input_noun(in), input_noun(in), in->name,
		    in->type == IT_INT || in->type == IT_ENUM ? "n" : "", input_types[in->type],
		    !items && in->type == IT_LIST ? ": use 'min-items' and 'max-items'" : "");
		return;
	}
	if (items && (!plain_int(x, &c) || c < 0))
		err(v, x, "type", "'%s' must be a whole number of items, got %s", key, got(v, x));
	else if (!items && !plain_num(x, num))
		err(v, x, "type", "'%s' must be a number, got %s", key, got(v, x));
	else {
		if (items)
			*count = c;
		if (has)
			*has = 1;
	}
}

/*
 * The bounds of an input (min/max, min-items/max-items), in order, and a
 * literal default within them: checked by the run-time check
 * (input_check, inputs.c) on the default's value.
 */
static void input_bounds(vctx *v, input_def *in, node *m)
{
	int has_mi = 0, has_ma = 0;
	input_bound(v, in, m, "min", &in->has_min, &in->min, NULL);
	input_bound(v, in, m, "max", &in->has_max, &in->max, NULL);
	input_bound(v, in, m, "min-items", &has_mi, NULL, &in->min_items);
	input_bound(v, in, m, "max-items", &has_ma, NULL, &in->max_items);
	if ((in->has_min && in->has_max && in->min > in->max) ||
	    (has_mi && has_ma && in->min_items > in->max_items)) {
		const char *lo = in->has_max ? "min" : "min-items", *hi;
		hi = in->has_max ? "max" : "max-items";
		err(v, node_get(m, hi), "value", "'%s' (%s) is less than '%s' (%s)", hi,
		    node_get(m, hi)->str, lo, node_get(m, lo)->str);
		return;
	}
	if (!in->def || (is_scalar(in->def) && has_template(in->def->str, in->def->len)) ||
	    default_mismatch(in, in->def))
		return;
	char *e = literal_out_of_bounds(in, in->def);
	if (e)
		err(v, in->def, "value", "default of %s", e);
	free(e);
}

/*
 * What an input and a manual step's field share: a mapping of keys (or
 * null: a required string), its type, description and enum values.
 * Returns 1 when the mapping's other keys are to be read.
 */
static int parse_typed(vctx *v, input_def *in, node *m, const char *const *keys)
{
	in->n = m;
	in->type = IT_STRING;
	in->min_items = in->max_items = -1;
	if (m && node_is_null(m)) {
		in->required = 1;
		return 0;
	}
	if (!is_map(m)) {
		err(v, m, "type", "%s '%s' must be a mapping, got %s", input_noun(in), in->name,
		    got(v, m));
		return 0;
	}
	check_keys(v, m, keys, arena_printf(v->a, "in %s '%s'", input_noun(in), in->name));
	node *t = node_get(m, "type");
	if (t) {
		int i = want_enum(v, t, "type", input_types);
		if (i >= 0)
			in->type = i;
	}
	node *desc = node_get(m, "description");
	if (desc && want_str(v, desc, "description"))
		in->description = desc->str;
	input_values(v, in, m, t);
	return 1;
}

/* one input: a mapping of input_keys (or null: a required string) */
static void parse_input(vctx *v, input_def *in, node *key, node *m)
{
	if (!parse_typed(v, in, m, input_keys))
		return;
	input_from(v, in, key, m);
	input_default(v, in, m);
	input_pattern(v, in, m);
	input_bounds(v, in, m);

	node *req = node_get(m, "required");
	int r;
	if (req && want_bool(v, req, "required", &r))
		in->required = r;
	else
		in->required = !in->def && (in->type != IT_SECRET || v->rb->fragment);
}

static void parse_inputs(vctx *v, node *m)
{
	if (!want_map(v, m, "inputs"))
		return;
	runbook *rb = v->rb;
	rb->inputs = arena_alloc(v->a, (m->n + 1) * sizeof *rb->inputs);
	for (size_t i = 0; i < m->n; i++) {
		node *k = m->keys[i];
		if (!name_ok(k->str, 1))
			err(v, k, "value", "input name '%s' must match [A-Za-z_][A-Za-z0-9_-]*",
			    k->str);
		input_def *in = &rb->inputs[rb->ninputs++];
		in->name = k->str;
		parse_input(v, in, k, m->vals[i]);
	}
}

/* "a string or a list" for a P_* mask (arena string) */
static const char *types_desc(vctx *v, int types)
{
	static const struct { int bit; const char *name; } names[] = {
		{ P_STR, "a string" }, { P_NUM, "a number" }, { P_BOOL, "true or false" },
		{ P_LIST, "a list" }, { P_MAP, "a mapping" }, { P_DUR, "a duration like 30s" },
	};
	if ((types & P_ANY) == P_ANY)
		return "a value";
	const char *s = NULL;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (types & names[i].bit)
			s = s ? arena_printf(v->a, "%s or %s", s, names[i].name) : names[i].name;
	return s ? s : "nothing";
}

/* Does n have one of the shapes in types?  A single ${{ }} has any shape,
 * an interpolated string is a string (or a duration, checked when run). */
static int shape_ok(vctx *v, node *n, int types)
{
	long long i;
	double x;
	int b;
	int64_t ms;
	if (!n)
		return 0;
	if (n->kind == N_MAP)
		return !!(types & P_MAP);
	if (n->kind == N_SEQ)
		return !!(types & P_LIST);
	if (node_is_null(n))
		return 0;
	if (parse_tmpl(v, n))
		return is_single_tmpl(v, n) || (types & (P_STR | P_DUR));
	if (n->cache == &bad_tmpl_mark)
		return 1;       /* reported already */
	if (types & P_STR)
		return 1;
	if ((types & P_NUM) && (plain_int(n, &i) || plain_num(n, &x)))
		return 1;
	if ((types & P_BOOL) && node_bool(n, &b))
		return 1;
	if ((types & P_DUR) && dur_parse(n->str, n->len, &ms) == 0)
		return 1;
	return 0;
}

static const char *const *conn_kind_names(void)
{
	static const char *names[16];
	if (!names[0])
		for (size_t i = 0; i < conn_kind_count && i < 15; i++)
			names[i] = conn_kinds[i].name;
	return names;
}

static void parse_connections(vctx *v, node *m)
{
	if (!want_map(v, m, "connections"))
		return;
	runbook *rb = v->rb;
	const char *const *kinds = conn_kind_names();
	rb->conns = arena_alloc(v->a, (m->n + 1) * sizeof *rb->conns);
	for (size_t i = 0; i < m->n; i++) {
		node *k = m->keys[i], *c = m->vals[i];
		conn_def *cd = &rb->conns[rb->nconns++];
		cd->name = k->str;
		cd->n = c;
		if (!name_ok(k->str, 1))
			err(v, k, "value", "connection name '%s' must match [A-Za-z_][A-Za-z0-9_-]*",
			    k->str);
		if (!is_map(c)) {
			err(v, c, "type", "connection '%s' must be a mapping like { postgres: DSN }, got %s",
			    k->str, got(v, c));
			continue;
		}
		node *kindkey = NULL;
		for (size_t j = 0; j < c->n; j++) {
			node *kk = c->keys[j];
			const conn_kind *ck = conn_kind_find(kk->str);
			if (!ck) {
				err(v, kk, "unknown-key", "unknown connection kind '%s' in connection '%s'%s",
				    kk->str, k->str, hint(v, kk->str, kinds, (size_t)-1));
				continue;
			}
			if (kindkey) {
				err(v, kk, "connection",
				    "connection '%s' has two kinds, '%s' and '%s'; it needs exactly one",
				    k->str, kindkey->str, kk->str);
				continue;
			}
			kindkey = kk;
			cd->kind = ck->name;
			cd->spec = c->vals[j];
			if (!shape_ok(v, cd->spec, ck->spec_types))
				err(v, cd->spec, "type", "'%s' connection '%s' must be %s, got %s",
				    ck->name, k->str, types_desc(v, ck->spec_types), got(v, cd->spec));
			walk_tmpl(v, cd->spec, NULL, R_CONN);
		}
		if (!kindkey && c->n == 0)
			err(v, c, "connection", "connection '%s' needs one of postgres, redis, kafka, prometheus, http",
			    k->str);
	}
}

/* ---- defaults, retry, until ---- */

/*
 * A duration or count of a step that may come from an expression: a
 * scalar holding ${{ }} is kept in *late (its references judged with the
 * step's) and checked when the step runs; anything else is checked now.
 * late NULL (defaults): literal only.  1 when n is such a template.
 */
static int late_value(vctx *v, node *n, node **late, step *refst)
{
	if (!late || !is_scalar(n) || !has_template(n->str, n->len))
		return 0;
	*late = n;
	walk_tmpl(v, n, refst, 0);
	return 1;
}

/* retry: the step's values, and the step's templates when st (NULL:
 * defaults, literal only) */
static void parse_retry(vctx *v, node *m, int *attempts, int64_t *delay, double *backoff,
			int64_t *max_delay, step *st, step *refst)
{
	if (!want_map(v, m, "retry"))
		return;
	check_keys(v, m, retry_keys, "in 'retry'");
	node *n;
	long long a;
	double b;
	struct step_templated *late = st ? &st->templated : NULL;
	if ((n = node_get(m, "attempts")) && !late_value(v, n, late ? &late->retry_attempts : NULL, refst)) {
		if (!plain_int(n, &a))
			err(v, n, "type", "'attempts' must be an int, got %s", got(v, n));
		else if (a < 1 || a > 1000)
			err(v, n, "value", "'attempts' must be between 1 and 1000, got %lld", a);
		else
			*attempts = (int)a;
	}
	if ((n = node_get(m, "delay")) && !late_value(v, n, late ? &late->retry_delay : NULL, refst))
		want_dur(v, n, "delay", delay);
	if ((n = node_get(m, "max-delay")) &&
	    !late_value(v, n, late ? &late->retry_max_delay : NULL, refst))
		want_dur(v, n, "max-delay", max_delay);
	if ((n = node_get(m, "backoff"))) {
		if (!plain_num(n, &b))
			err(v, n, "type", "'backoff' must be a number, got %s", got(v, n));
		else if (b < 1.0 || b > 100.0)
			err(v, n, "value", "'backoff' must be between 1.0 and 100, got %s", n->str);
		else
			*backoff = b;
	}
}

static void parse_defaults(vctx *v, node *m)
{
	if (!want_map(v, m, "defaults"))
		return;
	check_keys(v, m, defaults_keys, "in 'defaults'");
	node *n;
	if ((n = node_get(m, "timeout")))
		want_dur(v, n, "timeout", &v->rb->default_timeout_ms);
	if ((n = node_get(m, "retry")))
		parse_retry(v, n, &v->dfl_attempts, &v->dfl_delay, &v->dfl_backoff, &v->dfl_max_delay,
			    NULL, NULL);
	if ((n = node_get(m, "on-failure"))) {
		int i = want_enum(v, n, "on-failure", onfail_names);
		if (i >= 0)
			v->dfl_onfail = i;
	}
}

/* ---- expect ---- */

static void check_matcher(vctx *v, step *st, node *val, int depth);
static void check_matcher_obj(vctx *v, step *st, node *m, int depth);
static void check_judged(vctx *v, step *st, node *val, int depth);

/* the matcher whose name op nearly is, or NULL */
static const char *near_matcher(const char *op)
{
	return suggest_rows(op, matcher_table, matcher_count, sizeof matcher_table[0], 0);
}

/* a mapping is a matcher object when a key is (or nearly is) a matcher
 * name; otherwise it is a literal compared for equality, as in expect.c */
static int looks_like_matcher(const node *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (matcher_find(m->keys[i]->str) || near_matcher(m->keys[i]->str))
			return 1;
	return 0;
}

/* the operand x of matcher mt has the shape its row says; a pattern
 * compiles, and a nested matcher object is checked in turn */
static void check_operand(vctx *v, step *st, const matcher *mt, node *x, int depth)
{
	const char *op = mt->name;
	int single = is_single_tmpl(v, x);
	long long n;
	int b;
	switch (mt->operand) {
	case MO_LIST:
		if (!single && !is_seq(x))
			err(v, x, "type", "matcher '%s' needs a list, got %s", op, got(v, x));
		break;
	case MO_PATTERN:
		if (!is_scalar(x) || node_is_null(x))
			err(v, x, "type", "matcher '%s' needs a pattern string, got %s", op, got(v, x));
		else if (!parse_tmpl(v, x) && x->cache != &bad_tmpl_mark)
			check_pattern(v, x, RE_MULTILINE);
		break;
	case MO_BOOL:
		if (!single && !node_bool(x, &b))
			err(v, x, "type", "matcher '%s' needs true or false, got %s", op, got(v, x));
		break;
	case MO_COUNT:
		if (is_map(x))
			check_matcher_obj(v, st, x, depth + 1);
		else if (!single && !plain_int(x, &n))
			err(v, x, "type", "matcher '%s' needs an int or a matcher, got %s", op,
			    got(v, x));
		break;
	case MO_MATCHER:
		check_judged(v, st, x, depth + 1);
		break;
	default:
		break;
	}
}

/* a matcher object {op: expected}: ops known, operands right */
static void check_matcher_obj(vctx *v, step *st, node *m, int depth)
{
	for (size_t i = 0; i < m->n; i++) {
		node *k = m->keys[i];
		const matcher *mt = matcher_find(k->str);
		if (!mt)
			err(v, k, "unknown-key", "unknown matcher '%s'%s", k->str,
			    hint_for(v, near_matcher(k->str)));
		else
			check_operand(v, st, mt, m->vals[i], depth);
	}
}

static void check_matcher(vctx *v, step *st, node *val, int depth)
{
	if (depth > 16)
		return;
	if (is_map(val) && looks_like_matcher(val))
		check_matcher_obj(v, st, val, depth);
}

/* a path into a value: names, '.', [int] (as match_path_get reads it) */
static void check_field_path(vctx *v, node *k)
{
	for (const char *p = k->str; (p = strchr(p, '[')); p++) {
		char *end;
		strtol(p + 1, &end, 10);
		if (end == p + 1 || *end != ']') {
			err_in(v, SEV_ERROR, k, (size_t)(p - k->str), "expect",
			       "'%s': an index in a field path is an integer, like items[0]", k->str);
			return;
		}
	}
}

/*
 * A value judged under any, all, not or json: a mapping whose keys are
 * all matcher names is a matcher object; one with none is a field map,
 * each value judged in turn.  A mapping with both is refused: 'gt' and
 * 'lte' together are a misspelt matcher more often than two fields (a
 * field named like a matcher is written '.gt').
 */
static void check_judged(vctx *v, step *st, node *val, int depth)
{
	if (depth > 16 || !is_map(val) || !val->n)
		return;
	node *op = NULL, *field = NULL;
	for (size_t i = 0; i < val->n; i++)
		*(matcher_find(val->keys[i]->str) ? &op : &field) = val->keys[i];
	if (!field) {
		check_matcher_obj(v, st, val, depth);
		return;
	}
	if (op) {
		const char *near = near_matcher(field->str);
		err(v, field, "unknown-key",
		    "mapping mixes the matcher '%s' and the field '%s'%s (write a field named like a matcher as '.%s')",
		    op->str, field->str, hint_for(v, near), op->str);
		return;
	}
	for (size_t i = 0; i < val->n; i++) {
		check_field_path(v, val->keys[i]);
		check_judged(v, st, val->vals[i], depth + 1);
	}
}

/* the first component of a result path: "rows[0].status" -> "rows" */
static char *path_head(vctx *v, const char *path)
{
	return arena_strndup(v->a, path, strcspn(path, ".["));
}

static void check_expect(vctx *v, step *st, node *ex)
{
	if (is_scalar(ex)) {
		if (!is_single_tmpl(v, ex) && ex->cache != &bad_tmpl_mark)
			err(v, ex, "type",
			    "'expect' must be a mapping of result fields or one ${{ }} expression, got %s",
			    got(v, ex));
		return;
	}
	if (!is_map(ex)) {
		err(v, ex, "type", "'expect' must be a mapping of result fields, got %s", got(v, ex));
		return;
	}
	const char *const *fields = st->prim ? st->prim->result_fields : NULL;
	for (size_t i = 0; i < ex->n; i++) {
		node *k = ex->keys[i], *x = ex->vals[i];
		char *head = path_head(v, k->str);
		if (fields && !in_list(head, fields)) {
			err(v, k, "expect", "'%s' has no result field '%s'%s", st->prim->name, head,
			    hint(v, head, fields, (size_t)-1));
			continue;
		}
		if (!strcmp(k->str, "json"))
			check_judged(v, st, x, 0);
		else
			check_matcher(v, st, x, 0);
	}
}

/* ---- use: fragments ---- */

static int is_use(const step *st)
{
	return st->prim && (st->prim->flags & PF_FRAGMENT);
}

/* text to load instead of the file at path (runbook_load_text) */
typedef struct rb_text {
	const char *name, *buf;
	size_t len;
} rb_text;
static runbook *load_rb(const char *path, const rb_text *text, diags *dg, int lint, char **chain,
			size_t depth);
static void check_result_field(vctx *v, node *n, size_t off, const step *st, const char *f);

/* set once a fragment was loaded: from then on diagnostics are merged
 * without repeats (a file may be reached both directly and by `use`) */
static int fragments_seen;

/* copy the fragment's diagnostics, leaving out those already reported
 * (a fragment used twice, or checked on its own in the same run) */
static void merge_diags(diags *to, const diags *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const diag *d = &from->v[i];
		int seen = 0;
		for (size_t j = 0; j < to->n && !seen; j++) {
			const diag *e = &to->v[j];
			seen = e->line == d->line && e->col == d->col && e->severity == d->severity &&
			       !strcmp(e->file, d->file) && !strcmp(e->msg, d->msg);
		}
		if (!seen)
			diag_add(to, d->severity, d->file, d->line, d->col, d->rule, "%s", d->msg);
	}
}

/* Is the literal `with:` value x right for input in?  Reports at x. */
static const char *default_mismatch(const input_def *in, const node *d);

static void check_with_literal(vctx *v, const runbook *fr, const input_def *in, node *x)
{
	const char *want = node_is_null(x) ? "given" : default_mismatch(in, x);
	if (want) {
		err(v, x, "type", "input '%s' of fragment '%s' must be %s, got %s", in->name,
		    fr->id, want, got(v, x));
		return;
	}
	char *b = literal_out_of_bounds(in, x);
	if (b)
		err(v, x, "value", "fragment '%s': %s", fr->id, b);
	free(b);
	if (!in->pattern || !is_scalar(x))
		return;
	re_error e;
	int r = re_match(in->pattern, strlen(in->pattern), 0, x->str, x->len, 0, &e);
	if (r == 0 || (r < 0 && !e.bad_pattern))        /* a bad one is reported in the fragment */
		err(v, x, "pattern", "%s does not match the pattern '%s' of input '%s' of fragment '%s'",
		    got(v, x), in->pattern, in->name, fr->id);
}

/* `with:` against the fragment's inputs: names, required ones, literal
 * types; its templates are judged in the caller's context */
static void check_with(vctx *v, step *st, const runbook *fr)
{
	node *w = st->with;
	if (w && !want_map(v, w, "with"))
		return;
	for (size_t i = 0; w && i < w->n; i++) {
		node *k = w->keys[i], *x = w->vals[i];
		const input_def *in = runbook_find_input(fr, k->str);
		if (!in) {
			const char **names = xcalloc(fr->ninputs + 1, sizeof *names);
			for (size_t j = 0; j < fr->ninputs; j++)
				names[j] = fr->inputs[j].name;
			err(v, k, "unknown-input", "fragment '%s' has no input '%s'%s", fr->id, k->str,
			    hint(v, k->str, names, fr->ninputs));
			free(names);
			walk_tmpl(v, x, st, 0);
			continue;
		}
		int secret = in->type == IT_SECRET;
		v->with_what = arena_printf(v->a, "input '%s' of fragment '%s'", in->name, fr->id);
		walk_tmpl(v, x, st, secret ? 0 : R_WITH_PUBLIC);
		v->with_what = NULL;
		if (!(is_scalar(x) && has_template(x->str, x->len)))
			check_with_literal(v, fr, in, x);
	}
	node *at = w ? node_key(st->n, "with") : st->action;
	for (size_t j = 0; j < fr->ninputs; j++) {
		const input_def *in = &fr->inputs[j];
		if (in->required && !(w && node_get(w, in->name)))
			err(v, at, "required", "fragment '%s' needs input '%s' in 'with'", fr->id,
			    in->name);
	}
}

/*
 * A `use` step: find the fragment, load and validate it (its own
 * diagnostics keep its own positions), refuse cycles, check `with:`, and
 * take the fragment's effect unless the step states one.  The loaded copy
 * belongs to the step (st->frag).
 */
static void check_use(vctx *v, step *st)
{
	node *a = st->action;
	if (!is_scalar(a) || node_is_null(a))
		return;
	if (has_template(a->str, a->len)) {
		err(v, a, "type", "'use' must be a fragment path, not a template");
		return;
	}
	char *looked = NULL;
	char *path = fragment_find(a->str, v->rb->path, &looked);
	if (!path) {
		err(v, a, "fragment", "fragment '%s' not found; looked in %s", a->str,
		    looked ? looked : "no place");
		free(looked);
		if (st->with && is_map(st->with))
			walk_tmpl(v, st->with, st, 0);
		return;
	}
	if (!v->chain[0]) {
		char *top = realpath(v->path, NULL);
		v->chain[0] = top ? top : xstrdup(v->path);
	}
	char *real = realpath(path, NULL);
	if (!real)
		real = xstrdup(path);
	for (size_t i = 0; i < v->depth; i++) {
		if (strcmp(v->chain[i], real))
			continue;
		sbuf b = { 0 };
		for (size_t j = i; j < v->depth; j++)
			sbuf_addf(&b, "%s -> ", v->chain[j]);
		sbuf_adds(&b, real);
		err(v, a, "fragment-cycle", "fragment cycle: %s", b.buf);
		sbuf_release(&b);
		free(real);
		free(path);
		return;
	}
	if (v->depth >= FRAGMENT_MAX_DEPTH) {
		err(v, a, "fragment", "fragments nested more than %d deep", FRAGMENT_MAX_DEPTH);
		free(real);
		free(path);
		return;
	}
	char **chain = xcalloc(v->depth + 2, sizeof *chain);
	memcpy(chain, v->chain, v->depth * sizeof *chain);
	chain[v->depth] = real;
	diags fdg;
	diags_init(&fdg);
	fragments_seen = 1;
	runbook *fr = load_rb(path, NULL, &fdg, 0, chain, v->depth + 1);
	merge_diags(v->dg, &fdg);
	free(chain);
	free(real);
	if (!fr) {
		err(v, a, "fragment", "fragment '%s' (%s) is not valid: %d error%s", a->str, path,
		    fdg.nerr, fdg.nerr == 1 ? "" : "s");
	} else if (!fr->fragment) {
		err(v, a, "fragment",
		    "'%s' is a runbook, not a fragment: a fragment has 'fragment: <id>' instead of 'runbook:'",
		    path);
		runbook_free(fr);
		fr = NULL;
	}
	diags_release(&fdg);
	free(path);
	if (!fr) {
		if (st->with && is_map(st->with))
			walk_tmpl(v, st->with, st, 0);
		return;
	}
	st->frag = fr;
	check_with(v, st, fr);
	/* a use step's result is its fragment's outputs */
	for (size_t i = 0; is_map(st->expect) && i < st->expect->n; i++) {
		node *k = st->expect->keys[i];
		check_result_field(v, k, 0, st, path_head(v, k->str));
	}
	if (!st->effect_explicit) {
		st->effect = EFFECT_READ;
		for (size_t i = 0; i < fr->lists[PH_STEPS].n; i++)
			if (fr->lists[PH_STEPS].v[i]->effect == EFFECT_WRITE)
				st->effect = EFFECT_WRITE;
	}
}

/*
 * Once the using step has its final id: the fragment's steps (and those
 * of the fragments it uses) are named "<use-step>/<step>" and run in the
 * using step's phase, which is what the transcript records and
 * runbook_find_step() finds.  Rollback steps stay in the rollback phase.
 */
static void adopt_fragment(runbook *fr, const char *prefix, int phase)
{
	for (size_t i = 0; i < fr->all.n; i++) {
		step *st = fr->all.v[i];
		st->id = arena_printf(&fr->a, "%s%s", prefix, st->id ? st->id : "?");
		if (st->phase != PH_ROLLBACK)
			st->phase = phase;
		if (st->frag)
			adopt_fragment(st->frag, prefix, phase);
	}
}

/* ---- steps ---- */

typedef struct stepctx {
	int phase;
	size_t index;
	step *owner;            /* rollback steps: the step they undo */
	step *probe_of;         /* a `check` probe: its step */
	const char *listname;
} stepctx;

static step *parse_step(vctx *v, node *n, const stepctx *sc);

/* prim_find() with the first byte compared inline: every key of every
 * step is looked up, and nearly all of them are not primitives */
static const prim_def *find_prim(const char *key)
{
	for (size_t i = 0; i < prim_count; i++)
		if (prim_table[i].name[0] == key[0] && !strcmp(prim_table[i].name, key))
			return &prim_table[i];
	return NULL;
}

static const char *step_label(vctx *v, const step *st, const stepctx *sc)
{
	if (sc->probe_of)
		return arena_printf(v->a, "the check of step '%s'",
				    sc->probe_of->id ? sc->probe_of->id : "?");
	if (st->id)
		return arena_printf(v->a, "%s '%s'", sc->phase == PH_GUARD ? "guard"
				    : sc->phase == PH_PROBES ? "probe" : "step", st->id);
	if (sc->owner)
		return arena_printf(v->a, "a rollback step of '%s'", sc->owner->id ? sc->owner->id : "?");
	return arena_printf(v->a, "step %zu of '%s'", sc->index + 1, sc->listname);
}

/* one step being parsed: what its keys' parse functions share */
typedef struct step_parse {
	vctx *v;
	step *st;
	const stepctx *sc;
	step *refst;            /* whose order applies to templates (a probe: its step's) */
	const char *label;      /* "step 'x'", made for the first message that needs it */
	node *until_key;        /* `until`, which needs an `expect` (checked at the end) */
} stepparse;

static const char *label(stepparse *p)
{
	if (!p->label)
		p->label = step_label(p->v, p->st, p->sc);
	return p->label;
}

static void parse_id(vctx *v, step *st, node *idn, const stepctx *sc)
{
	if (!idn) {
		err(v, st->n, "required", "%s has no 'id'", step_label(v, st, sc));
		return;
	}
	if (!want_str(v, idn, "id"))
		return;
	if (!id_ok(idn->str)) {
		err(v, idn, "id", "step id '%s' must match [a-z0-9][a-z0-9-]*", idn->str);
		return;
	}
	step *prev = id_find(v, idn->str);
	if (prev) {
		err(v, idn, "duplicate-id", "duplicate step id '%s' (first used at line %d)",
		    idn->str, prev->n->line);
		return;
	}
	st->id = idn->str;
	id_insert(v, st);
}

/*
 * A mapping of names to scalars (outputs, env): each name matches
 * [A-Za-z_][A-Za-z0-9_]* (with '-' after the first character when dash),
 * each value is a scalar.  what names a key in messages ("output"),
 * value_what and want a value ("env value", "a string").
 */
static void check_name_map(vctx *v, const node *m, int dash, const char *what,
			   const char *value_what, const char *want)
{
	for (size_t i = 0; i < m->n; i++) {
		if (!name_ok(m->keys[i]->str, dash))
			err(v, m->keys[i], "value", "%s name '%s' must match %s", what, m->keys[i]->str,
			    dash ? "[A-Za-z_][A-Za-z0-9_-]*" : "[A-Za-z_][A-Za-z0-9_]*");
		if (!is_scalar(m->vals[i]))
			err(v, m->vals[i], "type", "%s '%s' must be %s, got %s", value_what,
			    m->keys[i]->str, want, got(v, m->vals[i]));
	}
}

/* outputs (of a step, or of a fragment): name -> ${{ }} template */
static void check_outputs(vctx *v, const node *m)
{
	check_name_map(v, m, 1, "output", "output", "a ${{ }} template");
}

/* ---- the step keys: one parse function per row of step_key_table ---- */

static void sk_title(stepparse *p, node *k, node *x)
{
	if (want_str(p->v, x, "title")) {
		p->st->title = x->str;
		walk_tmpl(p->v, x, p->refst, 0);
	}
}

static void sk_description(stepparse *p, node *k, node *x)
{
	want_str(p->v, x, "description");
}

static void sk_if(stepparse *p, node *k, node *x)
{
	vctx *v = p->v;
	int b;
	if (!node_bool(x, &b) && !is_single_tmpl(v, x) && x->cache != &bad_tmpl_mark)
		err(v, x, "type", "'if' must be one ${{ }} expression or true/false, got %s", got(v, x));
	p->st->if_ = x;
	walk_tmpl(v, x, p->refst, 0);
}

static void sk_needs(stepparse *p, node *k, node *nd)
{
	vctx *v = p->v;
	if (is_scalar(nd)) {
		p->st->needs_node = nd;
		return;
	}
	if (!is_seq(nd)) {
		err(v, nd, "type", "'needs' must be a step id or a list of them, got %s", got(v, nd));
		return;
	}
	int ok = 1;
	for (size_t i = 0; i < nd->n; i++)
		if (!is_scalar(nd->vals[i]) || node_is_null(nd->vals[i])) {
			err(v, nd->vals[i], "type", "'needs' items must be step ids, got %s",
			    got(v, nd->vals[i]));
			ok = 0;
		}
	if (ok)
		p->st->needs_node = nd;
}

static void sk_effect(stepparse *p, node *k, node *x)
{
	int e = want_enum(p->v, x, "effect", effect_names);
	if (e >= 0) {
		p->st->effect = e;
		p->st->effect_explicit = 1;
	}
}

static void sk_timeout(stepparse *p, node *k, node *x)
{
	if (!late_value(p->v, x, &p->st->templated.timeout, p->refst))
		want_dur(p->v, x, "timeout", &p->st->timeout_ms);
}

static void sk_retry(stepparse *p, node *k, node *x)
{
	step *st = p->st;
	parse_retry(p->v, x, &st->retry_attempts, &st->retry_delay_ms, &st->retry_backoff,
		    &st->retry_max_delay_ms, st, p->refst);
}

static void sk_until(stepparse *p, node *k, node *m)
{
	vctx *v = p->v;
	step *st = p->st;
	p->until_key = k;
	if (!want_map(v, m, "until"))
		return;
	check_keys(v, m, until_keys, "in 'until'");
	node *every = node_get(m, "every"), *within = node_get(m, "within");
	if (!every)
		err(v, m, "required", "'until' needs 'every': how often to poll");
	else if (!late_value(v, every, &st->templated.until_every, p->refst))
		want_dur(v, every, "every", &st->until_every_ms);
	if (!within)
		err(v, m, "required", "'until' needs 'within': how long to keep polling");
	else if (!late_value(v, within, &st->templated.until_within, p->refst))
		want_dur(v, within, "within", &st->until_within_ms);
	node *hold = node_get(m, "hold");
	if (hold && !late_value(v, hold, &st->templated.until_hold, p->refst) &&
	    want_dur(v, hold, "hold", &st->until_hold_ms) && within && !st->templated.until_within &&
	    st->until_hold_ms > st->until_within_ms) {
		char h[32], w[32];
		err(v, hold, "value", "'hold' (%s) is longer than 'within' (%s): the condition could "
		    "never hold long enough", dur_format(st->until_hold_ms, h, sizeof h),
		    dur_format(st->until_within_ms, w, sizeof w));
	}
	st->has_until = 1;
}

static void sk_expect(stepparse *p, node *k, node *x)
{
	p->st->expect = x;
	check_expect(p->v, p->st, x);
	p->v->result_of = p->st;
	walk_tmpl(p->v, x, p->refst, R_RESULT);
	p->v->result_of = NULL;
}

static void sk_outputs(stepparse *p, node *k, node *m)
{
	vctx *v = p->v;
	if (want_map(v, m, "outputs")) {
		check_outputs(v, m);
		p->st->outputs = m;
	}
	v->result_of = p->st;
	walk_tmpl(v, m, p->refst, R_RESULT);
	v->result_of = NULL;
}

static void sk_on_failure(stepparse *p, node *k, node *x)
{
	int e = want_enum(p->v, x, "on-failure", onfail_names);
	if (e >= 0)
		p->st->on_failure = e;
}

static void sk_dry_run(stepparse *p, node *k, node *x)
{
	int e = want_enum(p->v, x, "dry-run", dry_run_names);
	if (e >= 0)
		p->st->dry_run = e == 0 ? DRYRUN_RUN : DRYRUN_SKIP;
}

static void sk_sensitive(stepparse *p, node *k, node *x)
{
	want_bool(p->v, x, "sensitive", &p->st->sensitive);
}

static void sk_idempotent(stepparse *p, node *k, node *x)
{
	want_bool(p->v, x, "idempotent", &p->st->idempotent);
}

static void sk_on_in_doubt(stepparse *p, node *k, node *x)
{
	int e = want_enum(p->v, x, "on-in-doubt", in_doubt_names);
	if (e >= 0)
		p->st->on_in_doubt = DOUBT_RERUN + e;
}

static void sk_rollback_on_failure(stepparse *p, node *k, node *x)
{
	step *st = p->st;
	if (want_bool(p->v, x, "rollback-on-failure", &st->rollback_on_failure) &&
	    st->rollback_on_failure && st->prim && st->prim->failure_undone)
		err(p->v, x, "rollback", "%s: 'rollback-on-failure' does not apply to %s steps",
		    st->prim->failure_undone, st->prim->name);
}

/* the undo of a step: one step or a list, each parsed as a rollback step */
/* `rollback: "text"` of a manual step: the step `{manual: "text"}` (a
 * manual undo, confirmed the same way), made in the arena */
static node *manual_undo(vctx *v, const step *st, node *k, node *text)
{
	node *m = arena_alloc(v->a, sizeof *m), *key = arena_alloc(v->a, sizeof *key);
	*key = *k;
	key->str = (char *)st->prim->name;
	key->len = strlen(key->str);
	key->style = S_PLAIN;
	*m = *text;
	m->kind = N_MAP;
	m->str = NULL;
	m->len = 0;
	m->n = 1;
	m->cache = NULL;
	m->keys = arena_alloc(v->a, sizeof(node *));
	m->vals = arena_alloc(v->a, sizeof(node *));
	m->keys[0] = key;
	m->vals[0] = text;
	return m;
}

/* `rollback: { none: why }`: nothing undoes the step, and the reason */
static void rollback_none(vctx *v, step *st, node *rb)
{
	node *why = node_get(rb, "none");
	if (rb->n != 1)
		err(v, rb, "type", "'rollback: { none: why }' takes nothing but 'none'");
	else if (!is_scalar(why) || node_is_null(why) || !why->len)
		err(v, why, "type", "'rollback: none' needs a reason: { none: why nothing undoes it }");
	else
		st->rollback_none = why;
}

static void sk_rollback(stepparse *p, node *k, node *rb)
{
	vctx *v = p->v;
	step *st = p->st;
	if (is_scalar(rb) && !node_is_null(rb) && st->prim && (st->prim->flags & PF_MANUAL))
		rb = manual_undo(v, st, k, rb);
	if (!is_map(rb) && !is_seq(rb)) {
		err(v, rb, "type", "'rollback' must be a step or a list of steps%s, got %s (or { none: why })",
		    st->prim && (st->prim->flags & PF_MANUAL) ? " (or the manual undo's instructions)" : "",
		    got(v, rb));
		return;
	}
	if (is_map(rb) && node_key(rb, "none")) {
		rollback_none(v, st, rb);
		return;
	}
	size_t n = is_map(rb) ? 1 : rb->n;
	st->rollback.v = arena_alloc(v->a, (n + 1) * sizeof(step *));
	for (size_t i = 0; i < n; i++) {
		stepctx sc = { PH_ROLLBACK, st->rollback.n, st, NULL, "rollback" };
		step *r = parse_step(v, is_map(rb) ? rb : rb->vals[i], &sc);
		if (r)
			st->rollback.v[st->rollback.n++] = r;
	}
}

/* the `check:` probe: a step of its own, without id, that only reads */
static void sk_check(stepparse *p, node *k, node *x)
{
	vctx *v = p->v;
	if (!want_map(v, x, "check"))
		return;
	stepctx pc = { p->sc->phase, 0, NULL, p->st, p->sc->listname };
	step *probe = parse_step(v, x, &pc);
	if (probe && probe->prim && probe->effect == EFFECT_WRITE)
		err(v, probe->action_key, "effect",
		    "the check of %s must only read; '%s' writes (add 'effect: read' if it does not)",
		    label(p), probe->prim->name);
	p->st->check = x;
	p->st->check_step = probe;
}

static void sk_env(stepparse *p, node *k, node *m)
{
	vctx *v = p->v;
	if (want_map(v, m, "env")) {
		check_name_map(v, m, 0, "environment variable", "env value", "a string");
		p->st->env = m;
	}
	walk_tmpl(v, m, p->refst, 0);
}

static void sk_cwd(stepparse *p, node *k, node *x)
{
	if (want_str(p->v, x, "cwd"))
		p->st->cwd = x;
	walk_tmpl(p->v, x, p->refst, 0);
}

static void sk_stdin(stepparse *p, node *k, node *x)
{
	if (want_str(p->v, x, "stdin"))
		p->st->stdin_ = x;
	walk_tmpl(p->v, x, p->refst, 0);
}

/* a manual step's `fields`: name: field, each like an input (no default
 * or from: the operator enters it) */
static void sk_fields(stepparse *p, node *k, node *m)
{
	vctx *v = p->v;
	step *st = p->st;
	if (!want_map(v, m, "fields"))
		return;
	st->fields = arena_alloc(v->a, (m->n + 1) * sizeof *st->fields);
	for (size_t i = 0; i < m->n; i++) {
		node *key = m->keys[i];
		if (!name_ok(key->str, 1))
			err(v, key, "value", "field name '%s' must match [A-Za-z_][A-Za-z0-9_-]*",
			    key->str);
		input_def *f = &st->fields[st->nfields++];
		f->name = key->str;
		f->field = 1;
		if (parse_typed(v, f, m->vals[i], field_keys)) {
			input_pattern(v, f, m->vals[i]);
			input_bounds(v, f, m->vals[i]);
		}
		f->required = 1;
	}
}

static void sk_with(stepparse *p, node *k, node *x)
{
	p->st->with = x;        /* walked by check_use, against the fragment's inputs */
}

/* the items: one ${{ }} (a list or an object at run time) or a literal list */
static void sk_for_each(stepparse *p, node *k, node *x)
{
	vctx *v = p->v;
	p->st->for_each = x;    /* also after an error: its `each` is not one more */
	if (!is_seq(x) && !is_single_tmpl(v, x)) {
		if (x->cache != &bad_tmpl_mark)
			err(v, x, "type", "'for-each' must be a list or one ${{ }} expression, got %s",
			    got(v, x));
		return;
	}
	walk_tmpl(v, x, p->refst, R_FOREACH);
}

/* max-concurrency, max-errors: an int >= min, or "P%" with P in min..100 */
static void parse_limit(vctx *v, node *x, const char *what, int min, fe_limit *out)
{
	long long n;
	const char *want = min ? "a positive int" : "an int >= 0";
	if (is_scalar(x) && x->len > 1 && x->str[x->len - 1] == '%') {
		char *end;
		n = strtoll(x->str, &end, 10);
		if (end != x->str + x->len - 1 || !(x->str[0] >= '0' && x->str[0] <= '9'))
			err(v, x, "type", "'%s' must be %s or a percentage like '25%%', got %s", what,
			    want, got(v, x));
		else if (n < min || n > 100)
			err(v, x, "value", "'%s' must be a percentage between %d%% and 100%%, got %s",
			    what, min, got(v, x));
		else
			*out = (fe_limit){ (int)n, 1 };
		return;
	}
	if (!plain_int(x, &n))
		err(v, x, "type", "'%s' must be %s or a percentage like '25%%', got %s", what, want,
		    got(v, x));
	else if (n < min || n > 1000000)
		err(v, x, "value", "'%s' must be between %d and 1000000, got %lld", what, min, n);
	else
		*out = (fe_limit){ (int)n, 0 };
}

static void sk_max_concurrency(stepparse *p, node *k, node *x)
{
	parse_limit(p->v, x, "max-concurrency", 1, &p->st->max_concurrency);
}

static void sk_max_errors(stepparse *p, node *k, node *x)
{
	parse_limit(p->v, x, "max-errors", 0, &p->st->max_errors);
}

/* a guard's or probe's `every`: a duration, or a ${{ }} over what the
 * run knows when it starts (inputs, env, run), rendered then */
static void parse_every(vctx *v, node *x, step *st)
{
	if (is_scalar(x) && has_template(x->str, x->len)) {
		st->every_tmpl = x;
		walk_tmpl(v, x, NULL, R_EARLY);
	} else if (want_dur(v, x, "every", &st->every_ms) && st->every_ms <= 0)
		err(v, x, "value", "'every' must be longer than 0s");
}

static void sk_every(stepparse *p, node *k, node *x)
{
	parse_every(p->v, x, p->st);
}

static void sk_during(stepparse *p, node *k, node *x)
{
	int d = want_enum(p->v, x, "during", during_names);
	if (d == DURING_DRILL && !node_get(p->v->rb->d.root, "drill"))
		err(p->v, x, "value", "'during: drill' needs a drill section: this runbook has none");
	else if (d >= 0)
		p->st->during = d;
}

static void sk_tolerance(stepparse *p, node *k, node *x)
{
	long long n;
	if (!plain_int(x, &n))
		err(p->v, x, "type", "'tolerance' must be an int >= 0, got %s", got(p->v, x));
	else if (n < 0 || n > 1000000)
		err(p->v, x, "value", "'tolerance' must be between 0 and 1000000, got %lld", n);
	else
		p->st->tolerance = (int)n;
}

/* a check probe is run on its own by resume: no id, needs, rollback... */
#define NOT_PROBE (SKF_ROLLBACK | SKF_USE)
/* a use step's fragment steps have their own timeout, retry and until */
#define NOT_USE (SKF_PROBE | SKF_ROLLBACK)

const step_key step_key_table[] = {
	{ "id", "unique in the file: [a-z0-9][a-z0-9-]*", NOT_PROBE | SKF_WATCH, KS_ID, NULL, NULL },
	{ "title", "a one-line title", SKF_ALL | SKF_WATCH, KS_TEXT, NULL, sk_title },
	{ "description", "free text", SKF_ALL | SKF_WATCH, KS_TEXT, NULL, sk_description },
	{ "if", "a ${{ }} condition: the step is skipped when it is false", SKF_ALL,
	  KS_CONDITION, NULL, sk_if },
	{ "needs", "step ids of the same list this step waits for (default: the previous step)",
	  NOT_PROBE, KS_STEP_IDS, NULL, sk_needs },
	{ "effect", "read or write; the default comes from the primitive", SKF_ALL | SKF_WATCH,
	  KS_EFFECT, NULL, sk_effect },
	{ "timeout", "how long one attempt may take, e.g. 30s, or a ${{ }} read when the step starts",
	  NOT_USE | SKF_WATCH, KS_DURATION, NULL, sk_timeout },
	{ "retry", "{attempts, delay, backoff, max-delay}: retry a failed attempt", NOT_USE,
	  KS_RETRY, NULL, sk_retry },
	{ "until", "{every, within, hold}: poll until `expect` holds (for `hold`: keeps holding)",
	  NOT_USE, KS_UNTIL, NULL,
	  sk_until },
	{ "expect", "result fields to literals or matchers, or one ${{ }} boolean", SKF_ALL | SKF_WATCH,
	  KS_EXPECT, NULL, sk_expect },
	{ "outputs", "name: ${{ }} template over `result`: named values for later steps",
	  SKF_ALL, KS_OUTPUTS, NULL, sk_outputs },
	{ "on-failure", "rollback (default), continue or abort", NOT_PROBE, KS_ON_FAILURE, NULL,
	  sk_on_failure },
	{ "sensitive", "true: the result is redacted in the transcript", SKF_ALL | SKF_WATCH, KS_BOOL,
	  NULL, sk_sensitive },
	{ "dry-run", "run: a verify step or a wait, which a dry run records as would-run, runs "
	  "for real (read steps only); skip: a dry run records this step as would-run", SKF_USE,
	  KS_DRY_RUN,
	  "a rollback step never runs in a dry run", sk_dry_run },
	{ "rollback", "the undo of this step: a step or a list of steps", SKF_USE, KS_STEPS,
	  "a rollback step cannot have its own rollback", sk_rollback },
	{ "idempotent", "true: safe to run again when a resumed run does not know whether it ran",
	  NOT_PROBE, KS_BOOL, NULL, sk_idempotent },
	{ "check", "a read probe that tells whether the step took effect (after a crash or a failure)",
	  NOT_PROBE, KS_PROBE, NULL, sk_check },
	{ "on-in-doubt", "what `runbook resume` does with this step when it had started and never "
	  "ended and the operator gives no --in-doubt: rerun, skip, rollback or park (default: "
	  "the runbook's on-in-doubt); for a for-each step, with each item in doubt", SKF_USE,
	  KS_IN_DOUBT, "'on-in-doubt' is not for a rollback step: an interrupted rollback step "
	  "always runs again", sk_on_in_doubt },
	{ "rollback-on-failure",
	  "true: undo this step even when it failed (for commands known to half-apply)", SKF_USE,
	  KS_BOOL, "'rollback-on-failure' is for a step with a rollback, not for a rollback step",
	  sk_rollback_on_failure },
	/* the keys a primitive adds, for the steps of the rows that list them */
	{ "env", "environment of the child: NAME: value (the way to pass secrets)",
	  SKF_ALL | SKF_ROW | SKF_WATCH, KS_ENV, NULL, sk_env },
	{ "cwd", "working directory of the child", SKF_ALL | SKF_ROW | SKF_WATCH, KS_STRING, NULL,
	  sk_cwd },
	{ "stdin", "text written to the child's standard input", SKF_ALL | SKF_ROW | SKF_WATCH,
	  KS_STRING, NULL, sk_stdin },
	{ "with", "the fragment's inputs: name: value (templates over the caller's context)",
	  SKF_ALL | SKF_ROW, KS_MAPPING, NULL, sk_with },
	{ "fields", "what the operator enters: name: {type, description, pattern, values, min, max, "
	  "min-items, max-items}; in `result.fields`", SKF_ALL | SKF_ROW, KS_FIELDS, NULL, sk_fields },
	/* one step over many items (the `each` context) */
	{ "for-each", "run the step once per item of a list (or key of an object): a ${{ }} or a "
	  "literal list; `each.item`, `each.index` (`each.key`, `each.value`) in the step",
	  SKF_USE, KS_FOR_EACH, "a rollback step cannot loop: the undo of a for-each step runs "
	  "once per item", sk_for_each },
	{ "max-concurrency", "for-each: items in flight at once, N or a percentage of the items "
	  "(default 1)", SKF_USE, KS_LIMIT, "'max-concurrency' is for a for-each step, not for a "
	  "rollback step", sk_max_concurrency },
	{ "max-errors", "for-each: failed items tolerated, N or a percentage of the items "
	  "(default 0); past that no new item starts and the step fails", SKF_USE, KS_LIMIT,
	  "'max-errors' is for a for-each step, not for a rollback step", sk_max_errors },
	/* a continuous probe's own keys (`probes:`) */
	{ "every", "a continuous probe: how often it is checked, a duration or a ${{ }} over "
	  "inputs, env and run (read when the run starts)", SKF_WATCH | SKF_PROBE_ONLY, KS_DURATION,
	  "'every' is for a continuous probe", sk_every },
	{ "during", "a continuous probe: when it is checked: steps (the steps phase, the "
	  "default), drill (in a drill, from the first inject step until cleanup) or run (every "
	  "phase but cleanup)", SKF_WATCH | SKF_PROBE_ONLY, KS_DURING,
	  "'during' is for a continuous probe", sk_during },
	{ "tolerance", "a continuous probe: the failed checks in a row it tolerates (default 0); "
	  "one more fails the run", SKF_WATCH | SKF_PROBE_ONLY, KS_COUNT,
	  "'tolerance' is for a continuous probe", sk_tolerance },
};
const size_t step_key_count = sizeof step_key_table / sizeof step_key_table[0];
/* rows_find() and suggest_rows() read the name as the first member */
_Static_assert(offsetof(step_key, name) == 0, "the name comes first");

const step_key *step_key_find(const char *key)
{
	return rows_find(key, step_key_table, step_key_count, sizeof step_key_table[0]);
}

/* ---- parse_step and its parts ---- */

/* the action against its row: shape, parameters, connection, templates */
static int check_action(vctx *v, step *st, step *refst, node *ak)
{
	const prim_def *p = st->prim;
	node *a = st->action;
	if (!shape_ok(v, a, p->forms)) {
		err(v, a, "type", "'%s' must be %s, got %s", p->name, types_desc(v, p->forms), got(v, a));
		return 0;
	}
	int argv = p->flags & (PF_ARGV | PF_SHELL);
	if (is_seq(a)) {
		if (!a->n)
			err(v, a, "value", "'%s' needs at least the program to run", p->name);
		for (size_t i = 0; i < a->n; i++)
			if (!is_scalar(a->vals[i]) || node_is_null(a->vals[i]))
				err(v, a->vals[i], "type", "argument %zu of '%s' must be a string, got %s",
				    i + 1, p->name, got(v, a->vals[i]));
	}
	if (is_map(a) && p->params) {
		for (size_t i = 0; i < a->n; i++) {
			node *k = a->keys[i], *x = a->vals[i];
			const prim_param *pp = NULL;
			for (const prim_param *q = p->params; q->name; q++)
				if (!strcmp(q->name, k->str))
					pp = q;
			if (!pp) {
				const char *names[64];
				size_t nn = 0;
				for (const prim_param *q = p->params; q->name && nn < 63; q++)
					names[nn++] = q->name;
				names[nn] = NULL;
				err(v, k, "unknown-key", "unknown key '%s' in '%s'%s", k->str, p->name,
				    hint(v, k->str, names, nn));
				continue;
			}
			if (!shape_ok(v, x, pp->types))
				err(v, x, "type", "'%s' of '%s' must be %s, got %s", k->str, p->name,
				    types_desc(v, pp->types), got(v, x));
			walk_tmpl(v, x, refst, p->url_param && !strcmp(k->str, p->url_param) ? R_URL : 0);
		}
		for (const prim_param *q = p->params; q->name; q++)
			if (q->required && !node_get(a, q->name))
				err(v, ak, "required", "'%s' needs '%s'", p->name, q->name);
		node *cn = node_get(a, "connection");
		if (is_scalar(cn) && !node_is_null(cn) && !has_template(cn->str, cn->len)) {
			const conn_def *c = runbook_find_conn(v->rb, cn->str);
			if (!c) {
				const char **names = xcalloc(v->rb->nconns + 1, sizeof *names);
				for (size_t i = 0; i < v->rb->nconns; i++)
					names[i] = v->rb->conns[i].name;
				err(v, cn, "unknown-connection", "unknown connection '%s'%s", cn->str,
				    hint(v, cn->str, names, v->rb->nconns));
				free(names);
			} else if (p->conn_kind && c->kind && strcmp(c->kind, p->conn_kind))
				err(v, cn, "connection",
				    "connection '%s' is a %s connection; '%s' needs a %s connection",
				    cn->str, c->kind, p->name, p->conn_kind);
		}
	} else
		walk_tmpl(v, a, refst, argv ? R_ARGV : 0);
	return 1;
}

/*
 * Does a primitive wait on a process or a service?  Those get the default
 * timeout (defaults.timeout, else DEFAULT_IO_TIMEOUT_MS); a `wait` would be
 * cut short and an `approve` would stop waiting for its human.
 */
static int prim_does_io(const prim_def *p)
{
	return (p->flags & PF_IO) != 0;
}

/* a new step of n with the defaults of the file (defaults:, then built-in) */
static step *new_step(vctx *v, node *n, const stepctx *sc)
{
	step *st = arena_alloc(v->a, sizeof *st);
	st->n = n;
	st->phase = sc->phase;
	st->index = sc->index;
	st->owner = sc->owner;
	st->timeout_ms = v->rb->default_timeout_ms;
	st->retry_attempts = v->dfl_attempts;
	st->retry_delay_ms = v->dfl_delay;
	st->retry_backoff = v->dfl_backoff;
	st->retry_max_delay_ms = v->dfl_max_delay;
	st->on_failure = v->dfl_onfail;
	st->max_concurrency.n = 1;
	return st;
}

/* the step's id (a rollback step may leave it to name_rollbacks), and
 * its place in rb->all; a probe has neither */
static void register_step(stepparse *p)
{
	vctx *v = p->v;
	step *st = p->st;
	const stepctx *sc = p->sc;
	node *idn = node_get(st->n, "id");
	if (sc->probe_of)
		return;
	if (idn || !sc->owner)
		parse_id(v, st, idn, sc);
	if (!st->id && sc->owner && !idn) {
		if (v->nunnamed == v->capunnamed) {
			v->capunnamed = v->capunnamed ? 2 * v->capunnamed : 16;
			v->unnamed = xrealloc(v->unnamed, v->capunnamed * sizeof *v->unnamed);
		}
		v->unnamed[v->nunnamed++] = st;
	}
	list_push(v->a, &v->rb->all, st);
}

/*
 * The action key: exactly one key of the step is a primitive.  Sets
 * st->prim, st->action, st->action_key; isprim[i] (for the first cap
 * keys) says whether key i is one.  Returns the action key, or NULL.
 */
static node *find_action(stepparse *p, unsigned char *isprim, size_t cap)
{
	step *st = p->st;
	node *n = st->n, *ak = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const prim_def *pd = find_prim(n->keys[i]->str);
		if (i < cap)
			isprim[i] = pd != NULL;
		if (!pd)
			continue;
		if (ak) {
			err(p->v, n->keys[i], "action",
			    "%s has two actions, '%s' and '%s'; a step has exactly one", label(p),
			    ak->str, n->keys[i]->str);
			continue;
		}
		ak = n->keys[i];
		st->prim = pd;
		st->action = n->vals[i];
		st->action_key = ak;
	}
	if (!ak) {
		char names[256] = "";
		for (size_t i = 0; i < prim_count; i++) {
			size_t l = strlen(names);
			snprintf(names + l, sizeof names - l, "%s%s", i ? ", " : "", prim_table[i].name);
		}
		err(p->v, n, "action", "%s has no action: it needs one of %s", label(p), names);
	}
	return ak;
}

/* May this step have key k (row r)?  Reports why not and returns 0. */
static int key_allowed(stepparse *p, const step_key *r, node *k)
{
	int ph = p->sc->phase, watch = (ph == PH_GUARD || ph == PH_PROBES) && !p->sc->probe_of;
	if ((r->flags & SKF_PROBE_ONLY) && !(watch && ph == PH_PROBES)) {
		if (watch)
			err(p->v, k, "probe", "'%s' is not for a guard step: %s", k->str,
			    !strcmp(k->str, "every") ? "'drill.guard.every' says how often the guard "
			    "is checked" : !strcmp(k->str, "during") ? "a guard is checked from the "
			    "first inject step until cleanup" : "a guard trips at its first failed check");
		else
			err(p->v, k, "probe", "'%s' is for a continuous probe (a step of 'probes:')",
			    k->str);
		return 0;
	}
	if (watch && !(r->flags & SKF_WATCH)) {
		err(p->v, k, "probe", "'%s' is not allowed in %s: a guard or probe is one check, "
		    "judged by its expect, made again every 'every'", k->str, label(p));
		return 0;
	}
	if (p->sc->probe_of && !(r->flags & SKF_PROBE)) {
		err(p->v, k, "unknown-key", "'%s' is not allowed in %s", k->str, label(p));
		return 0;
	}
	if (is_use(p->st) && !(r->flags & SKF_USE)) {
		err(p->v, k, "unknown-key",
		    "'%s' is not valid for a 'use' step: the fragment's steps have their own", k->str);
		return 0;
	}
	if (p->sc->owner && !(r->flags & SKF_ROLLBACK)) {
		err(p->v, k, "rollback", "%s", r->rollback_why);
		return 0;
	}
	return 1;
}

/* a key no row of this step has: another primitive's, or a typo */
static void unknown_step_key(stepparse *p, node *k)
{
	const char *key = k->str;
	const prim_def *other = NULL, *pd = p->st->prim;
	const char *const *row_keys = pd ? pd->step_keys : NULL;
	for (size_t j = 0; j < prim_count && !other; j++)
		if (in_list(key, prim_table[j].step_keys))
			other = &prim_table[j];
	if (other && pd) {
		err(p->v, k, "unknown-key", "'%s' is not valid for a '%s' step (only for %s)", key,
		    pd->name, other->name);
		return;
	}
	/* the candidates: the keys this step may have, then the actions */
	const char *cands[64];
	size_t nc = 0;
	int ph = p->sc->phase, watch = (ph == PH_GUARD || ph == PH_PROBES) && !p->sc->probe_of;
	for (size_t j = 0; j < step_key_count; j++) {
		int f = step_key_table[j].flags;
		if (!(f & SKF_ROW) && (!p->sc->probe_of || (f & SKF_PROBE)) &&
		    (!watch || (f & SKF_WATCH)) && (!(f & SKF_PROBE_ONLY) || (watch && ph == PH_PROBES)))
			cands[nc++] = step_key_table[j].name;
	}
	for (size_t j = 0; row_keys && row_keys[j] && nc < 48; j++)
		cands[nc++] = row_keys[j];
	for (size_t j = 0; j < prim_count && nc < 63; j++)
		cands[nc++] = prim_table[j].name;
	cands[nc] = NULL;
	err(p->v, k, "unknown-key", "unknown key '%s' in %s%s", key, label(p),
	    hint(p->v, key, cands, nc));
}

/* one key of the step (not its action): its row's parse function */
static void parse_step_key(stepparse *p, node *k, node *x)
{
	const step_key *r = step_key_find(k->str);
	if (r && (r->flags & SKF_ROW) && !(p->st->prim && in_list(k->str, p->st->prim->step_keys)))
		r = NULL;
	if (!r)
		unknown_step_key(p, k);
	else if (key_allowed(p, r, k) && r->parse)
		r->parse(p, k, x);
}

/*
 * A guard or continuous probe checks a process or a service without
 * changing it: a read step of a primitive that does I/O (not an approval,
 * a manual action, a wait or a fragment); a probe says how often.
 */
static void check_watch_step(stepparse *p, node *ak)
{
	vctx *v = p->v;
	step *st = p->st;
	if (p->sc->phase == PH_PROBES && !st->every_tmpl && !st->every_ms && !node_get(st->n, "every"))
		err(v, st->n, "required", "%s needs 'every': how often it is checked", label(p));
	if (!st->prim)
		return;
	if (!(st->prim->flags & PF_IO)) {
		char names[128] = "";
		for (size_t i = 0, k = 0; i < prim_count; i++) {
			size_t l = strlen(names);
			if (prim_table[i].flags & PF_IO)
				snprintf(names + l, sizeof names - l, "%s%s", k++ ? ", " : "",
					 prim_table[i].name);
		}
		err(v, ak, "probe", "%s must check a process or a service; '%s' does not (use one of %s)",
		    label(p), st->prim->name, names);
	} else if (st->effect == EFFECT_WRITE)
		err(v, ak, "effect", "%s must only read; '%s' writes (add 'effect: read' if it does not)",
		    label(p), st->prim->name);
}

/* once every key is read: until's condition, the action against its row,
 * the effect (stated, the row's, or decided from the action), a `use`
 * step's fragment, and `dry-run: run` (for a read step only) */
static void finish_step(stepparse *p, node *ak)
{
	vctx *v = p->v;
	step *st = p->st;
	/* without expect, a step has its row's default expectation (exec and
	 * shell: exit 0, http: a 2xx status): `until` polls on that */
	if (p->until_key && !st->expect && !(st->prim && st->prim->default_expect.field)) {
		char *names = prim_default_expect_names();
		err(v, p->until_key, "required", "'until' needs an 'expect': the condition to wait for "
		    "(only %s have an implicit one)", names);
		free(names);
	}

	for (size_t i = 0; !st->for_each && i < st->n->n; i++)
		if (st->n->keys[i]->str[0] == 'm' && (!strcmp(st->n->keys[i]->str, "max-concurrency") ||
						      !strcmp(st->n->keys[i]->str, "max-errors")))
			err(v, st->n->keys[i], "for-each", "'%s' needs 'for-each': it limits the items "
			    "of a for-each step", st->n->keys[i]->str);
	if (st->prim) {
		int shape = check_action(v, st, p->refst, ak);
		if (!st->effect_explicit) {
			int e = st->prim->default_effect;
			if (st->prim->effect_of)
				e = shape && st->action->kind == N_MAP ? st->prim->effect_of(st->action) : -1;
			st->effect = e >= 0 ? e : EFFECT_WRITE;
		}
	}
	if (is_use(st)) {
		st->retry_attempts = 1;
		st->timeout_ms = 0;
		if (p->sc->probe_of)
			err(v, ak, "action", "the check of %s cannot be a 'use' step", label(p));
		else
			check_use(v, st);
	}
	if (st->dry_run == DRYRUN_RUN && st->effect == EFFECT_WRITE)
		err(v, node_get(st->n, "dry-run"), "dry-run",
		    "'dry-run: run' is for read steps; %s writes, and a dry run never runs a write",
		    label(p));
	if ((p->sc->phase == PH_GUARD || p->sc->phase == PH_PROBES) && !p->sc->probe_of)
		check_watch_step(p, ak);
}

/*
 * A step mapping of the list sc says: its id, its action (first: the
 * other keys are judged against its row), then every other key by its
 * row of step_key_table, then what needs all of them.  NULL when n is
 * not a mapping.
 */
static step *parse_step(vctx *v, node *n, const stepctx *sc)
{
	if (!is_map(n)) {
		err(v, n, "type", "a step must be a mapping, got %s", got(v, n));
		return NULL;
	}
	step *st = new_step(v, n, sc);
	stepparse p = { v, st, sc, sc->probe_of ? sc->probe_of : st, NULL, NULL };
	register_step(&p);

	unsigned char isprim[64];
	node *ak = find_action(&p, isprim, sizeof isprim);
	/* the default timeout bounds the primitives that wait on the outside
	 * world; wait, approve, assert, log and use only take their own */
	if (st->prim && !prim_does_io(st->prim))
		st->timeout_ms = 0;

	for (size_t i = 0; i < n->n; i++)
		if (!(i < sizeof isprim ? isprim[i] : find_prim(n->keys[i]->str) != NULL))
			parse_step_key(&p, n->keys[i], n->vals[i]);
	finish_step(&p, ak);
	return st;
}

static void parse_list(vctx *v, node *l, int phase)
{
	if (node_is_null(l))
		return;
	if (!want_seq(v, l, phase_names[phase]))
		return;
	steplist *sl = &v->rb->lists[phase];
	sl->v = arena_alloc(v->a, (l->n + 1) * sizeof(step *));
	for (size_t i = 0; i < l->n; i++) {
		stepctx sc = { phase, sl->n, NULL, NULL, phase_names[phase] };
		step *st = parse_step(v, l->vals[i], &sc);
		if (st)
			sl->v[sl->n++] = st;
	}
}

/* rollback steps without an id: "<owner>-rollback", "<owner>-rollback-2"... */
static void name_rollbacks(vctx *v)
{
	for (size_t i = 0; i < v->nunnamed; i++) {
		step *st = v->unnamed[i];
		const char *base = st->owner && st->owner->id ? st->owner->id : "step";
		const char *id = st->owner && st->owner->rollback.n > 1
			? arena_printf(v->a, "%s-rollback-%zu", base, st->index + 1)
			: arena_printf(v->a, "%s-rollback", base);
		for (int k = 2; id_find(v, id); k++)
			id = arena_printf(v->a, "%s-rollback-x%d", base, k);
		st->id = id;
		id_insert(v, st);
	}
}

/* a step id of an objective's list: a string naming a step of the file */
static void objective_step(vctx *v, node *s, const char *k)
{
	if (!want_str(v, s, k) || id_find(v, s->str))
		return;
	const char **ids = xcalloc(v->rb->all.n + 1, sizeof *ids);
	for (size_t q = 0; q < v->rb->all.n; q++)
		ids[q] = v->rb->all.v[q]->id ? v->rb->all.v[q]->id : "";
	err(v, s, "unknown-step", "unknown step '%s' in '%s'%s", s->str, k,
	    hint(v, s->str, ids, v->rb->all.n));
	free(ids);
}

static void parse_objectives(vctx *v, node *m)
{
	if (!want_map(v, m, "objectives"))
		return;
	check_keys(v, m, objective_keys, "in 'objectives'");
	v->rb->objectives = m;
	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->keys[i]->str;
		node *x = m->vals[i];
		int64_t ms;
		if (!strcmp(k, "steps-required") || !strcmp(k, "rollbacks-expected")) {
			if (!want_seq(v, x, k))
				continue;
			for (size_t j = 0; j < x->n; j++) {
				/* steps-required: [a, [b, c]] -- a, and one of b and c */
				if (is_seq(x->vals[j]) && !strcmp(k, "steps-required")) {
					if (x->vals[j]->n < 2)
						err(v, x->vals[j], "type",
						    "a list in '%s' names two steps or more (one of them must end ok)", k);
					for (size_t q = 0; q < x->vals[j]->n; q++)
						objective_step(v, x->vals[j]->vals[q], k);
				} else
					objective_step(v, x->vals[j], k);
			}
		} else if (!strcmp(k, "guard-tripped")) {
			int b;
			want_bool(v, x, k, &b);
		} else if (!strcmp(k, "max-probe-failures")) {
			long long n;
			if (!plain_int(x, &n) || n < 0)
				err(v, x, "type", "'%s' must be an int >= 0, got %s", k, got(v, x));
		} else if (in_list(k, objective_keys))
			want_dur(v, x, k, &ms);
	}
}

/* drill.guard: {every, steps}; every guard step is checked that often */
static void parse_guard(vctx *v, node *m)
{
	if (!want_map(v, m, "guard"))
		return;
	check_keys(v, m, guard_keys, "in 'guard'");
	v->rb->guard = m;
	node *every = node_get(m, "every"), *steps = node_get(m, "steps");
	if (!steps)
		err(v, m, "required", "'guard' needs 'steps': the checks that stop the drill");
	else
		parse_list(v, steps, PH_GUARD);
	if (!every) {
		err(v, m, "required", "'guard' needs 'every': how often its steps are checked");
		return;
	}
	steplist *l = &v->rb->lists[PH_GUARD];
	step first = { 0 };
	parse_every(v, every, l->n ? l->v[0] : &first);
	for (size_t i = 1; i < l->n; i++) {
		l->v[i]->every_ms = l->v[0]->every_ms;
		l->v[i]->every_tmpl = l->v[0]->every_tmpl;
	}
}

static void parse_drill(vctx *v, node *m)
{
	if (!want_map(v, m, "drill"))
		return;
	check_keys(v, m, drill_keys, "in 'drill'");
	v->rb->drill = m;
	node *x;
	if ((x = node_get(m, "inject")))
		parse_list(v, x, PH_INJECT);
	if ((x = node_get(m, "symptoms")))
		parse_list(v, x, PH_SYMPTOMS);
	if ((x = node_get(m, "cleanup")))
		parse_list(v, x, PH_CLEANUP);
	if ((x = node_get(m, "guard")))
		parse_guard(v, x);
}

/* a fragment's outputs: name -> template over its inputs and steps */
static void parse_fragment_outputs(vctx *v, node *m)
{
	if (!want_map(v, m, "outputs"))
		return;
	check_outputs(v, m);
	walk_tmpl(v, m, NULL, 0);
	v->rb->outputs = m;
}

/* pass 2: the top level, inputs and connections first (steps use them) */
static void validate_structure(vctx *v)
{
	runbook *rb = v->rb;
	node *root = rb->d.root;
	if (!root) {
		diag_add(v->dg, SEV_ERROR, rb->path, 1, 1, "required",
			 "empty runbook: 'runbook' and 'title' are required");
		return;
	}
	if (!is_map(root)) {
		err(v, root, "type", "a runbook must be a mapping, got %s", got(v, root));
		return;
	}
	/* `fragment: id` instead of `runbook: id` makes the file a fragment */
	rb->fragment = node_get(root, "fragment") != NULL;
	const char *kind = rb->fragment ? "fragment" : "runbook";
	check_keys(v, root, rb->fragment ? fragment_keys : top_keys,
		   rb->fragment ? "at the top level of a fragment" : "at the top level");

	node *x;
	if (!(x = node_get(root, kind)))
		err(v, root, "required", "missing '%s': the %s's id", kind, kind);
	else if (want_str(v, x, kind)) {
		if (!id_ok(x->str))
			err(v, x, "id", "%s id '%s' must match [a-z0-9][a-z0-9-]*", kind, x->str);
		rb->id = x->str;
	}
	if (!(x = node_get(root, "title")))
		err(v, root, "required", "missing 'title'");
	else if (want_str(v, x, "title"))
		rb->title = x->str;
	if ((x = node_get(root, "version")) && want_str(v, x, "version"))
		rb->version = x->str;
	if ((x = node_get(root, "owner")) && want_str(v, x, "owner"))
		rb->owner = x->str;
	if ((x = node_get(root, "description")))
		want_str(v, x, "description");
	if ((x = node_get(root, "last-reviewed")) && want_str(v, x, "last-reviewed")) {
		if (!runbook_date_ok(x->str))
			err(v, x, "value", "'last-reviewed' must be a date YYYY-MM-DD, got %s", got(v, x));
		else
			rb->last_reviewed = x->str;
	}
	static const char *const lists[] = { "reviewers", "audience", "tags", NULL };
	for (size_t i = 0; lists[i]; i++)
		if ((x = node_get(root, lists[i])))
			want_str_list(v, x, lists[i]);
	if ((x = node_get(root, "concurrency-key")) && want_str(v, x, "concurrency-key")) {
		if (!x->len)
			err(v, x, "value", "'concurrency-key' must not be empty");
		walk_tmpl(v, x, NULL, R_KEY);
		rb->concurrency_key = x;
	}
	if ((x = node_get(root, "rollback")) && !rb->fragment) {
		int p = want_enum(v, x, "rollback", policy_names);
		if (p >= 0)
			rb->rollback_policy = p;
	}
	if ((x = node_get(root, "on-in-doubt")) && !rb->fragment) {
		int p = want_enum(v, x, "on-in-doubt", in_doubt_names);
		if (p >= 0)
			rb->on_in_doubt = DOUBT_RERUN + p;
	}

	if ((x = node_get(root, "inputs")))
		parse_inputs(v, x);
	if ((x = node_get(root, "connections")))
		parse_connections(v, x);
	if ((x = node_get(root, "defaults")))
		parse_defaults(v, x);

	static const int phases[] = { PH_CHECKS, PH_STEPS, PH_VERIFY };
	for (size_t i = 0; i < 3; i++)
		if ((!rb->fragment || phases[i] == PH_STEPS) &&
		    (x = node_get(root, phase_names[phases[i]])))
			parse_list(v, x, phases[i]);
	if ((x = node_get(root, "drill")) && !rb->fragment)
		parse_drill(v, x);
	if ((x = node_get(root, "probes")) && !rb->fragment)
		parse_list(v, x, PH_PROBES);
	name_rollbacks(v);
	for (size_t i = 0; i < rb->all.n; i++) {
		step *st = rb->all.v[i];
		if (st->frag && st->id)
			adopt_fragment(st->frag, arena_printf(v->a, "%s/", st->id), st->phase);
	}
	if ((x = node_get(root, "outputs")) && rb->fragment)
		parse_fragment_outputs(v, x);

	/* the rows' own checks, once every step (rollbacks too) has its id */
	for (size_t i = 0; i < rb->all.n; i++) {
		step *st = rb->all.v[i];
		if (st->prim && st->prim->validate && st->id &&
		    shape_ok(v, st->action, st->prim->forms))
			st->prim->validate(rb, st, v->dg);
	}
	if ((x = node_get(root, "objectives")) && !rb->fragment)
		parse_objectives(v, x);
}

/* ---- pass 4: references ---- */

/* Is `to` in a list that has finished before `from` runs?  checks <
 * steps < verify; a drill runs inject < symptoms first and cleanup last;
 * rollback and cleanup steps may look at anything that ran before them. */
static int phase_before(int from, int to)
{
	switch (from) {
	case PH_STEPS:
		return to == PH_CHECKS;
	case PH_VERIFY:
		return to == PH_CHECKS || to == PH_STEPS;
	case PH_SYMPTOMS:
		return to == PH_INJECT;
	case PH_CLEANUP:
	case PH_ROLLBACK:
		return to != PH_ROLLBACK && to != PH_CLEANUP;
	default:
		return 0;
	}
}

/* is `to` a transitive `needs` predecessor of `from` (same list); each
 * step is visited once, by its position in the list */
static int needs_reaches(const runbook *rb, const step *from, const step *to)
{
	size_t n = from->phase == PH_ROLLBACK && from->owner ? from->owner->rollback.n
		: rb->lists[from->phase].n;
	unsigned char *seen = xcalloc(n + 1, 1);
	const step **stack = xmalloc((n + 1) * sizeof *stack);
	size_t sp = 0;
	int found = 0;
	stack[sp++] = from;
	while (sp && !found) {
		const step *s = stack[--sp];
		for (size_t i = 0; i < s->needs.n && !found; i++) {
			const step *d = s->needs.v[i];
			if (d == to)
				found = 1;
			else if (d->index < n && !seen[d->index]) {
				seen[d->index] = 1;
				stack[sp++] = d;
			}
		}
	}
	free(seen);
	free(stack);
	return found;
}

static int same_list(const step *a, const step *b)
{
	if (a->phase != b->phase)
		return 0;
	return a->phase != PH_ROLLBACK || a->owner == b->owner;
}

typedef struct refwalk {
	vctx *v;
	const tref *r;
} refwalk;

/* `steps.<id>`: the step exists and runs before the one whose template
 * this is; the step, or NULL when there is none */
static step *check_step_ref(vctx *v, const tref *r, const char *id, size_t off)
{
	const step *from = r->st;
	step *to = id_find(v, id);
	if (!to) {
		const char **ids = xcalloc(v->rb->all.n + 1, sizeof *ids);
		for (size_t q = 0; q < v->rb->all.n; q++)
			ids[q] = v->rb->all.v[q]->id ? v->rb->all.v[q]->id : "";
		err_in(v, SEV_ERROR, r->n, off, "unknown-step", "unknown step '%s'%s", id,
		       hint(v, id, ids, v->rb->all.n));
		free(ids);
		return NULL;
	}
	if (!from)
		return to;
	const char *fid = from->id ? from->id : "?";
	if (from->phase == PH_GUARD || from->phase == PH_PROBES) {
		err_in(v, SEV_ERROR, r->n, off, "step-order", "%s '%s' is checked beside the steps "
		       "and cannot refer to step '%s' (only inputs, env and run)",
		       from->phase == PH_GUARD ? "guard" : "probe", fid, id);
		return to;
	}
	if (to == from) {
		err_in(v, SEV_ERROR, r->n, off, "step-order",
		       "step '%s' refers to itself; use 'result' for its own result", fid);
		return to;
	}
	if (same_list(from, to)) {
		if (to->index < from->index || needs_reaches(v->rb, from, to))
			return to;
		err_in(v, SEV_ERROR, r->n, off, "step-order",
		       "step '%s' refers to '%s', which runs after it; move '%s' earlier or add it to 'needs'",
		       fid, id, id);
		return to;
	}
	if (phase_before(from->phase, to->phase))
		return to;
	err_in(v, SEV_ERROR, r->n, off, "step-order",
	       "step '%s' (%s) refers to '%s' (%s), which does not run before it", fid,
	       phase_names[from->phase], id, phase_names[to->phase]);
	return to;
}

/* the keys of the mapping m (NULL: none) as a NULL-terminated arena list */
static const char *const *map_keys(vctx *v, const node *m)
{
	size_t n = is_map(m) ? m->n : 0;
	const char **k = arena_alloc(v->a, (n + 1) * sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[i] = m->keys[i]->str;
	k[n] = NULL;
	return k;
}

/*
 * The fields of st's result: its row's, or for a `use` step the outputs
 * its fragment declares.  NULL when any field may be there (a row
 * without a list) or they cannot be known (a fragment that did not load).
 */
static const char *const *result_fields_of(vctx *v, const step *st)
{
	if (!st || !st->prim)
		return NULL;
	if (!is_use(st))
		return st->prim->result_fields;
	return st->frag ? map_keys(v, st->frag->outputs) : NULL;
}

/* field f of st's result (`result.f`, `steps.x.result.f`, an expect key
 * of a `use` step) is one it has; reported at offset off of n */
static void check_result_field(vctx *v, node *n, size_t off, const step *st, const char *f)
{
	const char *const *fields = result_fields_of(v, st);
	if (!fields || in_list(f, fields))
		return;
	if (is_use(st))
		err_in(v, SEV_ERROR, n, off, "unknown-output", "fragment '%s' has no output '%s'%s",
		       st->frag->id, f, hint(v, f, fields, (size_t)-1));
	else
		err_in(v, SEV_ERROR, n, off, "unknown-field", "'%s' has no result field '%s'%s",
		       st->prim->name, f, hint(v, f, fields, (size_t)-1));
}

/* `steps.x.outputs.o`: x declares o (in its `outputs`, or a `use` step
 * without them in its fragment's); reported at offset off of n */
static void check_output_ref(vctx *v, node *n, size_t off, const step *st, const char *o)
{
	const node *decl = node_get(st->n, "outputs");
	if (!decl && is_use(st)) {
		if (st->frag)
			check_result_field(v, n, off, st, o);
		return;
	}
	if (decl && (!is_map(decl) || node_get(decl, o)))
		return;
	const char *const *names = map_keys(v, decl);
	const char *h = names[0] ? hint(v, o, names, (size_t)-1) : " (it declares no outputs)";
	const char *const *frag = result_fields_of(v, st);
	if (!*h && is_use(st) && frag && in_list(o, frag))
		h = arena_printf(v->a, " (its outputs replace its fragment's: that one is 'steps.%s.result.%s')",
				 st->id, o);
	err_in(v, SEV_ERROR, n, off, "unknown-output", "step '%s' has no output '%s'%s", st->id, o, h);
}

/* `steps.x.result.f` of a for-each step: its result counts the items
 * (each item's own result is in `items[i].result`) */
static void check_item_counts(vctx *v, node *n, size_t off, const step *st, const char *f)
{
	static const char *const counts[] = { "count", "ok", "failed", "skipped", "would_run",
					      "not_run", NULL };
	if (!in_list(f, counts))
		err_in(v, SEV_ERROR, n, off, "unknown-field",
		       "for-each step '%s' has no result field '%s'%s (its result counts the items; "
		       "each item's is in items[i].result)", st->id, f, hint(v, f, counts, (size_t)-1));
}

/* what the `steps` context holds of a step (`items`: of a for-each step) */
static const char *const step_entry_fields[] = { "status", "outputs", "result", "items", NULL };

/* `steps.x.<field>...` past the step id: a field the entry has, and the
 * output or result field named after it */
static void check_step_path(vctx *v, node *n, const step *st, const expr_path *p)
{
	const char *f = p->part[2];
	if (!in_list(f, step_entry_fields) || (!strcmp(f, "items") && !st->for_each)) {
		const char *const fields[] = { "status", "outputs", "result", st->for_each ? "items" : NULL,
					       NULL };
		const char *h = hint(v, f, fields, (size_t)-1);
		err_in(v, SEV_ERROR, n, p->off[2], "unknown-field", "'steps.%s' has no field '%s'%s",
		       st->id, f, *h ? h : st->for_each ? " (it has status, outputs, result and items)"
		       : " (a step has status, outputs and result)");
		return;
	}
	if (p->n < 4)
		return;
	if (!strcmp(f, "outputs"))
		check_output_ref(v, n, p->off[3], st, p->part[3]);
	else if (!strcmp(f, "result") && st->for_each)
		check_item_counts(v, n, p->off[3], st, p->part[3]);
	else if (!strcmp(f, "result"))
		check_result_field(v, n, p->off[3], st, p->part[3]);
}

/* `inputs.x`: declared, and a secret only where one may go */
static void check_input_ref(vctx *v, const tref *r, const char *name, size_t off)
{
	node *n = r->n;
	const input_def *in = runbook_find_input(v->rb, name);
	if (!in) {
		const char **names = xcalloc(v->rb->ninputs + 1, sizeof *names);
		for (size_t i = 0; i < v->rb->ninputs; i++)
			names[i] = v->rb->inputs[i].name;
		err_in(v, SEV_ERROR, n, off, "unknown-input", "unknown input '%s'%s", name,
		       hint(v, name, names, v->rb->ninputs));
		free(names);
	} else if (in->type == IT_SECRET && (r->flags & R_ARGV))
		err_in(v, SEV_ERROR, n, off, "secret-in-argv",
		       "secret '%s' would be visible in the process list; pass it through env:",
		       name);
	else if (in->type == IT_SECRET && (r->flags & R_KEY))
		err_in(v, SEV_ERROR, n, off, "secret-in-key",
		       "secret '%s' in 'concurrency-key' would name the run lock and show in "
		       "messages; key runs on an input that is not a secret", name);
	else if (in->type == IT_SECRET && (r->flags & R_WITH_PUBLIC))
		err_in(v, SEV_ERROR, n, off, "secret-in-argv",
		       "secret '%s' is passed to %s, which is not a secret: the fragment may put it in argv; declare that input 'type: secret'",
		       name, r->what ? r->what : "a fragment input");
	else if (in->type == IT_SECRET && (r->flags & R_URL))
		err_in(v, SEV_WARNING, n, off, "secret-in-url",
		       "secret '%s' in a URL ends up in logs and proxies; send it in a header",
		       name);
}

/* the for-each step whose `each` a template of st sees: st, or the step it undoes */
static const step *each_owner(const step *st)
{
	for (; st; st = st->owner)
		if (st->for_each)
			return st;
	return NULL;
}

static void check_each_ref(vctx *v, const tref *r, const char *second, size_t off)
{
	if (r->flags & R_FOREACH)
		err_in(v, SEV_ERROR, r->n, off, "context",
		       "'each' is not available in 'for-each' itself: it is made from its items");
	else if (!each_owner(r->st))
		err_in(v, SEV_ERROR, r->n, off, "context",
		       "'each' is only available in a for-each step (its action, env, expect, "
		       "outputs, rollback and if)");
	else if (second && !in_list(second, each_fields))
		err_in(v, SEV_ERROR, r->n, off, "context", "unknown field '%s' of 'each'%s", second,
		       hint(v, second, each_fields, (size_t)-1));
}

/* `steps.x...` may read x's result: `steps.x.result...`, and `steps.x`
 * or `steps.x[k]` (the whole entry, or a field picked at run time) */
static void note_result_read(step *to, const expr_path *p)
{
	if (p->n == 2 || !strcmp(p->part[2], "result"))
		to->result_read = 1;
}

static void ref_cb(void *ud, const expr_path *p)
{
	refwalk *w = ud;
	vctx *v = w->v;
	const tref *r = w->r;
	node *n = r->n;
	const char *root = p->part[0], *second = p->n > 1 ? p->part[1] : NULL;
	size_t off = p->off[0];
	if (!in_list(root, contexts)) {
		err_in(v, SEV_ERROR, n, off, "unknown-context", "unknown context '%s'%s", root,
		       hint(v, root, contexts, (size_t)-1));
		return;
	}
	if ((r->flags & R_DEFAULT) && strcmp(root, "env") && strcmp(root, "run")) {
		err_in(v, SEV_ERROR, n, off, "context",
		       "'%s' is not available in an input default (only env and run)", root);
		return;
	}
	if ((r->flags & R_KEY) && strcmp(root, "inputs") && strcmp(root, "env")) {
		err_in(v, SEV_ERROR, n, off, "context",
		       "'%s' is not available in 'concurrency-key' (only inputs and env)", root);
		return;
	}
	if ((r->flags & (R_CONN | R_EARLY)) &&
	    (!strcmp(root, "steps") || !strcmp(root, "result") || !strcmp(root, "each"))) {
		err_in(v, SEV_ERROR, n, off, "context", "'%s' is not available in %s (only inputs, "
		       "env and run)", root, r->flags & R_CONN ? "a connection" : "'every'");
		return;
	}
	if (!strcmp(root, "result")) {
		if (!(r->flags & R_RESULT))
			err_in(v, SEV_ERROR, n, off, "context",
			       "'result' is only available in expect, outputs and until");
		else if (second)
			check_result_field(v, n, p->off[1], r->result_of, second);
	} else if (!strcmp(root, "each")) {
		check_each_ref(v, r, second, off);
	} else if (!strcmp(root, "inputs") && second) {
		check_input_ref(v, r, second, off);
	} else if (!strcmp(root, "steps") && second) {
		step *to = check_step_ref(v, r, second, off);
		if (to)
			note_result_read(to, p);
		if (to && p->n > 2)
			check_step_path(v, n, to, p);
	} else if (!strcmp(root, "steps")) {
		v->rb->results_all_read = 1;    /* `steps` itself, or steps[x]: any of them */
	}
}

static void validate_refs(vctx *v)
{
	for (size_t i = 0; i < v->nrefs; i++) {
		refwalk w = { v, &v->refs[i] };
		tmpl_walk_paths(v->refs[i].t, ref_cb, &w);
	}
}

/* ---- the public API ---- */

/*
 * Load, validate, build the graph (and lint).  Every problem goes to dg;
 * the model is returned only when no error was added (warnings are fine).
 * The caller owns the result and frees it with runbook_free().
 */
static runbook *load_top(const char *path, const rb_text *text, diags *dg, int lint)
{
	/* check_use() resolves the real path when a `use` step needs it */
	char *chain[1] = { NULL };
	runbook *rb;
	if (!fragments_seen) {
		rb = load_rb(path, text, dg, lint, chain, 1);
	} else {
		diags own;
		diags_init(&own);
		rb = load_rb(path, text, &own, lint, chain, 1);
		merge_diags(dg, &own);
		diags_release(&own);
	}
	free(chain[0]);
	return rb;
}

runbook *runbook_load(const char *path, diags *dg, int lint)
{
	return load_top(path, NULL, dg, lint);
}

runbook *runbook_load_text(const char *path, const char *name, const char *buf, size_t len,
			   diags *dg, int lint)
{
	rb_text t = { name, buf, len };
	return load_top(path, &t, dg, lint);
}

/* runbook_load() for a file reached through `use:` steps: chain holds the
 * real paths of the depth files being loaded around it */
static runbook *load_rb(const char *path, const rb_text *text, diags *dg, int lint, char **chain,
			size_t depth)
{
	runbook *rb = xcalloc(1, sizeof *rb);
	arena_init(&rb->a);
	rb->path = arena_strdup(&rb->a, load_name(path));
	int nerr = dg->nerr;
	size_t first = dg->n;
	int lrc = text ? load_buffer(&rb->a, text->name, text->buf, text->len, &rb->d, dg)
		       : load_file(&rb->a, path, &rb->d, dg);
	if (lrc < 0 || dg->nerr > nerr) {
		runbook_free(rb);
		return NULL;
	}
	/* runbook_sha256() hashes these very bytes (they stay in the arena) */
	rb->digest = arena_alloc(&rb->a, 65);

	vctx v = { 0 };
	v.rb = rb;
	v.dg = dg;
	v.a = &rb->a;
	v.dfl_attempts = 1;
	v.dfl_backoff = 1.0;
	v.dfl_onfail = ONFAIL_ROLLBACK;
	v.chain = chain;
	v.depth = depth;
	v.path = path;
	rb->rollback_policy = RBPOL_ON_FAILURE;
	rb->default_timeout_ms = DEFAULT_IO_TIMEOUT_MS;    /* until defaults.timeout says */

	validate_structure(&v);
	graph_build(rb, dg);
	validate_refs(&v);
	if (lint)
		lint_runbook(rb, dg, first);

	free(v.refs);
	free(v.unnamed);
	free(v.ids);
	if (dg->nerr > nerr) {
		runbook_free(rb);
		return NULL;
	}
	return rb;
}

const char *runbook_sha256(const runbook *rb)
{
	if (!rb->digest[0])
		sha256_hex(rb->d.src, rb->d.srclen, rb->digest);
	return rb->digest;
}

/* Free a runbook and everything it points to (one arena). NULL is fine. */
void runbook_free(runbook *rb)
{
	if (!rb)
		return;
	for (size_t i = 0; i < rb->all.n; i++)
		runbook_free(rb->all.v[i]->frag);
	arena_free(&rb->a);
	free(rb);
}

/* The step with this id in any phase, rollback steps included; NULL when
 * there is none.  "u/x" is step x of the fragment that step u uses (ids
 * of fragment steps carry that prefix).  Linear: callers look up a
 * handful of ids. */
step *runbook_find_step(const runbook *rb, const char *id)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		step *st = rb->all.v[i];
		if (!st->id)
			continue;
		if (!strcmp(st->id, id))
			return st;
		size_t n = strlen(st->id);
		if (st->frag && !strncmp(id, st->id, n) && id[n] == '/') {
			step *sub = runbook_find_step(st->frag, id);
			if (sub)
				return sub;
		}
	}
	return NULL;
}

int runbook_on_in_doubt(const runbook *rb, const step *st, const step **from)
{
	*from = NULL;
	if (st->on_in_doubt != DOUBT_UNSET) {
		*from = st;
		return st->on_in_doubt;
	}
	/* "u/x/y": the `use` steps "u/x", then "u", of which it is a part */
	for (size_t n = st->id ? strlen(st->id) : 0; n-- > 0;) {
		if (st->id[n] != '/')
			continue;
		char *up = xstrndup(st->id, n);
		const step *u = runbook_find_step(rb, up);
		free(up);
		if (u && u->on_in_doubt != DOUBT_UNSET) {
			*from = u;
			return u->on_in_doubt;
		}
	}
	return rb->on_in_doubt != DOUBT_UNSET ? rb->on_in_doubt : DOUBT_PARK;
}

/* The declared input `name`, or NULL. */
const input_def *runbook_find_input(const runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->ninputs; i++)
		if (!strcmp(rb->inputs[i].name, name))
			return &rb->inputs[i];
	return NULL;
}

/* The declared connection `name`, or NULL. */
const conn_def *runbook_find_conn(const runbook *rb, const char *name)
{
	for (size_t i = 0; i < rb->nconns; i++)
		if (!strcmp(rb->conns[i].name, name))
			return &rb->conns[i];
	return NULL;
}
