/*
 * proc.c - run one child process: argv (never a shell), its own process
 * group, bounded capture, stdin, timeout, cancellation, and no leftovers.
 *
 * A step must not leave processes behind: daemons are started by service
 * managers, not runbooks.  So when a step ends - normally, on timeout or on
 * cancellation - everything it spawned is terminated: its process group
 * gets SIGTERM, then SIGKILL after the grace period, and so do the
 * descendants that escaped the group (setsid, double fork).  Those are
 * re-parented to us because the interpreter makes itself a child
 * subreaper; after the leader exits, any child of ours other than the
 * leader of another proc_run in flight is a straggler of this step.  A
 * background job of a step that exited normally (`sleep 100 &`) is
 * killed the same way.
 *
 * The normal path costs a clone (vfork-like), a pidfd and a poll loop; the
 * /proc scan for stragglers only runs when the group is not empty or some
 * child of ours is still around after the leader was reaped.
 *
 * Concurrent proc_run calls (--parallel) are supported: leaders in flight
 * are registered and never taken for stragglers, and the scan for escaped
 * descendants is left to the last call to finish, so one step's cleanup
 * cannot kill another step's processes.
 */
#include "base/proc.h"
#include "base/arena.h"
#include "base/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define DEFAULT_GRACE_MS        2000
#define DEFAULT_MAX_CAPTURE     ((size_t)1 << 20)
#define POLL_SLICE_MS           100     /* longest wait before *cancel is looked at */
#define REAP_SLICE_MS           10      /* straggler polling, slow path only */
#define STUCK_AFTER_KILL_MS     5000    /* give up on a process SIGKILL cannot end (D state) */

enum { STAGE_CHDIR = 1, STAGE_EXEC };

/* ---- processes as /proc shows them ---- */

int proc_stat_read(int pid, proc_stat *ps)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* "pid (comm) S ppid pgrp session ...": comm may hold spaces and
	 * parens; the start time is field 22 */
	char *p = strrchr(buf, ')');
	memset(ps, 0, sizeof(*ps));
	ps->pid = pid;
	if (!p || sscanf(p + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d"
			 " %*d %*d %llu", &ps->state, &ps->ppid, &ps->pgrp, &ps->sid,
			 &ps->start_time) != 5)
		return -1;
	return 0;
}

proc_stat *proc_scan(size_t *n)
{
	size_t cap = 64;
	proc_stat *v = xmalloc(cap * sizeof(*v));
	*n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return v;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (*n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof(*v));
		if (proc_stat_read(atoi(e->d_name), &v[*n]) == 0)
			(*n)++;
	}
	closedir(d);
	return v;
}

int proc_kill_exact(int pid, unsigned long long start_time, int sig)
{
	proc_stat ps;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	int no_pidfd = fd < 0 && errno == ENOSYS;     /* a kernel before 5.3 */
	int rc = -1;
	if (proc_stat_read(pid, &ps) == 0 && ps.start_time == start_time) {
		if (fd >= 0)
			rc = (int)syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0);
		else if (no_pidfd)
			rc = kill(pid, sig);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

/* ---- the registry of leaders in flight (shared by concurrent calls) ---- */

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t *reg_pids;
static size_t reg_n, reg_cap;
static int subreaper_set;
static int null_fd = -1;        /* a child's stdin when it gets none; under reg_lock */

static void reg_add(pid_t pid)
{
	if (reg_n == reg_cap) {
		reg_cap = reg_cap ? 2 * reg_cap : 8;
		reg_pids = xrealloc(reg_pids, reg_cap * sizeof(*reg_pids));
	}
	reg_pids[reg_n++] = pid;
}

static void reg_del(pid_t pid)
{
	for (size_t i = 0; i < reg_n; i++)
		if (reg_pids[i] == pid) {
			reg_pids[i] = reg_pids[--reg_n];
			return;
		}
}

static int reg_has(pid_t pid)
{
	for (size_t i = 0; i < reg_n; i++)
		if (reg_pids[i] == pid)
			return 1;
	return 0;
}

/* ---- bounded capture of one stream ---- */

typedef struct capture {
	int fd;                 /* -1 once EOF */
	char *buf;
	size_t len, cap, max;
	int truncated;
} capture;

/* room for at least want more bytes (and a NUL), within max + 1 */
static void capture_grow(capture *c, size_t want)
{
	if (c->len + want + 1 <= c->cap)
		return;
	size_t cap = c->cap ? c->cap : 4096;
	while (cap < c->len + want + 1)
		cap *= 2;
	if (cap > c->max + 1)
		cap = c->max + 1;
	c->buf = xrealloc(c->buf, cap);
	c->cap = cap;
}

/*
 * Read what is there, straight into the capture (no copy through a
 * scratch buffer); past the bound, into a small discard buffer, only to
 * see it is there (truncated) and to keep the pipe flowing.  Returns 0,
 * or -1 at EOF/error (fd then closed).
 */
static int capture_read(capture *c)
{
	char discard[4096];
	ssize_t n;

	if (c->len < c->max) {
		size_t room = c->max - c->len;
		/* a page free at least; more as the buffer doubles */
		capture_grow(c, room < 4095 ? room : 4095);
		n = read(c->fd, c->buf + c->len, c->cap - 1 - c->len);
		if (n > 0)
			c->len += (size_t)n;
	} else {
		n = read(c->fd, discard, sizeof discard);
		if (n > 0)
			c->truncated = 1;
	}
	if (n > 0)
		return 0;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	close(c->fd);
	c->fd = -1;
	return -1;
}

/* A pipe poll() reported: hung up with nothing left in it (no POLLIN)
 * is the end without a read(); else read what is there. */
static void capture_pollin(capture *c, short revents)
{
	if ((revents & POLLHUP) && !(revents & POLLIN)) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	capture_read(c);
}

static char *capture_detach(capture *c, size_t *len)
{
	char *p = c->buf ? xrealloc(c->buf, c->len + 1) : xmalloc(1);
	p[c->len] = 0;
	*len = c->len;
	c->buf = NULL;
	return p;
}

/* ---- starting the child ---- */

/*
 * execvp's PATH search, done before spawning so that the PATH of the
 * child's environment is the one searched (a relative directory is
 * looked up from the child's cwd).  Returns 0 with *prog (malloc'd, to
 * pass to execve), or ENOENT/EACCES as execvp would.
 */
static int find_program(const char *file, const char *path, const char *cwd,
			char **prog)
{
	if (strchr(file, '/')) {
		*prog = xstrdup(file);
		return 0;
	}
	int err = ENOENT;
	for (const char *p = path;;) {
		const char *end = strchr(p, ':');
		int dlen = end ? (int)(end - p) : (int)strlen(p);
		char *cand = dlen ? xasprintf("%.*s/%s", dlen, p, file) : xstrdup(file);
		char *check = cand[0] != '/' && cwd ? xasprintf("%s/%s", cwd, cand) : cand;
		struct stat st;
		int found = stat(check, &st) == 0 && S_ISREG(st.st_mode);
		if (found && faccessat(AT_FDCWD, check, X_OK, AT_EACCESS) < 0) {
			found = 0;
			err = EACCES;
		} else if (!found && errno == EACCES) {
			err = EACCES;
		}
		if (check != cand)
			free(check);
		if (found) {
			*prog = cand;
			return 0;
		}
		free(cand);
		if (!end)
			return err;
		p = end + 1;
	}
}

/*
 * The child, between clone() and execve().  It shares our memory and
 * runs on a borrowed stack while the spawning thread is suspended
 * (CLONE_VFORK), so it may only make system calls: no malloc, no locks,
 * no stdio.  Signals are blocked on entry (the parent blocked them all
 * before clone()), so none of our handlers can run here.
 */
typedef struct child_args {
	const char *prog;
	char *const *argv, *const *envp;
	const char *cwd;
	int in_fd, out_fd, err_fd;      /* in_fd -1: /dev/null */
	int null_fd;                    /* /dev/null opened once (>= 3), or -1 */
	pid_t parent;
	volatile int stage, err;        /* set by the child when it gives up */
} child_args;

/* the kernel's sigset_t, not glibc's (which is 128 bytes) */
#define KSIGSET_BYTES   (_NSIG / 8)
#define CHILD_STACK     32768

static _Noreturn void child_fail(child_args *a, int stage)
{
	a->err = errno;
	a->stage = stage;
	_exit(127);
}

/*
 * No sanitizer instrumentation: it would poison shadow memory for frames
 * on the borrowed stack that never return.
 */
__attribute__((no_sanitize_address))
static int child_main(void *arg)
{
	child_args *a = arg;
	/* its own process group: the unit a timeout or a cancellation ends */
	setpgid(0, 0);
	/*
	 * Every signal back to its default (an ignored SIGPIPE or SIGINT
	 * would otherwise be inherited through execve), with the raw system
	 * call: glibc's sigaction() refuses its two internal signals.  An
	 * all-zero kernel sigaction is SIG_DFL with no flags on every
	 * architecture.  SIGKILL and SIGSTOP just fail.
	 */
	unsigned long ksa[8] = { 0 };
	for (int sig = 1; sig < _NSIG; sig++)
		syscall(SYS_rt_sigaction, sig, ksa, NULL, KSIGSET_BYTES);
	if (a->cwd && chdir(a->cwd) < 0)
		child_fail(a, STAGE_CHDIR);
	if (a->in_fd >= 0) {
		if (dup2(a->in_fd, 0) < 0)
			child_fail(a, STAGE_EXEC);
	} else if (a->null_fd >= 0) {
		if (dup2(a->null_fd, 0) < 0)
			child_fail(a, STAGE_EXEC);
	} else {
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || (nul != 0 && dup2(nul, 0) < 0))
			child_fail(a, STAGE_EXEC);
	}
	/* our pipes are all >= 3 (pipe_high), so these cannot clobber each other */
	if (dup2(a->out_fd, 1) < 0 || dup2(a->err_fd, 2) < 0)
		child_fail(a, STAGE_EXEC);
	if (close_range(3, ~0U, 0) < 0) {
		/* a kernel without close_range (before 5.9) */
		long max = sysconf(_SC_OPEN_MAX);
		for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
			close((int)fd);
	}
	/*
	 * Die with the thread that spawned us: a kill -9 of the interpreter
	 * must not leave the step's process running on, to apply its effect
	 * while (or after) `resume` runs the step again.  If the parent died
	 * before the prctl, nobody would send the signal: we have been
	 * re-parented already, which getppid() shows.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->parent)
		_exit(127);
	unsigned long none[8] = { 0 };
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, none, NULL, KSIGSET_BYTES);
	execve(a->prog, a->argv, a->envp);
	child_fail(a, STAGE_EXEC);
}

/*
 * The start time /proc/<pid>/stat shows (field 22) for a process that
 * clone() created between t0 and t1 (CLOCK_BOOTTIME, ns): the kernel
 * stamps it with the same clock during the clone and shows it in clock
 * ticks, rounded down.  Known without reading /proc (which costs more
 * than the rest of recording a step's process) when t0 and t1 fall in
 * the same tick -- nearly always; 0 when they do not.
 */
static unsigned long long start_ticks(int64_t t0, int64_t t1)
{
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0 || 1000000000 % hz)
		return 0;
	int64_t per = 1000000000 / hz;
	return t0 / per == t1 / per ? (unsigned long long)(t0 / per) : 0;
}

/*
 * Start the child: clone(CLONE_VM | CLONE_VFORK), the way posix_spawn
 * does it (no page tables copied, so it stays cheap however big the
 * interpreter is), but with the parent-death signal, which posix_spawn
 * cannot set.  The child's stack is a buffer in this frame: this thread
 * does not run until the child has exec'd or exited.  Returns 0 with
 * *pid and *start (its start time, 0 when unknown), or an errno with
 * *stage saying what failed.
 */
static int spawn(pid_t *pid, unsigned long long *start, int *stage, const char *prog,
		 const proc_spec *sp, char *const *envp, int in_fd, int out_fd, int err_fd)
{
	child_args a = {
		.prog = prog, .argv = sp->argv, .envp = envp, .cwd = sp->cwd,
		.in_fd = in_fd, .out_fd = out_fd, .err_fd = err_fd, .null_fd = null_fd,
		.parent = getpid(),
	};
	_Alignas(16) char stack[CHILD_STACK];
	unsigned long all[8], old[8] = { 0 };
	memset(all, 0xff, sizeof all);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, all, old, KSIGSET_BYTES);
	int64_t t0 = boottime_ns();
	pid_t p = clone(child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &a);
	int e = errno;
	int64_t t1 = boottime_ns();
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, old, NULL, KSIGSET_BYTES);
	if (p < 0) {
		*stage = STAGE_EXEC;
		return e;
	}
	if (a.stage) {
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		*stage = a.stage;
		return a.err ? a.err : ECHILD;
	}
	*pid = p;
	*start = start_ticks(t0, t1);
	return 0;
}

/* ---- the parent side ---- */

/* parent env with env_set overriding; pointers borrowed, array malloc'd */
static char **build_env(char *const *set)
{
	size_t ne = 0, ns = 0;
	while (environ && environ[ne])
		ne++;
	while (set && set[ns])
		ns++;
	char **envp = xmalloc((ne + ns + 1) * sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < ne; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		int over = 0;
		for (size_t j = 0; j < ns && !over; j++)
			over = strncmp(set[j], environ[i], nl) == 0 && set[j][nl] == '=';
		if (!over)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < ns; j++)
		envp[k++] = set[j];
	envp[k] = NULL;
	return envp;
}

static const char *env_lookup(char *const *envp, const char *name)
{
	size_t nl = strlen(name);
	for (; *envp; envp++)
		if (strncmp(*envp, name, nl) == 0 && (*envp)[nl] == '=')
			return *envp + nl + 1;
	return NULL;
}

/* pipe2 that never returns 0..2 (the child dup2s onto those) */
static int pipe_high(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (p[i] < 3) {
			int f = fcntl(p[i], F_DUPFD_CLOEXEC, 3);
			if (f < 0)
				return -1;
			close(p[i]);
			p[i] = f;
		}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

typedef struct run {
	const proc_spec *sp;
	proc_result *res;
	pid_t pid;
	int status;
	int reaped;
	int pidfd;
	capture out, err;
	int in_fd;
	size_t in_off;
	int64_t deadline;       /* 0: none */
	int64_t grace_ms;
	int sig_phase;          /* 0, SIGTERM or SIGKILL: what the group was last sent */
	int64_t kill_at;        /* when SIGTERM turns into SIGKILL */
	pid_t *termed;          /* stragglers already sent SIGTERM */
	size_t ntermed, captermed;
	pid_t *seen;            /* the live stragglers of the last sweep */
	size_t nseen;
} run;

static int reap_leader(run *r, int flags)
{
	if (r->reaped)
		return 1;
	pid_t w;
	while ((w = waitpid(r->pid, &r->status, flags)) < 0 && errno == EINTR)
		;
	if (w == r->pid || (w < 0 && errno == ECHILD)) {
		r->reaped = 1;
		close_fd(&r->pidfd);
	}
	return r->reaped;
}

static int pid_in(const pid_t *v, size_t n, pid_t pid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == pid)
			return 1;
	return 0;
}

static void pid_push(pid_t **v, size_t *n, size_t *cap, pid_t pid)
{
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 8;
		*v = xrealloc(*v, *cap * sizeof(pid_t));
	}
	(*v)[(*n)++] = pid;
}

static int by_pid(const void *a, const void *b)
{
	pid_t x = ((const proc_stat *)a)->pid, y = ((const proc_stat *)b)->pid;
	return x < y ? -1 : x > y;
}

/*
 * One pass over /proc: our children other than leaders in flight, and
 * everything below them.  Reap the zombies among our children, send
 * `sig` to the live ones (SIGTERM once per process) and count them.
 * *fresh: some live one was not there in the previous pass (processes
 * are still being born: a chase, not a process stuck in the kernel).
 *
 * A straggler that leads its own group, or sits in a session of its own
 * (which only its own descendants can share), gets the signal as a
 * group too: kill() of a group reaches every member at once, including
 * a child forked at that instant, which a process-by-process chase of a
 * fork chain can miss forever.
 *
 * Only called once the leader was reaped, and only when no other
 * proc_run is in flight (with reg_lock held).
 */
static int sweep_children(run *r, int sig, int *fresh)
{
	size_t n;
	proc_stat *v = proc_scan(&n);
	pid_t self = getpid(), mypgrp = getpgrp(), mysid = getsid(0);
	char *ours = xcalloc(n + 1, 1);
	qsort(v, n, sizeof *v, by_pid);
	for (size_t i = 0; i < n; i++)
		ours[i] = v[i].ppid == self && !reg_has(v[i].pid);
	/* descendants of ours: until nothing changes (as deep as the tree) */
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (ours[i])
				continue;
			proc_stat key = { .pid = v[i].ppid };
			proc_stat *par = bsearch(&key, v, n, sizeof *v, by_pid);
			if (par && ours[par - v])
				ours[i] = changed = 1;
		}
	}
	int live = 0;
	size_t nnow = 0;
	pid_t *now = NULL;
	size_t capnow = 0;
	*fresh = 0;
	for (size_t i = 0; i < n; i++) {
		const proc_stat *ps = &v[i];
		if (!ours[i])
			continue;
		if (ps->state == 'Z' || ps->state == 'X') {
			if (ps->ppid == self)
				waitpid(ps->pid, NULL, WNOHANG);
			continue;
		}
		live++;
		pid_push(&now, &nnow, &capnow, ps->pid);
		if (!pid_in(r->seen, r->nseen, ps->pid))
			*fresh = 1;
		int group = ps->pgrp > 1 && ps->pgrp != mypgrp &&
			    (ps->pgrp == ps->pid || ps->sid != mysid);
		if (sig == SIGKILL || (sig == SIGTERM && !pid_in(r->termed, r->ntermed, ps->pid))) {
			/* a child of ours keeps its pid until we reap it; a deeper
			 * one may be reaped (and its pid reused) at any moment */
			if (ps->ppid == self)
				kill(ps->pid, sig);
			else
				proc_kill_exact(ps->pid, ps->start_time, sig);
			if (group)
				kill(-ps->pgrp, sig);
			if (sig == SIGTERM)
				pid_push(&r->termed, &r->ntermed, &r->captermed, ps->pid);
		}
	}
	free(r->seen);
	r->seen = now;
	r->nseen = nnow;
	free(ours);
	free(v);
	return live;
}

/* do we have any child at all (a zombie counts)?  Not one left means no
 * descendant left: an orphan is re-parented to us, its nearest subreaper */
static int have_children(void)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	return !(waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD);
}

static void signal_group(run *r, int sig)
{
	r->sig_phase = sig;
	if (sig == SIGTERM)
		r->kill_at = now_ms() + r->grace_ms;
	kill(-r->pid, sig);
	if (!r->reaped)
		kill(r->pid, sig);      /* in case the leader left its group */
}

/* Poll the pipes (and the leader's pidfd) for at most wait_ms; returns
 * how many were ready. */
static int pump(run *r, int wait_ms)
{
	struct pollfd pf[4];
	int n = 0, io = -1, ii = -1, ie = -1, ip = -1;
	if (r->out.fd >= 0) {
		io = n;
		pf[n++] = (struct pollfd){ .fd = r->out.fd, .events = POLLIN };
	}
	if (r->err.fd >= 0) {
		ie = n;
		pf[n++] = (struct pollfd){ .fd = r->err.fd, .events = POLLIN };
	}
	if (r->in_fd >= 0) {
		ii = n;
		pf[n++] = (struct pollfd){ .fd = r->in_fd, .events = POLLOUT };
	}
	if (r->pidfd >= 0) {
		ip = n;
		pf[n++] = (struct pollfd){ .fd = r->pidfd, .events = POLLIN };
	}
	int k = poll(pf, (nfds_t)n, wait_ms);
	if (k <= 0)
		return 0;       /* timeout, or EINTR: the caller looks at the clock and *cancel */
	if (io >= 0 && pf[io].revents)
		capture_pollin(&r->out, pf[io].revents);
	if (ie >= 0 && pf[ie].revents)
		capture_pollin(&r->err, pf[ie].revents);
	if (ii >= 0 && pf[ii].revents) {
		if (pf[ii].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			close_fd(&r->in_fd);
		} else {
			ssize_t w = write(r->in_fd, r->sp->stdin_data + r->in_off,
					  r->sp->stdin_len - r->in_off);
			if (w > 0)
				r->in_off += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				close_fd(&r->in_fd);    /* EPIPE: the child stopped reading */
			if (r->in_off == r->sp->stdin_len)
				close_fd(&r->in_fd);
		}
	}
	if (ip >= 0 && pf[ip].revents)
		reap_leader(r, WNOHANG);
	return k;
}

static int ms_until(int64_t t, int cap)
{
	int64_t d = t - now_ms();
	if (d < 0)
		d = 0;
	return d < cap ? (int)d : cap;
}

/*
 * While the leader runs: move data, watch the clock and *cancel.  On
 * timeout or cancellation the group gets SIGTERM, then SIGKILL after the
 * grace period.
 */
static void wait_leader(run *r)
{
	volatile sig_atomic_t *cancel = r->sp->cancel;
	while (!r->reaped) {
		int64_t now = now_ms();
		if (!r->sig_phase) {
			if (cancel && *cancel)
				r->res->cancelled = 1;
			else if (r->deadline && now >= r->deadline)
				r->res->timed_out = 1;
			if (r->res->cancelled || r->res->timed_out)
				signal_group(r, SIGTERM);
		} else if (r->sig_phase == SIGTERM && now >= r->kill_at) {
			signal_group(r, SIGKILL);
		}
		int wait = -1;
		if (r->sig_phase == SIGTERM)
			wait = ms_until(r->kill_at, POLL_SLICE_MS);
		else if (!r->sig_phase && r->deadline)
			wait = ms_until(r->deadline, POLL_SLICE_MS);
		else if (!r->sig_phase && cancel)
			wait = POLL_SLICE_MS;
		if (r->pidfd < 0 && r->out.fd < 0 && r->err.fd < 0 &&
		    r->in_fd < 0 && wait < 0) {
			reap_leader(r, 0);
			break;
		}
		if (r->pidfd < 0 && (wait < 0 || wait > REAP_SLICE_MS))
			wait = REAP_SLICE_MS;   /* no pidfd: look at the leader often */
		pump(r, wait);
		if (r->pidfd < 0)
			reap_leader(r, WNOHANG);
	}
}

/*
 * The leader is gone: end whatever it left behind (its group, and escaped
 * descendants re-parented to us), and drain the pipes until EOF.
 */
static void clean_up(run *r)
{
	pthread_mutex_lock(&reg_lock);
	reg_del(r->pid);
	pthread_mutex_unlock(&reg_lock);

	/*
	 * The fast path: the group is empty and we have no child at all.
	 * Every live descendant would be in the group or below a child of
	 * ours (we are a subreaper), so the pipes are at EOF or about to be.
	 */
	siginfo_t si;
	close_fd(&r->in_fd);
	if (kill(-r->pid, 0) < 0 && errno == ESRCH &&
	    waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
	    errno == ECHILD) {
		while ((r->out.fd >= 0 || r->err.fd >= 0) &&
		       !(r->sp->cancel && *r->sp->cancel))
			pump(r, POLL_SLICE_MS);
		close_fd(&r->out.fd);
		close_fd(&r->err.fd);
		return;
	}
	if (r->sig_phase == 0)
		signal_group(r, SIGTERM);
	int64_t stuck_at = 0;
	for (;;) {
		while (waitpid(-r->pid, NULL, WNOHANG) > 0)
			;
		int live = kill(-r->pid, 0) == 0, fresh = 0;
		pthread_mutex_lock(&reg_lock);
		int solo = reg_n == 0;
		if (solo) {
			live += sweep_children(r, r->sig_phase, &fresh);
			/*
			 * A pass can miss a process born while it ran whose parent
			 * died before the pass read it (a fork chain): done only
			 * when the group is empty and no child of ours is left.
			 */
			if (!live && have_children())
				live = 1;
		}
		pthread_mutex_unlock(&reg_lock);
		if (!live && r->out.fd < 0 && r->err.fd < 0)
			break;
		if (!live && !solo) {
			/* what holds a pipe now escaped the group; it is left to
			 * the last step in flight: take what was written */
			while ((r->out.fd >= 0 || r->err.fd >= 0) && pump(r, 0) > 0)
				;
			break;
		}
		int64_t now = now_ms();
		if (r->sig_phase == SIGTERM && now >= r->kill_at)
			signal_group(r, SIGKILL);
		else if (r->sig_phase == SIGKILL)
			kill(-r->pid, SIGKILL);
		int wait = r->sig_phase == SIGTERM ? ms_until(r->kill_at, REAP_SLICE_MS) : REAP_SLICE_MS;
		if (r->sig_phase == SIGKILL) {
			/* give up on a process SIGKILL cannot end (D state); new
			 * processes still appearing is a chase: go on, and fast */
			if (!stuck_at || fresh)
				stuck_at = now + STUCK_AFTER_KILL_MS;
			else if (now >= stuck_at)
				break;
			if (fresh)
				wait = 1;
		}
		pump(r, wait);
	}
	/* a process SIGKILL could not end still holds a pipe: stop reading */
	close_fd(&r->out.fd);
	close_fd(&r->err.fd);
}

static int spawn_error(proc_result *res, const proc_spec *sp, int stage, int err)
{
	res->spawn_errno = err;
	res->exit_code = 127;
	free(res->err);
	if (stage == STAGE_CHDIR)
		res->err = xasprintf("cannot change to directory '%s': %s", sp->cwd, strerror(err));
	else
		res->err = xasprintf("cannot run '%s': %s", sp->argv[0], strerror(err));
	res->err_len = strlen(res->err);
	return -1;
}

/* The state of one call, its deadline counted from t0. */
static run *run_new(const proc_spec *sp, proc_result *res, int64_t t0)
{
	run *r = xcalloc(1, sizeof(*r));
	r->sp = sp;
	r->res = res;
	r->pidfd = r->in_fd = r->out.fd = r->err.fd = -1;
	r->out.max = r->err.max = sp->max_capture ? sp->max_capture : DEFAULT_MAX_CAPTURE;
	r->grace_ms = sp->grace_ms > 0 ? sp->grace_ms : DEFAULT_GRACE_MS;
	if (sp->timeout_ms > 0)
		r->deadline = t0 + sp->timeout_ms;
	return r;
}

static void run_free(run *r)
{
	free(r->out.buf);
	free(r->err.buf);
	free(r->termed);
	free(r->seen);
	free(r);
}

/*
 * Spawn the child on the given pipe ends, registered as a leader in
 * flight (the registry's lock also orders it with the first call's
 * PR_SET_CHILD_SUBREAPER), and tell on_spawn.  0 with r->pid, or -1 with
 * the spawn error in r->res.
 */
static int start_child(run *r, const char *prog, char **envp, int in, int out, int err)
{
	const proc_spec *sp = r->sp;
	pid_t pid;
	int stage = 0, e;
	unsigned long long start = 0;

	pthread_mutex_lock(&reg_lock);
	if (!subreaper_set) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		subreaper_set = 1;
		/* opened once, not by every child: >= 3, so the child's dup2
		 * onto 0..2 cannot clobber it */
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		null_fd = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
		if (fd >= 0)
			close(fd);
	}
	e = spawn(&pid, &start, &stage, prog, sp, envp, in, out, err);
	if (!e)
		reg_add(pid);
	pthread_mutex_unlock(&reg_lock);
	if (e) {
		spawn_error(r->res, sp, stage, e);
		return -1;
	}
	r->pid = pid;
	if (sp->on_spawn) {
		proc_stat ps;
		if (!start && proc_stat_read(pid, &ps) == 0)
			start = ps.start_time;  /* not reaped yet: readable even if it exited */
		sp->on_spawn(sp->ud, (int)pid, start);
	}
	return 0;
}

/* While the child's stdin is written, SIGPIPE is blocked in this thread:
 * a child that does not read it all gives EPIPE, not a signal.  *old is
 * the mask to restore. */
static void sigpipe_block(sigset_t *old)
{
	sigset_t pipeset;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, old);
}

/* Restore the mask, first taking the SIGPIPE the writes left pending
 * (unless it was blocked before: then it may be someone else's). */
static void sigpipe_restore(const sigset_t *old)
{
	sigset_t pipeset, pending;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigpending(&pending);
	if (sigismember(&pending, SIGPIPE) && !sigismember(old, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipeset, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* the exit status and the captured output, into res */
static void collect(run *r, proc_result *res)
{
	if (WIFSIGNALED(r->status)) {
		res->term_signal = WTERMSIG(r->status);
		res->exit_code = 128 + res->term_signal;
	} else {
		res->exit_code = WEXITSTATUS(r->status);
	}
	free(res->out);
	free(res->err);
	res->out = capture_detach(&r->out, &res->out_len);
	res->err = capture_detach(&r->err, &res->err_len);
	res->out_truncated = r->out.truncated;
	res->err_truncated = r->err.truncated;
}

/*
 * Run the child described by spec and wait for it and everything it
 * spawned.  res is filled in either case (out/err always malloc'd; release
 * with proc_result_release).  Returns -1 only when the program could not
 * be started: fork/pipe failure, bad cwd, program not found or not
 * executable; res->spawn_errno and a message in res->err say why.
 */
int proc_run(const proc_spec *sp, proc_result *res)
{
	memset(res, 0, sizeof(*res));
	res->out = xstrdup("");
	res->err = xstrdup("");
	int64_t t0 = now_ms();
	if (!sp->argv || !sp->argv[0] || !sp->argv[0][0]) {
		res->spawn_errno = ENOENT;
		res->exit_code = 127;
		free(res->err);
		res->err = xstrdup("empty command");
		res->err_len = strlen(res->err);
		return -1;
	}

	run *r = run_new(sp, res, t0);
	char **envp = build_env(sp->env_set);
	const char *path = env_lookup(envp, "PATH");
	char *prog = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int rc = -1, e;
	if ((e = find_program(sp->argv[0], path ? path : "/usr/local/bin:/bin:/usr/bin",
			      sp->cwd, &prog))) {
		spawn_error(res, sp, STAGE_EXEC, e);
		goto out_fds;
	}
	if ((sp->stdin_data && pipe_high(in) < 0) || pipe_high(out) < 0 ||
	    pipe_high(err) < 0) {
		spawn_error(res, sp, STAGE_EXEC, errno);
		goto out_fds;
	}
	if (start_child(r, prog, envp, in[0], out[1], err[1]) < 0)
		goto out_fds;
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);

	r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
	r->out.fd = out[0];
	r->err.fd = err[0];
	out[0] = err[0] = -1;
	sigset_t oldset;
	if (sp->stdin_data) {
		r->in_fd = in[1];
		in[1] = -1;
		fcntl(r->in_fd, F_SETFL, O_NONBLOCK);
		if (!sp->stdin_len)
			close_fd(&r->in_fd);
		sigpipe_block(&oldset);
	}

	wait_leader(r);
	clean_up(r);
	close_fd(&r->in_fd);
	close_fd(&r->pidfd);
	if (sp->stdin_data)
		sigpipe_restore(&oldset);
	collect(r, res);
	rc = 0;

out_fds:
	for (int i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&err[i]);
	}
	run_free(r);
	free(prog);
	free(envp);
	res->duration_ms = now_ms() - t0;
	return rc;
}

/* Free what proc_run allocated; res may be reused afterwards. */
void proc_result_release(proc_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
	res->out_len = res->err_len = 0;
}
