/*
 * replay.h - the transcript of a run that did not end, read back for
 * `runbook resume`: which steps finished (and what they left in the
 * `steps` context), which write steps completed and in what order (what a
 * rollback must undo), which rollback steps already ended ok, the step
 * that had started and not ended (in doubt), whether a failure or a
 * rollback was under way, and the last seq.  The items of a for-each
 * step are followed one by one (their events carry `item`): which ended
 * and how, which had started.  The record is the truth; what to do about
 * it is resume's decision.
 *
 * Ownership: a replay owns its strings and its value (replay_release).
 */
#ifndef RB_REPLAY_H
#define RB_REPLAY_H

#include "base/value.h"
#include "lang/runbook.h"
#include "record/tlog.h"

#include <stddef.h>

typedef struct replay {
	value *steps;           /* id -> {status, outputs, result} of each finished step */
	char **finished;        /* ids with a step.end (any phase but rollback), or whose
	                         * in-doubt decision was "applied" */
	size_t nfinished;
	char **done_writes;     /* write steps that ended ok, in completion order; a
	                         * for-each step's items instead of the step: each
	                         * one that ended ok, or failed (in doubt) */
	long *done_items;       /* per done_writes entry: the item's index, else -1 */
	size_t ndone;
	char **rolled;          /* rollback steps that ended ok */
	long *rolled_items;     /* per rolled entry: the item it undid, else -1 */
	size_t nrolled;
	value *items;           /* for-each step id -> item index (as text) -> {status,
	                         * outputs, result} of each item that ended; status
	                         * "started" for one that started and did not */
	char *in_doubt;         /* the first step of rb (not a rollback step) that
	                         * started and never ended, or NULL */
	int rolling_back;       /* a rollback.start without its rollback.end */
	char *failed_step;      /* the last failure that stopped the run, or NULL */
	long last_seq;          /* the highest seq of the record */
} replay;

/* Replay the events of l (the transcript of a run of rb) into r. */
void replay_run(const tlog *l, const runbook *rb, replay *r);
void replay_release(replay *r);

#endif
