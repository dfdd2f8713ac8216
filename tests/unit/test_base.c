/*
 * test_base.c - the shared helpers of base/: hex digits and
 * percent-decoding (hex.h), the pattern cache (re.h), the JUnit writer
 * (junit.h) and the clocks (clock.h).
 */
#include "unit.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/junit.h"
#include "base/re.h"

#include <signal.h>
#include <stdlib.h>

static void test_hex(void)
{
	char out[16], buf[32];
	size_t bad = 99, n;

	CHECK(hex_digit('0') == 0 && hex_digit('9') == 9);
	CHECK(hex_digit('a') == 10 && hex_digit('F') == 15);
	CHECK(hex_digit('g') == -1 && hex_digit(' ') == -1 && hex_digit(0) == -1);
	CHECK(hex_digit((char)0xC3) == -1); /* a negative char is no digit */
	hex_encode("\x01\xab\xff", 3, out);
	CHECK_STR(out, "01abff");
	hex_encode("", 0, out);
	CHECK_STR(out, "");

	n = pct_decode("a%20b%2Fc", 9, buf, &bad);
	CHECK(n == 5 && !strcmp(buf, "a b/c") && bad == 0);
	/* a bad escape stays as it is, and is counted */
	n = pct_decode("100%%zz%4", 9, buf, &bad);
	CHECK(n == 9 && !strcmp(buf, "100%%zz%4") && bad == 3);
	n = pct_decode("%00x", 4, buf, NULL);
	CHECK(n == 2 && buf[0] == 0 && buf[1] == 'x');
}

static void test_re(void)
{
	re_error e;

	CHECK(re_match("^a.c$", 5, 0, "abc", 3, 0, &e) == 1);
	CHECK(re_match("^a.c$", 5, 0, "abd", 3, 0, &e) == 0);
	/* the options are part of the key: the same text, two patterns */
	CHECK(re_match("^b$", 3, 0, "a\nb", 3, 0, &e) == 0);
	CHECK(re_match("^b$", 3, RE_MULTILINE, "a\nb", 3, 0, &e) == 1);
	CHECK(re_match("^b$", 3, 0, "a\nb", 3, 0, &e) == 0);

	CHECK(re_check("a(b", 3, 0, &e) == -1);
	CHECK(e.bad_pattern && !e.bad_subject && e.offset == 3 && strstr(e.msg, "missing"));
	CHECK(re_match("a(b", 3, 0, "ab", 2, 0, &e) == -1 && e.bad_pattern);
	CHECK(re_check("a(b)", 4, 0, &e) == 0);

	/* a subject that is not UTF-8: an error at its offset, or (asked for)
	 * a match where it is valid */
	CHECK(re_match("b", 1, 0,
		       "a\xff"
		       "b",
		       3, 0, &e) == -1);
	CHECK(e.bad_subject && !e.bad_pattern && e.offset == 1);
	CHECK(re_match("b", 1, RE_INVALID_UTF,
		       "a\xff"
		       "b",
		       3, 0, &e) == 1);

	/* the match limit: a catastrophic pattern is an error, not a stall */
	const char *bomb = "^(a+)+$";
	char subj[64];
	memset(subj, 'a', 40);
	subj[40] = 'b';
	CHECK(re_match(bomb, strlen(bomb), 0, subj, 41, 10000, &e) == -1);
	CHECK(!e.bad_pattern && !e.bad_subject && e.msg[0]);

	/* more distinct patterns than the cache keeps: each still works */
	for (int i = 0; i < RE_CACHE_MAX + 20; i++) {
		char pat[32], s[32];
		snprintf(pat, sizeof pat, "^x%dy$", i);
		snprintf(s, sizeof s, "x%dy", i);
		if (re_match(pat, strlen(pat), 0, s, strlen(s), 0, &e) != 1 ||
		    re_match(pat, strlen(pat), 0, "x", 1, 0, &e) != 0) {
			CHECK(!"pattern past the cache");
			break;
		}
	}
	CHECK(re_match("^a.c$", 5, 0, "axc", 3, 0, &e) == 1);
}

static char *junit_text(junit *j, const char *suite, const char *const *props)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	junit_print(f, j, suite, props);
	fclose(f);
	return buf;
}

static void test_junit(void)
{
	junit j = { 0 };
	const char *const props[] = { "k", "v&", NULL };

	junit_case(&j, "c1", "clean", -1);
	junit_case(&j, "c2", "two failures", -1);
	junit_failure(&j, "m <1>", "t", "text\n\"one\"");
	junit_failure(&j, "m2", NULL, NULL);
	junit_output(&j, "out\ttab\x01");
	junit_case(&j, "c3", "output only", -1);
	junit_output(&j, "");
	junit_case(&j, "c4", "could not run", 1.5);
	junit_error(&j, "gone", "io", NULL);
	char *s = junit_text(&j, "suite 'x'", props);
	CHECK(strstr(s, "<testsuites name=\"runbook\" tests=\"4\" failures=\"1\" errors=\"1\" "
			"time=\"1.500\">\n"));
	CHECK(strstr(s, "  <testsuite name=\"suite &apos;x&apos;\" tests=\"4\" failures=\"1\" "
			"errors=\"1\" skipped=\"0\" time=\"1.500\">\n"));
	CHECK(strstr(s, "    <testcase classname=\"c4\" name=\"could not run\" time=\"1.500\">\n"
			"      <error message=\"gone\" type=\"io\"/>\n    </testcase>\n"));
	CHECK(strstr(s, "    <properties><property name=\"k\" value=\"v&amp;\"/></properties>\n"));
	CHECK(strstr(s, "    <testcase classname=\"c1\" name=\"clean\"/>\n"));
	CHECK(strstr(
		s,
		"    <testcase classname=\"c2\" name=\"two failures\">\n"
		"      <failure message=\"m &lt;1&gt;\" type=\"t\">text&#10;&quot;one&quot;</failure>\n"
		"      <failure message=\"m2\"/>\n"
		"      <system-out>out&#9;tab </system-out>\n"
		"    </testcase>\n"));
	CHECK(strstr(s, "    <testcase classname=\"c3\" name=\"output only\">\n"
			"      <system-out></system-out>\n    </testcase>\n"));
	CHECK(strstr(s, "  </testsuite>\n</testsuites>\n"));
	free(s);

	/* no case at all, no properties */
	junit none = { 0 };
	s = junit_text(&none, "empty", NULL);
	CHECK(strstr(s, "tests=\"0\" failures=\"0\"") && !strstr(s, "<properties>") &&
	      !strstr(s, "<testcase"));
	free(s);
}

static void test_clock(void)
{
	char ts[32];
	int y, mo, d, hh, mi, ss, ms;
	char z;

	CHECK(strlen(ts_now(ts, sizeof ts)) == 24);
	CHECK(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &hh, &mi, &ss, &ms, &z) ==
		      8 &&
	      z == 'Z');
	const char *b = boot_id();
	CHECK(b && strspn(b, "0123456789abcdef-") == strlen(b));
	CHECK(boot_id() == b); /* read once */
	int64_t m0 = now_ms(), b0 = boottime_ms();
	CHECK(sleep_cancellable(30, NULL) == 0);
	CHECK(now_ms() - m0 >= 30 && boottime_ms() - b0 >= 30);
	CHECK(boottime_ns() / 1000000 >= b0);
	volatile sig_atomic_t cancel = 1;
	m0 = now_ms();
	CHECK(sleep_cancellable(5000, &cancel) == -1);
	CHECK(now_ms() - m0 < 1000);
}

int main(void)
{
	test_hex();
	test_re();
	test_junit();
	test_clock();
	return unit_done("test_base");
}
