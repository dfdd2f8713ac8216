/*
 * worker.c - the slots: each takes a run id from the queue, marks its row
 * running (durably, before the child starts, so that a serve that dies
 * finds it), runs it as a child process and records how it ended.
 *
 * The child is `runbook run FILE --input k=v... --transcript T` (or
 * `runbook resume T` when the row was already running: serve died under
 * it, or an approval's answer came; both with --approve park:ANSWERS, the
 * answers file in the run's folder that POST /v1/runs/{id}/approve
 * writes), started with execve, never a shell, in its own process group with
 * standard input /dev/null and its output in the run's folder.  It keeps
 * the interpreter's own signal handling; it is killed when serve dies
 * (PR_SET_PDEATHSIG), and the next serve resumes it from its transcript.
 */
#include "serve/serve.h"
#include "serve/child.h"
#include "base/arena.h"
#include "base/clock.h"
#include "run/exitcode.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const run_statuses[] = {
	"queued", "running", "waiting", "ok", "failed", "rolled-back", "aborted",
};
const size_t run_status_count = sizeof run_statuses / sizeof run_statuses[0];

int run_status_index(const char *status)
{
	for (size_t i = 0; i < run_status_count; i++)
		if (!strcmp(run_statuses[i], status))
			return (int)i;
	return -1;
}

static const double buckets[SERVE_BUCKETS] = { 1, 5, 15, 60, 300, 900, 3600, 14400 };

/* the child's argv (malloc'd, NULL-ended): run or resume */
static char **child_argv(const serve *sv, const run_row *r, const char *transcript, int resume)
{
	size_t n = 0, cap = 14 + 2 * (size_t)cJSON_GetArraySize(r->inputs);
	char **av = xcalloc(cap, sizeof *av);
	av[n++] = xstrdup(sv->cfg.self);
	if (resume) {
		av[n++] = xstrdup("resume");
		av[n++] = xstrdup(transcript);
	} else {
		av[n++] = xstrdup("run");
		av[n++] = xasprintf("%s/%s", sv->runbooks_real, r->runbook);
		const cJSON *in;
		cJSON_ArrayForEach(in, r->inputs) {
			av[n++] = xstrdup("--input");
			av[n++] = xasprintf("%s=%s", in->string, cJSON_IsString(in) ? in->valuestring : "");
		}
		av[n++] = xstrdup("--transcript");
		av[n++] = xstrdup(transcript);
	}
	/* an approval waits for its answer over the API (approve.c): in the run's folder */
	av[n++] = xstrdup("--approve");
	av[n++] = xasprintf("park:%.*s/answers.yaml",
			    (int)(strlen(transcript) - strlen("/transcript.jsonl")), transcript);
	av[n++] = xstrdup("--no-color");
	return av;
}

/* run r's child in slot and wait for it: its exit code (128 + signal) */
static int run_child(serve *sv, int slot, const run_row *r, const char *transcript, int resume)
{
	char **av = child_argv(sv, r, transcript, resume);
	char *log = xasprintf("%.*s/run.log", (int)(strlen(transcript) - strlen("/transcript.jsonl")),
			      transcript);
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	free(log);
	pthread_mutex_lock(&sv->mu);
	pid_t pid = sv->stopping ? -1 : fork();
	if (pid == 0)
		child_exec(av, out, SIGKILL);
	if (pid > 0)
		sv->child[slot] = pid;
	pthread_mutex_unlock(&sv->mu);
	if (out >= 0)
		close(out);
	for (char **a = av; *a; a++)
		free(*a);
	free(av);
	if (pid < 0)
		return -1;
	int ws = 0;
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&sv->mu);
	sv->child[slot] = 0;
	pthread_mutex_unlock(&sv->mu);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void count_end(serve *sv, const run_row *r)
{
	double d = r->ended - r->started;
	pthread_mutex_lock(&sv->mu);
	size_t b = 0;
	while (b < SERVE_BUCKETS && d > buckets[b])
		b++;
	sv->hist[b]++;
	sv->hist_sum += d;
	sv->hist_count++;
	pthread_mutex_unlock(&sv->mu);
}

double serve_bucket(size_t i)
{
	return buckets[i];
}

static void put_row(serve *sv, const run_row *r)
{
	char *err = NULL;
	if (sv->st->ops->put(sv->st, r, &err) < 0) {
		fprintf(stderr, "runbook serve: run %s: %s\n", r->id, err);
		free(err);
	}
}

/* a second's pause, shortened when serve stops */
static void pause_a_second(serve *sv)
{
	for (int i = 0; i < 20 && !sv->stopping; i++)
		usleep(50 * 1000);
}

/*
 * Put run r back into the queue, until the queue takes it (a broker may be
 * down; a second between tries), serve stops or (tries > 0) tries run
 * out: the next serve finds the row and queues it.
 */
void queue_again(serve *sv, const run_row *r, int tries)
{
	char *err = NULL;
	while (sv->q->ops->put(sv->q, r->id, r->ckey, &err) < 0) {
		fprintf(stderr, "runbook serve: run %s: cannot queue it again (%s)%s\n", r->id, err,
			tries == 1 ? "" : ": retrying");
		free(err);
		err = NULL;
		if (tries > 0 && --tries == 0)
			return;
		pause_a_second(sv);
		if (sv->stopping)
			return;
	}
}

/*
 * Another run of the same runbook holds its run lock (EXIT_LOCKED: the
 * child did nothing): the run goes back to the queue, as it was, after a
 * pause.
 */
static void requeue(serve *sv, run_row *r, const char *transcript)
{
	struct stat st;
	int started = stat(transcript, &st) == 0 && st.st_size > 0;
	free(r->status);
	r->status = xstrdup(started ? "running" : "queued");
	put_row(sv, r);
	pause_a_second(sv);
	queue_again(sv, r, 0);
}

/* one run taken from the queue, to its end (or back to queued when serve
 * stops before its child started) */
static void work_one(serve *sv, int slot, const char *id)
{
	run_row r;
	if (sv->st->ops->get(sv->st, id, &r) < 0)
		return;
	char *transcript = sv->st->ops->transcript(sv->st, id);
	struct stat stt;
	int resume = !strcmp(r.status, "running") && stat(transcript, &stt) == 0 && stt.st_size > 0;
	if (strcmp(r.status, "queued") && strcmp(r.status, "running"))
		goto out;       /* ended already */
	free(r.status);
	r.status = xstrdup("running");
	if (!r.started)
		r.started = (double)wall_ms() / 1000;
	put_row(sv, &r);
	int code = run_child(sv, slot, &r, transcript, resume);
	if (code < 0)
		goto out;       /* not started (serve is stopping): the next serve runs it */
	if (code == EXIT_LOCKED) {
		requeue(sv, &r, transcript);
		goto out;
	}
	free(r.status);
	r.status = xstrdup(child_run_status(code, transcript));
	r.exit_code = code;
	if (code == EXIT_WAITING) {
		put_row(sv, &r);        /* parked: the slot is free; an answer queues it again */
		goto out;
	}
	r.ended = (double)wall_ms() / 1000;
	put_row(sv, &r);
	count_end(sv, &r);
out:
	free(transcript);
	run_row_release(&r);
}

typedef struct slot_arg {
	serve *sv;
	int slot;
} slot_arg;

static void *slot_main(void *arg)
{
	slot_arg a = *(slot_arg *)arg;
	free(arg);
	char id[RUN_ID_LEN + 1];
	while (a.sv->q->ops->take(a.sv->q, id) == 0) {
		work_one(a.sv, a.slot, id);
		a.sv->q->ops->ack(a.sv->q, id);
	}
	return NULL;
}

void workers_start(serve *sv)
{
	int n = sv->cfg.workers;
	sv->child = xcalloc((size_t)n, sizeof *sv->child);
	sv->thread = xcalloc((size_t)n, sizeof *sv->thread);
	for (int i = 0; i < n; i++) {
		slot_arg *a = xmalloc(sizeof *a);
		a->sv = sv;
		a->slot = i;
		pthread_create(&sv->thread[i], NULL, slot_main, a);
	}
}

void workers_stop(serve *sv)
{
	pthread_mutex_lock(&sv->mu);
	sv->stopping = 1;
	for (int i = 0; i < sv->cfg.workers; i++)
		if (sv->child[i] > 0)
			kill(sv->child[i], SIGTERM);
	pthread_mutex_unlock(&sv->mu);
	sv->q->ops->close(sv->q);
	for (int i = 0; i < sv->cfg.workers; i++)
		pthread_join(sv->thread[i], NULL);
	free(sv->child);
	free(sv->thread);
}

static int by_created(const void *a, const void *b)
{
	const run_row *x = a, *y = b;
	return (x->created > y->created) - (x->created < y->created);
}

static void collect(const run_row *r, void *arg)
{
	struct { run_row *v; size_t n, cap; } *c = arg;
	if (strcmp(r->status, "queued") && strcmp(r->status, "running"))
		return;
	if (c->n == c->cap)
		c->v = xrealloc(c->v, (c->cap = c->cap * 2 + 8) * sizeof *c->v);
	memset(&c->v[c->n], 0, sizeof c->v[0]);
	memcpy(c->v[c->n].id, r->id, sizeof r->id);
	c->v[c->n].ckey = r->ckey ? xstrdup(r->ckey) : NULL;
	c->v[c->n++].created = r->created;
}

void workers_recover(serve *sv)
{
	struct { run_row *v; size_t n, cap; } c = { 0 };
	sv->st->ops->each(sv->st, collect, &c);
	if (c.n)
		qsort(c.v, c.n, sizeof *c.v, by_created);
	for (size_t i = 0; i < c.n; i++) {
		queue_again(sv, &c.v[i], 1);
		free(c.v[i].ckey);
	}
	free(c.v);
}
