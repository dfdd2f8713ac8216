/*
 * queue.h - the runs admitted and not yet given to a worker.  An interface
 * (put/take/ack): in memory (queue_mem.c; not durable by itself: the
 * store is, and serve puts back every queued or running row at start) or
 * a Kafka topic (queue_kafka.c).
 */
#ifndef RB_SERVE_QUEUE_H
#define RB_SERVE_QUEUE_H

#include "serve/store.h"

typedef struct queue queue;
typedef struct queue_ops {
	/* queue run id (key: its concurrency key, which keeps one target's
	 * runs in order: a Kafka message key); durable when it returns 0, else
	 * -1 with *err (malloc'd) */
	int (*put)(queue *q, const char *id, const char *key, char **err);
	/* the next id into out, waiting for one: 0, or -1 once closed */
	int (*take)(queue *q, char out[RUN_ID_LEN + 1]);
	/* the run taken is done with (ended, or handed back to the store) */
	void (*ack)(queue *q, const char *id);
	/* ids put and not yet taken */
	long (*depth)(queue *q);
	/* wake every take() with -1 */
	void (*close)(queue *q);
	void (*free)(queue *q);
} queue_ops;

struct queue {
	const queue_ops *ops;
};

queue *queue_mem_new(void);
/* a Kafka topic (queue_kafka.c): url is kafka://BROKERS/TOPIC, group the
 * consumer group; at most max_buffer messages read ahead of the slots.
 * NULL with *err for a bad URL or configuration (no broker is needed yet) */
queue *queue_kafka_new(const char *url, const char *group, long max_buffer, char **err);

#endif
