/*
 * test_expr.c - what the expression language's cases cannot say through
 * `runbook eval` (those are the .test files of tests/cases/expr): ${{ }} templates
 * and URL templates, the references the validator walks, nesting limits,
 * the secret sink, the size bound, reuse of a parsed expression.
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

static void check_eval(const char *src, const char *want, int line)
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
	got = v ? describe(v) : NULL;
	if (!got || strcmp(got, want)) {
		fprintf(stderr, "%s:%d: %s: expected %s, got %s\n", __FILE__,
			line, src, want, got ? got : err);
		unit_fail++;
	} else {
		unit_pass++;
	}
	free(got);
	if (v)
		v_release(v);
	free(err);
	arena_free(&a);
}
#define EV(src, want) check_eval((src), (want), __LINE__)

/* src evaluates to an error whose message is want */
static void check_eval_err(const char *src, const char *want, int line)
{
	arena a;
	size_t off;
	const char *msg;
	char *err = NULL;

	arena_init(&a);
	expr *e = expr_parse(&a, src, strlen(src), &off, &msg);
	value *v = e ? expr_eval(e, ctx, &err) : NULL;
	if (!e || v || !err || strcmp(err, want)) {
		fprintf(stderr, "%s:%d: %.60s: expected the error '%s', got %s\n", __FILE__, line,
			src, want, !e ? "a parse error" : v ? "a value" : err ? err : "no message");
		unit_fail++;
	} else {
		unit_pass++;
	}
	if (v)
		v_release(v);
	free(err);
	arena_free(&a);
}
#define EV_ERR(src, want) check_eval_err((src), (want), __LINE__)


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
	/* the object filter: the path up to the `.*` is a reference */
	REFS("steps.pods.outputs.items.*.name", "steps.pods@0;");
	REFS("steps[*].status", "steps@0;");
	REFS("inputs.m.*[inputs.k]", "inputs.m@0;inputs.k@11;");
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

	/* the newer functions and operators hand what they derive to the sink */
	nsunk = 0;
	CHECK(secret_result("${{ keys(json(inputs.blob)) }}", "[\"pw\",\"n\"]"));
	CHECK(nsunk == 3 && !strcmp(sunk[0], "hunter2") && !strcmp(sunk[1], "pw") && !strcmp(sunk[2], "n"));
	nsunk = 0;
	CHECK(secret_result("${{ slice(inputs.tok, 5) }}", "\"Pa55\""));
	CHECK(nsunk == 1 && !strcmp(sunk[0], "Pa55"));
	nsunk = 0;
	CHECK(secret_result("${{ formatTime(parseTime(len(inputs.tok)), '%s!') }}", "\"9!\""));
	CHECK(nsunk == 1 && !strcmp(sunk[0], "9!"));
	nsunk = 0;
	CHECK(secret_result("${{ [inputs.plain] + split(inputs.tok, ':') }}", "[\"x\",\"user\",\"Pa55\"]"));
	CHECK(nsunk >= 2 && !strcmp(sunk[0], "user") && !strcmp(sunk[1], "Pa55"));
	CHECK(secret_result("${{ json(inputs.blob).* }}", "[\"hunter2\",[1]]"));
	CHECK(secret_result("${{ sort(split(inputs.tok, ':')) }}", "[\"Pa55\",\"user\"]"));
	CHECK(secret_result("${{ map([json(inputs.blob)], 'pw') }}", "[\"hunter2\"]"));
	CHECK(secret_result("${{ filter([json(inputs.blob)], 'n') }}", NULL));
	CHECK(secret_result("${{ parseTime('2024-05-01') + duration(slice(inputs.tok, 8) + 's') }}",
			    "\"2024-05-01T00:00:05.000Z\""));
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

	/* so does a list concatenated past 2 Mi items (16 MiB of pointers),
	 * a join with a long separator, a formatTime layout, toJSON */
	static const char *const too_large[] = {
		"${{ [l, l, l, l, l, l, l, l] }}", /* fine: it holds what it says */
		"${{ (((l + l) + (l + l)) + ((l + l) + (l + l))) }}",
		"${{ join(split(format('{0}{0}{0}{0}', inputs.s), ''), inputs.s + inputs.s) }}",
		"${{ formatTime('2024-05-01', layout) }}", /* Wednesday: 9 bytes for 2 */
		"${{ toJSON(strings) }}",
		NULL,
	};
	value *l = v_list(), *strs = v_list();
	for (size_t i = 0; i < (1 << 19); i++)
		v_list_push_take(l, v_num((double)i));
	v_obj_set_take(c, "l", l);
	for (size_t i = 0; i < 300; i++)
		v_list_push(strs, v_obj_get(in, "s"));
	v_obj_set_take(c, "strings", strs);
	char *lay = xmalloc((4 << 20) + 1);
	for (size_t i = 0; i < (4 << 20); i += 2)
		memcpy(lay + i, "%A", 2);
	lay[4 << 20] = 0;
	v_obj_set_take(c, "layout", v_str_take(lay, 4 << 20));
	for (size_t i = 0; too_large[i]; i++) {
		t = tmpl_parse(&a, too_large[i], strlen(too_large[i]), &off, &msg);
		CHECK(t != NULL);
		err = NULL;
		v = t ? tmpl_render(t, c, &err) : NULL;
		if (i == 0) {
			CHECK(v && v_len(v) == 8);
		} else if (v || !err || !strstr(err, "value too large")) {
			fprintf(stderr, "  %s: %s\n", too_large[i], v ? "no error" : err ? err : "?");
			unit_fail++;
		} else {
			unit_pass++;
		}
		v_release(v);
		free(err);
	}
	arena_free(&a);
	v_release(c);
}

int main(void)
{
	build_ctx();
	test_secret_taint();
	test_size_bound();
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
