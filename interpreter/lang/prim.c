/*
 * prim.c - the primitive table and the connection-kind table.
 *
 * One row per action key, its fields named (prim.h says what each one
 * means).  Everything that needs to know about a primitive (validation,
 * lint, `plan`, the executor, the JSON schema, the reference) reads it
 * from here, never the primitive's name.
 */
#include "lang/prim.h"

#include <string.h>
#include <stdlib.h>

static const char *const exec_keys[] = { "env", "cwd", "stdin", NULL };
static const char *const no_keys[] = { NULL };
static const char *const use_keys[] = { "with", NULL };
static const char *const manual_keys[] = { "fields", NULL };

static const char *const exec_results[] = { "exit", "stdout", "stderr", "duration", "stdout_truncated", "stderr_truncated", "stdout_base64", "stderr_base64", "timed_out", NULL };
static const char *const http_results[] = { "status", "headers", "body", "json", "duration", "body_truncated", "body_base64", NULL };
static const char *const sql_results[] = { "rows", "row_count", "columns", "rows_truncated", "duration", NULL };
static const char *const redis_results[] = { "reply", "type", "reply_truncated", "duration", NULL };
static const char *const kafka_results[] = { "partition", "offset", "messages", "count", "messages_truncated", "total", "partitions", "topics", "brokers", "duration", NULL };
static const char *const prom_results[] = { "value", "vector", "resultType", "vector_truncated", "firing", "alerts", "alerts_truncated", "duration", NULL };
static const char *const wait_results[] = { "duration", NULL };
static const char *const approve_results[] = { "approved", "by", "comment", "mode", NULL };
static const char *const manual_results[] = { "confirmed", "by", "fields", "comment", "mode", NULL };
static const char *const assert_results[] = { "value", NULL };
static const char *const log_results[] = { "message", NULL };

static const prim_param http_params[] = {
	{ "method", P_STR, 0, "GET, HEAD, POST, PUT, PATCH, DELETE... (default GET)" },
	{ "url", P_STR, 1, "absolute URL, or a path joined to the connection's base URL" },
	{ "connection", P_STR, 0, "an http connection: base URL and default headers" },
	{ "headers", P_MAP, 0, "request headers" },
	{ "query", P_MAP, 0, "query parameters, URL-encoded" },
	{ "body", P_STR, 0, "raw request body" },
	{ "json", P_ANY, 0, "request body serialised as JSON (sets Content-Type)" },
	{ "auth", P_MAP, 0, "{basic: {user, password}} or {bearer: token}; use secrets" },
	{ "tls", P_MAP, 0, "{ca-file, cert, key, insecure}" },
	{ "follow-redirects", P_BOOL, 0, "follow 3xx (default false); never from https to http" },
	{ "redirect-headers", P_STR, 0, "drop (default): headers, auth and body stay behind when a redirect leaves the origin; keep" },
	{ "max-body", P_NUM, 0, "bytes of body kept (default 1 MiB); reading stops past it" },
	{ NULL, 0, 0, NULL },
};

static const prim_param sql_params[] = {
	{ "connection", P_STR, 1, "a postgres connection" },
	{ "query", P_STR, 1, "one SQL statement with $1, $2... placeholders" },
	{ "params", P_LIST, 0, "values bound to the placeholders (PQexecParams)" },
	{ "read-only", P_BOOL, 0, "run inside BEGIN READ ONLY ... ROLLBACK" },
	{ "max-rows", P_NUM, 0, "rows kept (default 1000); a read is then stopped on the server" },
	{ "max-result", P_NUM, 0, "bytes of cell text kept (default 1 MiB)" },
	{ NULL, 0, 0, NULL },
};

static const prim_param redis_params[] = {
	{ "connection", P_STR, 1, "a redis connection" },
	{ "command", P_LIST, 1, "the command as an argv: [GET, key]" },
	{ "max-result", P_NUM, 0, "bytes of reply kept (default 1 MiB); the rest is not read" },
	{ NULL, 0, 0, NULL },
};

static const prim_param kafka_params[] = {
	{ "connection", P_STR, 1, "a kafka connection" },
	{ "produce", P_MAP, 0, "{topic, key, value, headers, partition}" },
	{ "consume", P_MAP, 0, "{topic, group | from-beginning, max-messages, timeout, until-end}; "
	  "until-end: true stops once caught up with the log as of the start (kcat -e)" },
	{ "lag", P_MAP, 0, "{group, topic}" },
	{ "topics", P_ANY, 0, "metadata of all topics, or of the listed ones" },
	{ "max-result", P_NUM, 0, "bytes of consumed messages kept (default 1 MiB)" },
	{ NULL, 0, 0, NULL },
};

static const prim_param prom_params[] = {
	{ "connection", P_STR, 1, "a prometheus connection" },
	{ "query", P_STR, 0, "PromQL instant query" },
	{ "range", P_MAP, 0, "{start, end, step}: makes `query` a range query" },
	{ "time", P_STR, 0, "evaluation time for an instant query" },
	{ "alerts", P_MAP, 0, "{name, state}: read /api/v1/alerts" },
	{ "max-result", P_NUM, 0, "bytes of vector or alerts kept (default 1 MiB)" },
	{ NULL, 0, 0, NULL },
};

const prim_def prim_table[] = {
	{
		.name = "exec",
		.summary = "run a program with an argv array (execve, no shell)",
		.forms = P_LIST,
		.step_keys = exec_keys,
		.result_fields = exec_results,
		.flags = PF_ARGV | PF_IO,
		.default_expect = { "exit", 0, 0 },
		.default_effect = EFFECT_WRITE,
		.run = prim_exec_run,
	},
	{
		.name = "shell",
		.summary = "run text with /bin/sh -c (explicit opt-in)",
		.forms = P_STR,
		.step_keys = exec_keys,
		.result_fields = exec_results,
		.flags = PF_SHELL | PF_IO,
		.default_expect = { "exit", 0, 0 },
		.default_effect = EFFECT_WRITE,
		.run = prim_shell_run,
	},
	{
		.name = "http",
		.summary = "an HTTP request through libcurl",
		.forms = P_MAP,
		.params = http_params,
		.step_keys = no_keys,
		.result_fields = http_results,
		.conn_kind = "http",
		.flags = PF_IO | PF_SHARED_CONN,
		.default_expect = { "status", 200, 299 },
		.url_param = "url",
		.default_effect = EFFECT_WRITE,
		.effect_of = prim_http_effect,
		.validate = prim_http_validate,
		.run = prim_http_run,
		.run_batch = prim_http_batch,
	},
	{
		.name = "sql",
		.summary = "one parameterised PostgreSQL statement through libpq",
		.forms = P_MAP,
		.params = sql_params,
		.step_keys = no_keys,
		.result_fields = sql_results,
		.conn_kind = "postgres",
		.flags = PF_IO,
		.failure_undone = "a failed sql statement was rolled back by the database",
		.default_effect = EFFECT_WRITE,
		.effect_of = prim_sql_effect,
		.run = prim_sql_run,
	},
	{
		.name = "redis",
		.summary = "one Redis command sent as an argv through hiredis",
		.forms = P_MAP,
		.params = redis_params,
		.step_keys = no_keys,
		.result_fields = redis_results,
		.conn_kind = "redis",
		.flags = PF_IO,
		.default_effect = EFFECT_WRITE,
		.effect_of = prim_redis_effect,
		.run = prim_redis_run,
	},
	{
		.name = "kafka",
		.summary = "produce, consume, consumer lag or topic metadata through librdkafka",
		.forms = P_MAP,
		.params = kafka_params,
		.step_keys = no_keys,
		.result_fields = kafka_results,
		.conn_kind = "kafka",
		.flags = PF_IO,
		.default_effect = EFFECT_READ,
		.effect_of = prim_kafka_effect,
		.validate = prim_kafka_validate,
		.run = prim_kafka_run,
	},
	{
		.name = "prometheus",
		.summary = "a PromQL query or the firing alerts, through the HTTP API",
		.forms = P_MAP,
		.params = prom_params,
		.step_keys = no_keys,
		.result_fields = prom_results,
		.conn_kind = "prometheus",
		.flags = PF_IO | PF_SHARED_CONN,
		.default_effect = EFFECT_READ,
		.validate = prim_prom_validate,
		.run = prim_prom_run,
	},
	{
		.name = "wait",
		.summary = "sleep for a duration (interruptible)",
		.forms = P_DUR,
		.step_keys = no_keys,
		.result_fields = wait_results,
		.dry_run_skip = "a dry run does not wait",
		.default_effect = EFFECT_READ,
		.run = prim_wait_run,
	},
	{
		.name = "approve",
		.summary = "ask the operator to confirm before going on",
		.forms = P_STR,
		.step_keys = no_keys,
		.result_fields = approve_results,
		.flags = PF_APPROVAL | PF_RUNS_ALONE,
		.default_effect = EFFECT_READ,
	},
	{
		.name = "manual",
		.summary = "a manual action: Markdown instructions the operator carries out and "
			   "confirms, entering the step's `fields`",
		.forms = P_STR,
		.step_keys = manual_keys,
		.result_fields = manual_results,
		.flags = PF_MANUAL | PF_RUNS_ALONE,
		.default_effect = EFFECT_WRITE,
	},
	{
		.name = "assert",
		.summary = "a pure check of an expression",
		.forms = P_STR | P_BOOL,
		.step_keys = no_keys,
		.result_fields = assert_results,
		.default_effect = EFFECT_READ,
		.run = prim_assert_run,
	},
	{
		.name = "log",
		.summary = "a note in the transcript and on the terminal",
		.forms = P_STR,
		.step_keys = no_keys,
		.result_fields = log_results,
		.terminal_field = "message",
		.default_effect = EFFECT_READ,
		.run = prim_log_run,
	},
	{
		.name = "use",
		.summary = "call a runbook fragment: its steps run as sub-steps, its outputs are the result",
		.forms = P_STR,
		.step_keys = use_keys,
		.flags = PF_FRAGMENT | PF_RUNS_ALONE,
		.default_effect = EFFECT_WRITE,
	},
};
const size_t prim_count = sizeof(prim_table) / sizeof(prim_table[0]);

const prim_def *prim_find(const char *name)
{
	for (size_t i = 0; i < prim_count; i++)
		if (strcmp(prim_table[i].name, name) == 0)
			return &prim_table[i];
	return NULL;
}

const prim_param *prim_param_find(const prim_def *p, const char *name)
{
	for (const prim_param *q = p->params; q && q->name; q++)
		if (strcmp(q->name, name) == 0)
			return q;
	return NULL;
}

char *prim_default_expect_names(void)
{
	sbuf b = { 0 };
	size_t n = 0, k = 0;

	for (size_t i = 0; i < prim_count; i++)
		n += prim_table[i].default_expect.field != NULL;
	for (size_t i = 0; i < prim_count; i++) {
		if (!prim_table[i].default_expect.field)
			continue;
		k++;
		sbuf_addf(&b, "%s%s", k == 1 ? "" : k == n ? " and " : ", ", prim_table[i].name);
	}
	return sbuf_detach(&b);
}

const conn_kind conn_kinds[] = {
	{ "postgres", P_STR, conn_pg_open, conn_pg_close },
	{ "redis", P_STR | P_MAP, conn_redis_open, conn_redis_close },
	{ "kafka", P_STR | P_MAP, conn_kafka_open, conn_kafka_close },
	{ "prometheus", P_STR | P_MAP, conn_prom_open, conn_prom_close },
	{ "http", P_STR | P_MAP, conn_http_open, conn_http_close },
};
const size_t conn_kind_count = sizeof(conn_kinds) / sizeof(conn_kinds[0]);

const conn_kind *conn_kind_find(const char *name)
{
	for (size_t i = 0; i < conn_kind_count; i++)
		if (strcmp(conn_kinds[i].name, name) == 0)
			return &conn_kinds[i];
	return NULL;
}

/* ---- helpers for run functions ---- */

value *arg_get(const value *args, const char *key)
{
	if (!args || v_type(args) != V_OBJ)
		return NULL;
	return v_obj_get(args, key);
}

const char *arg_str(const value *args, const char *key)
{
	value *v = arg_get(args, key);
	return v && v_type(v) == V_STR ? v_as_str(v) : NULL;
}

char **argv_from_list(const value *list, char **err)
{
	if (!list || v_type(list) != V_LIST) {
		*err = xstrdup("expected a list of arguments");
		return NULL;
	}
	size_t n = v_len(list);
	char **argv = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		value *it = v_list_get(list, i);
		vtype t = v_type(it);
		if (t == V_LIST || t == V_OBJ || t == V_NULL) {
			*err = xasprintf("argument %zu is a %s, not a scalar", i + 1, v_type_name(it));
			argv_free(argv);
			return NULL;
		}
		argv[i] = v_to_text(it);
	}
	return argv;
}

void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

size_t result_slack(const redactor *red)
{
	size_t l = redact_max_form_len(red);
	return l > RESULT_SLACK ? l : RESULT_SLACK;
}

value *bounded_text(const redactor *red, const char *s, size_t len, size_t max,
		    int cut, int *truncated)
{
	size_t n;
	char *p = redact_str(red, s ? s : "", s ? len : 0, &n);
	size_t keep = n, slack = result_slack(red);

	/* what was read past the bound may end in part of a secret, which
	 * redaction could not see whole: that tail (no longer than any form)
	 * is dropped */
	if (cut)
		keep = n > slack ? n - slack : 0;
	if (keep > max)
		keep = max;
	*truncated = cut || keep < n;
	p[keep] = '\0';
	return v_str_take(p, keep);
}

int arg_count(const value *args, const char *key, size_t dflt, size_t *out, char **err)
{
	value *v = arg_get(args, key);

	*out = dflt;
	if (!v || v_type(v) == V_NULL)
		return 0;
	if (v_type(v) != V_NUM || v_as_num(v) < 0 || v_as_num(v) != (double)(int64_t)v_as_num(v) ||
	    v_as_num(v) > 1e15) {
		*err = xasprintf("'%s' must be a whole number, not %s", key,
				 v_type(v) == V_NUM ? "a negative or fractional number" : v_type_name(v));
		return -1;
	}
	*out = (size_t)v_as_num(v);
	return 0;
}

char *redacted_text(const redactor *red, const char *s)
{
	return redact_str(red, s ? s : "", s ? strlen(s) : 0, NULL);
}
