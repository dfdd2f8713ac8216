/*
 * webhook.c - POST /v1/alertmanager: the payload against the rules, each
 * run admitted as the API admits one (same checks, same durability), under
 * its deterministic id: Alertmanager's repeated notifications of an alert
 * find their run known and start nothing.  A rule with a cooldown starts
 * no run for the same fingerprint (or group) within it; the cooldowns are
 * kept in memory.
 */
#include "serve/alert.h"
#include "serve/http.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/hash.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* is run within its rule's cooldown; else (when start) it starts it now */
static int cooling(serve *sv, const alert_run *run, int start)
{
	char *k = xasprintf("%s|%s", run->rule, run->scope);
	char key[65];
	sha256_hex(k, strlen(k), key);
	free(k);
	double now = (double)wall_ms() / 1000;
	pthread_mutex_lock(&sv->mu);
	size_t i = 0;
	while (i < sv->ncool && strcmp(sv->cool[i].key, key))
		i++;
	int hot = i < sv->ncool && now - sv->cool[i].at < (double)run->cooldown_ms / 1000;
	if (start && !hot) {
		if (i == sv->ncool) {
			sv->cool = xrealloc(sv->cool, (sv->ncool + 1) * sizeof *sv->cool);
			memcpy(sv->cool[sv->ncool++].key, key, sizeof key);
		}
		sv->cool[i].at = now;
	}
	pthread_mutex_unlock(&sv->mu);
	return hot;
}

static void skip(cJSON *skipped, const alert_run *run, const char *reason)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "rule", run->rule);
	cJSON_AddStringToObject(s, "id", run->id);
	cJSON_AddStringToObject(s, "reason", reason);
	cJSON_AddItemToArray(skipped, s);
}

/* one planned run: admitted, known, or skipped (with why) */
static void start_one(serve *sv, const alert_run *run, cJSON *ids, cJSON *skipped)
{
	run_row row;
	if (sv->st->ops->get(sv->st, run->id, &row) == 0) {
		run_row_release(&row);
		cJSON_AddItemToArray(ids, cJSON_CreateString(run->id));
		return;
	}
	if (run->error) {
		skip(skipped, run, run->error);
		return;
	}
	if (run->cooldown_ms && cooling(sv, run, 0)) {
		skip(skipped, run, "cooldown: the rule started a run for it within its cooldown");
		return;
	}
	char id[RUN_ID_LEN + 1];
	snprintf(id, sizeof id, "%s", run->id);
	http_reply r = { .fd = -1 };
	int known;
	if (admit_run(sv, run->runbook, run->inputs, run->scope, id, &known, &r) == 0) {
		cJSON_AddItemToArray(ids, cJSON_CreateString(id));
		if (!known && run->cooldown_ms)
			cooling(sv, run, 1);
	} else {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(r.json, "error");
		skip(skipped, run, cJSON_IsString(e) ? e->valuestring : "refused");
	}
	cJSON_Delete(r.json);
}

void h_post_alertmanager(serve *sv, const http_req *q, http_reply *r)
{
	if (!sv->rules) {
		reply_error(r, 404, "no --rules file: serve maps no alerts to runbooks");
		return;
	}
	cJSON *body = parse_body(q, r);
	if (!body)
		return;
	alert_run *runs;
	size_t n;
	char *err = NULL;
	/* the expression engine's pattern cache is shared: one plan at a time */
	pthread_mutex_lock(&sv->mu);
	int rc = alert_plan(sv->rules, body, &runs, &n, &err);
	pthread_mutex_unlock(&sv->mu);
	if (rc < 0) {
		reply_error(r, 400, "%s", err);
		free(err);
		cJSON_Delete(body);
		return;
	}
	cJSON *ids = cJSON_CreateArray(), *skipped = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		start_one(sv, &runs[i], ids, skipped);
	alert_runs_free(runs, n);
	cJSON_Delete(body);
	r->status = 202;
	r->json = cJSON_CreateObject();
	cJSON_AddItemToObject(r->json, "runs", ids);
	cJSON_AddItemToObject(r->json, "skipped", skipped);
}
