/*
 * lab_kafka - the Kafka side of the SomaAgent lab (lab/lab.sh starts it):
 * librdkafka's mock cluster with an HTTP control port, a consumer-lag
 * exporter, the workers that consume the platform's topics, and a
 * line-oriented producer that the gateway drives through a pipe.
 *
 *   lab_kafka cluster  -p PORT [-b BROKERS] [-G GROUP]... TOPIC:PARTITIONS...
 *   lab_kafka exporter -p PORT -k BOOTSTRAP GROUP:TOPIC...
 *   lab_kafka worker   -p PORT -k BOOTSTRAP -n NAME -g GROUP -t TOPIC
 *                      [-d CONNINFO] [-r REDIS_PORT] [-f FAULT_DIR] [-i REPLICA]
 *   lab_kafka produce  -k BOOTSTRAP
 *
 * cluster: BROKERS (default 3) mock brokers on 127.0.0.1; partition p of
 *   each topic is led by broker p % BROKERS + 1.  Prints the bootstrap
 *   servers as one line on stdout, then serves HTTP on 127.0.0.1:PORT
 *   until SIGTERM/SIGINT:
 *     GET  /brokers              [{"id":1,"address":"127.0.0.1:p","up":true},...]
 *     POST /brokers/ID/down      rd_kafka_mock_broker_set_down (ID or "all"):
 *                                the broker drops its connections and refuses
 *                                new ones; partition leaders do not move
 *     POST /brokers/ID/up        rd_kafka_mock_broker_set_up
 *     GET  /metrics              kafka_broker_up{broker,address} 1|0
 *   The topics, their messages and the groups' committed offsets live in
 *   this process: brokers taken down and up keep them.  Each -G GROUP is
 *   moved to the first live broker after every change (see home_groups).
 *
 * exporter: /metrics with kafka_consumergroup_lag{consumergroup,topic,
 *   partition}, kafka_consumergroup_lag_sum{consumergroup,topic},
 *   kafka_topic_partition_current_offset and kafka_brokers (the names of
 *   the usual Kafka exporter), collected every 500 ms by a thread; a
 *   partition whose leader refuses connections is left out (librdkafka's
 *   offset queries do not honour their timeout then), and a collection
 *   older than 3 s is not served (kafka_exporter_up 0).
 *
 * worker: joins GROUP, consumes TOPIC; with -d, each message is a JSON
 *   delegation task {"task_id": ...} written to PostgreSQL's
 *   delegation_tasks as done (or stuck under the stuck-tasks fault); the
 *   offset is stored only once that write succeeded, so a database
 *   outage stalls the worker (lag grows) instead of losing tasks.  With
 *   -r, heartbeat:NAME is set in Redis every 500 ms (expires in 2 s).
 *   Faults (files in FAULT_DIR): crash:NAME (exit 1 at start),
 *   crash-on-replay (exit 1 on a task the dispatcher re-published, left
 *   unstored: a poison task replayed),
 *   stuck-tasks, event-loop (every task and every second log
 *   "RuntimeError: Event loop is closed").  Serves GET /metrics and
 *   /healthz.  SIGTERM closes the consumer (leaving the group) and exits.
 *
 * produce: reads lines "ID<TAB>TOPIC<TAB>KEY<TAB>VALUE" and answers
 *   "ID<TAB>ok<TAB>PARTITION<TAB>OFFSET" or "ID<TAB>err<TAB>REASON" once
 *   the message is delivered or failed (message.timeout.ms 1500); the
 *   line "ID<TAB>meta" is answered "ID<TAB>ok<TAB>BROKERS" or
 *   "ID<TAB>err<TAB>REASON" after a metadata request (500 ms).  Exits at
 *   end of input.
 *
 * cluster, exporter and worker exit when the file named by $LAB_WATCH
 * (lab.sh's state file) is gone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_BROKERS 16
#define MAX_PAIRS 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("lab_kafka: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * The lab's watchdog: when LAB_WATCH names a file (lab.sh gives its state
 * file), the process exits once that file is gone, so a lab whose directory
 * was removed leaves nothing running.  Checked at most once a second.
 */
static int watched_gone(void)
{
	static int64_t next;
	const char *f = getenv("LAB_WATCH");
	struct stat st;

	if (!f || !*f || now_ms() < next)
		return 0;
	next = now_ms() + 1000;
	return stat(f, &st) != 0;
}

/* one log line: "2026-12-01T10:00:00.123Z NAME message", as the lab's other processes */
static const char *log_name = "lab_kafka";

__attribute__((format(printf, 1, 2)))
static void logf_(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("%s.%03ldZ %s ", when, ts.tv_nsec / 1000000, log_name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- a growing string ---- */

typedef struct {
	char *p;
	size_t n, cap;
} buf;

__attribute__((format(printf, 2, 3)))
static void bprintf(buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		size_t room = b->cap - b->n;
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->n : NULL, room, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if ((size_t)k < room) {
			b->n += (size_t)k;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap - b->n <= (size_t)k)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			die("out of memory");
		b->p = p;
		b->cap = cap;
	}
}

/* ---- a minimal HTTP/1.0 responder on 127.0.0.1 ---- */

static int listen_port(int port)
{
	struct sockaddr_in a;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 16) < 0)
		die("cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
	return fd;
}

typedef struct {
	int status;
	const char *type;
	buf body;
} reply;

typedef void (*http_handler)(const char *method, const char *path, reply *r, void *ctx);

/* /healthz answered "ok", anything but /metrics 404: 1 when it answered */
static int health_or_404(const char *path, reply *r)
{
	if (strcmp(path, "/healthz") == 0) {
		bprintf(&r->body, "ok\n");
		return 1;
	}
	if (strcmp(path, "/metrics") != 0) {
		r->status = 404;
		bprintf(&r->body, "not found\n");
		return 1;
	}
	return 0;
}

/* Serves the connections waiting on lfd (each: one request, one reply). */
static void http_serve(int lfd, http_handler h, void *ctx)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct timeval tv = { .tv_sec = 0, .tv_usec = 500000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		char req[4096];
		size_t n = 0;
		while (n < sizeof(req) - 1) {
			ssize_t k = read(fd, req + n, sizeof(req) - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = '\0';
			if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
				break;
		}
		req[n] = '\0';
		char method[16] = "", path[512] = "";
		reply r = { .status = 200, .type = "text/plain; version=0.0.4", .body = { 0 } };
		if (sscanf(req, "%15s %511s", method, path) != 2) {
			r.status = 400;
			bprintf(&r.body, "bad request\n");
		} else {
			char *q = strchr(path, '?');
			if (q)
				*q = '\0';
			h(method, path, &r, ctx);
		}
		const char *why = r.status == 200 ? "OK" : r.status == 404 ? "Not Found" :
				  r.status == 405 ? "Method Not Allowed" : "Error";
		buf out = { 0 };
		bprintf(&out, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			"Connection: close\r\n\r\n", r.status, why, r.type, r.body.n);
		if (r.body.n)
			bprintf(&out, "%.*s", (int)r.body.n, r.body.p);
		size_t off = 0;
		while (off < out.n) {
			ssize_t k = write(fd, out.p + off, out.n - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		free(out.p);
		free(r.body.p);
		close(fd);
	}
}

/* waits up to ms for a connection on lfd (or for fd2, when >= 0, to be readable) */
static int wait_fds(int lfd, int fd2, int ms)
{
	struct pollfd p[2] = { { .fd = lfd, .events = POLLIN }, { .fd = fd2, .events = POLLIN } };

	return poll(p, fd2 >= 0 ? 2 : 1, ms);
}

static int parse_port(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < 1 || v > 65535)
		die("bad port '%s'", s);
	return (int)v;
}

/* "name:N" -> name, N (partitions); n defaults to 1 */
static void split_colon(const char *arg, char *name, size_t cap, long *n)
{
	const char *colon = strrchr(arg, ':');
	size_t len = colon ? (size_t)(colon - arg) : strlen(arg);

	if (len == 0 || len >= cap)
		die("bad argument '%s'", arg);
	memcpy(name, arg, len);
	name[len] = '\0';
	if (n) {
		*n = 1;
		if (colon) {
			char *end;
			*n = strtol(colon + 1, &end, 10);
			if (*end || *n < 1 || *n > 1000)
				die("bad count in '%s'", arg);
		}
	}
}

static rd_kafka_t *new_client(rd_kafka_type_t type, const char *bootstrap, const char **kv)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	rd_kafka_conf_set_log_cb(conf, quiet_log);
	if (bootstrap && rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr,
					   sizeof(errstr)) != RD_KAFKA_CONF_OK)
		die("%s", errstr);
	for (; kv && kv[0]; kv += 2)
		if (rd_kafka_conf_set(conf, kv[0], kv[1], errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
			die("%s", errstr);
	rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	if (!rk)
		die("%s", errstr);
	return rk;
}

/* ======================= cluster ======================= */

typedef struct {
	rd_kafka_mock_cluster_t *mc;
	int n;
	int up[MAX_BROKERS + 1];
	char addr[MAX_BROKERS + 1][64];
	const char *groups[8];  /* -G: consumer groups kept on a live coordinator */
	int ngroups;
} cluster;

/*
 * The mock cluster does not move a group's coordinator off a broker that
 * went down, and a group whose coordinator flapped can stay without an
 * assignment; a real cluster elects a new one.  After each change, every
 * known group is put on the first broker that is up (another one than
 * before when its old one went down).
 */
static void home_groups(cluster *c)
{
	int to = 0;

	for (int i = 1; i <= c->n && !to; i++)
		if (c->up[i])
			to = i;
	for (int g = 0; to && g < c->ngroups; g++)
		rd_kafka_mock_coordinator_set(c->mc, "group", c->groups[g], to);
}

static void brokers_json(cluster *c, reply *r)
{
	r->type = "application/json";
	bprintf(&r->body, "[");
	for (int i = 1; i <= c->n; i++)
		bprintf(&r->body, "%s{\"id\":%d,\"address\":\"%s\",\"up\":%s}", i > 1 ? "," : "",
			i, c->addr[i], c->up[i] ? "true" : "false");
	bprintf(&r->body, "]\n");
}

static void cluster_http(const char *method, const char *path, reply *r, void *ctx)
{
	cluster *c = ctx;
	char id[32], what[16];

	if (strcmp(path, "/metrics") == 0) {
		bprintf(&r->body, "# HELP kafka_broker_up Whether the mock broker accepts connections.\n"
			"# TYPE kafka_broker_up gauge\n");
		for (int i = 1; i <= c->n; i++)
			bprintf(&r->body, "kafka_broker_up{broker=\"%d\",address=\"%s\"} %d\n", i,
				c->addr[i], c->up[i]);
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		bprintf(&r->body, "ok\n");
		return;
	}
	if (strcmp(path, "/brokers") == 0) {
		brokers_json(c, r);
		return;
	}
	if (sscanf(path, "/brokers/%31[^/]/%15s", id, what) == 2 &&
	    (strcmp(what, "down") == 0 || strcmp(what, "up") == 0)) {
		if (strcmp(method, "POST") != 0) {
			r->status = 405;
			bprintf(&r->body, "use POST\n");
			return;
		}
		int up = strcmp(what, "up") == 0, lo = 1, hi = c->n;
		if (strcmp(id, "all") != 0) {
			char *end;
			long v = strtol(id, &end, 10);
			if (*end || v < 1 || v > c->n) {
				r->status = 404;
				bprintf(&r->body, "no broker '%s' (1..%d or all)\n", id, c->n);
				return;
			}
			lo = hi = (int)v;
		}
		for (int i = lo; i <= hi; i++) {
			rd_kafka_resp_err_t e = up ? rd_kafka_mock_broker_set_up(c->mc, i) :
						     rd_kafka_mock_broker_set_down(c->mc, i);
			if (e) {
				r->status = 500;
				bprintf(&r->body, "broker %d: %s\n", i, rd_kafka_err2str(e));
				return;
			}
			c->up[i] = up;
		}
		home_groups(c);
		logf_("broker %s %s", id, what);
		brokers_json(c, r);
		return;
	}
	r->status = 404;
	bprintf(&r->body, "not found\n");
}

static int cmd_cluster(int argc, char **argv)
{
	cluster c = { .n = 3 };
	int port = 0, opt;

	log_name = "kafka";
	while ((opt = getopt(argc, argv, "p:b:G:")) != -1) {
		if (opt == 'p')
			port = parse_port(optarg);
		else if (opt == 'G' && c.ngroups < 8)
			c.groups[c.ngroups++] = optarg;
		else if (opt == 'b') {
			c.n = atoi(optarg);
			if (c.n < 1 || c.n > MAX_BROKERS)
				die("bad broker count '%s'", optarg);
		} else
			return 2;
	}
	if (!port)
		die("cluster: -p PORT is required");
	rd_kafka_t *rk = new_client(RD_KAFKA_PRODUCER, NULL, NULL);
	c.mc = rd_kafka_mock_cluster_new(rk, c.n);
	if (!c.mc)
		die("cannot create the mock cluster");
	for (int i = optind; i < argc; i++) {
		char name[256];
		long parts;
		split_colon(argv[i], name, sizeof(name), &parts);
		rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(c.mc, name, (int)parts, 1);
		if (e)
			die("cannot create topic '%s': %s", name, rd_kafka_err2str(e));
		for (int p = 0; p < parts; p++)
			rd_kafka_mock_partition_set_leader(c.mc, name, p, p % c.n + 1);
	}
	const char *bs = rd_kafka_mock_cluster_bootstraps(c.mc);
	const char *s = bs;
	for (int i = 1; i <= c.n; i++) {
		size_t len = strcspn(s, ",");
		snprintf(c.addr[i], sizeof(c.addr[i]), "%.*s", (int)len, s);
		c.up[i] = 1;
		s += len + (s[len] == ',');
	}
	int lfd = listen_port(port);
	signals();
	printf("%s\n", bs);
	fflush(stdout);
	logf_("%d brokers at %s, control on 127.0.0.1:%d", c.n, bs, port);
	while (!stop && !watched_gone()) {
		if (wait_fds(lfd, -1, 200) > 0)
			http_serve(lfd, cluster_http, &c);
	}
	close(lfd);
	rd_kafka_mock_cluster_destroy(c.mc);
	rd_kafka_destroy(rk);
	return 0;
}

/* ======================= exporter ======================= */

typedef struct {
	char group[128], topic[256];
	rd_kafka_t *gk;         /* a consumer with group.id = group, never subscribed */
} pair;

typedef struct {
	const char *bootstrap;
	rd_kafka_t *rk;
	pair pairs[MAX_PAIRS];
	int npairs;
	pthread_mutex_t mu;
	char *snapshot;         /* the last collection's metrics text */
	int64_t taken;          /* when (now_ms) */
} exporter;

/* Does host:port accept a TCP connection within 200 ms? */
static int reachable(const char *host, int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), ok = 0;

	if (fd < 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		close(fd);
		return 1;       /* not an address we can probe: let librdkafka try */
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		ok = 1;
	else if (errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int err = 0;
		socklen_t len = sizeof(err);
		if (poll(&p, 1, 200) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
		    err == 0)
			ok = 1;
	}
	if (ok) {
		/* a down mock broker accepts and closes at once: wait briefly for that */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		if (poll(&p, 1, 50) == 1 && read(fd, &c, 1) <= 0)
			ok = 0;
	}
	close(fd);
	return ok;
}

static void collect(exporter *x, buf *b)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t e = rd_kafka_metadata(x->rk, 1, NULL, &md, 1000);

	if (e) {
		bprintf(b, "kafka_exporter_up 1\nkafka_brokers 0\n");
		return;
	}
	int leader_ok[MAX_BROKERS + 1];
	for (int i = 0; i <= MAX_BROKERS; i++)
		leader_ok[i] = 0;
	int nb = 0;
	for (int i = 0; i < md->broker_cnt; i++) {
		int id = md->brokers[i].id;
		int ok = reachable(md->brokers[i].host, md->brokers[i].port);
		if (id >= 0 && id <= MAX_BROKERS)
			leader_ok[id] = ok;
		nb += ok;
	}
	bprintf(b, "kafka_exporter_up 1\n# TYPE kafka_brokers gauge\nkafka_brokers %d\n", nb);
	for (int k = 0; k < x->npairs; k++) {
		pair *pr = &x->pairs[k];
		const struct rd_kafka_metadata_topic *t = NULL;
		for (int i = 0; i < md->topic_cnt; i++)
			if (strcmp(md->topics[i].topic, pr->topic) == 0)
				t = &md->topics[i];
		if (!t || t->err)
			continue;
		bprintf(b, "kafka_topic_partitions{topic=\"%s\"} %d\n", pr->topic, t->partition_cnt);
		rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(t->partition_cnt);
		int64_t hi[1024];
		int have[1024], np = t->partition_cnt < 1024 ? t->partition_cnt : 1024;
		for (int p = 0; p < np; p++) {
			int leader = t->partitions[p].leader;
			int64_t lo = -1;
			have[p] = 0;
			if (leader < 0 || leader > MAX_BROKERS || !leader_ok[leader])
				continue;
			if (rd_kafka_query_watermark_offsets(x->rk, pr->topic, p, &lo, &hi[p], 1000))
				continue;
			have[p] = 1;
			rd_kafka_topic_partition_list_add(tp, pr->topic, p);
			bprintf(b, "kafka_topic_partition_current_offset{topic=\"%s\",partition=\"%d\"} %lld\n",
				pr->topic, p, (long long)hi[p]);
		}
		if (tp->cnt && rd_kafka_committed(pr->gk, tp, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
			int64_t sum = 0;
			for (int i = 0; i < tp->cnt; i++) {
				int p = tp->elems[i].partition;
				int64_t off = tp->elems[i].offset, lag;
				if (p < 0 || p >= np || !have[p] || tp->elems[i].err)
					continue;
				lag = off >= 0 ? hi[p] - off : hi[p];
				if (lag < 0)
					lag = 0;
				sum += lag;
				bprintf(b, "kafka_consumergroup_current_offset{consumergroup=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
					pr->group, pr->topic, p, (long long)off);
				bprintf(b, "kafka_consumergroup_lag{consumergroup=\"%s\",topic=\"%s\",partition=\"%d\"} %lld\n",
					pr->group, pr->topic, p, (long long)lag);
			}
			bprintf(b, "kafka_consumergroup_lag_sum{consumergroup=\"%s\",topic=\"%s\"} %lld\n",
				pr->group, pr->topic, (long long)sum);
		}
		rd_kafka_topic_partition_list_destroy(tp);
	}
	rd_kafka_metadata_destroy(md);
}

static void *collector(void *arg)
{
	exporter *x = arg;

	while (!stop) {
		int64_t t0 = now_ms();
		buf b = { 0 };
		collect(x, &b);
		pthread_mutex_lock(&x->mu);
		free(x->snapshot);
		x->snapshot = b.p ? b.p : strdup("");
		x->taken = now_ms();
		pthread_mutex_unlock(&x->mu);
		int64_t left = 500 - (now_ms() - t0);
		if (left > 0)
			usleep((useconds_t)left * 1000);
	}
	return NULL;
}

static void exporter_http(const char *method, const char *path, reply *r, void *ctx)
{
	exporter *x = ctx;

	if (health_or_404(path, r))
		return;
	pthread_mutex_lock(&x->mu);
	int64_t age = now_ms() - x->taken;
	if (x->snapshot && age <= 3000)
		bprintf(&r->body, "%s", x->snapshot);
	else
		bprintf(&r->body, "kafka_exporter_up 0\n");
	bprintf(&r->body, "kafka_exporter_collection_age_seconds %.3f\n",
		x->snapshot ? (double)age / 1000.0 : -1.0);
	pthread_mutex_unlock(&x->mu);
}

static int cmd_exporter(int argc, char **argv)
{
	exporter x = { .mu = PTHREAD_MUTEX_INITIALIZER };
	int port = 0, opt;

	log_name = "kafka-exporter";
	while ((opt = getopt(argc, argv, "p:k:")) != -1) {
		if (opt == 'p')
			port = parse_port(optarg);
		else if (opt == 'k')
			x.bootstrap = optarg;
		else
			return 2;
	}
	if (!port || !x.bootstrap)
		die("exporter: -p PORT and -k BOOTSTRAP are required");
	const char *kv[] = { "socket.timeout.ms", "1000", "reconnect.backoff.max.ms", "500", NULL };
	x.rk = new_client(RD_KAFKA_PRODUCER, x.bootstrap, kv);
	for (int i = optind; i < argc && x.npairs < MAX_PAIRS; i++) {
		pair *pr = &x.pairs[x.npairs++];
		const char *colon = strchr(argv[i], ':');
		if (!colon || colon == argv[i] || !colon[1])
			die("bad GROUP:TOPIC '%s'", argv[i]);
		snprintf(pr->group, sizeof(pr->group), "%.*s", (int)(colon - argv[i]), argv[i]);
		snprintf(pr->topic, sizeof(pr->topic), "%s", colon + 1);
		const char *gkv[] = { "group.id", pr->group, "enable.auto.commit", "false",
				      "socket.timeout.ms", "1000", "reconnect.backoff.max.ms", "500", NULL };
		pr->gk = new_client(RD_KAFKA_CONSUMER, x.bootstrap, gkv);
	}
	int lfd = listen_port(port);
	signals();
	pthread_t th;
	if (pthread_create(&th, NULL, collector, &x) != 0)
		die("cannot start the collector");
	logf_("serving on 127.0.0.1:%d for %d groups", port, x.npairs);
	while (!stop && !watched_gone()) {
		if (wait_fds(lfd, -1, 200) > 0)
			http_serve(lfd, exporter_http, &x);
	}
	/* the collector may be inside a librdkafka call that ignores its timeout */
	_exit(0);
}

/* ======================= worker ======================= */

typedef struct {
	const char *name, *group, *topic, *conninfo, *faults;
	int replica, redis_port;
	char prefix[64];
	long long messages, errors, loop_errors, tasks_done, tasks_stuck;
	int assigned;
	PGconn *pg;
	redisContext *redis;
} worker;

/* fault `name` is on: its file exists and its until_ms=T, if any, has not passed */
static int fault(const worker *w, const char *name)
{
	char path[1024], text[257];
	const char *u;
	struct timespec now;
	FILE *f;
	size_t n;

	if (!w->faults)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", w->faults, name);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (!(u = strstr(text, "until_ms=")))
		return 1;
	clock_gettime(CLOCK_REALTIME, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 < strtoll(u + 9, NULL, 10);
}

static void worker_http(const char *method, const char *path, reply *r, void *ctx)
{
	worker *w = ctx;

	if (health_or_404(path, r))
		return;
	bprintf(&r->body, "# TYPE %s_messages_total counter\n%s_messages_total{topic=\"%s\"} %lld\n",
		w->prefix, w->prefix, w->topic, w->messages);
	bprintf(&r->body, "# TYPE %s_errors_total counter\n%s_errors_total %lld\n", w->prefix,
		w->prefix, w->errors);
	bprintf(&r->body, "# TYPE %s_assigned_partitions gauge\n%s_assigned_partitions %d\n",
		w->prefix, w->prefix, w->assigned);
	if (w->conninfo)
		bprintf(&r->body, "# TYPE %s_tasks_total counter\n"
			"%s_tasks_total{status=\"done\"} %lld\n%s_tasks_total{status=\"stuck\"} %lld\n",
			w->prefix, w->prefix, w->tasks_done, w->prefix, w->tasks_stuck);
	bprintf(&r->body, "# TYPE somaclient_event_loop_errors_total counter\n"
		"somaclient_event_loop_errors_total %lld\n", w->loop_errors);
}

static void rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
		      rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	worker *w = opaque;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		rd_kafka_assign(rk, parts);
		w->assigned = parts->cnt;
		logf_("assigned %d partitions of %s", parts->cnt, w->topic);
	} else {
		rd_kafka_assign(rk, NULL);
		w->assigned = 0;
		logf_("partitions revoked");
	}
}

static void heartbeat(worker *w)
{
	if (!w->redis_port)
		return;
	if (!w->redis || w->redis->err) {
		if (w->redis)
			redisFree(w->redis);
		struct timeval tv = { .tv_sec = 0, .tv_usec = 300000 };
		w->redis = redisConnectWithTimeout("127.0.0.1", w->redis_port, tv);
		if (!w->redis || w->redis->err)
			return;
		redisSetTimeout(w->redis, tv);
	}
	redisReply *rr = redisCommand(w->redis, "SET heartbeat:%s %d PX 2000", w->name, w->replica);
	if (rr)
		freeReplyObject(rr);
}

/* The SomaClient memory call every task makes; the event-loop fault breaks it. */
static void memory_call(worker *w, const char *what)
{
	if (!fault(w, "event-loop"))
		return;
	w->loop_errors++;
	logf_("memory call for %s failed: RuntimeError: Event loop is closed", what);
}

/* 1 handled, 0 try again later (the database is unreachable) */
static int handle(worker *w, const rd_kafka_message_t *m)
{
	if (!w->conninfo)
		return 1;
	cJSON *j = cJSON_ParseWithLength(m->payload, m->len);
	const cJSON *id = j ? cJSON_GetObjectItemCaseSensitive(j, "task_id") : NULL;
	if (!cJSON_IsString(id) || !id->valuestring[0]) {
		w->errors++;
		logf_("offset %lld: not a delegation task, skipped", (long long)m->offset);
		cJSON_Delete(j);
		return 1;
	}
	char task[256];
	snprintf(task, sizeof(task), "%s", id->valuestring);
	cJSON_Delete(j);
	memory_call(w, task);
	if (!w->pg || PQstatus(w->pg) != CONNECTION_OK) {
		if (w->pg)
			PQfinish(w->pg);
		w->pg = PQconnectdb(w->conninfo);
		if (PQstatus(w->pg) != CONNECTION_OK) {
			w->errors++;
			logf_("postgres: %s", PQerrorMessage(w->pg));
			return 0;
		}
	}
	int stuck = fault(w, "stuck-tasks");
	const char *status = stuck ? "stuck" : "done";
	const char *params[2] = { task, status };
	PGresult *res = PQexecParams(w->pg,
		"INSERT INTO delegation_tasks (task_id, status, updated_at) VALUES ($1, $2, now()) "
		"ON CONFLICT (task_id) DO UPDATE SET status = EXCLUDED.status, updated_at = now()",
		2, NULL, params, NULL, NULL, 0);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		w->errors++;
		logf_("task %s: %s", task, PQerrorMessage(w->pg));
	}
	PQclear(res);
	if (!ok)
		return 0;
	if (stuck) {
		w->tasks_stuck++;
		logf_("task %s abandoned: marked stuck", task);
	} else {
		w->tasks_done++;
		logf_("task %s done", task);
	}
	return 1;
}

/* a task the gateway's dispatcher re-published ("redelivery": true) */
static int redelivery(const rd_kafka_message_t *m)
{
	cJSON *j = cJSON_ParseWithLength(m->payload, m->len);
	int r = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "redelivery"));

	cJSON_Delete(j);
	return r;
}

/* the next offset after m, committed by the next auto-commit */
static void store_offset(rd_kafka_t *rk, const rd_kafka_message_t *m)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset =
		m->offset + 1;
	rd_kafka_offsets_store(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
}

/* the worker's consumer, subscribed to its topic in its group */
static rd_kafka_t *worker_consumer(worker *w, const char *bootstrap)
{
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet_log);
	rd_kafka_conf_set_opaque(conf, w);
	rd_kafka_conf_set_rebalance_cb(conf, rebalance);
	const char *kv[] = { "bootstrap.servers", bootstrap, "group.id", w->group,
			     "auto.offset.reset", "earliest", "enable.auto.commit", "true",
			     "auto.commit.interval.ms", "200", "enable.auto.offset.store", "false",
			     "session.timeout.ms", "2500", "heartbeat.interval.ms", "500",
			     /* the rebalance timeout: a join waits this long for the
			      * members it knows (a crashed replica's among them), and
			      * must end before the 6 s rejoin below starts another */
			     "max.poll.interval.ms", "4000",
			     "reconnect.backoff.max.ms", "500", NULL };
	for (const char **p = kv; *p; p += 2)
		if (rd_kafka_conf_set(conf, p[0], p[1], errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
			die("%s", errstr);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!rk)
		die("%s", errstr);
	rd_kafka_poll_set_consumer(rk);
	rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(sub, w->topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, sub);
	rd_kafka_topic_partition_list_destroy(sub);
	if (e)
		die("subscribe %s: %s", w->topic, rd_kafka_err2str(e));
	return rk;
}

static int cmd_worker(int argc, char **argv)
{
	worker w = { .replica = 1 };
	const char *bootstrap = NULL;
	int port = 0, opt;

	while ((opt = getopt(argc, argv, "p:k:n:g:t:d:r:f:i:")) != -1) {
		switch (opt) {
		case 'p': port = parse_port(optarg); break;
		case 'k': bootstrap = optarg; break;
		case 'n': w.name = optarg; break;
		case 'g': w.group = optarg; break;
		case 't': w.topic = optarg; break;
		case 'd': w.conninfo = optarg; break;
		case 'r': w.redis_port = parse_port(optarg); break;
		case 'f': w.faults = optarg; break;
		case 'i': w.replica = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!port || !bootstrap || !w.name || !w.group || !w.topic)
		die("worker: -p, -k, -n, -g and -t are required");
	static char label[200];
	snprintf(label, sizeof(label), "%s[%d]", w.name, w.replica);
	log_name = label;
	size_t i;
	for (i = 0; w.name[i] && i < sizeof(w.prefix) - 1; i++)
		w.prefix[i] = w.name[i] == '-' ? '_' : w.name[i];
	w.prefix[i] = '\0';
	char crash[300], crash_replica[320];
	snprintf(crash, sizeof(crash), "crash:%s", w.name);
	snprintf(crash_replica, sizeof(crash_replica), "%s-%d", crash, w.replica);
	if (fault(&w, crash) || fault(&w, crash_replica)) {
		logf_("crashing at start (fault %s)", fault(&w, crash) ? crash : crash_replica);
		return 1;
	}
	if (w.conninfo) {
		w.pg = PQconnectdb(w.conninfo);
		if (PQstatus(w.pg) != CONNECTION_OK)
			logf_("postgres: %s (retrying per task)", PQerrorMessage(w.pg));
	}
	rd_kafka_t *rk = worker_consumer(&w, bootstrap);
	int64_t unassigned_since = now_ms();
	int lfd = listen_port(port);
	signals();
	logf_("replica %d consuming %s as group %s, metrics on 127.0.0.1:%d", w.replica, w.topic,
	      w.group, port);
	rd_kafka_message_t *pending = NULL;
	int64_t next_beat = 0, next_sync = now_ms() + 1000, next_retry = 0, rejoin_ms = 6000;
	while (!stop && !watched_gone()) {
		int64_t t = now_ms();
		if (t >= next_beat) {
			heartbeat(&w);
			next_beat = t + 500;
		}
		/* the group can stay without a coordinator after every broker
		 * flapped (the mock cluster's restarts): join it anew, as a
		 * restarted pod would -- waiting twice as long each time, so a
		 * join that is only slow (a loaded machine) gets to finish */
		if (w.assigned) {
			unassigned_since = t;
			rejoin_ms = 6000;
		} else if (!pending && t - unassigned_since > rejoin_ms) {
			logf_("no partitions for %lld s: joining the group again", (long long)rejoin_ms / 1000);
			rd_kafka_consumer_close(rk);
			rd_kafka_destroy(rk);
			rk = worker_consumer(&w, bootstrap);
			unassigned_since = now_ms();
			rejoin_ms = rejoin_ms < 48000 ? 2 * rejoin_ms : rejoin_ms;
		}
		if (t >= next_sync) {
			memory_call(&w, "the periodic memory sync");
			next_sync = t + 1000;
		}
		if (!pending) {
			rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
			if (m && m->err) {
				if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
					logf_("consume: %s", rd_kafka_message_errstr(m));
				rd_kafka_message_destroy(m);
			} else if (m) {
				w.messages++;
				pending = m;
				next_retry = 0;
				if (fault(&w, "crash-on-replay") && redelivery(m)) {
					/* a poison task replayed: the worker dies holding it, unstored */
					logf_("crashing on the re-published task at offset %lld (fault crash-on-replay)",
					      (long long)m->offset);
					_exit(1);
				}
			}
		} else {
			/* keep the group session alive while a task waits for the database */
			rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 0);
			if (m)
				rd_kafka_message_destroy(m);
		}
		if (pending && now_ms() >= next_retry) {
			if (handle(&w, pending)) {
				store_offset(rk, pending);
				rd_kafka_message_destroy(pending);
				pending = NULL;
			} else {
				next_retry = now_ms() + 500;
			}
		}
		if (wait_fds(lfd, -1, pending ? 50 : 0) > 0)
			http_serve(lfd, worker_http, &w);
	}
	/* a task not handled yet was never stored: the group redelivers it */
	if (pending)
		rd_kafka_message_destroy(pending);
	logf_("leaving the group");
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	if (w.pg)
		PQfinish(w.pg);
	if (w.redis)
		redisFree(w.redis);
	close(lfd);
	return 0;
}

/* ======================= produce ======================= */

static void delivered(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	char *id = m->_private;

	if (m->err)
		printf("%s\terr\t%s\n", id, rd_kafka_err2str(m->err));
	else
		printf("%s\tok\t%d\t%lld\n", id, m->partition, (long long)m->offset);
	fflush(stdout);
	free(id);
}

static void produce_line(rd_kafka_t *rk, char *line)
{
	char *f[4];
	int n = 0;

	for (char *s = line; n < 4;) {
		f[n++] = s;
		char *tab = n < 4 ? strchr(s, '\t') : NULL;
		if (!tab)
			break;
		*tab = '\0';
		s = tab + 1;
	}
	if (n == 2 && strcmp(f[1], "meta") == 0) {
		const struct rd_kafka_metadata *md;
		rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, NULL, &md, 500);
		if (e) {
			printf("%s\terr\t%s\n", f[0], rd_kafka_err2str(e));
		} else {
			printf("%s\tok\t%d\n", f[0], md->broker_cnt);
			rd_kafka_metadata_destroy(md);
		}
		fflush(stdout);
		return;
	}
	if (n != 4) {
		printf("%s\terr\tbad request (want ID TOPIC KEY VALUE, tab-separated)\n", f[0]);
		fflush(stdout);
		return;
	}
	char *id = strdup(f[0]);
	rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(f[1]),
		RD_KAFKA_V_KEY(f[2], strlen(f[2])), RD_KAFKA_V_VALUE(f[3], strlen(f[3])),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(id), RD_KAFKA_V_END);
	if (e) {
		printf("%s\terr\t%s\n", id, rd_kafka_err2str(e));
		fflush(stdout);
		free(id);
	}
}

static int cmd_produce(int argc, char **argv)
{
	const char *bootstrap = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "k:")) != -1) {
		if (opt == 'k')
			bootstrap = optarg;
		else
			return 2;
	}
	if (!bootstrap)
		die("produce: -k BOOTSTRAP is required");
	char errstr[512];
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(conf, quiet_log);
	rd_kafka_conf_set_dr_msg_cb(conf, delivered);
	const char *kv[] = { "bootstrap.servers", bootstrap, "message.timeout.ms", "1500",
			     "linger.ms", "0", "reconnect.backoff.max.ms", "500", NULL };
	for (const char **p = kv; *p; p += 2)
		if (rd_kafka_conf_set(conf, p[0], p[1], errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
			die("%s", errstr);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!rk)
		die("%s", errstr);
	signals();
	buf in = { 0 };
	int eof = 0;
	while (!eof && !stop) {
		struct pollfd p = { .fd = 0, .events = POLLIN };
		if (poll(&p, 1, 50) > 0) {
			char chunk[4096];
			ssize_t k = read(0, chunk, sizeof(chunk));
			if (k <= 0) {
				if (k == 0 || (errno != EINTR && errno != EAGAIN))
					eof = 1;
			} else {
				bprintf(&in, "%.*s", (int)k, chunk);
			}
		}
		char *nl;
		size_t used = 0;
		while (in.p && (nl = memchr(in.p + used, '\n', in.n - used))) {
			*nl = '\0';
			produce_line(rk, in.p + used);
			used = (size_t)(nl - in.p) + 1;
		}
		if (used) {
			memmove(in.p, in.p + used, in.n - used);
			in.n -= used;
		}
		rd_kafka_poll(rk, 0);
	}
	rd_kafka_flush(rk, 1000);
	rd_kafka_destroy(rk);
	free(in.p);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		die("usage: lab_kafka cluster|exporter|worker|produce OPTIONS");
	const char *cmd = argv[1];
	argv++;
	argc--;
	if (strcmp(cmd, "cluster") == 0)
		return cmd_cluster(argc, argv);
	if (strcmp(cmd, "exporter") == 0)
		return cmd_exporter(argc, argv);
	if (strcmp(cmd, "worker") == 0)
		return cmd_worker(argc, argv);
	if (strcmp(cmd, "produce") == 0)
		return cmd_produce(argc, argv);
	die("unknown command '%s' (cluster, exporter, worker, produce)", cmd);
	return 2;
}
