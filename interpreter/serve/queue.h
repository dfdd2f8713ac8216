/*
 * queue.h - the runs admitted and not yet given to a worker.  An interface
 * (put/take/ack), so that a message queue can replace the in-memory one
 * (queue_mem.c) later; the in-memory queue is not durable by itself: the
 * store is, and serve puts back every queued or running row at start.
 */
#ifndef RB_SERVE_QUEUE_H
#define RB_SERVE_QUEUE_H

#include "serve/store.h"

typedef struct queue queue;
typedef struct queue_ops {
	void (*put)(queue *q, const char *id);
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

#endif
