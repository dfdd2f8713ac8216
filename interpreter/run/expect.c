/*
 * expect.c - judging a step's result against its `expect`.
 *
 *   expect:
 *     exit: 0                          equality with a literal
 *     stdout: { matches: 'ok$' }       a matcher object
 *     rows[0].status: { in: [done, ok] }   a path into the result
 *     json: { data.items[0].state: ok }    a field map over result.json
 *     rows: { any: { name: web } }     some row has the fields of the field map
 *   expect: "${{ result.exit == 0 }}"  a boolean expression
 *
 * This is the driver: it renders `expect`, walks its keys and paths, and
 * hands each matcher to lang/match.h, which judges it and records {path,
 * op, expected, actual, ok} for the transcript.  Defaults when the step
 * names none: exec/shell expect exit 0, http expects a 2xx status.
 */
#include "run/exec.h"
#include "lang/expr.h"
#include "lang/match.h"
#include "lang/prim.h"

#include <stdlib.h>
#include <string.h>

/* a result field or path: expected is a matcher object, else a literal
 * compared for equality (validation refuses a mapping there that looks
 * like a misspelt matcher) */
static int match_key(const char *path, value *exp, value *result, value *recs, char **err)
{
	value *act = match_path_get(result, path);
	if (match_is_object(exp))
		return match_object(path, exp, act, recs, err);
	return match_op(path, "eq", exp, act, recs, err);
}

/* The row's default expectation, recorded like one written out: an
 * equality, or {ge: lo, le: hi}. */
static int match_default(const prim_expect *dx, const value *result, value *recs, char **err)
{
	value *act = match_path_get((value *)result, dx->field);
	value *lo = v_num(dx->lo);
	int r;

	if (dx->lo == dx->hi) {
		r = match_op(dx->field, "eq", lo, act, recs, err);
	} else {
		value *hi = v_num(dx->hi), *m = v_obj();
		v_obj_set(m, "ge", lo);
		v_obj_set(m, "le", hi);
		r = match_object(dx->field, m, act, recs, err);
		v_release(m);
		v_release(hi);
	}
	v_release(lo);
	return r;
}

int expect_eval(const step *st, const value *result, const value *ctx,
		value **records, char **err)
{
	value *recs = v_list();
	*records = recs;
	int all = 1;
	const prim_expect *dx = st->prim && st->prim->default_expect.field ?
		&st->prim->default_expect : NULL;
	const node *ex = st->expect;
	int named = 0;          /* expect names the default expectation's field */

	if (ex && ex->kind == N_SCALAR) {
		value *v = render_node(ex, ctx, err);
		if (!v)
			return -1;
		int ok = v_truthy(v);
		value *src = v_strn(ex->str, ex->len);
		match_record(recs, "", "expr", src, v, ok);
		v_release(src);
		v_release(v);
		return ok;
	}
	if (ex && ex->kind == N_MAP) {
		value *spec = render_node(ex, ctx, err);
		if (!spec)
			return -1;
		for (size_t i = 0; i < v_len(spec); i++) {
			const char *key = v_obj_key(spec, i);
			value *exp = v_obj_val(spec, i);
			int r;
			if (dx && !strcmp(key, dx->field))
				named = 1;
			if (!strcmp(key, "json"))
				r = match_value("json", exp, match_path_get((value *)result, "json"), recs,
						err);
			else
				r = match_key(key, exp, (value *)result, recs, err);
			if (r < 0) {
				v_release(spec);
				return -1;
			}
			all &= r;
		}
		v_release(spec);
	}
	if (dx && !named)
		all &= match_default(dx, result, recs, err);
	return all;
}
