/*
 * store.h - where serve keeps its runs: one row per run (what was asked,
 * where it stands) and the path of its transcript.  An interface (a table
 * of functions), so that a database-backed store can replace the state
 * directory one (store_file.c) without touching the server or the workers.
 *
 * put() is durable when it returns 0: a run is admitted (answered 2xx)
 * only after its row is written.
 */
#ifndef RB_SERVE_STORE_H
#define RB_SERVE_STORE_H

#include <cjson/cJSON.h>

#define RUN_ID_LEN 64   /* hex SHA-256 */

typedef struct run_row {
	char id[RUN_ID_LEN + 1];
	char *runbook;          /* the path under --runbooks, as asked */
	cJSON *inputs;          /* the non-secret inputs, an object of strings */
	char *status;           /* queued|running|waiting|ok|failed|rolled-back|aborted */
	int exit_code;          /* -1 until the run ends */
	char *key;              /* what made the id (Idempotency-Key, alert), or NULL */
	char *ckey;             /* its concurrency key (the queue's message key), or NULL */
	double created, started, ended;  /* Unix seconds, 0 when not yet */
} run_row;

void run_row_release(run_row *r);
/* the row as the API shows it: {"id","runbook","status","exit"} */
cJSON *run_row_json(const run_row *r);

typedef struct store store;
typedef struct store_ops {
	/* write r (a new row or a new state of one): 0, or -1 with *err */
	int (*put)(store *s, const run_row *r, char **err);
	/* the row of id into *out (released by the caller): 0, or -1 when none */
	int (*get)(store *s, const char *id, run_row *out);
	/* every row, in no order, to fn */
	void (*each)(store *s, void (*fn)(const run_row *r, void *arg), void *arg);
	/* forget a row put moments ago whose run could not be queued (its
	 * admission failed: a retry admits it anew): 0, or -1 */
	int (*del)(store *s, const char *id);
	/* the transcript path of run id (malloc'd); its folder exists after put */
	char *(*transcript)(store *s, const char *id);
	void (*close)(store *s);
} store_ops;

struct store {
	const store_ops *ops;
};

/* the state directory store: DIR/runs/<id>/run.json (written to a temporary
 * file, fsync'ed, renamed, the folder fsync'ed), DIR/runs/<id>/transcript.jsonl */
store *store_file_open(const char *dir, char **err);

/* data into path (mode 0600) through path.tmp: written, fsync'ed, renamed,
 * folder fsync'ed; 0, or -1 with errno (serve's answers files use it too) */
int write_durably(const char *path, const char *folder, const char *data);

#endif
