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

enum { O_RUNBOOK = 1, O_IN_DOUBT, O_ROLLBACK, O_APPROVE, O_OPERATOR, O_SIGN_KEY, O_QUIET, O_NO_COLOR };

const cmd_opt resume_options[] = {
	OPT_STRING(O_RUNBOOK, "runbook", 0, "FILE", "the runbook file, when not the one run.start names"),
	OPT_STRING(O_IN_DOUBT, "in-doubt", 0, "rerun|skip|rollback",
		   "what to do with a step that started and never ended, when it cannot tell"),
	OPT_FLAG(O_ROLLBACK, "rollback", 0, "roll back what the run did instead of going on"),
	OPT_APPROVE(O_APPROVE),
	OPT_OPERATOR(O_OPERATOR),
	OPT_SIGN_KEY(O_SIGN_KEY),
	OPT_QUIET(O_QUIET),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_STDLIB,
	OPT_END
};

/* what resume was asked for */
typedef struct resume_args {
	const char *path, *rbpath;
	int decision;           /* INDOUBT_* */
	int rollback_only;
	int no_color;
} resume_args;

/* the --in-doubt words, by INDOUBT_* value (ask has none) */
static const char *const in_doubt_words[] = { [INDOUBT_RERUN] = "rerun", [INDOUBT_SKIP] = "skip",
					      [INDOUBT_ROLLBACK] = "rollback" };

/* resume's options into a and o: OPTS_DONE, or OPTS_EXIT with the exit code in p->rc */
static int resume_parse(opt_parser *p, resume_args *a, run_opts *o)
{
	const char *doubt = NULL;
	int id;
	while ((id = opts_next(p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT:
			return OPTS_EXIT;
		case O_RUNBOOK: a->rbpath = p->val; break;
		case O_IN_DOUBT: doubt = p->val; break;
		case O_ROLLBACK: a->rollback_only = 1; break;
		case O_APPROVE: o->approve = p->val; break;
		case O_OPERATOR: o->operator_name = p->val; break;
		case O_SIGN_KEY: o->sign_key = p->val; break;
		case O_QUIET: o->quiet = 1; break;
		case O_NO_COLOR: a->no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(p, &a->path, "transcript") == OPTS_EXIT)
				return OPTS_EXIT;
			break;
		}
	}
	if (!a->path)
		return opts_stop(p, usage_error(p->cmd, "no transcript given"));
	a->decision = INDOUBT_ASK;
	for (int d = INDOUBT_RERUN; doubt && d <= INDOUBT_ROLLBACK; d++)
		if (!strcmp(doubt, in_doubt_words[d]))
			a->decision = d;
	if (doubt && a->decision == INDOUBT_ASK)
		return opts_stop(p, usage_error(p->cmd, "--in-doubt takes rerun, skip or rollback, not '%s'",
						doubt));
	return OPTS_DONE;
}

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

int cmd_resume(const command *self, int argc, char **argv)
{
	resume_args a = { 0 };
	run_opts o;
	memset(&o, 0, sizeof o);
	o.parallel = 1;
	opt_parser p;
	opts_init(&p, self, argc, argv);
	if (resume_parse(&p, &a, &o) == OPTS_EXIT)
		return p.rc;
	const char *path = a.path, *rbpath = a.rbpath;
	int decision = a.decision, rollback_only = a.rollback_only, no_color = a.no_color;
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
		return chain == 1 ? EXIT_VERIFY_FAILED : EXIT_USAGE;
	}
	free(why);

	tlog l;
	char *err = NULL;
	if (tlog_read(&l, path, &err) < 0) {
		fprintf(stderr, "runbook resume: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	int rc = EXIT_USAGE;
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
		const char *ev = e->event;
		int in_rb = e->phase && !strcmp(e->phase, "rollback");
		if (!strcmp(ev, "rollback.start"))
			rolling_back = 1;
		else if (!strcmp(ev, "rollback.end"))
			rolling_back = 0;
		if (!e->step)
			continue;
		if (!strcmp(ev, "step.start"))
			sv_add(&open, e->step);
		else if (!strcmp(ev, "step.in-doubt")) {
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
		} else if (!strcmp(ev, "step.end")) {
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
