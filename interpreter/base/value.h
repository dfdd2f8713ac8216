/*
 * value.h - typed run-time values: null, bool, number, string, list,
 * object, duration, timestamp.
 *
 * Ownership (stated once, as jq's jv.h does): values are immutable and
 * reference counted.  Every function that returns a `value *` returns a NEW
 * reference the caller must v_release(); every `value *` argument is
 * BORROWED unless the function name ends in _take (which consumes it).
 * v_retain() returns its argument for chaining.  NULL is never a value:
 * use v_null().
 *
 * Strings are byte strings with a length (may contain NUL).  Objects keep
 * insertion order (transcripts stay readable and stable).  Durations are
 * milliseconds; timestamps are milliseconds since the epoch (UTC), written
 * as RFC 3339 text ("2024-05-01T12:34:56.789Z") in text and JSON.
 */
#ifndef RB_VALUE_H
#define RB_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { V_NULL, V_BOOL, V_NUM, V_STR, V_LIST, V_OBJ, V_DUR, V_TIME } vtype;

typedef struct value value;

value *v_null(void);
value *v_bool(int b);
value *v_num(double d);
value *v_str(const char *s);                  /* copies */
value *v_strn(const char *s, size_t n);       /* copies */
value *v_str_take(char *s, size_t n);         /* takes a malloc'd buffer */
value *v_dur(int64_t ms);
value *v_time(int64_t ms);                    /* ms since the epoch (base/clock.h range) */
value *v_list(void);                          /* empty, mutable until shared */
value *v_obj(void);

value *v_retain(value *v);
void v_release(value *v);

/*
 * Secrets are tracked through computation: a value read from a secret is
 * marked, and every value an expression computes from a marked one is
 * marked too (see expr.c), so upper(secret) or split(secret, ':') are
 * secrets of their own.  A list or object is marked when anything inside
 * it is.  v_secret marks v (and the items only it holds) and returns it;
 * v_masked gives a copy where every marked scalar reads mask;
 * v_each_secret_str visits every marked string.
 */
value *v_secret(value *v);
int v_is_secret(const value *v);
int v_shared(const value *v);
value *v_masked(const value *v, const char *mask);
void v_each_secret_str(const value *v, void (*fn)(void *ud, const char *s, size_t n),
		       void *ud);

vtype v_type(const value *v);
const char *v_type_name(const value *v);     /* "null", "bool", ... */
int v_truthy(const value *v);                 /* null/false/0/NaN/""/0s false */
int v_as_bool(const value *v);
double v_as_num(const value *v);
int64_t v_as_dur(const value *v);
int64_t v_as_time(const value *v);            /* a timestamp's ms; 0 for any other type */
/* A duration or duration text ("5m") as ms; a timestamp or RFC 3339 text
 * as ms since the epoch.  0, or -1 when v is neither. */
int v_dur_ms(const value *v, int64_t *ms);
int v_time_ms(const value *v, int64_t *ms);
const char *v_as_str(const value *v);         /* NUL-terminated; NULL if not str */
size_t v_str_len(const value *v);

/* lists */
size_t v_len(const value *v);                 /* list items, object keys, string bytes */
value *v_list_get(const value *l, size_t i);  /* borrowed; NULL when out of range */
void v_list_push(value *l, value *item);      /* retains item */
void v_list_push_take(value *l, value *item);

/* objects */
value *v_obj_get(const value *o, const char *key);   /* borrowed or NULL */
void v_obj_set(value *o, const char *key, value *v); /* retains v; replaces */
void v_obj_set_take(value *o, const char *key, value *v);
const char *v_obj_key(const value *o, size_t i);
value *v_obj_val(const value *o, size_t i);          /* borrowed */

int v_equal(const value *a, const value *b);
/* -1/0/1, or -2 when not comparable.  Numbers with numbers, strings with
 * strings (bytewise), durations with durations or duration strings ("5m"),
 * timestamps with timestamps or RFC 3339 strings. */
int v_compare(const value *a, const value *b);

/* Text form for interpolation: strings as-is, numbers with at most 15
 * significant digits and no trailing ".0" (NaN, Infinity, -Infinity),
 * durations as "1m30s", timestamps in RFC 3339, null as "", lists/objects
 * as JSON. malloc'd. */
char *v_to_text(const value *v);
/* JSON text (durations as strings "1m30s", timestamps as RFC 3339
 * strings, non-finite numbers as null). malloc'd. */
char *v_to_json(const value *v);
/* The same, indented by two spaces a level (JSON.stringify(v, null, 2)). */
char *v_to_json_pretty(const value *v);
/*
 * JSON text with a filter on its strings: f->str(ud, s, n, &outn, kind)
 * returns a malloc'd replacement of s[0..n) (outn bytes) or NULL to keep
 * it; kind is 0 for a string value, 1 for an object key that is data
 * (below the first level of objects), 2 for a key of the first level (a
 * name), -1 for a number's text (a replacement makes it a string).  The
 * transcript uses it to redact and to keep every line valid UTF-8.
 */
typedef struct v_json_filter {
	char *(*str)(void *ud, const char *s, size_t n, size_t *outn, int kind);
	void *ud;
} v_json_filter;
char *v_to_json_filtered(const value *v, const v_json_filter *f);
/* Parse JSON text into a value (via cJSON); NULL on error. */
value *v_from_json(const char *s, size_t n);

/* cJSON bridges (cJSON is the transcript's representation) */
struct cJSON;
struct cJSON *v_to_cjson(const value *v);
value *v_from_cjson(const struct cJSON *j);

/* Durations: "500ms", "30s", "5m", "1h30m", "2d". Returns 0 ok, -1 bad. */
int dur_parse(const char *s, size_t n, int64_t *ms);
/* "1m30s", "500ms", "0s"; writes into buf (>= 32 bytes) */
char *dur_format(int64_t ms, char *buf, size_t cap);
/* A value as a duration: a duration value, or text dur_parse reads (a
 * number is not one: 30 what?).  0 with *ms (never negative), else -1. */
int v_dur_of(const value *v, int64_t *ms);

#endif
