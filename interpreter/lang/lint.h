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
	void (*check)(const runbook *rb, diags *dg, const struct lint_rule *r);
} lint_rule;

extern const lint_rule lint_rules[];
extern const size_t lint_rule_count;

/* the row of id, or NULL */
const lint_rule *lint_rule_find(const char *id);
/* "error" or "warning" */
const char *lint_severity_name(int severity);

#endif
