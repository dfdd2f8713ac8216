/*
 * prim_http.c - the `http` primitive and the `http` connection kind,
 * through libcurl.
 *
 * Every request, alone (prim_http_run) or in a group (prim_http_batch),
 * goes through the multi interface: curl_multi_poll() wakes at least every
 * POLL_MS so *c->cancel is noticed quickly, and CURLOPT_TIMEOUT_MS bounds
 * each transfer.  A batch hands curl at most MAX_IN_CURL requests at a
 * time; a request still waiting for its turn when its step's timeout
 * passes fails.  TCP (and TLS) connections are reused across steps
 * through a CURLSH sharing the connection cache and DNS: one per http
 * connection (closed with it), and one for the whole process for steps
 * that name no connection.  Shares are locked, so steps running on several
 * threads may use the same connection.
 *
 * Ownership: each request owns its easy handle, header list, body buffers
 * and result until it is turned into c->result / c->error.  Bodies and
 * header values are redacted before they become values, and a parsed JSON
 * body is parsed from the redacted text, so a secret echoed by a server
 * never reaches a value.
 */
#include "lang/prim.h"
#include "base/utf8.h"
#include "base/clock.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#define POLL_MS                 100
#define DEFAULT_MAX_BODY        (1024 * 1024)
#define MAX_REDIRECTS           10
#define MAX_HOST_CONNECTIONS    8
#define DEFAULT_CONNECT_MS      30000
#define MAX_HEADER_BYTES        (256 * 1024)    /* of all responses of one hop */
#define STALL_BYTES             1024            /* a response moving fewer bytes... */
#define STALL_MS                10000           /* ...in this long has stalled */

/* ---- shares: connection cache + DNS, locked ---- */

typedef struct http_share {
	CURLSH *sh;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
} http_share;

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access acc, void *p)
{
	http_share *s = p;
	pthread_mutex_lock(&s->locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *p)
{
	http_share *s = p;
	pthread_mutex_unlock(&s->locks[data]);
}

static void share_init(http_share *s)
{
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->locks[i], NULL);
	s->sh = curl_share_init();
	if (!s->sh)
		return;
	curl_share_setopt(s->sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(s->sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(s->sh, CURLSHOPT_USERDATA, s);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(s->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
}

static void share_release(http_share *s)
{
	if (s->sh)
		curl_share_cleanup(s->sh);
	s->sh = NULL;
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->locks[i]);
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static http_share global_share;

static void global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	share_init(&global_share);
}

/* ---- the http connection ---- */

typedef struct http_conn {
	char *base;             /* base URL, no trailing '/' */
	value *headers;         /* default headers (object), may be NULL */
	value *tls;             /* default tls options (object), may be NULL */
	http_share share;
} http_conn;

static int is_absolute(const char *url)
{
	const char *p = strstr(url, "://");
	if (!p || p == url)
		return 0;
	for (const char *q = url; q < p; q++)
		if (!isalnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.')
			return 0;
	return 1;
}

static int is_http_url(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0 ||
	       strncasecmp(url, "https://", 8) == 0;
}

/* Credentials a header may carry: add its value to the redactor. */
static int secret_header(const char *name)
{
	return strcasecmp(name, "authorization") == 0 ||
	       strcasecmp(name, "proxy-authorization") == 0 ||
	       strcasecmp(name, "cookie") == 0 ||
	       strcasecmp(name, "x-api-key") == 0;
}

static void redact_headers(redactor *red, const value *headers)
{
	if (!headers || v_type(headers) != V_OBJ)
		return;
	for (size_t i = 0; i < v_len(headers); i++) {
		const char *k = v_obj_key(headers, i);
		value *v = v_obj_val(headers, i);
		if (!secret_header(k) || v_type(v) != V_STR)
			continue;
		const char *s = v_as_str(v);
		redact_add(red, s, v_str_len(v));
		/* "Bearer <token>": the token alone leaks too */
		const char *sp = strchr(s, ' ');
		if (sp && sp[1])
			redact_add(red, sp + 1, strlen(sp + 1));
	}
}

static char *redacted(const redactor *red, const char *s)
{
	return redact_str(red, s, strlen(s), NULL);
}

/*
 * Open an http connection from its rendered spec: a base URL string, or
 * {url, headers, tls}.  Nothing touches the network here; curl connects on
 * first use and keeps the connection in the handle's share.  Credentials
 * in the URL (user:password@) and in credential headers are added to red.
 * Returns the handle, or NULL with *err (malloc'd, credential-free).
 */
void *conn_http_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err)
{
	const char *url = NULL;
	value *headers = NULL, *tls = NULL;

	pthread_once(&global_once, global_init);
	if (v_type(spec) == V_STR) {
		url = v_as_str(spec);
	} else if (v_type(spec) == V_OBJ) {
		for (size_t i = 0; i < v_len(spec); i++) {
			const char *k = v_obj_key(spec, i);
			if (strcmp(k, "url") && strcmp(k, "headers") && strcmp(k, "tls")) {
				*err = xasprintf("unknown key '%s' in http connection (url, headers, tls)", k);
				return NULL;
			}
		}
		url = arg_str(spec, "url");
		headers = arg_get(spec, "headers");
		tls = arg_get(spec, "tls");
		if (headers && v_type(headers) != V_OBJ) {
			*err = xasprintf("http connection 'headers' must be a mapping, not a %s",
					 v_type_name(headers));
			return NULL;
		}
		if (tls && v_type(tls) != V_OBJ) {
			*err = xasprintf("http connection 'tls' must be a mapping, not a %s",
					 v_type_name(tls));
			return NULL;
		}
	}
	if (!url) {
		*err = xstrdup("http connection needs a url (a string or {url: ...})");
		return NULL;
	}
	redact_add_url_credentials(red, url);
	redact_headers(red, headers);
	if (!is_http_url(url)) {
		char *r = redacted(red, url);
		*err = xasprintf("http connection url '%s' is not http:// or https://", r);
		free(r);
		return NULL;
	}
	http_conn *hc = xcalloc(1, sizeof(*hc));
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	hc->base = xstrndup(url, n);
	hc->headers = headers ? v_retain(headers) : NULL;
	hc->tls = tls ? v_retain(tls) : NULL;
	share_init(&hc->share);
	if (!hc->share.sh) {
		conn_http_close(hc);
		*err = xstrdup("cannot create a curl share handle");
		return NULL;
	}
	return hc;
}

/* Close an http connection: its cached TCP/TLS connections go with it. */
void conn_http_close(void *h)
{
	http_conn *hc = h;
	if (!hc)
		return;
	share_release(&hc->share);
	free(hc->base);
	if (hc->headers)
		v_release(hc->headers);
	if (hc->tls)
		v_release(hc->tls);
	free(hc);
}

/* ---- one request ---- */

typedef struct http_req {
	prim_call *c;
	CURL *h;
	struct curl_slist *hdrs;        /* every header the runbook set (and auth) */
	struct curl_slist *bare;        /* what is sent to another origin instead */
	char *method;
	char *url;                      /* of the current hop */
	char *origin;                   /* scheme://host:port of the first hop */
	char *reqbody;
	long blen;
	const char *user, *pass;        /* basic auth (borrowed from the args) */
	int follow, keep_headers;
	int stripped;                   /* headers, auth and body left behind */
	int hops;
	int64_t deadline;               /* monotonic ms, 0 = none */
	curl_off_t total_us;            /* time of the earlier hops */
	sbuf body;
	size_t max_body;
	int cut;                        /* stopped reading: the body went past the bound */
	size_t hdr_bytes;
	int hdr_overflow, too_slow;
	int64_t win_start;              /* stall check: start of the window (0: no body yet) */
	size_t rx, win_rx;              /* body bytes received, and at the window's start */
	value *rheaders;                /* response headers of the last response */
	char errbuf[CURL_ERROR_SIZE];
	int done;                       /* finished (result or error set) */
} http_req;

/*
 * The body is read up to max-body plus result_slack() (see prim.h: cut
 * before any secret, then redacted), then the transfer is stopped: an endless or huge body
 * costs neither memory nor time.
 */
static size_t on_body(char *p, size_t sz, size_t nm, void *ud)
{
	http_req *r = ud;
	size_t n = sz * nm, cap = r->max_body + result_slack(r->c->red);

	r->rx += n;
	if (!r->win_start)
		r->win_start = now_ms();
	if (r->body.len + n > cap) {
		sbuf_add(&r->body, p, cap - r->body.len);
		r->cut = 1;
		return 0;       /* CURLE_WRITE_ERROR, taken as the end of the body */
	}
	sbuf_add(&r->body, p, n);
	return n;
}

static size_t on_header(char *p, size_t sz, size_t nm, void *ud)
{
	http_req *r = ud;
	size_t n = sz * nm, len = n;

	r->hdr_bytes += n;
	if (r->hdr_bytes > MAX_HEADER_BYTES) {
		r->hdr_overflow = 1;
		return 0;
	}
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	/* a new response (redirect, 100 Continue): forget the previous headers */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		v_release(r->rheaders);
		r->rheaders = v_obj();
		return n;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon || colon == p)
		return n;
	char *name = xstrndup(p, (size_t)(colon - p));
	for (char *q = name; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vl;
	char *val = redact_str(r->c->red, v, (size_t)(end - v), &vl);
	value *old = v_obj_get(r->rheaders, name);
	if (old) {
		char *joined = xasprintf("%s, %s", v_as_str(old), val);
		v_obj_set_take(r->rheaders, name, v_str_take(joined, strlen(joined)));
		free(val);
	} else {
		v_obj_set_take(r->rheaders, name, v_str_take(val, vl));
	}
	free(name);
	return n;
}

/*
 * Cancellation, and the stall check: once the body has begun, fewer than
 * STALL_BYTES in STALL_MS stops the transfer.  (curl's own
 * CURLOPT_LOW_SPEED_LIMIT also counts the wait for the response, which
 * would fail a slow but healthy endpoint that a step gave a long timeout;
 * that wait is bounded by the timeout alone.)
 */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	http_req *r = ud;
	if (*r->c->cancel)
		return 1;
	if (r->win_start) {
		int64_t now = now_ms();
		if (r->rx - r->win_rx >= STALL_BYTES) {
			r->win_rx = r->rx;
			r->win_start = now;
		} else if (now - r->win_start >= STALL_MS) {
			r->too_slow = 1;
			return 1;
		}
	}
	return 0;
}

static void req_fail(http_req *r, char *msg)
{
	r->c->error = redact_str(r->c->red, msg, strlen(msg), NULL);
	free(msg);
	r->done = 1;
}

static void req_release(http_req *r)
{
	if (r->h)
		curl_easy_cleanup(r->h);
	curl_slist_free_all(r->hdrs);
	curl_slist_free_all(r->bare);
	free(r->method);
	free(r->url);
	free(r->origin);
	free(r->reqbody);
	sbuf_release(&r->body);
	if (r->rheaders)
		v_release(r->rheaders);
}

/* Add "Name: value" unless a header of that name is already in the list;
 * a null value removes a header curl would add by itself. */
static void add_header(http_req *r, const char *name, const value *v)
{
	size_t nl = strlen(name);
	for (struct curl_slist *l = r->hdrs; l; l = l->next)
		if (strncasecmp(l->data, name, nl) == 0 &&
		    (l->data[nl] == ':' || l->data[nl] == ';'))
			return;
	char *line;
	if (!v || v_type(v) == V_NULL) {
		line = xasprintf("%s:", name);
	} else {
		char *t = v_to_text(v);
		line = t[0] ? xasprintf("%s: %s", name, t) : xasprintf("%s;", name);
		free(t);
	}
	r->hdrs = curl_slist_append(r->hdrs, line);
	free(line);
}

static int add_headers(http_req *r, const value *headers, const char *what)
{
	if (!headers)
		return 0;
	if (v_type(headers) != V_OBJ) {
		req_fail(r, xasprintf("http: '%s' must be a mapping, not a %s",
				      what, v_type_name(headers)));
		return -1;
	}
	for (size_t i = 0; i < v_len(headers); i++) {
		const char *k = v_obj_key(headers, i);
		value *v = v_obj_val(headers, i);
		if (!k[0] || strpbrk(k, ": \t\r\n") ||
		    (v_type(v) == V_STR && strpbrk(v_as_str(v), "\r\n"))) {
			req_fail(r, xasprintf("http: invalid header '%s'", k));
			return -1;
		}
		if (v_type(v) == V_LIST || v_type(v) == V_OBJ) {
			req_fail(r, xasprintf("http: header '%s' must be a scalar, not a %s",
					      k, v_type_name(v)));
			return -1;
		}
		add_header(r, k, v);
	}
	return 0;
}

/* Append the query mapping, each key and value escaped by curl. */
static int add_query(http_req *r, sbuf *u, const value *q)
{
	if (!q)
		return 0;
	if (v_type(q) != V_OBJ) {
		req_fail(r, xasprintf("http: 'query' must be a mapping, not a %s", v_type_name(q)));
		return -1;
	}
	int first = strchr(u->buf, '?') == NULL;
	for (size_t i = 0; i < v_len(q); i++) {
		const char *k = v_obj_key(q, i);
		value *v = v_obj_val(q, i);
		size_t nv = v_type(v) == V_LIST ? v_len(v) : 1;
		for (size_t j = 0; j < nv; j++) {
			value *it = v_type(v) == V_LIST ? v_list_get(v, j) : v;
			if (v_type(it) == V_LIST || v_type(it) == V_OBJ) {
				req_fail(r, xasprintf("http: query parameter '%s' must be a scalar or a list of scalars", k));
				return -1;
			}
			char *t = v_to_text(it);
			char *ek = curl_easy_escape(r->h, k, (int)strlen(k));
			char *ev = curl_easy_escape(r->h, t, (int)strlen(t));
			sbuf_addf(u, "%c%s=%s", first ? '?' : '&', ek, ev);
			first = 0;
			curl_free(ek);
			curl_free(ev);
			free(t);
		}
	}
	return 0;
}

static const value *tls_opt(const value *step_tls, const value *conn_tls, const char *key)
{
	value *v = step_tls && v_type(step_tls) == V_OBJ ? v_obj_get(step_tls, key) : NULL;
	if (!v && conn_tls)
		v = v_obj_get(conn_tls, key);
	return v;
}

static int set_tls(http_req *r, const value *step_tls, const value *conn_tls)
{
	static const struct { const char *key; CURLoption opt; } files[] = {
		{ "ca-file", CURLOPT_CAINFO },
		{ "cert", CURLOPT_SSLCERT },
		{ "key", CURLOPT_SSLKEY },
	};
	if (step_tls && v_type(step_tls) != V_OBJ) {
		req_fail(r, xasprintf("http: 'tls' must be a mapping, not a %s", v_type_name(step_tls)));
		return -1;
	}
	const value *tmaps[] = { step_tls, conn_tls };
	for (size_t m = 0; m < 2; m++) {
		const value *t = tmaps[m];
		for (size_t i = 0; t && i < v_len(t); i++) {
			const char *k = v_obj_key(t, i);
			if (strcmp(k, "ca-file") && strcmp(k, "cert") && strcmp(k, "key") &&
			    strcmp(k, "insecure")) {
				req_fail(r, xasprintf("http: unknown tls option '%s' (ca-file, cert, key, insecure)", k));
				return -1;
			}
		}
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const value *v = tls_opt(step_tls, conn_tls, files[i].key);
		if (!v)
			continue;
		if (v_type(v) != V_STR) {
			req_fail(r, xasprintf("http: tls '%s' must be a file path", files[i].key));
			return -1;
		}
		curl_easy_setopt(r->h, files[i].opt, v_as_str(v));
	}
	const value *ins = tls_opt(step_tls, conn_tls, "insecure");
	if (ins && v_truthy(ins)) {
		curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(r->h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static int set_auth(http_req *r, const value *auth)
{
	prim_call *c = r->c;
	if (!auth)
		return 0;
	value *basic = v_type(auth) == V_OBJ ? v_obj_get(auth, "basic") : NULL;
	value *bearer = v_type(auth) == V_OBJ ? v_obj_get(auth, "bearer") : NULL;
	if (v_type(auth) != V_OBJ || v_len(auth) != 1 || (!basic && !bearer)) {
		req_fail(r, xstrdup("http: 'auth' must be {basic: {user, password}} or {bearer: token}"));
		return -1;
	}
	if (bearer) {
		if (v_type(bearer) != V_STR || !v_str_len(bearer) ||
		    strpbrk(v_as_str(bearer), "\r\n")) {
			req_fail(r, xstrdup("http: auth 'bearer' must be a non-empty token string"));
			return -1;
		}
		redact_add(c->red, v_as_str(bearer), v_str_len(bearer));
		char *line = xasprintf("Authorization: Bearer %s", v_as_str(bearer));
		r->hdrs = curl_slist_append(r->hdrs, line);
		free(line);
		return 0;
	}
	const char *user = v_type(basic) == V_OBJ ? arg_str(basic, "user") : NULL;
	value *pw = v_type(basic) == V_OBJ ? v_obj_get(basic, "password") : NULL;
	if (!user || !pw || v_type(pw) != V_STR) {
		req_fail(r, xstrdup("http: auth 'basic' needs string 'user' and 'password'"));
		return -1;
	}
	const char *pass = v_as_str(pw);
	redact_add(c->red, pass, v_str_len(pw));
	/* the header carries base64("user:password"); the redactor derives
	 * the base64 form of what it is given */
	char *both = xasprintf("%s:%s", user, pass);
	redact_add(c->red, both, strlen(both));
	free(both);
	r->user = user;
	r->pass = pass;
	return 0;
}

/*
 * The request body from `body` (raw text) or `json` (serialised), into
 * r->reqbody.  POST, PUT and PATCH without one send an empty body, so the
 * request carries Content-Length: 0.  Returns its length, or -1.
 */
static long req_body(http_req *r, const value *a)
{
	value *body = arg_get(a, "body"), *json = arg_get(a, "json");
	if (body && json) {
		req_fail(r, xstrdup("http: 'body' and 'json' cannot both be given"));
		return -1;
	}
	if (body && v_type(body) == V_STR) {
		size_t n = v_str_len(body);
		r->reqbody = xmalloc(n + 1);
		memcpy(r->reqbody, v_as_str(body), n + 1);
		return (long)n;
	}
	if (body)
		r->reqbody = v_to_text(body);
	else if (json)
		r->reqbody = v_to_json(json);
	else if (!strcmp(r->method, "POST") || !strcmp(r->method, "PUT") ||
		 !strcmp(r->method, "PATCH"))
		r->reqbody = xstrdup("");
	return r->reqbody ? (long)strlen(r->reqbody) : 0;
}

static const char *const http_keys[] = {
	"method", "url", "connection", "headers", "query", "body", "json",
	"auth", "tls", "follow-redirects", "redirect-headers", "max-body", NULL
};

/* "scheme://host:port" of an absolute URL (lower case, the port explicit),
 * malloc'd; NULL when curl cannot parse it */
static char *origin_of(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *o = NULL;

	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		o = xasprintf("%s://%s:%s", scheme, host, port);
		for (char *q = o; *q; q++)
			*q = (char)tolower((unsigned char)*q);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return o;
}

/*
 * Bound the transfer by the time the step has left; once none is left
 * the call fails, "timed out after N ms" and `why`.
 */
static int req_time_left(http_req *r, const char *why)
{
	int64_t left = r->deadline - now_ms();

	if (left <= 0) {
		req_fail(r, xasprintf("%s %s: timed out after %lld ms %s", r->method, r->url,
				      (long long)r->c->timeout_ms, why));
		return -1;
	}
	curl_easy_setopt(r->h, CURLOPT_TIMEOUT_MS, (long)left);
	curl_easy_setopt(r->h, CURLOPT_CONNECTTIMEOUT_MS, (long)left);
	return 0;
}

/*
 * Set what may change from one hop to the next: URL, method, body,
 * headers, credentials and the time left.  Returns -1 (the call failed)
 * when the deadline has passed.
 */
static int req_apply(http_req *r)
{
	CURL *h = r->h;

	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
	if (r->reqbody) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->blen);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->reqbody);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(r->method, "GET") != 0 || r->reqbody)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->stripped ? r->bare : r->hdrs);
	if (r->user && !r->stripped) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, r->pass);
	} else {
		curl_easy_setopt(h, CURLOPT_USERNAME, NULL);
		curl_easy_setopt(h, CURLOPT_PASSWORD, NULL);
	}
	if (!r->deadline) {
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)DEFAULT_CONNECT_MS);
		return 0;
	}
	return req_time_left(r, "(redirects)");
}

/* The action is a mapping of known parameters: 0, or -1 (the call failed). */
static int req_check_keys(http_req *r, const value *a)
{
	if (!a || v_type(a) != V_OBJ) {
		req_fail(r, xstrdup("http: the action must be a mapping"));
		return -1;
	}
	for (size_t i = 0; i < v_len(a); i++) {
		const char *k = v_obj_key(a, i), *const *p;
		for (p = http_keys; *p && strcmp(*p, k); p++)
			;
		if (!*p) {
			req_fail(r, xasprintf("http: unknown parameter '%s'", k));
			return -1;
		}
	}
	return 0;
}

/* r->method: the `method` (GET by default) in upper case, a token */
static int req_method(http_req *r, const value *a)
{
	value *mv = arg_get(a, "method");
	if (mv && (v_type(mv) != V_STR || !v_str_len(mv))) {
		req_fail(r, xstrdup("http: 'method' must be a non-empty string"));
		return -1;
	}
	r->method = xstrdup(mv ? v_as_str(mv) : "GET");
	for (char *q = r->method; *q; q++) {
		if (!isalpha((unsigned char)*q) && *q != '-' && *q != '_') {
			req_fail(r, xasprintf("http: invalid method '%s'", r->method));
			return -1;
		}
		*q = (char)toupper((unsigned char)*q);
	}
	return 0;
}

/*
 * r->url: the `url`, joined to the connection's base URL when relative,
 * http(s) only, with the `query` parameters; its credentials become
 * secrets.  Also creates the curl handle (the query is encoded with it).
 */
static int req_url(http_req *r, prim_call *c, const value *a)
{
	http_conn *hc = c->conn;
	const char *url = arg_str(a, "url");
	if (!url || !url[0]) {
		req_fail(r, xstrdup("http: 'url' must be a non-empty string"));
		return -1;
	}
	sbuf u = { 0 };
	if (is_absolute(url)) {
		sbuf_adds(&u, url);
	} else if (hc) {
		sbuf_adds(&u, hc->base);
		if (url[0] != '/' && url[0] != '?')
			sbuf_addc(&u, '/');
		sbuf_adds(&u, url);
	} else {
		req_fail(r, xasprintf("http: url '%s' is relative and the step names no connection", url));
		return -1;
	}
	if (!is_http_url(u.buf)) {
		char *x = sbuf_detach(&u);
		req_fail(r, xasprintf("http: url '%s' is not http:// or https://", x));
		free(x);
		return -1;
	}
	redact_add_url_credentials(c->red, u.buf);

	r->h = curl_easy_init();
	if (!r->h) {
		sbuf_release(&u);
		req_fail(r, xstrdup("http: cannot create a curl handle"));
		return -1;
	}
	if (add_query(r, &u, arg_get(a, "query")) < 0) {
		sbuf_release(&u);
		return -1;
	}
	r->url = sbuf_detach(&u);
	return 0;
}

/* what every hop of the call shares: protocols, callbacks, the deadline */
static void req_handle(http_req *r, prim_call *c)
{
	http_conn *hc = c->conn;
	CURL *h = r->h;

	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SHARE, hc ? hc->share.sh : global_share.sh);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "runbook");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (c->timeout_ms > 0)
		r->deadline = now_ms() + c->timeout_ms;
}

/* follow-redirects, redirect-headers (redirects are followed here, not
 * by curl: see req_redirect) and max-body */
static int req_limits(http_req *r, const value *a)
{
	value *fr = arg_get(a, "follow-redirects");
	r->follow = fr && v_truthy(fr);
	value *rh = arg_get(a, "redirect-headers");
	if (rh && (v_type(rh) != V_STR || (strcmp(v_as_str(rh), "keep") &&
					   strcmp(v_as_str(rh), "drop")))) {
		req_fail(r, xstrdup("http: 'redirect-headers' must be keep or drop"));
		return -1;
	}
	r->keep_headers = rh && !strcmp(v_as_str(rh), "keep");
	r->origin = r->follow ? origin_of(r->url) : NULL;
	value *mb = arg_get(a, "max-body");
	if (mb && (v_type(mb) != V_NUM || v_as_num(mb) < 0)) {
		req_fail(r, xstrdup("http: 'max-body' must be a number of bytes"));
		return -1;
	}
	r->max_body = mb ? (size_t)v_as_num(mb) : DEFAULT_MAX_BODY;
	return 0;
}

/* credentials, headers (the step's first, so they win over the
 * connection's), the body's Content-Type, TLS */
static int req_headers(http_req *r, const value *a, http_conn *hc)
{
	if (set_auth(r, arg_get(a, "auth")) < 0 ||
	    add_headers(r, arg_get(a, "headers"), "headers") < 0 ||
	    (hc && add_headers(r, hc->headers, "connection headers") < 0))
		return -1;
	if (arg_get(a, "json")) {
		value *ct = v_str("application/json");
		add_header(r, "Content-Type", ct);
		v_release(ct);
	} else if (r->reqbody && !arg_get(a, "body")) {
		add_header(r, "Content-Type", NULL);
	}
	if (set_tls(r, arg_get(a, "tls"), hc ? hc->tls : NULL) < 0)
		return -1;
	if (r->reqbody) {
		/* no 100-continue round trip */
		r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	}
	return 0;
}

/*
 * Build the easy handle of one call from its rendered args.  On a bad
 * argument the call fails (r->done) and -1 is returned.
 */
static int req_prepare(http_req *r, prim_call *c)
{
	const value *a = c->args;

	r->c = c;
	r->rheaders = v_obj();
	if (req_check_keys(r, a) < 0 || req_method(r, a) < 0 || req_url(r, c, a) < 0)
		return -1;
	req_handle(r, c);
	if (req_limits(r, a) < 0)
		return -1;
	r->blen = req_body(r, a);
	if (r->blen < 0 || req_headers(r, a, c->conn) < 0)
		return -1;
	return req_apply(r);
}

static int is_https(const char *url)
{
	return strncasecmp(url, "https://", 8) == 0;
}

/*
 * After a response: with follow-redirects, a 301, 302, 303, 307 or 308
 * with a Location goes on to that URL on the same handle.  Every header
 * the runbook set, the credentials and the request body stay behind once
 * the scheme, host or port differs from the first request's (unless
 * `redirect-headers: keep`): libcurl would send CURLOPT_HTTPHEADER to any
 * host, so curl's own following is not used.  https -> http is never
 * followed.  303 (and 301/302 after a POST) continue as a GET without a
 * body, as browsers and curl do.  Returns 1 when the next hop is set up,
 * 0 when this response is the answer, -1 when the call failed.
 */
static int req_redirect(http_req *r)
{
	long status = 0;
	char *loc = NULL;
	curl_off_t us = 0;

	if (!r->follow)
		return 0;
	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308)
		return 0;
	if (curl_easy_getinfo(r->h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK || !loc || !*loc)
		return 0;
	redact_add_url_credentials(r->c->red, loc);
	if (++r->hops > MAX_REDIRECTS) {
		req_fail(r, xasprintf("%s %s: more than %d redirects", r->method, r->url,
				      MAX_REDIRECTS));
		return -1;
	}
	if (!is_http_url(loc)) {
		req_fail(r, xasprintf("%s %s: redirect to '%s' refused: not http:// or https://",
				      r->method, r->url, loc));
		return -1;
	}
	if (is_https(r->url) && !is_https(loc)) {
		req_fail(r, xasprintf("%s %s: redirect to '%s' refused: it leaves https for "
				      "plain http", r->method, r->url, loc));
		return -1;
	}
	char *next = origin_of(loc);
	if (!r->keep_headers && (!next || !r->origin || strcmp(next, r->origin)))
		r->stripped = 1;
	free(next);
	if (status == 303 || ((status == 301 || status == 302) && !strcmp(r->method, "POST"))) {
		if (strcmp(r->method, "HEAD")) {
			free(r->method);
			r->method = xstrdup("GET");
		}
		free(r->reqbody);
		r->reqbody = NULL;
		r->blen = 0;
	}
	if (r->stripped && r->reqbody && r->blen) {
		/* the method stays (307/308); its body does not travel */
		r->reqbody[0] = '\0';
		r->blen = 0;
	}
	if (r->stripped && !r->bare && r->reqbody) {
		r->bare = curl_slist_append(r->bare, "Content-Type:");
		r->bare = curl_slist_append(r->bare, "Expect:");
	}
	free(r->url);
	r->url = xstrdup(loc);
	curl_easy_getinfo(r->h, CURLINFO_TOTAL_TIME_T, &us);
	r->total_us += us;
	sbuf_release(&r->body);
	r->cut = r->hdr_overflow = 0;
	r->hdr_bytes = 0;
	r->win_start = 0;
	r->rx = r->win_rx = 0;
	r->errbuf[0] = '\0';
	v_release(r->rheaders);
	r->rheaders = v_obj();
	return req_apply(r) < 0 ? -1 : 1;
}

/*
 * "METHOD URL: curl's message (the system's reason)", e.g.
 * "GET http://127.0.0.1:1/x: Failed to connect to 127.0.0.1 port 1 after
 * 0 ms: Couldn't connect to server (connection refused)".
 */
static char *req_error(http_req *r, CURLcode rc)
{
	const char *what = curl_easy_strerror(rc);
	long oserr = 0;
	sbuf b = { 0 };

	if (rc == CURLE_ABORTED_BY_CALLBACK && *r->c->cancel)
		return xasprintf("%s %s: interrupted", r->method, r->url);
	if (rc == CURLE_ABORTED_BY_CALLBACK && r->too_slow)
		return xasprintf("%s %s: the response stalled: fewer than %d bytes in %d s",
				 r->method, r->url, STALL_BYTES, STALL_MS / 1000);
	if (rc == CURLE_WRITE_ERROR && r->hdr_overflow)
		return xasprintf("%s %s: the response headers exceed %d KiB", r->method, r->url,
				 MAX_HEADER_BYTES / 1024);
	sbuf_addf(&b, "%s %s: ", r->method, r->url);
	if (!r->errbuf[0])
		sbuf_adds(&b, what);
	else if (strstr(r->errbuf, what))
		sbuf_adds(&b, r->errbuf);
	else
		sbuf_addf(&b, "%s (%s)", what, r->errbuf);
	curl_easy_getinfo(r->h, CURLINFO_OS_ERRNO, &oserr);
	if (oserr > 0 && rc != CURLE_OPERATION_TIMEDOUT) {
		char *why = xstrdup(strerror((int)oserr));
		why[0] = (char)tolower((unsigned char)why[0]);
		if (!strcasestr(b.buf, why))
			sbuf_addf(&b, " (%s)", why);
		free(why);
	}
	return sbuf_detach(&b);
}

/* Turn a finished transfer into c->result or c->error. */
static void req_finish(http_req *r, CURLcode rc)
{
	prim_call *c = r->c;
	r->done = 1;
	if (rc != CURLE_OK) {
		req_fail(r, req_error(r, rc));
		return;
	}
	long status = 0;
	curl_off_t total_us = 0;
	curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(r->h, CURLINFO_TOTAL_TIME_T, &total_us);

	int truncated;
	value *body = bounded_text(c->red, r->body.buf, r->body.len, r->max_body, r->cut,
				   &truncated);
	/* a cut body is no JSON document: not parsed */
	value *json = v_str_len(body) && !truncated ? v_from_json(v_as_str(body), v_str_len(body))
						     : NULL;
	value *res = v_obj();
	v_obj_set_take(res, "status", v_num((double)status));
	v_obj_set(res, "headers", r->rheaders);
	/* a body that is not UTF-8 is kept exactly in body_base64 (the
	 * transcript writes the text field as valid UTF-8) */
	char *b64 = utf8_valid(v_as_str(body), v_str_len(body)) ? NULL
		: b64_encode((const unsigned char *)v_as_str(body), v_str_len(body));
	v_obj_set_take(res, "body", body);
	v_obj_set_take(res, "json", json ? json : v_null());
	v_obj_set_take(res, "body_truncated", v_bool(truncated));
	if (b64)
		v_obj_set_take(res, "body_base64", v_str_take(b64, strlen(b64)));
	v_obj_set_take(res, "duration", v_dur((int64_t)((r->total_us + total_us) / 1000)));
	c->result = res;
}

/* ---- a batch: a few requests in curl at a time ---- */

/*
 * The requests of a batch go to curl at most MAX_IN_CURL at a time, the
 * next as each finishes: every curl_multi_perform() visits every easy
 * handle of the multi handle, those that only wait for one of a host's
 * MAX_HOST_CONNECTIONS connections too, so a batch of 1,000 checks handed
 * over at once paid for walking all of them on every call.  32 still
 * keeps every connection to four hosts busy.
 */
#define MAX_IN_CURL             32
#define WAITED  "waiting for a connection (earlier requests of its batch held every slot)"

typedef struct http_batch {
	CURLM *m;
	http_req *rs;
	size_t n;
	size_t slots;           /* how many requests curl may hold */
	size_t next;            /* rs[next..n) wait for a slot */
	size_t in_curl;         /* requests curl holds */
	int64_t expiry;         /* the earliest deadline of those waiting, 0 = none */
} http_batch;

/*
 * The slots of a batch: MAX_HOST_CONNECTIONS for each host it calls, up
 * to MAX_IN_CURL.  A request beyond its host's connections would only
 * wait inside curl, where each such one looks for a connection again as
 * every transfer ends.
 */
static size_t batch_slots(const http_req *rs, size_t n)
{
	enum { MAX_HOSTS = MAX_IN_CURL / MAX_HOST_CONNECTIONS };
	const char *host[MAX_HOSTS];
	size_t len[MAX_HOSTS], k = 0;

	for (size_t i = 0; i < n && k < MAX_HOSTS; i++) {
		if (rs[i].done)
			continue;
		const char *h = strstr(rs[i].url, "://") + 3;
		size_t l = strcspn(h, "/?#"), j;
		for (j = 0; j < k && (len[j] != l || strncasecmp(host[j], h, l)); j++)
			;
		if (j == k) {
			host[k] = h;
			len[k++] = l;
		}
	}
	return k ? k * MAX_HOST_CONNECTIONS : 1;
}

/* Fail the waiting requests whose deadline has passed; b->expiry becomes
 * the next deadline among the others.  Scans only once one is due. */
static void expire_waiting(http_batch *b)
{
	int64_t now = now_ms();

	if (!b->expiry || now < b->expiry)
		return;
	b->expiry = 0;
	for (size_t i = b->next; i < b->n; i++) {
		http_req *r = &b->rs[i];
		if (r->done || !r->deadline)
			continue;
		if (r->deadline <= now)
			req_time_left(r, WAITED);
		else if (!b->expiry || r->deadline < b->expiry)
			b->expiry = r->deadline;
	}
}

/* Hand curl waiting requests while it holds fewer than b->slots; the
 * time a request waited counts against its step's timeout. */
static void start_more(http_batch *b)
{
	expire_waiting(b);
	while (b->in_curl < b->slots && b->next < b->n) {
		http_req *r = &b->rs[b->next++];
		if (r->done || (r->deadline && req_time_left(r, WAITED) < 0))
			continue;
		curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
		curl_multi_add_handle(b->m, r->h);
		b->in_curl++;
	}
}

/* Take the finished transfers from curl: a redirect goes on to its next
 * hop in the same slot, anything else becomes the call's result or error. */
static void collect_done(http_batch *b)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(b->m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		http_req *r = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		CURLcode rc = msg->data.result;
		curl_multi_remove_handle(b->m, r->h);
		/* the body went past max-body: the read was stopped on purpose */
		if (rc == CURLE_WRITE_ERROR && r->cut)
			rc = CURLE_OK;
		int next = rc == CURLE_OK ? req_redirect(r) : 0;
		if (next > 0) {
			curl_multi_add_handle(b->m, r->h);
			continue;
		}
		if (!r->done)
			req_finish(r, rc);
		b->in_curl--;
	}
}

static int batch_cancelled(const http_batch *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (!b->rs[i].done && *b->rs[i].c->cancel)
			return 1;
	return 0;
}

/* Fail every request not done, in curl or waiting: `why`, or
 * interrupted when that is why (or why is NULL). */
static void fail_rest(http_batch *b, const char *why)
{
	for (size_t i = 0; i < b->n; i++) {
		http_req *r = &b->rs[i];
		if (r->done)
			continue;
		if (b->m)
			curl_multi_remove_handle(b->m, r->h);
		req_fail(r, xasprintf("%s %s: %s", r->method, r->url,
				      why && !*r->c->cancel ? why : "interrupted"));
	}
	b->in_curl = 0;
}

/* How long to wait for activity: POLL_MS, or less when a waiting
 * request's deadline comes first. */
static int poll_ms(const http_batch *b)
{
	int64_t left = b->expiry ? b->expiry - now_ms() : POLL_MS;
	return left < 0 ? 0 : left < POLL_MS ? (int)left : POLL_MS;
}

/*
 * Run the prepared requests concurrently on one multi handle until all are
 * done, waking at least every POLL_MS to notice cancellation.
 */
static void run_requests(http_req *rs, size_t n)
{
	http_batch b = { curl_multi_init(), rs, n, batch_slots(rs, n), 0, 0, 1 /* scan once */ };

	if (!b.m) {
		fail_rest(&b, "cannot create a curl multi handle");
		return;
	}
	curl_multi_setopt(b.m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_HOST_CONNECTIONS);
	start_more(&b);
	while (b.in_curl) {
		int running = 0;
		CURLMcode mc = curl_multi_perform(b.m, &running);
		collect_done(&b);
		if (mc != CURLM_OK || batch_cancelled(&b)) {
			fail_rest(&b, mc != CURLM_OK ? curl_multi_strerror(mc) : NULL);
			break;
		}
		start_more(&b);
		if (b.in_curl)
			curl_multi_poll(b.m, NULL, 0, poll_ms(&b), NULL);
	}
	curl_multi_cleanup(b.m);
}

/* Run n calls concurrently; each call's result or error as prim_http_run. */
void prim_http_batch(prim_call **calls, size_t n)
{
	pthread_once(&global_once, global_init);
	http_req *rs = xcalloc(n ? n : 1, sizeof(*rs));
	for (size_t i = 0; i < n; i++) {
		calls[i]->result = NULL;
		calls[i]->error = NULL;
		req_prepare(&rs[i], calls[i]);
	}
	run_requests(rs, n);
	for (size_t i = 0; i < n; i++)
		req_release(&rs[i]);
	free(rs);
}

/*
 * One HTTP request.  Returns 0 with c->result {status, headers, body, json,
 * body_truncated, duration} whatever the status (expect judges it), or -1
 * with c->error "METHOD URL: curl's message" when no response came
 * (refused, DNS, TLS, timeout, interrupted) or an argument is invalid.
 */
int prim_http_run(prim_call *c)
{
	prim_call *one[1] = { c };
	prim_http_batch(one, 1);
	return c->error ? -1 : 0;
}

/*
 * The effect from the action node: GET, HEAD and OPTIONS (and no method)
 * read, anything else writes; -1 when the method is a template.
 */
int prim_http_effect(const node *action)
{
	if (!action || action->kind != N_MAP)
		return -1;
	node *m = node_get(action, "method");
	if (!m || node_is_null(m))
		return EFFECT_READ;
	if (m->kind != N_SCALAR || strstr(m->str, "${{"))
		return -1;
	if (strcasecmp(m->str, "GET") == 0 || strcasecmp(m->str, "HEAD") == 0 ||
	    strcasecmp(m->str, "OPTIONS") == 0)
		return EFFECT_READ;
	return EFFECT_WRITE;
}

/* Static checks beyond the parameter table: redirect-headers is keep or drop. */
void prim_http_validate(const runbook *rb, const step *st, diags *dg)
{
	const node *a = st->action;
	node *rh = a && a->kind == N_MAP ? node_get(a, "redirect-headers") : NULL;

	if (rh && rh->kind == N_SCALAR && !strstr(rh->str, "${{") &&
	    strcmp(rh->str, "keep") && strcmp(rh->str, "drop"))
		diag_add(dg, SEV_ERROR, rh->file, rh->line, rh->col, "value",
			 "'redirect-headers' must be keep or drop, got '%s'", rh->str);
}
