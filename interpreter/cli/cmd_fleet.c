/*
 * cmd_fleet.c - `runbook fleet FILE --targets TARGETS`: one runbook over
 * many targets (serve/fleet.h runs them).  Everything is checked before
 * anything starts: the runbook, the targets file (a list of mappings of
 * input: value, each a target) and every target's inputs as its run would
 * resolve them, so that a typo in target 170 stops the fleet before
 * target 1 runs.
 */
#include "cli/cmd.h"
#include "base/clock.h"
#include "base/suggest.h"
#include "lang/inputs.h"
#include "lang/node.h"
#include "serve/fleet.h"
#include "serve/promq.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

enum {
	O_TARGETS = 1, O_TARGET_QUERY, O_PROMETHEUS, O_GUARD_QUERY, O_GUARD_EVERY, O_MAX_CONC, O_MAX_ERR,
	O_INPUT, O_DIR, O_APPROVE, O_OPERATOR, O_QUIET, O_NO_COLOR,
};

const cmd_opt fleet_options[] = {
	OPT_STRING(O_TARGETS, "targets", 0, "FILE",
		   "the targets: a YAML or JSON list of mappings of input: value, one run each (- reads stdin)"),
	OPT_STRING(O_TARGET_QUERY, "target-query", 0, "PROMQL",
		   "the targets: one per series this query returns, its labels named after inputs"),
	OPT_STRING(O_PROMETHEUS, "prometheus", 0, "URL",
		   "the Prometheus --target-query and --guard-query ask (else $RUNBOOK_PROMETHEUS_URL)"),
	OPT_STRING(O_GUARD_QUERY, "guard-query", 0, "PROMQL",
		   "no new target starts once this returns a series (asked before each start) or cannot be asked"),
	OPT_STRING(O_GUARD_EVERY, "guard-every", 0, "DURATION",
		   "how often the guard is asked while targets run (default 2s)"),
	OPT_STRING(O_MAX_CONC, "max-concurrency", 0, "N|P%",
		   "targets running at once: a count or a percentage of them (default 1)"),
	OPT_STRING(O_MAX_ERR, "max-errors", 0, "N|P%",
		   "failed targets tolerated before no new one starts (default 0)"),
	OPT_LIST(O_INPUT, "input", 0, "k=v", "input k for every target (a target's own value wins)"),
	OPT_STRING(O_DIR, "dir", 0, "DIR",
		   "a new or empty folder for the transcripts, logs and report (else ./transcripts/ID-TIME-fleet)"),
	OPT_APPROVE(O_APPROVE),
	OPT_OPERATOR(O_OPERATOR),
	OPT_QUIET(O_QUIET),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_STDLIB,
	OPT_END
};

typedef struct fleet_args {
	fleet_cfg cfg;
	const char *file, *targets, *target_query;
	kv *common;             /* --input, for every target */
	size_t ncommon;
	int no_color;
} fleet_args;

/* "N" or "P%" into *out (N >= min, P in min..100): 0, or -1 */
static int limit_arg(const char *s, int min, fe_limit *out)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	int pct = *end == '%' && end[1] == '\0';
	if (end == s || (*end && !pct) || errno || s[0] < '0' || s[0] > '9')
		return -1;
	if (n < min || n > (pct ? 100 : 1000000))
		return -1;
	*out = (fe_limit){ (int)n, pct };
	return 0;
}

static int fleet_opts(opt_parser *p, fleet_args *a)
{
	int id;
	while ((id = opts_next(p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT: return OPTS_EXIT;
		case O_TARGETS: a->targets = p->val; break;
		case O_TARGET_QUERY: a->target_query = p->val; break;
		case O_PROMETHEUS: a->cfg.prometheus = p->val; break;
		case O_GUARD_QUERY: a->cfg.guard_query = p->val; break;
		case O_GUARD_EVERY: {
			int64_t ms;
			if (dur_parse(p->val, strlen(p->val), &ms) < 0 || ms < 100 || ms > 3600000)
				return opts_stop(p, usage_error(p->cmd, "--guard-every needs a duration from 100ms "
								"to 1h, got '%s'", p->val));
			a->cfg.guard_every_ms = (long)ms;
			break;
		}
		case O_MAX_CONC:
			if (limit_arg(p->val, 1, &a->cfg.max_concurrency) < 0)
				return opts_stop(p, usage_error(p->cmd, "--max-concurrency needs a count from 1 "
								"or a percentage like 25%%, got '%s'", p->val));
			break;
		case O_MAX_ERR:
			if (limit_arg(p->val, 0, &a->cfg.max_errors) < 0)
				return opts_stop(p, usage_error(p->cmd, "--max-errors needs a count from 0 "
								"or a percentage like 10%%, got '%s'", p->val));
			break;
		case O_INPUT:
			if (opt_input(p->cmd, p->val, a->common, &a->ncommon) < 0)
				return opts_stop(p, EXIT_USAGE);
			break;
		case O_DIR: a->cfg.dir = p->val; break;
		case O_APPROVE: a->cfg.approve = p->val; break;
		case O_OPERATOR: a->cfg.operator_name = p->val; break;
		case O_QUIET: a->cfg.quiet = 1; break;
		case O_NO_COLOR: a->no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(p, &a->file, "runbook") == OPTS_EXIT)
				return OPTS_EXIT;
			break;
		}
	}
	if (!a->file)
		return opts_stop(p, usage_error(p->cmd, "no runbook file given"));
	if (load_is_stdin(a->file))
		return opts_stop(p, usage_error(p->cmd, "a fleet's runbook is a file (each target's run reads it)"));
	if (!a->targets == !a->target_query)
		return opts_stop(p, usage_error(p->cmd, "give the targets with one of --targets FILE or "
						"--target-query PROMQL"));
	if (!a->cfg.prometheus)
		a->cfg.prometheus = getenv("RUNBOOK_PROMETHEUS_URL");
	if ((a->target_query || a->cfg.guard_query) && !a->cfg.prometheus)
		return opts_stop(p, usage_error(p->cmd, "--%s needs --prometheus URL (or $RUNBOOK_PROMETHEUS_URL)",
						a->target_query ? "target-query" : "guard-query"));
	return OPTS_DONE;
}

/* a target's value for --input: a scalar's text, a list of scalars as a JSON list */
static char *input_text(const node *v)
{
	if (v->kind == N_SCALAR)
		return xstrdup(v->str);
	if (v->kind != N_SEQ)
		return NULL;
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < v->n; i++) {
		if (v->vals[i]->kind != N_SCALAR) {
			cJSON_Delete(a);
			return NULL;
		}
		cJSON_AddItemToArray(a, cJSON_CreateString(v->vals[i]->str));
	}
	char *s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

/* the --input words of target m (its own values after the common ones it
 * does not override) into t; -1 with a diagnostic in dg */
static int target_inputs(const fleet_args *a, const node *m, size_t i, fleet_target *t, diags *dg)
{
	t->input = xcalloc(a->ncommon + m->n + 1, sizeof *t->input);
	for (size_t j = 0; j < a->ncommon; j++)
		if (!node_get(m, a->common[j].key))
			t->input[t->ninput++] = xasprintf("%s=%s", a->common[j].key, a->common[j].val);
	size_t len = 0;
	for (size_t j = 0; j < m->n; j++) {
		char *v = input_text(m->vals[j]);
		if (!v) {
			diag_add(dg, SEV_ERROR, m->vals[j]->file, m->vals[j]->line, m->vals[j]->col, "type",
				 "target %zu: input '%s' must be a value or a list of values, not a %s", i + 1,
				 m->keys[j]->str, node_kind_name(m->vals[j]));
			return -1;
		}
		t->input[t->ninput++] = xasprintf("%s=%s", m->keys[j]->str, v);
		len += strlen(t->input[t->ninput - 1]) + 1;
		free(v);
	}
	t->label = xcalloc(1, len + 1);
	size_t k = 0;     /* the target's own inputs: the common ones are the same for all */
	for (size_t j = t->ninput - m->n; j < t->ninput; j++)
		k += (size_t)sprintf(t->label + k, "%s%s", k ? " " : "", t->input[j]);
	return 0;
}

/* target m's inputs as its run would resolve them, and its key into t: 0,
 * or -1 with a diagnostic */
static int check_target(const runbook *rb, const node *m, size_t i, fleet_target *t, diags *dg)
{
	kv *given = xcalloc(t->ninput + 1, sizeof *given);
	for (size_t j = 0; j < t->ninput; j++) {
		const char *eq = strchr(t->input[j], '=');
		given[j].key = xstrndup(t->input[j], (size_t)(eq - t->input[j]));
		given[j].val = eq + 1;
	}
	input_args ia = { .given = given, .ngiven = t->ninput };
	redactor *red = redactor_new();
	char *err = NULL;
	value *v = inputs_resolve(rb, &ia, red, 0, &err);
	if (v && !(t->key = inputs_run_key(rb, v, &err))) {
		v_release(v);
		v = NULL;
	}
	if (!v)
		diag_add(dg, SEV_ERROR, m->file, m->line, m->col, "value", "target %zu: %s", i + 1,
			 err ? err : "its inputs cannot be used");
	free(err);
	if (v)
		v_release(v);
	redactor_free(red);
	for (size_t j = 0; j < t->ninput; j++)
		free((char *)given[j].key);
	free(given);
	return v ? 0 : -1;
}

/* an input rb does not declare, at key k of target i: a diagnostic with a hint */
static void unknown_input(const runbook *rb, const node *k, size_t i, diags *dg)
{
	const char **names = xcalloc(rb->ninputs + 1, sizeof *names);
	for (size_t q = 0; q < rb->ninputs; q++)
		names[q] = rb->inputs[q].name;
	const char *s = suggest(k->str, names, rb->ninputs, 0);
	diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "unknown-input", "target %zu: unknown input '%s'%s%s%s",
		 i + 1, k->str, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
	free(names);
}

/*
 * Does mapping m name an input rb does not declare, or a secret?  Each one
 * an error at its key.  A secret comes from its `from:` only; its line is
 * not shown (it may hold the secret).
 */
static int bad_keys(const runbook *rb, const node *m, size_t i, diags *dg)
{
	int bad = 0;
	for (size_t j = 0; j < m->n; j++) {
		const node *k = m->keys[j];
		const input_def *in = runbook_find_input(rb, k->str);
		if (!in) {
			unknown_input(rb, k, i, dg);
			bad = 1;
		} else if (in->type == IT_SECRET) {
			diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "secret",
				 "target %zu: input '%s' is a secret: it comes from %s, never from a targets file",
				 i + 1, in->name, in->from ? in->from : "its from:");
			diag_hide_source(dg);
			bad = 1;
		}
	}
	return bad;
}

/* where the targets of a --target-query are said to come from */
#define TARGET_QUERY_NAME "<target-query>"

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* a series' labels named after rb's plain inputs, as a flow mapping
 * (JSON), or NULL when it has none */
static char *series_target(const runbook *rb, const cJSON *series)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(series, "metric");
	cJSON *t = cJSON_CreateObject();
	for (size_t i = 0; i < rb->ninputs; i++) {
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(m, rb->inputs[i].name);
		if (rb->inputs[i].type != IT_SECRET && cJSON_IsString(l))
			cJSON_AddStringToObject(t, rb->inputs[i].name, l->valuestring);
	}
	char *s = t->child ? cJSON_PrintUnformatted(t) : NULL;
	cJSON_Delete(t);
	return s;
}

/*
 * --target-query: a target per series, its labels named after inputs, as
 * the text of a targets file (one flow mapping a line, sorted, each
 * once), or NULL with *err.
 */
static char *query_targets(const fleet_args *a, const runbook *rb, char **err)
{
	cJSON *data = promq_instant(a->cfg.prometheus, a->target_query, 10000, err);
	if (!data)
		return NULL;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(data, "resultType");
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(data, "result"), *series;
	if (!cJSON_IsString(type) || strcmp(type->valuestring, "vector") || !cJSON_IsArray(res)) {
		*err = xasprintf("--target-query must return a vector (a series per target), not a %s",
				 cJSON_IsString(type) ? type->valuestring : "reply without a resultType");
		cJSON_Delete(data);
		return NULL;
	}
	size_t n = (size_t)cJSON_GetArraySize(res), k = 0;
	char **line = xcalloc(n + 1, sizeof *line);
	cJSON_ArrayForEach(series, res)
		if ((line[k] = series_target(rb, series)))
			k++;
	cJSON_Delete(data);
	qsort(line, k, sizeof *line, by_str);
	sbuf out = { 0 };
	for (size_t i = 0; i < k; i++)
		if (!i || strcmp(line[i], line[i - 1]))
			sbuf_addf(&out, "- %s\n", line[i]);
	for (size_t i = 0; i < k; i++)
		free(line[i]);
	free(line);
	if (!out.len)
		*err = xasprintf("--target-query returned %zu series, none with a label named after an input", n);
	return out.len ? sbuf_detach(&out) : NULL;
}

/* the targets file: a list of mappings, each checked against rb; NULL
 * (diagnostics in dg) when one is wrong */
static fleet_target *load_targets(const fleet_args *a, const runbook *rb, arena *ar, size_t *n, diags *dg)
{
	doc d;
	if (a->target_query) {
		char *err = NULL, *text = query_targets(a, rb, &err);
		int rc = text ? load_buffer(ar, TARGET_QUERY_NAME, text, strlen(text), &d, dg) : -1;
		if (!text)
			diag_add(dg, SEV_ERROR, TARGET_QUERY_NAME, 0, 0, "io", "%s", err);
		free(text);
		free(err);
		if (rc < 0)
			return NULL;
	} else if (load_file(ar, a->targets, &d, dg) < 0) {
		return NULL;
	}
	if (!d.root || d.root->kind != N_SEQ || !d.root->n) {
		diag_add(dg, SEV_ERROR, d.path, d.root ? d.root->line : 1, d.root ? d.root->col : 1,
			 "type", "a targets file is a list of mappings of input: value (one per target)%s",
			 d.root && d.root->kind == N_SEQ ? ", and this one is empty" : "");
		return NULL;
	}
	fleet_target *t = xcalloc(d.root->n, sizeof *t);
	for (size_t i = 0; i < d.root->n; i++) {
		const node *m = d.root->vals[i];
		if (m->kind == N_MAP && bad_keys(rb, m, i, dg))
			continue;
		if (m->kind != N_MAP)
			diag_add(dg, SEV_ERROR, m->file, m->line, m->col, "type",
				 "target %zu must be a mapping of input: value, not a %s", i + 1, node_kind_name(m));
		else if (target_inputs(a, m, i, &t[i], dg) == 0)
			check_target(rb, m, i, &t[i], dg);
	}
	*n = d.root->n;
	return t;
}

static void free_targets(fleet_target *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		for (size_t j = 0; j < t[i].ninput; j++)
			free(t[i].input[j]);
		free(t[i].input);
		free(t[i].label);
		free(t[i].key);
		free(t[i].transcript);
		free(t[i].log);
	}
	free(t);
}

/* dir exists and is empty, or is made now: 0, or -1 (printed) */
static int fresh_dir(const command *self, const char *dir)
{
	if (mkdir(dir, 0700) == 0)
		return 0;
	DIR *d = errno == EEXIST ? opendir(dir) : NULL;
	if (!d) {
		fprintf(stderr, "runbook %s: cannot make the folder %s: %s\n", self->name, dir, strerror(errno));
		return -1;
	}
	struct dirent *e;
	int empty = 1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	if (!empty)
		fprintf(stderr, "runbook %s: %s is not empty: a fleet writes into a new or empty folder\n",
			self->name, dir);
	return empty ? 0 : -1;
}

/* the default folder: ./transcripts/ID-TIME-fleet */
static char *default_dir(const runbook *rb)
{
	char ts[40];
	ts_now(ts, sizeof ts);
	for (char *c = ts; *c; c++)
		if (*c == ':' || *c == '.')
			*c = '-';
	mkdir("transcripts", 0700);
	return xasprintf("transcripts/%s-%s-fleet", rb->id, ts);
}

static int fleet_go(const command *self, fleet_args *a, const runbook *rb)
{
	arena ar;
	arena_init(&ar);
	diags dg;
	diags_init(&dg);
	size_t n = 0;
	fleet_target *t = load_targets(a, rb, &ar, &n, &dg);
	int rc = EXIT_USAGE;
	char *dir = NULL, self_path[PATH_MAX], rb_path[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
	if (dg.nerr || !t) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, a->no_color), NULL, 0);
		fprintf(stderr, "runbook %s: %s: %d error%s: nothing was run\n", self->name,
			a->targets ? load_name(a->targets) : TARGET_QUERY_NAME, dg.nerr, dg.nerr == 1 ? "" : "s");
		goto out;
	}
	if (len <= 0 || !realpath(a->file, rb_path)) {
		fprintf(stderr, "runbook %s: cannot find the runbook binary or %s\n", self->name, a->file);
		goto out;
	}
	self_path[len] = '\0';
	dir = a->cfg.dir ? xstrdup(a->cfg.dir) : default_dir(rb);
	if (fresh_dir(self, dir) < 0)
		goto out;
	a->cfg.self = self_path;
	a->cfg.runbook = rb_path;
	a->cfg.dir = dir;
	rc = fleet_run(&a->cfg, t, n);
out:
	free(dir);
	free_targets(t, n);
	diags_release(&dg);
	arena_free(&ar);
	return rc;
}

int cmd_fleet(const command *self, int argc, char **argv)
{
	fleet_args a;
	memset(&a, 0, sizeof a);
	a.cfg.max_concurrency = (fe_limit){ 1, 0 };
	a.cfg.max_errors = (fe_limit){ 0, 0 };
	a.cfg.guard_every_ms = 2000;
	a.common = xcalloc((size_t)argc + 1, sizeof *a.common);
	opt_parser p;
	opts_init(&p, self, argc, argv);
	int rc = EXIT_USAGE;
	if (fleet_opts(&p, &a) == OPTS_EXIT) {
		rc = p.rc;
		goto out;
	}
	diags dg;
	diags_init(&dg);
	runbook *rb = runbook_load(a.file, &dg, 0);
	if (!rb || dg.nerr) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, a.no_color), NULL, 0);
		fprintf(stderr, "runbook fleet: %s is not a valid runbook (%d error%s): nothing was run\n",
			a.file, dg.nerr, dg.nerr == 1 ? "" : "s");
	} else if (rb->fragment) {
		fprintf(stderr, "runbook fleet: %s is a fragment: a fleet runs a runbook\n", a.file);
	} else {
		rc = fleet_go(self, &a, rb);
	}
	diags_release(&dg);
	if (rb)
		runbook_free(rb);
out:
	for (size_t i = 0; i < a.ncommon; i++)
		free((char *)a.common[i].key);
	free(a.common);
	diag_forget_sources();
	return rc;
}
