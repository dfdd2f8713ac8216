/*
 * reap.c - end the leftover processes of a dead run (see reap.h).
 *
 * The step's own process dies with the interpreter (proc.c sets its
 * parent-death signal), but what it started does not: a background job,
 * a daemonised helper.  Those are found by process group, which they
 * inherit.  A descendant that left the group (setsid, setpgid) after
 * the interpreter died cannot be found: nothing records it.
 *
 * Identity is the pid plus the start time: pids are reused, the pair is
 * not (within one boot).  Signals go through a pidfd opened and then
 * re-checked, so a process that exits and whose pid is reused between
 * the check and the signal is not hit.
 */
#include "run/reap.h"
#include "run/lock.h"
#include "base/arena.h"
#include "run/exec.h"
#include "base/clock.h"
#include "base/proc.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define REAP_WAIT_MS    5000    /* for what SIGKILL has not ended yet */
#define REAP_SLICE_MS   10

static int by_pid(const void *a, const void *b)
{
	int x = ((const proc_stat *)a)->pid, y = ((const proc_stat *)b)->pid;
	return x < y ? -1 : x > y;
}

static int alive(const proc_stat *ps)
{
	return ps->state != 'Z' && ps->state != 'X';
}

static void note_kill(reap_kill **v, size_t *n, int pid, int pgid, const char *step_id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].pid == pid)
			return;
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = (reap_kill){ pid, pgid, step_id };
}

size_t reap_targets(const reap_target *t, size_t n, reap_kill **killed, size_t *survivors)
{
	const char *boot = boot_id();
	/* 0: to look at, 1: the leader was seen with its start time, 2: leave alone */
	char *st = xcalloc(n + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (t[i].pgid <= 1 || !t[i].start_time ||
		    (t[i].boot_id && *t[i].boot_id && *boot && strcmp(t[i].boot_id, boot)))
			st[i] = 2;      /* unverifiable, or from another boot: no process survives a reboot */
	reap_kill *k = NULL;
	size_t nk = 0, left = 0;
	struct timespec slice = { 0, REAP_SLICE_MS * 1000000L };
	for (int pass = 0; pass <= REAP_WAIT_MS / REAP_SLICE_MS; pass++) {
		size_t np;
		proc_stat *v = proc_scan(&np);
		qsort(v, np, sizeof *v, by_pid);
		left = 0;
		for (size_t i = 0; i < n; i++) {
			if (st[i] == 2)
				continue;
			proc_stat key = { .pid = t[i].pgid };
			const proc_stat *lead = bsearch(&key, v, np, sizeof *v, by_pid);
			if (lead && lead->start_time != t[i].start_time) {
				st[i] = 2;      /* the pid was reused: its old group is long gone */
				continue;
			}
			if (lead) {
				st[i] = 1;
				if (alive(lead)) {
					left++;
					proc_kill_exact(lead->pid, lead->start_time, SIGKILL);
					note_kill(&k, &nk, lead->pid, t[i].pgid, t[i].step);
				}
			}
			int group = 0;
			for (size_t j = 0; j < np; j++) {
				if (v[j].pgrp != t[i].pgid || !alive(&v[j]) || v[j].pid == t[i].pgid)
					continue;
				left++;
				group = 1;
				/* with the leader alive the group number is its own; without
				 * it, the group still existing pins the number: the members
				 * are the dead run's.  One by one all the same: exact. */
				proc_kill_exact(v[j].pid, v[j].start_time, SIGKILL);
				note_kill(&k, &nk, v[j].pid, t[i].pgid, t[i].step);
			}
			/* the leader alive: the group at once, a fork in flight included */
			if (group && lead && alive(lead))
				kill(-t[i].pgid, SIGKILL);
		}
		free(v);
		if (!left)
			break;
		nanosleep(&slice, NULL);
	}
	free(st);
	*killed = k;
	if (survivors)
		*survivors = left;
	return nk;
}

int reap_dead_run(const runbook *rb, const tlog *l, int dry_run, value **reaped)
{
	*reaped = v_list();
	size_t n = 0;
	reap_target *t = xcalloc(l->n + 1, sizeof *t);
	for (size_t i = 0; i < l->n; i++) {
		const tlog_event *e = &l->v[i];
		if (e->id != EV_STEP_SPAWN)
			continue;
		int64_t pg = tev_int(e, "pgid", tev_int(e, "pid", 0));
		int64_t s = tev_int(e, "start_time", 0);
		t[n].pgid = pg > 0 && pg <= INT32_MAX ? (int)pg : 0;
		t[n].start_time = s > 0 ? (unsigned long long)s : 0;
		t[n].boot_id = tev_str(e, "boot_id");
		t[n].step = e->step ? e->step : "?";
		n++;
	}
	if (!n) {
		free(t);
		return 0;
	}
	/* a live run of this runbook holds the lock: its processes are not ours to end */
	int lock = -1, code = EXIT_OK;
	char *err = NULL;
	const char *key = tev_str(l->start, "concurrency_key");
	if (!dry_run && (lock = run_lock_take(rb->id, key, "runbook resume", &err, &code)) < 0) {
		fprintf(stderr, "runbook resume: %s\n", err);
		free(err);
		free(t);
		v_release(*reaped);
		*reaped = NULL;
		return code ? -code : -EXIT_LOCKED;
	}
	reap_kill *k;
	size_t stuck = 0;
	size_t nk = reap_targets(t, n, &k, &stuck);
	if (lock >= 0)
		close(lock);
	for (size_t i = 0; i < nk; i++) {
		fprintf(stderr, "runbook resume: killed process %d (group %d) left running by step '%s'\n",
			k[i].pid, k[i].pgid, k[i].step);
		value *o = v_obj();
		v_obj_set_take(o, "step", v_str(k[i].step));
		v_obj_set_take(o, "pid", v_num(k[i].pid));
		v_obj_set_take(o, "pgid", v_num(k[i].pgid));
		v_list_push_take(*reaped, o);
	}
	if (stuck)
		fprintf(stderr, "runbook resume: warning: %zu process%s of the dead run survived SIGKILL "
			"for %d s (stuck in the kernel?)\n", stuck, stuck == 1 ? "" : "es",
			REAP_WAIT_MS / 1000);
	free(k);
	free(t);
	return 0;
}
