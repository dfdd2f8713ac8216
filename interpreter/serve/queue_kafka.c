/*
 * queue_kafka.c - the queue on a Kafka topic (--queue kafka://BROKERS/TOPIC).
 *
 * put() produces the run id, keyed by the run's concurrency key (one
 * target's runs land in one partition, in order), with idempotence on,
 * and returns only once the brokers have it (acks=all), or it failed or
 * was not confirmed within PUT_WAIT_MS: a request admitted while the
 * brokers are down gets its 503 within 2 s, and a 2xx always means the
 * run is in the topic.  (A message confirmed after its put gave up is
 * harmless: serve took the run's row back, and a message without a row
 * runs nothing.)
 *
 * A consumer thread in the consumer group (cooperative-sticky assignment)
 * reads the topic into a small buffer that take() serves; an offset is
 * stored for commit only once the run of its message, and of every
 * message before it in its partition, is acked (at-least-once: a serve
 * killed mid-run gets its messages again).  While the buffer is full the
 * consumer pauses its partitions but keeps polling (the backlog shows as
 * consumer lag).  A message whose id is already buffered or running is
 * a duplicate: it is acked at once.
 */
#include "serve/queue.h"
#include "base/arena.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { M_BUFFERED, M_TAKEN, M_DONE };

#define PUT_WAIT_MS 1800

typedef struct kmsg {
	int32_t partition;
	int64_t offset;
	char id[RUN_ID_LEN + 1];
	int state;              /* M_* */
} kmsg;

typedef struct kq {
	queue q;
	rd_kafka_t *prod, *cons;
	char *topic;
	pthread_t poller, reader;
	pthread_mutex_t mu;
	pthread_cond_t cv;      /* a message buffered, a delivery reported, closing */
	kmsg *v;                /* read and not yet committed, in arrival order */
	size_t n, cap;
	long buffered;          /* of them, not yet taken */
	long max_buffer;
	int paused, closed;
} kq;

/* a put waiting for its delivery report; freed by whichever of the put
 * and the report comes last */
typedef struct delivery {
	int done, gave_up;
	rd_kafka_resp_err_t err;
} delivery;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	kq *k = opaque;
	delivery *d = m->_private;
	(void)rk;
	pthread_mutex_lock(&k->mu);
	d->err = m->err;
	d->done = 1;
	int orphan = d->gave_up;
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
	if (orphan)
		free(d);
}

/* the producer's delivery reports and errors are served here */
static void *poll_main(void *arg)
{
	kq *k = arg;
	while (!__atomic_load_n(&k->closed, __ATOMIC_ACQUIRE))
		rd_kafka_poll(k->prod, 100);
	return NULL;
}

static int kq_put(queue *q, const char *id, const char *key, char **err)
{
	kq *k = (kq *)q;
	delivery *d = xcalloc(1, sizeof *d);
	if (!key)
		key = id;
	rd_kafka_resp_err_t e = rd_kafka_producev(k->prod, RD_KAFKA_V_TOPIC(k->topic),
		RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE((void *)id, strlen(id)),
		RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
	if (e) {
		free(d);
		*err = xasprintf("kafka: %s", rd_kafka_err2str(e));
		return -1;
	}
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += (PUT_WAIT_MS % 1000) * 1000000L;
	until.tv_sec += PUT_WAIT_MS / 1000 + until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&k->mu);
	while (!d->done && pthread_cond_timedwait(&k->cv, &k->mu, &until) == 0)
		;
	int done = d->done;
	rd_kafka_resp_err_t derr = d->err;
	d->gave_up = !done;
	pthread_mutex_unlock(&k->mu);
	if (done)
		free(d);
	if (!done || derr) {
		*err = done ? xasprintf("kafka: %s", rd_kafka_err2str(derr))
			    : xasprintf("kafka: the brokers did not confirm it within %d ms", PUT_WAIT_MS);
		return -1;
	}
	return 0;
}

/* is id buffered or running? (mu held) */
static int in_flight(const kq *k, const char *id)
{
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].state != M_DONE && !strcmp(k->v[i].id, id))
			return 1;
	return 0;
}

/*
 * Store the offsets of what is done: per partition, the messages done
 * before the first that is not leave the list, and the offset after the
 * last of them is stored for the next commit.  (mu held)
 */
static void store_done(kq *k)
{
	size_t w = 0;
	for (size_t i = 0; i < k->n; i++) {
		kmsg *m = &k->v[i];
		int first = 1;
		for (size_t j = 0; j < w && first; j++)
			first = k->v[j].partition != m->partition;
		if (m->state == M_DONE && first) {
			rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
			rd_kafka_topic_partition_list_add(l, k->topic, m->partition)->offset = m->offset + 1;
			rd_kafka_offsets_store(k->cons, l);    /* fails for a partition no longer ours */
			rd_kafka_topic_partition_list_destroy(l);
			continue;
		}
		k->v[w++] = *m;
	}
	k->n = w;
}

/* a message read: buffered for take(), or done at once (mu held) */
static void add_message(kq *k, const rd_kafka_message_t *m)
{
	kmsg x = { .partition = m->partition, .offset = m->offset, .state = M_DONE };
	int ok = m->len == RUN_ID_LEN;
	for (size_t i = 0; ok && i < RUN_ID_LEN; i++) {
		char c = ((const char *)m->payload)[i];
		ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
	}
	if (ok)
		memcpy(x.id, m->payload, RUN_ID_LEN);
	/* not a run id, or a duplicate: done at once */
	if (ok && !in_flight(k, x.id))
		x.state = M_BUFFERED;
	if (k->n == k->cap)
		k->v = xrealloc(k->v, (k->cap = k->cap * 2 + 16) * sizeof *k->v);
	k->v[k->n++] = x;
	if (x.state != M_BUFFERED)
		return;
	k->buffered++;
	pthread_cond_broadcast(&k->cv);
}

/* pause the assignment while the buffer is full, resume below half (mu held) */
static void backpressure(kq *k)
{
	int want = k->paused ? k->buffered > k->max_buffer / 2 : k->buffered >= k->max_buffer;
	if (want == k->paused)
		return;
	rd_kafka_topic_partition_list_t *a = NULL;
	if (rd_kafka_assignment(k->cons, &a) == RD_KAFKA_RESP_ERR_NO_ERROR && a) {
		if (want)
			rd_kafka_pause_partitions(k->cons, a);
		else
			rd_kafka_resume_partitions(k->cons, a);
		rd_kafka_topic_partition_list_destroy(a);
	}
	k->paused = want;
}

static void *read_main(void *arg)
{
	kq *k = arg;
	while (!__atomic_load_n(&k->closed, __ATOMIC_ACQUIRE)) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(k->cons, 200);
		pthread_mutex_lock(&k->mu);
		if (m && !m->err)
			add_message(k, m);
		store_done(k);
		backpressure(k);
		pthread_mutex_unlock(&k->mu);
		if (m)
			rd_kafka_message_destroy(m);
	}
	return NULL;
}

/* partitions taken away: what was buffered from them is the new owner's */
static void drop_revoked(kq *k, const rd_kafka_topic_partition_list_t *parts)
{
	pthread_mutex_lock(&k->mu);
	size_t w = 0;
	for (size_t i = 0; i < k->n; i++) {
		int revoked = 0;
		for (int j = 0; j < parts->cnt && !revoked; j++)
			revoked = parts->elems[j].partition == k->v[i].partition;
		if (revoked && k->v[i].state != M_TAKEN) {
			k->buffered -= k->v[i].state == M_BUFFERED;
			continue;
		}
		k->v[w++] = k->v[i];
	}
	k->n = w;
	pthread_mutex_unlock(&k->mu);
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t *parts,
			 void *opaque)
{
	int cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (cooperative)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		return;
	}
	drop_revoked(opaque, parts);
	if (cooperative)
		rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
	else
		rd_kafka_assign(rk, NULL);
}

static int kq_take(queue *q, char out[RUN_ID_LEN + 1])
{
	kq *k = (kq *)q;
	pthread_mutex_lock(&k->mu);
	for (;;) {
		if (k->closed) {
			pthread_mutex_unlock(&k->mu);
			return -1;
		}
		for (size_t i = 0; i < k->n; i++) {
			if (k->v[i].state != M_BUFFERED)
				continue;
			k->v[i].state = M_TAKEN;
			k->buffered--;
			memcpy(out, k->v[i].id, RUN_ID_LEN + 1);
			pthread_mutex_unlock(&k->mu);
			return 0;
		}
		pthread_cond_wait(&k->cv, &k->mu);
	}
}

static void kq_ack(queue *q, const char *id)
{
	kq *k = (kq *)q;
	pthread_mutex_lock(&k->mu);
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].state == M_TAKEN && !strcmp(k->v[i].id, id)) {
			k->v[i].state = M_DONE;
			break;
		}
	pthread_mutex_unlock(&k->mu);
}

static long kq_depth(queue *q)
{
	kq *k = (kq *)q;
	pthread_mutex_lock(&k->mu);
	long d = k->buffered;
	pthread_mutex_unlock(&k->mu);
	return d;
}

static void kq_close(queue *q)
{
	kq *k = (kq *)q;
	pthread_mutex_lock(&k->mu);
	__atomic_store_n(&k->closed, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&k->cv);
	pthread_mutex_unlock(&k->mu);
}

static void kq_free(queue *q)
{
	kq *k = (kq *)q;
	kq_close(q);
	pthread_join(k->reader, NULL);
	pthread_mutex_lock(&k->mu);
	store_done(k);
	pthread_mutex_unlock(&k->mu);
	rd_kafka_consumer_close(k->cons);       /* commits the offsets stored */
	rd_kafka_destroy(k->cons);
	rd_kafka_flush(k->prod, 2000);
	pthread_join(k->poller, NULL);
	rd_kafka_destroy(k->prod);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->cv);
	free(k->v);
	free(k->topic);
	free(k);
}

static const queue_ops kafka_ops = { kq_put, kq_take, kq_ack, kq_depth, kq_close, kq_free };

/* a configuration with brokers and the (name, value) pairs of set; NULL with *err */
static rd_kafka_conf_t *make_conf(const char *brokers, const char *const *set, char **err)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char msg[512];
	if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, msg, sizeof msg) != RD_KAFKA_CONF_OK)
		goto bad;
	for (size_t i = 0; set[i]; i += 2)
		if (rd_kafka_conf_set(c, set[i], set[i + 1], msg, sizeof msg) != RD_KAFKA_CONF_OK)
			goto bad;
	/* librdkafka's own debug contexts (cgrp,topic,msg...), for an operator */
	const char *debug = getenv("RUNBOOK_KAFKA_DEBUG");
	if (debug && *debug && rd_kafka_conf_set(c, "debug", debug, msg, sizeof msg) != RD_KAFKA_CONF_OK)
		goto bad;
	return c;
bad:
	*err = xasprintf("kafka: %s", msg);
	rd_kafka_conf_destroy(c);
	return NULL;
}

/* the producer and the consumer of k; 0, or -1 with *err */
static int open_clients(kq *k, const char *brokers, const char *group, char **err)
{
	static const char *const prod_set[] = {
		"enable.idempotence", "true", "acks", "all", "message.timeout.ms", "1500",
		"linger.ms", "0", "log.connection.close", "false", NULL,
	};
	const char *cons_set[] = {
		"group.id", group, "partition.assignment.strategy", "cooperative-sticky",
		"enable.auto.offset.store", "false", "enable.auto.commit", "true",
		"auto.commit.interval.ms", "500", "auto.offset.reset", "earliest",
		"session.timeout.ms", "6000", "heartbeat.interval.ms", "500",
		"log.connection.close", "false", NULL,
	};
	char msg[512];
	rd_kafka_conf_t *pc = make_conf(brokers, prod_set, err), *cc;
	if (!pc)
		return -1;
	rd_kafka_conf_set_dr_msg_cb(pc, on_delivery);
	rd_kafka_conf_set_opaque(pc, k);
	if (!(k->prod = rd_kafka_new(RD_KAFKA_PRODUCER, pc, msg, sizeof msg))) {
		*err = xasprintf("kafka: %s", msg);
		return -1;
	}
	if (!(cc = make_conf(brokers, cons_set, err)))
		return -1;
	rd_kafka_conf_set_rebalance_cb(cc, on_rebalance);
	rd_kafka_conf_set_opaque(cc, k);
	if (!(k->cons = rd_kafka_new(RD_KAFKA_CONSUMER, cc, msg, sizeof msg))) {
		*err = xasprintf("kafka: %s", msg);
		return -1;
	}
	rd_kafka_poll_set_consumer(k->cons);
	rd_kafka_topic_partition_list_t *t = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(t, k->topic, RD_KAFKA_PARTITION_UA);
	rd_kafka_resp_err_t e = rd_kafka_subscribe(k->cons, t);
	rd_kafka_topic_partition_list_destroy(t);
	if (e) {
		*err = xasprintf("kafka: cannot subscribe to %s: %s", k->topic, rd_kafka_err2str(e));
		return -1;
	}
	return 0;
}

queue *queue_kafka_new(const char *url, const char *group, long max_buffer, char **err)
{
	const char *p = url + strlen("kafka://"), *slash = strchr(p, '/');
	if (strncmp(url, "kafka://", 8) || !slash || slash == p || !slash[1] || strchr(slash + 1, '/')) {
		*err = xasprintf("--queue must be kafka://HOST:PORT[,HOST:PORT...]/TOPIC, not '%s'", url);
		return NULL;
	}
	char *brokers = xstrndup(p, (size_t)(slash - p));
	kq *k = xcalloc(1, sizeof *k);
	k->q.ops = &kafka_ops;
	k->topic = xstrdup(slash + 1);
	k->max_buffer = max_buffer < 2 ? 2 : max_buffer;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	int rc = open_clients(k, brokers, group, err);
	free(brokers);
	if (rc < 0) {
		if (k->cons)
			rd_kafka_destroy(k->cons);
		if (k->prod)
			rd_kafka_destroy(k->prod);
		pthread_mutex_destroy(&k->mu);
		pthread_cond_destroy(&k->cv);
		free(k->topic);
		free(k);
		return NULL;
	}
	pthread_create(&k->poller, NULL, poll_main, k);
	pthread_create(&k->reader, NULL, read_main, k);
	return &k->q;
}
