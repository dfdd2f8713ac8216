/*
 * test_redis.c - the redis primitive and the redis connection against a
 * real redis-server: RB_TEST_REDIS_* when the suite's service runs, else a
 * private instance started with tests/lib/svc_redis.sh.
 */
#include "unit.h"
#include "svc.h"
#include "lang/prim.h"
#include "lang/node.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static char url[512], password[128];
static int port;
static volatile sig_atomic_t cancel_flag;
static redactor *red;
static char prefix[32];         /* keys of this process: tests may share a server */

static int setup_service(void)
{
	return svc_endpoint("redis", "RB_TEST_REDIS_URL", "RB_TEST_REDIS_PASSWORD", "RB_TEST_REDIS_PORT", url, sizeof(url),
			    password, sizeof(password), &port);
}

static void *open_spec(value *spec_take, int64_t timeout_ms, char **err)
{
	void *h;

	*err = NULL;
	h = conn_redis_open(spec_take, timeout_ms, NULL, red, err);
	v_release(spec_take);
	if (h)
		CHECK(!*err);
	else
		CHECK(*err && !strstr(*err, password));
	return h;
}

/* Run one redis command; cmd is consumed. */
static int run(void *conn, value *cmd, int64_t timeout_ms, value **result, char **err)
{
	prim_call c = { 0 };
	value *args = v_obj();
	int rc;

	v_obj_set_take(args, "connection", v_str("cache"));
	v_obj_set_take(args, "command", cmd);
	c.args = args;
	c.conn = conn;
	c.timeout_ms = timeout_ms;
	c.attempt = 1;
	c.cancel = &cancel_flag;
	c.red = red;
	rc = prim_redis_run(&c);
	v_release(args);
	*result = c.result;
	*err = c.error;
	if (rc == 0)
		CHECK(c.result && !c.error && v_type(v_obj_get(c.result, "duration")) == V_DUR);
	else
		CHECK(!c.result && c.error && !strstr(c.error, password));
	return rc;
}

/* argv of C strings (NULL-terminated); "@key" is prefixed with this
 * process's key prefix */
static value *cmdv(const char *first, ...)
{
	value *l = v_list();
	va_list ap;

	va_start(ap, first);
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		if (s[0] == '@') {
			char k[128];

			snprintf(k, sizeof(k), "%s%s", prefix, s + 1);
			v_list_push_take(l, v_str(k));
		} else {
			v_list_push_take(l, v_str(s));
		}
	}
	va_end(ap);
	return l;
}

static const char *rtype(value *res)
{
	value *t = res ? v_obj_get(res, "type") : NULL;

	return t ? v_as_str(t) : "";
}

static value *reply(value *res)
{
	return v_obj_get(res, "reply");
}

/* run and keep only success; releases the result */
static int ok(void *conn, value *cmd)
{
	value *res;
	char *err;
	int rc = run(conn, cmd, 2000, &res, &err);

	if (rc)
		fprintf(stderr, "redis: %s\n", err);
	v_release(res);
	free(err);
	return rc == 0;
}

static void test_replies(void *conn)
{
	value *res, *v, *cmd;
	char *err;
	static const char bin[] = "a b\r\nSET x 1\r\n\0tail";
	size_t binlen = sizeof(bin) - 1;

	CHECK(run(conn, cmdv("PING", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "status");
	CHECK_STR(v_as_str(reply(res)), "PONG");
	v_release(res);

	/* binary-safe argv: spaces, CRLF and NUL are one argument */
	cmd = cmdv("SET", "@bin", NULL);
	v_list_push_take(cmd, v_strn(bin, binlen));
	CHECK(ok(conn, cmd));
	CHECK(run(conn, cmdv("GET", "@bin", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "string");
	CHECK((v = reply(res)) && v_str_len(v) == binlen && !memcmp(v_as_str(v), bin, binlen));
	v_release(res);
	CHECK(run(conn, cmdv("STRLEN", "@bin", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "integer");
	CHECK((v = reply(res)) && v_type(v) == V_NUM && v_as_num(v) == (double)binlen);
	v_release(res);
	/* the CRLF did not smuggle a second command */
	CHECK(run(conn, cmdv("EXISTS", "x", NULL), 2000, &res, &err) == 0);
	CHECK(res && v_as_num(reply(res)) == 0);
	v_release(res);

	/* numbers as arguments are sent as text */
	cmd = cmdv("SET", "@n", NULL);
	v_list_push_take(cmd, v_num(41));
	CHECK(ok(conn, cmd));
	CHECK(run(conn, cmdv("INCR", "@n", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "integer");
	CHECK(res && v_as_num(reply(res)) == 42);
	v_release(res);

	CHECK(run(conn, cmdv("GET", "@missing", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "nil");
	CHECK(res && v_type(reply(res)) == V_NULL);
	v_release(res);

	CHECK(ok(conn, cmdv("RPUSH", "@list", "one", "two", "three", NULL)));
	CHECK(run(conn, cmdv("LRANGE", "@list", "0", "-1", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "array");
	CHECK((v = reply(res)) && v_type(v) == V_LIST && v_len(v) == 3 &&
	      !strcmp(v_as_str(v_list_get(v, 2)), "three"));
	v_release(res);

	/* nested arrays with integers and nils */
	CHECK(run(conn, cmdv("EVAL", "return {1, {'x', false}, 'y'}", "0", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "array");
	if (res && (v = reply(res)) && v_type(v) == V_LIST && v_len(v) == 3) {
		value *inner = v_list_get(v, 1);

		CHECK(v_type(v_list_get(v, 0)) == V_NUM && v_as_num(v_list_get(v, 0)) == 1);
		CHECK(v_type(inner) == V_LIST && v_len(inner) == 2);
		CHECK_STR(v_as_str(v_list_get(inner, 0)), "x");
		CHECK(v_type(v_list_get(inner, 1)) == V_NULL);
	} else {
		CHECK(0);
	}
	v_release(res);

	/* an error reply fails the step with the server's words */
	CHECK(run(conn, cmdv("LPUSH", "@bin", "x", NULL), 2000, &res, &err) == -1);
	CHECK(err && !strncmp(err, "WRONGTYPE", 9));
	free(err);
	CHECK(run(conn, cmdv("NOSUCHCOMMAND", "arg", NULL), 2000, &res, &err) == -1);
	CHECK(err && strstr(err, "unknown command"));
	free(err);
	/* and the connection goes on */
	CHECK(ok(conn, cmdv("PING", NULL)));

	/* malformed commands never reach the server */
	cmd = cmdv("SET", "@k", NULL);
	v_list_push_take(cmd, v_list());
	CHECK(run(conn, cmd, 2000, &res, &err) == -1);
	CHECK(err && strstr(err, "argument 3 is a list"));
	free(err);
	CHECK(run(conn, v_list(), 2000, &res, &err) == -1);
	CHECK(err && strstr(err, "non-empty list"));
	free(err);

	CHECK(ok(conn, cmdv("DEL", "@bin", "@n", "@list", NULL)));
}

static void on_alarm(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void test_timeout_cancel_reconnect(void *conn, void *other)
{
	value *res;
	char *err, kill_id[32];
	int64_t t0;
	struct itimerval it = { .it_value = { 0, 200000 } };

	t0 = ms_now();
	CHECK(run(conn, cmdv("BLPOP", "@empty", "5", NULL), 300, &res, &err) == -1);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && strstr(err, "timed out after 300ms"));
	free(err);
	/* the abandoned reply does not leak into the next command */
	CHECK(run(conn, cmdv("ECHO", "after-timeout", NULL), 2000, &res, &err) == 0);
	CHECK(res && !strcmp(v_as_str(reply(res)), "after-timeout"));
	v_release(res);

	signal(SIGALRM, on_alarm);
	cancel_flag = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = ms_now();
	CHECK(run(conn, cmdv("BLPOP", "@empty", "5", NULL), 0, &res, &err) == -1);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && strstr(err, "cancelled"));
	free(err);
	cancel_flag = 0;

	/* the server drops our connection between steps: reconnect once */
	CHECK(run(conn, cmdv("CLIENT", "ID", NULL), 2000, &res, &err) == 0);
	snprintf(kill_id, sizeof(kill_id), "%.0f", res ? v_as_num(reply(res)) : 0.0);
	v_release(res);
	CHECK(ok(other, cmdv("CLIENT", "KILL", "ID", kill_id, NULL)));
	CHECK(run(conn, cmdv("SET", "@after-kill", "v", NULL), 2000, &res, &err) == 0);
	CHECK_STR(rtype(res), "status");
	v_release(res);
	CHECK(run(other, cmdv("GET", "@after-kill", NULL), 2000, &res, &err) == 0);
	CHECK(res && !strcmp(v_as_str(reply(res)), "v"));
	v_release(res);
	CHECK(ok(conn, cmdv("DEL", "@after-kill", NULL)));
}

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

static void test_open(void)
{
	char u[512], where[64], *err;
	void *h, *h2;
	value *spec, *res;
	int64_t t0;
	int p = dead_port(), lfd;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);

	/* refused: host:port and the reason */
	snprintf(u, sizeof(u), "redis://:refused-pw-123@127.0.0.1:%d/0", p);
	snprintf(where, sizeof(where), "127.0.0.1:%d", p);
	h = open_spec(v_str(u), 1000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, where) && strstr(err, "Connection refused"));
	CHECK(err && !strstr(err, "refused-pw-123"));
	CHECK(redact_contains(red, "refused-pw-123", 14));
	free(err);

	/* accepts TCP but never answers AUTH: the deadline holds */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	bind(lfd, (struct sockaddr *)&a, sizeof(a));
	listen(lfd, 4);
	getsockname(lfd, (struct sockaddr *)&a, &l);
	snprintf(u, sizeof(u), "redis://:silent-pw-456@127.0.0.1:%d", ntohs(a.sin_port));
	t0 = ms_now();
	h = open_spec(v_str(u), 300, &err);
	CHECK(!h);
	CHECK(ms_now() - t0 < 1000);
	CHECK(err && strstr(err, "timed out") && !strstr(err, "silent-pw-456"));
	free(err);
	close(lfd);

	/* wrong password */
	snprintf(u, sizeof(u), "redis://:wrong-pw-789@127.0.0.1:%d/0", port);
	h = open_spec(v_str(u), 2000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "WRONGPASS") && !strstr(err, "wrong-pw-789"));
	free(err);
	/* no password at all: refused at connect time, not at the first step */
	snprintf(u, sizeof(u), "redis://127.0.0.1:%d", port);
	h = open_spec(v_str(u), 2000, &err);
	CHECK(!h);
	CHECK(err && strstr(err, "NOAUTH"));
	free(err);

	/* malformed specs, without echoing them */
	h = open_spec(v_str("http://:leak-pw-1@127.0.0.1:1"), 1000, &err);
	CHECK(!h && err && strstr(err, "redis://") && !strstr(err, "leak-pw-1"));
	free(err);
	h = open_spec(v_str("redis://:leak-pw-2@127.0.0.1:99999"), 1000, &err);
	CHECK(!h && err && strstr(err, "invalid port") && !strstr(err, "leak-pw-2"));
	free(err);
	h = open_spec(v_str("redis://leak-pw-4@127.0.0.1:1"), 1000, &err);
	CHECK(!h && err && strstr(err, "':password@'") && !strstr(err, "leak-pw-4"));
	CHECK(redact_contains(red, "leak-pw-4", 9));
	free(err);
	h = open_spec(v_str("rediss://:leak-pw-3@127.0.0.1:6380"), 1000, &err);
	CHECK(!h && err && strstr(err, "TLS") && !strstr(err, "leak-pw-3"));
	free(err);
	spec = v_obj();
	v_obj_set_take(spec, "hots", v_str("127.0.0.1"));
	h = open_spec(spec, 1000, &err);
	CHECK(!h);
	CHECK_STR(err, "unknown redis connection key 'hots'");
	free(err);

	/* the mapping form, with a database: keys stay in db 3 */
	spec = v_obj();
	v_obj_set_take(spec, "host", v_str("127.0.0.1"));
	v_obj_set_take(spec, "port", v_num(port));
	v_obj_set_take(spec, "password", v_str(password));
	v_obj_set_take(spec, "db", v_num(3));
	h = open_spec(spec, 2000, &err);
	CHECK(h != NULL);
	h2 = open_spec(v_str(url), 2000, &err);
	CHECK(h2 != NULL);
	if (h && h2) {
		CHECK(ok(h, cmdv("SET", "@db3", "here", NULL)));
		CHECK(run(h2, cmdv("EXISTS", "@db3", NULL), 2000, &res, &err) == 0);
		CHECK(res && v_as_num(reply(res)) == 0);
		v_release(res);
		CHECK(run(h, cmdv("GET", "@db3", NULL), 2000, &res, &err) == 0);
		CHECK(res && !strcmp(v_as_str(reply(res)), "here"));
		v_release(res);
		CHECK(ok(h, cmdv("DEL", "@db3", NULL)));
	}
	conn_redis_close(h);
	conn_redis_close(h2);
}

static int effect_of(const char *yaml)
{
	return yaml_effect(prim_redis_effect, "redis", yaml);
}

static void test_effect(void)
{
	CHECK(effect_of("redis: {connection: c, command: [GET, k]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [ping]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [HGETALL, h]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [SCAN, 0, MATCH, 'x*']}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [CONFIG, GET, maxmemory]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [memory, usage, k]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [CLIENT, LIST]}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: [SET, k, v]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [DEL, k]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [FLUSHALL]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [CONFIG, SET, maxmemory, 1mb]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [CLIENT, KILL, ID, 1]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [MEMORY, PURGE]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [CONFIG]}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: [XREADGROUP, GROUP, g, c, STREAMS, s, '>']}") == EFFECT_WRITE);
	CHECK(effect_of("redis: {connection: c, command: ['${{ inputs.cmd }}', k]}") == -1);
	CHECK(effect_of("redis: {connection: c, command: [CONFIG, '${{ inputs.sub }}']}") == -1);
	CHECK(effect_of("redis: {connection: c, command: [GET, '${{ inputs.key }}']}") == EFFECT_READ);
	CHECK(effect_of("redis: {connection: c, command: '${{ inputs.argv }}'}") == -1);
}

int main(void)
{
	void *conn, *other;
	char *err;

	red = redactor_new();
	snprintf(prefix, sizeof(prefix), "unit:%d:", (int)getpid());
	test_effect();
	if (setup_service() < 0) {
		fprintf(stderr, "test_redis: cannot start redis\n");
		CHECK(0);
		return unit_done("test_redis");
	}
	conn = open_spec(v_str(url), 2000, &err);
	other = open_spec(v_str(url), 2000, &err);
	CHECK(conn && other);
	if (!conn || !other) {
		fprintf(stderr, "open: %s\n", err);
		free(err);
		return unit_done("test_redis");
	}
	CHECK(redact_contains(red, password, strlen(password)));

	test_replies(conn);
	test_timeout_cancel_reconnect(conn, other);
	test_open();

	conn_redis_close(conn);
	conn_redis_close(other);
	redactor_free(red);
	return unit_done("test_redis");
}
