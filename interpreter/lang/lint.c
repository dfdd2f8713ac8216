/*
 * lint.c - advice on a valid runbook: warnings, never errors.
 *
 * One row per rule (id, severity, summary, rationale, example, check),
 * as linters keep them (lint.h); `runbook check` runs them all after
 * validation, `--list-rules` and the reference print them.  A check only
 * reads the model and reports at the node a reader would fix, with its
 * row's id and severity.
 */
#include "lang/lint.h"
#include "lang/prim.h"
#include "lang/expr.h"
#include "base/suggest.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* a finding of rule r at n */
static void warn(diags *dg, const node *n, const lint_rule *r, const char *msg)
{
	diag_add(dg, r->severity, n->file, n->line, n->col, r->id, "%s", msg);
}

static void lint_owner(const runbook *rb, diags *dg, const lint_rule *r)
{
	const node *root = rb->d.root;
	if (root && root->kind == N_MAP && !node_get(root, "owner"))
		warn(dg, root, r, "no 'owner': say which team maintains this runbook");
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

static void lint_stale(const runbook *rb, diags *dg, const lint_rule *r)
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
	warn(dg, node_get(rb->d.root, "last-reviewed"), r, msg);
}

static void lint_shell_template(const runbook *rb, diags *dg, const lint_rule *r)
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
		diag_add(dg, r->severity, a->file, line, col, r->id,
			 "'${{ }}' in shell text is pasted into the command line; pass the value through env: and use \"$NAME\"");
	}
}

static void lint_tls_insecure(const runbook *rb, diags *dg, const lint_rule *r)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->prim || !prim_param_find(st->prim, "tls"))
			continue;
		const node *ins = node_get(node_get(st->action, "tls"), "insecure");
		if (node_is_true(ins))
			warn(dg, ins, r, "tls.insecure turns off certificate checks: anyone on the path can answer");
	}
}

static void lint_write_in_check(const runbook *rb, diags *dg, const lint_rule *r)
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
		warn(dg, st->action_key, r, msg);
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

static void lint_no_rollback(const runbook *rb, diags *dg, const lint_rule *r)
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
			diag_add(dg, r->severity, st->action_key->file, st->action_key->line,
				 st->action_key->col, r->id,
				 "write step '%s' has no rollback: say how to undo it, or 'effect: read' if it only reads",
				 st->id);
		else
			diag_add(dg, r->severity, st->action_key->file, st->action_key->line,
				 st->action_key->col, r->id,
				 "write step '%s' of fragment '%s' has no rollback: give '%s' a 'rollback:' of its own",
				 u->id ? u->id : "?", in && in->id ? in->id : "?", st->id);
	}
}

const lint_rule lint_rules[] = {
	{
		"lint-owner", SEV_WARNING, "the runbook names its owner",
		"A runbook is run during an incident by someone who did not write it. When a "
		"step is wrong or out of date, that reader needs to know which team to ask, "
		"and someone must be the one to fix it: `owner:` says who.",
		"runbook: restart-worker\n"
		"title: Restart the worker\n"
		"steps:\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }\n",
		lint_owner,
	},
	{
		"lint-stale", SEV_WARNING, "last-reviewed is at most 90 days old (RUNBOOK_STALE_DAYS)",
		"A procedure drifts from the system it operates on: hosts are renamed, flags "
		"change, services move. A runbook nobody has read for a quarter is likely to "
		"fail when it is needed. The limit is 90 days, or RUNBOOK_STALE_DAYS; a "
		"runbook without `last-reviewed` is not judged.",
		"runbook: restart-worker\n"
		"title: Restart the worker\n"
		"owner: platform\n"
		"last-reviewed: 2020-01-01\n"
		"steps:\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }\n",
		lint_stale,
	},
	{
		"lint-shell-template", SEV_WARNING, "no ${{ }} inside shell text",
		"The text of a `shell:` step is parsed by the shell after its templates are "
		"rendered, so a value holding a quote, a `;` or a `$(...)` becomes part of "
		"the command. Pass the value through `env:` and write \"$NAME\": the shell "
		"never runs a variable's value as code.",
		"runbook: greet\n"
		"title: Greet\n"
		"owner: platform\n"
		"inputs:\n"
		"  name: { type: string }\n"
		"steps:\n"
		"  - id: greet\n"
		"    shell: echo \"hello ${{ inputs.name }}\"\n"
		"    effect: read\n",
		lint_shell_template,
	},
	{
		"lint-tls-insecure", SEV_WARNING, "no http step turns off TLS verification",
		"`tls.insecure: true` accepts any certificate, so whoever is on the network "
		"path can answer in the service's name, and the runbook acts on what it is "
		"told. Give the service's CA with `tls.ca-file` instead.",
		"runbook: health\n"
		"title: Health\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: health\n"
		"    http: { url: \"https://api.internal/health\", tls: { insecure: true } }\n",
		lint_tls_insecure,
	},
	{
		"lint-write-in-check", SEV_WARNING, "checks and verify steps only read",
		"`checks` decide whether the runbook may start and `verify` whether it "
		"worked: they are questions about the system. A step there that changes it "
		"does so outside the `steps` a reviewer reads as the procedure, and "
		"`--dry-run`, which runs only what reads, skips it. A command that only "
		"reads says `effect: read`.",
		"runbook: flush\n"
		"title: Flush\n"
		"owner: platform\n"
		"checks:\n"
		"  - id: flush-first\n"
		"    exec: [redis-cli, flushall]\n"
		"steps:\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }\n",
		lint_write_in_check,
	},
	{
		"lint-no-rollback", SEV_WARNING,
		"every write step says how to undo it (a use step: every write step of its fragment)",
		"When a later step or the verification fails, the completed write steps are "
		"undone in reverse order; a write step without `rollback:` stays as it is, "
		"and the system is left half-changed. Say how to undo it, or that its failure "
		"may stand (`on-failure: continue`), or that it only reads (`effect: read`). "
		"A `use` step without a rollback of its own is judged by its fragment's write "
		"steps. Not checked under `rollback: never`.",
		"runbook: scale\n"
		"title: Scale up\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: scale-up\n"
		"    exec: [kubectl, scale, deploy/worker, --replicas=4]\n",
		lint_no_rollback,
	},
};
const size_t lint_rule_count = sizeof lint_rules / sizeof lint_rules[0];
/* rows_find() and suggest_rows() read the id as the first member */
_Static_assert(offsetof(lint_rule, id) == 0, "the id comes first");

const lint_rule *lint_rule_find(const char *id)
{
	return rows_find(id, lint_rules, lint_rule_count, sizeof lint_rules[0]);
}

const char *lint_severity_name(int severity)
{
	return severity == SEV_ERROR ? "error" : "warning";
}

/*
 * Run every lint rule over a validated (possibly partly invalid) model;
 * warnings go to dg.  Steps whose action could not be resolved are
 * skipped, so this is safe after validation errors.
 */
void lint_runbook(const runbook *rb, diags *dg)
{
	if (!rb->d.root)
		return;
	for (size_t i = 0; i < lint_rule_count; i++)
		lint_rules[i].check(rb, dg, &lint_rules[i]);
}
