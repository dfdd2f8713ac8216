/*
 * rules.h - every rule a diagnostic can carry, one row each.
 *
 * The loader's, the validator's and the primitives' rules are rows of
 * check_rules[] (rules.c); the lint rules are the rows of lint_rules[]
 * (lint.h), read in place, never copied.  `check --list-rules`, `runbook
 * explain`, docs/rules.md and the SARIF and JUnit printers all read rows
 * through this header, so a rule without a row is a test failure
 * (tests/cases/check/rules.sh), not a silent gap.
 *
 * A rule's page is RUNBOOK_RULES_URL "#" id: docs/rules.md has an anchor
 * per rule id.  Builds for a published copy of the docs set
 * RUNBOOK_DOCS_URL (make CPPFLAGS=-DRUNBOOK_DOCS_URL='"https://host/docs"').
 */
#ifndef RB_RULES_H
#define RB_RULES_H

#include <stdio.h>
#include "base/diag.h"

#ifndef RUNBOOK_DOCS_URL
#define RUNBOOK_DOCS_URL "https://runbook.invalid/docs"
#endif
#define RUNBOOK_RULES_URL RUNBOOK_DOCS_URL "/rules.md"

extern const diag_rule check_rules[];
extern const size_t check_rule_count;

/* every rule: the check rules, then the lint rules */
size_t rule_count(void);
/* row i of them all (i < rule_count()) */
diag_rule rule_at(size_t i);
/* the row of id into *out: 0, or -1 (diag_tool.rule) */
int rule_lookup(const char *id, diag_rule *out);
/* the closest rule id to a misspelt one, or NULL */
const char *rule_suggest(const char *id);
/* every rule, one a line: id, severity, summary (`check --list-rules`) */
void rules_list(FILE *f);

#endif
