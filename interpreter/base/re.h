/*
 * re.h - PCRE2 regular expressions, each pattern compiled once per process.
 *
 * Every pattern of the language goes through here: input patterns, the
 * `matches` matcher of `expect`, the matches() function of expressions.
 * A corpus repeats the same few patterns, and compiling is the costly
 * part of checking one, so the compiled forms are kept (by text and
 * options) for the life of the process, shared read-only between threads:
 * the first RE_CACHE_MAX of them; past that a pattern is compiled for the
 * one call and freed after it.  Patterns are always PCRE2_UTF.
 */
#ifndef RB_RE_H
#define RB_RE_H

#include <stddef.h>
#include <stdint.h>

#define RE_CACHE_MAX 512

/* options, added to PCRE2_UTF */
enum {
	RE_MULTILINE = 1,   /* ^ and $ match at every line */
	RE_INVALID_UTF = 2, /* a subject that is not UTF-8 can match where it is valid,
				 * instead of being an error */
};

/* Why a call failed; msg is PCRE2's own message. */
typedef struct re_error {
	int bad_pattern; /* the pattern does not compile; offset is in the pattern */
	int bad_subject; /* the subject is not valid UTF-8; offset is in the subject */
	size_t offset;
	char msg[256];
} re_error;

/* 0 when pat[0..len) compiles under opts, else -1 with *e */
int re_check(const char *pat, size_t len, int opts, re_error *e);
/*
 * Does pat[0..plen) match somewhere in s[0..n)?  1 yes, 0 no, -1 with *e
 * when PCRE2 cannot tell (a bad pattern, a subject that is not UTF-8,
 * the match limit).  limit: the backtracking budget of one attempt
 * (PCRE2's match limit), 0 for PCRE2's default.
 */
int re_match(const char *pat, size_t plen, int opts, const char *s, size_t n, uint32_t limit,
	     re_error *e);

#endif
