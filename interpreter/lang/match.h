/*
 * match.h - the matchers of `expect`, one row each.
 *
 *   expect:
 *     status: { in: [200, 204] }        the matcher `in`, its operand a list
 *
 * The table is the language's list of matchers: validation reads the
 * names (unknown ones, "did you mean") and the operand each takes,
 * run/expect.c evaluates them through the rows' functions, `runbook
 * schema` and `runbook reference` print them with their docs.  To add a
 * matcher, add a row (and its function) in match.c: nothing else lists
 * them.
 *
 * The functions are pure over values (base/value.h): they judge an actual
 * value against an expected one and append what they judged to a list of
 * records {path, op, expected, actual, ok}, the transcript's `matchers`.
 *
 * Objects are judged by field maps: under `any`, `all`, `not` and
 * `json:`, a mapping whose keys are all matcher names is a matcher object;
 * any other mapping is a field map, each key a path into the value
 * ("name", "spec.replicas", "ports[0]") and each value a literal, a
 * matcher object or a field map in turn:
 *
 *   rows: { any: { name: web, replicas: { eq: 0 } } }
 *
 * A field named like a matcher is written as a path with a leading dot
 * (`.eq: 1`), which no matcher is called.
 */
#ifndef RB_MATCH_H
#define RB_MATCH_H

#include <stddef.h>
#include "base/value.h"

/* what a matcher takes as its operand (`in: [..]`: a list) */
enum match_operand {
	MO_VALUE,       /* a literal compared with the actual value */
	MO_LIST,        /* a list of literals, or one ${{ }} */
	MO_PATTERN,     /* a PCRE2 pattern string */
	MO_BOOL,        /* true or false, or one ${{ }} */
	MO_COUNT,       /* an int, or a matcher object judging the count */
	MO_MATCHER,     /* a literal, or a matcher object */
};

/* one judgement: a matcher's function reads and records through this */
typedef struct match_call {
	const char *path;       /* what is judged, for the records: "rows[0].status" */
	const char *op;         /* the matcher's name */
	value *exp;             /* the operand, rendered */
	value *act;             /* the actual value, NULL when the path is absent */
	value *recs;            /* the list the records go to */
	char **err;             /* set with -1 */
	int recorded;           /* set by a function that recorded its own judgement */
} match_call;

typedef struct matcher {
	const char *name;
	const char *doc;        /* one line, for the schema and the reference */
	int operand;            /* MO_* */
	int (*fn)(match_call *c);   /* 1 holds, 0 does not, -1 with *c->err */
} matcher;

extern const matcher matcher_table[];
extern const size_t matcher_count;

/* the row named name, or NULL */
const matcher *matcher_find(const char *name);
/* "a list", "a PCRE2 pattern"... for messages and docs */
const char *match_operand_name(int operand);

/* Is v a matcher object: a non-empty mapping whose keys are all matchers?
 * (Any other mapping is a literal, compared for equality.) */
int match_is_object(const value *v);

/*
 * Judge act (NULL: absent) at path with the matcher op and its operand
 * exp; the judgement is appended to recs.  1 holds, 0 does not, -1 with
 * *err (an unknown matcher, a pattern PCRE2 cannot run).
 */
int match_op(const char *path, const char *op, value *exp, value *act, value *recs,
	     char **err);
/* every matcher of the object m: 1 when all hold */
int match_object(const char *path, value *m, value *act, value *recs, char **err);
/* every field of the field map m, each at its path inside act (NULL:
 * absent) and recorded at path.field: 1 when all hold */
int match_fields(const char *path, value *m, value *act, value *recs, char **err);
/* exp judged against act: a matcher object, a field map (a non-empty
 * mapping with a key that is not a matcher), or a literal (eq) */
int match_value(const char *path, value *exp, value *act, value *recs, char **err);
/* "a.b[2].c" inside v (a leading '.' too; a negative index counts from
 * the end): a borrowed value, or NULL when absent */
value *match_path_get(value *v, const char *path);
/* append {path, op, expected, actual, ok} to recs */
void match_record(value *recs, const char *path, const char *op, const value *expected,
		  const value *actual, int ok);

#endif
