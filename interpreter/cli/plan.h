/*
 * plan.h - the plan of a runbook as data: what `runbook plan --format
 * json` prints, for the commands that compare or judge plans (`runbook
 * diff`).  Values computed from a secret are *** in it, as in every plan.
 */
#ifndef RB_PLAN_H
#define RB_PLAN_H

#include "lang/inputs.h"
#include "lang/runbook.h"

#include <cjson/cJSON.h>

/*
 * The plan of rb with the inputs ia (NULL fields: none given, so each
 * input has its default, and a required one shows as "<name>"): the
 * runbook's id, its inputs (values and declarations), rollback policy,
 * objectives, and its steps in drill order, each with its phase,
 * primitive, effect, rendered action and details; a rollback step follows
 * the step it undoes ("undoes"), a fragment's steps (ids "use-step/id")
 * the `use` step that calls them.  NULL with *err (malloc'd) when an
 * input is bad.
 */
cJSON *plan_build(const runbook *rb, const input_args *ia, char **err);

/* a runbook's text from elsewhere than its file (a git revision's) */
typedef struct plan_text {
	const char *name;       /* what diagnostics call it: "HEAD~1:rb.yaml" */
	const char *buf;
	size_t len;
} plan_text;

/*
 * Load the runbook file (text: that text, its fragments looked up from
 * file) into *rb for the command cmd: 0, or EXIT_USAGE with its
 * diagnostics (file:line:col) and a summary line printed on stderr.
 */
int plan_load(const char *cmd, const char *file, const plan_text *text, int no_color, runbook **rb);

#endif
