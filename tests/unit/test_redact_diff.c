/*
 * test_redact_diff.c - the one-pass redaction gives, for every input, the
 * bytes the form-by-form algorithm gives.
 *
 * The reference below is the algorithm redact.c used before it had an
 * automaton: find every occurrence of every form (memmem, an ASCII
 * caseless scan, or a PCRE2 caseless pattern), overlapping ones included,
 * and replace each maximal run of covered bytes (runs that touch merge)
 * by one "***".  It reads the forms through redact_form(), so the two
 * differ only in how they search.  Random secret sets (short ones,
 * prefixes, suffixes and pieces of each other, case variants, non-ASCII
 * ones) and inputs made of their forms, case-flipped and cut, are
 * compared for redact_str, redact_contains and redact_safe_cut.
 */
#include "unit.h"
#include "base/acmatch.h"
#include "base/redact.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

/* --- the reference: one search per form --- */

struct rform {
	const char *s;
	size_t len;
	int how;
	pcre2_code *re;
};

struct ref {
	struct rform *f;
	size_t n;
};

static void ref_load(struct ref *x, const redactor *r)
{
	const char *s;
	size_t len;
	int how, ec;
	PCRE2_SIZE eo;

	x->f = NULL;
	x->n = 0;
	while (redact_form(r, x->n, &s, &len, &how)) {
		x->f = realloc(x->f, (x->n + 1) * sizeof(*x->f));
		x->f[x->n] = (struct rform){ s, len, how, NULL };
		if (how == 2)
			x->f[x->n].re = pcre2_compile((PCRE2_SPTR)s, len, PCRE2_LITERAL | PCRE2_CASELESS |
						      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec, &eo, NULL);
		x->n++;
	}
}

static void ref_free(struct ref *x)
{
	for (size_t i = 0; i < x->n; i++)
		pcre2_code_free(x->f[i].re);
	free(x->f);
}

static int fold_eq(const char *s, const char *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)f[i]))
			return 0;
	return 1;
}

static size_t ref_find(const struct rform *f, const char *s, size_t len, size_t from, size_t *mlen)
{
	*mlen = f->len;
	if (from >= len)
		return len;
	if (f->re) {
		pcre2_match_data *md = pcre2_match_data_create(1, NULL);
		int rc = pcre2_match(f->re, (PCRE2_SPTR)s, len, from, 0, md, NULL);
		size_t at = len;
		if (rc > 0) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			if (ov[1] > ov[0]) {
				at = ov[0];
				*mlen = ov[1] - ov[0];
			}
		}
		pcre2_match_data_free(md);
		return at;
	}
	if (len - from < f->len)
		return len;
	for (size_t i = from; i + f->len <= len; i++)
		if (f->how ? fold_eq(s + i, f->s, f->len) : memcmp(s + i, f->s, f->len) == 0)
			return i;
	return len;
}

static char *ref_redact(const struct ref *x, const char *s, size_t len, size_t *outlen)
{
	size_t *pos = calloc(2 * x->n + 1, sizeof(*pos)), *mend = pos + x->n, cur = 0, ml, o = 0;
	char *out = malloc(3 * len + 1);

	for (size_t i = 0; i < x->n; i++) {
		pos[i] = ref_find(&x->f[i], s, len, 0, &ml);
		mend[i] = pos[i] + ml;
	}
	for (;;) {
		size_t start = len, end;
		int grew;

		for (size_t i = 0; i < x->n; i++)
			if (pos[i] < start)
				start = pos[i];
		if (start == len)
			break;
		end = start;
		do {
			grew = 0;
			for (size_t i = 0; i < x->n; i++) {
				while (pos[i] < len && pos[i] <= end) {
					if (mend[i] > end) {
						end = mend[i];
						grew = 1;
					}
					pos[i] = ref_find(&x->f[i], s, len, pos[i] + 1, &ml);
					mend[i] = pos[i] + ml;
				}
			}
		} while (grew);
		memcpy(out + o, s + cur, start - cur);
		o += start - cur;
		memcpy(out + o, "***", 3);
		o += 3;
		cur = end;
	}
	memcpy(out + o, s + cur, len - cur);
	o += len - cur;
	out[o] = '\0';
	free(pos);
	*outlen = o;
	return out;
}

static int ref_contains(const struct ref *x, const char *s, size_t len)
{
	size_t ml;

	for (size_t i = 0; i < x->n; i++)
		if (ref_find(&x->f[i], s, len, 0, &ml) < len)
			return 1;
	return 0;
}

static size_t ref_safe_cut(const struct ref *x, const char *s, size_t len, size_t want)
{
	size_t cut = want < len ? want : len, moved;

	if (cut == len)
		return cut;
	do {
		moved = 0;
		for (size_t i = 0; i < x->n; i++) {
			const struct rform *f = &x->f[i];
			size_t back = f->re ? 4 * f->len : f->len, ml;
			size_t from = cut > back ? cut - back + 1 : 0;
			size_t at = ref_find(f, s, len, from, &ml);
			while (at < cut) {
				if (at + ml > cut) {
					cut = at;
					moved = 1;
					break;
				}
				at = ref_find(f, s, len, at + 1, &ml);
			}
		}
	} while (moved && cut > 0);
	return cut;
}

/* --- random secrets and inputs --- */

static uint64_t seed = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

/* few letters, so that secrets overlap and repeat; some that encoders
 * escape; a non-ASCII letter */
static const char *const atoms[] = { "a", "A", "b", "B", "c", "1", "0", "=", "+", "/", "-", "_",
				     ":", "%", "\"", "\\", " ", "\n", "\xc3\xa4", "\xc3\x84", "x", "Y" };
#define NATOMS (sizeof(atoms) / sizeof(atoms[0]))

static size_t rand_str(char *out, size_t max, int ascii)
{
	size_t n = 0;

	while (n < max) {
		const char *a = atoms[rnd(NATOMS - (ascii ? 4 : 0))];
		size_t l = strlen(a);
		if (n + l > max)
			break;
		memcpy(out + n, a, l);
		n += l;
		if (rnd(4) == 0)
			break;
	}
	return n;
}

static void flip_case(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isalpha((unsigned char)s[i]) && rnd(3) == 0)
			s[i] = (char)(islower((unsigned char)s[i]) ? toupper((unsigned char)s[i])
								    : tolower((unsigned char)s[i]));
}

/* secrets related to each other: pieces, extensions, case variants */
static void add_secrets(redactor *r, char (*sec)[64], size_t *slen, int *n, int many)
{
	int want = many ? 20 + (int)rnd(60) : 1 + (int)rnd(6), ascii = rnd(3) != 0;

	while (*n < want) {
		char *s = sec[*n];
		size_t l;
		if (*n && rnd(2)) {
			int j = (int)rnd((unsigned)*n);
			size_t a = rnd((unsigned)slen[j] + 1), b = rnd((unsigned)slen[j] + 1);
			if (a > b) {
				size_t t = a;
				a = b;
				b = t;
			}
			l = b - a;
			memcpy(s, sec[j] + a, l);
			if (rnd(2))     /* longer: a prefix of the new one */
				l += rand_str(s + l, 63 - l, ascii);
			if (rnd(3) == 0)
				flip_case(s, l);
		} else {
			l = rand_str(s, 1 + rnd(12), ascii);
		}
		slen[*n] = l;
		redact_add(r, s, l);
		(*n)++;
	}
}

/* text made of random atoms and of forms, case-flipped, cut, glued */
static size_t rand_input(const redactor *r, char *out, size_t cap)
{
	size_t n = 0, nf = 0, len;
	const char *s;
	int how;

	while (redact_form(r, nf, &s, &len, &how))
		nf++;
	while (n < cap - 64 && rnd(12)) {
		if (nf && rnd(2)) {
			redact_form(r, rnd((unsigned)nf), &s, &len, &how);
			size_t from = rnd(4) == 0 ? rnd((unsigned)len) : 0, l = len - from;
			if (rnd(4) == 0)
				l = rnd((unsigned)l + 1);
			if (n + l > cap - 64)
				break;
			memcpy(out + n, s + from, l);
			if (rnd(3) == 0)
				flip_case(out + n, l);
			n += l;
		} else {
			n += rand_str(out + n, 1 + rnd(8), 0);
		}
	}
	return n;
}

static int compare(const redactor *r, const char *in, size_t n)
{
	struct ref x;
	size_t gl, wl, want = n ? rnd((unsigned)n + 1) : 0;
	char *got = redact_str(r, in, n, &gl);
	int ok;

	ref_load(&x, r);
	char *exp = ref_redact(&x, in, n, &wl);
	ok = gl == wl && memcmp(got, exp, gl) == 0;
	ok &= !redact_contains(r, in, n) == !ref_contains(&x, in, n);
	ok &= redact_safe_cut(r, in, n, want) == ref_safe_cut(&x, in, n, want);
	if (!ok)
		fprintf(stderr, "  differs on \"%.*s\" (%zu forms): got \"%s\", want \"%s\"\n",
			(int)n, in, x.n, got, exp);
	free(got);
	free(exp);
	ref_free(&x);
	return ok;
}

/* many random sets, secrets added between lookups too */
static void test_random(void)
{
	static char sec[100][64];
	size_t slen[100];
	char in[2048];
	int bad = 0;

	for (int round = 0; round < 1500 && bad < 5; round++) {
		redactor *r = redactor_new();
		int n = 0;
		add_secrets(r, sec, slen, &n, round % 10 == 9);
		for (int k = 0; k < 8 && bad < 5; k++) {
			size_t len = rand_input(r, in, rnd(2) ? 128 : sizeof(in));
			bad += !compare(r, in, len);
			if (k == 4 && n < 95) {
				add_secrets(r, sec, slen, &n, 0);
			}
		}
		redactor_free(r);
	}
	CHECK(bad == 0);
}

/* cases a broken automaton gets wrong, spelled out */
static void test_known(void)
{
	static const char *const sets[][4] = {
		{ "xabcy", "abc", NULL },          /* a suffix of a trie path: output link */
		{ "abcd", "bc", NULL },            /* inside another */
		{ "aaaa", "aa", NULL },            /* overlapping with itself */
		{ "ab", "ba", NULL },              /* touching runs merge */
		{ "Hello", "HELLO", "hello", NULL },
		{ "x", "xy", "xyz", NULL },        /* prefixes */
		{ "zyx", "yx", "x", NULL },        /* suffixes */
		{ "p\xc3\xa4ss", "ss", NULL },     /* PCRE2 form beside the automaton */
	};
	static const char *const inputs[] = {
		"xabcz", "zabcd!", "aaaaaaa", "abab-baba", "HeLLo hello", "xxyxyzx", "zyxyxx",
		"P\xc3\x84SS pass p\xc3\xa4ssss", "nothing", "ABC XABCY aBc",
	};

	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		redactor *r = redactor_new();
		for (int j = 0; sets[i][j]; j++)
			redact_add(r, sets[i][j], strlen(sets[i][j]));
		for (size_t k = 0; k < sizeof(inputs) / sizeof(inputs[0]); k++)
			CHECK(compare(r, inputs[k], strlen(inputs[k])));
		redactor_free(r);
	}
}

/* the automaton alone: every occurrence's end, the longest one there */
static void test_acmatch(void)
{
	struct ac_pattern p[] = { { "he", 2, 0 }, { "she", 3, 0 }, { "his", 3, 1 }, { "hers", 4, 0 },
				  { "SHE", 3, 0 } };
	acmatch *a = ac_build(p, 5);
	struct ac_cursor c;
	size_t s, e, id, got[16][3], n = 0;

	ac_begin(&c, "ushers HIS sHe SHE", 18);
	while (n < 16 && ac_next(a, &c, &s, &e, &id)) {
		got[n][0] = s, got[n][1] = e, got[n][2] = id;
		n++;
	}
	/* "she" ends at 4 (not "he": shorter, same end), "hers" at 6, "HIS"
	 * caselessly, "sHe" matches no exact pattern but its "He" neither,
	 * "SHE" exactly */
	CHECK(n == 4);
	CHECK(n > 0 && got[0][0] == 1 && got[0][1] == 4 && got[0][2] == 1);
	CHECK(n > 1 && got[1][0] == 2 && got[1][1] == 6 && got[1][2] == 3);
	CHECK(n > 2 && got[2][0] == 7 && got[2][1] == 10 && got[2][2] == 2);
	CHECK(n > 3 && got[3][0] == 15 && got[3][1] == 18 && got[3][2] == 4);
	CHECK(ac_max_len(a) == 4);
	ac_free(a);
	CHECK(ac_build(p, 0) == NULL);
}

/* long secrets: more states than get a full row (the deep ones follow
 * their fail links); windows of one two-letter text, so that a long
 * partial match holds the start of another secret */
static void test_deep(void)
{
	redactor *r = redactor_new();
	char base[1200], in[8192];
	int bad = 0;

	for (size_t j = 0; j < sizeof(base); j++)
		base[j] = "ab"[rnd(2)];
	for (int i = 0; i < 40; i++) {
		size_t l = 60 + rnd(240);
		redact_add(r, base + rnd((unsigned)(sizeof(base) - l)), l);
	}
	for (int k = 0; k < 40 && bad < 3; k++) {
		size_t from = rnd(sizeof(base)), n = rnd((unsigned)(sizeof(base) - from) + 1);
		memcpy(in, base + from, n);
		if (k % 4 == 3)
			flip_case(in, n);
		bad += !compare(r, in, n);
		bad += !compare(r, in, rand_input(r, in, sizeof(in)));
	}
	CHECK(bad == 0);
	redactor_free(r);
}

int main(void)
{
	test_acmatch();
	test_known();
	test_random();
	test_deep();
	return unit_done("test_redact_diff");
}
