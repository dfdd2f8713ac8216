/*
 * fuzz_expr.c - the input is both an expression (expr_parse) and a
 * template (tmpl_parse, "text ${{ expr }} text", also rendered as a URL
 * template): parse, walk the references, evaluate against a small fixed
 * context (every root name the validator knows, with the shapes steps and
 * results have at run time, and secret inputs whose derived values go to
 * the secret sink), and turn the result into text, JSON and cJSON.
 *
 * Invariants checked besides "no crash, no sanitizer report, no hang":
 *   - a parse fails exactly when it says why, at an offset inside the input;
 *   - an evaluation fails exactly when it gives an error message;
 *   - text without "${{" is a literal template that renders to itself;
 *   - v_to_json() of any result (up to 1 MiB of it) is JSON text cJSON parses.
 */
#include "fuzz.h"
#include "lang/expr.h"

#include <cjson/cJSON.h>

static value *ctx;

static value *obj(void)
{
	return v_obj();
}

static void set_str(value *o, const char *k, const char *s)
{
	v_obj_set_take(o, k, v_str(s));
}

static void set_num(value *o, const char *k, double d)
{
	v_obj_set_take(o, k, v_num(d));
}

/* steps.<id>: status, result (what an exec or http step returns), outputs */
static value *step(const char *status, int http)
{
	value *s = obj(), *r = obj(), *out = obj(), *j = obj(), *items = v_list();

	set_str(s, "status", status);
	if (http) {
		set_num(r, "status", 200);
		set_str(r, "body", "{\"status\":\"ok\",\"items\":[1,2,3]}");
		set_str(j, "status", "ok");
		v_list_push_take(items, v_num(1));
		v_list_push_take(items, v_str("two"));
		v_list_push_take(items, v_null());
		v_obj_set_take(j, "items", items);
		v_obj_set_take(r, "json", j);
		v_obj_set_take(r, "headers", obj());
		set_str(v_obj_get(r, "headers"), "content-type", "application/json");
	} else {
		set_num(r, "exit_code", 0);
		set_str(r, "stdout", "line one\nline two\n");
		set_str(r, "stderr", "");
		v_release(j);
		v_release(items);
	}
	v_obj_set_take(r, "duration", v_dur(1500));
	v_obj_set_take(r, "stdout_truncated", v_bool(0));
	set_str(out, "revision", "42");
	set_str(out, "replicas", "3");
	v_obj_set_take(s, "result", r);
	v_obj_set_take(s, "outputs", out);
	return s;
}

static void make_ctx(void)
{
	value *in = obj(), *env = obj(), *steps = obj(), *run = obj(), *tags = v_list();
	value *rows = v_list(), *row = obj(), *result;

	set_str(in, "namespace", "soma-prod");
	set_num(in, "replicas", 3);
	set_num(in, "ratio", 0.25);
	v_obj_set_take(in, "prod", v_bool(1));
	set_str(in, "empty", "");
	v_obj_set_take(in, "none", v_null());
	v_obj_set_take(in, "timeout", v_dur(30000));
	set_str(in, "url", "https://example.test/api?q=1");
	v_obj_set_take(in, "bytes", v_strn("a\0b\xff", 4));
	v_obj_set_take(in, "token", v_secret(v_str("S3cr3t-Zq9")));
	v_obj_set_take(in, "creds", v_secret(v_from_json("{\"user\":\"app\",\"pw\":\"p@ss w\"}", 28)));
	v_list_push_take(tags, v_str("alpha"));
	v_list_push_take(tags, v_str("beta"));
	v_list_push_take(tags, v_num(7));
	v_obj_set_take(in, "tags", tags);
	set_str(env, "HOME", "/root");
	set_str(env, "PATH", "/usr/bin:/bin");
	v_obj_set_take(steps, "check-health", step("ok", 1));
	v_obj_set_take(steps, "restart", step("failed", 0));
	v_obj_set_take(steps, "skipped-one", step("skipped", 0));
	set_str(run, "id", "0123456789abcdef0123456789abcdef");
	set_str(run, "operator", "ci@host");
	v_obj_set_take(run, "dry_run", v_bool(0));
	result = step("ok", 1);
	set_num(row, "id", 1);
	set_str(row, "name", "x");
	v_obj_set_take(row, "data", v_from_json("{\"a\":[true,false]}", 18));
	v_list_push_take(rows, row);
	v_obj_set(v_obj_get(result, "result"), "rows", rows);
	v_release(rows);
	ctx = obj();
	v_obj_set_take(ctx, "inputs", in);
	v_obj_set_take(ctx, "env", env);
	v_obj_set_take(ctx, "steps", steps);
	v_obj_set(ctx, "result", v_obj_get(result, "result"));
	v_release(result);
	v_obj_set_take(ctx, "run", run);
}

/* values derived from secrets: each is a string of at most 16 MiB */
static void sink(void *ud, const char *s, size_t n)
{
	FUZZ_ASSERT(s && n <= ((size_t)16 << 20), "a derived secret of %zu bytes", n);
	++*(size_t *)ud;
}

static size_t derived_count;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	make_ctx();
	expr_set_secret_sink(sink, &derived_count);
	return 0;
}

struct refs {
	size_t len, n;
};

static void on_ref(void *ud, const char *root, const char *second, size_t off)
{
	struct refs *r = ud;

	FUZZ_ASSERT(root && *root, "reference without a root name");
	FUZZ_ASSERT(off <= r->len, "reference at offset %zu of %zu bytes", off, r->len);
	r->n++;
	(void)second;
}

/* Exercise every way a result leaves the evaluator. */
static void use_value(value *v)
{
	char *t = v_to_text(v), *j = v_to_json(v);
	size_t jn = strlen(j);
	cJSON *c;

	/* (past 1 MiB of JSON the check would be the harness's own hang) */
	if (jn <= ((size_t)1 << 20)) {
		c = cJSON_ParseWithLength(j, jn);
		FUZZ_ASSERT(c, "v_to_json gave text cJSON cannot parse: %.200s", j);
		cJSON_Delete(c);
	}
	c = v_to_cjson(v);
	cJSON_Delete(c);
	(void)v_truthy(v);
	(void)v_equal(v, v);
	(void)v_compare(v, v);
	free(t);
	free(j);
	v_release(v);
}

static void check_result(value *v, char *err, const char *what)
{
	FUZZ_ASSERT(!v == !!err, "%s: result %p with error %s", what, (void *)v, err ? err : "(none)");
	if (v)
		use_value(v);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	arena a;
	size_t off = (size_t)-1;
	const char *msg = NULL;
	char *err = NULL;
	struct refs refs = { size, 0 };
	expr *e;
	tmpl *t;

	if (!ctx)
		LLVMFuzzerInitialize(NULL, NULL);
	arena_init(&a);

	e = expr_parse(&a, src, size, &off, &msg);
	if (e) {
		expr_walk_refs(e, on_ref, &refs);
		value *v;

		err = NULL;
		v = expr_eval(e, ctx, &err);
		check_result(v, err, "expr_eval");
	} else {
		FUZZ_ASSERT(msg && *msg, "expr_parse failed without a message");
		FUZZ_ASSERT(off <= size, "expr_parse error at %zu of %zu bytes", off, size);
	}

	off = (size_t)-1;
	msg = NULL;
	t = tmpl_parse(&a, src, size, &off, &msg);
	if (t) {
		tmpl_walk_refs(t, on_ref, &refs);
		(void)tmpl_is_single_expr(t);
		err = NULL;
		if (!has_template(src, size)) {
			value *v = tmpl_render(t, ctx, &err);

			FUZZ_ASSERT(tmpl_is_literal(t), "text without ${{ is not a literal template");
			FUZZ_ASSERT(v && v_type(v) == V_STR && v_str_len(v) == size &&
				    !memcmp(v_as_str(v), src, size),
				    "a literal template does not render to itself");
			check_result(v, err, "tmpl_render");
		} else {
			value *v = tmpl_render(t, ctx, &err);

			check_result(v, err, "tmpl_render");
		}
		/* the same text as a URL template (http url:) */
		t = tmpl_parse(&a, src, size, &off, &msg);
		FUZZ_ASSERT(t, "the second parse of a template failed");
		tmpl_mark_url(t);
		err = NULL;
		{
			value *v = tmpl_render(t, ctx, &err);

			check_result(v, err, "tmpl_render (url)");
		}
	} else {
		FUZZ_ASSERT(msg && *msg, "tmpl_parse failed without a message");
		FUZZ_ASSERT(off <= size, "tmpl_parse error at %zu of %zu bytes", off, size);
	}
	arena_free(&a);
	return 0;
}
