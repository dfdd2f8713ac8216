/*
 * fleet.h - one runbook over many targets: each target a child `runbook
 * run` with its own inputs, transcript and output, at most max-concurrency
 * of them at once, and no new one once the failures exceed max-errors
 * (the for-each step's rate control, across processes).
 */
#ifndef RB_SERVE_FLEET_H
#define RB_SERVE_FLEET_H

#include "lang/runbook.h"

#include <stddef.h>
#include <sys/types.h>

typedef struct fleet_target {
	char **input;           /* "k=v" for each --input of its run */
	size_t ninput;
	char *label;            /* "k=v k=v", for the terminal and the report */
	char *key;              /* its run's lock key: no two targets of one key run at once */
	/* filled in by fleet_run() */
	char *transcript, *log; /* DIR/NNN.jsonl, DIR/NNN.log */
	const char *status;     /* "not-started" until it started; then a run status */
	int exit_code;          /* -1 until it ended */
	double started, ended;  /* Unix seconds, 0 when not yet */
} fleet_target;

typedef struct fleet_cfg {
	const char *self;       /* the runbook binary the children run */
	const char *runbook;    /* the file each child runs */
	const char *dir;        /* an empty folder for the transcripts, logs and report */
	fe_limit max_concurrency, max_errors;
	const char *approve;    /* --approve for every child, or NULL */
	const char *operator_name;      /* --operator for every child, or NULL */
	int quiet;              /* print failures and the summary only */
	/* the guard: no new target starts once this PromQL query returns a
	 * series (as an alert fires) or cannot be answered; NULL: none */
	const char *guard_query;
	const char *prometheus; /* its Prometheus base URL */
	long guard_every_ms;    /* how often it is asked while targets run (and
	                         * it is asked before each target starts) */
} fleet_cfg;

/*
 * Run the n targets in order, as the limits allow; a target whose key is
 * a running target's waits for it (the next one starts meanwhile).  Progress goes to
 * standard output, one line per target that ends; DIR/fleet.jsonl logs
 * every start, end and stop as it happens, and DIR/fleet.json is the
 * report when it is over.  SIGINT or SIGTERM passes SIGTERM to every
 * target running (they stop their step and roll back) and starts no new
 * one.  Returns the fleet's exit code: 0 when every target's run ended ok,
 * 3 when one's rollback was incomplete, 130/143 when interrupted, else 1
 * (a target failed or never started).
 */
int fleet_run(const fleet_cfg *c, fleet_target *t, size_t n);

#endif
