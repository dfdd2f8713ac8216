/*
 * value.c - typed run-time values (see value.h for the ownership rule).
 *
 * Values are immutable once shared.  A list or object may be filled in by
 * its creator while it holds the only reference; pushing into a shared
 * container is a programming error and aborts.  Reference counts are
 * updated atomically so a value may be shared between threads.  null, true
 * and false are immortal singletons.
 *
 * Objects keep their keys in insertion order in two parallel arrays; past
 * a few keys an open-addressing index (positions into those arrays) makes
 * look-ups constant time, so large JSON bodies stay cheap to build.
 */
#include "base/value.h"
#include "base/arena.h"
#include "base/clock.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OBJ_INDEX_MIN 8

struct value {
	int rc;                 /* < 0: immortal */
	vtype t;
	/* a scalar: its value came from a secret; a list or object: some
	 * value inside it did (see v_secret) */
	unsigned char secret;
	union {
		int b;
		double n;
		int64_t ms;
		struct {
			char *s;
			size_t len;
		} s;
		struct {
			value **items;
			size_t n, cap;
		} l;
		struct {
			char **keys;
			value **vals;
			size_t n, cap;
			uint32_t *idx;  /* position + 1, 0 empty */
			size_t icap;    /* power of two, 0 when no index */
		} o;
	} u;
};

static value v_null_s = { -1, V_NULL, 0, { 0 } };
static value v_true_s = { -1, V_BOOL, 0, { .b = 1 } };
static value v_false_s = { -1, V_BOOL, 0, { .b = 0 } };

static value *v_new(vtype t)
{
	value *v = xcalloc(1, sizeof(*v));
	v->rc = 1;
	v->t = t;
	return v;
}

value *v_null(void)
{
	return &v_null_s;
}

value *v_bool(int b)
{
	return b ? &v_true_s : &v_false_s;
}

value *v_num(double d)
{
	value *v = v_new(V_NUM);
	v->u.n = d;
	return v;
}

value *v_strn(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return v_str_take(p, n);
}

value *v_str(const char *s)
{
	return v_strn(s, strlen(s));
}

/*
 * Take ownership of a malloc'd buffer of n bytes.  The buffer need not be
 * NUL-terminated: it is grown by one byte to make it so.
 */
value *v_str_take(char *s, size_t n)
{
	value *v = v_new(V_STR);
	s = xrealloc(s, n + 1);
	s[n] = '\0';
	v->u.s.s = s;
	v->u.s.len = n;
	return v;
}

value *v_dur(int64_t ms)
{
	value *v = v_new(V_DUR);
	v->u.ms = ms;
	return v;
}

/* a timestamp, held to the range RFC 3339 can write (base/clock.h) */
value *v_time(int64_t ms)
{
	value *v = v_new(V_TIME);
	v->u.ms = ms < TS_MIN_MS ? TS_MIN_MS : ms > TS_MAX_MS ? TS_MAX_MS : ms;
	return v;
}

value *v_list(void)
{
	return v_new(V_LIST);
}

value *v_obj(void)
{
	return v_new(V_OBJ);
}

value *v_retain(value *v)
{
	if (v && v->rc >= 0)
		__atomic_add_fetch(&v->rc, 1, __ATOMIC_RELAXED);
	return v;
}

/*
 * Mark v as computed from a secret.  Only what the caller alone holds is
 * changed (values are immutable once shared): v itself when it is not an
 * immortal singleton, and, inside a list or object, every item that is
 * held by nothing else -- so fromJSON(secret).password is secret too,
 * while an item that slice() shares with its source keeps its own mark.
 * Booleans and null are singletons and never marked: a comparison with a
 * secret reveals one bit, by design.
 */
value *v_secret(value *v)
{
	size_t i;

	if (!v || v->rc < 0)
		return v;
	v->secret = 1;
	if (v->t == V_LIST) {
		for (i = 0; i < v->u.l.n; i++)
			if (v->u.l.items[i]->rc == 1)
				v_secret(v->u.l.items[i]);
	} else if (v->t == V_OBJ) {
		for (i = 0; i < v->u.o.n; i++)
			if (v->u.o.vals[i]->rc == 1)
				v_secret(v->u.o.vals[i]);
	}
	return v;
}

/* Is v held by more than its one reference (or an immortal singleton)? */
int v_shared(const value *v)
{
	return v->rc != 1;
}

int v_is_secret(const value *v)
{
	return v && v->secret;
}

/* A copy of v where every secret scalar reads `mask` (for `plan`). */
value *v_masked(const value *v, const char *mask)
{
	value *r;
	size_t i;

	if (!v->secret)
		return v_retain((value *)v);
	switch (v->t) {
	case V_LIST:
		r = v_list();
		for (i = 0; i < v->u.l.n; i++)
			v_list_push_take(r, v_masked(v->u.l.items[i], mask));
		r->secret = 0;
		return r;
	case V_OBJ:
		r = v_obj();
		for (i = 0; i < v->u.o.n; i++)
			v_obj_set_take(r, v->u.o.keys[i], v_masked(v->u.o.vals[i], mask));
		r->secret = 0;
		return r;
	default:
		return v_str(mask);
	}
}

/*
 * Call fn for every secret string inside v (v itself included), e.g. to
 * register values derived from secrets with a redactor.
 */
void v_each_secret_str(const value *v, void (*fn)(void *ud, const char *s, size_t n),
		       void *ud)
{
	size_t i;

	if (!v->secret)
		return;
	if (v->t == V_STR)
		fn(ud, v->u.s.s, v->u.s.len);
	else if (v->t == V_LIST)
		for (i = 0; i < v->u.l.n; i++)
			v_each_secret_str(v->u.l.items[i], fn, ud);
	else if (v->t == V_OBJ)
		for (i = 0; i < v->u.o.n; i++)
			v_each_secret_str(v->u.o.vals[i], fn, ud);
}

static void v_free(value *v)
{
	size_t i;

	switch (v->t) {
	case V_STR:
		free(v->u.s.s);
		break;
	case V_LIST:
		for (i = 0; i < v->u.l.n; i++)
			v_release(v->u.l.items[i]);
		free(v->u.l.items);
		break;
	case V_OBJ:
		for (i = 0; i < v->u.o.n; i++) {
			free(v->u.o.keys[i]);
			v_release(v->u.o.vals[i]);
		}
		free(v->u.o.keys);
		free(v->u.o.vals);
		free(v->u.o.idx);
		break;
	default:
		break;
	}
	free(v);
}

/* Drop one reference; the last one frees the value and its children. */
void v_release(value *v)
{
	if (!v || v->rc < 0)
		return;
	if (__atomic_sub_fetch(&v->rc, 1, __ATOMIC_ACQ_REL) == 0)
		v_free(v);
}

vtype v_type(const value *v)
{
	return v->t;
}

const char *v_type_name(const value *v)
{
	static const char *const names[] = {
		"null", "bool", "number", "string", "list", "object", "duration", "timestamp"
	};
	return names[v->t];
}

/*
 * Falsy, as GitHub Actions has it: null, false, 0, -0, NaN and ''; and a
 * zero duration.  Lists and objects are truthy even when empty (test
 * len(x) > 0), timestamps always.
 */
int v_truthy(const value *v)
{
	switch (v->t) {
	case V_NULL:
		return 0;
	case V_BOOL:
		return v->u.b;
	case V_NUM:
		return v->u.n != 0 && !isnan(v->u.n);
	case V_STR:
		return v->u.s.len != 0;
	case V_LIST:
	case V_OBJ:
	case V_TIME:
		return 1;
	case V_DUR:
		return v->u.ms != 0;
	}
	return 0;
}

/* A bool's value; any other type by truthiness. */
int v_as_bool(const value *v)
{
	return v_truthy(v);
}

/* A number's value; 0 for any other type. */
double v_as_num(const value *v)
{
	return v->t == V_NUM ? v->u.n : 0;
}

/*
 * A duration in ms.  Strings in duration syntax ("30s") convert too, so a
 * parameter written either way reads the same; anything else gives 0.
 */
int64_t v_as_dur(const value *v)
{
	int64_t ms;

	if (v->t == V_DUR)
		return v->u.ms;
	if (v->t == V_STR && dur_parse(v->u.s.s, v->u.s.len, &ms) == 0)
		return ms;
	return 0;
}

int64_t v_as_time(const value *v)
{
	return v->t == V_TIME ? v->u.ms : 0;
}

const char *v_as_str(const value *v)
{
	return v->t == V_STR ? v->u.s.s : NULL;
}

size_t v_str_len(const value *v)
{
	return v->t == V_STR ? v->u.s.len : 0;
}

size_t v_len(const value *v)
{
	switch (v->t) {
	case V_STR:
		return v->u.s.len;
	case V_LIST:
		return v->u.l.n;
	case V_OBJ:
		return v->u.o.n;
	default:
		return 0;
	}
}

static void check_mutable(const value *v, vtype t, const char *what)
{
	if (v->t != t || v->rc != 1) {
		fprintf(stderr, "runbook: %s on a %s value\n", what,
			v->t != t ? v_type_name(v) : "shared");
		abort();
	}
}

value *v_list_get(const value *l, size_t i)
{
	if (l->t != V_LIST || i >= l->u.l.n)
		return NULL;
	return l->u.l.items[i];
}

/* Append, taking over the caller's reference to item. */
void v_list_push_take(value *l, value *item)
{
	check_mutable(l, V_LIST, "list push");
	if (l->u.l.n == l->u.l.cap) {
		l->u.l.cap = l->u.l.cap ? 2 * l->u.l.cap : 4;
		l->u.l.items = xrealloc(l->u.l.items,
					l->u.l.cap * sizeof(*l->u.l.items));
	}
	l->u.l.items[l->u.l.n++] = item;
	l->secret |= item->secret;
}

void v_list_push(value *l, value *item)
{
	v_list_push_take(l, v_retain(item));
}

static uint32_t hash_key(const char *k)
{
	uint32_t h = 2166136261u;

	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 16777619u;
	return h;
}

static void obj_index_add(value *o, size_t pos)
{
	size_t mask = o->u.o.icap - 1;
	size_t i = hash_key(o->u.o.keys[pos]) & mask;

	while (o->u.o.idx[i])
		i = (i + 1) & mask;
	o->u.o.idx[i] = (uint32_t)pos + 1;
}

static void obj_reindex(value *o)
{
	size_t i, cap = 16;

	while (cap < 2 * o->u.o.n)
		cap *= 2;
	free(o->u.o.idx);
	o->u.o.idx = xcalloc(cap, sizeof(*o->u.o.idx));
	o->u.o.icap = cap;
	for (i = 0; i < o->u.o.n; i++)
		obj_index_add(o, i);
}

static long obj_find(const value *o, const char *key)
{
	size_t i;

	if (o->u.o.icap) {
		size_t mask = o->u.o.icap - 1;

		for (i = hash_key(key) & mask; o->u.o.idx[i]; i = (i + 1) & mask)
			if (!strcmp(o->u.o.keys[o->u.o.idx[i] - 1], key))
				return (long)o->u.o.idx[i] - 1;
		return -1;
	}
	for (i = 0; i < o->u.o.n; i++)
		if (!strcmp(o->u.o.keys[i], key))
			return (long)i;
	return -1;
}

value *v_obj_get(const value *o, const char *key)
{
	long i;

	if (o->t != V_OBJ)
		return NULL;
	i = obj_find(o, key);
	return i < 0 ? NULL : o->u.o.vals[i];
}

/*
 * Set key to v, taking over the caller's reference.  An existing key keeps
 * its position and has its value replaced; a new key goes last.
 */
void v_obj_set_take(value *o, const char *key, value *v)
{
	long i;

	check_mutable(o, V_OBJ, "object set");
	o->secret |= v->secret;
	i = obj_find(o, key);
	if (i >= 0) {
		v_release(o->u.o.vals[i]);
		o->u.o.vals[i] = v;
		return;
	}
	if (o->u.o.n == o->u.o.cap) {
		o->u.o.cap = o->u.o.cap ? 2 * o->u.o.cap : 4;
		o->u.o.keys = xrealloc(o->u.o.keys,
				       o->u.o.cap * sizeof(*o->u.o.keys));
		o->u.o.vals = xrealloc(o->u.o.vals,
				       o->u.o.cap * sizeof(*o->u.o.vals));
	}
	o->u.o.keys[o->u.o.n] = xstrdup(key);
	o->u.o.vals[o->u.o.n] = v;
	o->u.o.n++;
	if (o->u.o.n >= OBJ_INDEX_MIN) {
		if (2 * o->u.o.n > o->u.o.icap)
			obj_reindex(o);
		else
			obj_index_add(o, o->u.o.n - 1);
	}
}

void v_obj_set(value *o, const char *key, value *v)
{
	v_obj_set_take(o, key, v_retain(v));
}

const char *v_obj_key(const value *o, size_t i)
{
	if (o->t != V_OBJ || i >= o->u.o.n)
		return NULL;
	return o->u.o.keys[i];
}

value *v_obj_val(const value *o, size_t i)
{
	if (o->t != V_OBJ || i >= o->u.o.n)
		return NULL;
	return o->u.o.vals[i];
}

static int str_cmp(const value *a, const value *b)
{
	size_t n = a->u.s.len < b->u.s.len ? a->u.s.len : b->u.s.len;
	int c = n ? memcmp(a->u.s.s, b->u.s.s, n) : 0;

	if (c)
		return c < 0 ? -1 : 1;
	if (a->u.s.len == b->u.s.len)
		return 0;
	return a->u.s.len < b->u.s.len ? -1 : 1;
}

int v_dur_ms(const value *v, int64_t *ms)
{
	if (v->t == V_DUR) {
		*ms = v->u.ms;
		return 0;
	}
	if (v->t == V_STR)
		return dur_parse(v->u.s.s, v->u.s.len, ms);
	return -1;
}

int v_time_ms(const value *v, int64_t *ms)
{
	if (v->t == V_TIME) {
		*ms = v->u.ms;
		return 0;
	}
	if (v->t == V_STR)
		return ts_parse(v->u.s.s, v->u.s.len, ms);
	return -1;
}

/*
 * Deep equality.  Values of different types are never equal, with the
 * exceptions that mirror v_compare(): a duration equals a string that
 * spells the same duration (`steps.x.elapsed == '5m'`), a timestamp one
 * that spells the same time.
 */
int v_equal(const value *a, const value *b)
{
	size_t i;

	if (a == b)
		return 1;
	if (a->t != b->t) {
		int64_t x, y;

		if ((a->t == V_DUR || b->t == V_DUR) &&
		    v_dur_ms(a, &x) == 0 && v_dur_ms(b, &y) == 0)
			return x == y;
		if ((a->t == V_TIME || b->t == V_TIME) &&
		    v_time_ms(a, &x) == 0 && v_time_ms(b, &y) == 0)
			return x == y;
		return 0;
	}
	switch (a->t) {
	case V_NULL:
		return 1;
	case V_BOOL:
		return a->u.b == b->u.b;
	case V_NUM:
		return a->u.n == b->u.n;
	case V_DUR:
	case V_TIME:
		return a->u.ms == b->u.ms;
	case V_STR:
		return str_cmp(a, b) == 0;
	case V_LIST:
		if (a->u.l.n != b->u.l.n)
			return 0;
		for (i = 0; i < a->u.l.n; i++)
			if (!v_equal(a->u.l.items[i], b->u.l.items[i]))
				return 0;
		return 1;
	case V_OBJ:
		if (a->u.o.n != b->u.o.n)
			return 0;
		for (i = 0; i < a->u.o.n; i++) {
			const value *bv = v_obj_get(b, a->u.o.keys[i]);

			if (!bv || !v_equal(a->u.o.vals[i], bv))
				return 0;
		}
		return 1;
	}
	return 0;
}

int v_compare(const value *a, const value *b)
{
	int64_t x, y;

	if (a->t == V_NUM && b->t == V_NUM) {
		if (isnan(a->u.n) || isnan(b->u.n))
			return -2;
		return a->u.n < b->u.n ? -1 : a->u.n > b->u.n;
	}
	if (a->t == V_STR && b->t == V_STR)
		return str_cmp(a, b);
	if ((a->t == V_DUR || b->t == V_DUR) &&
	    v_dur_ms(a, &x) == 0 && v_dur_ms(b, &y) == 0)
		return x < y ? -1 : x > y;
	if ((a->t == V_TIME || b->t == V_TIME) &&
	    v_time_ms(a, &x) == 0 && v_time_ms(b, &y) == 0)
		return x < y ? -1 : x > y;
	return -2;
}

/*
 * A number's text.  Integral values print without a fraction ("3", not
 * "3.0"), -0 as "0".  JSON (exact): the shortest text that reads back as
 * the same double; non-finite numbers never get here (they are null).
 * Text (exact 0): at most 15 significant digits as GitHub Actions prints
 * them (0.1 + 0.2 is "0.3"), "NaN", "Infinity", "-Infinity", and an
 * exponent without leading zeros ("1e-7").
 */
static void num_text(double d, char *buf, size_t cap, int exact)
{
	if (isnan(d)) {
		snprintf(buf, cap, "NaN");
	} else if (isinf(d)) {
		snprintf(buf, cap, d < 0 ? "-Infinity" : "Infinity");
	} else if (d == floor(d) && fabs(d) < 1e17) {
		snprintf(buf, cap, "%.0f", d == 0 ? 0.0 : d);
	} else {
		snprintf(buf, cap, "%.15g", d);
		if (exact && strtod(buf, NULL) != d)
			snprintf(buf, cap, "%.17g", d);
		char *e = strchr(buf, 'e');
		if (!exact && e) {
			char *z = e + 2;
			while (*z == '0' && z[1])
				z++;
			memmove(e + 2, z, strlen(z) + 1);
		}
	}
}

static void json_str(sbuf *b, const char *s, size_t n)
{
	size_t i;

	sbuf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t run = i;

		/* copy a run of characters that need no escape at once */
		while (run < n && (unsigned char)s[run] >= 0x20 && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i) {
			sbuf_add(b, s + i, run - i);
			i = run - 1;
			continue;
		}
		switch (c) {
		case '"':
			sbuf_adds(b, "\\\"");
			break;
		case '\\':
			sbuf_adds(b, "\\\\");
			break;
		case '\n':
			sbuf_adds(b, "\\n");
			break;
		case '\r':
			sbuf_adds(b, "\\r");
			break;
		case '\t':
			sbuf_adds(b, "\\t");
			break;
		case '\b':
			sbuf_adds(b, "\\b");
			break;
		case '\f':
			sbuf_adds(b, "\\f");
			break;
		default:
			if (c < 0x20)
				sbuf_addf(b, "\\u%04x", c);
			else
				sbuf_addc(b, (char)c);
		}
	}
	sbuf_addc(b, '"');
}

static void json_text(sbuf *b, const char *s, size_t n, const v_json_filter *f, int key)
{
	size_t rn;
	char *r = f && f->str ? f->str(f->ud, s, n, &rn, key) : NULL;

	if (r) {
		json_str(b, r, rn);
		free(r);
	} else {
		json_str(b, s, n);
	}
}

/*
 * keydata: keys of objects met here are data (see v_to_json_filtered);
 * they are once an object has been entered.
 */
/* a newline and two spaces a level before an item, when pretty (depth >= 0) */
static void json_indent(sbuf *b, int depth)
{
	if (depth < 0)
		return;
	sbuf_addc(b, '\n');
	for (int i = 0; i < depth; i++)
		sbuf_adds(b, "  ");
}

/*
 * depth: -1 for compact JSON, else the indentation level of v (pretty).
 */
static void json_write(sbuf *b, const value *v, const v_json_filter *f, int keydata, int depth)
{
	char buf[64];
	size_t i;
	int in = depth < 0 ? -1 : depth + 1;

	switch (v->t) {
	case V_NULL:
		sbuf_adds(b, "null");
		break;
	case V_BOOL:
		sbuf_adds(b, v->u.b ? "true" : "false");
		break;
	case V_NUM:
		if (!isfinite(v->u.n)) {
			sbuf_adds(b, "null");
			break;
		}
		num_text(v->u.n, buf, sizeof(buf), 1);
		{
			size_t rn;
			char *r = f && f->str ? f->str(f->ud, buf, strlen(buf), &rn, -1) : NULL;
			if (r) {
				json_str(b, r, rn);
				free(r);
			} else {
				sbuf_adds(b, buf);
			}
		}
		break;
	case V_DUR:
		dur_format(v->u.ms, buf, sizeof(buf));
		json_text(b, buf, strlen(buf), f, 0);
		break;
	case V_TIME:
		ts_format(v->u.ms, buf, sizeof(buf));
		json_text(b, buf, strlen(buf), f, 0);
		break;
	case V_STR:
		json_text(b, v->u.s.s, v->u.s.len, f, 0);
		break;
	case V_LIST:
		sbuf_addc(b, '[');
		for (i = 0; i < v->u.l.n; i++) {
			if (i)
				sbuf_addc(b, ',');
			json_indent(b, in);
			json_write(b, v->u.l.items[i], f, keydata, in);
		}
		if (i)
			json_indent(b, depth);
		sbuf_addc(b, ']');
		break;
	case V_OBJ:
		sbuf_addc(b, '{');
		for (i = 0; i < v->u.o.n; i++) {
			if (i)
				sbuf_addc(b, ',');
			json_indent(b, in);
			json_text(b, v->u.o.keys[i], strlen(v->u.o.keys[i]), f, keydata ? 1 : 2);
			sbuf_adds(b, depth < 0 ? ":" : ": ");
			json_write(b, v->u.o.vals[i], f, 1, in);
		}
		if (i)
			json_indent(b, depth);
		sbuf_addc(b, '}');
		break;
	}
}

/* Compact JSON text of v, malloc'd.  Durations become "1m30s" strings,
 * timestamps RFC 3339 ones. */
char *v_to_json(const value *v)
{
	sbuf b = { 0 };

	json_write(&b, v, NULL, 0, -1);
	return sbuf_detach(&b);
}

char *v_to_json_pretty(const value *v)
{
	sbuf b = { 0 };

	json_write(&b, v, NULL, 0, 0);
	return sbuf_detach(&b);
}

/*
 * v_to_json with every string passed through f->str first (see value.h).
 * Keys of the first objects reached from v (through lists) are names and
 * are written as they are; keys deeper down are data and filtered too.
 */
char *v_to_json_filtered(const value *v, const v_json_filter *f)
{
	sbuf b = { 0 };

	json_write(&b, v, f, 0, -1);
	return sbuf_detach(&b);
}

/*
 * Text for ${{ }} interpolation, malloc'd.  A string containing NUL bytes
 * is returned whole; callers that need the length use v_str_len() on the
 * value itself.
 */
char *v_to_text(const value *v)
{
	char buf[64];

	switch (v->t) {
	case V_NULL:
		return xstrdup("");
	case V_BOOL:
		return xstrdup(v->u.b ? "true" : "false");
	case V_NUM:
		num_text(v->u.n, buf, sizeof(buf), 0);
		return xstrdup(buf);
	case V_DUR:
		return xstrdup(dur_format(v->u.ms, buf, sizeof(buf)));
	case V_TIME:
		return xstrdup(ts_format(v->u.ms, buf, sizeof(buf)));
	case V_STR:
		return xstrndup(v->u.s.s, v->u.s.len);
	default:
		return v_to_json(v);
	}
}

/* Build a value from a cJSON tree (borrowed); raw/invalid nodes are null. */
value *v_from_cjson(const cJSON *j)
{
	const cJSON *c;
	value *v;

	if (!j)
		return v_null();
	if (cJSON_IsBool(j))
		return v_bool(cJSON_IsTrue(j));
	if (cJSON_IsNumber(j))
		return v_num(j->valuedouble);
	if (cJSON_IsString(j))
		return v_str(j->valuestring);
	if (cJSON_IsArray(j)) {
		v = v_list();
		cJSON_ArrayForEach(c, j)
			v_list_push_take(v, v_from_cjson(c));
		return v;
	}
	if (cJSON_IsObject(j)) {
		v = v_obj();
		cJSON_ArrayForEach(c, j)
			v_obj_set_take(v, c->string ? c->string : "", v_from_cjson(c));
		return v;
	}
	return v_null();
}

/*
 * Parse JSON text (exactly one document, surrounding whitespace allowed)
 * into a new value.  Returns NULL when the text is not valid JSON.
 */
value *v_from_json(const char *s, size_t n)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(s, n, &end, 0);
	value *v;

	if (!j)
		return NULL;
	while (end && end < s + n &&
	       (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end && end < s + n && *end != '\0') {
		cJSON_Delete(j);
		return NULL;
	}
	v = v_from_cjson(j);
	cJSON_Delete(j);
	return v;
}

/*
 * A new cJSON tree for v; the caller cJSON_Delete()s it.  Durations become
 * strings ("1m30s"); non-finite numbers become null.  A string's bytes
 * after an embedded NUL are lost (cJSON strings are C strings).
 */
cJSON *v_to_cjson(const value *v)
{
	char buf[64];
	cJSON *j;
	size_t i;

	switch (v->t) {
	case V_NULL:
		return cJSON_CreateNull();
	case V_BOOL:
		return cJSON_CreateBool(v->u.b);
	case V_NUM:
		if (!isfinite(v->u.n))
			return cJSON_CreateNull();
		return cJSON_CreateNumber(v->u.n);
	case V_DUR:
		return cJSON_CreateString(dur_format(v->u.ms, buf, sizeof(buf)));
	case V_TIME:
		return cJSON_CreateString(ts_format(v->u.ms, buf, sizeof(buf)));
	case V_STR:
		return cJSON_CreateString(v->u.s.s);
	case V_LIST:
		j = cJSON_CreateArray();
		for (i = 0; i < v->u.l.n; i++)
			cJSON_AddItemToArray(j, v_to_cjson(v->u.l.items[i]));
		return j;
	case V_OBJ:
		j = cJSON_CreateObject();
		for (i = 0; i < v->u.o.n; i++)
			cJSON_AddItemToObject(j, v->u.o.keys[i],
					      v_to_cjson(v->u.o.vals[i]));
		return j;
	}
	return cJSON_CreateNull();
}

static const struct {
	const char *name;
	int64_t ms;
} dur_units[] = {
	{ "d", 86400000 }, { "h", 3600000 }, { "m", 60000 },
	{ "s", 1000 }, { "ms", 1 },
};

/*
 * Parse a duration: one or more <digits><unit> groups, units d h m s ms,
 * e.g. "500ms", "1h30m", "2d".  No sign, no spaces, no fraction.  Returns
 * -1 for empty text, a missing or unknown unit, or a total that overflows.
 */
int dur_parse(const char *s, size_t n, int64_t *ms)
{
	const char *p = s, *end = s + n;
	int64_t total = 0;

	if (n == 0)
		return -1;
	while (p < end) {
		int64_t num = 0, unit = 0;
		const char *u;
		size_t ul, i;

		if (*p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			if (num > (INT64_MAX - 9) / 10)
				return -1;
			num = num * 10 + (*p++ - '0');
		}
		u = p;
		while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			p++;
		ul = (size_t)(p - u);
		for (i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]); i++)
			if (strlen(dur_units[i].name) == ul &&
			    !memcmp(dur_units[i].name, u, ul))
				unit = dur_units[i].ms;
		if (!unit)
			return -1;
		if (num > INT64_MAX / unit || total > INT64_MAX - num * unit)
			return -1;
		total += num * unit;
	}
	*ms = total;
	return 0;
}

int v_dur_of(const value *v, int64_t *ms)
{
	int64_t x;
	if (v_type(v) == V_DUR)
		x = v_as_dur(v);
	else if (v_type(v) != V_STR || dur_parse(v_as_str(v), v_str_len(v), &x) < 0)
		return -1;
	if (x < 0)
		return -1;
	*ms = x;
	return 0;
}

/*
 * Format ms as its largest units, e.g. 90000 -> "1m30s", 1500 -> "1s500ms",
 * 0 -> "0s"; negative durations get a leading '-'.  Returns buf.
 */
char *dur_format(int64_t ms, char *buf, size_t cap)
{
	uint64_t left = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
	size_t len = 0, i;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (ms == 0) {
		snprintf(buf, cap, "0s");
		return buf;
	}
	if (ms < 0)
		len += (size_t)snprintf(buf, cap, "-");
	for (i = 0; i < sizeof(dur_units) / sizeof(dur_units[0]) && len < cap; i++) {
		uint64_t unit = (uint64_t)dur_units[i].ms;
		uint64_t q = left / unit;

		if (!q)
			continue;
		left -= q * unit;
		len += (size_t)snprintf(buf + len, cap - len, "%llu%s",
					(unsigned long long)q, dur_units[i].name);
	}
	return buf;
}
