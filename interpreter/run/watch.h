/*
 * watch.h - guards and continuous probes: read steps checked on a
 * cadence, on a thread of their own, while the run's phases go on.
 *
 * A guard (a step of drill.guard) is a drill's stop condition: from the
 * first phase of the drill until its phases end, it is checked every
 * `every`, and its first failed check trips it.  A continuous probe (a
 * step of `probes:`) is checked every `every` while its window is open
 * (`during`: the steps phase, a drill's phases, or every phase of the
 * run); it trips once more than `tolerance` checks in a row failed.  A
 * window opens with a check at once; a check that takes longer than
 * `every` is followed by the next one at once.  The first trip ends the
 * watch: the executor cancels what runs and fails the run.
 *
 * The executor owns what a check does (exec.c: render the action, call
 * the primitive on connections of the watch's own, judge `expect`, record
 * the event); watch.c decides when each check runs, counts the failures
 * and says when one trips.  Its thread holds the caller's lock, as every
 * thread that touches the run's state does, and lets it go while it
 * waits for the next check and while a check waits on the outside world.
 *
 * Ownership: a watch owns its items (watch_release); the steps are the
 * runbook's, the checks' values the hooks'.
 */
#ifndef RB_WATCH_H
#define RB_WATCH_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/value.h"
#include "lang/runbook.h"

typedef struct watch_item {
	const step *st;         /* its phase says what it is: PH_GUARD or PH_PROBES */
	int64_t every_ms;
	int active;             /* its window is open */
	int64_t due;            /* now_ms() of its next check */
	long checks, failed;    /* the checks made, and of those the failed ones */
	int in_a_row;           /* failed checks in a row, now */
} watch_item;

/* one check: whether expect held, why not, the matchers, how long it took */
typedef struct watch_check {
	int ok;
	char *error;            /* malloc'd; NULL when it held */
	value *recs;            /* the matchers, or NULL */
	int64_t duration_ms;
} watch_check;

typedef struct watch_hooks {
	pthread_mutex_t *lock;          /* the run's: held by the watch's thread but while it waits */
	void (*begin)(void *ud);        /* on the watch's thread, first */
	void (*end)(void *ud);          /* on the watch's thread, last (close its connections) */
	/* one check of w into *c; the lock is let go while it waits; *cancel
	 * set: the watch stops, give up */
	void (*check)(void *ud, const watch_item *w, volatile sig_atomic_t *cancel, watch_check *c);
	/* record the check c of w, whose counters count it already */
	void (*record)(void *ud, const watch_item *w, const watch_check *c);
	/* w tripped at check c: a guard's failed check, a probe's one too many */
	void (*trip)(void *ud, const watch_item *w, const watch_check *c);
	void *ud;
} watch_hooks;

typedef struct watch {
	watch_item *v;
	size_t n;
	watch_hooks h;
	int drill;              /* a drill runs: guards and `during: drill` probes apply */
	pthread_t th;
	int running;            /* the thread was started (watch_stop joins it) */
	pthread_cond_t cond;    /* a window opened, or the watch stops */
	volatile sig_atomic_t stop;     /* set by watch_stop: the cancel flag of a check in flight */
	const watch_item *tripped;
} watch;

void watch_init(watch *w, const watch_hooks *h, int drill);
/* st is watched, checked every every_ms (> 0) */
void watch_add(watch *w, const step *st, int64_t every_ms);
/* the run enters phase ph: the windows open and close for it (a window
 * that opens is checked at once), the thread starts with the first open
 * one.  The lock held. */
void watch_enter(watch *w, int ph);
/* no new check, the one in flight cancelled (not recorded), the thread
 * joined.  The lock held; it is let go while the thread ends. */
void watch_stop(watch *w);
void watch_release(watch *w);

#endif
