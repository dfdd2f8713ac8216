/*
 * test_match.c - the matchers of `expect` (lang/match.h), over values
 * given as JSON: what each row holds for, what it records, and that every
 * row of the table is one match_op() evaluates.
 */
#include "unit.h"
#include "lang/match.h"

#include <stdlib.h>

static value *J(const char *json)
{
	value *v = v_from_json(json, strlen(json));
	if (!v)
		fprintf(stderr, "bad JSON in test: %s\n", json);
	return v;
}

/* match_op(path "x", op, operand, actual) with JSON texts; NULL actual:
 * absent.  Returns the verdict; *recs_json the records as JSON. */
static int judge(const char *op, const char *exp, const char *act, char **recs_json, char **err)
{
	value *e = J(exp), *a = act ? J(act) : NULL, *recs = v_list();
	*err = NULL;
	int r = match_op("x", op, e, a, recs, err);
	if (recs_json)
		*recs_json = v_to_json(recs);
	v_release(recs);
	v_release(e);
	if (a)
		v_release(a);
	return r;
}

static int holds(const char *op, const char *exp, const char *act)
{
	char *err;
	int r = judge(op, exp, act, NULL, &err);
	if (err) {
		fprintf(stderr, "%s: %s\n", op, err);
		free(err);
	}
	return r;
}

/* op, operand, actual (NULL: absent), verdict */
static const struct { const char *op, *exp, *act; int want; } cases[] = {
	{ "eq", "200", "\"200\"", 1 },
	{ "eq", "1", NULL, 0 },
	{ "ne", "1", NULL, 1 },
	{ "ne", "1", "1", 0 },
	{ "lt", "10", "\"9\"", 1 },
	{ "le", "9", "9", 1 },
	{ "gt", "\"b\"", "\"a\"", 0 },
	{ "ge", "\"a\"", "\"a\"", 1 },
	{ "lt", "1", "[1]", 0 },
	{ "in", "[\"done\", 200]", "\"200\"", 1 },
	{ "in", "[1, 2]", "3", 0 },
	{ "matches", "\"^ok$\"", "\"fine\\nok\\n\"", 1 },
	{ "matches", "\"^ok$\"", "\"not ok \"", 0 },
	{ "contains", "\"ll\"", "\"hello\"", 1 },
	{ "contains", "2", "[1, 2]", 1 },
	{ "contains", "3", "[1, 2]", 0 },
	{ "exists", "true", "0", 1 },
	{ "exists", "false", "null", 1 },
	{ "exists", "true", NULL, 0 },
	{ "len", "2", "[1, 2]", 1 },
	{ "len", "{\"gt\": 1}", "\"abc\"", 1 },
	{ "not", "{\"eq\": 1}", "2", 1 },
	{ "not", "1", "1", 0 },
	{ "any", "{\"gt\": 2}", "[1, 3]", 1 },
	{ "any", "5", "[1, 3]", 0 },
	{ "all", "{\"gt\": 0}", "[1, 3]", 1 },
	{ "all", "1", "[]", 1 },
	{ "all", "{\"gt\": 0}", "\"not a list\"", 0 },
	/* under any, all and not a mapping with a key that is not a matcher
	 * is a field map: each field judged by its literal or matcher */
	{ "any", "{\"replicas\": {\"eq\": 0}}", "[{\"replicas\": 1}, {\"replicas\": 0}]", 1 },
	{ "any", "{\"replicas\": {\"eq\": 0}}", "[{\"replicas\": 1}, {\"replicas\": 2}]", 0 },
	{ "any", "{\"name\": \"web\"}", "[{\"name\": \"db\"}, {\"name\": \"web\", \"n\": 1}]", 1 },
	{ "any", "{\"name\": \"web\", \"n\": {\"gt\": 1}}", "[{\"name\": \"web\", \"n\": 1}]", 0 },
	{ "any", "{\"name\": \"x\"}", "[\"x\", null, 3]", 0 },
	{ "any", "{\"spec.replicas\": {\"gt\": 2}}", "[{\"spec\": {\"replicas\": 3}}]", 1 },
	{ "any", "{\"ports[-1]\": 443}", "[{\"ports\": [80, 443]}]", 1 },
	{ "any", "{\"spec\": {\"replicas\": 3}}", "[{\"spec\": {\"replicas\": 3, \"x\": 1}}]", 1 },
	{ "all", "{\"ready\": true}", "[{\"ready\": true}, {\"ready\": false}]", 0 },
	{ "all", "{\"ready\": true}", "[{\"ready\": true}, {\"ready\": \"true\"}]", 0 },
	{ "all", "{\"ready\": true, \"lag\": {\"lt\": 5}}", "[{\"ready\": true, \"lag\": 0}]", 1 },
	{ "all", "{\"missing\": {\"exists\": false}}", "[{\"a\": 1}, {}]", 1 },
	{ "not", "{\"status\": \"failed\"}", "{\"status\": \"ok\"}", 1 },
	{ "not", "{\"status\": \"failed\"}", "{\"status\": \"failed\", \"x\": 1}", 0 },
	/* a field named like a matcher: a path with a leading dot */
	{ "any", "{\".eq\": 1}", "[{\"eq\": 1}]", 1 },
	{ "any", "{\"eq\": 1}", "[{\"eq\": 1}]", 0 },
	/* a whole object, compared as a literal: eq */
	{ "any", "{\"eq\": {\"a\": 1}}", "[{\"a\": 1, \"b\": 2}]", 0 },
	{ "any", "{\"eq\": {\"a\": 1}}", "[{\"a\": 1}]", 1 },
	{ "any", "{}", "[{}]", 1 },
};

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int r = holds(cases[i].op, cases[i].exp, cases[i].act);
		if (r != cases[i].want)
			fprintf(stderr, "%s %s on %s: %d, want %d\n", cases[i].op, cases[i].exp,
				cases[i].act ? cases[i].act : "(absent)", r, cases[i].want);
		CHECK(r == cases[i].want);
	}

	/* the records: one per matcher judged; len over a matcher object
	 * records its parts at len(path); not/any/all record only themselves */
	char *recs, *err;
	judge("len", "{\"gt\": 1, \"lt\": 9}", "[1, 2]", &recs, &err);
	CHECK_STR(recs, "[{\"path\":\"len(x)\",\"op\":\"gt\",\"expected\":1,\"actual\":2,\"ok\":true},"
		  "{\"path\":\"len(x)\",\"op\":\"lt\",\"expected\":9,\"actual\":2,\"ok\":true}]");
	free(recs);
	judge("any", "{\"eq\": 3}", "[1, 3]", &recs, &err);
	CHECK_STR(recs, "[{\"path\":\"x\",\"op\":\"any\",\"expected\":{\"eq\":3},\"actual\":[1,3],\"ok\":true}]");
	free(recs);

	/* a field map records each field at its path, nested ones too */
	value *fm = J("{\"data\": {\"items[0].name\": \"a\"}, \".eq\": {\"gt\": 1}}");
	value *act = J("{\"data\": {\"items\": [{\"name\": \"a\"}]}, \"eq\": 2}");
	value *rl = v_list();
	CHECK(match_value("json", fm, act, rl, &err) == 1);
	recs = v_to_json(rl);
	CHECK_STR(recs, "[{\"path\":\"json.data.items[0].name\",\"op\":\"eq\",\"expected\":\"a\",\"actual\":\"a\",\"ok\":true},"
		  "{\"path\":\"json.eq\",\"op\":\"gt\",\"expected\":1,\"actual\":2,\"ok\":true}]");
	free(recs);
	v_release(rl);
	/* paths: a leading dot, indexes (negative from the end), absent parts */
	CHECK(match_path_get(act, ".eq") == v_obj_get(act, "eq"));
	CHECK_STR(v_as_str(match_path_get(act, "data.items[-1].name")), "a");
	CHECK(match_path_get(act, "data.items[1]") == NULL);
	CHECK(match_path_get(act, "data.items[x]") == NULL);
	CHECK(match_path_get(act, "eq.more") == NULL);
	v_release(act);
	v_release(fm);

	/* an error inside a field map is an error, not a "no match" */
	CHECK(judge("any", "{\"name\": {\"matches\": \"(\"}}", "[{\"name\": \"a\"}]", NULL, &err) == -1);
	CHECK(err && strstr(err, "bad pattern '('"));
	free(err);

	/* errors are never a "no match", also under not */
	CHECK(judge("not", "{\"matches\": \"(\"}", "\"a\"", NULL, &err) == -1);
	CHECK(err && strstr(err, "x: bad pattern '('"));
	free(err);
	CHECK(judge("nope", "1", "1", NULL, &err) == -1);
	CHECK_STR(err, "unknown matcher 'nope'");
	free(err);

	/* matcher objects: every key a matcher */
	value *m = J("{\"gt\": 1, \"lt\": 3}"), *lit = J("{\"gt\": 1, \"name\": 3}"), *empty = J("{}");
	CHECK(match_is_object(m));
	CHECK(!match_is_object(lit));
	CHECK(!match_is_object(empty));
	v_release(m);
	v_release(lit);
	v_release(empty);

	/* every row: found by name, documented, evaluated without error */
	for (size_t i = 0; i < matcher_count; i++) {
		const matcher *row = &matcher_table[i];
		CHECK(matcher_find(row->name) == row);
		CHECK(row->doc && row->doc[0]);
		CHECK(strcmp(match_operand_name(row->operand), "") != 0);
		const char *operand = row->operand == MO_LIST ? "[1]" : row->operand == MO_PATTERN
			? "\"1\"" : row->operand == MO_BOOL ? "true" : "1";
		CHECK(judge(row->name, operand, "[1]", NULL, &err) >= 0);
		CHECK(err == NULL);
	}
	return unit_done("test_match");
}
