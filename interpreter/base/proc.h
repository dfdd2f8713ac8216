/*
 * proc.h - run a child process the way an operator expects.
 *
 * - execve with an argv array (no shell unless the caller passes
 *   /bin/sh -c itself for a `shell:` step); PATH lookup like execvp.
 * - the child dies with the thread that started it (PR_SET_PDEATHSIG:
 *   SIGKILL), so a kill -9 of the interpreter does not leave it running.
 * - the child gets its own process group; on timeout or cancellation the
 *   whole group gets SIGTERM, then SIGKILL after `grace_ms`, and proc_run
 *   does not return while any process of the group is still alive (it
 *   also kills stragglers that outlive the leader, e.g. `sleep 100 &`).
 * - stdout and stderr are captured, each bounded to `max_capture` bytes;
 *   the rest is read and discarded, and truncation is reported.
 * - stdin: bytes written to the child (then closed), or /dev/null.
 * - env: the parent's environment plus/overriding `env` pairs.
 * - cancellation: *cancel (set from a signal handler) is polled; when it
 *   becomes non-zero the group is terminated as on timeout.
 */
#ifndef RB_PROC_H
#define RB_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
/* now_ms(), boot_id(): the clocks a child's deadline and start time are read on */
#include "base/clock.h"

typedef struct proc_spec {
	char *const *argv;          /* NULL-terminated, argv[0] looked up in PATH */
	char *const *env_set;       /* "K=V" strings added/overriding, NULL-terminated or NULL */
	const char *cwd;            /* NULL: inherit */
	const char *stdin_data;     /* NULL: /dev/null */
	size_t stdin_len;
	int64_t timeout_ms;         /* <= 0: none */
	int64_t grace_ms;           /* TERM -> KILL grace; default 2000 when 0 */
	size_t max_capture;         /* per stream; default 1 MiB when 0 */
	volatile sig_atomic_t *cancel;  /* may be NULL */
	/* optional hook called in the parent right after the child exec'd
	 * (pid known; it leads its own process group, of the same number),
	 * before waiting: used to journal the process.  start_time: what
	 * field 22 of /proc/<pid>/stat says (clock ticks after boot), 0 if
	 * unknown */
	void (*on_spawn)(void *ud, int pid, unsigned long long start_time);
	void *ud;
} proc_spec;

typedef struct proc_result {
	int exit_code;              /* 0..255, or 128+signal when killed by a signal */
	int term_signal;            /* signal that ended it, 0 if exited */
	int timed_out;
	int cancelled;
	int spawn_errno;            /* exec failed: errno (exit_code then 127) */
	char *out, *err;            /* malloc'd, NUL-terminated */
	size_t out_len, err_len;
	int out_truncated, err_truncated;
	int64_t duration_ms;
} proc_result;

/* Returns 0 when the child ran (whatever its exit), -1 when it could not be
 * started (res->spawn_errno set, res->err holds a message). */
int proc_run(const proc_spec *spec, proc_result *res);
void proc_result_release(proc_result *res);

/* One process as /proc/<pid>/stat shows it. */
typedef struct proc_stat {
	int pid, ppid, pgrp, sid;
	char state;                 /* R S D Z T ... */
	unsigned long long start_time;  /* field 22: clock ticks after boot */
} proc_stat;

/* 0, or -1 when there is no such process (or /proc cannot say) */
int proc_stat_read(int pid, proc_stat *ps);
/* every process there is now: malloc'd array (never NULL), *n entries */
proc_stat *proc_scan(size_t *n);
/*
 * Send sig to pid only if it is still the process that started at
 * start_time (through a pidfd, so a pid reused in between is not hit):
 * 0, or -1 when it is gone, or another process has its pid.
 */
int proc_kill_exact(int pid, unsigned long long start_time, int sig);

#endif
