/*
 * test_prim_table.c - the primitive table says what its readers rely on,
 * and they follow it: for every row, by its fields and never its name,
 * expect's default, validation's until rule, the default timeout, the
 * rollback-on-failure rule and the shell-template lint do what the row
 * says.
 */
#include "unit.h"
#include "lang/prim.h"
#include "lang/runbook.h"
#include "run/expect.h"

#include <stdlib.h>
#include <unistd.h>

static int in_list(const char *s, const char *const *l)
{
	for (; l && *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

/* The fields the executor and validation rely on hold together. */
static void test_rows(void)
{
	for (size_t i = 0; i < prim_count; i++) {
		const prim_def *p = &prim_table[i];
		int own = (p->flags & (PF_APPROVAL | PF_MANUAL | PF_FRAGMENT)) != 0;

		CHECK(prim_find(p->name) == p);
		CHECK(p->summary && *p->summary);
		CHECK(p->step_keys != NULL);
		/* call_prim calls run() for every step but an approval or a
		 * manual action, and
		 * run_step runs a fragment's steps itself */
		if (own == (p->run != NULL))
			fprintf(stderr, "row '%s': run function and flags disagree\n", p->name);
		CHECK(own == (p->run == NULL));
		CHECK(!p->run_batch || p->run);
		if (p->conn_kind)
			CHECK(conn_kind_find(p->conn_kind) != NULL);
		CHECK(!(p->flags & PF_SHARED_CONN) || p->conn_kind);
		if (p->default_expect.field) {
			CHECK(in_list(p->default_expect.field, p->result_fields));
			CHECK(p->default_expect.lo <= p->default_expect.hi);
		}
		if (p->url_param)
			CHECK(prim_param_find(p, p->url_param) != NULL);
		CHECK(!(p->flags & PF_ARGV) || p->forms == P_LIST);
		CHECK(!(p->flags & PF_SHELL) || (p->forms & P_STR));
	}
	/* what the executor was written against */
	CHECK(prim_find("approve")->flags & PF_APPROVAL);
	CHECK(prim_find("approve")->flags & PF_RUNS_ALONE);
	CHECK(prim_find("manual")->flags & PF_MANUAL);
	CHECK(prim_find("manual")->flags & PF_RUNS_ALONE);
	CHECK(prim_find("use")->flags & PF_RUNS_ALONE);
	CHECK(prim_find("sql")->failure_undone != NULL);
	CHECK(prim_find("http")->flags & PF_SHARED_CONN);
	CHECK(prim_find("prometheus")->flags & PF_SHARED_CONN);
	CHECK(!(prim_find("sql")->flags & PF_SHARED_CONN));
	CHECK(!(prim_find("redis")->flags & PF_SHARED_CONN));
	CHECK(!(prim_find("kafka")->flags & PF_SHARED_CONN));
	CHECK(prim_param_find(prim_find("http"), "tls") != NULL);
	CHECK(prim_param_find(prim_find("http"), "no-such") == NULL);
	CHECK(prim_param_find(prim_find("exec"), "url") == NULL);
	char *names = prim_default_expect_names();
	CHECK_STR(names, "exec, shell and http");
	free(names);
}

/* Without `expect`, a step is judged by its row's default expectation:
 * the field at lo (and hi) passes, just outside fails; no default, any
 * result passes. */
static void test_default_expect(void)
{
	for (size_t i = 0; i < prim_count; i++) {
		const prim_def *p = &prim_table[i];
		const prim_expect *dx = &p->default_expect;
		step st = { .prim = p };
		value *recs = NULL, *ctx = v_obj();
		char *err = NULL;

		if (!dx->field) {
			value *r = v_obj();
			CHECK(expect_eval(&st, r, ctx, &recs, &err) == 1);
			CHECK(v_len(recs) == 0);
			v_release(recs);
			v_release(r);
			v_release(ctx);
			continue;
		}
		double at[] = { dx->lo, dx->hi, dx->lo - 1, dx->hi + 1 };
		for (int k = 0; k < 4; k++) {
			value *r = v_obj();
			v_obj_set_take(r, dx->field, v_num(at[k]));
			int got = expect_eval(&st, r, ctx, &recs, &err);
			if (got != (k < 2))
				fprintf(stderr, "row '%s': %s = %g judged %d\n", p->name, dx->field,
					at[k], got);
			CHECK(got == (k < 2));
			CHECK(v_len(recs) >= 1);
			v_release(recs);
			v_release(r);
		}
		v_release(ctx);
	}
}

/*
 * A valid action for each row (the one thing a new row must add here;
 * the test fails until it does), with a connection of every kind and a
 * fragment to call.
 */
static const struct {
	const char *prim, *action;
} samples[] = {
	{ "exec", "[echo, \"${{ 1 }}\"]" },
	{ "shell", "\"echo ${{ 1 }}\"" },
	{ "http", "{ url: \"http://127.0.0.1:1/\" }" },
	{ "sql", "{ connection: pg, query: SELECT 1 }" },
	{ "redis", "{ connection: rd, command: [GET, k] }" },
	{ "kafka", "{ connection: kf, topics: true }" },
	{ "prometheus", "{ connection: pr, query: up }" },
	{ "wait", "1s" },
	{ "approve", "\"go on? ${{ 1 }}\"" },
	{ "manual", "\"do it by hand ${{ 1 }}\"" },
	{ "assert", "\"${{ true }}\"" },
	{ "log", "\"note ${{ 1 }}\"" },
	{ "use", "frag.yaml" },
};
static char dir[64];

static const char *sample(const prim_def *p)
{
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
		if (!strcmp(samples[i].prim, p->name))
			return samples[i].action;
	return NULL;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Load (lint on) a runbook whose step s is row p's sample action plus the
 * given step keys; NULL when it has errors, all of them in dg. */
static runbook *load_step(const prim_def *p, const char *keys, diags *dg)
{
	char path[128], text[2048];
	snprintf(path, sizeof path, "%s/rb.yaml", dir);
	snprintf(text, sizeof text,
		 "runbook: t\ntitle: t\nowner: o\nlast-reviewed: 2099-01-01\n"
		 "defaults: { timeout: 7s }\n"
		 "connections:\n"
		 "  pg: { postgres: \"postgresql://127.0.0.1:1/x\" }\n"
		 "  rd: { redis: \"redis://127.0.0.1:1\" }\n"
		 "  kf: { kafka: \"127.0.0.1:1\" }\n"
		 "  pr: { prometheus: \"http://127.0.0.1:1\" }\n"
		 "  ht: { http: \"http://127.0.0.1:1\" }\n"
		 "steps:\n  - id: s\n    %s: %s\n    effect: read\n%s",
		 p->name, sample(p), keys);
	diags_init(dg);
	if (write_file(path, text) < 0)
		return NULL;
	return runbook_load(path, dg, 1);
}

/* a diagnostic of rule containing text */
static int has_diag(const diags *dg, const char *rule, const char *text)
{
	for (size_t i = 0; i < dg->n; i++)
		if (dg->v[i].rule && !strcmp(dg->v[i].rule, rule) && strstr(dg->v[i].msg, text))
			return 1;
	return 0;
}

/* Validation and lint follow the rows. */
static void test_validation_follows_rows(void)
{
	char frag[128];
	snprintf(dir, sizeof dir, "/tmp/test_prim_table_XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(frag, sizeof frag, "%s/frag.yaml", dir);
	CHECK(write_file(frag, "fragment: f\ntitle: f\nsteps:\n  - id: x\n    log: hi\n") == 0);
	for (size_t i = 0; i < prim_count; i++) {
		const prim_def *p = &prim_table[i];
		diags dg;
		runbook *rb;

		if (!sample(p)) {
			fprintf(stderr, "row '%s' has no sample action in test_prim_table.c\n",
				p->name);
			CHECK(sample(p) != NULL);
			continue;
		}
		/* until without expect: only a row with a default expectation */
		rb = load_step(p, "    until: { every: 1s, within: 5s }\n", &dg);
		CHECK((rb != NULL) == !!p->default_expect.field);
		/* (a fragment call refuses until outright: its steps have their own) */
		if (!(p->flags & PF_FRAGMENT))
			CHECK(has_diag(&dg, "required", "'until' needs an 'expect'") ==
			      !p->default_expect.field);
		runbook_free(rb);
		diags_release(&dg);

		/* the sample is valid; the default timeout bounds the PF_IO rows only */
		rb = load_step(p, "", &dg);
		if (!rb)
			for (size_t k = 0; k < dg.n; k++)
				fprintf(stderr, "row '%s': %s\n", p->name, dg.v[k].msg);
		CHECK(rb != NULL);
		const step *st = rb ? runbook_find_step(rb, "s") : NULL;
		CHECK(st && st->prim == p);
		if (st)
			CHECK(st->timeout_ms == ((p->flags & PF_IO) ? 7000 : 0));
		/* ${{ }} pasted into shell text: linted for PF_SHELL rows only */
		CHECK(has_diag(&dg, "lint-shell-template", "shell text") ==
		      !!(p->flags & PF_SHELL));
		runbook_free(rb);
		diags_release(&dg);

		/* an expect that names the default's field replaces the default */
		if (p->default_expect.field) {
			char keys[128];
			snprintf(keys, sizeof keys, "    expect: { %s: %g }\n",
				 p->default_expect.field, p->default_expect.hi + 1);
			rb = load_step(p, keys, &dg);
			CHECK(rb != NULL);
			if (rb) {
				value *r = v_obj(), *ctx = v_obj(), *recs = NULL;
				char *err = NULL;
				v_obj_set_take(r, p->default_expect.field,
					       v_num(p->default_expect.hi + 1));
				CHECK(expect_eval(runbook_find_step(rb, "s"), r, ctx, &recs,
						  &err) == 1);
				CHECK(v_len(recs) == 1);
				v_release(recs);
				v_release(r);
				v_release(ctx);
			}
			runbook_free(rb);
			diags_release(&dg);
		}

		/* a service that undoes its own failures refuses rollback-on-failure */
		rb = load_step(p, "    rollback-on-failure: true\n    rollback: { log: undo }\n",
			       &dg);
		CHECK((rb != NULL) == !p->failure_undone);
		CHECK(has_diag(&dg, "rollback", "does not apply to") ==
		      (p->failure_undone != NULL));
		if (p->failure_undone)
			CHECK(has_diag(&dg, "rollback", p->failure_undone));
		runbook_free(rb);
		diags_release(&dg);
	}
	char path[128];
	snprintf(path, sizeof path, "%s/rb.yaml", dir);
	unlink(path);
	unlink(frag);
	rmdir(dir);
}

int main(void)
{
	test_rows();
	test_default_expect();
	test_validation_follows_rows();
	return unit_done("test_prim_table");
}
