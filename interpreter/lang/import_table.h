/*
 * import_table.h - a step of a page `runbook docs` wrote, read back by
 * import.c: its table (| Step | `id` | then a row per key, import.h's
 * step_rows) and its action from the fenced block under it.
 *
 * Only docs' exact shape is read: a row import does not know, a cell that
 * is not one code span or a value that is not what its key takes makes
 * the table unread (why, at why_line), and the step is imported from its
 * block alone.
 */
#ifndef RB_IMPORT_TABLE_H
#define RB_IMPORT_TABLE_H

#include "base/value.h"

#include <stddef.h>

#define TBL_KEYS 32

typedef struct step_tbl {
	char *id;               /* the head's `id` (malloc'd) */
	int undo;               /* | Undo |: a rollback step */
	int line;               /* the head's line */
	const char *prim;       /* the Primitive row's primitive */
	int effect;             /* 0 read, 1 write, -1 not given */
	int idempotent;
	char *title;            /* the Title row (when the block cannot hold it) */
	value *params;          /* the Parameters row, or NULL */
	char *checked;          /* the Checked row (a watch's "every 10s"...) */
	const char *keys[TBL_KEYS];     /* step keys (step_rows' strings) */
	value *vals[TBL_KEYS];          /* and their values */
	size_t n;
	char why[200];          /* why it is not read */
	int why_line;
} step_tbl;

/* a cell that is one code span: its JSON, else its text; NULL when it is no code span */
value *tbl_value(const char *cell, size_t n);
/* the head row's cells (text, raw): 1 when it is a step table's head */
int tbl_head(step_tbl *t, const char *label, const char *cell, size_t n, int line);
/* a row: label (its text) and the raw cell; 0 (why set) when not read */
int tbl_row(step_tbl *t, const char *label, const char *cell, size_t n, int line);
/* the step's action from its block (language lang, text body) and the
 * Parameters row; NULL (*why set) when the block cannot give it */
value *tbl_action(const step_tbl *t, const char *lang, const char *body, const char **why);
void tbl_release(step_tbl *t);

#endif
