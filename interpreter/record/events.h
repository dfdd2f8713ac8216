/*
 * events.h - the table of transcript events: one row per kind of line a
 * transcript holds.
 *
 * A row names the event, says in one line what it records, lists the
 * fields every such event carries (besides the ones of every event: seq,
 * ts, mono, event, run, prev, hash) and the fields whose values are the
 * record's own structure -- identifiers, enumerations, times, hashes --
 * which the writer never redacts.  Everything else in an event is data
 * and redacted (see transcript.c).
 *
 * Read by the writer (transcript_emit takes an event_id; the executor
 * checks each event's required fields in the sanitizer build), the reader
 * (tlog.h: every event's id, and verify's check that the required fields
 * are there), `report`, `resume` and `runbook reference`, which prints the
 * table in docs/reference.md.
 */
#ifndef RB_EVENTS_H
#define RB_EVENTS_H

struct cJSON;

typedef enum event_id {
	EV_RUN_START,
	EV_RUN_RESUME,
	EV_RUN_UNDO,
	EV_RUN_END,
	EV_PHASE_START,
	EV_PHASE_END,
	EV_CONNECTION_OPEN,
	EV_FRAGMENT_START,
	/* the events of a step's life, from step.start to step.in-doubt, are
	 * contiguous (verify checks their step ids against the runbook) */
	EV_STEP_START,
	EV_STEP_SPAWN,
	EV_STEP_ATTEMPT,
	EV_STEP_END,
	EV_STEP_CHECK,
	EV_STEP_IN_DOUBT,
	EV_APPROVE,
	EV_MANUAL,
	EV_APPROVE_WAIT,
	EV_ROLLBACK_START,
	EV_ROLLBACK_END,
	EV_SIGNAL,
	/* guards and continuous probes, checked beside the steps (run/watch.h) */
	EV_GUARD_CHECK,
	EV_GUARD_TRIPPED,
	EV_PROBE_CHECK,
	EV_PROBE_FAILED,
	EV_CHECKPOINT,
	EV_COUNT,               /* the number of rows */
	EV_UNKNOWN = EV_COUNT   /* a reader's id for a name not in the table */
} event_id;

typedef struct event_def {
	const char *name;               /* "step.start" */
	const char *doc;                /* what it records, one line */
	const char *const *required;    /* fields it always carries; NULL-terminated */
	const char *const *structural;  /* fields never redacted; NULL-terminated */
} event_def;

/* indexed by event_id */
extern const event_def event_table[EV_COUNT];

/* the id of an event name; EV_UNKNOWN when it is not in the table */
event_id event_lookup(const char *name);

/* is key a structural field (never redacted) of event ev? */
int event_structural(event_id ev, const char *key);

/*
 * The first of ev's required fields that an event lacks, or NULL when it
 * has them all.  fields is the event's object (may be NULL); step and
 * phase, when not NULL, stand for the "step" and "phase" fields (the
 * writer takes them apart from the others).
 */
const char *event_missing(event_id ev, const struct cJSON *fields, const char *step,
			  const char *phase);

#endif
