/*
 * expect.h - judging a step's result against its `expect`.
 */
#ifndef RB_EXPECT_H
#define RB_EXPECT_H

#include "base/value.h"
#include "lang/runbook.h"

/*
 * expect (expect.c): judge a result.  Returns 1 when every matcher holds,
 * 0 otherwise; *records receives a list of {path, op, expected, actual,
 * ok} objects (new reference).  -1 with *err on an evaluation error.
 */
int expect_eval(const step *st, const value *result, const value *ctx,
		value **records, char **err);

#endif
