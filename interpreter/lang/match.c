/*
 * match.c - the matcher table and the matchers (see match.h).
 *
 * Each matcher is a function of one match_call: the actual value (NULL
 * when its path is absent), the operand, and the list its judgement is
 * recorded in.  match_op() finds the row, calls it and records
 * {path, op, expected, actual, ok}; the compound matchers (len with a
 * matcher object, not, any, all) judge their parts with match_object(),
 * and the operands of not, any and all with match_value(): a matcher
 * object, a field map or a literal.
 */
#include "lang/match.h"
#include "base/arena.h"
#include "base/re.h"
#include "base/suggest.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/*
 * The backtracking budget of one match attempt (PCRE2 counts it per start
 * position): a pattern that needs more is catastrophic, and fails its step
 * rather than stall the run.  A pattern may ask for less, (*LIMIT_MATCH=n).
 */
#define RE_MATCH_LIMIT 1000000

/*
 * 1 when pattern matches s, 0 when not, -1 with *err when PCRE2 cannot
 * tell (a bad pattern, invalid UTF-8 in s, the match limit): an error is
 * never a "no match", or `not: {matches: ...}` would pass on it.  The
 * pattern is compiled once per process (base/re.h).
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

void match_record(value *recs, const char *path, const char *op, const value *expected,
		  const value *actual, int ok)
{
	value *r = v_obj();
	v_obj_set_take(r, "path", v_str(path));
	v_obj_set_take(r, "op", v_str(op));
	v_obj_set(r, "expected", (value *)expected);
	v_obj_set_take(r, "actual", actual ? v_retain((value *)actual) : v_null());
	v_obj_set_take(r, "ok", v_bool(ok));
	v_list_push_take(recs, r);
}

/* ---- the matchers ---- */

static int m_eq(match_call *c)
{
	return c->act && loose_equal(c->act, c->exp);
}

static int m_ne(match_call *c)
{
	return !c->act || !loose_equal(c->act, c->exp);
}

/* actual against operand: -1/0/1, -2 when they do not compare (a string
 * of digits compares with a number as the number) */
static int order(const match_call *c)
{
	int r = c->act ? v_compare(c->act, c->exp) : -2;
	if (r == -2 && c->act && v_type(c->act) == V_STR && v_type(c->exp) == V_NUM) {
		value *n = v_num(strtod(v_as_str(c->act), NULL));
		r = v_compare(n, c->exp);
		v_release(n);
	}
	return r;
}

static int m_lt(match_call *c)
{
	int r = order(c);
	return r != -2 && r < 0;
}

static int m_le(match_call *c)
{
	int r = order(c);
	return r != -2 && r <= 0;
}

static int m_gt(match_call *c)
{
	int r = order(c);
	return r != -2 && r > 0;
}

static int m_ge(match_call *c)
{
	int r = order(c);
	return r != -2 && r >= 0;
}

static int m_in(match_call *c)
{
	if (c->act && v_type(c->exp) == V_LIST)
		for (size_t i = 0; i < v_len(c->exp); i++)
			if (loose_equal(c->act, v_list_get(c->exp, i)))
				return 1;
	return 0;
}

/* the actual value's text against the pattern; an error names the path */
static int m_matches(match_call *c)
{
	if (!c->act || v_type(c->exp) != V_STR)
		return 0;
	char *txt = v_to_text(c->act);
	int r = pattern_match(v_as_str(c->exp), txt, strlen(txt), c->err);
	free(txt);
	if (r < 0) {
		char *e = *c->err;
		*c->err = xasprintf("%s: %s", c->path, e);
		free(e);
	}
	return r;
}

/* a string holds the operand's text, or a list holds an equal item */
static int m_contains(match_call *c)
{
	const value *hay = c->act;
	if (!hay)
		return 0;
	if (v_type(hay) == V_STR) {
		char *n = v_to_text(c->exp);
		int r = memmem(v_as_str(hay), v_str_len(hay), n, strlen(n)) != NULL;
		free(n);
		return r;
	}
	if (v_type(hay) == V_LIST) {
		for (size_t i = 0; i < v_len(hay); i++)
			if (v_equal(v_list_get(hay, i), c->exp))
				return 1;
	}
	return 0;
}

static int m_exists(match_call *c)
{
	return (c->act && v_type(c->act) != V_NULL) == v_truthy(c->exp);
}

/* the count of the actual value against an int, or a matcher object
 * judging it (whose parts are recorded at "len(path)", not len itself) */
static int m_len(match_call *c)
{
	value *n = c->act ? v_num((double)v_len(c->act)) : v_null();
	int r;
	if (match_is_object(c->exp)) {
		char *p = xasprintf("len(%s)", c->path);
		r = match_object(p, c->exp, n, c->recs, c->err);
		free(p);
		c->recorded = 1;
	} else
		r = c->act && v_equal(n, c->exp);
	v_release(n);
	return r;
}

/* does the operand (a matcher object, a field map or a literal) hold
 * for one value; the parts' records are dropped: the compound matcher
 * records itself */
static int holds(match_call *c, value *act)
{
	value *sub = v_list();
	int r = match_value(c->path, c->exp, act, sub, c->err);
	v_release(sub);
	return r;
}

static int m_not(match_call *c)
{
	int r = holds(c, c->act);
	return r < 0 ? -1 : !r;
}

/* some item (want_all: every item) of the actual list holds */
static int each_item(match_call *c, int want_all)
{
	if (!c->act || v_type(c->act) != V_LIST)
		return 0;
	for (size_t i = 0; i < v_len(c->act); i++) {
		int r = holds(c, v_list_get(c->act, i));
		if (r < 0)
			return -1;
		if (r != want_all)
			return r;
	}
	return want_all;
}

static int m_any(match_call *c)
{
	return each_item(c, 0);
}

static int m_all(match_call *c)
{
	return each_item(c, 1);
}

const matcher matcher_table[] = {
	{ "eq", "equal to the operand; a number equals its text (200 and \"200\")", MO_VALUE, m_eq },
	{ "ne", "not equal to the operand, or absent", MO_VALUE, m_ne },
	{ "lt", "less than the operand: numbers, strings (bytewise) or durations", MO_VALUE, m_lt },
	{ "le", "less than or equal to the operand", MO_VALUE, m_le },
	{ "gt", "greater than the operand", MO_VALUE, m_gt },
	{ "ge", "greater than or equal to the operand", MO_VALUE, m_ge },
	{ "in", "equal to one item of the list", MO_LIST, m_in },
	{ "matches", "text matching the PCRE2 pattern (UTF-8, multi-line)", MO_PATTERN, m_matches },
	{ "contains", "a string holding the operand's text, or a list holding an equal item",
	  MO_VALUE, m_contains },
	{ "exists", "true: there and not null; false: absent or null", MO_BOOL, m_exists },
	{ "len", "of a length (string bytes, list items, object keys) equal to the int, or satisfying the matcher",
	  MO_COUNT, m_len },
	{ "not", "one the operand (a literal, a matcher or a field map) does not hold for",
	  MO_MATCHER, m_not },
	{ "any", "a list with some item equal to the operand, satisfying the matcher, or whose fields satisfy the field map ({replicas: {eq: 0}}; a field named like a matcher: .eq)",
	  MO_MATCHER, m_any },
	{ "all", "a list whose every item equals the operand, satisfies the matcher, or has fields satisfying the field map (an empty list does)",
	  MO_MATCHER, m_all },
};
const size_t matcher_count = sizeof matcher_table / sizeof matcher_table[0];
/* rows_find() and suggest_rows() read the name as the first member */
_Static_assert(offsetof(matcher, name) == 0, "the name comes first");

const matcher *matcher_find(const char *name)
{
	return rows_find(name, matcher_table, matcher_count, sizeof matcher_table[0]);
}

const char *match_operand_name(int operand)
{
	switch (operand) {
	case MO_LIST: return "a list";
	case MO_PATTERN: return "a PCRE2 pattern";
	case MO_BOOL: return "true or false";
	case MO_COUNT: return "an int or a matcher";
	case MO_MATCHER: return "a value or a matcher";
	default: return "a value";
	}
}

int match_is_object(const value *v)
{
	if (v_type(v) != V_OBJ || v_len(v) == 0)
		return 0;
	for (size_t i = 0; i < v_len(v); i++)
		if (!matcher_find(v_obj_key(v, i)))
			return 0;
	return 1;
}

/* Resolve "a.b[2].c" (a leading '.' allowed: ".eq") inside v; a
 * borrowed value or NULL. */
value *match_path_get(value *v, const char *path)
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

int match_fields(const char *path, value *m, value *act, value *recs, char **err)
{
	int all = 1;
	for (size_t i = 0; i < v_len(m); i++) {
		const char *k = v_obj_key(m, i);
		char *p = !*path ? xstrdup(k) : xasprintf("%s%s%s", path, *k == '.' || *k == '[' ? "" : ".", k);
		value *a = act ? match_path_get(act, k) : NULL;
		int r = match_value(p, v_obj_val(m, i), a, recs, err);
		free(p);
		if (r < 0)
			return -1;
		all &= r;
	}
	return all;
}

int match_value(const char *path, value *exp, value *act, value *recs, char **err)
{
	if (match_is_object(exp))
		return match_object(path, exp, act, recs, err);
	if (v_type(exp) == V_OBJ && v_len(exp))
		return match_fields(path, exp, act, recs, err);
	return match_op(path, "eq", exp, act, recs, err);
}

int match_object(const char *path, value *m, value *act, value *recs, char **err)
{
	int all = 1;
	for (size_t i = 0; i < v_len(m); i++) {
		int r = match_op(path, v_obj_key(m, i), v_obj_val(m, i), act, recs, err);
		if (r < 0)
			return -1;
		all &= r;
	}
	return all;
}

int match_op(const char *path, const char *op, value *exp, value *act, value *recs,
	     char **err)
{
	const matcher *m = matcher_find(op);
	if (!m) {
		*err = xasprintf("unknown matcher '%s'", op);
		return -1;
	}
	match_call c = { path, op, exp, act, recs, err, 0 };
	int ok = m->fn(&c);
	if (ok < 0 || c.recorded)
		return ok;
	match_record(recs, path, op, exp, act, ok);
	return ok;
}
