/*
 * redact.c - secret values and every form they leak in, masked as "***".
 *
 * A redactor is a list of "forms": byte strings that must never be shown.
 * redact_add() derives, from one secret, the forms a secret usually takes
 * on its way out of a program:
 *
 *   - the raw bytes, in any letter case (non-ASCII letters too);
 *   - base64: standard padded and unpadded, URL-safe padded and unpadded;
 *   - JSON-escaped as the common encoders write it: cJSON (\" \\ \b \f
 *     \n \r \t, other control bytes as \u00xx, non-ASCII kept), ASCII-only
 *     encoders (non-ASCII as \u00e4, surrogate pairs above U+FFFF), Go
 *     (& < > as \u0026 \u003c \u003e), PHP (/ as \/), with lower or upper
 *     case hex digits, and every combination of these;
 *   - URL-encoded: %XX for every byte outside A-Z a-z 0-9 - . _ ~ (upper
 *     and lower case hex digits), and the form encoding with '+' for space;
 *   - hex, lower and upper case, bare or with ':' between bytes.
 *
 * Base64 at another alignment.  A secret rarely gets base64-encoded alone:
 * HTTP Basic auth encodes "user:" + secret, a config blob encodes a whole
 * file.  Base64 maps 3 bytes to 4 characters, so the characters that encode
 * the secret depend on its offset modulo 3 in the encoded data.  For each
 * offset k = 0, 1, 2 we encode k filler bytes + secret and keep only the
 * "core": the characters whose 6 bits all come from the secret, i.e. from
 * character ceil(8k/6) up to, not including, floor(8(k+n)/6).  Whatever
 * surrounds the secret in the encoded data, one of the three cores appears
 * verbatim, so a secret inside any base64 blob is masked; the one or two
 * boundary characters left unmasked each carry at most 4 bits of the
 * secret.  (URL-safe variants of the cores are added too.)  Cores shorter
 * than MIN_CORE characters (secrets under 4 bytes) are not added: they would
 * mask unrelated text everywhere while protecting almost nothing.
 *
 * Masking (redact_str) finds every occurrence of every form in the input,
 * overlapping ones included, and replaces each maximal run of covered bytes
 * by one "***".  So the longest form always wins, forms that overlap cannot
 * leave a piece of a secret behind, and the input is scanned once: a mask is
 * never searched again.  Empty secrets are ignored.
 *
 * Secrets may be added at any time, also while a run is going (a primitive
 * learns a password when it opens a connection): a read-write lock lets
 * additions and lookups from several threads mix safely.
 */
#include "base/redact.h"
#include "base/acmatch.h"
#include "base/arena.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "base/value.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <curl/curl.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <pcre2.h>

#define MIN_CORE 4

/*
 * A form: bytes to find exactly, or -- for a secret's raw value -- in any
 * letter case (fold: ASCII letters compared case-insensitively, or, for a
 * secret with non-ASCII letters, a PCRE2 caseless literal pattern, whose
 * matches may differ in length).
 */
struct form {
	char *s;
	size_t len;
	int fold;
	pcre2_code *re;
};

struct redactor {
	struct form *forms;     /* longest first, no duplicates */
	size_t nforms, capforms;
	struct form *secrets;   /* the raw values, for redact_count */
	size_t nsecrets, capsecrets;
	/* every form without a PCRE2 pattern in one automaton; the others
	 * (caseless non-ASCII secrets, rare) by index.  Rebuilt on the first
	 * lookup after an addition (stale). */
	acmatch *ac;
	size_t *re, nre;
	int stale;
	pthread_rwlock_t lock;
};

static size_t find(const struct form *f, const char *s, size_t len, size_t from,
		   size_t *mlen);

/* lookups take r as const: the lock is the one mutable part */
static void rdlock(const redactor *r)
{
	pthread_rwlock_rdlock((pthread_rwlock_t *)&r->lock);
}

static void unlock(const redactor *r)
{
	pthread_rwlock_unlock((pthread_rwlock_t *)&r->lock);
}

/* the automaton and the list of PCRE2 forms, from the forms (write lock) */
static void rebuild(redactor *r)
{
	struct ac_pattern *p = xmalloc((r->nforms + 1) * sizeof(*p));
	size_t n = 0;

	ac_free(r->ac);
	free(r->re);
	r->re = xmalloc((r->nforms + 1) * sizeof(*r->re));
	r->nre = 0;
	for (size_t i = 0; i < r->nforms; i++) {
		const struct form *f = &r->forms[i];
		if (f->re)
			r->re[r->nre++] = i;
		else
			p[n++] = (struct ac_pattern){ f->s, f->len, f->fold };
	}
	r->ac = ac_build(p, n);
	free(p);
	r->stale = 0;
}

/* A read lock on r, its automaton up to date: a reader that finds it
 * stale rebuilds it under the write lock, then reads. */
static void rdlock_ready(const redactor *r)
{
	rdlock(r);
	while (r->stale) {
		unlock(r);
		pthread_rwlock_wrlock((pthread_rwlock_t *)&r->lock);
		if (r->stale)
			rebuild((redactor *)r);
		unlock(r);
		rdlock(r);
	}
}

/*
 * Create an empty redactor.  With no secret added, redact_str() is a plain
 * copy.  Free it with redactor_free().
 */
redactor *redactor_new(void)
{
	redactor *r = xcalloc(1, sizeof(redactor));

	pthread_rwlock_init(&r->lock, NULL);
	return r;
}

/* Free the redactor and every form it holds (they are wiped first). */
void redactor_free(redactor *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nforms; i++) {
		explicit_bzero(r->forms[i].s, r->forms[i].len);
		free(r->forms[i].s);
		pcre2_code_free(r->forms[i].re);
	}
	for (i = 0; i < r->nsecrets; i++) {
		explicit_bzero(r->secrets[i].s, r->secrets[i].len);
		free(r->secrets[i].s);
	}
	free(r->forms);
	free(r->secrets);
	ac_free(r->ac);
	free(r->re);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

static int list_has(const struct form *v, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].len == len && memcmp(v[i].s, s, len) == 0)
			return 1;
	return 0;
}

/* the form whose bytes are s[0..len), or NULL */
static struct form *form_of(redactor *r, const char *s, size_t len)
{
	for (size_t i = 0; i < r->nforms; i++)
		if (r->forms[i].len == len && memcmp(r->forms[i].s, s, len) == 0)
			return &r->forms[i];
	return NULL;
}

/* Insert a copy of s[0..len), keeping forms sorted longest first. */
static struct form *add_form(redactor *r, const char *s, size_t len)
{
	size_t i;

	if (!len || list_has(r->forms, r->nforms, s, len))
		return NULL;
	if (r->nforms == r->capforms) {
		r->capforms = r->capforms ? 2 * r->capforms : 16;
		r->forms = xrealloc(r->forms, r->capforms * sizeof(*r->forms));
	}
	for (i = r->nforms; i > 0 && r->forms[i - 1].len < len; i--)
		r->forms[i] = r->forms[i - 1];
	r->forms[i].s = xstrndup(s, len);
	r->forms[i].len = len;
	r->forms[i].fold = 0;
	r->forms[i].re = NULL;
	r->nforms++;
	return &r->forms[i];
}

/* Add s[0..len), and its URL-safe spelling when it differs. */
static void add_b64_form(redactor *r, const char *s, size_t len)
{
	char *u = xstrndup(s, len);
	size_t i;

	add_form(r, s, len);
	for (i = 0; i < len; i++) {
		if (u[i] == '+')
			u[i] = '-';
		else if (u[i] == '/')
			u[i] = '_';
	}
	add_form(r, u, len);
	explicit_bzero(u, len);
	free(u);
}

/*
 * base64 (standard alphabet, padded) of len bytes, via EVP_EncodeBlock.
 * Returns a malloc'd NUL-terminated string; never fails (aborts on OOM).
 */
char *b64_encode(const unsigned char *s, size_t len)
{
	size_t cap = 4 * ((len + 2) / 3) + 1;
	char *out = xmalloc(cap);
	size_t done = 0, o = 0;

	/* EVP_EncodeBlock takes an int length: feed it in whole groups */
	while (len - done > 0) {
		size_t chunk = len - done;
		if (chunk > (size_t)3 * (1 << 20))
			chunk = (size_t)3 * (1 << 20);
		o += (size_t)EVP_EncodeBlock((unsigned char *)out + o, s + done, (int)chunk);
		done += chunk;
	}
	out[o] = '\0';
	return out;
}

static void add_base64_forms(redactor *r, const char *secret, size_t n)
{
	unsigned char *buf = xmalloc(n + 2);
	size_t k, len;
	char *enc;

	/* aligned: padded and unpadded */
	enc = b64_encode((const unsigned char *)secret, n);
	len = strlen(enc);
	add_b64_form(r, enc, len);
	while (len > 0 && enc[len - 1] == '=')
		len--;
	add_b64_form(r, enc, len);
	explicit_bzero(enc, strlen(enc));
	free(enc);

	/* the three shifted cores (see the comment at the top) */
	for (k = 0; k < 3; k++) {
		size_t start = (8 * k + 5) / 6, end = 8 * (k + n) / 6;

		memset(buf, 'A', k);
		memcpy(buf + k, secret, n);
		enc = b64_encode(buf, k + n);
		if (end > start && end - start >= MIN_CORE)
			add_b64_form(r, enc + start, end - start);
		explicit_bzero(enc, strlen(enc));
		free(enc);
	}
	explicit_bzero(buf, n + 2);
	free(buf);
}

/*
 * How JSON encoders write a string's bytes, as flags: ASCII_ONLY (every
 * non-ASCII character as a \u escape, surrogate pairs above U+FFFF: Python's
 * default, Java's), HTML (& < > as \u0026 \u003c \u003e: Go),
 * SLASH (/ as \/: PHP), UPPER (hex digits of \u escapes in upper case).
 * 0 is cJSON's own output (our transcript).
 */
enum { J_ASCII_ONLY = 1, J_HTML = 2, J_SLASH = 4, J_UPPER = 8 };

static void json_u(sbuf *b, long cp, int flags)
{
	sbuf_addf(b, flags & J_UPPER ? "\\u%04lX" : "\\u%04lx", cp);
}

static void add_json_form(redactor *r, const char *s, size_t n, int flags)
{
	const unsigned char *u = (const unsigned char *)s;
	sbuf b = { 0 };
	size_t i, len;

	for (i = 0; i < n; i += len) {
		unsigned char c = u[i];
		long cp;

		len = 1;
		switch (c) {
		case '"': sbuf_adds(&b, "\\\""); continue;
		case '\\': sbuf_adds(&b, "\\\\"); continue;
		case '\b': sbuf_adds(&b, "\\b"); continue;
		case '\f': sbuf_adds(&b, "\\f"); continue;
		case '\n': sbuf_adds(&b, "\\n"); continue;
		case '\r': sbuf_adds(&b, "\\r"); continue;
		case '\t': sbuf_adds(&b, "\\t"); continue;
		case '/':
			sbuf_adds(&b, flags & J_SLASH ? "\\/" : "/");
			continue;
		case '&': case '<': case '>':
			if (flags & J_HTML)
				json_u(&b, c, flags);
			else
				sbuf_addc(&b, (char)c);
			continue;
		}
		if (c < 32) {
			json_u(&b, c, flags);
			continue;
		}
		if (c < 0x80 || !(flags & J_ASCII_ONLY)) {
			sbuf_addc(&b, (char)c);
			continue;
		}
		cp = utf8_decode(u, i, n, &len);
		if (cp < 0) {
			/* not UTF-8: encoders differ; keep the byte */
			sbuf_addc(&b, (char)c);
			len = 1;
		} else if (cp > 0xFFFF) {
			cp -= 0x10000;
			json_u(&b, 0xD800 + (cp >> 10), flags);
			json_u(&b, 0xDC00 + (cp & 0x3FF), flags);
		} else {
			json_u(&b, cp, flags);
		}
	}
	add_form(r, b.buf, b.len);
	if (b.buf)
		explicit_bzero(b.buf, b.len);
	sbuf_release(&b);
}

static void add_json_forms(redactor *r, const char *s, size_t n)
{
	/* add_form drops the variants that come out the same */
	for (int flags = 0; flags < 16; flags++)
		add_json_form(r, s, n, flags);
}

static int unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* %XX-encoded (hex digits from `digits`); form: space as '+' */
static void add_url_form(redactor *r, const char *s, size_t n,
			 const char *digits, int form)
{
	sbuf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (unreserved(c)) {
			sbuf_addc(&b, (char)c);
		} else if (form && c == ' ') {
			sbuf_addc(&b, '+');
		} else {
			sbuf_addc(&b, '%');
			sbuf_addc(&b, digits[c >> 4]);
			sbuf_addc(&b, digits[c & 15]);
		}
	}
	add_form(r, b.buf, b.len);
	if (b.buf)
		explicit_bzero(b.buf, b.len);
	sbuf_release(&b);
}

/* hex of every byte, each pair after the first preceded by sep (0: none) */
static void add_hex_form(redactor *r, const char *s, size_t n, const char *digits, char sep)
{
	char *h = xmalloc(3 * n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (i && sep)
			h[o++] = sep;
		h[o++] = digits[(unsigned char)s[i] >> 4];
		h[o++] = digits[(unsigned char)s[i] & 15];
	}
	add_form(r, h, o);
	explicit_bzero(h, 3 * n);
	free(h);
}

/*
 * The raw secret, found in any letter case: ASCII letters compared
 * case-insensitively; a secret with non-ASCII letters (valid UTF-8) as a
 * PCRE2 caseless literal, so "PÄSSWORD" is found for "pässword".  It
 * takes the place of the exact raw form (which it covers).
 */
static void add_raw_form(redactor *r, const char *s, size_t n)
{
	int letters = 0, ascii = 1, ec;
	PCRE2_SIZE eo;
	struct form *f;

	for (size_t i = 0; i < n; i++) {
		letters |= isalpha((unsigned char)s[i]) != 0;
		ascii &= (unsigned char)s[i] < 0x80;
	}
	/* the same bytes may already be a form of another secret (its base64,
	 * say), found exactly: that form becomes the caseless one */
	f = add_form(r, s, n);
	if (!f)
		f = form_of(r, s, n);
	if (!f || f->fold || (!letters && ascii))
		return;
	/* ASCII letters in any case; so for bytes that are not UTF-8, whose
	 * other bytes have no case */
	if (ascii || !utf8_valid(s, n)) {
		f->fold = 1;
		return;
	}
	f->re = pcre2_compile((PCRE2_SPTR)s, n, PCRE2_LITERAL | PCRE2_CASELESS | PCRE2_UTF |
			      PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
	if (f->re) {
		f->fold = 1;
		pcre2_jit_compile(f->re, PCRE2_JIT_COMPLETE);
	}
}

/*
 * Add one secret (len bytes, may contain NULs) and all its derived forms.
 * The redactor keeps its own copies.  Empty secrets and secrets already
 * known are ignored.
 */
void redact_add(redactor *r, const char *secret, size_t len)
{
	static const char lower[] = "0123456789abcdef";
	static const char upper[] = "0123456789ABCDEF";

	if (!r || !secret || !len)
		return;
	pthread_rwlock_wrlock(&r->lock);
	if (list_has(r->secrets, r->nsecrets, secret, len))
		goto out;
	if (r->nsecrets == r->capsecrets) {
		r->capsecrets = r->capsecrets ? 2 * r->capsecrets : 8;
		r->secrets = xrealloc(r->secrets, r->capsecrets * sizeof(*r->secrets));
	}
	r->secrets[r->nsecrets].s = xstrndup(secret, len);
	r->secrets[r->nsecrets].len = len;
	r->nsecrets++;

	add_raw_form(r, secret, len);
	add_base64_forms(r, secret, len);
	add_json_forms(r, secret, len);
	add_url_form(r, secret, len, upper, 0);
	add_url_form(r, secret, len, lower, 0);
	add_url_form(r, secret, len, upper, 1);
	add_hex_form(r, secret, len, lower, 0);
	add_hex_form(r, secret, len, upper, 0);
	add_hex_form(r, secret, len, lower, ':');
	add_hex_form(r, secret, len, upper, ':');
	r->stale = 1;
out:
	pthread_rwlock_unlock(&r->lock);
}

/* Add s[0..n) as a secret, and its percent-decoded value if different. */
static void add_url_part(redactor *r, const char *s, size_t n)
{
	char *d = xmalloc(n + 1);
	size_t o;

	redact_add(r, s, n);
	o = pct_decode(s, n, d, NULL);
	redact_add(r, d, o);
	explicit_bzero(d, n + 1);
	free(d);
}

/* password=... inside a URL query string */
static void add_query_password(redactor *r, const char *q, const char *end)
{
	while (q < end) {
		const char *amp = memchr(q, '&', (size_t)(end - q));
		const char *e = amp ? amp : end;

		if ((size_t)(e - q) > 9 && strncmp(q, "password=", 9) == 0)
			add_url_part(r, q + 9, (size_t)(e - q - 9));
		q = e + (amp ? 1 : 0);
	}
}

/*
 * A libpq key=value connection string: keywords separated by spaces, a
 * value either 'single-quoted' or bare, backslash escaping in both.  The
 * value of every password keyword is added.
 */
static void add_dsn_password(redactor *r, const char *s)
{
	sbuf key = { 0 }, val = { 0 };

	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		key.len = 0;
		while (*s && *s != '=' && !isspace((unsigned char)*s))
			sbuf_addc(&key, *s++);
		while (isspace((unsigned char)*s))
			s++;
		if (*s != '=')
			break;          /* not a DSN after all */
		s++;
		while (isspace((unsigned char)*s))
			s++;
		val.len = 0;
		if (*s == '\'') {
			s++;
			while (*s && *s != '\'') {
				if (*s == '\\' && s[1])
					s++;
				sbuf_addc(&val, *s++);
			}
			if (*s == '\'')
				s++;
		} else {
			while (*s && !isspace((unsigned char)*s)) {
				if (*s == '\\' && s[1])
					s++;
				sbuf_addc(&val, *s++);
			}
		}
		sbuf_addc(&key, '\0');
		if (strcmp(key.buf, "password") == 0)
			redact_add(r, val.buf, val.len);
	}
	if (val.buf)
		explicit_bzero(val.buf, val.cap);
	sbuf_release(&key);
	sbuf_release(&val);
}

/*
 * The password the libraries that take this string would use: libpq
 * (PQconninfoParse: a postgres URI or a key=value string) and libcurl
 * (curl_url: any URL, as written and percent-decoded).  Their parsers
 * have corners of their own (libpq's URI has no fragment and ends the
 * user info at the first '@'; libcurl skips a third slash), so what
 * they find is added besides what the parse below finds.
 */
static void add_library_passwords(redactor *r, const char *url)
{
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11) ||
	    strchr(url, '=')) {
		char *err = NULL;
		PQconninfoOption *o = PQconninfoParse(url, &err);
		for (PQconninfoOption *p = o; p && p->keyword; p++)
			if (!strcmp(p->keyword, "password") && p->val)
				redact_add(r, p->val, strlen(p->val));
		PQconninfoFree(o);
		PQfreemem(err);
	}
	if (!strstr(url, "://"))
		return;
	CURLU *u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
		static const unsigned int how[] = { 0, CURLU_URLDECODE };
		for (size_t i = 0; i < 2; i++) {
			char *pw = NULL;
			if (curl_url_get(u, CURLUPART_PASSWORD, &pw, how[i]) == CURLUE_OK && pw)
				redact_add(r, pw, strlen(pw));
			curl_free(pw);
		}
	}
	curl_url_cleanup(u);
}

/*
 * Find the credentials inside a connection string and add them as secrets:
 * for a URL scheme://user:password@host/...?password=..., the password (as
 * written and percent-decoded) and "user:password"; for a libpq DSN
 * "host=... password=...", the password value (quoted or not); and what
 * libpq and libcurl would take as the password.  A URL with a user but no
 * password adds nothing: a user name is not a secret.
 */
void redact_add_url_credentials(redactor *r, const char *url)
{
	const char *p, *auth, *end, *at, *colon, *q;

	if (!r || !url)
		return;
	add_library_passwords(r, url);
	p = strstr(url, "://");
	if (!p) {
		add_dsn_password(r, url);
		return;
	}
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	at = NULL;
	for (q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon && at > colon + 1) {
			add_url_part(r, colon + 1, (size_t)(at - colon - 1));
			if (colon > auth)
				add_url_part(r, auth, (size_t)(at - auth));
		}
	}
	q = strchr(end, '?');
	if (q) {
		const char *qend = q + 1 + strcspn(q + 1, "#");
		add_query_password(r, q + 1, qend);
	}
}

/*
 * A value computed from a secret (upper(secret), a piece of split()...):
 * a secret of its own, unless it already contains a form of a known
 * secret -- "Bearer <token>" needs no forms of its own, the token's mask
 * it wherever it goes (every encoding above works byte by byte, or by
 * the base64 cores).
 */
void redact_add_derived(redactor *r, const char *s, size_t len)
{
	if (!r || !s || !len || redact_contains(r, s, len))
		return;
	redact_add(r, s, len);
}

/* The look-ahead a cut needs: the longest form (a caseless match of a
 * non-ASCII secret may take up to four times its bytes). */
size_t redact_max_form_len(const redactor *r)
{
	size_t n;

	if (!r)
		return 0;
	rdlock(r);
	n = r->nforms ? r->forms[0].len : 0;
	unlock(r);
	return 4 * n;   /* a caseless match of a non-ASCII secret may be longer */
}

/*
 * Where to cut s[0..len) to keep at most `want` bytes without cutting
 * through a secret: the largest cut <= want such that no occurrence of a
 * form starts before it and ends after it.  A cut must come BEFORE
 * redaction (redacted text is shorter and no longer says where a secret
 * was), and the caller must have read at least want +
 * redact_max_form_len() bytes when more were available, so that every
 * secret starting before `want` is whole in s.
 */
/* the smallest start of an automaton match of r that straddles cut
 * (starts before it, ends after it), or cut */
static size_t ac_straddler(const redactor *r, const char *s, size_t len, size_t cut)
{
	size_t max = ac_max_len(r->ac), lo, hi, a, e, best = cut;
	struct ac_cursor c;

	if (!max)
		return cut;
	/* a match that starts before lo ends at or before cut; one that
	 * starts before cut ends before hi */
	lo = cut >= max ? cut - max + 1 : 0;
	hi = len - cut >= max - 1 ? cut + max - 1 : len;
	ac_begin(&c, s + lo, hi - lo);
	while (ac_next(r->ac, &c, &a, &e, NULL))
		if (lo + a < cut && lo + e > cut && lo + a < best)
			best = lo + a;
	return best;
}

/* the same for the forms matched with PCRE2 */
static size_t re_straddler(const redactor *r, const char *s, size_t len, size_t cut)
{
	for (size_t i = 0; i < r->nre; i++) {
		const struct form *f = &r->forms[r->re[i]];
		/* a caseless match may be longer than the form: look further back */
		size_t back = 4 * f->len, ml;
		size_t from = cut > back ? cut - back + 1 : 0;
		size_t at = find(f, s, len, from, &ml);

		/* an occurrence that starts before the cut and ends after it */
		while (at < cut) {
			if (at + ml > cut)
				return at;
			at = find(f, s, len, at + 1, &ml);
		}
	}
	return cut;
}

/*
 * Where to cut s[0..len) to keep at most `want` bytes without cutting
 * through a secret: the largest cut <= want such that no occurrence of a
 * form starts before it and ends after it.  A cut must come BEFORE
 * redaction (redacted text is shorter and no longer says where a secret
 * was), and the caller must have read at least want +
 * redact_max_form_len() bytes when more were available, so that every
 * secret starting before `want` is whole in s.
 */
size_t redact_safe_cut(const redactor *r, const char *s, size_t len, size_t want)
{
	size_t cut = want < len ? want : len, moved;

	if (!r || cut == len)
		return cut;
	rdlock_ready(r);
	/* every cut skipped lies inside an occurrence */
	do {
		size_t c = ac_straddler(r, s, len, cut);
		c = re_straddler(r, s, len, c);
		moved = c < cut;
		cut = c;
	} while (moved && cut > 0);
	unlock(r);
	return cut;
}

static int credential_key(const char *k)
{
	static const char *const words[] = { "password", "secret", "token", "authorization",
					     "api-key", "apikey", "cookie", NULL };
	for (int i = 0; words[i]; i++)
		if (strcasestr(k, words[i]))
			return 1;
	return 0;
}

static void conn_secrets(redactor *red, const value *v, int cred)
{
	if (v_type(v) == V_STR) {
		if (cred) {
			const char *s = v_as_str(v), *sp = strchr(s, ' ');
			redact_add(red, s, v_str_len(v));
			if (sp && sp[1])        /* "Bearer <token>": the token alone */
				redact_add(red, sp + 1, strlen(sp + 1));
		}
		redact_add_url_credentials(red, v_as_str(v));
	} else if (v_type(v) == V_OBJ) {
		for (size_t i = 0; i < v_len(v); i++)
			conn_secrets(red, v_obj_val(v, i), cred || credential_key(v_obj_key(v, i)));
	} else if (v_type(v) == V_LIST) {
		for (size_t i = 0; i < v_len(v); i++)
			conn_secrets(red, v_list_get(v, i), cred);
	}
}

/*
 * Every credential inside a rendered connection spec: URL and DSN
 * passwords in any string, and the whole value (plus the token of
 * "Bearer <token>") under a key that names a credential (password,
 * secret, token, authorization, api-key, cookie).
 */
void redact_add_conn_spec(redactor *r, const value *spec)
{
	if (r && spec)
		conn_secrets(r, spec, 0);
}

/* The number of distinct secrets added (not of derived forms). */
int redact_count(const redactor *r)
{
	int n;

	if (!r)
		return 0;
	rdlock(r);
	n = (int)r->nsecrets;
	unlock(r);
	return n;
}

/* s[0..n) == f's bytes, ASCII letters in any case */
static int fold_eq(const char *s, const char *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)f[i]))
			return 0;
	return 1;
}

/*
 * Offset of the first occurrence of f in s[from..len), or len if none;
 * *mlen receives the occurrence's length (f->len, but for a caseless
 * pattern, whose matches may differ in length).
 */
static size_t find(const struct form *f, const char *s, size_t len, size_t from, size_t *mlen)
{
	const char *p;

	*mlen = f->len;
	if (from >= len)
		return len;
	if (f->re) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		int rc = md ? pcre2_match(f->re, (PCRE2_SPTR)s, len, from, 0, md, NULL) : -1;
		size_t at = len;
		if (rc > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			if (ov[1] > ov[0]) {
				at = ov[0];
				*mlen = ov[1] - ov[0];
			}
		}
		pcre2_match_data_free(md);
		/* an error (should not happen): fall back to the exact bytes */
		if (rc < 0 && rc != PCRE2_ERROR_NOMATCH && len - from >= f->len) {
			p = memmem(s + from, len - from, f->s, f->len);
			return p ? (size_t)(p - s) : len;
		}
		return at;
	}
	if (len - from < f->len)
		return len;
	if (f->fold) {
		int a = tolower((unsigned char)f->s[0]), b = toupper((unsigned char)f->s[0]);
		for (size_t i = from; i + f->len <= len; i++)
			if (((unsigned char)s[i] == a || (unsigned char)s[i] == b) &&
			    fold_eq(s + i, f->s, f->len))
				return i;
		return len;
	}
	p = memmem(s + from, len - from, f->s, f->len);
	return p ? (size_t)(p - s) : len;
}

/* covered byte runs [start, end), in order, none touching another */
struct runs {
	struct run {
		size_t start, end;
	} *v;
	size_t n, cap;
};

/* Cover [start, end); end is at least every end added before. */
static void cover(struct runs *rs, size_t start, size_t end)
{
	while (rs->n && rs->v[rs->n - 1].end >= start) {
		if (rs->v[rs->n - 1].start < start)
			start = rs->v[rs->n - 1].start;
		rs->n--;
	}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 16;
		rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
	}
	rs->v[rs->n++] = (struct run){ start, end };
}

static int by_start(const void *a, const void *b)
{
	const struct run *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Add the occurrences of the PCRE2 forms to rs (sorted again, merged). */
static void cover_re(const redactor *r, const char *s, size_t len, struct runs *rs)
{
	struct runs all = { 0 };
	size_t n0 = rs->n, ml;

	for (size_t i = 0; i < r->nre; i++) {
		const struct form *f = &r->forms[r->re[i]];
		for (size_t at = find(f, s, len, 0, &ml); at < len; at = find(f, s, len, at + 1, &ml)) {
			if (rs->n == rs->cap) {
				rs->cap = rs->cap ? 2 * rs->cap : 16;
				rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
			}
			rs->v[rs->n++] = (struct run){ at, at + ml };
		}
	}
	if (rs->n == n0)
		return;
	qsort(rs->v, rs->n, sizeof(*rs->v), by_start);
	/* sorted by start: a run touching the last one extends it */
	for (size_t i = 0; i < rs->n; i++) {
		if (all.n && rs->v[i].start <= all.v[all.n - 1].end) {
			if (rs->v[i].end > all.v[all.n - 1].end)
				all.v[all.n - 1].end = rs->v[i].end;
			continue;
		}
		cover(&all, rs->v[i].start, rs->v[i].end);
	}
	free(rs->v);
	*rs = all;
}

/*
 * Returns a malloc'd, NUL-terminated copy of s[0..len) where every maximal
 * run of bytes covered by an occurrence of a secret form is replaced by
 * "***"; *outlen (may be NULL) receives its length.  r may be NULL or
 * empty: then it is a plain copy.  Never fails (aborts on OOM).
 *
 * One pass of the automaton finds every form but the PCRE2 ones; its
 * matches come in order of their end, and each one that overlaps or
 * touches the runs covered so far merges with them.
 */
char *redact_str(const redactor *r, const char *s, size_t len, size_t *outlen)
{
	struct runs rs = { 0 };
	struct ac_cursor c;
	size_t cur = 0, a, e;
	sbuf out = { 0 };

	if (!s)
		len = 0;
	if (r)
		rdlock_ready(r);
	if (!r || !r->nforms || !len) {
		char *copy = xmalloc(len + 1);

		if (r)
			unlock(r);
		if (len)
			memcpy(copy, s, len);
		copy[len] = '\0';
		if (outlen)
			*outlen = len;
		return copy;
	}
	ac_begin(&c, s, len);
	while (ac_next(r->ac, &c, &a, &e, NULL))
		cover(&rs, a, e);
	if (r->nre)
		cover_re(r, s, len, &rs);
	unlock(r);
	for (size_t i = 0; i < rs.n; i++) {
		sbuf_add(&out, s + cur, rs.v[i].start - cur);
		sbuf_adds(&out, REDACT_MASK);
		cur = rs.v[i].end;
	}
	free(rs.v);
	sbuf_add(&out, s + cur, len - cur);
	if (outlen)
		*outlen = out.len;
	return sbuf_detach(&out);
}

/* Does s[0..len) contain any form of any secret?  r may be NULL. */
int redact_contains(const redactor *r, const char *s, size_t len)
{
	struct ac_cursor c;
	size_t a, e, ml;
	int hit;

	if (!r || !s)
		return 0;
	rdlock_ready(r);
	ac_begin(&c, s, len);
	hit = ac_next(r->ac, &c, &a, &e, NULL);
	for (size_t i = 0; i < r->nre && !hit; i++)
		hit = find(&r->forms[r->re[i]], s, len, 0, &ml) < len;
	unlock(r);
	return hit;
}

/*
 * Form i of r (for tests: a reference to compare the automaton with):
 * its bytes and how it is matched (0: exactly, 1: ASCII letters in any
 * case, 2: a PCRE2 caseless pattern).  0 past the last form.
 */
int redact_form(const redactor *r, size_t i, const char **s, size_t *len, int *how)
{
	int ok;

	rdlock(r);
	ok = i < r->nforms;
	if (ok) {
		*s = r->forms[i].s;
		*len = r->forms[i].len;
		*how = r->forms[i].re ? 2 : r->forms[i].fold;
	}
	unlock(r);
	return ok;
}
