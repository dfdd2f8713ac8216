/*
 * fuzz_redact.c - the redactor (redact.h) must let no registered secret
 * through, in any of the forms redact.c's header says it covers.
 *
 * Input layout (libFuzzer mutates it freely; every byte string is valid):
 *   byte 0          flags: bits 0-2 = number of secrets - 1; bit 3: the
 *                   secrets are connection strings given to
 *                   redact_add_url_credentials()
 *   per secret      a length byte L, then L bytes
 *   the rest        the text, where byte 0x01 i e inserts form e of secret
 *                   i, and 0x02 i p s inserts the base64 of (the next p%8
 *                   bytes, secret i, the next s%8 bytes): a secret inside a
 *                   larger base64 blob, as in HTTP Basic auth
 *
 * The invariant, precisely.  redact_str() replaces each maximal run of
 * input bytes covered by an occurrence of a form with "***".  Its output
 * is therefore the uncovered stretches of the input, each one a substring
 * of the input, separated by masks.  Take a form F that contains no '*'.
 * An occurrence of F in the output cannot overlap a mask (masks are all
 * '*'), so it lies inside one uncovered stretch, so it also occurs in the
 * input, where every occurrence is covered: contradiction.  Hence:
 *
 *   no '*'-free form of a registered secret occurs in the output.
 *
 * With a '*' in the form this is false for any mask-based redactor (the
 * secret "**" is inside every mask; "a*" is "a" followed by a mask), so
 * secrets get every '*' replaced by '#' before they are registered (the
 * text keeps its '*'s, and then no form contains one: the encoded forms
 * never do).  The forms checked are the claimed ones, computed here
 * independently of redact.c: the raw bytes; base64 standard and URL-safe,
 * padded and not; JSON-escaped as cJSON prints it (and with upper-case
 * \u00XX); URL-encoded with upper and lower-case digits, and the form
 * encoding ('+' for space); hex in both cases; and, for secrets of 4 bytes
 * or more, the three base64 "cores" (the characters that encode only the
 * secret's bits, at each offset modulo 3 in a larger blob).
 *
 * Also: redact_contains() is true exactly when the output differs from
 * the input, and finds nothing in the output.  For the connection-string
 * mode, the password libpq (PQconninfoParse: postgres URIs and key=value
 * strings) or libcurl (curl_url: http and https URLs, which the http
 * primitive hands to libcurl) would use is a registered secret:
 * redact_str() of it is exactly "***".
 */
#include "fuzz.h"
#include "base/arena.h"
#include "base/redact.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <math.h>
#include <strings.h>

#define MAX_SECRETS 8
#define NENC 12

typedef struct secret {
	char *s;
	size_t n;
} secret;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* standard base64, padded; malloc'd, *len set */
static char *b64(const unsigned char *s, size_t n, size_t *len)
{
	char *o = xmalloc(4 * ((n + 2) / 3) + 1);
	size_t i, k = 0;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		o[k++] = B64[v >> 18 & 63];
		o[k++] = B64[v >> 12 & 63];
		o[k++] = B64[v >> 6 & 63];
		o[k++] = B64[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)s[i] << 16;
		o[k++] = B64[v >> 18 & 63];
		o[k++] = B64[v >> 12 & 63];
		o[k++] = '=';
		o[k++] = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8;
		o[k++] = B64[v >> 18 & 63];
		o[k++] = B64[v >> 12 & 63];
		o[k++] = B64[v >> 6 & 63];
		o[k++] = '=';
	}
	o[k] = 0;
	*len = k;
	return o;
}

static void urlsafe(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/*
 * Form e of secret s into b (b is reset first).  Returns 0 when the form
 * is not claimed for this secret (a JSON form of bytes with a NUL, which
 * no cJSON string holds).
 */
static int form(const secret *s, int e, sbuf *b)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s->s;
	size_t i, n = s->n, len;
	char *t;

	b->len = 0;
	switch (e) {
	case 0:         /* raw */
		sbuf_add(b, s->s, n);
		return 1;
	case 1: case 2: case 3: case 4: /* base64: padded, unpadded, URL-safe both */
		t = b64(p, n, &len);
		if (e == 2 || e == 4)
			while (len && t[len - 1] == '=')
				len--;
		if (e >= 3)
			urlsafe(t, len);
		sbuf_add(b, t, len);
		free(t);
		return 1;
	case 5: case 6: { /* JSON as cJSON prints it; upper-case \u00XX */
		cJSON *j;
		char *pr;

		if (memchr(s->s, 0, n))
			return 0;
		j = cJSON_CreateString(s->s);
		pr = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		len = strlen(pr);
		sbuf_add(b, pr + 1, len - 2);
		free(pr);
		if (e == 6)
			for (i = 0; i + 5 < b->len; i++) {
				if (b->buf[i] == '\\' && b->buf[i + 1] == 'u') {
					b->buf[i + 4] = (char)toupper((unsigned char)b->buf[i + 4]);
					b->buf[i + 5] = (char)toupper((unsigned char)b->buf[i + 5]);
					i += 5;
				} else if (b->buf[i] == '\\') {
					i++;
				}
			}
		return 1;
	}
	case 7: case 8: case 9: /* URL-encoded upper, lower; form encoding */
		for (i = 0; i < n; i++) {
			if (unreserved(p[i]))
				sbuf_addc(b, (char)p[i]);
			else if (e == 9 && p[i] == ' ')
				sbuf_addc(b, '+');
			else
				sbuf_addf(b, "%%%c%c", (e == 8 ? lo : up)[p[i] >> 4],
					  (e == 8 ? lo : up)[p[i] & 15]);
		}
		return 1;
	case 10: case 11: /* hex */
		for (i = 0; i < n; i++) {
			sbuf_addc(b, (e == 10 ? lo : up)[p[i] >> 4]);
			sbuf_addc(b, (e == 10 ? lo : up)[p[i] & 15]);
		}
		return 1;
	}
	return 0;
}

/* The base64 characters of secret s at offset k (mod 3) that encode its
 * bits alone, into b, standard alphabet; 0 when there are fewer than 4 */
static int core(const secret *s, size_t k, sbuf *b)
{
	unsigned char *buf = xmalloc(s->n + 3);
	size_t start = (8 * k + 5) / 6, end = 8 * (k + s->n) / 6, len;
	char *t;

	b->len = 0;
	if (s->n < 4) {
		free(buf);
		return 0;
	}
	memset(buf, 0xA5, k);           /* any filler: the core does not depend on it */
	memcpy(buf + k, s->s, s->n);
	t = b64(buf, k + s->n, &len);
	sbuf_add(b, t + start, end - start);
	free(t);
	free(buf);
	return 1;
}

static void no_form_in(const secret *sec, size_t nsec, const char *out, size_t outlen,
		       const char *where)
{
	sbuf b = { 0 };

	for (size_t i = 0; i < nsec; i++) {
		for (int e = 0; e < NENC; e++)
			if (form(&sec[i], e, &b) && b.len)
				FUZZ_ASSERT(!memmem(out, outlen, b.buf, b.len),
					    "%s: form %d of secret %zu (%zu bytes) survives", where,
					    e, i, sec[i].n);
		for (size_t k = 0; k < 3; k++) {
			if (!core(&sec[i], k, &b))
				continue;
			FUZZ_ASSERT(!memmem(out, outlen, b.buf, b.len),
				    "%s: base64 core %zu of secret %zu survives", where, k, i);
			urlsafe(b.buf, b.len);
			FUZZ_ASSERT(!memmem(out, outlen, b.buf, b.len),
				    "%s: URL-safe base64 core %zu of secret %zu survives", where, k, i);
		}
	}
	sbuf_release(&b);
}

/* the password a library would use for connection string url is covered */
static void password_covered(const redactor *r, const char *pw, const char *who, const char *url)
{
	char *out;
	size_t n;

	if (!pw || !*pw || strchr(pw, '*'))
		return;
	out = redact_str(r, pw, strlen(pw), &n);
	FUZZ_ASSERT(n == 3 && !memcmp(out, REDACT_MASK, 3),
		    "the password %s finds in '%s' is not a registered secret ('%s' -> '%s')",
		    who, url, pw, out);
	free(out);
}

/*
 * Known open (tests/fuzz/regress/open.txt: redact/libpq-*): where the
 * redactor reads a connection string differently from libpq.
 *   URIs:  libpq has no fragment ('#' is data anywhere); its user info
 *          ends at the first '@' and may hold '?' (the redactor cuts at
 *          '?' and '#' and takes the last '@'); it percent-decodes query
 *          keys (pass%77ord=).
 *   DSNs:  libpq tells a URI by its prefix only (the redactor by a "://"
 *          anywhere: host=h password=a://b); a trailing backslash is
 *          dropped by libpq, kept by the redactor.
 * And (redact/curl-slashes) where it reads an http URL unlike libcurl:
 * libcurl skips a third slash (http:///user:pw@host), the redactor sees
 * an empty authority.
 * While these are open, fuzzing (RB_FUZZ_SKIP_OPEN, set by run.sh) skips
 * such strings so it can find something else; the replay of the
 * regression inputs never skips.
 */
static int libpq_known_open(const char *url, int uri)
{
	size_t n = strlen(url), bs = 0;

	if (!uri) {
		while (bs < n && url[n - 1 - bs] == '\\')
			bs++;
		return strstr(url, "://") || bs % 2;
	}
	const char *p = strstr(url, "://") + 3, *at = strchr(p, '@'), *slash = strchr(p, '/');
	const char *q = strchr(p, '?');

	if (strchr(p, '#') || (q && strchr(q, '%')))
		return 1;
	if (!at || (slash && slash < at))
		return 0;
	if (strcspn(p, "?") < (size_t)(at - p))
		return 1;
	return strcspn(at + 1, "@") < strcspn(at + 1, "/?");
}

static void check_url(const redactor *r, const char *url)
{
	static int skip_open = -1;

	if (skip_open < 0)
		skip_open = getenv("RB_FUZZ_SKIP_OPEN") != NULL;
	int uri = !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);

	if (uri || strchr(url, '=')) {
		char *err = NULL;
		PQconninfoOption *o = NULL, *p;

		if (!skip_open || !libpq_known_open(url, uri))
			o = PQconninfoParse(url, &err);
		for (p = o; p && p->keyword; p++)
			if (!strcmp(p->keyword, "password"))
				password_covered(r, p->val, "libpq", url);
		PQconninfoFree(o);
		PQfreemem(err);
	}
	/* http connections and steps hand their URL to libcurl */
	if ((!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) &&
	    !(skip_open && strstr(url, ":///") == strchr(url, ':'))) {
		CURLU *u = curl_url();
		char *pw = NULL;

		if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
			if (curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK)
				password_covered(r, pw, "libcurl", url);
			curl_free(pw);
			pw = NULL;
			if (curl_url_get(u, CURLUPART_PASSWORD, &pw, CURLU_URLDECODE) == CURLUE_OK)
				password_covered(r, pw, "libcurl (decoded)", url);
			curl_free(pw);
		}
		curl_url_cleanup(u);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	secret sec[MAX_SECRETS];
	size_t nsec, i, pos = 1;
	int url_mode;
	redactor *r;
	sbuf text = { 0 }, b = { 0 };
	char *out;
	size_t outlen;

	if (!size)
		return 0;
	nsec = (data[0] & 7) + 1;
	url_mode = data[0] & 8;
	for (i = 0; i < nsec; i++) {
		size_t n = pos < size ? data[pos++] : 0;

		if (n > size - pos)
			n = size - pos;
		sec[i].s = xstrndup((const char *)data + pos, n);
		sec[i].n = n;
		for (size_t j = 0; j < n; j++)
			if (sec[i].s[j] == '*')
				sec[i].s[j] = '#';
		pos += n;
	}
	r = redactor_new();
	if (url_mode) {
		/* connection strings: what redact_add_url_credentials() finds is what
		 * gets registered; the check is that libpq/libcurl agree */
		for (i = 0; i < nsec; i++)
			redact_add_url_credentials(r, sec[i].s);
	} else {
		for (i = 0; i < nsec; i++)
			redact_add(r, sec[i].s, sec[i].n);
	}

	while (pos < size) {
		uint8_t c = data[pos++];

		if (c == 1 && pos + 2 <= size) {
			const secret *s = &sec[data[pos] % nsec];
			if (form(s, data[pos + 1] % NENC, &b) && b.len)
				sbuf_add(&text, b.buf, b.len);
			pos += 2;
		} else if (c == 2 && pos + 3 <= size) {
			const secret *s = &sec[data[pos] % nsec];
			size_t pre = data[pos + 1] % 8, post = data[pos + 2] % 8, n, len;
			unsigned char *blob;
			char *enc;

			pos += 3;
			if (pre > size - pos)
				pre = size - pos;
			if (post > size - pos - pre)
				post = size - pos - pre;
			n = pre + s->n + post;
			blob = xmalloc(n + 1);
			memcpy(blob, data + pos, pre);
			memcpy(blob + pre, s->s, s->n);
			memcpy(blob + pre + s->n, data + pos + pre, post);
			pos += pre + post;
			enc = b64(blob, n, &len);
			sbuf_add(&text, enc, len);
			free(enc);
			free(blob);
		} else {
			sbuf_addc(&text, (char)c);
		}
	}

	out = redact_str(r, text.buf, text.len, &outlen);
	if (url_mode) {
		/* the secrets registered are those the redactor derived (a
		 * percent-decoded one may hold a '*'): judge the password a
		 * library would use */
		for (i = 0; i < nsec; i++)
			if (!memchr(sec[i].s, 0, sec[i].n))
				check_url(r, sec[i].s);
	} else {
		no_form_in(sec, nsec, out, outlen, "redact_str");
		FUZZ_ASSERT(!redact_contains(r, out, outlen), "a registered form survives");
		FUZZ_ASSERT(redact_contains(r, text.buf, text.len) ==
			    (outlen != text.len || memcmp(out, text.buf ? text.buf : "", outlen)),
			    "redact_contains disagrees with redact_str");
	}
	free(out);
	sbuf_release(&text);
	sbuf_release(&b);
	redactor_free(r);
	for (i = 0; i < nsec; i++)
		free(sec[i].s);
	return 0;
}
