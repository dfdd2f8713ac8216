/*
 * utf8.h - UTF-8 as RFC 3629 defines it (no overlongs, no surrogates,
 * nothing above U+10FFFF).  Every transcript line must be valid UTF-8 JSON
 * (RFC 8259), while a child may print any bytes.
 */
#ifndef RB_UTF8_H
#define RB_UTF8_H

#include <stddef.h>

/* The code point of the sequence at s[i..n), its length in *len; -1 when
 * the bytes there are not valid UTF-8 (*len is then 1). */
long utf8_decode(const unsigned char *s, size_t i, size_t n, size_t *len);
int utf8_valid(const char *s, size_t n);
/* A malloc'd copy of s[0..n) with every invalid byte replaced by U+FFFD
 * (*outn its length), or NULL when s is valid already. */
char *utf8_sanitize(const char *s, size_t n, size_t *outn);

#endif
