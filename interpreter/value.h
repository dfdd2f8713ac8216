/*
 * value.h - typed run-time values: null, bool, number, string, list,
 * object, duration.
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
 * milliseconds.
 */
#ifndef RB_VALUE_H
#define RB_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { V_NULL, V_BOOL, V_NUM, V_STR, V_LIST, V_OBJ, V_DUR } vtype;

typedef struct value value;

value *v_null(void);
value *v_bool(int b);
value *v_num(double d);
value *v_str(const char *s);                  /* copies */
value *v_strn(const char *s, size_t n);       /* copies */
value *v_str_take(char *s, size_t n);         /* takes a malloc'd buffer */
value *v_dur(int64_t ms);
value *v_list(void);                          /* empty, mutable until shared */
value *v_obj(void);

value *v_retain(value *v);
void v_release(value *v);

vtype v_type(const value *v);
const char *v_type_name(const value *v);     /* "null", "bool", ... */
int v_truthy(const value *v);                 /* null/false/0/""/[]/{} false */
int v_as_bool(const value *v);
double v_as_num(const value *v);
int64_t v_as_dur(const value *v);
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
 * strings (bytewise), durations with durations or duration strings ("5m"). */
int v_compare(const value *a, const value *b);

/* Text form for interpolation: strings as-is, numbers without a trailing
 * ".0", durations as "1m30s", null as "", lists/objects as JSON. malloc'd. */
char *v_to_text(const value *v);
/* JSON text (durations as strings "1m30s"). malloc'd. */
char *v_to_json(const value *v);
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

#endif
