/* term.c - live progress on a terminal, plain lines elsewhere. */
#include "base/term.h"
#include "base/arena.h"
#include "base/value.h"
#include "base/clock.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"

void term_init(term *t, FILE *out, int tty, int color, int quiet, const redactor *red)
{
	t->out = out;
	t->tty = tty;
	t->color = color && tty;
	t->quiet = quiet;
	t->pending = 0;
	t->live = tty;
	t->line = NULL;
	t->since = 0;
	t->red = red;
}

static const char *c(const term *t, const char *code)
{
	return t->color ? code : "";
}

/*
 * Print s; a pending live line is finished first.  s is already redacted
 * where it holds values: the terminal masks values (messages, errors,
 * outputs), never its own marks, step ids or statuses.
 */
static void emit(term *t, const char *s)
{
	if (t->pending && t->tty) {
		fputs("\r\033[K", t->out);
		t->pending = 0;
		free(t->line);
		t->line = NULL;
	}
	fputs(s, t->out);
	fflush(t->out);
}

/* append s redacted */
static void add_value(sbuf *b, const redactor *red, const char *s)
{
	char *r = redact_str(red, s, strlen(s), NULL);
	sbuf_adds(b, r);
	free(r);
}

/*
 * A line from fmt, which is the line's structure: its %s arguments are
 * values and are redacted, its own text and %d numbers are not.  Only
 * %s, %d and %% are understood (the callers use nothing else).
 */
void term_line(term *t, const char *fmt, ...)
{
	va_list ap;
	sbuf b = { 0 };
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sbuf_addc(&b, *p);
			continue;
		}
		p++;
		if (*p == 's')
			add_value(&b, t->red, va_arg(ap, const char *));
		else if (*p == 'd')
			sbuf_addf(&b, "%d", va_arg(ap, int));
		else if (*p == '%')
			sbuf_addc(&b, '%');
		else
			break;          /* not a format term_line knows: stop there */
	}
	va_end(ap);
	sbuf_addc(&b, '\n');
	emit(t, b.buf);
	sbuf_release(&b);
}

/* a step line: structure as it is, the detail (a message) redacted */
static void step_line(term *t, const char *head, const char *detail)
{
	sbuf b = { 0 };
	sbuf_adds(&b, head);
	if (detail) {
		sbuf_adds(&b, ": ");
		add_value(&b, t->red, detail);
	}
	sbuf_addc(&b, '\n');
	emit(t, b.buf);
	sbuf_release(&b);
}

void term_phase(term *t, const char *phase)
{
	if (t->quiet)
		return;
	char *s = xasprintf("%s%s%s\n", c(t, C_BOLD), phase, c(t, C_RESET));
	emit(t, s);
	free(s);
}

void term_step_start(term *t, const char *id, const char *title, const char *prim, int write)
{
	if (t->quiet || !t->live)
		return;
	char *s = xasprintf("  %s…%s %s%s%s %s(%s%s)%s", c(t, C_CYAN), c(t, C_RESET), c(t, C_BOLD), id,
			    c(t, C_RESET), c(t, C_DIM), prim, write ? ", write" : "", c(t, C_RESET));
	emit(t, s);
	(void)title;
	t->pending = 1;
	free(t->line);
	t->line = s;
	t->since = now_ms();
}

void term_tick(term *t)
{
	if (!t->pending || !t->live || !t->line)
		return;
	int64_t el = now_ms() - t->since;
	if (el < 1000)
		return;
	char d[32];
	dur_format((el + 500) / 1000 * 1000, d, sizeof d);
	fprintf(t->out, "\r\033[K%s %s%s%s", t->line, c(t, C_DIM), d, c(t, C_RESET));
	fflush(t->out);
}

void term_step_retry(term *t, const char *id, int attempt, int max, const char *why)
{
	if (t->quiet)
		return;
	char *h = xasprintf("  %s↻%s %s attempt %d/%d failed", c(t, C_YELLOW), c(t, C_RESET),
			    id, attempt, max);
	step_line(t, h, why ? why : "");
	free(h);
}

void term_step_end(term *t, const char *id, const char *status, int64_t ms,
		   int attempts, const char *detail)
{
	if (t->quiet && strcmp(status, "failed"))
		return;
	const char *mark = "?", *col = "";
	if (!strcmp(status, "ok"))
		mark = t->tty ? "✓" : "ok", col = C_GREEN;
	else if (!strcmp(status, "failed"))
		mark = t->tty ? "✗" : "FAILED", col = C_RED;
	else if (!strcmp(status, "skipped"))
		mark = t->tty ? "-" : "skipped", col = C_DIM;
	else if (!strcmp(status, "would-run"))
		mark = t->tty ? "○" : "would-run", col = C_YELLOW;
	char d[32], att[32] = "";
	dur_format(ms, d, sizeof d);
	if (attempts > 1)
		snprintf(att, sizeof att, ", %d attempts", attempts);
	char *h = t->tty ? xasprintf("  %s%s%s %s %s(%s%s)%s", c(t, col), mark, c(t, C_RESET), id,
				     c(t, C_DIM), d, att, c(t, C_RESET))
			 : xasprintf("  [%s] %s (%s%s)", mark, id, d, att);
	step_line(t, h, detail);
	free(h);
}

/* C0 controls, DEL and (UTF-8 encoded) C1 controls: they could move the
 * cursor or rewrite the screen; 0 when s starts with none, else its length */
static size_t control_at(const unsigned char *s)
{
	if ((*s < 0x20 && *s != '\t') || *s == 0x7f)
		return 1;
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	return 0;
}

void term_step_text(term *t, const char *text)
{
	if (t->quiet || !*text)
		return;
	char *r = redact_str(t->red, text, strlen(text), NULL);
	sbuf b = { 0 };
	sbuf_adds(&b, "    ");
	for (const unsigned char *p = (const unsigned char *)r; *p;) {
		size_t n;
		if (p[0] == '\r' && p[1] == '\n')
			p++;
		if (*p == '\n') {
			if (p[1])
				sbuf_adds(&b, "\n    ");
			p++;
		} else if ((n = control_at(p))) {
			sbuf_addc(&b, '?');
			p += n;
		} else
			sbuf_addc(&b, (char)*p++);
	}
	sbuf_addc(&b, '\n');
	emit(t, b.buf);
	sbuf_release(&b);
	free(r);
}
