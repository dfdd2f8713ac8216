/*
 * approve.c - POST /v1/runs/{id}/approve: the answer to the approve or
 * manual step a run waits on.
 *
 * A run's child has --approve park:ANSWERS (worker.c), ANSWERS being
 * answers.yaml in the run's folder; a step ANSWERS has no entry for
 * parks the run: approve.wait in its transcript, exit 8, row `waiting`,
 * slot free.  The answer is written into ANSWERS (the format run/ask.h
 * reads: JSON is YAML) durably, mode 0600, `by` the bearer token's name
 * (or "api" without --tokens); the row goes back to running and into the
 * queue, and a slot resumes the run, which asks ANSWERS again.  A no
 * resumes it too: the step then fails, as with any answers file.
 */
#include "serve/http.h"
#include "base/arena.h"
#include "run/exitcode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* what the run waits on: the step and kind of the transcript's last
 * approve.wait since its last run.resume (malloc'd), or NULL */
static char *waiting_on(const char *transcript, int *manual)
{
	FILE *f = fopen(transcript, "re");
	char line[65536];
	char *step = NULL;
	while (f && fgets(line, sizeof line, f)) {
		if (!strstr(line, "\"approve.wait\"") && !strstr(line, "\"run.resume\""))
			continue;
		cJSON *e = cJSON_Parse(line);
		const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "event");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "step");
		const cJSON *kind = cJSON_GetObjectItemCaseSensitive(e, "kind");
		if (cJSON_IsString(ev) && !strcmp(ev->valuestring, "run.resume")) {
			free(step);
			step = NULL;
		} else if (cJSON_IsString(ev) && !strcmp(ev->valuestring, "approve.wait") &&
			   cJSON_IsString(st)) {
			free(step);
			step = xstrdup(st->valuestring);
			*manual = cJSON_IsString(kind) && !strcmp(kind->valuestring, "manual");
		}
		cJSON_Delete(e);
	}
	if (f)
		fclose(f);
	return step;
}

/* the answer the body gives for step (kind manual or approve), as the
 * answers file holds it, or NULL with a 400 */
static cJSON *answer_entry(const cJSON *body, int manual, const char *who, http_reply *r)
{
	const char *yes = manual ? "confirmed" : "approved";
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(body, yes);
	const cJSON *comment = cJSON_GetObjectItemCaseSensitive(body, "comment");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(body, "fields");
	if (!cJSON_IsBool(y)) {
		reply_error(r, 400, "'%s' (true or false) is required: the step is %s step", yes,
			    manual ? "a manual" : "an approve");
		return NULL;
	}
	if (comment && !cJSON_IsNull(comment) && !cJSON_IsString(comment)) {
		reply_error(r, 400, "'comment' must be a string");
		return NULL;
	}
	if (fields && (!manual || !cJSON_IsObject(fields))) {
		reply_error(r, 400, manual ? "'fields' must be an object of name: value"
				     : "'fields' is for a manual step; this one is an approval");
		return NULL;
	}
	cJSON *e = cJSON_CreateObject();
	cJSON_AddBoolToObject(e, yes, cJSON_IsTrue(y));
	cJSON_AddStringToObject(e, "by", who ? who : "api");
	if (cJSON_IsString(comment))
		cJSON_AddStringToObject(e, "comment", comment->valuestring);
	if (fields)
		cJSON_AddItemToObject(e, "fields", cJSON_Duplicate(fields, 1));
	return e;
}

/* entry for step into the answers file in folder, durably (the answers
 * it holds already kept): 0, or -1 with a 500 */
static int write_answer(const char *folder, const char *step, cJSON *entry, http_reply *r)
{
	char *path = xasprintf("%s/answers.yaml", folder);
	FILE *f = fopen(path, "re");
	char *old = NULL;
	size_t cap = 0;
	cJSON *all = NULL;
	if (f && getdelim(&old, &cap, 0, f) > 0)
		all = cJSON_Parse(old);
	if (f)
		fclose(f);
	free(old);
	if (!cJSON_IsObject(all)) {
		cJSON_Delete(all);
		all = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(all, step);
	cJSON_AddItemToObject(all, step, entry);
	char *text = cJSON_Print(all);
	char *data = xasprintf("%s\n", text);
	int rc = write_durably(path, folder, data);
	if (rc < 0)
		reply_error(r, 500, "cannot write %s: %s", path, strerror(errno));
	free(text);
	free(data);
	cJSON_Delete(all);
	free(path);
	return rc;
}

/*
 * The run is waiting on an approval (or a manual step): the body's answer
 * for it is written; 0, or -1 with the reply (409 not waiting on one, 400
 * another step or a bad answer).  Under sv->mu: two answers at once
 * cannot both queue the run.
 */
static int answer_run(serve *sv, const http_req *q, const run_row *row, const cJSON *body,
		      http_reply *r)
{
	char *transcript = sv->st->ops->transcript(sv->st, row->id);
	int manual = 0, rc = -1;
	char *step = strcmp(row->status, "waiting") ? NULL : waiting_on(transcript, &manual);
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(body, "step");
	cJSON *entry = NULL;
	if (!step)
		reply_error(r, 409, "run '%s' is %s, not waiting for an approval", row->id, row->status);
	else if (!cJSON_IsString(want))
		reply_error(r, 400, "'step' (the id of the step the run waits on) is required");
	else if (strcmp(want->valuestring, step))
		reply_error(r, 400, "run '%s' waits on step '%s', not '%s'", row->id, step,
			    want->valuestring);
	else if ((entry = answer_entry(body, manual, q->who, r))) {
		char *folder = xasprintf("%.*s", (int)(strlen(transcript) - strlen("/transcript.jsonl")),
					 transcript);
		rc = write_answer(folder, step, entry, r);
		free(folder);
	}
	free(step);
	free(transcript);
	return rc;
}

/*
 * The answered run back on the queue: 0, or -1 with a 503 when the queue
 * refuses it (a broker down): the row reads waiting again, so that the
 * same answer, asked again, queues it (the answers file keeps it).
 */
static int queue_or_wait(serve *sv, run_row *row, http_reply *r)
{
	char *err = NULL;
	if (sv->q->ops->put(sv->q, row->id, row->ckey, &err) == 0)
		return 0;
	reply_error(r, 503, "the run could not be queued: %s; the answer is kept: send it again", err);
	free(err);
	err = NULL;
	pthread_mutex_lock(&sv->mu);
	free(row->status);
	row->status = xstrdup("waiting");
	row->exit_code = EXIT_WAITING;
	if (sv->st->ops->put(sv->st, row, &err) < 0)
		free(err);
	pthread_mutex_unlock(&sv->mu);
	return -1;
}

void h_post_approve(serve *sv, const http_req *q, http_reply *r)
{
	cJSON *body = parse_body(q, r);
	if (!body)
		return;
	run_row row;
	pthread_mutex_lock(&sv->mu);
	if (sv->st->ops->get(sv->st, q->param, &row) < 0) {
		pthread_mutex_unlock(&sv->mu);
		reply_error(r, 404, "no run '%s'", q->param);
		cJSON_Delete(body);
		return;
	}
	int rc = answer_run(sv, q, &row, body, r);
	char *err = NULL;
	if (rc == 0) {
		free(row.status);
		row.status = xstrdup("running");
		row.exit_code = -1;
		if ((rc = sv->st->ops->put(sv->st, &row, &err)) < 0) {
			reply_error(r, 500, "run '%s': %s", row.id, err);
			free(err);
		}
	}
	pthread_mutex_unlock(&sv->mu);
	if (rc == 0 && (rc = queue_or_wait(sv, &row, r)) == 0) {
		r->status = 202;
		r->json = cJSON_CreateObject();
		cJSON_AddStringToObject(r->json, "id", row.id);
		cJSON_AddStringToObject(r->json, "status", row.status);
	}
	run_row_release(&row);
	cJSON_Delete(body);
}
