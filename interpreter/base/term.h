/*
 * term.h - what an operator sees while a runbook runs.
 *
 * On a terminal: a live line per step (a "running" line rewritten in place
 * with its result, attempts and duration), colour unless NO_COLOR is set.
 * Otherwise: plain lines, one per event, no escape sequences.  Values
 * (messages, errors, what a step printed) pass through the run's
 * redactor; the display's own marks, step ids and statuses do not, so a
 * secret that happens to be a common word cannot rewrite them.
 */
#ifndef RB_TERM_H
#define RB_TERM_H

#include <stdint.h>
#include <stdio.h>
#include "base/redact.h"

typedef struct term {
	FILE *out;
	int tty, color, quiet;
	int pending;            /* a live "running" line is on screen */
	int live;               /* rewrite a step's line in place (a TTY, one step at a time) */
	char *line;             /* the pending line as first drawn (malloc'd) */
	int64_t since;          /* when the pending step started (monotonic ms) */
	const redactor *red;
} term;

void term_init(term *t, FILE *out, int tty, int color, int quiet, const redactor *red);
/* a line: fmt is structure; its %s arguments are values, redacted.
 * Only %s, %d and %% may be used. */
void term_line(term *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void term_phase(term *t, const char *phase);
void term_step_start(term *t, const char *id, const char *title, const char *prim, int write);
void term_step_retry(term *t, const char *id, int attempt, int max, const char *why);
/* redraw the pending step's line with its running time (a ticker calls
 * this about once a second while a step runs) */
void term_tick(term *t);
/* status: ok failed skipped would-run; detail may be NULL */
void term_step_end(term *t, const char *id, const char *status, int64_t ms,
		   int attempts, const char *detail);
/* text a step shows under its line (a log message), a value: redacted,
 * each line indented, control characters shown as '?'; not when quiet */
void term_step_text(term *t, const char *text);

#endif
