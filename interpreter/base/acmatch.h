/*
 * acmatch.h - many byte strings found in one pass (Aho-Corasick).
 *
 * An automaton over ASCII-case-folded bytes holds a set of patterns, each
 * found either exactly or with ASCII letters in any case.  A scan reads
 * each input byte once and reports, for every position where some pattern
 * ends, the longest pattern ending there (the shorter ones that end there
 * too lie inside it); occurrences that overlap are all reported.
 */
#ifndef RB_ACMATCH_H
#define RB_ACMATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct acmatch acmatch;

struct ac_pattern {
	const char *s;  /* kept by the caller while the automaton lives */
	size_t len;     /* > 0 */
	int fold;       /* 1: ASCII letters in any case; 0: these exact bytes */
};

/* The automaton of p[0..n) (NULL when n is 0).  Free with ac_free(). */
acmatch *ac_build(const struct ac_pattern *p, size_t n);
void ac_free(acmatch *a);
/* the longest pattern's length */
size_t ac_max_len(const acmatch *a);

/* A scan of s[0..len) in progress. */
struct ac_cursor {
	const unsigned char *s;
	size_t len, pos;
	uint32_t st;
};

void ac_begin(struct ac_cursor *c, const char *s, size_t len);
/* The next position where a pattern ends: 1 with [*start, *end) the
 * longest pattern ending there (*id: its index), or 0 at the end. */
int ac_next(const acmatch *a, struct ac_cursor *c, size_t *start, size_t *end, size_t *id);

#endif
