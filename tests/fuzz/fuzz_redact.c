/*
 * fuzz_redact.c - the redactor (base/redact.h) must let no registered
 * secret through, in any of the forms redact.c's header says it covers.
 *
 * Input layout (libFuzzer mutates it freely; every byte string is valid):
 *   byte 0          flags: bits 0-2 = number of secrets - 1; bit 3: the
 *                   secrets are the values of a connection spec given to
 *                   redact_add_conn_spec(); bit 4: the last secret is added
 *                   with redact_add_derived(); bit 5: also cut the text with
 *                   redact_safe_cut() where the next byte says
 *   per secret      a length byte L, then L bytes
 *   the rest        the text, where byte 0x01 i e inserts form e of secret
 *                   i, 0x02 i p s inserts the base64 of (the next p%8
 *                   bytes, secret i, the next s%8 bytes): a secret inside a
 *                   larger base64 blob, as in HTTP Basic auth, and 0x03 i m
 *                   inserts secret i with the letter case the bits of m say
 *
 * The invariant, precisely.  redact_str() replaces each maximal run of
 * input bytes covered by an occurrence of a form with "***".  Its output
 * is therefore the uncovered stretches of the input, each one a substring
 * of the input, separated by masks.  Take a form F that contains no '*'.
 * An occurrence of F in the output cannot overlap a mask (masks are all
 * '*'), so it lies inside one uncovered stretch, so it also occurs in the
 * input, where every occurrence is covered: contradiction.  The same holds
 * for a form matched in any letter case (whether bytes match depends on
 * those bytes alone).  Hence:
 *
 *   no '*'-free form of a registered secret occurs in the output.
 *
 * With a '*' in the form this is false for any mask-based redactor (the
 * secret "**" is inside every mask; "a*" is "a" followed by a mask), so
 * secrets get every '*' replaced by '#' before they are registered (the
 * text keeps its '*'s, and then no form contains one: the encoded forms
 * never do).  The forms checked are the claimed ones, computed here
 * independently of redact.c: the raw bytes in any ASCII letter case (and,
 * for a valid UTF-8 secret with non-ASCII letters, as a PCRE2 caseless
 * literal); base64 standard and URL-safe, padded and not; JSON-escaped in
 * all sixteen combinations of ASCII-only (for valid UTF-8), HTML-safe
 * (& < >), escaped '/' and upper-case \u digits, plus cJSON's own output;
 * URL-encoded with upper and lower-case digits, and the form encoding ('+'
 * for space); hex in both cases, bare and with ':' between bytes; and, for
 * secrets of 4 bytes or more, the three base64 "cores" (the characters
 * that encode only the secret's bits, at each offset modulo 3 in a larger
 * blob).
 *
 * Also: redact_contains() is true exactly when the output differs from the
 * input, and finds nothing in the output.  A derived value is covered
 * after redact_add_derived() (a secret of its own unless it held a known
 * form).  redact_safe_cut() cuts at most where asked, through no
 * occurrence of a claimed form, and is a fixed point there.  For a
 * connection spec: every string under a key that names a credential
 * (password, secret, token, authorization, api-key, apikey, cookie) is a
 * registered secret (redact_str() of it is exactly "***"), and so is the
 * token of "Bearer <token>"; and the password libpq (PQconninfoParse:
 * postgres URIs and key=value strings) or libcurl (curl_url: http and https
 * URLs, which the http primitive hands to libcurl) would use is a
 * registered secret.
 */
#include "fuzz.h"
#include "base/arena.h"
#include "base/redact.h"
#include "base/value.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <libpq-fe.h>
#include <pcre2.h>
#include <strings.h>

#define MAX_SECRETS 8
#define NENC 28         /* the forms of form() */

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

/* RFC 3629: the code point at s[i..n) and its length, or -1 */
static long utf8_at(const unsigned char *s, size_t i, size_t n, size_t *len)
{
	static const long min[] = { 0, 0x80, 0x800, 0x10000 };
	size_t need = s[i] >= 0xF0 ? 3 : s[i] >= 0xE0 ? 2 : s[i] >= 0xC0 ? 1 : 0;
	long cp = s[i] & (0x7F >> need);

	*len = 1;
	if (s[i] < 0x80)
		return s[i];
	if ((s[i] & 0xC0) == 0x80 || s[i] > 0xF7)
		return -1;
	for (size_t k = 1; k <= need; k++) {
		if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i + k] & 0x3F);
	}
	if (cp < min[need] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = need + 1;
	return cp;
}

static int utf8_ok(const char *s, size_t n, int *non_ascii)
{
	size_t i = 0, len;

	*non_ascii = 0;
	while (i < n) {
		if (utf8_at((const unsigned char *)s, i, n, &len) < 0)
			return 0;
		*non_ascii |= len > 1;
		i += len;
	}
	return 1;
}

enum { J_ASCII_ONLY = 1, J_HTML = 2, J_SLASH = 4, J_UPPER = 8 };

static void json_u(sbuf *b, long cp, int flags)
{
	if (flags & J_UPPER)
		sbuf_addf(b, "\\u%04lX", cp);
	else
		sbuf_addf(b, "\\u%04lx", cp);
}

/* JSON-escaped as the header says, with flags; 0 when not claimed (the
 * ASCII-only variants of bytes that are not UTF-8) */
static int json_form(const secret *s, int flags, sbuf *b)
{
	const unsigned char *p = (const unsigned char *)s->s;
	size_t i, len;
	int non_ascii;

	if ((flags & J_ASCII_ONLY) && !utf8_ok(s->s, s->n, &non_ascii))
		return 0;
	for (i = 0; i < s->n; i += len) {
		long cp = p[i];

		len = 1;
		switch (p[i]) {
		case '"': sbuf_adds(b, "\\\""); continue;
		case '\\': sbuf_adds(b, "\\\\"); continue;
		case '\b': sbuf_adds(b, "\\b"); continue;
		case '\f': sbuf_adds(b, "\\f"); continue;
		case '\n': sbuf_adds(b, "\\n"); continue;
		case '\r': sbuf_adds(b, "\\r"); continue;
		case '\t': sbuf_adds(b, "\\t"); continue;
		case '/': sbuf_adds(b, flags & J_SLASH ? "\\/" : "/"); continue;
		case '&': case '<': case '>':
			if (flags & J_HTML)
				json_u(b, cp, flags);
			else
				sbuf_addc(b, (char)p[i]);
			continue;
		}
		if (p[i] < 32) {
			json_u(b, cp, flags);
		} else if (p[i] < 0x80 || !(flags & J_ASCII_ONLY)) {
			sbuf_addc(b, (char)p[i]);
		} else {
			cp = utf8_at(p, i, s->n, &len);
			if (cp > 0xFFFF) {
				json_u(b, 0xD800 + ((cp - 0x10000) >> 10), flags);
				json_u(b, 0xDC00 + ((cp - 0x10000) & 0x3FF), flags);
			} else {
				json_u(b, cp, flags);
			}
		}
	}
	return 1;
}

/*
 * Form e of secret s into b (b is reset first).  Returns 0 when the form
 * is not claimed for this secret.
 */
static int form(const secret *s, int e, sbuf *b)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s->s;
	size_t i, n = s->n, len;
	char *t;

	b->len = 0;
	if (e == 0) {           /* raw (the caseless matches: raw_found) */
		sbuf_add(b, s->s, n);
		return 1;
	}
	if (e <= 4) {           /* base64: padded, unpadded, URL-safe both */
		t = b64(p, n, &len);
		if (e == 2 || e == 4)
			while (len && t[len - 1] == '=')
				len--;
		if (e >= 3)
			urlsafe(t, len);
		sbuf_add(b, t, len);
		free(t);
		return 1;
	}
	if (e <= 20)            /* JSON, the 16 combinations of flags */
		return json_form(s, e - 5, b);
	if (e <= 23) {          /* URL-encoded upper, lower; form encoding */
		for (i = 0; i < n; i++) {
			if (unreserved(p[i]))
				sbuf_addc(b, (char)p[i]);
			else if (e == 23 && p[i] == ' ')
				sbuf_addc(b, '+');
			else
				sbuf_addf(b, "%%%c%c", (e == 22 ? lo : up)[p[i] >> 4],
					  (e == 22 ? lo : up)[p[i] & 15]);
		}
		return 1;
	}
	if (e < NENC) {         /* hex: lower, upper, each bare and with ':' */
		const char *d = e % 2 ? up : lo;

		for (i = 0; i < n; i++) {
			if (i && e >= 26)
				sbuf_addc(b, ':');
			sbuf_addc(b, d[p[i] >> 4]);
			sbuf_addc(b, d[p[i] & 15]);
		}
		return 1;
	}
	return 0;
}

/* cJSON's own print of the secret's bytes (what the transcript holds) */
static int cjson_form(const secret *s, sbuf *b)
{
	cJSON *j;
	char *pr;

	b->len = 0;
	if (memchr(s->s, 0, s->n))
		return 0;       /* no cJSON string holds a NUL */
	j = cJSON_CreateString(s->s);
	pr = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	sbuf_add(b, pr + 1, strlen(pr) - 2);
	free(pr);
	return 1;
}

/* The base64 characters of secret s at offset k (mod 3) that encode its
 * bits alone, into b, standard alphabet; 0 when there are fewer than 4 */
static int core(const secret *s, size_t k, sbuf *b)
{
	unsigned char *buf;
	size_t start = (8 * k + 5) / 6, end = 8 * (k + s->n) / 6, len;
	char *t;

	b->len = 0;
	if (s->n < 4)
		return 0;
	buf = xmalloc(s->n + 3);
	memset(buf, 0xA5, k);           /* any filler: the core does not depend on it */
	memcpy(buf + k, s->s, s->n);
	t = b64(buf, k + s->n, &len);
	sbuf_add(b, t + start, end - start);
	free(t);
	free(buf);
	return 1;
}

/* The first occurrence at or after from of secret s's raw bytes (in any
 * ASCII letter case with fold), as [*at, *at + s->n); 0 when none. */
static int raw_found(const secret *s, int fold, const char *t, size_t tn, size_t from,
		     size_t *at)
{
	for (size_t i = from; s->n && i + s->n <= tn; i++) {
		size_t k = 0;

		while (k < s->n && (fold
				    ? tolower((unsigned char)t[i + k]) == tolower((unsigned char)s->s[k])
				    : t[i + k] == s->s[k]))
			k++;
		if (k == s->n) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/* For a valid UTF-8 secret with non-ASCII letters: its caseless pattern */
static pcre2_code *caseless_re(const secret *s)
{
	int non_ascii, ec;
	PCRE2_SIZE eo;

	if (!s->n || !utf8_ok(s->s, s->n, &non_ascii) || !non_ascii)
		return NULL;
	return pcre2_compile((PCRE2_SPTR)s->s, s->n, PCRE2_LITERAL | PCRE2_CASELESS | PCRE2_UTF |
			     PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
}

/* every occurrence [a, b) in t of a claimed form of secret s, to cb */
typedef void (*occ_cb)(void *ud, size_t a, size_t b, const char *what, size_t secret);

static void each_occurrence(const secret *sec, size_t si, const char *t, size_t tn,
			    occ_cb cb, void *ud)
{
	const secret *s = &sec[si];
	sbuf b = { 0 };
	size_t at = 0, from;
	pcre2_code *re;
	int fold = 1;   /* the raw bytes are claimed in any letter case */

	for (from = 0; raw_found(s, fold, t, tn, from, &at); from = at + 1)
		cb(ud, at, at + s->n, "raw (any case)", si);
	if (fold && (re = caseless_re(s))) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);

		for (from = 0; from < tn; ) {
			if (pcre2_match(re, (PCRE2_SPTR)t, tn, from, 0, md, NULL) <= 0)
				break;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			if (ov[1] > ov[0])
				cb(ud, ov[0], ov[1], "raw (caseless)", si);
			from = ov[0] + 1;
		}
		pcre2_match_data_free(md);
		pcre2_code_free(re);
	}
	for (int e = 1; e <= NENC; e++) {
		const char *p;

		if (!(e == NENC ? cjson_form(s, &b) : form(s, e, &b)) || !b.len)
			continue;
		for (from = 0; from < tn && (p = memmem(t + from, tn - from, b.buf, b.len));
		     from = (size_t)(p - t) + 1)
			cb(ud, (size_t)(p - t), (size_t)(p - t) + b.len, "encoded", si);
	}
	for (size_t k = 0; k < 3; k++) {
		for (int safe = 0; safe < 2 && core(s, k, &b); safe++) {
			const char *p;

			if (safe)
				urlsafe(b.buf, b.len);
			for (from = 0; from < tn && (p = memmem(t + from, tn - from, b.buf, b.len));
			     from = (size_t)(p - t) + 1)
				cb(ud, (size_t)(p - t), (size_t)(p - t) + b.len, "base64 core", si);
		}
	}
	sbuf_release(&b);
}

static void survives(void *ud, size_t a, size_t b, const char *what, size_t si)
{
	FUZZ_ASSERT(0, "%s: a %s form of secret %zu survives at %zu..%zu", (const char *)ud,
		    what, si, a, b);
}

static void no_form_in(const secret *sec, size_t nsec, const char *out, size_t outlen,
		       const char *where)
{
	for (size_t i = 0; i < nsec; i++)
		if (sec[i].n)
			each_occurrence(sec, i, out, outlen, survives, (void *)where);
}

struct cut {
	size_t cut;
};

static void straddles(void *ud, size_t a, size_t b, const char *what, size_t si)
{
	size_t cut = ((struct cut *)ud)->cut;

	FUZZ_ASSERT(!(a < cut && b > cut), "redact_safe_cut at %zu splits a %s form of secret %zu "
		    "(%zu..%zu)", cut, what, si, a, b);
}

/* s is covered: redact_str() of it is exactly the mask */
static void covered(const redactor *r, const char *s, size_t n, const char *what)
{
	char *out;
	size_t on;

	if (!n || memchr(s, '*', n))
		return;
	out = redact_str(r, s, n, &on);
	FUZZ_ASSERT(on == 3 && !memcmp(out, REDACT_MASK, 3), "%s '%.*s' is not a registered "
		    "secret (-> '%s')", what, (int)n, s, out);
	free(out);
}

/* the password a library would use for connection string url is covered */
static void check_url(const redactor *r, const char *url)
{
	int uri = !strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11);

	if (uri || strchr(url, '=')) {
		char *err = NULL;
		PQconninfoOption *o = NULL, *p;

		o = PQconninfoParse(url, &err);
		for (p = o; p && p->keyword; p++)
			if (!strcmp(p->keyword, "password") && p->val)
				covered(r, p->val, strlen(p->val), "the password libpq finds");
		PQconninfoFree(o);
		PQfreemem(err);
	}
	/* http connections and steps hand their URL to libcurl */
	if (!strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8)) {
		CURLU *u = curl_url();
		char *pw = NULL;

		if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
			if (curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK && pw)
				covered(r, pw, strlen(pw), "the password libcurl finds");
			curl_free(pw);
			pw = NULL;
			if (curl_url_get(u, CURLUPART_PASSWORD, &pw, CURLU_URLDECODE) == CURLUE_OK && pw)
				covered(r, pw, strlen(pw), "the password libcurl finds (decoded)");
			curl_free(pw);
		}
		curl_url_cleanup(u);
	}
}

/* the keys of a connection spec; those that name a credential come first */
static const char *const spec_keys[] = {
	"password", "client-secret", "token", "Authorization", "X-Api-Key", "apikey", "Cookie",
	"url", "dsn", "user", "brokers", "headers"
};
#define NCRED 7

static int names_credential(const char *k)
{
	static const char *const words[] = { "password", "secret", "token", "authorization",
					     "api-key", "apikey", "cookie" };
	for (size_t i = 0; i < sizeof words / sizeof *words; i++)
		if (strcasestr(k, words[i]))
			return 1;
	return 0;
}

/* secrets as a connection spec: {key: value, ..., headers: {key: value}} */
static value *make_spec(const secret *sec, size_t nsec)
{
	value *spec = v_obj(), *headers = v_obj();

	for (size_t i = 0; i < nsec; i++) {
		const char *k = spec_keys[(sec[i].n + i) % (sizeof spec_keys / sizeof *spec_keys)];
		value *v = v_str(sec[i].s);     /* up to a NUL, as any spec string */

		if (!strcmp(k, "headers"))
			v_obj_set_take(headers, spec_keys[i % NCRED], v);
		else
			v_obj_set_take(spec, k, v);
	}
	v_obj_set_take(spec, "headers", headers);
	return spec;
}

static void check_spec(const redactor *r, const value *v, int cred)
{
	if (v_type(v) == V_STR) {
		const char *s = v_as_str(v), *sp = strchr(s, ' ');

		if (cred) {
			covered(r, s, strlen(s), "a value under a credential key");
			if (sp && sp[1])
				covered(r, sp + 1, strlen(sp + 1), "the token of a credential");
		}
		check_url(r, s);
	} else if (v_type(v) == V_OBJ) {
		for (size_t i = 0; i < v_len(v); i++)
			check_spec(r, v_obj_val(v, i), cred || names_credential(v_obj_key(v, i)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	secret sec[MAX_SECRETS];
	size_t nsec, nreg, i, pos = 1;
	int spec_mode, derived_mode, cut_mode, derived_known = 0;
	uint8_t cut_at = 0;
	redactor *r;
	sbuf text = { 0 }, b = { 0 };
	value *spec = NULL;
	char *out;
	size_t outlen;

	if (!size)
		return 0;
	nsec = (data[0] & 7) + 1;
	spec_mode = data[0] & 8;
	derived_mode = data[0] & 16;
	cut_mode = data[0] & 32;
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
	if (cut_mode && pos < size)
		cut_at = data[pos++];

	r = redactor_new();
	nreg = nsec;
	if (spec_mode) {
		spec = make_spec(sec, nsec);
		redact_add_conn_spec(r, spec);
	} else {
		for (i = 0; i + (derived_mode ? 1 : 0) < nsec; i++)
			redact_add(r, sec[i].s, sec[i].n);
		if (derived_mode) {
			const secret *d = &sec[nsec - 1];

			/* a secret of its own, unless it holds a form of a known one */
			derived_known = redact_contains(r, d->s, d->n);
			redact_add_derived(r, d->s, d->n);
			if (d->n)
				FUZZ_ASSERT(redact_contains(r, d->s, d->n),
					    "a derived value is not covered after redact_add_derived");
			if (derived_known)
				nreg = nsec - 1;
		}
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
		} else if (c == 3 && pos + 2 <= size) {
			const secret *s = &sec[data[pos] % nsec];
			uint8_t m = data[pos + 1];

			for (size_t j = 0; j < s->n; j++) {
				unsigned char ch = (unsigned char)s->s[j];
				sbuf_addc(&text, (char)(m >> (j % 8) & 1 ? toupper(ch) : tolower(ch)));
			}
			pos += 2;
		} else {
			sbuf_addc(&text, (char)c);
		}
	}

	out = redact_str(r, text.buf, text.len, &outlen);
	if (spec_mode) {
		/* what is registered is what the redactor found in the spec (a
		 * percent-decoded password may hold a '*'): judge that */
		check_spec(r, spec, 0);
		v_release(spec);
	} else {
		no_form_in(sec, nreg, out, outlen, "redact_str");
		FUZZ_ASSERT(!redact_contains(r, out, outlen), "a registered form survives");
		FUZZ_ASSERT(redact_contains(r, text.buf, text.len) ==
			    (outlen != text.len || memcmp(out, text.buf ? text.buf : "", outlen)),
			    "redact_contains disagrees with redact_str");
		if (cut_mode) {
			size_t want = text.len * cut_at / 255;
			struct cut c = { redact_safe_cut(r, text.buf ? text.buf : "", text.len, want) };

			FUZZ_ASSERT(c.cut <= want, "redact_safe_cut(%zu) cut at %zu", want, c.cut);
			for (i = 0; i < nreg; i++)
				if (sec[i].n)
					each_occurrence(sec, i, text.buf ? text.buf : "", text.len,
							straddles, &c);
			FUZZ_ASSERT(redact_safe_cut(r, text.buf ? text.buf : "", text.len, c.cut) ==
				    c.cut, "a safe cut at %zu is not safe to cut at again", c.cut);
		}
	}
	free(out);
	sbuf_release(&text);
	sbuf_release(&b);
	redactor_free(r);
	for (i = 0; i < nsec; i++)
		free(sec[i].s);
	return 0;
}
