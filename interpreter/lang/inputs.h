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
	const kv *given;                /* --input k=v, in order (the last wins) */
	size_t ngiven;
	const char *file;               /* --inputs FILE (a YAML/JSON mapping), or NULL */
	const value *resumed;           /* the inputs a resumed run started with, or NULL */
} input_args;

value *inputs_resolve(const runbook *rb, const input_args *a, redactor *red,
		      int for_plan, char **err);

/*
 * One input's value converted to its declared type (text from the command
 * line, or a typed value from a file, a default or a fragment's `with:`):
 * a new value, or NULL with *err.  input_pattern_ok: does s match the
 * input's pcre2 pattern (0 with *err when the pattern is bad).
 */
value *input_coerce(const input_def *in, const value *v, char **err);
int input_pattern_ok(const char *pattern, const char *s, char **err);

#endif
