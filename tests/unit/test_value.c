/*
 * test_value.c - run-time values: types, truthiness, containers, equality
 * and ordering, text and JSON forms, cJSON bridges, durations, timestamps.
 */
#include "base/value.h"
#include "base/arena.h"
#include "base/clock.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* Check v_to_text(v) == want, releasing v. */
static void check_text(value *v, const char *want, int line)
{
	char *t = v_to_text(v);

	if (strcmp(t, want)) {
		fprintf(stderr, "%s:%d: text: expected \"%s\", got \"%s\"\n",
			__FILE__, line, want, t);
		unit_fail++;
	} else {
		unit_pass++;
	}
	free(t);
	v_release(v);
}
#define TEXT(v, want) check_text((v), (want), __LINE__)

static void check_json(value *v, const char *want, int line)
{
	char *t = v_to_json(v);

	if (strcmp(t, want)) {
		fprintf(stderr, "%s:%d: json: expected '%s', got '%s'\n",
			__FILE__, line, want, t);
		unit_fail++;
	} else {
		unit_pass++;
	}
	free(t);
	v_release(v);
}
#define JSON(v, want) check_json((v), (want), __LINE__)

static void test_scalars(void)
{
	value *v;

	CHECK(v_type(v_null()) == V_NULL);
	CHECK(v_null() == v_null());
	CHECK(v_as_bool(v_bool(1)) && !v_as_bool(v_bool(0)));
	CHECK_STR(v_type_name(v_null()), "null");
	CHECK_STR(v_type_name(v_bool(1)), "bool");

	v = v_num(2.5);
	CHECK(v_type(v) == V_NUM && v_as_num(v) == 2.5);
	CHECK_STR(v_type_name(v), "number");
	v_release(v);

	v = v_strn("a\0b", 3);
	CHECK(v_type(v) == V_STR && v_str_len(v) == 3 && v_len(v) == 3);
	CHECK(memcmp(v_as_str(v), "a\0b", 4) == 0);
	v_release(v);

	{
		char *buf = malloc(5);

		memcpy(buf, "hello", 5);        /* no NUL: take must add one */
		v = v_str_take(buf, 5);
		CHECK_STR(v_as_str(v), "hello");
		CHECK(v_str_len(v) == 5);
		v_release(v);
	}

	v = v_dur(90000);
	CHECK(v_type(v) == V_DUR && v_as_dur(v) == 90000);
	CHECK_STR(v_type_name(v), "duration");
	CHECK(v_as_str(v) == NULL);
	v_release(v);

	v = v_str("2m");
	CHECK(v_as_dur(v) == 120000);
	v_release(v);
	v = v_num(3);
	CHECK(v_as_dur(v) == 0);
	CHECK(v_as_str(v) == NULL && v_str_len(v) == 0 && v_len(v) == 0);
	v_release(v);
}

static void test_truthy(void)
{
	value *v;

	CHECK(!v_truthy(v_null()));
	CHECK(!v_truthy(v_bool(0)));
	CHECK(v_truthy(v_bool(1)));
	v = v_num(0); CHECK(!v_truthy(v)); v_release(v);
	v = v_num(-1); CHECK(v_truthy(v)); v_release(v);
	v = v_str(""); CHECK(!v_truthy(v)); v_release(v);
	v = v_str("0"); CHECK(v_truthy(v)); v_release(v);
	v = v_str("false"); CHECK(v_truthy(v)); v_release(v);
	v = v_num(NAN); CHECK(!v_truthy(v)); v_release(v);
	/* lists and objects are truthy even when empty, as in GitHub Actions */
	v = v_list(); CHECK(v_truthy(v));
	v_list_push_take(v, v_null()); CHECK(v_truthy(v)); v_release(v);
	v = v_obj(); CHECK(v_truthy(v));
	v_obj_set_take(v, "k", v_null()); CHECK(v_truthy(v)); v_release(v);
	v = v_dur(0); CHECK(!v_truthy(v)); v_release(v);
	v = v_dur(1); CHECK(v_truthy(v)); v_release(v);
	v = v_time(0); CHECK(v_truthy(v)); v_release(v);
}

static void test_containers(void)
{
	value *l = v_list(), *o = v_obj(), *s = v_str("x"), *got;
	char key[16];
	int i, ok;

	v_list_push(l, s);              /* retains */
	v_list_push_take(l, v_num(1));
	CHECK(v_len(l) == 2);
	CHECK(v_list_get(l, 0) == s);
	CHECK(v_list_get(l, 2) == NULL);
	CHECK(v_list_get(s, 0) == NULL);

	v_obj_set(o, "b", s);
	v_obj_set_take(o, "a", v_num(2));
	v_obj_set_take(o, "b", v_num(3));       /* replace keeps position */
	CHECK(v_len(o) == 2);
	CHECK_STR(v_obj_key(o, 0), "b");
	CHECK_STR(v_obj_key(o, 1), "a");
	CHECK(v_obj_key(o, 2) == NULL && v_obj_val(o, 2) == NULL);
	CHECK(v_as_num(v_obj_get(o, "b")) == 3);
	CHECK(v_obj_get(o, "zz") == NULL);
	CHECK(v_obj_get(l, "b") == NULL);
	v_release(s);           /* still held by l */
	CHECK_STR(v_as_str(v_list_get(l, 0)), "x");

	/* many keys: the hashed index must agree with insertion order */
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		v_obj_set_take(o, key, v_num(i));
	}
	v_obj_set_take(o, "k500", v_str("replaced"));
	CHECK(v_len(o) == 1002);
	ok = 1;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		got = v_obj_get(o, key);
		if (!got || (i != 500 && v_as_num(got) != i))
			ok = 0;
		if (strcmp(v_obj_key(o, (size_t)i + 2), key))
			ok = 0;
	}
	CHECK(ok);
	CHECK_STR(v_as_str(v_obj_get(o, "k500")), "replaced");
	CHECK(v_obj_get(o, "k1000") == NULL);

	v_list_push(l, o);
	v_release(o);
	v_release(l);
}

static void test_equal_compare(void)
{
	value *a, *b, *c, *d;

	a = v_num(1); b = v_num(1.0); c = v_str("1");
	CHECK(v_equal(a, b));
	CHECK(!v_equal(a, c));                  /* across types */
	CHECK(v_compare(a, c) == -2);
	CHECK(!v_equal(v_null(), v_bool(0)));
	CHECK(v_equal(v_null(), v_null()));
	v_release(a); v_release(b); v_release(c);

	a = v_num(1); b = v_num(2);
	CHECK(v_compare(a, b) == -1 && v_compare(b, a) == 1 && v_compare(a, a) == 0);
	v_release(a); v_release(b);

	a = v_str("abc"); b = v_str("abd"); c = v_str("ab");
	CHECK(v_compare(a, b) == -1);
	CHECK(v_compare(a, c) == 1);
	CHECK(v_compare(c, a) == -1);
	v_release(a); v_release(b); v_release(c);

	a = v_strn("a\0b", 3); b = v_strn("a\0c", 3);
	CHECK(!v_equal(a, b) && v_compare(a, b) == -1);
	v_release(a); v_release(b);

	a = v_dur(300000); b = v_str("5m"); c = v_str("4m59s"); d = v_str("soon");
	CHECK(v_equal(a, b) && v_equal(b, a));
	CHECK(v_compare(a, b) == 0);
	CHECK(v_compare(a, c) == 1 && v_compare(c, a) == -1);
	CHECK(v_compare(a, d) == -2 && !v_equal(a, d));
	CHECK(v_compare(b, c) == 1);            /* two strings: bytewise */
	v_release(a); v_release(b); v_release(c); v_release(d);

	CHECK(v_compare(v_bool(1), v_bool(0)) == -2);
	CHECK(v_compare(v_null(), v_null()) == -2);

	a = v_from_json("{\"x\":[1,2,{\"y\":null}],\"z\":\"s\"}", 31);
	b = v_from_json("{\"z\":\"s\",\"x\":[1,2,{\"y\":null}]}", 31);
	c = v_from_json("{\"z\":\"s\",\"x\":[1,2,{\"y\":0}]}", 28);
	CHECK(a && b && c);
	CHECK(v_equal(a, b));                   /* key order does not matter */
	CHECK(!v_equal(a, c));
	v_release(a); v_release(b); v_release(c);

	a = v_from_json("[1,2]", 5); b = v_from_json("[1,2,3]", 7);
	CHECK(!v_equal(a, b));
	v_release(a); v_release(b);
}

static void test_text_json(void)
{
	value *l, *o;

	TEXT(v_null(), "");
	TEXT(v_bool(1), "true");
	TEXT(v_bool(0), "false");
	TEXT(v_num(3), "3");
	TEXT(v_num(-0.0), "0");
	TEXT(v_num(2.5), "2.5");
	TEXT(v_num(0.1), "0.1");
	TEXT(v_num(1e20), "1e+20");
	TEXT(v_num(12345678901234), "12345678901234");
	/* text: at most 15 significant digits (GitHub Actions); JSON: exact */
	TEXT(v_num(1.0 / 3), "0.333333333333333");
	JSON(v_num(1.0 / 3), "0.33333333333333331");
	TEXT(v_num(0.1 + 0.2), "0.3");
	JSON(v_num(0.1 + 0.2), "0.30000000000000004");
	TEXT(v_num(1e-7), "1e-7");
	TEXT(v_num(-1.5e-300), "-1.5e-300");
	TEXT(v_num(NAN), "NaN");
	TEXT(v_num(INFINITY), "Infinity");
	TEXT(v_num(-INFINITY), "-Infinity");
	JSON(v_num(NAN), "null");
	TEXT(v_time(1714566896789), "2024-05-01T12:34:56.789Z");
	JSON(v_time(0), "\"1970-01-01T00:00:00.000Z\"");
	TEXT(v_time(INT64_MAX), "9999-12-31T23:59:59.999Z");     /* held to the range */
	TEXT(v_time(INT64_MIN), "0001-01-01T00:00:00.000Z");
	TEXT(v_dur(90000), "1m30s");
	TEXT(v_str("plain"), "plain");

	l = v_list();
	v_list_push_take(l, v_num(1));
	v_list_push_take(l, v_str("a\"b\n"));
	v_list_push_take(l, v_dur(500));
	v_list_push_take(l, v_null());
	TEXT(v_retain(l), "[1,\"a\\\"b\\n\",\"500ms\",null]");
	o = v_obj();
	v_obj_set_take(o, "z", v_bool(1));
	v_obj_set_take(o, "a", l);
	JSON(o, "{\"z\":true,\"a\":[1,\"a\\\"b\\n\",\"500ms\",null]}");

	JSON(v_str("tab\tctl\x01"), "\"tab\\tctl\\u0001\"");
	JSON(v_num(7), "7");
	JSON(v_num(1.0 / 0.0), "null");
	JSON(v_null(), "null");
	JSON(v_str("${{ env.HOME }}"), "\"${{ env.HOME }}\"");

	/* indented: JSON.stringify(v, null, 2) */
	value *p = v_from_json("{\"a\":[1,{\"b\":[]},{}],\"c\":\"x\"}", 33);
	char *t = v_to_json_pretty(p);
	CHECK_STR(t, "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    },\n    {}\n  ],\n  \"c\": \"x\"\n}");
	free(t);
	v_release(p);
	p = v_num(2);
	t = v_to_json_pretty(p);
	CHECK_STR(t, "2");
	free(t);
	v_release(p);
}

/* timestamps: ms since the epoch; equal and ordered with RFC 3339 text */
static void test_timestamps(void)
{
	value *a = v_time(1714566896000), *b = v_str("2024-05-01T14:34:56+02:00"),
	      *c = v_time(1714566896001), *d = v_str("noon");
	int64_t ms;

	CHECK(v_type(a) == V_TIME && v_as_time(a) == 1714566896000);
	CHECK_STR(v_type_name(a), "timestamp");
	CHECK(v_equal(a, b) && v_equal(b, a) && !v_equal(a, c) && !v_equal(a, d));
	CHECK(v_compare(a, c) == -1 && v_compare(c, b) == 1 && v_compare(a, b) == 0);
	CHECK(v_compare(a, d) == -2 && v_compare(a, v_null()) == -2);
	cJSON *j = v_to_cjson(c);
	CHECK(cJSON_IsString(j) && !strcmp(j->valuestring, "2024-05-01T12:34:56.001Z"));
	cJSON_Delete(j);
	v_release(a); v_release(b); v_release(c); v_release(d);

	/* the parser: RFC 3339 with any offset and fraction, or a date */
	static const struct { const char *s; int64_t ms; } good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "1970-01-01T00:00:00.5Z", 500 },
		{ "1970-01-01t00:00:00.123456z", 123 },
		{ "1970-01-01 01:00:00+01:00", 0 },
		{ "1969-12-31T23:00:00-01:00", 0 },
		{ "1970-01-01", 0 },
		{ "2000-02-29T00:00:00Z", 951782400000 },
		{ "1900-03-01T00:00:00Z", -2203891200000 },
		{ "0001-01-01T00:00:00Z", TS_MIN_MS },
		{ "9999-12-31T23:59:59.999Z", TS_MAX_MS },
		{ "2016-12-31T23:59:60Z", 1483228800000 },      /* a leap second: the next one */
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		ms = -1;
		if (ts_parse(good[i].s, strlen(good[i].s), &ms) != 0 || ms != good[i].ms) {
			fprintf(stderr, "%s:%d: ts_parse(%s): %lld\n", __FILE__, __LINE__, good[i].s,
				(long long)ms);
			unit_fail++;
		} else {
			unit_pass++;
		}
	}
	static const char *const bad[] = {
		"", "1970", "1970-01", "1970-1-01", "1970-01-01T", "1970-01-01T00:00Z",
		"1970-01-01T00:00:00", "1970-01-01T00:00:00.Z", "1970-01-01T24:00:00Z",
		"1970-01-01T00:60:00Z", "1970-01-01T00:00:61Z", "1970-02-30", "1900-02-29",
		"1970-13-01", "0000-01-01", "1970-01-01T00:00:00+1:00", "1970-01-01T00:00:00+24:00",
		"1970-01-01T00:00:00Z ", " 1970-01-01", "9999-12-31T23:59:59-01:00", "1970-01-01T00:00:00ZZ",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (ts_parse(bad[i], strlen(bad[i]), &ms) == 0) {
			fprintf(stderr, "%s:%d: ts_parse(%s) accepted\n", __FILE__, __LINE__, bad[i]);
			unit_fail++;
		} else {
			unit_pass++;
		}
	}
	/* the text is the parser's: every day of four centuries round-trips */
	char buf[32];
	int ok = 1;
	for (int64_t day = -200 * 366; day < 200 * 366; day++) {
		int64_t t = day * 86400000 + (day % 86400) * 999, back;
		if (ts_parse(ts_format(t, buf, sizeof buf), 24, &back) != 0 || back != t)
			ok = 0;
	}
	CHECK(ok);
	ts_fields f;
	ts_split(-1, &f);
	CHECK(f.year == 1969 && f.month == 12 && f.day == 31 && f.hour == 23 && f.ms == 999 &&
	      f.yday == 365 && f.wday == 3);
	ts_split(951782400000, &f);
	CHECK(f.year == 2000 && f.month == 2 && f.day == 29 && f.yday == 60 && f.wday == 2);
	CHECK(ts_format(TS_MAX_MS + 1, buf, sizeof buf) == NULL);
}

static void test_from_json(void)
{
	const char *src = " {\"n\": 42, \"f\": 1.5, \"s\": \"hi\", \"b\": false,"
			  " \"l\": [null, true], \"o\": {}} ";
	value *v = v_from_json(src, strlen(src));

	CHECK(v && v_type(v) == V_OBJ);
	if (v) {
		CHECK(v_as_num(v_obj_get(v, "n")) == 42);
		CHECK(v_as_num(v_obj_get(v, "f")) == 1.5);
		CHECK_STR(v_as_str(v_obj_get(v, "s")), "hi");
		CHECK(v_type(v_obj_get(v, "b")) == V_BOOL);
		CHECK(v_len(v_obj_get(v, "l")) == 2);
		CHECK(v_type(v_obj_get(v, "o")) == V_OBJ);
		CHECK_STR(v_obj_key(v, 5), "o");
		JSON(v, "{\"n\":42,\"f\":1.5,\"s\":\"hi\",\"b\":false,\"l\":[null,true],\"o\":{}}");
	}
	CHECK(v_from_json("{", 1) == NULL);
	CHECK(v_from_json("", 0) == NULL);
	CHECK(v_from_json("[1] x", 5) == NULL);
	CHECK(v_from_json("nul", 3) == NULL);
	/* length is honoured: only the first 3 bytes are parsed */
	v = v_from_json("123456", 3);
	CHECK(v && v_as_num(v) == 123);
	v_release(v);
	v = v_from_json("\"x\"", 3);
	CHECK(v && v_type(v) == V_STR);
	v_release(v);
}

static void test_cjson(void)
{
	value *o = v_obj(), *l = v_list(), *back;
	cJSON *j;
	char *txt;

	v_obj_set_take(o, "n", v_num(3));
	v_obj_set_take(o, "d", v_dur(90000));
	v_list_push_take(l, v_str("x"));
	v_list_push_take(l, v_bool(1));
	v_list_push_take(l, v_null());
	v_obj_set_take(o, "l", l);
	v_obj_set_take(o, "f", v_num(0.25));

	j = v_to_cjson(o);
	txt = cJSON_PrintUnformatted(j);
	CHECK_STR(txt, "{\"n\":3,\"d\":\"1m30s\",\"l\":[\"x\",true,null],\"f\":0.25}");
	free(txt);
	back = v_from_cjson(j);
	CHECK(v_type(v_obj_get(back, "d")) == V_STR);   /* durations go as text */
	CHECK(v_equal(back, o));                        /* ...and still compare */
	CHECK_STR(v_obj_key(back, 2), "l");
	cJSON_Delete(j);
	v_release(back);
	v_release(o);
	back = v_from_cjson(NULL);
	CHECK(v_type(back) == V_NULL);
}

static void check_dur(const char *s, int ok, int64_t want, int line)
{
	int64_t ms = -12345;
	int rc = dur_parse(s, strlen(s), &ms);

	if ((rc == 0) != ok || (ok && ms != want)) {
		fprintf(stderr, "%s:%d: dur_parse(\"%s\") = %d, %lld\n",
			__FILE__, line, s, rc, (long long)ms);
		unit_fail++;
	} else {
		unit_pass++;
	}
}
#define DUR_OK(s, ms) check_dur((s), 1, (ms), __LINE__)
#define DUR_BAD(s) check_dur((s), 0, 0, __LINE__)

static void test_durations(void)
{
	char buf[32];

	DUR_OK("500ms", 500);
	DUR_OK("30s", 30000);
	DUR_OK("5m", 300000);
	DUR_OK("1h30m", 5400000);
	DUR_OK("2d", 172800000);
	DUR_OK("1d2h3m4s5ms", 93784005);
	DUR_OK("0s", 0);
	DUR_OK("90s", 90000);
	DUR_BAD("");
	DUR_BAD("-5m");
	DUR_BAD("5");
	DUR_BAD("5x");
	DUR_BAD("5 m");
	DUR_BAD("m");
	DUR_BAD("1.5s");
	DUR_BAD("5mm");
	DUR_BAD("99999999999999999999d");
	DUR_BAD("9223372036854775807d");
	DUR_BAD("106751991167d7h12m55s808ms1ms");
	DUR_OK("106751991167d7h12m55s807ms", INT64_MAX);

	CHECK_STR(dur_format(0, buf, sizeof(buf)), "0s");
	CHECK_STR(dur_format(500, buf, sizeof(buf)), "500ms");
	CHECK_STR(dur_format(90000, buf, sizeof(buf)), "1m30s");
	CHECK_STR(dur_format(1500, buf, sizeof(buf)), "1s500ms");
	CHECK_STR(dur_format(5400000, buf, sizeof(buf)), "1h30m");
	CHECK_STR(dur_format(172800000, buf, sizeof(buf)), "2d");
	CHECK_STR(dur_format(-90000, buf, sizeof(buf)), "-1m30s");
	CHECK_STR(dur_format(INT64_MAX, buf, sizeof(buf)), "106751991167d7h12m55s807ms");
	CHECK_STR(dur_format(INT64_MIN, buf, sizeof(buf)), "-106751991167d7h12m55s808ms");
}

static void test_refcount(void)
{
	value *s = v_str("shared"), *l1 = v_list(), *l2 = v_list();

	/* one string in two lists, released in either order: ASan checks */
	v_list_push(l1, s);
	v_list_push(l2, s);
	v_release(s);
	v_release(l1);
	CHECK_STR(v_as_str(v_list_get(l2, 0)), "shared");
	v_release(l2);

	s = v_retain(v_str("twice"));
	v_release(s);
	CHECK_STR(v_as_str(s), "twice");
	v_release(s);

	v_release(v_null());            /* singletons are immortal */
	v_release(v_bool(1));
	CHECK(v_type(v_null()) == V_NULL && v_as_bool(v_bool(1)));
}

int main(void)
{
	test_scalars();
	test_truthy();
	test_containers();
	test_equal_compare();
	test_text_json();
	test_from_json();
	test_cjson();
	test_durations();
	test_timestamps();
	test_refcount();
	return unit_done("test_value");
}
