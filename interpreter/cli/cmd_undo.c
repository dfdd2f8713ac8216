/*
 * cmd_undo.c - `runbook undo TRANSCRIPT`: undo a run that ended (bring
 * everything back up after an emergency shutdown that, by design, never
 * rolled itself back).
 *
 * What runs is what a rollback of that run would have run: the recorded
 * rollbacks of its completed write steps, in reverse completion order
 * (the failed step's own undo first when its check: or
 * rollback-on-failure says so), each with the outputs its steps recorded
 * (rebuilt from their step.end records, as resume does), approvals and
 * manual undos asked as usual.  Rollback steps that already ended ok (the
 * run's own rollback, an earlier undo) are not run again.  The same file
 * is appended to (run.undo, rollback.start ... rollback.end, run.end
 * "undone"), keeping the chain.  Refused: a run that did not end (resume
 * continues it), one whose undo completed, a dry run, a runbook that
 * changed since.  An undo that was interrupted is finished by running
 * `runbook undo` again.
 */
#include "cli/cmd.h"
#include "run/exec.h"
#include "record/replay.h"
#include "record/tlog.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { O_RUNBOOK = 1, O_APPROVE, O_OPERATOR, O_SIGN_KEY, O_QUIET, O_NO_COLOR };

const cmd_opt undo_options[] = {
	OPT_STRING(O_RUNBOOK, "runbook", 0, "FILE", "the runbook file, when not the one run.start names"),
	OPT_APPROVE(O_APPROVE),
	OPT_OPERATOR(O_OPERATOR),
	OPT_SIGN_KEY(O_SIGN_KEY),
	OPT_QUIET(O_QUIET),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_STDLIB,
	OPT_END
};

/*
 * May the run of l be undone?  It ended, it was not a dry run, and no
 * undo of it completed.  0, or EXIT_USAGE with the reason printed.
 */
static int undoable(const char *path, const tlog *l)
{
	const char *mode = tev_str(l->start, "mode");
	if (!l->end)
		fprintf(stderr, "runbook undo: %s did not end: `runbook resume` continues it or, with "
			"--rollback, undoes what it did\n", path);
	else if (mode && !strcmp(mode, "dry-run"))
		fprintf(stderr, "runbook undo: %s is a dry run: it changed nothing\n", path);
	else if (l->undo_end && tev_str(l->undo_end, "rollback") &&
		 !strcmp(tev_str(l->undo_end, "rollback"), "complete"))
		fprintf(stderr, "runbook undo: %s was undone already (run.undo at seq %ld, complete at "
			"seq %ld)\n", path, l->undo->seq, l->undo_end->seq);
	else
		return 0;
	return EXIT_USAGE;
}

static int in_list(char *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], id))
			return 1;
	return 0;
}

/* has a step of rb a rollback step that did not end ok yet? */
static int undo_pending(const step *st, const replay *rp)
{
	for (size_t k = 0; st && k < st->rollback.n; k++)
		if (!in_list(rp->rolled, rp->nrolled, st->rollback.v[k]->id))
			return 1;
	return 0;
}

/* is anything left to undo: a completed write step (or the failed one)
 * with a rollback step that has not ended ok? */
static int anything_to_undo(const runbook *rb, const replay *rp)
{
	for (size_t i = 0; i < rp->ndone; i++)
		if (undo_pending(runbook_find_step(rb, rp->done_writes[i]), rp))
			return 1;
	return rp->failed_step && undo_pending(runbook_find_step(rb, rp->failed_step), rp);
}

/* undo's part of record_continue: anything left to undo, by the executor */
static int undo_go(void *ud, runbook *rb, const replay *rp, resume_state *r, run_opts *o)
{
	if (!anything_to_undo(rb, rp)) {
		fprintf(stderr, "runbook undo: %s: nothing to undo: no completed write step has a "
			"rollback that has not run\n", (const char *)ud);
		return EXIT_OK;
	}
	r->undo = 1;
	o->resume = r;
	return run_runbook(rb, o);
}

int cmd_undo(const command *self, int argc, char **argv)
{
	const char *path = NULL, *rbpath = NULL;
	int no_color = 0, id;
	run_opts o;
	memset(&o, 0, sizeof o);
	o.parallel = 1;
	opt_parser p;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT: return p.rc;
		case O_RUNBOOK: rbpath = p.val; break;
		case O_APPROVE: o.approve = p.val; break;
		case O_OPERATOR: o.operator_name = p.val; break;
		case O_SIGN_KEY: o.sign_key = p.val; break;
		case O_QUIET: o.quiet = 1; break;
		case O_NO_COLOR: no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(&p, &path, "transcript") == OPTS_EXIT)
				return p.rc;
			break;
		}
	}
	if (!path)
		return usage_error(self, "no transcript given");
	o.tty = isatty(STDOUT_FILENO);
	o.color = want_color(stdout, no_color);
	o.mode = MODE_RUN;

	tlog l;
	int rc = record_read(self, path, &l);
	if (rc)
		return rc;
	rc = undoable(path, &l);
	runbook *rb = rc ? NULL : record_runbook(self, rbpath, &l, no_color);
	if (!rc)
		rc = rb ? record_continue(rb, &l, &o, path, undo_go, (void *)path) : EXIT_USAGE;
	if (rb)
		runbook_free(rb);
	tlog_release(&l);
	diag_forget_sources();
	return rc;
}
