/*
 * test_replay.c - the replay of a run that did not end (record/replay.h),
 * as resume reads it: finished steps and what they left in the steps
 * context, completed write steps in order, rollback steps that ended ok,
 * the step in doubt (never a rollback step), a failure and a rollback
 * under way, the last seq.  tlog_read() does not check the chain, so the
 * lines carry no hash.
 */
#include "unit.h"
#include "record/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const RUNBOOK =
	"runbook: replay\n"
	"title: Replay\n"
	"steps:\n"
	"  - id: a\n"
	"    exec: [echo, a]\n"
	"    rollback: { id: undo-a, exec: [echo, undo-a] }\n"
	"  - id: b\n"
	"    exec: [echo, b]\n"
	"    effect: read\n"
	"  - id: c\n"
	"    exec: [echo, c]\n"
	"    on-failure: continue\n"
	"  - id: d\n"
	"    exec: [echo, d]\n"
	"    rollback: { id: undo-d, exec: [echo, undo-d] }\n"
	"  - id: f\n"
	"    exec: [echo, f]\n"
	"  - id: e\n"
	"    exec: [echo, e]\n";

#define EV(seq, rest) "{\"seq\":" #seq ",\"event\":" rest "}"

static const char *const EVENTS[] = {
	EV(1, "\"run.start\",\"runbook\":\"replay\""),
	EV(2, "\"step.start\",\"step\":\"a\",\"phase\":\"steps\""),
	EV(3, "\"step.end\",\"step\":\"a\",\"phase\":\"steps\",\"status\":\"ok\","
	      "\"outputs\":{\"x\":1},\"result\":{\"exit_code\":0}"),
	EV(4, "\"step.start\",\"step\":\"b\",\"phase\":\"steps\""),
	EV(5, "\"step.end\",\"step\":\"b\",\"phase\":\"steps\",\"status\":\"ok\""),
	EV(8, "\"step.start\",\"step\":\"d\",\"phase\":\"steps\""),
	EV(9, "\"run.resume\""),
	EV(10, "\"step.in-doubt\",\"step\":\"d\",\"decision\":\"applied\""),
	EV(12, "\"step.start\",\"step\":\"f\",\"phase\":\"steps\""),
	EV(13, "\"step.end\",\"step\":\"f\",\"phase\":\"steps\",\"status\":\"failed\""),
	EV(6, "\"step.start\",\"step\":\"c\",\"phase\":\"steps\""),
	EV(7, "\"step.end\",\"step\":\"c\",\"phase\":\"steps\",\"status\":\"failed\",\"outputs\":[1]"),
	EV(14, "\"step.start\",\"step\":\"e\",\"phase\":\"steps\""),
	EV(15, "\"rollback.start\""),
	EV(16, "\"step.start\",\"step\":\"undo-d\",\"phase\":\"rollback\""),
	EV(17, "\"step.end\",\"step\":\"undo-d\",\"phase\":\"rollback\",\"status\":\"ok\""),
	EV(11, "\"step.start\",\"step\":\"undo-a\",\"phase\":\"rollback\""),
	NULL
};

static void write_file(const char *path, const char *const *lines)
{
	FILE *f = fopen(path, "w");
	for (; *lines; lines++)
		fprintf(f, "%s\n", *lines);
	fclose(f);
}

/* ids joined by spaces */
static const char *joined(char **v, size_t n)
{
	static char buf[256];
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? " " : "", v[i]);
	return buf;
}

static const char *step_json(const replay *r, const char *id)
{
	static char buf[256];
	value *s = v_obj_get(r->steps, id);
	char *j = s ? v_to_json(s) : NULL;
	snprintf(buf, sizeof buf, "%s", j ? j : "(none)");
	free(j);
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/test_replay.XXXXXX", rbpath[64], tpath[64], *err = NULL;
	const char *rbl[] = { RUNBOOK, NULL };
	diags dg;
	tlog l;
	replay r;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(rbpath, sizeof rbpath, "%s/rb.yaml", dir);
	snprintf(tpath, sizeof tpath, "%s/t.jsonl", dir);
	write_file(rbpath, rbl);
	write_file(tpath, EVENTS);
	diags_init(&dg);
	runbook *rb = runbook_load(rbpath, &dg, 0);
	CHECK(rb && dg.nerr == 0);
	diags_release(&dg);
	CHECK(tlog_read(&l, tpath, &err) == 0);
	free(err);
	if (!rb)
		return unit_done("replay");

	replay_run(&l, rb, &r);
	CHECK_STR(joined(r.finished, r.nfinished), "a b d f c");
	/* b reads, c and f failed: the writes a rollback must undo, in order */
	CHECK_STR(joined(r.done_writes, r.ndone), "a d");
	CHECK_STR(joined(r.rolled, r.nrolled), "undo-d");
	/* e started and never ended; undo-a too, but a rollback step just reruns */
	CHECK_STR(r.in_doubt, "e");
	CHECK(r.rolling_back == 1);
	/* c failed after f, but on-failure: continue did not stop the run */
	CHECK_STR(r.failed_step, "f");
	CHECK(r.last_seq == 17);
	CHECK_STR(step_json(&r, "a"), "{\"status\":\"ok\",\"outputs\":{\"x\":1},\"result\":{\"exit_code\":0}}");
	CHECK_STR(step_json(&r, "c"), "{\"status\":\"failed\",\"outputs\":{},\"result\":null}");
	CHECK_STR(step_json(&r, "d"), "{\"status\":\"ok\",\"outputs\":{},\"result\":null}");
	CHECK_STR(step_json(&r, "e"), "(none)");
	CHECK_STR(step_json(&r, "undo-d"), "(none)");
	replay_release(&r);
	CHECK(r.steps == NULL && r.finished == NULL);
	tlog_release(&l);

	/* a rollback that ended, and nothing open: no doubt, no rollback under way */
	const char *done[] = { EV(1, "\"run.start\""), EV(2, "\"rollback.start\""),
			       EV(3, "\"step.start\",\"step\":\"undo-a\",\"phase\":\"rollback\""),
			       EV(4, "\"step.end\",\"step\":\"undo-a\",\"phase\":\"rollback\",\"status\":\"failed\""),
			       EV(5, "\"rollback.end\""), NULL };
	write_file(tpath, done);
	CHECK(tlog_read(&l, tpath, &err) == 0);
	free(err);
	replay_run(&l, rb, &r);
	CHECK(r.in_doubt == NULL && r.rolling_back == 0 && r.failed_step == NULL);
	CHECK(r.nfinished == 0 && r.ndone == 0 && r.nrolled == 0);
	CHECK(r.last_seq == 5);
	replay_release(&r);
	tlog_release(&l);

	runbook_free(rb);
	unlink(rbpath);
	unlink(tpath);
	rmdir(dir);
	return unit_done("replay");
}
