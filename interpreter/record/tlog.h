/*
 * tlog.h - reading and judging a finished (or interrupted) transcript:
 * the shared ground of `runbook verify` and `runbook report`.
 *
 * tlog_read() parses a transcript file line by line with cJSON into an
 * array of events.  It does not judge integrity (transcript_check_chain()
 * does); it keeps what parses, counts what does not, and notes a torn last
 * line (no final '\n': the writer died mid-line) without merging it into
 * the events.  Each event gets its id in the table of events (events.h);
 * one that lacks a field its row requires is noted.  It also puts every
 * event on the run's own clock (at_ms): differences of the monotonic
 * "mono" readings where two events share a boot, else of the wall-clock
 * "ts", never negative; a "ts" that goes back is noted (l->back), and so
 * is the time down before each resume.  A run that ended may be followed
 * by its undo (run.undo ... run.end, more than once when one was
 * interrupted): `end` stays the run's own run.end.
 *
 * verify_transcript() (tlog.c too) runs every check of `runbook verify`
 * and fills a verdict: a list of named checks, each passed or failed with
 * its actual figures.  `verify` prints the verdict; `report` embeds it.
 *
 * Ownership: a tlog owns its events and their cJSON trees (tlog_release);
 * the const char * fields of an event point into its cJSON.  A verdict
 * owns its strings (verdict_release).
 */
#ifndef RB_TLOG_H
#define RB_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "record/events.h"

struct cJSON;

typedef struct tlog_event {
	struct cJSON *j;        /* the whole event */
	long seq;               /* 0 when missing */
	long line;              /* 1-based line number in the file */
	const char *event;      /* "" when missing */
	event_id id;            /* its row in events.h; EV_UNKNOWN for another name */
	const char *step;       /* NULL when absent */
	const char *phase;      /* NULL when absent */
	const char *status;     /* NULL when absent */
	long item;              /* the for-each item's index ("item": {index}), -1 when none */
	int64_t ts_ms;          /* ms since the epoch; -1 when missing or bad */
	int64_t mono;           /* the monotonic reading "mono" (ms); -1 when missing or bad */
	int64_t at_ms;          /* ms since the first event, on the run's clock (see
	                         * tlog_read); -1 when the event has no time at all */
	int part;               /* 0 up to the first run.resume, then 1, 2... */
	const char *boot;       /* the boot id of the event's part (run.start or
	                         * run.resume "boot"), NULL when unknown */
	int uncertain;          /* wall-clock steps back up to this event that no
	                         * monotonic reading measured */
} tlog_event;

/* a point of the run: the event's seq and a figure in ms */
typedef struct tlog_mark {
	long seq;
	int64_t ms;
	int measured;           /* back: the monotonic clock gave the real elapsed time */
} tlog_mark;

typedef struct tlog {
	char *path;
	tlog_event *v;
	size_t n;
	long lines;             /* complete lines read */
	long bad_lines;         /* complete lines that are not a JSON object */
	long first_bad_line;
	char *first_bad_why;    /* what is wrong with the first bad line (malloc'd) */
	long bad_fields;        /* numbers that are not integers in range: ignored */
	long first_bad_field_seq;
	char *first_bad_field;  /* the first of them, described (malloc'd) */
	long missing_fields;    /* events without a field their row requires */
	long first_missing_seq;
	char *first_missing;    /* the first of them, described (malloc'd) */
	tlog_mark *back;        /* each step back of the wall clock (ts): seq, ms back */
	size_t nback;
	tlog_mark *down;        /* each run.resume: seq, ms down since the event before
	                         * it (-1 unknown) */
	size_t ndown;
	int torn;               /* the last line has no '\n' */
	size_t torn_bytes;
	const tlog_event *start, *end;  /* run.start and the last run.end of the run (before
	                                 * any run.undo), or NULL */
	/* `runbook undo`: the last run.undo and the run.end after it, or NULL */
	const tlog_event *undo, *undo_end;
} tlog;

/*
 * Read path into l.  Returns 0, or -1 with *err (malloc'd) when the file
 * cannot be read.  Unparseable lines are counted, not fatal.
 */
int tlog_read(tlog *l, const char *path, char **err);
void tlog_release(tlog *l);

/* A field of an event as a string / number (NULL / dflt when absent);
 * tev_num does no conversion: integers are read with tev_int */
const char *tev_str(const tlog_event *e, const char *key);
double tev_num(const tlog_event *e, const char *key, double dflt);
struct cJSON *tev_get(const tlog_event *e, const char *key);
/* A field as an integer >= 0 (json_int): the value, or dflt when it is
 * absent, negative or not an integer in range (tlog_read noted it) */
int64_t tev_int(const tlog_event *e, const char *key, int64_t dflt);

/* "2024-05-01T12:34:56.789Z" -> ms since the epoch; -1 when malformed */
int64_t ts_parse_ms(const char *s);

/*
 * The run's duration in ms, from run.start to the last run.end (to the
 * last event when there is none), resumes and the time down before them
 * included: run.end's duration_ms when the run was never resumed, else
 * the span of the run's clock (at_ms); -1 when unknown.
 */
int64_t tlog_duration_ms(const tlog *l);
/* ms the run was down (crash to resume) between events a and b (indexes
 * into l->v, a < b), over the resumes whose time is known */
int64_t tlog_down_ms(const tlog *l, size_t a, size_t b);

enum { VC_PASS = 1, VC_FAIL = 0, VC_INFO = 2 };

typedef struct vcheck {
	const char *group;      /* integrity, completeness, signatures, runbook, outcome, objectives */
	char *name;             /* e.g. "chain", "sha256", "max-duration" */
	int result;             /* VC_* (VC_INFO: a note that passes) */
	char *detail;           /* what was found, with the actual figures */
	long seq;               /* the first bad seq, 0 when none */
} vcheck;

typedef struct verdict {
	vcheck *v;
	size_t n;
	int ok;                 /* every check passed */
	int interrupted;        /* no run.end or a torn last line */
	long first_bad_seq;     /* integrity or signature: first bad seq, else 0 */
	int has_objectives;
	int authenticated;      /* the checkpoints were verified with --pubkey */
} verdict;

typedef struct verify_opts {
	const char *runbook_path;       /* --runbook, may be NULL */
	const char *pubkey_path;        /* --pubkey, may be NULL */
} verify_opts;

/*
 * Judge the transcript at path (already read into l) as `runbook verify`
 * says: integrity, completeness, signatures, the runbook (with
 * runbook_path), outcome and objectives.  Returns 0 with *out filled, or
 * -1 with *err (malloc'd) when the runbook or the key file cannot be read
 * (a usage problem, not a verdict).
 */
int verify_transcript(const char *path, const tlog *l, const verify_opts *o,
		      verdict *out, char **err);
void verdict_release(verdict *vd);

#endif
