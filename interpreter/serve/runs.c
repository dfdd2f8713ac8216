/*
 * runs.c - the runs API: admit a run (path checks, load and validate,
 * inputs), read its row and its transcript.
 */
#include "serve/http.h"
#include "serve/paths.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/hash.h"
#include "base/redact.h"
#include "lang/inputs.h"
#include "lang/node.h"
#include "lang/runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void reply_error(http_reply *r, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vxasprintf(fmt, ap);
	va_end(ap);
	r->status = status;
	cJSON_Delete(r->json);
	r->json = cJSON_CreateObject();
	cJSON_AddStringToObject(r->json, "error", msg);
	free(msg);
}

/*
 * A worker marks a run running before its child starts; until the child
 * has written its first line (it may find the run lock held and go back
 * to the queue) the run is shown as still queued, so a poller never sees
 * it flap between the two.
 */
static void shown_status(serve *sv, run_row *row)
{
	if (strcmp(row->status, "running"))
		return;
	char *path = sv->st->ops->transcript(sv->st, row->id);
	struct stat st;
	int started = stat(path, &st) == 0 && st.st_size > 0;
	free(path);
	if (!started) {
		free(row->status);
		row->status = xstrdup("queued");
	}
}

/*
 * rel as a runbook under --runbooks: its real path (malloc'd), or NULL with
 * the reply: 400 for an absolute path or one with a ".." segment, 403 when
 * it resolves (a symlink) outside, 404 when it names nothing.
 */
static char *runbook_path(serve *sv, const char *rel, http_reply *r)
{
	char *real;
	switch (path_under(sv->runbooks_real, rel, &real)) {
	case PATH_OK: return real;
	case PATH_BAD:
		reply_error(r, 400, "'runbook' must be a relative path under the runbooks folder, "
			    "without '..'");
		break;
	case PATH_OUTSIDE: reply_error(r, 403, "'%s' resolves outside the runbooks folder", rel); break;
	default: reply_error(r, 404, "no runbook '%s' under the runbooks folder", rel); break;
	}
	return NULL;
}

/* the diagnostics as the JSON format prints them, parsed back */
static cJSON *diags_json(const diags *dg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	diags_print(f, dg, DIAG_JSON, 0, NULL, 0);
	fclose(f);
	cJSON *j = cJSON_Parse(buf);
	free(buf);
	cJSON *list = cJSON_DetachItemFromObjectCaseSensitive(j, "diagnostics");
	cJSON_Delete(j);
	return cJSON_IsArray(list) ? list : (cJSON_Delete(list), cJSON_CreateArray());
}

/* the inputs given, each a declared non-secret input, against the runbook's
 * types, patterns and required inputs, and the run's concurrency key into
 * *ckey: 0, or -1 with a 422 reply */
static int check_inputs(const runbook *rb, const cJSON *inputs, http_reply *r, char **ckey)
{
	size_t n = (size_t)cJSON_GetArraySize(inputs), i = 0;
	kv *given = xcalloc(n + 1, sizeof *given);
	const cJSON *in;
	int rc = 0;
	cJSON_ArrayForEach(in, inputs) {
		const input_def *d = runbook_find_input(rb, in->string);
		if (d && d->type == IT_SECRET) {
			reply_error(r, 422, "input '%s' is a secret: secrets are not accepted over the "
				    "API; serve's environment gives them (from: env:NAME)", in->string);
			rc = -1;
			break;
		}
		given[i].key = in->string;
		given[i++].val = in->valuestring;
	}
	if (rc == 0) {
		input_args a = { .given = given, .ngiven = i };
		redactor *red = redactor_new();
		char *err = NULL;
		value *v = inputs_resolve(rb, &a, red, 1, &err);
		if (v && !(*ckey = inputs_run_key(rb, v, &err))) {
			v_release(v);
			v = NULL;
		}
		if (!v) {
			reply_error(r, 422, "%s", err ? err : "the inputs do not fit the runbook");
			rc = -1;
		}
		v_release(v);
		free(err);
		redactor_free(red);
	}
	free(given);
	return rc;
}

/* load, validate and check the inputs (serialized: the loader's source
 * registry is shared): 0, or -1 with a 422 reply */
static int check_runbook(serve *sv, const char *path, const char *rel, const cJSON *inputs,
			 http_reply *r, char **ckey)
{
	diags dg;
	diags_init(&dg);
	pthread_mutex_lock(&sv->mu);
	/* diagnostics name the runbook as the request did, not the server's path */
	runbook *rb = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "re");
	if (f) {
		FILE *m = open_memstream(&buf, &len);
		char chunk[8192];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && len < LOAD_MAX_BYTES + 1)
			fwrite(chunk, 1, n, m);
		fclose(m);
		fclose(f);
		rb = runbook_load_text(path, rel, buf, len, &dg, 0);
	} else {
		diag_add(&dg, SEV_ERROR, rel, 0, 0, "io", "cannot read it: %s", strerror(errno));
	}
	free(buf);
	int rc = 0;
	if (!rb || dg.nerr) {
		reply_error(r, 422, "'%s' is not a valid runbook (%d error%s)", rel, dg.nerr,
			    dg.nerr == 1 ? "" : "s");
		cJSON_AddItemToObject(r->json, "diagnostics", diags_json(&dg));
		rc = -1;
	} else {
		rc = check_inputs(rb, inputs, r, ckey);
	}
	if (rb)
		runbook_free(rb);
	diag_forget_sources();
	pthread_mutex_unlock(&sv->mu);
	diags_release(&dg);
	return rc;
}

static void random_id(char id[RUN_ID_LEN + 1])
{
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n > 0)
			got += (size_t)n;
		else if (errno != EINTR)
			abort();
	}
	sha256_hex(b, sizeof b, id);
}

/* is id being admitted by another request? (sv->mu held) */
static long admitting(const serve *sv, const char *id)
{
	for (size_t i = 0; i < sv->nadmitting; i++)
		if (!strcmp(sv->admitting[i], id))
			return (long)i;
	return -1;
}

/* the new row of run id, stored: 0, or -1 with a 503 reply (sv->mu held) */
static int store_new(serve *sv, const char *id, const char *rel, const cJSON *inputs,
		     const char *key, char *ckey, http_reply *r)
{
	run_row row;
	memset(&row, 0, sizeof row);
	memcpy(row.id, id, RUN_ID_LEN + 1);
	row.runbook = xstrdup(rel);
	row.inputs = cJSON_Duplicate(inputs, 1);
	row.status = xstrdup("queued");
	row.exit_code = -1;
	row.key = key ? xstrdup(key) : NULL;
	row.ckey = ckey;
	row.created = (double)wall_ms() / 1000;
	char *err = NULL;
	int rc = sv->st->ops->put(sv->st, &row, &err);
	row.ckey = NULL;
	run_row_release(&row);
	if (rc < 0) {
		reply_error(r, 503, "the run could not be stored: %s", err);
		free(err);
	}
	return rc;
}

/*
 * Store the row, then queue the run; only then is it admitted.  A queue
 * that refuses it (a broker down) takes the row back out, so that a retry
 * admits it anew, and the answer is 503.  Requests for the same id wait
 * for the one admitting it: none is told "known" of a run that is then
 * taken back.
 */
int admit_run(serve *sv, const char *rel, const cJSON *inputs, const char *key,
	      char id[RUN_ID_LEN + 1], int *known, http_reply *r)
{
	*known = 0;
	char *path = runbook_path(sv, rel, r), *ckey = NULL;
	if (!path)
		return -1;
	int rc = check_runbook(sv, path, rel, inputs, r, &ckey);
	free(path);
	if (rc < 0) {
		free(ckey);
		return -1;
	}
	if (!id[0])
		random_id(id);
	pthread_mutex_lock(&sv->mu);
	while (admitting(sv, id) >= 0)
		pthread_cond_wait(&sv->admit_cv, &sv->mu);
	run_row row;
	if (sv->st->ops->get(sv->st, id, &row) == 0) {
		*known = 1;
		run_row_release(&row);
		pthread_mutex_unlock(&sv->mu);
		free(ckey);
		return 0;
	}
	if (store_new(sv, id, rel, inputs, key, ckey, r) < 0) {
		pthread_mutex_unlock(&sv->mu);
		free(ckey);
		return -1;
	}
	sv->admitting = xrealloc(sv->admitting, (sv->nadmitting + 1) * sizeof *sv->admitting);
	memcpy(sv->admitting[sv->nadmitting++], id, RUN_ID_LEN + 1);
	pthread_mutex_unlock(&sv->mu);
	char *err = NULL;
	rc = sv->q->ops->put(sv->q, id, ckey, &err);
	free(ckey);
	pthread_mutex_lock(&sv->mu);
	if (rc < 0)
		sv->st->ops->del(sv->st, id);
	long i = admitting(sv, id);
	memmove(sv->admitting[i], sv->admitting[i + 1], (sv->nadmitting - (size_t)i - 1) * sizeof *sv->admitting);
	sv->nadmitting--;
	pthread_cond_broadcast(&sv->admit_cv);
	pthread_mutex_unlock(&sv->mu);
	if (rc < 0) {
		reply_error(r, 503, "the run could not be queued: %s", err);
		free(err);
	}
	return rc;
}

/* {"runbook": "...", "inputs": {k: scalar}}: the inputs as an object of
 * strings (numbers and booleans as their JSON text), or NULL with a 400 */
static cJSON *request_inputs(const cJSON *body, http_reply *r)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(body, "inputs");
	cJSON *out = cJSON_CreateObject();
	if (in && !cJSON_IsNull(in) && !cJSON_IsObject(in)) {
		reply_error(r, 400, "'inputs' must be an object");
		cJSON_Delete(out);
		return NULL;
	}
	const cJSON *v;
	cJSON_ArrayForEach(v, in) {
		if (cJSON_IsString(v)) {
			cJSON_AddStringToObject(out, v->string, v->valuestring);
		} else if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
			char *t = cJSON_PrintUnformatted(v);
			cJSON_AddStringToObject(out, v->string, t);
			free(t);
		} else {
			reply_error(r, 400, "input '%s' must be a string, a number or a boolean", v->string);
			cJSON_Delete(out);
			return NULL;
		}
	}
	return out;
}

cJSON *parse_body(const http_req *q, http_reply *r)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(q->body, q->len, &end, 0);
	if (!j) {
		size_t at = end && end >= q->body ? (size_t)(end - q->body) : 0;
		reply_error(r, 400, "the body is not JSON (at byte %zu)", at);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		reply_error(r, 400, "the body must be a JSON object");
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

void h_post_run(serve *sv, const http_req *q, http_reply *r)
{
	cJSON *body = parse_body(q, r);
	if (!body)
		return;
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(body, "runbook");
	cJSON *inputs = NULL;
	if (!cJSON_IsString(rb)) {
		reply_error(r, 400, "'runbook' (a path under the runbooks folder) is required");
	} else if ((inputs = request_inputs(body, r))) {
		char id[RUN_ID_LEN + 1] = "";
		char *key = q->idempotency_key ? xasprintf("idempotency-key|%s", q->idempotency_key) : NULL;
		if (key)
			sha256_hex(key, strlen(key), id);
		int known;
		if (admit_run(sv, rb->valuestring, inputs, key, id, &known, r) == 0) {
			r->status = 202;
			r->json = cJSON_CreateObject();
			cJSON_AddStringToObject(r->json, "id", id);
			cJSON_AddStringToObject(r->json, "status", "queued");
			if (known) {
				run_row row;
				if (sv->st->ops->get(sv->st, id, &row) == 0) {
					shown_status(sv, &row);
					cJSON_ReplaceItemInObject(r->json, "status", cJSON_CreateString(row.status));
					run_row_release(&row);
				}
			}
		}
		free(key);
	}
	cJSON_Delete(inputs);
	cJSON_Delete(body);
}

void h_get_run(serve *sv, const http_req *q, http_reply *r)
{
	run_row row;
	if (sv->st->ops->get(sv->st, q->param, &row) < 0) {
		reply_error(r, 404, "no run '%s'", q->param);
		return;
	}
	shown_status(sv, &row);
	r->status = 200;
	r->json = run_row_json(&row);
	run_row_release(&row);
}

void h_get_transcript(serve *sv, const http_req *q, http_reply *r)
{
	run_row row;
	if (sv->st->ops->get(sv->st, q->param, &row) < 0) {
		reply_error(r, 404, "no run '%s'", q->param);
		return;
	}
	run_row_release(&row);
	char *path = sv->st->ops->transcript(sv->st, q->param);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	struct stat st;
	r->status = 200;
	r->content_type = "application/x-ndjson";
	if (fd >= 0 && fstat(fd, &st) == 0) {
		r->fd = fd;
		r->size = st.st_size;
	} else {
		if (fd >= 0)
			close(fd);
		r->text = xstrdup("");      /* queued: nothing written yet */
	}
}
