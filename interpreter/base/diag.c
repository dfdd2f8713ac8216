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
#include <unistd.h>
#include <cjson/cJSON.h>

#include "base/arena.h"
#include "base/hash.h"
#include "base/junit.h"

typedef struct source {
	char *file;
	char *src;
	size_t len;
	size_t *lines;          /* byte offset of each line start, built lazily */
	size_t nlines;
	int lf_only;            /* with lines: LF is the only line break in src */
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
	/* most messages fit the stack buffer: one formatting pass */
	char buf[512];
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(buf, sizeof(buf), fmt, cp);
	va_end(cp);
	char *msg = n >= 0 && (size_t)n < sizeof(buf) ? xstrndup(buf, (size_t)n) :
		    vxasprintf(fmt, ap);

	diag *g = &d->v[d->n++];
	g->file = file ? xstrdup(file) : NULL;
	g->line = line > 0 ? line : 0;
	g->col = col > 0 && line > 0 ? col : 0;
	g->severity = severity == SEV_WARNING ? SEV_WARNING : SEV_ERROR;
	g->msg = msg;
	g->rule = rule ? xstrdup(rule) : NULL;
	g->hide_source = 0;
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

/* the last diagnostic added is printed without its source line */
void diag_hide_source(diags *d)
{
	if (d->n)
		d->v[d->n - 1].hide_source = 1;
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

/* A byte that may start a line break (yaml_break_len's first bytes). */
static int may_break(unsigned char c)
{
	return c == '\n' || c == '\r' || c == 0xC2 || c == 0xE2;
}

/* The next byte of [q, end) that may start a line break, or end.  A
 * source whose only breaks are LF (nearly all) is searched with memchr. */
static const char *next_break(const char *q, const char *end, int lf_only)
{
	if (lf_only) {
		const char *nl = memchr(q, '\n', (size_t)(end - q));
		return nl ? nl : end;
	}
	while (q < end && !may_break((unsigned char)*q))
		q++;
	return q;
}

/* The byte offset of each line start of s (lazily, once per source). */
static void index_lines(source *s)
{
	size_t cap = 64;
	s->lines = xmalloc(cap * sizeof(size_t));
	s->lines[s->nlines++] = 0;
	const char *end = s->src + s->len;
	s->lf_only = !memchr(s->src, '\r', s->len) && !memchr(s->src, 0xC2, s->len) &&
		     !memchr(s->src, 0xE2, s->len);
	for (const char *q = s->src; q < end;) {
		q = next_break(q, end, s->lf_only);
		size_t b = s->lf_only ? q < end : yaml_break_len(q, end);
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

/* Line n (1-based) of file: its start and length without the break. */
static int source_line(const char *file, int n, const char **p, size_t *len)
{
	source *s = source_find(file);
	if (!s || n < 1)
		return -1;
	if (!s->lines)
		index_lines(s);
	if ((size_t)n > s->nlines)
		return -1;
	const char *start = s->src + s->lines[n - 1];
	const char *end = s->src + s->len, *q = start;
	while ((q = next_break(q, end, s->lf_only)) < end && !yaml_break_len(q, end))
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

/* s with invalid UTF-8 as \xNN, and control characters too unless
 * keep_controls (heap) */
static void add_safe(sbuf *b, const char *s, int keep_controls)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);
	while (left) {
		/* a run of printable ASCII goes in at once */
		size_t run = 0;
		while (run < left && u[run] >= 0x20 && u[run] < 0x7f)
			run++;
		if (run) {
			sbuf_add(b, (const char *)u, run);
			u += run;
			left -= run;
			continue;
		}
		size_t n = utf8_ok(u, left);
		if (!n && keep_controls && (*u < 0x20 || *u == 0x7f))
			n = 1;
		if (n) {
			sbuf_add(b, (const char *)u, n);
		} else {
			char hex[5] = { '\\', 'x', "0123456789abcdef"[*u >> 4],
					"0123456789abcdef"[*u & 15], 0 };
			sbuf_add(b, hex, 4);
			n = 1;
		}
		u += n;
		left -= n;
	}
}

/* s made safe as add_safe() does it (heap) */
static char *safe_text(const char *s, int keep_controls)
{
	sbuf b = { 0 };
	add_safe(&b, s, keep_controls);
	return sbuf_detach(&b);
}

/* A message with control characters and invalid UTF-8 as \xNN (heap). */
static char *safe_msg(const char *s)
{
	return safe_text(s, 0);
}

/* A file name as it is, but for invalid UTF-8 as \xNN: for the formats
 * that escape control characters themselves (JSON, GitHub) (heap). */
static char *safe_path(const char *s)
{
	return safe_text(s, 1);
}

/* ---- text ---- */

#define SHOW_BEFORE 60          /* characters shown left of a far caret */
#define SHOW_MAX 160            /* characters of a source line shown at most */

/*
 * Append the source line (a window of it when long) and a caret under
 * column col; tabs are kept so the caret lines up with the text.
 */
static void print_source(sbuf *out, const diag *g, int color)
{
	const char *p;
	size_t len;
	if (!g->line || source_line(g->file, g->line, &p, &len))
		return;
	if (g->hide_source) {
		sbuf_adds(out, "  (the line is not shown: it holds the credential)\n");
		return;
	}
	/* split the line into characters: start offsets */
	size_t stackcs[256];
	size_t *cs = len < 256 ? stackcs : xmalloc((len + 1) * sizeof(*cs));
	size_t nc = 0;
	for (size_t i = 0; i < len;) {
		cs[nc++] = i;
		unsigned char c = (unsigned char)p[i];
		size_t n = c >= 0x20 && c < 0x7f ? 1 : utf8_ok((const unsigned char *)p + i, len - i);
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
	sbuf_adds(out, from ? "  ..." : "  ");
	/* printable characters go in as runs, the others as '?' */
	size_t run = cs[from];
	for (size_t i = from; i < to; i++) {
		const char *c = p + cs[i];
		size_t n = cs[i + 1] - cs[i];
		if ((*c >= 0x20 && *c < 0x7f) || *c == '\t' ||
		    utf8_ok((const unsigned char *)c, n) == n)
			continue;
		sbuf_add(out, p + run, cs[i] - run);
		sbuf_addc(out, '?');
		run = cs[i + 1];
	}
	sbuf_add(out, p + run, cs[to] - run);
	sbuf_adds(out, to < nc ? "...\n" : "\n");
	if (g->col) {
		char pad[SHOW_MAX + 8];
		size_t k = 0;
		pad[k++] = ' ';
		pad[k++] = ' ';
		if (from)
			for (int j = 0; j < 3; j++)
				pad[k++] = ' ';
		for (size_t i = from; i < caret && i < to; i++)
			pad[k++] = p[cs[i]] == '\t' ? '\t' : ' ';
		sbuf_add(out, pad, k);
		if (color)
			sbuf_adds(out, g->severity == SEV_ERROR ? "\033[1;31m" : "\033[1;33m");
		sbuf_addc(out, '^');
		if (color)
			sbuf_adds(out, "\033[0m");
		sbuf_addc(out, '\n');
	}
	if (cs != stackcs)
		free(cs);
}

/* ":N" for n (n > 0) */
static void add_num(sbuf *b, int n)
{
	char t[16];
	size_t k = sizeof(t);
	unsigned v = (unsigned)n;
	do {
		t[--k] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	t[--k] = ':';
	sbuf_add(b, t + k, sizeof(t) - k);
}

/* Append one diagnostic in the text format, its source line under it. */
static void text_one(sbuf *b, const diag *g, int color)
{
	const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
	const char *sevc = !color ? "" :
		g->severity == SEV_ERROR ? "\033[1;31m" : "\033[1;33m";
	sbuf_adds(b, bold);
	add_safe(b, g->file ? g->file : "runbook", 0);
	if (g->line)
		add_num(b, g->line);
	if (g->col)
		add_num(b, g->col);
	sbuf_addc(b, ':');
	sbuf_adds(b, reset);
	sbuf_addc(b, ' ');
	sbuf_adds(b, sevc);
	sbuf_adds(b, g->severity == SEV_ERROR ? "error" : "warning");
	sbuf_addc(b, ':');
	sbuf_adds(b, reset);
	sbuf_addc(b, ' ');
	add_safe(b, g->msg, 0);
	if (g->rule) {
		sbuf_adds(b, " [");
		sbuf_adds(b, g->rule);
		sbuf_addc(b, ']');
	}
	sbuf_addc(b, '\n');
	print_source(b, g, color);
}

/* The diagnostics collect in one buffer, written out in large pieces. */
static void print_text(FILE *out, const diags *d, int color)
{
	sbuf b = { 0 };
	for (size_t i = 0; i < d->n; i++) {
		text_one(&b, &d->v[i], color);
		if (b.len >= 64 * 1024 || i + 1 == d->n) {
			fwrite(b.buf, 1, b.len, out);
			b.len = 0;
		}
	}
	sbuf_release(&b);
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
		char *f = safe_path(g->file ? g->file : "");
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
			char *f = safe_path(g->file);
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

/* a path's bytes as a URI: all but unreserved characters and '/' percent-encoded */
static void uri_path(sbuf *b, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			sbuf_addc(b, (char)*p);
		else
			sbuf_addf(b, "%%%02X", *p);
	}
}

/* path made absolute against cwd, "." and ".." segments resolved (heap) */
static char *abs_path(const char *path, const char *cwd)
{
	char *joined = path[0] == '/' ? xstrdup(path) : xasprintf("%s/%s", cwd, path);
	size_t n = strlen(joined), nseg = 0;
	char **seg = xmalloc((n / 2 + 2) * sizeof(*seg));
	for (char *save = NULL, *s = strtok_r(joined, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (!strcmp(s, "."))
			continue;
		if (!strcmp(s, "..")) {
			nseg -= nseg > 0;
			continue;
		}
		seg[nseg++] = s;
	}
	sbuf b = { 0 };
	for (size_t i = 0; i < nseg; i++)
		sbuf_addf(&b, "/%s", seg[i]);
	if (!nseg)
		sbuf_addc(&b, '/');
	free(seg);
	free(joined);
	return sbuf_detach(&b);
}

/*
 * An artifactLocation for path: relative to the current directory with
 * uriBaseId %SRCROOT% when it is under it, else an absolute file:// URI.
 */
static cJSON *artifact_location(const char *path, const char *cwd)
{
	cJSON *o = cJSON_CreateObject();
	char *abs = abs_path(path, cwd);
	size_t cl = strlen(cwd);
	sbuf b = { 0 };
	if (!strncmp(abs, cwd, cl) && abs[cl] == '/' && abs[cl + 1]) {
		uri_path(&b, abs + cl + 1);
		cJSON_AddStringToObject(o, "uri", b.buf);
		cJSON_AddStringToObject(o, "uriBaseId", "%SRCROOT%");
	} else {
		sbuf_adds(&b, "file://");
		uri_path(&b, abs);
		cJSON_AddStringToObject(o, "uri", b.buf);
	}
	sbuf_release(&b);
	free(abs);
	return o;
}

/* the current directory as a file:// URI ending in '/' (heap) */
static char *cwd_uri(const char *cwd)
{
	sbuf b = { 0 };
	sbuf_adds(&b, "file://");
	uri_path(&b, cwd);
	if (b.buf[b.len - 1] != '/')
		sbuf_addc(&b, '/');
	return sbuf_detach(&b);
}

static void add_text(cJSON *o, const char *key, const char *text)
{
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, key), "text", text);
}

/* a reportingDescriptor for rule id, from the caller's table when it has a row */
static cJSON *sarif_rule(const char *id, const diag_tool *t)
{
	diag_rule r = { id, SEV_ERROR, id, id, NULL };
	if (t->rule && t->rule(id, &r) < 0)
		r = (diag_rule){ id, SEV_ERROR, id, id, NULL };
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", id);
	add_text(o, "shortDescription", r.summary);
	add_text(o, "fullDescription", r.rationale);
	sbuf text = { 0 }, md = { 0 };
	sbuf_addf(&text, "%s\n\n%s", r.summary, r.rationale);
	sbuf_addf(&md, "**%s** (%s): %s\n\n%s", id, r.severity == SEV_ERROR ? "error" : "warning",
		  r.summary, r.rationale);
	if (r.example) {
		sbuf_addf(&text, "\n\nExample:\n\n%s", r.example);
		sbuf_addf(&md, "\n\nExample:\n\n```yaml\n%s```", r.example);
	}
	cJSON *help = cJSON_AddObjectToObject(o, "help");
	cJSON_AddStringToObject(help, "text", text.buf);
	cJSON_AddStringToObject(help, "markdown", md.buf);
	sbuf_release(&text);
	sbuf_release(&md);
	if (t->rules_uri) {
		char *u = xasprintf("%s#%s", t->rules_uri, id);
		cJSON_AddStringToObject(o, "helpUri", u);
		free(u);
	}
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "defaultConfiguration"), "level",
				r.severity == SEV_ERROR ? "error" : "warning");
	return o;
}

/* the index of id in the run's rules, added when new */
static size_t rule_index(const char ***ids, size_t *nids, cJSON *rules, const char *id,
			 const diag_tool *t)
{
	size_t k;
	for (k = 0; k < *nids && strcmp((*ids)[k], id); k++)
		;
	if (k == *nids) {
		*ids = xrealloc(*ids, (*nids + 1) * sizeof(**ids));
		(*ids)[(*nids)++] = id;
		cJSON_AddItemToArray(rules, sarif_rule(id, t));
	}
	return k;
}

/* the text of g's line without leading and trailing blanks ("" if none) */
static void trimmed_line(const diag *g, const char **p, size_t *len)
{
	if (!g->line || source_line(g->file, g->line, p, len) < 0) {
		*p = "";
		*len = 0;
	}
	while (*len && (**p == ' ' || **p == '\t'))
		(*p)++, (*len)--;
	while (*len && ((*p)[*len - 1] == ' ' || (*p)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * A fingerprint that survives edits elsewhere in the file: the rule, the
 * file's URI (relative to the current directory when under it), the text of the diagnostic's line without its indentation and
 * trailing blanks, and how many diagnostics of the same rule on a line of
 * the same text came before it in this file (diags_sort keeps a file's
 * diagnostics together, in order).
 */
static char *fingerprint(const diags *d, size_t i, const char *uri)
{
	const diag *g = &d->v[i];
	sbuf key = { 0 };
	const char *p;
	size_t len;
	trimmed_line(g, &p, &len);
	sbuf_addf(&key, "%s", g->rule ? g->rule : "");
	sbuf_addc(&key, 0);
	sbuf_adds(&key, uri);
	sbuf_addc(&key, 0);
	sbuf_add(&key, p, len);
	size_t seen = 0;
	for (size_t k = i; k-- > 0;) {
		const diag *h = &d->v[k];
		const char *q;
		size_t ql;
		if (strcmp(h->file ? h->file : "", g->file ? g->file : ""))
			break;
		if (strcmp(h->rule ? h->rule : "", g->rule ? g->rule : ""))
			continue;
		trimmed_line(h, &q, &ql);
		seen += ql == len && !memcmp(p, q, len);
	}
	sbuf_addf(&key, "%c%zu", 0, seen);
	char hex[65];
	sha256_hex(key.buf, key.len, hex);
	sbuf_release(&key);
	return xasprintf("%s:%zu", hex, seen + 1);
}

static int is_io(const diag *g)
{
	return g->rule && !strcmp(g->rule, "io");
}

/* the physical location of g (its file, and its line and column when known) */
static cJSON *sarif_location(const diag *g, const char *cwd)
{
	cJSON *loc = cJSON_CreateObject();
	cJSON *phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	cJSON_AddItemToObject(phys, "artifactLocation", artifact_location(g->file, cwd));
	if (g->line) {
		cJSON *reg = cJSON_AddObjectToObject(phys, "region");
		cJSON_AddNumberToObject(reg, "startLine", g->line);
		if (g->col)
			cJSON_AddNumberToObject(reg, "startColumn", g->col);
	}
	return loc;
}

/* the run's invocation: a file that could not be read is a notification */
static void sarif_invocation(cJSON *run, const diags *d, const char *cwd)
{
	cJSON *inv = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
	cJSON *notes = cJSON_CreateArray();
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		if (!is_io(g))
			continue;
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "level", "error");
		char *m = safe_msg(g->msg);
		add_text(n, "message", m);
		free(m);
		if (g->file)
			cJSON_AddItemToArray(cJSON_AddArrayToObject(n, "locations"),
					     sarif_location(g, cwd));
		cJSON_AddItemToArray(notes, n);
	}
	cJSON_AddBoolToObject(inv, "executionSuccessful", cJSON_GetArraySize(notes) == 0);
	if (cJSON_GetArraySize(notes))
		cJSON_AddItemToObject(inv, "toolExecutionNotifications", notes);
	else
		cJSON_Delete(notes);
	char *u = cwd_uri(cwd);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(inv, "workingDirectory"), "uri", u);
	free(u);
}

static void print_sarif(FILE *out, const diags *d, const diag_tool *t)
{
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		cwd = xstrdup("/");
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "$schema",
				"https://json.schemastore.org/sarif-2.1.0.json");
	cJSON_AddStringToObject(root, "version", "2.1.0");
	cJSON *run = cJSON_CreateObject();
	cJSON_AddItemToArray(cJSON_AddArrayToObject(root, "runs"), run);
	cJSON *driver = cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
	cJSON_AddStringToObject(driver, "name", t->name ? t->name : "runbook");
	if (t->version)
		cJSON_AddStringToObject(driver, "version", t->version);
	if (t->information_uri)
		cJSON_AddStringToObject(driver, "informationUri", t->information_uri);
	cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
	sarif_invocation(run, d, cwd);
	char *root_uri = cwd_uri(cwd);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(run,
			"originalUriBaseIds"), "%SRCROOT%"), "uri", root_uri);
	free(root_uri);
	cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
	cJSON *arts = cJSON_AddArrayToObject(run, "artifacts");
	for (size_t i = 0; i < t->nfiles; i++) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddItemToObject(a, "location", artifact_location(t->files[i], cwd));
		cJSON_AddItemToArray(arts, a);
	}
	cJSON *results = cJSON_AddArrayToObject(run, "results");
	const char **ids = NULL;
	size_t nids = 0;
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		if (is_io(g))
			continue;
		cJSON *r = cJSON_CreateObject();
		const char *id = g->rule ? g->rule : "error";
		cJSON_AddStringToObject(r, "ruleId", id);
		cJSON_AddNumberToObject(r, "ruleIndex",
					(double)rule_index(&ids, &nids, rules, id, t));
		cJSON_AddStringToObject(r, "level", sev_name(g));
		char *m = safe_msg(g->msg);
		add_text(r, "message", m);
		free(m);
		if (g->file) {
			cJSON *loc = sarif_location(g, cwd);
			cJSON_AddItemToArray(cJSON_AddArrayToObject(r, "locations"), loc);
			const cJSON *art = cJSON_GetObjectItem(cJSON_GetObjectItem(loc,
					"physicalLocation"), "artifactLocation");
			char *fp = fingerprint(d, i, cJSON_GetStringValue(cJSON_GetObjectItem(art, "uri")));
			cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "partialFingerprints"),
						"runbookRuleLineHash/v1", fp);
			free(fp);
		}
		cJSON_AddItemToArray(results, r);
	}
	free(ids);
	char *s = cJSON_Print(root);
	fprintf(out, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(root);
	free(cwd);
}

/* ---- junit ---- */

static int same_file(const diag *g, const char *f)
{
	return !strcmp(g->file ? g->file : "", f);
}

/* "file:line:col: severity: message [rule]", each part made safe (heap) */
static char *junit_line(const diag *g, const char *f)
{
	sbuf b = { 0 };
	char *sf = safe_msg(f), *m = safe_msg(g->msg);

	sbuf_adds(&b, sf);
	if (g->line)
		sbuf_addf(&b, ":%d", g->line);
	if (g->col)
		sbuf_addf(&b, ":%d", g->col);
	sbuf_addf(&b, ": %s: %s", sev_name(g), m);
	if (g->rule) {
		char *r = safe_msg(g->rule);
		sbuf_addf(&b, " [%s]", r);
		free(r);
	}
	free(sf);
	free(m);
	return sbuf_detach(&b);
}

/* the case of rule in file f: a failure (an error for "io") when the rule
 * reported an error there, its warnings in system-out */
static void junit_rule(junit *j, const diags *d, const char *f, const char *rule, double secs)
{
	char *sf = safe_path(f), *sr = safe_msg(rule);
	sbuf errs = { 0 }, warns = { 0 };
	const diag *first = NULL;
	junit_case(j, sf, sr, secs);
	for (size_t i = 0; i < d->n; i++) {
		const diag *g = &d->v[i];
		if (!same_file(g, f) || strcmp(g->rule ? g->rule : "error", rule))
			continue;
		char *line = junit_line(g, f);
		sbuf *to = g->severity == SEV_ERROR ? &errs : &warns;
		sbuf_adds(to, line);
		sbuf_addc(to, '\n');
		free(line);
		if (g->severity == SEV_ERROR && !first)
			first = g;
	}
	if (first) {
		char *m = safe_msg(first->msg);
		(is_io(first) ? junit_error : junit_failure)(j, m, sr, errs.buf);
		free(m);
	}
	if (warns.len)
		junit_output(j, warns.buf);
	sbuf_release(&errs);
	sbuf_release(&warns);
	free(sf);
	free(sr);
}

/* One testcase per file and rule it reported, or one named "valid". */
static void junit_file(junit *j, const diags *d, const char *f, double secs)
{
	const char **rules = xcalloc(d->n + 1, sizeof(*rules));
	size_t nr = 0;
	for (size_t i = 0; i < d->n; i++) {
		if (!same_file(&d->v[i], f))
			continue;
		const char *r = d->v[i].rule ? d->v[i].rule : "error";
		size_t k;
		for (k = 0; k < nr && strcmp(rules[k], r); k++)
			;
		if (k == nr)
			rules[nr++] = r;
	}
	if (!nr) {
		char *sf = safe_path(f);
		junit_case(j, sf, "valid", secs);
		free(sf);
	}
	for (size_t k = 0; k < nr; k++)
		junit_rule(j, d, f, rules[k], secs < 0 ? secs : secs / (double)nr);
	free(rules);
}

static void print_junit(FILE *out, const diags *d, const diag_tool *t)
{
	/* the files checked, then any other file a diagnostic names */
	const char **fl = xcalloc(t->nfiles + d->n + 1, sizeof(*fl));
	size_t nf = 0;
	for (size_t i = 0; i < t->nfiles; i++)
		fl[nf++] = t->files[i];
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
		junit_file(&j, d, fl[i], t->seconds && i < t->nfiles ? t->seconds[i] : -1);
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
	diag_tool t = { .name = "runbook", .files = files, .nfiles = nfiles };
	diags_print_tool(out, d, format, color, &t);
}

/*
 * diags_print with the tool's name, version and rules: SARIF describes
 * each rule a result names from t->rule, and JUnit gives each case its
 * file's time from t->seconds.
 */
void diags_print_tool(FILE *out, const diags *d, int format, int color, const diag_tool *t)
{
	switch (format) {
	case DIAG_JSON: print_json(out, d); break;
	case DIAG_GITHUB: print_github(out, d); break;
	case DIAG_SARIF: print_sarif(out, d, t); break;
	case DIAG_JUNIT: print_junit(out, d, t); break;
	default: print_text(out, d, color); break;
	}
}
