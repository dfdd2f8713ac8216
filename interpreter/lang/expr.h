/*
 * expr.h - the expression language and ${{ }} templates.
 *
 * Expressions are parsed once (at validation time, into the runbook arena)
 * and evaluated many times.  Evaluation never re-parses run-time values: a
 * string produced by a step is data, never a template.
 *
 * GitHub Actions' expressions, with its semantics where the two share a
 * construct (literals, precedence, loose equality, case-insensitive
 * strings, && and || giving the deciding operand, the object filter `.*`,
 * its functions), and extensions (`? :`, arithmetic, durations,
 * timestamps, list literals, the pipe, `matches`, more functions).
 * expr.c's top comment states the rules.
 *
 * Grammar (lowest to highest precedence):
 *   pipe     := cond ( '|' IDENT [ '(' args ')' ] )*    a | fn(b) == fn(a, b)
 *   cond     := or [ '?' pipe ':' cond ]                right associative
 *   or       := and ( '||' and )*
 *   and      := eq ( '&&' eq )*
 *   eq       := rel ( ('=='|'!=') rel )*
 *   rel      := add ( ('<'|'<='|'>'|'>='|'matches'|'contains') add )*
 *   add      := mul ( ('+'|'-') mul )*
 *   mul      := unary ( ('*'|'/'|'%') unary )*
 *   unary    := ('!'|'-'|'+') unary | postfix
 *   postfix  := primary ( '.' IDENT | '.' '*' | '[' '*' ']' | '[' pipe ']' )*
 *   primary  := NUMBER | DURATION | 'str' | "str" | true | false | null
 *             | NaN | Infinity | IDENT | IDENT '(' args ')'
 *             | '[' [pipe (',' pipe)*] ']' | '(' pipe ')'
 * Falsy (v_truthy): null, false, 0, NaN, '' and a zero duration.
 * Identifiers may contain '-' when not followed by a space (step ids such
 * as steps.check-health.status).  Function names ignore case; the table
 * of functions is in expr.c (expr_function() lists it).  `matches` uses
 * pcre2; patterns are compiled once and cached.
 */
#ifndef RB_EXPR_H
#define RB_EXPR_H

#include <stddef.h>
#include "base/arena.h"
#include "base/value.h"

typedef struct expr expr;

/* Parse src[0..len).  On error returns NULL, sets *err_off to the byte
 * offset of the problem in src and *err_msg to an arena string. */
expr *expr_parse(arena *a, const char *src, size_t len,
		 size_t *err_off, const char **err_msg);

/*
 * The evaluation context: an object value whose keys are the root names
 * (inputs, env, steps, result, run).  Unknown roots are an error.
 * On error returns NULL and sets *err (malloc'd message, caller frees).
 */
value *expr_eval(const expr *e, const value *ctx, char **err);

/*
 * Walk every reference path rooted at an identifier, for validation:
 * cb(ud, root, second, off) with root = "steps", second = "check-health"
 * (NULL when the path has no second static component), off = byte offset
 * of the reference in the source.
 */
typedef void (*expr_ref_cb)(void *ud, const char *root, const char *second,
			    size_t off);
void expr_walk_refs(const expr *e, expr_ref_cb cb, void *ud);
/*
 * The same with the whole static path: `steps.x.outputs['y'] | trim`
 * gives {steps, x, outputs, y} and the byte offset of each part (the
 * path stops before an index that is not a string literal, and at `*`).
 */
#define EXPR_PATH_MAX 8
typedef struct expr_path {
	const char *part[EXPR_PATH_MAX];
	size_t off[EXPR_PATH_MAX];
	size_t n;
} expr_path;
typedef void (*expr_path_cb)(void *ud, const expr_path *p);

/*
 * Where values computed from secrets go: fn(ud, s, n) is called for each
 * string an expression derives from a secret (the executor and `plan`
 * register them with their redactor).  NULL: nowhere.  Process-wide.
 */
void expr_set_secret_sink(void (*fn)(void *ud, const char *s, size_t n), void *ud);
/* What now() returns: ms since the epoch from here on, so that two
 * renderings (the two plans `runbook diff` compares) see one instant; a
 * negative ms: the wall clock again (the default).  Process-wide. */
void expr_freeze_now(int64_t ms);

/* The i-th built-in function (for docs and help): name, arity (max
 * (size_t)-1: variadic) and a one-line doc; NULL when i is past the end. */
const char *expr_function(size_t i, size_t *min, size_t *max, const char **doc);

/* ---- templates: "text ${{ expr }} text" ---- */

typedef struct tmpl tmpl;

/*
 * Parse a template.  Returns NULL with *err_off and *err_msg set on a syntax
 * error (unclosed ${{, bad expression).  A string without ${{ parses to a
 * template with one literal segment.
 */
tmpl *tmpl_parse(arena *a, const char *s, size_t len,
		 size_t *err_off, const char **err_msg);
int tmpl_is_literal(const tmpl *t);          /* no ${{ }} inside */
int tmpl_is_single_expr(const tmpl *t);      /* exactly one ${{ }}, nothing else */
/* Render: exactly one ${{ }} keeps its type; otherwise text. */
value *tmpl_render(const tmpl *t, const value *ctx, char **err);
/* Make t render as a URL: a value inside the path, query or fragment is
 * percent-encoded as one component; the literal text, and a value in the
 * scheme/host part or standing for the whole URL, stay as they are. */
void tmpl_mark_url(tmpl *t);
void tmpl_walk_refs(const tmpl *t, expr_ref_cb cb, void *ud);
void tmpl_walk_paths(const tmpl *t, expr_path_cb cb, void *ud);

/* Does s contain "${{" at all (fast pre-check) */
int has_template(const char *s, size_t len);

#endif
