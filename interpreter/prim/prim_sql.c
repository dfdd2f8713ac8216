/*
 * prim_sql.c - the `sql` primitive and the `postgres` connection (libpq).
 *
 * The step's statement goes through PQsendQueryParams: parameters travel
 * apart from the SQL text, so no value is ever spliced into a query, and
 * the extended protocol refuses more than one statement per query.  Only
 * text this file writes itself (BEGIN, SET LOCAL with a number, ROLLBACK)
 * goes through the simple protocol, where it may hold several statements:
 * a read-only step costs three round trips, like psql's.  All I/O is
 * asynchronous and driven by poll() in slices of POLL_SLICE_MS, so a
 * connect or a query honours its deadline and notices cancellation (the
 * run's SIGINT/SIGTERM flag) promptly; a query overrunning its deadline is
 * cancelled on the server with PQcancel.
 *
 * The connection handle is the PGconn itself, opened in non-blocking mode.
 *
 * The step's statement is read in single-row mode, so libpq hands over
 * one row at a time and nothing buffers the whole result: at most
 * max-rows rows and max-result bytes (cell text, plus ELEM_COST per cell)
 * are kept.  Past the bound a read statement is cancelled on the server
 * (the cancel's error is expected and ignored); any other statement is
 * drained row by row without keeping them, since cancelling it would roll
 * back what it wrote.  The result then says rows_truncated.
 */
#include "lang/prim.h"
#include "base/clock.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <libpq-fe.h>

#define POLL_SLICE_MS           100
#define PG_CONNECT_DEFAULT_MS   30000   /* when the caller gives no timeout */
#define PG_CANCEL_DRAIN_MS      2000    /* wait for a cancelled query to end */
#define DEFAULT_MAX_ROWS        1000
#define ELEM_COST               8       /* bytes of max-result one cell costs */

/* type OIDs from pg_type.dat (stable across PostgreSQL versions) */
enum {
	OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
	OID_OID = 26, OID_JSON = 114, OID_FLOAT4 = 700, OID_FLOAT8 = 701,
	OID_NUMERIC = 1700, OID_JSONB = 3802,
};

static int cancelled(volatile sig_atomic_t *cancel)
{
	return cancel && *cancel;
}

/* Wait until fd is ready for events, at most one slice and never past the
 * deadline (0 = none).  Returns poll()'s count, 0 on timeout or EINTR. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	int64_t left = POLL_SLICE_MS;
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	if (deadline) {
		left = deadline - now_ms();
		if (left > POLL_SLICE_MS)
			left = POLL_SLICE_MS;
		if (left < 0)
			left = 0;
	}
	r = poll(&p, 1, (int)left);
	return r < 0 && errno == EINTR ? 0 : r;
}

/* libpq's message on one line: "...failed: X\n\tIs the server..." */
static char *one_line(const char *msg)
{
	char *s = xstrdup(msg ? msg : ""), *o = s;

	for (const char *p = s; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r') {
			if (o > s && o[-1] != ' ')
				*o++ = ' ';
		} else {
			*o++ = *p;
		}
	}
	while (o > s && o[-1] == ' ')
		o--;
	*o = '\0';
	return s;
}

/* Redacted, malloc'd copy of a message we are about to hand out. */
static char *redacted(const redactor *red, char *msg)
{
	char *r = redact_str(red, msg, strlen(msg), NULL);

	free(msg);
	return r;
}

static int is_keyword(const char *s, size_t n)
{
	PQconninfoOption *opts = PQconndefaults(), *o;
	int found = 0;

	for (o = opts; o && o->keyword; o++)
		if (strlen(o->keyword) == n && !strncmp(o->keyword, s, n))
			found = 1;
	PQconninfoFree(opts);
	return found;
}

/*
 * A connection string libpq could not even parse: its messages quote
 * fragments of the string, which may be part of a password.  Keep only
 * the quoted fragments known not to be: "=", an option keyword, and the
 * name in 'invalid connection option "x"'.
 */
static char *parse_error(const char *msg)
{
	sbuf b = { 0 };
	const char *p = msg;

	while (*p) {
		const char *q = strchr(p, '"'), *e;
		size_t n;

		if (!q || !(e = strchr(q + 1, '"'))) {
			sbuf_adds(&b, p);
			break;
		}
		sbuf_add(&b, p, (size_t)(q - p));
		n = (size_t)(e - q - 1);
		if ((n == 1 && q[1] == '=') || is_keyword(q + 1, n) ||
		    (q - msg >= 7 && !strncmp(q - 7, "option ", 7)))
			sbuf_add(&b, q, n + 2);
		else
			sbuf_adds(&b, "\"...\"");
		p = e + 1;
	}
	return sbuf_detach(&b);
}

static void quiet_notices(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * Drive PQconnectPoll or PQresetPoll to completion.  Returns 0, or -1 with
 * *err (not yet redacted) naming host and port.
 */
static int pg_poll(PGconn *pg, int reset, int64_t deadline, int64_t budget,
		   volatile sig_atomic_t *cancel, char **err)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	for (;;) {
		short ev;

		if (st == PGRES_POLLING_OK)
			return 0;
		if (st == PGRES_POLLING_FAILED) {
			char *m = one_line(PQerrorMessage(pg));

			*err = xasprintf("cannot connect to postgres: %s", m);
			free(m);
			return -1;
		}
		ev = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
		for (;;) {
			if (cancelled(cancel)) {
				*err = xasprintf("connection to postgres at %s:%s cancelled",
						 PQhost(pg), PQport(pg));
				return -1;
			}
			if (now_ms() >= deadline) {
				*err = xasprintf("connection to postgres at %s:%s timed out after %lldms",
						 PQhost(pg), PQport(pg), (long long)budget);
				return -1;
			}
			if (wait_fd(PQsocket(pg), ev, deadline) > 0)
				break;
		}
		st = reset ? PQresetPoll(pg) : PQconnectPoll(pg);
	}
}

/*
 * Open a postgres connection from a libpq DSN ("host=... password=...")
 * or URL ("postgresql://user:pw@host:port/db").  The password (from the
 * spec, PGPASSWORD or a pgpass file) is added to the redactor before any
 * message can mention it, and every message returned is redacted.
 * Returns the PGconn, or NULL with *err naming host and port and quoting
 * libpq's reason, within timeout_ms (30 s when 0).
 */
void *conn_pg_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err)
{
	const char *kw[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { NULL, "runbook", NULL };
	int64_t budget = timeout_ms > 0 ? timeout_ms : PG_CONNECT_DEFAULT_MS;
	PGconn *pg;
	const char *pw;

	if (!spec || v_type(spec) != V_STR || !*v_as_str(spec)) {
		*err = xstrdup("a postgres connection is a DSN or URL string");
		return NULL;
	}
	vals[0] = v_as_str(spec);
	redact_add_url_credentials(red, vals[0]);
	pg = PQconnectStartParams(kw, vals, 1);
	if (!pg) {
		*err = xstrdup("cannot connect to postgres: out of memory");
		return NULL;
	}
	if (PQstatus(pg) == CONNECTION_BAD) {
		char *m = one_line(PQerrorMessage(pg)), *safe = parse_error(m);

		*err = redacted(red, xasprintf("invalid postgres connection string: %s", safe));
		free(m);
		free(safe);
		PQfinish(pg);
		return NULL;
	}
	PQsetNoticeProcessor(pg, quiet_notices, NULL);
	if (pg_poll(pg, 0, now_ms() + budget, budget, cancel, err) < 0) {
		if ((pw = PQpass(pg)) && *pw)
			redact_add(red, pw, strlen(pw));
		*err = redacted(red, *err);
		PQfinish(pg);
		return NULL;
	}
	if ((pw = PQpass(pg)) && *pw)
		redact_add(red, pw, strlen(pw));
	if (PQsetnonblocking(pg, 1) != 0) {
		*err = redacted(red, xasprintf("postgres: %s", PQerrorMessage(pg)));
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* Close a connection made by conn_pg_open (NULL is fine). */
void conn_pg_close(void *h)
{
	if (h)
		PQfinish(h);
}

/* "ERROR: relation \"x\" does not exist (SQLSTATE 42P01)" */
static char *result_error(const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (!msg)
		return one_line(PQresultErrorMessage(r));
	if (!state)
		return xasprintf("%s: %s", sev ? sev : "ERROR", msg);
	return xasprintf("%s: %s (SQLSTATE %s)", sev ? sev : "ERROR", msg, state);
}

static char *conn_error(PGconn *pg)
{
	char *m = one_line(PQerrorMessage(pg)), *r;

	r = xasprintf("postgres at %s:%s: %s", PQhost(pg), PQport(pg),
		      *m ? m : "connection lost");
	free(m);
	return r;
}

/*
 * Ask the server to cancel the running statement, then let the results
 * drain so the connection can serve the next step.  If they do not come
 * in time the connection stays busy and the next step resets it.
 */
static void cancel_running(PGconn *pg)
{
	PGcancel *cn = PQgetCancel(pg);
	char eb[256];
	int64_t deadline = now_ms() + PG_CANCEL_DRAIN_MS;

	if (cn) {
		PQcancel(cn, eb, sizeof(eb));
		PQfreeCancel(cn);
	}
	while (now_ms() < deadline) {
		PGresult *r;

		while (!PQisBusy(pg)) {
			if (!(r = PQgetResult(pg)))
				return;
			if (PQresultStatus(r) == PGRES_COPY_IN)
				PQputCopyEnd(pg, "cancelled");
			PQclear(r);
		}
		if (wait_fd(PQsocket(pg), POLLIN, deadline) > 0 && !PQconsumeInput(pg))
			return;
	}
}

/* A statement to send, and what to do with its results. */
typedef struct pg_stmt {
	const char *sql;
	int nparams;
	const char *const *params;      /* text parameters */
	int single_row;                 /* rows one result each (PQsetSingleRowMode) */
	int64_t deadline, budget;       /* deadline 0 = none; budget names the timeout */
	volatile sig_atomic_t *cancel;
	/* each result but a COPY's, which it must PQclear */
	void (*take)(void *ud, PGconn *pg, PGresult *r);
	void *ud;
	char *copy_err;                 /* out: the statement was a COPY (refused) */
	int simple;                     /* our own text, no params: PQsendQuery */
} pg_stmt;

/* what a statement stopped by the deadline or a signal says, once it was
 * also cancelled on the server */
static void stopped(PGconn *pg, const pg_stmt *q, char **err)
{
	if (cancelled(q->cancel))
		*err = xstrdup("query cancelled");
	else
		*err = xasprintf("query timed out after %lldms (cancelled on the server)",
				 (long long)q->budget);
	cancel_running(pg);
}

/* Send the statement, flushing it within the deadline: 0, or -1 with *err. */
static int pg_send(PGconn *pg, pg_stmt *q, char **err)
{
	int sent = q->simple ? PQsendQuery(pg, q->sql) :
		   PQsendQueryParams(pg, q->sql, q->nparams, NULL, q->params, NULL, NULL, 0);

	if (!sent) {
		*err = conn_error(pg);
		return -1;
	}
	if (q->single_row)
		PQsetSingleRowMode(pg);
	for (;;) {
		int f = PQflush(pg);

		if (f == 0)
			return 0;
		if (f < 0) {
			*err = conn_error(pg);
			return -1;
		}
		if (cancelled(q->cancel) || (q->deadline && now_ms() >= q->deadline)) {
			stopped(pg, q, err);
			return -1;
		}
		if (wait_fd(PQsocket(pg), POLLIN | POLLOUT, q->deadline) > 0 &&
		    !PQconsumeInput(pg)) {
			*err = conn_error(pg);
			return -1;
		}
	}
}

/*
 * The results that are ready, each to q->take.  A COPY is refused: COPY
 * FROM STDIN is ended at once, and the rows of a COPY TO STDOUT are read
 * and dropped (*copy_out while they come).  1 once the last result was
 * read, 0 when more are to come, -1 when the connection was lost.
 */
static int pg_take_ready(PGconn *pg, pg_stmt *q, int *copy_out)
{
	while (*copy_out) {
		char *buf = NULL;
		int n = PQgetCopyData(pg, &buf, 1);

		if (buf)
			PQfreemem(buf);
		if (n > 0)
			continue;
		if (n == -2)
			return -1;
		if (n == -1)
			*copy_out = 0;
		break;          /* 0: the rest is still to come */
	}
	while (!*copy_out && !PQisBusy(pg)) {
		PGresult *r = PQgetResult(pg);
		ExecStatusType st;

		if (!r)
			return 1;
		st = PQresultStatus(r);
		if (st == PGRES_COPY_IN) {
			PQputCopyEnd(pg, "COPY FROM STDIN is not supported by the sql primitive");
			PQclear(r);
		} else if (st == PGRES_COPY_OUT) {
			if (!q->copy_err)
				q->copy_err = xstrdup("COPY TO STDOUT is not supported by the sql primitive");
			*copy_out = 1;
			PQclear(r);
		} else
			q->take(q->ud, pg, r);
	}
	return 0;
}

/*
 * One round trip: send the statement and hand every result to q->take
 * until the last one, the deadline or cancellation.  0 once all were read
 * (q->copy_err set when it was a COPY), or -1 with *err when the statement
 * could not be carried out at all (a timeout or a signal cancels it on the
 * server too).
 */
static int pg_exchange(PGconn *pg, pg_stmt *q, char **err)
{
	int copy_out = 0;

	if (pg_send(pg, q, err) < 0)
		return -1;
	for (;;) {
		int r = pg_take_ready(pg, q, &copy_out);

		if (r > 0)
			return 0;
		if (r == 0 && (cancelled(q->cancel) || (q->deadline && now_ms() >= q->deadline))) {
			stopped(pg, q, err);
			return -1;
		}
		if (r < 0 || (wait_fd(PQsocket(pg), POLLIN, q->deadline) > 0 && !PQconsumeInput(pg))) {
			*err = conn_error(pg);
			return -1;
		}
	}
}

/* take(): keep the decisive result, the first error, else the last one */
static void keep_decisive(void *ud, PGconn *pg, PGresult *r)
{
	PGresult **keep = ud;

	if (*keep && PQresultStatus(*keep) == PGRES_FATAL_ERROR) {
		PQclear(r);
		return;
	}
	PQclear(*keep);
	*keep = r;
}

/*
 * Send q (its statement, deadline and cancel flag; take and ud are set
 * here) and wait for every result until the deadline or cancellation.
 * Returns the decisive result for the caller to PQclear, or NULL with
 * *err when the statement could not be carried out at all.  A result in
 * error state is returned, not turned into *err: the caller words it.
 */
static PGresult *roundtrip(PGconn *pg, pg_stmt *q, char **err)
{
	PGresult *keep = NULL;

	q->take = keep_decisive;
	q->ud = &keep;
	if (pg_exchange(pg, q, err) < 0 || q->copy_err) {
		if (q->copy_err && !*err)
			*err = q->copy_err;
		else
			free(q->copy_err);
		q->copy_err = NULL;
		PQclear(keep);
		return NULL;
	}
	if (!keep)
		*err = xstrdup("postgres returned no result");
	return keep;
}

/* Run q, whose result only matters as success or failure: 0, or -1 with *err. */
static int run_simple(PGconn *pg, pg_stmt *q, char **err)
{
	PGresult *r = roundtrip(pg, q, err);
	ExecStatusType st;

	if (!r)
		return -1;
	st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		*err = result_error(r);
		PQclear(r);
		return -1;
	}
	PQclear(r);
	return 0;
}

/* Reconnect when the connection was lost or a cancelled query is still in
 * flight (nothing of this step has been sent yet). */
static int ensure_ready(PGconn *pg, int64_t deadline, int64_t budget,
			volatile sig_atomic_t *cancel, char **err)
{
	if (PQstatus(pg) == CONNECTION_OK && !PQisBusy(pg) &&
	    PQtransactionStatus(pg) != PQTRANS_ACTIVE)
		return 0;
	if (!PQresetStart(pg)) {
		*err = conn_error(pg);
		return -1;
	}
	return pg_poll(pg, 1, deadline ? deadline : now_ms() + PG_CONNECT_DEFAULT_MS,
		       deadline ? budget : PG_CONNECT_DEFAULT_MS, cancel, err);
}

/* A column value typed by its type OID; NULL -> null. */
static value *cell(const PGresult *r, int row, int col)
{
	const char *s;
	int len;

	if (PQgetisnull(r, row, col))
		return v_null();
	s = PQgetvalue(r, row, col);
	len = PQgetlength(r, row, col);
	switch (PQftype(r, col)) {
	case OID_INT2: case OID_INT4: case OID_INT8: case OID_OID:
	case OID_FLOAT4: case OID_FLOAT8: case OID_NUMERIC: {
		char *end;
		double d = strtod(s, &end);

		if (end != s && *end == '\0' && isfinite(d))
			return v_num(d);
		return v_strn(s, (size_t)len);  /* NaN, Infinity */
	}
	case OID_BOOL:
		return v_bool(s[0] == 't');
	case OID_JSON: case OID_JSONB: {
		value *v = v_from_json(s, (size_t)len);

		return v ? v : v_strn(s, (size_t)len);
	}
	default:
		return v_strn(s, (size_t)len);
	}
}

/* ---- the step's statement, row by row ---- */

typedef struct fetch {
	const redactor *red;
	size_t max_rows, left;          /* rows, bytes still allowed */
	int can_cancel;                 /* a read: stop it on the server */
	value *rows, *cols;             /* cols NULL until the first result */
	double count;                   /* rows seen (or the command's count) */
	int truncated, cancelled, got_final;
	char *err;                      /* a statement error, worded */
} fetch;

static int query_effect(const char *s);

/* A cell within what is left of max-result; a cut one is redacted first. */
static value *bounded_cell(fetch *f, const PGresult *r, int col)
{
	size_t len = PQgetisnull(r, 0, col) ? 0 : (size_t)PQgetlength(r, 0, col);
	int cut;

	if (f->left < ELEM_COST) {
		f->truncated = 1;
		return NULL;
	}
	f->left -= ELEM_COST;
	if (len <= f->left) {
		f->left -= len;
		return cell(r, 0, col);
	}
	value *v = bounded_text(f->red, PQgetvalue(r, 0, col), len, f->left, 0, &cut);
	f->left -= v_str_len(v);
	f->truncated = 1;
	return v;
}

static void add_columns(fetch *f, const PGresult *r)
{
	if (f->cols)
		return;
	f->cols = v_list();
	for (int j = 0; j < PQnfields(r); j++)
		v_list_push_take(f->cols, v_str(PQfname(r, j)));
}

/* take(): one result of the statement (a row in single-row mode, the
 * end, an error) into the fetch ud */
static void fetch_result(void *ud, PGconn *pg, PGresult *r)
{
	fetch *f = ud;
	ExecStatusType st = PQresultStatus(r);

	switch (st) {
	case PGRES_SINGLE_TUPLE:
		add_columns(f, r);
		if (f->cancelled)
			break;
		f->count++;
		if (f->truncated || v_len(f->rows) >= f->max_rows) {
			f->truncated = 1;
		} else {
			value *row = v_obj();
			for (int j = 0; j < PQnfields(r) && !f->truncated; j++) {
				value *v = bounded_cell(f, r, j);
				if (v)
					v_obj_set_take(row, PQfname(r, j), v);
			}
			v_list_push_take(f->rows, row);
		}
		if (f->truncated && f->can_cancel) {
			PGcancel *cn = PQgetCancel(pg);
			char eb[256];

			if (cn) {
				f->cancelled = PQcancel(cn, eb, sizeof(eb));
				PQfreeCancel(cn);
			}
		}
		break;
	case PGRES_TUPLES_OK:
		add_columns(f, r);
		f->got_final = 1;
		break;
	case PGRES_COMMAND_OK:
		f->count = atof(PQcmdTuples(r));
		f->got_final = 1;
		break;
	case PGRES_EMPTY_QUERY:
		f->got_final = 1;
		break;
	default: {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		/* the cancel we sent once the bound was reached */
		if (f->cancelled && state && !strcmp(state, "57014"))
			f->got_final = 1;
		else if (!f->err)
			f->err = result_error(r);
		break;
	}
	}
	PQclear(r);
}

/*
 * Send the statement and read its rows within the bounds until the
 * deadline (0 = none) or cancellation.  0 with f filled, or -1 with *err
 * (f->err: the statement failed; otherwise it could not be carried out).
 */
static int fetch_rows(PGconn *pg, fetch *f, const char *sql, int nparams,
		      const char *const *params, int64_t deadline, int64_t budget,
		      volatile sig_atomic_t *cancel, char **err)
{
	pg_stmt q = { .sql = sql, .nparams = nparams, .params = params, .single_row = 1,
		      .deadline = deadline, .budget = budget, .cancel = cancel,
		      .take = fetch_result, .ud = f };

	if (pg_exchange(pg, &q, err) < 0) {
		free(q.copy_err);
		return -1;
	}
	if (q.copy_err) {
		/* it came before any error of the statement */
		free(f->err);
		f->err = q.copy_err;
	}
	if (f->err) {
		*err = f->err;
		f->err = NULL;
		return -1;
	}
	if (!f->got_final) {
		*err = xstrdup("postgres returned no result");
		return -1;
	}
	return 0;
}

/* {rows, row_count, columns, rows_truncated, duration} */
static value *fetch_value(fetch *f, int64_t started)
{
	value *res = v_obj();

	v_obj_set(res, "rows", f->rows);
	v_obj_set_take(res, "row_count", v_num(f->cancelled ? (double)v_len(f->rows) : f->count));
	v_obj_set_take(res, "columns", f->cols ? v_retain(f->cols) : v_list());
	v_obj_set_take(res, "rows_truncated", v_bool(f->truncated));
	v_obj_set_take(res, "duration", v_dur(now_ms() - started));
	return res;
}

/*
 * Text form of one parameter: NULL for SQL NULL, 't'/'f', numbers and
 * durations ("1m30s", which PostgreSQL reads as an interval) as text,
 * lists and objects as JSON.  *err on a NUL byte, which text cannot carry.
 */
static char *param_text(const value *v, size_t i, char **err)
{
	switch (v_type(v)) {
	case V_NULL:
		return NULL;
	case V_BOOL:
		return xstrdup(v_as_bool(v) ? "t" : "f");
	case V_STR:
		if (strlen(v_as_str(v)) != v_str_len(v)) {
			*err = xasprintf("sql parameter %zu contains a NUL byte", i + 1);
			return NULL;
		}
		return xstrdup(v_as_str(v));
	case V_LIST: case V_OBJ:
		return v_to_json(v);
	default:
		return v_to_text(v);
	}
}

/* The parameters as libpq's text array (*params, n of them; NULL for an
 * SQL NULL).  0, or -1 with *err (a message the caller prefixes). */
static int sql_params(const value *plist, char ***params, size_t *n, char **err)
{
	*params = NULL;
	*n = 0;
	if (!plist || v_type(plist) == V_NULL)
		return 0;
	if (v_type(plist) != V_LIST) {
		*err = xasprintf("sql 'params' must be a list, not a %s", v_type_name(plist));
		return -1;
	}
	if (v_len(plist) > 65535) {
		*err = xasprintf("sql takes at most 65535 parameters, not %zu", v_len(plist));
		return -1;
	}
	*n = v_len(plist);
	*params = xcalloc(*n ? *n : 1, sizeof(char *));
	for (size_t i = 0; i < *n; i++) {
		(*params)[i] = param_text(v_list_get(plist, i), i, err);
		if (*err)
			return -1;
	}
	return 0;
}

/*
 * The statement that sets the step's statement_timeout (0 = none) into
 * buf: a write step's for the session, so an earlier step's setting never
 * lingers; a read-only step's opens BEGIN READ ONLY with it as SET LOCAL,
 * one round trip for both.  Only a number is ever formatted into it.
 */
static pg_stmt session_stmt(prim_call *c, int64_t deadline, int readonly,
			    char *buf, size_t len, const char *const *arg)
{
	long long ms = c->timeout_ms > 0 ? (long long)c->timeout_ms : 0;
	pg_stmt q = { .deadline = deadline, .budget = c->timeout_ms, .cancel = c->cancel };

	if (readonly) {
		snprintf(buf, len, "BEGIN READ ONLY; SET LOCAL statement_timeout = %lld", ms);
		q.sql = buf;
		q.simple = 1;
	} else {
		snprintf(buf, len, "%lld", ms);
		q.sql = "SELECT set_config('statement_timeout', $1, false)";
		q.nparams = 1;
		q.params = arg;
	}
	return q;
}

/*
 * Make the connection ready for the step: reconnected if needed, with the
 * step's statement_timeout, and inside BEGIN READ ONLY when readonly
 * (*in_tx then, and whenever a failed attempt left a transaction open).
 * 0, or -1 with *err.
 */
static int sql_session(PGconn *pg, prim_call *c, int64_t deadline, int readonly, int *in_tx,
		       char **err)
{
	char buf[96];
	const char *arg[1] = { buf };
	pg_stmt q = session_stmt(c, deadline, readonly, buf, sizeof(buf), arg);
	int rc;

	if (ensure_ready(pg, deadline, c->timeout_ms, c->cancel, err) < 0)
		return -1;
	if (readonly && PQtransactionStatus(pg) != PQTRANS_IDLE) {
		*err = xstrdup("cannot run read-only: the connection is inside "
			       "a transaction an earlier step opened");
		return -1;
	}
	rc = run_simple(pg, &q, err);
	if (rc < 0 && PQstatus(pg) == CONNECTION_BAD && !cancelled(c->cancel)) {
		/* the server may have gone between steps: reconnect once; the
		 * statement is idempotent there, so trying it again is safe */
		free(*err);
		*err = NULL;
		rc = ensure_ready(pg, deadline, c->timeout_ms, c->cancel, err);
		if (rc == 0)
			rc = run_simple(pg, &q, err);
	}
	if (readonly && PQstatus(pg) == CONNECTION_OK)
		*in_tx = rc == 0 || PQtransactionStatus(pg) != PQTRANS_IDLE;
	return rc;
}

/* End a read-only step's transaction, with a short grace of its own (the
 * step deadline may be gone); a failed ROLLBACK fails a step that had
 * succeeded (*rc, c->result, *err). */
static void sql_rollback(PGconn *pg, prim_call *c, int *rc, char **err)
{
	pg_stmt q = { .sql = "ROLLBACK", .simple = 1,
		      .deadline = now_ms() + PG_CANCEL_DRAIN_MS, .budget = PG_CANCEL_DRAIN_MS };
	char *e2 = NULL;

	if (PQstatus(pg) != CONNECTION_OK)
		return;
	if (run_simple(pg, &q, &e2) < 0 && *rc == 0) {
		*err = xasprintf("read-only transaction: %s", e2);
		v_release(c->result);
		c->result = NULL;
		*rc = -1;
	}
	free(e2);
}

/*
 * The `sql` primitive: one statement with $n parameters on c->conn.
 * Under `read-only: true` or --dry-run the statement runs inside BEGIN
 * READ ONLY ... ROLLBACK, so a write fails with PostgreSQL's own error.
 * The step timeout is set as statement_timeout on the server and also
 * kept as a client deadline (then PQcancel).  Fills c->result with rows
 * (at most max-rows, max-result bytes), row_count, columns, rows_truncated
 * and duration; returns -1 with c->error for SQL errors
 * ("ERROR: ... (SQLSTATE xxxxx)"), timeouts, cancellation or a lost
 * connection.
 */
int prim_sql_run(prim_call *c)
{
	PGconn *pg = c->conn;
	const value *query = arg_get(c->args, "query");
	const value *ro = arg_get(c->args, "read-only");
	int64_t started = now_ms();
	int64_t deadline = c->timeout_ms > 0 ? started + c->timeout_ms : 0;
	int readonly = c->dry_run, in_tx = 0, rc = -1;
	size_t n = 0;
	char **params = NULL, *err = NULL;
	fetch f = { .red = c->red };

	if (!pg) {
		c->error = xstrdup("sql needs a postgres connection");
		return -1;
	}
	if (!query || v_type(query) != V_STR || !*v_as_str(query)) {
		c->error = xstrdup("sql needs a 'query' string");
		return -1;
	}
	if (arg_count(c->args, "max-rows", DEFAULT_MAX_ROWS, &f.max_rows, &err) < 0 ||
	    arg_count(c->args, "max-result", DEFAULT_MAX_RESULT, &f.left, &err) < 0) {
		c->error = xasprintf("sql: %s", err);
		free(err);
		return -1;
	}
	if (strlen(v_as_str(query)) != v_str_len(query)) {
		c->error = xstrdup("sql 'query' contains a NUL byte");
		return -1;
	}
	if (ro && v_type(ro) == V_BOOL)
		readonly |= v_as_bool(ro);
	else if (ro && v_type(ro) != V_NULL) {
		c->error = xasprintf("sql 'read-only' must be a boolean, not a %s", v_type_name(ro));
		return -1;
	}
	if (sql_params(arg_get(c->args, "params"), &params, &n, &err) < 0 ||
	    sql_session(pg, c, deadline, readonly, &in_tx, &err) < 0)
		goto out;
	/* a read may be stopped on the server once the bounds are reached,
	 * unless that would abort a transaction an earlier step opened */
	f.can_cancel = in_tx || (PQtransactionStatus(pg) == PQTRANS_IDLE &&
				 query_effect(v_as_str(query)) == EFFECT_READ);
	f.rows = v_list();
	if (fetch_rows(pg, &f, v_as_str(query), (int)n, (const char *const *)params,
		       deadline, c->timeout_ms, c->cancel, &err) < 0)
		goto out;
	c->result = fetch_value(&f, started);
	rc = 0;
out:
	if (f.rows)
		v_release(f.rows);
	if (f.cols)
		v_release(f.cols);
	free(f.err);
	if (in_tx)
		sql_rollback(pg, c, &rc, &err);
	for (size_t i = 0; params && i < n; i++)
		free(params[i]);
	free(params);
	if (rc < 0)
		c->error = err ? redact_str(c->red, err, strlen(err), NULL) : xstrdup("sql failed");
	free(err);
	return rc;
}

/* ---- effect: read or write, decided from the literal query ---- */

static int has_template(const node *n)
{
	return n && n->kind == N_SCALAR && n->str && strstr(n->str, "${{");
}

/* words that make a statement a write (or a side effect) wherever they
 * appear outside literals, quoted identifiers and comments */
static const char *const write_words[] = {
	"insert", "update", "delete", "merge", "truncate", "drop", "create",
	"alter", "grant", "revoke", "copy", "call", "do", "lock", "into",
	"share", "nextval", "setval", "set_config", "pg_terminate_backend",
	"pg_cancel_backend", "pg_reload_conf", "pg_switch_wal",
	"pg_rotate_logfile", "pg_promote", "pg_notify", "pg_advisory_lock",
	"pg_advisory_xact_lock", "lo_unlink", "lo_import", "lo_export",
	"dblink_exec", NULL,
};

static const char *const read_starts[] = {
	"select", "show", "explain", "with", "values", "table", NULL,
};

static int word_in(const char *w, size_t n, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && !strncasecmp(w, list[i], n))
			return 1;
	return 0;
}

/*
 * Lexical scan of a statement: the first keyword must start a read and no
 * write word may appear.  Literals ('...', E'...', $tag$...$tag$), quoted
 * identifiers and comments are skipped, so data never decides.
 */
static int query_effect(const char *s)
{
	int first = 1, estr = 0;

	while (*s) {
		if (isspace((unsigned char)*s) || *s == '(' || *s == ';') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			s = e ? e + 2 : s + strlen(s);
		} else if (*s == '\'' || *s == '"') {
			char q = *s;
			int esc = estr && q == '\'';

			estr = 0;

			for (s++; *s; s++) {
				if (esc && *s == '\\' && s[1]) {
					s++;
				} else if (*s == q) {
					if (s[1] != q)
						break;
					s++;
				}
			}
			if (*s)
				s++;
		} else if (*s == '$' && (s[1] == '$' || s[1] == '_' ||
					 isalpha((unsigned char)s[1]))) {
			const char *t = s + 1, *e;
			char tag[64];
			size_t tl;

			while (isalnum((unsigned char)*t) || *t == '_')
				t++;
			if (*t != '$' || (size_t)(t - s + 1) >= sizeof(tag)) {
				s = t;
				continue;
			}
			tl = (size_t)(t - s + 1);
			memcpy(tag, s, tl);
			tag[tl] = '\0';
			e = strstr(t + 1, tag);
			s = e ? e + tl : s + strlen(s);
		} else if (isalpha((unsigned char)*s) || *s == '_') {
			const char *w = s;

			while (isalnum((unsigned char)*s) || *s == '_' || *s == '$')
				s++;
			/* E'...' escape strings: the quote is handled above */
			if ((s - w == 1) && (*w == 'E' || *w == 'e') && *s == '\'') {
				estr = 1;
				continue;
			}
			if (first && !word_in(w, (size_t)(s - w), read_starts))
				return EFFECT_WRITE;
			first = 0;
			if (word_in(w, (size_t)(s - w), write_words))
				return EFFECT_WRITE;
		} else {
			s++;
		}
	}
	return first ? EFFECT_WRITE : EFFECT_READ;
}

/*
 * Effect of a `sql` action from its YAML: `read-only: true` is a read (the
 * transaction enforces it); otherwise a literal query that starts with
 * SELECT/SHOW/EXPLAIN/WITH/VALUES/TABLE and holds no data-modifying word
 * is a read; anything else a write.  -1 when a template decides.
 */
int prim_sql_effect(const node *action)
{
	const node *ro = node_get(action, "read-only");
	const node *q = node_get(action, "query");

	if (node_is_true(ro))
		return EFFECT_READ;
	if (has_template(ro) || has_template(q))
		return -1;
	if (!q || q->kind != N_SCALAR || !q->str)
		return EFFECT_WRITE;
	return query_effect(q->str);
}
