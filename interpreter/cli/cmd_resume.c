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
#include "lang/prim.h"
#include "run/exec.h"
#include "run/reap.h"
#include "record/replay.h"
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

int record_read(const command *self, const char *path, tlog *l)
{
	long bad = 0;
	char *why = NULL, *err = NULL;
	int chain = transcript_check_chain(path, &bad, &why);
	if (chain < 0 || chain == 1) {
		fprintf(stderr, "runbook %s: %s: %s%s\n", self->name, path,
			chain == 1 ? "the transcript does not verify: " : "", why ? why : "cannot read");
		free(why);
		return chain == 1 ? EXIT_VERIFY_FAILED : EXIT_USAGE;
	}
	free(why);
	if (tlog_read(l, path, &err) < 0) {
		fprintf(stderr, "runbook %s: %s\n", self->name, err);
		free(err);
		return EXIT_USAGE;
	}
	if (l->start)
		return 0;
	fprintf(stderr, "runbook %s: %s has no run.start: nothing to %s\n", self->name, path,
		self->name);
	tlog_release(l);
	return EXIT_USAGE;
}

/*
 * The transcript at a->path (record_read); it must be a run that did not
 * end.  Returns 0, or the exit code (the message printed).
 */
static int resume_read(const command *self, const resume_args *a, tlog *l)
{
	int rc = record_read(self, a->path, l);
	if (rc || !l->end)
		return rc;
	fprintf(stderr, "runbook resume: %s ended (%s, exit %lld): nothing to resume%s\n", a->path,
		tev_str(l->end, "status") ? tev_str(l->end, "status") : "?",
		(long long)tev_int(l->end, "exit", -1),
		l->undo && !l->undo_end ? " (its undo was interrupted: run `runbook undo` again)"
		: l->undo ? "" : " (`runbook undo` reverses it)");
	tlog_release(l);
	return EXIT_USAGE;
}

runbook *record_runbook(const command *self, const char *rbpath, const tlog *l, int no_color)
{
	const char *cmd = self->name;
	rbpath = rbpath ? rbpath : tev_str(l->start, "file");
	if (!rbpath) {
		fprintf(stderr, "runbook %s: run.start names no runbook file: use --runbook FILE\n", cmd);
		return NULL;
	}
	diags dg;
	diags_init(&dg);
	runbook *rb = runbook_load(rbpath, &dg, 0);
	if (!rb || dg.nerr) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, no_color), NULL, 0);
		fprintf(stderr, "runbook %s: %s is not a valid runbook\n", cmd, rbpath);
		diags_release(&dg);
		if (rb)
			runbook_free(rb);
		return NULL;
	}
	diags_release(&dg);
	const char *sha = tev_str(l->start, "sha256");
	if (!sha || strcmp(sha, runbook_sha256(rb))) {
		fprintf(stderr, "runbook %s: %s changed since the run started (sha256 %.12s..., now %.12s...): "
			"going on would mix two versions of the procedure\n", cmd, rbpath, sha ? sha : "?",
			runbook_sha256(rb));
		runbook_free(rb);
		return NULL;
	}
	return rb;
}

/* did an item of for-each step id start and not end? */
static int items_started(const replay *rp, const char *id)
{
	value *items = v_obj_get(rp->items, id);
	for (size_t i = 0; items && i < v_len(items); i++)
		if (!strcmp(v_as_str(v_obj_get(v_obj_val(items, i), "status")), "started"))
			return 1;
	return 0;
}

/*
 * The step in doubt when neither its idempotence nor a check: probe can
 * decide, and nothing else under way (a rollback, a failure, --rollback)
 * does: someone must say, the operator with --in-doubt or the runbook
 * with on-in-doubt.  NULL when nothing needs saying.
 */
static const step *undecided(const resume_args *a, const runbook *rb, const replay *rp)
{
	if (!rp->in_doubt || a->rollback_only || rp->rolling_back || rp->failed_step)
		return NULL;
	const step *st = runbook_find_step(rb, rp->in_doubt);
	if (!st || st->idempotent || st->check_step)
		return NULL;
	if (st->prim && (st->prim->flags & (PF_APPROVAL | PF_MANUAL)))
		return NULL;    /* an approval or a manual step: asked again */
	if (st->for_each && !items_started(rp, st->id))
		return NULL;    /* between items: none is in doubt */
	return st;
}

/*
 * The step in doubt, undecided, with no --in-doubt: its on-in-doubt
 * policy decides into a and r (rerun, skip, rollback), or it parks: the
 * operator must say.  Returns 1 when the question was asked.
 */
static int by_policy(resume_args *a, const runbook *rb, const step *st, resume_state *r,
		     char *why, size_t n)
{
	int d = in_doubt_policy(rb, st, why, n);
	if (d != DOUBT_PARK) {
		printf("runbook resume: step '%s' is in doubt: %s\n", st->id, why);
		fflush(stdout);
		a->decision = d;
		r->by_policy = 1;
		r->policy_why = why;
		r->decided_by = "runbook";
		return 0;
	}
	const step *from;
	runbook_on_in_doubt(rb, st, &from);
	int said = from || rb->on_in_doubt != DOUBT_UNSET;     /* park is written, not the default */
	fprintf(stderr,
		"runbook resume: step '%s' had started when the run stopped and may or may not\n"
		"have taken effect; it is not idempotent and has no check: probe. Decide with\n"
		"  --in-doubt rerun     run it again\n"
		"  --in-doubt skip      assume it took effect and go on\n"
		"  --in-doubt rollback  roll back what the run did (same as --rollback)\n",
		st->id);
	if (said)
		fprintf(stderr, "(%s: it waits for the operator)\n", why);
	return 1;
}

int record_continue(runbook *rb, const tlog *l, run_opts *o, const char *path,
		    int (*go)(void *ud, runbook *rb, const replay *rp, resume_state *r,
			      run_opts *o), void *ud)
{
	/* first of all: nothing the dead run started may still be running */
	value *reaped = NULL;
	int reap_rc = reap_dead_run(rb, l, o->mode == MODE_DRY_RUN, &reaped);
	if (reap_rc < 0)
		return -reap_rc;
	cJSON *jin = tev_get(l->start, "inputs");
	value *inputs = jin ? v_from_cjson(jin) : v_obj();
	replay rp;
	replay_run(l, rb, &rp);
	resume_state r = {
		.transcript = path, .inputs = inputs, .steps = rp.steps,
		.finished = rp.finished, .nfinished = rp.nfinished,
		.done_writes = rp.done_writes, .ndone = rp.ndone,
		.rolled = rp.rolled, .nrolled = rp.nrolled,
		.failed_step = rp.failed_step, .from_seq = rp.last_seq, .reaped = reaped,
		.concurrency_key = tev_str(l->start, "concurrency_key"),
		.items = rp.items, .done_items = rp.done_items, .rolled_items = rp.rolled_items,
	};
	int rc = go(ud, rb, &rp, &r, o);
	o->resume = NULL;
	replay_release(&rp);
	v_release(inputs);
	if (reaped)
		v_release(reaped);
	return rc;
}

/* resume's part of record_continue: the step in doubt, the rollback */
static int resume_go(void *ud, runbook *rb, const replay *rp, resume_state *r, run_opts *o)
{
	resume_args *a = ud;
	char why[256];
	const step *st = undecided(a, rb, rp);
	if (st && a->decision == INDOUBT_ASK && by_policy(a, rb, st, r, why, sizeof why))
		return EXIT_USAGE;
	if (st && !r->by_policy)
		r->decided_by = "operator";
	if (a->decision == INDOUBT_ROLLBACK)
		a->rollback_only = 1;
	r->in_doubt = rp->in_doubt;
	r->decision = a->decision;
	r->rollback_only = a->rollback_only;
	r->rolling_back = rp->rolling_back;
	o->resume = r;
	return run_runbook(rb, o);
}

/* the dead run of l, replayed, continued by the executor; returns the exit code */
static int resume_run(resume_args *a, run_opts *o, runbook *rb, const tlog *l)
{
	const char *mode = tev_str(l->start, "mode");
	o->mode = mode && !strcmp(mode, "drill") ? MODE_DRILL
		  : mode && !strcmp(mode, "dry-run") ? MODE_DRY_RUN : MODE_RUN;
	return record_continue(rb, l, o, a->path, resume_go, a);
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
	o.tty = isatty(STDOUT_FILENO);
	o.color = want_color(stdout, a.no_color);

	/* the integrity of what we build on comes first */
	tlog l;
	int rc = resume_read(self, &a, &l);
	if (rc)
		return rc;
	runbook *rb = record_runbook(self, a.rbpath, &l, a.no_color);
	rc = rb ? resume_run(&a, &o, rb, &l) : EXIT_USAGE;
	if (rb)
		runbook_free(rb);
	tlog_release(&l);
	diag_forget_sources();
	return rc;
}
