/*
 * serve.h - `runbook serve`: an HTTP API and an Alertmanager webhook that
 * admit runs into a store and a queue, and worker slots that run each one
 * as a child `runbook run` (or `runbook resume` after a crash).
 */
#ifndef RB_SERVE_H
#define RB_SERVE_H

#include "serve/queue.h"
#include "serve/store.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>

typedef struct serve_cfg {
	const char *listen;     /* HOST:PORT */
	int workers;            /* slots, >= 1 */
	const char *rules;      /* the Alertmanager rules file, or NULL */
	const char *tokens;     /* the tokens file, or NULL (loopback only) */
	const char *runbooks;   /* the folder runbook paths are under */
	const char *state;      /* the state directory */
	const char *self;       /* the runbook binary the children run */
	const char *queue;      /* kafka://BROKERS/TOPIC, or NULL: in memory */
	const char *group;      /* its consumer group, or NULL: this state directory's */
} serve_cfg;

struct alert_rules;

/* the run durations histogram's bucket bounds, seconds */
#define SERVE_BUCKETS 8

typedef struct serve {
	serve_cfg cfg;
	char *runbooks_real;    /* realpath of cfg.runbooks */
	store *st;
	queue *q;
	struct alert_rules *rules;
	pthread_mutex_t mu;     /* admission, loads, the counters and children below */
	char (*token_hash)[65]; /* SHA-256 of each token */
	char **token_name;
	size_t ntokens;
	/* the ids being admitted (stored, not yet queued), and their waiters */
	char (*admitting)[RUN_ID_LEN + 1];
	size_t nadmitting;
	pthread_cond_t admit_cv;
	pid_t *child;           /* per slot: the running child, or 0 */
	pthread_t *thread;
	volatile int stopping;
	/* the webhook's cooldowns: sha256(rule | scope) -> when it last started a run */
	struct cooldown { char key[65]; double at; } *cool;
	size_t ncool;
	/* metrics: the durations of the runs that ended */
	long hist[SERVE_BUCKETS + 1];
	double hist_sum;
	long hist_count;
} serve;

/* `runbook serve` with cfg: an exit code of run/exitcode.h */
int serve_main(const serve_cfg *cfg);

/* the statuses a run goes through, in the metrics' order */
extern const char *const run_statuses[];
extern const size_t run_status_count;
int run_status_index(const char *status);

/* worker.c: start cfg.workers slots taking runs from sv->q; stop: signal
 * every child (SIGTERM), wait for them, join the slots */
void workers_start(serve *sv);
void workers_stop(serve *sv);
/* at start: every queued row back into the queue, every running row too
 * (its slot resumes it from its transcript) */
void workers_recover(serve *sv);
/* r's run back into the queue, retrying (a second apart) until it is
 * taken, serve stops or tries (> 0; 0: no limit) run out */
void queue_again(serve *sv, const run_row *r, int tries);

/* server.c: the route table, one line each, for `runbook help serve` */
void serve_routes_print(FILE *out);

#endif
