/*
 * cmd_plan.c - `runbook plan FILE` and `runbook graph FILE`.
 *
 * plan is a static dry run with no side effects at all: no transcript, no
 * connection, no process.  It is what a pull-request job prints in
 * public, so it knows the same secrets a run would and shows *** for each
 * of them and for anything computed from one: secrets from the
 * environment are read (they cost nothing and `${{ env.X }}` could print
 * them), secret files are not (their inputs read *** as values), and
 * connection credentials are registered.  Each step's action is rendered
 * where the inputs allow it; a value that depends on run time (steps.*,
 * result) is shown as its template.
 */
#include "cli/cmd.h"
#include "lang/node.h"
#include "cli/plan.h"
#include "run/exec.h"
#include "run/foreach.h"
#include "lang/expr.h"
#include "lang/fragment.h"
#include "lang/prim.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

enum { O_INPUT = 1, O_INPUTS, O_FORMAT, O_NO_COLOR };

const cmd_opt plan_options[] = {
	OPT_INPUT(O_INPUT),
	OPT_INPUTS(O_INPUTS),
	OPT_STRING(O_FORMAT, "format", 0, "text|json", "print the plan as text or JSON (default text)"),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_STDLIB,
	OPT_END
};

const cmd_opt graph_options[] = {
	OPT_STRING(O_FORMAT, "format", 0, "dot|mermaid", "Graphviz dot or a Mermaid flowchart (default dot)"),
	OPT_STDLIB,
	OPT_END
};

static void ref_runtime(void *ud, const char *root, const char *second, size_t off)
{
	(void)second;
	(void)off;
	if (!strcmp(root, "steps") || !strcmp(root, "result") || !strcmp(root, "run"))
		*(int *)ud = 1;
}

/*
 * A value as plan may show it: every secret (and whatever was computed
 * from one) as ***, every string that holds a known secret redacted.
 * Only values are masked; what the runbook file says is shown as it is.
 */
static value *shown(const value *v, const redactor *red)
{
	value *m = v_masked(v, REDACT_MASK), *r;
	switch (v_type(m)) {
	case V_STR:
		if (!redact_contains(red, v_as_str(m), v_str_len(m)))
			return m;
		{
			size_t n;
			char *t = redact_str(red, v_as_str(m), v_str_len(m), &n);
			r = v_str_take(t, n);
		}
		break;
	case V_LIST:
		r = v_list();
		for (size_t i = 0; i < v_len(m); i++)
			v_list_push_take(r, shown(v_list_get(m, i), red));
		break;
	case V_OBJ:
		r = v_obj();
		for (size_t i = 0; i < v_len(m); i++)
			v_obj_set_take(r, v_obj_key(m, i), shown(v_obj_val(m, i), red));
		break;
	default:
		return m;
	}
	v_release(m);
	return r;
}

/* render what can be rendered statically; keep run-time templates as text
 * (every template, without a context: `runbook docs` shows them as written) */
static value *plan_render(const node *n, const value *ctx, const redactor *red)
{
	switch (n->kind) {
	case N_SCALAR: {
		const tmpl *t = n->cache;
		if (!t || tmpl_is_literal(t))
			return scalar_literal(n);
		int runtime = 0;
		tmpl_walk_refs(t, ref_runtime, &runtime);
		char *err = NULL;
		value *v = runtime || !ctx ? NULL : tmpl_render(t, ctx, &err);
		free(err);
		if (v) {
			value *m = shown(v, red);
			v_release(v);
			return m;
		}
		return v_strn(n->str, n->len);
	}
	case N_SEQ: {
		value *l = v_list();
		for (size_t i = 0; i < n->n; i++)
			v_list_push_take(l, plan_render(n->vals[i], ctx, red));
		return l;
	}
	case N_MAP: {
		value *o = v_obj();
		for (size_t i = 0; i < n->n; i++)
			v_obj_set_take(o, n->keys[i]->str, plan_render(n->vals[i], ctx, red));
		return o;
	}
	}
	return v_null();
}

/* argv for display: quote what a shell would need quoted */
static void add_argv_text(sbuf *b, const value *l)
{
	for (size_t i = 0; i < v_len(l); i++) {
		char *s = v_to_text(v_list_get(l, i));
		if (i)
			sbuf_addc(b, ' ');
		if (*s && strcspn(s, " \t\n'\"\\$`;&|<>(){}*?!#~") == strlen(s))
			sbuf_adds(b, s);
		else {
			sbuf_addc(b, '\'');
			for (char *p = s; *p; p++) {
				if (*p == '\'')
					sbuf_adds(b, "'\\''");
				else
					sbuf_addc(b, *p);
			}
			sbuf_addc(b, '\'');
		}
		free(s);
	}
}

static char *action_text(const step *st, const value *args)
{
	sbuf b = { 0 };
	if (v_type(args) == V_LIST && (st->prim->flags & PF_ARGV))
		add_argv_text(&b, args);
	else if (v_type(args) == V_STR)
		sbuf_adds(&b, v_as_str(args));
	else {
		char *j = v_to_json(args);
		sbuf_adds(&b, j);
		free(j);
	}
	return sbuf_detach(&b);
}

typedef struct plan_ctx {
	const runbook *rb;
	value *ctx;
	redactor *red;
	int json;
	cJSON *jsteps;
	int n;
	int undo_replaced;      /* inside a use step whose own rollback replaces these */
} plan_ctx;

static void plan_step(plan_ctx *p, const step *st, const char *phase, int indent);

/* a `use` step's fragment: its steps, indented, with the call's inputs */
static void plan_fragment(plan_ctx *p, const step *st, const char *phase, int indent)
{
	const runbook *fr = st->frag;
	value *with = st->with ? plan_render(st->with, p->ctx, p->red) : v_obj();
	char *err = NULL;
	value *in = fragment_inputs(fr, with, p->red, &err);
	free(err);
	/* plan reads no secret: secret inputs show as *** */
	value *shown = v_obj();
	for (size_t i = 0; i < v_len(in ? in : with); i++) {
		const char *k = v_obj_key(in ? in : with, i);
		const input_def *d = runbook_find_input(fr, k);
		v_obj_set_take(shown, k, d && d->type == IT_SECRET ? v_str(REDACT_MASK)
			       : v_retain(v_obj_val(in ? in : with, i)));
	}
	if (in)
		v_release(in);
	plan_ctx sub = *p;
	sub.rb = fr;
	sub.undo_replaced = p->undo_replaced || st->rollback.n > 0;
	sub.ctx = v_obj();
	v_obj_set_take(sub.ctx, "inputs", shown);
	v_obj_set(sub.ctx, "env", v_obj_get(p->ctx, "env"));
	v_release(with);
	if (!p->json)
		printf("%*sfragment %s (%s)\n", indent, "", fr->id, fr->path);
	for (size_t i = 0; i < fr->lists[PH_STEPS].n; i++)
		plan_step(&sub, fr->lists[PH_STEPS].v[i], phase, indent);
	v_release(sub.ctx);
}

/* a duration of a step: its ${{ }} rendered with what plan knows (its
 * text when that is not enough), else the literal ms (malloc'd) */
static char *plan_dur(plan_ctx *p, const node *templated, int64_t ms)
{
	char b[32];
	if (!templated)
		return xstrdup(dur_format(ms, b, sizeof b));
	value *v = plan_render(templated, p->ctx, p->red);
	char *s = v_dur_of(v, &ms) == 0 ? xstrdup(dur_format(ms, b, sizeof b)) : v_to_text(v);
	v_release(v);
	return s;
}

/* a for-each limit as the runbook says it, with what it is for n items */
static char *limit_text(fe_limit l, size_t n, size_t min, int known)
{
	if (!l.percent)
		return xasprintf("%d", l.n);
	if (!known)
		return xasprintf("%d%%", l.n);
	return xasprintf("%d%% = %zu", l.n, fe_limit_of(l, n, min));
}

/*
 * A for-each step's items, when the list is known before the run (a
 * literal list, or one from inputs and their defaults): each item and
 * the action rendered for it (a `use` step's `with:`).  Otherwise the
 * list's template, known at run time.
 */
static void plan_items(plan_ctx *p, const step *st, cJSON *j, int indent)
{
	value *list = plan_render(st->for_each, p->ctx, p->red);
	fe_set set;
	char *err = NULL;
	int known = fe_set_init(&set, st, list, &err) == 0;
	free(err);
	char *mc = limit_text(st->max_concurrency, set.n, 1, known);
	char *me = limit_text(st->max_errors, set.n, 0, known);
	cJSON *jf = j ? cJSON_AddObjectToObject(j, "for_each") : NULL;
	if (jf) {
		cJSON_AddStringToObject(jf, "max_concurrency", mc);
		cJSON_AddStringToObject(jf, "max_errors", me);
	}
	if (!known) {
		if (jf)
			cJSON_AddStringToObject(jf, "template", st->for_each->str ? st->for_each->str : "");
		else
			printf("%*s    for-each: %s (known at run time; max-concurrency %s, max-errors %s)\n",
			       indent + 20, "", st->for_each->str, mc, me);
	} else if (!jf)
		printf("%*s    for-each: %zu item%s (max-concurrency %s, max-errors %s)\n", indent + 20, "",
		       set.n, set.n == 1 ? "" : "s", mc, me);
	cJSON *ji = known && jf ? cJSON_AddArrayToObject(jf, "items") : NULL;
	for (size_t i = 0; known && i < set.n; i++) {
		value *ctx = v_obj();
		for (size_t k = 0; k < v_len(p->ctx); k++)
			v_obj_set(ctx, v_obj_key(p->ctx, k), v_obj_val(p->ctx, k));
		v_obj_set(ctx, "each", set.v[i].each);
		value *item = shown(v_obj_get(set.v[i].each, "item"), p->red);
		value *args = plan_render(st->frag ? st->with : st->action, ctx, p->red);
		char *txt = st->frag ? v_to_json(args) : action_text(st, args);
		char *it = v_to_json(item);
		if (ji) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddNumberToObject(x, "index", (double)i);
			cJSON_AddItemToObject(x, "item", v_to_cjson(item));
			cJSON_AddStringToObject(x, st->frag ? "with" : "action", txt);
			cJSON_AddItemToArray(ji, x);
		} else
			printf("%*s    [%zu] %s: %s\n", indent + 20, "", i, it, txt);
		free(it);
		free(txt);
		v_release(args);
		v_release(item);
		v_release(ctx);
	}
	free(mc);
	free(me);
	if (known)
		fe_set_release(&set);
	v_release(list);
}

/* a guard's or probe's cadence (a probe's window and tolerance too) */
static void plan_watch(plan_ctx *p, const step *st, cJSON *j, int indent)
{
	static const char *const during[] = { "steps", "drill", "run" };
	char *every = plan_dur(p, st->every_tmpl, st->every_ms);
	int probe = st->phase == PH_PROBES;
	if (j) {
		cJSON_AddStringToObject(j, "every", every);
		if (probe) {
			cJSON_AddStringToObject(j, "during", during[st->during]);
			cJSON_AddNumberToObject(j, "tolerance", st->tolerance);
		}
	} else
		printf("%*s    every %s during %s, tolerance %d\n", indent + 20, "", every,
		       during[st->during], st->tolerance);
	free(every);
}

/* a detail of a step, its name and its text as plan shows it */
typedef void (*detail_fn)(void *ud, const char *name, const char *text);

/* the step's env, cwd, stdin, if, until and retry, those it has, to put */
static void plan_details(plan_ctx *p, const step *st, detail_fn put, void *ud)
{
	const node *xs[] = { st->env, st->cwd, st->stdin_ };
	const char *xn[] = { "env", "cwd", "stdin" };
	for (int k = 0; k < 3; k++) {
		if (!xs[k])
			continue;
		value *xv = plan_render(xs[k], p->ctx, p->red);
		char *txt = v_type(xv) == V_STR ? xstrdup(v_as_str(xv)) : v_to_json(xv);
		put(ud, xn[k], txt);
		free(txt);
		v_release(xv);
	}
	if (st->if_)
		put(ud, "if", st->if_->str);
	if (st->has_until) {
		char *a = plan_dur(p, st->templated.until_every, st->until_every_ms);
		char *b = plan_dur(p, st->templated.until_within, st->until_within_ms);
		char *h = st->templated.until_hold || st->until_hold_ms > 0
				  ? plan_dur(p, st->templated.until_hold, st->until_hold_ms) : NULL;
		char *t = xasprintf("every %s within %s%s%s", a, b, h ? " hold " : "", h ? h : "");
		put(ud, "until", t);
		free(t);
		free(a);
		free(b);
		free(h);
	}
	char *r = NULL;
	if (st->templated.retry_attempts) {
		value *n = plan_render(st->templated.retry_attempts, p->ctx, p->red);
		char *t = v_to_text(n);
		r = xasprintf("%s attempts", t);
		free(t);
		v_release(n);
	} else if (st->retry_attempts > 1)
		r = xasprintf("%d attempts", st->retry_attempts);
	if (r)
		put(ud, "retry", r);
	free(r);
	if (st->on_in_doubt != DOUBT_UNSET)
		put(ud, "on-in-doubt", rb_keys.in_doubt[st->on_in_doubt - 1]);
}

/* the JSON plan's keys have _ where the runbook's have - */
static void detail_json(void *ud, const char *name, const char *text)
{
	char key[32];
	snprintf(key, sizeof key, "%s", name);
	for (char *c = key; *c; c++)
		*c = *c == '-' ? '_' : *c;
	cJSON_AddStringToObject(ud, key, text);
}

static void detail_text(void *ud, const char *name, const char *text)
{
	printf("%*s    %s: %s\n", *(int *)ud + 20, "", name, text);
}

/* a write step that nothing undoes: no rollback of its own, not a
 * rollback or a `use` step, not inside a `use` step whose rollback
 * replaces its fragment's, and the runbook rolls back at all */
static int plan_unguarded(const plan_ctx *p, const step *st)
{
	return st->effect == EFFECT_WRITE && !st->rollback.n && !st->owner && !st->frag &&
	       !p->undo_replaced && p->rb->rollback_policy != RBPOL_NEVER;
}

static void plan_step(plan_ctx *p, const step *st, const char *phase, int indent)
{
	value *args = plan_render(st->action, p->ctx, p->red);
	char *ract = action_text(st, args);
	const char *conn = arg_str(args, "connection");
	const conn_def *cd = conn ? runbook_find_conn(p->rb, conn) : NULL;
	char *conn_txt = NULL;
	if (cd) {
		value *raw = plan_render(cd->spec, p->ctx, p->red);
		value *spec = shown(raw, p->red);       /* a literal DSN's password too */
		char *s = v_type(spec) == V_STR ? xstrdup(v_as_str(spec)) : v_to_json(spec);
		conn_txt = xasprintf("%s (%s %s)", conn, cd->kind, s);
		free(s);
		v_release(raw);
		v_release(spec);
	}
	const char *eff = st->effect == EFFECT_WRITE ? "write" : "read";
	if (p->json) {
		cJSON *j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", st->id);
		cJSON_AddStringToObject(j, "phase", phase);
		cJSON_AddStringToObject(j, "primitive", st->prim->name);
		cJSON_AddStringToObject(j, "effect", eff);
		cJSON_AddStringToObject(j, "action", ract);
		if (st->timeout_ms > 0 || st->templated.timeout) {
			char *tb = plan_dur(p, st->templated.timeout, st->timeout_ms);
			cJSON_AddStringToObject(j, "timeout", tb);
			free(tb);
		}
		if (conn_txt)
			cJSON_AddStringToObject(j, "connection", conn_txt);
		if (st->owner)
			cJSON_AddStringToObject(j, "undoes", st->owner->id);
		if (st->frag)
			cJSON_AddStringToObject(j, "fragment", st->frag->id);
		plan_details(p, st, detail_json, j);
		if (st->expect) {
			value *ev = plan_render(st->expect, p->ctx, p->red);
			cJSON_AddItemToObject(j, "expect", v_to_cjson(ev));
			v_release(ev);
		}
		if (plan_unguarded(p, st))
			cJSON_AddBoolToObject(j, "no_rollback", 1);
		if (st->for_each)
			plan_items(p, st, j, indent);
		if (st->phase == PH_GUARD || st->phase == PH_PROBES)
			plan_watch(p, st, j, indent);
		cJSON *needs = cJSON_AddArrayToObject(j, "needs");
		for (size_t i = 0; i < st->needs.n; i++)
			cJSON_AddItemToArray(needs, cJSON_CreateString(st->needs.v[i]->id));
		cJSON_AddItemToArray(p->jsteps, j);
	} else {
		printf("%*s%s%-20s %-10s %-5s  %s\n", indent, "", st->owner ? "undo: " : "",
		       st->id, st->prim->name, eff, ract);
		if (conn_txt)
			printf("%*s    connection: %s\n", indent + 20, "", conn_txt);
		plan_details(p, st, detail_text, &indent);
		if (st->for_each)
			plan_items(p, st, NULL, indent);
		if (st->phase == PH_PROBES)
			plan_watch(p, st, NULL, indent);
	}
	free(conn_txt);
	free(ract);
	v_release(args);
	if (st->frag)
		plan_fragment(p, st, phase, indent + 4);
	/* a using step's own rollback replaces its fragment's: show only that */
	for (size_t i = 0; !p->undo_replaced && i < st->rollback.n; i++)
		plan_step(p, st->rollback.v[i], "rollback", indent + 4);
	if (!p->json && plan_unguarded(p, st))
		printf("%*s    (no rollback)\n", indent + 20, "");
}

static void sink_derived(void *ud, const char *s, size_t n)
{
	redact_add_derived(ud, s, n);
}

/*
 * The `env` context of a plan: the environment, with the source of every
 * secret input read into the redactor and marked secret (a run removes
 * those variables from what children inherit; plan only must not print
 * them).
 */
static value *plan_env(const runbook *rb, redactor *red)
{
	value *env = env_object();
	for (size_t i = 0; i < rb->ninputs; i++) {
		const input_def *in = &rb->inputs[i];
		if (in->type != IT_SECRET || !in->from || strncmp(in->from, "env:", 4))
			continue;
		const char *name = in->from + 4, *val = getenv(name);
		if (!val || !*val)
			continue;
		redact_add(red, val, strlen(val));
		v_obj_set_take(env, name, v_secret(v_str(val)));
	}
	for (size_t i = 0; i < v_len(env); i++) {
		value *v = v_obj_val(env, i);
		if (!v_is_secret(v) && redact_contains(red, v_as_str(v), v_str_len(v)))
			v_obj_set_take(env, v_obj_key(env, i), v_secret(v_strn(v_as_str(v), v_str_len(v))));
	}
	return env;
}

int plan_load(const char *cmd, const char *file, const plan_text *text, int no_color, runbook **rb)
{
	diags dg;
	diags_init(&dg);
	*rb = text ? runbook_load_text(file, text->name, text->buf, text->len, &dg, 0)
		   : runbook_load(file, &dg, 0);
	if (!*rb || dg.nerr) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, no_color), NULL, 0);
		fprintf(stderr, "runbook %s: %s is not a valid runbook (%d error%s)\n", cmd,
			text ? text->name : load_name(file), dg.nerr, dg.nerr == 1 ? "" : "s");
		diags_release(&dg);
		if (*rb)
			runbook_free(*rb);
		*rb = NULL;
		return EXIT_USAGE;
	}
	diags_release(&dg);
	return EXIT_OK;
}

static int load_or_report(const char *cmd, const char *file, int no_color, runbook **rb)
{
	return plan_load(cmd, file, NULL, no_color, rb);
}

/* what `plan` was asked for */
typedef struct plan_args {
	const char *file, *fmt;
	kv *inputs;                     /* argc slots */
	size_t ninputs;
	const char *inputs_file;
	int no_color;
} plan_args;

/* plan's options into a: OPTS_DONE, or OPTS_EXIT with the exit code in p->rc */
static int plan_parse(opt_parser *p, plan_args *a)
{
	int id;
	while ((id = opts_next(p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT:
			return OPTS_EXIT;
		case O_INPUT:
			if (opt_input(p->cmd, p->val, a->inputs, &a->ninputs) < 0)
				return opts_stop(p, EXIT_USAGE);
			break;
		case O_INPUTS: a->inputs_file = p->val; break;
		case O_FORMAT: a->fmt = p->val; break;
		case O_NO_COLOR: a->no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(p, &a->file, "runbook") == OPTS_EXIT)
				return OPTS_EXIT;
			break;
		}
	}
	if (!a->file)
		return opts_stop(p, usage_error(p->cmd, "no runbook file given"));
	if (strcmp(a->fmt, "text") && strcmp(a->fmt, "json"))
		return opts_stop(p, usage_error(p->cmd, "unknown format '%s'", a->fmt));
	return OPTS_DONE;
}

/*
 * The context the plan renders in (inputs, env), every secret known to
 * the redactor: the secret inputs' sources, whatever is computed from
 * them (the expression sink, until plan_finish), and the connections'
 * credentials as far as they render statically.
 */
static void plan_start(plan_ctx *p, const runbook *rb, value *in)
{
	v_obj_set(p->ctx, "inputs", in);
	v_obj_set_take(p->ctx, "env", plan_env(rb, p->red));
	expr_set_secret_sink(sink_derived, p->red);
	for (size_t i = 0; i < rb->nconns; i++) {
		char *cerr = NULL;
		value *spec = render_node(rb->conns[i].spec, p->ctx, &cerr);
		free(cerr);
		if (spec) {
			redact_add_conn_spec(p->red, spec);
			v_release(spec);
		}
	}
}

/* what `runbook docs` shares with plan (cli/cmd.h) */
value *plan_value(const node *n, const value *ctx, const redactor *red)
{
	return plan_render(n, ctx, red);
}

value *plan_shown(const value *v, const redactor *red)
{
	return shown(v, red);
}

char *plan_action_text(const step *st, const value *args)
{
	return action_text(st, args);
}

value *plan_context(const runbook *rb, redactor *red, char **err)
{
	input_args ia = { NULL, 0, NULL, NULL };
	value *in = inputs_resolve(rb, &ia, red, 1, err);
	if (!in)
		return NULL;
	plan_ctx p = { rb, v_obj(), red, 0, NULL, 0, 0 };
	plan_start(&p, rb, in);
	v_release(in);
	return p.ctx;
}

/* the heading of a list's steps in the text plan */
static void plan_heading(plan_ctx *p, const runbook *rb, int ph)
{
	const steplist *l = &rb->lists[ph];
	if (ph == PH_GUARD) {
		char *every = plan_dur(p, l->v[0]->every_tmpl, l->v[0]->every_ms);
		printf("\nguard (drill only: each checked every %s from inject until cleanup; one failed "
		       "check stops the drill)\n", every);
		free(every);
	} else if (ph == PH_PROBES)
		printf("\nprobes (checked beside the steps; more failed checks in a row than the "
		       "tolerance fail the run)\n");
	else
		printf("\n%s%s\n", phase_names[ph], ph == PH_INJECT || ph == PH_SYMPTOMS ||
		       ph == PH_CLEANUP ? " (drill only)" : "");
}

/* every phase's steps, in the order a drill runs them, then the guard and
 * the probes; returns the number of write steps */
static int plan_phases(plan_ctx *p, const runbook *rb)
{
	static const int order[] = { PH_INJECT, PH_SYMPTOMS, PH_CHECKS, PH_STEPS, PH_VERIFY, PH_CLEANUP,
				     PH_GUARD, PH_PROBES };
	int nwrite = 0;
	for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
		const steplist *l = &rb->lists[order[k]];
		if (!l->n)
			continue;
		if (!p->json)
			plan_heading(p, rb, order[k]);
		for (size_t i = 0; i < l->n; i++) {
			plan_step(p, l->v[i], phase_names[order[k]], 2);
			nwrite += l->v[i]->effect == EFFECT_WRITE;
		}
	}
	return nwrite;
}

static const char *const policy_names[] = { "on-failure", "always", "never" };

/* the runbook's concurrency-key as a run would lock it (malloc'd), or NULL */
static char *plan_key(const plan_ctx *p, const runbook *rb)
{
	if (!rb->concurrency_key)
		return NULL;
	value *v = plan_render(rb->concurrency_key, p->ctx, p->red);
	char *s = xstrdup(v_type(v) == V_STR ? v_as_str(v) : rb->concurrency_key->str);
	v_release(v);
	return s;
}

/* the text plan's head: the runbook and its inputs (secrets as ***) */
static void plan_head(const plan_ctx *p, const runbook *rb, const value *in)
{
	printf("plan: %s — %s\n", rb->id, rb->title ? rb->title : "");
	value *sin = shown(in, p->red);
	char *ij = v_to_json(sin);
	printf("inputs: %s\n", ij);
	free(ij);
	v_release(sin);
	char *key = plan_key(p, rb);
	if (key)
		printf("concurrency key: %s\n", key);
	free(key);
	if (rb->on_in_doubt != DOUBT_UNSET)
		printf("on-in-doubt: %s (what resume does with a step in doubt)\n",
		       rb_keys.in_doubt[rb->on_in_doubt - 1]);
}

/* the JSON plan: the runbook, its inputs (as declared, and their values),
 * its policy, its objectives and the steps gathered in p->jsteps */
static cJSON *plan_doc(plan_ctx *p, const runbook *rb, const value *in)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "runbook", rb->id);
	value *sin = shown(in, p->red);
	cJSON_AddItemToObject(j, "inputs", v_to_cjson(sin));
	v_release(sin);
	char *key = plan_key(p, rb);
	if (key)
		cJSON_AddStringToObject(j, "concurrency_key", key);
	free(key);
	cJSON *decl = cJSON_AddObjectToObject(j, "declared_inputs");
	for (size_t i = 0; i < rb->ninputs; i++) {
		value *d = plan_render(rb->inputs[i].n, p->ctx, p->red);
		cJSON_AddItemToObject(decl, rb->inputs[i].name, v_to_cjson(d));
		v_release(d);
	}
	cJSON_AddStringToObject(j, "rollback", policy_names[rb->rollback_policy]);
	if (rb->on_in_doubt != DOUBT_UNSET)
		cJSON_AddStringToObject(j, "on_in_doubt", rb_keys.in_doubt[rb->on_in_doubt - 1]);
	if (rb->objectives) {
		value *o = plan_render(rb->objectives, p->ctx, p->red);
		cJSON_AddItemToObject(j, "objectives", v_to_cjson(o));
		v_release(o);
	}
	cJSON_AddItemToObject(j, "steps", p->jsteps);
	p->jsteps = NULL;
	return j;
}

/* the context plan renders rb in, with its inputs in *in: 0, or -1 with *err */
static int plan_open(plan_ctx *p, const runbook *rb, const input_args *ia, int json, value **in,
		     char **err)
{
	redactor *red = redactor_new();
	*in = inputs_resolve(rb, ia, red, 1, err);
	if (!*in) {
		redactor_free(red);
		return -1;
	}
	*p = (plan_ctx){ rb, v_obj(), red, json, json ? cJSON_CreateArray() : NULL, 0, 0 };
	plan_start(p, rb, *in);
	return 0;
}

static void plan_close(plan_ctx *p, value *in)
{
	expr_set_secret_sink(NULL, NULL);
	cJSON_Delete(p->jsteps);
	v_release(p->ctx);
	v_release(in);
	redactor_free(p->red);
}

cJSON *plan_build(const runbook *rb, const input_args *ia, char **err)
{
	plan_ctx p;
	value *in;
	if (plan_open(&p, rb, ia, 1, &in, err) < 0)
		return NULL;
	plan_phases(&p, rb);
	cJSON *j = plan_doc(&p, rb, in);
	plan_close(&p, in);
	return j;
}

/* print the plan of the loaded runbook rb; returns the exit code */
static int plan_print(const plan_args *a, runbook *rb)
{
	char *err = NULL;
	input_args ia = { a->inputs, a->ninputs, a->inputs_file, NULL };
	if (!strcmp(a->fmt, "json")) {
		cJSON *j = plan_build(rb, &ia, &err);
		char *s = j ? cJSON_Print(j) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		cJSON_Delete(j);
	} else {
		plan_ctx p;
		value *in;
		if (plan_open(&p, rb, &ia, 0, &in, &err) == 0) {
			plan_head(&p, rb, in);
			int nwrite = plan_phases(&p, rb);
			printf("\n%d write step%s; rollback: %s\n", nwrite, nwrite == 1 ? "" : "s",
			       policy_names[rb->rollback_policy]);
			plan_close(&p, in);
		}
	}
	if (err) {
		fprintf(stderr, "runbook plan: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int cmd_plan(const command *self, int argc, char **argv)
{
	plan_args a = { NULL, "text", xcalloc((size_t)argc + 1, sizeof(kv)), 0, NULL, 0 };
	opt_parser p;
	runbook *rb;
	int rc;
	opts_init(&p, self, argc, argv);
	if (plan_parse(&p, &a) == OPTS_EXIT)
		rc = p.rc;
	else if (!(rc = load_or_report("plan", a.file, a.no_color, &rb))) {
		rc = plan_print(&a, rb);
		runbook_free(rb);
	}
	for (size_t i = 0; i < a.ninputs; i++)
		free((char *)a.inputs[i].key);
	free(a.inputs);
	diag_forget_sources();
	return rc;
}

int cmd_graph(const command *self, int argc, char **argv)
{
	const char *file = NULL, *fmt = "dot";
	opt_parser p;
	int id;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_ARG && opts_one(&p, &file, "runbook") == OPTS_EXIT)
			id = OPTS_EXIT;
		if (id == OPTS_EXIT)
			return p.rc;
		if (id == O_FORMAT)
			fmt = p.val;
	}
	if (!file)
		return usage_error(self, "no runbook file given");
	int f;
	if (!strcmp(fmt, "dot"))
		f = GRAPH_DOT;
	else if (!strcmp(fmt, "mermaid"))
		f = GRAPH_MERMAID;
	else
		return usage_error(self, "unknown format '%s'", fmt);
	runbook *rb;
	if (load_or_report("graph", file, 0, &rb))
		return EXIT_USAGE;
	graph_print(stdout, rb, f);
	runbook_free(rb);
	diag_forget_sources();
	return EXIT_OK;
}
