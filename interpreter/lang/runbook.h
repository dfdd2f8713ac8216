/*
 * runbook.h - the validated model of one runbook file.
 *
 * runbook_load() = load_file() (node.h) + validate (validate.c) + graph
 * (graph.c).  The model points into the YAML tree; nothing is copied out
 * of it except what was converted (durations, enums).  Everything lives in
 * rb->a and is freed by runbook_free().
 *
 * Templates inside the tree are parsed during validation and cached in
 * node->cache (a tmpl *), so every expression error is reported before
 * anything runs, and run time only evaluates.
 */
#ifndef RB_RUNBOOK_H
#define RB_RUNBOOK_H

#include <stdint.h>
#include <stdio.h>
#include "base/arena.h"
#include "lang/node.h"
#include "base/diag.h"

enum phase {
	PH_CHECKS, PH_STEPS, PH_VERIFY, PH_ROLLBACK,
	PH_INJECT, PH_SYMPTOMS, PH_CLEANUP,
	/* checked beside the phases, never run in order: a drill's guard
	 * (drill.guard.steps) and the continuous probes (probes:) */
	PH_GUARD, PH_PROBES, PH__COUNT
};
extern const char *const phase_names[PH__COUNT];

enum { EFFECT_READ = 0, EFFECT_WRITE = 1 };
enum { ONFAIL_ROLLBACK, ONFAIL_CONTINUE, ONFAIL_ABORT };
enum { RBPOL_ON_FAILURE, RBPOL_ALWAYS, RBPOL_NEVER };
/* a step's `dry-run:` (none: the dry run's rules decide) */
enum { DRYRUN_RULES, DRYRUN_RUN, DRYRUN_SKIP };
/* a continuous probe's `during:` (the default: the steps phase) */
enum { DURING_STEPS, DURING_DRILL, DURING_RUN };
/* `on-in-doubt:` what `runbook resume` does with a step that started and
 * never ended when the operator gives no --in-doubt (UNSET: a step's
 * "the runbook's", a runbook's "park") */
enum { DOUBT_UNSET, DOUBT_RERUN, DOUBT_SKIP, DOUBT_ROLLBACK, DOUBT_PARK };

enum input_type {
	IT_STRING, IT_INT, IT_NUMBER, IT_BOOL, IT_DURATION, IT_URL,
	IT_SECRET, IT_LIST, IT_ENUM
};

typedef struct input_def {
	const char *name;
	node *n;                /* the input's mapping */
	int type;
	node *def;              /* default, may be NULL */
	const char *pattern;    /* pcre2 pattern, may be NULL */
	node *values;           /* enum values (sequence) */
	const char *from;       /* secrets: "env:NAME" or "file:/path" */
	int required;           /* no default and not a secret-from */
	const char *description;
	int has_min, has_max;   /* int and number: min, max given */
	double min, max;
	long long min_items, max_items;  /* list: -1 when not given */
	int field;              /* a manual step's field, not an input (messages say so) */
} input_def;

typedef struct conn_def {
	const char *name;
	node *n;                /* the connection's mapping */
	const char *kind;       /* postgres|redis|kafka|prometheus|http */
	node *spec;             /* value under the kind key (string or mapping) */
} conn_def;

struct prim_def;
typedef struct step step;

/* max-concurrency, max-errors: a count, or a percentage of the items */
typedef struct fe_limit {
	int n;
	int percent;            /* n is a percentage (rounded up at run time) */
} fe_limit;

typedef struct steplist {
	step **v;
	size_t n;
} steplist;

struct step {
	node *n;                /* the step mapping */
	const char *id;
	const char *title;      /* may be NULL */
	int phase;
	size_t index;           /* position in its list */
	size_t order;           /* position in the resolved execution order of its phase */
	const struct prim_def *prim;
	node *action;           /* the value of the action key */
	node *action_key;       /* the action key itself (for positions) */
	node *if_;              /* may be NULL */
	node *expect, *outputs, *env, *cwd, *stdin_, *with, *check;
	step *check_step;       /* the parsed `check:` probe (a read step, no id of its own) */
	int effect;             /* EFFECT_* after defaults */
	int effect_explicit;
	int64_t timeout_ms;     /* after defaults; 0 = none */
	int retry_attempts;     /* >= 1 */
	int64_t retry_delay_ms;
	double retry_backoff;   /* >= 1.0 */
	int64_t retry_max_delay_ms; /* 0 = unbounded */
	int has_until;
	int64_t until_every_ms, until_within_ms;
	int64_t until_hold_ms;  /* until.hold: how long expect must keep holding; 0 = none */
	/* those of the values above given as ${{ }} templates (NULL: the
	 * literal above, checked statically); the executor renders them
	 * when the step starts, with the step's context (run/exec.c) */
	struct step_templated {
		node *timeout, *until_every, *until_within, *until_hold;
		node *retry_attempts, *retry_delay, *retry_max_delay;
	} templated;
	int on_failure;         /* ONFAIL_* */
	int sensitive;
	int idempotent;
	int on_in_doubt;        /* DOUBT_*: its `on-in-doubt:`, UNSET when it has none */
	int rollback_on_failure; /* undo even when this step failed (it may half-apply) */
	int dry_run;            /* DRYRUN_*: its `dry-run:` */
	steplist rollback;      /* the undo steps (phase PH_ROLLBACK) */
	node *rollback_none;    /* `rollback: { none: why }`: nothing undoes it, and why */
	step *owner;            /* for a rollback step: the step it undoes */
	struct runbook *frag;   /* a `use` step: its fragment, loaded for this step alone
	                         * and freed with the runbook (fragment.h) */
	steplist needs;         /* resolved dependencies (same phase) */
	node *needs_node;
	node *for_each;         /* for-each: a ${{ }} or a literal list; NULL for one run */
	input_def *fields;      /* a manual step's `fields`: what the operator enters */
	size_t nfields;
	fe_limit max_concurrency;       /* items in flight at once (default 1) */
	fe_limit max_errors;            /* failed items tolerated (default 0) */
	/* a guard or a continuous probe (phase PH_GUARD, PH_PROBES): how
	 * often it is checked (a guard: drill.guard.every), or the ${{ }}
	 * giving it (rendered when the run starts); a probe's window and
	 * the consecutive failures it tolerates */
	int64_t every_ms;
	node *every_tmpl;
	int during;             /* DURING_* */
	int tolerance;
	int result_read;        /* some template reads `steps.<this>.result` (or the whole entry) */
};

typedef struct runbook {
	arena a;
	doc d;
	const char *path;
	char *digest;           /* 65 bytes in a: runbook_sha256() fills them on first use */
	const char *id, *title, *version, *owner, *last_reviewed;
	input_def *inputs;
	size_t ninputs;
	conn_def *conns;
	size_t nconns;
	int64_t default_timeout_ms;
	steplist lists[PH__COUNT]; /* checks, steps, verify, (rollback unused), inject, symptoms,
				    * cleanup, guard, probes */
	int rollback_policy;
	int on_in_doubt;        /* DOUBT_*: the top-level `on-in-doubt:`, UNSET when none */
	node *objectives;
	node *drill;
	node *guard;            /* drill.guard, may be NULL */
	/* every step of the file incl. rollback steps, in file order */
	steplist all;
	int fragment;           /* a fragment (`fragment:` instead of `runbook:`) */
	node *outputs;          /* a fragment's `outputs` mapping, may be NULL */
	node *concurrency_key;  /* the run lock's key template, may be NULL (the id) */
	/* a template reads `steps` as a whole or by a computed key, so any
	 * step's result may be read: the run keeps them all; otherwise a
	 * finished step keeps its result only when its result_read says so */
	int results_all_read;
} runbook;

/*
 * Load and validate.  Returns NULL when the file has errors (all of them
 * added to dg, warnings too).  Warnings alone do not fail the load.
 * lint: also run the lint rules (owner required, stale last-reviewed,
 * ${{ }} in shell, tls insecure...).
 */
runbook *runbook_load(const char *path, diags *dg, int lint);
/* runbook_load() of the text buf instead of the file at path: its
 * diagnostics name name (say "HEAD~1:rb.yaml"), its `use:` fragments are
 * looked up from path as for the file */
runbook *runbook_load_text(const char *path, const char *name, const char *buf, size_t len,
			   diags *dg, int lint);
void runbook_free(runbook *rb);
/* The hex sha256 of the source bytes that were loaded and checked,
 * computed on first use (`check` never needs it). */
const char *runbook_sha256(const runbook *rb);
/* s is a calendar date YYYY-MM-DD (as `last-reviewed` must be) */
int runbook_date_ok(const char *s);

step *runbook_find_step(const runbook *rb, const char *id);
const input_def *runbook_find_input(const runbook *rb, const char *name);
const conn_def *runbook_find_conn(const runbook *rb, const char *name);
/*
 * The on-in-doubt policy (DOUBT_RERUN ... DOUBT_PARK, never UNSET) of step
 * st of rb: its own key, else that of the step whose fragment it is in (a
 * `use` step, by its id's prefix), else the runbook's, else park.  *from:
 * the step whose key decided, or NULL for the runbook's field (or the
 * default).
 */
int runbook_on_in_doubt(const runbook *rb, const step *st, const step **from);

/* graph.c: resolve `needs`, detect cycles, compute each phase's order.
 * Adds diagnostics; returns -1 on error. */
int graph_build(runbook *rb, diags *dg);
enum { GRAPH_DOT, GRAPH_MERMAID };

/*
 * The validator's key tables (validate.c), for `runbook schema`: each a
 * NULL-terminated list of names with a parallel list of one-line docs.
 */
typedef struct rb_keytable {
	const char *const *names;
	const char *const *docs;
} rb_keytable;
typedef struct rb_keytables {
	rb_keytable top, fragment_top, input, retry, until, defaults, objectives, drill, guard;
	const char *const *input_types;
	const char *const *effects;
	const char *const *on_failure;
	const char *const *policies;
	const char *const *contexts;
	const char *const *dry_run;
	rb_keytable field;      /* a manual step's field */
	const char *const *during;      /* a continuous probe's windows */
	const char *const *in_doubt;    /* on-in-doubt's words, by DOUBT_* - 1 */
} rb_keytables;
extern const rb_keytables rb_keys;

/*
 * The step keys (validate.c): one row per key a step may have besides its
 * action, read by validation (each row's parse function), by `runbook
 * schema` (its shape) and by the reference (its doc).  The flags say
 * where the key is allowed; a key without SKF_ROLLBACK is refused in a
 * rollback step with the row's rollback_why.  The keys a primitive adds
 * (env, cwd, stdin, with) are rows with SKF_ROW: a step has them only
 * when its primitive's row lists them (prim.h, step_keys).  To add a step
 * key, add a row and its parse function in validate.c (and the field it
 * fills in struct step); the schema, the reference and the unknown-key
 * hints follow from the row.
 */
enum {
	SKF_PROBE = 1,          /* allowed in a `check:` probe */
	SKF_ROLLBACK = 2,       /* allowed in a rollback step */
	SKF_USE = 4,            /* allowed in a `use` step */
	SKF_ALL = SKF_PROBE | SKF_ROLLBACK | SKF_USE,
	SKF_ROW = 8,            /* only for the primitives whose row lists it */
	SKF_WATCH = 16,         /* allowed in a guard or a continuous probe */
	SKF_PROBE_ONLY = 32,    /* only in a continuous probe (`probes:`) */
};
/* the value a step key takes, for the schema */
enum step_key_shape {
	KS_ID,                  /* a step id */
	KS_TEXT,                /* any scalar, read as text */
	KS_CONDITION,           /* true, false or one ${{ }} */
	KS_STEP_IDS,            /* a step id or a list of them */
	KS_EFFECT,              /* read or write */
	KS_DURATION,            /* 30s, 5m... */
	KS_RETRY,               /* the retry mapping */
	KS_UNTIL,               /* the until mapping */
	KS_EXPECT,              /* result fields to matchers, or one ${{ }} */
	KS_OUTPUTS,             /* name: template */
	KS_ON_FAILURE,          /* rollback, continue or abort */
	KS_BOOL,                /* true or false */
	KS_STEPS,               /* a step or a list of steps (rollback) */
	KS_PROBE,               /* a read step without id (check) */
	KS_ENV,                 /* NAME: value */
	KS_STRING,              /* a string */
	KS_MAPPING,             /* a mapping */
	KS_FIELDS,              /* name: field (a manual step's fields) */
	KS_DRY_RUN,             /* run or skip */
	KS_FOR_EACH,            /* one ${{ }} or a list */
	KS_LIMIT,               /* a count or a percentage: 3, "25%" */
	KS_DURING,              /* steps, drill or run */
	KS_COUNT,               /* an integer >= 0 */
	KS_IN_DOUBT,            /* rerun, skip, rollback or park */
};
struct step_parse;
typedef struct step_key {
	const char *name;
	const char *doc;        /* one line, for the schema and the reference */
	int flags;              /* SKF_* */
	int shape;              /* KS_* */
	const char *rollback_why;   /* the error in a rollback step (no SKF_ROLLBACK) */
	/* validate and record the key's value x (key node k); NULL: read by
	 * parse_step itself before the other keys (id) */
	void (*parse)(struct step_parse *p, node *k, node *x);
} step_key;
extern const step_key step_key_table[];
extern const size_t step_key_count;
/* the row of key, or NULL */
const step_key *step_key_find(const char *key);
/* the lint rules (lint.c), over the findings from dg->v[first] on: the
 * inline suppressions (suppress.c) and the policy (lint_set_policy) apply */
void lint_runbook(const runbook *rb, diags *dg, size_t first);
/* the parsed template of a scalar (node->cache), NULL when it has none or
 * it did not parse */
struct tmpl;
const struct tmpl *node_tmpl(const node *n);
void graph_print(FILE *out, const runbook *rb, int format);

#endif
