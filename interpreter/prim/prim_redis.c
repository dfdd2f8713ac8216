/*
 * prim_redis.c - the `redis` primitive and the `redis` connection (hiredis).
 *
 * A command is an argv: each item goes to the server as one bulk string
 * with its length (binary safe: spaces, CRLF and NUL stay data), never
 * through a format string.  The request is written with the blocking
 * context (bounded by redisSetTimeout), and the reply is awaited with
 * poll() in slices of POLL_SLICE_MS so the step deadline and cancellation
 * are noticed promptly.  A command that overran its deadline leaves a
 * reply in flight, so its context is dropped and the next step connects
 * afresh.
 *
 * hiredis 0.14 writes with write(2), which raises SIGPIPE on a connection
 * the server closed; writes are done with SIGPIPE blocked in this thread
 * and a pending SIGPIPE of our own making is consumed (libpq's way).
 *
 * Replies are NOT read with hiredis: its reader buffers a whole bulk
 * string (up to 512 MiB) or array before handing it over, so a hostile or
 * runaway server could make the interpreter allocate gigabytes.  hiredis
 * still connects and formats commands; the reply is read from the socket
 * by the bounded RESP reader below, which keeps at most max-result bytes
 * (strings, plus ELEM_COST per element), reads result_slack() more of a
 * string it cuts so the cut falls after redaction (prim.h), and then
 * stops: the rest of the reply is never read, and the connection, now out
 * of step, is dropped (the next step connects afresh).
 */
#include "lang/prim.h"
#include "base/clock.h"
#include "base/hex.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>

#define POLL_SLICE_MS           100
#define ELEM_COST               8       /* bytes of max-result one element costs */
#define MAX_DEPTH               32      /* nested arrays */
#define MAX_ERROR_TEXT          4096    /* of an error reply quoted in the error */
#define REDIS_CONNECT_DEFAULT_MS 30000  /* when the caller gives no timeout */

/* The connection handle: the context plus what a reconnect needs. */
typedef struct rconn {
	redisContext *ctx;      /* NULL after a failure: reconnect before use */
	char *host;
	int port;
	char *user, *pass;      /* NULL when none */
	long db;
	int64_t connect_ms;
	const redactor *red;    /* the run's, for the replies to AUTH... */
} rconn;

static struct timeval ms_tv(int64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };

	return tv;
}

static void rconn_drop(rconn *h)
{
	if (h->ctx)
		redisFree(h->ctx);
	h->ctx = NULL;
}

static void rconn_free(rconn *h)
{
	if (!h)
		return;
	rconn_drop(h);
	free(h->host);
	free(h->user);
	if (h->pass) {
		explicit_bzero(h->pass, strlen(h->pass));
		free(h->pass);
	}
	free(h);
}

/* redisBufferWrite without dying of SIGPIPE */
static int write_some(redisContext *ctx, int *done)
{
	sigset_t pipe_set, old, pending;
	int was_pending, r, saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	r = redisBufferWrite(ctx, done);
	saved = errno;
	if (r == REDIS_ERR && saved == EPIPE && !was_pending) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return r;
}

enum { RX_OK = 0, RX_IO = -1, RX_FAIL = -2 };

/* ---- the bounded RESP reader ---- */

typedef struct rreader {
	rconn *h;
	int fd;
	char buf[64 * 1024];
	size_t pos, len;
	int64_t deadline, budget;       /* ms; deadline 0 = none */
	volatile sig_atomic_t *cancel;
	const redactor *red;
	size_t left;                    /* bytes of the result still allowed */
	int truncated;                  /* a bound was reached: stop reading */
	int rx;                         /* RX_IO or RX_FAIL once failed */
	char *err;
} rreader;

static int rr_fail(rreader *r, int rx, char *msg)
{
	if (!r->rx) {
		r->rx = rx;
		r->err = msg;
	} else {
		free(msg);
	}
	return -1;
}

/* Make at least one unread byte available.  -1 on timeout, cancel, EOF. */
static int rr_fill(rreader *r)
{
	if (r->rx)
		return -1;
	if (r->pos < r->len)
		return 0;
	r->pos = r->len = 0;
	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		int64_t left = POLL_SLICE_MS;

		if (r->cancel && *r->cancel)
			return rr_fail(r, RX_FAIL, xstrdup("redis command cancelled"));
		if (r->deadline) {
			left = r->deadline - now_ms();
			if (left <= 0)
				return rr_fail(r, RX_FAIL, xasprintf("redis command timed out after %lldms",
								     (long long)r->budget));
			if (left > POLL_SLICE_MS)
				left = POLL_SLICE_MS;
		}
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno != EINTR)
			return rr_fail(r, RX_IO, xasprintf("redis at %s:%d: %s", r->h->host, r->h->port,
							   strerror(errno)));
		if (pr <= 0)
			continue;
		ssize_t n = read(r->fd, r->buf, sizeof(r->buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return rr_fail(r, RX_IO, xasprintf("redis at %s:%d: %s", r->h->host, r->h->port,
							   n ? strerror(errno) : "connection closed by the server"));
		r->len = (size_t)n;
		return 0;
	}
}

/*
 * Read a line up to CRLF into out, keeping at most max bytes of it.
 * Returns 0, 1 when the line is longer than max (out holds max bytes and
 * the rest is left unread), -1 on failure.
 */
static int rr_line(rreader *r, sbuf *out, size_t max)
{
	for (;;) {
		if (rr_fill(r) < 0)
			return -1;
		char *s = r->buf + r->pos, *nl = memchr(s, '\n', r->len - r->pos);
		size_t n = nl ? (size_t)(nl - s) : r->len - r->pos;

		if (out->len + n > max + 1) {
			size_t room = max + 1 > out->len ? max + 1 - out->len : 0;

			sbuf_add(out, s, room);
			if (out->len > max)
				out->buf[out->len = max] = '\0';
			return 1;
		}
		sbuf_add(out, s, n);
		r->pos += n + (nl ? 1 : 0);
		if (nl) {
			if (out->len && out->buf[out->len - 1] == '\r')
				out->buf[--out->len] = '\0';
			return 0;
		}
	}
}

/* Read n bytes, keeping the first `keep` of them in out.  0 or -1. */
static int rr_bytes(rreader *r, sbuf *out, size_t n, size_t keep)
{
	while (n) {
		if (rr_fill(r) < 0)
			return -1;
		size_t avail = r->len - r->pos, take = avail < n ? avail : n;
		if (out->len < keep)
			sbuf_add(out, r->buf + r->pos, take < keep - out->len ? take : keep - out->len);
		r->pos += take;
		n -= take;
	}
	return 0;
}

/* The number in a type line ($, *, :); -1 with a protocol error. */
static int rr_number(rreader *r, long long *out)
{
	sbuf l = { 0 };
	char *end;
	int rc = rr_line(r, &l, 32), whole = rc == 0;

	if (rc == 0) {
		errno = 0;
		*out = strtoll(l.buf ? l.buf : "", &end, 10);
		if (!l.len || *end || errno)
			rc = 1;
	}
	if (rc > 0) {
		/* quoted only when read whole, so its redaction is complete */
		char *q = whole ? redacted_text(r->red, l.buf) : NULL;

		rr_fail(r, RX_FAIL, q ? xasprintf("redis at %s:%d: protocol error: bad number '%s'",
						  r->h->host, r->h->port, q)
				      : xasprintf("redis at %s:%d: protocol error: a number line "
						  "longer than 32 bytes", r->h->host, r->h->port));
		free(q);
	}
	sbuf_release(&l);
	return rc ? -1 : 0;
}

/* A string of the reply, redacted and bounded by what is left */
static value *rr_text(rreader *r, const char *s, size_t n, int cut)
{
	int trunc;
	value *v = bounded_text(r->red, s, n, r->left, cut, &trunc);

	r->left -= v_str_len(v);
	if (trunc)
		r->truncated = 1;
	return v;
}

/*
 * One reply element (RESP2; RESP3's null, boolean, double, big number,
 * verbatim string, map, set and push too).  *type receives its type byte.
 * NULL on failure (r->err).  Once r->truncated is set the caller stops.
 */
static value *rr_elem(rreader *r, int depth, char *type)
{
	if (rr_fill(r) < 0)
		return NULL;
	char t = r->buf[r->pos++];
	long long n;
	*type = t;
	switch (t) {
	case '+': case '-': case '(': case ',': case '#': {
		sbuf l = { 0 };
		size_t max = t == '-' && depth == 0 ? MAX_ERROR_TEXT : r->left;
		int rc = rr_line(r, &l, max + result_slack(r->red));
		value *v = NULL;

		if (rc >= 0 && t == '#') {
			v = v_bool(l.len && l.buf[0] == 't');
		} else if (rc >= 0 && t == ',') {
			v = v_num(strtod(l.buf ? l.buf : "0", NULL));
		} else if (rc >= 0 && t == '-' && depth == 0) {
			int cut;
			v = bounded_text(r->red, l.buf, l.len, max, rc > 0, &cut);
		} else if (rc >= 0) {
			v = rr_text(r, l.buf, l.len, rc > 0);
		}
		sbuf_release(&l);
		return v;
	}
	case ':':
		return rr_number(r, &n) < 0 ? NULL : v_num((double)n);
	case '_': {
		sbuf l = { 0 };
		int rc = rr_line(r, &l, 0);
		sbuf_release(&l);
		return rc == 0 ? v_null() : NULL;
	}
	case '$': case '=': case '!': {
		if (rr_number(r, &n) < 0)
			return NULL;
		if (n < 0) {
			*type = '_';
			return v_null();
		}
		size_t want = (size_t)n, keep = r->left + result_slack(r->red);
		sbuf b = { 0 };
		int cut = want > keep;
		value *v = NULL;

		if (rr_bytes(r, &b, cut ? keep : want, keep) == 0 &&
		    (cut || rr_bytes(r, &b, 2, 0) == 0)) {
			size_t skip = t == '=' && b.len >= 4 && b.buf[3] == ':' ? 4 : 0;
			v = rr_text(r, b.buf ? b.buf + skip : NULL, b.len - skip, cut);
		}
		sbuf_release(&b);
		return v;
	}
	case '*': case '%': case '~': case '>': {
		if (rr_number(r, &n) < 0)
			return NULL;
		if (n < 0) {
			*type = '_';
			return v_null();
		}
		if (depth >= MAX_DEPTH) {
			rr_fail(r, RX_FAIL, xasprintf("redis at %s:%d: reply nested deeper than %d",
						      r->h->host, r->h->port, MAX_DEPTH));
			return NULL;
		}
		if (t == '%')
			n = n > LLONG_MAX / 2 ? LLONG_MAX : 2 * n;     /* a map: keys and values */
		value *l = v_list();
		for (long long i = 0; i < n && !r->truncated; i++) {
			char et;
			if (r->left < ELEM_COST) {
				r->truncated = 1;
				break;
			}
			r->left -= ELEM_COST;
			value *e = rr_elem(r, depth + 1, &et);
			if (!e) {
				v_release(l);
				return NULL;
			}
			v_list_push_take(l, e);
		}
		return l;
	}
	default:
		rr_fail(r, RX_FAIL, xasprintf("redis at %s:%d: protocol error: unexpected byte 0x%02x",
					      r->h->host, r->h->port, (unsigned char)t));
		return NULL;
	}
}

/*
 * Send one argv and read its reply, bounded to max bytes, until the
 * deadline (0 = none) or cancellation.  Returns RX_OK with *reply (a
 * value), *type (the reply's RESP type byte) and *truncated; RX_IO with
 * *err when the connection broke (the caller may reconnect), RX_FAIL with
 * *err otherwise (timeout, cancel, protocol).  On any failure, and after a
 * truncated reply, the context is dropped.  *sent tells whether the
 * request may have reached the server.
 */
static int rexec(rconn *h, int argc, const char **argv, const size_t *lens,
		 int64_t deadline, int64_t budget, volatile sig_atomic_t *cancel,
		 const redactor *red, size_t max, value **reply, char *type, int *truncated,
		 int *sent, char **err)
{
	redisContext *ctx = h->ctx;
	int done = 0;

	*sent = 0;
	if (redisAppendCommandArgv(ctx, argc, argv, lens) != REDIS_OK) {
		*err = xasprintf("redis: %s", ctx->errstr);
		rconn_drop(h);
		return RX_FAIL;
	}
	do {
		if (write_some(ctx, &done) == REDIS_ERR) {
			*err = xasprintf("redis at %s:%d: %s", h->host, h->port, ctx->errstr);
			rconn_drop(h);
			return RX_IO;
		}
		*sent = 1;
	} while (!done);

	rreader *r = xcalloc(1, sizeof(*r));
	r->h = h;
	r->fd = ctx->fd;
	r->deadline = deadline;
	r->budget = budget;
	r->cancel = cancel;
	r->red = red;
	r->left = max;
	value *v = rr_elem(r, 0, type);
	int rx = r->rx;
	*truncated = r->truncated;
	if (!v) {
		*err = r->err;
		free(r);
		rconn_drop(h);
		return rx ? rx : RX_FAIL;
	}
	/* a reply cut short, or more bytes than one reply: out of step */
	if (r->truncated || r->pos < r->len)
		rconn_drop(h);
	free(r->err);
	free(r);
	*reply = v;
	return RX_OK;
}

/* A command whose reply must be OK/PONG-like at connect time. */
static int setup_cmd(rconn *h, int argc, const char **argv, int64_t deadline,
		     int64_t budget, const char *what, char **err)
{
	size_t lens[3];
	value *r = NULL;
	char type;
	int sent, trunc;

	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	/* a reply to AUTH, SELECT or PING is short: 4 KiB is plenty */
	if (rexec(h, argc, argv, lens, deadline, budget, NULL, h->red, MAX_ERROR_TEXT, &r, &type,
		  &trunc, &sent, err) != RX_OK)
		return -1;
	if (type == '-' || type == '!' || trunc) {
		*err = xasprintf("redis at %s:%d %s: %s", h->host, h->port, what,
				 v_type(r) == V_STR ? v_as_str(r) : "a reply too long");
		v_release(r);
		rconn_drop(h);
		return -1;
	}
	v_release(r);
	return 0;
}

/*
 * (Re)connect: TCP connect within the budget, AUTH ([user] password),
 * SELECT db, PING.  Returns 0, or -1 with *err (not yet redacted).
 */
static int rconn_connect(rconn *h, int64_t budget, char **err)
{
	int64_t deadline = now_ms() + budget;
	char dbtext[32];

	rconn_drop(h);
	h->ctx = redisConnectWithTimeout(h->host, h->port, ms_tv(budget));
	if (!h->ctx || h->ctx->err) {
		*err = xasprintf("cannot connect to redis at %s:%d: %s", h->host, h->port,
				 h->ctx ? h->ctx->errstr : "out of memory");
		rconn_drop(h);
		return -1;
	}
	redisSetTimeout(h->ctx, ms_tv(budget));
	if (h->pass) {
		const char *auth[3] = { "AUTH", h->user ? h->user : h->pass, h->pass };

		if (setup_cmd(h, h->user ? 3 : 2, auth, deadline, budget,
			      "refused the credentials", err) < 0)
			return -1;
	}
	if (h->db) {
		const char *sel[2] = { "SELECT", dbtext };

		snprintf(dbtext, sizeof(dbtext), "%ld", h->db);
		if (setup_cmd(h, 2, sel, deadline, budget, "refused SELECT", err) < 0)
			return -1;
	}
	{
		const char *ping[1] = { "PING" };

		if (setup_cmd(h, 1, ping, deadline, budget, "refused PING", err) < 0)
			return -1;
	}
	return 0;
}

/* percent-decode s[0..n) into a malloc'd string; NULL when malformed */
static char *pct_decode_strict(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t bad;

	pct_decode(s, n, out, &bad);
	if (bad) {
		free(out);
		return NULL;
	}
	return out;
}

static int parse_port(const char *s, size_t n, int *port)
{
	long v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* redis://[[user]:password@]host[:port][/db]; errors never quote the URL */
static int parse_url(rconn *h, const char *url, redactor *red, char **err)
{
	const char *p, *at, *slash, *hp, *he, *colon;

	if (!strncmp(url, "rediss://", 9)) {
		*err = xstrdup("rediss:// (TLS) is not supported by the linked hiredis");
		return -1;
	}
	if (strncmp(url, "redis://", 8)) {
		*err = xstrdup("a redis connection URL starts with redis://");
		return -1;
	}
	p = url + 8;
	slash = p + strcspn(p, "/?#");
	at = NULL;
	for (const char *q = p; q < slash; q++)
		if (*q == '@')
			at = q;
	hp = p;
	if (at) {
		const char *c = memchr(p, ':', (size_t)(at - p));

		if (c) {
			if (c > p && !(h->user = pct_decode_strict(p, (size_t)(c - p))))
				goto bad_cred;
			if (!(h->pass = pct_decode_strict(c + 1, (size_t)(at - c - 1))))
				goto bad_cred;
		} else {
			/* user@ or password@?  Ambiguous: refuse, but keep the
			 * fragment secret in case it was a password */
			redact_add(red, p, (size_t)(at - p));
			*err = xstrdup("redis URL credentials must be ':password@' or 'user:password@'");
			return -1;
		}
		if (h->pass && !*h->pass) {
			free(h->pass);
			h->pass = NULL;
		}
		hp = at + 1;
	}
	if (*hp == '[') {
		he = memchr(hp, ']', (size_t)(slash - hp));
		if (!he) {
			*err = xstrdup("redis URL has an unterminated [IPv6] host");
			return -1;
		}
		h->host = xstrndup(hp + 1, (size_t)(he - hp - 1));
		colon = he + 1 < slash && he[1] == ':' ? he + 1 : NULL;
	} else {
		colon = memchr(hp, ':', (size_t)(slash - hp));
		he = colon ? colon : slash;
		h->host = xstrndup(hp, (size_t)(he - hp));
	}
	if (!*h->host) {
		free(h->host);
		h->host = xstrdup("127.0.0.1");
	}
	h->port = 6379;
	if (colon && parse_port(colon + 1, (size_t)(slash - colon - 1), &h->port) < 0) {
		*err = xstrdup("redis URL has an invalid port");
		return -1;
	}
	if (*slash == '/' && slash[1]) {
		char *end;

		h->db = strtol(slash + 1, &end, 10);
		if (*end || h->db < 0 || !isdigit((unsigned char)slash[1])) {
			*err = xstrdup("redis URL path must be a database number");
			return -1;
		}
	} else if (*slash && strcmp(slash, "/")) {
		*err = xstrdup("redis URL takes no query or fragment");
		return -1;
	}
	return 0;
bad_cred:
	*err = xstrdup("redis URL has malformed percent-encoding in its credentials");
	return -1;
}

static int map_str(const value *v, const char *key, char **out, char **err)
{
	if (v_type(v) != V_STR) {
		*err = xasprintf("redis connection '%s' must be a string, not a %s",
				 key, v_type_name(v));
		return -1;
	}
	*out = xstrdup(v_as_str(v));
	return 0;
}

/* {host, port, password, username, db, tls} */
static int parse_map(rconn *h, const value *spec, char **err)
{
	h->port = 6379;
	for (size_t i = 0; i < v_len(spec); i++) {
		const char *k = v_obj_key(spec, i);
		const value *v = v_obj_val(spec, i);

		if (!strcmp(k, "host")) {
			free(h->host);
			h->host = NULL;
			if (map_str(v, k, &h->host, err) < 0)
				return -1;
		} else if (!strcmp(k, "password")) {
			if (v_type(v) == V_NULL)
				continue;
			if (map_str(v, k, &h->pass, err) < 0)
				return -1;
		} else if (!strcmp(k, "username")) {
			if (v_type(v) == V_NULL)
				continue;
			if (map_str(v, k, &h->user, err) < 0)
				return -1;
		} else if (!strcmp(k, "port") || !strcmp(k, "db")) {
			char *t = v_type(v) == V_NUM || v_type(v) == V_STR ? v_to_text(v) : NULL;
			int port = 0;
			char *end = NULL;
			long db = t ? strtol(t, &end, 10) : -1;

			if (!strcmp(k, "port") ? !t || parse_port(t, strlen(t), &port) < 0
					       : !t || !*t || *end || db < 0) {
				*err = xasprintf("redis connection '%s' must be a %s", k,
						 strcmp(k, "port") ? "database number" : "port number");
				free(t);
				return -1;
			}
			if (!strcmp(k, "port"))
				h->port = port;
			else
				h->db = db;
			free(t);
		} else if (!strcmp(k, "tls")) {
			if (v_truthy(v)) {
				*err = xstrdup("redis TLS is not supported by the linked hiredis");
				return -1;
			}
		} else {
			*err = xasprintf("unknown redis connection key '%s'", k);
			return -1;
		}
	}
	if (!h->host || !*h->host) {
		free(h->host);
		h->host = xstrdup("127.0.0.1");
	}
	if (h->user && !h->pass) {
		*err = xstrdup("redis connection has a 'username' but no 'password'");
		return -1;
	}
	return 0;
}

/*
 * Open a redis connection from "redis://[[user]:password@]host[:port][/db]"
 * or {host, port, password, username, db, tls}.  The password is added to
 * the redactor first; then connect within timeout_ms (30 s when 0), AUTH,
 * SELECT db and PING.  Returns the handle, or NULL with a redacted *err
 * naming host and port and quoting hiredis' or the server's reason.  TLS
 * is refused: the hiredis we link has none.
 */
void *conn_redis_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err)
{
	rconn *h = xcalloc(1, sizeof(*h));
	char *e = NULL;

	h->connect_ms = timeout_ms > 0 ? timeout_ms : REDIS_CONNECT_DEFAULT_MS;
	h->red = red;
	if (spec && v_type(spec) == V_STR) {
		redact_add_url_credentials(red, v_as_str(spec));
		if (parse_url(h, v_as_str(spec), red, &e) < 0)
			goto fail;
	} else if (spec && v_type(spec) == V_OBJ) {
		if (parse_map(h, spec, &e) < 0)
			goto fail;
	} else {
		e = xstrdup("a redis connection is a redis:// URL or a mapping");
		goto fail;
	}
	if (h->pass)
		redact_add(red, h->pass, strlen(h->pass));
	if (rconn_connect(h, h->connect_ms, &e) < 0)
		goto fail;
	return h;
fail:
	*err = redact_str(red, e, strlen(e), NULL);
	free(e);
	rconn_free(h);
	return NULL;
}

/* Close a connection made by conn_redis_open (NULL is fine). */
void conn_redis_close(void *h)
{
	rconn_free(h);
}

/* ---- the command table: which commands only read ---- */

typedef struct rcmd {
	const char *name;
	const char *sub;        /* NULL: any form; else this subcommand only */
} rcmd;

static const rcmd read_cmds[] = {
	{ "GET", NULL }, { "MGET", NULL }, { "GETRANGE", NULL }, { "SUBSTR", NULL },
	{ "STRLEN", NULL }, { "EXISTS", NULL }, { "TTL", NULL }, { "PTTL", NULL },
	{ "EXPIRETIME", NULL }, { "PEXPIRETIME", NULL }, { "TYPE", NULL },
	{ "SCAN", NULL }, { "SSCAN", NULL }, { "HSCAN", NULL }, { "ZSCAN", NULL },
	{ "KEYS", NULL }, { "DBSIZE", NULL }, { "RANDOMKEY", NULL }, { "DUMP", NULL },
	{ "HGET", NULL }, { "HGETALL", NULL }, { "HMGET", NULL }, { "HKEYS", NULL },
	{ "HVALS", NULL }, { "HLEN", NULL }, { "HEXISTS", NULL }, { "HSTRLEN", NULL },
	{ "HRANDFIELD", NULL }, { "LLEN", NULL }, { "LRANGE", NULL }, { "LINDEX", NULL },
	{ "LPOS", NULL }, { "SCARD", NULL }, { "SMEMBERS", NULL }, { "SISMEMBER", NULL },
	{ "SMISMEMBER", NULL }, { "SRANDMEMBER", NULL }, { "SINTER", NULL },
	{ "SUNION", NULL }, { "SDIFF", NULL }, { "SINTERCARD", NULL },
	{ "ZCARD", NULL }, { "ZCOUNT", NULL }, { "ZLEXCOUNT", NULL }, { "ZRANGE", NULL },
	{ "ZRANGEBYSCORE", NULL }, { "ZRANGEBYLEX", NULL }, { "ZREVRANGE", NULL },
	{ "ZREVRANGEBYSCORE", NULL }, { "ZREVRANGEBYLEX", NULL }, { "ZSCORE", NULL },
	{ "ZMSCORE", NULL }, { "ZRANK", NULL }, { "ZREVRANK", NULL },
	{ "ZRANDMEMBER", NULL }, { "ZINTER", NULL }, { "ZUNION", NULL }, { "ZDIFF", NULL },
	{ "ZINTERCARD", NULL }, { "XLEN", NULL }, { "XRANGE", NULL }, { "XREVRANGE", NULL },
	{ "XREAD", NULL }, { "XPENDING", NULL }, { "XINFO", NULL },
	{ "GEOPOS", NULL }, { "GEODIST", NULL }, { "GEOHASH", NULL },
	{ "GEORADIUS_RO", NULL }, { "GEORADIUSBYMEMBER_RO", NULL }, { "GEOSEARCH", NULL },
	{ "PFCOUNT", NULL }, { "BITCOUNT", NULL }, { "BITPOS", NULL }, { "GETBIT", NULL },
	{ "BITFIELD_RO", NULL }, { "LCS", NULL }, { "SORT_RO", NULL },
	{ "EVAL_RO", NULL }, { "EVALSHA_RO", NULL }, { "FCALL_RO", NULL },
	{ "PING", NULL }, { "ECHO", NULL }, { "INFO", NULL }, { "TIME", NULL },
	{ "LASTSAVE", NULL }, { "ROLE", NULL }, { "OBJECT", NULL }, { "PUBSUB", NULL },
	{ "COMMAND", NULL }, { "LOLWUT", NULL },
	{ "CONFIG", "GET" },
	{ "MEMORY", "USAGE" }, { "MEMORY", "STATS" }, { "MEMORY", "DOCTOR" },
	{ "MEMORY", "MALLOC-STATS" }, { "MEMORY", "HELP" },
	{ "CLIENT", "LIST" }, { "CLIENT", "INFO" }, { "CLIENT", "GETNAME" },
	{ "CLIENT", "ID" }, { "CLIENT", "TRACKINGINFO" }, { "CLIENT", "GETREDIR" },
	{ "CLUSTER", "INFO" }, { "CLUSTER", "NODES" }, { "CLUSTER", "SLOTS" },
	{ "CLUSTER", "SHARDS" }, { "CLUSTER", "MYID" }, { "CLUSTER", "KEYSLOT" },
	{ "CLUSTER", "COUNTKEYSINSLOT" }, { "CLUSTER", "GETKEYSINSLOT" },
	{ "SLOWLOG", "GET" }, { "SLOWLOG", "LEN" },
	{ "LATENCY", "LATEST" }, { "LATENCY", "HISTORY" }, { "LATENCY", "DOCTOR" },
	{ "LATENCY", "GRAPH" }, { "LATENCY", "HISTOGRAM" },
	{ "ACL", "WHOAMI" }, { "ACL", "LIST" }, { "ACL", "USERS" }, { "ACL", "GETUSER" },
	{ "ACL", "CAT" }, { "SCRIPT", "EXISTS" }, { "FUNCTION", "LIST" },
	{ "FUNCTION", "DUMP" }, { "FUNCTION", "STATS" }, { "MODULE", "LIST" },
	{ NULL, NULL },
};

/* Does the command need its second word to decide? */
static int needs_sub(const char *name)
{
	for (const rcmd *r = read_cmds; r->name; r++)
		if (r->sub && !strcasecmp(r->name, name))
			return 1;
	return 0;
}

/* EFFECT_READ when name (+ sub, may be NULL) only reads, else EFFECT_WRITE */
static int cmd_effect(const char *name, const char *sub)
{
	for (const rcmd *r = read_cmds; r->name; r++) {
		if (strcasecmp(r->name, name))
			continue;
		if (!r->sub || (sub && !strcasecmp(r->sub, sub)))
			return EFFECT_READ;
	}
	return EFFECT_WRITE;
}

static int templated(const node *n)
{
	return n->kind == N_SCALAR && n->str && strstr(n->str, "${{");
}

/*
 * Effect of a `redis` action from its YAML: by command name (and the
 * subcommand for CONFIG, MEMORY, CLIENT, CLUSTER...), reads from the table
 * above, everything else a write.  -1 when a template decides it.
 */
int prim_redis_effect(const node *action)
{
	const node *cmd = node_get(action, "command");
	const node *name;

	if (!cmd)
		return EFFECT_WRITE;
	if (cmd->kind == N_SCALAR)
		return templated(cmd) ? -1 : EFFECT_WRITE;
	if (cmd->kind != N_SEQ || cmd->n == 0 || cmd->vals[0]->kind != N_SCALAR)
		return EFFECT_WRITE;
	name = cmd->vals[0];
	if (templated(name))
		return -1;
	if (!needs_sub(name->str))
		return cmd_effect(name->str, NULL);
	if (cmd->n < 2 || cmd->vals[1]->kind != N_SCALAR)
		return EFFECT_WRITE;
	if (templated(cmd->vals[1]))
		return -1;
	return cmd_effect(name->str, cmd->vals[1]->str);
}

/* ---- replies ---- */

/* the result's `type` from the RESP type byte */
static const char *reply_type(char t)
{
	switch (t) {
	case '+': return "status";
	case '-': case '!': return "error";
	case ':': return "integer";
	case '$': case '=': case '(': return "string";
	case '*': case '%': case '~': case '>': return "array";
	case '#': return "boolean";
	case ',': return "double";
	default: return "nil";
	}
}

/* An idle connection with something to read was closed by the server
 * (restart, idle timeout) or is out of step: either way, start afresh. */
static int stale(const redisContext *ctx)
{
	struct pollfd p = { .fd = ctx->fd, .events = POLLIN };

	return ctx->err || poll(&p, 1, 0) != 0;
}

/* A command as the argv hiredis sends: numbers, booleans and durations
 * as text (owned), strings borrowed from the rendered args. */
typedef struct rargv {
	size_t argc;
	const char **argv;
	size_t *lens;
	char **owned;
} rargv;

/* the argv of the `command` list: 0, or -1 with *err on an item that is
 * not a scalar or an empty command name */
static int rargv_make(rargv *a, const value *cmd, char **err)
{
	a->argc = v_len(cmd);
	a->argv = xcalloc(a->argc, sizeof(*a->argv));
	a->lens = xcalloc(a->argc, sizeof(*a->lens));
	a->owned = xcalloc(a->argc, sizeof(*a->owned));
	for (size_t i = 0; i < a->argc; i++) {
		const value *it = v_list_get(cmd, i);

		switch (v_type(it)) {
		case V_STR:
			a->argv[i] = v_as_str(it);
			a->lens[i] = v_str_len(it);
			break;
		case V_NUM: case V_BOOL: case V_DUR: case V_TIME:
			a->owned[i] = v_to_text(it);
			a->argv[i] = a->owned[i];
			a->lens[i] = strlen(a->owned[i]);
			break;
		default:
			*err = xasprintf("redis command argument %zu is a %s, not a scalar",
					 i + 1, v_type_name(it));
			return -1;
		}
	}
	if (a->argv[0][0] == '\0') {
		*err = xstrdup("redis command name is empty");
		return -1;
	}
	return 0;
}

static void rargv_release(rargv *a)
{
	for (size_t i = 0; a->owned && i < a->argc; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->lens);
	free(a->argv);
}

/* What a redis step's command reads back. */
typedef struct rreply {
	value *reply;
	char type;
	int truncated;
} rreply;

/*
 * Send the command and read its reply before the deadline (0 = none),
 * connecting first when the connection is closed or stale.  A broken
 * connection is retried once on a new one, only if the command cannot
 * have had an effect (it was not sent, or it only reads).  0 with *out,
 * or -1 with *err.
 */
static int redis_call(rconn *h, prim_call *c, const rargv *a, int64_t deadline, size_t max,
		      rreply *out, char **err)
{
	int reconnected = 0;

	for (;;) {
		int sent = 0, x;

		if (!h->ctx || stale(h->ctx)) {
			int64_t budget = h->connect_ms;

			if (reconnected) {
				*err = xasprintf("redis at %s:%d: connection lost", h->host, h->port);
				return -1;
			}
			if (deadline && deadline - now_ms() < budget)
				budget = deadline - now_ms();
			reconnected = 1;
			if (budget <= 0) {
				*err = xasprintf("redis command timed out after %lldms",
						 (long long)c->timeout_ms);
				return -1;
			}
			if (rconn_connect(h, budget, err) < 0)
				return -1;
		}
		redisSetTimeout(h->ctx, ms_tv(c->timeout_ms > 0 ? c->timeout_ms : 0));
		x = rexec(h, (int)a->argc, a->argv, a->lens, deadline, c->timeout_ms, c->cancel,
			  c->red, max, &out->reply, &out->type, &out->truncated, &sent, err);
		if (x == RX_OK)
			return 0;
		if (x == RX_IO && !reconnected &&
		    (!sent || cmd_effect(a->argv[0], a->argc > 1 ? a->argv[1] : NULL) == EFFECT_READ)) {
			free(*err);
			*err = NULL;
			continue;
		}
		return -1;
	}
}

/*
 * The `redis` primitive: send c->args.command as an argv on c->conn and
 * map the reply into {reply, type, duration}.  A connection found closed
 * before sending is re-established once; a command whose connection
 * broke is retried once on a new connection if it is a read or was not
 * sent at all (a write that was sent is not: it may have run).  An error reply (WRONGTYPE, NOAUTH...) fails the step
 * with the server's message, as do timeouts and cancellation.
 */
int prim_redis_run(prim_call *c)
{
	rconn *h = c->conn;
	const value *cmd = arg_get(c->args, "command");
	int64_t started = now_ms();
	int64_t deadline = c->timeout_ms > 0 ? started + c->timeout_ms : 0;
	rargv a = { 0 };
	rreply r = { 0 };
	char *err = NULL;
	int rc = -1;
	size_t max;

	if (!h) {
		c->error = xstrdup("redis needs a redis connection");
		return -1;
	}
	if (arg_count(c->args, "max-result", DEFAULT_MAX_RESULT, &max, &err) < 0) {
		c->error = xasprintf("redis: %s", err);
		free(err);
		return -1;
	}
	if (!cmd || v_type(cmd) != V_LIST || v_len(cmd) == 0) {
		c->error = xstrdup("redis 'command' must be a non-empty list: [GET, key]");
		return -1;
	}
	if (v_len(cmd) > INT32_MAX) {
		c->error = xstrdup("redis command has too many arguments");
		return -1;
	}
	if (rargv_make(&a, cmd, &err) < 0 || redis_call(h, c, &a, deadline, max, &r, &err) < 0)
		goto out;
	if (r.type == '-' || r.type == '!') {
		err = xstrdup(v_type(r.reply) == V_STR ? v_as_str(r.reply) : "error");
		goto out;
	}
	c->result = v_obj();
	v_obj_set(c->result, "reply", r.reply);
	v_obj_set_take(c->result, "type", v_str(reply_type(r.type)));
	v_obj_set_take(c->result, "reply_truncated", v_bool(r.truncated));
	v_obj_set_take(c->result, "duration", v_dur(now_ms() - started));
	rc = 0;
out:
	if (r.reply)
		v_release(r.reply);
	rargv_release(&a);
	if (rc < 0)
		c->error = err ? redact_str(c->red, err, strlen(err), NULL) : xstrdup("redis failed");
	free(err);
	return rc;
}
