/*
 * test_sql.c - the sql primitive and the postgres connection against a
 * real PostgreSQL: RB_TEST_PG_DSN/RB_TEST_PG_PASSWORD when the suite's
 * service runs, else a private instance started with tests/lib/svc_postgres.sh.
 */
#include "unit.h"
#include "svc.h"
#include "lang/prim.h"
#include "lang/node.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char dsn[512], password[128];
static int port;
static volatile sig_atomic_t cancel_flag;
static redactor *red;

static int setup_service(void)
{
	return svc_endpoint("postgres", "RB_TEST_PG_DSN", "RB_TEST_PG_PASSWORD", "RB_TEST_PG_PORT", dsn, sizeof(dsn),
			    password, sizeof(password), &port);
}

static void *open_dsn(const char *s, int64_t timeout_ms, char **err)
{
	value *spec = v_str(s);
	void *h;

	*err = NULL;
	h = conn_pg_open(spec, timeout_ms, NULL, red, err);
	v_release(spec);
	return h;
}

/* Run one sql action; args built by the caller (consumed). */
static int run(void *conn, value *args, int64_t timeout_ms, int dry_run,
	       value **result, char **err)
{
	prim_call c = { 0 };
	int rc;

	c.args = args;
	c.conn = conn;
	c.timeout_ms = timeout_ms;
	c.attempt = 1;
	c.cancel = &cancel_flag;
	c.red = red;
	c.dry_run = dry_run;
	rc = prim_sql_run(&c);
	v_release(args);
	*result = c.result;
	*err = c.error;
	if (rc == 0)
		CHECK(c.result && !c.error);
	else
		CHECK(!c.result && c.error);
	return rc;
}

static value *sql_args(const char *query, value *params_take, int read_only)
{
	value *a = v_obj();

	v_obj_set_take(a, "connection", v_str("db"));
	v_obj_set_take(a, "query", v_str(query));
	if (params_take)
		v_obj_set_take(a, "params", params_take);
	if (read_only >= 0)
		v_obj_set_take(a, "read-only", v_bool(read_only));
	return a;
}

static value *list_of_str(const char *s)
{
	value *l = v_list();

	v_list_push_take(l, v_str(s));
	return l;
}

/* result.rows[i].col */
static value *cell(value *res, size_t i, const char *col)
{
	value *rows = v_obj_get(res, "rows");
	value *row = rows ? v_list_get(rows, i) : NULL;

	return row ? v_obj_get(row, col) : NULL;
}

static double num_field(value *res, const char *k)
{
	value *v = v_obj_get(res, k);

	return v && v_type(v) == V_NUM ? v_as_num(v) : -1;
}

/* a single-value query on conn: the text of rows[0].v, malloc'd */
static char *scalar(void *conn, const char *query)
{
	value *res;
	char *err, *out = NULL;

	if (run(conn, sql_args(query, NULL, -1), 5000, 0, &res, &err) == 0) {
		value *v = cell(res, 0, "v");

		out = v ? v_to_text(v) : NULL;
		v_release(res);
	} else {
		fprintf(stderr, "scalar: %s\n", err);
		free(err);
	}
	return out;
}

static void test_types(void *conn)
{
	value *res, *v;
	char *err;

	CHECK(run(conn, sql_args("SELECT 1::int2 AS i2, 2::int4 AS i4, 9007199254740::int8 AS i8, "
				 "1.5::float8 AS f8, 2.25::numeric AS n, 'NaN'::numeric AS nan, "
				 "true AS t, false AS f, NULL::text AS nul, "
				 "'{\"a\":[1,2],\"b\":null}'::jsonb AS j, '[1,\"x\"]'::json AS js, "
				 "'héllo'::text AS s, '2025-01-02'::date AS d", NULL, -1),
		  5000, 0, &res, &err) == 0);
	if (!res)
		return;
	CHECK(num_field(res, "row_count") == 1);
	CHECK(v_len(v_obj_get(res, "columns")) == 13);
	CHECK_STR(v_as_str(v_list_get(v_obj_get(res, "columns"), 0)), "i2");
	CHECK(v_type(v_obj_get(res, "duration")) == V_DUR);
	CHECK((v = cell(res, 0, "i2")) && v_type(v) == V_NUM && v_as_num(v) == 1);
	CHECK((v = cell(res, 0, "i4")) && v_type(v) == V_NUM && v_as_num(v) == 2);
	CHECK((v = cell(res, 0, "i8")) && v_type(v) == V_NUM && v_as_num(v) == 9007199254740.0);
	CHECK((v = cell(res, 0, "f8")) && v_type(v) == V_NUM && v_as_num(v) == 1.5);
	CHECK((v = cell(res, 0, "n")) && v_type(v) == V_NUM && v_as_num(v) == 2.25);
	CHECK((v = cell(res, 0, "nan")) && v_type(v) == V_STR);
	CHECK((v = cell(res, 0, "t")) && v_type(v) == V_BOOL && v_as_bool(v));
	CHECK((v = cell(res, 0, "f")) && v_type(v) == V_BOOL && !v_as_bool(v));
	CHECK((v = cell(res, 0, "nul")) && v_type(v) == V_NULL);
	CHECK((v = cell(res, 0, "j")) && v_type(v) == V_OBJ && v_len(v_obj_get(v, "a")) == 2);
	CHECK((v = cell(res, 0, "js")) && v_type(v) == V_LIST &&
	      !strcmp(v_as_str(v_list_get(v, 1)), "x"));
	CHECK((v = cell(res, 0, "s")) && v_type(v) == V_STR && !strcmp(v_as_str(v), "héllo"));
	CHECK((v = cell(res, 0, "d")) && v_type(v) == V_STR && !strcmp(v_as_str(v), "2025-01-02"));
	v_release(res);
}

static void test_params(void *conn)
{
	value *res, *params, *obj, *v;
	char *err, *s;
	const char *evil = "'; DROP TABLE delegation_tasks; --";

	/* the seeded table, filtered by a parameter */
	CHECK(run(conn, sql_args("SELECT task_id, status FROM delegation_tasks WHERE status = $1 "
				 "ORDER BY task_id", list_of_str("stuck"), -1),
		  5000, 0, &res, &err) == 0);
	if (res) {
		CHECK(num_field(res, "row_count") == 2);
		CHECK_STR(v_as_str(cell(res, 0, "task_id")), "task-3");
		CHECK_STR(v_as_str(cell(res, 1, "task_id")), "task-4");
		v_release(res);
	}

	/* an injection attempt stays data, both as a filter and as a value */
	CHECK(run(conn, sql_args("SELECT count(*) AS v FROM delegation_tasks WHERE task_id = $1",
				 list_of_str(evil), -1), 5000, 0, &res, &err) == 0);
	if (res) {
		CHECK((v = cell(res, 0, "v")) && v_as_num(v) == 0);
		v_release(res);
	}
	CHECK(run(conn, sql_args("SELECT $1::text AS v", list_of_str(evil), -1), 5000, 0, &res, &err) == 0);
	if (res) {
		CHECK_STR(v_as_str(cell(res, 0, "v")), evil);
		v_release(res);
	}
	s = scalar(conn, "SELECT count(*) AS v FROM delegation_tasks");
	CHECK_STR(s, "5");
	free(s);

	/* two statements in one query are refused by the protocol */
	CHECK(run(conn, sql_args("SELECT 1; DROP TABLE delegation_tasks", NULL, -1),
		  5000, 0, &res, &err) == -1);
	CHECK(err && strstr(err, "cannot insert multiple commands") && strstr(err, "SQLSTATE 42601"));
	free(err);
	s = scalar(conn, "SELECT count(*) AS v FROM delegation_tasks");
	CHECK_STR(s, "5");
	free(s);

	/* null, bool, number, list and object parameters */
	params = v_list();
	v_list_push_take(params, v_null());
	v_list_push_take(params, v_bool(1));
	v_list_push_take(params, v_num(41));
	obj = v_obj();
	v_obj_set_take(obj, "k", v_str("v"));
	v_list_push_take(params, obj);
	v_list_push_take(params, v_num(2.5));
	CHECK(run(conn, sql_args("SELECT $1::text IS NULL AS isnull, $2::bool AS b, $3::int + 1 AS n, "
				 "$4::jsonb ->> 'k' AS k, $5::float8 * 2 AS f", params, -1),
		  5000, 0, &res, &err) == 0);
	if (res) {
		CHECK((v = cell(res, 0, "isnull")) && v_type(v) == V_BOOL && v_as_bool(v));
		CHECK((v = cell(res, 0, "b")) && v_type(v) == V_BOOL && v_as_bool(v));
		CHECK((v = cell(res, 0, "n")) && v_type(v) == V_NUM && v_as_num(v) == 42);
		CHECK_STR(v_as_str(cell(res, 0, "k")), "v");
		CHECK((v = cell(res, 0, "f")) && v_as_num(v) == 5);
		v_release(res);
	}

	/* a NUL byte cannot travel as a text parameter: refused, not cut */
	params = v_list();
	v_list_push_take(params, v_strn("a\0b", 3));
	CHECK(run(conn, sql_args("SELECT $1::text AS v", params, -1), 5000, 0, &res, &err) == -1);
	CHECK(err && strstr(err, "parameter 1 contains a NUL byte"));
	free(err);
}

static void test_errors_and_writes(void *conn)
{
	value *res;
	char *err, *s, q[256], table[64];

	CHECK(run(conn, sql_args("SELECT * FROM nope", NULL, -1), 5000, 0, &res, &err) == -1);
	CHECK_STR(err, "ERROR: relation \"nope\" does not exist (SQLSTATE 42P01)");
	free(err);

	snprintf(table, sizeof(table), "unit_sql_%d", (int)getpid());
	snprintf(q, sizeof(q), "CREATE TABLE %s (id int PRIMARY KEY, note text)", table);
	CHECK(run(conn, sql_args(q, NULL, -1), 5000, 0, &res, &err) == 0);
	if (res) {
		CHECK(num_field(res, "row_count") == 0);
		CHECK(v_len(v_obj_get(res, "rows")) == 0);
		CHECK(v_len(v_obj_get(res, "columns")) == 0);
		v_release(res);
	}
	snprintf(q, sizeof(q), "INSERT INTO %s SELECT g, 'n' || g FROM generate_series(1, 3) g", table);
	CHECK(run(conn, sql_args(q, NULL, -1), 5000, 0, &res, &err) == 0);
	if (res) {
		CHECK(num_field(res, "row_count") == 3);
		v_release(res);
	}
	snprintf(q, sizeof(q), "UPDATE %s SET note = $1 WHERE id >= 2", table);
	CHECK(run(conn, sql_args(q, list_of_str("upd"), -1), 5000, 0, &res, &err) == 0);
	if (res) {
		CHECK(num_field(res, "row_count") == 2);
		v_release(res);
	}
	snprintf(q, sizeof(q), "INSERT INTO %s VALUES (1, 'dup')", table);
	CHECK(run(conn, sql_args(q, NULL, -1), 5000, 0, &res, &err) == -1);
	CHECK(err && strstr(err, "duplicate key value violates unique constraint") &&
	      strstr(err, "(SQLSTATE 23505)"));
	free(err);

	/* read-only: a write fails with PostgreSQL's error and leaves no trace */
	snprintf(q, sizeof(q), "INSERT INTO %s VALUES (10, 'ro')", table);
	CHECK(run(conn, sql_args(q, NULL, 1), 5000, 0, &res, &err) == -1);
	CHECK(err && strstr(err, "cannot execute INSERT in a read-only transaction") &&
	      strstr(err, "SQLSTATE 25006"));
	free(err);
	CHECK(PQtransactionStatus(conn) == PQTRANS_IDLE);
	/* --dry-run runs reads the same way */
	snprintf(q, sizeof(q), "DELETE FROM %s", table);
	CHECK(run(conn, sql_args(q, NULL, -1), 5000, 1, &res, &err) == -1);
	CHECK(err && strstr(err, "read-only transaction"));
	free(err);
	snprintf(q, sizeof(q), "SELECT count(*) AS v FROM %s", table);
	s = scalar(conn, q);
	CHECK_STR(s, "3");
	free(s);
	/* a read under read-only works */
	snprintf(q, sizeof(q), "SELECT note AS v FROM %s WHERE id = $1", table);
	{
		value *p = v_list();

		v_list_push_take(p, v_num(2));
		CHECK(run(conn, sql_args(q, p, 1), 5000, 0, &res, &err) == 0);
	}
	if (res) {
		CHECK_STR(v_as_str(cell(res, 0, "v")), "upd");
		CHECK_STR(v_as_str(cell(res, 0, "v")), "upd");
		v_release(res);
	}
	CHECK(PQtransactionStatus(conn) == PQTRANS_IDLE);
	snprintf(q, sizeof(q), "DROP TABLE %s", table);
	CHECK(run(conn, sql_args(q, NULL, -1), 5000, 0, &res, &err) == 0);
	v_release(res);
}

static void on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void test_timeout_and_cancel(void *conn, void *other)
{
	value *res;
	char *err, *s;
	int64_t t0;
	struct itimerval it = { .it_value = { 0, 200000 } };

	t0 = ms_now();
	CHECK(run(conn, sql_args("SELECT pg_sleep(5) AS v /* unit-sql-timeout */", NULL, -1), 300, 0, &res, &err) == -1);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && (strstr(err, "timed out") || strstr(err, "statement timeout")));
	free(err);
	/* the statement no longer runs on the server */
	s = scalar(other, "SELECT count(*) AS v FROM pg_stat_activity "
			  "WHERE state = 'active' AND query LIKE '%unit-sql-timeout%' "
			  "AND pid <> pg_backend_pid()");
	CHECK_STR(s, "0");
	free(s);
	/* and the connection serves the next step, without the old timeout */
	s = scalar(conn, "SELECT current_setting('statement_timeout') AS v");
	CHECK_STR(s, "5s");
	free(s);

	/* SIGINT/SIGTERM: the flag stops a query without a timeout promptly */
	signal(SIGALRM, on_alarm);
	cancel_flag = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = ms_now();
	CHECK(run(conn, sql_args("SELECT pg_sleep(5) AS v", NULL, -1), 0, 0, &res, &err) == -1);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && strstr(err, "cancelled"));
	free(err);
	cancel_flag = 0;
	s = scalar(conn, "SELECT 'alive' AS v");
	CHECK_STR(s, "alive");
	free(s);
}

static void test_reconnect(void *conn, void *other)
{
	char *pid = scalar(conn, "SELECT pg_backend_pid() AS v"), q[128], *s;

	snprintf(q, sizeof(q), "SELECT pg_terminate_backend(%s) AS v", pid ? pid : "0");
	s = scalar(other, q);
	CHECK_STR(s, "true");
	free(s);
	/* the next step notices the lost session and reconnects once */
	s = scalar(conn, "SELECT pg_backend_pid()::text AS v");
	CHECK(s && pid && strcmp(s, pid) != 0);
	free(s);
	free(pid);
}

/* a port nothing listens on */
static int dead_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), p;

	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &l);
	p = ntohs(a.sin_port);
	close(fd);
	return p;
}

static void test_connect_failures(void)
{
	char d[512], *err, portstr[16];
	void *h;
	int64_t t0;
	int p = dead_port(), lfd;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);

	/* refused: host and port named, libpq's reason kept */
	snprintf(d, sizeof(d), "postgresql://runbook:refused-pw-123@127.0.0.1:%d/rbtest", p);
	snprintf(portstr, sizeof(portstr), "%d", p);
	h = open_dsn(d, 2000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "127.0.0.1") && strstr(err, portstr) &&
	      strstr(err, "Connection refused"));
	CHECK(err && !strstr(err, "refused-pw-123"));
	CHECK(redact_contains(red, "refused-pw-123", 14));
	free(err);

	/* a server that accepts TCP but never answers: the deadline holds */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *)&a, sizeof(a));
	listen(lfd, 4);
	getsockname(lfd, (struct sockaddr *)&a, &l);
	snprintf(d, sizeof(d), "host=127.0.0.1 port=%d dbname=rbtest user=runbook "
		 "password=silent-pw-456 sslmode=disable", ntohs(a.sin_port));
	t0 = ms_now();
	h = open_dsn(d, 300, &err);
	CHECK(!h);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && strstr(err, "timed out after 300ms") && strstr(err, "127.0.0.1"));
	CHECK(err && !strstr(err, "silent-pw-456"));
	free(err);
	close(lfd);

	/* wrong password: the server's reason, never the password */
	snprintf(d, sizeof(d), "postgresql://runbook:wrong-pw-789@127.0.0.1:%d/rbtest", port);
	h = open_dsn(d, 5000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "password authentication failed for user \"runbook\""));
	CHECK(err && !strstr(err, "wrong-pw-789"));
	free(err);

	/* a DSN libpq cannot parse: its message must not echo the secret */
	h = open_dsn("host=127.0.0.1 password=unparsed-pw-000 oops", 1000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "invalid postgres connection string"));
	CHECK(err && !strstr(err, "unparsed-pw-000") && !strstr(err, "oops"));
	free(err);
	h = open_dsn("host=127.0.0.1 passwrd=typo-pw-111", 1000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "invalid connection option \"passwrd\"") && !strstr(err, "typo-pw-111"));
	free(err);

	h = open_dsn("", 1000, &err);
	CHECK(!h && err);
	free(err);
}

static int effect_of(const char *yaml)
{
	return yaml_effect(prim_sql_effect, "sql", yaml);
}

static void test_effect(void)
{
	CHECK(effect_of("sql: {connection: db, query: 'SELECT * FROM t WHERE a = $1'}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: \"  -- note\\n(select 1)\"}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'SHOW statement_timeout'}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'EXPLAIN SELECT 1'}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'WITH x AS (SELECT 1) SELECT * FROM x'}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: \"SELECT 'delete me' AS \\\"update\\\"\"}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT $x$ drop $x$, E''\\'' insert'''}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'UPDATE t SET a = 1'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT * INTO t2 FROM t'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT * FROM t FOR UPDATE'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT nextval(''s'')'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT pg_terminate_backend(1)'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'VACUUM t'}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: ''}") == EFFECT_WRITE);
	CHECK(effect_of("sql: {connection: db, query: 'DELETE FROM t', read-only: true}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT 1', read-only: false}") == EFFECT_READ);
	CHECK(effect_of("sql: {connection: db, query: '${{ inputs.q }}'}") == -1);
	CHECK(effect_of("sql: {connection: db, query: 'SELECT 1', read-only: '${{ inputs.ro }}'}") == -1);
}

int main(void)
{
	void *conn, *other;
	char *err, *kv, *s;

	red = redactor_new();
	test_effect();
	if (setup_service() < 0) {
		fprintf(stderr, "test_sql: cannot start postgres\n");
		CHECK(0);
		return unit_done("test_sql");
	}

	conn = open_dsn(dsn, 5000, &err);
	CHECK(conn != NULL);
	if (!conn) {
		fprintf(stderr, "open: %s\n", err);
		free(err);
		return unit_done("test_sql");
	}
	CHECK(redact_contains(red, password, strlen(password)));
	/* the key=value form, its password registered too */
	kv = xasprintf("host=127.0.0.1 port=%d dbname=rbtest user=runbook password='%s'", port, password);
	other = open_dsn(kv, 5000, &err);
	CHECK(other != NULL);
	free(kv);
	if (!other) {
		fprintf(stderr, "open: %s\n", err);
		free(err);
		conn_pg_close(conn);
		return unit_done("test_sql");
	}
	s = scalar(other, "SELECT current_user AS v");
	CHECK_STR(s, "runbook");
	free(s);

	test_types(conn);
	test_params(conn);
	test_errors_and_writes(conn);
	test_timeout_and_cancel(conn, other);
	test_reconnect(conn, other);
	test_connect_failures();

	conn_pg_close(conn);
	conn_pg_close(other);
	redactor_free(red);
	return unit_done("test_sql");
}
