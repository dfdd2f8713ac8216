/*
 * test_http.c - the http primitive against a real server (tests/lib/httpd.py,
 * started here on a free loopback port and stopped at the end), and the
 * prometheus primitive's error paths against the same server.
 */
#include "lang/prim.h"
#include "base/redact.h"
#include "unit.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t httpd_pid, httpsd_pid;
static char base[64], tls_base[64], tls_dir[64];
static volatile sig_atomic_t cancel_flag;
static redactor *red;

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Start httpd.py (with extra arguments a1..a3, may be NULL), read its port
 * from the first line of its stdout into url.  Returns its pid or -1.
 */
static pid_t start_httpd(char *url, size_t cap, const char *scheme,
			 const char *a1, const char *a2, const char *a3)
{
	const char *root = getenv("ROOT");
	char *script = xasprintf("%s/tests/lib/httpd.py", root ? root : ".");
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp("python3", "python3", script, a1, a2, a3, (char *)NULL);
		_exit(127);
	}
	free(script);
	close(fd[1]);
	char line[32] = { 0 };
	size_t n = 0;
	while (n < sizeof(line) - 1 && read(fd[0], line + n, 1) == 1 && line[n] != '\n')
		n++;
	close(fd[0]);
	int port = atoi(line);
	if (pid < 0 || port <= 0)
		return -1;
	snprintf(url, cap, "%s://127.0.0.1:%d", scheme, port);
	return pid;
}

static void stop_httpd(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

/* a port nobody listens on: bind one, note it, close it */
static int free_port(void)
{
	FILE *p = popen("python3 -c 'import socket;s=socket.socket();"
			"s.bind((\"127.0.0.1\",0));print(s.getsockname()[1])'", "r");
	int port = 0;
	if (p) {
		if (fscanf(p, "%d", &port) != 1)
			port = 0;
		pclose(p);
	}
	return port;
}

static value *args_url(const char *path)
{
	value *a = v_obj();
	char *u = xasprintf("%s%s", base, path);
	v_obj_set_take(a, "url", v_str(u));
	free(u);
	return a;
}

static void call_init(prim_call *c, value *args, void *conn, int64_t timeout_ms)
{
	memset(c, 0, sizeof(*c));
	c->args = args;
	c->conn = conn;
	c->timeout_ms = timeout_ms;
	c->attempt = 1;
	c->cancel = &cancel_flag;
	c->red = red;
}

/* run one call; returns the result (owned by the caller) or NULL */
static value *run(value *args, void *conn, int64_t timeout_ms, char **err)
{
	prim_call c;
	call_init(&c, args, conn, timeout_ms);
	int rc = prim_http_run(&c);
	v_release(args);
	*err = c.error;
	if (rc != 0 || !c.result) {
		if (c.result)
			v_release(c.result);
		return NULL;
	}
	return c.result;
}

static double num_at(const value *o, const char *k)
{
	value *v = o ? v_obj_get(o, k) : NULL;
	return v && v_type(v) == V_NUM ? v_as_num(v) : -1;
}

static const char *str_at(const value *o, const char *k)
{
	value *v = o && v_type(o) == V_OBJ ? v_obj_get(o, k) : NULL;
	return v && v_type(v) == V_STR ? v_as_str(v) : NULL;
}

static void test_status_and_headers(void)
{
	char *err = NULL;
	value *r = run(args_url("/status/503"), NULL, 5000, &err);
	CHECK(r != NULL && err == NULL);
	CHECK(num_at(r, "status") == 503);
	value *h = r ? v_obj_get(r, "headers") : NULL;
	CHECK_STR(str_at(h, "content-type"), "application/json");
	CHECK_STR(str_at(h, "server") ? "set" : NULL, "set");
	value *j = r ? v_obj_get(r, "json") : NULL;
	CHECK(j && num_at(j, "status") == 503);
	CHECK(r && v_type(v_obj_get(r, "duration")) == V_DUR);
	CHECK(r && v_obj_get(r, "body_truncated") && !v_as_bool(v_obj_get(r, "body_truncated")));
	if (r)
		v_release(r);

	/* repeated headers joined with ", ", names lower-case */
	r = run(args_url("/headers"), NULL, 5000, &err);
	h = r ? v_obj_get(r, "headers") : NULL;
	CHECK_STR(str_at(h, "set-cookie"), "a=1, b=2");
	CHECK_STR(str_at(h, "x-multi"), "one, two");
	CHECK_STR(str_at(r, "body"), "ok");
	CHECK(r && v_type(v_obj_get(r, "json")) == V_NULL);
	if (r)
		v_release(r);

	/* HEAD: headers, no body */
	value *a = args_url("/health");
	v_obj_set_take(a, "method", v_str("head"));
	r = run(a, NULL, 5000, &err);
	CHECK(num_at(r, "status") == 200);
	CHECK_STR(str_at(r, "body"), "");
	if (r)
		v_release(r);
}

static void test_echo_round_trip(void)
{
	char *err = NULL;
	value *a = args_url("/echo?fixed=1");
	v_obj_set_take(a, "method", v_str("post"));
	value *q = v_obj();
	v_obj_set_take(q, "q", v_str("a b&c=d/é"));
	value *multi = v_list();
	v_list_push_take(multi, v_str("x"));
	v_list_push_take(multi, v_num(2));
	v_obj_set_take(q, "multi", multi);
	v_obj_set_take(a, "query", q);
	value *hd = v_obj();
	v_obj_set_take(hd, "X-Trace", v_str("trace-123"));
	v_obj_set_take(a, "headers", hd);
	static const char doc_json[] = "{\"name\":\"worker\",\"n\":[1,2,{\"deep\":true}],\"s\":\"q\\\"uote\"}";
	value *body = v_from_json(doc_json, strlen(doc_json));
	CHECK(body != NULL);
	v_obj_set_take(a, "json", body);
	value *r = run(a, NULL, 5000, &err);
	CHECK(err == NULL);
	value *j = r ? v_obj_get(r, "json") : NULL;
	CHECK_STR(str_at(j, "method"), "POST");
	CHECK_STR(str_at(j, "raw_query"), "fixed=1&q=a%20b%26c%3Dd%2F%C3%A9&multi=x&multi=2");
	value *eh = j ? v_obj_get(j, "headers") : NULL;
	CHECK_STR(str_at(eh, "x-trace"), "trace-123");
	CHECK_STR(str_at(eh, "content-type"), "application/json");
	/* the body the server received parses back to what we sent */
	const char *sent = str_at(j, "body");
	value *back = sent ? v_from_json(sent, strlen(sent)) : NULL;
	value *orig = v_from_json(doc_json, strlen(doc_json));
	CHECK(back && orig && v_equal(back, orig));
	if (back)
		v_release(back);
	v_release(orig);
	if (r)
		v_release(r);

	/* raw body, PUT, step header overriding a connection header */
	value *spec = v_obj();
	v_obj_set_take(spec, "url", v_str(base));
	hd = v_obj();
	v_obj_set_take(hd, "X-Env", v_str("conn"));
	v_obj_set_take(hd, "X-Only-Conn", v_str("yes"));
	v_obj_set_take(spec, "headers", hd);
	char *cerr = NULL;
	void *conn = conn_http_open(spec, 5000, NULL, red, &cerr);
	v_release(spec);
	CHECK(conn != NULL && cerr == NULL);
	a = v_obj();
	v_obj_set_take(a, "url", v_str("echo"));
	v_obj_set_take(a, "method", v_str("PUT"));
	v_obj_set_take(a, "body", v_str("plain text"));
	hd = v_obj();
	v_obj_set_take(hd, "x-env", v_str("step"));
	v_obj_set_take(a, "headers", hd);
	r = run(a, conn, 5000, &err);
	j = r ? v_obj_get(r, "json") : NULL;
	CHECK_STR(str_at(j, "method"), "PUT");
	CHECK_STR(str_at(j, "path"), "/echo");
	CHECK_STR(str_at(j, "body"), "plain text");
	eh = j ? v_obj_get(j, "headers") : NULL;
	CHECK_STR(str_at(eh, "x-env"), "step");
	CHECK_STR(str_at(eh, "x-only-conn"), "yes");
	double port1 = num_at(j, "peer_port");
	if (r)
		v_release(r);
	/* the next step on the same connection reuses the TCP connection */
	a = v_obj();
	v_obj_set_take(a, "url", v_str("/echo"));
	r = run(a, conn, 5000, &err);
	CHECK(port1 > 0 && num_at(r ? v_obj_get(r, "json") : NULL, "peer_port") == port1);
	if (r)
		v_release(r);
	conn_http_close(conn);

	/* a POST without a body still says Content-Length: 0 */
	a = args_url("/echo");
	v_obj_set_take(a, "method", v_str("POST"));
	r = run(a, NULL, 5000, &err);
	eh = r ? v_obj_get(v_obj_get(r, "json"), "headers") : NULL;
	CHECK_STR(str_at(eh, "content-length"), "0");
	CHECK(eh && !v_obj_get(eh, "content-type"));
	if (r)
		v_release(r);

	/* relative URL without a connection */
	a = v_obj();
	v_obj_set_take(a, "url", v_str("/echo"));
	r = run(a, NULL, 5000, &err);
	CHECK(r == NULL && err && strstr(err, "relative"));
	free(err);
}

static void test_auth(void)
{
	char *err = NULL;
	value *a = args_url("/echo");
	value *auth = v_obj();
	v_obj_set_take(auth, "bearer", v_str("tok-s3cr3t-bearer"));
	v_obj_set_take(a, "auth", auth);
	value *r = run(a, NULL, 5000, &err);
	CHECK(redact_contains(red, "tok-s3cr3t-bearer", 17));
	/* the echoed Authorization header comes back redacted */
	value *eh = r ? v_obj_get(v_obj_get(r, "json"), "headers") : NULL;
	CHECK_STR(str_at(eh, "authorization"), "Bearer ***");
	CHECK(r && !strstr(str_at(r, "body"), "tok-s3cr3t-bearer"));
	if (r)
		v_release(r);

	a = args_url("/echo");
	auth = v_obj();
	value *basic = v_obj();
	v_obj_set_take(basic, "user", v_str("ops"));
	v_obj_set_take(basic, "password", v_str("pw-h1dden"));
	v_obj_set_take(auth, "basic", basic);
	v_obj_set_take(a, "auth", auth);
	r = run(a, NULL, 5000, &err);
	CHECK(redact_contains(red, "pw-h1dden", 9));
	eh = r ? v_obj_get(v_obj_get(r, "json"), "headers") : NULL;
	/* base64("ops:pw-h1dden") is a form of a secret: masked */
	CHECK_STR(str_at(eh, "authorization"), "Basic ***");
	if (r)
		v_release(r);

	/* credentials in a connection URL go to the redactor at open */
	char *cerr = NULL;
	value *spec = v_str("http://admin:c0nn-pass@127.0.0.1:1/");
	void *conn = conn_http_open(spec, 1000, NULL, red, &cerr);
	v_release(spec);
	CHECK(conn != NULL);
	CHECK(redact_contains(red, "c0nn-pass", 9));
	conn_http_close(conn);

	spec = v_str("ftp://127.0.0.1/");
	conn = conn_http_open(spec, 1000, NULL, red, &cerr);
	v_release(spec);
	CHECK(conn == NULL && cerr && strstr(cerr, "not http"));
	free(cerr);
}

static void test_bodies(void)
{
	char *err = NULL;
	value *r = run(args_url("/invalid-json"), NULL, 5000, &err);
	CHECK(num_at(r, "status") == 200);
	CHECK(r && v_type(v_obj_get(r, "json")) == V_NULL);
	CHECK(r && strstr(str_at(r, "body"), "broken"));
	if (r)
		v_release(r);

	r = run(args_url("/json"), NULL, 5000, &err);
	value *j = r ? v_obj_get(r, "json") : NULL;
	value *items = j ? v_obj_get(v_obj_get(j, "data"), "items") : NULL;
	CHECK(items && v_len(items) == 2);
	CHECK_STR(str_at(items ? v_list_get(items, 1) : NULL, "status"), "degraded");
	CHECK(j && v_type(v_obj_get(j, "nothing")) == V_NULL);
	if (r)
		v_release(r);

	/* a 3 MB body, default 1 MiB kept */
	r = run(args_url("/large?bytes=3000000"), NULL, 10000, &err);
	CHECK(r && v_str_len(v_obj_get(r, "body")) == 1024 * 1024);
	CHECK(r && v_as_bool(v_obj_get(r, "body_truncated")));
	if (r)
		v_release(r);

	value *a = args_url("/large?bytes=1000");
	v_obj_set_take(a, "max-body", v_num(100));
	r = run(a, NULL, 5000, &err);
	CHECK(r && v_str_len(v_obj_get(r, "body")) == 100);
	CHECK(r && v_as_bool(v_obj_get(r, "body_truncated")));
	if (r)
		v_release(r);

	/* redirects: not followed by default, followed on request */
	r = run(args_url("/redirect"), NULL, 5000, &err);
	CHECK(num_at(r, "status") == 302);
	CHECK_STR(str_at(r ? v_obj_get(r, "headers") : NULL, "location"), "/json");
	if (r)
		v_release(r);
	a = args_url("/redirect");
	v_obj_set_take(a, "follow-redirects", v_bool(1));
	r = run(a, NULL, 5000, &err);
	CHECK(num_at(r, "status") == 200);
	CHECK_STR(str_at(r ? v_obj_get(r, "json") : NULL, "service"), "conversation-worker");
	if (r)
		v_release(r);
}

static void *cancel_later(void *p)
{
	struct timespec ts = { 0, 200 * 1000000L };
	nanosleep(&ts, NULL);
	*(volatile sig_atomic_t *)p = 1;
	return NULL;
}

static void test_failures(void)
{
	char *err = NULL;
	int64_t t0 = now_ms();
	value *r = run(args_url("/slow?ms=3000"), NULL, 300, &err);
	int64_t took = now_ms() - t0;
	CHECK(r == NULL && err != NULL);
	CHECK(err && strstr(err, "GET ") == err && strstr(err, "/slow?ms=3000: "));
	CHECK(err && strstr(err, "timed out"));
	CHECK(took >= 250 && took < 1500);
	free(err);

	int port = free_port();
	CHECK(port > 0);
	char *url = xasprintf("http://127.0.0.1:%d/x", port);
	value *a = v_obj();
	v_obj_set_take(a, "url", v_str(url));
	r = run(a, NULL, 2000, &err);
	char *want = xasprintf("GET %s: ", url);
	CHECK(r == NULL && err && strncmp(err, want, strlen(want)) == 0);
	CHECK(err && strstr(err, "Couldn't connect to server (connection refused)"));
	char *hp = xasprintf("port %d", port);
	CHECK(err && strstr(err, hp));
	free(hp);
	free(want);
	free(url);
	free(err);

	/* cancellation is noticed within ~100 ms */
	a = args_url("/slow?ms=3000");
	prim_call c;
	call_init(&c, a, NULL, 10000);
	volatile sig_atomic_t stop = 1;
	c.cancel = &stop;
	t0 = now_ms();
	CHECK(prim_http_run(&c) == -1);
	CHECK(now_ms() - t0 < 500);
	CHECK(c.error && strstr(c.error, "interrupted"));
	free(c.error);
	v_release(a);

	/* ... and while the transfer is under way */
	a = args_url("/slow?ms=3000");
	call_init(&c, a, NULL, 10000);
	stop = 0;
	c.cancel = &stop;
	pthread_t th;
	pthread_create(&th, NULL, cancel_later, (void *)&stop);
	t0 = now_ms();
	CHECK(prim_http_run(&c) == -1);
	took = now_ms() - t0;
	pthread_join(th, NULL);
	CHECK(took >= 150 && took < 450);
	CHECK(c.error && strstr(c.error, "interrupted"));
	free(c.error);
	v_release(a);

	/* unknown parameter */
	a = args_url("/health");
	v_obj_set_take(a, "mehtod", v_str("GET"));
	r = run(a, NULL, 1000, &err);
	CHECK(r == NULL && err && strstr(err, "unknown parameter 'mehtod'"));
	free(err);
}

static void test_batch(void)
{
	enum { N = 50 };
	prim_call calls[N], *pc[N];
	char *cerr = NULL;
	value *spec = v_str(base);
	void *conn = conn_http_open(spec, 5000, NULL, red, &cerr);
	v_release(spec);
	for (int i = 0; i < N; i++) {
		value *a = v_obj();
		char *u = xasprintf("/echo?i=%d", i);
		v_obj_set_take(a, "url", v_str(u));
		free(u);
		call_init(&calls[i], a, i % 2 ? conn : NULL, 10000);
		if (i % 2 == 0) {
			char *abs = xasprintf("%s/slow?ms=200&i=%d", base, i);
			v_obj_set_take(a, "url", v_str(abs));
			free(abs);
		}
		pc[i] = &calls[i];
	}
	int64_t t0 = now_ms();
	prim_http_batch(pc, N);
	int64_t took = now_ms() - t0;
	int ok = 0;
	for (int i = 0; i < N; i++) {
		value *r = calls[i].result;
		if (r && !calls[i].error && num_at(r, "status") == 200) {
			value *j = v_obj_get(r, "json");
			char *want = xasprintf("%d", i);
			if (i % 2) {
				value *q = v_obj_get(v_obj_get(j, "query"), "i");
				ok += q && strcmp(v_as_str(v_list_get(q, 0)), want) == 0;
			} else {
				ok += num_at(j, "slept") == 200;
			}
			free(want);
		}
		if (r)
			v_release(r);
		free(calls[i].error);
		v_release(calls[i].args);
	}
	CHECK(ok == N);
	/* 25 slow calls of 200 ms at 8 connections a host: well under 25 * 200 ms */
	CHECK(took < 2500);
	conn_http_close(conn);
}

/* ---- hand-built YAML nodes for the static functions ---- */
static node nodes[256];
static node *pairs[256];
static size_t nnodes, npairs;

static node *scalar(const char *s)
{
	node *n = &nodes[nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = N_SCALAR;
	n->str = (char *)s;
	n->len = strlen(s);
	n->line = n->col = 1;
	n->file = "t.yaml";
	return n;
}

/* map("k1", v1, "k2", v2, NULL) */
static node *map(const char *k, ...)
{
	node *n = &nodes[nnodes++];
	memset(n, 0, sizeof(*n));
	n->kind = N_MAP;
	n->line = n->col = 1;
	n->file = "t.yaml";
	n->keys = &pairs[npairs];
	va_list ap;
	va_start(ap, k);
	size_t cnt = 0;
	for (const char *key = k; key; key = va_arg(ap, const char *)) {
		pairs[npairs++] = scalar(key);
		cnt++;
		(void)va_arg(ap, node *);
	}
	va_end(ap);
	n->vals = &pairs[npairs];
	va_start(ap, k);
	for (const char *key = k; key; key = va_arg(ap, const char *))
		pairs[npairs++] = va_arg(ap, node *);
	va_end(ap);
	n->n = cnt;
	return n;
}

static void test_static(void)
{
	CHECK(prim_http_effect(map("url", scalar("/x"), NULL)) == EFFECT_READ);
	CHECK(prim_http_effect(map("method", scalar("head"), NULL)) == EFFECT_READ);
	CHECK(prim_http_effect(map("method", scalar("OPTIONS"), NULL)) == EFFECT_READ);
	CHECK(prim_http_effect(map("method", scalar("POST"), NULL)) == EFFECT_WRITE);
	CHECK(prim_http_effect(map("method", scalar("delete"), NULL)) == EFFECT_WRITE);
	CHECK(prim_http_effect(map("method", scalar("${{ inputs.m }}"), NULL)) == -1);
	CHECK(prim_http_effect(scalar("${{ inputs.request }}")) == -1);

	struct { node *action; int nerr; } cases[] = {
		{ map("connection", scalar("p"), "query", scalar("up"), NULL), 0 },
		{ map("connection", scalar("p"), NULL), 1 },
		{ map("query", scalar("up"), "alerts", map("name", scalar("X"), NULL), NULL), 1 },
		{ map("alerts", map("name", scalar("X"), "state", scalar("firing"), NULL), NULL), 0 },
		{ map("alerts", map("name", scalar("X"), "state", scalar("burning"), NULL), NULL), 1 },
		{ map("alerts", map("state", scalar("firing"), NULL), NULL), 1 },
		{ map("alerts", map("name", scalar("X"), NULL), "time", scalar("now"), NULL), 1 },
		{ map("query", scalar("up"), "range", map("start", scalar("5m"), NULL), NULL), 0 },
		{ map("query", scalar("up"), "range", map("end", scalar("5m"), NULL), NULL), 1 },
		{ map("query", scalar("up"), "range", map("start", scalar("5m"), "stpe", scalar("1s"), NULL), NULL), 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		step st;
		memset(&st, 0, sizeof(st));
		st.id = "p";
		st.action = cases[i].action;
		st.action_key = scalar("prometheus");
		diags dg;
		diags_init(&dg);
		prim_prom_validate(NULL, &st, &dg);
		if (dg.nerr != cases[i].nerr)
			fprintf(stderr, "validate case %zu: %d errors, want %d\n", i, dg.nerr, cases[i].nerr);
		CHECK(dg.nerr == cases[i].nerr);
		diags_release(&dg);
	}
}

/* HTTPS against httpd.py with a self-signed certificate made here */
static void test_tls(void)
{
	strcpy(tls_dir, "/tmp/rbtls.XXXXXX");
	CHECK(mkdtemp(tls_dir) != NULL);
	char *cert = xasprintf("%s/cert.pem", tls_dir), *key = xasprintf("%s/key.pem", tls_dir);
	char *cmd = xasprintf("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
			      "-addext subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
			      key, cert);
	CHECK(system(cmd) == 0);
	httpsd_pid = start_httpd(tls_base, sizeof(tls_base), "https", "--tls", cert, key);
	CHECK(httpsd_pid > 0);

	char *err = NULL;
	char *u = xasprintf("%s/health", tls_base);
	value *a = v_obj();
	v_obj_set_take(a, "url", v_str(u));
	value *r = run(a, NULL, 5000, &err);
	CHECK(r == NULL && err && strstr(err, "SSL certificate problem"));
	free(err);

	a = v_obj();
	v_obj_set_take(a, "url", v_str(u));
	value *tls = v_obj();
	v_obj_set_take(tls, "ca-file", v_str(cert));
	v_obj_set_take(a, "tls", tls);
	r = run(a, NULL, 5000, &err);
	CHECK(err == NULL && num_at(r, "status") == 200);
	if (r)
		v_release(r);

	/* insecure from the connection's defaults */
	value *spec = v_obj();
	v_obj_set_take(spec, "url", v_str(tls_base));
	tls = v_obj();
	v_obj_set_take(tls, "insecure", v_bool(1));
	v_obj_set_take(spec, "tls", tls);
	char *cerr = NULL;
	void *conn = conn_http_open(spec, 5000, NULL, red, &cerr);
	v_release(spec);
	a = v_obj();
	v_obj_set_take(a, "url", v_str("/json"));
	r = run(a, conn, 5000, &err);
	CHECK(err == NULL && num_at(r, "status") == 200);
	if (r)
		v_release(r);
	conn_http_close(conn);

	stop_httpd(httpsd_pid);
	unlink(cert);
	unlink(key);
	rmdir(tls_dir);
	free(cmd);
	free(cert);
	free(key);
	free(u);
}

static void test_prometheus_errors(void)
{
	/* the test server is not Prometheus: API errors are reported as such */
	char *cerr = NULL;
	value *spec = v_str(base);
	void *conn = conn_prom_open(spec, 5000, NULL, red, &cerr);
	v_release(spec);
	CHECK(conn != NULL);
	value *a = v_obj();
	v_obj_set_take(a, "query", v_str("up"));
	prim_call c;
	call_init(&c, a, conn, 5000);
	CHECK(prim_prom_run(&c) == -1);
	CHECK(c.error && strstr(c.error, "prometheus: HTTP 404"));
	free(c.error);
	v_release(a);

	a = v_obj();
	v_obj_set_take(a, "query", v_str("up"));
	value *al = v_obj();
	v_obj_set_take(al, "name", v_str("X"));
	v_obj_set_take(a, "alerts", al);
	call_init(&c, a, conn, 5000);
	CHECK(prim_prom_run(&c) == -1);
	CHECK(c.error && strstr(c.error, "exactly one of"));
	free(c.error);
	v_release(a);
	conn_prom_close(conn);
}

int main(void)
{
	red = redactor_new();
	httpd_pid = start_httpd(base, sizeof(base), "http", NULL, NULL, NULL);
	if (httpd_pid < 0) {
		fprintf(stderr, "test_http: cannot start tests/lib/httpd.py\n");
		unit_fail++;
		return unit_done("test_http");
	}
	test_status_and_headers();
	test_echo_round_trip();
	test_auth();
	test_bodies();
	test_failures();
	test_batch();
	test_prometheus_errors();
	test_tls();
	test_static();
	stop_httpd(httpd_pid);
	redactor_free(red);
	return unit_done("test_http");
}
