/*
 * lock.c - the run lock (see lock.h for the contract).
 *
 * Everything is checked on open descriptors (fstat of the directory fd,
 * openat + fstat of the file), so nothing can be swapped between a check
 * and the use it allows.
 */
#include "run/lock.h"
#include "run/exitcode.h"
#include "base/arena.h"
#include "base/clock.h"
#include "base/hash.h"
#include "record/transcript.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Open the lock directory `path`, creating it mode 0700 when missing.
 * explicit: $RUNBOOK_LOCK_DIR (may be reached through a symbolic link, may
 * have any mode without group/other write); else a default directory,
 * which must be a real directory of mode 0700.  Returns the fd or -1.
 */
static int lock_dir_open(const char *path, int explicit, char **err)
{
	const char *what = explicit ? " (RUNBOOK_LOCK_DIR)" : "";
	int made = mkdir(path, 0700) == 0;
	if (!made && errno != EEXIST) {
		*err = xasprintf("cannot create lock directory %s%s: %s", path, what, strerror(errno));
		return -1;
	}
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (explicit ? 0 : O_NOFOLLOW));
	int e = errno;
	struct stat sb;
	uid_t me = geteuid();
	char *msg = NULL;
	int st = fd >= 0 ? fstat(fd, &sb) : explicit ? stat(path, &sb) : lstat(path, &sb);
	if (fd >= 0 && st < 0)
		e = errno;
	if (st == 0 && sb.st_uid != me && !S_ISLNK(sb.st_mode)) {
		msg = xasprintf("lock directory %s%s is owned by uid %d, not by the current user "
				 "(uid %d): refusing it", path, what, (int)sb.st_uid, (int)me);
	} else if (fd < 0) {
		/* say why when the path says it: a link, not a directory */
		if (st == 0 && S_ISLNK(sb.st_mode))
			msg = xasprintf("lock directory %s is a symbolic link: refusing it", path);
		else if (st == 0 && !S_ISDIR(sb.st_mode))
			msg = xasprintf("lock directory %s%s is not a directory", path, what);
		else
			msg = xasprintf("cannot open lock directory %s%s: %s", path, what,
					 strerror(e));
		*err = msg;
		return -1;
	} else if (st < 0) {
		msg = xasprintf("cannot stat lock directory %s: %s", path, strerror(e));
	}
	if (msg) {
		*err = msg;
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (made && (sb.st_mode & 07777) != 0700 && fchmod(fd, 0700) == 0)
		sb.st_mode = (sb.st_mode & ~07777) | 0700;   /* a umask narrowed mkdir's mode */
	if (explicit ? (sb.st_mode & 022) != 0 : (sb.st_mode & 07777) != 0700) {
		*err = xasprintf("lock directory %s%s has mode %04o: refusing it (%s)", path, what,
				 (unsigned)(sb.st_mode & 07777),
				 explicit ? "it must not be writable by group or others"
					  : "it must be 0700");
		close(fd);
		return -1;
	}
	return fd;
}

/* the lock directory's path (malloc'd) and whether the user chose it */
static char *lock_dir_path(int *explicit)
{
	const char *d = getenv("RUNBOOK_LOCK_DIR");
	*explicit = d && *d;
	if (*explicit)
		return xstrdup(d);
	if (geteuid() == 0)
		return xstrdup("/run/runbook");
	const char *x = getenv("XDG_RUNTIME_DIR");
	if (x && *x == '/')
		return xasprintf("%s/runbook", x);
	return xasprintf("/tmp/runbook-%d", (int)geteuid());
}

/* a key spelt like a runbook id: [a-z0-9][a-z0-9-]*, at most 100 */
static int id_shaped(const char *k)
{
	size_t n = strlen(k);
	if (!n || n > 100 || !((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9')))
		return 0;
	return strspn(k, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/*
 * The lock file's name: runbook-<id>.lock by default and for a key spelt
 * like an id (a key equal to another runbook's id shares its lock), else
 * key-<sha256 of the key, 32 hex digits>.lock.
 */
static char *lock_name(const char *id, const char *key)
{
	if (!key)
		return xasprintf("runbook-%s.lock", id);
	if (id_shaped(key))
		return xasprintf("runbook-%s.lock", key);
	char h[65];
	sha256_hex(key, strlen(key), h);
	return xasprintf("key-%.32s.lock", h);
}

/* s with control characters as '?' (malloc'd): it is quoted in a message */
static char *printable(const char *s)
{
	char *c = xstrdup(s);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

static char *denied(const char *id, const char *key, const char *holder, const char *path)
{
	if (!key)
		return xasprintf("lock denied: another run of '%s' is in progress (%s; lock %s)", id,
				 *holder ? holder : "holder unknown", path);
	char *k = printable(key);
	char *msg = xasprintf("lock denied: another run holds concurrency key '%s' (%s; lock %s)",
			      k, *holder ? holder : "holder unknown", path);
	free(k);
	return msg;
}

int run_lock_take(const char *id, const char *key, const char *operator_name, char **err,
		  int *code)
{
	*code = EXIT_USAGE;
	int explicit;
	char *dir = lock_dir_path(&explicit);
	char *name = lock_name(id, key);
	char *path = xasprintf("%s/%s", dir, name);
	int fd = -1, dfd = lock_dir_open(dir, explicit, err);
	if (dfd < 0)
		goto out;
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		    0600);
	if (fd < 0) {
		if (errno == ELOOP)
			*err = xasprintf("lock file %s is a symbolic link: refusing to open it", path);
		else
			*err = xasprintf("cannot open lock %s: %s", path, strerror(errno));
		goto out;
	}
	struct stat sb;
	const char *bad = NULL;
	if (fstat(fd, &sb) < 0)
		bad = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		bad = "not a regular file";
	else if (sb.st_uid != geteuid())
		bad = "not owned by the current user";
	else if (sb.st_nlink != 1)
		bad = "a file with other hard links";
	if (bad) {
		*err = xasprintf("lock file %s is %s: refusing it", path, bad);
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK) {
			*err = xasprintf("cannot lock %s: %s", path, strerror(errno));
			goto fail;
		}
		char holder[512] = "";
		ssize_t n = pread(fd, holder, sizeof holder - 1, 0);
		holder[n > 0 ? n : 0] = 0;
		holder[strcspn(holder, "\n")] = 0;
		for (char *p = holder; *p; p++)       /* the file is informational only */
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
		*err = denied(id, key, holder, path);
		*code = EXIT_LOCKED;
		goto fail;
	}
	char ts[40], line[600];
	int len = snprintf(line, sizeof line, "runbook %s, pid %d, %s, since %s\n", id,
			   (int)getpid(), operator_name, ts_now(ts, sizeof ts));
	if (ftruncate(fd, 0) == 0 && len > 0)
		(void)!pwrite(fd, line, (size_t)len < sizeof line ? (size_t)len : sizeof line - 1, 0);
	*code = EXIT_OK;
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	if (dfd >= 0)
		close(dfd);
	free(path);
	free(name);
	free(dir);
	return fd;
}
