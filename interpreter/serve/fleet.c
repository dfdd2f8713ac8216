/*
 * fleet.c - one runbook over many targets (fleet.h).
 *
 * The scheduling is the for-each step's: targets start in list order, at
 * most max-concurrency at a time; each run that ends with a non-zero exit
 * is a failure, and once the failures exceed max-errors no new target
 * starts (those running finish), so at most max-errors + max-concurrency
 * targets fail.  Two targets with one concurrency key never run at once
 * (the second's run would find the lock taken): a target whose key is
 * running waits, and the next one in the list may start before it.
 * Each target is a child `runbook run` (serve/child.h): its
 * own process group, transcript and run lock, killed with SIGTERM (it rolls
 * back) when the fleet dies.
 */
#include "serve/fleet.h"
#include "serve/child.h"
#include "serve/promq.h"
#include "base/arena.h"
#include "base/clock.h"
#include "run/exitcode.h"
#include "run/foreach.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* the children running, by slot (0: free), for the signal handler */
static volatile pid_t *g_pid;
static size_t g_nslots;
static volatile sig_atomic_t g_signal;

static void on_signal(int sig)
{
	if (!g_signal)
		g_signal = sig;
	for (size_t i = 0; i < g_nslots; i++)
		if (g_pid[i] > 0)
			kill(-g_pid[i], SIGTERM);
}

typedef struct fleet {
	const fleet_cfg *c;
	fleet_target *t;
	size_t n, conc, errs;   /* targets; the limits, resolved */
	size_t *slot;           /* per slot: the target running there */
	FILE *log;              /* DIR/fleet.jsonl */
	long seq;
	size_t failed, ok;
	const char *stopped;    /* why no new target starts, or NULL */
	int64_t guard_next;     /* when the guard is asked next (now_ms) */
	int width;              /* digits of a target's number */
} fleet;

static double now_s(void)
{
	return (double)wall_ms() / 1000;
}

/* one line of DIR/fleet.jsonl: e gets seq and ts first, then is freed */
static void log_event(fleet *f, const char *event, cJSON *e)
{
	char ts[40];
	cJSON *line = cJSON_CreateObject();
	cJSON_AddNumberToObject(line, "seq", (double)++f->seq);
	cJSON_AddStringToObject(line, "ts", ts_now(ts, sizeof ts));
	cJSON_AddStringToObject(line, "event", event);
	for (cJSON *it = e ? e->child : NULL, *next; it; it = next) {
		next = it->next;
		cJSON_AddItemToObject(line, it->string, cJSON_DetachItemViaPointer(e, it));
	}
	cJSON_Delete(e);
	char *s = cJSON_PrintUnformatted(line);
	if (f->log && s) {
		fprintf(f->log, "%s\n", s);
		fflush(f->log);
	}
	free(s);
	cJSON_Delete(line);
}

static cJSON *target_event(size_t i)
{
	cJSON *e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "target", (double)(i + 1));
	return e;
}

/* the child's argv (malloc'd strings, NULL-ended) */
static char **child_argv(const fleet_cfg *c, const fleet_target *t)
{
	char **av = xcalloc(14 + 2 * t->ninput, sizeof *av);
	size_t n = 0;
	av[n++] = xstrdup(c->self);
	av[n++] = xstrdup("run");
	av[n++] = xstrdup(c->runbook);
	for (size_t i = 0; i < t->ninput; i++) {
		av[n++] = xstrdup("--input");
		av[n++] = xstrdup(t->input[i]);
	}
	av[n++] = xstrdup("--transcript");
	av[n++] = xstrdup(t->transcript);
	av[n++] = xstrdup("--no-color");
	if (c->quiet)
		av[n++] = xstrdup("--quiet");
	if (c->approve) {
		av[n++] = xstrdup("--approve");
		av[n++] = xstrdup(c->approve);
	}
	if (c->operator_name) {
		av[n++] = xstrdup("--operator");
		av[n++] = xstrdup(c->operator_name);
	}
	return av;
}

/*
 * Start target i in slot s: 0, or -1 (printed) when it could not start.
 * The signals that stop a fleet are blocked from fork() until the slot
 * holds the child, so that none misses the SIGTERM they pass on.
 */
static int start_target(fleet *f, size_t i, size_t s)
{
	fleet_target *t = &f->t[i];
	t->transcript = xasprintf("%s/%0*zu.jsonl", f->c->dir, f->width, i + 1);
	t->log = xasprintf("%s/%0*zu.log", f->c->dir, f->width, i + 1);
	int out = open(t->log, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		fprintf(stderr, "runbook fleet: %s: %s\n", t->log, strerror(errno));
		return -1;
	}
	char **av = child_argv(f->c, t);
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid_t pid = fork();
	if (pid == 0)
		child_exec(av, out, SIGTERM);
	if (pid > 0) {
		g_pid[s] = pid;
		f->slot[s] = i;
		t->started = now_s();
		t->status = "running";
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(out);
	for (char **a = av; *a; a++)
		free(*a);
	free(av);
	if (pid < 0) {
		fprintf(stderr, "runbook fleet: target %zu: cannot start: %s\n", i + 1, strerror(errno));
		return -1;
	}
	cJSON *e = target_event(i);
	cJSON_AddNumberToObject(e, "pid", pid);
	cJSON_AddStringToObject(e, "inputs", t->label);
	log_event(f, "target.start", e);
	return 0;
}

/* the child in slot s exited with wait status ws */
static void end_target(fleet *f, size_t s, int ws)
{
	fleet_target *t = &f->t[f->slot[s]];
	size_t i = f->slot[s];
	g_pid[s] = 0;
	t->ended = now_s();
	t->exit_code = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	t->status = child_run_status(t->exit_code, t->transcript);
	if (t->exit_code == EXIT_OK)
		f->ok++;
	else
		f->failed++;
	cJSON *e = target_event(i);
	cJSON_AddStringToObject(e, "status", t->status);
	cJSON_AddNumberToObject(e, "exit", t->exit_code);
	log_event(f, "target.end", e);
	if (t->exit_code == EXIT_OK && f->c->quiet)
		return;
	if (t->exit_code == EXIT_OK)
		printf("  [ok] %0*zu %s (%.1fs)\n", f->width, i + 1, t->label, t->ended - t->started);
	else
		printf("  [%s] %0*zu %s: exit %d (%.1fs), output: %s\n",
		       !strcmp(t->status, "failed") ? "FAILED" : t->status, f->width, i + 1, t->label,
		       t->exit_code, t->ended - t->started, t->log);
	fflush(stdout);
}

/* no new target starts from now on, for why (detail: more about it, or NULL) */
static void stop_new(fleet *f, const char *why, const char *detail)
{
	if (f->stopped)
		return;
	f->stopped = why;
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "reason", why);
	if (detail)
		cJSON_AddStringToObject(e, "detail", detail);
	cJSON_AddNumberToObject(e, "failed", (double)f->failed);
	log_event(f, "fleet.stop", e);
	if (!strcmp(why, "max-errors"))
		printf("fleet: %zu failure%s, more than max-errors %zu: no new target starts\n", f->failed,
		       f->failed == 1 ? "" : "s", f->errs);
	else if (detail)
		printf("fleet: %s (%s): no new target starts\n", why, detail);
	else if (g_signal)
		printf("fleet: %s: no new target starts; the running ones stop and roll back\n", why);
	else
		printf("fleet: %s: no new target starts\n", why);
	fflush(stdout);
}

/* Ask the guard (when it is due, or now: before a target starts): 1 when
 * it tripped (no new target starts).  A guard that cannot be asked trips
 * too: nothing starts unwatched. */
static int guard_tripped(fleet *f, int now_anyway)
{
	const fleet_cfg *c = f->c;
	if (!c->guard_query || f->stopped)
		return f->stopped != NULL;
	int64_t now = now_ms();
	if (!now_anyway && now < f->guard_next)
		return 0;
	f->guard_next = now + c->guard_every_ms;
	char *err = NULL, *detail;
	int n = 0;
	cJSON *d = promq_instant(c->prometheus, c->guard_query, 10000, &err);
	int holds = d ? promq_holds(d, &n) : 1;
	cJSON_Delete(d);
	if (holds) {
		detail = err ? xasprintf("%s: %s", c->guard_query, err)
			     : xasprintf("%s returned %d series", c->guard_query, n);
		stop_new(f, "guard", detail);
		free(detail);
	}
	free(err);
	return holds;
}

/* the slot of pid, or -1 */
static long slot_of(const fleet *f, pid_t pid)
{
	for (size_t s = 0; s < f->conc; s++)
		if (g_pid[s] == pid)
			return (long)s;
	return -1;
}

/* is key the key of a target running now? */
static int key_running(const fleet *f, const char *key)
{
	for (size_t s = 0; s < f->conc; s++)
		if (g_pid[s] > 0 && !strcmp(f->t[f->slot[s]].key, key))
			return 1;
	return 0;
}

/* the first target not yet started whose key is free, from *first (the
 * first not started, moved on), or n */
static size_t next_target(const fleet *f, size_t *first)
{
	while (*first < f->n && strcmp(f->t[*first].status, "not-started"))
		(*first)++;
	for (size_t i = *first; i < f->n; i++)
		if (!strcmp(f->t[i].status, "not-started") && !key_running(f, f->t[i].key))
			return i;
	return f->n;
}

/* into free slots, the targets the limits and the keys allow: how many started */
static size_t start_some(fleet *f, size_t *first, size_t running)
{
	size_t started = 0;
	for (size_t s = 0; s < f->conc && running + started < f->conc && !f->stopped && !g_signal; s++) {
		if (g_pid[s])
			continue;
		size_t i = next_target(f, first);
		if (i == f->n || guard_tripped(f, 1))
			break;
		if (start_target(f, i, s) < 0) {
			f->t[i].status = "failed";
			f->failed++;
			stop_new(f, "a target could not start", NULL);
			break;
		}
		started++;
	}
	return started;
}

/* start what the limits allow, wait for one child, until none is left */
static void schedule(fleet *f)
{
	size_t first = 0, running = 0;
	for (;;) {
		running += start_some(f, &first, running);
		if (g_signal)
			stop_new(f, g_signal == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)", NULL);
		if (!running)
			return;
		int ws;
		/* with a guard, the wait is a poll: the guard is asked meanwhile */
		pid_t pid = waitpid(-1, &ws, f->c->guard_query ? WNOHANG : 0);
		if (pid == 0) {
			usleep(20 * 1000);
			guard_tripped(f, 0);
			continue;
		}
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return;         /* no child left (cannot happen with running > 0) */
		long s = slot_of(f, pid);
		if (s < 0)
			continue;
		end_target(f, (size_t)s, ws);
		running--;
		if (f->failed > f->errs)
			stop_new(f, "max-errors", NULL);
	}
}

/* DIR/fleet.json: the limits, the counts and every target's outcome */
static void write_report(const fleet *f, int code)
{
	cJSON *r = cJSON_CreateObject(), *a;
	cJSON_AddStringToObject(r, "runbook", f->c->runbook);
	cJSON_AddNumberToObject(r, "targets", (double)f->n);
	cJSON_AddNumberToObject(r, "max_concurrency", (double)f->conc);
	cJSON_AddNumberToObject(r, "max_errors", (double)f->errs);
	cJSON_AddNumberToObject(r, "ok", (double)f->ok);
	cJSON_AddNumberToObject(r, "failed", (double)f->failed);
	cJSON_AddNumberToObject(r, "not_started", (double)(f->n - f->ok - f->failed));
	if (f->stopped)
		cJSON_AddStringToObject(r, "stopped", f->stopped);
	else
		cJSON_AddNullToObject(r, "stopped");
	cJSON_AddNumberToObject(r, "exit", code);
	a = cJSON_AddArrayToObject(r, "results");
	for (size_t i = 0; i < f->n; i++) {
		const fleet_target *t = &f->t[i];
		cJSON *o = target_event(i);
		cJSON_AddStringToObject(o, "inputs", t->label);
		cJSON_AddStringToObject(o, "status", t->status);
		cJSON_AddNumberToObject(o, "exit", t->exit_code);
		if (t->started) {
			cJSON_AddStringToObject(o, "transcript", t->transcript);
			cJSON_AddStringToObject(o, "log", t->log);
			cJSON_AddNumberToObject(o, "started", t->started);
			cJSON_AddNumberToObject(o, "ended", t->ended);
		}
		cJSON_AddItemToArray(a, o);
	}
	char *s = cJSON_Print(r), *path = xasprintf("%s/fleet.json", f->c->dir);
	FILE *out = fopen(path, "wxe");
	if (!out || fprintf(out, "%s\n", s) < 0 || fclose(out) != 0)
		fprintf(stderr, "runbook fleet: cannot write %s: %s\n", path, strerror(errno));
	free(path);
	free(s);
	cJSON_Delete(r);
}

static int exit_code_of(const fleet *f)
{
	if (g_signal)
		return EXIT_SIGNAL(g_signal);
	for (size_t i = 0; i < f->n; i++)
		if (f->t[i].exit_code == EXIT_ROLLBACK_INCOMPLETE)
			return EXIT_ROLLBACK_INCOMPLETE;
	return f->ok == f->n ? EXIT_OK : EXIT_FAILED;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* how many different keys the targets have */
static size_t distinct_keys(const fleet_target *t, size_t n)
{
	char **k = xcalloc(n, sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[i] = t[i].key;
	qsort(k, n, sizeof *k, by_str);
	size_t d = 0;
	for (size_t i = 0; i < n; i++)
		d += i == 0 || strcmp(k[i], k[i - 1]);
	free(k);
	return d;
}

static void handle_signals(int on)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on ? on_signal : SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int fleet_run(const fleet_cfg *c, fleet_target *t, size_t n)
{
	fleet f = { .c = c, .t = t, .n = n };
	f.conc = fe_limit_of(c->max_concurrency, n, 1);
	f.errs = fe_limit_of(c->max_errors, n, 0);
	f.width = snprintf(NULL, 0, "%zu", n) < 3 ? 3 : snprintf(NULL, 0, "%zu", n);
	f.slot = xcalloc(f.conc, sizeof *f.slot);
	for (size_t i = 0; i < n; i++) {
		t[i].status = "not-started";
		t[i].exit_code = -1;
	}
	char *path = xasprintf("%s/fleet.jsonl", c->dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	f.log = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f.log) {
		fprintf(stderr, "runbook fleet: %s: %s\n", path, strerror(errno));
		free(path);
		free(f.slot);
		return EXIT_USAGE;
	}
	free(path);
	g_pid = xcalloc(f.conc, sizeof *g_pid);
	g_nslots = f.conc;
	g_signal = 0;
	handle_signals(1);
	printf("fleet: %s over %zu target%s (max-concurrency %zu, max-errors %zu): %s/\n", c->runbook, n,
	       n == 1 ? "" : "s", f.conc, f.errs, c->dir);
	size_t keys = distinct_keys(t, n);
	if (keys < f.conc)
		printf("fleet: the targets have %zu concurrency key%s (the runbook's concurrency-key, else its id): "
		       "at most %zu run%s at once\n", keys, keys == 1 ? "" : "s", keys, keys == 1 ? "s" : "");
	fflush(stdout);
	cJSON *e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "runbook", c->runbook);
	cJSON_AddNumberToObject(e, "targets", (double)n);
	cJSON_AddNumberToObject(e, "max_concurrency", (double)f.conc);
	cJSON_AddNumberToObject(e, "max_errors", (double)f.errs);
	if (c->guard_query)
		cJSON_AddStringToObject(e, "guard_query", c->guard_query);
	log_event(&f, "fleet.start", e);
	double t0 = now_s();
	schedule(&f);
	int code = exit_code_of(&f);
	e = cJSON_CreateObject();
	cJSON_AddNumberToObject(e, "ok", (double)f.ok);
	cJSON_AddNumberToObject(e, "failed", (double)f.failed);
	cJSON_AddNumberToObject(e, "not_started", (double)(n - f.ok - f.failed));
	cJSON_AddNumberToObject(e, "exit", code);
	log_event(&f, "fleet.end", e);
	fclose(f.log);
	write_report(&f, code);
	printf("fleet: %zu ok, %zu failed, %zu not started in %.1fs; report: %s/fleet.json\n", f.ok, f.failed,
	       n - f.ok - f.failed, now_s() - t0, c->dir);
	handle_signals(0);
	g_nslots = 0;
	free((void *)g_pid);
	g_pid = NULL;
	free(f.slot);
	return code;
}
