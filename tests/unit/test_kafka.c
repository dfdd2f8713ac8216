/*
 * test_kafka.c - the kafka primitive against librdkafka's mock cluster,
 * started in-process (it speaks the real protocol on loopback ports; the
 * code under test only sees the bootstrap address).
 *
 * Scenarios: connection config checks and redaction; produce with key,
 * headers and an explicit partition; consume from the beginning; lag
 * before and after a group consume (a partition with no committed offset
 * counts high - low); topic metadata; unknown topics; an unreachable
 * broker failing within the timeout; cancellation; static validation and
 * effects.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "lang/prim.h"
#include "base/proc.h"
#include "unit.h"

static redactor *red;
static volatile sig_atomic_t cancel_flag;

static void quiet(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

/* run one kafka action; *res gets the result (or NULL), *err the error */
static int run(void *conn, const char *op, value *opargs, int64_t timeout_ms,
	       value **res, char **err)
{
	value *args = v_obj();
	v_obj_set_take(args, "connection", v_str("bus"));
	v_obj_set_take(args, op, opargs);
	prim_call c = { .args = args, .timeout_ms = timeout_ms, .attempt = 1, .conn = conn,
			.cancel = &cancel_flag, .red = red };
	int rc = prim_kafka_run(&c);
	v_release(args);
	*res = c.result;
	*err = c.error;
	if (rc < 0 && getenv("TEST_KAFKA_VERBOSE"))
		fprintf(stderr, "kafka %s: %s\n", op, c.error);
	if (rc == 0)
		CHECK(c.result && v_type(v_obj_get(c.result, "duration")) == V_DUR);
	return rc;
}

static value *obj2(const char *k1, value *v1, const char *k2, value *v2)
{
	value *o = v_obj();
	if (k1)
		v_obj_set_take(o, k1, v1);
	if (k2)
		v_obj_set_take(o, k2, v2);
	return o;
}

static double num(const value *o, const char *k)
{
	value *v = o ? v_obj_get(o, k) : NULL;
	return v && v_type(v) == V_NUM ? v_as_num(v) : -999;
}

static int produce(void *conn, const char *topic, int partition, const char *key,
		   const char *val, int64_t *offset)
{
	value *p = obj2("topic", v_str(topic), "value", v_str(val));
	if (key)
		v_obj_set_take(p, "key", v_str(key));
	if (partition >= 0)
		v_obj_set_take(p, "partition", v_num(partition));
	value *res;
	char *err;
	int rc = run(conn, "produce", p, 5000, &res, &err);
	if (rc == 0 && offset)
		*offset = (int64_t)num(res, "offset");
	if (rc == 0)
		CHECK(num(res, "partition") == (partition >= 0 ? partition : num(res, "partition")));
	else
		fprintf(stderr, "produce failed: %s\n", err);
	if (res)
		v_release(res);
	free(err);
	return rc;
}

static value *lag(void *conn, const char *group, const char *topic)
{
	value *res;
	char *err;
	if (run(conn, "lag", obj2("group", v_str(group), "topic", v_str(topic)), 5000,
		&res, &err) < 0) {
		fprintf(stderr, "lag failed: %s\n", err);
		free(err);
		return NULL;
	}
	return res;
}

static value *part_of(const value *lagres, int p)
{
	value *parts = lagres ? v_obj_get(lagres, "partitions") : NULL;
	for (size_t i = 0; parts && i < v_len(parts); i++)
		if (num(v_list_get(parts, i), "partition") == p)
			return v_list_get(parts, i);
	return NULL;
}

static void test_open(const char *bootstrap)
{
	char *err = NULL;
	value *spec = v_obj(), *config = v_obj();
	v_obj_set_take(config, "sasl.password", v_str("hunter2-kafka"));
	v_obj_set_take(config, "socket.timeout.ms", v_str("not-a-number"));
	v_obj_set_take(spec, "brokers", v_str(bootstrap));
	v_obj_set_take(spec, "config", config);
	void *h = conn_kafka_open(spec, 0, NULL, red, &err);
	CHECK(h == NULL);
	CHECK(err && strstr(err, "kafka config 'socket.timeout.ms'"));
	CHECK(err && !strstr(err, "hunter2-kafka"));
	CHECK(redact_contains(red, "x hunter2-kafka y", 17));
	free(err);
	err = NULL;
	v_release(spec);

	config = v_obj();
	v_obj_set_take(config, "no.such.property", v_str("1"));
	spec = obj2("brokers", v_str(bootstrap), "config", config);
	h = conn_kafka_open(spec, 0, NULL, red, &err);
	CHECK(h == NULL && err && strstr(err, "'no.such.property'"));
	free(err);
	err = NULL;
	v_release(spec);

	spec = obj2("brokers", v_str(bootstrap), "hosts", v_str("x"));
	h = conn_kafka_open(spec, 0, NULL, red, &err);
	CHECK(h == NULL && err && strstr(err, "unknown key 'hosts'"));
	free(err);
	err = NULL;
	v_release(spec);

	/* brokers as a list, config values of any scalar type */
	value *list = v_list();
	v_list_push_take(list, v_str(bootstrap));
	config = v_obj();
	v_obj_set_take(config, "socket.keepalive.enable", v_bool(1));
	v_obj_set_take(config, "message.max.bytes", v_num(100000));
	spec = obj2("brokers", list, "config", config);
	h = conn_kafka_open(spec, 0, NULL, red, &err);
	CHECK(h != NULL);
	if (!h)
		fprintf(stderr, "open: %s\n", err);
	free(err);
	conn_kafka_close(h);
	v_release(spec);
}

static void test_produce_consume_lag(void *conn)
{
	value *res, *l;
	char *err;
	int64_t off = -1;

	/* nothing produced: no lag, high = low = 0 */
	l = lag(conn, "g1", "orders");
	CHECK(l && num(l, "total") == 0);
	CHECK(l && v_len(v_obj_get(l, "partitions")) == 3);
	CHECK(l && v_type(v_obj_get(part_of(l, 0), "committed")) == V_NULL);
	if (l)
		v_release(l);

	/* explicit partitions: 0 gets 2 messages, 1 gets 1, 2 gets 3 */
	CHECK(produce(conn, "orders", 0, "k0", "a", &off) == 0 && off == 0);
	CHECK(produce(conn, "orders", 0, "k0", "b", &off) == 0 && off == 1);
	CHECK(produce(conn, "orders", 1, NULL, "c", &off) == 0 && off == 0);
	for (int i = 0; i < 3; i++)
		CHECK(produce(conn, "orders", 2, "k2", "d", &off) == 0 && off == i);

	/* headers and a keyed message to any partition */
	value *hdr = obj2("trace", v_str("abc"), "empty", v_null());
	value *p = obj2("topic", v_str("events"), "key", v_str("user-1"));
	v_obj_set_take(p, "value", v_str("{\"x\":1}"));
	v_obj_set_take(p, "headers", hdr);
	CHECK(run(conn, "produce", p, 5000, &res, &err) == 0);
	CHECK(num(res, "partition") == 0 && num(res, "offset") == 0);
	if (res)
		v_release(res);
	free(err);

	/* no committed offsets: every partition's lag is high - low */
	l = lag(conn, "g1", "orders");
	CHECK(l && num(l, "total") == 6);
	CHECK(num(part_of(l, 0), "lag") == 2 && num(part_of(l, 0), "high") == 2 &&
	      num(part_of(l, 0), "low") == 0);
	CHECK(num(part_of(l, 1), "lag") == 1);
	CHECK(num(part_of(l, 2), "lag") == 3);
	if (l)
		v_release(l);

	/* from the beginning, no group: everything, commits nothing, and
	 * ends where the log ends rather than at the 8 s timeout */
	value *cargs = obj2("topic", v_str("orders"), "from-beginning", v_bool(1));
	v_obj_set_take(cargs, "max-messages", v_num(10));
	v_obj_set_take(cargs, "timeout", v_str("8s"));
	int64_t t0 = now_ms();
	CHECK(run(conn, "consume", cargs, 10000, &res, &err) == 0);
	CHECK(now_ms() - t0 < 4000);
	CHECK(num(res, "count") == 6);
	CHECK(res && v_len(v_obj_get(res, "messages")) == 6);
	if (res)
		v_release(res);
	free(err);

	cargs = obj2("topic", v_str("events"), "from-beginning", v_bool(1));
	CHECK(run(conn, "consume", cargs, 5000, &res, &err) == 0);
	CHECK(num(res, "count") == 1);
	value *m = res ? v_list_get(v_obj_get(res, "messages"), 0) : NULL;
	CHECK(m && num(m, "partition") == 0 && num(m, "offset") == 0);
	CHECK_STR(m ? v_as_str(v_obj_get(m, "key")) : NULL, "user-1");
	CHECK_STR(m ? v_as_str(v_obj_get(m, "value")) : NULL, "{\"x\":1}");
	value *h = m ? v_obj_get(m, "headers") : NULL;
	CHECK_STR(h ? v_as_str(v_obj_get(h, "trace")) : NULL, "abc");
	CHECK(h && v_obj_get(h, "empty") && v_type(v_obj_get(h, "empty")) == V_NULL);
	CHECK(m && num(m, "timestamp") > 1600000000000.0);
	if (res)
		v_release(res);
	free(err);

	l = lag(conn, "g1", "orders");
	CHECK(l && num(l, "total") == 6);
	if (l)
		v_release(l);

	/* a group consume commits what it read: lag drops by that much */
	cargs = obj2("topic", v_str("orders"), "group", v_str("g1"));
	v_obj_set_take(cargs, "max-messages", v_num(4));
	CHECK(run(conn, "consume", cargs, 15000, &res, &err) == 0);
	if (err)
		fprintf(stderr, "group consume: %s\n", err);
	CHECK(num(res, "count") == 4);
	if (res)
		v_release(res);
	free(err);
	l = lag(conn, "g1", "orders");
	CHECK(l && num(l, "total") == 2);
	int committed = 0;
	for (int i = 0; i < 3; i++)
		if (v_type(v_obj_get(part_of(l, i), "committed")) == V_NUM)
			committed++;
	CHECK(committed >= 2);
	if (l)
		v_release(l);

	/* the rest, then nothing is left; another group is unaffected */
	cargs = obj2("topic", v_str("orders"), "group", v_str("g1"));
	v_obj_set_take(cargs, "max-messages", v_num(2));
	CHECK(run(conn, "consume", cargs, 15000, &res, &err) == 0);
	CHECK(num(res, "count") == 2);
	if (res)
		v_release(res);
	free(err);
	l = lag(conn, "g1", "orders");
	CHECK(l && num(l, "total") == 0);
	CHECK(num(part_of(l, 2), "committed") == 3 && num(part_of(l, 0), "committed") == 2);
	if (l)
		v_release(l);
	l = lag(conn, "g2", "orders");
	CHECK(l && num(l, "total") == 6);
	if (l)
		v_release(l);

	/* a group with nothing left to read waits for its timeout, count 0 */
	cargs = obj2("topic", v_str("orders"), "group", v_str("g1"));
	v_obj_set_take(cargs, "timeout", v_str("300ms"));
	CHECK(run(conn, "consume", cargs, 10000, &res, &err) == 0);
	CHECK(num(res, "count") == 0);
	if (res)
		v_release(res);
	free(err);
}

static void test_topics(void *conn)
{
	value *res;
	char *err;

	CHECK(run(conn, "topics", v_bool(1), 5000, &res, &err) == 0);
	value *topics = res ? v_obj_get(res, "topics") : NULL;
	value *orders = NULL;
	for (size_t i = 0; topics && i < v_len(topics); i++)
		if (strcmp(v_as_str(v_obj_get(v_list_get(topics, i), "name")), "orders") == 0)
			orders = v_list_get(topics, i);
	CHECK(orders && v_len(v_obj_get(orders, "partitions")) == 3);
	CHECK(orders && v_type(v_obj_get(orders, "error")) == V_NULL);
	value *p0 = orders ? v_list_get(v_obj_get(orders, "partitions"), 0) : NULL;
	CHECK(p0 && num(p0, "id") == 0 && num(p0, "leader") >= 1 && num(p0, "leader") <= 3);
	value *reps = p0 ? v_obj_get(p0, "replicas") : NULL;
	int leader_is_replica = 0;
	for (size_t i = 0; reps && i < v_len(reps); i++)
		if (v_as_num(v_list_get(reps, i)) == num(p0, "leader"))
			leader_is_replica = 1;
	CHECK(leader_is_replica);
	value *brokers = res ? v_obj_get(res, "brokers") : NULL;
	CHECK(brokers && v_len(brokers) == 3);
	CHECK_STR(brokers ? v_as_str(v_obj_get(v_list_get(brokers, 0), "host")) : NULL,
		  "127.0.0.1");
	CHECK(brokers && num(v_list_get(brokers, 0), "port") > 0);
	if (res)
		v_release(res);
	free(err);

	value *names = v_list();
	v_list_push_take(names, v_str("events"));
	v_list_push_take(names, v_str("no-such-topic"));
	CHECK(run(conn, "topics", names, 5000, &res, &err) == 0);
	topics = res ? v_obj_get(res, "topics") : NULL;
	CHECK(topics && v_len(topics) == 2);
	CHECK_STR(topics ? v_as_str(v_obj_get(v_list_get(topics, 0), "name")) : NULL, "events");
	CHECK(topics && v_type(v_obj_get(v_list_get(topics, 0), "error")) == V_NULL);
	CHECK(topics && v_type(v_obj_get(v_list_get(topics, 1), "error")) == V_STR);
	if (res)
		v_release(res);
	free(err);
}

static void test_errors(void *conn)
{
	value *res;
	char *err;

	CHECK(run(conn, "consume", obj2("topic", v_str("nope"), "group", v_str("g3")), 5000,
		  &res, &err) == -1);
	CHECK(err && strstr(err, "unknown kafka topic 'nope'"));
	free(err);
	CHECK(run(conn, "lag", obj2("topic", v_str("nope"), "group", v_str("g3")), 5000,
		  &res, &err) == -1);
	CHECK(err && strstr(err, "unknown kafka topic 'nope'"));
	free(err);
	CHECK(run(conn, "produce", obj2("topic", v_str("events"), "partition", v_num(7)), 5000,
		  &res, &err) == -1);
	CHECK(err && strstr(err, "no partition 7"));
	free(err);
	CHECK(run(conn, "consume", obj2("topic", v_str("orders"), NULL, NULL), 5000,
		  &res, &err) == -1);
	CHECK(err && strstr(err, "exactly one of 'group' and 'from-beginning"));
	free(err);
	CHECK(run(conn, "lag", obj2("topic", v_str("orders"), NULL, NULL), 5000,
		  &res, &err) == -1);
	CHECK(err && strstr(err, "needs 'group'"));
	free(err);
	value *c = obj2("topic", v_str("orders"), "group", v_str("g4"));
	v_obj_set_take(c, "max-messages", v_num(0));
	CHECK(run(conn, "consume", c, 5000, &res, &err) == -1);
	CHECK(err && strstr(err, "'max-messages' must be an integer >= 1"));
	free(err);
}

/* a loopback port nothing listens on */
static int refused_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t n = sizeof(a);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &n);
	close(s);
	return ntohs(a.sin_port);
}

static void test_unreachable(void)
{
	char addr[64], *err = NULL;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", refused_port());
	value *spec = v_str(addr);
	void *conn = conn_kafka_open(spec, 0, NULL, red, &err);
	v_release(spec);
	CHECK(conn != NULL);
	if (!conn)
		return;

	const char *ops[] = { "topics", "lag", "produce", "consume" };
	for (int i = 0; i < 4; i++) {
		value *a = i == 0 ? v_null() : obj2("topic", v_str("orders"), "group", v_str("g"));
		if (i == 2)
			a = (v_release(a), obj2("topic", v_str("orders"), "value", v_str("x")));
		value *res;
		int64_t t0 = now_ms();
		CHECK(run(conn, ops[i], a, 3000, &res, &err) == -1);
		int64_t took = now_ms() - t0;
		CHECK(took < 3500);
		CHECK(err && strstr(err, addr));
		CHECK(err && (strstr(err, "unreachable") || strstr(err, "timed out")));
		if (i == 0) {
			/* the library's own connect error is in the message */
			CHECK(err && strstr(err, "refused"));
			CHECK(took < 2000);
		}
		if (err && !strstr(err, addr))
			fprintf(stderr, "unreachable %s: %s\n", ops[i], err);
		free(err);
		err = NULL;
	}
	conn_kafka_close(conn);
}

static void *cancel_later(void *arg)
{
	usleep(300 * 1000);
	cancel_flag = 1;
	return NULL;
}

static void test_cancel(void *conn)
{
	value *res;
	char *err;
	pthread_t th;

	/* a group consume that is still joining its group */
	value *c = obj2("topic", v_str("events"), "group", v_str("g-cancel"));
	v_obj_set_take(c, "max-messages", v_num(100));
	pthread_create(&th, NULL, cancel_later, NULL);
	int64_t t0 = now_ms();
	CHECK(run(conn, "consume", c, 10000, &res, &err) == -1);
	int64_t took = now_ms() - t0;
	pthread_join(th, NULL);
	CHECK(took >= 250 && took < 1000);
	CHECK(err && strstr(err, "interrupted"));
	free(err);
	cancel_flag = 0;
}

static void test_static(void)
{
	arena a;
	doc d;
	diags dg;
	static const char src[] =
		"- kafka: {connection: bus, produce: {topic: t, vlaue: x}, consume: {topic: t}}\n"
		"- kafka: {connection: bus, consume: {topic: t, max-messages: 0, timeout: soon}}\n"
		"- kafka: {connection: bus, lag: {group: g}}\n"
		"- kafka: {connection: bus, topics: false}\n"
		"- kafka: {connection: bus, consume: {topic: t, group: g, from-beginning: true}}\n"
		"- kafka: {connection: bus, lag: {group: g, topic: t}}\n"
		"- kafka: \"${{ inputs.action }}\"\n";

	arena_init(&a);
	diags_init(&dg);
	CHECK(load_buffer(&a, "k.yaml", src, strlen(src), &d, &dg) == 0);
	if (!d.root || d.root->kind != N_SEQ || d.root->n != 7) {
		CHECK(0);
		arena_free(&a);
		diags_release(&dg);
		return;
	}
	for (size_t i = 0; i < d.root->n; i++) {
		step st = { .n = d.root->vals[i], .id = "s" };
		st.action = node_get(st.n, "kafka");
		prim_kafka_validate(NULL, &st, &dg);
	}
	const char *want[] = {
		"1:48: error: unknown key 'vlaue' in kafka produce (did you mean 'value'?)",
		"1:59: error: kafka takes exactly one of produce, consume, lag, topics; found 'produce' and 'consume'",
		"2:62: error: kafka consume 'max-messages' must be an integer >= 1",
		"2:74: error: kafka consume 'timeout' must be a duration",
		"2:28: error: kafka consume needs 'group' or 'from-beginning: true'",
		"3:28: error: kafka lag needs 'topic'",
		"4:36: error: kafka topics must be true, null or a list of topic names",
		"5:74: error: kafka consume takes 'group' or 'from-beginning', not both",
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	CHECK(dg.nerr == (int)nwant);
	for (size_t i = 0; i < nwant; i++) {
		int found = 0;
		for (size_t j = 0; j < dg.n; j++) {
			char buf[300];
			snprintf(buf, sizeof(buf), "%d:%d: %s: %s", dg.v[j].line, dg.v[j].col,
				 dg.v[j].severity == SEV_ERROR ? "error" : "warning", dg.v[j].msg);
			if (strncmp(buf, want[i], strlen(want[i])) == 0)
				found = 1;
		}
		if (!found)
			fprintf(stderr, "missing diagnostic: %s\n", want[i]);
		CHECK(found);
	}
	if (dg.nerr != (int)nwant || getenv("TEST_KAFKA_VERBOSE"))
		for (size_t j = 0; j < dg.n; j++)
			fprintf(stderr, "  got %d:%d: %s\n", dg.v[j].line, dg.v[j].col, dg.v[j].msg);

	CHECK(prim_kafka_effect(node_get(d.root->vals[0], "kafka")) == EFFECT_WRITE);
	CHECK(prim_kafka_effect(node_get(d.root->vals[1], "kafka")) == EFFECT_READ);
	CHECK(prim_kafka_effect(node_get(d.root->vals[3], "kafka")) == EFFECT_READ);
	CHECK(prim_kafka_effect(node_get(d.root->vals[5], "kafka")) == EFFECT_READ);
	CHECK(prim_kafka_effect(node_get(d.root->vals[6], "kafka")) == -1);
	diags_release(&dg);
	arena_free(&a);
}

int main(void)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet);
	rd_kafka_t *mrk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!mrk) {
		fprintf(stderr, "test_kafka: %s\n", errstr);
		return 1;
	}
	rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(mrk, 3);
	CHECK(mc != NULL);
	if (!mc)
		return unit_done("test_kafka");
	CHECK(rd_kafka_mock_topic_create(mc, "orders", 3, 1) == 0);
	CHECK(rd_kafka_mock_topic_create(mc, "events", 1, 1) == 0);
	const char *bootstrap = rd_kafka_mock_cluster_bootstraps(mc);
	red = redactor_new();

	test_static();
	test_open(bootstrap);
	char *err = NULL;
	/*
	 * The mock coordinator delays a rejoin of a group whose members all
	 * left by the session timeout less a second (a real broker uses
	 * group.initial.rebalance.delay.ms), so group consumes here use a
	 * short session (but not under the mock's 3 s first-join delay).
	 */
	value *config = v_obj();
	v_obj_set_take(config, "session.timeout.ms", v_num(3000));
	v_obj_set_take(config, "heartbeat.interval.ms", v_num(300));
	value *spec = obj2("brokers", v_str(bootstrap), "config", config);
	void *conn = conn_kafka_open(spec, 0, NULL, red, &err);
	v_release(spec);
	CHECK(conn != NULL);
	if (conn) {
		test_topics(conn);
		test_produce_consume_lag(conn);
		test_errors(conn);
		test_cancel(conn);
		conn_kafka_close(conn);
	} else {
		fprintf(stderr, "open: %s\n", err);
		free(err);
	}
	test_unreachable();

	redactor_free(red);
	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(mrk);
	return unit_done("test_kafka");
}
