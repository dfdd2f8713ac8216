/*
 * forkchain - a process that escapes by forking: each generation forks
 * the next and exits at once, so at any moment one short-lived process
 * (or two) exists, each a new pid whose parent has just died.
 *
 *     forkchain BEAT STOP SECONDS [group|session]
 *
 * Every generation ignores SIGTERM and writes its generation number at
 * the start of the file BEAT: a BEAT that keeps changing means the chain
 * is alive, whatever a process listing happens to see.  The chain ends
 * after SECONDS, or as soon as the file STOP exists (the test's own
 * clean-up).  `group` (the default): the first generation calls setsid()
 * once, so the chain has left the step's process group but the whole
 * chain shares one new group; `session`: every generation calls setsid(),
 * each alone in its own group and session.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: forkchain BEAT STOP SECONDS [group|session]\n");
		return 2;
	}
	const char *stop = argv[2];
	time_t end = time(NULL) + atoi(argv[3]);
	int each = argc > 4 && !strcmp(argv[4], "session");
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 2;
	}
	signal(SIGTERM, SIG_IGN);
	/* a group leader cannot setsid(): step out of the way first */
	if (fork() > 0)
		_exit(0);
	setsid();
	for (unsigned long gen = 1; time(NULL) < end && access(stop, F_OK) < 0; gen++) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%lu\n", gen);
		if (pwrite(fd, buf, (size_t)n, 0) < 0)
			return 1;
		pid_t p = fork();
		if (p > 0)
			_exit(0);
		if (p == 0 && each)
			setsid();
	}
	return 0;
}
