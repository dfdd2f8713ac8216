/*
 * exec.h - the executor: runs a validated runbook.
 *
 * Order: checks -> steps -> verify (a drill: inject -> symptoms -> checks
 * -> steps -> verify, then cleanup always).  Each step: `if`, render,
 * retries, `until` polling, `expect`, `outputs`, transcript events.  On
 * failure the rollbacks of the write steps run in reverse completion order
 * (the failed step's own rollback first); a failing rollback does not stop
 * the others.  SIGINT/SIGTERM stop the current step, then roll back; a
 * second signal during rollback is recorded and ignored.  A drill's guards
 * and the continuous probes are checked beside the phases (watch.h): one
 * that trips cancels what runs, as a signal does, and fails the run.
 *
 * run_runbook returns an exit code of run/exitcode.h: EXIT_OK,
 * EXIT_FAILED (rolled back), EXIT_USAGE, EXIT_ROLLBACK_INCOMPLETE,
 * EXIT_LOCKED, EXIT_GUARD_TRIPPED (a guard stopped the drill), or
 * EXIT_SIGNAL(sig) when interrupted (after rollback).
 */
#ifndef RB_EXEC_H
#define RB_EXEC_H

#include "lang/runbook.h"
#include "lang/inputs.h"
#include "lang/render.h"
#include "base/value.h"
#include "base/redact.h"
#include "run/expect.h"
#include "run/exitcode.h"

#define RUNBOOK_VERSION "0.1.0"

enum { MODE_RUN, MODE_DRY_RUN, MODE_DRILL };
extern const char *const mode_names[];


/*
 * What `runbook resume` learnt from an interrupted transcript, or `runbook
 * undo` from an ended one (cmd_resume.c, cmd_undo.c build it; the
 * executor only reads it).  Finished steps are never run
 * again: their status, outputs and result are restored into the `steps`
 * context.  The in-doubt step (started, never ended) is re-run when it is
 * idempotent, decided by its `check:` probe when it has one, else by
 * `decision` (--in-doubt), else by its `on-in-doubt:` policy
 * (runbook_on_in_doubt).  The values are those of DOUBT_* (ASK: none given).
 */
enum { INDOUBT_ASK = DOUBT_UNSET, INDOUBT_RERUN = DOUBT_RERUN, INDOUBT_SKIP = DOUBT_SKIP,
       INDOUBT_ROLLBACK = DOUBT_ROLLBACK };

typedef struct resume_state {
	const char *transcript;         /* appended to, keeping the chain */
	value *inputs;                  /* non-secret inputs of run.start (object) */
	value *steps;                   /* id -> {status, outputs, result} */
	char **finished;                /* ids with a step.end, any phase but rollback */
	size_t nfinished;
	char **done_writes;             /* ok write steps, in completion order */
	size_t ndone;
	char **rolled;                  /* rollback steps that ended ok */
	size_t nrolled;
	const char *in_doubt;           /* step id, or NULL */
	int decision;                   /* INDOUBT_* from --in-doubt; or ROLLBACK from the
	                                 * in-doubt step's on-in-doubt (by_policy) */
	int by_policy;                  /* decision is on-in-doubt's, not the operator's */
	const char *policy_why;         /* then the words saying whose (in_doubt_policy) */
	const char *decided_by;         /* "operator" or "runbook" when --in-doubt or on-in-doubt
	                                 * decides the step in doubt (neither its idempotence
	                                 * nor its check: does), else NULL */
	int rollback_only;              /* --rollback */
	int rolling_back;               /* rollback.start seen without rollback.end */
	const char *failed_step;        /* a failure had stopped the run */
	long from_seq;                  /* last seq before resuming */
	value *reaped;                  /* leftover processes resume killed (list), or NULL */
	const char *concurrency_key;    /* run.start's, or NULL: the lock resume takes */
	/* runbook undo: the run ended; no phase runs, the rollbacks of its
	 * completed write steps do (run.undo ... run.end "undone") */
	int undo;
	/* for-each steps: step id -> item index (as text) -> {status, outputs,
	 * result} of each item that ended (status "started": in doubt) */
	value *items;
	const long *done_items;         /* per done_writes entry: an item's index, else -1 (a
	                                 * failed item's: in doubt, undone as own_undo decides) */
	const long *rolled_items;       /* per rolled entry: the item it undid, else -1 */
} resume_state;

/*
 * The on-in-doubt policy of step st (runbook_on_in_doubt), DOUBT_*, and in
 * buf the words that say so: "on-in-doubt: rerun, the runbook's policy", or
 * "..., the policy of step 'x'" when a step's key decided.
 */
int in_doubt_policy(const runbook *rb, const step *st, char *buf, size_t n);

typedef struct run_opts {
	int mode;
	const char *transcript_path;    /* NULL: ./transcripts/<id>-<utc>.jsonl */
	const char *approve;            /* NULL (TTY), "auto", or an answers file */
	kv *inputs;                     /* --input k=v, in order */
	size_t ninputs;
	const char *inputs_file;        /* --inputs FILE (YAML/JSON mapping) */
	const char *operator_name;      /* --operator, else $USER@host */
	int parallel;
	int color;                      /* colour on the terminal */
	int tty;                        /* stderr is a terminal: live display */
	int quiet;
	const char *sign_key;
	const resume_state *resume;     /* runbook resume: continue this run */
} run_opts;

int run_runbook(runbook *rb, const run_opts *o);


#endif
