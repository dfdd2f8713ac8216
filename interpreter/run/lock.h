/*
 * lock.h - one run of a runbook at a time: the run lock.
 *
 * `run`, `drill` and `resume` hold an flock on runbook-<id>.lock (or the
 * file of the runbook's concurrency-key, below) in a
 * directory the interpreter owns, for the whole run; the kernel releases
 * it when the process ends, however it ends.  The directory is
 *
 *   $RUNBOOK_LOCK_DIR      when set: it must exist, be a directory owned by
 *                          the current user and not be writable by group
 *                          or others;
 *   /run/runbook           for root (whatever $XDG_RUNTIME_DIR says, so
 *                          that every root session of the host shares it);
 *   $XDG_RUNTIME_DIR/runbook, else /tmp/runbook-<uid>, for other users.
 *
 * A default directory is created mode 0700 and must then be a real
 * directory (not a symbolic link) owned by the current user with mode
 * 0700.  The lock file is opened without following a symbolic link and
 * must be a regular file owned by the current user with one link.  The
 * flock alone decides who holds the lock; the line written into the file
 * (pid, operator, start time) only names the holder in the message of a
 * denied run.
 */
#ifndef RB_LOCK_H
#define RB_LOCK_H

/*
 * Take the lock of runbook `id` for `operator_name`: on its concurrency
 * key `key` (rendered, never a secret), or on the id when key is NULL; a
 * key spelt like a runbook id is the same lock as that runbook's, any
 * other key is a file named by its hash.  Returns the fd to
 * keep open for the run, or -1 with *err (malloc'd) and *code (exitcode.h):
 * EXIT_LOCKED when another run holds the lock, EXIT_USAGE when the
 * directory or the file is unsafe or cannot be made (nothing has run yet
 * either way).
 */
int run_lock_take(const char *id, const char *key, const char *operator_name, char **err,
		  int *code);

#endif
