/*
 * alert.h - the Alertmanager webhook against the rules file: which alerts
 * (or groups) of a payload start which runbook with which inputs.
 */
#ifndef RB_SERVE_ALERT_H
#define RB_SERVE_ALERT_H

#include <cjson/cJSON.h>

typedef struct alert_rules alert_rules;

/* the rules file (YAML, the project's loader: errors with file:line:col on
 * stderr): the rules, or NULL */
alert_rules *alert_rules_load(const char *path, const char *runbooks_dir);
void alert_rules_free(alert_rules *r);

/* what one payload asks for: a run per matching rule and alert (or group) */
typedef struct alert_run {
	const char *rule;       /* the rule's name */
	const char *runbook;    /* under --runbooks */
	char *id;               /* hex sha256(rule | fingerprint or groupKey | startsAt) */
	char *scope;            /* the fingerprint or groupKey, for the cooldown */
	long long cooldown_ms;  /* 0: none */
	cJSON *inputs;          /* rendered, an object of strings */
	char *error;            /* or why it could not be rendered */
} alert_run;

/* payload (a parsed webhook body) against rules: the runs into *out (n of
 * them, freed with alert_runs_free), or -1 with *err when the payload is not
 * a version 4 webhook */
int alert_plan(const alert_rules *rules, const cJSON *payload, alert_run **out, size_t *n,
	       char **err);
void alert_runs_free(alert_run *v, size_t n);

#endif
