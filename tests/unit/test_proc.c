/*
 * test_proc.c - proc_run with real processes: argv passed byte for byte,
 * exit codes, stdin, env, cwd, spawn errors, bounded capture, process
 * groups, timeout and cancellation that leave no process behind.
 */
#include "base/arena.h"
#include "base/proc.h"
#include "run/reap.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];

static int run(const char *const *argv, proc_spec *sp, proc_result *res)
{
	sp->argv = (char *const *)argv;
	return proc_run(sp, res);
}

static int exists(const char *name)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* read the pid a test child wrote to dir/name; 0 when absent */
static pid_t read_pid(const char *name)
{
	char p[256], buf[32] = "";
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return (pid_t)atoi(buf);
}

/* gone for good: no such process, and not a zombie of ours */
static int gone(pid_t pid)
{
	if (pid <= 0)
		return 0;
	if (kill(pid, 0) == 0 || errno != ESRCH)
		return 0;
	return waitpid(pid, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_argv_exact(void)
{
	static const char *const args[] = {
		"$(touch x)", "`touch y`", "a; touch z", "line1\nline2", "-rf", "--",
		"two  spaces ", "'single' \"double\"", "", "h\xc3\xa9llo \xe2\x9c\x93",
		"*", "~", "$HOME", "a\\b", NULL,
	};
	const char *argv[32] = { "printf", "%s\\0" };
	size_t n = 2;
	sbuf want = { 0 };
	for (size_t i = 0; args[i]; i++) {
		argv[n++] = args[i];
		sbuf_add(&want, args[i], strlen(args[i]) + 1);
	}
	argv[n] = NULL;
	proc_spec sp = { .cwd = dir };
	proc_result res;
	CHECK(run(argv, &sp, &res) == 0);
	CHECK(res.exit_code == 0);
	CHECK(res.out_len == want.len && memcmp(res.out, want.buf, want.len) == 0);
	CHECK(!exists("x") && !exists("y") && !exists("z"));
	sbuf_release(&want);
	proc_result_release(&res);
}

static void test_exit_codes(void)
{
	proc_spec sp = { 0 };
	proc_result res;
	const char *a[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK(res.exit_code == 3 && res.term_signal == 0);
	CHECK_STR(res.out, "out\n");
	CHECK_STR(res.err, "err\n");
	CHECK(res.out_len == 4 && res.err_len == 4);
	CHECK(!res.timed_out && !res.cancelled && !res.out_truncated);
	proc_result_release(&res);

	const char *k[] = { "sh", "-c", "kill -9 $$", NULL };
	CHECK(run(k, &sp, &res) == 0);
	CHECK(res.exit_code == 137 && res.term_signal == SIGKILL);
	proc_result_release(&res);

	const char *t[] = { "/bin/true", NULL };
	CHECK(run(t, &sp, &res) == 0);
	CHECK(res.exit_code == 0 && res.out_len == 0 && res.out && res.err);
	CHECK(res.duration_ms >= 0 && res.duration_ms < 2000);
	proc_result_release(&res);
}

static void test_stdin(void)
{
	proc_spec sp = { .stdin_data = "hello\nworld", .stdin_len = 11 };
	proc_result res;
	const char *a[] = { "cat", NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK_STR(res.out, "hello\nworld");
	proc_result_release(&res);

	/* no stdin given: /dev/null, so cat does not wait for a terminal */
	proc_spec none = { 0 };
	CHECK(run(a, &none, &res) == 0);
	CHECK(res.exit_code == 0 && res.out_len == 0);
	proc_result_release(&res);

	/* 4 MiB in and 4 MiB out at once cannot deadlock */
	size_t big = 4u << 20;
	char *data = malloc(big);
	for (size_t i = 0; i < big; i++)
		data[i] = (char)('a' + i % 26);
	proc_spec bs = { .stdin_data = data, .stdin_len = big, .max_capture = 8u << 20 };
	CHECK(run(a, &bs, &res) == 0);
	CHECK(res.out_len == big && memcmp(res.out, data, big) == 0);
	CHECK(!res.out_truncated);
	proc_result_release(&res);

	/* a child that reads none of it: EPIPE, not a SIGPIPE for us */
	const char *h[] = { "head", "-c", "1", NULL };
	CHECK(run(h, &bs, &res) == 0);
	CHECK(res.exit_code == 0 && res.out_len == 1 && res.out[0] == 'a');
	proc_result_release(&res);
	const char *tr[] = { "true", NULL };
	CHECK(run(tr, &bs, &res) == 0);
	CHECK(res.exit_code == 0);
	proc_result_release(&res);
	free(data);
}

static void test_env_cwd(void)
{
	setenv("RB_TEST_KEEP", "kept", 1);
	setenv("RB_TEST_OVER", "old", 1);
	char *const set[] = { "RB_TEST_OVER=new value", "RB_TEST_ADD=$(touch x)", NULL };
	proc_spec sp = { .env_set = set, .cwd = dir };
	proc_result res;
	const char *a[] = { "sh", "-c",
		"printf '%s|%s|%s|' \"$RB_TEST_KEEP\" \"$RB_TEST_OVER\" \"$RB_TEST_ADD\"; "
		"env | grep -c '^RB_TEST_OVER='; pwd -P", NULL };
	CHECK(run(a, &sp, &res) == 0);
	char want[128];
	char real[64];
	CHECK(realpath(dir, real) != NULL);
	snprintf(want, sizeof(want), "kept|new value|$(touch x)|1\n%s\n", real);
	CHECK_STR(res.out, want);
	CHECK(!exists("x"));
	proc_result_release(&res);

	/* PATH from env_set is the one searched */
	char *const nopath[] = { "PATH=/nonexistent", NULL };
	proc_spec np = { .env_set = nopath };
	const char *t[] = { "true", NULL };
	CHECK(run(t, &np, &res) == -1);
	CHECK(res.spawn_errno == ENOENT);
	proc_result_release(&res);
}

static void test_spawn_errors(void)
{
	proc_spec sp = { 0 };
	proc_result res;
	const char *a[] = { "kubctl-no-such-program", "get", NULL };
	CHECK(run(a, &sp, &res) == -1);
	CHECK(res.spawn_errno == ENOENT && res.exit_code == 127);
	CHECK_STR(res.err, "cannot run 'kubctl-no-such-program': No such file or directory");
	proc_result_release(&res);

	char p[128];
	snprintf(p, sizeof(p), "%s/noexec.sh", dir);
	FILE *f = fopen(p, "w");
	fputs("#!/bin/sh\necho hi\n", f);
	fclose(f);
	chmod(p, 0644);
	const char *b[] = { p, NULL };
	CHECK(run(b, &sp, &res) == -1);
	CHECK(res.spawn_errno == EACCES);
	CHECK(strstr(res.err, "Permission denied") != NULL);
	proc_result_release(&res);
	chmod(p, 0755);
	CHECK(run(b, &sp, &res) == 0);
	CHECK_STR(res.out, "hi\n");
	proc_result_release(&res);

	proc_spec bad = { .cwd = "/nonexistent/dir" };
	const char *t[] = { "true", NULL };
	CHECK(run(t, &bad, &res) == -1);
	CHECK(res.spawn_errno == ENOENT);
	CHECK_STR(res.err, "cannot change to directory '/nonexistent/dir': No such file or directory");
	proc_result_release(&res);

	const char *e[] = { NULL };
	CHECK(run(e, &sp, &res) == -1);
	CHECK_STR(res.err, "empty command");
	proc_result_release(&res);
}

static void test_truncation(void)
{
	proc_spec sp = { .max_capture = 1000 };
	proc_result res;
	/* 10 MB on stdout and 10 MB on stderr: both drained, 1000 bytes kept */
	const char *a[] = { "sh", "-c",
		"head -c 10000000 /dev/zero | tr '\\0' o; head -c 10000000 /dev/zero | tr '\\0' e >&2; exit 4",
		NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK(res.exit_code == 4);
	CHECK(res.out_len == 1000 && res.out_truncated);
	CHECK(res.err_len == 1000 && res.err_truncated);
	CHECK(res.out[0] == 'o' && res.out[999] == 'o' && res.out[1000] == 0);
	CHECK(res.err[0] == 'e' && res.err[999] == 'e');
	proc_result_release(&res);

	/* the default bound is 1 MiB; exactly that much is not truncated */
	proc_spec d = { 0 };
	const char *b[] = { "head", "-c", "1048576", "/dev/zero", NULL };
	CHECK(run(b, &d, &res) == 0);
	CHECK(res.out_len == 1048576 && !res.out_truncated);
	proc_result_release(&res);
	const char *c[] = { "head", "-c", "1048577", "/dev/zero", NULL };
	CHECK(run(c, &d, &res) == 0);
	CHECK(res.out_len == 1048576 && res.out_truncated);
	proc_result_release(&res);
}

static int spawned_pid;
static void on_spawn(void *ud, int pid, unsigned long long start_time)
{
	*(int *)ud += 1;
	spawned_pid = pid;
}

/* the start time the hook is given is the one /proc shows (resume
 * compares the two), whether computed or read */
static int start_ok, start_bad;
static void check_start(void *ud, int pid, unsigned long long start_time)
{
	proc_stat ps;
	if (proc_stat_read(pid, &ps) == 0 && ps.start_time == start_time && start_time > 0)
		start_ok++;
	else
		start_bad++;
}

static void test_start_time(void)
{
	proc_spec sp = { .on_spawn = check_start };
	proc_result res;
	const char *a[] = { "/bin/true", NULL };
	for (int i = 0; i < 300; i++) {
		run(a, &sp, &res);
		proc_result_release(&res);
	}
	CHECK(start_ok == 300 && start_bad == 0);
}

static void test_child_setup(void)
{
	/* inherited state the child must not see: an ignored SIGPIPE, a
	 * blocked signal mask, an fd without CLOEXEC */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	sigset_t blk, old;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGTERM);
	sigprocmask(SIG_BLOCK, &blk, &old);
	int leak = open("/dev/null", O_RDONLY);
	CHECK(leak > 2);

	int calls = 0;
	proc_spec sp = { .on_spawn = on_spawn, .ud = &calls };
	proc_result res;
	const char *g[] = { "grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status", NULL };
	CHECK(run(g, &sp, &res) == 0);
	CHECK_STR(res.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
	proc_result_release(&res);

	/* its own process group */
	const char *a[] = { "sh", "-c", "cut -d' ' -f5 /proc/$$/stat", NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK(calls == 2);
	char want[64];
	snprintf(want, sizeof(want), "%d\n", spawned_pid);
	CHECK_STR(res.out, want);
	proc_result_release(&res);

	/* only fds 0, 1 and 2 (3 is the directory ls reads) */
	const char *l[] = { "ls", "/proc/self/fd", NULL };
	CHECK(run(l, &sp, &res) == 0);
	CHECK_STR(res.out, "0\n1\n2\n3\n");
	proc_result_release(&res);

	close(leak);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
}

/* background jobs of a step that exited normally do not outlive it */
static void test_background_killed(void)
{
	proc_spec sp = { .cwd = dir, .grace_ms = 5000 };
	proc_result res;
	/* holding stdout: without the cleanup this would block for 100 s */
	const char *a[] = { "sh", "-c", "sleep 100 & echo $! > bg1; echo done", NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK_STR(res.out, "done\n");
	CHECK(res.exit_code == 0 && !res.timed_out);
	CHECK(res.duration_ms < 4000);
	CHECK(gone(read_pid("bg1")));
	proc_result_release(&res);

	/* not holding any pipe, and escaped into its own session */
	const char *b[] = { "sh", "-c",
		"sleep 100 >/dev/null 2>&1 & echo $! > bg2; "
		"setsid sh -c 'echo $$ > bg3.tmp; mv bg3.tmp bg3; exec sleep 100' "
		">/dev/null 2>&1 </dev/null & while [ ! -e bg3 ]; do :; done", NULL };
	CHECK(run(b, &sp, &res) == 0);
	CHECK(res.exit_code == 0);
	CHECK(res.duration_ms < 4000);
	CHECK(gone(read_pid("bg2")));
	CHECK(gone(read_pid("bg3")));
	proc_result_release(&res);
}

/*
 * Timeout: the leader and its children ignore SIGTERM, one child escaped
 * into its own session, another double-forked; after proc_run none exists.
 */
static void test_timeout(void)
{
	proc_spec sp = { .cwd = dir, .timeout_ms = 200, .grace_ms = 200 };
	proc_result res;
	const char *a[] = { "sh", "-c",
		"trap '' TERM; echo $$ > t0; "
		"sh -c 'trap \"\" TERM; echo $$ > t1; exec sleep 100' & "
		"setsid sh -c 'trap \"\" TERM; echo $$ > t2; sleep 100; :' & "
		"(sh -c 'trap \"\" TERM; echo $$ > t3; sleep 100; :' &) ; "
		"echo started; while :; do sleep 1; done", NULL };
	int64_t t0 = now_ms();
	CHECK(run(a, &sp, &res) == 0);
	int64_t took = now_ms() - t0;
	CHECK(res.timed_out && !res.cancelled);
	CHECK(res.exit_code == 128 + SIGKILL && res.term_signal == SIGKILL);
	CHECK(strncmp(res.out, "started\n", 8) == 0);
	CHECK(took >= 400 && took < 3000);
	const char *names[] = { "t0", "t1", "t2", "t3" };
	for (int i = 0; i < 4; i++) {
		pid_t p = read_pid(names[i]);
		CHECK(p > 0);
		CHECK(gone(p));
	}
	proc_result_release(&res);

	/* a child that stops on SIGTERM is not waited for the grace period */
	proc_spec quick = { .timeout_ms = 100, .grace_ms = 5000 };
	const char *s[] = { "sleep", "100", NULL };
	t0 = now_ms();
	CHECK(run(s, &quick, &res) == 0);
	CHECK(res.timed_out && res.exit_code == 128 + SIGTERM);
	CHECK(now_ms() - t0 < 2000);
	proc_result_release(&res);
}

static volatile sig_atomic_t cancel_flag;
static void on_alarm(int sig)
{
	cancel_flag = 1;
}

static void test_cancel(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { .it_value = { 0, 150000 } };
	setitimer(ITIMER_REAL, &it, NULL);

	proc_spec sp = { .cwd = dir, .cancel = &cancel_flag, .grace_ms = 300 };
	proc_result res;
	const char *a[] = { "sh", "-c", "echo $$ > c0; sleep 100 & echo $! > c1; wait", NULL };
	int64_t t0 = now_ms();
	CHECK(run(a, &sp, &res) == 0);
	int64_t took = now_ms() - t0;
	CHECK(res.cancelled && !res.timed_out);
	CHECK(res.exit_code == 128 + SIGTERM);
	CHECK(took >= 140 && took < 1500);
	CHECK(gone(read_pid("c0")));
	CHECK(gone(read_pid("c1")));
	proc_result_release(&res);

	/* already set: the child is stopped at once */
	t0 = now_ms();
	const char *s[] = { "sleep", "100", NULL };
	CHECK(run(s, &sp, &res) == 0);
	CHECK(res.cancelled && now_ms() - t0 < 1000);
	proc_result_release(&res);
	cancel_flag = 0;
	signal(SIGALRM, SIG_DFL);
}

/* not there, or a zombie nobody reaped yet (init here may be slow to) */
static int dead(pid_t pid)
{
	proc_stat ps;
	return proc_stat_read(pid, &ps) < 0 || ps.state == 'Z' || ps.state == 'X';
}

static int wait_dead(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10 && !dead(pid); i++)
		usleep(10000);
	return dead(pid);
}

/*
 * The child dies with the interpreter: kill -9 the process that called
 * proc_run, and the step's process (still running `sleep 100`) is gone
 * too, instead of applying its effect later.
 */
static void test_parent_death(void)
{
	pid_t mid = fork();
	if (mid == 0) {
		proc_spec sp = { .cwd = dir };
		proc_result res;
		const char *a[] = { "sh", "-c", "echo $$ > pd.tmp; mv pd.tmp pd; exec sleep 100", NULL };
		run(a, &sp, &res);
		_exit(0);
	}
	CHECK(mid > 0);
	pid_t child = 0;
	for (int i = 0; i < 1000 && !(child = read_pid("pd")); i++)
		usleep(10000);
	CHECK(child > 0);
	CHECK(!dead(child));
	kill(mid, SIGKILL);
	waitpid(mid, NULL, 0);
	CHECK(wait_dead(child, 5000));
	if (!dead(child))
		kill(child, SIGKILL);
}

/* a `sleep 100` of ours, leading its own process group */
static pid_t start_sleeper(void)
{
	pid_t p = fork();
	if (p == 0) {
		setpgid(0, 0);
		execlp("sleep", "sleep", "100", (char *)NULL);
		_exit(127);
	}
	setpgid(p, p);
	return p;
}

static unsigned long long start_of(pid_t pid)
{
	proc_stat ps;
	return proc_stat_read(pid, &ps) == 0 ? ps.start_time : 0;
}

/*
 * resume's clean-up: a recorded group whose leader's start time does not
 * match the live process with that pid (the pid was reused) is not
 * touched; nor one recorded in another boot; the same with the right
 * start time is killed, and so are the members of a group whose leader
 * is gone.
 */
static void test_reap(void)
{
	pid_t p = start_sleeper();
	CHECK(p > 0);
	unsigned long long st = start_of(p);
	CHECK(st > 0);
	reap_kill *k = NULL;
	size_t left = 9;
	reap_target wrong = { .pgid = p, .start_time = st + 1, .boot_id = boot_id(), .step = "s" };
	CHECK(reap_targets(&wrong, 1, &k, &left) == 0);
	CHECK(k == NULL && left == 0);
	CHECK(kill(p, 0) == 0 && waitpid(p, NULL, WNOHANG) == 0);
	reap_target other_boot = { .pgid = p, .start_time = st, .boot_id = "not-this-boot", .step = "s" };
	CHECK(reap_targets(&other_boot, 1, &k, &left) == 0);
	CHECK(waitpid(p, NULL, WNOHANG) == 0);
	reap_target unknown = { .pgid = p, .start_time = 0, .step = "s" };
	CHECK(reap_targets(&unknown, 1, &k, &left) == 0);
	CHECK(waitpid(p, NULL, WNOHANG) == 0);

	reap_target right = { .pgid = p, .start_time = st, .boot_id = boot_id(), .step = "s" };
	CHECK(reap_targets(&right, 1, &k, &left) == 1);
	CHECK(k && k[0].pid == p && k[0].pgid == p && !strcmp(k[0].step, "s"));
	free(k);
	int status = 0;
	CHECK(waitpid(p, &status, 0) == p && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* a group whose leader exited: its member is found by its group */
	int ready[2];
	CHECK(pipe(ready) == 0);
	pid_t lead = fork();
	if (lead == 0) {
		setpgid(0, 0);
		pid_t m = fork();
		if (m == 0) {
			close(ready[0]);
			close(ready[1]);
			execlp("sleep", "sleep", "100", (char *)NULL);
			_exit(127);
		}
		(void)!write(ready[1], &m, sizeof m);
		_exit(0);
	}
	pid_t member = 0;
	close(ready[1]);
	CHECK(read(ready[0], &member, sizeof member) == sizeof member);
	close(ready[0]);
	CHECK(member > 0);
	waitpid(lead, NULL, 0);         /* the leader is gone for good */
	proc_stat ms;
	CHECK(proc_stat_read(member, &ms) == 0 && ms.pgrp == lead);
	/* whatever its start time was: the leader is not there to compare */
	reap_target gone = { .pgid = lead, .start_time = 12345, .boot_id = boot_id(), .step = "g" };
	CHECK(reap_targets(&gone, 1, &k, &left) == 1);
	CHECK(k && k[0].pid == member && k[0].pgid == lead);
	free(k);
	CHECK(wait_dead(member, 5000));
	waitpid(member, NULL, WNOHANG);   /* re-parented to us, a subreaper since proc_run */
}

static void *run_sleeper(void *arg)
{
	const char *a[] = { "sleep", "0.6", NULL };
	proc_spec sp = { .argv = (char *const *)a };
	proc_result *res = arg;
	proc_run(&sp, res);
	return NULL;
}

/*
 * Two steps at once (--parallel): the cleanup of one must not kill the
 * other's processes; an escaped straggler of the first is killed once
 * the last step in flight ends.
 */
static void test_concurrent(void)
{
	proc_result other, res;
	pthread_t th;
	pthread_create(&th, NULL, run_sleeper, &other);
	proc_spec sp = { .cwd = dir, .grace_ms = 300 };
	const char *a[] = { "sh", "-c",
		"sleep 100 >/dev/null 2>&1 & echo $! > p1; "
		"setsid sh -c 'echo $$ > p2.tmp; mv p2.tmp p2; exec sleep 100' "
		">/dev/null 2>&1 </dev/null & while [ ! -e p2 ]; do :; done", NULL };
	CHECK(run(a, &sp, &res) == 0);
	CHECK(res.exit_code == 0);
	CHECK(gone(read_pid("p1")));
	proc_result_release(&res);
	pthread_join(th, NULL);
	CHECK(other.exit_code == 0 && other.term_signal == 0);
	CHECK(other.duration_ms >= 550);
	proc_result_release(&other);
	CHECK(gone(read_pid("p2")));
}

/* many short children: the fast path leaves no fd and no zombie behind */
static void test_many(void)
{
	int fds_before = 0, fds_after = 0;
	for (int fd = 0; fd < 256; fd++)
		fds_before += fcntl(fd, F_GETFD) >= 0;
	proc_spec sp = { 0 };
	proc_result res;
	const char *a[] = { "/bin/true", NULL };
	int ok = 0;
	for (int i = 0; i < 200; i++) {
		ok += run(a, &sp, &res) == 0 && res.exit_code == 0;
		proc_result_release(&res);
	}
	CHECK(ok == 200);
	for (int fd = 0; fd < 256; fd++)
		fds_after += fcntl(fd, F_GETFD) >= 0;
	CHECK(fds_before == fds_after);
	CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_proc.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	test_argv_exact();
	test_exit_codes();
	test_stdin();
	test_env_cwd();
	test_spawn_errors();
	test_truncation();
	test_child_setup();
	test_start_time();
	test_background_killed();
	test_timeout();
	test_cancel();
	test_parent_death();
	test_reap();
	test_concurrent();
	test_many();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done("test_proc");
}
