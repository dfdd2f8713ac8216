/*
 * tlog.c - reading a transcript file, and judging it (see tlog.h).
 *
 * The judgement is the heart of `runbook verify` (issue 4 item 3) and
 * the verdict section of `runbook report`: integrity and completeness,
 * signed checkpoints (sign.h), fidelity to the runbook, the outcome and
 * the drill objectives.  Every check is a row of the verdict with the
 * figures it found, so a reviewer sees what held as well as what did not.
 */
#include "tlog.h"
#include "arena.h"
#include "runbook.h"
#include "sign.h"
#include "transcript.h"
#include "value.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

/*
 * Parse RFC 3339 UTC ("2024-05-01T12:34:56.789Z", the fraction optional)
 * into ms since the epoch.  Other offsets than Z are refused: the writer
 * only makes UTC.
 */
int64_t ts_parse_ms(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	int64_t ms = 0, scale = 100;
	const char *p;

	if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -1;
	p = s + n;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			ms += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	return (int64_t)timegm(&tm) * 1000 + ms;
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

static void add_event(tlog *l, cJSON *j, long line)
{
	tlog_event *e;
	const char *ev;

	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->j = j;
	e->line = line;
	e->seq = (long)tev_num(e, "seq", 0);
	ev = tev_str(e, "event");
	e->event = ev ? ev : "";
	e->step = tev_str(e, "step");
	e->phase = tev_str(e, "phase");
	e->status = tev_str(e, "status");
	e->ts_ms = ts_parse_ms(tev_str(e, "ts"));
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
		cJSON *j;

		if (line[len - 1] != '\n') {
			l->torn = 1;
			l->torn_bytes = len;
			break;
		}
		l->lines++;
		j = cJSON_ParseWithLength(line, len - 1);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			if (!l->bad_lines++)
				l->first_bad_line = l->lines;
			continue;
		}
		add_event(l, j, l->lines);
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
		if (!l->start && !strcmp(l->v[i].event, "run.start"))
			l->start = &l->v[i];
		if (!strcmp(l->v[i].event, "run.end"))
			l->end = &l->v[i];
	}
	return 0;
}

void tlog_release(tlog *l)
{
	for (size_t i = 0; i < l->n; i++)
		cJSON_Delete(l->v[i].j);
	free(l->v);
	free(l->path);
	memset(l, 0, sizeof(*l));
}

/* run.end's own figure first: it is measured on a monotonic clock */
int64_t tlog_duration_ms(const tlog *l)
{
	int64_t a = -1, b = -1;

	if (l->end && tev_num(l->end, "duration_ms", -1) >= 0)
		return (int64_t)tev_num(l->end, "duration_ms", 0);
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].ts_ms < 0)
			continue;
		if (a < 0)
			a = l->v[i].ts_ms;
		b = l->v[i].ts_ms;
	}
	return a < 0 ? -1 : b - a;
}

/* ---------- the judgement ---------- */

static void add(verdict *vd, const char *group, const char *name, int result, long seq,
		const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static void add(verdict *vd, const char *group, const char *name, int result, long seq,
		const char *fmt, ...)
{
	va_list ap;
	vcheck *c;
	char *d = NULL;

	va_start(ap, fmt);
	if (vasprintf(&d, fmt, ap) < 0)
		d = NULL;
	va_end(ap);
	vd->v = xrealloc(vd->v, (vd->n + 1) * sizeof(*vd->v));
	c = &vd->v[vd->n++];
	c->group = group;
	c->name = xstrdup(name);
	c->result = result;
	c->detail = d ? d : xstrdup("");
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

static int is(const tlog_event *e, const char *event)
{
	return !strcmp(e->event, event);
}

static int in_phase(const tlog_event *e, const char *phase)
{
	return e->phase && !strcmp(e->phase, phase);
}

/* the last step.end of step id outside the rollback phase */
static const tlog_event *last_end(const tlog *l, const char *id)
{
	const tlog_event *r = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (is(e, "step.end") && e->step && !strcmp(e->step, id) && !in_phase(e, "rollback"))
			r = e;
	}
	return r;
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
		    "first bad seq %ld: line %ld is not a JSON object", l->first_bad_line,
		    l->first_bad_line);
	else
		add(vd, "integrity", "chain", VC_PASS, 0,
		    "%ld events, every line parses, seq contiguous, SHA-256 chain intact", l->lines);
	free(why);
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
			add(vd, "completeness", "run.end", VC_FAIL, 0,
			    "interrupted: no run.end; the last event is seq %ld %s%s%s%s",
			    last->seq, last->event, last->step ? " '" : "",
			    last->step ? last->step : "", last->step ? "'" : "");
		else
			add(vd, "completeness", "run.end", VC_FAIL, 0, "interrupted: no events");
		return;
	}
	for (const tlog_event *e = l->end + 1; e < l->v + l->n; e++) {
		if (!is(e, "checkpoint")) {
			add(vd, "completeness", "run.end", VC_FAIL, e->seq,
			    "event seq %ld '%s' follows run.end (seq %ld)", e->seq, e->event,
			    l->end->seq);
			return;
		}
	}
	add(vd, "completeness", "run.end", VC_PASS, 0, "run.end at seq %ld: status %s, exit %.0f",
	    l->end->seq, l->end->status ? l->end->status : "?", tev_num(l->end, "exit", -1));
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

static void check_signatures(const tlog *l, const sign_pub *pub, verdict *vd)
{
	const char *run = l->n ? tev_str(&l->v[0], "run") : NULL;
	long covered = 0, ncp = 0;
	const tlog_event *lastcp = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i], *t;
		const char *kid, *hash, *sig, *th;
		long upto;

		if (!is(e, "checkpoint"))
			continue;
		ncp++;
		kid = tev_str(e, "key_id");
		hash = tev_str(e, "upto_hash");
		sig = tev_str(e, "sig");
		upto = (long)tev_num(e, "upto_seq", 0);
		if (!kid || !hash || !sig || upto < 1 || upto >= e->seq) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: checkpoint at seq %ld is malformed", covered + 1, e->seq);
			return;
		}
		if (strcmp(kid, sign_pub_id(pub))) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: checkpoint at seq %ld is signed by key '%s', not by '%s'",
			    covered + 1, e->seq, kid, sign_pub_id(pub));
			return;
		}
		if (!run || !sign_pub_verify(pub, run, upto, hash, sig)) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: the signature of the checkpoint at seq %ld does not verify",
			    covered + 1, e->seq);
			return;
		}
		t = by_seq(l, upto);
		th = t ? tev_str(t, "hash") : NULL;
		if (!th || strcmp(th, hash)) {
			add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
			    "first bad seq %ld: the checkpoint at seq %ld signs a hash that is not "
			    "the one of seq %ld: seq %ld..%ld were altered and re-hashed",
			    covered + 1, e->seq, upto, covered + 1, upto);
			return;
		}
		if (upto > covered)
			covered = upto;
		lastcp = e;
	}
	if (!ncp) {
		add(vd, "signatures", "checkpoints", VC_FAIL, 1,
		    "first bad seq 1: no signed checkpoint: the run was not signed, or the tail "
		    "holding its only checkpoint was cut off");
		return;
	}
	if (!l->end || covered < l->end->seq) {
		add(vd, "signatures", "checkpoints", VC_FAIL, covered + 1,
		    "first bad seq %ld: the last signed checkpoint covers seq %ld, %s: "
		    "the tail was truncated or the run was interrupted",
		    covered + 1, covered,
		    l->end ? "not run.end" : "and there is no run.end");
		return;
	}
	add(vd, "signatures", "checkpoints", VC_PASS, 0,
	    "%ld checkpoint%s signed by key '%s' verif%s; the last (seq %ld) covers run.end (seq %ld)",
	    ncp, ncp == 1 ? "" : "s", sign_pub_id(pub), ncp == 1 ? "ies" : "y", lastcp->seq,
	    l->end->seq);
}

/* ---------- the runbook ---------- */

static void check_ids(const tlog *l, const runbook *rb, verdict *vd)
{
	size_t nsteps = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const step *st;

		if (!e->step || strncmp(e->event, "step.", 5))
			continue;
		nsteps++;
		st = runbook_find_step(rb, e->step);
		if (!st) {
			add(vd, "runbook", "steps", VC_FAIL, 0,
			    "seq %ld: step '%s' is not in the runbook", e->seq, e->step);
			return;
		}
		if (e->phase && strcmp(e->phase, phase_names[st->phase])) {
			add(vd, "runbook", "steps", VC_FAIL, 0,
			    "seq %ld: step '%s' ran in phase %s, the runbook has it in %s",
			    e->seq, e->step, e->phase, phase_names[st->phase]);
			return;
		}
	}
	add(vd, "runbook", "steps", VC_PASS, 0,
	    "every step of %zu step events is in the runbook, in its phase", nsteps);
}

/*
 * A step that did something must have started after each of its needs
 * ended.  A skipped step did nothing, so it is not held to the order.
 */
static void check_order(const tlog *l, const runbook *rb, verdict *vd)
{
	size_t checked = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i], *end;
		const step *st;

		if (!is(e, "step.start") || !e->step || in_phase(e, "rollback"))
			continue;
		st = runbook_find_step(rb, e->step);
		end = last_end(l, e->step);
		if (!st || (end && end->status && !strcmp(end->status, "skipped")))
			continue;
		checked++;
		for (size_t k = 0; k < st->needs.n; k++) {
			const char *need = st->needs.v[k]->id;
			int found = 0;
			for (size_t j = 0; j < i && !found; j++)
				found = l->v[j].step && !strcmp(l->v[j].step, need) &&
					(is(&l->v[j], "step.end") ||
					 /* resume found it had taken effect */
					 (is(&l->v[j], "step.in-doubt") && tev_str(&l->v[j], "decision") &&
					  !strcmp(tev_str(&l->v[j], "decision"), "applied")));
			if (!found) {
				add(vd, "runbook", "order", VC_FAIL, 0,
				    "seq %ld: step '%s' started before its need '%s' finished",
				    e->seq, e->step, need);
				return;
			}
		}
	}
	add(vd, "runbook", "order", VC_PASS, 0,
	    "%zu steps started after their needs finished", checked);
}

static int rollback_ran(const tlog *l, const step *rs, long after)
{
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (e->seq > after && is(e, "step.start") && e->step && !strcmp(e->step, rs->id) &&
		    in_phase(e, "rollback"))
			return 1;
	}
	return 0;
}

/*
 * A failed step is in doubt: the rollback.start after it records whether
 * its own undo ran (failed_step_undo) and why.  Did it decide not to?
 */
static int own_undo_skipped(const tlog *l, const char *id, long after)
{
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const char *fs, *u;
		if (e->seq <= after || !is(e, "rollback.start"))
			continue;
		fs = tev_str(e, "failed_step");
		u = tev_str(e, "failed_step_undo");
		if (fs && u && !strcmp(fs, id) && !strcmp(u, "skipped"))
			return 1;
	}
	return 0;
}

static void check_rollbacks(const tlog *l, const runbook *rb, verdict *vd)
{
	const char *why = l->end ? tev_str(l->end, "rollback") : NULL;
	int excused = why && (!strncmp(why, "none", 4) || !strncmp(why, "skipped", 7));
	size_t nfailed = 0, nrolled = 0, nexcused = 0, ndoubt = 0;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		const step *st;
		int ran = 1;

		if (!is(e, "step.end") || !e->step || !e->status || strcmp(e->status, "failed") ||
		    in_phase(e, "rollback") || in_phase(e, "cleanup"))
			continue;
		st = runbook_find_step(rb, e->step);
		if (!st || st->effect != EFFECT_WRITE)
			continue;
		nfailed++;
		if (!st->rollback.n || st->on_failure == ONFAIL_CONTINUE)
			continue;
		if (own_undo_skipped(l, e->step, e->seq)) {
			ndoubt++;
			continue;
		}
		for (size_t k = 0; k < st->rollback.n && ran; k++) {
			if (rollback_ran(l, st->rollback.v[k], e->seq))
				continue;
			ran = 0;
			if (excused)
				continue;
			add(vd, "runbook", "rollbacks", VC_FAIL, 0,
			    "seq %ld: write step '%s' failed and its rollback '%s' did not run%s%s%s",
			    e->seq, e->step, st->rollback.v[k]->id,
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
		add(vd, "runbook", "rollbacks", VC_PASS, 0, "no write step failed");
	else
		add(vd, "runbook", "rollbacks", VC_PASS, 0,
		    "%zu failed write step%s: %zu rolled back, %zu not rolled back as run.end "
		    "says (rollback %s), %zu left in doubt as rollback.start records, "
		    "%zu without a rollback or with on-failure: continue",
		    nfailed, nfailed == 1 ? "" : "s", nrolled, nexcused, why ? why : "-", ndoubt,
		    nfailed - nrolled - nexcused - ndoubt);
}

static int check_runbook(const tlog *l, const char *path, verdict *vd, cJSON **objectives,
			 char **err)
{
	char sha[65];
	const char *want = l->start ? tev_str(l->start, "sha256") : NULL;
	const char *rid = l->start ? tev_str(l->start, "runbook") : NULL;
	diags dg;
	runbook *rb;

	if (sha256_file_hex(path, sha) < 0) {
		*err = xasprintf("cannot read runbook '%s'", path);
		return -1;
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
		diag_forget_sources();
		return 0;
	}
	diags_release(&dg);
	if (!rid || strcmp(rid, rb->id))
		add(vd, "runbook", "id", VC_FAIL, 0, "the transcript is of runbook '%s', the file is '%s'",
		    rid ? rid : "?", rb->id);
	check_ids(l, rb, vd);
	check_order(l, rb, vd);
	check_rollbacks(l, rb, vd);
	if (rb->objectives && rb->objectives->kind == N_MAP) {
		node *m = rb->objectives;
		*objectives = cJSON_CreateObject();
		for (size_t i = 0; i < m->n; i++) {
			node *x = m->vals[i];
			cJSON *v;
			if (x->kind == N_SEQ) {
				v = cJSON_CreateArray();
				for (size_t k = 0; k < x->n; k++)
					if (x->vals[k]->kind == N_SCALAR)
						cJSON_AddItemToArray(v, cJSON_CreateString(x->vals[k]->str));
			} else if (x->kind == N_SCALAR) {
				v = cJSON_CreateString(x->str);
			} else {
				continue;
			}
			cJSON_AddItemToObject(*objectives, m->keys[i]->str, v);
		}
	}
	runbook_free(rb);
	diag_forget_sources();
	return 0;
}

/* ---------- outcome and objectives ---------- */

/* a duration objective: "10m" (as in the runbook) or a number of ms */
static int objective_ms(const cJSON *x, int64_t *ms)
{
	if (cJSON_IsString(x))
		return dur_parse(x->valuestring, strlen(x->valuestring), ms);
	if (cJSON_IsNumber(x) && x->valuedouble >= 0) {
		*ms = (int64_t)x->valuedouble;
		return 0;
	}
	return -1;
}

static void judge_duration(verdict *vd, const char *name, const cJSON *limit, int64_t actual,
			   const char *what, const char *missing)
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
	add(vd, "objectives", name, actual <= ms ? VC_PASS : VC_FAIL, 0, "%s %s, limit %s", what,
	    fmt_dur(actual, a), fmt_dur(ms, b));
}

/*
 * From the first step.start of phase `from` to the last step.end of phase
 * `to`, when every step of `to` that ran ended ok (skipped ones do not
 * count); -1 otherwise (*why says).
 */
static int64_t span(const tlog *l, const char *from, const char *to, const char **why)
{
	const tlog_event *a = NULL, *b = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (!a && is(e, "step.start") && in_phase(e, from))
			a = e;
		if (is(e, "step.end") && in_phase(e, to)) {
			if (e->status && !strcmp(e->status, "skipped"))
				continue;
			if (!e->status || strcmp(e->status, "ok")) {
				*why = "failed";
				return -1;
			}
			b = e;
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
	if (a->ts_ms < 0 || b->ts_ms < 0) {
		*why = "nots";
		return -1;
	}
	return b->ts_ms - a->ts_ms;
}

static void judge_span(const tlog *l, verdict *vd, const char *name, const cJSON *limit,
		       const char *from, const char *to)
{
	const char *why = NULL;
	int64_t d = span(l, from, to, &why);
	char *missing;

	if (d < 0 && !strcmp(why, "nostart"))
		missing = xasprintf("no %s step started", from);
	else if (d < 0 && !strcmp(why, "failed"))
		missing = xasprintf("a %s step did not pass: never reached", to);
	else if (d < 0 && !strcmp(why, "noend"))
		missing = xasprintf("no %s step ended ok: never reached", to);
	else
		missing = xasprintf("timestamps missing");
	char *what = xasprintf("%s (first %s step.start to last %s step.end ok)",
			       !strcmp(name, "time-to-detect") ? "detected in" : "recovered in",
			       from, to);
	judge_duration(vd, name, limit, d, what, missing);
	free(missing);
	free(what);
}

static int list_has(const cJSON *arr, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, arr)
		if (cJSON_IsString(x) && !strcmp(x->valuestring, s))
			return 1;
	return 0;
}

static void judge_required(const tlog *l, verdict *vd, const cJSON *ids)
{
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, ids) {
		const tlog_event *e;
		if (!cJSON_IsString(x))
			continue;
		n++;
		e = last_end(l, x->valuestring);
		if (!e || !e->status || strcmp(e->status, "ok")) {
			add(vd, "objectives", "steps-required", VC_FAIL, 0, "step '%s' %s%s",
			    x->valuestring, e ? "ended " : "did not run",
			    e ? (e->status ? e->status : "?") : "");
			return;
		}
	}
	add(vd, "objectives", "steps-required", VC_PASS, 0, "all %zu required steps ended ok", n);
}

/*
 * Did the rollback of step `id` run?  By the runbook: each of its rollback
 * steps ended ok in the rollback phase.  Without it: a rollback-phase
 * step.start names it in rollback_of, or rollback.start listed it and
 * rollback.end is complete.
 */
static int rolled_back(const tlog *l, const runbook *rb, const char *id, const char **why)
{
	const step *st = rb ? runbook_find_step(rb, id) : NULL;
	const tlog_event *rs = NULL, *re = NULL;

	if (st) {
		if (!st->rollback.n) {
			*why = "has no rollback";
			return 0;
		}
		for (size_t k = 0; k < st->rollback.n; k++) {
			const tlog_event *e = NULL;
			for (size_t i = 0; i < l->n; i++)
				if (is(&l->v[i], "step.end") && in_phase(&l->v[i], "rollback") &&
				    l->v[i].step && !strcmp(l->v[i].step, st->rollback.v[k]->id))
					e = &l->v[i];
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
		if (is(e, "step.end") && in_phase(e, "rollback") && of && !strcmp(of, id) &&
		    e->status && !strcmp(e->status, "ok"))
			return 1;
		if (is(e, "rollback.start"))
			rs = e;
		if (is(e, "rollback.end"))
			re = e;
	}
	if (rs && list_has(tev_get(rs, "steps"), id) && re && re->status &&
	    !strcmp(re->status, "complete"))
		return 1;
	*why = "was not rolled back";
	return 0;
}

static void judge_rollbacks(const tlog *l, const runbook *rb, verdict *vd, const cJSON *ids)
{
	const cJSON *x;
	size_t n = 0;

	cJSON_ArrayForEach(x, ids) {
		const char *why = NULL;
		if (!cJSON_IsString(x))
			continue;
		n++;
		if (!rolled_back(l, rb, x->valuestring, &why)) {
			add(vd, "objectives", "rollbacks-expected", VC_FAIL, 0, "step '%s' %s",
			    x->valuestring, why);
			return;
		}
	}
	add(vd, "objectives", "rollbacks-expected", VC_PASS, 0,
	    "the rollbacks of all %zu expected steps ran ok", n);
}

static void check_outcome(const tlog *l, verdict *vd, const cJSON *obj)
{
	const char *status, *rbk, *fs;
	double code;
	int expect_rb = obj && cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obj, "rollbacks-expected")) > 0;

	if (!l->end) {
		add(vd, "outcome", "status", VC_FAIL, 0, "unknown: the run did not end");
		return;
	}
	status = l->end->status ? l->end->status : "?";
	rbk = tev_str(l->end, "rollback");
	fs = tev_str(l->end, "failed_step");
	code = tev_num(l->end, "exit", -1);
	if (!strcmp(status, "ok"))
		add(vd, "outcome", "status", VC_PASS, 0, "the run succeeded (exit %.0f)", code);
	else if (expect_rb && !strcmp(status, "failed") && rbk && !strcmp(rbk, "complete"))
		add(vd, "outcome", "status", VC_PASS, 0,
		    "the run failed at '%s' and rolled back completely, as the drill expects (exit %.0f)",
		    fs ? fs : "?", code);
	else
		add(vd, "outcome", "status", VC_FAIL, 0, "the run %s%s%s%s (exit %.0f, rollback %s)",
		    status, fs ? " at step '" : "", fs ? fs : "", fs ? "'" : "", code,
		    rbk ? rbk : "none");
}

static void check_objectives(const tlog *l, const runbook *rb, verdict *vd, const cJSON *obj)
{
	const cJSON *x;

	if (!obj)
		return;
	vd->has_objectives = 1;
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "max-duration")))
		judge_duration(vd, "max-duration", x, l->end ? tlog_duration_ms(l) : -1,
			       "the run took", "the run did not end");
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "time-to-detect")))
		judge_span(l, vd, "time-to-detect", x, "inject", "symptoms");
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "time-to-recover"))) {
		int has_verify = 0;
		for (size_t i = 0; i < l->n && !has_verify; i++)
			has_verify = is(&l->v[i], "step.end") && in_phase(&l->v[i], "verify");
		judge_span(l, vd, "time-to-recover", x, "steps", has_verify ? "verify" : "steps");
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "steps-required")))
		judge_required(l, vd, x);
	if ((x = cJSON_GetObjectItemCaseSensitive(obj, "rollbacks-expected")))
		judge_rollbacks(l, rb, vd, x);
}

/*
 * The whole judgement (see tlog.h).  The runbook is loaded twice at most
 * (here for its checks, and for rollbacks-expected); both loads are
 * freed before returning.
 */
int verify_transcript(const char *path, const tlog *l, const verify_opts *o,
		      verdict *vd, char **err)
{
	sign_pub *pub = NULL;
	cJSON *obj = NULL;
	runbook *rb = NULL;
	const cJSON *recorded;

	memset(vd, 0, sizeof(*vd));
	vd->ok = 1;
	if (o->pubkey_path && !(pub = sign_pub_load(o->pubkey_path, err)))
		return -1;
	check_integrity(path, l, vd);
	check_completeness(l, vd);
	if (pub)
		check_signatures(l, pub, vd);
	sign_pub_free(pub);
	if (o->runbook_path) {
		if (check_runbook(l, o->runbook_path, vd, &obj, err) < 0) {
			verdict_release(vd);
			return -1;
		}
		if (obj) {
			diags dg;
			diags_init(&dg);
			rb = runbook_load(o->runbook_path, &dg, 0);
			diags_release(&dg);
		}
	}
	recorded = l->start ? tev_get(l->start, "objectives") : NULL;
	if (!obj && cJSON_IsObject(recorded))
		obj = cJSON_Duplicate(recorded, 1);
	check_outcome(l, vd, obj);
	check_objectives(l, rb, vd, obj);
	cJSON_Delete(obj);
	if (rb)
		runbook_free(rb);
	diag_forget_sources();
	return 0;
}
