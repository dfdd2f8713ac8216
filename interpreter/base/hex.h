/*
 * hex.h - hexadecimal both ways, and percent-decoding (RFC 3986 `%XX`).
 */
#ifndef RB_HEX_H
#define RB_HEX_H

#include <stddef.h>

/* The value of the hex digit c (either case), -1 when c is not one.  Any
 * int is accepted: a char that is negative is simply not a digit. */
int hex_digit(int c);
/* b[0..n) as 2n lowercase hex digits into out[2n + 1], NUL-terminated */
void hex_encode(const void *b, size_t n, char *out);
/*
 * Percent-decode s[0..n) into out (room for n + 1 bytes), NUL-terminated;
 * returns the decoded length.  A '%' not followed by two hex digits is
 * kept as it is, and counted in *bad (may be NULL) for a caller that
 * rejects such text.
 */
size_t pct_decode(const char *s, size_t n, char *out, size_t *bad);

#endif
