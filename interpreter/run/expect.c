/*
 * expect.c - the `expect` matchers.
 *
 *   expect:
 *     exit: 0                          equality with a literal
 *     stdout: { matches: 'ok$' }       a matcher object
 *     rows[0].status: { in: [done, ok] }   a path into the result
 *     json: { data.items[0].state: ok }    subset match under result.json
 *   expect: "${{ result.exit == 0 }}"  a boolean expression
 *
 * Every matcher is recorded {path, op, expected, actual, ok} for the
 * transcript.  Defaults when the step names none: exec/shell expect exit 0,
 * http expects a 2xx status.
 */
#include "run/exec.h"
#include "lang/expr.h"
#include "lang/prim.h"
#include "base/re.h"

#include <stdlib.h>
#include <string.h>

/* Resolve "a.b[2].c" inside v; returns a borrowed value or NULL. */
static value *path_get(value *v, const char *path)
{
	const char *p = path;
	while (v && *p) {
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p == '[') {
			char *end;
			long idx = strtol(p + 1, &end, 10);
			if (*end != ']' || v_type(v) != V_LIST)
				return NULL;
			if (idx < 0)
				idx += (long)v_len(v);
			v = idx >= 0 ? v_list_get(v, (size_t)idx) : NULL;
			p = end + 1;
			continue;
		}
		size_t n = strcspn(p, ".[");
		char key[256];
		if (n >= sizeof key || v_type(v) != V_OBJ)
			return NULL;
		memcpy(key, p, n);
		key[n] = 0;
		v = v_obj_get(v, key);
		p += n;
	}
	return v;
}

/*
 * The backtracking budget of one match attempt (PCRE2 counts it per start
 * position): a pattern that needs more is catastrophic, and fails its step
 * rather than stall the run.  A pattern may ask for less, (*LIMIT_MATCH=n).
 */
#define RE_MATCH_LIMIT 1000000

/*
 * 1 when pattern matches s, 0 when not, -1 with *err when PCRE2 cannot
 * tell (a bad pattern, invalid UTF-8 in s, the match limit): an error is
 * never a "no match", or `not: {matches: ...}` would pass on it.
 */
static int pattern_match(const char *pattern, const char *s, size_t len, char **err)
{
	re_error e;
	int rc = re_match(pattern, strlen(pattern), RE_MULTILINE, s, len, RE_MATCH_LIMIT, &e);

	if (rc < 0 && e.bad_pattern)
		*err = xasprintf("bad pattern '%s': %s at offset %zu", pattern, e.msg, e.offset);
	else if (rc < 0 && e.bad_subject)
		*err = xasprintf("PCRE2 error matching '%s': %s at offset %zu of the subject",
				 pattern, e.msg, e.offset);
	else if (rc < 0)
		*err = xasprintf("PCRE2 error matching '%s': %s", pattern, e.msg);
	return rc;
}

static int contains(const value *hay, const value *needle)
{
	if (v_type(hay) == V_STR) {
		char *n = v_to_text(needle);
		int r = memmem(v_as_str(hay), v_str_len(hay), n, strlen(n)) != NULL;
		free(n);
		return r;
	}
	if (v_type(hay) == V_LIST) {
		for (size_t i = 0; i < v_len(hay); i++)
			if (v_equal(v_list_get(hay, i), needle))
				return 1;
	}
	return 0;
}

/* numbers given as text ("200") compare with numbers: YAML users quote */
static int loose_equal(const value *a, const value *b)
{
	if (v_equal(a, b))
		return 1;
	if ((v_type(a) == V_NUM && v_type(b) == V_STR) || (v_type(a) == V_STR && v_type(b) == V_NUM)) {
		char *x = v_to_text(a), *y = v_to_text(b);
		int r = !strcmp(x, y);
		free(x);
		free(y);
		return r;
	}
	return 0;
}

static void record(value *recs, const char *path, const char *op,
		   const value *expected, const value *actual, int ok)
{
	value *r = v_obj();
	v_obj_set_take(r, "path", v_str(path));
	v_obj_set_take(r, "op", v_str(op));
	v_obj_set(r, "expected", (value *)expected);
	v_obj_set_take(r, "actual", actual ? v_retain((value *)actual) : v_null());
	v_obj_set_take(r, "ok", v_bool(ok));
	v_list_push_take(recs, r);
}

static int match_one(const char *path, const char *op, value *exp,
		     value *act, value *recs, char **err);

/* A matcher object {op: expected, ...}: all must hold. */
static int match_obj(const char *path, value *m, value *act, value *recs, char **err)
{
	int all = 1;
	for (size_t i = 0; i < v_len(m); i++) {
		int r = match_one(path, v_obj_key(m, i), v_obj_val(m, i), act, recs, err);
		if (r < 0)
			return -1;
		all &= r;
	}
	return all;
}

static int is_matcher_obj(const value *v)
{
	static const char *const ops[] = { "eq", "ne", "lt", "le", "gt", "ge", "in",
		"matches", "contains", "exists", "len", "not", "any", "all", NULL };
	if (v_type(v) != V_OBJ || v_len(v) == 0)
		return 0;
	for (size_t i = 0; i < v_len(v); i++) {
		int known = 0;
		for (const char *const *o = ops; *o; o++)
			if (!strcmp(*o, v_obj_key(v, i)))
				known = 1;
		if (!known)
			return 0;
	}
	return 1;
}

static int match_one(const char *path, const char *op, value *exp,
		     value *act, value *recs, char **err)
{
	int ok;
	if (!strcmp(op, "eq"))
		ok = act && loose_equal(act, exp);
	else if (!strcmp(op, "ne"))
		ok = !act || !loose_equal(act, exp);
	else if (!strcmp(op, "lt") || !strcmp(op, "le") || !strcmp(op, "gt") || !strcmp(op, "ge")) {
		int c = act ? v_compare(act, exp) : -2;
		if (c == -2 && act && v_type(act) == V_STR && v_type(exp) == V_NUM) {
			value *n = v_num(strtod(v_as_str(act), NULL));
			c = v_compare(n, exp);
			v_release(n);
		}
		ok = c != -2 && ((op[0] == 'l' && (op[1] == 't' ? c < 0 : c <= 0)) ||
				 (op[0] == 'g' && (op[1] == 't' ? c > 0 : c >= 0)));
	} else if (!strcmp(op, "in")) {
		ok = 0;
		if (act && v_type(exp) == V_LIST)
			for (size_t i = 0; i < v_len(exp); i++)
				if (loose_equal(act, v_list_get(exp, i)))
					ok = 1;
	} else if (!strcmp(op, "matches")) {
		ok = 0;
		if (act && v_type(exp) == V_STR) {
			char *txt = v_to_text(act);
			int r = pattern_match(v_as_str(exp), txt, strlen(txt), err);
			free(txt);
			if (r < 0) {
				char *e = *err;
				*err = xasprintf("%s: %s", path, e);
				free(e);
				return -1;
			}
			ok = r;
		}
	} else if (!strcmp(op, "contains"))
		ok = act && contains(act, exp);
	else if (!strcmp(op, "exists"))
		ok = (act && v_type(act) != V_NULL) == v_truthy(exp);
	else if (!strcmp(op, "len")) {
		value *n = act ? v_num((double)v_len(act)) : v_null();
		if (is_matcher_obj(exp)) {
			char *p = xasprintf("len(%s)", path);
			int r = match_obj(p, exp, n, recs, err);
			free(p);
			v_release(n);
			return r;
		}
		ok = act && v_equal(n, exp);
		v_release(n);
	} else if (!strcmp(op, "not")) {
		value *sub = v_list();
		int r = is_matcher_obj(exp) ? match_obj(path, exp, act, sub, err)
					    : (act && loose_equal(act, exp));
		v_release(sub);
		if (r < 0)
			return -1;
		ok = !r;
	} else if (!strcmp(op, "any") || !strcmp(op, "all")) {
		int want_all = op[1] == 'l';
		ok = want_all;
		if (!act || v_type(act) != V_LIST)
			ok = 0;
		else
			for (size_t i = 0; i < v_len(act); i++) {
				value *sub = v_list();
				value *item = v_list_get(act, i);
				int r = is_matcher_obj(exp) ? match_obj(path, exp, item, sub, err)
							    : loose_equal(item, exp);
				v_release(sub);
				if (r < 0)
					return -1;
				if (want_all && !r) {
					ok = 0;
					break;
				}
				if (!want_all && r) {
					ok = 1;
					break;
				}
			}
	} else {
		*err = xasprintf("unknown matcher '%s'", op);
		return -1;
	}
	record(recs, path, op, exp, act, ok);
	return ok;
}

/* `json: {a.b: 1}` and plain keys: expected may be a literal or matchers */
static int match_key(const char *path, value *exp, value *result, value *recs, char **err)
{
	value *act = path_get(result, path);
	if (is_matcher_obj(exp))
		return match_obj(path, exp, act, recs, err);
	return match_one(path, "eq", exp, act, recs, err);
}

/* The row's default expectation, recorded like one written out: an
 * equality, or {ge: lo, le: hi}. */
static int match_default(const prim_expect *dx, const value *result, value *recs, char **err)
{
	value *act = path_get((value *)result, dx->field);
	value *lo = v_num(dx->lo);
	int r;

	if (dx->lo == dx->hi) {
		r = match_one(dx->field, "eq", lo, act, recs, err);
	} else {
		value *hi = v_num(dx->hi), *m = v_obj();
		v_obj_set(m, "ge", lo);
		v_obj_set(m, "le", hi);
		r = match_obj(dx->field, m, act, recs, err);
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
		record(recs, "", "expr", src, v, ok);
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
			if (!strcmp(key, "json") && v_type(exp) == V_OBJ && !is_matcher_obj(exp)) {
				r = 1;
				for (size_t j = 0; j < v_len(exp) && r >= 0; j++) {
					char *p = xasprintf("json.%s", v_obj_key(exp, j));
					int rr = match_key(p, v_obj_val(exp, j), (value *)result, recs, err);
					free(p);
					if (rr < 0)
						r = -1;
					else
						r &= rr;
				}
			} else
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
