/*
 * import.h - a Markdown runbook into runbook YAML (`runbook import`).
 *
 * The document (md.h) becomes one runbook, or with split one per
 * procedure (each heading of the first level that occurs more than once).
 * Front matter gives the metadata; headings named like a phase (Checks,
 * Diagnosis, Triage; Steps, Procedure, Mitigation, Remediation; Verify,
 * Verification; Cleanup; Rollback) put what is under them there; shell
 * blocks become exec steps (each line a simple command) or one shell
 * step; code spans that are commands in list items and paragraphs become
 * steps; other list items become manual steps; everything else is kept,
 * verbatim, in the description.  Every guess is a `# review:` comment in
 * the YAML and a warning (rule "import-review") in the report.
 */
#ifndef RB_IMPORT_H
#define RB_IMPORT_H

#include "base/diag.h"

#include <stddef.h>

typedef struct imp_out {
	char *id;               /* the runbook's id (a file name for split) */
	char *yaml;             /* malloc'd */
	size_t len;
	int line;               /* the document line it starts at */
} imp_out;

typedef struct imp_result {
	imp_out *v;
	size_t n;
} imp_result;

/*
 * The step tables of a page `runbook docs` writes, which import reads
 * back (one table for both): each row a step key's value as written
 * (a code span: the text of a string, else JSON), under its label.
 */
typedef struct step_row {
	const char *label;      /* the table's first cell */
	const char *key;        /* the step key */
} step_row;
extern const step_row step_rows[];      /* NULL-label terminated */

/* the primitives whose block shows one parameter (the others are the
 * Parameters row): http's url as "METHOD URL", sql and PromQL queries */
typedef struct block_key {
	const char *prim, *lang, *key;
} block_key;
extern const block_key block_keys[];    /* NULL-prim terminated */

/*
 * Import src[0..len), named file in diagnostics.  Returns 0 with r filled
 * (the review notes added to report as warnings), or -1 with errors in
 * dg.  file is also registered as a source for the diagnostics' printer.
 */
int md_import(const char *file, const char *src, size_t len, int split, imp_result *r,
	      diags *report, diags *dg);
void imp_result_release(imp_result *r);

#endif
