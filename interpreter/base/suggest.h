/*
 * suggest.h - "did you mean": the known name closest to a misspelt one.
 *
 * One rule for every hint the interpreter gives (unknown keys, steps,
 * inputs, connections, matchers, expression functions, kafka keys): the
 * first candidate that the word begins (3 characters at least: "idem" ->
 * "idempotent"), else the nearest by Damerau-Levenshtein distance (an
 * adjacent swap counts one) when it is at most 2 and less than the word's
 * length (so "a" does not suggest "id"), else the first candidate the word
 * begins with ("lenght" -> "len").  Ties go to the earlier candidate.
 *
 * The language's tables (matchers, step keys, lint rules...) are arrays
 * of rows whose first member is the row's name: suggest_rows() and
 * rows_find() read them as they are.
 */
#ifndef RB_SUGGEST_H
#define RB_SUGGEST_H

#include <stddef.h>

/* SUGGEST_NOCASE: letters compare without case ("tojson" -> "toJSON") */
enum { SUGGEST_NOCASE = 1 };

/*
 * The candidate closest to word, or NULL when none is close.  cands holds
 * n names; n == (size_t)-1: cands is NULL-terminated (a NULL also ends a
 * counted list).
 */
const char *suggest(const char *word, const char *const *cands, size_t n, int flags);

/*
 * The same over a table of n rows of `stride` bytes whose first member is
 * the row's name (const char *): suggest_rows(w, tbl, count, sizeof tbl[0], 0).
 */
const char *suggest_rows(const char *word, const void *rows, size_t n, size_t stride,
			 int flags);

/* the row named name in such a table, or NULL (first bytes compared
 * inline: most lookups miss on them) */
const void *rows_find(const char *name, const void *rows, size_t n, size_t stride);

/* optimal string alignment distance (Damerau-Levenshtein with adjacent
 * swaps); a large number for words over 64 bytes */
size_t suggest_distance(const char *a, const char *b, int flags);

#endif
