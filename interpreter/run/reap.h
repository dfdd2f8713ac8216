/*
 * reap.h - before `resume` decides anything: end every process of the
 * dead run that is still alive, so that nothing the dead interpreter
 * started can apply an effect while (or after) a step runs again.
 *
 * Each exec/shell attempt is recorded by a step.spawn event: the pid of
 * the step's process, its process group (the same number: it leads its
 * own group), its start time (clock ticks after boot) and the boot id.
 * A live process is taken for the recorded one only when all of these
 * match; a pid that was reused by another process is never signalled.
 */
#ifndef RB_REAP_H
#define RB_REAP_H

#include <stddef.h>
#include "lang/runbook.h"
#include "record/tlog.h"
#include "base/value.h"

typedef struct reap_target {
	int pgid;                       /* the step's group: its first process's pid */
	unsigned long long start_time;  /* that process's start time (0: not recorded) */
	const char *boot_id;            /* the boot it ran in; NULL or "": not recorded */
	const char *step;               /* for the report */
} reap_target;

typedef struct reap_kill {
	int pid, pgid;
	const char *step;               /* the target's, borrowed */
} reap_kill;

/*
 * SIGKILL what is left of these process groups, then wait (5 s at most)
 * until nothing of them is alive:
 *  - the leader is alive with the recorded start time: the whole group;
 *  - the leader is gone, but processes of its group remain: those (a pid
 *    cannot be reused while a group of that number exists);
 *  - a process with the leader's pid but another start time, or from
 *    another boot: the pid was reused; nothing is touched.
 * Returns how many processes were killed; *killed (malloc'd, may be NULL
 * when none) lists them.  *survivors: how many were still alive at the
 * end (stuck in the kernel).
 */
size_t reap_targets(const reap_target *t, size_t n, reap_kill **killed, size_t *survivors);

/*
 * For `runbook resume`: the step.spawn records of transcript l, reaped as
 * above while holding the runbook's run lock (so that a live run's
 * processes are never taken for the dead run's; a dry run holds no lock
 * and takes none).  Each kill is printed on stderr.  Returns 0 with
 * *reaped, a new list of {step, pid, pgid} objects for the run.resume
 * record, or minus the exit code when the lock cannot be had:
 * -EXIT_LOCKED when a live run holds it, -EXIT_USAGE when the lock
 * directory is unsafe (the message is printed).
 */
int reap_dead_run(const runbook *rb, const tlog *l, int dry_run, value **reaped);

#endif
