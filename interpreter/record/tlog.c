/*
 * tlog.c - reading a transcript file, and judging it (see tlog.h).
 *
 * The judgement is the heart of `runbook verify` and
 * the verdict section of `runbook report`: integrity and completeness,
 * signed checkpoints (sign.h), fidelity to the runbook, the outcome and
 * the drill objectives.  Every check is a row of the verdict with the
 * figures it found, so a reviewer sees what held as well as what did not.
 */
#include "record/tlog.h"
#include "base/arena.h"
#include "lang/runbook.h"
#include "record/events.h"
#include "record/sign.h"
#include "record/transcript.h"
#include "base/value.h"
#include "base/clock.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

/*
 * Parse RFC 3339 UTC ("2024-05-01T12:34:56.789Z", the fraction optional)
 * into ms since the epoch.  Other offsets than Z are refused: the writer
 * only makes UTC.
 */
int64_t ts_parse_ms(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int64_t ms;

	if (n < 20 || s[10] != 'T' || s[n - 1] != 'Z' || ts_parse(s, n, &ms) != 0)
		return -1;
	return ms;
}

cJSON *tev_get(const tlog_event *e, const char *key)
{
	return e && e->j ? cJSON_GetObjectItemCaseSensitive(e->j, key) : NULL;
}

const char *tev_str(const tlog_event *e, const char *key)
{
	const cJSON *x = tev_get(e, key);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

double tev_num(const tlog_event *e, const char *key, double dflt)
{
	const cJSON *x = tev_get(e, key);

	return cJSON_IsNumber(x) ? x->valuedouble : dflt;
}

int64_t tev_int(const tlog_event *e, const char *key, int64_t dflt)
{
	int64_t v;

	return json_int(tev_get(e, key), &v) && v >= 0 ? v : dflt;
}

/*
 * The numbers a reader takes from an event, each an integer >= its
 * minimum; "counts" is an object of them.  Anything else is ignored and
 * noted (a transcript the writer could not have made).
 */
static const struct {
	const char *key;
	int64_t min;
} int_fields[] = {
	{ "mono", 0 }, { "duration_ms", 0 }, { "exit", 0 }, { "attempts", 0 },
	{ "upto_seq", 1 }, { "from_seq", 0 }, { "torn_bytes", 0 },
};

static void bad_field(tlog *l, long seq, const char *ev, const char *key, const cJSON *x,
		      int64_t min)
{
	char *v;

	if (l->bad_fields++)
		return;
	v = cJSON_PrintUnformatted(x);
	l->first_bad_field_seq = seq;
	l->first_bad_field = xasprintf("seq %ld (%s): '%s' is %s, not an integer >= %lld: ignored",
				       seq, ev, key, v ? v : "?", (long long)min);
	cJSON_free(v);
}

static void check_int(tlog *l, long seq, const char *ev, const char *key, const cJSON *x,
		      int64_t min)
{
	int64_t v;

	if (x && (!json_int(x, &v) || v < min))
		bad_field(l, seq, ev, key, x, min);
}

/* "seq" must be an integer >= 1, else the line is not an event: 0 and *why */
static int event_ok(tlog *l, cJSON *j, char **why)
{
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(j, "event"), *cnt, *c;
	const char *evs = cJSON_IsString(ev) ? ev->valuestring : "?";
	int64_t n = 0;

	if (seq && (!json_int(seq, &n) || n < 1)) {
		char *v = cJSON_PrintUnformatted(seq);
		*why = xasprintf("its seq %s is not an integer >= 1", v ? v : "?");
		cJSON_free(v);
		return 0;
	}
	for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]); i++)
		check_int(l, (long)n, evs, int_fields[i].key,
			  cJSON_GetObjectItemCaseSensitive(j, int_fields[i].key), int_fields[i].min);
	cnt = cJSON_GetObjectItemCaseSensitive(j, "counts");
	if (cJSON_IsObject(cnt))
		cJSON_ArrayForEach(c, cnt)
			check_int(l, (long)n, evs, "counts", c, 0);
	return 1;
}

/* the index of an event's for-each item, -1 when it has none (or a bad one) */
static long item_index(const cJSON *j)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(j, "item");
	int64_t k;

	if (!json_int(cJSON_GetObjectItemCaseSensitive(it, "index"), &k) || k < 0 || k > LONG_MAX)
		return -1;
	return (long)k;
}

/*
 * Add a parsed event to l, with its id in the table of events; an event
 * of the table that lacks a field its row requires is noted (the first
 * one described), for verify's integrity check.
 */
static void add_event(tlog *l, cJSON *j, long line)
{
	tlog_event *e;
	const char *ev, *missing;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->j = j;
	e->line = line;
	e->seq = (long)tev_int(e, "seq", 0);
	ev = tev_str(e, "event");
	e->event = ev ? ev : "";
	e->id = event_lookup(e->event);
	e->step = tev_str(e, "step");
	e->phase = tev_str(e, "phase");
	e->status = tev_str(e, "status");
	e->item = item_index(j);
	e->ts_ms = ts_parse_ms(tev_str(e, "ts"));
	e->mono = tev_int(e, "mono", -1);
	e->at_ms = -1;
	missing = event_missing(e->id, j, NULL, NULL);
	if (missing && !l->missing_fields++) {
		l->first_missing_seq = e->seq;
		l->first_missing = xasprintf("seq %ld (%s): the required field '%s' is missing",
					     e->seq, e->event, missing);
	}
}

static void mark(tlog_mark **v, size_t *n, long seq, int64_t ms, int measured)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (tlog_mark){ seq, ms, measured };
}

/* may the mono readings of a and b be subtracted: one process, or one boot */
static int same_clock(const tlog_event *a, const tlog_event *b)
{
	return a->mono >= 0 && b->mono >= 0 && b->mono >= a->mono &&
	       (a->part == b->part || (a->boot && b->boot && !strcmp(a->boot, b->boot)));
}

/*
 * Put the events on the run's clock.  at_ms of an event is that of the
 * last event with a mono reading of the same boot plus the difference of
 * the readings; without one, that of the last event with a ts plus the
 * difference of the timestamps when it is not negative.  It never goes
 * back.  A ts earlier than the one before is a step back of the wall
 * clock: noted with its size (measured when both have a usable mono).
 */
static void timeline(tlog *l)
{
	const tlog_event *pt = NULL, *pm = NULL, *pw = NULL;
	int part = 0, uncertain = 0;
	const char *boot = NULL;

	for (size_t i = 0; i < l->n; i++) {
		tlog_event *e = &l->v[i];
		int starts = e->id == EV_RUN_START || e->id == EV_RUN_RESUME || e->id == EV_RUN_UNDO;
		int64_t at = -1;

		if (starts && i > 0)
			part++;
		if (starts)
			boot = tev_str(e, "boot");
		e->part = part;
		e->boot = boot;
		if (e->ts_ms >= 0 && pw && e->ts_ms < pw->ts_ms) {
			int measured = same_clock(pw, e);
			int64_t back = pw->ts_ms - e->ts_ms + (measured ? e->mono - pw->mono : 0);
			mark(&l->back, &l->nback, e->seq, back, measured);
			uncertain += !measured;
		}
		e->uncertain = uncertain;
		if (e->ts_ms >= 0 || e->mono >= 0) {
			if (!pt)
				at = 0;
			else if (pm && same_clock(pm, e))
				at = pm->at_ms + (e->mono - pm->mono);
			else if (pw && e->ts_ms >= 0)
				at = pw->at_ms + (e->ts_ms > pw->ts_ms ? e->ts_ms - pw->ts_ms : 0);
			else
				at = pt->at_ms;
			if (pt && at < pt->at_ms)
				at = pt->at_ms;
		}
		if (e->id == EV_RUN_RESUME && i > 0)
			mark(&l->down, &l->ndown, e->seq, at >= 0 && pt ? at - pt->at_ms : -1, 0);
		e->at_ms = at;
		if (at < 0)
			continue;
		pt = e;
		if (e->mono >= 0)
			pm = e;
		if (e->ts_ms >= 0)
			pw = e;
	}
}

/*
 * Read the transcript at path (see tlog.h).  The events' pointers into
 * l->v stay valid until tlog_release().
 */
int tlog_read(tlog *l, const char *path, char **err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;

	memset(l, 0, sizeof(*l));
	f = fopen(path, "re");
	if (!f) {
		*err = xasprintf("cannot open transcript '%s': %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		size_t len = (size_t)n;
		char *why = NULL;
		cJSON *j;

		if (line[len - 1] != '\n') {
			l->torn = 1;
			l->torn_bytes = len;
			break;
		}
		l->lines++;
		j = cJSON_ParseWithLength(line, len - 1);
		if (!cJSON_IsObject(j))
			why = xstrdup("it is not a JSON object");
		else if (!event_ok(l, j, &why))
			;
		else {
			add_event(l, j, l->lines);
			continue;
		}
		cJSON_Delete(j);
		if (!l->bad_lines++) {
			l->first_bad_line = l->lines;
			l->first_bad_why = why;
		} else {
			free(why);
		}
	}
	free(line);
	if (ferror(f)) {
		*err = xasprintf("cannot read transcript '%s': %s", path, strerror(errno));
		fclose(f);
		tlog_release(l);
		return -1;
	}
	fclose(f);
	l->path = xstrdup(path);
	for (i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (!l->start && e->id == EV_RUN_START)
			l->start = e;
		if (e->id == EV_RUN_UNDO) {
			l->undo = e;
			l->undo_end = NULL;
		} else if (e->id == EV_RUN_END && l->undo)
			l->undo_end = e;
		else if (e->id == EV_RUN_END)
			l->end = e;
	}
	timeline(l);
	return 0;
}

void tlog_release(tlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->v[i].j);
	free(l->v);
	free(l->path);
	free(l->first_bad_why);
	free(l->first_bad_field);
	free(l->first_missing);
	free(l->back);
	free(l->down);
	memset(l, 0, sizeof(*l));
}

int64_t tlog_down_ms(const tlog *l, size_t a, size_t b)
{
	int64_t sum = 0;

	for (size_t k = 0; k < l->ndown; k++)
		if (l->down[k].ms > 0 && l->down[k].seq > l->v[a].seq && l->down[k].seq <= l->v[b].seq)
			sum += l->down[k].ms;
	return sum;
}

/*
 * A run never resumed: run.end's own figure, measured on a monotonic
 * clock in one process.  Otherwise (or without it) the run's clock from
 * run.start (else the first event) to the last run.end (else the last
 * event).
 */
int64_t tlog_duration_ms(const tlog *l)
{
	const tlog_event *a = l->start, *b = l->end;
	int64_t d = l->end ? tev_int(l->end, "duration_ms", -1) : -1;

	if (d >= 0 && !l->ndown)
		return d;
	for (size_t i = 0; !a && i < l->n; i++)
		if (l->v[i].at_ms >= 0)
			a = &l->v[i];
	for (size_t i = l->n; !b && i-- > 0;)
		if (l->v[i].at_ms >= 0)
			b = &l->v[i];
	if (!a || !b || a->at_ms < 0 || b->at_ms < a->at_ms)
		return -1;
	return b->at_ms - a->at_ms;
}

/* ---------- the judgement ---------- */

static void add(verdict *vd, const char *group, const char *name, int result, long seq,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(verdict *vd, const char *group, const char *name, int result, long seq,
		const char *fmt, ...)
{
	va_list ap;
	vcheck *c;
	char *d;

	va_start(ap, fmt);
	d = vxasprintf(fmt, ap);
	va_end(ap);
	vd->v = xrealloc(vd->v, (vd->n + 1) * sizeof(*vd->v));
	c = &vd->v[vd->n++];
	c->group = group;
	c->name = xstrdup(name);
	c->result = result;
	c->detail = d;
	c->seq = seq;
	if (result == VC_FAIL) {
		vd->ok = 0;
		if (seq > 0 && (!vd->first_bad_seq || seq < vd->first_bad_seq) &&
		    (!strcmp(group, "integrity") || !strcmp(group, "signatures")))
			vd->first_bad_seq = seq;
	}
}

void verdict_release(verdict *vd)
{
	for (size_t i = 0; i < vd->n; i++) {
		free(vd->v[i].name);
		free(vd->v[i].detail);
	}
	free(vd->v);
	memset(vd, 0, sizeof(*vd));
}

static char *fmt_dur(int64_t ms, char buf[32])
{
	return dur_format(ms, buf, 32);
}

static int is(const tlog_event *e, event_id ev)
{
	return e->id == ev;
}

/* one of the events of a step's life (step.start .. step.in-doubt in events.h) */
static int is_step_event(const tlog_event *e)
{
	return e->id >= EV_STEP_START && e->id <= EV_STEP_IN_DOUBT;
}

/* a check or the trip of a guard or continuous probe */
static int is_watch_event(const tlog_event *e)
{
	return e->id >= EV_GUARD_CHECK && e->id <= EV_PROBE_FAILED;
}

static int in_phase(const tlog_event *e, const char *phase)
{
	return e->phase && !strcmp(e->phase, phase);
}

/* an event of one item of a for-each step of the runbook itself (not of
 * its undo, nor of a fragment's step): the step's own events have no item */
static int is_item(const tlog_event *e)
{
	return e->item >= 0 && e->step && !strchr(e->step, '/') && !in_phase(e, "rollback");
}

/*
 * Indexes built once per judgement, so that every check is one pass over
 * the events: the runbook's steps by id (a sorted array), and what the
 * transcript says about each step id (a hash table).
 */
typedef struct rbent {
	const char *id;
	const step *st;
	size_t ord;             /* file order: the first of equal ids wins */
} rbent;

typedef struct tstep {
	const char *id;                 /* NULL: a free slot */
	size_t first_done;              /* index of its first step.end or applied in-doubt,
	                                 * (size_t)-1 none */
	const tlog_event *last_end;     /* its last step.end outside the rollback phase */
	const tlog_event *last_rb_end;  /* its last step.end in the rollback phase */
	long last_rb_start;             /* seq of its last rollback-phase step.start, 0 none */
} tstep;

typedef struct judge {
	const tlog *l;
	verdict *vd;
	tstep *ts;              /* open addressing, cap a power of two */
	size_t cap;
	const runbook *rb;      /* --runbook, loaded and valid; else NULL */
	rbent *rv;
	size_t rn;
} judge;

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL & (size_t)-1;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (sizeof(size_t) > 4 ? 1099511628211ULL : 16777619U);
	return h;
}

/* the slot of id: its entry, or the free slot where it goes */
static tstep *tslot(const judge *j, const char *id)
{
	size_t i = hash_str(id) & (j->cap - 1);

	while (j->ts[i].id && strcmp(j->ts[i].id, id))
		i = (i + 1) & (j->cap - 1);
	return &j->ts[i];
}

static const tstep *tfind(const judge *j, const char *id)
{
	const tstep *t = j->cap ? tslot(j, id) : NULL;

	return t && t->id ? t : NULL;
}

static void index_transcript(judge *j)
{
	const tlog *l = j->l;
	size_t nstep = 0;

	for (size_t i = 0; i < l->n; i++)
		nstep += l->v[i].step != NULL;
	for (j->cap = 16; j->cap < 2 * nstep; j->cap *= 2)
		;
	j->ts = xcalloc(j->cap, sizeof(*j->ts));
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const char *dec;
		tstep *t;

		if (!e->step)
			continue;
		t = tslot(j, e->step);
		if (!t->id) {
			t->id = e->step;
			t->first_done = (size_t)-1;
		}
		dec = tev_str(e, "decision");
		if (is_item(e))
			continue;       /* the step ends with its own step.end */
		if (t->first_done == (size_t)-1 &&
		    (is(e, EV_STEP_END) ||
		     /* resume found it had taken effect */
		     (is(e, EV_STEP_IN_DOUBT) && dec && !strcmp(dec, "applied"))))
			t->first_done = i;
		if (is(e, EV_STEP_END) && !in_phase(e, "rollback"))
			t->last_end = e;
		if (is(e, EV_STEP_END) && in_phase(e, "rollback"))
			t->last_rb_end = e;
		if (is(e, EV_STEP_START) && in_phase(e, "rollback") && e->seq > t->last_rb_start)
			t->last_rb_start = e->seq;
	}
}

static int cmp_rbent(const void *a, const void *b)
{
	const rbent *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : x->ord < y->ord ? -1 : x->ord > y->ord;
}

static void collect_steps(judge *j, const runbook *rb, size_t *cap)
{
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (st->id) {
			if (j->rn == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				j->rv = xrealloc(j->rv, *cap * sizeof(*j->rv));
			}
			j->rv[j->rn] = (rbent){ st->id, st, j->rn };
			j->rn++;
		}
		if (st->frag)
			collect_steps(j, st->frag, cap);
	}
}

static void index_runbook(judge *j, const runbook *rb)
{
	size_t cap = 0;

	j->rb = rb;
	collect_steps(j, rb, &cap);
	if (j->rn)
		qsort(j->rv, j->rn, sizeof(*j->rv), cmp_rbent);
}

/* the runbook's step id (fragments' "u/x" too), or NULL */
static const step *rb_step(const judge *j, const char *id)
{
	size_t lo = 0, hi = j->rn;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(j->rv[mid].id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->rn && !strcmp(j->rv[lo].id, id) ? j->rv[lo].st : NULL;
}

/* the last step.end of step id outside the rollback phase */
static const tlog_event *last_end(const judge *j, const char *id)
{
	const tstep *t = tfind(j, id);

	return t ? t->last_end : NULL;
}

/* ---------- integrity and completeness ---------- */

static void check_integrity(const char *path, const tlog *l, verdict *vd)
{
	long bad = 0;
	char *why = NULL;
	int rc = transcript_check_chain(path, &bad, &why);

	if (rc == 1 || rc < 0)
		add(vd, "integrity", "chain", VC_FAIL, bad, "first bad seq %ld: %s", bad,
		    why ? why : "unreadable");
	else if (l->bad_lines)
		add(vd, "integrity", "chain", VC_FAIL, l->first_bad_line,
		    "first bad seq %ld: line %ld is not a transcript event: %s", l->first_bad_line,
		    l->first_bad_line, l->first_bad_why ? l->first_bad_why : "?");
	else
		add(vd, "integrity", "chain", VC_PASS, 0,
		    "%ld events, every line parses, seq contiguous, SHA-256 chain intact", l->lines);
	free(why);
	if (l->bad_fields)
		add(vd, "integrity", "fields", VC_FAIL, l->first_bad_field_seq, "%s%s",
		    l->first_bad_field, l->bad_fields > 1 ? " (and more)" : "");
	if (l->missing_fields)
		add(vd, "integrity", "required-fields", VC_FAIL, l->first_missing_seq, "%s%s",
		    l->first_missing, l->missing_fields > 1 ? " (and more)" : "");
}

/*
 * The undo after run.end (`runbook undo`): its last run.undo ends with a
 * run.end that says the rollback completed, and nothing but checkpoints
 * follows.  A passing check says what the undo did.
 */
static void check_undo(const tlog *l, verdict *vd)
{
	const tlog_event *u = l->undo, *ue = l->undo_end;
	if (!ue) {
		vd->interrupted = 1;
		add(vd, "completeness", "undo", VC_FAIL, u->seq,
		    "the undo begun at seq %ld (run.undo) did not end: run `runbook undo` again to "
		    "finish it", u->seq);
		return;
	}
	for (const tlog_event *e = ue + 1; e < l->v + l->n; e++)
		if (!is(e, EV_CHECKPOINT)) {
			add(vd, "completeness", "undo", VC_FAIL, e->seq,
			    "event seq %ld '%s' follows the undo's run.end (seq %ld)", e->seq, e->event,
			    ue->seq);
			return;
		}
	const char *rb = tev_str(ue, "rollback");
	add(vd, "completeness", "undo", rb && !strcmp(rb, "complete") ? VC_PASS : VC_FAIL, 0,
	    "undone at seq %ld (run.undo) to %ld: rollback %s, exit %lld", u->seq, ue->seq,
	    rb ? rb : "?", (long long)tev_int(ue, "exit", -1));
}

static void check_completeness(const tlog *l, verdict *vd)
{
	const tlog_event *last = l->n ? &l->v[l->n - 1] : NULL;

	if (l->torn) {
		vd->interrupted = 1;
		add(vd, "completeness", "torn-line", VC_FAIL, 0,
		    "line %ld is torn (%zu bytes, no newline): the writer stopped mid-line; "
		    "it is not counted as an event", l->lines + 1, l->torn_bytes);
	}
	if (!l->end) {
		vd->interrupted = 1;
		if (last)
			add(vd, "completeness", event_table[EV_RUN_END].name, VC_FAIL, 0,
			    "interrupted: no run.end; the last event is seq %ld %s%s%s%s",
			    last->seq, last->event, last->step ? " '" : "",
			    last->step ? last->step : "", last->step ? "'" : "");
		else
			add(vd, "completeness", event_table[EV_RUN_END].name, VC_FAIL, 0, "interrupted: no events");
		return;
	}
	for (const tlog_event *e = l->end + 1; e < l->v + l->n && !is(e, EV_RUN_UNDO); e++) {
		if (!is(e, EV_CHECKPOINT)) {
			add(vd, "completeness", event_table[EV_RUN_END].name, VC_FAIL, e->seq,
			    "event seq %ld '%s' follows run.end (seq %ld)", e->seq, e->event,
			    l->end->seq);
			return;
		}
	}
	if (tev_int(l->end, "exit", -1) >= 0)
		add(vd, "completeness", event_table[EV_RUN_END].name, VC_PASS, 0, "run.end at seq %ld: status %s, exit %lld",
		    l->end->seq, l->end->status ? l->end->status : "?",
		    (long long)tev_int(l->end, "exit", -1));
	else
		add(vd, "completeness", event_table[EV_RUN_END].name, VC_PASS, 0, "run.end at seq %ld: status %s, exit ?",
		    l->end->seq, l->end->status ? l->end->status : "?");
	if (l->undo)
		check_undo(l, vd);
}

/*
 * Notes on time, which pass: each resume with the time the run was down
 * before it, and each step back of the wall clock (a fact about the
 * machine, not about the transcript).
 */
static void note_clock(const tlog *l, verdict *vd)
{
	char d[32];

	if (l->ndown) {
		sbuf b = { 0 };
		int64_t total = 0;
		for (size_t k = 0; k < l->ndown; k++) {
			char *s;
			if (l->down[k].ms < 0)
				s = xasprintf("; down for an unknown time before the run.resume at seq %ld",
					      l->down[k].seq);
			else
				s = xasprintf("; down %s before the run.resume at seq %ld",
					      fmt_dur(l->down[k].ms, d), l->down[k].seq);
			if (l->down[k].ms > 0)
				total += l->down[k].ms;
			sbuf_adds(&b, s);
			free(s);
		}
		add(vd, "completeness", "resume", VC_INFO, 0, "resumed %zu time%s, down %s in all%s",
		    l->ndown, l->ndown == 1 ? "" : "s", fmt_dur(total, d), b.buf);
		sbuf_release(&b);
	}
	for (size_t k = 0; k < l->nback && k < 5; k++)
		add(vd, "clock", "wall-clock", VC_INFO, 0,
		    "wall clock stepped back %lld ms at seq %ld%s", (long long)l->back[k].ms,
		    l->back[k].seq,
		    l->back[k].measured ? "; durations come from the monotonic clock"
					: "; no monotonic reading across it: durations over it are "
					  "lower bounds");
	if (l->nback > 5)
		add(vd, "clock", "wall-clock", VC_INFO, 0, "and %zu more steps back of the wall clock",
		    l->nback - 5);
}

/* ---------- signatures ---------- */

/* the event with this seq (the first one), or NULL */
static const tlog_event *by_seq(const tlog *l, long seq)
{
	if (seq >= 1 && (size_t)seq <= l->n && l->v[seq - 1].seq == seq)
		return &l->v[seq - 1];
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].seq == seq)
			return &l->v[i];
	return NULL;
}

/*
 * The checkpoints.  With a public key (pub), each must verify.  Without
 * one, when run.start says the run was signed ("signed_by"), they must
 * still be there, be well formed, name that key, sign the hash of the
 * line they cover, and the last must cover run.end: stripping them, or
 * cutting the tail, fails even without the key.  Only the key proves who
 * signed, so that case is noted as not authenticated.
 */
static const char *signed_by(const tlog_event *e)
{
	return is(e, EV_RUN_START) || is(e, EV_RUN_RESUME) || is(e, EV_RUN_UNDO)
		? tev_str(e, "signed_by") : NULL;
}

/* the key run.start (or the first signed run.resume) says signed the run */
static const char *tlog_signed_by(const tlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (signed_by(&l->v[i]))
			return signed_by(&l->v[i]);
	return NULL;
}

/* 1 when the checkpoints hold, else 0 (a FAIL was added) */
static int check_signatures(const tlog *l, const sign_pub *pub, verdict *vd)
{
	const char *run = l->n ? tev_str(&l->v[0], "run") : NULL;
	const char *first = tlog_signed_by(l);
	const char *want = pub ? sign_pub_id(pub) : first;
	long covered = 0, ncp = 0;
	const tlog_event *lastcp = NULL, *badby = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i], *t;
		const char *kid, *hash, *sig, *th, *by = signed_by(e);
		long upto;

		if (by && pub && strcmp(by, want) && !badby)
			badby = e;
		if (by && !pub)
			want = by;      /* a resume may sign with another key */
		if (!is(e, EV_CHECKPOINT))
			continue;
		ncp++;
		kid = tev_str(e, "key_id");
		hash = tev_str(e, "upto_hash");
		sig = tev_str(e, "sig");
		upto = (long)tev_int(e, "upto_seq", 0);
		if (!kid || !hash || !sig || upto < 1 || upto >= e->seq) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: checkpoint at seq %ld is malformed", covered + 1, e->seq);
			return 0;
		}
		if (strcmp(kid, want)) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: checkpoint at seq %ld is signed by key '%s', not by '%s'",
			    covered + 1, e->seq, kid, want);
			return 0;
		}
		if (pub && (!run || !sign_pub_verify(pub, run, upto, hash, sig))) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: the signature of the checkpoint at seq %ld does not verify",
			    covered + 1, e->seq);
			return 0;
		}
		t = by_seq(l, upto);
		th = t ? tev_str(t, "hash") : NULL;
		if (!th || strcmp(th, hash)) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: the checkpoint at seq %ld signs a hash that is not "
			    "the one of seq %ld: seq %ld..%ld were altered and re-hashed",
			    covered + 1, e->seq, upto, covered + 1, upto);
			return 0;
		}
		if (upto > covered)
			covered = upto;
		lastcp = e;
	}
	if (!ncp) {
		if (pub)
			add(vd, "signatures", "checkpoints", VC_FAIL, 1,
			    "first bad seq 1: no signed checkpoint: the run was not signed, or the tail "
			    "holding its only checkpoint was cut off");
		else
			add(vd, "signatures", "checkpoints", VC_FAIL, 1,
			    "first bad seq 1: run.start says the run was signed by key '%s', but the "
			    "transcript has no checkpoint: they were removed, or the tail was cut off",
			    first);
		return 0;
	}
	const tlog_event *final_end = l->undo_end ? l->undo_end : l->end;
	if (!final_end || covered < final_end->seq) {
		add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
		    "first bad seq %ld: the last signed checkpoint covers seq %ld, %s: "
		    "the tail was truncated or the run was interrupted",
		    covered + 1, covered,
		    final_end ? "not run.end" : "and there is no run.end");
		return 0;
	}
	if (badby) {
		add(vd, "signatures", "checkpoints", VC_FAIL, badby->seq,
		    "first bad seq %ld: %s says the run was signed by key '%s', --pubkey is '%s'",
		    badby->seq, badby->event, signed_by(badby), want);
		return 0;
	}
	if (pub)
		add(vd, "signatures", "checkpoints", VC_PASS, 0,
		    "%ld checkpoint%s signed by key '%s' verif%s; the last (seq %ld) covers run.end "
		    "(seq %ld)", ncp, ncp == 1 ? "" : "s", want, ncp == 1 ? "ies" : "y", lastcp->seq,
		    final_end->seq);
	else
		add(vd, "signatures", "checkpoints", VC_PASS, 0,
		    "%ld checkpoint%s of key '%s' (as run.start says) in place; the last (seq %ld) "
		    "covers run.end (seq %ld); signatures not checked without --pubkey",
		    ncp, ncp == 1 ? "" : "s", want, lastcp->seq, final_end->seq);
	return 1;
}

/* ---------- the runbook ---------- */

static void check_ids(const judge *j)
{
	const tlog *l = j->l;
	size_t nsteps = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const step *st;

		if (!e->step || !(is_step_event(e) || is_watch_event(e)))
			continue;
		nsteps++;
		st = rb_step(j, e->step);
		if (!st) {
			add(j->vd, "runbook", "steps", VC_FAIL, 0,
			    "seq %ld: step '%s' is not in the runbook", e->seq, e->step);
			return;
		}
		if (e->phase && strcmp(e->phase, phase_names[st->phase])) {
			add(j->vd, "runbook", "steps", VC_FAIL, 0,
			    "seq %ld: step '%s' ran in phase %s, the runbook has it in %s",
			    e->seq, e->step, e->phase, phase_names[st->phase]);
			return;
		}
	}
	add(j->vd, "runbook", "steps", VC_PASS, 0,
	    "every step of %zu step events is in the runbook, in its phase", nsteps);
}

/*
 * A step that did something must have started after each of its needs
 * ended.  A skipped step did nothing, so it is not held to the order.
 */
static void check_order(const judge *j)
{
	const tlog *l = j->l;
	size_t checked = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i], *end;
		const step *st;

		if (!is(e, EV_STEP_START) || !e->step || in_phase(e, "rollback"))
			continue;
		st = rb_step(j, e->step);
		end = last_end(j, e->step);
		if (!st || (end && end->status && !strcmp(end->status, "skipped")))
			continue;
		checked++;
		for (size_t k = 0; k < st->needs.n; k++) {
			const char *need = st->needs.v[k]->id;
			const tstep *t = need ? tfind(j, need) : NULL;
			if (!t || t->first_done == (size_t)-1 || t->first_done >= i) {
				add(j->vd, "runbook", "order", VC_FAIL, 0,
				    "seq %ld: step '%s' started before its need '%s' finished",
				    e->seq, e->step, need ? need : "?");
				return;
			}
		}
	}
	add(j->vd, "runbook", "order", VC_PASS, 0,
	    "%zu steps started after their needs finished", checked);
}

/* did rollback step rs start after seq `after` (for the for-each item `item`, when >= 0)? */
/*
 * The items of one for-each step, as its events show them: where each
 * item is (IS_*), how many are in flight, the most at once, the failures,
 * and the limits its own step.end recorded.
 */
enum { IS_NONE, IS_RUNNING, IS_DEAD, IS_ENDED };   /* IS_DEAD: running when a resume began */

typedef struct fe_judge {
	const step *st;
	unsigned char *state;
	size_t cap;
	long last_first;        /* the highest index started so far, -1 */
	size_t open, most, failed, started;
	int64_t max_conc, max_err;      /* -1: unknown */
} fe_judge;

/* the limits of a for-each step: from its own last step.end, else from the runbook */
static void fe_limits(const judge *j, fe_judge *f)
{
	const tlog_event *end = last_end(j, f->st->id);

	f->max_conc = end ? tev_int(end, "max_concurrency", -1) : -1;
	f->max_err = end ? tev_int(end, "max_errors", -1) : -1;
	if (f->max_conc < 0 && !f->st->max_concurrency.percent)
		f->max_conc = f->st->max_concurrency.n;
	if (f->max_err < 0 && !f->st->max_errors.percent)
		f->max_err = f->st->max_errors.n;
}

/* one item event of f's step; NULL, or what is wrong (malloc'd) */
static char *fe_event(fe_judge *f, const tlog_event *e)
{
	size_t k = (size_t)e->item;
	const char *d = tev_str(e, "decision");

	if (k >= 10000000)
		return xasprintf("seq %ld: item %zu of '%s' is out of range", e->seq, k, f->st->id);
	if (k >= f->cap) {
		size_t cap = k + 64 > 2 * f->cap ? k + 64 : 2 * f->cap;
		f->state = xrealloc(f->state, cap);
		memset(f->state + f->cap, IS_NONE, cap - f->cap);
		f->cap = cap;
	}
	if (is(e, EV_STEP_START)) {
		if (f->state[k] == IS_ENDED)
			return xasprintf("seq %ld: item %zu of '%s' started again after it ended",
					 e->seq, k, f->st->id);
		if (f->state[k] == IS_NONE && (long)k < f->last_first)
			return xasprintf("seq %ld: item %zu of '%s' started after item %ld: not in order",
					 e->seq, k, f->st->id, f->last_first);
		if (f->state[k] == IS_NONE && f->max_err >= 0 && f->failed > (size_t)f->max_err)
			return xasprintf("seq %ld: item %zu of '%s' started after %zu failures (max-errors %lld)",
					 e->seq, k, f->st->id, f->failed, (long long)f->max_err);
		if (f->state[k] == IS_NONE) {
			f->last_first = (long)k;
			f->started++;
		}
		f->state[k] = IS_RUNNING;
		if (++f->open > f->most)
			f->most = f->open;
		if (f->max_conc >= 0 && f->open > (size_t)f->max_conc)
			return xasprintf("seq %ld: %zu items of '%s' in flight (max-concurrency %lld)",
					 e->seq, f->open, f->st->id, (long long)f->max_conc);
	} else if (is(e, EV_STEP_END) || (is(e, EV_STEP_IN_DOUBT) && d && !strcmp(d, "applied"))) {
		if (f->state[k] == IS_ENDED)
			return xasprintf("seq %ld: item %zu of '%s' ended twice", e->seq, k, f->st->id);
		f->open -= f->state[k] == IS_RUNNING;
		f->state[k] = IS_ENDED;
		f->failed += is(e, EV_STEP_END) && e->status && !strcmp(e->status, "failed");
	}
	return NULL;
}

/*
 * The items of every for-each step: each starts once, in order, at most
 * max-concurrency in flight at once (a resume begins with none), none
 * starts (for the first time) once the failures passed max-errors, and
 * each ends at most once.
 */
static void check_items(const judge *j)
{
	const tlog *l = j->l;
	fe_judge *f = NULL;
	size_t nf = 0, items = 0, most = 0;
	char *bad = NULL;

	for (size_t i = 0; i < j->rn; i++)
		if (j->rv[i].st->for_each && !strchr(j->rv[i].id, '/')) {
			f = xrealloc(f, (nf + 1) * sizeof(*f));
			f[nf] = (fe_judge){ j->rv[i].st, NULL, 0, -1, 0, 0, 0, 0, -1, -1 };
			fe_limits(j, &f[nf++]);
		}
	for (size_t i = 0; i < l->n && nf && !bad; i++) {
		const tlog_event *e = &l->v[i];
		for (size_t k = 0; k < nf && is(e, EV_RUN_RESUME); k++) {
			for (size_t x = 0; x < f[k].cap; x++)
				if (f[k].state[x] == IS_RUNNING)
					f[k].state[x] = IS_DEAD;
			f[k].open = 0;
		}
		for (size_t k = 0; k < nf && is_item(e) && !bad; k++)
			if (!strcmp(f[k].st->id, e->step))
				bad = fe_event(&f[k], e);
	}
	for (size_t k = 0; k < nf; k++) {
		items += f[k].started;
		most = f[k].most > most ? f[k].most : most;
		free(f[k].state);
	}
	free(f);
	if (bad)
		add(j->vd, "runbook", "items", VC_FAIL, 0, "%s", bad);
	else if (nf)
		add(j->vd, "runbook", "items", VC_PASS, 0,
		    "%zu for-each step%s: %zu items started once each, in order, within "
		    "max-concurrency (at most %zu at once) and max-errors", nf, nf == 1 ? "" : "s",
		    items, most);
	free(bad);
}

static int rollback_ran(const judge *j, const step *rs, long after, long item)
{
	const tstep *t = rs->id ? tfind(j, rs->id) : NULL;

	if (item < 0 || !t)
		return t && t->last_rb_start > after;
	for (size_t i = 0; i < j->l->n; i++) {
		const tlog_event *e = &j->l->v[i];
		if (e->seq > after && is(e, EV_STEP_START) && in_phase(e, "rollback") && e->step &&
		    e->item == item && !strcmp(e->step, rs->id))
			return 1;
	}
	return 0;
}

/* is x an entry of rollback.start's items_in_doubt for step id, item, its undo skipped? */
static int item_undo_skipped(const cJSON *x, const char *id, long item)
{
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(x, "step");
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(x, "undo");
	int64_t k;

	return cJSON_IsString(st) && !strcmp(st->valuestring, id) && cJSON_IsString(u) &&
	       !strcmp(u->valuestring, "skipped") &&
	       json_int(cJSON_GetObjectItemCaseSensitive(x, "index"), &k) && k == item;
}

/*
 * A failed step is in doubt: the rollback.start after it records whether
 * its own undo ran (failed_step_undo, for a for-each item in
 * items_in_doubt) and why.  Did it decide not to?
 */
static int own_undo_skipped(const tlog *l, const char *id, long after, long item)
{
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const cJSON *x;
		const char *fs, *u;
		if (e->seq <= after || !is(e, EV_ROLLBACK_START))
			continue;
		fs = tev_str(e, "failed_step");
		u = tev_str(e, "failed_step_undo");
		if (item < 0 && fs && u && !strcmp(fs, id) && !strcmp(u, "skipped"))
			return 1;
		cJSON_ArrayForEach(x, tev_get(e, "items_in_doubt"))
			if (item >= 0 && item_undo_skipped(x, id, item))
				return 1;
	}
	return 0;
}

/* (a step that stops the run fails at most once per resume: a scan each is cheap) */
static void check_rollbacks(const judge *j)
{
	const tlog *l = j->l;
	const char *why = l->end ? tev_str(l->end, "rollback") : NULL;
	int excused = why && (!strncmp(why, "none", 4) || !strncmp(why, "skipped", 7));
	size_t nfailed = 0, nrolled = 0, nexcused = 0, ndoubt = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const step *st;
		int ran = 1;

		if (!is(e, EV_STEP_END) || !e->step || !e->status || strcmp(e->status, "failed") ||
		    in_phase(e, "rollback") || in_phase(e, "cleanup"))
			continue;
		st = rb_step(j, e->step);
		/* a for-each step is judged item by item */
		if (!st || st->effect != EFFECT_WRITE || (st->for_each && e->item < 0))
			continue;
		nfailed++;
		if (!st->rollback.n || st->on_failure == ONFAIL_CONTINUE)
			continue;
		if (own_undo_skipped(l, e->step, e->seq, e->item)) {
			ndoubt++;
			continue;
		}
		for (size_t k = 0; k < st->rollback.n && ran; k++) {
			char item[40] = "";
			if (rollback_ran(j, st->rollback.v[k], e->seq, e->item))
				continue;
			ran = 0;
			if (excused)
				continue;
			if (e->item >= 0)
				snprintf(item, sizeof item, " (item %ld)", e->item);
			add(j->vd, "runbook", "rollbacks", VC_FAIL, 0,
			    "seq %ld: write step '%s'%s failed and its rollback '%s' did not run%s%s%s",
			    e->seq, e->step, item, st->rollback.v[k]->id,
			    why ? " (run.end says rollback " : ", and no run.end says why",
			    why ? why : "", why ? ")" : "");
			return;
		}
		if (ran)
			nrolled++;
		else
			nexcused++;
	}
	if (!nfailed)
		add(j->vd, "runbook", "rollbacks", VC_PASS, 0, "no write step failed");
	else
		add(j->vd, "runbook", "rollbacks", VC_PASS, 0,
		    "%zu failed write step%s: %zu rolled back, %zu not rolled back as run.end "
		    "says (rollback %s), %zu left in doubt as rollback.start records, "
		    "%zu without a rollback or with on-failure: continue",
		    nfailed, nfailed == 1 ? "" : "s", nrolled, nexcused, why ? why : "-", ndoubt,
		    nfailed - nrolled - nexcused - ndoubt);
}

/* an objective's list: its strings, and the lists in it (steps-required's one-of) */
static cJSON *seq_json(const node *x)
{
	cJSON *v = cJSON_CreateArray();

	for (size_t k = 0; k < x->n; k++)
		if (x->vals[k]->kind == N_SCALAR)
			cJSON_AddItemToArray(v, cJSON_CreateString(x->vals[k]->str));
		else if (x->vals[k]->kind == N_SEQ)
			cJSON_AddItemToArray(v, seq_json(x->vals[k]));
	return v;
}

/*
 * The runbook file: its sha256 against run.start's, then, when it loads,
 * its steps, order and rollbacks against the events.  Returns the loaded
 * runbook (the caller frees it) or NULL when it is not valid, with
 * *objectives set from it; -1 in *bad when the file cannot be read.
 */
static runbook *check_runbook(judge *j, const char *path, cJSON **objectives, int *bad,
			      char **err)
{
	const tlog *l = j->l;
	verdict *vd = j->vd;
	char sha[65];
	const char *want = l->start ? tev_str(l->start, "sha256") : NULL;
	const char *rid = l->start ? tev_str(l->start, "runbook") : NULL;
	diags dg;
	runbook *rb;

	*bad = 0;
	if (sha256_file_hex(path, sha) < 0) {
		*err = xasprintf("cannot read runbook '%s'", path);
		*bad = -1;
		return NULL;
	}
	if (want && !strcmp(want, sha))
		add(vd, "runbook", "sha256", VC_PASS, 0, "'%s' has the sha256 run.start recorded (%.16s...)",
		    path, sha);
	else
		add(vd, "runbook", "sha256", VC_FAIL, 0,
		    "sha256 of '%s' is %s, run.start recorded %s: not the runbook that ran",
		    path, sha, want ? want : "none");
	diags_init(&dg);
	rb = runbook_load(path, &dg, 0);
	if (!rb || dg.nerr) {
		add(vd, "runbook", "load", VC_FAIL, 0, "'%s' is not a valid runbook (%d error%s)",
		    path, dg.nerr, dg.nerr == 1 ? "" : "s");
		if (rb)
			runbook_free(rb);
		diags_release(&dg);
		return NULL;
	}
	diags_release(&dg);
	index_runbook(j, rb);
	if (!rid || strcmp(rid, rb->id))
		add(vd, "runbook", "id", VC_FAIL, 0, "the transcript is of runbook '%s', the file is '%s'",
		    rid ? rid : "?", rb->id);
	check_ids(j);
	check_order(j);
	check_items(j);
	check_rollbacks(j);
	if (rb->objectives && rb->objectives->kind == N_MAP) {
		node *m = rb->objectives;
		*objectives = cJSON_CreateObject();
		for (size_t i = 0; i < m->n; i++) {
			node *x = m->vals[i];
			cJSON *v;
			if (x->kind == N_SEQ) {
				v = seq_json(x);
			} else if (x->kind == N_SCALAR) {
				v = cJSON_CreateString(x->str);
			} else {
				continue;
			}
			cJSON_AddItemToObject(*objectives, m->keys[i]->str, v);
		}
	}
	return rb;
}

/* ---------- outcome and objectives ---------- */

/* a duration objective: "10m" (as in the runbook) or a number of ms */
static int objective_ms(const cJSON *x, int64_t *ms)
{
	if (cJSON_IsString(x))
		return dur_parse(x->valuestring, strlen(x->valuestring), ms);
	if (json_int(x, ms) && *ms >= 0)
		return 0;
	return -1;
}

static void judge_duration(verdict *vd, const char *name, const cJSON *limit, int64_t actual,
			   const char *what, const char *missing, const char *also)
{
	int64_t ms;
	char a[32], b[32];

	if (objective_ms(limit, &ms) < 0) {
		add(vd, "objectives", name, VC_FAIL, 0, "the objective is not a duration");
		return;
	}
	if (actual < 0) {
		add(vd, "objectives", name, VC_FAIL, 0, "%s (limit %s)", missing, fmt_dur(ms, b));
		return;
	}
	add(vd, "objectives", name, actual <= ms ? VC_PASS : VC_FAIL, 0, "%s %s%s, limit %s", what,
	    fmt_dur(actual, a), also ? also : "", fmt_dur(ms, b));
}

/*
 * What a span [a, b] of the run includes beyond its steps: time down
 * before a resume, wall-clock steps back no monotonic reading measured.
 * "" when nothing (malloc'd).
 */
static char *span_notes(const tlog *l, size_t a, size_t b)
{
	int64_t down = tlog_down_ms(l, a, b);
	int unsure = l->v[b].uncertain > l->v[a].uncertain;
	char d[32];

	return xasprintf("%s%s%s%s", down > 0 ? " (" : "", down > 0 ? fmt_dur(down, d) : "",
			 down > 0 ? " of it down between a crash and its resume)" : "",
			 unsure ? " (the wall clock stepped back in between, with no monotonic "
				  "reading: a lower bound)" : "");
}

/*
 * From the first step.start of phase `from` to the last step.end of phase
 * `to`, when every step of `to` that ran ended ok (skipped ones do not
 * count), on the run's clock; -1 otherwise (*why says).  *ia, *ib: the
 * two events' indexes.
 */
static int64_t span(const tlog *l, const char *from, const char *to, const char **why,
		    size_t *ia, size_t *ib)
{
	const tlog_event *a = NULL, *b = NULL;

	*why = "nots";
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (!a && is(e, EV_STEP_START) && in_phase(e, from)) {
			a = e;
			*ia = i;
		}
		if (is(e, EV_STEP_END) && in_phase(e, to)) {
			if (e->status && !strcmp(e->status, "skipped"))
				continue;
			if (!e->status || strcmp(e->status, "ok")) {
				*why = "failed";
				return -1;
			}
			b = e;
			*ib = i;
		}
	}
	if (!a) {
		*why = "nostart";
		return -1;
	}
	if (!b) {
		*why = "noend";
		return -1;
	}
	if (a->at_ms < 0 || b->at_ms < 0)
		return -1;
	if (*ib < *ia) {
		*why = "order";
		return -1;
	}
	return b->at_ms - a->at_ms;
}

static void judge_span(const tlog *l, verdict *vd, const char *name, const cJSON *limit,
		       const char *from, const char *to)
{
	const char *why = NULL;
	size_t ia = 0, ib = 0;
	int64_t d = span(l, from, to, &why, &ia, &ib);
	char *missing, *notes = d >= 0 ? span_notes(l, ia, ib) : NULL;

	if (d < 0 && !strcmp(why, "nostart"))
		missing = xasprintf("no %s step started", from);
	else if (d < 0 && !strcmp(why, "failed"))
		missing = xasprintf("a %s step did not pass: never reached", to);
	else if (d < 0 && !strcmp(why, "noend"))
		missing = xasprintf("no %s step ended ok: never reached", to);
	else if (d < 0 && !strcmp(why, "order"))
		missing = xasprintf("the last %s step.end comes before the first %s step.start",
				    to, from);
	else
		missing = xasprintf("timestamps missing");
	char *what = xasprintf("%s (first %s step.start to last %s step.end ok)",
			       !strcmp(name, "time-to-detect") ? "detected in" : "recovered in",
			       from, to);
	judge_duration(vd, name, limit, d, what, missing, notes);
	free(missing);
	free(what);
	free(notes);
}

static void judge_max_duration(const tlog *l, verdict *vd, const cJSON *limit)
{
	int64_t d = l->end ? tlog_duration_ms(l) : -1;
	size_t a = l->start ? (size_t)(l->start - l->v) : 0;
	char *notes = NULL;

	/* never resumed, run.end's duration_ms is the figure: a monotonic one */
	if (d >= 0 && (l->ndown || tev_int(l->end, "duration_ms", -1) < 0)) {
		char *n = span_notes(l, a, (size_t)(l->end - l->v));
		notes = xasprintf(" (run.start to the last run.end%s%s", *n ? ", " : ")",
				  *n ? n + 2 : "");
		free(n);
	}
	judge_duration(vd, "max-duration", limit, d, "the run took", "the run did not end", notes);
	free(notes);
}

static int list_has(const cJSON *arr, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, arr)
		if (cJSON_IsString(x) && !strcmp(x->valuestring, s))
			return 1;
	return 0;
}

/* how a required step ended: "ok", "failed", ..., or NULL when it did not run */
static const char *required_status(const judge *j, const char *id)
{
	const tlog_event *e = last_end(j, id);

	return e ? (e->status ? e->status : "?") : NULL;
}

/*
 * A steps-required entry: a step id, which must end ok, or a list of ids
 * (one step per environment, say), one of which must.  NULL when it is
 * met, else why not (malloc'd).
 */
static char *required_unmet(const judge *j, const cJSON *x)
{
	const cJSON *y;
	const char *st;

	if (cJSON_IsString(x)) {
		st = required_status(j, x->valuestring);
		if (st && !strcmp(st, "ok"))
			return NULL;
		return xasprintf("step '%s' %s%s", x->valuestring, st ? "ended " : "did not run",
				 st ? st : "");
	}
	char *why = xstrdup("none of");
	cJSON_ArrayForEach(y, x) {
		if (!cJSON_IsString(y))
			continue;
		st = required_status(j, y->valuestring);
		if (st && !strcmp(st, "ok")) {
			free(why);
			return NULL;
		}
		char *more = xasprintf("%s%s '%s' (%s)", why, y == x->child ? "" : ",", y->valuestring,
				       st ? st : "did not run");
		free(why);
		why = more;
	}
	char *out = xasprintf("%s ended ok", why);
	free(why);
	return out;
}

static void judge_required(const judge *j, const cJSON *ids)
{
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, ids) {
		char *why;
		if (!cJSON_IsString(x) && !cJSON_IsArray(x))
			continue;
		n++;
		if ((why = required_unmet(j, x))) {
			add(j->vd, "objectives", "steps-required", VC_FAIL, 0, "%s", why);
			free(why);
			return;
		}
	}
	add(j->vd, "objectives", "steps-required", VC_PASS, 0, "all %zu required steps ended ok", n);
}

/*
 * Did the rollback of step `id` run?  By the runbook: each of its rollback
 * steps ended ok in the rollback phase.  Without it: a rollback-phase
 * step.start names it in rollback_of, or rollback.start listed it and
 * rollback.end is complete.
 */
static int rolled_back(const judge *j, const char *id, const char **why)
{
	const tlog *l = j->l;
	const step *st = j->rb ? rb_step(j, id) : NULL;
	const tlog_event *rs = NULL, *re = NULL;

	if (st) {
		if (!st->rollback.n) {
			*why = "has no rollback";
			return 0;
		}
		for (size_t k = 0; k < st->rollback.n; k++) {
			const char *rid = st->rollback.v[k]->id;
			const tstep *t = rid ? tfind(j, rid) : NULL;
			const tlog_event *e = t ? t->last_rb_end : NULL;
			if (!e) {
				*why = "was not rolled back";
				return 0;
			}
			if (!e->status || strcmp(e->status, "ok")) {
				*why = "was rolled back, but its rollback failed";
				return 0;
			}
		}
		return 1;
	}
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const char *of = tev_str(e, "rollback_of");
		if (is(e, EV_STEP_END) && in_phase(e, "rollback") && of && !strcmp(of, id) &&
		    e->status && !strcmp(e->status, "ok"))
			return 1;
		if (is(e, EV_ROLLBACK_START))
			rs = e;
		if (is(e, EV_ROLLBACK_END))
			re = e;
	}
	if (rs && list_has(tev_get(rs, "steps"), id) && re && re->status &&
	    !strcmp(re->status, "complete"))
		return 1;
	*why = "was not rolled back";
	return 0;
}

static void judge_rollbacks(const judge *j, const cJSON *ids)
{
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, ids) {
		const char *why = NULL;
		if (!cJSON_IsString(x))
			continue;
		n++;
		if (!rolled_back(j, x->valuestring, &why)) {
			add(j->vd, "objectives", "rollbacks-expected", VC_FAIL, 0, "step '%s' %s",
			    x->valuestring, why);
			return;
		}
	}
	add(j->vd, "objectives", "rollbacks-expected", VC_PASS, 0,
	    "the rollbacks of all %zu expected steps ran ok", n);
}

static const char *str_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* the objective guard-tripped as given: 1 true, 0 false, -1 not given
 * (a JSON bool from run.start, the runbook's text with --runbook) */
static int guard_expected(const cJSON *obj)
{
	const cJSON *x = obj ? cJSON_GetObjectItemCaseSensitive(obj, "guard-tripped") : NULL;
	if (cJSON_IsBool(x))
		return cJSON_IsTrue(x);
	if (cJSON_IsString(x))
		return !strcasecmp(x->valuestring, "true");
	return -1;
}

static void check_outcome(const tlog *l, verdict *vd, const cJSON *obj)
{
	const char *status, *rbk, *fs;
	char code[24] = "?";
	int expect_rb = obj && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "rollbacks-expected")) > 0;

	if (!l->end) {
		add(vd, "outcome", "status", VC_FAIL, 0, "unknown: the run did not end");
		return;
	}
	status = l->end->status ? l->end->status : "?";
	rbk = tev_str(l->end, "rollback");
	fs = tev_str(l->end, "failed_step");
	if (tev_int(l->end, "exit", -1) >= 0)
		snprintf(code, sizeof code, "%lld", (long long)tev_int(l->end, "exit", -1));
	if (!strcmp(status, "ok"))
		add(vd, "outcome", "status", VC_PASS, 0, "the run succeeded (exit %s)", code);
	else if (!strcmp(status, "guard-tripped"))
		add(vd, "outcome", "status", guard_expected(obj) == 1 && rbk && !strcmp(rbk, "complete")
		    ? VC_PASS : VC_FAIL, 0, "the drill was aborted by guard '%s'%s (exit %s, rollback %s)",
		    str_or(tev_str(l->end, "guard"), "?"), guard_expected(obj) == 1 ? ", as it expects"
		    : "", code, rbk ? rbk : "none");
	else if (expect_rb && !strcmp(status, "failed") && rbk && !strcmp(rbk, "complete"))
		add(vd, "outcome", "status", VC_PASS, 0,
		    "the run failed at '%s' and rolled back completely, as the drill expects (exit %s)",
		    fs ? fs : "?", code);
	else
		add(vd, "outcome", "status", VC_FAIL, 0, "the run %s%s%s%s (exit %s, rollback %s)",
		    status, fs ? " at step '" : "", fs ? fs : "", fs ? "'" : "", code,
		    rbk ? rbk : "none");
}

static void check_objectives(const judge *j, const cJSON *obj)
{
	const tlog *l = j->l;
	verdict *vd = j->vd;
	const cJSON *x;

	if (!obj)
		return;
	vd->has_objectives = 1;
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "max-duration")))
		judge_max_duration(l, vd, x);
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "time-to-detect")))
		judge_span(l, vd, "time-to-detect", x, "inject", "symptoms");
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "time-to-recover"))) {
		int has_verify = 0;
		for (size_t i = 0; i < l->n && !has_verify; i++)
			has_verify = is(&l->v[i], EV_STEP_END) && in_phase(&l->v[i], "verify");
		judge_span(l, vd, "time-to-recover", x, "steps", has_verify ? "verify" : "steps");
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "steps-required")))
		judge_required(j, x);
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "rollbacks-expected")))
		judge_rollbacks(j, x);
}

/* one guard or probe as its events show it */
typedef struct wstat {
	const char *id;
	int guard;
	long checks, failed;
	int64_t most;           /* the most failed checks in a row (probe.check failures) */
} wstat;

/* the guards' and probes' checks, per id in order of appearance; the
 * guard.tripped event (NULL: none) and the failed probe checks */
static wstat *watch_stats(const tlog *l, size_t *n, const tlog_event **trip, long *probe_failed)
{
	wstat *v = NULL;
	*n = 0;
	*trip = NULL;
	*probe_failed = 0;
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (is(e, EV_GUARD_TRIPPED) && !*trip)
			*trip = e;
		if ((!is(e, EV_GUARD_CHECK) && !is(e, EV_PROBE_CHECK)) || !e->step)
			continue;
		size_t k = 0;
		while (k < *n && strcmp(v[k].id, e->step))
			k++;
		if (k == *n) {
			v = xrealloc(v, (*n + 1) * sizeof *v);
			v[(*n)++] = (wstat){ e->step, is(e, EV_GUARD_CHECK), 0, 0, 0 };
		}
		int ok = cJSON_IsTrue(tev_get(e, "ok"));
		int64_t row = tev_int(e, "failures", 0);
		v[k].checks++;
		v[k].failed += !ok;
		if (row > v[k].most)
			v[k].most = row;
		*probe_failed += !ok && !v[k].guard;
	}
	return v;
}

/*
 * Guards and continuous probes: a note per guard and probe (its checks,
 * the failed ones); the objective guard-tripped (false unless said
 * otherwise whenever the run has a guard: its checks, or the runbook's),
 * and max-probe-failures, the failed probe checks all together.
 */
static void judge_watch(const judge *j, const cJSON *obj)
{
	size_t n;
	const tlog_event *trip;
	long pfail, limit;
	wstat *v = watch_stats(j->l, &n, &trip, &pfail);
	int want = guard_expected(obj), guarded = j->rb && j->rb->lists[PH_GUARD].n;
	const cJSON *mx = obj ? cJSON_GetObjectItemCaseSensitive(obj, "max-probe-failures") : NULL;

	for (size_t k = 0; k < n; k++) {
		guarded |= v[k].guard;
		if (v[k].guard)
			add(j->vd, "guards", v[k].id, VC_INFO, 0, "guard: %ld checks, %ld failed",
			    v[k].checks, v[k].failed);
		else
			add(j->vd, "probes", v[k].id, VC_INFO, 0, "probe: %ld checks, %ld failed, at most "
			    "%lld in a row", v[k].checks, v[k].failed, (long long)v[k].most);
	}
	free(v);
	if (want >= 0 || guarded || trip) {
		j->vd->has_objectives = 1;
		if (trip)
			add(j->vd, "objectives", "guard-tripped", want == 1 ? VC_PASS : VC_FAIL, 0,
			    "guard '%s' tripped at seq %ld: %s (%s)", str_or(trip->step, "?"), trip->seq,
			    str_or(tev_str(trip, "error"), "?"), want == 1 ? "expected" : "expected none");
		else
			add(j->vd, "objectives", "guard-tripped", want == 1 ? VC_FAIL : VC_PASS, 0,
			    "no guard tripped (%s)", want == 1 ? "one was expected to" : "as expected");
	}
	if (!mx)
		return;
	j->vd->has_objectives = 1;
	limit = cJSON_IsNumber(mx) ? (long)mx->valuedouble
		: cJSON_IsString(mx) ? strtol(mx->valuestring, NULL, 10) : -1;
	add(j->vd, "objectives", "max-probe-failures", limit >= 0 && pfail <= limit ? VC_PASS : VC_FAIL,
	    0, "%ld failed probe check%s, limit %ld", pfail, pfail == 1 ? "" : "s", limit);
}

/*
 * The whole judgement (see tlog.h).  The runbook is loaded once, for its
 * checks and for rollbacks-expected, and freed before returning.
 */
int verify_transcript(const char *path, const tlog *l, const verify_opts *o,
		      verdict *vd, char **err)
{
	sign_pub *pub = NULL;
	cJSON *obj = NULL;
	runbook *rb = NULL;
	const cJSON *recorded;
	judge j = { 0 };

	memset(vd, 0, sizeof(*vd));
	vd->ok = 1;
	if (o->pubkey_path && !(pub = sign_pub_load(o->pubkey_path, err)))
		return -1;
	j.l = l;
	j.vd = vd;
	index_transcript(&j);
	check_integrity(path, l, vd);
	check_completeness(l, vd);
	note_clock(l, vd);
	if (pub || tlog_signed_by(l))
		vd->authenticated = check_signatures(l, pub, vd) && pub;
	if (!pub)
		add(vd, "signatures", "authenticity", VC_INFO, 0,
		    "integrity only: not authenticated (no --pubkey)");
	sign_pub_free(pub);
	if (o->runbook_path) {
		int bad = 0;
		rb = check_runbook(&j, o->runbook_path, &obj, &bad, err);
		if (bad < 0) {
			free(j.ts);
			verdict_release(vd);
			diag_forget_sources();
			return -1;
		}
	}
	recorded = l->start ? tev_get(l->start, "objectives") : NULL;
	if (!obj && cJSON_IsObject(recorded))
		obj = cJSON_Duplicate(recorded, 1);
	check_outcome(l, vd, obj);
	check_objectives(&j, obj);
	judge_watch(&j, obj);
	cJSON_Delete(obj);
	free(j.ts);
	free(j.rv);
	if (rb)
		runbook_free(rb);
	diag_forget_sources();
	return 0;
}
