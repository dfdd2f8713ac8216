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
 *  - Numbers as GitHub Actions writes them: 42, 3.25, .5, 1e3, 1E+1,
 *    0xff, 0o17, NaN, Infinity (a sign is the unary operator).  A decimal
 *    number directly followed by letters is a duration (an extension): 5m,
 *    500ms, 1h30m, 2d (see dur_parse).  `5x` is an error, not 5 followed
 *    by x.
 *  - 'single' quoted strings have no escapes except '' for a quote, as in
 *    GitHub Actions; "double" quoted strings (an extension: GitHub refuses
 *    them) take \\ \" \' \n \t \r \0 \/ and \u with four hex digits.
 *  - A '.' followed by a digit is a number where an operand may start
 *    (`.5`), and the dereference operator after a value (`a.b`).
 *  - `matches` and `contains` in operator position are infix operators at
 *    the comparison level; followed by '(' in operand position they are
 *    function calls.  true, false, null, NaN and Infinity are literals,
 *    and any word may be used as a field name after '.'.  `.*` and `[*]`
 *    are the object filter.
 *
 * The semantics are GitHub Actions' wherever the two languages share a
 * construct:
 *
 *  - `&&` and `||` short-circuit and give the operand that decided, not a
 *    bool: `a && b` is a when a is falsy, else b; `a || b` is a when a is
 *    truthy, else b.  So `inputs.prod && 'canary' || 'all'` picks a
 *    string.  `!` gives a bool.  Falsy: null, false, 0, NaN, '' (and, an
 *    extension, a zero duration); lists and objects are truthy.
 *  - `==` and `!=` compare loosely: values of different types are both
 *    made numbers (null 0, true 1, false 0, a string parsed as a number
 *    with surrounding whitespace -- '' is 0 -- or NaN) unless one is a
 *    list or an object, which equal only themselves (the same value, not
 *    an equal copy).  NaN equals nothing.  Strings compare ignoring case.
 *    `<`, `<=`, `>`, `>=` coerce the same way and never fail: what cannot
 *    be ordered is false.  The extensions: durations and timestamps
 *    compare with their own kind or a string spelling one, and ordering
 *    one with anything else is an error.
 *  - A field of anything but an object is null, as is an index out of
 *    range; an index is made a number (lists) or text (objects).  Field
 *    names match ignoring case when no field has the exact name.
 *  - `x.*` (or `x[*]`) is the list of x's items (a list) or values (an
 *    object), empty for anything else; every `.name`, `[i]` or `.*` after
 *    it applies to each item and keeps what exists:
 *    `steps.pods.outputs.items.*.name` is the list of the items' names.
 *
 * `cond ? a : b` evaluates only the branch it picks (an extension, as are
 * `+ - * / %`, durations, timestamps, list literals, `| fn()` and
 * `matches`).
 *
 * Function names and arities are checked at parse time, and a `matches`
 * pattern that is a string literal is compiled then too, so the validator
 * reports them with a position.  Nesting is limited (EXPR_MAX_NEST levels
 * of parentheses, brackets, arguments and unary operators; EXPR_MAX_HEIGHT
 * for the tree, which also bounds long operator chains) so hostile input
 * cannot exhaust the stack of the parser or the evaluator.
 */
#include "lang/expr.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/re.h"
#include "base/suggest.h"
#include "base/utf8.h"

#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

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
	N_ROOT, N_FIELD, N_INDEX, N_STAR, N_CALL,
	N_NOT, N_NEG, N_POS, N_BIN, N_AND, N_OR, N_COND,
};

typedef struct fn fn;

struct expr {
	enum nkind kind;
	int op;                 /* N_BIN: token kind of the operator; N_FIELD,
	                         * N_INDEX, N_STAR: 1 when after a `.*` (applied
	                         * to each item of the filtered list) */
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
	int after_value;        /* the token before the current one ends an
	                         * operand: a '.' after it is a dereference */
	int star_filter;        /* the last '*' followed '.' or '[' */
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
					int h = hex_digit(i + 2 + k < p->end ? s[i + 2 + k] : '\0');

					if (h < 0) {
						sbuf_release(&b);
						return fail(p, i, "bad \\u escape: 4 hex digits expected");
					}
					cp = cp * 16 + (unsigned long)h;
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

/* The end of the run of letters, digits and '_' at s[i..) */
static size_t word_end(const parser *p, size_t i)
{
	while (i < p->end && (isalnum((unsigned char)p->src[i]) || p->src[i] == '_'))
		i++;
	return i;
}

/* 0xff, 0o17: digits of the radix after the prefix, nothing else */
static int lex_radix(parser *p, token *t)
{
	const char *s = p->src;
	int radix = s[p->pos + 1] == 'x' || s[p->pos + 1] == 'X' ? 16 : 8;
	size_t i = p->pos + 2, end = word_end(p, p->pos);
	double v = 0;

	for (; i < end; i++) {
		int d = hex_digit(s[i]);
		if (d < 0 || d >= radix)
			break;
		v = v * radix + d;
	}
	if (i == p->pos + 2 || i != end)
		return fail(p, t->off, arena_printf(p->a, "invalid number '%.*s'",
						      (int)(end - p->pos), s + p->pos));
	t->kind = T_NUM;
	t->num = v;
	p->pos = end;
	return 0;
}

static int lex_number(parser *p, token *t)
{
	const char *s = p->src;
	size_t i = p->pos, j;
	char *txt;

	if (s[i] == '0' && i + 1 < p->end && strchr("xXoO", s[i + 1]) && s[i + 1])
		return lex_radix(p, t);
	while (i < p->end && isdigit((unsigned char)s[i]))
		i++;
	j = i + 1;
	if (j < p->end && (s[j] == '+' || s[j] == '-'))
		j++;
	if (i > p->pos && i < p->end && isalpha((unsigned char)s[i]) &&
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

/* Does the current token end an operand (so a '.' after it dereferences)? */
static int ends_value(const parser *p)
{
	switch (p->tok.kind) {
	case T_IDENT: case T_NUM: case T_DUR: case T_STR: case ')': case ']':
		return 1;
	case '*':
		return p->star_filter;
	default:
		return 0;
	}
}

/* Read the next token into p->tok. */
static int lex(parser *p)
{
	const char *s = p->src;
	token *t = &p->tok;
	int prev = t->kind;
	char c, d;

	p->after_value = ends_value(p);
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
	} else if (isdigit((unsigned char)c) ||
		   (c == '.' && !p->after_value && isdigit((unsigned char)d))) {
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
		if (c == '*')
			p->star_filter = prev == '.' || prev == '[';
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

#define FN(name) static value *f_##name(value **v, size_t n, char **err);
FN(contains) FN(starts) FN(ends) FN(format) FN(join) FN(tojson) FN(fromjson) FN(case)
FN(matches) FN(len) FN(lower) FN(upper) FN(trim) FN(split) FN(json) FN(default)
FN(duration) FN(number) FN(int) FN(type) FN(keys) FN(values) FN(first) FN(last)
FN(slice) FN(unique) FN(sort) FN(min) FN(max) FN(sum) FN(map) FN(filter)
FN(now) FN(parsetime) FN(formattime)
#undef FN

#define VARIADIC ((size_t)-1)

/* GitHub Actions' functions first, with its semantics; then the extensions */
static const fn functions[] = {
	{ "contains", 2, 2, f_contains, "contains(search, item): a list holds an item == item, or the text of a scalar holds item's, ignoring case (GitHub Actions; also the infix `search contains item`)" },
	{ "startsWith", 2, 2, f_starts, "startsWith(s, prefix): s's text starts with prefix's, ignoring case; false for a list or an object (GitHub Actions)" },
	{ "endsWith", 2, 2, f_ends, "endsWith(s, suffix): s's text ends with suffix's, ignoring case; false for a list or an object (GitHub Actions)" },
	{ "format", 1, VARIADIC, f_format, "format('{0} of {1}', a, b): {N} is argument N as text, {{ and }} are braces; any other brace, or {N} past the arguments, is an error (GitHub Actions)" },
	{ "join", 1, 2, f_join, "join(list, sep = ','): the items' text joined by sep's; a scalar gives its own text, an object '' (GitHub Actions; lists and objects inside as JSON)" },
	{ "toJSON", 1, 1, f_tojson, "toJSON(x): the JSON text of x, indented by two spaces (GitHub Actions)" },
	{ "fromJSON", 1, 1, f_fromjson, "fromJSON(s): the value the JSON text s holds (GitHub Actions)" },
	{ "case", 3, VARIADIC, f_case, "case(c1, v1, c2, v2, ..., default): the value after the first condition that is true, else the default; every condition must be a bool (GitHub Actions)" },
	{ "matches", 2, 2, f_matches, "matches(s, 're'): PCRE2 match (UTF-8, multiline); also the infix `s matches 're'` (extension)" },
	{ "len", 1, 1, f_len, "len(x): characters of a string, items of a list, keys of an object; 0 for null (extension)" },
	{ "lower", 1, 1, f_lower, "lower(s) (extension)" },
	{ "upper", 1, 1, f_upper, "upper(s) (extension)" },
	{ "trim", 1, 1, f_trim, "trim(s): without leading and trailing whitespace (extension)" },
	{ "split", 2, 2, f_split, "split(s, sep): a list; an empty separator splits into characters (extension)" },
	{ "json", 1, 1, f_json, "json(s): fromJSON(s) (extension)" },
	{ "default", 2, 2, f_default, "default(x, fallback): fallback when x is null or '' (extension)" },
	{ "duration", 1, 1, f_duration, "duration('5m'): a duration from its text (extension)" },
	{ "number", 1, 1, f_number, "number(x): the number a text spells (decimal, exponent, 0x hex, 0o octal, Infinity; surrounding whitespace allowed), 1 or 0 for a bool; anything else is an error (extension)" },
	{ "int", 1, 1, f_int, "int(x): number(x) without its fraction, toward zero (extension)" },
	{ "type", 1, 1, f_type, "type(x): 'null', 'bool', 'number', 'string', 'list', 'object', 'duration' or 'timestamp'; `type(x) == 'null'` tests for null alone, where `x == null` is also true for '', '0' and false (extension)" },
	{ "keys", 1, 1, f_keys, "keys(object): its keys, in order; [] for null (extension)" },
	{ "values", 1, 1, f_values, "values(object): its values, in order; [] for null (extension)" },
	{ "first", 1, 1, f_first, "first(list): the first item, null when empty (extension)" },
	{ "last", 1, 1, f_last, "last(list): the last item, null when empty (extension)" },
	{ "slice", 2, 3, f_slice, "slice(x, start, end = len(x)): the items (or characters) from start up to end; a negative index counts from the end (extension)" },
	{ "unique", 1, 1, f_unique, "unique(list): without repeats, the first of each kept; items are the same when their JSON is (extension)" },
	{ "sort", 1, 2, f_sort, "sort(list, field): ascending (stable): numbers, strings ignoring case, durations or timestamps, not mixed; by each item's field when given (extension)" },
	{ "min", 1, VARIADIC, f_min, "min(list) or min(a, b, ...): the smallest, ordered as sort(); null for [] (extension)" },
	{ "max", 1, VARIADIC, f_max, "max(list) or max(a, b, ...): the largest, ordered as sort(); null for [] (extension)" },
	{ "sum", 1, 1, f_sum, "sum(list): of numbers (0 for []) or of durations (extension)" },
	{ "map", 2, 2, f_map, "map(list, 'path'): each item's field at path ('status.phase'), null where it has none (extension)" },
	{ "filter", 2, 3, f_filter, "filter(list, 'path', value): the items whose field at path == value; without a value, those where it is truthy (extension)" },
	{ "now", 0, 0, f_now, "now(): the current time, a timestamp: now() + duration('2h') (extension)" },
	{ "parseTime", 1, 1, f_parsetime, "parseTime(x): a timestamp from RFC 3339 text (any offset, or a date alone) or from Unix seconds (extension)" },
	{ "formatTime", 1, 2, f_formattime, "formatTime(ts, layout = 'rfc3339'): RFC 3339 in UTC with milliseconds, or a layout of %Y %m %d %H %M %S %L (ms) %j %e %y %a %A %b %B %u %w %s %F %T %z %Z %%, in UTC (extension)" },
};

#define NFUNCS (sizeof(functions) / sizeof(functions[0]))
/* suggest_rows() reads the name as the first member */
_Static_assert(offsetof(struct fn, name) == 0, "the name comes first");

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

/* function names ignore case, as in GitHub Actions (toJson, tojson) */
static const fn *fn_find(const char *name)
{
	size_t i;

	/* the first letters first (every name starts with a lower-case ASCII
	 * letter): one compare a row */
	char c0 = name[0] >= 'A' && name[0] <= 'Z' ? (char)(name[0] - 'A' + 'a') : name[0];
	for (i = 0; i < NFUNCS; i++)
		if (functions[i].name[0] == c0 && !strcasecmp(functions[i].name, name))
			return &functions[i];
	return NULL;
}

static int check_call(parser *p, const char *name, size_t off, size_t nargs,
		      const fn **out)
{
	const fn *f = fn_find(name);
	const char *hint;

	if (!f) {
		hint = suggest_rows(name, functions, NFUNCS, sizeof functions[0], SUGGEST_NOCASE);
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

static int pattern_check(const char *pat, size_t len, char **err);

/*
 * A `matches` whose pattern is a string literal is compiled now, so a bad
 * pattern is reported by the validator with the literal's position.
 */
static int check_pattern(parser *p, const expr *pat)
{
	char *err = NULL;

	if (pat->kind != N_STR)
		return 0;
	if (pattern_check(pat->s, pat->slen, &err) == 0)
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
	if (e->fn->impl == f_matches && check_pattern(p, args[1]) < 0)
		return NULL;
	if (e->fn->impl == f_case && n % 2 == 0) {
		fail(p, off, arena_printf(p->a, "function 'case' takes an odd number of arguments "
					  "(conditions and their values, then the default), got %zu", n));
		return NULL;
	}
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
		} else if (!strcmp(t.str, "NaN") || !strcmp(t.str, "Infinity")) {
			e = node(p, N_NUM, t.off);
			e->num = t.str[0] == 'N' ? NAN : INFINITY;
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

/* Does e give a filtered list: a `.*`, or a field or index after one? */
static int filtered(const expr *e)
{
	return e->kind == N_STAR || ((e->kind == N_FIELD || e->kind == N_INDEX) && e->op);
}

/* x.* or x[*] (the current token is the '*') */
static expr *parse_star(parser *p, expr *base, size_t off, int bracket)
{
	expr *x = node(p, N_STAR, off);

	x->a = base;
	x->op = filtered(base);
	if (lex(p) < 0 || (bracket && expect(p, ']') < 0) || grow(p, x, base) < 0)
		return NULL;
	return x;
}

static expr *parse_postfix(parser *p)
{
	expr *e = parse_primary(p), *x;

	while (e) {
		size_t off = p->tok.off;

		if (p->tok.kind == '.') {
			if (lex(p) < 0)
				return NULL;
			if (p->tok.kind == '*') {
				e = parse_star(p, e, off, 0);
				continue;
			}
			if (p->tok.kind != T_IDENT) {
				if (p->tok.kind == T_EOF)
					fail(p, p->tok.off, "field name expected after '.'");
				else
					unexpected(p);
				return NULL;
			}
			x = node(p, N_FIELD, off);
			x->a = e;
			x->op = filtered(e);
			x->s = p->tok.str;
			x->slen = p->tok.slen;
			if (lex(p) < 0 || grow(p, x, e) < 0)
				return NULL;
			e = x;
		} else if (p->tok.kind == '[') {
			if (lex(p) < 0)
				return NULL;
			if (p->tok.kind == '*') {
				e = parse_star(p, e, off, 1);
				continue;
			}
			x = node(p, N_INDEX, off);
			x->a = e;
			x->op = filtered(e);
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

	if (op != '!' && op != '-' && op != '+')
		return parse_postfix(p);
	if (lex(p) < 0 || enter(p) < 0)
		return NULL;
	x = parse_unary(p);
	p->nest--;
	if (!x)
		return NULL;
	e = node(p, op == '!' ? N_NOT : op == '-' ? N_NEG : N_POS, off);
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

/* `a matches 're'`, `a contains b`: the infix forms of the functions */
static expr *parse_infix_call(parser *p, expr *e, size_t off)
{
	const char *name = p->tok.str;
	expr *call, *r;

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

/* < <= > >= (and the infix matches, contains), left to right */
static expr *parse_rel(parser *p)
{
	expr *e = parse_add(p);

	while (e) {
		int op = p->tok.kind;
		size_t off = p->tok.off;

		if (op == '<' || op == T_LE || op == '>' || op == T_GE) {
			if (lex(p) < 0)
				return NULL;
			e = binary(p, N_BIN, op, off, e, parse_add(p));
		} else if (is_word(&p->tok, "matches") || is_word(&p->tok, "contains")) {
			e = parse_infix_call(p, e, off);
		} else {
			break;
		}
	}
	return e;
}

/* == and != bind looser than < (GitHub Actions' precedence), left to right */
static expr *parse_eq(parser *p)
{
	expr *e = parse_rel(p);

	while (e && (p->tok.kind == T_EQ || p->tok.kind == T_NE)) {
		int op = p->tok.kind;
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_BIN, op, off, e, parse_rel(p));
	}
	return e;
}

static expr *parse_and(parser *p)
{
	expr *e = parse_eq(p);

	while (e && p->tok.kind == T_AND) {
		size_t off = p->tok.off;

		if (lex(p) < 0)
			return NULL;
		e = binary(p, N_AND, T_AND, off, e, parse_eq(p));
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
/* regular expressions: compiled once per process (base/re.h); a subject
 * that is not UTF-8 can still match where it is valid */

static char *pattern_error(const char *pat, size_t len, const re_error *e)
{
	if (e->bad_pattern)
		return xasprintf("invalid pattern '%.*s': %s at offset %zu", (int)len, pat, e->msg,
				 e->offset);
	return xasprintf("matches: %s", e->msg);
}

/* Validate a pattern (parse time): 0 when it compiles, else -1 and *err. */
static int pattern_check(const char *pat, size_t len, char **err)
{
	re_error e;

	if (re_check(pat, len, RE_INVALID_UTF, &e) == 0)
		return 0;
	*err = pattern_error(pat, len, &e);
	return -1;
}

/* CPU time spent matching by the current evaluation of this thread, and
 * how deep expr_eval/tmpl_render calls are nested (the outermost one
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
static int pattern_match(const char *pat, size_t plen, const char *s, size_t n, char **err)
{
	re_error e;

	if (re_used_ns > (int64_t)EXPR_MAX_RE_MS * 1000000) {
		*err = xasprintf("matches: the patterns of this expression took more than %d ms",
				 EXPR_MAX_RE_MS);
		return -1;
	}
	int64_t t0 = thread_cpu_ns();
	int rc = re_match(pat, plen, RE_INVALID_UTF, s, n, 0, &e);
	re_used_ns += thread_cpu_ns() - t0;
	if (rc < 0)
		*err = pattern_error(pat, plen, &e);
	return rc;
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

/* ------------------------------------------------------------------ */
/* case, numbers and comparison as GitHub Actions has them */

/*
 * Letters compare ignoring case as GitHub Actions' OrdinalIgnoreCase
 * does: each code point upper-cased on its own (Unicode's simple case
 * mapping, read from the C.UTF-8 locale), except the dotless i, which
 * stays itself (so 'i' and 'ı' differ from 'İ' and 'I').  Without that
 * locale, ASCII letters only.
 */
static locale_t upper_loc;
static pthread_once_t upper_once = PTHREAD_ONCE_INIT;

static void upper_init(void)
{
	upper_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static long cp_upper(long cp)
{
	if (cp < 0x80)
		return cp >= 'a' && cp <= 'z' ? cp - 32 : cp;
	if (cp == 0x131)
		return cp;
	pthread_once(&upper_once, upper_init);
	return upper_loc ? (long)towupper_l((wint_t)cp, upper_loc) : cp;
}

/* The code point at s[*i], upper-cased, and *i past it.  A byte that is
 * not UTF-8 reads as 0x110000 + the byte: itself, after every letter. */
static long next_upper(const char *s, size_t n, size_t *i)
{
	size_t len;
	long cp = utf8_decode((const unsigned char *)s, *i, n, &len);

	cp = cp < 0 ? 0x110000 + (unsigned char)s[*i] : cp_upper(cp);
	*i += len;
	return cp;
}

/* a and b ignoring case, in code point order: -1, 0 or 1 */
static int fold_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn) {
		long x = next_upper(a, an, &i), y = next_upper(b, bn, &j);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return (i < an) - (j < bn);
}

/* s[0..n) upper-cased as fold_cmp sees it (malloc'd, *outn bytes) */
static char *fold(const char *s, size_t n, size_t *outn)
{
	sbuf b = { 0 };
	size_t i = 0;

	while (i < n) {
		size_t at = i;
		long cp = next_upper(s, n, &i);

		if (cp >= 0x110000)
			sbuf_add(&b, s + at, 1);
		else
			utf8_put(&b, (unsigned long)cp);
	}
	*outn = b.len;
	return sbuf_detach(&b);
}

static int is_scalar(const value *v)
{
	return v_type(v) != V_LIST && v_type(v) != V_OBJ;
}

/* v's text (a string's bytes, NULs included), malloc'd, *n bytes */
static char *text_of(const value *v, size_t *n)
{
	char *t;

	if (v_type(v) == V_STR) {
		*n = v_str_len(v);
		t = xmalloc(*n + 1);
		memcpy(t, v_as_str(v), *n + 1);
		return t;
	}
	t = v_to_text(v);
	*n = strlen(t);
	return t;
}

/* v's text upper-cased, for the searches that ignore case */
static char *folded_text(const value *v, size_t *n)
{
	size_t tn;
	char *t = text_of(v, &tn), *f = fold(t, tn, n);

	free(t);
	return f;
}

/* a field of an object: the exact name, else one that differs only in case */
static value *obj_lookup(const value *o, const char *key)
{
	value *r = v_obj_get(o, key);
	size_t kn = strlen(key);

	for (size_t i = 0; !r && i < v_len(o); i++) {
		const char *k = v_obj_key(o, i);
		if (!fold_cmp(k, strlen(k), key, kn))
			r = v_obj_val(o, i);
	}
	return r;
}

/*
 * Text as a number, as GitHub Actions converts it: surrounding whitespace
 * ignored, '' is 0; a decimal number (a sign, ".5" and "5." allowed, an
 * exponent), 0x hex or 0o octal digits, or Infinity with a sign; anything
 * else is NaN.
 */
static double text_num(const char *s, size_t n)
{
	size_t b = 0, e = n, i, digits = 0, exp;
	double v = 0;

	while (b < e && isspace((unsigned char)s[b]))
		b++;
	while (e > b && isspace((unsigned char)s[e - 1]))
		e--;
	if (b == e)
		return 0;
	s += b;
	n = e - b;
	if (n > 2 && s[0] == '0' && strchr("xXoO", s[1])) {
		int radix = s[1] == 'x' || s[1] == 'X' ? 16 : 8;
		for (i = 2; i < n; i++) {
			int d = hex_digit(s[i]);
			if (d < 0 || d >= radix)
				return NAN;
			v = v * radix + d;
		}
		return v;
	}
	i = s[0] == '+' || s[0] == '-';
	if (n - i == 8 && !memcmp(s + i, "Infinity", 8))
		return s[0] == '-' ? -INFINITY : INFINITY;
	for (; i < n && isdigit((unsigned char)s[i]); i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && isdigit((unsigned char)s[i]); i++)
			digits++;
	if (i < n && digits && (s[i] == 'e' || s[i] == 'E')) {
		i += 1 + (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'));
		for (exp = i; i < n && isdigit((unsigned char)s[i]); i++)
			;
		if (i == exp)
			return NAN;
	}
	if (!digits || i != n)
		return NAN;
	char *t = xstrndup(s, n);
	v = strtod(t, NULL);
	free(t);
	return v;
}

/* A value as a number in a comparison: null 0, a bool 1 or 0, text as
 * text_num reads it; anything else NaN. */
static double gh_num(const value *v)
{
	switch (v_type(v)) {
	case V_NULL:
		return 0;
	case V_BOOL:
		return v_as_bool(v);
	case V_NUM:
		return v_as_num(v);
	case V_STR:
		return text_num(v_as_str(v), v_str_len(v));
	default:
		return NAN;
	}
}

/* loose_cmp's answers: ordered, neither equal nor ordered, not comparable */
enum { C_LT = -1, C_EQ = 0, C_GT = 1, C_NONE = 2, C_BAD = 3 };

/* Is t made a number when compared with a value of type other? */
static int numeric_side(vtype t, vtype other)
{
	return t == V_NULL || t == V_BOOL || t == V_NUM ||
	       (t == V_STR && (other == V_NULL || other == V_BOOL || other == V_NUM));
}

/*
 * a against b under the rules at the top of this file: C_LT, C_EQ,
 * C_GT; C_NONE when they are neither equal nor ordered (NaN, two lists,
 * types that stay different); C_BAD for a duration or a timestamp and a
 * value of another kind (an error for < and >, false for ==).
 */
static int loose_cmp(const value *a, const value *b)
{
	vtype ta = v_type(a), tb = v_type(b);
	int64_t x, y;
	double da, db;

	if (ta == V_DUR || tb == V_DUR || ta == V_TIME || tb == V_TIME) {
		int ok = ta == V_DUR || tb == V_DUR ? v_dur_ms(a, &x) == 0 && v_dur_ms(b, &y) == 0
						    : v_time_ms(a, &x) == 0 && v_time_ms(b, &y) == 0;
		return !ok ? C_BAD : x < y ? C_LT : x > y ? C_GT : C_EQ;
	}
	if (ta == tb) {
		switch (ta) {
		case V_NULL:
			return C_EQ;
		case V_BOOL:
			return v_as_bool(a) - v_as_bool(b);
		case V_STR:
			return fold_cmp(v_as_str(a), v_str_len(a), v_as_str(b), v_str_len(b));
		case V_NUM:
			break;
		default:
			return a == b ? C_EQ : C_NONE;     /* the same list or object */
		}
	} else if (!numeric_side(ta, tb) || !numeric_side(tb, ta)) {
		return C_NONE;
	}
	da = gh_num(a);
	db = gh_num(b);
	if (isnan(da) || isnan(db))
		return C_NONE;
	return da < db ? C_LT : da > db ? C_GT : C_EQ;
}

static int loose_eq(const value *a, const value *b)
{
	return loose_cmp(a, b) == C_EQ;
}

/* ------------------------------------------------------------------ */
/* GitHub Actions' functions */

static value *f_contains(value **v, size_t n, char **err)
{
	value *hay = v[0], *needle = v[1];
	size_t i, hn, nn;

	if (v_type(hay) == V_LIST) {
		for (i = 0; i < v_len(hay); i++)
			if (loose_eq(v_list_get(hay, i), needle))
				return v_bool(1);
		return v_bool(0);
	}
	if (!is_scalar(hay) || !is_scalar(needle))
		return v_bool(0);
	char *h = folded_text(hay, &hn), *nd = folded_text(needle, &nn);
	int r = memmem(h, hn, nd, nn) != NULL;
	free(h);
	free(nd);
	return v_bool(r);
}

static value *affix(value **v, int end)
{
	size_t an, bn;

	if (!is_scalar(v[0]) || !is_scalar(v[1]))
		return v_bool(0);
	char *a = folded_text(v[0], &an), *b = folded_text(v[1], &bn);
	int r = bn <= an && !memcmp(a + (end ? an - bn : 0), b, bn);
	free(a);
	free(b);
	return v_bool(r);
}

static value *f_starts(value **v, size_t n, char **err)
{
	return affix(v, 0);
}

static value *f_ends(value **v, size_t n, char **err)
{
	return affix(v, 1);
}

/*
 * format('{0} of {1}', a, b): {N} is argument N in text form; '{{' and
 * '}}' are literal braces; any other brace is an error, as in GitHub
 * Actions, and so is {N} with no argument N.
 */
static value *f_format(value **v, size_t n, char **err)
{
	size_t fl, i = 0, j, idx;
	char *f = text_of(v[0], &fl), *q;
	sbuf b = { 0 };

	while (i < fl) {
		char c = f[i];

		if ((c == '{' || c == '}') && i + 1 < fl && f[i + 1] == c) {
			sbuf_addc(&b, c);
			i += 2;
			continue;
		}
		if (c != '{' && c != '}') {
			sbuf_addc(&b, c);
			i++;
			continue;
		}
		for (j = i + 1, idx = 0; c == '{' && j < fl && isdigit((unsigned char)f[j]); j++)
			idx = idx < 100000 ? idx * 10 + (size_t)(f[j] - '0') : idx;
		if (c == '}' || j == i + 1 || j >= fl || f[j] != '}') {
			q = quote_val(v[0], 60);
			*err = xasprintf("format: invalid format string '%s': a brace must be '{{', '}}' "
					 "or '{N}'", q);
			free(q);
			goto fail;
		}
		if (idx + 1 >= n) {
			*err = xasprintf("format: no argument for '{%zu}'", idx);
			goto fail;
		}
		if (add_text(&b, v[idx + 1], err) < 0)
			goto fail;
		i = j + 1;
	}
	free(f);
	if (too_big(b.len, err)) {
		sbuf_release(&b);
		return NULL;
	}
	return sbuf_value(&b);
fail:
	free(f);
	sbuf_release(&b);
	return NULL;
}

/* join(list, sep = ","): items in their text form; a scalar's own text,
 * an object's nothing; a separator that is a list or an object is ",". */
static value *f_join(value **v, size_t n, char **err)
{
	sbuf b = { 0 };
	size_t i, sn = 1;
	char *sep;

	if (v_type(v[0]) == V_STR)
		return v_retain(v[0]);
	if (v_type(v[0]) == V_OBJ)
		return v_str("");
	if (v_type(v[0]) != V_LIST) {
		char *t = text_of(v[0], &sn);
		return v_str_take(t, sn);
	}
	sep = n > 1 && is_scalar(v[1]) ? text_of(v[1], &sn) : xstrdup(",");
	for (i = 0; i < v_len(v[0]); i++) {
		if (i && too_big(b.len + sn, err)) {
			sbuf_release(&b);
			free(sep);
			return NULL;
		}
		if (i)
			sbuf_add(&b, sep, sn);
		if (add_text(&b, v_list_get(v[0], i), err) < 0) {
			free(sep);
			return NULL;
		}
	}
	free(sep);
	return sbuf_value(&b);
}

static value *f_tojson(value **v, size_t n, char **err)
{
	char *s = v_to_json_pretty(v[0]);

	if (too_big(strlen(s), err)) {
		free(s);
		return NULL;
	}
	return v_str_take(s, strlen(s));
}

static value *parse_json_text(const value *x, const char *who, char **err)
{
	size_t tn, i = 0;
	char *t;
	value *r;

	if (!is_scalar(x))
		return type_error(err, who, "JSON text", x);
	t = text_of(x, &tn);
	while (i < tn && isspace((unsigned char)t[i]))
		i++;
	r = i < tn ? v_from_json(t, tn) : NULL;
	if (!r)
		*err = xasprintf("%s: %s", who, i < tn ? "invalid JSON text" : "empty input");
	free(t);
	return r;
}

static value *f_fromjson(value **v, size_t n, char **err)
{
	return parse_json_text(v[0], "fromJSON", err);
}

static value *f_json(value **v, size_t n, char **err)
{
	return parse_json_text(v[0], "json", err);
}

/* case(c1, v1, ..., default): every argument is evaluated, as in GitHub
 * Actions; `c ? a : b` evaluates only the branch it picks */
static value *f_case(value **v, size_t n, char **err)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		if (v_type(v[i]) != V_BOOL) {
			*err = xasprintf("case: condition %zu is a %s, not a bool", i / 2 + 1,
					 v_type_name(v[i]));
			return NULL;
		}
		if (v_as_bool(v[i]))
			return v_retain(v[i + 1]);
	}
	return v_retain(v[n - 1]);
}

/* ------------------------------------------------------------------ */
/* the extensions */

static value *f_matches(value **v, size_t n, char **err)
{
	int rc;

	if (v_type(v[1]) != V_STR)
		return type_error(err, "matches", "a string pattern", v[1]);
	if (v_type(v[0]) == V_NULL)
		return v_bool(0);
	if (v_type(v[0]) != V_STR)
		return type_error(err, "matches", "string", v[0]);
	rc = pattern_match(v_as_str(v[1]), v_str_len(v[1]),
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
	size_t sl, pl, i = 0, j;
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
	size_t items = pl ? 1 : 0;
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


static value *f_default(value **v, size_t n, char **err)
{
	if (v_type(v[0]) == V_NULL || (v_type(v[0]) == V_STR && v_str_len(v[0]) == 0))
		return v_retain(v[1]);
	return v_retain(v[0]);
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


/* number(x): the number of numeric text (text_num's forms, '' refused), a
 * bool's 1 or 0, a number itself */
static int to_number(const value *v, const char *who, double *d, char **err)
{
	char *q;

	switch (v_type(v)) {
	case V_NUM:
		*d = v_as_num(v);
		return 0;
	case V_BOOL:
		*d = v_as_bool(v);
		return 0;
	case V_STR:
		*d = text_num(v_as_str(v), v_str_len(v));
		if (!isnan(*d) && strspn(v_as_str(v), " \t\n\r\v\f") < v_str_len(v))
			return 0;
		q = quote_val(v, 40);
		*err = xasprintf("%s: '%s' is not a number", who, q);
		free(q);
		return -1;
	default:
		type_error(err, who, "a number, a bool or numeric text", v);
		return -1;
	}
}

static value *f_number(value **v, size_t n, char **err)
{
	double d;

	if (v_type(v[0]) == V_NUM)
		return v_retain(v[0]);
	return to_number(v[0], "number", &d, err) < 0 ? NULL : v_num(d);
}

static value *f_int(value **v, size_t n, char **err)
{
	double d;

	if (to_number(v[0], "int", &d, err) < 0)
		return NULL;
	if (!isfinite(d)) {
		*err = xasprintf("int: %s has no integer part", isnan(d) ? "NaN" : "Infinity");
		return NULL;
	}
	return v_num(trunc(d) == 0 ? 0 : trunc(d));
}

static value *f_type(value **v, size_t n, char **err)
{
	return v_str(v_type_name(v[0]));
}

/* keys(o) and values(o): an object's, in order */
static value *obj_parts(const value *o, const char *who, int keys, char **err)
{
	value *r;

	if (v_type(o) == V_NULL)
		return v_list();
	if (v_type(o) != V_OBJ)
		return type_error(err, who, "object", o);
	r = v_list();
	for (size_t i = 0; i < v_len(o); i++)
		v_list_push_take(r, keys ? v_str(v_obj_key(o, i)) : v_retain(v_obj_val(o, i)));
	return r;
}

static value *f_keys(value **v, size_t n, char **err)
{
	return obj_parts(v[0], "keys", 1, err);
}

static value *f_values(value **v, size_t n, char **err)
{
	return obj_parts(v[0], "values", 0, err);
}

static value *end_item(const value *l, const char *who, int last, char **err)
{
	if (v_type(l) == V_NULL || (v_type(l) == V_LIST && v_len(l) == 0))
		return v_null();
	if (v_type(l) != V_LIST)
		return type_error(err, who, "list", l);
	return v_retain(v_list_get(l, last ? v_len(l) - 1 : 0));
}

static value *f_first(value **v, size_t n, char **err)
{
	return end_item(v[0], "first", 0, err);
}

static value *f_last(value **v, size_t n, char **err)
{
	return end_item(v[0], "last", 1, err);
}

/* the byte offset of character c of s[0..n) (n past the last) */
static size_t char_offset(const char *s, size_t n, size_t c)
{
	size_t i = 0;

	for (; i < n && c; c--)
		for (i++; i < n && ((unsigned char)s[i] & 0xC0) == 0x80; i++)
			;
	return i;
}

/* slice(x, start, end): Python's x[start:end], of items or characters */
static value *f_slice(value **v, size_t n, char **err)
{
	vtype t = v_type(v[0]);
	size_t len = 0, i;
	double s, e;

	if (t == V_NULL)
		return v_null();
	if (t != V_LIST && t != V_STR)
		return type_error(err, "slice", "a list or a string", v[0]);
	if (v_type(v[1]) != V_NUM || (n > 2 && v_type(v[2]) != V_NUM))
		return type_error(err, "slice", "number indices", v_type(v[1]) != V_NUM ? v[1] : v[2]);
	for (i = 0; t == V_STR && i < v_str_len(v[0]); i++)
		len += ((unsigned char)v_as_str(v[0])[i] & 0xC0) != 0x80;
	if (t == V_LIST)
		len = v_len(v[0]);
	s = v_as_num(v[1]);
	e = n > 2 ? v_as_num(v[2]) : (double)len;
	if (s != floor(s) || e != floor(e)) {
		*err = xstrdup("slice: indices must be whole numbers");
		return NULL;
	}
	s = s < 0 ? s + (double)len : s;
	e = e < 0 ? e + (double)len : e;
	s = s < 0 ? 0 : s > (double)len ? (double)len : s;
	e = e < s ? s : e > (double)len ? (double)len : e;
	if (t == V_STR) {
		const char *str = v_as_str(v[0]);
		size_t sl = v_str_len(v[0]), from = char_offset(str, sl, (size_t)s);
		return v_strn(str + from, char_offset(str, sl, (size_t)e) - from);
	}
	value *r = v_list();
	for (i = (size_t)s; i < (size_t)e; i++)
		v_list_push(r, v_list_get(v[0], i));
	return r;
}

/* the list argument of a list function: a list, or null for [] */
static int list_arg(const value *l, const char *who, char **err)
{
	if (v_type(l) == V_LIST || v_type(l) == V_NULL)
		return 0;
	type_error(err, who, "list", l);
	return -1;
}

typedef struct keyed {
	const value *key;
	char *json;             /* unique(): the item's JSON text */
	size_t i;               /* its position: ties keep the order */
} keyed;

static int json_cmp(const void *x, const void *y)
{
	const keyed *a = x, *b = y;
	int c = strcmp(a->json, b->json);

	return c ? c : a->i < b->i ? -1 : a->i > b->i;
}

/* unique(list): the items whose JSON text was not seen before */
static value *f_unique(value **v, size_t n, char **err)
{
	size_t len, i;
	keyed *k;
	char *keep;
	value *r;

	if (list_arg(v[0], "unique", err) < 0)
		return NULL;
	len = v_len(v[0]);
	k = xcalloc(len ? len : 1, sizeof(*k));
	keep = xcalloc(len ? len : 1, 1);
	for (i = 0; i < len; i++) {
		k[i].json = v_to_json(v_list_get(v[0], i));
		k[i].i = i;
	}
	qsort(k, len, sizeof(*k), json_cmp);
	for (i = 0; i < len; i++)
		keep[k[i].i] = i == 0 || strcmp(k[i].json, k[i - 1].json) != 0;
	r = v_list();
	for (i = 0; i < len; i++) {
		if (keep[i])
			v_list_push(r, v_list_get(v[0], i));
		free(k[i].json);
	}
	free(k);
	free(keep);
	return r;
}

/*
 * Can keys[0..n) be ordered: all numbers (not NaN), all strings, all
 * durations or all timestamps?  0, or -1 with *err naming the first item
 * that cannot (items count from 1).
 */
static int orderable(const keyed *k, size_t n, const char *who, char **err)
{
	for (size_t i = 0; i < n; i++) {
		vtype t = v_type(k[i].key);

		if (t != V_NUM && t != V_STR && t != V_DUR && t != V_TIME) {
			*err = xasprintf("%s: item %zu is a %s: only numbers, strings, durations and "
					 "timestamps are ordered", who, k[i].i + 1, v_type_name(k[i].key));
			return -1;
		}
		if (t == V_NUM && isnan(v_as_num(k[i].key))) {
			*err = xasprintf("%s: item %zu is NaN, which is not ordered", who, k[i].i + 1);
			return -1;
		}
		if (t != v_type(k[0].key)) {
			*err = xasprintf("%s: cannot order a %s (item %zu) and a %s (item %zu)", who,
					 v_type_name(k[0].key), k[0].i + 1, v_type_name(k[i].key),
					 k[i].i + 1);
			return -1;
		}
	}
	return 0;
}

static int keyed_cmp(const void *x, const void *y)
{
	const keyed *a = x, *b = y;
	int c = loose_cmp(a->key, b->key);

	if (c == C_LT || c == C_GT)
		return c;
	return a->i < b->i ? -1 : a->i > b->i;
}

/*
 * The keys to order v's items (or the arguments) by: the items, or their
 * field when field is not NULL.  NULL with *err when an item has no such
 * field or the keys are not orderable.
 */
static keyed *order_keys(value **items, size_t n, const char *field, const char *who,
			 char **err)
{
	keyed *k = xcalloc(n ? n : 1, sizeof(*k));

	for (size_t i = 0; i < n; i++) {
		k[i].i = i;
		k[i].key = items[i];
		if (field && (v_type(items[i]) != V_OBJ || !(k[i].key = obj_lookup(items[i], field)))) {
			*err = xasprintf("%s: item %zu has no field '%s'", who, i + 1, field);
			free(k);
			return NULL;
		}
	}
	if (orderable(k, n, who, err) < 0) {
		free(k);
		return NULL;
	}
	return k;
}

/* a list's items as an array (borrowed; *n of them; NULL when empty) */
static value **items_of(const value *l, size_t *n)
{
	value **it;

	*n = v_type(l) == V_LIST ? v_len(l) : 0;
	if (!*n)
		return NULL;
	it = xmalloc(*n * sizeof(*it));
	for (size_t i = 0; i < *n; i++)
		it[i] = v_list_get(l, i);
	return it;
}

static value *f_sort(value **v, size_t n, char **err)
{
	size_t len;
	value **it, *r = NULL;
	keyed *k;

	if (list_arg(v[0], "sort", err) < 0)
		return NULL;
	if (n > 1 && v_type(v[1]) != V_STR)
		return type_error(err, "sort", "a field name", v[1]);
	it = items_of(v[0], &len);
	k = order_keys(it, len, n > 1 ? v_as_str(v[1]) : NULL, "sort", err);
	if (k) {
		qsort(k, len, sizeof(*k), keyed_cmp);
		r = v_list();
		for (size_t i = 0; i < len; i++)
			v_list_push(r, it[k[i].i]);
	}
	free(k);
	free(it);
	return r;
}

/* min and max: of a list's items, or of the arguments */
static value *extreme(value **v, size_t n, const char *who, int want, char **err)
{
	size_t len = n, best = 0;
	value **it = v, *r = NULL;
	keyed *k;

	if (n == 1) {
		if (list_arg(v[0], who, err) < 0)
			return NULL;
		it = items_of(v[0], &len);
		if (!len)
			return v_null();
	}
	k = order_keys(it, len, NULL, who, err);
	for (size_t i = 1; k && i < len; i++)
		if (loose_cmp(k[i].key, k[best].key) == want)
			best = i;
	if (k)
		r = v_retain(it[best]);
	free(k);
	if (it != v)
		free(it);
	return r;
}

static value *f_min(value **v, size_t n, char **err)
{
	return extreme(v, n, "min", C_LT, err);
}

static value *f_max(value **v, size_t n, char **err)
{
	return extreme(v, n, "max", C_GT, err);
}

static value *dur_result(double ms, char **err);

/* sum(list): of numbers, or of durations; [] is 0 */
static value *f_sum(value **v, size_t n, char **err)
{
	const value *l = v[0];
	double total = 0;
	int durs;

	if (list_arg(l, "sum", err) < 0)
		return NULL;
	durs = v_len(l) && v_type(v_list_get(l, 0)) == V_DUR;
	for (size_t i = 0; i < v_len(l); i++) {
		const value *it = v_list_get(l, i);

		if (v_type(it) != (durs ? V_DUR : V_NUM)) {
			char *q = quote_val(it, 40);
			*err = xasprintf("sum: item %zu is a %s ('%s'), not a %s%s", i + 1,
					 v_type_name(it), q, durs ? "duration" : "number",
					 v_type(it) == V_STR ? " (number() reads text)" : "");
			free(q);
			return NULL;
		}
		total += durs ? (double)v_as_dur(it) : v_as_num(it);
	}
	return durs ? dur_result(total, err) : v_num(total);
}

/* The value at a dotted path ('status.phase') of v, NULL when it has
 * none; '' is v itself.  Fields match as `.name` does. */
static value *at_path(value *v, const char *path)
{
	char *seg = xstrdup(path), *p = seg, *dot;

	for (; v && *path; p = dot + 1) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = v_type(v) == V_OBJ ? obj_lookup(v, p) : NULL;
		if (!dot)
			break;
	}
	free(seg);
	return v;
}

/* map(list, 'path'), and filter(list, 'path' [, value]) when filtering */
static value *map_filter(value **v, size_t n, const char *who, int filtering, char **err)
{
	value *r;

	if (list_arg(v[0], who, err) < 0)
		return NULL;
	if (v_type(v[1]) != V_STR)
		return type_error(err, who, "a field path ('status.phase')", v[1]);
	r = v_list();
	for (size_t i = 0; i < v_len(v[0]); i++) {
		value *it = v_list_get(v[0], i), *f = at_path(it, v_as_str(v[1]));

		if (!filtering)
			v_list_push(r, f ? f : v_null());
		else if (n > 2 ? loose_eq(f ? f : v_null(), v[2]) : f && v_truthy(f))
			v_list_push(r, it);
	}
	return r;
}

static value *f_map(value **v, size_t n, char **err)
{
	return map_filter(v, n, "map", 0, err);
}

static value *f_filter(value **v, size_t n, char **err)
{
	return map_filter(v, n, "filter", 1, err);
}

/* ------------------------------------------------------------------ */
/* timestamps */

static int64_t frozen_now = -1;

void expr_freeze_now(int64_t ms)
{
	frozen_now = ms;
}

static value *f_now(value **v, size_t n, char **err)
{
	return v_time(frozen_now >= 0 ? frozen_now : wall_ms());
}

static value *time_arg(const value *x, const char *who, char **err)
{
	int64_t ms;
	char *q;

	if (v_type(x) == V_TIME)
		return v_retain((value *)x);
	if (v_type(x) == V_NUM) {
		double s = v_as_num(x) * 1000;
		if (s >= (double)TS_MIN_MS && s <= (double)TS_MAX_MS)
			return v_time((int64_t)floor(s));
		*err = xasprintf("%s: %s seconds is not a time of the years 1 to 9999", who,
				 (q = quote_val(x, 40)));
		free(q);
		return NULL;
	}
	if (v_type(x) != V_STR)
		return type_error(err, who, "a timestamp, RFC 3339 text or Unix seconds", x);
	if (ts_parse(v_as_str(x), v_str_len(x), &ms) == 0)
		return v_time(ms);
	q = quote_val(x, 40);
	*err = xasprintf("%s: '%s' is not an RFC 3339 time (2024-05-01T12:00:00Z)", who, q);
	free(q);
	return NULL;
}

static value *f_parsetime(value **v, size_t n, char **err)
{
	return time_arg(v[0], "parseTime", err);
}

static const char *const day_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
};
static const char *const month_names[] = {
	"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December",
};

/* One conversion of a formatTime layout (c after its '%'); -1 when unknown. */
static int time_conv(sbuf *b, char c, int64_t ms, const ts_fields *f)
{
	switch (c) {
	case 'Y': sbuf_addf(b, "%04d", f->year); break;
	case 'y': sbuf_addf(b, "%02d", f->year % 100); break;
	case 'm': sbuf_addf(b, "%02d", f->month); break;
	case 'd': sbuf_addf(b, "%02d", f->day); break;
	case 'e': sbuf_addf(b, "%2d", f->day); break;
	case 'H': sbuf_addf(b, "%02d", f->hour); break;
	case 'M': sbuf_addf(b, "%02d", f->minute); break;
	case 'S': sbuf_addf(b, "%02d", f->second); break;
	case 'L': sbuf_addf(b, "%03d", f->ms); break;
	case 'j': sbuf_addf(b, "%03d", f->yday); break;
	case 'a': sbuf_addf(b, "%.3s", day_names[f->wday]); break;
	case 'A': sbuf_adds(b, day_names[f->wday]); break;
	case 'b': sbuf_addf(b, "%.3s", month_names[f->month - 1]); break;
	case 'B': sbuf_adds(b, month_names[f->month - 1]); break;
	case 'u': sbuf_addf(b, "%d", f->wday ? f->wday : 7); break;
	case 'w': sbuf_addf(b, "%d", f->wday); break;
	case 's': sbuf_addf(b, "%lld", (long long)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000))); break;
	case 'F': sbuf_addf(b, "%04d-%02d-%02d", f->year, f->month, f->day); break;
	case 'T': sbuf_addf(b, "%02d:%02d:%02d", f->hour, f->minute, f->second); break;
	case 'z': sbuf_adds(b, "+0000"); break;
	case 'Z': sbuf_adds(b, "UTC"); break;
	case '%': sbuf_addc(b, '%'); break;
	default: return -1;
	}
	return 0;
}

static value *f_formattime(value **v, size_t n, char **err)
{
	value *t = time_arg(v[0], "formatTime", err);
	const char *lay;
	size_t ln;
	sbuf b = { 0 };
	ts_fields f;

	if (!t)
		return NULL;
	if (n > 1 && v_type(v[1]) != V_STR) {
		v_release(t);
		return type_error(err, "formatTime", "a layout string", v[1]);
	}
	lay = n > 1 ? v_as_str(v[1]) : "rfc3339";
	ln = n > 1 ? v_str_len(v[1]) : 7;
	if (!strcasecmp(lay, "rfc3339"))
		lay = "%FT%T.%LZ", ln = strlen(lay);
	ts_split(v_as_time(t), &f);
	for (size_t i = 0; i < ln; i++) {
		if (lay[i] != '%') {
			sbuf_addc(&b, lay[i]);
		} else if (i + 1 == ln || time_conv(&b, lay[i + 1], v_as_time(t), &f) < 0) {
			*err = i + 1 == ln ? xstrdup("formatTime: the layout ends in '%'")
					   : xasprintf("formatTime: unknown conversion '%%%c'", lay[i + 1]);
			sbuf_release(&b);
			v_release(t);
			return NULL;
		} else {
			i++;
		}
		if (too_big(b.len, err)) {
			sbuf_release(&b);
			v_release(t);
			return NULL;
		}
	}
	v_release(t);
	return sbuf_value(&b);
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

static value *dur_result(double ms, char **err)
{
	if (!(ms >= -9.2e18 && ms <= 9.2e18)) {
		*err = xstrdup("duration out of range");
		return NULL;
	}
	return v_dur((int64_t)llround(ms));
}

/* a + b of two lists: a's items, then b's */
static value *list_concat(const value *a, const value *b, char **err)
{
	size_t n = v_len(a) + v_len(b);
	value *r;

	if (too_big(n * sizeof(value *), err))
		return NULL;
	r = v_list();
	for (size_t i = 0; i < v_len(a); i++)
		v_list_push(r, v_list_get(a, i));
	for (size_t i = 0; i < v_len(b); i++)
		v_list_push(r, v_list_get(b, i));
	return r;
}

static value *time_result(double ms, char **err)
{
	if (!(ms >= (double)TS_MIN_MS && ms <= (double)TS_MAX_MS)) {
		*err = xstrdup("timestamp out of range (the years 1 to 9999)");
		return NULL;
	}
	return v_time((int64_t)ms);
}

/*
 * Durations and timestamps: d + d, d - d, d * n, n * d, d / n, d / d (a
 * number), t + d, d + t, t - d, t - t (a duration); a string in duration
 * or RFC 3339 syntax stands for one.  NULL with *err = NULL when the
 * operands are not of these kinds.
 */
static value *time_arith(int op, const value *a, const value *b, char **err)
{
	vtype ta = v_type(a), tb = v_type(b);
	int64_t x, y;

	if (ta == V_TIME || tb == V_TIME) {
		if (op == '+' && ta == V_TIME && v_dur_ms(b, &y) == 0)
			return time_result((double)v_as_time(a) + (double)y, err);
		if (op == '+' && tb == V_TIME && v_dur_ms(a, &x) == 0)
			return time_result((double)x + (double)v_as_time(b), err);
		if (op == '-' && ta == V_TIME && v_dur_ms(b, &y) == 0)
			return time_result((double)v_as_time(a) - (double)y, err);
		if (op == '-' && v_time_ms(a, &x) == 0 && v_time_ms(b, &y) == 0)
			return dur_result((double)x - (double)y, err);
		return NULL;
	}
	if ((op == '+' || op == '-') && (ta == V_DUR || tb == V_DUR) &&
	    v_dur_ms(a, &x) == 0 && v_dur_ms(b, &y) == 0)
		return dur_result(op == '+' ? (double)x + (double)y
					    : (double)x - (double)y, err);
	if (op == '*' && ta == V_DUR && tb == V_NUM)
		return dur_result((double)v_as_dur(a) * v_as_num(b), err);
	if (op == '*' && ta == V_NUM && tb == V_DUR)
		return dur_result(v_as_num(a) * (double)v_as_dur(b), err);
	if (op == '/' && ta == V_DUR && (tb == V_NUM || tb == V_DUR)) {
		double d = tb == V_NUM ? v_as_num(b) : (double)v_as_dur(b);
		if (d == 0) {
			*err = xstrdup("division by zero");
			return NULL;
		}
		return tb == V_DUR ? v_num((double)v_as_dur(a) / d)
				   : dur_result((double)v_as_dur(a) / d, err);
	}
	return NULL;
}

static value *arith(int op, const value *a, const value *b, char **err)
{
	vtype ta = v_type(a), tb = v_type(b);
	double da, db;
	value *r;

	if (op == '+' && ta == V_STR && tb == V_STR) {
		size_t la = v_str_len(a), lb = v_str_len(b);
		if (too_big(la + lb, err))
			return NULL;
		char *s = xmalloc(la + lb + 1);

		memcpy(s, v_as_str(a), la);
		memcpy(s + la, v_as_str(b), lb);
		return v_str_take(s, la + lb);
	}
	if (op == '+' && ta == V_LIST && tb == V_LIST)
		return list_concat(a, b, err);
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
	if ((r = time_arith(op, a, b, err)) || *err)
		return r;
	return op_error(err, op, a, b);
}

static value *binop(int op, const value *a, const value *b, char **err)
{
	int c;

	switch (op) {
	case T_EQ:
		return v_bool(loose_eq(a, b));
	case T_NE:
		return v_bool(!loose_eq(a, b));
	case '<': case '>': case T_LE: case T_GE:
		c = loose_cmp(a, b);
		if (c == C_BAD)
			return op_error(err, op, a, b);
		return v_bool(op == '<' ? c == C_LT : op == '>' ? c == C_GT :
			      op == T_LE ? c == C_LT || c == C_EQ : c == C_GT || c == C_EQ);
	default:
		return arith(op, a, b, err);
	}
}

/*
 * An index as GitHub Actions reads it: *key its text when it is a scalar
 * (NULL otherwise), *pos its number floored when that is a finite number
 * >= 0 (else -1): `x[null]` is x[0] of a list and x[''] of an object.
 * *key is malloc'd.
 */
static void index_of(const value *ix, char **key, double *pos)
{
	double d = gh_num(ix);
	size_t n;

	*key = is_scalar(ix) ? text_of(ix, &n) : NULL;
	*pos = isfinite(d) && d >= 0 ? floor(d) : -1;
}

/* base[ix] when base is a list or an object, NULL when there is no such
 * item (borrowed) */
static value *item_at(const value *base, const char *key, double pos)
{
	if (v_type(base) == V_LIST)
		return pos >= 0 && pos < (double)v_len(base) ? v_list_get(base, (size_t)pos) : NULL;
	if (v_type(base) == V_OBJ && key)
		return obj_lookup(base, key);
	return NULL;
}

/*
 * The object filter.  `base.*`: the items of a list (the list itself),
 * the values of an object, [] for anything else.  After another `.*`
 * (e->op), base is a filtered list and each of its lists and objects is
 * opened in turn.
 */
static value *star_value(const expr *e, const value *base)
{
	value *r;

	if (!e->op && v_type(base) == V_LIST)
		return v_retain((value *)base);
	r = v_list();
	if (!e->op && v_type(base) == V_OBJ)
		for (size_t i = 0; i < v_len(base); i++)
			v_list_push(r, v_obj_val(base, i));
	for (size_t i = 0; e->op && i < v_len(base); i++) {
		value *it = v_list_get(base, i);

		for (size_t j = 0; is_scalar(it) ? 0 : j < v_len(it); j++)
			v_list_push(r, v_type(it) == V_LIST ? v_list_get(it, j) : v_obj_val(it, j));
	}
	return r;
}

/* `.name` or `[ix]` after a `.*`: of each item of the filtered list that has it */
static value *filtered_access(const value *base, const char *key, double pos)
{
	value *r = v_list();

	for (size_t i = 0; i < v_len(base); i++) {
		value *it = item_at(v_list_get(base, i), key, pos);
		if (it)
			v_list_push(r, it);
	}
	return r;
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

/*
 * `.name`, `[ix]` and `.*`: what base holds (borrowed from it), or a
 * filtered list after a `.*`.  A list made from a secret's items is a
 * secret too; the items keep their own marks.
 */
static value *eval_access(const expr *e, const value *ctx, char **err)
{
	value *a = eval(e->a, ctx, err), *b = NULL, *r = NULL, *it;
	char *key = NULL;
	double pos = -1;

	if (!a)
		return NULL;
	if (e->kind == N_INDEX && !(b = eval(e->b, ctx, err))) {
		v_release(a);
		return NULL;
	}
	if (e->kind == N_STAR) {
		r = star_value(e, a);
	} else {
		if (b)
			index_of(b, &key, &pos);
		if (e->op) {
			r = filtered_access(a, b ? key : e->s, pos);
		} else {
			it = item_at(a, b ? key : e->s, pos);
			r = it ? v_retain(it) : v_null();
		}
		free(key);
	}
	if (e->kind == N_STAR || e->op)
		r = derived(r, v_is_secret(a) || (b && v_is_secret(b)), r != a);
	v_release(a);
	v_release(b);
	return r;
}

/* -x and +x: of a number or a duration */
static value *eval_sign(const expr *e, const value *ctx, char **err)
{
	value *a = eval(e->a, ctx, err), *r = NULL;

	if (!a)
		return NULL;
	if (v_type(a) == V_NUM)
		r = e->kind == N_POS ? v_retain(a) : v_num(-v_as_num(a));
	else if (v_type(a) == V_DUR)
		r = e->kind == N_POS ? v_retain(a) : dur_result(-(double)v_as_dur(a), err);
	else
		*err = xasprintf("cannot %s a %s", e->kind == N_POS ? "apply unary '+' to" : "negate",
				 v_type_name(a));
	r = derived(r, v_is_secret(a), r != a);
	v_release(a);
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
	case N_INDEX:
	case N_STAR:
		return eval_access(e, ctx, err);
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
	case N_POS:
		return eval_sign(e, ctx, err);
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
	eval_enter();
	value *r = eval(e, ctx, &msg);
	eval_leave();

	if (!r && !msg)
		msg = xstrdup("evaluation failed");
	if (err)
		*err = msg;
	else
		free(msg);
	return r;
}

/*
 * The static path of the reference e: `steps.x.outputs['y']` gives
 * {steps, x, outputs, y}, each with its offset; 0 when e is not a root
 * followed by names only, or past EXPR_PATH_MAX parts.  `*` (a filter
 * over every item) ends a static path.
 */
static size_t ref_path(const expr *e, expr_path *p)
{
	if (e->kind == N_ROOT) {
		p->part[0] = e->s;
		p->off[0] = e->off;
		return p->n = 1;
	}
	const char *name = e->kind == N_FIELD ? e->s
		: e->kind == N_INDEX && e->b->kind == N_STR ? e->b->s : NULL;
	if (!name || !strcmp(name, "*") || !ref_path(e->a, p) || p->n == EXPR_PATH_MAX)
		return p->n = 0;
	p->part[p->n] = name;
	p->off[p->n] = e->kind == N_FIELD ? e->off + 1 : e->b->off;
	return ++p->n;
}

static void walk(const expr *e, expr_path_cb cb, void *ud)
{
	expr_path p;

	if (!e)
		return;
	if (ref_path(e, &p)) {
		cb(ud, &p);
		return;
	}
	walk(e->a, cb, ud);
	walk(e->b, cb, ud);
	walk(e->c, cb, ud);
	for (size_t i = 0; i < e->nargs; i++)
		walk(e->args[i], cb, ud);
}

/* the root and second part of a path, for an expr_ref_cb */
typedef struct ref_adapter {
	expr_ref_cb cb;
	void *ud;
} ref_adapter;

static void ref_of_path(void *ud, const expr_path *p)
{
	ref_adapter *r = ud;
	r->cb(r->ud, p->part[0], p->n > 1 ? p->part[1] : NULL, p->off[0]);
}

/*
 * Report every root reference: `steps.build.status` gives ("steps",
 * "build"), `inputs['x']` gives ("inputs", "x"), a bare `env` gives
 * ("env", NULL).  Offsets are those of the root identifier.
 */
void expr_walk_refs(const expr *e, expr_ref_cb cb, void *ud)
{
	ref_adapter r = { cb, ud };
	walk(e, ref_of_path, &r);
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
	eval_enter();   /* its expressions share one budget of matching time */
	value *r = render(t, ctx, err);
	eval_leave();
	return r;
}

void tmpl_walk_paths(const tmpl *t, expr_path_cb cb, void *ud)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->segs[i].e)
			walk(t->segs[i].e, cb, ud);
}

void tmpl_walk_refs(const tmpl *t, expr_ref_cb cb, void *ud)
{
	ref_adapter r = { cb, ud };
	tmpl_walk_paths(t, ref_of_path, &r);
}
