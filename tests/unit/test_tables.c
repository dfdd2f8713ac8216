/*
 * test_tables.c - the language's tables are the one source of what they
 * list: every row of the step key table, the matcher table and the lint
 * rule table shows in every consumer without further edits, i.e. in what
 * `runbook check` accepts (or reports), in `runbook schema`, in `runbook
 * check --list-rules`, in `runbook reference` and `runbook explain --format
 * md` (docs/reference.md and docs/rules.md are kept equal to them by
 * tests/cases/docs/reference.sh).  A test
 * walks the rows, so a new row that one consumer misses fails here.
 *
 * The binary is $RUNBOOK (set by tests/run.sh), else build/runbook.
 */
#include "unit.h"
#include "lang/lint.h"
#include "lang/match.h"
#include "lang/prim.h"
#include "lang/rules.h"
#include "lang/runbook.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <unistd.h>

/* the stdout of `runbook ARGS` (malloc'd), NULL when it fails */
static char *run(const char *args)
{
	const char *bin = getenv("RUNBOOK");
	char cmd[512];
	snprintf(cmd, sizeof cmd, "%s %s", bin && *bin ? bin : "build/runbook", args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return NULL;
	size_t n = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += r;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = 0;
	if (pclose(p) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* load text as a runbook file: the diagnostics in dg (lint on) */
static void check_text(const char *text, diags *dg)
{
	char path[] = "/tmp/test_tables_XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	diags_init(dg);
	if (fd < 0)
		return;
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		n = 0;
	close(fd);
	runbook_free(runbook_load(path, dg, 1));
	unlink(path);
}

/* a diagnostic of rule whose message holds word (NULL: any) */
static int has_diag(const diags *dg, const char *rule, const char *word)
{
	for (size_t i = 0; i < dg->n; i++)
		if (dg->v[i].rule && !strcmp(dg->v[i].rule, rule) &&
		    (!word || strstr(dg->v[i].msg, word)))
			return 1;
	return 0;
}

static const char *desc(const cJSON *o)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "description");
	return cJSON_IsString(d) ? d->valuestring : "";
}

static const cJSON *props(const cJSON *schema, const char *def)
{
	const cJSON *defs = cJSON_GetObjectItemCaseSensitive(schema, "$defs");
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(defs, def),
						"properties");
}

/* the first primitive whose row lists the step key */
static const prim_def *prim_with_key(const char *key)
{
	for (size_t i = 0; i < prim_count; i++)
		for (size_t j = 0; prim_table[i].step_keys[j]; j++)
			if (!strcmp(prim_table[i].step_keys[j], key))
				return &prim_table[i];
	return NULL;
}

/* is key accepted on a step of its kind: no unknown-key error about it */
static int step_key_accepted(const char *key, const char *action)
{
	char text[512];
	diags dg;
	snprintf(text, sizeof text,
		 "runbook: t\ntitle: t\nowner: o\nsteps:\n  - id: a\n    %s\n    %s: x\n",
		 action, key);
	check_text(text, &dg);
	char quoted[64];
	snprintf(quoted, sizeof quoted, "'%s'", key);
	int ok = !has_diag(&dg, "unknown-key", quoted);
	diags_release(&dg);
	return ok;
}

/* is key accepted on a continuous probe (a key only probes have) */
static int probe_key_accepted(const char *key)
{
	char text[512];
	diags dg;
	snprintf(text, sizeof text,
		 "runbook: t\ntitle: t\nowner: o\nprobes:\n  - id: a\n    exec: [\"true\"]\n"
		 "    effect: read\n%s    %s: x\n", strcmp(key, "every") ? "    every: 1s\n" : "",
		 key);
	check_text(text, &dg);
	char quoted[64];
	snprintf(quoted, sizeof quoted, "'%s'", key);
	int ok = !has_diag(&dg, "unknown-key", quoted) && !has_diag(&dg, "probe", quoted);
	diags_release(&dg);
	return ok;
}

static void step_keys(const cJSON *schema, const char *ref)
{
	const cJSON *st = props(schema, "step"), *rb = props(schema, "rollback-step"),
		    *probe = props(schema, "probe"), *watch = props(schema, "continuous-probe");
	CHECK(st && rb && probe && watch);
	for (size_t i = 0; i < step_key_count; i++) {
		const step_key *r = &step_key_table[i];
		int only = (r->flags & SKF_PROBE_ONLY) != 0;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(only ? watch : st, r->name);
		CHECK(s != NULL);
		CHECK_STR(desc(s), r->doc);
		CHECK(!only || !cJSON_GetObjectItemCaseSensitive(st, r->name));
		if (!(r->flags & SKF_ROW)) {
			CHECK(!cJSON_GetObjectItemCaseSensitive(rb, r->name) == !(r->flags & SKF_ROLLBACK));
			CHECK(!cJSON_GetObjectItemCaseSensitive(probe, r->name) == !(r->flags & SKF_PROBE));
			CHECK(!cJSON_GetObjectItemCaseSensitive(watch, r->name) == !(r->flags & SKF_WATCH));
		}
		char line[512];
		snprintf(line, sizeof line, "| `%s` | %s |", r->name, r->doc);
		if (!strstr(ref, line))
			fprintf(stderr, "step key '%s' is not in the reference\n", r->name);
		CHECK(strstr(ref, line) != NULL);
		const prim_def *p = (r->flags & SKF_ROW) ? prim_with_key(r->name) : NULL;
		CHECK(!(r->flags & SKF_ROW) || p);
		char action[64];
		snprintf(action, sizeof action, "%s: x", p ? p->name : "log");
		if (strcmp(r->name, "id"))
			CHECK(only ? probe_key_accepted(r->name) : step_key_accepted(r->name, action));
	}
	/* the control: a key of no row is refused */
	CHECK(!step_key_accepted("no-such-key", "log: x"));
	/* every key a primitive row adds has its row */
	for (size_t i = 0; i < prim_count; i++)
		for (size_t j = 0; prim_table[i].step_keys[j]; j++) {
			const step_key *r = step_key_find(prim_table[i].step_keys[j]);
			CHECK(r && (r->flags & SKF_ROW));
		}
}

/* is matcher op (with operand) known to check: no "unknown matcher" */
static int matcher_accepted(const char *op, const char *operand)
{
	char text[512];
	diags dg;
	snprintf(text, sizeof text,
		 "runbook: t\ntitle: t\nowner: o\nsteps:\n  - id: a\n    exec: [\"true\"]\n"
		 "    effect: read\n    expect: { exit: { %s: %s } }\n", op, operand);
	check_text(text, &dg);
	int ok = dg.nerr == 0 && !has_diag(&dg, "unknown-key", NULL);
	diags_release(&dg);
	return ok;
}

static void matchers(const cJSON *schema, const char *ref)
{
	const cJSON *m = props(schema, "matcher");
	CHECK(m && cJSON_GetArraySize(m) == (int)matcher_count);
	for (size_t i = 0; i < matcher_count; i++) {
		const matcher *r = &matcher_table[i];
		CHECK_STR(desc(cJSON_GetObjectItemCaseSensitive(m, r->name)), r->doc);
		char line[512];
		snprintf(line, sizeof line, "| `%s` | %s | %s |", r->name,
			 match_operand_name(r->operand), r->doc);
		CHECK(strstr(ref, line) != NULL);
		const char *operand = r->operand == MO_LIST ? "[0]" : r->operand == MO_PATTERN
			? "'^0$'" : r->operand == MO_BOOL ? "true" : "0";
		CHECK(matcher_accepted(r->name, operand));
	}
	/* the control: a near miss is an unknown matcher (a far one is a literal) */
	CHECK(!matcher_accepted("machtes", "0"));
}

static void lint(const char *ref, const char *rules, const char *list)
{
	for (size_t i = 0; i < lint_rule_count; i++) {
		const lint_rule *r = &lint_rules[i];
		char line[512];
		snprintf(line, sizeof line, "%-20s %-8s %s\n", r->id,
			 lint_severity_name(r->severity), r->summary);
		CHECK(strstr(list, line) != NULL);
		snprintf(line, sizeof line, "### `%s`\n\n%s: %s.\n\n%s\n", r->id,
			 lint_severity_name(r->severity), r->summary, r->rationale);
		CHECK(strstr(rules, line) != NULL);
		CHECK(strstr(rules, r->example) != NULL);
		snprintf(line, sizeof line, "| [`%s`](rules.md#%s) |", r->id, r->id);
		CHECK(strstr(ref, line) != NULL);
		CHECK(lint_rule_find(r->id) == r);
		/* the example is a valid runbook that this rule reports */
		diags dg;
		check_text(r->example, &dg);
		if (dg.nerr || !has_diag(&dg, r->id, NULL))
			fprintf(stderr, "the example of %s: %d errors, %s\n", r->id, dg.nerr,
				has_diag(&dg, r->id, NULL) ? "reported" : "not reported");
		CHECK(dg.nerr == 0);
		CHECK(has_diag(&dg, r->id, NULL));
		/* and no other rule: the example shows this one */
		for (size_t j = 0; j < dg.n; j++) {
			CHECK(dg.v[j].severity == r->severity);
			CHECK(dg.v[j].rule && !strcmp(dg.v[j].rule, r->id));
		}
		diags_release(&dg);
	}
	/* as many lines as rules */
	size_t lines = 0;
	for (const char *p = list; *p; p++)
		lines += *p == '\n';
	CHECK(lines == rule_count());
}

int main(void)
{
	char *schema_text = run("schema"), *ref = run("reference"),
	     *list = run("check --list-rules"), *rules = run("explain --format md");
	CHECK(schema_text && ref && list && rules);
	if (!schema_text || !ref || !list || !rules)
		return unit_done("test_tables");
	cJSON *schema = cJSON_Parse(schema_text);
	CHECK(schema != NULL);
	step_keys(schema, ref);
	matchers(schema, ref);
	lint(ref, rules, list);
	cJSON_Delete(schema);
	free(schema_text);
	free(ref);
	free(list);
	free(rules);
	return unit_done("test_tables");
}
