/*
 * test_redact.c - every form of a secret is masked, nothing else is.
 *
 * The expected encodings are computed here independently of redact.c
 * (EVP_EncodeBlock, curl_easy_escape, cJSON's own printer), so a form that
 * redact.c forgets or gets wrong shows up as a leak.
 */
#include "unit.h"
#include "base/redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/evp.h>

#define S1 "s3cr3t-CANARY-42"
/* quotes, backslash, newline, tab, a control byte, UTF-8 */
#define S2 "q\"uo\\te\nl\t\x1b caf\xc3\xa9 \xe2\x98\x83!"
#define S3 "xy"

static char *red(const redactor *r, const char *s)
{
	return redact_str(r, s, strlen(s), NULL);
}

/* Does redacting s give exactly want? */
static int masks_to(const redactor *r, const char *s, const char *want)
{
	char *got = red(r, s);
	int ok = strcmp(got, want) == 0;

	if (!ok)
		fprintf(stderr, "  redact(\"%s\") = \"%s\", want \"%s\"\n", s, got, want);
	free(got);
	return ok;
}

static char *b64(const void *s, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, s, (int)n);
	return out;
}

static void urlsafe(char *s)
{
	for (; *s; s++)
		if (*s == '+')
			*s = '-';
		else if (*s == '/')
			*s = '_';
}

static char *hex(const char *s, size_t n, int upper)
{
	const char *d = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *h = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++) {
		h[2 * i] = d[(unsigned char)s[i] >> 4];
		h[2 * i + 1] = d[(unsigned char)s[i] & 15];
	}
	h[2 * n] = '\0';
	return h;
}

/*
 * base64 of prefix(p bytes) + secret + suffix(q bytes): the result must be
 * blob[0..a) "***" blob[b..) where [a, b) covers every character whose bits
 * all come from the secret.
 */
static int blob_masked(const redactor *r, const char *secret, size_t p, size_t q, int url)
{
	size_t n = strlen(secret), glen = 0, first = (8 * p + 5) / 6, last = 8 * (p + n) / 6;
	unsigned char buf[256];
	char *blob, *got, *star;
	int ok;

	memcpy(buf, "user:password-prefix", p);
	memcpy(buf + p, secret, n);
	memcpy(buf + p + n, "@suffix", q);
	blob = b64(buf, p + n + q);
	if (url)
		urlsafe(blob);
	got = redact_str(r, blob, strlen(blob), &glen);
	star = strstr(got, "***");
	ok = star && (size_t)(star - got) <= first &&
	     strncmp(got, blob, (size_t)(star - got)) == 0 &&
	     strlen(blob) - strlen(star + 3) >= last &&
	     strcmp(star + 3, blob + strlen(blob) - strlen(star + 3)) == 0;
	if (!ok)
		fprintf(stderr, "  base64 p=%zu q=%zu url=%d: \"%s\" -> \"%s\"\n", p, q, url, blob, got);
	free(blob);
	free(got);
	return ok;
}

static void test_empty(void)
{
	redactor *r = redactor_new();
	const char bin[] = "a\0b s3cr3t";
	size_t n = 0;
	char *c;

	CHECK(redact_count(r) == 0);
	c = redact_str(r, bin, sizeof(bin) - 1, &n);
	CHECK(n == sizeof(bin) - 1 && memcmp(c, bin, n) == 0 && c[n] == '\0');
	free(c);
	c = redact_str(NULL, "plain " S1, strlen("plain " S1), &n);
	CHECK_STR(c, "plain " S1);
	free(c);
	redact_add(r, "", 0);
	redact_add(r, S1, 0);
	CHECK(redact_count(r) == 0);
	CHECK(masks_to(r, "nothing to hide", "nothing to hide"));
	CHECK(!redact_contains(r, S1, strlen(S1)));
	redactor_free(r);
}

static void test_b64_encode(void)
{
	char *e;

	e = b64_encode((const unsigned char *)"", 0);
	CHECK_STR(e, "");
	free(e);
	e = b64_encode((const unsigned char *)"f", 1);
	CHECK_STR(e, "Zg==");
	free(e);
	e = b64_encode((const unsigned char *)"foobar", 6);
	CHECK_STR(e, "Zm9vYmFy");
	free(e);
	e = b64_encode((const unsigned char *)"\xfb\xff", 2);
	CHECK_STR(e, "+/8=");
	free(e);
}

static void test_forms(redactor *r, const char *secret)
{
	size_t n = strlen(secret), p, q;
	char *e, *x, *s;
	CURL *c = curl_easy_init();

	/* raw, alone and embedded */
	CHECK(masks_to(r, secret, "***"));
	x = malloc(n + 32);
	sprintf(x, "token=%s; next", secret);
	CHECK(masks_to(r, x, "token=***; next"));
	CHECK(redact_contains(r, x, strlen(x)));
	free(x);

	/* base64 aligned: padded, unpadded, URL-safe */
	e = b64(secret, n);
	CHECK(masks_to(r, e, "***"));
	urlsafe(e);
	CHECK(masks_to(r, e, "***"));
	while (e[strlen(e) - 1] == '=')
		e[strlen(e) - 1] = '\0';
	x = malloc(strlen(e) + 16);
	sprintf(x, "[%s]", e);
	CHECK(masks_to(r, x, "[***]"));
	free(x);
	free(e);

	/* base64 of the secret at every alignment, inside a larger blob */
	for (p = 0; p <= 5; p++)
		for (q = 0; q <= 3; q++) {
			CHECK(blob_masked(r, secret, p, q, 0));
			CHECK(blob_masked(r, secret, p, q, 1));
		}

	/* HTTP Basic auth header */
	x = malloc(n + 8);
	sprintf(x, "user:%s", secret);
	e = b64(x, strlen(x));
	s = malloc(strlen(e) + 32);
	sprintf(s, "Authorization: Basic %s", e);
	free(x);
	x = red(r, s);
	CHECK(strstr(x, "***") != NULL);
	CHECK(strncmp(x, "Authorization: Basic dXNlcj", 27) == 0);
	free(x);
	free(s);
	free(e);

	/* URL-encoded as libcurl does it (%XX upper case), lower case, form */
	e = curl_easy_escape(c, secret, (int)n);
	x = malloc(strlen(e) + 16);
	sprintf(x, "?q=%s&a=1", e);
	CHECK(masks_to(r, x, "?q=***&a=1"));
	for (s = x; *s; s++)
		if (s[0] == '%' && s[1] && s[2]) {
			s[1] = (char)tolower((unsigned char)s[1]);
			s[2] = (char)tolower((unsigned char)s[2]);
		}
	CHECK(masks_to(r, x, "?q=***&a=1"));
	free(x);
	curl_free(e);
	curl_easy_cleanup(c);

	/* hex */
	e = hex(secret, n, 0);
	CHECK(masks_to(r, e, "***"));
	free(e);
	e = hex(secret, n, 1);
	x = malloc(strlen(e) + 8);
	sprintf(x, "0x%s.", e);
	CHECK(masks_to(r, x, "0x***."));
	free(x);
	free(e);

	/* JSON-escaped, as cJSON prints it */
	{
		cJSON *o = cJSON_CreateObject();
		char *j;

		cJSON_AddStringToObject(o, "k", secret);
		j = cJSON_PrintUnformatted(o);
		CHECK(masks_to(r, j, "{\"k\":\"***\"}"));
		cJSON_free(j);
		cJSON_Delete(o);
	}
}

static void test_canaries(void)
{
	redactor *r = redactor_new();

	redact_add(r, S1, strlen(S1));
	redact_add(r, S2, strlen(S2));
	redact_add(r, S1, strlen(S1));
	CHECK(redact_count(r) == 2);
	test_forms(r, S1);
	test_forms(r, S2);

	/* form encoding: space as '+' */
	CHECK(masks_to(r, "x=q%22uo%5Cte%0Al%09%1B+caf%C3%A9+%E2%98%83%21&y",
		       "x=***&y"));
	/* JSON escapes with upper-case \u00XX digits */
	CHECK(masks_to(r, "\"q\\\"uo\\\\te\\nl\\t\\u001B caf\xc3\xa9 \xe2\x98\x83!\"",
		       "\"***\""));

	/* no false masking */
	CHECK(masks_to(r, "s3cr3t-CANARY-4 and -CANARY-42", "s3cr3t-CANARY-4 and -CANARY-42"));
	CHECK(masks_to(r, "a quiet quote \"uo\\te", "a quiet quote \"uo\\te"));
	CHECK(masks_to(r, "Zm9vYmFy and 0123456789abcdef", "Zm9vYmFy and 0123456789abcdef"));
	CHECK(!redact_contains(r, "hello world", 11));

	/* two occurrences, and a secret next to itself */
	CHECK(masks_to(r, S1 " then " S1, "*** then ***"));
	CHECK(masks_to(r, S1 S1 "!", "***!"));
	redactor_free(r);
}

static void test_short_and_overlap(void)
{
	redactor *r = redactor_new();

	redact_add(r, S3, strlen(S3));
	CHECK(masks_to(r, "xy", "***"));
	CHECK(masks_to(r, "a xyz b", "a ***z b"));
	CHECK(masks_to(r, "x y yx", "x y yx"));
	CHECK(masks_to(r, "hex 7879 and eHk=", "hex *** and ***"));
	redactor_free(r);

	/* overlapping secrets: no piece of either may survive */
	r = redactor_new();
	redact_add(r, "abcdef", 6);
	redact_add(r, "defghijk", 8);
	CHECK(masks_to(r, "<abcdefghijk>", "<***>"));
	CHECK(masks_to(r, "<defghijkabcdef>", "<***>"));
	CHECK(masks_to(r, "<abcde fghijk>", "<abcde fghijk>"));
	redactor_free(r);

	/* a secret with NUL bytes */
	r = redactor_new();
	redact_add(r, "n\0ul", 4);
	{
		size_t n;
		char *c = redact_str(r, "[n\0ul]", 6, &n);
		CHECK(n == 5 && memcmp(c, "[***]", 5) == 0);
		free(c);
	}
	redactor_free(r);
}

static void test_more_forms(void)
{
	redactor *r = redactor_new();
	const char *sec = "Admin-Token7";
	const char *uni = "p\xc3\xa4ssw\xc3\xb6rd-\xf0\x9d\x84\x9e";   /* pässwörd-𝄞 */

	redact_add(r, sec, strlen(sec));
	redact_add(r, uni, strlen(uni));
	redact_add(r, "a&b<c>/d", 8);
	redact_add(r, "key1", 4);
	/* any letter case of the raw value */
	CHECK(masks_to(r, "x ADMIN-TOKEN7 admin-token7 aDmIn-ToKeN7 y", "x *** *** *** y"));
	CHECK(masks_to(r, "P\xc3\x84SSW\xc3\x96RD-\xf0\x9d\x84\x9e", "***"));
	/* ... also inside bytes that are not UTF-8 */
	CHECK(masks_to(r, "\xff P\xc3\x84SSW\xc3\x96RD-\xf0\x9d\x84\x9e \xfe", "\xff *** \xfe"));
	/* JSON as ASCII-only encoders write it, either hex case, surrogate pairs */
	CHECK(masks_to(r, "\"p\\u00e4ssw\\u00f6rd-\\ud834\\udd1e\"", "\"***\""));
	CHECK(masks_to(r, "\"p\\u00E4ssw\\u00F6rd-\\uD834\\uDD1E\"", "\"***\""));
	/* Go escapes & < >, PHP escapes / */
	CHECK(masks_to(r, "{\"v\":\"a\\u0026b\\u003cc\\u003e/d\"}", "{\"v\":\"***\"}"));
	CHECK(masks_to(r, "{\"v\":\"a&b<c>\\/d\"}", "{\"v\":\"***\"}"));
	/* hex with colons, both cases */
	CHECK(masks_to(r, "6b:65:79:31 6B:65:79:31 6b657931", "*** *** ***"));
	/* a common word inside a longer word is masked too (documented) */
	CHECK(masks_to(r, "keys key1s", "keys ***s"));
	redactor_free(r);
}

static void test_safe_cut(void)
{
	redactor *r = redactor_new();
	const char *t = "0123456789" S1 "abcdef";
	size_t n = strlen(t);

	redact_add(r, S1, strlen(S1));
	/* a cut through the secret moves before it */
	CHECK(redact_safe_cut(r, t, n, 12) == 10);
	CHECK(redact_safe_cut(r, t, n, 10) == 10);
	CHECK(redact_safe_cut(r, t, n, 9) == 9);
	/* after it, the cut stays */
	CHECK(redact_safe_cut(r, t, n, 10 + strlen(S1)) == 10 + strlen(S1));
	CHECK(redact_safe_cut(r, t, n, 1000) == n);
	/* an encoded form counts too */
	{
		char *b = b64_encode((const unsigned char *)S1, strlen(S1));
		char buf[128];
		snprintf(buf, sizeof buf, "xx%syy", b);
		CHECK(redact_safe_cut(r, buf, strlen(buf), 5) == 2);
		free(b);
	}
	CHECK(redact_max_form_len(r) >= strlen(S1));
	CHECK(redact_safe_cut(NULL, t, n, 12) == 12);
	redactor_free(r);
}

static void test_derived(void)
{
	redactor *r = redactor_new();

	redact_add(r, S1, strlen(S1));
	/* holds a known secret: nothing new to learn */
	redact_add_derived(r, "Bearer " S1, strlen("Bearer " S1));
	CHECK(redact_count(r) == 1);
	/* computed from one: a secret of its own */
	redact_add_derived(r, "CAN", 3);
	CHECK(redact_count(r) == 2);
	CHECK(masks_to(r, "xCANx", "x***x"));
	redact_add_derived(r, "", 0);
	CHECK(redact_count(r) == 2);
	redactor_free(r);
}

static void test_url_credentials(void)
{
	redactor *r = redactor_new();

	redact_add_url_credentials(r, "postgres://alice:p%40ss%20w0rd@db.example:5432/app?sslmode=disable");
	CHECK(redact_count(r) >= 1);
	CHECK(masks_to(r, "pw p@ss w0rd!", "pw ***!"));
	CHECK(masks_to(r, "url alice:p%40ss%20w0rd@db", "url ***@db"));
	CHECK(masks_to(r, "user alice on db.example", "user alice on db.example"));
	redactor_free(r);

	r = redactor_new();
	redact_add_url_credentials(r, "redis://:hunter2@127.0.0.1:6379/0");
	CHECK(masks_to(r, "AUTH hunter2", "AUTH ***"));
	redactor_free(r);

	r = redactor_new();
	redact_add_url_credentials(r, "http://bob@example.com/a:b@c");
	redact_add_url_credentials(r, "https://example.com/path?q=1");
	redact_add_url_credentials(r, "host=localhost port=5432 user=bob");
	redact_add_url_credentials(r, "");
	CHECK(redact_count(r) == 0);
	redactor_free(r);

	r = redactor_new();
	redact_add_url_credentials(r, "postgresql:///app?host=/run/pg&password=qs3cret&user=x");
	CHECK(masks_to(r, "got qs3cret", "got ***"));
	CHECK(masks_to(r, "user=x", "user=x"));
	redactor_free(r);

	r = redactor_new();
	redact_add_url_credentials(r, "host=127.0.0.1 password='p a\\'ss w' dbname=app");
	CHECK(redact_count(r) == 1);
	CHECK(masks_to(r, "login with p a'ss w now", "login with *** now"));
	CHECK(masks_to(r, "dbname=app", "dbname=app"));
	redactor_free(r);

	r = redactor_new();
	redact_add_url_credentials(r, "dbname=app password = bare\\ pw host=h");
	CHECK(masks_to(r, "(bare pw)", "(***)"));
	redactor_free(r);
}

/* secrets learnt mid-run (a connection opens) while other threads redact */
static void *redact_loop(void *arg)
{
	const redactor *r = arg;
	long i, bad = 0;

	for (i = 0; i < 2000; i++) {
		char *c = red(r, "log line with " S1 " inside");
		bad += strcmp(c, "log line with *** inside") != 0;
		free(c);
	}
	return (void *)bad;
}

static void test_threads(void)
{
	redactor *r = redactor_new();
	pthread_t th[2];
	void *bad[2];
	char s[32];
	int i;

	redact_add(r, S1, strlen(S1));
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, redact_loop, r);
	for (i = 0; i < 300; i++) {
		snprintf(s, sizeof(s), "late-secret-%03d", i);
		redact_add(r, s, strlen(s));
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], &bad[i]);
	CHECK(bad[0] == NULL && bad[1] == NULL);
	CHECK(redact_count(r) == 301);
	CHECK(masks_to(r, "late-secret-299 late-secret-29", "*** late-secret-29"));
	redactor_free(r);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_empty();
	test_b64_encode();
	test_canaries();
	test_short_and_overlap();
	test_more_forms();
	test_safe_cut();
	test_derived();
	test_url_credentials();
	test_threads();
	curl_global_cleanup();
	return unit_done("test_redact");
}
