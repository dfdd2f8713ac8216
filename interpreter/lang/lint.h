/*
 * lint.h - the lint rules: advice on a valid runbook, one row per rule.
 *
 * `runbook check` runs every rule after validation (lint_runbook(),
 * runbook.h); `runbook check --list-rules`, `runbook explain` and
 * docs/rules.md print the rows with the other rules' (rules.h).  To
 * add a rule, add a row and its check function in lint.c: nothing else
 * lists them.
 */
#ifndef RB_LINT_H
#define RB_LINT_H

#include <stdio.h>
#include "lang/runbook.h"

typedef struct lint_rule {
	const char *id;         /* "lint-owner": the rule of its diagnostics */
	int severity;           /* SEV_*: what its findings are reported as */
	const char *summary;    /* one line: what the rule asks for */
	const char *rationale;  /* why, a paragraph */
	const char *example;    /* a runbook the rule reports (tests load it) */
	/* NULL: the suppression pass reports it (suppress.c) */
	void (*check)(const runbook *rb, diags *dg, const struct lint_rule *r);
} lint_rule;

extern const lint_rule lint_rules[];
extern const size_t lint_rule_count;

/* the row of id, or NULL */
const lint_rule *lint_rule_find(const char *id);
/* " (did you mean 'x'?)" for the rule closest to id, or "": in buf */
const char *lint_rule_hint(const char *id, char *buf, size_t n);
/* "error" or "warning" */
const char *lint_severity_name(int severity);

/*
 * A repository's lint policy, from its .runbook.yaml (policy.c):
 *
 *     rules: { lint-owner: error, lint-stale: off }
 *     review-interval: 180d
 *     stdlib: tools/stdlib
 */
enum { LINT_SEV_DEFAULT = -1, LINT_OFF = 2 };
typedef struct lint_policy {
	signed char *sev;       /* per lint_rules[] row: LINT_SEV_DEFAULT, SEV_ERROR,
	                         * SEV_WARNING or LINT_OFF */
	long long review_days;  /* review-interval in days; -1 when not given */
	char *stdlib;           /* stdlib, relative to the file's directory resolved; or NULL */
} lint_policy;

/* Read the policy file path into p (every problem, with its position, to
 * dg).  0, or -1 when it has errors (p then holds its valid parts). */
int lint_policy_load(const char *path, lint_policy *p, diags *dg);
void lint_policy_release(lint_policy *p);
/* the policy later lint passes apply (NULL: the rows' own); kept, not copied */
void lint_set_policy(const lint_policy *p);
/* the inline suppressions of rb over dg->v[first..] (suppress.c) */
void lint_suppress(const runbook *rb, diags *dg, size_t first);

#endif
