/*
 * expr.c - the expression language: lexer, recursive-descent parser into
 * an arena AST, evaluator over values, and ${{ }} templates.
 *
 * Lexical rules worth knowing:
 *
 *  - Identifiers start with a letter or '_' and continue with letters,
 *    digits and '_'.  A '-' continues an identifier only when the character
 *    before it is an identifier character (no space) and the character
 *    after it is a letter, digit or '_'.  So `steps.check-health.status`
 *    is one path, `a - b` and `a -1` are subtractions, but `a-b` and
 *    `count-1` are single identifiers: put spaces around binary minus.
 *  - A number directly followed by letters is a duration: 5m, 500ms,
 *    1h30m, 2d (see dur_parse).  `5x` is an error, not 5 followed by x.
 *  - 'single' quoted strings have no escapes except '' for a quote;
 *    "double" quoted strings take \\ \" \' \n \t \r \0 \/ and \u with four hex digits.
 *  - `matches` and `contains` in operator position are infix operators at
 *    the comparison level; followed by '(' in operand position they are
 *    function calls.  true, false and null are literals, and any word may
 *    be used as a field name after '.'.
 *
 * `&&` and `||` short-circuit and give the operand that decided, not a
 * bool (JavaScript and GitHub Actions do the same): `a && b` is a when a
 * is falsy, else b; `a || b` is a when a is truthy, else b.  So
 * `inputs.prod && 'canary' || 'all'` picks a string.  `!` gives a bool.
 * `cond ? a : b` evaluates only the branch it picks.
 *
 * Function names and arities are checked at parse time, and a `matches`
 * pattern that is a string literal is compiled then too, so the validator
 * reports them with a position.  Nesting is limited (EXPR_MAX_NEST levels
 * of parentheses, brackets, arguments and unary operators; EXPR_MAX_HEIGHT
 * for the tree, which also bounds long operator chains) so hostile input
 * cannot exhaust the stack of the parser or the evaluator.
 */
#include "lang/expr.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define EXPR_MAX_NEST 100
#define EXPR_MAX_HEIGHT 256

/*
 * The largest string an expression may build (concatenation, format,
 * join, toJSON, a template's text).  Doubling a string forty times must
 * fail the step that asked for it, not take the interpreter's memory.
 */
#define EXPR_MAX_BYTES ((size_t)16 << 20)
/* and the longest list split() may make: each item is a value of its own
 * (some 80 bytes), so splitting 16 MiB into characters would take 1.3 GB;
 * 1 Mi items still splits a whole 1 MiB stdout into characters */
#define EXPR_MAX_ITEMS ((size_t)1 << 20)

/*
 * The CPU time the `matches` of one evaluation (expr_eval, or tmpl_render
 * with all its expressions) may take together.  PCRE2's match limit stops
 * one backtracking pattern after a fraction of a second, as a no-match;
 * fifty of them in one expression would take many seconds.
 */
#define EXPR_MAX_RE_MS 1000

/* ------------------------------------------------------------------ */
/* tokens */

enum {
	T_EOF = 256, T_NUM, T_DUR, T_STR, T_IDENT,
	T_EQ, T_NE, T_LE, T_GE, T_AND, T_OR,
	/* single-character tokens use the character itself */
};

typedef struct token {
	int kind;
	size_t off, len;        /* source span */
	double num;
	int64_t ms;
	const char *str;        /* T_STR: decoded (arena); T_IDENT: name */
	size_t slen;
} token;

/* ------------------------------------------------------------------ */
/* AST */

enum nkind {
	N_NULL, N_BOOL, N_NUM, N_DUR, N_STR, N_LIST,
	N_ROOT, N_FIELD, N_INDEX, N_CALL,
	N_NOT, N_NEG, N_BIN, N_AND, N_OR, N_COND,
};

typedef struct fn fn;

struct expr {
	enum nkind kind;
	int op;                 /* N_BIN: token kind of the operator */
	size_t off;             /* source offset, for references */
	int height;
	double num;             /* N_NUM, N_BOOL */
	int64_t ms;             /* N_DUR */
	const char *s;          /* N_STR text, N_ROOT/N_FIELD name */
	size_t slen;
	const fn *fn;           /* N_CALL */
	expr *a, *b;            /* operands; N_FIELD/N_INDEX base in a */
	expr *c;                /* N_COND: a ? b : c */
	expr **args;            /* N_CALL arguments, N_LIST items */
	size_t nargs;
};

typedef value *(*fn_impl)(value **args, size_t n, char **err);

struct fn {
	const char *name;
	size_t min, max;
	fn_impl impl;
	const char *doc;        /* one line: the call and what it gives */
};

/* ------------------------------------------------------------------ */
/* parser state */

typedef struct parser {
	arena *a;
	const char *src;
	size_t pos, end;
	token tok;              /* current (look-ahead) token */
	int nest;
	int failed;
	size_t err_off;
	const char *err_msg;
} parser;

static int fail(parser *p, size_t off, const char *msg)
{
	if (!p->failed) {
		p->failed = 1;
		p->err_off = off;
		p->err_msg = msg;
	}
	return -1;
}

static int is_ident_start(int c)
{
	return isalpha(c) || c == '_';
}

static int is_ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Append code point cp as UTF-8. */
static void utf8_put(sbuf *b, unsigned long cp)
{
	if (cp < 0x80) {
		sbuf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		sbuf_addc(b, (char)(0xC0 | (cp >> 6)));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		sbuf_addc(b, (char)(0xE0 | (cp >> 12)));
		sbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	} else {
		sbuf_addc(b, (char)(0xF0 | (cp >> 18)));
		sbuf_addc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
		sbuf_addc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
		sbuf_addc(b, (char)(0x80 | (cp & 0x3F)));
	}
}

static int lex_string(parser *p, token *t)
{
	const char *s = p->src;
	char q = s[p->pos];
	size_t i = p->pos + 1;
	sbuf b = { 0 };

	for (;;) {
		if (i >= p->end) {
			sbuf_release(&b);
			return fail(p, t->off, "unterminated string");
		}
		if (s[i] == q) {
			if (q == '\'' && i + 1 < p->end && s[i + 1] == '\'') {
				sbuf_addc(&b, '\'');
				i += 2;
				continue;
			}
			i++;
			break;
		}
		if (q == '"' && s[i] == '\\') {
			char c = i + 1 < p->end ? s[i + 1] : '\0';
			unsigned long cp = 0;
			size_t k;

			switch (c) {
			case '\\': case '"': case '\'': case '/':
				sbuf_addc(&b, c);
				break;
			case 'n':
				sbuf_addc(&b, '\n');
				break;
			case 't':
				sbuf_addc(&b, '\t');
				break;
			case 'r':
				sbuf_addc(&b, '\r');
				break;
			case '0':
				sbuf_addc(&b, '\0');
				break;
			case 'u':
				for (k = 0; k < 4; k++) {
					char h = i + 2 + k < p->end ? s[i + 2 + k] : '\0';

					if (!isxdigit((unsigned char)h)) {
						sbuf_release(&b);
						return fail(p, i, "bad \\u escape: 4 hex digits expected");
					}
					cp = cp * 16 + (unsigned long)(isdigit((unsigned char)h) ?
						h - '0' : (tolower((unsigned char)h) - 'a' + 10));
				}
				utf8_put(&b, cp);
				i += 4;
				break;
			default:
				sbuf_release(&b);
				if (i + 1 >= p->end)
					return fail(p, t->off, "unterminated string");
				return fail(p, i, arena_printf(p->a, "unknown escape '\\%c'", c));
			}
			i += 2;
			continue;
		}
		sbuf_addc(&b, s[i]);
		i++;
	}
	t->kind = T_STR;
	t->slen = b.len;
	t->str = arena_strndup(p->a, b.buf ? b.buf : "", b.len);
	sbuf_release(&b);
	p->pos = i;
	return 0;
}

static int lex_number(parser *p, token *t)
{
	const char *s = p->src;
	size_t i = p->pos, j;
	char *txt;

	while (i < p->end && isdigit((unsigned char)s[i]))
		i++;
	j = i + 1;
	if (j < p->end && (s[j] == '+' || s[j] == '-'))
		j++;
	if (i < p->end && isalpha((unsigned char)s[i]) &&
	    !((s[i] == 'e' || s[i] == 'E') && j < p->end && isdigit((unsigned char)s[j]))) {
		/* a duration: the whole run of letters and digits */
		while (i < p->end && isalnum((unsigned char)s[i]))
			i++;
		if (dur_parse(s + p->pos, i - p->pos, &t->ms) < 0)
			return fail(p, t->off, arena_printf(p->a, "invalid duration '%.*s'",
							      (int)(i - p->pos), s + p->pos));
		t->kind = T_DUR;
		p->pos = i;
		return 0;
	}
	if (i + 1 < p->end && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		i++;
		while (i < p->end && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < p->end && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < p->end && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < p->end && isdigit((unsigned char)s[j])) {
			i = j;
			while (i < p->end && isdigit((unsigned char)s[i]))
				i++;
		}
	}
	if (i < p->end && (isalpha((unsigned char)s[i]) || s[i] == '_'))
		return fail(p, t->off, arena_printf(p->a, "invalid number '%.*s'",
			(int)(i + 1 - p->pos), s + p->pos));
	txt = arena_strndup(p->a, s + p->pos, i - p->pos);
	t->kind = T_NUM;
	t->num = strtod(txt, NULL);
	p->pos = i;
	return 0;
}

/* Read the next token into p->tok. */
static int lex(parser *p)
{
	const char *s = p->src;
	token *t = &p->tok;
	char c, d;

	while (p->pos < p->end && isspace((unsigned char)s[p->pos]))
		p->pos++;
	memset(t, 0, sizeof(*t));
	t->off = p->pos;
	if (p->pos >= p->end) {
		t->kind = T_EOF;
		return 0;
	}
	c = s[p->pos];
	d = p->pos + 1 < p->end ? s[p->pos + 1] : '\0';
	if (c == '\'' || c == '"') {
		if (lex_string(p, t) < 0)
			return -1;
	} else if (isdigit((unsigned char)c)) {
		if (lex_number(p, t) < 0)
			return -1;
	} else if (is_ident_start((unsigned char)c)) {
		size_t i = p->pos + 1;

		for (;;) {
			if (i < p->end && is_ident_char((unsigned char)s[i]))
				i++;
			else if (i + 1 < p->end && s[i] == '-' &&
				 is_ident_char((unsigned char)s[i + 1]))
				i += 2;
			else
				break;
		}
		t->kind = T_IDENT;
		t->str = arena_strndup(p->a, s + p->pos, i - p->pos);
		t->slen = i - p->pos;
		p->pos = i;
	} else {
		static const struct {
			char c, d;
			int kind;
		} two[] = {
			{ '=', '=', T_EQ }, { '!', '=', T_NE }, { '<', '=', T_LE },
			{ '>', '=', T_GE }, { '&', '&', T_AND }, { '|', '|', T_OR },
		};
		size_t k;

		for (k = 0; k < sizeof(two) / sizeof(two[0]); k++) {
			if (c == two[k].c && d == two[k].d) {
				t->kind = two[k].kind;
				p->pos += 2;
				t->len = 2;
				return 0;
			}
		}
		if (!strchr("!<>+-*/%.[](),|?:", c) || c == '\0') {
			if (c == '=')
				return fail(p, t->off, "unexpected '=' (did you mean '=='?)");
			if (c == '&')
				return fail(p, t->off, "unexpected '&' (did you mean '&&'?)");
			if (isprint((unsigned char)c))
				return fail(p, t->off, arena_printf(p->a, "unexpected character '%c'", c));
			return fail(p, t->off, arena_printf(p->a, "unexpected byte 0x%02x",
							      (unsigned char)c));
		}
		t->kind = (unsigned char)c;
		p->pos++;
	}
	t->len = p->pos - t->off;
	return 0;
}

static int unexpected(parser *p)
{
	const token *t = &p->tok;

	if (t->kind == T_EOF)
		return fail(p, t->off, "unexpected end of expression");
	if (t->len > 24)
		return fail(p, t->off, arena_printf(p->a, "unexpected '%.24s...'",
						      p->src + t->off));
	return fail(p, t->off, arena_printf(p->a, "unexpected '%.*s'",
					      (int)t->len, p->src + t->off));
}

static int expect(parser *p, int kind)
{
	if (p->tok.kind != kind)
		return unexpected(p);
	return lex(p);
}

static expr *node(parser *p, enum nkind kind, size_t off)
{
	expr *e = arena_alloc(p->a, sizeof(*e));

	e->kind = kind;
	e->off = off;
	e->height = 1;
	return e;
}

/* Record a child's height; fails when the tree grows too deep. */
static int grow(parser *p, expr *e, const expr *child)
{
	if (child && child->height + 1 > e->height)
		e->height = child->height + 1;
	if (e->height > EXPR_MAX_HEIGHT)
		return fail(p, e->off, "expression nested too deeply");
	return 0;
}

/* ------------------------------------------------------------------ */
/* functions */

static value *f_contains(value **v, size_t n, char **err);
static value *f_starts(value **v, size_t n, char **err);
static value *f_ends(value **v, size_t n, char **err);
static value *f_matches(value **v, size_t n, char **err);
static value *f_len(value **v, size_t n, char **err);
static value *f_lower(value **v, size_t n, char **err);
static value *f_upper(value **v, size_t n, char **err);
static value *f_trim(value **v, size_t n, char **err);
static value *f_split(value **v, size_t n, char **err);
static value *f_join(value **v, size_t n, char **err);
static value *f_json(value **v, size_t n, char **err);
static value *f_tojson(value **v, size_t n, char **err);
static value *f_default(value **v, size_t n, char **err);
static value *f_format(value **v, size_t n, char **err);
static value *f_duration(value **v, size_t n, char **err);
static value *f_now(value **v, size_t n, char **err);

#define VARIADIC ((size_t)-1)

static const fn functions[] = {
	{ "contains", 2, 2, f_contains, "contains(haystack, needle): a string holds a substring, or a list an item" },
	{ "startsWith", 2, 2, f_starts, "startsWith(s, prefix)" },
	{ "endsWith", 2, 2, f_ends, "endsWith(s, suffix)" },
	{ "matches", 2, 2, f_matches, "matches(s, 're'): PCRE2 match (UTF-8, multiline); also the infix `s matches 're'`" },
	{ "len", 1, 1, f_len, "len(x): characters of a string, items of a list, keys of an object; 0 for null" },
	{ "lower", 1, 1, f_lower, "lower(s)" },
	{ "upper", 1, 1, f_upper, "upper(s)" },
	{ "trim", 1, 1, f_trim, "trim(s): without leading and trailing whitespace" },
	{ "split", 2, 2, f_split, "split(s, sep): a list; an empty separator splits into characters" },
	{ "join", 1, 2, f_join, "join(list, sep = ','): the items' text joined" },
	{ "json", 1, 1, f_json, "json(s): parse JSON text into a value" },
	{ "toJSON", 1, 1, f_tojson, "toJSON(x): the JSON text of a value" },
	{ "default", 2, 2, f_default, "default(x, fallback): fallback when x is null or ''" },
	{ "format", 1, VARIADIC, f_format, "format('{0} of {1}', a, b): {N} is argument N as text; {{ and }} are braces" },
	{ "duration", 1, 1, f_duration, "duration('5m'): a duration from its text" },
	{ "now", 0, 0, f_now, "now(): the current time, RFC 3339 UTC" },
};

#define NFUNCS (sizeof(functions) / sizeof(functions[0]))

/* the i-th function for docs: its name, arity and one-line doc; NULL past the end */
const char *expr_function(size_t i, size_t *min, size_t *max, const char **doc)
{
	if (i >= NFUNCS)
		return NULL;
	*min = functions[i].min;
	*max = functions[i].max;
	*doc = functions[i].doc;
	return functions[i].name;
}

static const fn *fn_find(const char *name)
{
	size_t i;

	for (i = 0; i < NFUNCS; i++)
		if (functions[i].name[0] == name[0] && !strcmp(functions[i].name, name))
			return &functions[i];
	return NULL;
}

/* Case-insensitive edit distance, for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[64], prev, tmp;

	if (lb >= sizeof(row) / sizeof(row[0]) || la > 64)
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = prev + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *fn_suggest(const char *name)
{
	const char *best = NULL;
	size_t bestd = 3, i;

	for (i = 0; i < NFUNCS; i++) {
		const char *f = functions[i].name;
		size_t d = edit_distance(name, f), fl = strlen(f);

		/* "lenght" -> "len": a known name typed with extra letters */
		if (fl >= 3 && !strncasecmp(name, f, fl) && d > 1)
			d = 1;
		if (d < bestd) {
			bestd = d;
			best = f;
		}
	}
	return best;
}

static int check_call(parser *p, const char *name, size_t off, size_t nargs,
		      const fn **out)
{
	const fn *f = fn_find(name);
	const char *hint;

	if (!f) {
		hint = fn_suggest(name);
		if (hint)
			return fail(p, off, arena_printf(p->a,
				"unknown function '%s' (did you mean '%s'?)", name, hint));
		return fail(p, off, arena_printf(p->a, "unknown function '%s'", name));
	}
	if (nargs < f->min || nargs > f->max) {
		if (f->max == VARIADIC)
			return fail(p, off, arena_printf(p->a,
				"function '%s' takes at least %zu argument%s, got %zu",
				name, f->min, f->min == 1 ? "" : "s", nargs));
		if (f->min == f->max)
			return fail(p, off, arena_printf(p->a,
				"function '%s' takes %zu argument%s, got %zu",
				name, f->min, f->min == 1 ? "" : "s", nargs));
		return fail(p, off, arena_printf(p->a,
			"function '%s' takes %zu to %zu arguments, got %zu",
			name, f->min, f->max, nargs));
	}
	*out = f;
	return 0;
}

static int re_check(const char *pat, size_t len, char **err);

/*
 * A `matches` whose pattern is a string literal is compiled now, so a bad
 * pattern is reported by the validator with the literal's position.
 */
static int check_pattern(parser *p, const expr *pat)
{
	char *err = NULL;

	if (pat->kind != N_STR)
		return 0;
	if (re_check(pat->s, pat->slen, &err) == 0)
		return 0;
	fail(p, pat->off, arena_strdup(p->a, err));
	free(err);
	return -1;
}

/* ------------------------------------------------------------------ */
/* parser */

static expr *parse_pipe(parser *p);

/*
 * Parse an optional '(' args ')' after function name; piped, when not
 * NULL, is the left side of a pipe and becomes the first argument.
 */
static expr *parse_call(parser *p, const char *name, size_t off, expr *piped)
{
	expr *e = node(p, N_CALL, off), *arg;
	expr *tmp[64];
	expr **args = tmp;
	size_t n = 0, cap = 64;

	if (piped)
		args[n++] = piped;
	if (p->tok.kind == '(') {
		if (lex(p) < 0)
			return NULL;
		if (p->tok.kind != ')') {
			for (;;) {
				arg = parse_pipe(p);
				if (!arg)
					return NULL;
				if (n == cap) {
					expr **bigger = arena_alloc(p->a, 2 * cap * sizeof(*args));

					memcpy(bigger, args, n * sizeof(*args));
					args = bigger;
					cap *= 2;
				}
				args[n++] = arg;
				if (p->tok.kind != ',')
					break;
				if (lex(p) < 0)
					return NULL;
			}
		}
		if (expect(p, ')') < 0)
			return NULL;
	}
	if (check_call(p, name, off, n, &e->fn) < 0)
		return NULL;
	e->args = arena_alloc(p->a, (n ? n : 1) * sizeof(*args));
	memcpy(e->args, args, n * sizeof(*args));
	e->nargs = n;
	for (size_t i = 0; i < n; i++)
		if (grow(p, e, args[i]) < 0)
			return NULL;
	if (!strcmp(name, "matches") && check_pattern(p, args[1]) < 0)
		return NULL;
	return e;
}

static int enter(parser *p)
{
	if (++p->nest > EXPR_MAX_NEST)
		return fail(p, p->tok.off, "expression nested too deeply");
	return 0;
}

static expr *parse_primary(parser *p)
{
	token t = p->tok;
	expr *e, *item;

	switch (t.kind) {
	case T_NUM:
		e = node(p, N_NUM, t.off);
		e->num = t.num;
		break;
	case T_DUR:
		e = node(p, N_DUR, t.off);
		e->ms = t.ms;
		break;
	case T_STR:
		e = node(p, N_STR, t.off);
		e->s = t.str;
		e->slen = t.slen;
		break;
	case T_IDENT:
		if (lex(p) < 0)
			return NULL;
		if (p->tok.kind == '(')
			return parse_call(p, t.str, t.off, NULL);
		if (!strcmp(t.str, "true") || !strcmp(t.str, "false")) {
			e = node(p, N_BOOL, t.off);
			e->num = t.str[0] == 't';
		} else if (!strcmp(t.str, "null")) {
			e = node(p, N_NULL, t.off);
		} else {
			e = node(p, N_ROOT, t.off);
			e->s = t.str;
		}
		return e;
	case '(':
		if (lex(p) < 0)
			return NULL;
		e = parse_pipe(p);
		if (!e || expect(p, ')') < 0)
			return NULL;
		return e;
	case '[': {
		expr *tmp[64], **items = tmp;
		size_t n = 0, cap = 64;

		if (lex(p) < 0)
			return NULL;
		e = node(p, N_LIST, t.off);
		if (p->tok.kind != ']') {
			for (;;) {
				item = parse_pipe(p);
				if (!item)
					return NULL;
				if (n == cap) {
					expr **bigger = arena_alloc(p->a, 2 * cap * sizeof(*items));

					memcpy(bigger, items, n * sizeof(*items));
					items = bigger;
					cap *= 2;
				}
				items[n++] = item;
				if (grow(p, e, item) < 0)
					return NULL;
				if (p->tok.kind != ',')
					break;
				if (lex(p) < 0)
					return NULL;
			}
		}
		if (expect(p, ']') < 0)
			return NULL;
		e->args = arena_alloc(p->a, (n ? n : 1) * sizeof(*items));
		memcpy(e->args, items, n * sizeof(*items));
		e->nargs = n;
		return e;
	}
	default:
		unexpected(p);
		return NULL;
	}
	if (lex(p) < 0)
		return NULL;
	return e;
}

static expr *parse_postfix(parser *p)
{
	expr *e = parse_primary(p), *x;

	while (e) {
		size_t off = p->tok.off;

		if (p->tok.kind == '.') {
			if (lex(p) < 0)
				return NULL;
			if (p->tok.kind != T_IDENT) {
				if (p->tok.kind == T_EOF)
					fail(p, p->tok.off, "field name expected after '.'");
				else
					unexpected(p);
				return NULL;
			}
			x = node(p, N_FIELD, off);
			x->a = e;
			x->s = p->tok.str;
			x->slen = p->tok.slen;
			if (lex(p) < 0 || grow(p, x, e) < 0)
				return NULL;
			e = x;
		} else if (p->tok.kind == '[') {
			if (lex(p) < 0)
				return NULL;
			x = node(p, N_INDEX, off);
			x->a = e;
			x->b = parse_pipe(p);
			if (!x->b || expect(p, ']') < 0)
				return NULL;
			if (grow(p, x, e) < 0 || grow(p, x, x->b) < 0)
				return NULL;
			e = x;
		} else {
			break;
		}
	}
	return e;
}

static expr *parse_unary(parser *p)
{
	size_t off = p->tok.off;
	expr *e, *x;
	int op = p->tok.kind;

	if (op != '!' && op != '-')
		return parse_postfix(p);
	if (lex(p) < 0 || enter(p) < 0)
		return NULL;
	x = parse_unary(p);
	p->nest--;
	if (!x)
		return NULL;
	e = node(p, op == '!' ? N_NOT : N_NEG, off);
	e->a = x;
	if (grow(p, e, x) < 0)
		return NULL;
	return e;
}

static expr *binary(parser *p, enum nkind kind, int op, size_t off,
		    expr *l, expr *r)
{
	expr *e;

	if (!r)
		return NULL;
	e = node(p, kind, off);
	e->op = op;
	e->a = l;
	e->b = r;
	if (grow(p, e, l) < 0 || grow(p, e, r) < 0)
		return NULL;
	return e;
}

static expr *parse_mul(parser *p)
{
	expr *e = parse_unary(p);

	while (e && (p->tok.kind == '*' || p->tok.kind == '/' || p->tok.kind == '%')) {
		int op = p->tok.kind;
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_BIN, op, off, e, parse_unary(p));
	}
	return e;
}

static expr *parse_add(parser *p)
{
	expr *e = parse_mul(p);

	while (e && (p->tok.kind == '+' || p->tok.kind == '-')) {
		int op = p->tok.kind;
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_BIN, op, off, e, parse_mul(p));
	}
	return e;
}

static int is_word(const token *t, const char *w)
{
	return t->kind == T_IDENT && !strcmp(t->str, w);
}

static expr *parse_cmp(parser *p)
{
	expr *e = parse_add(p), *r;
	int op = p->tok.kind;
	size_t off = p->tok.off;

	if (!e)
		return NULL;
	if (op == T_EQ || op == T_NE || op == '<' || op == T_LE ||
	    op == '>' || op == T_GE) {
		if (lex(p) < 0)
			return NULL;
		return binary(p, N_BIN, op, off, e, parse_add(p));
	}
	if (is_word(&p->tok, "matches") || is_word(&p->tok, "contains")) {
		const char *name = p->tok.str;
		expr *call;

		if (lex(p) < 0)
			return NULL;
		r = parse_add(p);
		if (!r)
			return NULL;
		call = node(p, N_CALL, off);
		call->fn = fn_find(name);
		call->args = arena_alloc(p->a, 2 * sizeof(*call->args));
		call->args[0] = e;
		call->args[1] = r;
		call->nargs = 2;
		if (grow(p, call, e) < 0 || grow(p, call, r) < 0)
			return NULL;
		if (name[0] == 'm' && check_pattern(p, r) < 0)
			return NULL;
		return call;
	}
	return e;
}

static expr *parse_and(parser *p)
{
	expr *e = parse_cmp(p);

	while (e && p->tok.kind == T_AND) {
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_AND, T_AND, off, e, parse_cmp(p));
	}
	return e;
}

static expr *parse_or(parser *p)
{
	expr *e = parse_and(p);

	while (e && p->tok.kind == T_OR) {
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_OR, T_OR, off, e, parse_and(p));
	}
	return e;
}

/*
 * cond ? a : b, right associative: the else branch is parsed as another
 * conditional, the middle as a whole pipe (the ':' ends it).
 */
static expr *parse_cond(parser *p)
{
	expr *e = parse_or(p), *x;
	size_t off = p->tok.off;

	if (!e || p->tok.kind != '?')
		return e;
	if (lex(p) < 0 || enter(p) < 0)
		return NULL;
	x = node(p, N_COND, off);
	x->a = e;
	x->b = parse_pipe(p);
	if (!x->b)
		return NULL;
	if (p->tok.kind != ':') {
		fail(p, p->tok.off, p->tok.kind == T_EOF ?
		     "unexpected end of expression: '?' needs its ':' (cond ? a : b)" :
		     arena_printf(p->a, "unexpected '%.*s': '?' needs its ':' (cond ? a : b)",
				  (int)(p->tok.len > 24 ? 24 : p->tok.len), p->src + p->tok.off));
		return NULL;
	}
	if (lex(p) < 0)
		return NULL;
	x->c = parse_cond(p);
	p->nest--;
	if (!x->c || grow(p, x, e) < 0 || grow(p, x, x->b) < 0 || grow(p, x, x->c) < 0)
		return NULL;
	return x;
}

static expr *parse_pipe(parser *p)
{
	expr *e;

	if (enter(p) < 0)
		return NULL;
	e = parse_cond(p);
	while (e && p->tok.kind == '|') {
		token t;

		if (lex(p) < 0)
			return NULL;
		t = p->tok;
		if (t.kind != T_IDENT) {
			if (t.kind == T_EOF)
				fail(p, t.off, "function name expected after '|'");
			else
				unexpected(p);
			return NULL;
		}
		if (lex(p) < 0)
			return NULL;
		e = parse_call(p, t.str, t.off, e);
	}
	p->nest--;
	return e;
}

/* Parse src[start..end) as one expression; offsets are into src. */
static expr *parse_range(arena *a, const char *src, size_t start, size_t end,
			 size_t *err_off, const char **err_msg)
{
	parser p = { .a = a, .src = src, .pos = start, .end = end };
	expr *e = NULL;

	if (lex(&p) == 0) {
		e = parse_pipe(&p);
		if (e && p.tok.kind != T_EOF) {
			unexpected(&p);
			e = NULL;
		}
	}
	if (!e || p.failed) {
		if (err_off)
			*err_off = p.err_off;
		if (err_msg)
			*err_msg = p.err_msg ? p.err_msg : "invalid expression";
		return NULL;
	}
	return e;
}

/*
 * Parse an expression (see expr.h for the grammar).  The AST and any error
 * message live in arena a.  Returns NULL with *err_off and *err_msg set on a
 * syntax error, an unknown function, a wrong argument count or a bad
 * literal `matches` pattern.
 */
expr *expr_parse(arena *a, const char *src, size_t len,
		 size_t *err_off, const char **err_msg)
{
	return parse_range(a, src, 0, len, err_off, err_msg);
}

/* ------------------------------------------------------------------ */
/* regular expressions */

#define RE_CACHE_MAX 256

static struct re_entry {
	char *pat;
	size_t len;
	pcre2_code *code;
} re_cache[RE_CACHE_MAX];
static size_t re_count;
static pthread_mutex_t re_lock = PTHREAD_MUTEX_INITIALIZER;

static pcre2_code *re_compile(const char *pat, size_t len, char **err)
{
	int code;
	PCRE2_SIZE eoff;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, len,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				       &code, &eoff, NULL);
	PCRE2_UCHAR msg[256];

	if (!re) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		*err = xasprintf("invalid pattern '%.*s': %s at offset %zu",
				 (int)len, pat, (char *)msg, (size_t)eoff);
	}
	return re;
}

/*
 * The compiled form of pat.  The first RE_CACHE_MAX distinct patterns are
 * kept for the life of the process (they are shared, read-only, between
 * threads); past that, the caller gets a private copy it must free, which
 * *owned tells it.
 */
static pcre2_code *re_lookup(const char *pat, size_t len, int *owned, char **err)
{
	pcre2_code *re = NULL;
	size_t i;

	*owned = 0;
	pthread_mutex_lock(&re_lock);
	for (i = 0; i < re_count; i++) {
		if (re_cache[i].len == len && !memcmp(re_cache[i].pat, pat, len)) {
			re = re_cache[i].code;
			break;
		}
	}
	if (!re) {
		re = re_compile(pat, len, err);
		if (re && re_count < RE_CACHE_MAX) {
			re_cache[re_count].pat = xstrndup(pat, len);
			re_cache[re_count].len = len;
			re_cache[re_count].code = re;
			re_count++;
		} else if (re) {
			*owned = 1;
		}
	}
	pthread_mutex_unlock(&re_lock);
	return re;
}

/* Validate a pattern (parse time): 0 when it compiles, else -1 and *err. */
static int re_check(const char *pat, size_t len, char **err)
{
	int owned;
	pcre2_code *re = re_lookup(pat, len, &owned, err);

	if (re && owned)
		pcre2_code_free(re);
	return re ? 0 : -1;
}

/* CPU time spent in pcre2_match by the current evaluation of this thread,
 * and how deep expr_eval/tmpl_render calls are nested (the outermost one
 * starts the count) */
static _Thread_local int64_t re_used_ns;
static _Thread_local int eval_depth;

static void eval_enter(void)
{
	if (!eval_depth++)
		re_used_ns = 0;
}

static void eval_leave(void)
{
	eval_depth--;
}

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* 1 match, 0 no match, -1 error (*err set). */
static int re_match(const char *pat, size_t plen, const char *s, size_t n,
		    char **err)
{
	int owned, rc;
	pcre2_code *re;
	pcre2_match_data *md;
	int64_t t0;

	if (re_used_ns > (int64_t)EXPR_MAX_RE_MS * 1000000) {
		*err = xasprintf("matches: the patterns of this expression took more than %d ms",
				 EXPR_MAX_RE_MS);
		return -1;
	}
	re = re_lookup(pat, plen, &owned, err);
	if (!re)
		return -1;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	t0 = thread_cpu_ns();
	rc = pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
	re_used_ns += thread_cpu_ns() - t0;
	pcre2_match_data_free(md);
	if (owned)
		pcre2_code_free(re);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	{
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(rc, msg, sizeof(msg));
		*err = xasprintf("matches: %s", (char *)msg);
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* function implementations: args are borrowed, result is a new value */

/*
 * Values computed from secrets (see value.h) are secrets of their own:
 * the run registers every such string with its redactor through this
 * sink, so upper(secret) is masked wherever it later appears.
 */
static void (*secret_sink)(void *ud, const char *s, size_t n);
static void *secret_sink_ud;

void expr_set_secret_sink(void (*sink)(void *ud, const char *s, size_t n), void *ud)
{
	secret_sink = sink;
	secret_sink_ud = ud;
}

/*
 * r was computed from operands of which at least one was a secret when
 * `from_secret`: mark it (what r alone holds, see v_secret) and hand its
 * strings to the sink.  An operand passed through unchanged (default(),
 * first()) keeps its own mark and is not touched.
 */
static value *derived(value *r, int from_secret, int fresh)
{
	if (!r || !from_secret || !fresh)
		return r;
	v_secret(r);
	if (secret_sink)
		v_each_secret_str(r, secret_sink, secret_sink_ud);
	return r;
}

static int too_big(size_t n, char **err)
{
	if (n <= EXPR_MAX_BYTES)
		return 0;
	*err = xasprintf("value too large: %zu bytes (an expression may build at most %zu MiB)",
			 n, EXPR_MAX_BYTES >> 20);
	return 1;
}

/* A value for an error message: the text, cut, or *** for a secret. */
static char *quote_val(const value *v, size_t max)
{
	char *t;

	if (v_is_secret(v))
		return xstrdup("***");
	t = v_to_text(v);
	if (strlen(t) > max)
		strcpy(t + max - 3, "...");
	return t;
}

static value *type_error(char **err, const char *who, const char *want,
			 const value *got)
{
	*err = xasprintf("%s: expected %s, got %s", who, want, v_type_name(got));
	return NULL;
}

/*
 * Append the text form of v; strings keep embedded NULs.  Returns -1 with
 * *err when the result would pass EXPR_MAX_BYTES (b is then released).
 */
static int add_text(sbuf *b, const value *v, char **err)
{
	char *t;

	if (v_type(v) == V_STR) {
		if (too_big(b->len + v_str_len(v), err)) {
			sbuf_release(b);
			return -1;
		}
		sbuf_add(b, v_as_str(v), v_str_len(v));
		return 0;
	}
	t = v_to_text(v);
	if (too_big(b->len + strlen(t), err)) {
		free(t);
		sbuf_release(b);
		return -1;
	}
	sbuf_adds(b, t);
	free(t);
	return 0;
}

/* The buffer's bytes as a string value; b is left empty. */
static value *sbuf_value(sbuf *b)
{
	size_t n = b->len;

	return v_str_take(sbuf_detach(b), n);
}

static const char *mem_find(const char *h, size_t hn, const char *n, size_t nn)
{
	return memmem(h, hn, n, nn);
}

static value *f_contains(value **v, size_t n, char **err)
{
	value *hay = v[0], *needle = v[1];
	size_t i;

	switch (v_type(hay)) {
	case V_NULL:
		return v_bool(0);
	case V_STR:
		if (v_type(needle) != V_STR)
			return type_error(err, "contains", "a string to look for in a string", needle);
		return v_bool(mem_find(v_as_str(hay), v_str_len(hay),
				       v_as_str(needle), v_str_len(needle)) != NULL);
	case V_LIST:
		for (i = 0; i < v_len(hay); i++)
			if (v_equal(v_list_get(hay, i), needle))
				return v_bool(1);
		return v_bool(0);
	case V_OBJ:
		if (v_type(needle) != V_STR)
			return type_error(err, "contains", "a string key", needle);
		return v_bool(v_obj_get(hay, v_as_str(needle)) != NULL);
	default:
		return type_error(err, "contains", "string, list or object", hay);
	}
}

static value *affix(value **v, const char *name, int end, char **err)
{
	size_t sl, al;

	if (v_type(v[0]) == V_NULL)
		return v_bool(0);
	if (v_type(v[0]) != V_STR)
		return type_error(err, name, "string", v[0]);
	if (v_type(v[1]) != V_STR)
		return type_error(err, name, "string", v[1]);
	sl = v_str_len(v[0]);
	al = v_str_len(v[1]);
	if (al > sl)
		return v_bool(0);
	return v_bool(!memcmp(v_as_str(v[0]) + (end ? sl - al : 0),
			      v_as_str(v[1]), al));
}

static value *f_starts(value **v, size_t n, char **err)
{
	return affix(v, "startsWith", 0, err);
}

static value *f_ends(value **v, size_t n, char **err)
{
	return affix(v, "endsWith", 1, err);
}

static value *f_matches(value **v, size_t n, char **err)
{
	int rc;

	if (v_type(v[1]) != V_STR)
		return type_error(err, "matches", "a string pattern", v[1]);
	if (v_type(v[0]) == V_NULL)
		return v_bool(0);
	if (v_type(v[0]) != V_STR)
		return type_error(err, "matches", "string", v[0]);
	rc = re_match(v_as_str(v[1]), v_str_len(v[1]),
		      v_as_str(v[0]), v_str_len(v[0]), err);
	return rc < 0 ? NULL : v_bool(rc);
}

/* Length: characters (UTF-8 code points) of a string, items, keys; null 0. */
static value *f_len(value **v, size_t n, char **err)
{
	const unsigned char *s;
	size_t i, count = 0, sl;

	switch (v_type(v[0])) {
	case V_NULL:
		return v_num(0);
	case V_STR:
		s = (const unsigned char *)v_as_str(v[0]);
		sl = v_str_len(v[0]);
		for (i = 0; i < sl; i++)
			count += (s[i] & 0xC0) != 0x80;
		return v_num((double)count);
	case V_LIST:
	case V_OBJ:
		return v_num((double)v_len(v[0]));
	default:
		return type_error(err, "len", "string, list or object", v[0]);
	}
}

static value *change_case(value **v, const char *name, int up, char **err)
{
	char *s;
	size_t i, sl;

	if (v_type(v[0]) == V_NULL)
		return v_str("");
	if (v_type(v[0]) != V_STR)
		return type_error(err, name, "string", v[0]);
	sl = v_str_len(v[0]);
	s = xmalloc(sl + 1);
	memcpy(s, v_as_str(v[0]), sl + 1);
	for (i = 0; i < sl; i++)
		s[i] = (char)(up ? toupper((unsigned char)s[i]) : tolower((unsigned char)s[i]));
	return v_str_take(s, sl);
}

static value *f_lower(value **v, size_t n, char **err)
{
	return change_case(v, "lower", 0, err);
}

static value *f_upper(value **v, size_t n, char **err)
{
	return change_case(v, "upper", 1, err);
}

static value *f_trim(value **v, size_t n, char **err)
{
	const char *s;
	size_t b = 0, e;

	if (v_type(v[0]) == V_NULL)
		return v_str("");
	if (v_type(v[0]) != V_STR)
		return type_error(err, "trim", "string", v[0]);
	s = v_as_str(v[0]);
	e = v_str_len(v[0]);
	while (b < e && isspace((unsigned char)s[b]))
		b++;
	while (e > b && isspace((unsigned char)s[e - 1]))
		e--;
	return v_strn(s + b, e - b);
}

/* split(s, sep): an empty separator splits into characters. */
static value *f_split(value **v, size_t n, char **err)
{
	const char *s, *sep, *hit;
	size_t sl, pl, i = 0, j, items;
	value *l;

	if (v_type(v[0]) == V_NULL)
		return v_list();
	if (v_type(v[0]) != V_STR)
		return type_error(err, "split", "string", v[0]);
	if (v_type(v[1]) != V_STR)
		return type_error(err, "split", "a string separator", v[1]);
	s = v_as_str(v[0]);
	sl = v_str_len(v[0]);
	sep = v_as_str(v[1]);
	pl = v_str_len(v[1]);
	/* count the items first: a list too long is refused before it is made */
	items = pl ? 1 : 0;
	if (pl) {
		for (hit = s; items <= EXPR_MAX_ITEMS &&
		     (hit = mem_find(hit, sl - (size_t)(hit - s), sep, pl)); hit += pl)
			items++;
	} else {
		for (i = 0; i < sl && items <= EXPR_MAX_ITEMS; items++) {
			for (j = i + 1; j < sl && ((unsigned char)s[j] & 0xC0) == 0x80; j++)
				;
			i = j;
		}
	}
	if (items > EXPR_MAX_ITEMS) {
		*err = xasprintf("split: more than %zu items", EXPR_MAX_ITEMS);
		return NULL;
	}
	i = 0;
	l = v_list();
	if (pl == 0) {
		while (i < sl) {
			j = i + 1;
			while (j < sl && ((unsigned char)s[j] & 0xC0) == 0x80)
				j++;
			v_list_push_take(l, v_strn(s + i, j - i));
			i = j;
		}
		return l;
	}
	while ((hit = mem_find(s + i, sl - i, sep, pl))) {
		v_list_push_take(l, v_strn(s + i, (size_t)(hit - (s + i))));
		i = (size_t)(hit - s) + pl;
	}
	v_list_push_take(l, v_strn(s + i, sl - i));
	return l;
}

/* join(list, sep = ","): items in their text form. */
static value *f_join(value **v, size_t n, char **err)
{
	sbuf b = { 0 };
	size_t i;

	if (v_type(v[0]) == V_NULL)
		return v_str("");
	if (v_type(v[0]) == V_STR)
		return v_retain(v[0]);
	if (v_type(v[0]) != V_LIST)
		return type_error(err, "join", "list", v[0]);
	if (n > 1 && v_type(v[1]) != V_STR)
		return type_error(err, "join", "a string separator", v[1]);
	for (i = 0; i < v_len(v[0]); i++) {
		if (i) {
			if (n > 1)
				sbuf_add(&b, v_as_str(v[1]), v_str_len(v[1]));
			else
				sbuf_addc(&b, ',');
		}
		if (add_text(&b, v_list_get(v[0], i), err) < 0)
			return NULL;
	}
	return sbuf_value(&b);
}

static value *f_json(value **v, size_t n, char **err)
{
	value *r;

	if (v_type(v[0]) != V_STR)
		return type_error(err, "json", "string", v[0]);
	r = v_from_json(v_as_str(v[0]), v_str_len(v[0]));
	if (!r)
		*err = xstrdup("json: invalid JSON text");
	return r;
}

static value *f_tojson(value **v, size_t n, char **err)
{
	char *s = v_to_json(v[0]);

	if (too_big(strlen(s), err)) {
		free(s);
		return NULL;
	}
	return v_str_take(s, strlen(s));
}

static value *f_default(value **v, size_t n, char **err)
{
	if (v_type(v[0]) == V_NULL || (v_type(v[0]) == V_STR && v_str_len(v[0]) == 0))
		return v_retain(v[1]);
	return v_retain(v[0]);
}

/*
 * format('{0} of {1}', a, b): {N} is argument N in text form; '{{' and
 * '}}' are literal braces; any other brace is copied as it is.
 */
static value *f_format(value **v, size_t n, char **err)
{
	const char *f;
	size_t fl, i = 0, j, idx;
	sbuf b = { 0 };

	if (v_type(v[0]) != V_STR)
		return type_error(err, "format", "a string format", v[0]);
	f = v_as_str(v[0]);
	fl = v_str_len(v[0]);
	while (i < fl) {
		if (f[i] == '{' && i + 1 < fl && f[i + 1] == '{') {
			sbuf_addc(&b, '{');
			i += 2;
			continue;
		}
		if (f[i] == '}' && i + 1 < fl && f[i + 1] == '}') {
			sbuf_addc(&b, '}');
			i += 2;
			continue;
		}
		if (f[i] == '{' && i + 1 < fl && isdigit((unsigned char)f[i + 1])) {
			idx = 0;
			for (j = i + 1; j < fl && isdigit((unsigned char)f[j]) && idx < 1000; j++)
				idx = idx * 10 + (size_t)(f[j] - '0');
			if (j < fl && f[j] == '}') {
				if (idx + 1 >= n) {
					sbuf_release(&b);
					*err = xasprintf("format: no argument for '{%zu}'", idx);
					return NULL;
				}
				if (add_text(&b, v[idx + 1], err) < 0)
					return NULL;
				i = j + 1;
				continue;
			}
		}
		sbuf_addc(&b, f[i]);
		i++;
	}
	return sbuf_value(&b);
}

static value *f_duration(value **v, size_t n, char **err)
{
	int64_t ms;

	if (v_type(v[0]) == V_DUR)
		return v_retain(v[0]);
	if (v_type(v[0]) != V_STR)
		return type_error(err, "duration", "string", v[0]);
	if (dur_parse(v_as_str(v[0]), v_str_len(v[0]), &ms) < 0) {
		char *q = quote_val(v[0], 40);
		*err = xasprintf("duration: invalid duration '%s'", q);
		free(q);
		return NULL;
	}
	return v_dur(ms);
}

/* The current time as RFC 3339 UTC, second precision. */
static value *f_now(value **v, size_t n, char **err)
{
	char buf[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return v_str(buf);
}

/* ------------------------------------------------------------------ */
/* evaluator */

static value *eval(const expr *e, const value *ctx, char **err);

static const char *op_name(int op)
{
	switch (op) {
	case T_EQ: return "==";
	case T_NE: return "!=";
	case T_LE: return "<=";
	case T_GE: return ">=";
	case '<': return "<";
	case '>': return ">";
	case '+': return "+";
	case '-': return "-";
	case '*': return "*";
	case '/': return "/";
	case '%': return "%";
	default: return "?";
	}
}

static value *op_error(char **err, int op, const value *a, const value *b)
{
	if (op == '<' || op == '>' || op == T_LE || op == T_GE)
		*err = xasprintf("cannot compare %s with %s using '%s'",
				 v_type_name(a), v_type_name(b), op_name(op));
	else
		*err = xasprintf("cannot apply '%s' to %s and %s", op_name(op),
				 v_type_name(a), v_type_name(b));
	return NULL;
}

/* A duration, or a string in duration syntax, as ms. */
static int as_ms(const value *v, int64_t *ms)
{
	if (v_type(v) == V_DUR) {
		*ms = v_as_dur(v);
		return 0;
	}
	if (v_type(v) == V_STR)
		return dur_parse(v_as_str(v), v_str_len(v), ms);
	return -1;
}

static value *dur_result(double ms, char **err)
{
	if (!(ms >= -9.2e18 && ms <= 9.2e18)) {
		*err = xstrdup("duration out of range");
		return NULL;
	}
	return v_dur((int64_t)llround(ms));
}

static value *arith(int op, const value *a, const value *b, char **err)
{
	vtype ta = v_type(a), tb = v_type(b);
	int64_t x, y;
	double da, db;

	if (op == '+' && ta == V_STR && tb == V_STR) {
		size_t la = v_str_len(a), lb = v_str_len(b);
		if (too_big(la + lb, err))
			return NULL;
		char *s = xmalloc(la + lb + 1);

		memcpy(s, v_as_str(a), la);
		memcpy(s + la, v_as_str(b), lb);
		return v_str_take(s, la + lb);
	}
	if (ta == V_NUM && tb == V_NUM) {
		da = v_as_num(a);
		db = v_as_num(b);
		switch (op) {
		case '+': return v_num(da + db);
		case '-': return v_num(da - db);
		case '*': return v_num(da * db);
		case '/':
		case '%':
			if (db == 0) {
				*err = xstrdup(op == '/' ? "division by zero" : "modulo by zero");
				return NULL;
			}
			return v_num(op == '/' ? da / db : fmod(da, db));
		}
	}
	if ((op == '+' || op == '-') && (ta == V_DUR || tb == V_DUR) &&
	    as_ms(a, &x) == 0 && as_ms(b, &y) == 0)
		return dur_result(op == '+' ? (double)x + (double)y
					    : (double)x - (double)y, err);
	if (op == '*' && ta == V_DUR && tb == V_NUM)
		return dur_result((double)v_as_dur(a) * v_as_num(b), err);
	if (op == '*' && ta == V_NUM && tb == V_DUR)
		return dur_result(v_as_num(a) * (double)v_as_dur(b), err);
	if (op == '/' && ta == V_DUR && tb == V_NUM) {
		if (v_as_num(b) == 0) {
			*err = xstrdup("division by zero");
			return NULL;
		}
		return dur_result((double)v_as_dur(a) / v_as_num(b), err);
	}
	return op_error(err, op, a, b);
}

static value *binop(int op, const value *a, const value *b, char **err)
{
	int c;

	switch (op) {
	case T_EQ:
		return v_bool(v_equal(a, b));
	case T_NE:
		return v_bool(!v_equal(a, b));
	case '<': case '>': case T_LE: case T_GE:
		c = v_compare(a, b);
		if (c == -2)
			return op_error(err, op, a, b);
		return v_bool(op == '<' ? c < 0 : op == '>' ? c > 0 :
			      op == T_LE ? c <= 0 : c >= 0);
	default:
		return arith(op, a, b, err);
	}
}

static value *index_value(const value *base, const value *ix, char **err)
{
	value *r;
	double d;

	switch (v_type(base)) {
	case V_NULL:
		return v_null();
	case V_LIST:
		if (v_type(ix) != V_NUM) {
			*err = xasprintf("list index must be a number, got %s", v_type_name(ix));
			return NULL;
		}
		d = v_as_num(ix);
		if (d != floor(d)) {
			*err = xstrdup("list index must be a whole number");
			return NULL;
		}
		if (d < 0 || d >= (double)v_len(base))
			return v_null();
		return v_retain(v_list_get(base, (size_t)d));
	case V_OBJ:
		if (v_type(ix) != V_STR) {
			*err = xasprintf("object key must be a string, got %s", v_type_name(ix));
			return NULL;
		}
		r = v_obj_get(base, v_as_str(ix));
		return r ? v_retain(r) : v_null();
	default:
		*err = xasprintf("cannot index a %s", v_type_name(base));
		return NULL;
	}
}

static value *eval_call(const expr *e, const value *ctx, char **err)
{
	value *tmp[8], **args = tmp, *r = NULL;
	size_t i, n = 0;

	if (e->nargs > 8)
		args = xmalloc(e->nargs * sizeof(*args));
	for (; n < e->nargs; n++) {
		args[n] = eval(e->args[n], ctx, err);
		if (!args[n])
			goto out;
	}
	r = e->fn->impl(args, n, err);
	if (r) {
		int sec = 0, fresh = 1;
		for (i = 0; i < n; i++) {
			sec |= v_is_secret(args[i]);
			fresh &= r != args[i];
		}
		r = derived(r, sec, fresh && !v_shared(r));
	}
out:
	for (i = 0; i < n; i++)
		v_release(args[i]);
	if (args != tmp)
		free(args);
	return r;
}

static value *eval(const expr *e, const value *ctx, char **err)
{
	value *a, *b, *r;
	int c;

	switch (e->kind) {
	case N_NULL:
		return v_null();
	case N_BOOL:
		return v_bool(e->num != 0);
	case N_NUM:
		return v_num(e->num);
	case N_DUR:
		return v_dur(e->ms);
	case N_STR:
		return v_strn(e->s, e->slen);
	case N_LIST:
		r = v_list();
		for (size_t i = 0; i < e->nargs; i++) {
			a = eval(e->args[i], ctx, err);
			if (!a) {
				v_release(r);
				return NULL;
			}
			v_list_push_take(r, a);
		}
		return r;
	case N_ROOT:
		a = ctx ? v_obj_get(ctx, e->s) : NULL;
		if (!a) {
			*err = xasprintf("unknown context '%s'", e->s);
			return NULL;
		}
		return v_retain(a);
	case N_FIELD:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		if (v_type(a) == V_OBJ) {
			r = v_obj_get(a, e->s);
			r = r ? v_retain(r) : v_null();
		} else if (v_type(a) == V_NULL) {
			r = v_null();
		} else {
			*err = xasprintf("cannot read field '%s' of a %s", e->s, v_type_name(a));
			r = NULL;
		}
		v_release(a);
		return r;
	case N_INDEX:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		b = eval(e->b, ctx, err);
		r = b ? index_value(a, b, err) : NULL;
		v_release(a);
		v_release(b);
		return r;
	case N_CALL:
		return eval_call(e, ctx, err);
	case N_NOT:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		r = v_bool(!v_truthy(a));
		v_release(a);
		return r;
	case N_NEG:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		if (v_type(a) == V_NUM) {
			r = v_num(-v_as_num(a));
		} else if (v_type(a) == V_DUR) {
			r = dur_result(-(double)v_as_dur(a), err);
		} else {
			*err = xasprintf("cannot negate a %s", v_type_name(a));
			r = NULL;
		}
		r = derived(r, v_is_secret(a), 1);
		v_release(a);
		return r;
	case N_AND:
	case N_OR:
		/* the deciding operand itself, as in JavaScript: a falsy left
		 * side of && or a truthy one of || is the result, else the
		 * right side (not evaluated otherwise) */
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		if (v_truthy(a) == (e->kind == N_OR))
			return a;
		v_release(a);
		return eval(e->b, ctx, err);
	case N_COND:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		c = v_truthy(a);
		v_release(a);
		return eval(c ? e->b : e->c, ctx, err);
	case N_BIN:
		a = eval(e->a, ctx, err);
		if (!a)
			return NULL;
		b = eval(e->b, ctx, err);
		if (!b) {
			v_release(a);
			return NULL;
		}
		r = binop(e->op, a, b, err);
		r = derived(r, v_is_secret(a) || v_is_secret(b), 1);
		v_release(a);
		v_release(b);
		return r;
	}
	*err = xstrdup("invalid expression node");
	return NULL;
}

/*
 * Evaluate e against ctx (an object of root names; borrowed).  Returns a
 * new value, or NULL with *err set to a malloc'd message on a type error,
 * division by zero, unknown context, bad pattern or function failure.
 */
value *expr_eval(const expr *e, const value *ctx, char **err)
{
	char *msg = NULL;
	value *r;

	eval_enter();
	r = eval(e, ctx, &msg);
	eval_leave();

	if (!r && !msg)
		msg = xstrdup("evaluation failed");
	if (err)
		*err = msg;
	else
		free(msg);
	return r;
}

static void walk(const expr *e, expr_ref_cb cb, void *ud)
{
	size_t i;

	if (!e)
		return;
	if ((e->kind == N_FIELD || (e->kind == N_INDEX && e->b->kind == N_STR)) &&
	    e->a->kind == N_ROOT) {
		cb(ud, e->a->s, e->s ? e->s : e->b->s, e->a->off);
		if (e->kind == N_INDEX)
			walk(e->b, cb, ud);
		return;
	}
	if (e->kind == N_ROOT) {
		cb(ud, e->s, NULL, e->off);
		return;
	}
	walk(e->a, cb, ud);
	walk(e->b, cb, ud);
	walk(e->c, cb, ud);
	for (i = 0; i < e->nargs; i++)
		walk(e->args[i], cb, ud);
}

/*
 * Report every root reference: `steps.build.status` gives ("steps",
 * "build"), `inputs['x']` gives ("inputs", "x"), a bare `env` gives
 * ("env", NULL).  Offsets are those of the root identifier.
 */
void expr_walk_refs(const expr *e, expr_ref_cb cb, void *ud)
{
	walk(e, cb, ud);
}

/* ------------------------------------------------------------------ */
/* templates */

typedef struct seg {
	const char *text;       /* literal text (arena), NULL for expressions */
	size_t len;
	expr *e;
} seg;

struct tmpl {
	seg *segs;
	size_t n;
	int nexpr;
	int url;                /* a URL: values are encoded by position */
};

/* The first "${{" in s[0..len), or NULL.  memchr for the '$' beats a
 * general memmem on the short strings templates live in. */
static const char *find_open(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while (end - p >= 3 && (p = memchr(p, '$', (size_t)(end - p - 2)))) {
		if (p[1] == '{' && p[2] == '{')
			return p;
		p++;
	}
	return NULL;
}

/*
 * Does s contain "${{"?  Cheap enough to call on every scalar before
 * deciding to parse it.
 */
int has_template(const char *s, size_t len)
{
	return find_open(s, len) != NULL;
}

/* Offset of the "}}" closing an expression that starts at i, or len. */
static size_t find_close(const char *s, size_t i, size_t len)
{
	char q = 0;

	for (; i < len; i++) {
		if (q) {
			if (q == '"' && s[i] == '\\')
				i++;
			else if (s[i] == q)
				q = 0;     /* '' re-enters the quote on the next char */
		} else if (s[i] == '\'' || s[i] == '"') {
			q = s[i];
		} else if (s[i] == '}' && i + 1 < len && s[i + 1] == '}') {
			return i;
		}
	}
	return len;
}

/*
 * Split s into literal and ${{ expr }} segments, parsing each expression
 * into arena a.  Error offsets are into s.  Returns NULL on an unclosed
 * ${{ (reported at the "${{") or a bad expression.
 */
tmpl *tmpl_parse(arena *a, const char *s, size_t len,
		 size_t *err_off, const char **err_msg)
{
	tmpl *t = arena_alloc(a, sizeof(*t));
	size_t i = 0, cap = 4;
	const char *open;

	t->segs = arena_alloc(a, cap * sizeof(*t->segs));
	while (i <= len) {
		seg *sg;
		size_t start, close;

		open = i < len ? find_open(s + i, len - i) : NULL;
		if (t->n + 2 > cap) {
			seg *bigger = arena_alloc(a, 2 * cap * sizeof(*bigger));

			memcpy(bigger, t->segs, t->n * sizeof(*bigger));
			t->segs = bigger;
			cap *= 2;
		}
		start = open ? (size_t)(open - s) : len;
		if (start > i || (!open && t->n == 0)) {
			sg = &t->segs[t->n++];
			sg->text = arena_strndup(a, s + i, start - i);
			sg->len = start - i;
		}
		if (!open)
			break;
		close = find_close(s, start + 3, len);
		if (close >= len) {
			if (err_off)
				*err_off = start;
			if (err_msg)
				*err_msg = "unclosed '${{' (expected '}}')";
			return NULL;
		}
		sg = &t->segs[t->n++];
		sg->e = parse_range(a, s, start + 3, close, err_off, err_msg);
		if (!sg->e)
			return NULL;
		t->nexpr++;
		i = close + 2;
	}
	return t;
}

void tmpl_mark_url(tmpl *t)
{
	t->url = 1;
}

int tmpl_is_literal(const tmpl *t)
{
	return t->nexpr == 0;
}

int tmpl_is_single_expr(const tmpl *t)
{
	return t->n == 1 && t->nexpr == 1;
}

/*
 * Where a URL's text has got to, for the URL form of a template: before
 * anything, in the scheme (or a relative first segment), after "scheme:"
 * and "scheme:/", in the authority, the path, the query or the fragment.
 */
enum { U_START, U_HEAD, U_COLON, U_SLASH, U_AUTH, U_PATH, U_QUERY, U_FRAG };

static int url_next(int st, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (st == U_QUERY) {
			if (c == '#')
				st = U_FRAG;
			continue;
		}
		if (st == U_FRAG)
			continue;
		if (c == '?') {
			st = U_QUERY;
		} else if (c == '#') {
			st = U_FRAG;
		} else if (st == U_COLON) {
			st = c == '/' ? U_SLASH : U_HEAD;
		} else if (st == U_SLASH) {
			st = c == '/' ? U_AUTH : U_PATH;
		} else if (c == '/') {
			st = U_PATH;
		} else if (st == U_START || st == U_HEAD) {
			st = c == ':' ? U_COLON : U_HEAD;
		}
	}
	return st;
}

/* v's text percent-encoded: everything but ALPHA DIGIT - . _ ~ (RFC 3986
 * unreserved), so '/', '?', '&', '=', '#', '+', '%' and spaces are data */
static int add_url_encoded(sbuf *b, const value *v, char **err)
{
	static const char hex[] = "0123456789ABCDEF";
	sbuf t = { 0 };

	if (add_text(&t, v, err) < 0 || too_big(b->len + 3 * t.len, err)) {
		sbuf_release(&t);
		sbuf_release(b);
		return -1;
	}
	for (size_t i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.buf[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			sbuf_addc(b, (char)c);
		} else {
			sbuf_addc(b, '%');
			sbuf_addc(b, hex[c >> 4]);
			sbuf_addc(b, hex[c & 15]);
		}
	}
	sbuf_release(&t);
	return 0;
}

/*
 * Render t against ctx.  A template that is exactly one ${{ }} yields the
 * expression's value with its type; otherwise the text of every segment
 * is concatenated into a string.  Values are inserted as data: their text
 * is never scanned for ${{ again.  NULL with *err (malloc'd) on failure.
 *
 * A URL template (tmpl_mark_url) encodes each value by where the text
 * written so far puts it: in the path, the query or the fragment it is
 * percent-encoded as one component (a '/' in it does not start a new
 * segment, an '&' no new parameter); before the path (scheme, host, port,
 * or a whole base URL) it is inserted as it is, being URL text itself.
 * The literal text stays as the author wrote it.
 */
static value *render(const tmpl *t, const value *ctx, char **err)
{
	sbuf b = { 0 };
	size_t i;
	int ust = U_START;
	int sec = 0;

	if (tmpl_is_single_expr(t))
		return expr_eval(t->segs[0].e, ctx, err);
	for (i = 0; i < t->n; i++) {
		value *v;

		if (!t->segs[i].e) {
			sbuf_add(&b, t->segs[i].text, t->segs[i].len);
			if (t->url)
				ust = url_next(ust, t->segs[i].text, t->segs[i].len);
			continue;
		}
		v = expr_eval(t->segs[i].e, ctx, err);
		if (!v) {
			sbuf_release(&b);
			return NULL;
		}
		sec |= v_is_secret(v);
		int r;
		if (t->url && ust >= U_PATH) {
			r = add_url_encoded(&b, v, err);
		} else {
			size_t from = b.len;

			r = add_text(&b, v, err);
			if (t->url && r == 0)
				ust = url_next(ust, b.buf + from, b.len - from);
		}
		v_release(v);
		if (r < 0)
			return NULL;
	}
	return derived(sbuf_value(&b), sec, 1);
}

value *tmpl_render(const tmpl *t, const value *ctx, char **err)
{
	value *r;

	eval_enter();   /* its expressions share one budget of regex time */
	r = render(t, ctx, err);
	eval_leave();
	return r;
}

void tmpl_walk_refs(const tmpl *t, expr_ref_cb cb, void *ud)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->segs[i].e)
			walk(t->segs[i].e, cb, ud);
}
