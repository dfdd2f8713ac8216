/*
 * exitcode.h - the exit codes of runbook, one row each.  The enum the
 * code returns and the table that `runbook --help` and `runbook
 * reference` print are both made from RB_EXIT_CODES, so they cannot
 * disagree: a new code is a new row here, and nothing else.
 *
 * run_runbook returns them (a signal: 128 + its number, the last two
 * rows), the run lock gives EXIT_LOCKED, `verify` EXIT_VERIFY_FAILED, and
 * every command EXIT_USAGE for a usage error.
 */
#ifndef RB_EXITCODE_H
#define RB_EXITCODE_H

#include <stddef.h>

/* X(enum name, value, short name, meaning) */
#define RB_EXIT_CODES(X) \
	X(EXIT_OK, 0, "ok", \
	  "success") \
	X(EXIT_FAILED, 1, "failed", \
	  "the run failed and its rollbacks completed (or its transcript could not be written); check --strict: warnings, no error; fleet: a target failed or did not start") \
	X(EXIT_USAGE, 2, "usage", \
	  "a usage error, an invalid runbook, or an input, key or file that cannot be used") \
	X(EXIT_ROLLBACK_INCOMPLETE, 3, "rollback-incomplete", \
	  "a rollback failed (after a failure or an interrupt; fleet: in some target)") \
	X(EXIT_LOCKED, 4, "locked", \
	  "another run of the same runbook holds its lock: retry later") \
	X(EXIT_VERIFY_FAILED, 5, "verify-failed", \
	  "the transcript does not verify (verify; resume will not build on it)") \
	X(EXIT_GUARD_TRIPPED, 6, "guard-tripped", \
	  "a drill's guard failed: the drill was stopped, rolled back and cleaned up") \
	X(EXIT_WAITING, 8, "waiting", \
	  "a step waits for its answer (approve or manual, --approve park:FILE): answer in FILE, then `runbook resume`") \
	X(EXIT_INTERRUPTED_INT, 130, "interrupted", \
	  "SIGINT (128 + 2): the step was stopped, the rollbacks completed") \
	X(EXIT_INTERRUPTED_TERM, 143, "terminated", \
	  "SIGTERM (128 + 15): the step was stopped, the rollbacks completed")

#define RB_EXIT_ENUM(id, value, name, meaning) id = value,
enum exit_code { RB_EXIT_CODES(RB_EXIT_ENUM) };
#undef RB_EXIT_ENUM

/* the exit code of a run stopped by signal sig: 128 + sig (rows above) */
#define EXIT_SIGNAL(sig) (128 + (sig))

typedef struct exit_code_def {
	int code;
	const char *name;       /* short, for people and scripts: "ok" */
	const char *meaning;    /* one line */
} exit_code_def;

extern const exit_code_def exit_codes[];
extern const size_t exit_code_count;

#endif
