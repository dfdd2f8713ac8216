/*
 * diag.c - collecting, sorting and printing diagnostics.
 *
 * Diagnostics own heap copies of everything they hold, so they outlive the
 * runbook arenas.  The source registry keeps its own copy of each source
 * too: the CLI prints after runbook_load() has freed a failed runbook's
 * arena, and the source line under a diagnostic must still be there.
 *
 * Text that came from a runbook (messages quote keys and values, source
 * lines are shown verbatim) is made safe before it reaches a terminal or a
 * machine format: control characters and invalid UTF-8 become \xNN in
 * messages and '?' in source lines.
 */
#include "base/diag.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "base/arena.h"
#include "base/junit.h"

typedef struct source {
	char *file;
	char *src;
	size_t len;
	size_t *lines;          /* byte offset of each line start, built lazily */
	size_t nlines;
} source;

static source *sources;
static size_t nsources, capsources;
/* open-addressing index over sources by file name: slot = index + 1, 0 free;
 * `check` registers thousands of files, so lookups must not be linear */
static size_t *srcindex;
static size_t srcindex_cap;      /* a power of two, or 0 */

/* Start an empty list. */
void diags_init(diags *d)
{
	memset(d, 0, sizeof(*d));
}

/* Free every diagnostic and the list itself; d is empty afterwards. */
void diags_release(diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
		free(d->v[i].rule);
	}
	free(d->v);
	diags_init(d);
}

/*
 * Add a diagnostic.  file and rule are copied (either may be NULL); line
 * and col are 1-based, 0 when unknown.  Never fails (OOM aborts).
 */
void diag_vadd(diags *d, int severity, const char *file, int line, int col,
	       const char *rule, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	char *msg = vxasprintf(fmt, ap);

	diag *g = &d->v[d->n++];
	g->file = file ? xstrdup(file) : NULL;
	g->line = line > 0 ? line : 0;
	g->col = col > 0 && line > 0 ? col : 0;
	g->severity = severity == SEV_WARNING ? SEV_WARNING : SEV_ERROR;
	g->msg = msg;
	g->rule = rule ? xstrdup(rule) : NULL;
	if (g->severity == SEV_ERROR)
		d->nerr++;
	else
		d->nwarn++;
}

void diag_add(diags *d, int severity, const char *file, int line, int col,
	      const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, severity, file, line, col, rule, fmt, ap);
	va_end(ap);
}

/* drop diagnostic i (the later ones move up) */
void diag_drop(diags *d, size_t i)
{
	diag *g = &d->v[i];
	if (g->severity == SEV_ERROR)
		d->nerr--;
	else
		d->nwarn--;
	free(g->file);
	free(g->msg);
	free(g->rule);
	memmove(g, g + 1, (d->n - i - 1) * sizeof *g);
	d->n--;
}

/* report diagnostic i as severity instead */
void diag_set_severity(diags *d, size_t i, int severity)
{
	diag *g = &d->v[i];
	if (g->severity == severity)
		return;
	if (g->severity == SEV_ERROR)
		d->nerr--, d->nwarn++;
	else
		d->nwarn--, d->nerr++;
	g->severity = severity;
}

typedef struct diag_ix {
	diag g;
	size_t i;
} diag_ix;

static int diag_ix_cmp(const void *a, const void *b)
{
	const diag_ix *x = a, *y = b;
	int c = strcmp(x->g.file ? x->g.file : "", y->g.file ? y->g.file : "");
	if (c)
		return c;
	if (x->g.line != y->g.line)
		return x->g.line < y->g.line ? -1 : 1;
	if (x->g.col != y->g.col)
		return x->g.col < y->g.col ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* Sort by file, line, column; ties keep the order they were added in. */
void diags_sort(diags *d)
{
	if (d->n < 2)
		return;
	diag_ix *t = xmalloc(d->n * sizeof(*t));
	for (size_t i = 0; i < d->n; i++) {
		t[i].g = d->v[i];
		t[i].i = i;
	}
	qsort(t, d->n, sizeof(*t), diag_ix_cmp);
	for (size_t i = 0; i < d->n; i++)
		d->v[i] = t[i].g;
	free(t);
}

/* ---- source registry ---- */

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The index slot for file: the one holding it, or the free one it would
 * take.  The index must exist. */
static size_t *index_slot(const char *file)
{
	size_t mask = srcindex_cap - 1, i = name_hash(file) & mask;
	while (srcindex[i] && strcmp(sources[srcindex[i] - 1].file, file))
		i = (i + 1) & mask;
	return &srcindex[i];
}

static source *source_find(const char *file)
{
	if (!file || !srcindex_cap)
		return NULL;
	size_t ix = *index_slot(file);
	return ix ? &sources[ix - 1] : NULL;
}

/* Make room for one more source in the index (load factor <= 1/2). */
static void index_grow(void)
{
	if (2 * (nsources + 1) <= srcindex_cap)
		return;
	free(srcindex);
	srcindex_cap = srcindex_cap ? 2 * srcindex_cap : 64;
	srcindex = xcalloc(srcindex_cap, sizeof(*srcindex));
	for (size_t i = 0; i < nsources; i++)
		*index_slot(sources[i].file) = i + 1;
}

/*
 * Remember the text of file for printing source lines (and for
 * node_pos_at).  The text is copied; registering a file again replaces
 * the old text.
 */
void diag_register_source(const char *file, const char *src, size_t len)
{
	if (!file || !src)
		return;
	source *s = source_find(file);
	if (s) {
		free(s->src);
		free(s->lines);
	} else {
		if (nsources == capsources) {
			capsources = capsources ? capsources * 2 : 8;
			sources = xrealloc(sources, capsources * sizeof(*sources));
		}
		index_grow();
		s = &sources[nsources];
		s->file = xstrdup(file);
		*index_slot(file) = ++nsources;
	}
	s->src = xstrndup(src, len);
	s->len = len;
	s->lines = NULL;
	s->nlines = 0;
}

/* Drop every registered source. */
void diag_forget_sources(void)
{
	for (size_t i = 0; i < nsources; i++) {
		free(sources[i].file);
		free(sources[i].src);
		free(sources[i].lines);
	}
	free(sources);
	sources = NULL;
	nsources = capsources = 0;
	free(srcindex);
	srcindex = NULL;
	srcindex_cap = 0;
}

/*
 * The registered text of file: 0 with *src and *len set, or -1.  The
 * text stays valid until the file is registered again or the registry is
 * forgotten.
 */
int diag_source(const char *file, const char **src, size_t *len)
{
	source *s = source_find(file);
	if (!s)
		return -1;
	*src = s->src;
	*len = s->len;
	return 0;
}

/*
 * Byte length of the line break at p, 0 when p is not at one: the breaks
 * libyaml counts (LF, CR, CRLF, NEL, LS, PS).  Shared with load.c.
 */
size_t yaml_break_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t left = (size_t)(end - p);
	if (!left)
		return 0;
	if (u[0] == '\r')
		return left > 1 && u[1] == '\n' ? 2 : 1;
	if (u[0] == '\n')
		return 1;
	if (left >= 2 && u[0] == 0xC2 && u[1] == 0x85)
		return 2;
	if (left >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0xA8 || u[2] == 0xA9))
		return 3;
	return 0;
}

/* Line n (1-based) of file: its start and length without the break. */
static int source_line(const char *file, int n, const char **p, size_t *len)
{
	source *s = source_find(file);
	if (!s || n < 1)
		return -1;
	if (!s->lines) {
		size_t cap = 64;
		s->lines = xmalloc(cap * sizeof(size_t));
		s->lines[s->nlines++] = 0;
		const char *end = s->src + s->len;
		for (const char *q = s->src; q < end;) {
			size_t b = yaml_break_len(q, end);
			if (!b) {
				q++;
				continue;
			}
			q += b;
			if (s->nlines == cap) {
				cap *= 2;
				s->lines = xrealloc(s->lines, cap * sizeof(size_t));
			}
			s->lines[s->nlines++] = (size_t)(q - s->src);
		}
	}
	if ((size_t)n > s->nlines)
		return -1;
	const char *start = s->src + s->lines[n - 1];
	const char *end = s->src + s->len, *q = start;
	while (q < end && !yaml_break_len(q, end))
		q++;
	*p = start;
	*len = (size_t)(q - start);
	return 0;
}

/* ---- making runbook text safe to print ---- */

/* Length of a valid, printable UTF-8 character at p, or 0. */
static size_t utf8_ok(const unsigned char *p, size_t left)
{
	uint32_t cp;
	size_t n;
	if (p[0] < 0x80)
		return p[0] >= 0x20 && p[0] != 0x7f ? 1 : 0;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp <= 0x9F))
		return 0;
	return n;
}

/* A message with control characters and invalid UTF-8 as \xNN (heap). */
static char *safe_msg(const char *s)
{
	sbuf b = { 0 };
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);
	while (left) {
		size_t n = utf8_ok(u, left);
		if (n) {
			sbuf_add(&b, (const char *)u, n);
		} else {
			sbuf_addf(&b, "\\x%02x", *u);
			n = 1;
		}
		u += n;
		left -= n;
	}
	return sbuf_detach(&b);
}

/* ---- text ---- */

#define SHOW_BEFORE 60          /* characters shown left of a far caret */
#define SHOW_MAX 160            /* characters of a source line shown at most */

/*
 * Print the source line (a window of it when long) and a caret under
 * column col; tabs are kept so the caret lines up with the text.
 */
static void print_source(FILE *out, const diag *g, int color)
{
	const char *p;
	size_t len;
	if (!g->line || source_line(g->file, g->line, &p, &len))
		return;
	/* split the line into characters: start offsets */
	size_t *cs = xmalloc((len + 1) * sizeof(*cs));
	size_t nc = 0;
	for (size_t i = 0; i < len;) {
		cs[nc++] = i;
		size_t n = utf8_ok((const unsigned char *)p + i, len - i);
		i += n ? n : 1;
	}
	cs[nc] = len;
	size_t caret = g->col ? (size_t)g->col - 1 : 0;
	if (caret > nc)
		caret = nc;
	size_t from = 0, to = nc;
	if (caret > SHOW_BEFORE + 20)
		from = caret - SHOW_BEFORE;
	if (to - from > SHOW_MAX)
		to = from + SHOW_MAX;
	sbuf b = { 0 };
	sbuf_adds(&b, "  ");
	if (from)
		sbuf_adds(&b, "...");
	for (size_t i = from; i < to; i++) {
		const char *c = p + cs[i];
		size_t n = cs[i + 1] - cs[i];
		if (*c == '\t' || utf8_ok((const unsigned char *)c, n) == n)
			sbuf_add(&b, c, n);
		else
			sbuf_addc(&b, '?');
	}
	if (to < nc)
		sbuf_adds(&b, "...");
	fprintf(out, "%s\n", b.buf);
	sbuf_release(&b);
	if (g->col) {
		sbuf_adds(&b, "  ");
		if (from)
			sbuf_adds(&b, "   ");
		for (size_t i = from; i < caret && i < to; i++)
			sbuf_addc(&b, p[cs[i]] == '\t' ? '\t' : ' ');
		if (color)
			sbuf_adds(&b, g->severity == SEV_ERROR ? "\033[1;31m" : "\033[1;33m");
		sbuf_addc(&b, '^');
		if (color)
			sbuf_adds(&b, "\033[0m");
		fprintf(out, "%s\n", b.buf);
		sbuf_release(&b);
	}
	free(cs);
}

static void print_text(FILE *out, const diags *d, int color)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		char *m = safe_msg(g->msg);
		char *f = safe_msg(g->file ? g->file : "runbook");
		const char *sevc = !color ? "" :
			g->severity == SEV_ERROR ? "\033[1;31m" : "\033[1;33m";
		fprintf(out, "%s%s", bold, f);
		if (g->line)
			fprintf(out, ":%d", g->line);
		if (g->col)
			fprintf(out, ":%d", g->col);
		fprintf(out, ":%s %s%s:%s %s", reset, sevc,
			g->severity == SEV_ERROR ? "error" : "warning", reset, m);
		if (g->rule)
			fprintf(out, " [%s]", g->rule);
		fputc('\n', out);
		print_source(out, g, color);
		free(m);
		free(f);
	}
}

/* ---- json ---- */

static const char *sev_name(const diag *g)
{
	return g->severity == SEV_ERROR ? "error" : "warning";
}

static void print_json(FILE *out, const diags *d)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "diagnostics");
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		cJSON *o = cJSON_CreateObject();
		char *m = safe_msg(g->msg);
		char *f = safe_msg(g->file ? g->file : "");
		cJSON_AddStringToObject(o, "file", f);
		cJSON_AddNumberToObject(o, "line", g->line);
		cJSON_AddNumberToObject(o, "col", g->col);
		cJSON_AddStringToObject(o, "severity", sev_name(g));
		cJSON_AddStringToObject(o, "message", m);
		if (g->rule)
			cJSON_AddStringToObject(o, "rule", g->rule);
		else
			cJSON_AddNullToObject(o, "rule");
		cJSON_AddItemToArray(arr, o);
		free(m);
		free(f);
	}
	cJSON_AddNumberToObject(root, "errors", d->nerr);
	cJSON_AddNumberToObject(root, "warnings", d->nwarn);
	char *s = cJSON_PrintUnformatted(root);
	fprintf(out, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(root);
}

/* ---- github ---- */

/* GitHub workflow-command escaping; properties also escape ':' and ','. */
static void gh_escape(sbuf *b, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': sbuf_adds(b, "%25"); break;
		case '\r': sbuf_adds(b, "%0D"); break;
		case '\n': sbuf_adds(b, "%0A"); break;
		case ':':
			if (property) {
				sbuf_adds(b, "%3A");
				break;
			}
			sbuf_addc(b, *s);
			break;
		case ',':
			if (property) {
				sbuf_adds(b, "%2C");
				break;
			}
			sbuf_addc(b, *s);
			break;
		default: sbuf_addc(b, *s); break;
		}
	}
}

static void print_github(FILE *out, const diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		char *m = safe_msg(g->msg);
		sbuf b = { 0 };
		sbuf_addf(&b, "::%s ", sev_name(g));
		if (g->file) {
			char *f = safe_msg(g->file);
			sbuf_adds(&b, "file=");
			gh_escape(&b, f, 1);
			free(f);
		}
		if (g->line)
			sbuf_addf(&b, "%sline=%d", g->file ? "," : "", g->line);
		if (g->col)
			sbuf_addf(&b, ",col=%d", g->col);
		if (g->rule) {
			if (g->file || g->line)
				sbuf_addc(&b, ',');
			sbuf_adds(&b, "title=");
			gh_escape(&b, g->rule, 1);
		}
		sbuf_adds(&b, "::");
		gh_escape(&b, m, 0);
		fprintf(out, "%s\n", b.buf);
		sbuf_release(&b);
		free(m);
	}
}

/* ---- sarif ---- */

/* A path as a relative URI reference: percent-encode all but unreserved and '/'. */
static char *path_uri(const char *path)
{
	sbuf b = { 0 };
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			sbuf_addc(&b, (char)*p);
		else
			sbuf_addf(&b, "%%%02X", *p);
	}
	return sbuf_detach(&b);
}

static void print_sarif(FILE *out, const diags *d, char *const *files, size_t nfiles)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "$schema",
				"https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(root, "version", "2.1.0");
	cJSON *runs = cJSON_AddArrayToObject(root, "runs");
	cJSON *run = cJSON_CreateObject();
	cJSON_AddItemToArray(runs, run);
	cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"),
						"driver");
	cJSON_AddStringToObject(driver, "name", "runbook");
	cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
	cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
	cJSON *arts = cJSON_AddArrayToObject(run, "artifacts");
	for (size_t i = 0; i < nfiles; i++) {
		char *u = path_uri(files[i]);
		cJSON *a = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(a, "location"), "uri", u);
		cJSON_AddItemToArray(arts, a);
		free(u);
	}
	cJSON *results = cJSON_AddArrayToObject(run, "results");
	const char **ids = xcalloc(d->n + 1, sizeof(*ids));
	size_t nids = 0;
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		cJSON *r = cJSON_CreateObject();
		if (g->rule) {
			size_t k;
			for (k = 0; k < nids && strcmp(ids[k], g->rule); k++)
				;
			if (k == nids) {
				ids[nids++] = g->rule;
				cJSON *rule = cJSON_CreateObject();
				cJSON_AddStringToObject(rule, "id", g->rule);
				cJSON_AddStringToObject(cJSON_AddObjectToObject(rule,
						"shortDescription"), "text", g->rule);
				cJSON_AddItemToArray(rules, rule);
			}
			cJSON_AddStringToObject(r, "ruleId", g->rule);
			cJSON_AddNumberToObject(r, "ruleIndex", (double)k);
		}
		cJSON_AddStringToObject(r, "level", sev_name(g));
		char *m = safe_msg(g->msg);
		cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "message"), "text", m);
		free(m);
		if (g->file) {
			cJSON *locs = cJSON_AddArrayToObject(r, "locations");
			cJSON *loc = cJSON_CreateObject();
			cJSON_AddItemToArray(locs, loc);
			cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
			char *u = path_uri(g->file);
			cJSON_AddStringToObject(cJSON_AddObjectToObject(phys,
					"artifactLocation"), "uri", u);
			free(u);
			if (g->line) {
				cJSON *reg = cJSON_AddObjectToObject(phys, "region");
				cJSON_AddNumberToObject(reg, "startLine", g->line);
				if (g->col)
					cJSON_AddNumberToObject(reg, "startColumn", g->col);
			}
		}
		cJSON_AddItemToArray(results, r);
	}
	free(ids);
	char *s = cJSON_Print(root);
	fprintf(out, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(root);
}

/* ---- junit ---- */

static int same_file(const diag *g, const char *f)
{
	return !strcmp(g->file ? g->file : "", f);
}

/* "file:line:col: severity: message [rule]", each part made safe (heap) */
static char *junit_line(const diag *g, const char *f, const char *severity)
{
	sbuf b = { 0 };
	char *sf = safe_msg(f), *m = safe_msg(g->msg);

	sbuf_adds(&b, sf);
	if (g->line)
		sbuf_addf(&b, ":%d", g->line);
	if (g->col)
		sbuf_addf(&b, ":%d", g->col);
	sbuf_addf(&b, ": %s: %s", severity, m);
	if (g->rule) {
		char *r = safe_msg(g->rule);
		sbuf_addf(&b, " [%s]", r);
		free(r);
	}
	free(sf);
	free(m);
	return sbuf_detach(&b);
}

/* One testcase per file: a <failure> per error, warnings in system-out. */
static void junit_file(junit *j, const diags *d, const char *f)
{
	char *sf = safe_msg(f);
	sbuf w = { 0 };

	junit_case(j, sf, "runbook check");
	free(sf);
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		if (!same_file(g, f))
			continue;
		char *line = junit_line(g, f, g->severity == SEV_WARNING ? "warning" : "error");
		if (g->severity == SEV_WARNING) {
			sbuf_adds(&w, line);
			sbuf_addc(&w, '\n');
		} else {
			char *m = safe_msg(g->msg), *r = safe_msg(g->rule ? g->rule : "error");
			junit_failure(j, m, r, line);
			free(m);
			free(r);
		}
		free(line);
	}
	if (w.len)
		junit_output(j, w.buf);
	sbuf_release(&w);
}

static void print_junit(FILE *out, const diags *d, char *const *files, size_t nfiles)
{
	/* the files checked, then any other file a diagnostic names */
	const char **fl = xcalloc(nfiles + d->n + 1, sizeof(*fl));
	size_t nf = 0;
	for (size_t i = 0; i < nfiles; i++)
		fl[nf++] = files[i];
	for (size_t i = 0; i < d->n; i++) {
		const char *f = d->v[i].file ? d->v[i].file : "";
		size_t k;
		for (k = 0; k < nf && strcmp(fl[k], f); k++)
			;
		if (k == nf)
			fl[nf++] = f;
	}
	junit j = { 0 };
	for (size_t i = 0; i < nf; i++)
		junit_file(&j, d, fl[i]);
	junit_print(out, &j, "runbook check", NULL);
	free(fl);
}

/* DIAG_* for a --format name, -1 when unknown. */
int diag_format_from_name(const char *name)
{
	static const char *const names[] = {
		[DIAG_TEXT] = "text", [DIAG_JSON] = "json", [DIAG_GITHUB] = "github",
		[DIAG_SARIF] = "sarif", [DIAG_JUNIT] = "junit",
	};
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return (int)i;
	return -1;
}

/*
 * Print d in the given format, in its current order (call diags_sort
 * first for file order).  color applies to text only.  files are the
 * paths that were checked: junit gives each a testcase and sarif an
 * artifact, clean ones included.  The "N errors" summary is the caller's.
 */
void diags_print(FILE *out, const diags *d, int format, int color,
		 char *const *files, size_t nfiles)
{
	switch (format) {
	case DIAG_JSON: print_json(out, d); break;
	case DIAG_GITHUB: print_github(out, d); break;
	case DIAG_SARIF: print_sarif(out, d, files, nfiles); break;
	case DIAG_JUNIT: print_junit(out, d, files, nfiles); break;
	default: print_text(out, d, color); break;
	}
}
