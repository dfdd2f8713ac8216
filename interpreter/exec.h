/*
 * exec.h - the executor: runs a validated runbook.
 *
 * Order: checks -> steps -> verify (a drill: inject -> symptoms -> checks
 * -> steps -> verify, then cleanup always).  Each step: `if`, render,
 * retries, `until` polling, `expect`, `outputs`, transcript events.  On
 * failure the rollbacks of the write steps run in reverse completion order
 * (the failed step's own rollback first); a failing rollback does not stop
 * the others.  SIGINT/SIGTERM stop the current step, then roll back; a
 * second signal during rollback is recorded and ignored.
 *
 * Exit codes: 0 ok, 1 failed and rolled back, 2 usage/invalid,
 * 3 rollback incomplete, 130/143 interrupted (after rollback).
 */
#ifndef RB_EXEC_H
#define RB_EXEC_H

#include "runbook.h"
#include "value.h"
#include "redact.h"

#define RUNBOOK_VERSION "0.1.0"

enum { MODE_RUN, MODE_DRY_RUN, MODE_DRILL };
extern const char *const mode_names[];

typedef struct kv {
	const char *key, *val;
} kv;

/*
 * What `runbook resume` learnt from an interrupted transcript (cmd_resume.c
 * builds it; the executor only reads it).  Finished steps are never run
 * again: their status, outputs and result are restored into the `steps`
 * context.  The in-doubt step (started, never ended) is re-run when it is
 * idempotent, decided by its `check:` probe when it has one, else by
 * `decision`.
 */
enum { INDOUBT_ASK, INDOUBT_RERUN, INDOUBT_SKIP, INDOUBT_ROLLBACK };

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
	int decision;                   /* INDOUBT_* from --in-doubt */
	int rollback_only;              /* --rollback */
	int rolling_back;               /* rollback.start seen without rollback.end */
	const char *failed_step;        /* a failure had stopped the run */
	long from_seq;                  /* last seq before resuming */
	value *reaped;                  /* leftover processes resume killed (list), or NULL */
} resume_state;

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


/*
 * Inputs (inputs.c): resolve --input/--inputs/defaults/secrets into an
 * object value, validating types, patterns and enums.  Secrets are read
 * from env:/file: and added to red.  for_plan: secrets are not read, their
 * value is "***".  Returns NULL with diagnostics-style messages on stderr.
 */
value *inputs_resolve(const runbook *rb, const run_opts *o, redactor *red,
		      int for_plan, char **err);

/*
 * One input's value converted to its declared type (text from the command
 * line, or a typed value from a file, a default or a fragment's `with:`):
 * a new value, or NULL with *err.  input_pattern_ok: does s match the
 * input's pcre2 pattern (0 with *err when the pattern is bad).
 */
value *input_coerce(const input_def *in, const value *v, char **err);
int input_pattern_ok(const char *pattern, const char *s, char **err);

/*
 * Rendering (render.c): the value of a YAML node with its templates
 * evaluated against ctx.  Plain scalars get YAML core typing (null, bool,
 * int, float), quoted ones stay strings.  Returns NULL with *err.
 */
value *render_node(const node *n, const value *ctx, char **err);
value *scalar_literal(const node *n);
/* a node as data, templates left as text (render.c) */
value *literal_node(const node *n);
/* a YAML/JSON file whose root is a mapping, as data; NULL with *err
 * (the loader's first diagnostic, or "PATH: what") */
value *load_data_mapping(const char *path, const char *what, char **err);
/* the same for a file that grants something (answers): refused when group
 * or others may write it, or another user than us or root owns it */
value *load_owned_mapping(const char *path, const char *what, char **err);
value *env_object(void);

/*
 * expect (expect.c): judge a result.  Returns 1 when every matcher holds,
 * 0 otherwise; *records receives a list of {path, op, expected, actual,
 * ok} objects (new reference).  -1 with *err on an evaluation error.
 */
int expect_eval(const step *st, const value *result, const value *ctx,
		value **records, char **err);

#endif
