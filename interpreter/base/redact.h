/*
 * redact.h - keep secrets out of everything we store or show.
 *
 * A redactor holds the raw secret values of a run (inputs of type secret,
 * credentials found in connection URLs/DSNs).  For each secret it also
 * derives the encoded forms a secret commonly leaks in: base64 (standard,
 * and URL-safe, each also without padding), JSON-escaped, URL-encoded
 * (percent) and hex.  redact_str() replaces every occurrence of any form by
 * "***" (longest forms first).  Short secrets are redacted too (a short
 * secret is still a secret).
 *
 * The transcript writer and the terminal printer call this on every string
 * they emit; a child's stdout/stderr is redacted before it is stored.
 */
#ifndef RB_REDACT_H
#define RB_REDACT_H

#include <stddef.h>

#define REDACT_MASK "***"

typedef struct redactor redactor;

redactor *redactor_new(void);
void redactor_free(redactor *r);
void redact_add(redactor *r, const char *secret, size_t len);
/* credentials inside a URL or libpq DSN: user:password@ and password=... */
void redact_add_url_credentials(redactor *r, const char *url);
int redact_count(const redactor *r);
/* the credentials inside a rendered connection spec (URL/DSN passwords,
 * values under password/secret/token/authorization... keys) */
struct value;
void redact_add_conn_spec(redactor *r, const struct value *spec);

/* Returns a malloc'd copy of s[0..len) with every secret form masked;
 * *outlen receives the length (may be NULL).  r may be NULL (plain copy). */
char *redact_str(const redactor *r, const char *s, size_t len, size_t *outlen);
/* Does s contain any secret form? */
int redact_contains(const redactor *r, const char *s, size_t len);

/* A value computed from a secret: added unless it holds a known form. */
void redact_add_derived(redactor *r, const char *s, size_t len);
/* the look-ahead a safe cut needs: the longest form's length, and more
 * for the caseless match of a non-ASCII secret */
size_t redact_max_form_len(const redactor *r);
/* The largest cut <= want of s[0..len) that splits no secret form;
 * cut BEFORE redacting, with want + redact_max_form_len() bytes read. */
size_t redact_safe_cut(const redactor *r, const char *s, size_t len, size_t want);

/* Form i of r: its bytes and how it is matched (0: exactly, 1: ASCII
 * letters in any case, 2: caseless with PCRE2); 0 past the last one.
 * For tests, which compare the one-pass scan with a form-by-form one. */
int redact_form(const redactor *r, size_t i, const char **s, size_t *len, int *how);

/* base64 (standard, padded) of len bytes, malloc'd; via OpenSSL EVP */
char *b64_encode(const unsigned char *s, size_t len);

#endif
