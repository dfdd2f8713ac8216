/*
 * alert.c - the rules file and an Alertmanager webhook payload (version 4)
 * against it.
 *
 *   rules:
 *     - name: restart-worker
 *       match: { alertname: WorkerDown, severity: "=~critical|page" }
 *       runbook: worker-offline.yaml     # under --runbooks
 *       per: alert                       # or group
 *       inputs: { namespace: "${{ alert.labels.namespace }}" }
 *       cooldown: 30m
 *
 * A match value is an exact string, or =~ and a PCRE2 pattern that must
 * match the whole label.  Per alert, the labels matched are the alert's
 * and the context is `alert` (its labels, annotations, startsAt, endsAt,
 * fingerprint, generatorURL, status) and `group`; per group, the group's
 * common labels and `group` alone (groupKey, groupLabels, commonLabels,
 * commonAnnotations, externalURL, receiver, status).  Templates are parsed
 * when the file is loaded; what they render is data, never evaluated again.
 */
#include "serve/alert.h"
#include "serve/paths.h"
#include "base/arena.h"
#include "base/diag.h"
#include "base/hash.h"
#include "base/re.h"
#include "base/value.h"
#include "lang/expr.h"
#include "lang/node.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct amatch {
	const char *label, *want;       /* want: "=~..." a pattern */
} amatch;

typedef struct arule {
	const char *name, *runbook;
	int per_group;
	amatch *match;
	size_t nmatch;
	const char **in_name;
	tmpl **in_tmpl;
	size_t ninputs;
	long long cooldown_ms;
} arule;

struct alert_rules {
	arena a;
	arule *v;
	size_t n;
};

typedef struct rload {
	alert_rules *r;
	diags *dg;
	const char *runbooks_dir;
	const char *path;
} rload;

/* an error at node n, under the rule id (lang/rules.c) that says what is wrong */
#define RERR(n, ...) diag_add(L->dg, SEV_ERROR, (n)->file, (n)->line, (n)->col, "value", __VA_ARGS__)
#define RERR_REQUIRED(n, ...) \
	diag_add(L->dg, SEV_ERROR, (n)->file, (n)->line, (n)->col, "required", __VA_ARGS__)

static const char *scalar(rload *L, const node *n, const char *what)
{
	if (!n || n->kind != N_SCALAR || node_is_null(n)) {
		if (n)
			RERR(n, "'%s' must be a string", what);
		return NULL;
	}
	return n->str;
}

static void load_match(rload *L, arule *r, const node *rule, const node *m)
{
	if (!m) {
		RERR_REQUIRED(rule, "a rule needs 'match' (label: value): one that matches every alert is "
		     "not allowed");
		return;
	}
	if (m->kind != N_MAP || !m->n) {
		RERR(m, "'match' must be a mapping of label: value");
		return;
	}
	r->match = arena_alloc(&L->r->a, (m->n + 1) * sizeof *r->match);
	for (size_t i = 0; i < m->n; i++) {
		const char *want = scalar(L, m->vals[i], "match value");
		re_error e;
		if (!want)
			continue;
		if (!strncmp(want, "=~", 2) && re_check(want + 2, strlen(want + 2), 0, &e) < 0) {
			diag_add(L->dg, SEV_ERROR, m->vals[i]->file, m->vals[i]->line, m->vals[i]->col,
				 "pattern", "bad pattern: %s", e.msg);
			continue;
		}
		r->match[r->nmatch].label = m->keys[i]->str;
		r->match[r->nmatch++].want = want;
	}
}

/* a template names only alert and group (and alert only per alert) */
typedef struct refcheck {
	rload *L;
	const node *n;
	int per_group;
} refcheck;

static void check_ref(void *ud, const char *root, const char *second, size_t off)
{
	refcheck *c = ud;
	if (!strcmp(root, "group") || (!strcmp(root, "alert") && !c->per_group))
		return;
	int line, col;
	node_pos_at(c->n, off, &line, &col);
	diag_add(c->L->dg, SEV_ERROR, c->n->file, line, col, "unknown-context", "unknown name '%s': a rule's "
		 "inputs see %s", root, c->per_group ? "group (per: group)" : "alert and group");
}

static void load_inputs(rload *L, arule *r, const node *in)
{
	if (!in)
		return;
	if (in->kind != N_MAP) {
		RERR(in, "'inputs' must be a mapping of input: template");
		return;
	}
	r->in_name = arena_alloc(&L->r->a, (in->n + 1) * sizeof *r->in_name);
	r->in_tmpl = arena_alloc(&L->r->a, (in->n + 1) * sizeof *r->in_tmpl);
	for (size_t i = 0; i < in->n; i++) {
		const node *v = in->vals[i];
		const char *s = scalar(L, v, "an input's template");
		size_t off = 0;
		const char *msg = NULL;
		tmpl *t = s ? tmpl_parse(&L->r->a, s, v->len, &off, &msg) : NULL;
		if (s && !t) {
			int line, col;
			node_pos_at(v, off, &line, &col);
			diag_add(L->dg, SEV_ERROR, v->file, line, col, "expr", "%s", msg);
			continue;
		}
		if (t) {
			refcheck c = { L, v, r->per_group };
			tmpl_walk_refs(t, check_ref, &c);
			r->in_name[r->ninputs] = in->keys[i]->str;
			r->in_tmpl[r->ninputs++] = t;
		}
	}
}

/* a rule's runbook is a file under --runbooks (serve checks it again, and
 * loads it, at each run) */
static void check_runbook_path(rload *L, const node *n, const char *rel)
{
	char *real;
	if (path_under(L->runbooks_dir, rel, &real) != PATH_OK)
		RERR(n, "no runbook '%s' under %s", rel, L->runbooks_dir);
	free(real);
}

static const char *const rule_keys[] = {
	"name", "match", "runbook", "per", "inputs", "cooldown", NULL
};

static void load_rule(rload *L, arule *r, const node *m)
{
	for (size_t i = 0; i < m->n; i++) {
		size_t k = 0;
		while (rule_keys[k] && strcmp(rule_keys[k], m->keys[i]->str))
			k++;
		if (!rule_keys[k])
			diag_add(L->dg, SEV_ERROR, m->keys[i]->file, m->keys[i]->line, m->keys[i]->col,
				 "unknown-key", "unknown key '%s' in a rule", m->keys[i]->str);
	}
	if (!(r->name = scalar(L, node_get(m, "name"), "name")) && !node_get(m, "name"))
		RERR_REQUIRED(m, "a rule needs a 'name'");
	if (!(r->runbook = scalar(L, node_get(m, "runbook"), "runbook")) && !node_get(m, "runbook"))
		RERR_REQUIRED(m, "a rule needs a 'runbook' (a path under --runbooks)");
	if (r->runbook)
		check_runbook_path(L, node_get(m, "runbook"), r->runbook);
	const char *per = scalar(L, node_get(m, "per"), "per");
	if (per && strcmp(per, "alert") && strcmp(per, "group"))
		RERR(node_get(m, "per"), "'per' is alert or group, not '%s'", per);
	r->per_group = per && !strcmp(per, "group");
	load_match(L, r, m, node_get(m, "match"));
	load_inputs(L, r, node_get(m, "inputs"));
	const char *cd = scalar(L, node_get(m, "cooldown"), "cooldown");
	int64_t ms = 0;
	if (cd && dur_parse(cd, strlen(cd), &ms) < 0)
		RERR(node_get(m, "cooldown"), "'cooldown' must be a duration (30m), not '%s'", cd);
	r->cooldown_ms = ms;
}

/* the rules of root into L->r: errors to L->dg */
static void load_rules(rload *L, const node *root)
{
	const node *rules = root && root->kind == N_MAP ? node_get(root, "rules") : NULL;
	if (!rules || rules->kind != N_SEQ) {
		const node *at = rules ? rules : root;
		if (at)
			RERR(at, "a rules file is a mapping with 'rules:', a list of rules");
		else
			diag_add(L->dg, SEV_ERROR, L->path, 1, 1, "required", "the rules file is empty");
		return;
	}
	L->r->v = arena_alloc(&L->r->a, (rules->n + 1) * sizeof *L->r->v);
	for (size_t i = 0; i < rules->n; i++) {
		if (rules->vals[i]->kind != N_MAP) {
			RERR(rules->vals[i], "a rule is a mapping (name, match, runbook...)");
			continue;
		}
		arule *r = &L->r->v[L->r->n++];
		memset(r, 0, sizeof *r);
		load_rule(L, r, rules->vals[i]);
	}
}

alert_rules *alert_rules_load(const char *path, const char *runbooks_dir)
{
	alert_rules *r = xcalloc(1, sizeof *r);
	arena_init(&r->a);
	diags dg;
	diags_init(&dg);
	doc d;
	rload L = { r, &dg, runbooks_dir, path };
	if (load_file(&r->a, path, &d, &dg) == 0)
		load_rules(&L, d.root);
	int bad = dg.nerr > 0;
	diags_sort(&dg);
	if (dg.n)
		diags_print(stderr, &dg, DIAG_TEXT, 0, NULL, 0);
	diags_release(&dg);
	if (bad) {
		fprintf(stderr, "runbook serve: %s: the rules file has errors\n", path);
		alert_rules_free(r);
		return NULL;
	}
	return r;
}

void alert_rules_free(alert_rules *r)
{
	if (!r)
		return;
	arena_free(&r->a);
	free(r);
}

/* label value got against want: exact, or =~ a pattern over all of it */
static int label_ok(const char *want, const char *got)
{
	if (!got)
		return 0;
	if (strncmp(want, "=~", 2))
		return !strcmp(want, got);
	char *pat = xasprintf("\\A(?:%s)\\z", want + 2);
	re_error e;
	int m = re_match(pat, strlen(pat), RE_INVALID_UTF, got, strlen(got), 100000, &e);
	free(pat);
	return m == 1;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int rule_matches(const arule *r, const cJSON *labels)
{
	for (size_t i = 0; i < r->nmatch; i++)
		if (!label_ok(r->match[i].want, jstr(labels, r->match[i].label)))
			return 0;
	return 1;
}

/* the rule's inputs rendered against ctx into run->inputs (or run->error) */
static void render_inputs(const arule *r, const value *ctx, alert_run *run)
{
	run->inputs = cJSON_CreateObject();
	for (size_t i = 0; i < r->ninputs && !run->error; i++) {
		char *err = NULL;
		value *v = tmpl_render(r->in_tmpl[i], ctx, &err);
		if (!v) {
			run->error = xasprintf("input '%s': %s", r->in_name[i], err ? err : "cannot render");
			free(err);
			break;
		}
		char *t = v_as_str(v) ? xstrdup(v_as_str(v)) : v_to_text(v);
		cJSON_AddStringToObject(run->inputs, r->in_name[i], t);
		free(t);
		v_release(v);
	}
}

static void add_run(alert_run **out, size_t *n, const arule *r, const char *scope,
		    const char *starts, const value *ctx)
{
	*out = xrealloc(*out, (*n + 1) * sizeof **out);
	alert_run *run = &(*out)[(*n)++];
	memset(run, 0, sizeof *run);
	run->rule = r->name;
	run->runbook = r->runbook;
	run->scope = xstrdup(scope);
	run->cooldown_ms = r->cooldown_ms;
	char *key = xasprintf("%s|%s|%s", r->name, scope, starts);
	run->id = xmalloc(65);
	sha256_hex(key, strlen(key), run->id);
	free(key);
	render_inputs(r, ctx, run);
}

/* the group's fields, the context's `group` */
static value *group_value(const cJSON *p)
{
	static const char *const keys[] = { "groupKey", "groupLabels", "commonLabels",
					    "commonAnnotations", "externalURL", "receiver",
					    "status", "truncatedAlerts", NULL };
	cJSON *g = cJSON_CreateObject();
	for (size_t i = 0; keys[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, keys[i]);
		if (v)
			cJSON_AddItemToObject(g, keys[i], cJSON_Duplicate(v, 1));
	}
	value *out = v_from_cjson(g);
	cJSON_Delete(g);
	return out;
}

/* the earliest startsAt of the firing alerts (RFC 3339 text sorts) */
static const char *group_start(const cJSON *alerts)
{
	const char *best = "";
	const cJSON *a;
	cJSON_ArrayForEach(a, alerts) {
		const char *s = jstr(a, "startsAt"), *st = jstr(a, "status");
		if (s && st && !strcmp(st, "firing") && (!*best || strcmp(s, best) < 0))
			best = s;
	}
	return best;
}

static void plan_rule(const arule *r, const cJSON *p, const value *group, alert_run **out,
		      size_t *n)
{
	const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(p, "alerts");
	if (r->per_group) {
		const char *gk = jstr(p, "groupKey"), *start = group_start(alerts);
		if (!gk || !*start || !rule_matches(r, cJSON_GetObjectItemCaseSensitive(p, "commonLabels")))
			return;
		value *ctx = v_obj();
		v_obj_set(ctx, "group", (value *)group);
		add_run(out, n, r, gk, start, ctx);
		v_release(ctx);
		return;
	}
	const cJSON *a;
	cJSON_ArrayForEach(a, alerts) {
		const char *st = jstr(a, "status"), *fp = jstr(a, "fingerprint");
		const char *start = jstr(a, "startsAt");
		if (!st || strcmp(st, "firing") || !fp || !start || !cJSON_IsObject(a)
		    || !rule_matches(r, cJSON_GetObjectItemCaseSensitive(a, "labels")))
			continue;
		value *ctx = v_obj();
		v_obj_set_take(ctx, "alert", v_from_cjson(a));
		v_obj_set(ctx, "group", (value *)group);
		add_run(out, n, r, fp, start, ctx);
		v_release(ctx);
	}
}

int alert_plan(const alert_rules *rules, const cJSON *p, alert_run **out, size_t *n, char **err)
{
	*out = NULL;
	*n = 0;
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(p, "version");
	const cJSON *alerts = cJSON_GetObjectItemCaseSensitive(p, "alerts");
	if (!cJSON_IsObject(p) || !cJSON_IsArray(alerts) || !jstr(p, "status")) {
		*err = xstrdup("not an Alertmanager webhook: want an object with 'status' and 'alerts'");
		return -1;
	}
	if (ver && (!cJSON_IsString(ver) || strcmp(ver->valuestring, "4"))) {
		*err = xstrdup("only version 4 of the Alertmanager webhook payload is understood");
		return -1;
	}
	value *group = group_value(p);
	for (size_t i = 0; i < rules->n; i++)
		plan_rule(&rules->v[i], p, group, out, n);
	v_release(group);
	return 0;
}

void alert_runs_free(alert_run *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].scope);
		free(v[i].error);
		cJSON_Delete(v[i].inputs);
	}
	free(v);
}
