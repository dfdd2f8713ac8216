/*
 * cmd_report.c - `runbook report TRANSCRIPT`: the drill (or run) report a
 * reviewer attaches to an incident, as Markdown or as one self-contained
 * HTML page (inline CSS, an inline SVG Gantt chart, no scripts, no
 * external assets).
 *
 * Everything in a transcript is data an attacker may have shaped (step
 * output, HTTP bodies, even ids in a forged file), so every string from it
 * goes through esc(): HTML-escaped in the page, Markdown-escaped in the
 * tables.  The verify verdict comes from verify_transcript(), the same
 * code as `runbook verify`.
 */
#include "cli/cmd.h"
#include "base/arena.h"
#include "record/tlog.h"
#include "base/value.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

enum { O_FORMAT = 1, O_OUTPUT, O_RUNBOOK, O_PUBKEY };

const cmd_opt report_options[] = {
	OPT_STRING(O_FORMAT, "format", 0, "md|html", "Markdown or a standalone HTML page (default md)"),
	OPT_STRING(O_OUTPUT, "output", 'o', "FILE", "write the report here (default, or -: stdout)"),
	OPT_STRING(O_RUNBOOK, "runbook", 0, "FILE", "judge the transcript against this runbook file too"),
	OPT_STRING(O_PUBKEY, "pubkey", 0, "PUB", "verify the checkpoints with this Ed25519 public key (PEM)"),
	OPT_END
};

enum { FMT_MD, FMT_HTML };

typedef struct rstep {
	const tlog_event *start, *end, *attempt;        /* attempt: the last step.attempt */
	const char *id, *phase;
	int64_t t0, t1;
	long item;              /* a for-each item's index, -1 */
	char *name;             /* a for-each item's "<id>[<index>]", else NULL */
	char *value;            /* a for-each item's value, as JSON (redacted when written) */
} rstep;

typedef struct rphase {
	const char *name;
	int64_t t0, t1;
} rphase;

/* a guard or continuous probe: its checks and its trip */
typedef struct rwatch {
	const char *id;
	int guard;
	const tlog_event **checks;
	size_t n;
	long failed;
	const tlog_event *trip;         /* guard.tripped or probe.failed, NULL */
} rwatch;

typedef struct report {
	sbuf b;
	int fmt;
	const tlog *l;
	const verdict *vd;
	rstep *steps;
	size_t nsteps;
	rphase *phases;
	size_t nphases;
	rwatch *watches;
	size_t nwatches;
	int64_t t0, t1;         /* the run's span, ms since the epoch */
} report;

/* ---------- escaping ---------- */

/* s as text in the current format: HTML-escaped, or safe in a Markdown table cell */
static void esc(report *r, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': sbuf_adds(&r->b, "&amp;"); continue;
		case '<': sbuf_adds(&r->b, "&lt;"); continue;
		case '>': sbuf_adds(&r->b, "&gt;"); continue;
		case '"': sbuf_adds(&r->b, r->fmt == FMT_HTML ? "&quot;" : "\""); continue;
		case '\'': sbuf_adds(&r->b, r->fmt == FMT_HTML ? "&#39;" : "'"); continue;
		}
		if (c == '\n' || c == '\r' || c == '\t' || c < 0x20) {
			sbuf_addc(&r->b, ' ');
			continue;
		}
		if (r->fmt == FMT_MD && strchr("\\`*_[]|#~", c))
			sbuf_addc(&r->b, '\\');
		sbuf_addc(&r->b, (char)c);
	}
}

/* a JSON value as compact text, at most max bytes (then "...") */
static void esc_json(report *r, const cJSON *j, size_t max)
{
	char *s;

	if (!j) {
		esc(r, "-");
		return;
	}
	s = cJSON_PrintUnformatted(j);
	if (!s)
		return;
	if (strlen(s) > max)
		strcpy(s + max - 3, "...");
	esc(r, s);
	cJSON_free(s);
}

static void add(report *r, const char *s)
{
	sbuf_adds(&r->b, s);
}

static void addf(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(report *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sbuf_vaddf(&r->b, fmt, ap);
	va_end(ap);
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static char *dur(int64_t ms, char buf[32])
{
	if (ms < 0)
		return strcpy(buf, "-");
	return dur_format(ms, buf, 32);
}

/* ms after the run started, as "+1.234s" */
static char *offset(const report *r, int64_t t, char buf[32])
{
	if (t < 0 || r->t0 < 0)
		return strcpy(buf, "-");
	snprintf(buf, 32, "+%.3fs", (double)(t - r->t0) / 1000.0);
	return buf;
}

/* ---------- gathering ---------- */

static rphase *phase_get(report *r, const char *name, int64_t t)
{
	for (size_t i = r->nphases; i-- > 0;)
		if (!strcmp(r->phases[i].name, name))
			return &r->phases[i];
	r->phases = xrealloc(r->phases, (r->nphases + 1) * sizeof(*r->phases));
	r->phases[r->nphases] = (rphase){ name, t, t };
	return &r->phases[r->nphases++];
}

static void stretch(rphase *p, int64_t t)
{
	if (t < 0)
		return;
	if (p->t0 < 0 || t < p->t0)
		p->t0 = t;
	if (t > p->t1)
		p->t1 = t;
}

/* a for-each item's row: its name and its value */
static void item_names(rstep *s)
{
	const cJSON *it = tev_get(s->start, "item");
	char *v = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(it, "value"));

	s->name = xasprintf("%s[%ld]", s->id, s->item);
	s->value = xstrdup(v ? v : "");
	cJSON_free(v);
}

/* a step's name in the report: its id, "<id>[<index>]" for an item */
static const char *step_name(const rstep *s)
{
	return s->name ? s->name : s->id;
}

/* a guard.check, probe.check, guard.tripped or probe.failed event */
static void gather_watch(report *r, const tlog_event *e)
{
	rwatch *w = NULL;
	for (size_t k = 0; k < r->nwatches && !w; k++)
		if (!strcmp(r->watches[k].id, e->step))
			w = &r->watches[k];
	if (!w) {
		r->watches = xrealloc(r->watches, (r->nwatches + 1) * sizeof(*r->watches));
		w = &r->watches[r->nwatches++];
		*w = (rwatch){ e->step, e->id == EV_GUARD_CHECK || e->id == EV_GUARD_TRIPPED,
			       NULL, 0, 0, NULL };
	}
	if (e->id == EV_GUARD_TRIPPED || e->id == EV_PROBE_FAILED) {
		w->trip = e;
		return;
	}
	w->checks = xrealloc(w->checks, (w->n + 1) * sizeof(*w->checks));
	w->checks[w->n++] = e;
	w->failed += !cJSON_IsTrue(tev_get(e, "ok"));
}

static void gather(report *r)
{
	const tlog *l = r->l;
	int64_t last = -1;

	r->t0 = l->start ? l->start->at_ms : -1;
	for (size_t i = 0; r->t0 < 0 && i < l->n; i++)
		r->t0 = l->v[i].at_ms;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].at_ms > last)
			last = l->v[i].at_ms;
	r->t1 = last;
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		event_id ev = e->id;

		if ((ev == EV_PHASE_START || ev == EV_PHASE_END) && e->phase) {
			stretch(phase_get(r, e->phase, e->at_ms), e->at_ms);
		} else if ((ev == EV_GUARD_CHECK || ev == EV_GUARD_TRIPPED || ev == EV_PROBE_CHECK ||
			    ev == EV_PROBE_FAILED) && e->step) {
			gather_watch(r, e);
		} else if (ev == EV_ROLLBACK_START || ev == EV_ROLLBACK_END) {
			stretch(phase_get(r, "rollback", e->at_ms), e->at_ms);
		} else if (ev == EV_STEP_START && e->step) {
			r->steps = xrealloc(r->steps, (r->nsteps + 1) * sizeof(*r->steps));
			r->steps[r->nsteps++] = (rstep){ e, NULL, NULL, e->step,
				str_or(e->phase, "steps"), e->at_ms, last, e->item, NULL, NULL };
			if (e->item >= 0)
				item_names(&r->steps[r->nsteps - 1]);
			stretch(phase_get(r, str_or(e->phase, "steps"), e->at_ms), e->at_ms);
		} else if ((ev == EV_STEP_END || ev == EV_STEP_ATTEMPT) && e->step) {
			/* the same step (the same item: items may overlap) */
			for (size_t k = r->nsteps; k-- > 0;) {
				rstep *s = &r->steps[k];
				if (strcmp(s->id, e->step) || s->item != e->item || s->end)
					continue;
				if (ev == EV_STEP_END) {
					s->end = e;
					s->t1 = e->at_ms;
				} else {
					s->attempt = e;
				}
				stretch(phase_get(r, s->phase, e->at_ms), e->at_ms);
				break;
			}
		}
	}
	for (size_t k = 0; k < r->nsteps; k++)
		if (!r->steps[k].end)
			stretch(phase_get(r, r->steps[k].phase, last), last);
}

static const char *step_status(const rstep *s)
{
	return s->end ? str_or(s->end->status, "?") : "in doubt";
}

/* matchers of a step: from step.end, else from its last attempt */
static const cJSON *step_matchers(const rstep *s)
{
	const cJSON *m = s->end ? tev_get(s->end, "matchers") : NULL;

	if (!m && s->attempt)
		m = tev_get(s->attempt, "matchers");
	return m;
}

/* ---------- shared building blocks (table rows in either format) ---------- */

static void table_head(report *r, const char *cls, const char *const *cols)
{
	size_t n = 0;

	if (r->fmt == FMT_HTML) {
		addf(r, "<table class=\"%s\"><thead><tr>", cls);
		for (; cols[n]; n++)
			addf(r, "<th>%s</th>", cols[n]);
		add(r, "</tr></thead><tbody>\n");
		return;
	}
	add(r, "\n|");
	for (; cols[n]; n++)
		addf(r, " %s |", cols[n]);
	add(r, "\n|");
	while (n--)
		add(r, "---|");
	add(r, "\n");
}

static void table_end(report *r)
{
	add(r, r->fmt == FMT_HTML ? "</tbody></table>\n" : "\n");
}

static void row_start(report *r, const char *cls)
{
	if (r->fmt == FMT_HTML)
		addf(r, "<tr class=\"%s\">", cls ? cls : "");
	else
		add(r, "|");
}

static void cell_start(report *r)
{
	add(r, r->fmt == FMT_HTML ? "<td>" : " ");
}

static void cell_end(report *r)
{
	add(r, r->fmt == FMT_HTML ? "</td>" : " |");
}

static void cell(report *r, const char *text)
{
	cell_start(r);
	esc(r, text ? text : "-");
	cell_end(r);
}

static void row_end(report *r)
{
	add(r, r->fmt == FMT_HTML ? "</tr>\n" : "\n");
}

static void heading(report *r, const char *id, const char *title)
{
	if (r->fmt == FMT_HTML)
		addf(r, "<h2 id=\"%s\">%s</h2>\n", id, title);
	else
		addf(r, "\n## %s\n", title);
}

static void para(report *r, const char *text)
{
	add(r, r->fmt == FMT_HTML ? "<p>" : "\n");
	esc(r, text);
	add(r, r->fmt == FMT_HTML ? "</p>\n" : "\n");
}

/* "ok" / "FAIL" / status word with a CSS class in HTML */
static void cell_status(report *r, const char *status)
{
	if (r->fmt == FMT_HTML) {
		add(r, "<td><span class=\"st st-");
		for (const char *p = status; *p; p++)
			sbuf_addc(&r->b, (*p >= 'a' && *p <= 'z') || *p == '-' ? *p : '-');
		add(r, "\">");
		esc(r, status);
		add(r, "</span></td>");
	} else {
		cell(r, status);
	}
}

/* ---------- sections ---------- */

static void section_summary(report *r)
{
	const tlog_event *s = r->l->start, *e = r->l->end;
	char buf[64], d[32];
	static const char *const cols[] = { "Run", "", NULL };
	const char *exitw = NULL;

	table_head(r, "summary", cols);
#define KV(k, v) do { row_start(r, NULL); cell(r, k); cell(r, v); row_end(r); } while (0)
	KV("Runbook", s ? tev_str(s, "runbook") : NULL);
	KV("Title", s ? tev_str(s, "title") : NULL);
	KV("Version", s ? tev_str(s, "version") : NULL);
	KV("File", s ? tev_str(s, "file") : NULL);
	KV("SHA-256", s ? tev_str(s, "sha256") : NULL);
	KV("Run id", s ? tev_str(s, "run") : NULL);
	KV("Mode", s ? tev_str(s, "mode") : NULL);
	KV("Operator", s ? tev_str(s, "operator") : NULL);
	KV("Host", s ? tev_str(s, "host") : NULL);
	KV("Interpreter", s ? tev_str(s, "interpreter") : NULL);
	KV("Started", s ? tev_str(s, "ts") : NULL);
	KV("Ended", e ? tev_str(e, "ts") : "did not end (interrupted)");
	KV("Duration", e ? dur(tlog_duration_ms(r->l), d) : NULL);
	if (r->l->ndown) {
		char t[32], *w;
		int64_t down = r->l->n ? tlog_down_ms(r->l, 0, r->l->n - 1) : 0;
		w = xasprintf("%s between a crash and its resume (%zu resume%s)", dur(down, t),
			      r->l->ndown, r->l->ndown == 1 ? "" : "s");
		KV("Downtime", w);
		free(w);
	}
	if (e) {
		if (tev_int(e, "exit", -1) >= 0)
			snprintf(buf, sizeof(buf), "%s (exit %lld)", str_or(e->status, "?"),
				 (long long)tev_int(e, "exit", -1));
		else
			snprintf(buf, sizeof(buf), "%s (exit ?)", str_or(e->status, "?"));
		exitw = buf;
	}
	KV("Outcome", exitw);
	if (e && tev_str(e, "failed_step"))
		KV("Failed step", tev_str(e, "failed_step"));
	if (e && tev_str(e, "guard"))
		KV("Stopped by guard", tev_str(e, "guard"));
	if (e && tev_str(e, "probe"))
		KV("Failed by probe", tev_str(e, "probe"));
	if (e && tev_str(e, "rollback"))
		KV("Rollback", tev_str(e, "rollback"));
	KV("Transcript", r->l->path);
#undef KV
	table_end(r);
	if (s && cJSON_IsObject(tev_get(s, "inputs")) && tev_get(s, "inputs")->child) {
		static const char *const icols[] = { "Input", "Value", NULL };
		const cJSON *x;
		heading(r, "inputs", "Inputs");
		table_head(r, "inputs", icols);
		cJSON_ArrayForEach(x, tev_get(s, "inputs")) {
			row_start(r, NULL);
			cell(r, x->string);
			cell_start(r);
			if (cJSON_IsString(x))
				esc(r, x->valuestring);
			else
				esc_json(r, x, 200);
			cell_end(r);
			row_end(r);
		}
		table_end(r);
	}
}

static void section_verdict(report *r)
{
	static const char *const cols[] = { "Result", "Group", "Check", "Detail", NULL };
	const verdict *vd = r->vd;
	char buf[160];

	heading(r, "verdict", "Verify verdict");
	if (vd->ok)
		snprintf(buf, sizeof(buf), "PASS: all %zu checks hold.", vd->n);
	else if (vd->first_bad_seq)
		snprintf(buf, sizeof(buf), "FAIL: the transcript does not verify; first bad seq %ld.",
			 vd->first_bad_seq);
	else
		snprintf(buf, sizeof(buf), "FAIL: %s.",
			 vd->interrupted ? "the run was interrupted" : "some checks do not hold");
	if (r->fmt == FMT_HTML)
		addf(r, "<p class=\"banner %s\">%s</p>\n", vd->ok ? "pass" : "fail", buf);
	else
		addf(r, "\n**%s**\n", buf);
	table_head(r, "verdict", cols);
	for (size_t i = 0; i < vd->n; i++) {
		const vcheck *c = &vd->v[i];
		row_start(r, c->result == VC_FAIL ? "fail" : "pass");
		cell_status(r, c->result == VC_FAIL ? "fail" : c->result == VC_INFO ? "note" : "ok");
		cell(r, c->group);
		cell(r, c->name);
		cell(r, c->detail);
		row_end(r);
	}
	table_end(r);
}

static void section_objectives(report *r)
{
	static const char *const cols[] = { "Objective", "Result", "Actual", NULL };
	const verdict *vd = r->vd;

	heading(r, "objectives", "Objectives");
	if (!vd->has_objectives) {
		para(r, "The runbook declares no objectives.");
		return;
	}
	table_head(r, "objectives", cols);
	for (size_t i = 0; i < vd->n; i++) {
		const vcheck *c = &vd->v[i];
		if (strcmp(c->group, "objectives") && strcmp(c->group, "outcome"))
			continue;
		row_start(r, c->result == VC_FAIL ? "fail" : "pass");
		cell(r, !strcmp(c->group, "outcome") ? "outcome" : c->name);
		cell_status(r, c->result == VC_FAIL ? "missed" : "met");
		cell(r, c->detail);
		row_end(r);
	}
	table_end(r);
}

/*
 * The k-th time the run was down: from the last event before a
 * run.resume to the run.resume, on the run's clock.  0 when there is no
 * such k.
 */
static int downtime(const report *r, size_t k, int64_t *t0, int64_t *t1)
{
	const tlog *l = r->l;

	for (size_t i = 1; i < l->n; i++) {
		if (l->v[i].id != EV_RUN_RESUME || k--)
			continue;
		*t0 = *t1 = l->v[i].at_ms;
		for (size_t p = i; p-- > 0;)
			if (l->v[p].at_ms >= 0) {
				*t0 = l->v[p].at_ms;
				break;
			}
		return 1;
	}
	return 0;
}

static void section_timeline(report *r)
{
	static const char *const cols[] = { "Phase", "Start", "End", "Duration", "Steps", NULL };
	char a[32], b[32], d[32], n[32];

	heading(r, "timeline", "Timeline");
	table_head(r, "timeline", cols);
	for (size_t i = 0; i < r->nphases; i++) {
		const rphase *p = &r->phases[i];
		size_t k = 0;
		for (size_t j = 0; j < r->nsteps; j++)
			k += !strcmp(r->steps[j].phase, p->name);
		snprintf(n, sizeof(n), "%zu", k);
		row_start(r, NULL);
		cell(r, p->name);
		cell(r, offset(r, p->t0, a));
		cell(r, offset(r, p->t1, b));
		cell(r, dur(p->t0 >= 0 ? p->t1 - p->t0 : -1, d));
		cell(r, n);
		row_end(r);
	}
	for (size_t k = 0; k < r->l->ndown; k++) {
		int64_t t0, t1;
		if (!downtime(r, k, &t0, &t1))
			break;
		row_start(r, "down");
		cell(r, "down (crash to resume)");
		cell(r, offset(r, t0, a));
		cell(r, offset(r, t1, b));
		cell(r, dur(t0 >= 0 && t1 >= t0 ? t1 - t0 : -1, d));
		cell(r, "-");
		row_end(r);
	}
	table_end(r);
}

static const char *status_colour(const char *st)
{
	if (!strcmp(st, "ok"))
		return "#2e9d4f";
	if (!strcmp(st, "failed"))
		return "#d23b3b";
	if (!strcmp(st, "skipped"))
		return "#9aa0a6";
	if (!strcmp(st, "would-run"))
		return "#3b7dd8";
	return "#e8a317";        /* in doubt */
}

/* the x of time t on the chart */
static double chart_x(const report *r, int64_t t, int left, int width, int64_t span)
{
	return left + (t < 0 || r->t0 < 0 ? 0 : (double)(t - r->t0) / (double)span * width);
}

/*
 * Under the chart, the strip of the guards and probes: a row each, a
 * tick per check at its time (green held, red failed), a bar where one
 * tripped.
 */
static void watch_strip(report *r, int y, int left, int width, int rowh, int64_t span)
{
	addf(r, "<g class=\"watch-strip\"><text class=\"label phase-label\" x=\"4\" y=\"%d\">"
		"guards and probes</text></g>\n", y + 15);
	y += rowh;
	for (size_t k = 0; k < r->nwatches; k++, y += rowh) {
		const rwatch *w = &r->watches[k];
		add(r, "<g class=\"watch-row\" data-watch=\"");
		esc(r, w->id);
		addf(r, "\" data-kind=\"%s\"><text class=\"label\" x=\"16\" y=\"%d\">",
		     w->guard ? "guard" : "probe", y + 15);
		esc(r, w->id);
		add(r, "</text>");
		for (size_t i = 0; i < w->n; i++) {
			const tlog_event *e = w->checks[i];
			int ok = cJSON_IsTrue(tev_get(e, "ok"));
			addf(r, "<rect class=\"check %s\" x=\"%.1f\" y=\"%d\" width=\"3\" height=\"%d\" "
				"fill=\"%s\"><title>", ok ? "check-ok" : "check-failed",
			     chart_x(r, e->at_ms, left, width, span), y + 4, rowh - 8,
			     status_colour(ok ? "ok" : "failed"));
			esc(r, w->id);
			addf(r, " check %lld: %s", (long long)tev_int(e, "n", 0), ok ? "ok" : "failed");
			if (tev_str(e, "error")) {
				add(r, ", ");
				esc(r, tev_str(e, "error"));
			}
			add(r, "</title></rect>");
		}
		if (w->trip) {
			addf(r, "<rect class=\"trip\" x=\"%.1f\" y=\"%d\" width=\"2\" height=\"%d\" "
				"fill=\"#1d2125\"><title>", chart_x(r, w->trip->at_ms, left, width, span),
			     y + 1, rowh - 2);
			esc(r, w->id);
			add(r, w->guard ? " tripped: " : " failed: ");
			esc(r, str_or(tev_str(w->trip, "error"), "?"));
			add(r, "</title></rect>");
		}
		add(r, "</g>\n");
	}
}

/*
 * The Gantt chart: one row per phase (a pale band) followed by one row
 * per step of that phase (a bar coloured by status), on a time axis from
 * run.start to the last event.
 */
static void gantt(report *r)
{
	const int left = 220, width = 900, rowh = 22, top = 30;
	int64_t span = r->t1 > r->t0 ? r->t1 - r->t0 : 1;
	size_t rows = r->nphases + r->nsteps + (r->l->ndown ? 1 : 0) +
		      (r->nwatches ? r->nwatches + 1 : 0);
	int height = top + (int)rows * rowh + 30, y = top;
	char d[32];

	if (r->t0 < 0)
		span = 1;
	addf(r, "<svg class=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"timeline of phases and steps\">\n",
	     left + width + 40, height, left + width + 40, height);
	for (int i = 0; i <= 5; i++) {
		int x = left + (int)((double)width * i / 5);
		int64_t t = span * i / 5;
		addf(r, "<line class=\"tick\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
			"<text class=\"axis\" x=\"%d\" y=\"%d\">+%.3fs</text>\n",
		     x, top - 6, x, height - 24, x, height - 8, (double)t / 1000.0);
	}
	for (size_t i = 0; i < r->nphases; i++) {
		const rphase *p = &r->phases[i];
		double x0 = p->t0 < 0 ? 0 : (double)(p->t0 - r->t0) / (double)span * width;
		double w = p->t0 < 0 ? 0 : (double)(p->t1 - p->t0) / (double)span * width;
		if (w < 2)
			w = 2;
		add(r, "<g class=\"phase-row\"><text class=\"label phase-label\" x=\"4\" y=\"");
		addf(r, "%d\">", y + 15);
		esc(r, p->name);
		addf(r, "</text><rect class=\"phase\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
			"<title>", left + x0, y + 3, w, rowh - 6);
		esc(r, p->name);
		addf(r, ": %s</title></rect></g>\n", dur(p->t1 - p->t0, d));
		y += rowh;
		for (size_t k = 0; k < r->nsteps; k++) {
			const rstep *s = &r->steps[k];
			const char *st = step_status(s);
			double sx, sw;
			if (strcmp(s->phase, p->name))
				continue;
			sx = s->t0 < 0 ? 0 : (double)(s->t0 - r->t0) / (double)span * width;
			sw = s->t0 < 0 || s->t1 < 0 ? 0 : (double)(s->t1 - s->t0) / (double)span * width;
			if (sw < 2)
				sw = 2;
			add(r, "<g class=\"step-row\"><text class=\"label\" x=\"16\" y=\"");
			addf(r, "%d\">", y + 15);
			esc(r, step_name(s));
			addf(r, "</text><rect class=\"step\" data-step=\"");
			esc(r, step_name(s));
			add(r, "\" data-status=\"");
			esc(r, st);
			addf(r, "\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
			     left + sx, y + 4, sw, rowh - 8, status_colour(st));
			esc(r, step_name(s));
			add(r, ": ");
			esc(r, st);
			addf(r, ", %s</title></rect></g>\n",
			     dur(s->end ? tev_int(s->end, "duration_ms", -1) : -1, d));
			y += rowh;
		}
	}
	if (r->l->ndown) {
		int64_t t0, t1;
		addf(r, "<g class=\"down-row\"><text class=\"label phase-label\" x=\"4\" y=\"%d\">"
			"down</text>", y + 15);
		for (size_t k = 0; k < r->l->ndown && downtime(r, k, &t0, &t1); k++) {
			double x0 = t0 < 0 || r->t0 < 0 ? 0 : (double)(t0 - r->t0) / (double)span * width;
			double w = t0 < 0 || t1 < t0 ? 0 : (double)(t1 - t0) / (double)span * width;
			if (w < 2)
				w = 2;
			addf(r, "<rect class=\"down\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\">"
				"<title>down between a crash and its resume: %s</title></rect>",
			     left + x0, y + 3, w, rowh - 6, dur(t0 >= 0 && t1 >= t0 ? t1 - t0 : -1, d));
		}
		add(r, "</g>\n");
		y += rowh;
	}
	if (r->nwatches)
		watch_strip(r, y, left, width, rowh, span);
	add(r, "</svg>\n");
}

static void section_steps(report *r)
{
	static const char *const cols[] = { "Phase", "Step", "Title", "Effect", "Status", "Attempts",
					    "Duration", "Notes", NULL };
	char d[32], n[32];

	heading(r, "steps", "Checks and steps");
	if (!r->nsteps) {
		para(r, "No step ran.");
		return;
	}
	table_head(r, "steps", cols);
	for (size_t k = 0; k < r->nsteps; k++) {
		const rstep *s = &r->steps[k];
		const char *note = s->end ? tev_str(s->end, "error") : "started, never finished";
		if (s->end && !note)
			note = tev_str(s->end, "reason");
		row_start(r, NULL);
		cell(r, s->phase);
		cell(r, step_name(s));
		cell(r, s->value ? s->value : tev_str(s->start, "title"));
		cell(r, tev_str(s->start, "effect"));
		cell_status(r, step_status(s));
		snprintf(n, sizeof(n), "%lld", (long long)(s->end ? tev_int(s->end, "attempts", 0) : 0));
		cell(r, n);
		cell(r, dur(s->end ? tev_int(s->end, "duration_ms", -1) : -1, d));
		cell(r, note);
		row_end(r);
	}
	table_end(r);
}

/* each guard and probe: its checks, the failed ones, and whether it tripped */
static void section_watch(report *r)
{
	static const char *const cols[] = { "Kind", "Id", "Checks", "Failed", "Outcome", NULL };
	char n[32], f[32], t[32];

	heading(r, "watch", "Guards and probes");
	if (!r->nwatches) {
		para(r, "No guard or continuous probe was checked.");
		return;
	}
	table_head(r, "watch", cols);
	for (size_t k = 0; k < r->nwatches; k++) {
		const rwatch *w = &r->watches[k];
		snprintf(n, sizeof(n), "%zu", w->n);
		snprintf(f, sizeof(f), "%ld", w->failed);
		row_start(r, w->trip ? "fail" : NULL);
		cell(r, w->guard ? "guard" : "probe");
		cell(r, w->id);
		cell(r, n);
		cell(r, f);
		cell_start(r);
		if (w->trip) {
			esc(r, w->guard ? "tripped at " : "failed at ");
			esc(r, offset(r, w->trip->at_ms, t));
			esc(r, ": ");
			esc(r, str_or(tev_str(w->trip, "error"), "?"));
		} else {
			esc(r, w->guard ? "held" : "within its tolerance");
		}
		cell_end(r);
		row_end(r);
	}
	table_end(r);
}

static void section_matchers(report *r)
{
	static const char *const cols[] = { "Step", "Field", "Matcher", "Expected", "Actual",
					    "Result", NULL };
	int any = 0;

	heading(r, "matchers", "Expected vs actual");
	for (size_t k = 0; k < r->nsteps; k++) {
		const rstep *s = &r->steps[k];
		const cJSON *m = step_matchers(s), *x;
		if (!m)
			continue;
		if (!any++)
			table_head(r, "matchers", cols);
		if (!cJSON_IsArray(m)) {
			row_start(r, NULL);
			cell(r, step_name(s));
			cell(r, "(sensitive)");
			cell(r, "-");
			cell(r, cJSON_IsString(m) ? m->valuestring : "-");
			cell(r, cJSON_IsString(m) ? m->valuestring : "-");
			cell(r, step_status(s));
			row_end(r);
			continue;
		}
		cJSON_ArrayForEach(x, m) {
			const cJSON *ok = cJSON_GetObjectItemCaseSensitive(x, "ok");
			const cJSON *path = cJSON_GetObjectItemCaseSensitive(x, "path");
			const cJSON *op = cJSON_GetObjectItemCaseSensitive(x, "op");
			row_start(r, cJSON_IsTrue(ok) ? "pass" : "fail");
			cell(r, step_name(s));
			cell(r, cJSON_IsString(path) ? path->valuestring : "-");
			cell(r, cJSON_IsString(op) ? op->valuestring : "-");
			cell_start(r);
			esc_json(r, cJSON_GetObjectItemCaseSensitive(x, "expected"), 300);
			cell_end(r);
			cell_start(r);
			esc_json(r, cJSON_GetObjectItemCaseSensitive(x, "actual"), 300);
			cell_end(r);
			cell_status(r, cJSON_IsTrue(ok) ? "ok" : "failed");
			row_end(r);
		}
	}
	if (any)
		table_end(r);
	else
		para(r, "No step declared matchers.");
}

/* approvals and manual actions: what was asked, the answer, who, when */
static void section_approvals(report *r)
{
	static const char *const cols[] = { "Step", "Question", "Answer", "By", "Comment", "Time",
					    "Mode", NULL };
	int any = 0;

	heading(r, "approvals", "Approvals");
	for (size_t i = 0; i < r->l->n; i++) {
		const tlog_event *e = &r->l->v[i];
		int manual = e->id == EV_MANUAL;
		if (e->id != EV_APPROVE && !manual)
			continue;
		if (!any++)
			table_head(r, "approvals", cols);
		row_start(r, NULL);
		cell(r, e->step);
		cell(r, tev_str(e, manual ? "instructions" : "question"));
		if (manual)
			cell_status(r, cJSON_IsTrue(tev_get(e, "confirmed")) ? "confirmed" : "refused");
		else
			cell_status(r, cJSON_IsTrue(tev_get(e, "approved")) ? "approved" : "refused");
		cell(r, tev_str(e, "by"));
		cell(r, tev_str(e, "comment"));
		cell(r, str_or(tev_str(e, "answered_at"), tev_str(e, "ts")));
		cell(r, tev_str(e, "mode"));
		row_end(r);
	}
	if (any)
		table_end(r);
	else
		para(r, "No approval or manual action was asked.");
}

static void section_rollbacks(report *r)
{
	static const char *const cols[] = { "Event", "Time", "Detail", NULL };
	int any = 0;
	char t[32];

	heading(r, "rollbacks", "Rollbacks and signals");
	for (size_t i = 0; i < r->l->n; i++) {
		const tlog_event *e = &r->l->v[i];
		int is_rb_step = e->id == EV_STEP_END && e->phase &&
				 !strcmp(e->phase, "rollback");
		if (e->id != EV_ROLLBACK_START && e->id != EV_ROLLBACK_END &&
		    e->id != EV_SIGNAL && !is_rb_step)
			continue;
		if (!any++)
			table_head(r, "rollbacks", cols);
		row_start(r, NULL);
		cell(r, is_rb_step ? "rollback step" : e->event);
		cell(r, offset(r, e->at_ms, t));
		cell_start(r);
		if (e->id == EV_ROLLBACK_START) {
			esc(r, "reason ");
			esc(r, str_or(tev_str(e, "reason"), "?"));
			esc(r, "; steps to undo ");
			esc_json(r, tev_get(e, "steps"), 500);
		} else if (e->id == EV_ROLLBACK_END) {
			esc(r, str_or(e->status, "?"));
			esc(r, "; failed ");
			esc_json(r, tev_get(e, "failed"), 500);
		} else if (is_rb_step) {
			esc(r, str_or(e->step, "?"));
			if (e->item >= 0)
				addf(r, "[%ld]", e->item);
			esc(r, ": ");
			esc(r, str_or(e->status, "?"));
			if (tev_str(e, "error")) {
				esc(r, ": ");
				esc(r, tev_str(e, "error"));
			}
		} else {
			esc(r, str_or(tev_str(e, "signal"), "?"));
			if (tev_str(e, "during")) {
				esc(r, " during ");
				esc(r, tev_str(e, "during"));
			}
		}
		cell_end(r);
		row_end(r);
	}
	if (any)
		table_end(r);
	else
		para(r, "No rollback ran and no signal arrived.");
}

static const char CSS[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;"
	"max-width:1180px;color:#1d2125;padding:0 16px}"
	"h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 8px;"
	"border-bottom:1px solid #d8dde2;padding-bottom:4px}"
	"table{border-collapse:collapse;width:100%;margin:6px 0}"
	"th,td{border:1px solid #d8dde2;padding:4px 8px;text-align:left;vertical-align:top;"
	"word-break:break-word}th{background:#f2f4f6}"
	"table.summary td:first-child{width:160px;font-weight:600}"
	"tr.fail td{background:#fff3f3}"
	".st{display:inline-block;padding:0 6px;border-radius:3px;color:#fff;background:#6b7280}"
	".st-ok,.st-met,.st-approved,.st-confirmed{background:#2e9d4f}"
	".st-fail,.st-failed,.st-missed,.st-refused{background:#d23b3b}"
	".st-skipped{background:#9aa0a6}.st-would-run{background:#3b7dd8}"
	".st-in-doubt{background:#e8a317}"
	".banner{font-weight:700;padding:8px 12px;border-radius:4px}"
	".banner.pass{background:#e7f6ec;color:#1e6b36}.banner.fail{background:#fdeaea;color:#9b1c1c}"
	"svg.gantt{border:1px solid #d8dde2;background:#fff;max-width:100%;height:auto}"
	"svg .label{font-size:12px;fill:#1d2125}svg .phase-label{font-weight:700}"
	"svg .axis{font-size:11px;fill:#5f6b76;text-anchor:middle}"
	"svg .tick{stroke:#e3e7eb}svg rect.phase{fill:#dfe6ee}svg rect.down{fill:#b0b6bd}"
	"tr.down td{background:#f2f4f6}"
	".legend span{margin-right:14px}";

static void build(report *r)
{
	const tlog_event *s = r->l->start;
	const char *mode = s ? str_or(tev_str(s, "mode"), "run") : "run";
	const char *kind = !strcmp(mode, "drill") ? "Drill report" : "Run report";
	const char *id = s ? str_or(tev_str(s, "runbook"), "?") : "?";
	const char *title = s ? tev_str(s, "title") : NULL;

	if (r->fmt == FMT_HTML) {
		add(r, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
		esc(r, kind);
		add(r, ": ");
		esc(r, id);
		addf(r, "</title>\n<style>%s</style>\n</head><body>\n<h1>", CSS);
		esc(r, kind);
		add(r, ": ");
		esc(r, title ? title : id);
		add(r, "</h1>\n");
	} else {
		addf(r, "# %s: ", kind);
		esc(r, title ? title : id);
		add(r, "\n");
	}
	section_summary(r);
	section_verdict(r);
	section_objectives(r);
	section_timeline(r);
	if (r->fmt == FMT_HTML) {
		gantt(r);
		add(r, "<p class=\"legend\"><span style=\"color:#2e9d4f\">&#9632; ok</span>"
		       "<span style=\"color:#d23b3b\">&#9632; failed</span>"
		       "<span style=\"color:#9aa0a6\">&#9632; skipped</span>"
		       "<span style=\"color:#3b7dd8\">&#9632; would run</span>"
		       "<span style=\"color:#e8a317\">&#9632; in doubt</span></p>\n");
	}
	section_steps(r);
	section_watch(r);
	section_matchers(r);
	section_approvals(r);
	section_rollbacks(r);
	if (r->fmt == FMT_HTML)
		add(r, "</body></html>\n");
}

/*
 * `runbook report`: write the report to stdout or -o FILE.  Exits 0 when
 * the report was written, whatever the verdict says (the verdict is in the
 * report; `runbook verify` is the gate), 2 for a usage error or a file
 * that cannot be read or written.
 */
int cmd_report(const command *self, int argc, char **argv)
{
	verify_opts o = { 0 };
	const char *path = NULL, *format = "md", *outpath = NULL;
	report r;
	tlog l;
	verdict vd;
	int rc = EXIT_OK, id;
	opt_parser p;

	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT:
			return p.rc;
		case O_RUNBOOK: o.runbook_path = p.val; break;
		case O_PUBKEY: o.pubkey_path = p.val; break;
		case O_FORMAT: format = p.val; break;
		case O_OUTPUT: outpath = p.val; break;
		case OPTS_ARG:
			if (opts_one(&p, &path, "transcript") == OPTS_EXIT)
				return p.rc;
			break;
		}
	}
	if (!path)
		return usage_error(self, "no transcript given");
	memset(&r, 0, sizeof(r));
	if (!strcmp(format, "md") || !strcmp(format, "markdown"))
		r.fmt = FMT_MD;
	else if (!strcmp(format, "html"))
		r.fmt = FMT_HTML;
	else
		return usage_error(self, "unknown format '%s'", format);
	if (read_verdict(self, path, &o, &l, &vd) < 0)
		return EXIT_USAGE;
	r.l = &l;
	r.vd = &vd;
	gather(&r);
	build(&r);
	if (outpath && strcmp(outpath, "-")) {
		FILE *f = fopen(outpath, "we");
		int bad = !f || fwrite(r.b.buf, 1, r.b.len, f) != r.b.len;
		if ((f && fclose(f) != 0) || bad) {
			fprintf(stderr, "runbook report: cannot write '%s': %s\n", outpath, strerror(errno));
			rc = EXIT_USAGE;
		}
	} else if (fwrite(r.b.buf, 1, r.b.len, stdout) != r.b.len || fflush(stdout) != 0) {
		rc = EXIT_USAGE;
	}
	sbuf_release(&r.b);
	for (size_t k = 0; k < r.nsteps; k++) {
		free(r.steps[k].name);
		free(r.steps[k].value);
	}
	free(r.steps);
	free(r.phases);
	for (size_t k = 0; k < r.nwatches; k++)
		free(r.watches[k].checks);
	free(r.watches);
	verdict_release(&vd);
	tlog_release(&l);
	return rc;
}
