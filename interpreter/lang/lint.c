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
#include "base/re.h"
#include "base/suggest.h"
#include "base/value.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the .runbook.yaml in force (lint_set_policy), NULL: none */
static const lint_policy *policy;

void lint_set_policy(const lint_policy *p)
{
	policy = p;
}

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
	long long limit = policy && policy->review_days >= 0 ? policy->review_days : 90;
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
	if (!st->prim || st->effect != EFFECT_WRITE || st->rollback.n || st->rollback_none ||
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

/* a step's own key (not its primitive's parameter) */
static const node *own_key(const step *st, const char *key)
{
	return node_get(st->n, key);
}

/* what kind of credential the text s[0..n) holds, or NULL */
static const char *credential_in(const char *s, size_t n)
{
	/* hint: text every match holds, looked for first (most strings have
	 * none); bit i of `seen`: a byte of the i-th hint (a rare one) occurs */
	static const struct { const char *what, *hint, *re; } kinds[] = {
		{ "an AWS access key id", "IA", "\\b(?:AKIA|ASIA)[0-9A-Z]{16}\\b" },
		{ "a JSON Web Token", "eyJ", "\\beyJ[A-Za-z0-9_-]{4,}\\.eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}" },
		{ "a private key", "PRIVATE KEY", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----" },
		{ "a password in a URL", "://", "(?i)\\b[a-z][a-z0-9+.-]*://[^/\\s:@]+:(?!\\$\\{\\{|\\*)[^/\\s@]+@" },
		{ "a password", "=", "(?i)(?<![a-z])(?:password|passwd|pwd)=(?!\\$\\{\\{|\\*|<|\\$[A-Za-z_{])[^\\s&;'\"]+" },
	};
	/* one pass for the hints' first bytes: most strings hold none */
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++)
		switch (s[i]) {
		case 'A': seen |= 1; break;
		case 'J': seen |= 2; break;
		case 'K': seen |= 4; break;
		case ':': seen |= 8; break;
		case '=': seen |= 16; break;
		}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		re_error e;
		if (!(seen & 1u << i) || !memmem(s, n, kinds[i].hint, strlen(kinds[i].hint)))
			continue;
		if (re_match(kinds[i].re, strlen(kinds[i].re), RE_INVALID_UTF, s, n, 0, &e) == 1)
			return kinds[i].what;
	}
	return NULL;
}

static void credentials_under(const node *n, diags *dg, const lint_rule *r, int depth)
{
	if (!n || depth > LOAD_MAX_DEPTH)
		return;
	if (n->kind == N_SCALAR) {
		const char *what = n->len >= 8 ? credential_in(n->str, n->len) : NULL;
		if (what) {
			diag_add(dg, r->severity, n->file, n->line, n->col, r->id,
				 "this string holds what looks like %s (not shown): pass it as a "
				 "secret input (type: secret, from: env:NAME) instead", what);
			diag_hide_source(dg);
		}
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		credentials_under(n->vals[i], dg, r, depth + 1);
}

static void lint_credential(const runbook *rb, diags *dg, const lint_rule *r)
{
	credentials_under(rb->d.root, dg, r, 0);
}

static void lint_http_no_expect(const runbook *rb, diags *dg, const lint_rule *r)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->prim || strcmp(st->prim->name, "http") || st->expect)
			continue;
		diag_add(dg, r->severity, st->action_key->file, st->action_key->line,
			 st->action_key->col, r->id,
			 "http step '%s' has no expect: any 2xx answer passes; say which answer means it worked",
			 st->id ? st->id : "?");
	}
}

static void lint_write_no_timeout(const runbook *rb, diags *dg, const lint_rule *r)
{
	if (node_get(node_get(rb->d.root, "defaults"), "timeout"))
		return;
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->prim || !(st->prim->flags & PF_IO) || st->effect != EFFECT_WRITE ||
		    own_key(st, "timeout"))
			continue;
		diag_add(dg, r->severity, st->action_key->file, st->action_key->line,
			 st->action_key->col, r->id,
			 "write step '%s' has no timeout and defaults.timeout is unset: it gets 30s; "
			 "say how long it may take", st->id ? st->id : "?");
	}
}

typedef struct input_use {
	const char *name;
	int used;
} input_use;

static void ref_input(void *ud, const char *root, const char *second, size_t off)
{
	input_use *u = ud;
	(void)off;
	if (!strcmp(root, "inputs") && (!second || !strcmp(second, u->name)))
		u->used = 1;
}

/* is input u->name read by a template under n */
static void input_used_under(const node *n, input_use *u, int depth)
{
	if (!n || u->used || depth > LOAD_MAX_DEPTH)
		return;
	if (n->kind == N_SCALAR) {
		const tmpl *t = node_tmpl(n);
		if (t)
			tmpl_walk_refs(t, ref_input, u);
		else if (!n->cache && has_template(n->str, n->len) && memmem(n->str, n->len, "inputs", 6))
			u->used = 1;    /* not parsed by validation: assume it reads it */
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		input_used_under(n->vals[i], u, depth + 1);
}

static void lint_unused_input(const runbook *rb, diags *dg, const lint_rule *r)
{
	for (size_t i = 0; i < rb->ninputs; i++) {
		input_use u = { rb->inputs[i].name, 0 };
		input_used_under(rb->d.root, &u, 0);
		if (u.used || !rb->inputs[i].n)
			continue;
		const node *k = node_key(node_get(rb->d.root, "inputs"), u.name);
		const node *at = k ? k : rb->inputs[i].n;
		diag_add(dg, r->severity, at->file, at->line, at->col, r->id,
			 "input '%s' is never used: remove it, or use it", u.name);
	}
}

static void count_ref(void *ud, const char *root, const char *second, size_t off)
{
	(void)root, (void)second, (void)off;
	++*(int *)ud;
}

/* is st's `if` false whatever the run: false, or a ${{ }} reading nothing that is falsy */
static int if_always_false(const step *st)
{
	int b;
	if (!st->if_)
		return 0;
	if (node_bool(st->if_, &b))
		return !b;
	const tmpl *t = node_tmpl(st->if_);
	int refs = 0;
	if (!t)
		return 0;
	tmpl_walk_refs(t, count_ref, &refs);
	if (refs)
		return 0;
	value *ctx = v_obj();
	char *err = NULL;
	value *v = tmpl_render(t, ctx, &err);
	int never = v && !v_truthy(v);
	v_release(v);
	v_release(ctx);
	free(err);
	return never;
}

static void lint_never_runs(const runbook *rb, diags *dg, const lint_rule *r)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->id || !if_always_false(st))
			continue;
		warn(dg, st->if_, r, "this step never runs: its 'if' is always false; remove the step, or its 'if'");
		for (size_t j = 0; j < rb->all.n; j++) {
			const step *d = rb->all.v[j];
			for (size_t k = 0; d->needs_node && k < d->needs.n; k++)
				if (d->needs.v[k] == st)
					diag_add(dg, r->severity, d->needs_node->file, d->needs_node->line,
						 d->needs_node->col, r->id,
						 "step '%s' needs '%s', which never runs (its 'if' is always "
						 "false): a need skipped by its 'if' does not hold a step back, "
						 "so this one orders nothing", d->id ? d->id : "?", st->id);
		}
	}
}

static int tagged(const runbook *rb, const char *tag)
{
	const node *tags = node_get(rb->d.root, "tags");
	for (size_t i = 0; tags && tags->kind == N_SEQ && i < tags->n; i++)
		if (tags->vals[i]->kind == N_SCALAR && !strcmp(tags->vals[i]->str, tag))
			return 1;
	return 0;
}

static void lint_unattended_human(const runbook *rb, diags *dg, const lint_rule *r)
{
	if (!tagged(rb, "unattended"))
		return;
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (!st->prim || !(st->prim->flags & (PF_APPROVAL | PF_MANUAL)))
			continue;
		diag_add(dg, r->severity, st->action_key->file, st->action_key->line,
			 st->action_key->col, r->id,
			 "step '%s' waits for a person ('%s') in a runbook tagged 'unattended'",
			 st->id ? st->id : "?", st->prim->name);
	}
}

static void lint_drill_objectives(const runbook *rb, diags *dg, const lint_rule *r)
{
	if (rb->drill && !rb->objectives)
		warn(dg, node_key(rb->d.root, "drill"), r,
		     "a drill without 'objectives': say what it must show (time-to-recover, steps-required...)");
}

static void lint_drill_guard(const runbook *rb, diags *dg, const lint_rule *r)
{
	if (rb->drill && !rb->guard)
		warn(dg, node_key(rb->d.root, "drill"), r,
		     "a drill without 'guard': say when to stop it (drill.guard.steps)");
}

static void lint_rollback_log_only(const runbook *rb, diags *dg, const lint_rule *r)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		size_t logs = 0;
		for (size_t k = 0; k < st->rollback.n; k++)
			logs += st->rollback.v[k]->prim && !strcmp(st->rollback.v[k]->prim->name, "log");
		if (!st->rollback.n || logs < st->rollback.n || st->effect != EFFECT_WRITE)
			continue;
		/* a step a fragment or for-each made may have no rollback key of its own */
		const node *at = st->n ? node_key(st->n, "rollback") : NULL;
		if (!at)
			at = st->n ? st->n : st->action_key;
		if (!at)
			continue;
		diag_add(dg, r->severity, at->file, at->line, at->col, r->id,
			 "the rollback of '%s' only logs: it undoes nothing; say so with "
			 "'rollback: { none: why }'", st->id ? st->id : "?");
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
		"lint-stale", SEV_WARNING, "last-reviewed is at most 90 days old (review-interval, RUNBOOK_STALE_DAYS)",
		"A procedure drifts from the system it operates on: hosts are renamed, flags "
		"change, services move. A runbook nobody has read for a quarter is likely to "
		"fail when it is needed. The limit is 90 days, or the `review-interval` of "
		"the repository's .runbook.yaml, or RUNBOOK_STALE_DAYS (which wins over both); "
		"a runbook without `last-reviewed` is not judged.",
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
		"    http: { url: \"https://api.internal/health\", tls: { insecure: true } }\n"
		"    expect: { status: 200 }\n",
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
		"    timeout: 5s\n"
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
		"    exec: [kubectl, scale, deploy/worker, --replicas=4]\n"
		"    timeout: 1m\n",
		lint_no_rollback,
	},
	{
		"lint-credential", SEV_WARNING, "no credential is written into the runbook",
		"A runbook is reviewed in pull requests, copied into wikis and kept in the "
		"history of its repository: a key written into it is a key given to all who "
		"can read any of those, for as long as the history lives. The rule looks in "
		"every string for AWS access key ids, JSON Web Tokens, private key blocks, "
		"passwords in URLs and `password=` pairs; the message names the kind, never "
		"the value. Read the credential from a secret input (`type: secret`, `from: "
		"env:NAME`), which the run masks everywhere.",
		"runbook: fetch-report\n"
		"title: Fetch the report\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: fetch\n"
		"    exec: [curl, -fsS, \"https://reports:Tr0ub4dor@reports.internal/today\"]\n"
		"    effect: read\n",
		lint_credential,
	},
	{
		"lint-http-no-expect", SEV_WARNING, "every http step says which answer means it worked",
		"An `http` step without `expect` passes on any 2xx status, whatever the body "
		"says: a health endpoint answering `{\"status\": \"degraded\"}` with 200, or a "
		"proxy's error page, counts as success. Say what the answer must hold "
		"(`expect: { status: 200, json: { status: ok } }`).",
		"runbook: health\n"
		"title: Health\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: health\n"
		"    http: { url: \"http://127.0.0.1:8080/health\" }\n",
		lint_http_no_expect,
	},
	{
		"lint-write-no-timeout", SEV_WARNING,
		"a write step that does I/O has a timeout, or defaults.timeout is set",
		"A write step that does I/O without `timeout` gets the interpreter's 30 s, "
		"which is nobody's decision: too short for a migration, far too long for a "
		"cache flush in an incident. Give the step a `timeout`, or the runbook a "
		"`defaults.timeout` that its writes fit in.",
		"runbook: restart\n"
		"title: Restart\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: restart\n"
		"    exec: [systemctl, restart, worker]\n"
		"    rollback: { exec: [systemctl, stop, worker], timeout: 10s }\n",
		lint_write_no_timeout,
	},
	{
		"lint-unused-input", SEV_WARNING, "every input is used",
		"An input nothing reads is asked for (or defaulted) and recorded for nothing, "
		"and suggests to the operator that it changes what the runbook does. It is "
		"usually a leftover of a step that was removed, or a misspelt reference.",
		"runbook: greet\n"
		"title: Greet\n"
		"owner: platform\n"
		"inputs:\n"
		"  name: { type: string, default: world }\n"
		"steps:\n"
		"  - { id: greet, exec: [echo, hello], effect: read }\n",
		lint_unused_input,
	},
	{
		"lint-never-runs", SEV_WARNING, "no step is switched off for good",
		"A step whose `if` is always false (`if: false`, or a `${{ }}` that reads "
		"nothing and is falsy) never runs: a reader takes it for part of the "
		"procedure when it is dead text. A `needs` on such a step orders nothing "
		"either, since a need skipped by its `if` does not hold a step back.",
		"runbook: notify\n"
		"title: Notify\n"
		"owner: platform\n"
		"steps:\n"
		"  - id: page\n"
		"    if: false\n"
		"    exec: [echo, page]\n"
		"    effect: read\n",
		lint_never_runs,
	},
	{
		"lint-unattended-human", SEV_WARNING, "a runbook tagged unattended waits for nobody",
		"`tags: [unattended]` says the runbook runs with no operator at hand (from a "
		"scheduler, an alert hook). An `approve` or `manual` step there waits for an "
		"answer nobody gives, and fails without a terminal unless `--approve auto` "
		"answers it blindly.",
		"runbook: nightly\n"
		"title: Nightly cleanup\n"
		"owner: platform\n"
		"tags: [unattended]\n"
		"steps:\n"
		"  - id: confirm\n"
		"    approve: Delete the old backups?\n",
		lint_unattended_human,
	},
	{
		"lint-drill-objectives", SEV_WARNING, "a drill says what it must show (objectives)",
		"A drill is an experiment: without `objectives` (`time-to-recover`, "
		"`steps-required`...) `runbook verify` can only say that it ran, not whether "
		"the procedure met its goal.",
		"runbook: drill-worker\n"
		"title: Worker drill\n"
		"owner: platform\n"
		"steps:\n"
		"  - { id: restart, exec: [echo, restart], effect: read }\n"
		"drill:\n"
		"  guard:\n"
		"    every: 5s\n"
		"    steps:\n"
		"      - { id: alive, exec: [\"true\"], effect: read }\n"
		"  inject:\n"
		"    - { id: stop, exec: [echo, stop], effect: read }\n",
		lint_drill_objectives,
	},
	{
		"lint-drill-guard", SEV_WARNING, "a drill has a guard (stop conditions)",
		"A drill breaks something on purpose. A `guard` says when to stop (an error "
		"budget, a customer-facing probe): without one, a drill that goes wrong goes "
		"on until its steps end.",
		"runbook: drill-worker\n"
		"title: Worker drill\n"
		"owner: platform\n"
		"objectives: { max-duration: 10m }\n"
		"steps:\n"
		"  - { id: restart, exec: [echo, restart], effect: read }\n"
		"drill:\n"
		"  inject:\n"
		"    - { id: stop, exec: [echo, stop], effect: read }\n",
		lint_drill_guard,
	},
	{
		"lint-rollback-log-only", SEV_WARNING, "a rollback undoes something",
		"A rollback made only of `log` steps prints a note and undoes nothing, while "
		"the transcript and `runbook verify` count the step as rolled back. When "
		"nothing can or need undo a step, say so: `rollback: { none: why }`.",
		"runbook: notify\n"
		"title: Notify\n"
		"owner: platform\n"
		"defaults: { timeout: 10s }\n"
		"steps:\n"
		"  - id: page\n"
		"    exec: [echo, page]\n"
		"    rollback: { log: pages cannot be taken back }\n",
		lint_rollback_log_only,
	},
	{
		"suppression-reason", SEV_WARNING, "every suppression says why",
		"`# runbook: ignore[rule-id] reason` hides a finding from every later reader; "
		"the reason is what tells them it was judged, not silenced. A suppression "
		"without one suppresses nothing.",
		"runbook: restart\n"
		"title: Restart\n"
		"owner: platform\n"
		"steps:\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }  # runbook: ignore[lint-owner]\n",
		NULL,
	},
	{
		"unused-suppression", SEV_WARNING, "every suppression suppresses something",
		"A suppression whose finding is gone (the step was fixed, or moved) would "
		"silently hide the next finding of its rule on those lines: remove it.",
		"runbook: restart\n"
		"title: Restart\n"
		"owner: platform\n"
		"steps:\n"
		"  # runbook: ignore[lint-no-rollback] status only reads\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }\n",
		NULL,
	},
	{
		"unknown-suppression", SEV_WARNING, "a suppression names lint rules that exist",
		"A misspelt rule id suppresses nothing, and a validation error cannot be "
		"suppressed at all: an invalid runbook does not run. The message suggests the "
		"closest rule id.",
		"runbook: restart\n"
		"title: Restart\n"
		"owner: platform\n"
		"steps:\n"
		"  - { id: status, exec: [systemctl, status, worker], effect: read }  # runbook: ignore[lint-ownr] kept short\n",
		NULL,
	},
};

const size_t lint_rule_count = sizeof lint_rules / sizeof lint_rules[0];
/* rows_find() and suggest_rows() read the id as the first member */
_Static_assert(offsetof(lint_rule, id) == 0, "the id comes first");

const lint_rule *lint_rule_find(const char *id)
{
	return rows_find(id, lint_rules, lint_rule_count, sizeof lint_rules[0]);
}

const char *lint_rule_hint(const char *id, char *buf, size_t n)
{
	const char *s = suggest_rows(id, lint_rules, lint_rule_count, sizeof lint_rules[0], 0);
	if (s)
		snprintf(buf, n, " (did you mean '%s'?)", s);
	else if (n)
		buf[0] = 0;
	return buf;
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
/* the severities of the .runbook.yaml in force, over dg->v[first..] */
static void apply_policy(diags *dg, size_t first)
{
	for (size_t j = first; policy && policy->sev && j < dg->n; j++) {
		const lint_rule *r = dg->v[j].rule ? lint_rule_find(dg->v[j].rule) : NULL;
		int sev = r ? policy->sev[r - lint_rules] : LINT_SEV_DEFAULT;
		if (sev == LINT_OFF)
			diag_drop(dg, j--);
		else if (sev != LINT_SEV_DEFAULT)
			diag_set_severity(dg, j, sev);
	}
}

void lint_runbook(const runbook *rb, diags *dg, size_t first)
{
	if (!rb->d.root)
		return;
	for (size_t i = 0; i < lint_rule_count; i++)
		if (lint_rules[i].check)
			lint_rules[i].check(rb, dg, &lint_rules[i]);
	lint_suppress(rb, dg, first);
	apply_policy(dg, first);
}
