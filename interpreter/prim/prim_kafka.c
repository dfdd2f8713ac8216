/*
 * prim_kafka.c - the `kafka` primitive and the kafka connection kind,
 * through librdkafka.
 *
 * A connection keeps the bootstrap brokers and the pass-through client
 * config, and makes clients lazily, one per kind of operation: a producer
 * for `produce`, a group-less consumer for `topics` metadata and
 * `consume: {from-beginning: true}` (assign, no group join), and one
 * consumer per group id for `lag` (it only asks for committed offsets).
 * These live until conn_kafka_close().  A group consume joins the group
 * with a client of its own and closes it (leaving the group) at the end
 * of the step, so the runbook never holds partitions between steps that
 * the group's real members should have.
 *
 * consume semantics: a group consume waits for max-messages or its
 * timeout (the step's, less a moment kept to commit) and commits the next
 * offsets of what it returned; from the beginning, the read also ends
 * where the log ends.  With until-end, either ends once every partition
 * it reads (a group's: those assigned to it) is caught up with its high
 * watermark as of the start, or reported its end.  The messages kept are bounded by max-result
 * (keys, values and headers, plus ELEM_COST per message): the first
 * message that does not fit ends the read and is neither returned nor
 * committed (the next consume gets it), unless it is the first, which is
 * returned cut (redacted before the cut, prim.h) so that a huge message
 * cannot block a group forever.  The result says messages_truncated.  Reads never name a topic in a metadata request
 * (that may auto-create it on the broker): they fetch all topics.
 *
 * Every librdkafka call that can block is made in slices of about 100 ms
 * (longer only while a live cluster answers slowly), so a step notices
 * *c->cancel quickly and never outlives its timeout.  librdkafka keeps
 * reconnecting to an unreachable cluster forever; we fail the step as soon
 * as it reports "all brokers down", naming the bootstrap address and the
 * library's own connect error.
 *
 * Callbacks (errors, delivery reports) are served only by rd_kafka_poll()
 * on the thread running the step, so they need no locking; a mutex in the
 * connection serialises steps that share it (--parallel).
 */
#include "lang/prim.h"
#include "base/clock.h"
#include "base/proc.h"
#include "base/suggest.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <librdkafka/rdkafka.h>

#define KAFKA_DEFAULT_TIMEOUT_MS 10000
#define KAFKA_SLICE_MS 100
#define ELEM_COST 8                     /* bytes of max-result one message costs */

typedef struct kclient {
	rd_kafka_t *rk;
	char *group;                    /* the group id of a group consumer */
	int all_down;                   /* "all brokers down" seen during this op */
	char lasterr[512];              /* the latest error librdkafka reported */
	/* delivery report of the message being produced (matched by seq) */
	uintptr_t dr_seq, dr_want;
	int dr_done;
	rd_kafka_resp_err_t dr_err;
	int32_t dr_partition;
	int64_t dr_offset;
} kclient;

typedef struct kconn {
	char *brokers;
	char **conf;                    /* key, value, key, value, ... */
	size_t nconf;
	pthread_mutex_t lock;
	kclient *producer, *plain;
	kclient **groups;
	size_t ngroups;
} kconn;

/* one operation of one step */
typedef struct kop {
	prim_call *c;
	kconn *kc;
	const char *what;               /* produce, consume, lag, topics */
	int64_t start, deadline;
	char *err;
} kop;

static const char *const kafka_ops[] = { "produce", "consume", "lag", "topics", NULL };

/* ---- connection ---- */

/* config keys whose values are credentials: redacted, never echoed */
static int secret_key(const char *k)
{
	return strstr(k, "password") || strstr(k, "secret") ||
	       strcmp(k, "ssl.key.pem") == 0 || strcmp(k, "sasl.oauthbearer.config") == 0;
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	kclient *cl = opaque;

	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
		cl->all_down = 1;
		if (cl->lasterr[0])
			return;         /* the connect error before it says more */
	}
	snprintf(cl->lasterr, sizeof(cl->lasterr), "%s", reason);
}

/* librdkafka logs to stderr by default; a runbook's output is ours */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kclient *cl = opaque;

	if ((uintptr_t)m->_private != cl->dr_want)
		return;         /* a purged message of an earlier, timed-out step */
	cl->dr_done = 1;
	cl->dr_err = m->err;
	cl->dr_partition = m->partition;
	cl->dr_offset = m->offset;
}

/* rd_kafka_conf_set with the failure as a message; a secret's value is
 * never quoted (librdkafka's errstr repeats the value it rejected) */
static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, char **err)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK)
		return 0;
	if (secret_key(k))
		*err = xasprintf("invalid value for kafka config '%s'", k);
	else
		*err = xasprintf("kafka config '%s': %s", k, errstr);
	return -1;
}

/* Make a client.  Our defaults come first so the connection's config can
 * override them; bootstrap.servers and group.id come last.  eof: a
 * consumer reports the end of each partition it reads. */
static kclient *kclient_new(kconn *kc, rd_kafka_type_t type, const char *group, int eof,
			    char **err)
{
	char errstr[512];
	kclient *cl = xcalloc(1, sizeof(*cl));
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int bad = conf_set(conf, "client.id", "runbook", err) ||
		  conf_set(conf, "log.connection.close", "false", err);

	if (!bad && type == RD_KAFKA_CONSUMER)
		bad = conf_set(conf, "enable.auto.commit", "false", err) ||
		      conf_set(conf, "auto.offset.reset", "earliest", err) ||
		      conf_set(conf, "enable.partition.eof", eof ? "true" : "false", err) ||
		      /* prefetch less than librdkafka's 64 MiB per partition */
		      conf_set(conf, "queued.max.messages.kbytes", "8192", err);
	for (size_t i = 0; !bad && i < kc->nconf; i++)
		bad = conf_set(conf, kc->conf[2 * i], kc->conf[2 * i + 1], err);
	if (!bad)
		bad = conf_set(conf, "bootstrap.servers", kc->brokers, err);
	/* librdkafka's consumer API wants a group even for assign() without
	 * one: a private id that never joins or commits */
	if (!bad && type == RD_KAFKA_CONSUMER) {
		char own[64];
		snprintf(own, sizeof(own), "runbook-nogroup-%ld", (long)getpid());
		bad = conf_set(conf, "group.id", group ? group : own, err);
	}
	if (bad) {
		rd_kafka_conf_destroy(conf);
		free(cl);
		return NULL;
	}
	rd_kafka_conf_set_opaque(conf, cl);
	rd_kafka_conf_set_error_cb(conf, on_error);
	rd_kafka_conf_set_log_cb(conf, on_log);
	if (type == RD_KAFKA_PRODUCER)
		rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	cl->rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
	if (!cl->rk) {
		rd_kafka_conf_destroy(conf);
		free(cl);
		*err = xasprintf("cannot create a kafka client: %s", errstr);
		return NULL;
	}
	cl->group = group ? xstrdup(group) : NULL;
	return cl;
}

static void kclient_free(kclient *cl)
{
	if (!cl)
		return;
	/* the cached consumers never join a group (they assign or only ask),
	 * and a group consume closes its own client: nothing to leave here,
	 * and closing could block on an unreachable coordinator */
	rd_kafka_destroy_flags(cl->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
	free(cl->group);
	free(cl);
}

static void kconn_free(kconn *kc)
{
	kclient_free(kc->producer);
	kclient_free(kc->plain);
	for (size_t i = 0; i < kc->ngroups; i++)
		kclient_free(kc->groups[i]);
	free(kc->groups);
	for (size_t i = 0; i < 2 * kc->nconf; i++)
		free(kc->conf[i]);
	free(kc->conf);
	free(kc->brokers);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

/* brokers: "host:port,host:port" or a list of "host:port" */
static char *brokers_text(const value *b, char **err)
{
	if (v_type(b) == V_STR)
		return xstrdup(v_as_str(b));
	if (v_type(b) != V_LIST) {
		*err = xasprintf("kafka connection 'brokers' must be a string or a list, not a %s",
				 v_type_name(b));
		return NULL;
	}
	sbuf s = { 0 };
	for (size_t i = 0; i < v_len(b); i++) {
		value *it = v_list_get(b, i);
		if (v_type(it) != V_STR) {
			*err = xasprintf("kafka broker %zu is a %s, not a \"host:port\" string",
					 i + 1, v_type_name(it));
			sbuf_release(&s);
			return NULL;
		}
		if (i)
			sbuf_addc(&s, ',');
		sbuf_adds(&s, v_as_str(it));
	}
	if (!s.len)
		sbuf_adds(&s, "");
	return sbuf_detach(&s);
}

/*
 * Open a kafka connection from its rendered spec: "host:port,..." or
 * {brokers, config: {key: value}}.  Nothing connects yet: this checks the
 * config (every key through rd_kafka_conf_set, so a typo fails here with
 * librdkafka's message) and registers credentials (sasl.password,
 * ssl.key.password, ...) with the redactor.  Returns a handle for
 * conn_kafka_close(), or NULL with *err (malloc'd, free of secrets).
 */
void *conn_kafka_open(const value *spec, int64_t timeout_ms, volatile sig_atomic_t *cancel,
		    redactor *red, char **err)
{
	const value *b = NULL, *config = NULL;

	if (v_type(spec) == V_STR) {
		b = spec;
	} else if (v_type(spec) == V_OBJ) {
		for (size_t i = 0; i < v_len(spec); i++) {
			const char *k = v_obj_key(spec, i);
			if (strcmp(k, "brokers") && strcmp(k, "config")) {
				*err = xasprintf("unknown key '%s' in kafka connection (brokers, config)", k);
				return NULL;
			}
		}
		b = arg_get(spec, "brokers");
		config = arg_get(spec, "config");
		if (config && v_type(config) == V_NULL)
			config = NULL;
		if (config && v_type(config) != V_OBJ) {
			*err = xasprintf("kafka connection 'config' must be a mapping, not a %s",
					 v_type_name(config));
			return NULL;
		}
	} else {
		*err = xasprintf("kafka connection must be \"host:port,...\" or {brokers, config}, not a %s",
				 v_type_name(spec));
		return NULL;
	}
	if (!b) {
		*err = xstrdup("kafka connection needs 'brokers'");
		return NULL;
	}

	kconn *kc = xcalloc(1, sizeof(*kc));
	pthread_mutex_init(&kc->lock, NULL);
	kc->brokers = brokers_text(b, err);
	if (!kc->brokers)
		goto fail;
	redact_add_url_credentials(red, kc->brokers);
	if (!kc->brokers[strspn(kc->brokers, " ,")]) {
		*err = xstrdup("kafka connection has no brokers");
		goto fail;
	}
	size_t n = config ? v_len(config) : 0;
	kc->conf = xcalloc(2 * n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *k = v_obj_key(config, i);
		value *v = v_obj_val(config, i);
		if (v_type(v) == V_LIST || v_type(v) == V_OBJ || v_type(v) == V_NULL) {
			*err = xasprintf("kafka config '%s' must be a scalar, not a %s",
					 k, v_type_name(v));
			goto fail;
		}
		kc->conf[2 * i] = xstrdup(k);
		kc->conf[2 * i + 1] = v_to_text(v);
		kc->nconf++;
		if (secret_key(k))
			redact_add(red, kc->conf[2 * i + 1], strlen(kc->conf[2 * i + 1]));
	}
	rd_kafka_conf_t *probe = rd_kafka_conf_new();
	for (size_t i = 0; i < kc->nconf; i++) {
		if (conf_set(probe, kc->conf[2 * i], kc->conf[2 * i + 1], err) < 0) {
			rd_kafka_conf_destroy(probe);
			goto fail;
		}
	}
	rd_kafka_conf_destroy(probe);
	return kc;
fail:
	kconn_free(kc);
	return NULL;
}

/* Close a kafka connection: destroys every client it made.  Undelivered
 * messages cannot remain: a produce step waits for its delivery report or
 * purges the message. */
void conn_kafka_close(void *h)
{
	if (h)
		kconn_free(h);
}

/* ---- one operation: deadline, cancellation, errors ---- */

static int kop_fail(kop *op, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int kop_fail(kop *op, const char *fmt, ...)
{
	if (!op->err) {
		va_list ap;
		va_start(ap, fmt);
		op->err = vxasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t kop_left(const kop *op)
{
	return op->deadline - now_ms();
}

/* 0 to go on; -1 (op->err set) when cancelled, out of time, or the
 * client has found every broker down */
static int kop_check(kop *op, kclient *cl)
{
	if (*op->c->cancel)
		return kop_fail(op, "kafka %s interrupted", op->what);
	if (cl && cl->all_down)
		return kop_fail(op, "kafka brokers '%s' unreachable: %s",
				op->kc->brokers, cl->lasterr);
	if (kop_left(op) <= 0) {
		char buf[32];
		dur_format(op->deadline - op->start, buf, sizeof(buf));
		if (cl && cl->lasterr[0])
			return kop_fail(op, "kafka %s timed out after %s (brokers '%s'): %s",
					op->what, buf, op->kc->brokers, cl->lasterr);
		return kop_fail(op, "kafka %s timed out after %s (brokers '%s')",
				op->what, buf, op->kc->brokers);
	}
	return 0;
}

static kclient *kop_client(kop *op, rd_kafka_type_t type, const char *group)
{
	kconn *kc = op->kc;
	kclient **slot;

	if (group) {
		for (size_t i = 0; i < kc->ngroups; i++)
			if (strcmp(kc->groups[i]->group, group) == 0)
				return kc->groups[i];
		slot = NULL;
	} else {
		slot = type == RD_KAFKA_PRODUCER ? &kc->producer : &kc->plain;
		if (*slot)
			return *slot;
	}
	char *err = NULL;
	kclient *cl = kclient_new(kc, type, group, !group, &err);
	if (!cl) {
		kop_fail(op, "%s", err);
		free(err);
		return NULL;
	}
	if (slot) {
		*slot = cl;
	} else {
		kc->groups = xrealloc(kc->groups, (kc->ngroups + 1) * sizeof(*kc->groups));
		kc->groups[kc->ngroups++] = cl;
	}
	return cl;
}

/*
 * Call a blocking librdkafka request in slices: a slice that times out is
 * retried (twice as long when the cluster answered too slowly, the same
 * when no broker is up yet), checking cancellation, the deadline and the
 * error callback in between.
 */
typedef rd_kafka_resp_err_t (*kcall_fn)(kclient *cl, void *arg, int timeout_ms);

static int kcall(kop *op, kclient *cl, const char *what, kcall_fn fn, void *arg)
{
	int slice = KAFKA_SLICE_MS;

	for (;;) {
		if (kop_check(op, cl) < 0)
			return -1;
		int64_t left = kop_left(op);
		int tmo = left < slice ? (int)left : slice;
		rd_kafka_resp_err_t e = fn(cl, arg, tmo > 0 ? tmo : 1);
		rd_kafka_poll(cl->rk, 0);
		if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
			return 0;
		if (e == RD_KAFKA_RESP_ERR__TIMED_OUT) {
			if (slice < 5000)
				slice *= 2;
		} else if (e != RD_KAFKA_RESP_ERR__TRANSPORT) {
			return kop_fail(op, "kafka %s failed: %s", what, rd_kafka_err2str(e));
		}
	}
}

struct meta_arg {
	const char *topic;
	const struct rd_kafka_metadata *md;
};

static rd_kafka_resp_err_t meta_fn(kclient *cl, void *arg, int tmo)
{
	struct meta_arg *a = arg;
	rd_kafka_topic_t *rkt = NULL;

	if (a->topic)
		rkt = rd_kafka_topic_new(cl->rk, a->topic, NULL);
	rd_kafka_resp_err_t e = rd_kafka_metadata(cl->rk, !a->topic, rkt, &a->md, tmo);
	if (rkt)
		rd_kafka_topic_destroy(rkt);
	return e;
}

/*
 * Metadata of one topic, or of all when topic is NULL; also the first
 * contact with the cluster, so it is where unreachable brokers show.
 * Reads ask for all topics: a request naming a topic may create it on a
 * broker with auto.create.topics.enable, and a read must change nothing.
 */
static const struct rd_kafka_metadata *kmeta(kop *op, kclient *cl, const char *topic)
{
	struct meta_arg a = { topic, NULL };

	if (kcall(op, cl, "metadata request", meta_fn, &a) < 0)
		return NULL;
	return a.md;
}

/* Metadata of all topics for a read, which starts from what the cluster
 * says now: an earlier operation's "all brokers down" is forgotten. */
static const struct rd_kafka_metadata *kmeta_read(kop *op, kclient *cl)
{
	cl->all_down = 0;
	return kmeta(op, cl, NULL);
}

/* the topic's entry, or NULL with op->err when it does not exist or errs;
 * allow_creating: a producer's request may be creating it right now */
static const rd_kafka_metadata_topic_t *md_topic(kop *op, const struct rd_kafka_metadata *md,
						 const char *topic, int allow_creating)
{
	for (int i = 0; i < md->topic_cnt; i++) {
		const rd_kafka_metadata_topic_t *t = &md->topics[i];
		if (strcmp(t->topic, topic))
			continue;
		if (!t->err)
			return t;
		if (allow_creating && t->err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE)
			return t;
		if (t->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
			kop_fail(op, "unknown kafka topic '%s'", topic);
		else
			kop_fail(op, "kafka topic '%s': %s", topic, rd_kafka_err2str(t->err));
		return NULL;
	}
	kop_fail(op, "unknown kafka topic '%s'", topic);
	return NULL;
}

/* ---- argument helpers ---- */

/* bytes of a scalar argument: strings as they are, others as text;
 * null/absent gives NULL (no key, or a tombstone value) */
static char *arg_bytes(const value *v, size_t *len)
{
	if (!v || v_type(v) == V_NULL) {
		*len = 0;
		return NULL;
	}
	if (v_type(v) == V_STR) {
		*len = v_str_len(v);
		return xstrndup(v_as_str(v), *len);
	}
	char *s = v_to_text(v);
	*len = strlen(s);
	return s;
}

static int arg_int(kop *op, const value *o, const char *key, int64_t dflt, int64_t min,
		   int64_t *out)
{
	value *v = arg_get(o, key);

	*out = dflt;
	if (!v || v_type(v) == V_NULL)
		return 0;
	double d = v_type(v) == V_NUM ? v_as_num(v) : -1e300;
	if (v_type(v) == V_STR) {
		char *end;
		d = strtod(v_as_str(v), &end);
		if (end == v_as_str(v) || *end)
			d = -1e300;
	}
	if (d != (double)(int64_t)d || d < (double)min || d > 2147483647.0)
		return kop_fail(op, "kafka %s '%s' must be an integer >= %lld",
				op->what, key, (long long)min);
	*out = (int64_t)d;
	return 0;
}

static const char *arg_req_str(kop *op, const value *o, const char *key)
{
	const char *s = arg_str(o, key);

	if (!s || !*s)
		kop_fail(op, "kafka %s needs '%s' (a string)", op->what, key);
	return s;
}

static value *md_num(int64_t n)
{
	return v_num((double)n);
}

/* ---- produce ---- */

static int kafka_produce(kop *op, const value *p, value *res)
{
	const char *topic = arg_req_str(op, p, "topic");
	int64_t part;
	value *hv = arg_get(p, "headers");

	if (!topic || arg_int(op, p, "partition", RD_KAFKA_PARTITION_UA, 0, &part) < 0)
		return -1;
	if (hv && v_type(hv) != V_NULL && v_type(hv) != V_OBJ)
		return kop_fail(op, "kafka produce 'headers' must be a mapping, not a %s",
				v_type_name(hv));
	kclient *cl = kop_client(op, RD_KAFKA_PRODUCER, NULL);
	if (!cl)
		return -1;
	const struct rd_kafka_metadata *md = kmeta(op, cl, topic);
	if (!md)
		return -1;
	const rd_kafka_metadata_topic_t *t = md_topic(op, md, topic, 1);
	int nparts = t ? t->partition_cnt : 0;
	rd_kafka_metadata_destroy(md);
	if (!t)
		return -1;
	if (part != RD_KAFKA_PARTITION_UA && nparts > 0 && part >= nparts)
		return kop_fail(op, "kafka topic '%s' has %d partition%s, no partition %lld",
				topic, nparts, nparts == 1 ? "" : "s", (long long)part);

	size_t klen, vlen;
	char *key = arg_bytes(arg_get(p, "key"), &klen);
	char *val = arg_bytes(arg_get(p, "value"), &vlen);
	rd_kafka_headers_t *hdrs = NULL;
	if (hv && v_type(hv) == V_OBJ) {
		hdrs = rd_kafka_headers_new(v_len(hv));
		for (size_t i = 0; i < v_len(hv); i++) {
			size_t n;
			char *b = arg_bytes(v_obj_val(hv, i), &n);
			rd_kafka_header_add(hdrs, v_obj_key(hv, i), -1, b, b ? (ssize_t)n : 0);
			free(b);
		}
	}
	cl->dr_want = ++cl->dr_seq;
	cl->dr_done = 0;
	cl->all_down = 0;
	rd_kafka_resp_err_t e = rd_kafka_producev(cl->rk,
		RD_KAFKA_V_TOPIC(topic),
		RD_KAFKA_V_PARTITION((int32_t)part),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		RD_KAFKA_V_KEY(key, klen),
		RD_KAFKA_V_VALUE(val, vlen),
		RD_KAFKA_V_HEADERS(hdrs),
		RD_KAFKA_V_OPAQUE((void *)cl->dr_want),
		RD_KAFKA_V_END);
	free(key);
	free(val);
	if (e) {
		if (hdrs)
			rd_kafka_headers_destroy(hdrs);
		return kop_fail(op, "kafka produce to '%s' failed: %s", topic, rd_kafka_err2str(e));
	}
	/* wait for the delivery report: that is what flush() waits for too */
	while (!cl->dr_done) {
		if (kop_check(op, cl) < 0) {
			/* do not let the message go out after we reported failure */
			rd_kafka_purge(cl->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT |
				       RD_KAFKA_PURGE_F_NON_BLOCKING);
			rd_kafka_poll(cl->rk, 0);
			return -1;
		}
		int64_t left = kop_left(op);
		rd_kafka_poll(cl->rk, left < KAFKA_SLICE_MS ? (int)left : KAFKA_SLICE_MS);
	}
	if (cl->dr_err)
		return kop_fail(op, "kafka produce to '%s' failed: %s", topic,
				rd_kafka_err2str(cl->dr_err));
	v_obj_set_take(res, "partition", md_num(cl->dr_partition));
	v_obj_set_take(res, "offset", md_num(cl->dr_offset));
	return 0;
}

/* the low and high watermarks of one partition (consume, lag) */
struct wm_arg {
	const char *topic;
	int32_t partition;
	int64_t low, high;
};

static rd_kafka_resp_err_t wm_fn(kclient *cl, void *arg, int tmo)
{
	struct wm_arg *w = arg;

	return rd_kafka_query_watermark_offsets(cl->rk, w->topic, w->partition,
						&w->low, &w->high, tmo);
}

/* ---- consume ---- */

/* bytes a message costs of max-result */
static size_t message_cost(const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *hdrs = NULL;
	size_t n = ELEM_COST + (m->key ? m->key_len : 0) + (m->payload ? m->len : 0);

	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *hval;
		size_t hlen;
		for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &hval, &hlen) == 0; i++)
			n += strlen(name) + hlen;
	}
	return n;
}

/* a key, value or header within *left bytes; cut ones are redacted first */
static value *bounded_bytes(const void *p, size_t n, size_t *left, const redactor *red,
			    int *truncated)
{
	int cut;
	value *v;

	if (!p)
		return v_null();
	if (n <= *left) {
		*left -= n;
		return v_strn(p, n);
	}
	v = bounded_text(red, p, n, *left, 0, &cut);
	*left -= v_str_len(v);
	*truncated = 1;
	return v;
}

static value *message_value(const rd_kafka_message_t *m, size_t *left, const redactor *red,
			    int *truncated)
{
	value *o = v_obj();
	rd_kafka_headers_t *hdrs = NULL;
	rd_kafka_timestamp_type_t tstype;
	int64_t ts = rd_kafka_message_timestamp(m, &tstype);

	*left = *left > ELEM_COST ? *left - ELEM_COST : 0;
	v_obj_set_take(o, "partition", md_num(m->partition));
	v_obj_set_take(o, "offset", md_num(m->offset));
	v_obj_set_take(o, "key", bounded_bytes(m->key, m->key_len, left, red, truncated));
	v_obj_set_take(o, "value", bounded_bytes(m->payload, m->len, left, red, truncated));
	value *h = v_obj();
	if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		const char *name;
		const void *hval;
		size_t hlen;
		for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &hval, &hlen) == 0; i++) {
			*left = *left > strlen(name) ? *left - strlen(name) : 0;
			v_obj_set_take(h, name, bounded_bytes(hval, hlen, left, red, truncated));
		}
	}
	v_obj_set_take(o, "headers", h);
	v_obj_set_take(o, "timestamp", ts >= 0 ? md_num(ts) : v_null());
	return o;
}

/* errors a consumer cannot get past by waiting */
static int consume_fatal(rd_kafka_resp_err_t e)
{
	return e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
	       e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
	       e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
	       e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
	       e == RD_KAFKA_RESP_ERR__FATAL;
}

/* commit the next offsets of what we consumed, through a queue so the
 * wait stays in slices */
static int consume_commit(kop *op, kclient *cl, rd_kafka_topic_partition_list_t *offs)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(cl->rk);
	rd_kafka_resp_err_t e = rd_kafka_commit_queue(cl->rk, offs, q, NULL, NULL);
	int rc = 0;

	if (e) {
		rd_kafka_queue_destroy(q);
		return kop_fail(op, "kafka commit for group '%s' failed: %s", cl->group,
				rd_kafka_err2str(e));
	}
	for (;;) {
		if (*op->c->cancel || kop_left(op) <= 0) {
			/* the commit result is no longer awaited; the offsets
			 * may still be committed */
			rc = kop_check(op, NULL);
			break;
		}
		int64_t left = kop_left(op);
		rd_kafka_event_t *ev = rd_kafka_queue_poll(q, left < KAFKA_SLICE_MS ?
							   (int)left : KAFKA_SLICE_MS);
		if (!ev)
			continue;
		if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
			e = rd_kafka_event_error(ev);
			if (e)
				rc = kop_fail(op, "kafka commit for group '%s' failed: %s",
					      cl->group, rd_kafka_err2str(e));
			rd_kafka_event_destroy(ev);
			break;
		}
		rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	return rc;
}

/* close a group consume's own client: leave the group (so the runbook
 * holds no partitions that the group's real members should have) within
 * a bounded wait, then destroy it */
static void consume_close(kop *op, kclient *cl)
{
	rd_kafka_queue_t *q = rd_kafka_queue_new(cl->rk);
	rd_kafka_error_t *e = rd_kafka_consumer_close_queue(cl->rk, q);
	int64_t end = now_ms() + 2000;

	if (e)
		rd_kafka_error_destroy(e);
	while (!e && !rd_kafka_consumer_closed(cl->rk) && now_ms() < end && !*op->c->cancel) {
		rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10);
		if (ev)
			rd_kafka_event_destroy(ev);
	}
	rd_kafka_queue_destroy(q);
	kclient_free(cl);
}

/* One consume: its arguments, its client, and what it has read so far. */
typedef struct consume {
	const char *topic, *group;      /* group NULL: from the beginning */
	int64_t max, wait_ms;           /* max-messages; timeout, -1 when none */
	size_t room;                    /* bytes of messages still allowed */
	kclient *cl;                    /* a group consume's own, else the connection's */
	int nparts, maxid;              /* the topic's partitions, their largest id */
	value *msgs;
	rd_kafka_topic_partition_list_t *offs;  /* per partition read: the next offset */
	char *eof;                      /* per partition id: it reported its end */
	int at_end, truncated;
	int64_t count;
	int until_end;                  /* stop once caught up with the log as of the start */
	/* until-end, per partition id: its high watermark at the start (-1:
	 * no such partition), the next offset to read (-1: not known yet) */
	int64_t *high, *next;
} consume;

/* The consume's arguments: topic, exactly one of group and
 * from-beginning, max-messages, max-result, timeout, until-end.  -1 with
 * op->err. */
static int consume_args(kop *op, const value *a, consume *k)
{
	value *fbv = arg_get(a, "from-beginning"), *ue = arg_get(a, "until-end");
	int fb = fbv && v_truthy(fbv);
	value *tv = arg_get(a, "timeout");
	char *cerr = NULL;

	k->topic = arg_req_str(op, a, "topic");
	k->group = arg_str(a, "group");
	k->wait_ms = -1;
	k->until_end = ue && v_truthy(ue);
	if (!k->topic || arg_int(op, a, "max-messages", 1, 1, &k->max) < 0)
		return -1;
	if (arg_count(op->c->args, "max-result", DEFAULT_MAX_RESULT, &k->room, &cerr) < 0) {
		kop_fail(op, "kafka: %s", cerr);
		free(cerr);
		return -1;
	}
	if (k->group && !*k->group)
		k->group = NULL;
	if (!k->group == !fb)
		return kop_fail(op, "kafka consume needs exactly one of 'group' and 'from-beginning: true'");
	if (tv && v_type(tv) == V_DUR) {
		k->wait_ms = v_as_dur(tv);
	} else if (tv && v_type(tv) == V_STR) {
		if (dur_parse(v_as_str(tv), v_str_len(tv), &k->wait_ms) < 0)
			return kop_fail(op, "kafka consume 'timeout' is not a duration: '%s'",
					v_as_str(tv));
	} else if (tv && v_type(tv) != V_NULL) {
		return kop_fail(op, "kafka consume 'timeout' must be a duration like 5s, not a %s",
				v_type_name(tv));
	}
	return 0;
}

/* the client of a consume: a group consume joins the group with a client
 * of its own, closed (leaving the group) at the end of the step; eof: it
 * reports the end of each partition (until-end) */
static kclient *consume_client(kop *op, const char *group, int eof)
{
	char *err = NULL;
	kclient *cl;

	if (!group)
		return kop_client(op, RD_KAFKA_CONSUMER, NULL);
	cl = kclient_new(op->kc, RD_KAFKA_CONSUMER, group, eof, &err);
	if (!cl) {
		kop_fail(op, "%s", err);
		free(err);
	}
	return cl;
}

/* until-end: the high watermark of each partition of topic t now, the
 * point the consume must reach (an empty partition is there already) */
static int consume_marks(kop *op, consume *k, const rd_kafka_metadata_topic_t *t)
{
	k->high = xcalloc((size_t)k->maxid + 1, sizeof(int64_t));
	k->next = xcalloc((size_t)k->maxid + 1, sizeof(int64_t));
	for (int i = 0; i <= k->maxid; i++)
		k->high[i] = k->next[i] = -1;
	for (int i = 0; i < k->nparts; i++) {
		struct wm_arg w = { k->topic, t->partitions[i].id, 0, 0 };
		char what[300];
		snprintf(what, sizeof(what), "watermarks of '%s' partition %d", k->topic, (int)w.partition);
		if (kcall(op, k->cl, what, wm_fn, &w) < 0)
			return -1;
		k->high[w.partition] = w.high;
		if (w.high <= w.low)
			k->next[w.partition] = w.high;
	}
	return 0;
}

/*
 * until-end: has every partition the consume reads (a group's: those
 * assigned to it, once it has some) reached its high watermark of the
 * start, or reported its end?
 */
static int caught_up(consume *k)
{
	rd_kafka_topic_partition_list_t *as = NULL;
	int n = 0, behind = 0;
	if (k->group && (rd_kafka_assignment(k->cl->rk, &as) || !as))
		return 0;
	for (int id = 0; id <= k->maxid; id++) {
		if (k->high[id] < 0 || (as && !rd_kafka_topic_partition_list_find(as, k->topic, id)))
			continue;
		n++;
		behind += !k->eof[id] && k->next[id] < k->high[id];
	}
	if (as)
		rd_kafka_topic_partition_list_destroy(as);
	return n > 0 && !behind;
}

/* Subscribe (group) or assign every partition from its beginning: 0, or
 * -1 with op->err and a group consume's client freed.  until-end: the
 * watermarks first. */
static int consume_start(kop *op, consume *k)
{
	k->cl = consume_client(op, k->group, k->until_end);
	if (!k->cl)
		return -1;
	const struct rd_kafka_metadata *md = kmeta_read(op, k->cl);
	const rd_kafka_metadata_topic_t *t = md ? md_topic(op, md, k->topic, 0) : NULL;
	if (!t) {
		if (md)
			rd_kafka_metadata_destroy(md);
		if (k->group)
			kclient_free(k->cl);
		return -1;
	}
	k->nparts = t->partition_cnt;
	for (int i = 0; i < k->nparts; i++)
		if (t->partitions[i].id > k->maxid)
			k->maxid = t->partitions[i].id;
	if (k->until_end && consume_marks(op, k, t) < 0) {
		rd_kafka_metadata_destroy(md);
		if (k->group)
			kclient_free(k->cl);
		return -1;
	}
	rd_kafka_topic_partition_list_t *tp =
		rd_kafka_topic_partition_list_new(k->nparts ? k->nparts : 1);
	rd_kafka_resp_err_t e;
	if (k->group) {
		rd_kafka_topic_partition_list_add(tp, k->topic, RD_KAFKA_PARTITION_UA);
		e = rd_kafka_subscribe(k->cl->rk, tp);
	} else {
		for (int i = 0; i < k->nparts; i++)
			rd_kafka_topic_partition_list_add(tp, k->topic, t->partitions[i].id)->offset =
				RD_KAFKA_OFFSET_BEGINNING;
		e = rd_kafka_assign(k->cl->rk, tp);
	}
	rd_kafka_topic_partition_list_destroy(tp);
	rd_kafka_metadata_destroy(md);
	if (e) {
		if (k->group)
			kclient_free(k->cl);
		return kop_fail(op, "kafka consume of '%s' failed: %s", k->topic, rd_kafka_err2str(e));
	}
	return 0;
}

/*
 * One message (or event) the consumer gave, which it destroys: 0 to go
 * on, 1 when the bound is reached (the message is neither returned nor
 * committed, so the next read gets it), -1 with op->err on an error no
 * waiting gets past.
 */
static int consume_message(kop *op, consume *k, rd_kafka_message_t *m)
{
	int32_t p = m->partition;
	int known = p >= 0 && p <= k->maxid, rc = 0;

	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
		if (known && !k->eof[p]) {
			k->eof[p] = 1;
			k->at_end++;
		}
	} else if (m->err) {
		if (consume_fatal(m->err))
			rc = kop_fail(op, "kafka consume of '%s' failed: %s", k->topic,
				      rd_kafka_message_errstr(m));
		else
			snprintf(k->cl->lasterr, sizeof(k->cl->lasterr), "%s",
				 rd_kafka_message_errstr(m));
	} else if (k->count > 0 && message_cost(m) > k->room) {
		k->truncated = 1;
		rc = 1;
	} else {
		if (known && k->eof[p]) {
			k->eof[p] = 0;
			k->at_end--;
		}
		v_list_push_take(k->msgs, message_value(m, &k->room, op->c->red, &k->truncated));
		k->count++;
		if (known && k->next)
			k->next[p] = m->offset + 1;
		rd_kafka_topic_partition_t *o = rd_kafka_topic_partition_list_find(
			k->offs, rd_kafka_topic_name(m->rkt), m->partition);
		if (!o)
			o = rd_kafka_topic_partition_list_add(k->offs, rd_kafka_topic_name(m->rkt),
							      m->partition);
		o->offset = m->offset + 1;
	}
	rd_kafka_message_destroy(m);
	return rc;
}

/*
 * Read up to max-messages until poll_end.  From the beginning, the read
 * ends where the log ends: once every partition reported its end
 * (enable.partition.eof), not at the timeout; a group consume waits for
 * max-messages or the timeout.  With until-end, either ends once it is
 * caught up (caught_up).  0, or -1 with op->err.
 */
static int consume_read(kop *op, consume *k, int64_t poll_end)
{
	while (k->count < k->max &&
	       (k->until_end ? !caught_up(k) : k->group || k->at_end < k->nparts)) {
		if (kop_check(op, k->cl) < 0)
			return -1;
		int64_t left = poll_end - now_ms();
		if (left <= 0)
			return 0;
		rd_kafka_poll(k->cl->rk, 0);
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->cl->rk,
			left < KAFKA_SLICE_MS ? (int)left : KAFKA_SLICE_MS);
		int r = m ? consume_message(op, k, m) : 0;
		if (r)
			return r < 0 ? -1 : 0;
	}
	return 0;
}

/* consume: read messages of a topic from the beginning, or as a member of
 * a group (committing what it read); then leave the topic */
static int kafka_consume(kop *op, const value *a, value *res)
{
	consume k = { 0 };

	if (consume_args(op, a, &k) < 0 || consume_start(op, &k) < 0) {
		free(k.high);
		free(k.next);
		return -1;
	}

	/* a group consume keeps time to commit what it read */
	int64_t total = op->deadline - op->start;
	int64_t poll_end = op->deadline - (k.group ? (total / 4 < 1000 ? total / 4 : 1000) : 0);
	if (k.wait_ms >= 0 && now_ms() + k.wait_ms < poll_end)
		poll_end = now_ms() + k.wait_ms;

	k.msgs = v_list();
	k.offs = rd_kafka_topic_partition_list_new(8);
	k.eof = xcalloc((size_t)k.maxid + 1, 1);
	int rc = consume_read(op, &k, poll_end);
	if (rc == 0 && k.group && k.offs->cnt > 0)
		rc = consume_commit(op, k.cl, k.offs);
	rd_kafka_topic_partition_list_destroy(k.offs);
	free(k.eof);
	free(k.high);
	free(k.next);
	if (k.group)
		consume_close(op, k.cl);
	else
		rd_kafka_assign(k.cl->rk, NULL);
	if (rc < 0) {
		v_release(k.msgs);
		return -1;
	}
	v_obj_set_take(res, "messages", k.msgs);
	v_obj_set_take(res, "count", md_num(k.count));
	v_obj_set_take(res, "messages_truncated", v_bool(k.truncated));
	return 0;
}

/* ---- lag ---- */

static rd_kafka_resp_err_t committed_fn(kclient *cl, void *arg, int tmo)
{
	return rd_kafka_committed(cl->rk, arg, tmo);
}

static int kafka_lag(kop *op, const value *a, value *res)
{
	const char *group = arg_req_str(op, a, "group");
	const char *topic = group ? arg_req_str(op, a, "topic") : NULL;

	if (!topic)
		return -1;
	kclient *cl = kop_client(op, RD_KAFKA_CONSUMER, group);
	const struct rd_kafka_metadata *md = cl ? kmeta_read(op, cl) : NULL;
	if (!md)
		return -1;
	const rd_kafka_metadata_topic_t *t = md_topic(op, md, topic, 0);
	if (!t) {
		rd_kafka_metadata_destroy(md);
		return -1;
	}
	rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(
		t->partition_cnt ? t->partition_cnt : 1);
	for (int i = 0; i < t->partition_cnt; i++)
		rd_kafka_topic_partition_list_add(tp, topic, t->partitions[i].id);
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_partition_list_sort(tp, NULL, NULL);

	char what[300];
	snprintf(what, sizeof(what), "committed offsets of group '%s'", group);
	if (kcall(op, cl, what, committed_fn, tp) < 0) {
		rd_kafka_topic_partition_list_destroy(tp);
		return -1;
	}
	value *parts = v_list();
	int64_t sum = 0;
	for (int i = 0; i < tp->cnt; i++) {
		rd_kafka_topic_partition_t *p = &tp->elems[i];
		struct wm_arg w = { topic, p->partition, 0, 0 };
		snprintf(what, sizeof(what), "watermarks of '%s' partition %d", topic,
			 (int)p->partition);
		if (kcall(op, cl, what, wm_fn, &w) < 0) {
			v_release(parts);
			rd_kafka_topic_partition_list_destroy(tp);
			return -1;
		}
		/* no committed offset: the whole retained log is lag */
		int has = p->offset >= 0;
		int64_t lag = has ? w.high - p->offset : w.high - w.low;
		if (lag < 0)
			lag = 0;
		sum += lag;
		value *o = v_obj();
		v_obj_set_take(o, "partition", md_num(p->partition));
		v_obj_set_take(o, "committed", has ? md_num(p->offset) : v_null());
		v_obj_set_take(o, "high", md_num(w.high));
		v_obj_set_take(o, "low", md_num(w.low));
		v_obj_set_take(o, "lag", md_num(lag));
		v_list_push_take(parts, o);
	}
	rd_kafka_topic_partition_list_destroy(tp);
	v_obj_set_take(res, "total", md_num(sum));
	v_obj_set_take(res, "partitions", parts);
	return 0;
}

/* ---- topics ---- */

static value *topic_value(const rd_kafka_metadata_topic_t *t)
{
	value *o = v_obj();
	value *parts = v_list();

	v_obj_set_take(o, "name", v_str(t->topic));
	for (int i = 0; i < t->partition_cnt; i++) {
		const rd_kafka_metadata_partition_t *p = &t->partitions[i];
		value *po = v_obj(), *reps = v_list();
		v_obj_set_take(po, "id", md_num(p->id));
		v_obj_set_take(po, "leader", md_num(p->leader));
		for (int j = 0; j < p->replica_cnt; j++)
			v_list_push_take(reps, md_num(p->replicas[j]));
		v_obj_set_take(po, "replicas", reps);
		v_list_push_take(parts, po);
	}
	v_obj_set_take(o, "partitions", parts);
	v_obj_set_take(o, "error", t->err ? v_str(rd_kafka_err2str(t->err)) : v_null());
	return o;
}

static int cmp_topic(const void *a, const void *b)
{
	const rd_kafka_metadata_topic_t *x = *(const rd_kafka_metadata_topic_t *const *)a;
	const rd_kafka_metadata_topic_t *y = *(const rd_kafka_metadata_topic_t *const *)b;
	return strcmp(x->topic, y->topic);
}

static int kafka_topics(kop *op, const value *a, value *res)
{
	const value *names = NULL;

	if (a && v_type(a) == V_LIST) {
		names = a;
		for (size_t i = 0; i < v_len(a); i++)
			if (v_type(v_list_get(a, i)) != V_STR)
				return kop_fail(op, "kafka topics: item %zu is a %s, not a topic name",
						i + 1, v_type_name(v_list_get(a, i)));
	} else if (a && v_type(a) != V_NULL && !(v_type(a) == V_BOOL && v_as_bool(a))) {
		return kop_fail(op, "kafka topics must be true, null or a list of names, not %s",
				v_type_name(a));
	}
	kclient *cl = kop_client(op, RD_KAFKA_CONSUMER, NULL);
	const struct rd_kafka_metadata *md = cl ? kmeta_read(op, cl) : NULL;
	if (!md)
		return -1;

	value *topics = v_list();
	if (names) {
		for (size_t i = 0; i < v_len(names); i++) {
			const char *n = v_as_str(v_list_get(names, i));
			int found = 0;
			for (int j = 0; j < md->topic_cnt && !found; j++) {
				if (strcmp(md->topics[j].topic, n) == 0) {
					v_list_push_take(topics, topic_value(&md->topics[j]));
					found = 1;
				}
			}
			if (!found) {
				rd_kafka_metadata_topic_t missing = {
					.topic = (char *)n,
					.err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
				};
				v_list_push_take(topics, topic_value(&missing));
			}
		}
	} else {
		const rd_kafka_metadata_topic_t **v = xcalloc(md->topic_cnt + 1, sizeof(*v));
		for (int j = 0; j < md->topic_cnt; j++)
			v[j] = &md->topics[j];
		qsort(v, md->topic_cnt, sizeof(*v), cmp_topic);
		for (int j = 0; j < md->topic_cnt; j++)
			v_list_push_take(topics, topic_value(v[j]));
		free(v);
	}
	value *brokers = v_list();
	for (int i = 0; i < md->broker_cnt; i++) {
		value *b = v_obj();
		v_obj_set_take(b, "id", md_num(md->brokers[i].id));
		v_obj_set_take(b, "host", v_str(md->brokers[i].host));
		v_obj_set_take(b, "port", md_num(md->brokers[i].port));
		v_list_push_take(brokers, b);
	}
	rd_kafka_metadata_destroy(md);
	v_obj_set_take(res, "topics", topics);
	v_obj_set_take(res, "brokers", brokers);
	return 0;
}

/* ---- the primitive ---- */

/* wait for the connection's lock in slices, so a queued step can still be
 * cancelled or time out */
static int kop_lock(kop *op)
{
	for (;;) {
		if (kop_check(op, NULL) < 0)
			return -1;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += KAFKA_SLICE_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		int r = pthread_mutex_timedlock(&op->kc->lock, &ts);
		if (r == 0)
			return 0;
		if (r != ETIMEDOUT)
			return kop_fail(op, "kafka connection lock: %s", strerror(r));
	}
}

/*
 * Run one kafka action: exactly one of produce, consume, lag, topics (see
 * the top of this file for the result fields; every result also
 * has `duration`).  Bounded by c->timeout_ms (10 s when 0) and *c->cancel.
 * Returns 0 with c->result, or -1 with c->error when the cluster could not
 * be reached, the topic does not exist, the request failed or timed out.
 */
int prim_kafka_run(prim_call *c)
{
	kop op = { .c = c, .kc = c->conn };
	int64_t tmo = c->timeout_ms > 0 ? c->timeout_ms : KAFKA_DEFAULT_TIMEOUT_MS;
	const char *which = NULL;
	int nops = 0;

	op.start = now_ms();
	op.deadline = op.start + tmo;
	for (int i = 0; kafka_ops[i]; i++) {
		if (arg_get(c->args, kafka_ops[i])) {
			which = kafka_ops[i];
			nops++;
		}
	}
	if (nops != 1) {
		c->error = xstrdup("kafka needs exactly one of produce, consume, lag, topics");
		return -1;
	}
	if (!op.kc) {
		c->error = xstrdup("kafka needs a 'connection'");
		return -1;
	}
	op.what = which;
	if (kop_lock(&op) < 0) {
		c->error = op.err;
		return -1;
	}
	value *res = v_obj(), *a = arg_get(c->args, which);
	int rc;
	if (strcmp(which, "produce") == 0)
		rc = v_type(a) == V_OBJ ? kafka_produce(&op, a, res) :
		     kop_fail(&op, "kafka produce must be a mapping, not a %s", v_type_name(a));
	else if (strcmp(which, "consume") == 0)
		rc = v_type(a) == V_OBJ ? kafka_consume(&op, a, res) :
		     kop_fail(&op, "kafka consume must be a mapping, not a %s", v_type_name(a));
	else if (strcmp(which, "lag") == 0)
		rc = v_type(a) == V_OBJ ? kafka_lag(&op, a, res) :
		     kop_fail(&op, "kafka lag must be a mapping, not a %s", v_type_name(a));
	else
		rc = kafka_topics(&op, a, res);
	pthread_mutex_unlock(&op.kc->lock);
	if (rc < 0) {
		v_release(res);
		c->error = op.err ? op.err : xstrdup("kafka request failed");
		return -1;
	}
	v_obj_set_take(res, "duration", v_dur(now_ms() - op.start));
	c->result = res;
	return 0;
}

/* ---- static checks ---- */

static int is_template(const node *n)
{
	return n && n->kind == N_SCALAR && strstr(n->str, "${{");
}

/*
 * The effect of a kafka action, from its keys: produce writes; consume,
 * lag and topics read.  A group consume commits offsets, which moves the
 * group's lag, but it changes no data a runbook could undo, so it still
 * counts as a read (it runs under --dry-run: use from-beginning there if
 * that matters).  -1 when the action is a template (known only once
 * rendered).
 */
int prim_kafka_effect(const node *action)
{
	if (!action || action->kind != N_MAP)
		return -1;
	if (node_get(action, "produce"))
		return EFFECT_WRITE;
	for (int i = 1; kafka_ops[i]; i++)
		if (node_key(action, kafka_ops[i]))
			return EFFECT_READ;
	return -1;
}

static void check_keys(const node *m, const char *what, const char *const *allowed, diags *dg)
{
	for (size_t i = 0; i < m->n; i++) {
		const node *k = m->keys[i];
		int ok = 0;
		for (int j = 0; allowed[j]; j++)
			if (strcmp(k->str, allowed[j]) == 0)
				ok = 1;
		if (ok)
			continue;
		const char *best = suggest(k->str, allowed, (size_t)-1, 0);
		if (best)
			diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "unknown-key",
				 "unknown key '%s' in kafka %s (did you mean '%s'?)", k->str, what, best);
		else
			diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "unknown-key",
				 "unknown key '%s' in kafka %s", k->str, what);
	}
}

static void need_key(const node *m, const node *at, const char *what, const char *key, diags *dg)
{
	const node *v = node_get(m, key);

	if (!v || node_is_null(v))
		diag_add(dg, SEV_ERROR, at->file, at->line, at->col, "missing-key",
			 "kafka %s needs '%s'", what, key);
	else if (v->kind != N_SCALAR)
		diag_add(dg, SEV_ERROR, v->file, v->line, v->col, "invalid-value",
			 "kafka %s '%s' must be a string, not a %s", what, key, node_kind_name(v));
}

/* a plain non-negative integer scalar (or a template) at least min */
static void need_int(const node *m, const char *what, const char *key, long min, diags *dg)
{
	const node *v = node_get(m, key);
	char *end;

	if (!v || node_is_null(v) || is_template(v))
		return;
	if (v->kind == N_SCALAR) {
		long n = strtol(v->str, &end, 10);
		if (end != v->str && !*end && n >= min)
			return;
	}
	diag_add(dg, SEV_ERROR, v->file, v->line, v->col, "invalid-value",
		 "kafka %s '%s' must be an integer >= %ld", what, key, min);
}

static void validate_produce(const node *m, const node *at, diags *dg)
{
	static const char *const keys[] = { "topic", "key", "value", "headers", "partition", NULL };

	check_keys(m, "produce", keys, dg);
	need_key(m, at, "produce", "topic", dg);
	need_int(m, "produce", "partition", 0, dg);
	const node *h = node_get(m, "headers");
	if (h && !node_is_null(h) && h->kind != N_MAP && !is_template(h))
		diag_add(dg, SEV_ERROR, h->file, h->line, h->col, "invalid-value",
			 "kafka produce 'headers' must be a mapping, not a %s", node_kind_name(h));
	else if (h && h->kind == N_MAP)
		for (size_t i = 0; i < h->n; i++)
			if (h->vals[i]->kind != N_SCALAR)
				diag_add(dg, SEV_ERROR, h->vals[i]->file, h->vals[i]->line,
					 h->vals[i]->col, "invalid-value",
					 "kafka header '%s' must be a scalar, not a %s",
					 h->keys[i]->str, node_kind_name(h->vals[i]));
}

static void validate_consume(const node *m, const node *at, diags *dg)
{
	static const char *const keys[] = { "topic", "group", "from-beginning", "max-messages",
					    "timeout", "until-end", NULL };

	check_keys(m, "consume", keys, dg);
	need_key(m, at, "consume", "topic", dg);
	need_int(m, "consume", "max-messages", 1, dg);
	const node *g = node_get(m, "group"), *fb = node_get(m, "from-beginning");
	if (g && node_is_null(g))
		g = NULL;
	int b;
	if (fb && !node_is_null(fb) && !is_template(fb) && !node_bool(fb, &b))
		diag_add(dg, SEV_ERROR, fb->file, fb->line, fb->col, "invalid-value",
			 "kafka consume 'from-beginning' must be true or false");
	else if (g && fb && (node_is_true(fb) || is_template(fb)))
		diag_add(dg, SEV_ERROR, fb->file, fb->line, fb->col, "invalid-value",
			 "kafka consume takes 'group' or 'from-beginning', not both");
	else if (!g && !(fb && (node_is_true(fb) || is_template(fb))))
		diag_add(dg, SEV_ERROR, at->file, at->line, at->col, "missing-key",
			 "kafka consume needs 'group' or 'from-beginning: true'");
	if (g && g->kind != N_SCALAR)
		diag_add(dg, SEV_ERROR, g->file, g->line, g->col, "invalid-value",
			 "kafka consume 'group' must be a string, not a %s", node_kind_name(g));
	const node *t = node_get(m, "timeout");
	int64_t ms;
	if (t && !node_is_null(t) && !is_template(t) &&
	    (t->kind != N_SCALAR || dur_parse(t->str, t->len, &ms) < 0))
		diag_add(dg, SEV_ERROR, t->file, t->line, t->col, "invalid-value",
			 "kafka consume 'timeout' must be a duration like 5s");
	const node *ue = node_get(m, "until-end");
	if (ue && !node_is_null(ue) && !is_template(ue) && !node_bool(ue, &b))
		diag_add(dg, SEV_ERROR, ue->file, ue->line, ue->col, "invalid-value",
			 "kafka consume 'until-end' must be true or false");
}

static void validate_topics(const node *v, diags *dg)
{
	if (node_is_null(v) || node_is_true(v) || is_template(v))
		return;
	if (v->kind == N_SEQ) {
		for (size_t i = 0; i < v->n; i++)
			if (v->vals[i]->kind != N_SCALAR)
				diag_add(dg, SEV_ERROR, v->vals[i]->file, v->vals[i]->line,
					 v->vals[i]->col, "invalid-value",
					 "kafka topics: item %zu is a %s, not a topic name",
					 i + 1, node_kind_name(v->vals[i]));
		return;
	}
	diag_add(dg, SEV_ERROR, v->file, v->line, v->col, "invalid-value",
		 "kafka topics must be true, null or a list of topic names");
}

/*
 * Static checks of a kafka step beyond the table: exactly one operation,
 * and each operation's own keys (unknown keys with a "did you mean",
 * required ones, integers, durations).  Values that are templates are
 * checked only at run time.
 */
void prim_kafka_validate(const runbook *rb, const step *st, diags *dg)
{
	const node *act = st->action;
	const node *first = NULL;

	if (!act || act->kind != N_MAP)
		return;
	for (size_t i = 0; i < act->n; i++) {
		const node *k = act->keys[i], *v = act->vals[i];
		int op = -1;
		for (int j = 0; kafka_ops[j]; j++)
			if (strcmp(k->str, kafka_ops[j]) == 0)
				op = j;
		if (op < 0)
			continue;
		if (first) {
			diag_add(dg, SEV_ERROR, k->file, k->line, k->col, "invalid-action",
				 "kafka takes exactly one of produce, consume, lag, topics; "
				 "found '%s' and '%s'", first->str, k->str);
			continue;
		}
		first = k;
		if (op == 3) {
			validate_topics(v, dg);
			continue;
		}
		if (v->kind != N_MAP)
			continue;       /* the table's type check reports it */
		if (op == 0) {
			validate_produce(v, k, dg);
		} else if (op == 1) {
			validate_consume(v, k, dg);
		} else {
			static const char *const keys[] = { "group", "topic", NULL };
			check_keys(v, "lag", keys, dg);
			need_key(v, k, "lag", "group", dg);
			need_key(v, k, "lag", "topic", dg);
		}
	}
	if (!first)
		diag_add(dg, SEV_ERROR, act->file, act->line, act->col, "missing-key",
			 "kafka needs one of produce, consume, lag, topics");
}
