/*
 * fuzz_webhook.c - the input is an Alertmanager webhook body: parsed as
 * JSON and planned against tests/fuzz/data/serve-rules.yaml (which alerts
 * or groups match which rule, with the rule's inputs rendered), as
 * POST /v1/alertmanager does before it admits the runs.
 *
 * Invariants checked besides "no crash, no sanitizer report, no hang":
 *   - a plan fails exactly when it says why;
 *   - every planned run has a 64-hex-digit id and either an error or an
 *     object of string inputs;
 *   - planning the same payload again gives the same ids (Alertmanager's
 *     repeated notifications must find their run).
 */
#include "fuzz.h"
#include "serve/alert.h"

#include <cjson/cJSON.h>

static alert_rules *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *path = fuzz_data("serve-rules.yaml");
	char *dir = realpath(FUZZ_DATA, NULL);
	rules = alert_rules_load(path, dir);
	FUZZ_ASSERT(rules, "the fuzz rules file does not load");
	free(dir);
	free(path);
	return 0;
}

static void check_run(const alert_run *r)
{
	FUZZ_ASSERT(r->id && strlen(r->id) == 64 && strspn(r->id, "0123456789abcdef") == 64,
		    "run id '%s'", r->id ? r->id : "(null)");
	FUZZ_ASSERT(r->rule && r->runbook && r->scope, "a run without its rule, runbook or scope");
	if (r->error)
		return;
	FUZZ_ASSERT(cJSON_IsObject(r->inputs), "inputs are not an object");
	const cJSON *v;
	cJSON_ArrayForEach(v, r->inputs)
		FUZZ_ASSERT(cJSON_IsString(v), "input '%s' is not a string", v->string);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!rules)
		LLVMFuzzerInitialize(NULL, NULL);
	cJSON *p = cJSON_ParseWithLength((const char *)data, size);
	if (!p)
		return 0;
	alert_run *a, *b;
	size_t na, nb;
	char *err = NULL, *err2 = NULL;
	int rc = alert_plan(rules, p, &a, &na, &err);
	FUZZ_ASSERT((rc < 0) == !!err, "alert_plan returned %d with error %s", rc, err ? err : "(none)");
	if (rc == 0) {
		for (size_t i = 0; i < na; i++)
			check_run(&a[i]);
		FUZZ_ASSERT(alert_plan(rules, p, &b, &nb, &err2) == 0 && nb == na, "a second plan differs");
		for (size_t i = 0; i < na; i++)
			FUZZ_ASSERT(!strcmp(a[i].id, b[i].id), "run %zu: ids %s and %s", i, a[i].id, b[i].id);
		alert_runs_free(b, nb);
	}
	alert_runs_free(a, na);
	free(err);
	free(err2);
	cJSON_Delete(p);
	return 0;
}
