/*
 * prim.h - the primitive table: one row per action key.
 *
 * Validation (allowed forms, parameters, required parameters, extra step
 * keys), `plan` (default effect, rendered request), `--dry-run` (read steps
 * run, write steps are recorded as would-run), the executor, lint, the
 * JSON schema and the reference all read the same row, so they cannot
 * disagree.  A new primitive is a new row in prim.c plus its run function
 * in prim/prim_<name>.c.
 *
 * A run function receives the step's action already rendered (templates
 * evaluated) as a value, and fills c->result with an object holding the
 * primitive's result fields.  It returns 0 when the action was performed
 * (even if e.g. the exit code is non-zero: `expect` judges that), or -1
 * with c->error set (malloc'd, redacted by the caller) when it could not be
 * performed at all (spawn failed, connection refused, timeout, protocol
 * error).  It must honour c->timeout_ms and poll *c->run->cancel.
 */
#ifndef RB_PRIM_H
#define RB_PRIM_H

#include <signal.h>
#include <stdint.h>
#include "lang/node.h"
#include "base/value.h"
#include "lang/runbook.h"
#include "base/redact.h"

/* parameter / form types (bitmask) */
enum {
	P_STR = 1, P_NUM = 2, P_BOOL = 4, P_LIST = 8, P_MAP = 16,
	P_DUR = 32,             /* a string that parses as a duration */
	P_ANY = 63,
};

typedef struct prim_param {
	const char *name;
	int types;              /* P_* mask; a ${{ }} scalar matches any */
	int required;
	const char *doc;        /* one line, for the schema and `plan` */
} prim_param;

typedef struct prim_call {
	const struct runbook *rb;
	const step *st;
	value *args;            /* rendered action (borrowed) */
	value *extra;           /* rendered extra step keys: env, cwd, stdin (object, borrowed) */
	int64_t timeout_ms;     /* 0 = none */
	int attempt;            /* 1-based */
	/* the connection named by args.connection, already opened by the
	 * executor with conn_kinds[].open (NULL when the step names none) */
	void *conn;
	const conn_def *conn_def;
	volatile sig_atomic_t *cancel;  /* non-zero: stop now (SIGINT/SIGTERM); never NULL */
	redactor *red;          /* the run's secrets; add any credential you discover */
	int dry_run;            /* the step runs under --dry-run (it is a read) */
	/* exec/shell: called with the pid once the child runs (the executor
	 * journals it as step.spawn); may be NULL */
	void (*on_spawn)(void *ud, int pid, unsigned long long start_time);
	void *spawn_ud;
	value *result;          /* out: new reference, an object of result fields */
	char *error;            /* out: malloc'd, when the action could not be performed */
} prim_call;

/*
 * What the readers of a row must know about a primitive beyond its shape
 * and parameters.  Each flag stands where code would otherwise test the
 * primitive's name.
 */
enum {
	/* the action is an argv (exec): `plan` shows it quoted as a command
	 * line, and a secret in it is an error (argv is public in /proc) */
	PF_ARGV = 1 << 0,
	/* the action is text for /bin/sh -c (shell): a secret in it is an
	 * error, and lint warns of a ${{ }} pasted into it */
	PF_SHELL = 1 << 1,
	/* it waits on a process or a service, so it gets the default timeout
	 * (defaults.timeout); a `wait` would be cut short by one, an
	 * `approve` would stop waiting for its human */
	PF_IO = 1 << 2,
	/* an approval: the executor asks the operator itself (it owns the
	 * terminal and the answers file), so the row has no run function */
	PF_APPROVAL = 1 << 3,
	/* a fragment call (use): the action is a literal path, validation
	 * loads the fragment, and the executor runs its steps as sub-steps
	 * (no run function; its effect and result are the fragment's) */
	PF_FRAGMENT = 1 << 4,
	/* under --parallel the step runs with no other step beside it (an
	 * approval holds the terminal; a fragment's steps hold what they hold) */
	PF_RUNS_ALONE = 1 << 5,
	/* its connection may be used by two steps at once (http, prometheus:
	 * a request is a handle of its own), so --parallel does not make one
	 * step wait for the other; the other kinds are one client each */
	PF_SHARED_CONN = 1 << 6,
	/* a manual action: the executor shows its instructions and asks the
	 * operator to confirm them done, entering the step's `fields` (it
	 * owns the terminal and the answers file, as for an approval), so the
	 * row has no run function; `rollback:` may be the undo's instructions */
	PF_MANUAL = 1 << 7,
};

/*
 * The expectation a step of this primitive has when its `expect` does not
 * name the field: field within [lo, hi] (lo == hi: equal to it).  `until`
 * without `expect` polls on it; field NULL: none, `until` needs `expect`.
 */
typedef struct prim_expect {
	const char *field;
	double lo, hi;
} prim_expect;

typedef struct prim_def {
	const char *name;
	const char *summary;    /* one line for docs/schema */
	int forms;              /* P_LIST | P_STR | P_MAP ... accepted shapes of the action value */
	const prim_param *params;       /* keys when the action is a mapping; NULL-name terminated */
	const char *const *step_keys;   /* extra step-level keys (env, cwd, stdin); never NULL */
	const char *const *result_fields;  /* NULL: any (a fragment's outputs) */
	const char *conn_kind;  /* the connection kind its `connection:` names, or NULL */
	int flags;              /* PF_* */
	prim_expect default_expect;
	/* the parameter that is a URL: a value a template puts in its path,
	 * query or fragment is percent-encoded, a secret there is a warning */
	const char *url_param;
	/* set when the service itself undoes a failed action, saying so
	 * (sql: the database rolls a failed statement back): a failed step of
	 * it does not run its own rollback, and rollback-on-failure is refused */
	const char *failure_undone;
	/* set when a dry run records the step as would-run although it only
	 * reads, saying why (wait: sleeping there proves nothing) */
	const char *dry_run_skip;
	/* the result field printed on the terminal under the step's line
	 * (log: its text), a value: redacted, hidden by --quiet */
	const char *terminal_field;
	int default_effect;
	/* effect from the action when it depends on it (http method, redis
	 * command, kafka op); NULL: default_effect.  May return -1: unknown
	 * until rendered (then write is assumed). */
	int (*effect_of)(const node *action);
	/* extra static checks beyond the table (may be NULL) */
	void (*validate)(const runbook *rb, const step *st, diags *dg);
	/* performs the action (prim_<name>.c); NULL for PF_APPROVAL,
	 * PF_MANUAL and PF_FRAGMENT, which the executor does itself */
	int (*run)(prim_call *c);
	/* optional: run n independent read calls concurrently (http checks in
	 * one group through the curl multi interface); each call's result or
	 * error is filled as run() would.  NULL: the executor calls run(). */
	void (*run_batch)(prim_call **calls, size_t n);
} prim_def;

extern const prim_def prim_table[];
extern const size_t prim_count;
const prim_def *prim_find(const char *name);
/* the row's parameter of that name, or NULL */
const prim_param *prim_param_find(const prim_def *p, const char *name);
/* the names of the rows with a default expectation, "a, b and c"
 * (malloc'd), for messages that say which primitives have one */
char *prim_default_expect_names(void);

/* ---- connections (the runbook's `connections:`), opened lazily by the executor ---- */
typedef struct conn_kind {
	const char *name;       /* postgres, redis, kafka, prometheus, http */
	int spec_types;         /* P_STR and/or P_MAP */
	/* open from the rendered spec within timeout_ms, giving up when
	 * *cancel is set; returns a handle or NULL with *err */
	void *(*open)(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		      redactor *red, char **err);
	void (*close)(void *handle);
} conn_kind;
extern const conn_kind conn_kinds[];
extern const size_t conn_kind_count;
const conn_kind *conn_kind_find(const char *name);

/* helpers for run functions: typed lookups in the rendered args */
const char *arg_str(const value *args, const char *key);       /* NULL if absent/not string */
value *arg_get(const value *args, const char *key);             /* borrowed */
/* malloc'd NULL-terminated argv of strings from a list value; NULL with
 * *err when an item is not a scalar */
char **argv_from_list(const value *list, char **err);
void argv_free(char **argv);

/*
 * Bounded results.  A primitive records at most max-result bytes of data
 * (DEFAULT_MAX_RESULT unless the step says), and reads result_slack()
 * bytes more than it keeps -- at least RESULT_SLACK, and at least the
 * look-ahead the run's secrets need -- so that a secret straddling the
 * bound is whole in what was read: the text is redacted first and cut
 * after, and the slack (which may end in part of a secret) is dropped, so
 * no prefix of a secret survives the cut.
 */
#define DEFAULT_MAX_RESULT      ((size_t)1 << 20)
#define RESULT_SLACK            ((size_t)4 << 10)
size_t result_slack(const redactor *red);
/* The redacted text of s[0..len) cut to max bytes.  cut: s is itself a
 * prefix of a longer text (read up to max + result_slack()).  Sets
 * *truncated when anything was left out. */
value *bounded_text(const redactor *red, const char *s, size_t len, size_t max,
		    int cut, int *truncated);
/* A byte count parameter (max-result, max-rows...): *out = the default
 * when absent; -1 with *err when it is not a non-negative integer. */
int arg_count(const value *args, const char *key, size_t dflt, size_t *out, char **err);
/* redact_str of a C string, for quoting a value in an error message */
char *redacted_text(const redactor *red, const char *s);

/*
 * The rows' functions, one file per primitive (prim_<name>.c).
 * effect functions return EFFECT_READ/EFFECT_WRITE, or -1 when the effect
 * is only known once rendered (a ${{ }} method or command): write is
 * assumed then.
 */
int prim_exec_run(prim_call *c);        /* prim_exec.c */
int prim_shell_run(prim_call *c);       /* prim_exec.c */
int prim_http_run(prim_call *c);        /* prim_http.c */
void prim_http_batch(prim_call **calls, size_t n);
int prim_http_effect(const node *action);
void prim_http_validate(const runbook *rb, const step *st, diags *dg);
int prim_prom_run(prim_call *c);        /* prim_prom.c */
void prim_prom_validate(const runbook *rb, const step *st, diags *dg);
int prim_sql_run(prim_call *c);         /* prim_sql.c */
int prim_sql_effect(const node *action);
int prim_redis_run(prim_call *c);       /* prim_redis.c */
int prim_redis_effect(const node *action);
int prim_kafka_run(prim_call *c);       /* prim_kafka.c */
int prim_kafka_effect(const node *action);
void prim_kafka_validate(const runbook *rb, const step *st, diags *dg);
int prim_wait_run(prim_call *c);        /* prim_core.c */
int prim_assert_run(prim_call *c);
int prim_log_run(prim_call *c);

void *conn_pg_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err);
void conn_pg_close(void *h);
void *conn_redis_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err);
void conn_redis_close(void *h);
void *conn_kafka_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err);
void conn_kafka_close(void *h);
void *conn_prom_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err);
void conn_prom_close(void *h);
void *conn_http_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err);
void conn_http_close(void *h);

#endif
