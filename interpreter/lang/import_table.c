/*
 * import_table.c - the step tables of a page `runbook docs` wrote
 * (import_table.h), and the rows both docs and import know (import.h).
 *
 * A cell is docs' code span: its text when the value is a string that
 * reads as no JSON, else JSON; GFM's \| in a table cell is undone.  A
 * block gives its action back: http's "METHOD URL", an SQL or PromQL
 * query, any other string as it is, anything else as JSON; a string
 * ending in a line break is written with one more, so the block's last
 * line break is never the string's.
 */
#include "lang/import_table.h"
#include "lang/import.h"
#include "lang/prim.h"
#include "lang/runbook.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const step_row step_rows[] = {
	{ "Description", "description" },
	{ "If", "if" },
	{ "Needs", "needs" },
	{ "Env", "env" },
	{ "Working directory", "cwd" },
	{ "Stdin", "stdin" },
	{ "With", "with" },
	{ "Fields", "fields" },
	{ "Expect", "expect" },
	{ "Outputs", "outputs" },
	{ "Done when (check)", "check" },
	{ "Timeout", "timeout" },
	{ "Retry", "retry" },
	{ "Until", "until" },
	{ "For each", "for-each" },
	{ "Max concurrency", "max-concurrency" },
	{ "Max errors", "max-errors" },
	{ "Every", "every" },
	{ "During", "during" },
	{ "Tolerance", "tolerance" },
	{ "On failure", "on-failure" },
	{ "Rollback on failure", "rollback-on-failure" },
	{ "Sensitive", "sensitive" },
	{ "Dry run", "dry-run" },
	{ "On in doubt", "on-in-doubt" },
	{ "Rollback", "rollback" },
	{ NULL, NULL }
};

const block_key block_keys[] = {
	{ "http", "http", "url" },
	{ "sql", "sql", "query" },
	{ "prometheus", "promql", "query" },
	{ NULL, NULL, NULL }
};

__attribute__((format(printf, 3, 4)))
static int why(step_tbl *t, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->why, sizeof t->why, fmt, ap);
	va_end(ap);
	t->why_line = line;
	return 0;
}

/* the text of s[0..n) when it is one code span, \| undone (malloc'd); else NULL */
static char *span_text(const char *s, size_t n)
{
	size_t k = 0, run = 0, best = 0;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (k < n && s[k] == '`')
		k++;
	if (!k || n < 2 * k || strspn(s + n - k, "`") < k || (n > k && s[n - k - 1] == '`'))
		return NULL;
	s += k;
	n -= 2 * k;
	for (size_t i = 0; i < n; i++) {
		run = s[i] == '`' ? run + 1 : 0;
		best = run > best ? run : best;
	}
	if (best >= k)
		return NULL;
	if (n >= 2 && s[0] == ' ' && s[n - 1] == ' ' && strspn(s, " ") < n)
		s++, n -= 2;
	char *r = malloc(n + 1), *o = r;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '\\' && i + 1 < n && s[i + 1] == '|'))
			*o++ = s[i];
	*o = 0;
	return r;
}

value *tbl_value(const char *cell, size_t n)
{
	char *t = span_text(cell, n);
	if (!t)
		return NULL;
	value *v = v_from_json(t, strlen(t));
	if (!v)
		v = v_str(t);
	free(t);
	return v;
}

int tbl_head(step_tbl *t, const char *label, const char *cell, size_t n, int line)
{
	memset(t, 0, sizeof *t);
	t->effect = -1;
	t->line = line;
	if (!label || (strcmp(label, "Step") && strcmp(label, "Undo")))
		return 0;
	t->undo = !strcmp(label, "Undo");
	t->id = span_text(cell, n);
	return t->id && *t->id && !strpbrk(t->id, " \t\"'`");
}

/* v has the shape the key takes (the schema's, loosely: validation
 * reads the imported runbook) */
static int shape_ok(const char *key, const value *v)
{
	const step_key *k = step_key_find(key);
	vtype ty = v_type(v);
	int scalar = ty != V_LIST && ty != V_OBJ;

	switch (k ? k->shape : -1) {
	case KS_TEXT: case KS_STRING: case KS_DURATION: case KS_ON_FAILURE: case KS_DRY_RUN:
	case KS_IN_DOUBT:
	case KS_DURING: case KS_LIMIT: case KS_COUNT: case KS_CONDITION:
		return scalar;
	case KS_BOOL:
		return ty == V_BOOL;
	case KS_STEP_IDS: case KS_FOR_EACH:
		return ty == V_STR || ty == V_LIST;
	case KS_EXPECT:
		return ty == V_STR || ty == V_OBJ;
	case KS_RETRY: case KS_UNTIL: case KS_OUTPUTS: case KS_ENV: case KS_MAPPING: case KS_FIELDS:
	case KS_STEPS: case KS_PROBE:
		return ty == V_OBJ;
	default:
		return 0;
	}
}

/* the Effect row: read or write, then ", idempotent" */
static int effect_row(step_tbl *t, const char *s)
{
	size_t n = strcspn(s, ",");
	if (n == 4 && !strncmp(s, "read", 4))
		t->effect = 0;
	else if (n == 5 && !strncmp(s, "write", 5))
		t->effect = 1;
	else
		return 0;
	t->idempotent = s[n] != 0;
	return !s[n] || !strcmp(s + n, ", idempotent");
}

/* a row whose cell is plain text: Effect, Primitive, Title, Rollback none */
static int text_row(step_tbl *t, const char *label, const char *raw, size_t n, int line)
{
	char cell[64];
	while (n && (*raw == ' ' || *raw == '\t'))
		raw++, n--;
	while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t'))
		n--;
	if (n >= sizeof cell || memchr(raw, '\\', n) || memchr(raw, '&', n))
		return why(t, line, "its row '%s' is not one runbook docs writes", label);
	memcpy(cell, raw, n);
	cell[n] = 0;
	if (!strcmp(label, "Effect")) {
		if (effect_row(t, cell))
			return 1;
	} else if (!strcmp(label, "Primitive")) {
		const prim_def *p = prim_find(cell);
		if (p && !t->prim) {
			t->prim = p->name;
			return 1;
		}
	} else if (!strcmp(label, "Rollback") && !strcmp(cell, "none")) {
		return 1;
	}
	return why(t, line, "its row '%s' is not one runbook docs writes", label);
}

/* the value of a key's row into t */
static int key_row(step_tbl *t, const char *key, value *v, const char *label, int line)
{
	int dup = 0;
	for (size_t k = 0; k < t->n; k++)
		dup |= !strcmp(t->keys[k], key);
	if (dup || t->n >= TBL_KEYS || !shape_ok(key, v)) {
		v_release(v);
		return why(t, line, "the value of its row '%s' is given twice or is not one its key takes",
			   label);
	}
	t->keys[t->n] = key;
	t->vals[t->n++] = v;
	return 1;
}

int tbl_row(step_tbl *t, const char *label, const char *cell, size_t n, int line)
{
	size_t i = 0;
	int params;
	value *v;

	if (!label)
		return why(t, line, "a row has no label");
	if (!strcmp(label, "Checked")) {
		/* how often a watch is checked: shown, read back for the guard */
		free(t->checked);
		t->checked = span_text(cell, n);
		return 1;
	}
	while (step_rows[i].label && strcmp(step_rows[i].label, label))
		i++;
	params = !strcmp(label, "Parameters");
	if (!step_rows[i].label && !params)
		return text_row(t, label, cell, n, line);
	if (!(v = tbl_value(cell, n)))
		return !strcmp(label, "Rollback") ? text_row(t, label, cell, n, line)
			: why(t, line, "the cell of its row '%s' is not one code span", label);
	if (!params)
		return key_row(t, step_rows[i].key, v, label, line);
	if (t->params || (v_type(v) != V_OBJ && v_type(v) != V_STR)) {
		v_release(v);
		return why(t, line, "its row '%s' is given twice or is not a mapping", label);
	}
	t->params = v;
	return 1;
}

/* body without the last line break (a block's, or the one docs adds) */
static char *chomp(const char *body)
{
	size_t n = strlen(body);
	if (n && body[n - 1] == '\n')
		n--;
	char *r = malloc(n + 1);
	memcpy(r, body, n);
	r[n] = 0;
	return r;
}

/* http's METHOD URL, a query: the key's value, the Parameters' rest */
static value *keyed_action(const step_tbl *t, const block_key *bk, char *text, const char **err)
{
	value *a = v_obj();
	const char *val = text;

	if (t->params && v_type(t->params) != V_OBJ) {
		*err = "its Parameters row is not a mapping";
		v_release(a);
		return NULL;
	}
	if (!strcmp(bk->key, "url")) {
		/* a method that is not a word (a template) is in the Parameters too */
		const value *pm = t->params ? v_obj_get(t->params, "method") : NULL;
		size_t m = pm && v_type(pm) == V_STR && !strncmp(text, v_as_str(pm), v_str_len(pm))
				   ? v_str_len(pm) : strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
		if (!m || text[m] != ' ') {
			*err = "its block is not METHOD URL";
			v_release(a);
			return NULL;
		}
		text[m] = 0;
		val = text + m + 1;
		if (strcmp(text, "GET") && !(t->params && v_obj_get(t->params, "method")))
			v_obj_set_take(a, "method", v_str(text));
	}
	v_obj_set_take(a, bk->key, v_str(val));
	for (size_t i = 0; t->params && i < v_len(t->params); i++)
		if (strcmp(v_obj_key(t->params, i), bk->key))
			v_obj_set(a, v_obj_key(t->params, i), v_obj_val(t->params, i));
	return a;
}

value *tbl_action(const step_tbl *t, const char *lang, const char *body, const char **err)
{
	const block_key *bk = block_keys;
	char *text;
	value *v;

	while (bk->prim && (strcmp(bk->prim, t->prim) || strcmp(bk->lang, lang)))
		bk++;
	if (!bk->prim && strcmp(lang, t->prim) && !(prim_find(t->prim)->flags & PF_SHELL)) {
		*err = "its block's language is not its primitive";
		return NULL;
	}
	if (!bk->prim && t->params)
		return v_retain(t->params);
	text = chomp(body);
	if (bk->prim && (v = v_from_json(text, strlen(text))) && v_type(v) == V_OBJ) {
		/* the action as JSON: it had no such parameter (a query or
		 * METHOD URL is never a JSON object) */
	} else if (bk->prim) {
		if (v)
			v_release(v);
		v = keyed_action(t, bk, text, err);
	} else if ((v = v_from_json(text, strlen(text))) && v_type(v) == V_STR) {
		v_release(v);
		v = v_str(text);
	} else if (!v) {
		v = v_str(text);
	}
	free(text);
	return v;
}

void tbl_release(step_tbl *t)
{
	free(t->id);
	free(t->title);
	free(t->checked);
	if (t->params)
		v_release(t->params);
	for (size_t i = 0; i < t->n && i < TBL_KEYS; i++)
		v_release(t->vals[i]);
	memset(t, 0, sizeof *t);
}
