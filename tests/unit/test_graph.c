/*
 * test_graph.c - needs resolution, execution order, cycles and the
 * dot/mermaid pictures (graph.c), through runbook_load on small files.
 */
#include "unit.h"
#include "lang/runbook.h"

#include <stdlib.h>
#include <unistd.h>

static char path[64];

/* write text to a temporary .yaml file and load it (lint off) */
static runbook *load(const char *text, diags *dg)
{
	snprintf(path, sizeof path, "/tmp/test_graph_XXXXXX.yaml");
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return NULL;
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		return NULL;
	}
	close(fd);
	diags_init(dg);
	runbook *rb = runbook_load(path, dg, 0);
	unlink(path);
	return rb;
}

/* ids of a list, in its (execution) order: "a b c" */
static const char *ids(const steplist *l)
{
	static char buf[256];
	buf[0] = 0;
	for (size_t i = 0; i < l->n; i++) {
		strcat(buf, i ? " " : "");
		strcat(buf, l->v[i]->id);
	}
	return buf;
}

static const char *needs_of(const runbook *rb, const char *id)
{
	const step *st = runbook_find_step(rb, id);
	return st ? ids(&st->needs) : "(no step)";
}

static int count_rule(const diags *dg, const char *rule)
{
	int n = 0;
	for (size_t i = 0; i < dg->n; i++)
		n += dg->v[i].rule && !strcmp(dg->v[i].rule, rule);
	return n;
}

static const diag *find_rule(const diags *dg, const char *rule)
{
	for (size_t i = 0; i < dg->n; i++)
		if (dg->v[i].rule && !strcmp(dg->v[i].rule, rule))
			return &dg->v[i];
	return NULL;
}

#define HEAD "runbook: g\ntitle: G\nowner: t\n"

static void test_default_needs(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"steps:\n"
		"  - { id: a, log: a }\n"
		"  - { id: b, log: b }\n"
		"  - { id: c, log: c, needs: [] }\n"
		"  - { id: d, log: d, needs: a }\n"
		"  - { id: e, log: e, needs: [a, a, b] }\n", &dg);
	CHECK(rb != NULL);
	if (!rb)
		return;
	CHECK_STR(needs_of(rb, "a"), "");
	CHECK_STR(needs_of(rb, "b"), "a");
	CHECK_STR(needs_of(rb, "c"), "");
	CHECK_STR(needs_of(rb, "d"), "a");
	CHECK_STR(needs_of(rb, "e"), "a b");    /* duplicates dropped */
	CHECK_STR(ids(&rb->lists[PH_STEPS]), "a b c d e");
	for (size_t i = 0; i < rb->lists[PH_STEPS].n; i++)
		CHECK(rb->lists[PH_STEPS].v[i]->order == i);
	runbook_free(rb);
	diags_release(&dg);
}

static void test_reorder(void)
{
	diags dg;
	/* a waits for c: the ready steps go first, in file order */
	runbook *rb = load(HEAD
		"steps:\n"
		"  - { id: a, log: a, needs: [c] }\n"
		"  - { id: b, log: b, needs: [] }\n"
		"  - { id: c, log: c, needs: [] }\n"
		"checks:\n"
		"  - { id: x, log: x, needs: [z] }\n"
		"  - { id: y, log: y }\n"
		"  - { id: z, log: z, needs: [] }\n", &dg);
	CHECK(rb != NULL);
	if (!rb)
		return;
	CHECK_STR(ids(&rb->lists[PH_STEPS]), "b c a");
	CHECK(runbook_find_step(rb, "a")->order == 2);
	CHECK(runbook_find_step(rb, "a")->index == 0);
	CHECK(runbook_find_step(rb, "b")->order == 0);
	/* y's default need is x, which waits for z */
	CHECK_STR(ids(&rb->lists[PH_CHECKS]), "z x y");
	CHECK_STR(needs_of(rb, "y"), "x");
	runbook_free(rb);
	diags_release(&dg);
}

static void test_stable_branches(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"steps:\n"
		"  - { id: a, log: a }\n"
		"  - { id: b, log: b, needs: [] }\n"
		"  - { id: c, log: c, needs: [a] }\n"
		"  - { id: d, log: d, needs: [b] }\n"
		"  - { id: e, log: e, needs: [d, c] }\n", &dg);
	CHECK(rb != NULL);
	if (!rb)
		return;
	CHECK_STR(ids(&rb->lists[PH_STEPS]), "a b c d e");
	runbook_free(rb);
	diags_release(&dg);
}

static void test_cycles(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"steps:\n"
		"  - { id: a, log: a, needs: [b] }\n"
		"  - { id: b, log: b, needs: [a] }\n", &dg);
	CHECK(rb == NULL);
	const diag *d = find_rule(&dg, "cycle");
	CHECK(d != NULL);
	if (d) {
		CHECK_STR(d->msg, "needs cycle: a -> b -> a");
		CHECK(d->line == 5);
		CHECK(d->col == 29);
	}
	CHECK(count_rule(&dg, "cycle") == 1);
	diags_release(&dg);

	/* two cycles, each once; a step downstream of one is not in it */
	rb = load(HEAD
		"steps:\n"
		"  - { id: a, log: a, needs: [c] }\n"
		"  - { id: b, log: b }\n"
		"  - { id: c, log: c }\n"
		"  - { id: d, log: d, needs: [e] }\n"
		"  - { id: e, log: e, needs: [d] }\n"
		"  - { id: f, log: f, needs: [e] }\n"
		"  - { id: s, log: s, needs: s }\n", &dg);
	CHECK(rb == NULL);
	CHECK(count_rule(&dg, "cycle") == 3);
	int seen = 0;
	for (size_t i = 0; i < dg.n; i++) {
		if (!dg.v[i].rule || strcmp(dg.v[i].rule, "cycle"))
			continue;
		const char *m = dg.v[i].msg;
		seen |= !strcmp(m, "needs cycle: a -> c -> b -> a") ? 1 : 0;
		seen |= !strcmp(m, "needs cycle: d -> e -> d") ? 2 : 0;
		seen |= !strcmp(m, "needs cycle: s -> s") ? 4 : 0;
		CHECK(!strstr(m, "f"));
	}
	CHECK(seen == 7);
	diags_release(&dg);
}

static void test_unknown_needs(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"checks:\n"
		"  - { id: probe, log: p }\n"
		"steps:\n"
		"  - { id: first, log: a }\n"
		"  - { id: second, log: b, needs: [frist, probe] }\n", &dg);
	CHECK(rb == NULL);
	CHECK(count_rule(&dg, "unknown-step") == 2);
	const diag *d = find_rule(&dg, "unknown-step");
	CHECK(d && strstr(d->msg, "did you mean 'first'?"));
	CHECK(d && d->line == 8);
	diags_release(&dg);
}

static void test_rollback_lists(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"steps:\n"
		"  - id: one\n"
		"    exec: [echo, one]\n"
		"    rollback: { exec: [echo, undo] }\n"
		"  - id: two\n"
		"    exec: [echo, two]\n"
		"    rollback:\n"
		"      - exec: [echo, a]\n"
		"      - exec: [echo, b]\n"
		"      - { id: last, log: done, needs: [] }\n", &dg);
	CHECK(rb != NULL);
	if (!rb)
		return;
	step *one = runbook_find_step(rb, "one");
	step *two = runbook_find_step(rb, "two");
	CHECK(one && one->rollback.n == 1);
	CHECK(two && two->rollback.n == 3);
	if (one && two && two->rollback.n == 3) {
		CHECK_STR(one->rollback.v[0]->id, "one-rollback");
		CHECK(one->rollback.v[0]->phase == PH_ROLLBACK);
		CHECK(one->rollback.v[0]->owner == one);
		CHECK_STR(ids(&two->rollback), "two-rollback-1 two-rollback-2 last");
		CHECK_STR(needs_of(rb, "two-rollback-2"), "two-rollback-1");
		CHECK_STR(needs_of(rb, "last"), "");
	}
	CHECK(rb->all.n == 6);
	runbook_free(rb);
	diags_release(&dg);
}

static char *print(const runbook *rb, int format)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	graph_print(f, rb, format);
	fclose(f);
	return buf;
}

static void test_print(void)
{
	diags dg;
	runbook *rb = load(HEAD
		"checks:\n"
		"  - { id: probe, http: { url: 'http://127.0.0.1:1/' } }\n"
		"steps:\n"
		"  - { id: look, exec: [ls], effect: read }\n"
		"  - id: restart\n"
		"    exec: [echo, restart]\n"
		"    rollback: { id: undo, exec: [echo, undo] }\n", &dg);
	CHECK(rb != NULL);
	if (!rb)
		return;
	char *dot = print(rb, GRAPH_DOT), *dot2 = print(rb, GRAPH_DOT);
	CHECK_STR(dot, dot2);
	CHECK(strstr(dot, "digraph \"g\" {") != NULL);
	CHECK(strstr(dot, "subgraph cluster_checks {") != NULL);
	CHECK(strstr(dot, "subgraph cluster_rollback {") != NULL);
	CHECK(strstr(dot, "\"probe\" [label=\"probe\\nhttp\"];") != NULL);
	CHECK(strstr(dot, "\"restart\" [label=\"restart\\nexec\", shape=box, style=\"filled,bold\"") != NULL);
	CHECK(strstr(dot, "\"look\" -> \"restart\";") != NULL);
	CHECK(strstr(dot, "\"probe\" -> \"look\" [style=bold, color=gray50];") != NULL);
	CHECK(strstr(dot, "\"restart\" -> \"undo\" [style=dashed, label=\"rollback\"];") != NULL);
	CHECK(dot[strlen(dot) - 2] == '}');

	char *mm = print(rb, GRAPH_MERMAID), *mm2 = print(rb, GRAPH_MERMAID);
	CHECK_STR(mm, mm2);
	CHECK(!strncmp(mm, "flowchart TD\n", 13));
	CHECK(strstr(mm, "\tsubgraph ph_steps [steps]\n") != NULL);
	CHECK(strstr(mm, "\t\tn_restart[\"restart<br/>exec\"]\n") != NULL);
	CHECK(strstr(mm, "\tn_look --> n_restart\n") != NULL);
	CHECK(strstr(mm, "\tn_probe ==> n_look\n") != NULL);
	CHECK(strstr(mm, "\tn_restart -.->|rollback| n_undo\n") != NULL);
	CHECK(strstr(mm, "\tclass n_restart,n_undo write\n") != NULL);
	free(dot);
	free(dot2);
	free(mm);
	free(mm2);
	runbook_free(rb);
	diags_release(&dg);
}

int main(void)
{
	test_default_needs();
	test_reorder();
	test_stable_branches();
	test_cycles();
	test_unknown_needs();
	test_rollback_lists();
	test_print();
	return unit_done("test_graph");
}
