/*
 * policy.c - a repository's lint policy, its .runbook.yaml (lint.h):
 * the severity of each lint rule (error, warning or off), the review
 * interval of lint-stale and the stdlib directory.  Every problem in the
 * file is an error at its line and column; validation errors are not
 * rules the file can change.
 */
#include "lang/lint.h"
#include "base/suggest.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const policy_keys[] = { "rules", "review-interval", "stdlib", NULL };

static void perr(diags *dg, const node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void perr(diags *dg, const node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(dg, SEV_ERROR, n->file, n->line, n->col, "config", fmt, ap);
	va_end(ap);
}

static int is_text(const node *n)
{
	return n && n->kind == N_SCALAR && !node_is_null(n);
}

/* rules: { rule-id: error|warning|off } */
static void policy_rules(lint_policy *p, const node *m, diags *dg)
{
	static const char *const sevs[] = { "error", "warning", "off", NULL };
	if (m->kind != N_MAP) {
		perr(dg, m, "'rules' must be a mapping of lint rule ids to error, warning or off");
		return;
	}
	for (size_t i = 0; i < m->n; i++) {
		const node *k = m->keys[i], *v = m->vals[i];
		const lint_rule *r = lint_rule_find(k->str);
		if (!r) {
			char hint[128];
			perr(dg, k, "no lint rule '%s'%s (validation errors cannot be changed)", k->str,
			     lint_rule_hint(k->str, hint, sizeof hint));
			continue;
		}
		int s = -1;
		for (int j = 0; is_text(v) && sevs[j]; j++)
			if (!strcmp(v->str, sevs[j]))
				s = j;
		if (s < 0)
			perr(dg, v, "the severity of '%s' must be error, warning or off", k->str);
		else
			p->sev[r - lint_rules] = (signed char)(s == 0 ? SEV_ERROR : s == 1 ? SEV_WARNING : LINT_OFF);
	}
}

/* review-interval: 90d (days) or 13w (weeks) */
static void policy_interval(lint_policy *p, const node *v, diags *dg)
{
	char *end = NULL;
	long long n = is_text(v) && v->str[0] >= '0' && v->str[0] <= '9' ? strtoll(v->str, &end, 10) : -1;
	if (n < 0 || n > 100000 || !end || (strcmp(end, "d") && strcmp(end, "w"))) {
		perr(dg, v, "'review-interval' must be a number of days or weeks, like 90d or 13w");
		return;
	}
	p->review_days = *end == 'w' ? n * 7 : n;
}

/* stdlib: a directory, relative to the policy file's */
static void policy_stdlib(lint_policy *p, const node *v, const char *path, diags *dg)
{
	if (!is_text(v)) {
		perr(dg, v, "'stdlib' must be a directory");
		return;
	}
	const char *slash = strrchr(path, '/');
	char *dir = v->str[0] == '/' || !slash ? xstrdup(v->str)
		    : xasprintf("%.*s/%s", (int)(slash - path), path, v->str);
	struct stat sb;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		perr(dg, v, "stdlib '%s' is not a directory", dir);
		free(dir);
		return;
	}
	free(p->stdlib);
	p->stdlib = dir;
}

static void policy_init(lint_policy *p)
{
	p->sev = xmalloc(lint_rule_count);
	memset(p->sev, LINT_SEV_DEFAULT, lint_rule_count);
	p->review_days = -1;
	p->stdlib = NULL;
}

int lint_policy_load(const char *path, lint_policy *p, diags *dg)
{
	arena a;
	doc d;
	int nerr = dg->nerr;
	policy_init(p);
	arena_init(&a);
	const node *root = load_file(&a, path, &d, dg) == 0 ? d.root : NULL;
	if (root && root->kind != N_MAP)
		perr(dg, root, "a .runbook.yaml is a mapping: rules, review-interval, stdlib");
	for (size_t i = 0; root && root->kind == N_MAP && i < root->n; i++) {
		const node *k = root->keys[i], *v = root->vals[i];
		if (!strcmp(k->str, "rules"))
			policy_rules(p, v, dg);
		else if (!strcmp(k->str, "review-interval"))
			policy_interval(p, v, dg);
		else if (!strcmp(k->str, "stdlib"))
			policy_stdlib(p, v, path, dg);
		else {
			const char *dym = suggest(k->str, policy_keys, (size_t)-1, 0);
			perr(dg, k, "unknown key '%s'%s%s%s", k->str, dym ? " (did you mean '" : "",
			     dym ? dym : "", dym ? "'?)" : " (rules, review-interval, stdlib)");
		}
	}
	arena_free(&a);
	return dg->nerr > nerr ? -1 : 0;
}

void lint_policy_release(lint_policy *p)
{
	free(p->sev);
	free(p->stdlib);
	p->sev = NULL;
	p->stdlib = NULL;
}
