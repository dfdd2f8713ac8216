/*
 * watch.c - guards and continuous probes, checked on a thread of their
 * own (see watch.h).
 *
 * One thread for every item: it takes the item whose check is due first
 * among those whose window is open, waits for its time on a condition
 * variable of the monotonic clock (so that watch_stop and a window that
 * opens wake it at once), checks it through the executor's hooks, counts,
 * records, and trips.  Signals stay with the main thread.
 */
#include "run/watch.h"
#include "base/arena.h"
#include "base/clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void watch_init(watch *w, const watch_hooks *h, int drill)
{
	pthread_condattr_t ca;

	memset(w, 0, sizeof *w);
	w->h = *h;
	w->drill = drill;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cond, &ca);
	pthread_condattr_destroy(&ca);
}

void watch_add(watch *w, const step *st, int64_t every_ms)
{
	w->v = xrealloc(w->v, (w->n + 1) * sizeof *w->v);
	w->v[w->n++] = (watch_item){ st, every_ms, 0, 0, 0, 0, 0 };
}

/* is st's window open in phase ph?  A guard's and a drill probe's span
 * the drill's phases, a run probe's every phase, a steps probe's one */
static int in_window(const watch *w, const step *st, int ph)
{
	if (ph < 0)
		return 0;
	if (st->phase == PH_GUARD)
		return w->drill;
	switch (st->during) {
	case DURING_STEPS:
		return ph == PH_STEPS;
	case DURING_DRILL:
		return w->drill;
	default:
		return 1;
	}
}

/* the open item whose check is due first, or NULL */
static watch_item *next_due(watch *w)
{
	watch_item *best = NULL;

	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].active && (!best || w->v[i].due < best->due))
			best = &w->v[i];
	return best;
}

/* wait (the lock let go) until `at` on the monotonic clock, or a wake-up;
 * at < 0: until a wake-up */
static void wait_until(watch *w, int64_t at)
{
	struct timespec ts;

	if (at < 0) {
		pthread_cond_wait(&w->cond, w->h.lock);
		return;
	}
	ts.tv_sec = (time_t)(at / 1000);
	ts.tv_nsec = (long)(at % 1000) * 1000000L;
	pthread_cond_timedwait(&w->cond, w->h.lock, &ts);
}

static void check_release(watch_check *c)
{
	free(c->error);
	if (c->recs)
		v_release(c->recs);
	memset(c, 0, sizeof *c);
}

/* one check of it, begun at `at`: counted, recorded, and a trip when it
 * is the one too many */
static void check_one(watch *w, watch_item *it, int64_t at)
{
	watch_check c = { 0 };

	w->h.check(w->h.ud, it, &w->stop, &c);
	if (w->stop) {          /* cancelled by the stop: no check was made */
		check_release(&c);
		return;
	}
	it->checks++;
	it->failed += !c.ok;
	it->in_a_row = c.ok ? 0 : it->in_a_row + 1;
	it->due = at + it->every_ms;
	w->h.record(w->h.ud, it, &c);
	if (!c.ok && (it->st->phase == PH_GUARD || it->in_a_row > it->st->tolerance)) {
		w->tripped = it;
		w->h.trip(w->h.ud, it, &c);
	}
	check_release(&c);
}

static void *watch_main(void *arg)
{
	watch *w = arg;

	pthread_mutex_lock(w->h.lock);
	w->h.begin(w->h.ud);
	while (!w->stop && !w->tripped) {
		watch_item *it = next_due(w);
		int64_t now = now_ms();
		if (!it || it->due > now)
			wait_until(w, it ? it->due : -1);
		else
			check_one(w, it, now);
	}
	w->h.end(w->h.ud);
	pthread_mutex_unlock(w->h.lock);
	return NULL;
}

/* no thread to be had: nothing would watch, so the first open item trips */
static void no_thread(watch *w)
{
	watch_check c = { 0, xstrdup("cannot start a thread to check it"), NULL, 0 };
	watch_item *it = next_due(w);

	if (it && !w->tripped) {
		w->tripped = it;
		w->h.trip(w->h.ud, it, &c);
	}
	check_release(&c);
}

void watch_enter(watch *w, int ph)
{
	int64_t now = now_ms();
	int open = 0;

	for (size_t i = 0; i < w->n; i++) {
		watch_item *it = &w->v[i];
		int a = in_window(w, it->st, ph);
		if (a && !it->active)
			it->due = now;
		it->active = a;
		open |= a;
	}
	if (open && !w->running && !w->stop && !w->tripped) {
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		w->running = pthread_create(&w->th, NULL, watch_main, w) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!w->running)
			no_thread(w);
	}
	pthread_cond_broadcast(&w->cond);
}

void watch_stop(watch *w)
{
	w->stop = 1;
	for (size_t i = 0; i < w->n; i++)
		w->v[i].active = 0;
	if (!w->running)
		return;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(w->h.lock);
	pthread_join(w->th, NULL);
	pthread_mutex_lock(w->h.lock);
	w->running = 0;
}

void watch_release(watch *w)
{
	free(w->v);
	pthread_cond_destroy(&w->cond);
	memset(w, 0, sizeof *w);
}
