/*
 * test_expr.c - the expression language and ${{ }} templates, as tables:
 * expression -> "type:json" of the result, or -> evaluation error, or ->
 * parse error offset and message.
 */
#include "lang/expr.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

static value *ctx;

static void build_ctx(void)
{
	static const char *json =
		"{\"inputs\": {\"name\": \"web\", \"count\": 3, \"ratio\": 0.5,"
		"   \"tags\": [\"a\", \"b\", \"c\"], \"empty\": \"\", \"nothing\": null,"
		"   \"env-name\": \"prod\", \"flag\": true, \"obj\": {\"k\": \"v\"},"
		"   \"timeout\": \"5m\", \"a\": 10, \"b\": 4},"
		" \"env\": {\"HOME\": \"/root\", \"TRICK\": \"${{ env.HOME }}\"},"
		" \"steps\": {\"check-health\": {\"status\": \"ok\","
		"      \"outputs\": {\"code\": 200, \"body\": \"{\\\"a\\\": [1, 2]}\"}},"
		"   \"build\": {\"status\": \"failed\", \"outputs\": {}}},"
		" \"run\": {\"id\": \"r-1\", \"mode\": \"dry-run\"}}";
	value *steps, *build, *nb;

	ctx = v_from_json(json, strlen(json));
	if (!ctx) {
		fprintf(stderr, "bad test context\n");
		exit(2);
	}
	/* steps.build.elapsed: a real duration value (copy-on-write by hand) */
	steps = v_obj_get(ctx, "steps");
	build = v_obj_get(steps, "build");
	nb = v_obj();
	v_obj_set(nb, "status", v_obj_get(build, "status"));
	v_obj_set_take(nb, "elapsed", v_dur(90000));
	v_obj_set_take(steps, "build", nb);
}

/* type name and JSON text: "number:3", "duration:\"1m30s\"" */
static char *describe(const value *v)
{
	char *j = v_to_json(v), *r = xasprintf("%s:%s", v_type_name(v), j);

	free(j);
	return r;
}

static void check_eval(const char *src, const char *want, const char *want_err,
		       int line)
{
	arena a;
	size_t off = 0;
	const char *msg = NULL;
	char *err = NULL, *got;
	expr *e;
	value *v;

	arena_init(&a);
	e = expr_parse(&a, src, strlen(src), &off, &msg);
	if (!e) {
		fprintf(stderr, "%s:%d: %s: parse error at %zu: %s\n",
			__FILE__, line, src, off, msg);
		unit_fail++;
		arena_free(&a);
		return;
	}
	v = expr_eval(e, ctx, &err);
	if (want) {
		got = v ? describe(v) : NULL;
		if (!got || strcmp(got, want)) {
			fprintf(stderr, "%s:%d: %s: expected %s, got %s\n", __FILE__,
				line, src, want, got ? got : err);
			unit_fail++;
		} else {
			unit_pass++;
		}
		free(got);
	} else {
		if (v || !err || !strstr(err, want_err)) {
			got = v ? describe(v) : NULL;
			fprintf(stderr, "%s:%d: %s: expected error '%s', got %s\n",
				__FILE__, line, src, want_err, v ? got : err);
			free(got);
			unit_fail++;
		} else {
			unit_pass++;
		}
	}
	if (v)
		v_release(v);
	free(err);
	arena_free(&a);
}
#define EV(src, want) check_eval((src), (want), NULL, __LINE__)
#define EV_ERR(src, msg) check_eval((src), NULL, (msg), __LINE__)

static void check_parse_err(const char *src, size_t want_off, const char *want,
			    int line)
{
	arena a;
	size_t off = 999;
	const char *msg = NULL;
	expr *e;

	arena_init(&a);
	e = expr_parse(&a, src, strlen(src), &off, &msg);
	if (e || off != want_off || !msg || strcmp(msg, want)) {
		fprintf(stderr, "%s:%d: %s: expected error at %zu '%s', got %s at %zu '%s'\n",
			__FILE__, line, src, want_off, want, e ? "success" : "error",
			off, msg ? msg : "");
		unit_fail++;
	} else {
		unit_pass++;
	}
	arena_free(&a);
}
#define PERR(src, off, msg) check_parse_err((src), (off), (msg), __LINE__)

static void test_literals(void)
{
	EV("42", "number:42");
	EV("3.25", "number:3.25");
	EV("1e3", "number:1000");
	EV("0.5e-1", "number:0.05");
	EV("5m", "duration:\"5m\"");
	EV("500ms", "duration:\"500ms\"");
	EV("1h30m", "duration:\"1h30m\"");
	EV("2d", "duration:\"2d\"");
	EV("'single'", "string:\"single\"");
	EV("'it''s'", "string:\"it's\"");
	EV("'no \\n escape'", "string:\"no \\\\n escape\"");
	EV("\"dq \\\"x\\\" \\\\ \\n \\t \\u00e9\"", "string:\"dq \\\"x\\\" \\\\ \\n \\t \xc3\xa9\"");
	EV("\"it's\"", "string:\"it's\"");
	EV("''", "string:\"\"");
	EV("true", "bool:true");
	EV("false", "bool:false");
	EV("null", "null:null");
	EV("[]", "list:[]");
	EV("[1, 'a', [true, null], 5m]", "list:[1,\"a\",[true,null],\"5m\"]");
	EV("  ( 7 )  ", "number:7");
}

static void test_operators(void)
{
	/* arithmetic and precedence */
	EV("1 + 2 * 3", "number:7");
	EV("(1 + 2) * 3", "number:9");
	EV("10 - 4 - 3", "number:3");
	EV("2 * 3 % 4", "number:2");
	EV("7 / 2", "number:3.5");
	EV("7 % 3", "number:1");
	EV("-3 + 5", "number:2");
	EV("--3", "number:3");
	EV("- inputs.count", "number:-3");
	EV("inputs.a - inputs.b", "number:6");
	EV("inputs.a -inputs.b", "number:6");
	EV("inputs.a-1", "null:null");             /* one identifier: a-1 */
	EV("inputs.a - 1", "number:9");
	EV("0.1 + 0.2", "number:0.30000000000000004");
	EV("'ab' + 'cd'", "string:\"abcd\"");
	EV("inputs.name + '-1'", "string:\"web-1\"");
	EV_ERR("1 / 0", "division by zero");
	EV_ERR("1 % 0", "modulo by zero");
	EV_ERR("'a' + 1", "cannot apply '+' to string and number");
	EV_ERR("1 - 'a'", "cannot apply '-' to number and string");
	EV_ERR("null + 1", "cannot apply '+' to null and number");
	EV_ERR("'a' * 2", "cannot apply '*' to string and number");
	EV_ERR("-'a'", "cannot negate a string");

	/* durations */
	EV("1m + 30s", "duration:\"1m30s\"");
	EV("5m - 30s", "duration:\"4m30s\"");
	EV("30s - 1m", "duration:\"-30s\"");
	EV("-5m", "duration:\"-5m\"");
	EV("5m * 2", "duration:\"10m\"");
	EV("2 * 500ms", "duration:\"1s\"");
	EV("1m / 4", "duration:\"15s\"");
	EV("steps.build.elapsed + '30s'", "duration:\"2m\"");
	EV("steps.build.elapsed", "duration:\"1m30s\"");
	EV("steps.build.elapsed > 1m", "bool:true");
	EV("steps.build.elapsed < '2m'", "bool:true");
	EV("'2m' > steps.build.elapsed", "bool:true");
	EV("steps.build.elapsed == '1m30s'", "bool:true");
	EV("steps.build.elapsed == '90s'", "bool:true");
	EV("steps.build.elapsed != 90s", "bool:false");
	EV("inputs.timeout == 5m", "bool:true");
	EV("duration(inputs.timeout) >= 300000ms", "bool:true");
	EV_ERR("5m + 1", "cannot apply '+' to duration and number");
	EV_ERR("5m < 'soon'", "cannot compare duration with string");
	EV_ERR("1m / 0", "division by zero");
	EV_ERR("5m % 2", "cannot apply '%' to duration and number");

	/* comparison */
	EV("1 < 2", "bool:true");
	EV("2 <= 2", "bool:true");
	EV("3 > 4", "bool:false");
	EV("4 >= 5", "bool:false");
	EV("'abc' < 'abd'", "bool:true");
	EV("'b' > 'abc'", "bool:true");
	EV("1 == 1.0", "bool:true");
	EV("1 == '1'", "bool:false");
	EV("1 != '1'", "bool:true");
	EV("null == null", "bool:true");
	EV("null == false", "bool:false");
	EV("[1, [2]] == [1, [2]]", "bool:true");
	EV("inputs.obj == json('{\"k\":\"v\"}')", "bool:true");
	EV("inputs.count == 3", "bool:true");
	EV("1 + 1 == 2", "bool:true");
	EV_ERR("1 < '2'", "cannot compare number with string using '<'");
	EV_ERR("null < 1", "cannot compare null with number");
	EV_ERR("true > false", "cannot compare bool with bool");

	/* logic: short-circuit; && and || give the deciding operand, ! a bool */
	EV("true && false", "bool:false");
	EV("true || false", "bool:true");
	EV("'x' && 1", "number:1");
	EV("'' || 0", "number:0");
	EV("!true", "bool:false");
	EV("!''", "bool:true");
	EV("![]", "bool:true");
	EV("!!inputs.tags", "bool:true");
	EV("!inputs.nothing", "bool:true");
	EV("false && nosuch.thing", "bool:false");       /* right side not run */
	EV("true || 1 / 0", "bool:true");
	EV("false || true && false", "bool:false");      /* && binds tighter */
	EV("true || true && false", "bool:true");
	EV("1 < 2 && 2 < 3", "bool:true");
	EV("!1 == false", "bool:true");                   /* ! binds tightest */
	EV_ERR("true && nosuch.thing", "unknown context 'nosuch'");
	EV_ERR("false || 1 / 0", "division by zero");
}

/* && and || as JavaScript has them: the operand that decided */
static void test_logic_values(void)
{
	EV("inputs.name && inputs.count", "number:3");
	EV("inputs.empty && inputs.count", "string:\"\"");
	EV("inputs.nothing && 1", "null:null");
	EV("0 && 'x'", "number:0");
	EV("[] && 'x'", "list:[]");
	EV("inputs.name || 'other'", "string:\"web\"");
	EV("inputs.empty || 'fallback'", "string:\"fallback\"");
	EV("inputs.nothing || inputs.tags", "list:[\"a\",\"b\",\"c\"]");
	EV("inputs.nothing || inputs.empty", "string:\"\"");
	EV("0s || 5m", "duration:\"5m\"");
	EV("inputs.obj || 1", "object:{\"k\":\"v\"}");
	/* the idiom that motivates it: cond && 'a' || 'b' */
	EV("inputs.flag && 'canary' || 'all'", "string:\"canary\"");
	EV("!inputs.flag && 'canary' || 'all'", "string:\"all\"");
	EV("inputs.nothing.x && 'canary' || 'all'", "string:\"all\"");
	EV("inputs.count > 2 && inputs.name || 'small'", "string:\"web\"");
	/* the right side is not run when the left decides */
	EV("'x' || 1 / 0", "string:\"x\"");
	EV("inputs.empty && nosuch.thing", "string:\"\"");
	EV_ERR("'x' && 1 / 0", "division by zero");
	EV_ERR("null || nosuch.thing", "unknown context 'nosuch'");
	/* ! still gives a bool, and a bool result of a comparison stays one */
	EV("!inputs.name", "bool:false");
	EV("!!inputs.count", "bool:true");
	EV("inputs.count == 3 && inputs.flag", "bool:true");
	/* a template that is exactly one expression keeps the picked type */
	EV("(inputs.nothing || inputs.count) + 1", "number:4");
	EV("(inputs.name && inputs.tags)[1]", "string:\"b\"");
}

/* cond ? a : b: lowest above the pipe, right associative, lazy */
static void test_conditional(void)
{
	EV("true ? 1 : 2", "number:1");
	EV("false ? 1 : 2", "number:2");
	EV("inputs.flag ? 'canary' : 'all'", "string:\"canary\"");
	EV("inputs.empty ? 'x' : 'empty'", "string:\"empty\"");
	EV("inputs.nothing ? 1 : null", "null:null");
	EV("inputs.tags ? inputs.tags[0] : 'none'", "string:\"a\"");
	/* lower than || and comparisons: (a || b) ? c : d */
	EV("false || inputs.count > 2 ? 'big' : 'small'", "string:\"big\"");
	EV("inputs.count == 3 ? inputs.a - inputs.b : 0", "number:6");
	/* right associative: a ? b : (c ? d : e) */
	EV("false ? 1 : false ? 2 : 3", "number:3");
	EV("false ? 1 : true ? 2 : 3", "number:2");
	EV("true ? 1 : true ? 2 : 3", "number:1");
	/* a conditional in the middle branch */
	EV("true ? false ? 1 : 2 : 3", "number:2");
	/* only the chosen branch is evaluated */
	EV("true ? 'ok' : 1 / 0", "string:\"ok\"");
	EV("false ? nosuch.thing : 'ok'", "string:\"ok\"");
	EV_ERR("false ? 1 : 1 / 0", "division by zero");
	EV_ERR("nosuch.x ? 1 : 2", "unknown context 'nosuch'");
	/* a pipe applies to the whole conditional; the middle may hold one */
	EV("inputs.flag ? ' a ' : 'b' | trim", "string:\"a\"");
	EV("inputs.flag ? inputs.name | upper : 'x'", "string:\"WEB\"");
	EV("(inputs.flag ? 1 : 2) + 10", "number:11");
	EV("[inputs.flag ? 'y' : 'n', 1]", "list:[\"y\",1]");
	EV("len(inputs.flag ? inputs.tags : [])", "number:3");

	/* infix matches / contains */
	EV("inputs.name matches '^w.b$'", "bool:true");
	EV("inputs.name matches 'x'", "bool:false");
	EV("inputs.tags contains 'b'", "bool:true");
	EV("inputs.name contains 'eb'", "bool:true");
	EV("inputs.name contains 'x' || true", "bool:true");
	EV("'a' + 'b' contains 'ab'", "bool:true");
}

static void test_access(void)
{
	EV("inputs.name", "string:\"web\"");
	EV("inputs['name']", "string:\"web\"");
	EV("inputs.tags[0]", "string:\"a\"");
	EV("inputs.tags[1 + 1]", "string:\"c\"");
	EV("inputs.tags[3]", "null:null");
	EV("inputs.tags[-1]", "null:null");
	EV("inputs.obj.k", "string:\"v\"");
	EV("inputs.obj['k']", "string:\"v\"");
	EV("inputs.obj[inputs.obj.k]", "null:null");
	EV("inputs.missing", "null:null");
	EV("inputs.missing.deeper.still", "null:null");
	EV("inputs.nothing.x", "null:null");
	EV("inputs.nothing[0]", "null:null");
	EV("steps.nosuch.status", "null:null");
	EV("inputs.env-name", "string:\"prod\"");
	EV("steps.check-health.status", "string:\"ok\"");
	EV("steps['check-health'].outputs.code", "number:200");
	EV("steps.check-health.outputs.code == 200", "bool:true");
	EV("[10, 20][1]", "number:20");
	EV("inputs.true", "null:null");             /* any word is a field name */
	EV("run.mode", "string:\"dry-run\"");
	EV("env", "object:{\"HOME\":\"/root\",\"TRICK\":\"${{ env.HOME }}\"}");
	EV_ERR("nosuch", "unknown context 'nosuch'");
	EV_ERR("result.x", "unknown context 'result'");
	EV_ERR("inputs.name.first", "cannot read field 'first' of a string");
	EV_ERR("inputs.count[0]", "cannot index a number");
	EV_ERR("inputs.tags['x']", "list index must be a number, got string");
	EV_ERR("inputs.tags[0.5]", "list index must be a whole number");
	EV_ERR("inputs.obj[1]", "object key must be a string, got number");
}

static void test_functions(void)
{
	EV("contains('haystack', 'st')", "bool:true");
	EV("contains('haystack', 'x')", "bool:false");
	EV("contains(inputs.tags, 'c')", "bool:true");
	EV("contains([1, 2], 2)", "bool:true");
	EV("contains([1, 2], '2')", "bool:false");
	EV("contains(inputs.obj, 'k')", "bool:true");
	EV("contains(inputs.nothing, 'k')", "bool:false");
	EV_ERR("contains(5, 'k')", "contains: expected string, list or object, got number");
	EV_ERR("contains('abc', 1)", "contains: expected a string to look for in a string, got number");

	EV("startsWith('prefix-x', 'prefix')", "bool:true");
	EV("startsWith('pre', 'prefix')", "bool:false");
	EV("endsWith('file.tar.gz', '.gz')", "bool:true");
	EV("endsWith('file.tar.gz', '.tar')", "bool:false");
	EV("startsWith(null, 'x')", "bool:false");
	EV_ERR("endsWith(1, 'x')", "endsWith: expected string, got number");

	EV("matches('v1.2.3', '^v\\d+\\.\\d+')", "bool:true");
	EV("matches('abc', '^B')", "bool:false");
	EV("matches('abc', '(?i)^A')", "bool:true");
	EV("matches('caf\xc3\xa9', '^caf.$')", "bool:true");       /* UTF-8 aware */
	EV("matches(inputs.nothing, 'x')", "bool:false");
	EV("matches('a(', inputs.name + '|\\(')", "bool:true");
	EV_ERR("matches('x', inputs.name + '(')",
	       "invalid pattern 'web(': missing closing parenthesis at offset 4");
	EV_ERR("matches(1, 'x')", "matches: expected string, got number");

	EV("len('hello')", "number:5");
	EV("len('caf\xc3\xa9')", "number:4");
	EV("len(inputs.tags)", "number:3");
	EV("len(inputs.obj)", "number:1");
	EV("len(null)", "number:0");
	EV("len('')", "number:0");
	EV_ERR("len(5)", "len: expected string, list or object, got number");

	EV("lower('MiXeD')", "string:\"mixed\"");
	EV("upper('MiXeD')", "string:\"MIXED\"");
	EV("trim('  \\t x y \\n')", "string:\"\\\\t x y \\\\n\"");    /* single quotes: no escapes */
	EV("trim(\"  \\t x y \\n\")", "string:\"x y\"");
	EV("trim('   ')", "string:\"\"");
	EV("lower(null)", "string:\"\"");
	EV_ERR("upper(1)", "upper: expected string, got number");

	EV("split('a,b,,c', ',')", "list:[\"a\",\"b\",\"\",\"c\"]");
	EV("split('a--b', '--')", "list:[\"a\",\"b\"]");
	EV("split('abc', ',')", "list:[\"abc\"]");
	EV("split('', ',')", "list:[\"\"]");
	EV("split('h\xc3\xa9', '')", "list:[\"h\",\"\xc3\xa9\"]");
	EV("split(null, ',')", "list:[]");
	EV("join(inputs.tags, '+')", "string:\"a+b+c\"");
	EV("join(inputs.tags)", "string:\"a,b,c\"");
	EV("join([1, true, null, 5m, [2]], ' ')", "string:\"1 true  5m [2]\"");
	EV("join([], ',')", "string:\"\"");
	EV("join(split('a b c', ' '), '-')", "string:\"a-b-c\"");
	EV_ERR("join(3, ',')", "join: expected list, got number");

	EV("json('{\"a\": [1, 2.5, \"x\"]}')", "object:{\"a\":[1,2.5,\"x\"]}");
	EV("json(steps.check-health.outputs.body).a[1]", "number:2");
	EV("json('42')", "number:42");
	EV_ERR("json('{bad')", "json: invalid JSON text");
	EV_ERR("json(1)", "json: expected string, got number");
	EV("toJSON(inputs.tags)", "string:\"[\\\"a\\\",\\\"b\\\",\\\"c\\\"]\"");
	EV("toJSON('a\"b')", "string:\"\\\"a\\\\\\\"b\\\"\"");
	EV("toJSON(1m30s)", "string:\"\\\"1m30s\\\"\"");
	EV("json(toJSON(inputs.obj)) == inputs.obj", "bool:true");

	EV("default(inputs.nothing, 'fb')", "string:\"fb\"");
	EV("default(inputs.empty, 'fb')", "string:\"fb\"");
	EV("default(inputs.missing, 8)", "number:8");
	EV("default(inputs.name, 'fb')", "string:\"web\"");
	EV("default(0, 1)", "number:0");
	EV("default(false, 1)", "bool:false");

	EV("format('{0} of {1}', 3, 'ten')", "string:\"3 of ten\"");
	EV("format('{1}{0}{1}', 'a', 'b')", "string:\"bab\"");
	EV("format('{{0}} {0}', 5m)", "string:\"{0} 5m\"");
	EV("format('no args')", "string:\"no args\"");
	EV("format('{x} {', 1)", "string:\"{x} {\"");
	EV("format('{0}', [1, 2])", "string:\"[1,2]\"");
	EV_ERR("format('{2}', 1, 2)", "format: no argument for '{2}'");

	EV("duration('1h30m')", "duration:\"1h30m\"");
	EV("duration(5m)", "duration:\"5m\"");
	EV_ERR("duration('soon')", "duration: invalid duration 'soon'");
	EV_ERR("duration(5)", "duration: expected string, got number");

	EV("len(now()) == 20", "bool:true");
	EV("now() matches '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$'", "bool:true");
}

static void test_pipes(void)
{
	EV("inputs.name | upper", "string:\"WEB\"");
	EV("inputs.name | upper()", "string:\"WEB\"");
	EV("inputs.tags | join('/')", "string:\"a/b/c\"");
	EV("'a,b' | split(',') | len", "number:2");
	EV("inputs.nothing | default('x') | upper", "string:\"X\"");
	EV("'n={0}' | format(inputs.count + 1)", "string:\"n=4\"");
	EV_ERR("inputs.count | format('n={0}')", "format: expected a string format, got number");
	EV("1 == 1 | toJSON", "string:\"true\"");          /* pipe binds loosest */
	EV("(inputs.tags | len) > 2", "bool:true");
	EV("len(inputs.tags | join(''))", "number:3");
	EV("[inputs.name | upper, 2]", "list:[\"WEB\",2]");
	EV("inputs.tags[inputs.tags | len | toJSON | len]", "string:\"b\"");
}

static void test_parse_errors(void)
{
	PERR("", 0, "unexpected end of expression");
	PERR("1 +", 3, "unexpected end of expression");
	PERR("(1 + 2", 6, "unexpected end of expression");
	PERR("1 + 2)", 5, "unexpected ')'");
	PERR("len(1))", 6, "unexpected ')'");
	PERR("1 2", 2, "unexpected '2'");
	PERR("a == b == c", 7, "unexpected '=='");
	PERR("'abc", 0, "unterminated string");
	PERR("x == \"abc\\\"", 5, "unterminated string");
	PERR("\"a\\q\"", 2, "unknown escape '\\q'");
	PERR("\"\\u12g4\"", 1, "bad \\u escape: 4 hex digits expected");
	PERR("inputs.x = 1", 9, "unexpected '=' (did you mean '=='?)");
	PERR("a & b", 2, "unexpected '&' (did you mean '&&'?)");
	PERR("a @ b", 2, "unexpected character '@'");
	PERR("lenght(inputs.x)", 0, "unknown function 'lenght' (did you mean 'len'?)");
	PERR("startswith('a', 'b')", 0, "unknown function 'startswith' (did you mean 'startsWith'?)");
	PERR("1 + tojson(2)", 4, "unknown function 'tojson' (did you mean 'toJSON'?)");
	PERR("frobnicate(1)", 0, "unknown function 'frobnicate'");
	PERR("inputs.x | uper", 11, "unknown function 'uper' (did you mean 'upper'?)");
	PERR("len(1, 2)", 0, "function 'len' takes 1 argument, got 2");
	PERR("len()", 0, "function 'len' takes 1 argument, got 0");
	PERR("x | contains()", 4, "function 'contains' takes 2 arguments, got 1");
	PERR("'a' | split", 6, "function 'split' takes 2 arguments, got 1");
	PERR("join(1, 2, 3)", 0, "function 'join' takes 1 to 2 arguments, got 3");
	PERR("format()", 0, "function 'format' takes at least 1 argument, got 0");
	PERR("now(1)", 0, "function 'now' takes 0 arguments, got 1");
	PERR("5x", 0, "invalid duration '5x'");
	PERR("1.5s", 0, "invalid number '1.5s'");
	PERR("a.", 2, "field name expected after '.'");
	PERR("a.[0]", 2, "unexpected '['");
	PERR("a |", 3, "function name expected after '|'");
	PERR("a | 1", 4, "unexpected '1'");
	PERR("[1, 2", 5, "unexpected end of expression");
	PERR("[1,]", 3, "unexpected ']'");
	PERR("a ? b", 5, "unexpected end of expression: '?' needs its ':' (cond ? a : b)");
	PERR("a ? b c", 6, "unexpected 'c': '?' needs its ':' (cond ? a : b)");
	PERR("a ? : b", 4, "unexpected ':'");
	PERR("a ? b :", 7, "unexpected end of expression");
	PERR("? a : b", 0, "unexpected '?'");
	PERR("a : b", 2, "unexpected ':'");
	PERR("a ? b : c : d", 10, "unexpected ':'");
	PERR("x[1", 3, "unexpected end of expression");
	PERR("matches(inputs.x, '(')", 18,
	     "invalid pattern '(': missing closing parenthesis at offset 1");
	PERR("inputs.x matches 'a[' ", 17,
	     "invalid pattern 'a[': missing terminating ] for character class at offset 2");
	PERR("inputs.x.'y'", 9, "unexpected ''y''");
}

static void test_depth(void)
{
	char buf[4096];
	size_t i, n;
	arena a;
	size_t off;
	const char *msg;

	/* 60 levels of parentheses and unary operators are fine */
	n = 0;
	for (i = 0; i < 60; i++)
		buf[n++] = '(';
	buf[n++] = '1';
	for (i = 0; i < 60; i++)
		buf[n++] = ')';
	buf[n] = '\0';
	EV(buf, "number:1");

	n = 0;
	for (i = 0; i < 2000; i++)
		buf[n++] = '(';
	buf[n] = '\0';
	arena_init(&a);
	CHECK(expr_parse(&a, buf, n, &off, &msg) == NULL);
	CHECK_STR(msg, "expression nested too deeply");
	CHECK(off == 100);
	n = 0;
	for (i = 0; i < 2000; i++)
		buf[n++] = '!';
	buf[n++] = '1';
	CHECK(expr_parse(&a, buf, n, &off, &msg) == NULL);
	CHECK_STR(msg, "expression nested too deeply");
	n = 0;
	for (i = 0; i < 1000; i++)
		buf[n++] = '[';
	CHECK(expr_parse(&a, buf, n, &off, &msg) == NULL);
	CHECK_STR(msg, "expression nested too deeply");
	/* a long flat chain is bounded too, so evaluation cannot recurse deep */
	n = 0;
	for (i = 0; i < 1000; i++) {
		buf[n++] = '1';
		buf[n++] = '+';
	}
	buf[n++] = '1';
	CHECK(expr_parse(&a, buf, n, &off, &msg) == NULL);
	CHECK_STR(msg, "expression nested too deeply");
	arena_free(&a);

	n = 0;
	for (i = 0; i < 100; i++) {
		buf[n++] = '1';
		buf[n++] = '+';
	}
	buf[n++] = '1';
	buf[n] = '\0';
	EV(buf, "number:101");
}

struct refs {
	char log[1024];
};

static void ref_cb(void *ud, const char *root, const char *second, size_t off)
{
	struct refs *r = ud;
	size_t n = strlen(r->log);

	snprintf(r->log + n, sizeof(r->log) - n, "%s%s%s@%zu;", root,
		 second ? "." : "", second ? second : "", off);
}

static void check_refs(const char *src, const char *want, int line)
{
	arena a;
	size_t off;
	const char *msg;
	struct refs r = { "" };
	expr *e;

	arena_init(&a);
	e = expr_parse(&a, src, strlen(src), &off, &msg);
	if (e)
		expr_walk_refs(e, ref_cb, &r);
	if (!e || strcmp(r.log, want)) {
		fprintf(stderr, "%s:%d: refs of %s: expected %s, got %s\n",
			__FILE__, line, src, want, e ? r.log : msg);
		unit_fail++;
	} else {
		unit_pass++;
	}
	arena_free(&a);
}
#define REFS(src, want) check_refs((src), (want), __LINE__)

static void test_refs(void)
{
	REFS("steps.check-health.status == 'ok'", "steps.check-health@0;");
	REFS("inputs.a + env.HOME", "inputs.a@0;env.HOME@11;");
	REFS("steps['build'].outputs.x", "steps.build@0;");
	REFS("steps[inputs.which].status", "steps@0;inputs.which@6;");
	REFS("env", "env@0;");
	REFS("len(run.id) | format(result.x)", "run.id@4;result.x@21;");
	REFS("[1, 'steps.x', true, null]", "");
	REFS("!(a.b) && x[0]", "a.b@2;x@10;");
	REFS("foo.bar.baz", "foo.bar@0;");
}

/* Parse and render a template; check type:json of the result. */
static void check_tmpl(const char *src, const char *want, int literal,
		       int single, int line)
{
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL, *got = NULL;
	tmpl *t;
	value *v = NULL;
	int ok;

	arena_init(&a);
	t = tmpl_parse(&a, src, strlen(src), &off, &msg);
	if (t)
		v = tmpl_render(t, ctx, &err);
	if (v)
		got = describe(v);
	ok = t && got && !strcmp(got, want) && tmpl_is_literal(t) == literal &&
	     tmpl_is_single_expr(t) == single;
	if (!ok) {
		fprintf(stderr, "%s:%d: template %s: expected %s (literal %d, single %d), got %s\n",
			__FILE__, line, src, want, literal, single,
			got ? got : t ? err : msg);
		unit_fail++;
	} else {
		unit_pass++;
	}
	free(got);
	free(err);
	v_release(v);
	arena_free(&a);
}
#define TMPL(src, want, lit, single) check_tmpl((src), (want), (lit), (single), __LINE__)

static void check_tmpl_err(const char *src, size_t want_off, const char *want,
			   int line)
{
	arena a;
	size_t off = 999;
	const char *msg = NULL;
	tmpl *t;

	arena_init(&a);
	t = tmpl_parse(&a, src, strlen(src), &off, &msg);
	if (t || off != want_off || !msg || strcmp(msg, want)) {
		fprintf(stderr, "%s:%d: template %s: expected error at %zu '%s', got %zu '%s'\n",
			__FILE__, line, src, want_off, want, off, msg ? msg : "(ok)");
		unit_fail++;
	} else {
		unit_pass++;
	}
	arena_free(&a);
}
#define TMPL_ERR(src, off, msg) check_tmpl_err((src), (off), (msg), __LINE__)

static void test_templates(void)
{
	/* typing: a lone ${{ }} keeps the type, anything else is text */
	TMPL("plain text", "string:\"plain text\"", 1, 0);
	TMPL("", "string:\"\"", 1, 0);
	TMPL("${{ inputs.count }}", "number:3", 0, 1);
	TMPL("${{inputs.flag}}", "bool:true", 0, 1);
	TMPL("${{ inputs.tags }}", "list:[\"a\",\"b\",\"c\"]", 0, 1);
	TMPL("${{ inputs.nothing }}", "null:null", 0, 1);
	TMPL("${{ 90s }}", "duration:\"1m30s\"", 0, 1);
	TMPL(" ${{ inputs.count }}", "string:\" 3\"", 0, 0);
	TMPL("n=${{ inputs.count }}", "string:\"n=3\"", 0, 0);
	TMPL("${{ inputs.count }}${{ inputs.count }}", "string:\"33\"", 0, 0);
	TMPL("${{ inputs.name }}-${{ steps.build.elapsed }}-${{ inputs.nothing }}-${{ inputs.tags }}",
	     "string:\"web-1m30s--[\\\"a\\\",\\\"b\\\",\\\"c\\\"]\"", 0, 0);
	TMPL("${{ 2.5 }} and ${{ true }}", "string:\"2.5 and true\"", 0, 0);

	/* the closing }} inside a string literal does not end the expression */
	TMPL("${{ format('{{0}}', 1) }}", "string:\"{0}\"", 0, 1);
	TMPL("x ${{ 'a}}b' }} y", "string:\"x a}}b y\"", 0, 0);
	TMPL("${{ \"q\\\"}}\" }}", "string:\"q\\\"}}\"", 0, 1);
	TMPL("${{ 'it''s }}' }}", "string:\"it's }}\"", 0, 1);
	TMPL("{{ not a template }} $x ${ y }", "string:\"{{ not a template }} $x ${ y }\"", 1, 0);

	/* values are data: their text is never scanned for ${{ again */
	TMPL("${{ env.TRICK }}", "string:\"${{ env.HOME }}\"", 0, 1);
	TMPL("home=${{ env.TRICK }}", "string:\"home=${{ env.HOME }}\"", 0, 0);
	TMPL("${{ '${{ env.HOME }' + '}' }}", "string:\"${{ env.HOME }}\"", 0, 1);

	TMPL_ERR("abc ${{ inputs.x", 4, "unclosed '${{' (expected '}}')");
	TMPL_ERR("ok ${{ 1 }} then ${{ 'x }}", 17, "unclosed '${{' (expected '}}')");
	TMPL_ERR("value: ${{ inputs.x == }}", 23, "unexpected end of expression");
	TMPL_ERR("value: ${{ lenght(x) }}", 11, "unknown function 'lenght' (did you mean 'len'?)");
	TMPL_ERR("${{ }}", 4, "unexpected end of expression");
	TMPL_ERR("${{ 1 }} ${{ 1 ) }}", 15, "unexpected ')'");

	CHECK(has_template("a ${{ b }}", 10));
	CHECK(!has_template("a ${ b }", 8));
	CHECK(!has_template("${{", 2));
	CHECK(has_template("${{", 3));
	CHECK(!has_template("", 0));
}

/* A URL template: render src with each value encoded by its position. */
static void check_url(const char *src, const char *want, int line)
{
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL;
	value *v = NULL;
	tmpl *t;

	arena_init(&a);
	t = tmpl_parse(&a, src, strlen(src), &off, &msg);
	if (t) {
		tmpl_mark_url(t);
		v = tmpl_render(t, ctx, &err);
	}
	if (v && v_type(v) == V_STR && !strcmp(v_as_str(v), want)) {
		unit_pass++;
	} else {
		fprintf(stderr, "%s:%d: url %s: expected %s, got %s\n", __FILE__, line, src, want,
			v && v_type(v) == V_STR ? v_as_str(v) : err ? err : "(not a string)");
		unit_fail++;
	}
	free(err);
	v_release(v);
	arena_free(&a);
}
#define URL(src, want) check_url((src), (want), __LINE__)

static void test_url_templates(void)
{
	/* the context has name "web"; here values with URL delimiters */
	URL("http://h/p?q=${{ 'a&b=c #x' }}", "http://h/p?q=a%26b%3Dc%20%23x");
	URL("http://h/${{ 'a/b' }}/c", "http://h/a%2Fb/c");
	URL("http://h/p#${{ 'a b' }}", "http://h/p#a%20b");
	URL("http://h/p?x=${{ '100%+' }}", "http://h/p?x=100%25%2B");
	URL("http://h/p?x=${{ inputs.count }}&y=${{ inputs.name }}", "http://h/p?x=3&y=web");
	/* the literal text is the author's: left as written */
	URL("http://h/a%2Fb?x=1&y=${{ 'v' }}", "http://h/a%2Fb?x=1&y=v");
	/* scheme, host and port, and a whole base URL, are URL text */
	URL("http://${{ 'h.example:8080' }}/p?q=${{ '&' }}", "http://h.example:8080/p?q=%26");
	URL("${{ 'https' }}://h/${{ '?' }}", "https://h/%3F");
	URL("${{ 'http://h/base' }}/x/${{ 'a/b' }}", "http://h/base/x/a%2Fb");
	URL("${{ 'http://h/p?a=1' }}&b=${{ '&' }}", "http://h/p?a=1&b=%26");
	/* relative to a connection: path, query */
	URL("/users/${{ 'a b' }}", "/users/a%20b");
	URL("users/${{ 'a/b' }}", "users/a%2Fb");
	URL("?q=${{ '=' }}", "?q=%3D");
	/* a lone ${{ }} is the whole URL: as it is, with its type */
	URL("${{ 'http://h/p?a=b&c' }}", "http://h/p?a=b&c");
	/* values are bytes: UTF-8 is percent-encoded byte by byte */
	URL("http://h/${{ '\xc3\xa9' }}", "http://h/%C3%A9");
}

/* the new operators inside templates, and their references */
static void test_conditional_templates(void)
{
	TMPL("mode=${{ run.mode == 'dry-run' ? 'dry' : 'real' }}", "string:\"mode=dry\"", 0, 0);
	TMPL("${{ inputs.flag ? inputs.count : 0 }}", "number:3", 0, 1);
	TMPL("${{ inputs.empty || inputs.tags }}", "list:[\"a\",\"b\",\"c\"]", 0, 1);
	TMPL("to ${{ inputs.flag && 'canary' || 'all' }}", "string:\"to canary\"", 0, 0);
	/* a ':' or '?' inside a string literal is text, not an operator */
	TMPL("${{ inputs.flag ? 'a:b' : '?' }}", "string:\"a:b\"", 0, 1);
	/* references are walked in all three parts */
	REFS("inputs.a ? steps.build.status : env.HOME", "inputs.a@0;steps.build@11;env.HOME@32;");
	REFS("inputs.a && steps.x || run.id", "inputs.a@0;steps.x@12;run.id@23;");
}

static void test_tmpl_errors_and_refs(void)
{
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL;
	struct refs r = { "" };
	tmpl *t;
	value *v;

	arena_init(&a);
	t = tmpl_parse(&a, "id=${{ steps.build.status }} at ${{ nosuch.x }}", 47, &off, &msg);
	CHECK(t != NULL);
	if (t) {
		tmpl_walk_refs(t, ref_cb, &r);
		CHECK_STR(r.log, "steps.build@7;nosuch.x@36;");
		v = tmpl_render(t, ctx, &err);
		CHECK(v == NULL);
		CHECK_STR(err, "unknown context 'nosuch'");
		free(err);
	}
	arena_free(&a);
}

/* format('{0}{0}{0}{0}{0}{0}{0}{0}', ...) `levels` deep around base:
 * len(base) * 8^levels bytes of text from a few hundred bytes of source */
static char *bomb(const char *base, int levels)
{
	char *e = xstrdup(base);

	while (levels-- > 0) {
		char *o = e;

		e = xasprintf("format('{0}{0}{0}{0}{0}{0}{0}{0}', %s)", o);
		free(o);
	}
	return e;
}

/* split() makes at most 1 Mi items: 16 MiB split into characters would be
 * 16 Mi values (1.3 GB); a list too long is refused before it is made */
static void test_split_bound(void)
{
	char *big = bomb("'xxxxxxxx'", 7), *mid = bomb("'xxxx'", 6), *src;

	src = xasprintf("len(split(%s, ''))", mid);     /* 1 MiB: 1 Mi items */
	EV(src, "number:1048576");
	free(src);
	src = xasprintf("len(split(%s + 'x', ''))", mid);
	EV_ERR(src, "split: more than 1048576 items");
	free(src);
	src = xasprintf("len(split(%s + 'x', 'x'))", mid);   /* 1 Mi + 2 items */
	EV_ERR(src, "split: more than 1048576 items");
	free(src);
	src = xasprintf("len(split(%s, 'xx'))", big);        /* 8 Mi + 1 items */
	EV_ERR(src, "split: more than 1048576 items");
	free(src);
	src = xasprintf("len(split(%s, 'xxxxxxxxxxxxxxxx'))", big);     /* 1 Mi + 1 */
	EV_ERR(src, "split: more than 1048576 items");
	free(src);
	src = xasprintf("len(split(%s, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'))", big);
	EV(src, "number:524289");
	free(src);
	free(big);
	free(mid);
}

/* Backtracking patterns: each stops at PCRE2's match limit, and all the
 * matches of one evaluation get a second of CPU time together. */
static void test_regex_budget(void)
{
	const char *one = "matches('xxxxxxxxxxxxxxxxxxxxxx!y', '^(x+x+)+y')";
	sbuf b = { 0 };
	int i;

	EV(one, "bool:false");          /* ~0.1 s: under the match limit */
	/* 200 of them take 10 s and more without the budget, on any machine
	 * this suite runs on */
	for (i = 0; i < 200; i++)
		sbuf_addf(&b, "%s%s", i ? " || " : "", one);
	EV_ERR(b.buf, "matches: the patterns of this expression took more than 1000 ms");
	sbuf_release(&b);
	EV(one, "bool:false");          /* the next evaluation starts afresh */
	/* the expressions of one template share the budget */
	{
		arena a;
		size_t off;
		const char *msg;
		char *err = NULL;
		tmpl *t;
		value *v;

		for (i = 0; i < 200; i++)
			sbuf_addf(&b, "${{ %s }} ", one);
		arena_init(&a);
		t = tmpl_parse(&a, b.buf, b.len, &off, &msg);
		CHECK(t != NULL);
		v = t ? tmpl_render(t, ctx, &err) : NULL;
		CHECK(v == NULL);
		CHECK_STR(err, "matches: the patterns of this expression took more than 1000 ms");
		free(err);
		v_release(v);
		arena_free(&a);
		sbuf_release(&b);
	}
}

/* The same parsed expression evaluated many times leaks nothing. */
static void test_reuse(void)
{
	const char *src = "(json(steps.check-health.outputs.body).a | join(',')) +"
			  " format('{0}', [inputs.obj])";
	arena a;
	size_t off, i;
	const char *msg;
	char *err = NULL;
	expr *e;
	value *v;
	int ok = 1;

	arena_init(&a);
	e = expr_parse(&a, src, strlen(src), &off, &msg);
	CHECK(e != NULL);
	for (i = 0; e && i < 200; i++) {
		v = expr_eval(e, ctx, &err);
		if (!v || strcmp(v_as_str(v), "1,2[{\"k\":\"v\"}]"))
			ok = 0;
		v_release(v);
	}
	CHECK(ok);
	arena_free(&a);
}

/* what the secret sink received */
static char sunk[8][64];
static int nsunk;

static void sink(void *ud, const char *s, size_t n)
{
	(void)ud;
	if (nsunk < 8 && n < 64) {
		memcpy(sunk[nsunk], s, n);
		sunk[nsunk][n] = 0;
	}
	nsunk++;
}

/* evaluate src against a context holding a secret: is the result secret? */
static int secret_result(const char *src, const char *want_json)
{
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL;
	value *c = v_obj(), *in = v_obj();
	int r;

	v_obj_set_take(in, "tok", v_secret(v_str("user:Pa55")));
	v_obj_set_take(in, "plain", v_str("x"));
	v_obj_set_take(in, "blob", v_secret(v_str("{\"pw\": \"hunter2\", \"n\": [1]}")));
	v_obj_set_take(c, "inputs", in);
	arena_init(&a);
	tmpl *t = tmpl_parse(&a, src, strlen(src), &off, &msg);
	value *v = t ? tmpl_render(t, c, &err) : NULL;
	r = v && v_is_secret(v);
	if (v && want_json) {
		char *j = v_to_json(v);
		CHECK_STR(j, want_json);
		free(j);
	}
	if (!v)
		fprintf(stderr, "  %s: %s\n", src, err ? err : msg);
	free(err);
	if (v)
		v_release(v);
	arena_free(&a);
	v_release(c);
	return r;
}

static void test_secret_taint(void)
{
	expr_set_secret_sink(sink, NULL);
	/* computed from a secret: a secret, and handed to the sink */
	nsunk = 0;
	CHECK(secret_result("${{ upper(inputs.tok) }}", "\"USER:PA55\""));
	CHECK(nsunk == 1 && !strcmp(sunk[0], "USER:PA55"));
	nsunk = 0;
	CHECK(secret_result("${{ split(inputs.tok, ':') }}", "[\"user\",\"Pa55\"]"));
	CHECK(nsunk == 2 && !strcmp(sunk[0], "user") && !strcmp(sunk[1], "Pa55"));
	CHECK(secret_result("${{ split(inputs.tok, ':')[1] }}", "\"Pa55\""));
	CHECK(secret_result("${{ json(inputs.blob).pw }}", "\"hunter2\""));
	CHECK(secret_result("${{ format('[{0}]', inputs.tok) }}", "\"[user:Pa55]\""));
	CHECK(secret_result("Bearer ${{ inputs.tok }}", "\"Bearer user:Pa55\""));
	CHECK(secret_result("${{ inputs.tok + '!' }}", "\"user:Pa55!\""));
	CHECK(secret_result("${{ [inputs.plain, inputs.tok] }}", NULL));
	CHECK(secret_result("${{ len(inputs.tok) }}", "9"));
	CHECK(secret_result("${{ inputs.tok }}", NULL));
	/* not computed from a secret, or one bit of it: not a secret */
	CHECK(!secret_result("${{ upper(inputs.plain) }}", "\"X\""));
	CHECK(!secret_result("${{ inputs.tok == 'x' }}", "false"));
	CHECK(!secret_result("${{ [inputs.plain, inputs.tok][0] }}", "\"x\""));
	CHECK(!secret_result("text ${{ inputs.plain }}", "\"text x\""));
	expr_set_secret_sink(NULL, NULL);
}

static void test_size_bound(void)
{
	/* a string doubled until it passes 16 MiB fails, it does not abort */
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL;
	value *c = v_obj(), *in = v_obj();
	char big[1 << 16];

	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	v_obj_set_take(in, "s", v_str(big));
	v_obj_set_take(c, "inputs", in);
	arena_init(&a);
	const char *src = "${{ format('{0}{0}', format('{0}{0}', format('{0}{0}', format('{0}{0}',"
			  " format('{0}{0}', format('{0}{0}', format('{0}{0}', format('{0}{0}',"
			  " format('{0}{0}', format('{0}{0}', inputs.s)))))))))) }}";
	tmpl *t = tmpl_parse(&a, src, strlen(src), &off, &msg);
	CHECK(t != NULL);
	value *v = t ? tmpl_render(t, c, &err) : NULL;
	CHECK(v == NULL && err && strstr(err, "value too large"));
	free(err);
	err = NULL;
	const char *src2 = "${{ inputs.s + inputs.s }}";
	t = tmpl_parse(&a, src2, strlen(src2), &off, &msg);
	v = t ? tmpl_render(t, c, &err) : NULL;
	CHECK(v && v_str_len(v) == 2 * (sizeof big - 1));
	if (v)
		v_release(v);
	arena_free(&a);
	v_release(c);
}

int main(void)
{
	build_ctx();
	test_secret_taint();
	test_size_bound();
	test_literals();
	test_operators();
	test_logic_values();
	test_conditional();
	test_access();
	test_functions();
	test_pipes();
	test_parse_errors();
	test_depth();
	test_refs();
	test_templates();
	test_conditional_templates();
	test_url_templates();
	test_tmpl_errors_and_refs();
	test_reuse();
	test_split_bound();
	test_regex_budget();
	v_release(ctx);
	return unit_done("test_expr");
}
