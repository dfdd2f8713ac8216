/*
 * junit.h - a JUnit XML report, the format CI systems show as test
 * results: <testsuites> holding one <testsuite> of <testcase>s, each
 * passing, or failing with one or more <failure>s, with an optional
 * <system-out>.  `check --format junit` (a case per file and rule) and
 * `verify --format junit` (a case per check) both write it, valid against
 * Jenkins' junit-10.xsd (tests/schemas/).
 *
 * Text is given as it is and escaped here.
 */
#ifndef RB_JUNIT_H
#define RB_JUNIT_H

#include <stdio.h>
#include "base/arena.h"

typedef struct junit {
	sbuf cases;           /* the <testcase> elements so far */
	size_t tests, failed; /* cases, and cases with a failure */
	size_t errors;        /* cases with an error (could not be run) */
	double seconds;       /* the cases' times, summed */
	int open;             /* a case is begun: 1 before its first child, 2 after */
	int case_failed, case_error;
} junit;

/*
 * s XML-escaped onto b, fit for an attribute or element text: & < > " '
 * as entities, tab and newline as character references (so they survive
 * in an attribute), any other control character as a space.
 */
void xml_escape(sbuf *b, const char *s);

/* Begin a testcase (j zeroed before the first) that took seconds (< 0:
 * no time attribute). */
void junit_case(junit *j, const char *classname, const char *name, double seconds);
/* A failure of the current case: its message, and optionally its type
 * and its text (NULL: left out). */
void junit_failure(junit *j, const char *message, const char *type, const char *text);
/* The same as an <error>: the case could not be run at all. */
void junit_error(junit *j, const char *message, const char *type, const char *text);
/* The current case's output (once, after its failures). */
void junit_output(junit *j, const char *text);
/*
 * Print the report (the last case is ended first) as one suite, with
 * properties (name, value pairs, NULL-terminated; may be NULL), and
 * release j.
 */
void junit_print(FILE *out, junit *j, const char *suite, const char *const *properties);

#endif
