/*
 * http.h - what a route handler gets and gives: the request (method, path
 * segments, headers it needs, the body read whole, bounded) and a reply (a
 * status and JSON, or a file).  server.c turns it into libmicrohttpd calls.
 */
#ifndef RB_SERVE_HTTP_H
#define RB_SERVE_HTTP_H

#include "serve/serve.h"

#include <cjson/cJSON.h>
#include <stddef.h>

typedef struct http_req {
	const char *method;
	const char *path;
	const char *param;      /* the {id} segment of the route, or NULL */
	const char *idempotency_key;    /* the Idempotency-Key header, or NULL */
	const char *who;        /* the bearer token's name (--tokens), or NULL */
	const char *body;       /* NUL-ended; len bytes */
	size_t len;
} http_req;

typedef struct http_reply {
	int status;
	cJSON *json;            /* the body, or NULL */
	char *text;             /* or a text body (malloc'd) */
	const char *content_type;       /* of text */
	int fd;                 /* or a file to send (size bytes), -1 when none */
	long long size;
} http_reply;

/* reply status with {"error": message} */
void reply_error(http_reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* the handlers (server.c's route table) */
void h_post_run(serve *sv, const http_req *q, http_reply *r);
void h_get_run(serve *sv, const http_req *q, http_reply *r);
void h_get_transcript(serve *sv, const http_req *q, http_reply *r);
void h_post_approve(serve *sv, const http_req *q, http_reply *r);
void h_post_alertmanager(serve *sv, const http_req *q, http_reply *r);
void h_get_metrics(serve *sv, const http_req *q, http_reply *r);

/*
 * Admission (runs.c), shared by the API and the webhook: check the runbook
 * rel under --runbooks (path, load, validate, inputs) and, unless the id is
 * known, write its row queued and put it in the queue.  id: the run's id,
 * given (deterministic) or made here when id[0] is NUL.  Returns 0 (admitted,
 * *known set when the id already was), or -1 with the reply filled in.
 */
int admit_run(serve *sv, const char *rel, const cJSON *inputs, const char *key,
	      char id[RUN_ID_LEN + 1], int *known, http_reply *r);

/* the body as a JSON object, or NULL with a 400 reply */
cJSON *parse_body(const http_req *q, http_reply *r);

double serve_bucket(size_t i);

#endif
