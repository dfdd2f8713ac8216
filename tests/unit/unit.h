/*
 * unit.h - a minimal unit-test kit.  Each test_*.c has main() calling
 * CHECK()s; unit_done() prints "N passed, N failed" and returns the exit
 * status.
 */
#ifndef RB_UNIT_H
#define RB_UNIT_H
#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;
#define CHECK(cond) do { if (cond) unit_pass++; else { unit_fail++; \
	fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (a_ && b_ && strcmp(a_, b_) == 0) unit_pass++; else { unit_fail++; \
	fprintf(stderr, "%s:%d: expected \"%s\", got \"%s\"\n", __FILE__, __LINE__, \
		b_ ? b_ : "(null)", a_ ? a_ : "(null)"); } } while (0)
static inline int unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_pass, unit_fail);
	return unit_fail ? 1 : 0;
}
#endif
