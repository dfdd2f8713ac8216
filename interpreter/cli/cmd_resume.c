/*
 * cmd_resume.c - `runbook resume TRANSCRIPT`: continue, or roll back, a
 * run whose interpreter died (kill -9, power loss) before run.end.
 *
 * The transcript up to its last complete line is the truth: a torn last
 * line is cut (transcript_reopen), finished steps are never run again and
 * their outputs are restored from their step.end records, and the step
 * that had started but not ended is "in doubt" (see exec.c
 * decide_in_doubt).  Everything appends to the same file, keeping the
 * hash chain.  Rollback steps that were interrupted are run again: undo
 * actions are expected to be safe to repeat.
 */
#include "cli/cmd.h"
#include "run/exec.h"
#include "run/reap.h"
#include "record/tlog.h"
#include "record/transcript.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const USAGE =
	"runbook resume TRANSCRIPT [--runbook FILE] [--in-doubt rerun|skip|rollback] [--rollback]\n"
	"                          [--approve auto|FILE] [--operator NAME] [--sign-key KEY] [--quiet] [--no-color]\n"
	"                          [--stdlib DIR]";

typedef struct strv {
	char **v;
	size_t n;
} strv;

static void sv_add(strv *s, const char *x)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(char *));
	s->v[s->n++] = xstrdup(x);
}

static void sv_del(strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x)) {
			free(s->v[i]);
			memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(char *));
			s->n--;
			return;
		}
}

static void sv_free(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

int cmd_resume(int argc, char **argv)
{
	const char *path = NULL, *rbpath = NULL, *doubt = NULL;
	run_opts o;
	memset(&o, 0, sizeof o);
	o.parallel = 1;
	int no_color = 0, rollback_only = 0;
	for (int i = 1; i < argc; i++) {
		int r;
		if ((r = opt_value(argc, argv, &i, "--runbook", &rbpath)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--in-doubt", &doubt)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--approve", &o.approve)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--operator", &o.operator_name)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--sign-key", &o.sign_key)) != 0 ||
		    (r = opt_stdlib(argc, argv, &i)) != 0) {
			if (r < 0)
				return 2;
		} else if (opt_flag(argv, i, "--rollback"))
			rollback_only = 1;
		else if (opt_flag(argv, i, "--quiet") || opt_flag(argv, i, "-q"))
			o.quiet = 1;
		else if (opt_flag(argv, i, "--no-color"))
			no_color = 1;
		else if (opt_flag(argv, i, "--help") || opt_flag(argv, i, "-h")) {
			printf("usage: %s\n", USAGE);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1])
			return usage_error("resume", USAGE, "unknown option '%s'", argv[i]);
		else if (path)
			return usage_error("resume", USAGE, "one transcript at a time");
		else
			path = argv[i];
	}
	if (!path)
		return usage_error("resume", USAGE, "no transcript given");
	int decision = INDOUBT_ASK;
	if (doubt) {
		if (!strcmp(doubt, "rerun"))
			decision = INDOUBT_RERUN;
		else if (!strcmp(doubt, "skip"))
			decision = INDOUBT_SKIP;
		else if (!strcmp(doubt, "rollback"))
			decision = INDOUBT_ROLLBACK;
		else
			return usage_error("resume", USAGE, "--in-doubt takes rerun, skip or rollback, not '%s'", doubt);
	}
	o.tty = isatty(STDOUT_FILENO);
	o.color = want_color(stdout, no_color);

	/* the integrity of what we build on comes first */
	long bad = 0;
	char *why = NULL;
	int chain = transcript_check_chain(path, &bad, &why);
	if (chain < 0 || chain == 1) {
		fprintf(stderr, "runbook resume: %s: %s%s\n", path,
			chain == 1 ? "the transcript does not verify: " : "", why ? why : "cannot read");
		free(why);
		return chain == 1 ? 5 : 2;
	}
	free(why);

	tlog l;
	char *err = NULL;
	if (tlog_read(&l, path, &err) < 0) {
		fprintf(stderr, "runbook resume: %s\n", err);
		free(err);
		return 2;
	}
	int rc = 2;
	strv finished = { 0 }, done = { 0 }, rolled = { 0 }, open = { 0 };
	value *steps = v_obj(), *inputs = NULL, *reaped = NULL;
	runbook *rb = NULL;
	char *in_doubt = NULL, *failed = NULL;
	int rolling_back = 0;
	long last_seq = 0;
	if (!l.start) {
		fprintf(stderr, "runbook resume: %s has no run.start: nothing to resume\n", path);
		goto out;
	}
	if (l.end) {
		fprintf(stderr, "runbook resume: %s ended (%s, exit %lld): nothing to resume\n", path,
			tev_str(l.end, "status") ? tev_str(l.end, "status") : "?",
			(long long)tev_int(l.end, "exit", -1));
		goto out;
	}
	const char *mode = tev_str(l.start, "mode");
	o.mode = mode && !strcmp(mode, "drill") ? MODE_DRILL
		 : mode && !strcmp(mode, "dry-run") ? MODE_DRY_RUN : MODE_RUN;
	if (!rbpath)
		rbpath = tev_str(l.start, "file");
	if (!rbpath) {
		fprintf(stderr, "runbook resume: run.start names no runbook file: use --runbook FILE\n");
		goto out;
	}
	diags dg;
	diags_init(&dg);
	rb = runbook_load(rbpath, &dg, 0);
	if (!rb || dg.nerr) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, no_color), NULL, 0);
		fprintf(stderr, "runbook resume: %s is not a valid runbook\n", rbpath);
		diags_release(&dg);
		goto out;
	}
	diags_release(&dg);
	const char *sha = tev_str(l.start, "sha256");
	if (!sha || strcmp(sha, rb->sha256)) {
		fprintf(stderr, "runbook resume: %s changed since the run started (sha256 %.12s..., now %.12s...): "
			"resuming would mix two versions of the procedure\n", rbpath, sha ? sha : "?", rb->sha256);
		goto out;
	}
	/* first of all: nothing the dead run started may still be running */
	int reap_rc = reap_dead_run(rb, &l, o.mode == MODE_DRY_RUN, &reaped);
	if (reap_rc < 0) {
		rc = -reap_rc;
		goto out;
	}
	cJSON *jin = tev_get(l.start, "inputs");
	inputs = jin ? v_from_cjson(jin) : v_obj();

	/* replay the record */
	for (size_t i = 0; i < l.n; i++) {
		const tlog_event *e = &l.v[i];
		last_seq = e->seq > last_seq ? e->seq : last_seq;
		event_id ev = e->id;
		int in_rb = e->phase && !strcmp(e->phase, "rollback");
		if (ev == EV_ROLLBACK_START)
			rolling_back = 1;
		else if (ev == EV_ROLLBACK_END)
			rolling_back = 0;
		if (!e->step)
			continue;
		if (ev == EV_STEP_START)
			sv_add(&open, e->step);
		else if (ev == EV_STEP_IN_DOUBT) {
			const char *d = tev_str(e, "decision");
			if (d && !strcmp(d, "applied")) {
				sv_del(&open, e->step);
				sv_add(&finished, e->step);
				step *st = runbook_find_step(rb, e->step);
				if (st && st->effect == EFFECT_WRITE)
					sv_add(&done, e->step);
				value *s = v_obj();
				v_obj_set_take(s, "status", v_str("ok"));
				v_obj_set_take(s, "outputs", v_obj());
				v_obj_set_take(s, "result", v_null());
				v_obj_set_take(steps, e->step, s);
			}
		} else if (ev == EV_STEP_END) {
			sv_del(&open, e->step);
			const char *status = e->status ? e->status : "";
			if (in_rb) {
				if (!strcmp(status, "ok"))
					sv_add(&rolled, e->step);
				continue;
			}
			sv_add(&finished, e->step);
			step *st = runbook_find_step(rb, e->step);
			if (!strcmp(status, "ok") && st && st->effect == EFFECT_WRITE)
				sv_add(&done, e->step);
			if (!strcmp(status, "failed") && st && st->on_failure != ONFAIL_CONTINUE) {
				free(failed);
				failed = xstrdup(e->step);
			}
			value *s = v_obj();
			v_obj_set_take(s, "status", v_str(status));
			cJSON *jo = tev_get(e, "outputs"), *jr = tev_get(e, "result");
			v_obj_set_take(s, "outputs", jo && cJSON_IsObject(jo) ? v_from_cjson(jo) : v_obj());
			v_obj_set_take(s, "result", jr ? v_from_cjson(jr) : v_null());
			v_obj_set_take(steps, e->step, s);
		}
	}
	/* the in-doubt step: started, never ended (rollback steps just rerun) */
	for (size_t i = 0; i < open.n; i++) {
		step *st = runbook_find_step(rb, open.v[i]);
		if (st && !st->owner && !in_doubt)
			in_doubt = xstrdup(open.v[i]);
	}
	if (decision == INDOUBT_ROLLBACK)
		rollback_only = 1;
	if (in_doubt && !rollback_only && !rolling_back && !failed) {
		step *st = runbook_find_step(rb, in_doubt);
		if (!st->idempotent && !st->check_step && decision == INDOUBT_ASK) {
			fprintf(stderr,
				"runbook resume: step '%s' had started when the run stopped and may or may not\n"
				"have taken effect; it is not idempotent and has no check: probe. Decide with\n"
				"  --in-doubt rerun     run it again\n"
				"  --in-doubt skip      assume it took effect and go on\n"
				"  --in-doubt rollback  roll back what the run did (same as --rollback)\n",
				in_doubt);
			goto out;
		}
	}
	resume_state r;
	memset(&r, 0, sizeof r);
	r.transcript = path;
	r.inputs = inputs;
	r.steps = steps;
	r.finished = finished.v;
	r.nfinished = finished.n;
	r.done_writes = done.v;
	r.ndone = done.n;
	r.rolled = rolled.v;
	r.nrolled = rolled.n;
	r.in_doubt = in_doubt;
	r.decision = decision;
	r.rollback_only = rollback_only;
	r.rolling_back = rolling_back;
	r.failed_step = failed;
	r.from_seq = last_seq;
	r.reaped = reaped;
	o.resume = &r;
	rc = run_runbook(rb, &o);
out:
	sv_free(&finished);
	sv_free(&done);
	sv_free(&rolled);
	sv_free(&open);
	free(in_doubt);
	free(failed);
	v_release(steps);
	if (reaped)
		v_release(reaped);
	if (inputs)
		v_release(inputs);
	if (rb)
		runbook_free(rb);
	tlog_release(&l);
	diag_forget_sources();
	return rc;
}
