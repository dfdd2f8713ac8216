/*
 * child.h - a run as a child process (`runbook run` or `runbook resume`),
 * for serve's slots and for fleets.
 */
#ifndef RB_SERVE_CHILD_H
#define RB_SERVE_CHILD_H

/*
 * The run status (queued|running|waiting|ok|failed|rolled-back|aborted) of
 * a child that exited with code (run/exitcode.h; 128 + signal when one
 * killed it), read with the last line of its transcript.  A static string.
 */
const char *child_run_status(int code, const char *transcript);

/*
 * The child's side of fork(): its own process group, standard input
 * /dev/null, standard output and error to out (when >= 0), default
 * signal handling, deathsig when the parent dies; then execve(av[0], av)
 * with the parent's environment.  Only async-signal-safe calls; never
 * returns (127 when execve fails).
 */
void child_exec(char **av, int out, int deathsig);

#endif
