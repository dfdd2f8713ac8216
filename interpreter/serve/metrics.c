/*
 * metrics.c - GET /metrics in the Prometheus text format: the runs by
 * status (from the store, so a restart keeps them), the queue depth, and
 * the durations of the runs this serve saw end.
 */
#include "serve/http.h"
#include "base/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void count_row(const run_row *r, void *arg)
{
	long *by = arg;
	int i = run_status_index(r->status);
	if (i >= 0)
		by[i]++;
}

void h_get_metrics(serve *sv, const http_req *q, http_reply *r)
{
	long by[16] = { 0 };
	sv->st->ops->each(sv->st, count_row, by);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	fprintf(f, "# HELP runbook_serve_runs Runs in the state directory, by status.\n"
		   "# TYPE runbook_serve_runs gauge\n");
	for (size_t i = 0; i < run_status_count; i++)
		fprintf(f, "runbook_serve_runs{status=\"%s\"} %ld\n", run_statuses[i], by[i]);
	fprintf(f, "# HELP runbook_serve_queue_depth Runs admitted and waiting for a worker.\n"
		   "# TYPE runbook_serve_queue_depth gauge\n"
		   "runbook_serve_queue_depth %ld\n", sv->q->ops->depth(sv->q));
	fprintf(f, "# HELP runbook_serve_run_duration_seconds How long the runs that ended took.\n"
		   "# TYPE runbook_serve_run_duration_seconds histogram\n");
	pthread_mutex_lock(&sv->mu);
	long cum = 0;
	for (size_t i = 0; i <= SERVE_BUCKETS; i++) {
		cum += sv->hist[i];
		if (i < SERVE_BUCKETS)
			fprintf(f, "runbook_serve_run_duration_seconds_bucket{le=\"%g\"} %ld\n",
				serve_bucket(i), cum);
		else
			fprintf(f, "runbook_serve_run_duration_seconds_bucket{le=\"+Inf\"} %ld\n", cum);
	}
	fprintf(f, "runbook_serve_run_duration_seconds_sum %.6f\n"
		   "runbook_serve_run_duration_seconds_count %ld\n", sv->hist_sum, sv->hist_count);
	pthread_mutex_unlock(&sv->mu);
	fclose(f);
	r->status = 200;
	r->text = buf;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
