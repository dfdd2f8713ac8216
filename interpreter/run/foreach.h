/*
 * foreach.h - the items of a for-each step and the scheduler that runs
 * them (fleet semantics, as AWS Systems Manager's rate control).
 *
 * A for-each step runs once per item of its list (or key of its object).
 * Items start in list order, at most max-concurrency at a time; each
 * failed item counts, and once the failures exceed max-errors no new item
 * starts, the items in flight finish and the step fails.  The step is ok
 * when the failures stay within max-errors.  Percentages are of the
 * number of items, rounded up (max-concurrency at least 1).
 *
 * The executor (exec.c) owns what an item does: fe_run() only decides
 * when each item starts, on its own thread when more than one may be in
 * flight, holding the caller's lock as every thread that touches the
 * run's state does (released only while an item waits).
 *
 * Ownership: an fe_set owns its items and their values (fe_set_release).
 */
#ifndef RB_FOREACH_H
#define RB_FOREACH_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>

#include "base/value.h"
#include "lang/runbook.h"

typedef struct fe_item {
	size_t index;
	value *each;            /* the `each` context: item, index (and key, value) */
	char *label;            /* "<step>[<index>]", for the terminal */
	const char *status;     /* ok, failed, skipped, would-run; NULL: not ended */
	value *outputs, *result;        /* once ended (NULL: none) */
	int resumed;            /* ended before an interruption: never run again */
	int in_doubt;           /* had started when the run was interrupted */
} fe_item;

typedef struct fe_set {
	const step *st;
	fe_item *v;
	size_t n;
	size_t max_concurrency; /* resolved against n: >= 1 */
	size_t max_errors;
	size_t failed;          /* items that failed (fe_run counts them) */
} fe_set;

/*
 * The items of st from the value of its for-each: a list (each.item is
 * the element) or an object (each.item is {key, value}; each.key and
 * each.value too).  Returns 0, or -1 with *err (malloc'd) when list is
 * neither, naming its type.
 */
int fe_set_init(fe_set *s, const step *st, const value *list, char **err);
void fe_set_release(fe_set *s);

/* a limit (max-concurrency, max-errors) for n items; at least min */
size_t fe_limit_of(fe_limit l, size_t n, size_t min);

/* an item ended: its status (a static string) and values (retained) */
void fe_item_end(fe_item *it, const char *status, value *outputs, value *result);

/* steps.<id>.items: per item {status, outputs, result} ("not-run" for an
 * item that never started) */
value *fe_items_value(const fe_set *s);
/* steps.<id>.outputs: each output name to the list of its per-item
 * values (null for an item without it): the step's declared outputs, else
 * every name an item has */
value *fe_outputs_value(const fe_set *s);
/* how the items ended: {count, ok, failed, skipped, would_run, not_run} */
value *fe_counts_value(const fe_set *s);

typedef struct fe_sched {
	pthread_mutex_t *lock;          /* held by the caller of fe_run, and by each item */
	pthread_cond_t *cond;           /* broadcast when an item ends */
	volatile sig_atomic_t *cancel;  /* set: no new item starts */
	/* run one item, the lock held; returns 1 when it failed */
	int (*run)(void *ud, fe_item *it);
	void *ud;
} fe_sched;

/*
 * Run the items of s that have not ended (resumed ones are counted, not
 * run), in order, as the limits allow; returns when none is in flight
 * and none may start.  Called with h->lock held.  s->failed counts the
 * failed items.
 */
void fe_run(fe_set *s, const fe_sched *h);

#endif
