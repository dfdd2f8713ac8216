/*
 * limit.c - the reference for the exec benchmark: only what a step cannot
 * avoid.  For each of N steps: append a step.start JSON line to FILE (and
 * fdatasync it, for a write step: the record precedes the effect), spawn
 * /bin/true, wait for it, append a step.end line.  One fdatasync at the
 * end, as a run's last sync point.
 *
 *   limit write|read N FILE
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void line(int fd, long seq, const char *ev, long i)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "{\"seq\":%ld,\"event\":\"%s\",\"step\":\"s%ld\"}\n",
			 seq, ev, i);
	if (write(fd, buf, (size_t)n) != n)
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "write") && strcmp(argv[1], "read"))) {
		fputs("usage: limit write|read N FILE\n", stderr);
		return 2;
	}
	int sync = argv[1][0] == 'w';
	long n = atol(argv[2]);
	int fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	char *args[] = { "/bin/true", NULL };
	if (fd < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;
		line(fd, 2 * i + 1, "step.start", i);
		if (sync && fdatasync(fd) < 0)
			return 1;
		if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0 ||
		    waitpid(pid, &st, 0) != pid || st != 0)
			return 1;
		line(fd, 2 * i + 2, "step.end", i);
	}
	return fdatasync(fd) < 0;
}
