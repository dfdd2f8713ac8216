/*
 * foreach.c - the items of a for-each step and their scheduler (see
 * foreach.h).
 *
 * The scheduler is the --parallel loop of exec.c for one step's items:
 * the caller holds the run's lock; a worker thread takes it to run its
 * item (the executor releases it only around a primitive's blocking
 * run), marks itself finished and wakes the caller, which joins it,
 * counts its failure and starts the next items while the limits allow.
 * With max-concurrency 1 the items run on the caller's thread, one
 * after the other, with no thread at all.
 */
#include "run/foreach.h"
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

int fe_set_init(fe_set *s, const step *st, const value *list, char **err)
{
	memset(s, 0, sizeof *s);
	s->st = st;
	vtype t = v_type(list);
	if (t != V_LIST && t != V_OBJ) {
		*err = xasprintf("the items must be a list or an object, got %s", v_type_name(list));
		return -1;
	}
	s->n = v_len(list);
	s->v = xcalloc(s->n + 1, sizeof *s->v);
	for (size_t i = 0; i < s->n; i++) {
		fe_item *it = &s->v[i];
		value *each = v_obj();
		it->index = i;
		if (t == V_LIST) {
			v_obj_set(each, "item", v_list_get(list, i));
		} else {
			value *kv = v_obj();
			value *key = v_str(v_obj_key(list, i));
			if (v_is_secret(list))
				v_secret(key);
			v_obj_set(kv, "key", key);
			v_obj_set(kv, "value", v_obj_val(list, i));
			v_obj_set_take(each, "item", kv);
			v_obj_set_take(each, "key", key);
			v_obj_set(each, "value", v_obj_val(list, i));
		}
		v_obj_set_take(each, "index", v_num((double)i));
		it->each = each;
		it->label = xasprintf("%s[%zu]", st->id, i);
	}
	s->max_concurrency = fe_limit_of(st->max_concurrency, s->n, 1);
	s->max_errors = fe_limit_of(st->max_errors, s->n, 0);
	return 0;
}

void fe_set_release(fe_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		fe_item *it = &s->v[i];
		v_release(it->each);
		free(it->label);
		if (it->outputs)
			v_release(it->outputs);
		if (it->result)
			v_release(it->result);
	}
	free(s->v);
	memset(s, 0, sizeof *s);
}

size_t fe_limit_of(fe_limit l, size_t n, size_t min)
{
	size_t x = l.percent ? ((size_t)l.n * n + 99) / 100 : (size_t)l.n;
	return x < min ? min : x;
}

void fe_item_end(fe_item *it, const char *status, value *outputs, value *result)
{
	it->status = status;
	if (it->outputs)
		v_release(it->outputs);
	if (it->result)
		v_release(it->result);
	it->outputs = outputs ? v_retain(outputs) : NULL;
	it->result = result ? v_retain(result) : NULL;
}

value *fe_items_value(const fe_set *s)
{
	value *l = v_list();
	for (size_t i = 0; i < s->n; i++) {
		const fe_item *it = &s->v[i];
		value *r = v_obj();
		v_obj_set_take(r, "status", v_str(it->status ? it->status : "not-run"));
		v_obj_set_take(r, "outputs", it->outputs ? v_retain(it->outputs) : v_obj());
		v_obj_set_take(r, "result", it->result ? v_retain(it->result) : v_null());
		v_list_push_take(l, r);
	}
	return l;
}

/* the output names of s: declared (by the step, or its fragment), else the items' */
static void output_names(const fe_set *s, value *names)
{
	const node *m = s->st->outputs ? s->st->outputs : s->st->frag ? s->st->frag->outputs : NULL;
	for (size_t i = 0; m && m->kind == N_MAP && i < m->n; i++)
		v_obj_set_take(names, m->keys[i]->str, v_null());
	for (size_t i = 0; !m && i < s->n; i++)
		for (size_t k = 0; s->v[i].outputs && k < v_len(s->v[i].outputs); k++)
			if (!v_obj_get(names, v_obj_key(s->v[i].outputs, k)))
				v_obj_set_take(names, v_obj_key(s->v[i].outputs, k), v_null());
}

value *fe_outputs_value(const fe_set *s)
{
	value *names = v_obj(), *out = v_obj();
	output_names(s, names);
	for (size_t k = 0; k < v_len(names); k++) {
		const char *name = v_obj_key(names, k);
		value *l = v_list();
		for (size_t i = 0; i < s->n; i++) {
			value *x = s->v[i].outputs ? v_obj_get(s->v[i].outputs, name) : NULL;
			v_list_push_take(l, x ? v_retain(x) : v_null());
		}
		v_obj_set_take(out, name, l);
	}
	v_release(names);
	return out;
}

value *fe_counts_value(const fe_set *s)
{
	static const char *const names[] = { "ok", "failed", "skipped", "would-run" };
	static const char *const keys[] = { "ok", "failed", "skipped", "would_run" };
	size_t counts[4] = { 0 }, ended = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; s->v[i].status && k < 4; k++)
			if (!strcmp(s->v[i].status, names[k])) {
				counts[k]++;
				ended++;
			}
	value *c = v_obj();
	v_obj_set_take(c, "count", v_num((double)s->n));
	for (size_t k = 0; k < 4; k++)
		v_obj_set_take(c, keys[k], v_num((double)counts[k]));
	v_obj_set_take(c, "not_run", v_num((double)(s->n - ended)));
	return c;
}

/* ---------- the scheduler ---------- */

/* what the workers of one fe_run share (under the lock) */
typedef struct sched {
	fe_set *s;
	const fe_sched *h;
	size_t turns;           /* turns given out, in item order */
	size_t begun;           /* turns taken */
} sched;

typedef struct worker {
	sched *sc;
	fe_item *it;
	size_t turn;
	int finished;           /* set by the worker, under the lock */
	int running;            /* a thread was started and not yet joined */
	pthread_t th;
} worker;

/* may an item begin now?  One in doubt may always: it had started */
static int may_begin(const sched *sc, const fe_item *it)
{
	return !*sc->h->cancel && (it->in_doubt || sc->s->failed <= sc->s->max_errors);
}

/*
 * An item's turn, the lock held: the items begin in the order they were
 * given turns (a thread may get the lock before an earlier one), and
 * each decides then -- with the failures of every item that ended
 * before it -- whether it still may.  So the record shows the items
 * starting in order and none starting after max-errors was passed.
 */
static void take_turn(worker *w)
{
	sched *sc = w->sc;
	while (sc->begun != w->turn)
		pthread_cond_wait(sc->h->cond, sc->h->lock);
	int go = may_begin(sc, w->it);
	sc->begun++;
	pthread_cond_broadcast(sc->h->cond);
	if (go)
		sc->s->failed += sc->h->run(sc->h->ud, w->it);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	pthread_mutex_lock(w->sc->h->lock);
	take_turn(w);
	w->finished = 1;
	pthread_cond_broadcast(w->sc->h->cond);
	pthread_mutex_unlock(w->sc->h->lock);
	return NULL;
}

/* start item w on a thread (signals stay with the main thread); 0 when none */
static int start_thread(worker *w)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int e = pthread_create(&w->th, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	w->running = e == 0;
	return w->running;
}

/* join the workers that finished; returns how many are still running */
static size_t reap(worker *w, size_t n)
{
	size_t running = 0;
	for (size_t i = 0; i < n; i++) {
		if (!w[i].running)
			continue;
		if (!w[i].finished) {
			running++;
			continue;
		}
		pthread_join(w[i].th, NULL);
		w[i].running = 0;
	}
	return running;
}

void fe_run(fe_set *s, const fe_sched *h)
{
	worker *w = xcalloc(s->n + 1, sizeof *w);
	sched sc = { s, h, 0, 0 };
	size_t next = 0, running = 0;
	s->failed = 0;
	for (size_t i = 0; i < s->n; i++)
		s->failed += s->v[i].resumed && s->v[i].status && !strcmp(s->v[i].status, "failed");
	for (;;) {
		running = reap(w, s->n);
		while (!*h->cancel && running < s->max_concurrency && next < s->n) {
			worker *x = &w[next];
			x->sc = &sc;
			x->it = &s->v[next++];
			/* past max-errors no new item starts (its turn checks again) */
			if (x->it->resumed || !may_begin(&sc, x->it))
				continue;
			x->turn = sc.turns++;
			if (s->max_concurrency > 1 && start_thread(x)) {
				running++;
				continue;
			}
			take_turn(x);   /* one at a time (or no thread to be had): here */
		}
		if (!running)
			break;
		pthread_cond_wait(h->cond, h->lock);
	}
	free(w);
}
