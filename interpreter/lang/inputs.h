/*
 * inputs.h - the typed inputs of a run: from the command line, an inputs
 * file, a resumed run's record, the declared defaults, and secrets from
 * their `from:`.
 */
#ifndef RB_INPUTS_H
#define RB_INPUTS_H

#include "base/redact.h"
#include "base/value.h"
#include "lang/runbook.h"

/* one --input k=v */
typedef struct kv {
	const char *key, *val;
} kv;

/*
 * Inputs (inputs.c): resolve --input/--inputs/defaults/secrets into an
 * object value, validating types, patterns and enums.  Secrets are read
 * from env:/file: and added to red.  for_plan: secrets are not read, their
 * value is "***".  Returns NULL with diagnostics-style messages on stderr.
 */
typedef struct input_args {
	const kv *given;                /* --input k=v, in order (a name given twice is an error) */
	size_t ngiven;
	const char *file;               /* --inputs FILE (a YAML/JSON mapping), or NULL */
	const value *resumed;           /* the inputs a resumed run started with, or NULL */
} input_args;

value *inputs_resolve(const runbook *rb, const input_args *a, redactor *red,
		      int for_plan, char **err);

/*
 * One input's value converted to its declared type (text from the command
 * line, or a typed value from a file, a default or a fragment's `with:`):
 * a new value, or NULL with *err.  A list given as text is a JSON or YAML
 * flow list ("[a, b]") or a comma list ("a,b").  input_pattern_ok: does s match the
 * input's pcre2 pattern (0 with *err when the pattern is bad).
 */
value *input_coerce(const input_def *in, const value *v, char **err);
int input_pattern_ok(const char *pattern, const char *s, char **err);
/*
 * A value of the input's type (input_coerce's) against its pattern and
 * bounds (min, max; min-items, max-items): 1, or 0 with *err, which
 * quotes the value given (*** for a secret).  input_in_bounds: the
 * bounds alone.
 */
int input_check(const input_def *in, const value *v, char **err);
/* "input", or "field" for a manual step's field: the word for messages */
static inline const char *input_noun(const input_def *in)
{
	return in->field ? "field" : "input";
}
int input_in_bounds(const input_def *in, const value *v, char **err);

/*
 * The key of the run lock a run of rb with these (resolved) inputs takes:
 * its concurrency-key rendered over the inputs and the environment, else
 * its id.  Malloc'd; NULL with *err when the key renders empty or not as
 * a string.  (A run checks besides that no secret is in it.)
 */
char *inputs_run_key(const runbook *rb, const value *inputs, char **err);

#endif
