/*
 * server.c - the HTTP front of `runbook serve` (libmicrohttpd, its own
 * polling threads): the route table, authentication, bounded bodies, and
 * the start and stop of the whole server.
 */
#include "serve/http.h"
#include "serve/alert.h"
#include "base/arena.h"
#include "base/hash.h"
#include "run/exitcode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_BODY (1 << 20)      /* bytes of a request body: 413 past it */

typedef void (*handler_fn)(serve *sv, const http_req *q, http_reply *r);

typedef struct route {
	const char *method;
	const char *path;       /* "/v1/runs/{id}": {id} is one segment */
	handler_fn fn;
	const char *doc;
} route;

/* every route: the server dispatches on it, `runbook help serve` lists it */
static const route routes[] = {
	{ "POST", "/v1/runs", h_post_run,
	  "queue a run: {\"runbook\": PATH, \"inputs\": {...}} -> 202 {\"id\", \"status\"}" },
	{ "GET", "/v1/runs/{id}", h_get_run,
	  "a run: {\"id\", \"runbook\", \"status\", \"exit\"}" },
	{ "GET", "/v1/runs/{id}/transcript", h_get_transcript,
	  "the run's JSON-lines transcript, as written so far" },
	{ "POST", "/v1/runs/{id}/approve", h_post_approve,
	  "answer the step a waiting run waits on: {\"step\", \"approved\" (or \"confirmed\", \"fields\"), "
	  "\"comment\"} -> 202 {\"id\", \"status\"}" },
	{ "POST", "/v1/alertmanager", h_post_alertmanager,
	  "an Alertmanager webhook (version 4): runs by the --rules file -> 202 {\"runs\", \"skipped\"}" },
	{ "GET", "/metrics", h_get_metrics,
	  "Prometheus metrics: runs by status, queue depth, run durations" },
};

void serve_routes_print(FILE *out)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		fprintf(out, "  %-5s %-26s %s\n", routes[i].method, routes[i].path, routes[i].doc);
}

/* does path match pattern; {x} takes one non-empty segment into *param */
static int path_match(const char *pattern, const char *path, const char **param, size_t *plen)
{
	while (*pattern && *path) {
		if (*pattern == '{') {
			size_t n = strcspn(path, "/");
			if (!n)
				return 0;
			*param = path;
			*plen = n;
			path += n;
			pattern = strchr(pattern, '}') + 1;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && !*path;
}

/* per connection: the body read so far */
typedef struct conn_state {
	char *body;
	size_t len;
	int too_big;
} conn_state;

/* the bearer token against every known one, each in constant time; *who:
 * the name of the one it is (NULL without --tokens) */
static int token_ok(serve *sv, struct MHD_Connection *c, const char **who)
{
	*who = NULL;
	if (!sv->ntokens)
		return 1;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	if (!h || strncmp(h, "Bearer ", 7))
		return 0;
	char got[65];
	sha256_hex(h + 7, strlen(h + 7), got);
	int ok = 0;
	for (size_t i = 0; i < sv->ntokens; i++) {
		int same = !CRYPTO_memcmp(got, sv->token_hash[i], 64);
		ok |= same;
		if (same)
			*who = sv->token_name[i];
	}
	return ok;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, http_reply *r)
{
	struct MHD_Response *resp;
	const char *type = "application/json";
	if (r->fd >= 0) {
		resp = MHD_create_response_from_fd((uint64_t)r->size, r->fd);
		type = r->content_type;
	} else if (r->text) {
		resp = MHD_create_response_from_buffer(strlen(r->text), r->text, MHD_RESPMEM_MUST_FREE);
		type = r->content_type;
		r->text = NULL;
	} else {
		char *s = r->json ? cJSON_PrintUnformatted(r->json) : xstrdup("{}");
		char *t = xasprintf("%s\n", s);
		free(s);
		resp = MHD_create_response_from_buffer(strlen(t), t, MHD_RESPMEM_MUST_FREE);
	}
	cJSON_Delete(r->json);
	MHD_add_response_header(resp, "Content-Type", type);
	if (r->status == 401)
		MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* the route for method and path into *r (404, 405) and the handler's reply */
static void dispatch(serve *sv, struct MHD_Connection *c, http_req *q, http_reply *r)
{
	int path_known = 0;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const char *param = NULL;
		size_t plen = 0;
		if (!path_match(routes[i].path, q->path, &param, &plen))
			continue;
		path_known = 1;
		if (strcmp(routes[i].method, q->method))
			continue;
		char *p = param ? xasprintf("%.*s", (int)plen, param) : NULL;
		q->param = p;
		q->idempotency_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Idempotency-Key");
		routes[i].fn(sv, q, r);
		free(p);
		return;
	}
	if (path_known)
		reply_error(r, 405, "%s is not allowed on %s", q->method, q->path);
	else
		reply_error(r, 404, "no route %s %s", q->method, q->path);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_len, void **con_cls)
{
	serve *sv = cls;
	conn_state *cs = *con_cls;
	if (!cs) {
		*con_cls = xcalloc(1, sizeof *cs);
		return MHD_YES;
	}
	if (*data_len) {
		if (cs->len + *data_len > MAX_BODY) {
			cs->too_big = 1;
		} else {
			cs->body = xrealloc(cs->body, cs->len + *data_len + 1);
			memcpy(cs->body + cs->len, data, *data_len);
			cs->len += *data_len;
			cs->body[cs->len] = 0;
		}
		*data_len = 0;
		return MHD_YES;
	}
	http_reply r = { .status = 500, .fd = -1 };
	http_req q = { .method = method, .path = url, .body = cs->body ? cs->body : "", .len = cs->len };
	if (!token_ok(sv, c, &q.who))
		reply_error(&r, 401, "a valid 'Authorization: Bearer TOKEN' header is required");
	else if (cs->too_big)
		reply_error(&r, 413, "the body is over %d bytes", MAX_BODY);
	else
		dispatch(sv, c, &q, &r);
	return send_reply(c, &r);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	conn_state *cs = *con_cls;
	if (cs) {
		free(cs->body);
		free(cs);
	}
	*con_cls = NULL;
}

/*
 * The tokens file: one "name token" per line (# comments, blank lines);
 * refused when group or others may read it, as ssh refuses a key.  Only the
 * tokens' SHA-256 is kept.  0, or -1 with the error printed.
 */
static int load_tokens(serve *sv, const char *path)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "runbook serve: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (st.st_mode & 077) {
		fprintf(stderr, "runbook serve: %s: permissions %04o are too open: the tokens file "
			"must not be readable by group or others (chmod 600 %s)\n", path,
			(unsigned)(st.st_mode & 07777), path);
		fclose(f);
		return -1;
	}
	char line[4096];
	int lineno = 0, rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		char name[256], tok[1024], extra[2];
		char *p = line + strspn(line, " \t");
		if (*p == '#' || *p == '\n' || !*p)
			continue;
		if (sscanf(p, "%255s %1023s %1s", name, tok, extra) != 2) {
			fprintf(stderr, "%s:%d:1: error: want 'NAME TOKEN' on each line\n", path, lineno);
			rc = -1;
			continue;
		}
		sv->token_hash = xrealloc(sv->token_hash, (sv->ntokens + 1) * sizeof *sv->token_hash);
		sv->token_name = xrealloc(sv->token_name, (sv->ntokens + 1) * sizeof *sv->token_name);
		sha256_hex(tok, strlen(tok), sv->token_hash[sv->ntokens]);
		sv->token_name[sv->ntokens++] = xstrdup(name);
		OPENSSL_cleanse(tok, sizeof tok);
	}
	OPENSSL_cleanse(line, sizeof line);
	fclose(f);
	if (!rc && !sv->ntokens) {
		fprintf(stderr, "runbook serve: %s: no tokens\n", path);
		rc = -1;
	}
	return rc;
}

static int is_loopback(const struct sockaddr *a)
{
	if (a->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->sa_family == AF_INET6) {
		const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(x)
		       || (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
	}
	return 0;
}

/* HOST:PORT ([V6]:PORT) to an address: 0, or -1 with the error printed */
static int parse_listen(const char *listen, struct addrinfo **out)
{
	const char *colon = strrchr(listen, ':');
	if (!colon || colon == listen || !colon[1]) {
		fprintf(stderr, "runbook serve: --listen wants HOST:PORT, got '%s'\n", listen);
		return -1;
	}
	char *host = xasprintf("%.*s", (int)(colon - listen), listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	int e = getaddrinfo(host, colon + 1, &hints, out);
	if (e)
		fprintf(stderr, "runbook serve: --listen %s: %s\n", listen, gai_strerror(e));
	free(host);
	return e ? -1 : 0;
}

static struct MHD_Daemon *start_http(serve *sv, const struct addrinfo *ai)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, sv,
				MHD_OPTION_SOCK_ADDR, ai->ai_addr,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_END);
}

/*
 * The queue: in memory, or --queue's Kafka topic.  Its consumer group is
 * --group, else one of this host's state directory: every serve with its
 * own state directory reads every run and runs its own (the others are
 * not in its store).  0, or EXIT_USAGE (printed).
 */
static int open_queue(serve *sv, const serve_cfg *cfg)
{
	if (!cfg->queue) {
		sv->q = queue_mem_new();
		return 0;
	}
	char host[256] = "", *real = realpath(cfg->state, NULL), hex[65], *err = NULL;
	gethostname(host, sizeof host - 1);
	char *where = xasprintf("%s:%s", host, real ? real : cfg->state);
	sha256_hex((const unsigned char *)where, strlen(where), hex);
	char *group = cfg->group ? xstrdup(cfg->group) : xasprintf("runbook-serve-%.16s", hex);
	sv->q = queue_kafka_new(cfg->queue, group, 2L * cfg->workers, &err);
	free(group);
	free(where);
	free(real);
	if (!sv->q) {
		fprintf(stderr, "runbook serve: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	return 0;
}

/* the configuration checked and loaded into sv: 0, or EXIT_USAGE (printed) */
static int serve_setup(serve *sv, const serve_cfg *cfg, struct addrinfo **ai)
{
	sv->cfg = *cfg;
	pthread_mutex_init(&sv->mu, NULL);
	pthread_cond_init(&sv->admit_cv, NULL);
	if (parse_listen(cfg->listen, ai) < 0)
		return EXIT_USAGE;
	if (!cfg->tokens && !is_loopback((*ai)->ai_addr)) {
		fprintf(stderr, "runbook serve: refusing to listen on %s without --tokens: without "
			"tokens anyone who can reach it can start runs; listen on 127.0.0.1 or give "
			"--tokens FILE\n", cfg->listen);
		return EXIT_USAGE;
	}
	if (cfg->tokens && load_tokens(sv, cfg->tokens) < 0)
		return EXIT_USAGE;
	if (!(sv->runbooks_real = realpath(cfg->runbooks, NULL))) {
		fprintf(stderr, "runbook serve: --runbooks %s: %s\n", cfg->runbooks, strerror(errno));
		return EXIT_USAGE;
	}
	if (cfg->rules && !(sv->rules = alert_rules_load(cfg->rules, sv->runbooks_real)))
		return EXIT_USAGE;
	char *err = NULL;
	if (!(sv->st = store_file_open(cfg->state, &err))) {
		fprintf(stderr, "runbook serve: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	return open_queue(sv, cfg);
}

static void serve_release(serve *sv)
{
	if (sv->q)
		sv->q->ops->free(sv->q);
	if (sv->st)
		sv->st->ops->close(sv->st);
	alert_rules_free(sv->rules);
	for (size_t i = 0; i < sv->ntokens; i++)
		free(sv->token_name[i]);
	free(sv->token_name);
	free(sv->token_hash);
	free(sv->runbooks_real);
	free(sv->admitting);
	pthread_cond_destroy(&sv->admit_cv);
	pthread_mutex_destroy(&sv->mu);
}

int serve_main(const serve_cfg *cfg)
{
	serve sv = { 0 };
	struct addrinfo *ai = NULL;
	int rc = serve_setup(&sv, cfg, &ai);
	if (rc) {
		if (ai)
			freeaddrinfo(ai);
		serve_release(&sv);
		return rc;
	}
	/* every thread inherits the mask: SIGTERM and SIGINT come to sigwait */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	workers_recover(&sv);
	workers_start(&sv);
	struct MHD_Daemon *d = start_http(&sv, ai);
	freeaddrinfo(ai);
	if (!d) {
		fprintf(stderr, "runbook serve: cannot listen on %s\n", cfg->listen);
		rc = EXIT_USAGE;
	} else {
		fprintf(stderr, "runbook serve: listening on %s (%d worker%s, state in %s)\n",
			cfg->listen, cfg->workers, cfg->workers == 1 ? "" : "s", cfg->state);
		int sig;
		sigwait(&set, &sig);
		fprintf(stderr, "runbook serve: %s: stopping\n", strsignal(sig));
		MHD_stop_daemon(d);
	}
	workers_stop(&sv);
	serve_release(&sv);
	return rc;
}
