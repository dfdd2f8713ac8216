/*
 * exec.c - the executor (see exec.h for the contract).
 *
 * One run_ctx per run.  It owns the transcript, the redactor, the
 * expression context (inputs, env, steps, run) and the connections.  A
 * step's life: step.start -> (`if` false: skipped) -> for each attempt:
 * render, call the primitive, judge `expect`, step.attempt -> outputs ->
 * step.end.  Write steps are announced with an fdatasync'ed transcript
 * line before they start, so the record always precedes the effect.
 */
#include "run/exec.h"
#include "run/ask.h"
#include "run/foreach.h"
#include "run/watch.h"
#include "lang/expr.h"
#include "lang/fragment.h"
#include "run/lock.h"
#include "lang/prim.h"
#include "base/clock.h"
#include "record/sign.h"
#include "base/term.h"
#include "record/events.h"
#include "record/transcript.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const mode_names[] = { "run", "dry-run", "drill" };

enum { ST_OK, ST_FAILED, ST_SKIPPED, ST_WOULD };
static const char *const status_names[] = { "ok", "failed", "skipped", "would-run" };

typedef struct conn_slot {
	void *h;
	const conn_kind *kind;
} conn_slot;

/*
 * The file whose steps are running: the runbook, or one call of a
 * fragment (`use:`).  A scope has its own `inputs`, `steps` and
 * connections; `env` and `run` are the run's.  Fragment scopes are made
 * by run_use(), kept until the run ends (their rollbacks may need them)
 * and own their values; the runbook's scope borrows run_ctx's.
 */
typedef struct scope {
	const runbook *rb;
	value *inputs, *steps;
	value *unreal;          /* a dry run: would-run steps whose effect is not there */
	conn_slot *conns;       /* rb->nconns slots */
	struct scope *next;     /* the run's fragment scopes */
	char *call;             /* runbook undo: the id of the use step it was made again for */
	/* the for-each item this scope runs in, or NULL: its `each` (events
	 * carry it); in the item's own scope (item_of: its step) templates
	 * see it, in a fragment the item calls they do not */
	value *each;
	const step *item_of;
	fe_item *fe;            /* while the item runs: where its end is recorded */
	int borrowed;           /* an item's scope: inputs, steps and connections are its step's */
	int kept;               /* a rollback may run in it (push_done) */
	int undo_replaced;      /* a call whose `use` step has its own rollback, or is one */
} scope;

/* a completed write step and the scope its rollback runs in */
typedef struct done_step {
	step *st;
	scope *sc;
	int doubt;              /* a failed for-each item: own_undo() decides its undo */
	int applied;            /* a failed `use` step whose fragment had completed writes */
} done_step;

typedef struct run_ctx {
	runbook *rb;
	const run_opts *o;
	transcript t;
	redactor *red;
	term term;
	value *inputs, *env, *steps, *run;
	conn_slot *conns;
	value *answers;                 /* --approve FILE (or park:FILE) */
	const char *answers_path;       /* that FILE */
	int park;                       /* --approve park:FILE: no answer parks the run */
	int parked;                     /* a step waits for its answer: the run stops here */
	const char *operator_name;
	scope top;                      /* the runbook's own scope */
	scope *frag_scopes;             /* every fragment call's scope */
	done_step *done;                /* completed write steps, in completion order */
	size_t ndone;
	const step *failed_step;        /* the step whose failure stopped the run */
	/* the innermost step that failed inside the last failing `use` step
	 * (or a `use` step with its own rollback): its undo runs first */
	done_step inner_failed;
	/* that failing `use` step had completed write sub-steps: it half-applied */
	int inner_applied;
	char *last_error;               /* the error of the last step that ended */
	int failed, aborted, rollback_incomplete, rolled_back;
	int counts[4];
	int64_t t0;
	int io_error;
	int interrupted;                /* a signal stopped the run */
	int do_rb;                      /* the rollback ran */
	/* held for the whole run (run_release) */
	char *op;                       /* the operator; operator_name points at it */
	char *tpath;                    /* the transcript's path */
	signer *sg;                     /* --sign-key, or NULL */
	int lock_fd;                    /* the run lock, -1 without one */
	char *key;                      /* the rendered concurrency-key, or NULL */
	pthread_t ticker;               /* the running clock, when ticking */
	int ticking;
	/* the guards and continuous probes (run/watch.c), in a scope of their
	 * own: the run's values, connections of their own */
	watch w;
	scope watch_sc;
	const step *stopped_by;         /* the guard or probe that stopped the run */
	char *stop_error;               /* the error of its last check */
} run_ctx;

/*
 * Threads (--parallel N): every thread that touches the run's state holds
 * g_lock; it is released only around the blocking part of a step (the
 * primitive's run, a batch, a sleep), so steps overlap where they wait and
 * never where they read or write the run's values, transcript or
 * terminal.  The scope running now (the runbook, or a fragment call) is
 * per thread.
 */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static _Thread_local scope *t_sc;

static volatile sig_atomic_t g_cancel;  /* stop the current step */
static volatile sig_atomic_t g_signal;  /* first signal received */
static volatile sig_atomic_t g_nsignals;
static volatile sig_atomic_t g_never;   /* the cancel flag rollback steps see */

static void on_signal(int sig)
{
	if (!g_signal)
		g_signal = sig;
	g_nsignals++;
	g_cancel = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;        /* no SA_RESTART: blocking calls return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* ---------- transcript helpers ---------- */

/*
 * Fault injection for the crash tests (tests/cases/resume): with
 * RUNBOOK_TEST_CRASH_AFTER=N the interpreter kills itself with SIGKILL
 * right after writing transcript event N -- the same as kill -9 at that
 * point, but at an exact place in the protocol.
 */
static long g_crash_after = -1;

/*
 * Every event carries the fields its row in events.h requires.  The
 * sanitizer build (make asan, where the whole suite runs) checks it at
 * each event and stops the run on a missing one, naming the event and the
 * field; -DRB_CHECK_EVENTS asks for it in any build.
 */
#if defined(__SANITIZE_ADDRESS__) && !defined(RB_CHECK_EVENTS)
#define RB_CHECK_EVENTS 1
#endif
#if defined(__has_feature) && !defined(RB_CHECK_EVENTS)
#if __has_feature(address_sanitizer)
#define RB_CHECK_EVENTS 1
#endif
#endif

static void check_event(event_id ev, const char *step_id, const char *phase, const cJSON *fields)
{
#ifdef RB_CHECK_EVENTS
	const char *missing = event_missing(ev, fields, step_id, phase);
	if (missing) {
		fprintf(stderr, "runbook: internal error: %s event without its required field '%s'\n",
			event_table[ev].name, missing);
		abort();
	}
#endif
}

static cJSON *vjson(run_ctx *rc, const value *v);

/* is this run of st one item of its for-each step (not the step's own run)? */
static int item_run(const step *st)
{
	return t_sc->item_of == st;
}

/* does st run for a for-each item (see with_item)? */
static int for_item(const step *st)
{
	return st && t_sc && t_sc->each && !(st->for_each && !item_run(st));
}

/* st's id on the terminal: "<id>[<index>]" when it runs for an item */
static const char *shown_id(const step *st)
{
	static _Thread_local char buf[160];
	if (!for_item(st))
		return st->id;
	snprintf(buf, sizeof buf, "%.120s[%.0f]", st->id, v_as_num(v_obj_get(t_sc->each, "index")));
	return buf;
}

/*
 * The events of a step that runs for a for-each item (the item itself, its
 * rollback, the steps of a fragment it calls) carry `item`: its index and
 * its value (redacted here; the writer keeps the field as it is).  The
 * for-each step's own events do not.
 */
static cJSON *with_item(run_ctx *rc, const step *st, cJSON *fields)
{
	if (!for_item(st))
		return fields;
	if (!fields)
		fields = cJSON_CreateObject();
	cJSON *it = cJSON_AddObjectToObject(fields, "item");
	cJSON_AddNumberToObject(it, "index", v_as_num(v_obj_get(t_sc->each, "index")));
	cJSON_AddItemToObject(it, "value", vjson(rc, v_obj_get(t_sc->each, "item")));
	return fields;
}

static void emit(run_ctx *rc, event_id ev, const step *st, const char *phase, cJSON *fields)
{
	fields = with_item(rc, st, fields);
	check_event(ev, st ? st->id : NULL, phase, fields);
	if (transcript_emit(&rc->t, ev, st ? st->id : NULL, phase, fields) < 0 && !rc->io_error) {
		rc->io_error = 1;
		term_line(&rc->term, "runbook: cannot write transcript %s: %s", rc->t.path,
			  strerror(errno));
	}
	if (g_crash_after > 0 && rc->t.seq == g_crash_after)
		kill(getpid(), SIGKILL);
}

/* a run-time value as an event field, redacted (transcript_value) */
static cJSON *vjson(run_ctx *rc, const value *v)
{
	return transcript_value(&rc->t, v);
}

/* inputs as an event field, the secret ones of rb masked */
static cJSON *inputs_json(const runbook *rb, const value *inputs)
{
	cJSON *in = v_to_cjson(inputs);
	for (size_t i = 0; i < rb->ninputs; i++)
		if (rb->inputs[i].type == IT_SECRET)
			cJSON_ReplaceItemInObject(in, rb->inputs[i].name, cJSON_CreateString(REDACT_MASK));
	return in;
}

/* ---------- the expression context ---------- */

static value *ctx_make(run_ctx *rc, value *result)
{
	value *c = v_obj();
	v_obj_set(c, "inputs", t_sc->inputs);
	v_obj_set(c, "env", rc->env);
	v_obj_set(c, "steps", t_sc->steps);
	v_obj_set(c, "run", rc->run);
	if (t_sc->item_of)
		v_obj_set(c, "each", t_sc->each);
	if (result)
		v_obj_set(c, "result", result);
	return c;
}

/* a step's id inside its own file: "x" for a fragment's step "u/x" */
static const char *local_id(const step *st)
{
	const char *slash = strrchr(st->id, '/');
	return slash ? slash + 1 : st->id;
}

/* the set of the for-each step whose own step.end this thread is writing */
static _Thread_local const fe_set *t_fe_end;

/* st's record in the `steps` context (an item's: in its set; a for-each
 * step's has its items too).  Its result only when a template of the
 * runbook may read it (the transcript has it anyway): a run is a stream
 * of steps, and what no later step reads is not held until the end. */
static void record_step(run_ctx *rc, const step *st, int status, value *outputs, value *result)
{
	if (item_run(st)) {
		fe_item_end(t_sc->fe, status_names[status], outputs, result);
		return;
	}
	if (!st->result_read && !t_sc->rb->results_all_read)
		result = NULL;
	value *s = v_obj();
	v_obj_set_take(s, "status", v_str(status_names[status]));
	v_obj_set_take(s, "outputs", outputs ? v_retain(outputs) : v_obj());
	v_obj_set_take(s, "result", result ? v_retain(result) : v_null());
	if (st->for_each && t_fe_end)
		v_obj_set_take(s, "items", fe_items_value(t_fe_end));
	v_obj_set_take(t_sc->steps, local_id(st), s);
}

/* ---------- connections ---------- */

static void *conn_for(run_ctx *rc, const step *st, value *args, int64_t timeout_ms,
		      const conn_def **cd, char **err)
{
	const char *name = arg_str(args, "connection");
	*cd = NULL;
	if (!name)
		return NULL;
	const runbook *rb = t_sc->rb;
	for (size_t i = 0; i < rb->nconns; i++) {
		const conn_def *d = &rb->conns[i];
		if (strcmp(d->name, name))
			continue;
		*cd = d;
		conn_slot *slot = &t_sc->conns[i];
		if (slot->h)
			return slot->h;
		slot->kind = conn_kind_find(d->kind);
		value *ctx = ctx_make(rc, NULL);
		value *spec = render_node(d->spec, ctx, err);
		v_release(ctx);
		if (!spec)
			return NULL;
		if (v_type(spec) == V_STR)
			redact_add_url_credentials(rc->red, v_as_str(spec));
		slot->h = slot->kind->open(spec, timeout_ms, &g_cancel, rc->red, err);
		v_release(spec);
		if (!slot->h && !*err)
			*err = xasprintf("cannot open connection '%s'", name);
		if (slot->h) {
			cJSON *f = cJSON_CreateObject();
			cJSON_AddStringToObject(f, "connection", name);
			cJSON_AddStringToObject(f, "kind", d->kind);
			emit(rc, EV_CONNECTION_OPEN, st, NULL, f);
		}
		return slot->h;
	}
	*err = xasprintf("unknown connection '%s'", name);
	return NULL;
}

static void scope_close(scope *sc)
{
	for (size_t i = 0; sc->conns && i < sc->rb->nconns; i++)
		if (sc->conns[i].h)
			sc->conns[i].kind->close(sc->conns[i].h);
}

/* close every connection and free the fragment scopes */
static void scopes_release(run_ctx *rc)
{
	if (rc->conns)
		scope_close(&rc->top);
	for (scope *sc = rc->frag_scopes, *next; sc; sc = next) {
		next = sc->next;
		if (sc->each)
			v_release(sc->each);
		if (sc->borrowed) {
			free(sc);
			continue;
		}
		scope_close(sc);
		free(sc->conns);
		v_release(sc->inputs);
		v_release(sc->steps);
		free(sc->call);
		v_release(sc->unreal);
		free(sc);
	}
	rc->frag_scopes = NULL;
}

/* ---------- approve, manual ---------- */

/*
 * --approve park:FILE, FILE without an answer for st: can the run stop
 * here and wait?  A step of the runbook's own phases, at its top: not
 * in a rollback, a fragment call or a for-each item (those fail, as
 * without an answer).
 */
static int can_park(const run_ctx *rc, const step *st, const char *phase)
{
	return t_sc == &rc->top && !item_run(st) && !st->owner && strcmp(phase, "rollback") &&
	       strcmp(phase, "cleanup") && st->id && !strchr(st->id, '/');
}

/*
 * The run parks on st: approve.wait records what it waits for (the
 * question or the instructions, redacted as the approve event is), and
 * the run stops as if its interpreter had died there: no step.end, no
 * rollback, no run.end; `runbook resume` asks FILE again.
 */
static void park(run_ctx *rc, const step *st, const char *phase, int manual, const char *text)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "kind", manual ? "manual" : "approve");
	cJSON_AddStringToObject(f, manual ? "instructions" : "question", text);
	if (manual) {
		cJSON *names = cJSON_AddArrayToObject(f, "fields");
		for (size_t i = 0; i < st->nfields; i++)
			cJSON_AddItemToArray(names, cJSON_CreateString(st->fields[i].name));
	}
	cJSON_AddStringToObject(f, "answers", rc->answers_path);
	emit(rc, EV_APPROVE_WAIT, st, phase, f);
	transcript_sync(&rc->t);
	rc->parked = 1;
}

/*
 * The approve and manual primitives: the operator answers (run/ask.h);
 * the answer is the result, and an approve or manual event records it
 * (a secret field masked).  Not approved, not confirmed: the step fails.
 */
static int do_ask(run_ctx *rc, const step *st, const char *phase, prim_call *c)
{
	asker k = { rc->answers_path ? rc->answers_path : rc->o->approve, rc->answers,
		    rc->operator_name, rc->red };
	int manual = (st->prim->flags & PF_MANUAL) != 0;
	const char *yes = manual ? "confirmed" : "approved";
	char *text = v_to_text(c->args);
	answer a;
	if (rc->park && !v_obj_get(rc->answers, st->id) && can_park(rc, st, phase)) {
		park(rc, st, phase, manual, text);
		c->error = xasprintf("waiting for an answer in %s", rc->answers_path);
		free(text);
		return -1;
	}
	if ((manual ? ask_manual(&k, st, text, &a, &c->error)
		    : ask_approval(&k, st, text, &a, &c->error)) < 0) {
		free(text);
		return -1;
	}
	c->result = v_obj();
	v_obj_set_take(c->result, yes, v_bool(a.yes));
	v_obj_set_take(c->result, "by", v_str(a.by));
	if (manual)
		v_obj_set(c->result, "fields", a.fields);
	v_obj_set_take(c->result, "comment", a.comment ? v_str(a.comment) : v_null());
	v_obj_set_take(c->result, "mode", v_str(a.mode));
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, manual ? "instructions" : "question", text);
	cJSON_AddBoolToObject(f, yes, a.yes);
	cJSON_AddStringToObject(f, "by", a.by);
	if (a.comment)
		cJSON_AddStringToObject(f, "comment", a.comment);
	else
		cJSON_AddNullToObject(f, "comment");
	if (manual) {
		value *masked = v_masked(a.fields, REDACT_MASK);
		cJSON_AddItemToObject(f, "fields", vjson(rc, masked));
		v_release(masked);
	}
	cJSON_AddStringToObject(f, "mode", a.mode);
	cJSON_AddStringToObject(f, "answered_at", a.answered_at);
	emit(rc, manual ? EV_MANUAL : EV_APPROVE, st, NULL, f);
	if (!a.yes)
		c->error = xasprintf("not %s by %s", yes, a.by);
	int ok = a.yes;
	answer_release(&a);
	free(text);
	return ok ? 0 : -1;
}

/* ---------- one step ---------- */

/* sleep without holding the run's lock; -1 when cancelled */
static int sleep_ms(int64_t ms, volatile sig_atomic_t *cancel)
{
	pthread_mutex_unlock(&g_lock);
	int r = sleep_cancellable(ms, cancel);
	pthread_mutex_lock(&g_lock);
	return r;
}

static value *render_extra(const step *st, const value *ctx, char **err)
{
	value *x = v_obj();
	const node *keys[3] = { st->env, st->cwd, st->stdin_ };
	const char *names[3] = { "env", "cwd", "stdin" };
	for (int i = 0; i < 3; i++) {
		if (!keys[i])
			continue;
		value *v = render_node(keys[i], ctx, err);
		if (!v) {
			v_release(x);
			return NULL;
		}
		v_obj_set_take(x, names[i], v);
	}
	return x;
}

/*
 * Prepare one call of a step's primitive: render the action and the
 * extra keys, open the connection (within timeout_ms, the attempt's).
 * Returns 0, or -1 with c->error set (the call is then already released).
 */
static int prepare_call(run_ctx *rc, const step *st, int64_t timeout_ms, int attempt,
			volatile sig_atomic_t *cancel, prim_call *c)
{
	memset(c, 0, sizeof *c);
	char *err = NULL;
	value *ctx = ctx_make(rc, NULL);
	value *args = render_node(st->action, ctx, &err);
	value *extra = args ? render_extra(st, ctx, &err) : NULL;
	v_release(ctx);
	if (!args || !extra) {
		c->error = xasprintf("%s:%d:%d: %s", st->action->file, st->action->line,
				     st->action->col, err ? err : "cannot render");
		free(err);
		if (args)
			v_release(args);
		return -1;
	}
	c->rb = rc->rb;
	c->st = st;
	c->args = args;
	c->extra = extra;
	c->timeout_ms = timeout_ms;
	c->attempt = attempt;
	c->cancel = cancel;
	c->red = rc->red;
	c->dry_run = rc->o->mode == MODE_DRY_RUN;
	if (st->prim->conn_kind) {
		c->conn = conn_for(rc, st, args, timeout_ms, &c->conn_def, &c->error);
		if (!c->conn && c->error) {
			v_release(c->args);
			v_release(c->extra);
			c->args = c->extra = NULL;
			return -1;
		}
	}
	return 0;
}

/* hand the call's outcome over and release what prepare_call made */
static int finish_call(prim_call *c, int r, value **result, char **err)
{
	*result = c->result;
	*err = c->error;
	if (r < 0 && !*err)
		*err = xstrdup("failed");
	if (c->args)
		v_release(c->args);
	if (c->extra)
		v_release(c->extra);
	return r;
}

typedef struct spawn_note {
	run_ctx *rc;
	const step *st;
	const char *phase;
	int attempt;
} spawn_note;

/*
 * A step's process has started: record it (step.spawn), so that `resume`
 * can end it if the interpreter dies.  step.start cannot hold it: it is
 * written (and fdatasync'ed for a write step) before the child exists.
 * A plain write, no fdatasync: the line is in the page cache the moment
 * write() returns, so it survives a kill -9 of the interpreter; a power
 * loss can lose it, but then no process survives either.  The child's
 * start time (clock ticks after boot) and the boot id tell a later
 * `resume` whether a live process with this pid is still the same one.
 */
static void on_spawn(void *ud, int pid, unsigned long long start_time)
{
	spawn_note *n = ud;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "attempt", n->attempt);
	cJSON_AddNumberToObject(f, "pid", pid);
	cJSON_AddNumberToObject(f, "pgid", pid);        /* it leads its own group */
	if (start_time)
		cJSON_AddNumberToObject(f, "start_time", (double)start_time);
	cJSON_AddStringToObject(f, "boot_id", boot_id());
	pthread_mutex_lock(&g_lock);
	emit(n->rc, EV_STEP_SPAWN, n->st, n->phase, f);
	pthread_mutex_unlock(&g_lock);
}

/* Call the primitive once: render, connect, run.  Fills *result / *err. */
static int call_prim(run_ctx *rc, const step *st, int64_t timeout_ms, const char *phase,
		     int attempt, volatile sig_atomic_t *cancel, value **result, char **err)
{
	prim_call c;
	spawn_note note = { rc, st, phase, attempt };
	int r = prepare_call(rc, st, timeout_ms, attempt, cancel, &c);
	c.on_spawn = on_spawn;
	c.spawn_ud = &note;
	if (r == 0 && (st->prim->flags & (PF_APPROVAL | PF_MANUAL)))
		r = do_ask(rc, st, phase, &c);
	else if (r == 0) {
		pthread_mutex_unlock(&g_lock);
		r = st->prim->run(&c);
		pthread_mutex_lock(&g_lock);
	}
	return finish_call(&c, r, result, err);
}

static cJSON *result_json(run_ctx *rc, const step *st, const value *result)
{
	if (!result)
		return cJSON_CreateNull();
	if (st->sensitive)
		return cJSON_CreateString(REDACT_MASK " (sensitive)");
	return vjson(rc, result);
}

/* the JSON of v, redacted, then cut to max bytes (never cut a secret) */
static char *quoted(const redactor *red, const value *v, size_t max)
{
	char *j = v_to_json(v);
	char *r = redact_str(red, j, strlen(j), NULL);
	free(j);
	if (strlen(r) > max)
		strcpy(r + max - 3, "...");
	return r;
}

static char *first_failed_matcher(const redactor *red, const value *recs)
{
	for (size_t i = 0; recs && i < v_len(recs); i++) {
		value *r = v_list_get(recs, i);
		if (v_truthy(v_obj_get(r, "ok")))
			continue;
		char *e = quoted(red, v_obj_get(r, "expected"), 200);
		char *a = quoted(red, v_obj_get(r, "actual"), 200);
		char *m = xasprintf("expected %s %s %s, got %s", v_as_str(v_obj_get(r, "path")),
				    v_as_str(v_obj_get(r, "op")), e, a);
		free(e);
		free(a);
		return m;
	}
	return NULL;
}

/*
 * A step's durations and counts for one run of it (an item of a
 * for-each step: one each): the literal ones of struct step, or those
 * given as ${{ }} rendered with the step's context when it starts.
 */
typedef struct step_dur {
	int64_t timeout_ms, every_ms, within_ms, delay_ms, max_delay_ms;
	int attempts;
	int64_t hold_ms;
} step_dur;

static int durations_templated(const step *st)
{
	const struct step_templated *t = &st->templated;
	return t->timeout || t->until_every || t->until_within || t->until_hold ||
	       t->retry_attempts || t->retry_delay || t->retry_max_delay;
}

/* the template n of `what` rendered as a duration (count: an attempts
 * count, 1 to 1000) into *out; -1 with *error naming the value and the
 * template's position */
static int templated_value(run_ctx *rc, const value *ctx, const node *n, const char *what,
			   int count, int64_t *out, char **error)
{
	char *err = NULL;
	value *v = render_node(n, ctx, &err);
	if (!v) {
		*error = xasprintf("%s:%d:%d: '%s': %s", n->file, n->line, n->col, what, err);
		free(err);
		return -1;
	}
	int ok;
	if (count) {
		double x = v_type(v) == V_NUM ? v_as_num(v) : -1;
		if (v_type(v) == V_STR && v_str_len(v) && strspn(v_as_str(v), "0123456789") == v_str_len(v))
			x = strtod(v_as_str(v), NULL);
		ok = x >= 1 && x <= 1000 && x == (double)(int64_t)x;
		*out = ok ? (int64_t)x : 0;
	} else
		ok = v_dur_of(v, out) == 0;
	if (!ok) {
		char *q = quoted(rc->red, v, 80);
		*error = xasprintf("%s:%d:%d: '%s' must be %s, got %s", n->file, n->line, n->col, what,
				   count ? "an int from 1 to 1000" : "a duration like 30s", q);
		free(q);
	}
	v_release(v);
	return ok ? 0 : -1;
}

/* Fill *d for a run of st; -1 with *error when a template's value is not
 * one (the step then fails without running). */
static int step_durations(run_ctx *rc, const step *st, step_dur *d, char **error)
{
	*d = (step_dur){ st->timeout_ms, st->until_every_ms, st->until_within_ms,
			 st->retry_delay_ms, st->retry_max_delay_ms, st->retry_attempts,
			 st->until_hold_ms };
	if (!durations_templated(st))
		return 0;
	const struct step_templated *t = &st->templated;
	const struct { const node *n; const char *what; int64_t *out; } late[] = {
		{ t->timeout, "timeout", &d->timeout_ms },
		{ t->until_every, "every", &d->every_ms },
		{ t->until_within, "within", &d->within_ms },
		{ t->until_hold, "hold", &d->hold_ms },
		{ t->retry_delay, "delay", &d->delay_ms },
		{ t->retry_max_delay, "max-delay", &d->max_delay_ms },
	};
	value *ctx = ctx_make(rc, NULL);
	int64_t attempts = d->attempts;
	int r = t->retry_attempts ? templated_value(rc, ctx, t->retry_attempts, "attempts", 1,
						    &attempts, error) : 0;
	for (size_t i = 0; r == 0 && i < sizeof late / sizeof late[0]; i++)
		if (late[i].n)
			r = templated_value(rc, ctx, late[i].n, late[i].what, 0, late[i].out, error);
	v_release(ctx);
	d->attempts = (int)attempts;
	return r;
}

static int judge(run_ctx *rc, const step *st, const char *phase, int attempt, int poll,
		 int r, value *result, value **recs, char **error);
static void register_conn_secrets(run_ctx *rc);
static int run_use(run_ctx *rc, const step *st, const char *phase,
		   volatile sig_atomic_t *cancel, value **result, char **error);
static int end_step(run_ctx *rc, const step *st, const char *phase, int64_t t0, int status,
		    int attempts, value *result, value *recs, char *error);
static int run_for_each(run_ctx *rc, const step *st, const char *phase,
			volatile sig_atomic_t *cancel, int64_t t0);

/* step.start's fields: what the step is (run_group adds `concurrent`) */
static cJSON *step_start_fields(const step *st)
{
	cJSON *f = cJSON_CreateObject();
	if (st->title)
		cJSON_AddStringToObject(f, "title", st->title);
	cJSON_AddStringToObject(f, "primitive", st->prim->name);
	cJSON_AddStringToObject(f, "effect", st->effect == EFFECT_WRITE ? "write" : "read");
	if (st->owner)
		cJSON_AddStringToObject(f, "rollback_of", st->owner->id);
	if (st->frag)
		cJSON_AddStringToObject(f, "fragment", st->frag->id);
	return f;
}

/*
 * Why a step did not run, for its step.end and its terminal line: `skip`
 * (if, needs, uses, dry-run), the step it names and that step's status
 * are structure; the reason an operator reads is a value.
 */
typedef struct not_run {
	const char *skip;
	char *need;             /* needs, uses: that step's id (malloc'd) */
	const char *need_status;
	char *reason;           /* malloc'd */
	/* a would-run step whose effect or values a dry run does not have:
	 * what needs it or uses its values is would-run too */
	int unreal;
} not_run;

/*
 * Does a need of st make it moot?  A need that failed does -- except in
 * rollback and cleanup (cancel is g_never), which always do all they
 * can, and after a failure its step declared harmless (on-failure:
 * continue).  A need skipped by its `if` does not block: conditional
 * steps are optional by design.  1 with *why set (st is skipped), else 0.
 */
static int need_blocks(const step *st, volatile sig_atomic_t *cancel, not_run *why)
{
	for (size_t i = 0; cancel != &g_never && i < st->needs.n; i++) {
		const step *need = st->needs.v[i];
		value *s = v_obj_get(t_sc->steps, local_id(need));
		const char *ss = s ? v_as_str(v_obj_get(s, "status")) : NULL;
		if (ss && !strcmp(ss, "failed") && need->on_failure == ONFAIL_CONTINUE)
			continue;
		if (!ss || !strcmp(ss, "failed")) {
			why->skip = "needs";
			why->need = xstrdup(need->id);
			why->need_status = ss ? "failed" : "not-run";
			why->reason = xasprintf("needs '%s' (%s)", need->id, ss ? ss : "not run");
			return 1;
		}
	}
	return 0;
}

/* "if: inputs.env == 'prod' -> false": the condition as written, and its value */
static char *if_reason(run_ctx *rc, const node *cond, const value *v)
{
	const char *s = cond->str;
	size_t n = cond->len;
	if (n >= 5 && !strncmp(s, "${{", 3) && !strncmp(s + n - 2, "}}", 2)) {
		s += 3;
		n -= 5;
	}
	while (n && strchr(" \t\n", *s))
		s++, n--;
	while (n && strchr(" \t\n", s[n - 1]))
		n--;
	char *val = quoted(rc->red, v, 200);
	char *r = xasprintf("if: %.*s -> %s", (int)n, s, val);
	free(val);
	return r;
}

/*
 * A step's `if`: 1 when the step is to run (no `if`, or a true one), 0
 * when it is skipped (*error: the condition and its value), -1 when the
 * condition cannot be evaluated (*error set).
 */
static void ref_each(void *ud, const char *root, const char *second, size_t off)
{
	*(int *)ud |= !strcmp(root, "each");
}

static int step_if(run_ctx *rc, const step *st, char **error)
{
	int per_item = 0;
	if (st->if_ && st->if_->cache && st->for_each && !item_run(st))
		tmpl_walk_refs(st->if_->cache, ref_each, &per_item);
	if (!st->if_ || per_item)
		return 1;       /* an `if` on `each` is decided for each item */
	value *ctx = ctx_make(rc, NULL);
	char *err = NULL;
	value *v = render_node(st->if_, ctx, &err);
	v_release(ctx);
	if (!v) {
		*error = xasprintf("if: %s", err);
		free(err);
		return -1;
	}
	int go = v_truthy(v);
	if (!go)
		*error = if_reason(rc, st->if_, v);
	v_release(v);
	return go;
}

/* ---------- dry run ---------- */

static void scan_refs(const node *n, expr_ref_cb cb, void *ud);

static int is_would_run(const value *s)
{
	const char *ss = s ? v_as_str(v_obj_get(s, "status")) : NULL;
	return ss && !strcmp(ss, status_names[ST_WOULD]);
}

/* the first would-run step of `steps` a template uses (its local id) */
typedef struct uses_scan {
	const value *steps;
	const char *hit;
} uses_scan;

static void ref_would_run(void *ud, const char *root, const char *second, size_t off)
{
	uses_scan *u = ud;
	(void)off;
	if (u->hit || strcmp(root, "steps"))
		return;
	if (second) {
		if (is_would_run(v_obj_get(u->steps, second)))
			u->hit = second;
		return;
	}
	/* `steps` as a whole, or steps[expression]: any would-run step */
	for (size_t i = 0; i < v_len(u->steps) && !u->hit; i++)
		if (is_would_run(v_obj_val(u->steps, i)))
			u->hit = v_obj_key(u->steps, i);
}

/*
 * The would-run step (its id, malloc'd) whose values st uses: in its
 * `if` (cond), or in what it does (its action, env, cwd, stdin, with,
 * expect, outputs).  NULL when none: a would-run step's outputs and
 * result are empty, so what st would do with them is not what a run does.
 */
static char *uses_would_run(const step *st, int cond)
{
	const node *keys[] = { st->action, st->env, st->cwd, st->stdin_, st->with, st->expect,
			       st->outputs };
	uses_scan u = { t_sc->steps, NULL };
	if (cond && st->if_)
		scan_refs(st->if_, ref_would_run, &u);
	for (size_t i = 0; !cond && i < sizeof keys / sizeof keys[0] && !u.hit; i++)
		if (keys[i])
			scan_refs(keys[i], ref_would_run, &u);
	if (!u.hit)
		return NULL;
	return xasprintf("%.*s%s", (int)(local_id(st) - st->id), st->id, u.hit);
}

/* the need of st whose effect a dry run does not have, or NULL */
static const step *unreal_need(const step *st)
{
	for (size_t i = 0; i < st->needs.n; i++)
		if (v_obj_get(t_sc->unreal, local_id(st->needs.v[i])))
			return st->needs.v[i];
	return NULL;
}

/* st uses the values of would-run step `used` (taken): *why says so */
static int why_uses(not_run *why, char *used, const char *where)
{
	why->skip = "uses";
	why->need = used;
	why->need_status = status_names[ST_WOULD];
	why->reason = xasprintf("%suses '%s' (would-run)", where, used);
	why->unreal = 1;
	return 1;
}

/* a dry run: st's `if` uses a would-run step's values (1, *why set) */
static int dry_if(const step *st, not_run *why)
{
	char *used = st->if_ ? uses_would_run(st, 1) : NULL;
	return used ? why_uses(why, used, "its if ") : 0;
}

/*
 * A dry run: the items of st's for-each come from a would-run step's
 * values, so they are not known: st is would-run as a whole (1, *why set).
 */
static int dry_items(const step *st, not_run *why)
{
	uses_scan u = { t_sc->steps, NULL };
	scan_refs(st->for_each, ref_would_run, &u);
	if (!u.hit)
		return 0;
	char *used = xasprintf("%.*s%s", (int)(local_id(st) - st->id), st->id, u.hit);
	return why_uses(why, used, "its for-each ");
}

/*
 * In a dry run, is st would-run (1, *why set) or run for real (0)?  A
 * write never runs; nor does a step that needs a step whose effect is
 * not there or uses the values of a would-run step (its inputs are not
 * real), nor one that says `dry-run: skip`.  Unless a read step says
 * `dry-run: run`, a primitive whose row says so (wait) and a verify step
 * of the runbook (it checks what the steps did) are would-run too.  A
 * `use` step is entered: its own steps decide.
 */
static int dry_why(const run_ctx *rc, const step *st, not_run *why)
{
	const step *need;
	char *used;
	why->skip = "dry-run";
	why->unreal = 1;
	if (st->effect == EFFECT_WRITE && !st->frag) {
		why->reason = xstrdup("a write step");
		return 1;
	}
	if ((need = unreal_need(st))) {
		why->skip = "needs";
		why->need = xstrdup(need->id);
		why->need_status = status_names[ST_WOULD];
		why->reason = xasprintf("needs '%s' (would-run)", need->id);
		return 1;
	}
	if ((used = uses_would_run(st, 0)))
		return why_uses(why, used, "");
	why->unreal = 0;
	if (st->dry_run == DRYRUN_SKIP)
		why->reason = xstrdup("dry-run: skip");
	else if (st->dry_run == DRYRUN_RUN)
		;
	else if (st->prim->dry_run_skip)
		why->reason = xstrdup(st->prim->dry_run_skip);
	else if (st->phase == PH_VERIFY && t_sc == &rc->top)
		why->reason = xstrdup("a verify step (dry-run: run runs it)");
	if (!why->reason)
		why->skip = NULL;
	return why->reason != NULL;
}

/*
 * A resumed dry run: which of the would-run steps it had recorded lack
 * their effect (the rules above, in each phase's order; a `use` step is
 * taken to lack it).
 */
static void dry_restore(run_ctx *rc)
{
	for (int ph = 0; ph < PH__COUNT; ph++)
		for (size_t i = 0; i < rc->rb->lists[ph].n; i++) {
			const step *st = rc->rb->lists[ph].v[i];
			char *used = NULL;
			if (is_would_run(v_obj_get(rc->steps, st->id)) &&
			    (st->effect == EFFECT_WRITE || st->frag || unreal_need(st) ||
			     (used = uses_would_run(st, 0)) || (used = uses_would_run(st, 1))))
				v_obj_set_take(rc->top.unreal, st->id, v_bool(1));
			free(used);
		}
}

/*
 * What a would-run step would have run: its rendered action (and env,
 * cwd, stdin), or NULL with *err when it cannot be rendered.
 */
static cJSON *would_run(run_ctx *rc, const step *st, char **err)
{
	value *ctx = ctx_make(rc, NULL);
	value *args = render_node(st->action, ctx, err);
	value *extra = args ? render_extra(st, ctx, err) : NULL;
	v_release(ctx);
	cJSON *w = NULL;
	if (extra) {
		w = cJSON_CreateObject();
		cJSON_AddItemToObject(w, "action", vjson(rc, args));
		if (v_len(extra))
			cJSON_AddItemToObject(w, "with", vjson(rc, extra));
	}
	if (args)
		v_release(args);
	if (extra)
		v_release(extra);
	return w;
}

/*
 * The end of a step that did not run: skipped (a need, its `if`) or
 * would-run (a dry run, with what it would have run).  step.end and the
 * terminal say why.  An action that cannot be rendered fails the step,
 * as it would in a run -- unless it uses a would-run step's values,
 * which a dry run does not have.  Consumes why.
 */
static int end_not_run(run_ctx *rc, const step *st, const char *phase, int64_t t0, int status,
		       not_run *why)
{
	cJSON *w = NULL;
	char *err = NULL, *used = NULL;
	/* a for-each step as a whole: each item is rendered, not the step */
	int items = st->for_each && !item_run(st);
	if (status == ST_WOULD && !items && !(w = would_run(rc, st, &err)) &&
	    !(used = uses_would_run(st, 0))) {
		free(why->need);
		free(why->reason);
		char *e = xasprintf("%s:%d:%d: %s", st->action->file, st->action->line,
				    st->action->col, err ? err : "cannot render");
		free(err);
		return end_step(rc, st, phase, t0, ST_FAILED, 0, NULL, NULL, e);
	}
	if (status == ST_WOULD && !w && !items) {
		w = cJSON_CreateObject();
		cJSON_AddStringToObject(w, "action", err ? err : "");
	}
	free(err);
	free(used);
	int64_t dur = now_ms() - t0;
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "status", status_names[status]);
	cJSON_AddNumberToObject(e, "duration_ms", (double)dur);
	if (w)
		cJSON_AddItemToObject(e, "would_run", w);
	cJSON_AddStringToObject(e, "skip", why->skip);
	if (why->need) {
		cJSON_AddStringToObject(e, "need", why->need);
		cJSON_AddStringToObject(e, "need_status", why->need_status);
	}
	cJSON_AddStringToObject(e, "reason", why->reason);
	emit(rc, EV_STEP_END, st, phase, e);
	record_step(rc, st, status, NULL, NULL);
	if (status == ST_WOULD && why->unreal)
		v_obj_set_take(t_sc->unreal, local_id(st), v_bool(1));
	rc->counts[status] += !item_run(st);
	term_step_end(&rc->term, shown_id(st), status_names[status], dur, 0, why->reason);
	free(rc->last_error);
	rc->last_error = why->reason;
	free(why->need);
	return status;
}

/*
 * until.hold: when the condition began to hold (-1: it does not hold
 * now), how long it has held at the last poll, and the longest it held.
 */
typedef struct poll_hold {
	int64_t since, held, best;
} poll_hold;

static int judge_held(run_ctx *rc, const step *st, const char *phase, int attempt, int poll,
		      int r, value *result, value **recs, char **error, poll_hold *h);

/* can the hold still be reached before the window closes at poll_end? */
static int hold_out_of_reach(const step_dur *d, const poll_hold *h, int64_t poll_end)
{
	if (!h)
		return 0;
	int64_t from = h->since >= 0 ? h->since : now_ms() + d->every_ms;
	return from + d->hold_ms > poll_end;
}

/* the error of a window that closed: polls, the hold reached, the last error (taken) */
static char *until_missed(const step_dur *d, int polls, const poll_hold *h, char *last)
{
	char w[32], hd[32], bd[32];
	char *e;
	dur_format(d->within_ms, w, sizeof w);
	if (h)
		e = xasprintf("condition did not hold for %s within %s (%d polls; it held %s at best)%s%s",
			      dur_format(d->hold_ms, hd, sizeof hd), w, polls,
			      dur_format(h->best, bd, sizeof bd), last ? ": " : "", last ? last : "");
	else
		e = xasprintf("condition not met within %s (%d polls): %s", w, polls, last ? last : "");
	free(last);
	return e;
}

/*
 * One attempt of a step: call the primitive and judge the result; with
 * `until`, poll (every until_every_ms) until the condition holds -- with
 * `hold`, until it has held that long without a failing poll -- the
 * window closes (or the hold can no longer be reached in it) or the run
 * is cancelled.  Returns ST_OK or ST_FAILED; *result, *recs and *error
 * are the last poll's (released first).
 */
static int run_attempt(run_ctx *rc, const step *st, const step_dur *d, const char *phase,
		       int attempt, volatile sig_atomic_t *cancel, value **result, value **recs,
		       char **error)
{
	int64_t poll_end = now_ms() + d->within_ms;
	poll_hold hold = { -1, 0, 0 };
	poll_hold *h = st->has_until && d->hold_ms > 0 ? &hold : NULL;
	int done = 0;
	for (int poll = 1;; poll++) {
		if (*result)
			v_release(*result);
		if (*recs)
			v_release(*recs);
		*result = *recs = NULL;
		free(*error);
		*error = NULL;
		int r = call_prim(rc, st, d->timeout_ms, phase, attempt, cancel, result, error);
		if (rc->parked)
			break;          /* waiting for an answer: no attempt to judge */
		int ok = judge_held(rc, st, phase, attempt, st->has_until ? poll : 0, r, *result, recs,
				    error, h);
		done = ok && (!h || h->held >= d->hold_ms);
		if (done || !st->has_until || *cancel)
			break;
		if (now_ms() + d->every_ms > poll_end || hold_out_of_reach(d, h, poll_end)) {
			*error = until_missed(d, poll, h, *error);
			break;
		}
		if (sleep_ms(d->every_ms, cancel) < 0)
			break;
	}
	return done ? ST_OK : ST_FAILED;
}

/*
 * The attempts of a step (`retry`: up to retry_attempts, the delay
 * growing by retry_backoff up to retry_max_delay_ms), until one passes
 * or the run is cancelled.  Returns the last attempt's status, its
 * number in *attempts.
 */
static int run_attempts(run_ctx *rc, const step *st, const char *phase,
			volatile sig_atomic_t *cancel, value **result, value **recs, char **error,
			int *attempts)
{
	int status = ST_OK;
	step_dur d;
	if (step_durations(rc, st, &d, error) < 0)
		return ST_FAILED;
	int64_t delay = d.delay_ms;
	for (int attempt = 1; attempt <= d.attempts; attempt++) {
		*attempts = attempt;
		status = run_attempt(rc, st, &d, phase, attempt, cancel, result, recs, error);
		if (status == ST_OK || *cancel || rc->parked || attempt == d.attempts)
			break;
		term_step_retry(&rc->term, shown_id(st), attempt, d.attempts, *error);
		if (sleep_ms(delay, cancel) < 0)
			break;
		delay = (int64_t)((double)delay * st->retry_backoff);
		if (d.max_delay_ms > 0 && delay > d.max_delay_ms)
			delay = d.max_delay_ms;
	}
	if (*cancel && status != ST_OK && !*error)
		*error = xstrdup("interrupted");
	return status;
}

/* the step the run parks on: no step.end (resume runs it again), a line */
static int park_step(run_ctx *rc, const step *st, value *result, value *recs, char *error)
{
	term_line(&rc->term, "  waiting: %s (%s)", shown_id(st), error ? error : "an answer");
	if (result)
		v_release(result);
	if (recs)
		v_release(recs);
	free(error);
	return ST_FAILED;
}

/*
 * Run one step in a phase: step.start, then (unless a need or its `if`
 * makes it moot, or a dry run does not run it) the fragment call of a
 * `use` step or its attempts; then end_step(), or end_not_run() for a
 * step that did not run.  cancel is the flag primitives poll: the run's
 * g_cancel, or g_never for rollback steps (a second Ctrl-C must not
 * abort a rollback).
 */
static int run_step(run_ctx *rc, const step *st, const char *phase, volatile sig_atomic_t *cancel)
{
	int64_t t0 = now_ms();
	int write = st->effect == EFFECT_WRITE, dry = rc->o->mode == MODE_DRY_RUN;
	emit(rc, EV_STEP_START, st, phase, step_start_fields(st));

	value *result = NULL, *recs = NULL;
	char *error = NULL;
	not_run why = { 0 };
	int status = ST_OK, attempts = 0, go;
	term_step_start(&rc->term, shown_id(st), st->title, st->prim->name, write);

	if (need_blocks(st, cancel, &why)) {
		status = ST_SKIPPED;
	} else if (dry && dry_if(st, &why)) {
		status = ST_WOULD;
	} else if ((go = step_if(rc, st, &error)) <= 0) {
		status = go < 0 ? ST_FAILED : ST_SKIPPED;
		if (!go) {
			why = (not_run){ "if", NULL, NULL, error, 0 };
			error = NULL;
		}
	} else if (st->for_each && !item_run(st)) {
		if (!(dry && dry_items(st, &why)))
			return run_for_each(rc, st, phase, cancel, t0);
		status = ST_WOULD;
	} else if (dry && dry_why(rc, st, &why)) {
		status = ST_WOULD;
	} else if (st->frag) {
		/* a fragment: its steps are the attempt; its outputs the result */
		status = run_use(rc, st, phase, cancel, &result, &error);
		attempts = 1;
		if (status == ST_WOULD)
			why = (not_run){ "dry-run", NULL, NULL,
					 xstrdup("a step of its fragment would run"), 1 };
		else if (!judge(rc, st, phase, 1, 0, status == ST_OK ? 0 : -1, result, &recs, &error))
			status = ST_FAILED;
	} else {
		if (write)
			transcript_sync(&rc->t);
		status = run_attempts(rc, st, phase, cancel, &result, &recs, &error, &attempts);
		if (status == ST_FAILED && *cancel && rc->stopped_by && !g_signal) {
			free(error);
			error = xasprintf("stopped: %s '%s' %s", rc->stopped_by->phase == PH_GUARD
					  ? "guard" : "probe", rc->stopped_by->id,
					  rc->stopped_by->phase == PH_GUARD ? "tripped" : "failed");
		}
	}
	if (rc->parked)
		return park_step(rc, st, result, recs, error);
	if (why.skip)
		return end_not_run(rc, st, phase, t0, status, &why);
	return end_step(rc, st, phase, t0, status, attempts, result, recs, error);
}

/*
 * Judge one attempt: the primitive's return r and its result against the
 * step's expect; records the step.attempt event.  Returns 1 when it holds.
 * *error is replaced by the reason when it does not.
 */
static int judge(run_ctx *rc, const step *st, const char *phase, int attempt, int poll,
		 int r, value *result, value **recs, char **error)
{
	return judge_held(rc, st, phase, attempt, poll, r, result, recs, error, NULL);
}

/* the primitive's return r and its result against st's expect: 1 when
 * it holds, else 0 (*error says why when the primitive did not) */
static int expect_holds(run_ctx *rc, const step *st, int r, value *result, value **recs,
			char **error)
{
	if (r != 0)
		return 0;
	value *ctx = ctx_make(rc, result);
	char *err = NULL;
	int e = expect_eval(st, result, ctx, recs, &err);
	v_release(ctx);
	if (e < 0) {
		*error = xasprintf("expect: %s", err);
		free(err);
	} else if (!e)
		*error = first_failed_matcher(rc->red, *recs);
	return e > 0;
}

/* judge(), and for until.hold (h) how long the condition has held (held_ms) */
static int judge_held(run_ctx *rc, const step *st, const char *phase, int attempt, int poll,
		      int r, value *result, value **recs, char **error, poll_hold *h)
{
	int ok = expect_holds(rc, st, r, result, recs, error);
	cJSON *a = cJSON_CreateObject();
	cJSON_AddNumberToObject(a, "attempt", attempt);
	if (poll)
		cJSON_AddNumberToObject(a, "poll", poll);
	cJSON_AddStringToObject(a, "status", ok ? "ok" : "failed");
	if (h) {
		int64_t t = now_ms();
		h->since = !ok ? -1 : h->since < 0 ? t : h->since;
		h->held = ok ? t - h->since : 0;
		if (h->held > h->best)
			h->best = h->held;
		cJSON_AddNumberToObject(a, "held_ms", (double)h->held);
	}
	if (*error)
		cJSON_AddStringToObject(a, "error", *error);
	/* a passing attempt's matchers are in step.end; a failing one's say
	 * why it was retried or polled again */
	if (!ok && *recs && v_len(*recs))
		cJSON_AddItemToObject(a, "matchers", st->sensitive ? cJSON_CreateString(REDACT_MASK)
								 : vjson(rc, *recs));
	emit(rc, EV_STEP_ATTEMPT, st, phase, a);
	return ok;
}

/*
 * The end of a step: its outputs (when it passed), the step.end record,
 * the `steps` context, the terminal line.  Consumes result, recs, error.
 */
static int end_step(run_ctx *rc, const step *st, const char *phase, int64_t t0, int status,
		    int attempts, value *result, value *recs, char *error)
{
	value *outputs = NULL;
	const fe_set *fe = st->for_each && !item_run(st) ? t_fe_end : NULL;
	if (fe)
		outputs = fe_outputs_value(fe); /* per item, in lists: the ok items' also when it failed */
	else if (status == ST_OK && st->frag && !st->outputs && result)
		outputs = v_retain(result);     /* steps.<use>.outputs: the fragment's */
	else if (status == ST_OK && st->outputs && st->outputs->kind == N_MAP) {
		value *ctx = ctx_make(rc, result);
		char *err = NULL;
		outputs = render_node(st->outputs, ctx, &err);
		v_release(ctx);
		if (!outputs) {
			status = ST_FAILED;
			free(error);
			error = xasprintf("outputs: %s", err);
			free(err);
		}
	}
	int64_t dur = now_ms() - t0;
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "status", status_names[status]);
	cJSON_AddNumberToObject(e, "duration_ms", (double)dur);
	if (attempts)
		cJSON_AddNumberToObject(e, "attempts", attempts);
	if (error)
		cJSON_AddStringToObject(e, status == ST_SKIPPED ? "reason" : "error", error);
	if (result)
		cJSON_AddItemToObject(e, "result", result_json(rc, st, result));
	if (recs && v_len(recs))
		cJSON_AddItemToObject(e, "matchers", st->sensitive ? cJSON_CreateString(REDACT_MASK) : vjson(rc, recs));
	if (outputs && v_len(outputs))
		cJSON_AddItemToObject(e, "outputs", st->sensitive ? cJSON_CreateString(REDACT_MASK) : vjson(rc, outputs));
	if (fe) {       /* a for-each step: how many items, and the limits they ran under */
		cJSON_AddNumberToObject(e, "items", (double)fe->n);
		cJSON_AddNumberToObject(e, "max_concurrency", (double)fe->max_concurrency);
		cJSON_AddNumberToObject(e, "max_errors", (double)fe->max_errors);
	}
	emit(rc, EV_STEP_END, st, phase, e);
	record_step(rc, st, status, outputs, result);
	rc->counts[status] += !item_run(st);
	term_step_end(&rc->term, shown_id(st), status_names[status], dur, attempts,
		      status == ST_FAILED ? error : NULL);
	value *shown = status == ST_OK && result && st->prim->terminal_field && !st->sensitive
		? v_obj_get(result, st->prim->terminal_field) : NULL;
	if (shown) {
		char *text = v_to_text(shown);
		term_step_text(&rc->term, text);
		free(text);
	}
	free(rc->last_error);
	rc->last_error = error ? xstrdup(error) : NULL;
	if (result)
		v_release(result);
	if (recs)
		v_release(recs);
	if (outputs)
		v_release(outputs);
	free(error);
	return status;
}

/* ---------- phases, rollback ---------- */

static void push_entry(run_ctx *rc, done_step d)
{
	if (d.st->for_each && !d.sc->item_of)
		return;         /* a for-each step is undone item by item */
	rc->done = xrealloc(rc->done, (rc->ndone + 1) * sizeof *rc->done);
	rc->done[rc->ndone++] = d;
	d.sc->kept = 1;
}

static void push_done(run_ctx *rc, step *st, scope *sc)
{
	push_entry(rc, (done_step){ st, sc, 0, 0 });
}

/*
 * Run a phase's steps in graph order.  Returns 0 when the phase passed,
 * -1 when a step failed with on-failure rollback/abort or the run was
 * interrupted.
 */
static int in_list(char *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], id))
			return 1;
	return 0;
}

/*
 * Run a `check:` probe once: its action and expect, recorded as a
 * step.check event (not a step.end: the step itself has not ended).
 * Returns ST_OK when the probe's expect holds.
 */
static int run_probe(run_ctx *rc, const step *probe, const char *phase)
{
	value *result = NULL, *recs = NULL;
	char *error = NULL;
	step_dur d;
	int ok = step_durations(rc, probe, &d, &error) == 0 &&
		 call_prim(rc, probe, d.timeout_ms, phase, 1, &g_cancel, &result, &error) == 0;
	if (ok) {
		value *ctx = ctx_make(rc, result);
		char *err = NULL;
		int e = expect_eval(probe, result, ctx, &recs, &err);
		v_release(ctx);
		if (e <= 0) {
			ok = 0;
			error = e < 0 ? err : first_failed_matcher(rc->red, recs);
			if (e == 0)
				free(err);
		}
	}
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "status", ok ? "ok" : "failed");
	if (error)
		cJSON_AddStringToObject(f, "error", error);
	if (result)
		cJSON_AddItemToObject(f, "result", result_json(rc, probe, result));
	if (recs && v_len(recs))
		cJSON_AddItemToObject(f, "matchers", vjson(rc, recs));
	emit(rc, EV_STEP_CHECK, probe, phase, f);
	if (result)
		v_release(result);
	if (recs)
		v_release(recs);
	free(error);
	return ok ? ST_OK : ST_FAILED;
}

int in_doubt_policy(const runbook *rb, const step *st, char *buf, size_t n)
{
	const step *from;
	int d = runbook_on_in_doubt(rb, st, &from);
	if (from)
		snprintf(buf, n, "on-in-doubt: %s, the policy of step '%s'", rb_keys.in_doubt[d - 1],
			 from->id);
	else
		snprintf(buf, n, "on-in-doubt: %s, the runbook's policy", rb_keys.in_doubt[d - 1]);
	return d;
}

/*
 * Resume: the step that was running when the interpreter died.  Returns
 * ST_OK when its effect is known to have happened (its `check:` probe
 * says so, or --in-doubt skip, or its on-in-doubt: skip), -1 when it must
 * run again.
 */
static int decide_in_doubt(run_ctx *rc, step *st, const char *phase)
{
	const resume_state *rs = rc->o->resume;
	const char *how, *by = NULL;
	char why[256];
	int rerun, d = rs->by_policy ? INDOUBT_ASK : rs->decision;
	if (st->idempotent) {
		how = "idempotent: re-run";
		rerun = 1;
	} else if (st->prim && (st->prim->flags & (PF_APPROVAL | PF_MANUAL))) {
		/* it waited for its answer (approve.wait), or died asking: asking
		 * again has no effect */
		how = "a question to the operator: asked again";
		rerun = 1;
	} else if (st->check_step && st->check_step->prim) {
		/* the probe reads whether the effect happened; it runs under the
		 * step's own id, its events marked by the step.in-doubt record */
		step probe = *st->check_step;
		probe.id = st->id;
		probe.needs.n = 0;
		int s = run_probe(rc, &probe, phase);
		rerun = s != ST_OK;
		how = rerun ? "check: not applied, re-run" : "check: already applied, not re-run";
	} else if (d != INDOUBT_ASK) {
		how = d == INDOUBT_RERUN ? "--in-doubt rerun" : "--in-doubt skip: assumed applied";
		rerun = d == INDOUBT_RERUN;
		by = "operator";
	} else {
		/* resume asks, or rolls back, before a park or a rollback comes here */
		rerun = in_doubt_policy(rc->rb, st, why, sizeof why - 20) == DOUBT_RERUN;
		if (!rerun)
			strcat(why, ": assumed applied");
		how = why;
		by = "runbook";
	}
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "decision", rerun ? "rerun" : "applied");
	cJSON_AddStringToObject(f, "why", how);
	if (by)
		cJSON_AddStringToObject(f, "decided_by", by);
	emit(rc, EV_STEP_IN_DOUBT, st, phase, f);
	term_line(&rc->term, "  in doubt: %s (%s)", shown_id(st), how);
	if (rerun)
		return -1;
	record_step(rc, st, ST_OK, NULL, NULL);
	if (st->effect == EFFECT_WRITE)
		push_done(rc, st, t_sc);
	return ST_OK;
}

/* ---------- concurrent read checks ---------- */

typedef struct refscan {
	char *const *ids;
	size_t n;
	int hit;
} refscan;

static void ref_in_group(void *ud, const char *root, const char *second, size_t off)
{
	refscan *r = ud;
	(void)off;
	if (strcmp(root, "steps") || !second)
		return;
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->ids[i], second))
			r->hit = 1;
}

/* cb for every reference in the templates of n */
static void scan_refs(const node *n, expr_ref_cb cb, void *ud)
{
	if (n->kind == N_SCALAR) {
		if (n->cache)
			tmpl_walk_refs(n->cache, cb, ud);
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		scan_refs(n->vals[i], cb, ud);
}

/*
 * May st join a group of checks that run at once?  Read steps of a
 * primitive with a batch runner (http), in checks, verify or symptoms,
 * with nothing that orders them: no `if`, `until`, retries or explicit
 * `needs`, and an action that does not use an earlier member's result.
 */
static int batchable(const run_ctx *rc, const step *st, int ph, const step *first,
		     char *const *ids, size_t n)
{
	if (!st->prim->run_batch || st->effect != EFFECT_READ || st->if_ || st->has_until || st->for_each ||
	    st->retry_attempts != 1 || st->needs_node || rc->o->resume || durations_templated(st))
		return 0;
	if (ph != PH_CHECKS && ph != PH_VERIFY && ph != PH_SYMPTOMS)
		return 0;
	if (first && first->prim != st->prim)
		return 0;
	if (rc->o->mode == MODE_DRY_RUN) {
		not_run w = { 0 };
		int would = dry_why(rc, st, &w);
		free(w.need);
		free(w.reason);
		if (would)
			return 0;       /* recorded on its own */
	}
	refscan r = { ids, n, 0 };
	scan_refs(st->action, ref_in_group, &r);
	return !r.hit;
}

/* Run n batchable steps concurrently; statuses[i] receives each status. */
static void run_group(run_ctx *rc, step *const *g, size_t n, const char *phase, int *statuses)
{
	prim_call *calls = xcalloc(n, sizeof *calls);
	prim_call **ready = xcalloc(n, sizeof *ready);
	int *prepared = xcalloc(n, sizeof(int));
	int64_t *t0 = xcalloc(n, sizeof(int64_t));
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		cJSON *f = step_start_fields(g[i]);     /* a read step, of no fragment */
		cJSON_AddNumberToObject(f, "concurrent", (double)n);
		t0[i] = now_ms();
		emit(rc, EV_STEP_START, g[i], phase, f);
		prepared[i] = prepare_call(rc, g[i], g[i]->timeout_ms, 1, &g_cancel, &calls[i]) == 0;
		if (prepared[i])
			ready[k++] = &calls[i];
	}
	if (k) {
		pthread_mutex_unlock(&g_lock);
		g[0]->prim->run_batch(ready, k);
		pthread_mutex_lock(&g_lock);
	}
	for (size_t i = 0; i < n; i++) {
		value *result = NULL, *recs = NULL;
		char *error = NULL;
		int r = calls[i].error || !prepared[i] ? -1 : 0;
		if (prepared[i])
			finish_call(&calls[i], r, &result, &error);
		else
			error = calls[i].error;
		int ok = judge(rc, g[i], phase, 1, 0, r, result, &recs, &error);
		statuses[i] = end_step(rc, g[i], phase, t0[i], ok ? ST_OK : ST_FAILED, 1, result,
				       recs, error);
	}
	free(calls);
	free(ready);
	free(prepared);
	free(t0);
}

/* after a step of a phase: 0 go on, -1 stop the phase */
static int after_step(run_ctx *rc, step *st, int s, int always)
{
	if (rc->parked)
		return -1;      /* nothing new starts; the run stops, not failed */
	if (s == ST_OK && st->effect == EFFECT_WRITE)
		push_done(rc, st, t_sc);
	if (s != ST_FAILED || always)
		return 0;
	if (g_cancel) {
		rc->failed_step = st;
		return -1;
	}
	if (st->on_failure == ONFAIL_CONTINUE) {
		rc->inner_failed.st = NULL;
		return 0;
	}
	rc->failed_step = st;
	rc->failed = 1;
	if (st->on_failure == ONFAIL_ABORT)
		rc->aborted = 1;
	return -1;
}

/* ---------- the running clock on a terminal ---------- */

static int g_tick_stop;         /* atomic: set by the main thread to end the ticker */

/*
 * Once a second, redraw the running step's line with its elapsed time.
 * trylock: the run's lock is free exactly while a step waits on its
 * primitive or a sleep, which is when there is a clock to show.
 */
static void *ticker_main(void *arg)
{
	term *t = arg;
	for (int n = 1; !__atomic_load_n(&g_tick_stop, __ATOMIC_ACQUIRE); n++) {
		struct timespec ts = { 0, 100 * 1000000L };
		nanosleep(&ts, NULL);
		if (n % 10 || pthread_mutex_trylock(&g_lock) != 0)
			continue;
		term_tick(t);
		pthread_mutex_unlock(&g_lock);
	}
	return NULL;
}

/* ---------- --parallel N ---------- */

/* where a step of a parallel phase is */
typedef enum job_state {
	JOB_WAITING,            /* not started: its needs or what it holds are busy */
	JOB_RUNNING,            /* on its thread */
	JOB_ENDED,              /* joined, after_step() done */
} job_state;

typedef struct job {
	run_ctx *rc;
	step *st;
	const char *phase;
	job_state state;
	int status;
	int finished;           /* set by the worker */
	pthread_t th;
} job;

static void *job_main(void *arg)
{
	job *j = arg;
	pthread_mutex_lock(&g_lock);
	t_sc = &j->rc->top;
	j->status = run_step(j->rc, j->st, j->phase, &g_cancel);
	j->finished = 1;
	pthread_cond_broadcast(&g_cond);
	pthread_mutex_unlock(&g_lock);
	return NULL;
}

/*
 * What a step holds exclusively while it runs: a postgres, redis or kafka
 * connection (one client each, not to be shared by two steps at once),
 * named by a literal `connection:`.  "*" for a step that must run alone:
 * a templated connection, a fragment call, an approval.  NULL: nothing.
 */
static const char *holds(const step *st)
{
	if (st->frag || (st->prim->flags & PF_RUNS_ALONE))
		return "*";
	if (!st->prim->conn_kind || (st->prim->flags & PF_SHARED_CONN))
		return NULL;
	const node *c = st->action && st->action->kind == N_MAP ? node_get(st->action, "connection") : NULL;
	if (!c || c->kind != N_SCALAR || c->cache)
		return "*";
	return c->str;
}

/*
 * Run a phase with up to N steps at once: a step starts when every step
 * it needs (in this phase) has ended, and no running step holds what it
 * holds.  Completion order decides the rollback order, as always.  After
 * a failure (or a signal) nothing new starts; the running steps finish.
 */
static int run_phase_parallel(run_ctx *rc, int ph)
{
	const steplist *l = &rc->rb->lists[ph];
	size_t n = l->n, running = 0, ended = 0;
	job *jobs = xcalloc(n, sizeof *jobs);
	int stop = 0;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	for (size_t i = 0; i < n; i++) {
		jobs[i].rc = rc;
		jobs[i].st = l->v[i];
		jobs[i].phase = phase_names[ph];
	}
	while (ended < n) {
		for (size_t i = 0; i < n; i++)
			if (jobs[i].state == JOB_RUNNING && jobs[i].finished) {
				pthread_join(jobs[i].th, NULL);
				jobs[i].state = JOB_ENDED;
				running--;
				ended++;
				if (after_step(rc, jobs[i].st, jobs[i].status, 0) < 0)
					stop = 1;
			}
		if (g_cancel)
			stop = 1;
		if (stop && !running)
			break;
		for (size_t i = 0; !stop && i < n && running < (size_t)rc->o->parallel; i++) {
			job *j = &jobs[i];
			if (j->state != JOB_WAITING)
				continue;
			int ready = 1;
			for (size_t k = 0; k < j->st->needs.n && ready; k++)
				for (size_t m = 0; m < n; m++)
					if (jobs[m].st == j->st->needs.v[k] && jobs[m].state != JOB_ENDED)
						ready = 0;
			const char *h = holds(j->st);
			for (size_t m = 0; m < n && ready; m++) {
				const char *o = jobs[m].state == JOB_RUNNING ? holds(jobs[m].st) : NULL;
				if (jobs[m].state == JOB_RUNNING && (!strcmp(h ? h : "", "*") || (o && !strcmp(o, "*")) ||
							   (h && o && !strcmp(h, o))))
					ready = 0;
			}
			if (!ready)
				continue;
			j->state = JOB_RUNNING;
			running++;
			/* signals stay with the main thread */
			pthread_sigmask(SIG_BLOCK, &block, &old);
			int e = pthread_create(&j->th, NULL, job_main, j);
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			if (e) {
				/* no thread to be had: run it here */
				j->status = run_step(rc, j->st, j->phase, &g_cancel);
				j->finished = 1;
				j->th = pthread_self();
				j->state = JOB_ENDED;
				running--;
				ended++;
				if (after_step(rc, j->st, j->status, 0) < 0)
					stop = 1;
			}
		}
		if (running)
			pthread_cond_wait(&g_cond, &g_lock);
		else if (ended < n && !stop)
			break;  /* nothing runs and nothing can start: cannot happen in graph order */
	}
	free(jobs);
	return stop ? -1 : 0;
}

static int run_phase(run_ctx *rc, int ph, int always)
{
	const steplist *l = &rc->rb->lists[ph];
	const resume_state *rs = rc->o->resume;
	if (!l->n)
		return 0;
	term_phase(&rc->term, phase_names[ph]);
	if (rc->o->parallel > 1 && !always && !rs)
		return run_phase_parallel(rc, ph);
	for (size_t i = 0; i < l->n; i++) {
		step *st = l->v[i];
		if (g_cancel && !always)
			return -1;
		if (rs && in_list(rs->finished, rs->nfinished, st->id))
			continue;       /* finished before the interruption: never again */
		if (rs && rs->in_doubt && !strcmp(rs->in_doubt, st->id) && !st->for_each &&
		    decide_in_doubt(rc, st, phase_names[ph]) == ST_OK)
			continue;
		/* a run of independent read checks goes out at once */
		size_t n = 0;
		char **ids = xcalloc(l->n - i + 1, sizeof(char *));
		while (i + n < l->n && !always &&
		       batchable(rc, l->v[i + n], ph, l->v[i], ids, n)) {
			ids[n] = (char *)l->v[i + n]->id;
			n++;
		}
		free(ids);
		if (n > 1) {
			int *statuses = xcalloc(n, sizeof(int));
			run_group(rc, &l->v[i], n, phase_names[ph], statuses);
			int stop = 0;
			for (size_t k = 0; k < n && !stop; k++)
				stop = after_step(rc, l->v[i + k], statuses[k], always) < 0;
			free(statuses);
			if (stop)
				return -1;
			i += n - 1;
			continue;
		}
		int s = run_step(rc, st, phase_names[ph], always ? &g_never : &g_cancel);
		if (after_step(rc, st, s, always) < 0)
			return -1;
	}
	return 0;
}

/* ---------- for-each (run/foreach.c schedules the items) ---------- */

/* what every item of one run of a for-each step shares */
typedef struct item_call {
	run_ctx *rc;
	step *st;
	const char *phase;
	volatile sig_atomic_t *cancel;
	scope *caller;          /* the scope the step runs in */
} item_call;

/* the scope of one item: the caller's, with the item's `each` */
static scope *item_scope(run_ctx *rc, const scope *caller, const step *st, value *each)
{
	scope *sc = xmalloc(sizeof *sc);
	*sc = *caller;
	sc->each = v_retain(each);
	sc->item_of = st;
	sc->fe = NULL;
	sc->borrowed = 1;
	sc->kept = 0;
	return sc;
}

/* a scope a rollback may run in: freed with the run */
static void keep_scope(run_ctx *rc, scope *sc)
{
	sc->next = rc->frag_scopes;
	rc->frag_scopes = sc;
}

/*
 * After a failed item of a write step: it is in doubt like any failed
 * step, so the rollback asks own_undo() about it -- or, for a `use` step,
 * about the step inside the fragment that failed (its undo first).
 */
static void push_failed_item(run_ctx *rc, step *st, scope *sc)
{
	done_step d = { st, sc, 1, 0 };
	if (st->frag && rc->inner_failed.st) {
		d = rc->inner_failed;
		d.doubt = 1;
		d.applied = rc->inner_applied;
	}
	rc->inner_failed.st = NULL;
	if (st->effect == EFFECT_WRITE && st->on_failure != ONFAIL_CONTINUE)
		push_entry(rc, d);
}

/*
 * One item, on its own thread or the caller's, g_lock held: its scope,
 * then (an item in doubt after a crash: unless decide_in_doubt says it
 * took effect) the step, as any step, with the item's `each`.  Returns
 * 1 when it failed.
 */
static int run_item(void *ud, fe_item *it)
{
	item_call *c = ud;
	run_ctx *rc = c->rc;
	scope *sc = item_scope(rc, c->caller, c->st, it->each);
	sc->fe = it;
	t_sc = sc;
	int s = it->in_doubt ? decide_in_doubt(rc, c->st, c->phase) : -1;
	if (s != ST_OK) {
		s = run_step(rc, c->st, c->phase, c->cancel);
		if (s == ST_OK && c->st->effect == EFFECT_WRITE && !sc->undo_replaced)
			push_done(rc, c->st, sc);
		else if (s == ST_FAILED && !sc->undo_replaced)
			push_failed_item(rc, c->st, sc);
		else if (s == ST_FAILED)
			rc->inner_failed.st = NULL;
	}
	sc->fe = NULL;
	t_sc = c->caller;
	if (sc->kept) {         /* a rollback may run in it */
		keep_scope(rc, sc);
	} else {
		v_release(sc->each);
		free(sc);
	}
	return s == ST_FAILED;
}

/* the ST_* of a status name */
static int status_of(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (name && !strcmp(name, status_names[i]))
			return i;
	return ST_FAILED;
}

/*
 * Resume: the items of st that ended before the interruption keep their
 * record and are never run again; those that had started are in doubt.
 * Items are known by their index: the list evaluates as it did.
 */
static void restore_items(run_ctx *rc, const step *st, fe_set *set)
{
	const resume_state *rs = rc->o->resume;
	value *rec = rs && rs->items ? v_obj_get(rs->items, st->id) : NULL;
	for (size_t i = 0; rec && i < v_len(rec); i++) {
		char *end;
		unsigned long k = strtoul(v_obj_key(rec, i), &end, 10);
		value *r = v_obj_val(rec, i);
		const char *status = v_as_str(v_obj_get(r, "status"));
		if (*end || k >= set->n || !status)
			continue;
		if (!strcmp(status, "started")) {
			set->v[k].in_doubt = 1;
			continue;
		}
		set->v[k].resumed = 1;
		fe_item_end(&set->v[k], status_names[status_of(status)], v_obj_get(r, "outputs"),
			    v_obj_get(r, "result"));
	}
}

/* how the items decide the step: its status, and *error */
static int items_status(const fe_set *set, volatile sig_atomic_t *cancel, char **error)
{
	size_t ended[4] = { 0 }, n = 0;
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].status) {
			ended[status_of(set->v[i].status)]++;
			n++;
		}
	if (set->failed > set->max_errors) {
		*error = xasprintf("%zu of %zu items failed (max-errors %zu)%s", set->failed, set->n,
				   set->max_errors, n < set->n ? "; the rest did not start" : "");
		return ST_FAILED;
	}
	if (n < set->n && *cancel) {
		*error = xstrdup("interrupted");
		return ST_FAILED;
	}
	if (set->n && ended[ST_SKIPPED] == set->n) {
		*error = xstrdup("every item was skipped");
		return ST_SKIPPED;
	}
	return ended[ST_WOULD] ? ST_WOULD : ST_OK;
}

/*
 * A for-each step: its items from the list (a value that is neither a
 * list nor an object fails the step with its type), run by fe_run()
 * within the step's limits -- one at a time on a connection one client
 * holds, or for an approval -- then the step's own step.end: its status
 * from the items, its result their counts, its outputs the per-item
 * lists, and steps.<id>.items.
 */
static int run_for_each(run_ctx *rc, const step *st, const char *phase,
			volatile sig_atomic_t *cancel, int64_t t0)
{
	char *err = NULL, *error = NULL;
	value *ctx = ctx_make(rc, NULL);
	value *list = render_node(st->for_each, ctx, &err);
	v_release(ctx);
	fe_set set;
	if (!list || fe_set_init(&set, st, list, &err) < 0) {
		error = xasprintf("%s:%d:%d: for-each: %s", st->for_each->file, st->for_each->line,
				  st->for_each->col, err ? err : "cannot render");
		free(err);
		if (list)
			v_release(list);
		return end_step(rc, st, phase, t0, ST_FAILED, 0, NULL, NULL, error);
	}
	v_release(list);
	restore_items(rc, st, &set);
	if (set.max_concurrency > 1 && !st->frag && holds(st))
		set.max_concurrency = 1;
	if (set.max_concurrency > 1)
		rc->term.live = 0;      /* lines of overlapping items cannot be rewritten */
	item_call c = { rc, (step *)st, phase, cancel, t_sc };
	fe_sched h = { &g_lock, &g_cond, cancel, run_item, &c };
	fe_run(&set, &h);
	int status = items_status(&set, cancel, &error);
	t_fe_end = &set;
	status = end_step(rc, st, phase, t0, status, 0, fe_counts_value(&set), NULL, error);
	t_fe_end = NULL;
	fe_set_release(&set);
	return status;
}

/* ---------- fragments (use:) ---------- */

/* a new scope for one call of fragment fr; takes inputs */
static scope *scope_new(run_ctx *rc, const runbook *fr, value *inputs)
{
	scope *sc = xcalloc(1, sizeof *sc);
	sc->rb = fr;
	sc->inputs = inputs;
	sc->steps = v_obj();
	sc->unreal = v_obj();
	sc->conns = xcalloc(fr->nconns + 1, sizeof(conn_slot));
	sc->next = rc->frag_scopes;
	rc->frag_scopes = sc;
	return sc;
}

/*
 * Run the fragment of `use` step st: render `with:` in the caller's
 * context, make the call's scope, run the fragment's steps in order as
 * sub-steps (ids "<st>/<step>", st's phase), then render its outputs in
 * its scope as *result.  Completed write sub-steps join the run's
 * rollback list, unless st has a rollback of its own, which replaces
 * theirs.  A sub-step failing with on-failure continue lets the fragment
 * go on; any other failure stops it, and st fails.  Returns ST_OK,
 * ST_FAILED (with *error) or, in a dry run where a write sub-step would
 * have run, ST_WOULD.
 */
static int run_use(run_ctx *rc, const step *st, const char *phase,
		   volatile sig_atomic_t *cancel, value **result, char **error)
{
	const runbook *fr = st->frag;
	scope *caller = t_sc;
	char *err = NULL;
	rc->inner_failed.st = NULL;
	rc->inner_applied = 0;
	value *ctx = ctx_make(rc, NULL);
	value *with = st->with ? render_node(st->with, ctx, &err) : v_obj();
	v_release(ctx);
	value *inputs = with ? fragment_inputs(fr, with, rc->red, &err) : NULL;
	if (with)
		v_release(with);
	if (!inputs) {
		*error = xasprintf("with: %s", err ? err : "cannot render");
		free(err);
		return ST_FAILED;
	}
	scope *sc = scope_new(rc, fr, inputs);
	sc->each = caller->each ? v_retain(caller->each) : NULL;    /* its events carry the item */
	sc->undo_replaced = st->rollback.n || !strcmp(phase, "rollback");
	/* the call's connection credentials are secrets before first use */
	t_sc = sc;
	register_conn_secrets(rc);
	t_sc = caller;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "fragment", fr->id);
	cJSON_AddStringToObject(f, "file", fr->path);
	cJSON_AddItemToObject(f, "inputs", inputs_json(fr, inputs));
	emit(rc, EV_FRAGMENT_START, st, phase, f);

	int rolling_back = !strcmp(phase, "rollback");
	int would = 0, wrote = 0;
	const step *failed = NULL;
	const steplist *l = &fr->lists[PH_STEPS];
	t_sc = sc;
	for (size_t i = 0; i < l->n && !failed; i++) {
		step *sub = l->v[i];
		if (*cancel) {
			failed = sub;
			*error = xstrdup("interrupted");
			break;
		}
		int s = run_step(rc, sub, phase, cancel);
		wrote |= s == ST_OK && sub->effect == EFFECT_WRITE;
		if (s == ST_WOULD)      /* the fragment did not do what it does */
			would |= v_obj_get(sc->unreal, local_id(sub)) != NULL;
		else if (s == ST_OK && sub->effect == EFFECT_WRITE && !st->rollback.n && !rolling_back)
			push_done(rc, sub, sc);
		else if (s == ST_FAILED && (*cancel || sub->on_failure != ONFAIL_CONTINUE)) {
			failed = sub;
			/* the innermost failure, unless a nested `use` recorded it */
			if (!sub->frag || !rc->inner_failed.st)
				rc->inner_failed = (done_step){ .st = sub, .sc = sc };
			*error = xasprintf("step '%s' of fragment '%s' failed: %s", local_id(sub),
					   fr->id, rc->last_error ? rc->last_error : "?");
		} else if (s == ST_FAILED)
			rc->inner_failed.st = NULL;
	}
	if (failed) {
		t_sc = caller;
		if (st->rollback.n) {
			rc->inner_failed = (done_step){ .st = (step *)st, .sc = caller };
			rc->inner_applied = wrote;
		}
		return ST_FAILED;
	}
	if (!would && fr->outputs && rc->o->mode == MODE_DRY_RUN) {
		uses_scan u = { sc->steps, NULL };
		scan_refs(fr->outputs, ref_would_run, &u);
		would = u.hit != NULL;  /* its outputs are not there */
	}
	if (would) {
		t_sc = caller;
		return ST_WOULD;
	}
	ctx = ctx_make(rc, NULL);
	*result = fr->outputs ? render_node(fr->outputs, ctx, &err) : v_obj();
	v_release(ctx);
	t_sc = caller;
	if (!*result) {
		*error = xasprintf("outputs of fragment '%s': %s", fr->id, err ? err : "cannot render");
		free(err);
		return ST_FAILED;
	}
	return ST_OK;
}

/*
 * Does the failed (or interrupted) step get its own undo?  A failed step
 * is in doubt, like one a crash interrupted: `kubectl rollout restart`
 * failing before it did anything would be "undone" by `rollout undo`,
 * which rolls back the previous good release.  So its undo runs only
 * when its `check:` probe says the effect happened, when it declares
 * `rollback-on-failure: true` (commands known to half-apply), or when the
 * operator of a resume said `--in-doubt rollback`; never for sql, whose
 * failed statement the database already rolled back.  *why says which.
 */
static int own_undo(run_ctx *rc, const done_step *fs, const char **why)
{
	const step *st = fs->st;
	const resume_state *rs = rc->o->resume;
	if (rs && rs->decision == INDOUBT_ROLLBACK) {
		*why = rs->by_policy && rs->policy_why ? rs->policy_why : "--in-doubt rollback";
		return 1;
	}
	if (st->prim && st->prim->failure_undone) {
		*why = st->prim->failure_undone;
		return 0;
	}
	if (st->rollback_on_failure) {
		*why = "rollback-on-failure: true";
		return 1;
	}
	if (st->frag && fs->applied) {
		*why = "its fragment had completed write steps when it failed";
		return 1;
	}
	if (st->check_step && st->check_step->prim) {
		step probe = *st->check_step;
		probe.id = st->id;
		probe.needs.n = 0;
		scope *was = t_sc;
		t_sc = fs->sc;
		int applied = run_probe(rc, &probe, "rollback") == ST_OK;
		t_sc = was;
		*why = applied ? "check: the effect happened" : "check: the effect did not happen";
		return applied;
	}
	*why = "in doubt: no check: says its effect happened, and no rollback-on-failure: true";
	return 0;
}

/* the index of the for-each item the current scope runs for, or -1 */
static long item_index(void)
{
	return t_sc->each ? (long)v_as_num(v_obj_get(t_sc->each, "index")) : -1;
}

/*
 * A failed for-each item is in doubt like any failed step: own_undo()
 * decides whether its undo runs, in its own scope; the decision goes in
 * rollback.start's items_in_doubt.  Returns 1 when it runs.
 */
static int item_undo(run_ctx *rc, const done_step *d, cJSON *doubts)
{
	const char *why = NULL;
	int own = own_undo(rc, d, &why);
	scope *was = t_sc;
	t_sc = d->sc;
	cJSON *x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "step", d->st->id);
	cJSON_AddNumberToObject(x, "index", (double)item_index());
	cJSON_AddStringToObject(x, "undo", own ? "run" : "skipped");
	cJSON_AddStringToObject(x, "why", why);
	cJSON_AddItemToArray(doubts, x);
	term_line(&rc->term, "  %s: its own undo %s (%s)", shown_id(d->st), own ? "runs" : "does not run",
		  why);
	t_sc = was;
	return own;
}

/* did rollback step rs end ok (for the current scope's item) before the interruption? */
static int rolled_before(const resume_state *res, const step *rs)
{
	long item = item_index();
	for (size_t i = 0; i < res->nrolled; i++)
		if (!strcmp(res->rolled[i], rs->id) &&
		    (res->rolled_items ? res->rolled_items[i] : -1) == item)
			return 1;
	return 0;
}

static void run_rollbacks(run_ctx *rc, const char *reason)
{
	/*
	 * When a `use` step failed, the step in doubt is the one inside the
	 * fragment that failed (or the `use` step itself when it has its own
	 * rollback).
	 */
	done_step *todo = NULL;
	size_t ntodo = 0;
	done_step fs = { .st = (step *)rc->failed_step, .sc = &rc->top };
	if (fs.st && fs.st->frag && !fs.st->for_each && rc->inner_failed.st) {
		fs = rc->inner_failed;
		fs.applied = rc->inner_applied;
	}
	const char *why = NULL;
	int own = 0;
	if (fs.st && !fs.st->for_each && fs.st->effect == EFFECT_WRITE && fs.st->rollback.n &&
	    (own = own_undo(rc, &fs, &why))) {
		todo = xrealloc(todo, (ntodo + 1) * sizeof *todo);
		todo[ntodo++] = fs;
	}
	cJSON *doubts = cJSON_CreateArray();
	for (size_t i = rc->ndone; i-- > 0;)
		if (rc->done[i].st->rollback.n &&
		    (!rc->done[i].doubt || item_undo(rc, &rc->done[i], doubts))) {
			todo = xrealloc(todo, (ntodo + 1) * sizeof *todo);
			todo[ntodo++] = rc->done[i];
		}
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "reason", reason);
	if (why) {
		cJSON_AddStringToObject(f, "failed_step", fs.st->id);
		cJSON_AddStringToObject(f, "failed_step_undo", own ? "run" : "skipped");
		cJSON_AddStringToObject(f, "failed_step_why", why);
		term_line(&rc->term, "  %s: its own undo %s (%s)", fs.st->id, own ? "runs" : "does not run", why);
	}
	if (cJSON_GetArraySize(doubts))
		cJSON_AddItemToObject(f, "items_in_doubt", doubts);
	else
		cJSON_Delete(doubts);
	cJSON *ids = cJSON_AddArrayToObject(f, "steps");
	for (size_t i = 0; i < ntodo; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(todo[i].st->id));
	emit(rc, EV_ROLLBACK_START, NULL, "rollback", f);
	if (ntodo)
		term_phase(&rc->term, "rollback");
	int nfailed = 0;
	cJSON *failed = cJSON_CreateArray();
	for (size_t i = 0; i < ntodo; i++) {
		const step *owner = todo[i].st;
		/* an undo sees the scope its step ran in (a fragment's inputs) */
		t_sc = todo[i].sc;
		for (size_t j = 0; j < owner->rollback.n; j++) {
			const step *rs = owner->rollback.v[j];
			const resume_state *res = rc->o->resume;
			if (res && rolled_before(res, rs))
				continue;       /* undone before the interruption */
			if (run_step(rc, rs, "rollback", &g_never) != ST_OK) {
				nfailed++;
				cJSON_AddItemToArray(failed, cJSON_CreateString(rs->id));
			}
		}
		t_sc = &rc->top;
	}
	rc->rolled_back = (int)ntodo;
	rc->rollback_incomplete = nfailed > 0;
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "status", nfailed ? "incomplete" : "complete");
	cJSON_AddNumberToObject(e, "rolled_back", (double)ntodo);
	cJSON_AddItemToObject(e, "failed", failed);
	emit(rc, EV_ROLLBACK_END, NULL, "rollback", e);
	free(todo);
}

/* ---------- guards and continuous probes (run/watch.c says when) ---------- */

static void watch_begin(void *ud)
{
	run_ctx *rc = ud;
	t_sc = &rc->watch_sc;
}

/* the watch's connections are closed on its own thread, which made them */
static void watch_end(void *ud)
{
	run_ctx *rc = ud;
	scope_close(&rc->watch_sc);
	memset(rc->watch_sc.conns, 0, rc->rb->nconns * sizeof(conn_slot));
	t_sc = NULL;
}

/* one check of a guard or probe: its action (timeout as for an attempt) against its expect */
static void watch_check_one(void *ud, const watch_item *w, volatile sig_atomic_t *cancel,
			    watch_check *c)
{
	run_ctx *rc = ud;
	const step *st = w->st;
	value *result = NULL;
	step_dur d;
	int64_t t0 = now_ms();
	int r = step_durations(rc, st, &d, &c->error);
	if (r == 0)
		r = call_prim(rc, st, d.timeout_ms, phase_names[st->phase], (int)w->checks + 1, cancel,
			      &result, &c->error);
	c->ok = expect_holds(rc, st, r, result, &c->recs, &c->error);
	c->duration_ms = now_ms() - t0;
	if (result)
		v_release(result);
}

/* guard.check, probe.check: the check's number, outcome, error and matchers */
static void watch_record(void *ud, const watch_item *w, const watch_check *c)
{
	run_ctx *rc = ud;
	const step *st = w->st;
	int guard = st->phase == PH_GUARD;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "n", (double)w->checks);
	cJSON_AddBoolToObject(f, "ok", c->ok);
	if (!guard) {
		cJSON_AddNumberToObject(f, "failures", w->in_a_row);
		cJSON_AddNumberToObject(f, "tolerance", st->tolerance);
	}
	if (c->error)
		cJSON_AddStringToObject(f, "error", c->error);
	if (c->recs && v_len(c->recs))
		cJSON_AddItemToObject(f, "matchers", st->sensitive ? cJSON_CreateString(REDACT_MASK)
								 : vjson(rc, c->recs));
	cJSON_AddNumberToObject(f, "duration_ms", (double)c->duration_ms);
	emit(rc, guard ? EV_GUARD_CHECK : EV_PROBE_CHECK, st, phase_names[st->phase], f);
	if (!c->ok && !guard && w->in_a_row <= st->tolerance)
		term_line(&rc->term, "  probe %s: check %ld failed (%d in a row, %d tolerated): %s",
			  st->id, w->checks, w->in_a_row, st->tolerance, c->error ? c->error : "");
}

/* a guard tripped, a probe failed: the run fails, what runs is cancelled */
static void watch_trip(void *ud, const watch_item *w, const watch_check *c)
{
	run_ctx *rc = ud;
	const step *st = w->st;
	int guard = st->phase == PH_GUARD;
	const char *error = c->error ? c->error : "failed";
	rc->failed = 1;
	rc->stopped_by = st;
	rc->stop_error = xstrdup(error);
	g_cancel = 1;
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "error", error);
	if (!guard) {
		cJSON_AddNumberToObject(f, "failures", w->in_a_row);
		cJSON_AddNumberToObject(f, "tolerance", st->tolerance);
	}
	emit(rc, guard ? EV_GUARD_TRIPPED : EV_PROBE_FAILED, st, phase_names[st->phase], f);
	if (guard)
		term_line(&rc->term, "guard %s tripped: %s: stopping the drill", st->id, error);
	else
		term_line(&rc->term, "probe %s failed %d checks in a row (tolerance %d): %s: stopping "
			  "the run", st->id, w->in_a_row, st->tolerance, error);
}

/*
 * The guards (in a drill) and the continuous probes, each checked every
 * `every` (a ${{ }} rendered now, over inputs, env and run), in a scope
 * of their own.  Returns 0, or -1 with *err when an `every` is not a
 * duration.
 */
static int watch_prepare(run_ctx *rc, char **err)
{
	const runbook *rb = rc->rb;
	watch_hooks h = { &g_lock, watch_begin, watch_end, watch_check_one, watch_record,
			  watch_trip, rc };
	watch_init(&rc->w, &h, rc->o->mode == MODE_DRILL);
	rc->watch_sc = (scope){ .rb = rb, .inputs = rc->inputs, .steps = rc->steps,
				.unreal = rc->top.unreal, .borrowed = 1,
				.conns = xcalloc(rb->nconns + 1, sizeof(conn_slot)) };
	for (int ph = PH_GUARD; ph <= PH_PROBES; ph++)
		for (size_t i = 0; i < rb->lists[ph].n; i++) {
			const step *st = rb->lists[ph].v[i];
			int64_t every = st->every_ms;
			if (ph == PH_GUARD && rc->o->mode != MODE_DRILL)
				continue;
			if (st->every_tmpl) {
				value *ctx = ctx_make(rc, NULL);
				int r = templated_value(rc, ctx, st->every_tmpl, "every", 0, &every, err);
				v_release(ctx);
				if (r < 0)
					return -1;
			}
			if (every <= 0) {
				*err = xasprintf("%s:%d:%d: 'every' must be longer than 0s",
						 st->every_tmpl->file, st->every_tmpl->line,
						 st->every_tmpl->col);
				return -1;
			}
			watch_add(&rc->w, st, every);
		}
	return 0;
}

/* ---------- secrets at run start ---------- */

/* values computed from secrets become secrets (expr_set_secret_sink) */
static void sink_derived(void *ud, const char *s, size_t n)
{
	redact_add_derived(ud, s, n);
}

/*
 * Register every connection's credentials before anything runs (a DSN
 * given through a plain input included), not when the connection is
 * first used: an error, a log line or a step's output may quote it
 * earlier.  A spec that needs run-time values (steps.*) is registered
 * when it is opened.
 */
static void register_conn_secrets(run_ctx *rc)
{
	const runbook *rb = t_sc->rb;   /* the runbook, or a fragment being called */
	for (size_t i = 0; i < rb->nconns; i++) {
		char *err = NULL;
		value *ctx = ctx_make(rc, NULL);
		value *spec = render_node(rb->conns[i].spec, ctx, &err);
		v_release(ctx);
		free(err);
		if (spec) {
			redact_add_conn_spec(rc->red, spec);
			v_release(spec);
		}
	}
}

/*
 * A child gets a secret only through its step's `env:`.  So the source
 * variable of every secret input (from: env:NAME), and any variable
 * whose value holds a secret (a DSN with its password...), leave the
 * interpreter's environment now; the `env` context keeps them, marked
 * secret, for templates.
 */
static void scrub_environment(run_ctx *rc)
{
	extern char **environ;
	size_t n = 0;
	for (char **e = environ; e && *e; e++)
		n++;
	char **names = xcalloc(n + rc->rb->ninputs + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < rc->rb->ninputs; i++) {
		const input_def *in = &rc->rb->inputs[i];
		if (in->type == IT_SECRET && in->from && !strncmp(in->from, "env:", 4))
			names[k++] = xstrdup(in->from + 4);
	}
	for (char **e = environ; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		if (eq && eq != *e && redact_contains(rc->red, eq + 1, strlen(eq + 1)))
			names[k++] = xstrndup(*e, (size_t)(eq - *e));
	}
	for (size_t i = 0; i < k; i++) {
		value *v = v_obj_get(rc->env, names[i]);
		if (v)
			v_obj_set_take(rc->env, names[i], v_secret(v_strn(v_as_str(v), v_str_len(v))));
		unsetenv(names[i]);
		free(names[i]);
	}
	free(names);
}

/* ---------- the run ---------- */

static char *default_transcript_path(const runbook *rb)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char ts[32];
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	for (int i = 0;; i++) {
		char *p = i ? xasprintf("transcripts/%s-%s-%d.jsonl", rb->id, ts, i)
			    : xasprintf("transcripts/%s-%s.jsonl", rb->id, ts);
		struct stat sb;
		if (stat(p, &sb) < 0)
			return p;
		free(p);
	}
}

/* this host's name ("localhost" when it has none), into host[256] */
static void host_name(char host[256])
{
	memset(host, 0, 256);
	strcpy(host, "localhost");
	gethostname(host, 255);
}

static char *operator_default(void)
{
	const char *u = getenv("USER");
	struct passwd *pw = NULL;
	if (!u || !*u) {
		pw = getpwuid(getuid());
		u = pw ? pw->pw_name : "unknown";
	}
	char host[256];
	host_name(host);
	return xasprintf("%s@%s", u, host);
}

/*
 * The run's context before anything else: the redactor, the terminal
 * and its running clock, the operator.  Takes g_lock (run_release lets
 * it go).
 */
static void run_init(run_ctx *rc, runbook *rb, const run_opts *o)
{
	memset(rc, 0, sizeof *rc);
	rc->rb = rb;
	rc->o = o;
	rc->lock_fd = -1;
	t_sc = &rc->top;
	pthread_mutex_lock(&g_lock);
	rc->top.rb = rb;
	rc->red = redactor_new();
	rc->t0 = now_ms();
	term_init(&rc->term, stdout, o->tty, o->color, o->quiet, rc->red);
	if (o->parallel > 1)
		rc->term.live = 0;      /* lines of overlapping steps cannot be rewritten */
	__atomic_store_n(&g_tick_stop, 0, __ATOMIC_RELEASE);
	if (rc->term.live && !o->quiet) {
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		rc->ticking = pthread_create(&rc->ticker, NULL, ticker_main, &rc->term) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	rc->op = o->operator_name ? xstrdup(o->operator_name) : operator_default();
	rc->operator_name = rc->op;
}

/* a start-up error: print it (err is freed), exit with code */
static int start_error(char *err, int code)
{
	fprintf(stderr, "runbook: %s\n", err);
	free(err);
	return code;
}

/* runbook undo: the run ended, and its writes are undone */
static int undoing(const run_ctx *rc)
{
	return rc->o->resume && rc->o->resume->undo;
}

/*
 * runbook undo: the scope of the fragment call `call` (a use step's id,
 * "u" or "u/v"), made again as run_use made it: its `with:` rendered in
 * its caller's scope, the call's steps back from the record.  NULL (said
 * on the terminal) when its inputs no longer render, or when the use step
 * has a rollback of its own, which replaces its steps' (*use: the step).
 */
static scope *undo_scope(run_ctx *rc, const char *call, const step **use)
{
	const char *slash = strrchr(call, '/');
	char *up = slash ? xstrndup(call, (size_t)(slash - call)) : NULL;
	const step *caller_use = NULL;
	scope *caller = up ? undo_scope(rc, up, &caller_use) : &rc->top;
	free(up);
	*use = caller ? runbook_find_step(rc->rb, call) : NULL;
	if (!*use || !(*use)->frag || (*use)->rollback.n)
		return NULL;
	for (scope *sc = rc->frag_scopes; sc; sc = sc->next)
		if (sc->call && !strcmp(sc->call, call))
			return sc;
	char *err = NULL;
	scope *was = t_sc;
	t_sc = caller;
	value *ctx = ctx_make(rc, NULL);
	value *with = (*use)->with ? render_node((*use)->with, ctx, &err) : v_obj();
	v_release(ctx);
	t_sc = was;
	value *inputs = with ? fragment_inputs((*use)->frag, with, rc->red, &err) : NULL;
	if (with)
		v_release(with);
	if (!inputs) {
		term_line(&rc->term, "  %s: its fragment's steps are not undone: with: %s", call,
			  err ? err : "cannot render");
		free(err);
		return NULL;
	}
	scope *sc = scope_new(rc, (*use)->frag, inputs);
	sc->call = xstrdup(call);
	size_t n = strlen(call);
	const value *rec = rc->o->resume->steps;
	for (size_t i = 0; rec && i < v_len(rec); i++) {
		const char *k = v_obj_key(rec, i);
		if (!strncmp(k, call, n) && k[n] == '/' && !strchr(k + n + 1, '/'))
			v_obj_set(sc->steps, k + n + 1, v_obj_val(rec, i));
	}
	return sc;
}

static void restore_item_done(run_ctx *rc, step *st, size_t k, fe_set *set, int in_doubt);

/*
 * runbook undo: the completed write steps in completion order, a
 * fragment's with the scope of its call made again (undo_scope).
 */
static void undo_restore(run_ctx *rc)
{
	const resume_state *rs = rc->o->resume;
	fe_set items = { 0 };
	for (size_t i = 0; i < rs->ndone; i++) {
		const char *id = rs->done_writes[i], *slash = strrchr(id, '/');
		step *st = runbook_find_step(rc->rb, id);
		long item = rs->done_items ? rs->done_items[i] : -1;
		if (st && !slash && item >= 0) {        /* a for-each item: in its own scope */
			restore_item_done(rc, st, (size_t)item, &items, 0);
			continue;
		}
		const step *use = NULL;
		char *call = slash && st ? xstrndup(id, (size_t)(slash - id)) : NULL;
		scope *sc = call ? undo_scope(rc, call, &use) : &rc->top;
		free(call);
		if (st && sc)
			push_done(rc, st, sc);
	}
	fe_set_release(&items);
}

/*
 * Resume: the run's `steps` context, its completed write steps (whose
 * rollbacks may still run) and the step whose failure stopped it, from
 * the transcript it continues.
 */
/*
 * Resume: item k of for-each step st had ended (or, in_doubt, started)
 * before the interruption: its scope again, from the list evaluated
 * anew (*set keeps the last step's items), and its entry in the rollback
 * list -- in doubt when it failed or never ended.
 */
static void restore_item_done(run_ctx *rc, step *st, size_t k, fe_set *set, int in_doubt)
{
	const resume_state *rs = rc->o->resume;
	if (set->st != st) {
		char *err = NULL;
		fe_set_release(set);
		value *ctx = ctx_make(rc, NULL);
		value *list = render_node(st->for_each, ctx, &err);
		v_release(ctx);
		if (!list || fe_set_init(set, st, list, &err) < 0)
			memset(set, 0, sizeof *set);
		free(err);
		if (list)
			v_release(list);
	}
	if (k >= set->n)
		return;         /* the list is not what it was: nothing to undo it with */
	char key[24];
	snprintf(key, sizeof key, "%zu", k);
	value *rec = rs->items ? v_obj_get(v_obj_get(rs->items, st->id), key) : NULL;
	const char *status = rec ? v_as_str(v_obj_get(rec, "status")) : NULL;
	scope *sc = item_scope(rc, &rc->top, st, set->v[k].each);
	keep_scope(rc, sc);
	push_entry(rc, (done_step){ st, sc, in_doubt || (status && !strcmp(status, "failed")), 0 });
}

/* resume, straight to the rollback: the items of the in-doubt step st that had started */
static void restore_items_in_doubt(run_ctx *rc, step *st)
{
	const resume_state *rs = rc->o->resume;
	value *rec = rs->items ? v_obj_get(rs->items, st->id) : NULL;
	fe_set set = { 0 };
	for (size_t i = 0; st->effect == EFFECT_WRITE && rec && i < v_len(rec); i++) {
		const char *status = v_as_str(v_obj_get(v_obj_val(rec, i), "status"));
		if (status && !strcmp(status, "started"))
			restore_item_done(rc, st, strtoul(v_obj_key(rec, i), NULL, 10), &set, 1);
	}
	fe_set_release(&set);
}

static void resume_restore(run_ctx *rc, const resume_state *rs)
{
	/* a fresh object: the executor mutates it as steps end */
	for (size_t i = 0; rs->steps && i < v_len(rs->steps); i++)
		v_obj_set(rc->steps, v_obj_key(rs->steps, i), v_obj_val(rs->steps, i));
	/* a fragment's steps ("u/x") are not resumed on their own: their
	 * scope (the call's inputs) is not in the transcript (an undo makes
	 * it again, once the run's values are there: undo_restore) */
	fe_set items = { 0 };
	for (size_t i = 0; i < rs->ndone && !rs->undo; i++) {
		step *st = strchr(rs->done_writes[i], '/') ? NULL
			: runbook_find_step(rc->rb, rs->done_writes[i]);
		long item = rs->done_items ? rs->done_items[i] : -1;
		if (st && item >= 0)
			restore_item_done(rc, st, (size_t)item, &items, 0);
		else if (st)
			push_done(rc, st, &rc->top);
	}
	fe_set_release(&items);
	if (rs->failed_step) {
		char *top = xstrndup(rs->failed_step, strcspn(rs->failed_step, "/"));
		rc->failed_step = runbook_find_step(rc->rb, top);
		free(top);
		rc->failed = !rs->undo;         /* an undo is not the run failing again */
	}
}

/*
 * --approve FILE or park:FILE: the answers into rc->answers (park: a FILE
 * that does not exist yet answers nothing).  0, or -1 with *err.
 */
static int answers_load(run_ctx *rc, char **err)
{
	const char *a = rc->o->approve;
	struct stat sb;
	if (!a || !strcmp(a, "auto"))
		return 0;
	rc->park = !strncmp(a, "park:", 5);
	rc->answers_path = rc->park ? a + 5 : a;
	if (rc->park && !*rc->answers_path) {
		*err = xstrdup("--approve park:FILE needs a FILE");
		return -1;
	}
	if (rc->park && stat(rc->answers_path, &sb) < 0 && errno == ENOENT) {
		rc->answers = v_obj();
		return 0;
	}
	rc->answers = load_owned_mapping(rc->answers_path,
		"an answers file is a mapping of step id: yes|no, {approved, comment, by} "
		"or {confirmed, comment, by, fields}", err);
	return rc->answers ? 0 : -1;
}

/*
 * The values a run starts with: its inputs, the --approve answers, env,
 * what a resumed run had done, the `run` context (a new run id in
 * run_id), the connections' slots and every secret, the environment
 * scrubbed of them.  Returns 0, or an exit code (the error printed).
 */
static int run_prepare(run_ctx *rc, char run_id[33])
{
	runbook *rb = rc->rb;
	const run_opts *o = rc->o;
	char *err = NULL;

	if (rb->fragment) {
		fprintf(stderr, "runbook: %s is a fragment: run it from a runbook's 'use:' step\n",
			rb->path);
		return EXIT_USAGE;
	}
	input_args ia = { o->inputs, o->ninputs, o->inputs_file,
			  o->resume ? o->resume->inputs : NULL };
	rc->inputs = inputs_resolve(rb, &ia, rc->red, 0, &err);
	if (!rc->inputs)
		return start_error(err, EXIT_USAGE);
	if (answers_load(rc, &err) < 0)
		return start_error(err, EXIT_USAGE);
	asker k = { rc->answers_path ? rc->answers_path : o->approve, rc->answers, NULL, rc->red };
	ask_register_secrets(&k, rb);
	rc->env = env_object();
	rc->steps = v_obj();
	run_id_new(run_id);
	rc->run = v_obj();
	v_obj_set_take(rc->run, "id", v_str(run_id));
	v_obj_set_take(rc->run, "mode", v_str(mode_names[o->mode]));
	v_obj_set_take(rc->run, "operator", v_str(rc->op));
	rc->conns = xcalloc(rb->nconns + 1, sizeof(conn_slot));
	rc->top.inputs = rc->inputs;
	rc->top.steps = rc->steps;
	rc->top.unreal = v_obj();
	rc->top.conns = rc->conns;
	expr_set_secret_sink(sink_derived, rc->red);
	register_conn_secrets(rc);
	scrub_environment(rc);
	if (o->resume)          /* a for-each item's undo needs the context */
		resume_restore(rc, o->resume);
	if (o->resume && o->mode == MODE_DRY_RUN)
		dry_restore(rc);
	if (undoing(rc))
		undo_restore(rc);
	else if (watch_prepare(rc, &err) < 0)
		return start_error(err, EXIT_USAGE);
	return 0;
}

/*
 * The run's concurrency key into rc->key (NULL without one): a resume's is
 * the one its run.start recorded, so that it takes the same lock whatever
 * the environment says now; a new run renders the runbook's.  A key that
 * renders empty or from a secret is an error.
 */
static int concurrency_key(run_ctx *rc, char **err)
{
	const node *n = rc->rb->concurrency_key;
	if (rc->o->resume) {
		const char *k = rc->o->resume->concurrency_key;
		rc->key = k ? xstrdup(k) : NULL;
		return 0;
	}
	if (!n)
		return 0;
	value *ctx = ctx_make(rc, NULL);
	value *v = render_node(n, ctx, err);
	v_release(ctx);
	if (!v)
		return -1;
	const char *s = v_type(v) == V_STR ? v_as_str(v) : NULL;
	if (!s || !*s)
		*err = xasprintf("%s:%d:%d: 'concurrency-key' rendered %s", n->file, n->line, n->col,
				 s ? "empty" : "a value that is not a string");
	else if (redact_contains(rc->red, s, strlen(s)))
		*err = xasprintf("%s:%d:%d: 'concurrency-key' contains a secret's value", n->file,
				 n->line, n->col);
	else
		rc->key = xstrdup(s);
	v_release(v);
	return rc->key ? 0 : -1;
}

/*
 * Where the run is recorded: the run lock (a dry run changes nothing and
 * takes none), the signer, and the transcript -- a new one, or for a
 * resume the one it continues, whose run id becomes the run's.  Returns
 * 0, or an exit code (the error printed).
 */
static int open_record(run_ctx *rc, char run_id[33])
{
	const runbook *rb = rc->rb;
	const run_opts *o = rc->o;
	char *err = NULL;
	int code = EXIT_OK;

	if (o->mode != MODE_DRY_RUN) {
		if (concurrency_key(rc, &err) < 0)
			return start_error(err, EXIT_USAGE);
		rc->lock_fd = run_lock_take(rb->id, rc->key, rc->op, &err, &code);
		if (rc->lock_fd < 0)
			return start_error(err, code);
	}
	if (o->sign_key && !(rc->sg = signer_new(o->sign_key, 0, &err)))
		return start_error(err, EXIT_USAGE);
	if (o->resume) {
		rc->tpath = xstrdup(o->resume->transcript);
		if (transcript_reopen(&rc->t, rc->tpath, rc->red, &err) < 0)
			return start_error(err, EXIT_USAGE);
		memcpy(run_id, rc->t.run_id, 33);
		run_id[32] = 0;
		v_obj_set_take(rc->run, "id", v_str(run_id));
	} else {
		rc->tpath = o->transcript_path ? xstrdup(o->transcript_path) : default_transcript_path(rb);
		if (transcript_open(&rc->t, rc->tpath, run_id, rc->red, &err) < 0)
			return start_error(err, EXIT_USAGE);
	}
	return 0;
}

/* run.start: what runs, with what, by whom, where */
static void emit_run_start(run_ctx *rc)
{
	const runbook *rb = rc->rb;
	char host[256];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "runbook", rb->id);
	if (rb->title)
		cJSON_AddStringToObject(f, "title", rb->title);
	if (rb->version)
		cJSON_AddStringToObject(f, "version", rb->version);
	cJSON_AddStringToObject(f, "file", rb->path);
	cJSON_AddStringToObject(f, "sha256", runbook_sha256(rb));
	cJSON_AddStringToObject(f, "mode", mode_names[rc->o->mode]);
	if (rc->key)
		cJSON_AddStringToObject(f, "concurrency_key", rc->key);
	cJSON_AddItemToObject(f, "inputs", inputs_json(rb, rc->inputs));
	if (rb->objectives) {
		char *oerr = NULL;
		value *ov = render_node(rb->objectives, NULL, &oerr);
		free(oerr);
		if (ov) {
			cJSON_AddItemToObject(f, "objectives", v_to_cjson(ov));
			v_release(ov);
		}
	}
	cJSON_AddStringToObject(f, "operator", rc->op);
	host_name(host);
	cJSON_AddStringToObject(f, "host", host);
	cJSON_AddNumberToObject(f, "pid", getpid());
	cJSON_AddStringToObject(f, "interpreter", "runbook " RUNBOOK_VERSION);
	emit(rc, EV_RUN_START, NULL, NULL, f);
}

/* run.resume: where the record continues, by whom, and what it does now */
static void emit_run_resume(run_ctx *rc)
{
	const resume_state *rs = rc->o->resume;
	char host[256];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "from_seq", (double)rs->from_seq);
	cJSON_AddNumberToObject(f, "torn_bytes", (double)transcript_torn_bytes(&rc->t));
	cJSON_AddStringToObject(f, "sha256", runbook_sha256(rc->rb));
	cJSON_AddStringToObject(f, "operator", rc->op);
	host_name(host);
	cJSON_AddStringToObject(f, "host", host);
	cJSON_AddNumberToObject(f, "pid", getpid());
	if (rs->in_doubt)
		cJSON_AddStringToObject(f, "in_doubt", rs->in_doubt);
	if (rs->in_doubt && rs->decided_by && rs->decision != INDOUBT_ASK) {
		static const char *const words[] = { [INDOUBT_RERUN] = "rerun", [INDOUBT_SKIP] = "skip",
						     [INDOUBT_ROLLBACK] = "rollback" };
		cJSON_AddStringToObject(f, "in_doubt_decision", words[rs->decision]);
		cJSON_AddStringToObject(f, "decided_by", rs->decided_by);
	}
	if (rs->reaped && v_len(rs->reaped))
		cJSON_AddItemToObject(f, "reaped", v_to_cjson(rs->reaped));
	cJSON_AddStringToObject(f, "action", rs->rollback_only ? "rollback"
				: rs->rolling_back || rs->failed_step ? "finish-rollback" : "continue");
	emit(rc, EV_RUN_RESUME, NULL, NULL, f);
}

/* run.undo: where the record continues, by whom (the run.end before it
 * is the run's own) */
static void emit_run_undo(run_ctx *rc)
{
	const resume_state *rs = rc->o->resume;
	char host[256];
	cJSON *f = cJSON_CreateObject();
	cJSON_AddNumberToObject(f, "from_seq", (double)rs->from_seq);
	cJSON_AddStringToObject(f, "sha256", runbook_sha256(rc->rb));
	cJSON_AddStringToObject(f, "operator", rc->op);
	host_name(host);
	cJSON_AddStringToObject(f, "host", host);
	cJSON_AddNumberToObject(f, "pid", getpid());
	if (rs->reaped && v_len(rs->reaped))
		cJSON_AddItemToObject(f, "reaped", v_to_cjson(rs->reaped));
	emit(rc, EV_RUN_UNDO, NULL, NULL, f);
}

/*
 * A resume of a run that was failing or rolling back goes straight to
 * the rollback (1); with --rollback the step in doubt may have
 * half-applied, so it is undone too; an undo runs no phase.  0: the
 * phases run.
 */
static int resume_stops(run_ctx *rc)
{
	const resume_state *rs = rc->o->resume;
	if (!rs)
		return 0;
	if (rs->undo)
		return 1;
	if (rs->rollback_only && rs->in_doubt) {
		char *top = xstrndup(rs->in_doubt, strcspn(rs->in_doubt, "/"));
		step *st = runbook_find_step(rc->rb, top);
		free(top);
		if (st && !rc->failed_step)
			rc->failed_step = st;
	}
	if (rs->rollback_only)
		rc->failed = 1;
	int stops = rs->rollback_only || rs->rolling_back || rs->failed_step;
	step *doubt = stops && rs->in_doubt ? runbook_find_step(rc->rb, rs->in_doubt) : NULL;
	if (doubt && doubt->for_each)
		restore_items_in_doubt(rc, doubt);
	return stops;
}

/*
 * The phases in order (a drill's inject and symptoms first), each
 * between phase.start and phase.end.  A phase whose steps all finished
 * before a resume is not entered again; after one that stopped the run
 * (or when stop is set) none is.
 */
static void run_phases(run_ctx *rc, int stop)
{
	static const int run_phases[] = { PH_CHECKS, PH_STEPS, PH_VERIFY };
	static const int drill_phases[] = { PH_INJECT, PH_SYMPTOMS, PH_CHECKS, PH_STEPS, PH_VERIFY };
	const resume_state *rs = rc->o->resume;
	const int *phases = rc->o->mode == MODE_DRILL ? drill_phases : run_phases;
	size_t nph = rc->o->mode == MODE_DRILL ? 5 : 3;
	for (size_t i = 0; i < nph && !stop; i++) {
		const steplist *pl = &rc->rb->lists[phases[i]];
		int todo = 0;
		for (size_t k = 0; k < pl->n; k++)
			todo += !rs || !in_list(rs->finished, rs->nfinished, pl->v[k]->id);
		if (!todo)
			continue;
		cJSON *pf = cJSON_CreateObject();
		cJSON_AddStringToObject(pf, "phase", phase_names[phases[i]]);
		emit(rc, EV_PHASE_START, NULL, phase_names[phases[i]], pf);
		int64_t pt0 = now_ms();
		watch_enter(&rc->w, phases[i]);
		if (run_phase(rc, phases[i], 0) < 0)
			stop = 1;
		if (rc->parked)
			break;          /* no phase.end: resume enters the phase again */
		cJSON *pe = cJSON_CreateObject();
		cJSON_AddStringToObject(pe, "phase", phase_names[phases[i]]);
		cJSON_AddStringToObject(pe, "status", stop ? "failed" : "ok");
		cJSON_AddNumberToObject(pe, "duration_ms", (double)(now_ms() - pt0));
		emit(rc, EV_PHASE_END, NULL, phase_names[phases[i]], pe);
	}
	watch_stop(&rc->w);
}

/* the signal that stopped the run: recorded, and said on the terminal */
static void record_signal(run_ctx *rc)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "signal", g_signal == SIGINT ? "SIGINT" : "SIGTERM");
	cJSON_AddNumberToObject(f, "number", g_signal);
	if (rc->failed_step)
		cJSON_AddStringToObject(f, "during", rc->failed_step->id);
	emit(rc, EV_SIGNAL, NULL, NULL, f);
	term_line(&rc->term, "interrupted by %s: rolling back", g_signal == SIGINT ? "SIGINT" : "SIGTERM");
}

/*
 * Does the rollback run, and why (*reason)?  By the runbook's policy:
 * on-failure after a failure or a signal, always, never -- except that
 * on-failure: abort is the step author's explicit word: it wins over
 * the runbook's rollback: always.
 */
/* why a run that failed rolls back: a signal, a guard, a probe, a step's failure */
static const char *failure_reason(const run_ctx *rc)
{
	if (rc->interrupted)
		return "signal";
	if (rc->stopped_by)
		return rc->stopped_by->phase == PH_GUARD ? "guard" : "probe";
	return "failure";
}

static int rollback_due(const run_ctx *rc, const char **reason)
{
	int failed = rc->failed || rc->interrupted;
	*reason = NULL;
	if (undoing(rc)) {
		*reason = "undo";
		return 1;
	}
	if (rc->aborted)
		return 0;
	if (rc->rb->rollback_policy == RBPOL_ALWAYS) {
		*reason = failed ? failure_reason(rc) : "always";
		return 1;
	}
	if (rc->rb->rollback_policy == RBPOL_ON_FAILURE && failed) {
		*reason = failure_reason(rc);
		return 1;
	}
	return 0;
}

/* did a guard stop the drill? */
static int guard_stopped(const run_ctx *rc)
{
	return rc->stopped_by && rc->stopped_by->phase == PH_GUARD;
}

/* the run's status (*status, for run.end) and its exit code */
static int run_outcome(const run_ctx *rc, const char **status)
{
	int code = EXIT_OK;
	*status = "ok";
	if (rc->interrupted) {
		*status = "interrupted";
		code = rc->rollback_incomplete ? EXIT_ROLLBACK_INCOMPLETE : EXIT_SIGNAL(g_signal);
	} else if (rc->failed && guard_stopped(rc)) {
		*status = "guard-tripped";
		code = rc->rollback_incomplete ? EXIT_ROLLBACK_INCOMPLETE : EXIT_GUARD_TRIPPED;
	} else if (rc->failed) {
		*status = rc->aborted ? "aborted" : "failed";
		code = rc->rollback_incomplete ? EXIT_ROLLBACK_INCOMPLETE : EXIT_FAILED;
	} else if (rc->rollback_incomplete) {
		code = EXIT_ROLLBACK_INCOMPLETE;
		*status = "rollback-incomplete";
	}
	if (rc->io_error && code == EXIT_OK)
		code = EXIT_FAILED;
	if (undoing(rc) && code == EXIT_OK)
		*status = "undone";
	return code;
}

/* run.end, the final signed checkpoint, and the transcript on disk */
static void emit_run_end(run_ctx *rc, const char *status, int code)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "status", status);
	cJSON_AddNumberToObject(f, "exit", code);
	cJSON_AddNumberToObject(f, "duration_ms", (double)(now_ms() - rc->t0));
	if (rc->failed_step && !undoing(rc))
		cJSON_AddStringToObject(f, "failed_step", rc->failed_step->id);
	if (rc->stopped_by)
		cJSON_AddStringToObject(f, guard_stopped(rc) ? "guard" : "probe", rc->stopped_by->id);
	cJSON_AddStringToObject(f, "rollback", rc->do_rb ? (rc->rollback_incomplete ? "incomplete" : "complete")
					       : (rc->aborted ? "skipped (on-failure: abort)" : "none"));
	cJSON *cnt = cJSON_AddObjectToObject(f, "counts");
	for (int i = 0; i < 4; i++)
		cJSON_AddNumberToObject(cnt, status_names[i], rc->counts[i]);
	if (g_nsignals > 1)
		cJSON_AddNumberToObject(f, "signals_ignored_during_rollback", g_nsignals - 1);
	emit(rc, EV_RUN_END, NULL, NULL, f);
	if (rc->sg && signer_finish(rc->sg, &rc->t) < 0)
		term_line(&rc->term, "runbook: cannot write the final signed checkpoint");
	transcript_sync(&rc->t);
}

/* the last lines on the terminal: the verdict, the counts, the transcript */
static void print_summary(run_ctx *rc, int code)
{
	char d[32];
	dur_format(now_ms() - rc->t0, d, sizeof d);
	const char *what = code == EXIT_OK ? (undoing(rc) ? "was undone" : "succeeded")
		: rc->interrupted ? "was interrupted" : rc->aborted ? "aborted"
		: guard_stopped(rc) ? "was aborted by its guard"
		: undoing(rc) ? "was not undone completely" : "failed";
	char would[48] = "";
	if (rc->counts[ST_WOULD] || rc->o->mode == MODE_DRY_RUN)
		snprintf(would, sizeof would, ", %d would run (dry run)", rc->counts[ST_WOULD]);
	term_line(&rc->term, "\n%s %s in %s: %d ok, %d failed, %d skipped%s%s",
		  rc->rb->id, what, d, rc->counts[ST_OK], rc->counts[ST_FAILED], rc->counts[ST_SKIPPED],
		  would, code == EXIT_OK && rc->counts[ST_FAILED] ? " (failures allowed by on-failure: continue)" : "");
	if (rc->failed_step && !undoing(rc))
		term_line(&rc->term, "failed step: %s", rc->failed_step->id);
	if (rc->stopped_by && !rc->interrupted) {
		/* the reason, where scripts and people look for one (values redacted) */
		char *e = redact_str(rc->red, rc->stop_error, strlen(rc->stop_error), NULL);
		if (guard_stopped(rc))
			fprintf(stderr, "runbook: drill aborted by guard '%s': %s\n", rc->stopped_by->id, e);
		else
			fprintf(stderr, "runbook: run failed: probe '%s' failed more than %d check%s in a "
				"row: %s\n", rc->stopped_by->id, rc->stopped_by->tolerance,
				rc->stopped_by->tolerance == 1 ? "" : "s", e);
		free(e);
	}
	if (rc->do_rb)
		term_line(&rc->term, "rollback %s (%d steps undone)",
			  rc->rollback_incomplete ? "INCOMPLETE" : "complete", rc->rolled_back);
	term_line(&rc->term, "transcript: %s", rc->tpath);
}

/*
 * The run, once it is recorded: run.start (or run.resume), the phases,
 * the signal that stopped them, the rollbacks, a drill's cleanup (always),
 * run.end and the summary.  Returns the exit code.
 */
/* the run parked on a step: the transcript on disk, without run.end */
static int run_parked(run_ctx *rc)
{
	transcript_sync(&rc->t);
	if (!rc->o->quiet)
		term_line(&rc->term, "waiting for an answer in %s; then: runbook resume %s --approve "
			  "%s", rc->answers_path, rc->tpath ? rc->tpath : "TRANSCRIPT", rc->o->approve);
	transcript_close(&rc->t);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return EXIT_WAITING;
}

static int run_recorded(run_ctx *rc)
{
	const run_opts *o = rc->o;
	const char *reason, *status;

	if (rc->sg)
		signer_attach(rc->sg, &rc->t);
	g_cancel = g_signal = g_nsignals = 0;
	{
		const char *ca = getenv("RUNBOOK_TEST_CRASH_AFTER");
		g_crash_after = ca && *ca ? atol(ca) : -1;
	}
	install_signals();
	if (undoing(rc))
		emit_run_undo(rc);
	else if (o->resume)
		emit_run_resume(rc);
	else
		emit_run_start(rc);
	if (!o->quiet)
		term_line(&rc->term, "%s%s: %s (%s)", undoing(rc) ? "undo " : o->resume ? "resume " : "",
			  mode_names[o->mode], rc->rb->id, rc->rb->title ? rc->rb->title : "");

	run_phases(rc, resume_stops(rc));
	if (rc->parked)
		return run_parked(rc);
	rc->interrupted = g_signal != 0;
	if (rc->stopped_by && !rc->interrupted)
		g_cancel = 0;   /* it cancelled the steps; the rollback and cleanup run as after a failure */
	if (rc->interrupted)
		record_signal(rc);
	rc->do_rb = rollback_due(rc, &reason);
	if (rc->do_rb)
		run_rollbacks(rc, reason);
	if (o->mode == MODE_DRILL && rc->rb->lists[PH_CLEANUP].n) {
		cJSON *pf = cJSON_CreateObject();
		cJSON_AddStringToObject(pf, "phase", "cleanup");
		emit(rc, EV_PHASE_START, NULL, "cleanup", pf);
		run_phase(rc, PH_CLEANUP, 1);
	}
	int code = run_outcome(rc, &status);
	emit_run_end(rc, status, code);
	print_summary(rc, code);
	transcript_close(&rc->t);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	return code;
}

/* Release everything the run held, and g_lock. */
static void run_release(run_ctx *rc)
{
	if (rc->ticking) {
		__atomic_store_n(&g_tick_stop, 1, __ATOMIC_RELEASE);
		pthread_join(rc->ticker, NULL);
	}
	free(rc->term.line);
	if (rc->lock_fd >= 0)
		close(rc->lock_fd);
	free(rc->key);
	signer_free(rc->sg);
	if (rc->watch_sc.conns) {
		free(rc->watch_sc.conns);
		watch_release(&rc->w);
	}
	free(rc->stop_error);
	scopes_release(rc);
	free(rc->conns);
	free(rc->done);
	free(rc->last_error);
	free(rc->tpath);
	free(rc->op);
	if (rc->inputs)
		v_release(rc->inputs);
	if (rc->env)
		v_release(rc->env);
	if (rc->steps)
		v_release(rc->steps);
	if (rc->top.unreal)
		v_release(rc->top.unreal);
	if (rc->run)
		v_release(rc->run);
	if (rc->answers)
		v_release(rc->answers);
	expr_set_secret_sink(NULL, NULL);
	redactor_free(rc->red);
	pthread_mutex_unlock(&g_lock);
}

/*
 * Run a runbook (see exec.h): prepare its values, open its record, run
 * it, release it all.  Returns the exit code.
 */
int run_runbook(runbook *rb, const run_opts *o)
{
	run_ctx rc;
	char run_id[33];
	int code;

	run_init(&rc, rb, o);
	code = run_prepare(&rc, run_id);
	if (!code)
		code = open_record(&rc, run_id);
	if (!code)
		code = run_recorded(&rc);
	run_release(&rc);
	return code;
}
