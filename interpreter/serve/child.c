/*
 * child.c - a run as a child process of serve's slots or of a fleet: how
 * it is started (execve, never a shell) and what its exit says.
 */
#include "serve/child.h"
#include "run/exitcode.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

extern char **environ;

/*
 * The status of a run that exited with code (run/exitcode.h): a failed run
 * whose run.end says it rolled steps back is rolled-back; a run whose
 * transcript has no run.end stopped short of its end without being
 * killed (resume would not decide a step in doubt that is neither
 * idempotent nor checked, its on-in-doubt being park): it is waiting for
 * an operator's `runbook resume --in-doubt ...`.
 */
const char *child_run_status(int code, const char *transcript)
{
	FILE *f = fopen(transcript, "re");
	char line[65536], last[65536] = "";
	while (f && fgets(line, sizeof line, f))
		memcpy(last, line, sizeof line);
	if (f)
		fclose(f);
	cJSON *e = cJSON_Parse(last);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "event");
	const cJSON *rb = cJSON_GetObjectItemCaseSensitive(e, "rolled_back");
	int ended = cJSON_IsString(ev) && !strcmp(ev->valuestring, "run.end");
	int rolled = ended && cJSON_IsNumber(rb) && rb->valuedouble > 0;
	cJSON_Delete(e);
	switch (code) {
	case EXIT_OK: return "ok";
	case EXIT_WAITING: return "waiting";     /* an approval waits for its answer */
	case EXIT_INTERRUPTED_INT:
	case EXIT_INTERRUPTED_TERM: return "aborted";
	default:
		if (!ended && code < 128 && last[0])
			return "waiting";
		return rolled ? "rolled-back" : "failed";
	}
}

/* the child's side of fork: only async-signal-safe calls until execve */
void child_exec(char **av, int out, int deathsig)
{
	sigset_t none;
	sigemptyset(&none);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, deathsig);
	setpgid(0, 0);
	int in = open("/dev/null", O_RDONLY);
	if (in >= 0)
		dup2(in, 0);
	if (out >= 0) {
		dup2(out, 1);
		dup2(out, 2);
	}
	execve(av[0], av, environ);
	_exit(127);
}

