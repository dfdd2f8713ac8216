/*
 * replay.c - the transcript of a run that did not end, read back for
 * resume (see replay.h).
 */
#include "record/replay.h"
#include "record/events.h"
#include "base/arena.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* a list of step ids (malloc'd copies), each with a for-each item index or -1 */
typedef struct strv {
	char **v;
	size_t n;
	long *item;
} strv;

static void sv_add_item(strv *s, const char *x, long item)
{
	s->v = xrealloc(s->v, (s->n + 1) * sizeof(char *));
	s->item = xrealloc(s->item, (s->n + 1) * sizeof(long));
	s->item[s->n] = item;
	s->v[s->n++] = xstrdup(x);
}

static void sv_add(strv *s, const char *x)
{
	sv_add_item(s, x, -1);
}

static void sv_del(strv *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x)) {
			free(s->v[i]);
			memmove(s->v + i, s->v + i + 1, (s->n - i - 1) * sizeof(char *));
			memmove(s->item + i, s->item + i + 1, (s->n - i - 1) * sizeof(long));
			s->n--;
			return;
		}
}

static void sv_free(strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->item);
}

/* the replay as it is built: the lists grow, then move into the replay */
typedef struct replayer {
	const runbook *rb;
	replay *r;
	strv finished, done, rolled, open;
} replayer;

/* a step finished with status; its record for the `steps` context */
static void finish(replayer *p, const char *id, const char *status, value *outputs, value *result)
{
	sv_del(&p->open, id);
	sv_add(&p->finished, id);
	value *s = v_obj();
	v_obj_set_take(s, "status", v_str(status));
	v_obj_set_take(s, "outputs", outputs);
	v_obj_set_take(s, "result", result);
	v_obj_set_take(p->r->steps, id, s);
}

static value *items_list(replayer *p, const char *id, int64_t n);

/* a step.end: a rollback step that ended, or a step that finished */
static void step_end(replayer *p, const tlog_event *e)
{
	const char *status = e->status ? e->status : "";
	if (e->phase && !strcmp(e->phase, "rollback")) {
		sv_del(&p->open, e->step);
		if (!strcmp(status, "ok"))
			sv_add_item(&p->rolled, e->step, e->item);
		return;
	}
	const step *st = runbook_find_step(p->rb, e->step);
	cJSON *jo = tev_get(e, "outputs"), *jr = tev_get(e, "result");
	finish(p, e->step, status, jo && cJSON_IsObject(jo) ? v_from_cjson(jo) : v_obj(),
	       jr ? v_from_cjson(jr) : v_null());
	if (st && st->for_each)
		v_obj_set_take(v_obj_get(p->r->steps, e->step), "items",
			       items_list(p, e->step, tev_int(e, "items", 0)));
	if (!strcmp(status, "ok") && st && st->effect == EFFECT_WRITE)
		sv_add(&p->done, e->step);
	if (!strcmp(status, "failed") && st && st->on_failure != ONFAIL_CONTINUE) {
		free(p->r->failed_step);
		p->r->failed_step = xstrdup(e->step);
	}
}

/* the record of item k of for-each step id (status, outputs, result); takes them */
static void item_set(replayer *p, const char *id, long k, const char *status, value *outputs,
		     value *result)
{
	char key[24];
	value *items = v_obj_get(p->r->items, id), *r = v_obj();
	if (!items) {
		v_obj_set_take(p->r->items, id, v_obj());
		items = v_obj_get(p->r->items, id);
	}
	snprintf(key, sizeof key, "%ld", k);
	v_obj_set_take(r, "status", v_str(status));
	v_obj_set_take(r, "outputs", outputs);
	v_obj_set_take(r, "result", result);
	v_obj_set_take(items, key, r);
}

/* steps.<id>.items of a for-each step that ended with n items */
static value *items_list(replayer *p, const char *id, int64_t n)
{
	value *items = v_obj_get(p->r->items, id), *l = v_list();
	for (int64_t k = 0; k < n; k++) {
		char key[24];
		snprintf(key, sizeof key, "%lld", (long long)k);
		value *r = items ? v_obj_get(items, key) : NULL;
		if (r) {
			v_list_push(l, r);
			continue;
		}
		r = v_obj();
		v_obj_set_take(r, "status", v_str("not-run"));
		v_obj_set_take(r, "outputs", v_obj());
		v_obj_set_take(r, "result", v_null());
		v_list_push_take(l, r);
	}
	return l;
}

/*
 * An event of one item of a for-each step of the runbook: the item
 * started, ended or (an earlier resume decided) took effect.  An item
 * that ended ok, or failed, joins the completed writes: what a rollback
 * undoes, or asks about.  Returns 0 for any other event.
 */
static int item_event(replayer *p, const tlog_event *e)
{
	const step *st = strchr(e->step, '/') ? NULL : runbook_find_step(p->rb, e->step);
	if (e->item < 0 || !st || !st->for_each || (e->phase && !strcmp(e->phase, "rollback")))
		return 0;
	const char *status = e->status ? e->status : "", *d = tev_str(e, "decision");
	int write = st->effect == EFFECT_WRITE;
	if (e->id == EV_STEP_START) {
		item_set(p, e->step, e->item, "started", v_obj(), v_null());
	} else if (e->id == EV_STEP_END) {
		cJSON *jo = tev_get(e, "outputs"), *jr = tev_get(e, "result");
		item_set(p, e->step, e->item, status, jo && cJSON_IsObject(jo) ? v_from_cjson(jo) : v_obj(),
			 jr ? v_from_cjson(jr) : v_null());
		if (write && (!strcmp(status, "ok") ||
			      (!strcmp(status, "failed") && st->on_failure != ONFAIL_CONTINUE)))
			sv_add_item(&p->done, e->step, e->item);
	} else if (e->id == EV_STEP_IN_DOUBT && d && !strcmp(d, "applied")) {
		item_set(p, e->step, e->item, "ok", v_obj(), v_null());
		if (write)
			sv_add_item(&p->done, e->step, e->item);
	}
	return 1;
}

/* one event of the record */
static void replay_event(replayer *p, const tlog_event *e)
{
	if (e->seq > p->r->last_seq)
		p->r->last_seq = e->seq;
	if (e->id == EV_ROLLBACK_START)
		p->r->rolling_back = 1;
	else if (e->id == EV_ROLLBACK_END)
		p->r->rolling_back = 0;
	if (!e->step || item_event(p, e))
		return;
	if (e->id == EV_STEP_START)
		sv_add(&p->open, e->step);
	else if (e->id == EV_STEP_END)
		step_end(p, e);
	else if (e->id == EV_STEP_IN_DOUBT) {
		/* an earlier resume decided it took effect: finished, with nothing to show */
		const char *d = tev_str(e, "decision");
		if (d && !strcmp(d, "applied")) {
			const step *st = runbook_find_step(p->rb, e->step);
			finish(p, e->step, "ok", v_obj(), v_null());
			if (st && st->effect == EFFECT_WRITE)
				sv_add(&p->done, e->step);
		}
	}
}

void replay_run(const tlog *l, const runbook *rb, replay *r)
{
	replayer p = { rb, r, { 0 }, { 0 }, { 0 }, { 0 } };
	memset(r, 0, sizeof *r);
	r->steps = v_obj();
	r->items = v_obj();
	for (size_t i = 0; i < l->n; i++)
		replay_event(&p, &l->v[i]);
	/* the in-doubt step: started, never ended (rollback steps just rerun) */
	for (size_t i = 0; i < p.open.n && !r->in_doubt; i++) {
		const step *st = runbook_find_step(rb, p.open.v[i]);
		if (st && !st->owner)
			r->in_doubt = xstrdup(p.open.v[i]);
	}
	sv_free(&p.open);
	r->finished = p.finished.v;
	r->nfinished = p.finished.n;
	free(p.finished.item);
	r->done_writes = p.done.v;
	r->done_items = p.done.item;
	r->ndone = p.done.n;
	r->rolled = p.rolled.v;
	r->rolled_items = p.rolled.item;
	r->nrolled = p.rolled.n;
}

void replay_release(replay *r)
{
	strv lists[] = { { r->finished, r->nfinished, NULL },
			 { r->done_writes, r->ndone, r->done_items },
			 { r->rolled, r->nrolled, r->rolled_items } };
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		sv_free(&lists[i]);
	free(r->in_doubt);
	free(r->failed_step);
	if (r->steps)
		v_release(r->steps);
	if (r->items)
		v_release(r->items);
	memset(r, 0, sizeof *r);
}
