/*
 * promq.c - one instant PromQL query through libcurl (promq.h).
 */
#include "serve/promq.h"
#include "base/arena.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define PROMQ_MAX_BODY (16u << 20)

typedef struct body {
	char *p;
	size_t n;
	int over;
} body;

static size_t on_data(char *d, size_t size, size_t nmemb, void *arg)
{
	body *b = arg;
	size_t n = size * nmemb;
	if (b->n + n > PROMQ_MAX_BODY) {
		b->over = 1;
		return 0;       /* curl stops with CURLE_WRITE_ERROR */
	}
	b->p = xrealloc(b->p, b->n + n + 1);
	memcpy(b->p + b->n, d, n);
	b->n += n;
	b->p[b->n] = '\0';
	return n;
}

/* the reply's data, or NULL with *err */
static cJSON *reply_data(long status, const body *b, char **err)
{
	cJSON *r = b->p ? cJSON_ParseWithLength(b->p, b->n) : NULL;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "status");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(r, "error");
	cJSON *data = cJSON_DetachItemFromObjectCaseSensitive(r, "data");
	if (cJSON_IsString(st) && !strcmp(st->valuestring, "success") && cJSON_IsObject(data)) {
		cJSON_Delete(r);
		return data;
	}
	if (cJSON_IsString(msg))
		*err = xasprintf("prometheus: HTTP %ld: %.300s", status, msg->valuestring);
	else
		*err = xasprintf("prometheus: HTTP %ld: %s", status, r ? "no data in the reply" : "the reply is not JSON");
	cJSON_Delete(data);
	cJSON_Delete(r);
	return NULL;
}

cJSON *promq_instant(const char *base, const char *q, long timeout_ms, char **err)
{
	CURL *c = curl_easy_init();
	if (!c) {
		*err = xstrdup("prometheus: cannot start a request");
		return NULL;
	}
	char *eq = curl_easy_escape(c, q, 0);
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	char *url = xasprintf("%.*s/api/v1/query?query=%s", (int)bl, base, eq ? eq : "");
	curl_free(eq);
	body b = { 0 };
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	cJSON *data = NULL;
	if (b.over)
		*err = xasprintf("prometheus: the reply is over %u MiB", PROMQ_MAX_BODY >> 20);
	else if (rc != CURLE_OK)
		*err = xasprintf("prometheus: %s", curl_easy_strerror(rc));
	else
		data = reply_data(status, &b, err);
	free(b.p);
	free(url);
	curl_easy_cleanup(c);
	return data;
}

int promq_holds(const cJSON *data, int *n)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result");
	*n = 0;
	if (!cJSON_IsString(type))
		return 0;
	if (!strcmp(type->valuestring, "scalar") && cJSON_GetArraySize(res) == 2) {
		const cJSON *v = cJSON_GetArrayItem(res, 1);
		*n = cJSON_IsString(v) && strtod(v->valuestring, NULL) != 0;
		return *n;
	}
	if (cJSON_IsArray(res))
		*n = cJSON_GetArraySize(res);
	return *n > 0;
}
