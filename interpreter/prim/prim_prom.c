/*
 * prim_prom.c - the `prometheus` primitive and connection kind: PromQL
 * queries and alerts through Prometheus' HTTP API.
 *
 * The connection is an http connection (prim_http.c) restricted to
 * {url, headers}; each action becomes one GET through prim_http_run(), so
 * timeouts, cancellation, connection reuse and redaction are the http
 * primitive's.  This file turns the API's JSON into result fields:
 *
 *   {query}                 /api/v1/query        value, vector, resultType
 *   {query, range}          /api/v1/query_range  vector (labels, values), resultType
 *   {alerts: {name, state}} /api/v1/alerts       firing, alerts
 *
 * Times (`time`, range `start`/`end`) are a Unix timestamp, "now", a
 * duration meaning that long ago ("15m"), or RFC 3339 text passed through.
 * `step` is a duration or a number of seconds; by default the range is cut
 * into about 100 steps (at least 1s).
 */
#include "lang/prim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* the API response is read up to this (or 4 x max-result), then the
 * result fields are bounded by max-result */
#define PROM_MAX_BODY   (16.0 * 1024 * 1024)
#define ELEM_COST       8
#define RANGE_STEPS     100

/*
 * Open a prometheus connection: a base URL string or {url, headers}.  No
 * network at open.  URL credentials go to the redactor.  Returns the
 * handle or NULL with *err.
 */
void *conn_prom_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err)
{
	if (v_type(spec) == V_OBJ) {
		for (size_t i = 0; i < v_len(spec); i++) {
			const char *k = v_obj_key(spec, i);
			if (strcmp(k, "url") && strcmp(k, "headers")) {
				*err = xasprintf("unknown key '%s' in prometheus connection (url, headers)", k);
				return NULL;
			}
		}
	} else if (v_type(spec) != V_STR) {
		*err = xasprintf("a prometheus connection is a URL or {url, headers}, not a %s",
				 v_type_name(spec));
		return NULL;
	}
	return conn_http_open(spec, timeout_ms, cancel, red, err);
}

/* Close a prometheus connection (an http connection underneath). */
void conn_prom_close(void *h)
{
	conn_http_close(h);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * A time argument as API text (malloc'd) and, when it is numeric, *secs.
 * Returns NULL with *err on a bad value.
 */
static char *prom_time(const value *v, const char *what, double *secs, char **err)
{
	int64_t ms;
	*secs = NAN;
	if (v_type(v) == V_NUM) {
		*secs = v_as_num(v);
	} else if (v_type(v) == V_DUR) {
		*secs = now_s() - v_as_dur(v) / 1000.0;
	} else if (v_type(v) == V_TIME) {
		*secs = v_as_time(v) / 1000.0;
	} else if (v_type(v) == V_STR) {
		const char *s = v_as_str(v);
		if (strcmp(s, "now") == 0)
			*secs = now_s();
		else if (dur_parse(s, strlen(s), &ms) == 0)
			*secs = now_s() - ms / 1000.0;
		else if (s[0])
			return xstrdup(s);
	}
	if (isnan(*secs)) {
		*err = xasprintf("prometheus: '%s' must be a timestamp, \"now\", a duration ago or RFC 3339 text", what);
		return NULL;
	}
	return xasprintf("%.3f", *secs);
}

static int prom_step(const value *v, double *secs, char **err)
{
	int64_t ms;
	if (v_type(v) == V_NUM)
		*secs = v_as_num(v);
	else if (v_type(v) == V_DUR)
		*secs = v_as_dur(v) / 1000.0;
	else if (v_type(v) == V_STR && dur_parse(v_as_str(v), v_str_len(v), &ms) == 0)
		*secs = ms / 1000.0;
	else
		*secs = 0;
	if (!(*secs > 0)) {
		*err = xstrdup("prometheus: range 'step' must be a positive duration");
		return -1;
	}
	return 0;
}

/* Build the http args for the action; NULL with *err. */
static value *prom_request(const value *a, double max_body, char **err)
{
	value *q = arg_get(a, "query"), *alerts = arg_get(a, "alerts");
	value *range = arg_get(a, "range"), *tm = arg_get(a, "time");
	value *req = v_obj(), *qs = v_obj();

	if (!!q == !!alerts) {
		*err = xstrdup("prometheus: give exactly one of 'query' or 'alerts'");
		goto fail;
	}
	if (alerts) {
		if (range || tm) {
			*err = xstrdup("prometheus: 'range' and 'time' only go with 'query'");
			goto fail;
		}
		v_obj_set_take(req, "url", v_str("/api/v1/alerts"));
		v_release(qs);
		goto done;
	}
	if (v_type(q) != V_STR || !v_str_len(q)) {
		*err = xstrdup("prometheus: 'query' must be a non-empty PromQL string");
		goto fail;
	}
	v_obj_set(qs, "query", q);
	if (range) {
		if (tm) {
			*err = xstrdup("prometheus: 'time' is for instant queries, not with 'range'");
			goto fail;
		}
		if (v_type(range) != V_OBJ || !v_obj_get(range, "start")) {
			*err = xstrdup("prometheus: 'range' must be {start, end, step} with at least 'start'");
			goto fail;
		}
		for (size_t i = 0; i < v_len(range); i++) {
			const char *k = v_obj_key(range, i);
			if (strcmp(k, "start") && strcmp(k, "end") && strcmp(k, "step")) {
				*err = xasprintf("prometheus: unknown range key '%s' (start, end, step)", k);
				goto fail;
			}
		}
		double ts, te, stepsec;
		char *s = prom_time(v_obj_get(range, "start"), "start", &ts, err);
		if (!s)
			goto fail;
		v_obj_set_take(qs, "start", v_str_take(s, strlen(s)));
		value *ev = v_obj_get(range, "end");
		char *e;
		if (ev) {
			e = prom_time(ev, "end", &te, err);
		} else {
			te = now_s();
			e = xasprintf("%.3f", te);
		}
		if (!e)
			goto fail;
		v_obj_set_take(qs, "end", v_str_take(e, strlen(e)));
		value *sv = v_obj_get(range, "step");
		if (sv) {
			if (prom_step(sv, &stepsec, err) < 0)
				goto fail;
		} else if (!isnan(ts) && !isnan(te) && te > ts) {
			stepsec = (te - ts) / RANGE_STEPS;
			if (stepsec < 1)
				stepsec = 1;
		} else {
			stepsec = 15;
		}
		char *st = xasprintf("%g", stepsec);
		v_obj_set_take(qs, "step", v_str_take(st, strlen(st)));
		v_obj_set_take(req, "url", v_str("/api/v1/query_range"));
	} else {
		if (tm) {
			double t;
			char *s = prom_time(tm, "time", &t, err);
			if (!s)
				goto fail;
			v_obj_set_take(qs, "time", v_str_take(s, strlen(s)));
		}
		v_obj_set_take(req, "url", v_str("/api/v1/query"));
	}
	v_obj_set_take(req, "query", qs);
done:
	v_obj_set_take(req, "max-body", v_num(max_body));
	return req;
fail:
	v_release(qs);
	v_release(req);
	return NULL;
}

/* A sample value: Prometheus sends numbers as strings ("1", "NaN", "+Inf"). */
static value *sample_num(const value *s)
{
	if (v_type(s) == V_NUM)
		return v_num(v_as_num(s));
	if (v_type(s) != V_STR)
		return v_null();
	return v_num(strtod(v_as_str(s), NULL));
}

/* [t, "v"] -> [t, v] */
static value *sample_pair(const value *p)
{
	value *out = v_list();
	if (v_type(p) == V_LIST && v_len(p) == 2) {
		v_list_push_take(out, sample_num(v_list_get(p, 0)));
		v_list_push_take(out, sample_num(v_list_get(p, 1)));
	}
	return out;
}

static value *labels_of(const value *series)
{
	value *m = v_obj_get(series, "metric");
	return m && v_type(m) == V_OBJ ? v_retain(m) : v_obj();
}

/* Fill res from a query's data {resultType, result}. */
static int query_result(value *res, const value *data, char **err)
{
	const char *type = data ? arg_str(data, "resultType") : NULL;
	value *r = data ? v_obj_get(data, "result") : NULL;
	value *vec = v_list(), *val = NULL;

	if (!type || !r) {
		v_release(vec);
		*err = xstrdup("prometheus: the response has no data.resultType / data.result");
		return -1;
	}
	if (strcmp(type, "scalar") == 0 && v_type(r) == V_LIST && v_len(r) == 2) {
		val = sample_num(v_list_get(r, 1));
	} else if (strcmp(type, "vector") == 0 && v_type(r) == V_LIST) {
		for (size_t i = 0; i < v_len(r); i++) {
			value *s = v_list_get(r, i), *pair = v_obj_get(s, "value");
			value *item = v_obj();
			v_obj_set_take(item, "labels", labels_of(s));
			v_obj_set_take(item, "value", pair && v_type(pair) == V_LIST && v_len(pair) == 2
					? sample_num(v_list_get(pair, 1)) : v_null());
			v_list_push_take(vec, item);
		}
		if (v_len(r) == 1)
			val = v_retain(v_obj_get(v_list_get(vec, 0), "value"));
	} else if (strcmp(type, "matrix") == 0 && v_type(r) == V_LIST) {
		for (size_t i = 0; i < v_len(r); i++) {
			value *s = v_list_get(r, i), *vals = v_obj_get(s, "values");
			value *item = v_obj(), *pts = v_list();
			for (size_t j = 0; vals && v_type(vals) == V_LIST && j < v_len(vals); j++)
				v_list_push_take(pts, sample_pair(v_list_get(vals, j)));
			v_obj_set_take(item, "labels", labels_of(s));
			v_obj_set_take(item, "values", pts);
			v_list_push_take(vec, item);
		}
	}
	v_obj_set_take(res, "resultType", v_str(type));
	v_obj_set_take(res, "value", val ? val : v_null());
	v_obj_set_take(res, "vector", vec);
	return 0;
}

/* Fill res from /api/v1/alerts data, filtered by name and state. */
static int alerts_result(value *res, const value *data, const value *filter, char **err)
{
	value *list = data ? v_obj_get(data, "alerts") : NULL;
	const char *name = filter ? arg_str(filter, "name") : NULL;
	const char *state = filter ? arg_str(filter, "state") : NULL;
	value *out = v_list();
	int firing = 0;

	if (!list || v_type(list) != V_LIST) {
		v_release(out);
		*err = xstrdup("prometheus: the response has no data.alerts list");
		return -1;
	}
	for (size_t i = 0; i < v_len(list); i++) {
		value *al = v_list_get(list, i);
		value *labels = v_obj_get(al, "labels");
		const char *an = labels ? arg_str(labels, "alertname") : NULL;
		const char *st = arg_str(al, "state");
		if (name && (!an || strcmp(an, name)))
			continue;
		if (st && strcmp(st, "firing") == 0)
			firing = 1;
		if (state && (!st || strcmp(st, state)))
			continue;
		value *item = v_obj();
		v_obj_set_take(item, "name", an ? v_str(an) : v_null());
		v_obj_set_take(item, "state", st ? v_str(st) : v_null());
		v_obj_set_take(item, "labels", labels ? v_retain(labels) : v_obj());
		value *ann = v_obj_get(al, "annotations");
		v_obj_set_take(item, "annotations", ann ? v_retain(ann) : v_obj());
		const char *at = arg_str(al, "activeAt");
		v_obj_set_take(item, "activeAt", at ? v_str(at) : v_null());
		value *av = v_obj_get(al, "value");
		v_obj_set_take(item, "value", av ? sample_num(av) : v_null());
		v_list_push_take(out, item);
	}
	v_obj_set_take(res, "firing", v_bool(firing));
	v_obj_set_take(res, "alerts", out);
	return 0;
}

/* bytes a result value costs of max-result: its strings, ELEM_COST per item */
static size_t value_cost(const value *v)
{
	size_t n = ELEM_COST;

	switch (v_type(v)) {
	case V_STR:
		return n + v_str_len(v);
	case V_LIST:
		for (size_t i = 0; i < v_len(v); i++)
			n += value_cost(v_list_get(v, i));
		return n;
	case V_OBJ:
		for (size_t i = 0; i < v_len(v); i++)
			n += strlen(v_obj_key(v, i)) + value_cost(v_obj_val(v, i));
		return n;
	default:
		return n;
	}
}

/* Keep the items of res.key that fit in max bytes; res.<key>_truncated. */
static void bound_list(value *res, const char *key, size_t max)
{
	value *l = v_obj_get(res, key);
	char *flag = xasprintf("%s_truncated", key);
	size_t used = 0, i, n = l ? v_len(l) : 0;

	for (i = 0; i < n; i++) {
		used += value_cost(v_list_get(l, i));
		if (used > max)
			break;
	}
	if (i < n) {
		value *kept = v_list();
		for (size_t j = 0; j < i; j++)
			v_list_push(kept, v_list_get(l, j));
		v_obj_set_take(res, key, kept);
	}
	v_obj_set_take(res, flag, v_bool(i < n));
	free(flag);
}

/*
 * Run a query or an alerts look-up.  Returns 0 with c->result, or -1 with
 * c->error when Prometheus cannot be reached, answers with an API error
 * ("prometheus: bad_data: ..." from its errorType and error) or with
 * something that is not its API.
 */
int prim_prom_run(prim_call *c)
{
	char *err = NULL;
	if (!c->conn) {
		c->error = xstrdup("prometheus: the step needs a 'connection' (a prometheus connection)");
		return -1;
	}
	value *alerts = arg_get(c->args, "alerts");
	if (alerts && v_type(alerts) != V_OBJ) {
		c->error = xstrdup("prometheus: 'alerts' must be {name, state}");
		return -1;
	}
	size_t max;
	if (arg_count(c->args, "max-result", DEFAULT_MAX_RESULT, &max, &err) < 0) {
		c->error = xasprintf("prometheus: %s", err);
		free(err);
		return -1;
	}
	double max_body = 4.0 * (double)max > PROM_MAX_BODY ? 4.0 * (double)max : PROM_MAX_BODY;
	value *req = prom_request(c->args, max_body, &err);
	if (!req) {
		c->error = err;
		return -1;
	}
	prim_call hc = *c;
	hc.args = req;
	hc.result = NULL;
	hc.error = NULL;
	int rc = prim_http_run(&hc);
	v_release(req);
	if (rc < 0) {
		c->error = hc.error;
		return -1;
	}

	value *status = v_obj_get(hc.result, "status");
	value *json = v_obj_get(hc.result, "json");
	const char *api = json && v_type(json) == V_OBJ ? arg_str(json, "status") : NULL;
	if (!api) {
		const char *body = arg_str(hc.result, "body");
		value *cut = arg_get(hc.result, "body_truncated");
		/* the body is redacted whole before it is quoted in part */
		char *rb = redacted_text(c->red, body);
		if (cut && v_truthy(cut))
			c->error = xasprintf("prometheus: the response is larger than %.0f MiB: "
					     "narrow the query", max_body / (1024 * 1024));
		else
			c->error = xasprintf("prometheus: HTTP %.0f without an API response: %.200s",
					     v_as_num(status), rb);
		free(rb);
		v_release(hc.result);
		return -1;
	}
	if (strcmp(api, "success") != 0) {
		const char *et = arg_str(json, "errorType"), *e = arg_str(json, "error");
		c->error = xasprintf("prometheus: %s: %s", et ? et : "error", e ? e : "(no message)");
		v_release(hc.result);
		return -1;
	}

	value *res = v_obj(), *data = v_obj_get(json, "data");
	rc = alerts ? alerts_result(res, data, alerts, &err) : query_result(res, data, &err);
	if (rc < 0) {
		c->error = err;
		v_release(res);
		v_release(hc.result);
		return -1;
	}
	bound_list(res, alerts ? "alerts" : "vector", max);
	v_obj_set(res, "duration", v_obj_get(hc.result, "duration"));
	v_release(hc.result);
	c->result = res;
	return 0;
}

/*
 * Static checks beyond the parameter table: exactly one of query / alerts;
 * range and time only with query; alerts is {name, state} with state one of
 * firing, pending, inactive.
 */
void prim_prom_validate(const runbook *rb, const step *st, diags *dg)
{
	const node *a = st->action;
	if (!a || a->kind != N_MAP)
		return;
	node *q = node_get(a, "query"), *al = node_get(a, "alerts");
	if (!!q == !!al) {
		diag_add(dg, SEV_ERROR, a->file, st->action_key->line, st->action_key->col,
			 "prometheus-form", "prometheus step '%s' needs exactly one of 'query' or 'alerts'",
			 st->id);
		return;
	}
	if (al) {
		node *k;
		if ((k = node_key(a, "range")) || (k = node_key(a, "time")))
			diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "prometheus-form",
				 "'%s' only goes with 'query', not 'alerts'", k->str);
		if (al->kind == N_SCALAR && strstr(al->str, "${{"))
			return;
		if (al->kind != N_MAP) {
			diag_add(dg, SEV_ERROR, al->file, al->line, al->col, "prometheus-form",
				 "'alerts' must be a mapping {name, state}, not a %s", node_kind_name(al));
			return;
		}
		for (size_t i = 0; i < al->n; i++) {
			node *key = al->keys[i], *v = al->vals[i];
			if (strcmp(key->str, "name") && strcmp(key->str, "state")) {
				diag_add(dg, SEV_ERROR, key->file, key->line, key->col, "prometheus-form",
					 "unknown key '%s' in 'alerts' (name, state)", key->str);
			} else if (strcmp(key->str, "state") == 0 && v->kind == N_SCALAR &&
				   !strstr(v->str, "${{") && strcmp(v->str, "firing") &&
				   strcmp(v->str, "pending") && strcmp(v->str, "inactive")) {
				diag_add(dg, SEV_ERROR, v->file, v->line, v->col, "prometheus-form",
					 "unknown alert state '%s' (firing, pending, inactive)", v->str);
			}
		}
		if (!node_get(al, "name"))
			diag_add(dg, SEV_ERROR, al->file, al->line, al->col, "prometheus-form",
				 "'alerts' needs a 'name'");
		return;
	}
	node *r = node_get(a, "range");
	if (r && node_get(a, "time")) {
		node *k = node_key(a, "time");
		diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "prometheus-form",
			 "'time' is for instant queries, not with 'range'");
	}
	if (r && r->kind == N_MAP) {
		for (size_t i = 0; i < r->n; i++) {
			node *key = r->keys[i];
			if (strcmp(key->str, "start") && strcmp(key->str, "end") && strcmp(key->str, "step"))
				diag_add(dg, SEV_ERROR, key->file, key->line, key->col, "prometheus-form",
					 "unknown key '%s' in 'range' (start, end, step)", key->str);
		}
		if (!node_get(r, "start"))
			diag_add(dg, SEV_ERROR, r->file, r->line, r->col, "prometheus-form",
				 "'range' needs a 'start'");
	}
}
