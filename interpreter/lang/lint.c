/*
 * lint.c - advice on a valid runbook: warnings, never errors.
 *
 * One row per rule (id, one-line summary, check), as linters keep them;
 * `runbook check` runs them all after validation.  A check only reads the
 * model and reports at the node a reader would fix.
 */
#include "lang/runbook.h"
#include "lang/prim.h"
#include "lang/expr.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct lint_rule {
	const char *id;
	const char *summary;
	void (*check)(const runbook *rb, diags *dg, const char *id);
} lint_rule;

static void warn(diags *dg, const node *n, const char *rule, const char *msg)
{
	diag_add(dg, SEV_WARNING, n->file, n->line, n->col, rule, "%s", msg);
}

static void lint_owner(const runbook *rb, diags *dg, const char *id)
{
	const node *root = rb->d.root;
	if (root && root->kind == N_MAP && !node_get(root, "owner"))
		warn(dg, root, id, "no 'owner': say which team maintains this runbook");
}

/* days since the epoch of a valid YYYY-MM-DD */
static long long days_of(const char *date)
{
	struct tm tm = { 0 };
	tm.tm_year = atoi(date) - 1900;
	tm.tm_mon = atoi(date + 5) - 1;
	tm.tm_mday = atoi(date + 8);
	return (long long)(timegm(&tm) / 86400);
}

static void lint_stale(const runbook *rb, diags *dg, const char *id)
{
	if (!rb->last_reviewed)
		return;
	long long limit = 90;
	const char *env = getenv("RUNBOOK_STALE_DAYS");
	if (env && *env) {
		char *end;
		long long x = strtoll(env, &end, 10);
		if (!*end && x >= 0)
			limit = x;
	}
	long long age = (long long)(time(NULL) / 86400) - days_of(rb->last_reviewed);
	if (age <= limit)
		return;
	char msg[160];
	snprintf(msg, sizeof msg, "last reviewed %s, %lld days ago (more than %lld): review it",
		 rb->last_reviewed, age, limit);
	warn(dg, node_get(rb->d.root, "last-reviewed"), id, msg);
}

static void lint_shell_template(const runbook *rb, diags *dg, const char *id)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		const node *a = st->action;
		if (!st->prim || !(st->prim->flags & PF_SHELL) || !a || a->kind != N_SCALAR)
			continue;
		const char *p = memmem(a->str, a->len, "${{", 3);
		if (!p)
			continue;
		int line, col;
		node_pos_at(a, (size_t)(p - a->str), &line, &col);
		diag_add(dg, SEV_WARNING, a->file, line, col, id,
			 "'${{ }}' in shell text is pasted into the command line; pass the value through env: and use \"$NAME\"");
	}
}

static void lint_tls_insecure(const runbook *rb, diags *dg, const char *id)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->prim || !prim_param_find(st->prim, "tls"))
			continue;
		const node *ins = node_get(node_get(st->action, "tls"), "insecure");
		if (ins && ins->kind == N_SCALAR && ins->style == S_PLAIN &&
		    (!strcmp(ins->str, "true") || !strcmp(ins->str, "True") || !strcmp(ins->str, "TRUE")))
			warn(dg, ins, id, "tls.insecure turns off certificate checks: anyone on the path can answer");
	}
}

static void lint_write_in_check(const runbook *rb, diags *dg, const char *id)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if ((st->phase != PH_CHECKS && st->phase != PH_VERIFY) || !st->prim || !st->id ||
		    st->effect != EFFECT_WRITE)
			continue;
		char msg[256];
		snprintf(msg, sizeof msg,
			 "step '%s' in %s writes; checks and verify should only read (add 'effect: read' if it does)",
			 st->id, phase_names[st->phase]);
		warn(dg, st->action_key, id, msg);
	}
}

/*
 * The first write that nothing undoes under st: st itself, or, for a `use`
 * step without a rollback of its own, a write step of its fragment (and of
 * the fragments that one uses), whose own rollback would run.  *in gets the
 * fragment that holds it.  NULL when every write is undone, or is allowed
 * to fail (on-failure: continue).  A `use` step whose fragment failed to
 * load was reported by validation and is left alone here.
 */
static const step *undone_write(const step *st, const runbook **in)
{
	if (!st->prim || st->effect != EFFECT_WRITE || st->rollback.n ||
	    st->on_failure == ONFAIL_CONTINUE)
		return NULL;
	if (!(st->prim->flags & PF_FRAGMENT))
		return st;
	if (!st->frag)
		return NULL;
	int writes = 0;
	const steplist *l = &st->frag->lists[PH_STEPS];
	for (size_t i = 0; i < l->n; i++) {
		const step *sub = l->v[i];
		if (sub->effect == EFFECT_WRITE)
			writes = 1;
		const step *u = undone_write(sub, in);
		if (u) {
			if (u == sub)
				*in = st->frag;
			return u;
		}
	}
	/* `effect: write` stated on a call of a fragment that only reads */
	return writes ? NULL : st;
}

static void lint_no_rollback(const runbook *rb, diags *dg, const char *id)
{
	if (rb->rollback_policy == RBPOL_NEVER)
		return;
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (st->phase != PH_STEPS || !st->id)
			continue;
		const runbook *in = NULL;
		const step *u = undone_write(st, &in);
		if (!u)
			continue;
		if (u == st)
			diag_add(dg, SEV_WARNING, st->action_key->file, st->action_key->line,
				 st->action_key->col, id,
				 "write step '%s' has no rollback: say how to undo it, or 'effect: read' if it only reads",
				 st->id);
		else
			diag_add(dg, SEV_WARNING, st->action_key->file, st->action_key->line,
				 st->action_key->col, id,
				 "write step '%s' of fragment '%s' has no rollback: give '%s' a 'rollback:' of its own",
				 u->id ? u->id : "?", in && in->id ? in->id : "?", st->id);
	}
}

static const lint_rule lint_rules[] = {
	{ "lint-owner", "the runbook names its owner", lint_owner },
	{ "lint-stale", "last-reviewed is at most 90 days old (RUNBOOK_STALE_DAYS)", lint_stale },
	{ "lint-shell-template", "no ${{ }} inside shell text", lint_shell_template },
	{ "lint-tls-insecure", "no http step turns off TLS verification", lint_tls_insecure },
	{ "lint-write-in-check", "checks and verify steps only read", lint_write_in_check },
	{ "lint-no-rollback", "every write step says how to undo it (a use step: every write step of its fragment)", lint_no_rollback },
};

/*
 * Run every lint rule over a validated (possibly partly invalid) model;
 * warnings go to dg.  Steps whose action could not be resolved are
 * skipped, so this is safe after validation errors.
 */
void lint_runbook(const runbook *rb, diags *dg)
{
	if (!rb->d.root)
		return;
	for (size_t i = 0; i < sizeof lint_rules / sizeof lint_rules[0]; i++)
		lint_rules[i].check(rb, dg, lint_rules[i].id);
}
