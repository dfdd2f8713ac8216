/*
 * queue_mem.c - the in-memory queue: a FIFO of run ids behind a mutex.
 */
#include "serve/queue.h"
#include "base/arena.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qitem {
	char id[RUN_ID_LEN + 1];
	struct qitem *next;
} qitem;

typedef struct memq {
	queue q;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	qitem *head, *tail;
	long depth;
	int closed;
} memq;

static int mq_put(queue *q, const char *id, const char *key, char **err)
{
	(void)key, (void)err;
	memq *m = (memq *)q;
	qitem *it = xcalloc(1, sizeof *it);
	snprintf(it->id, sizeof it->id, "%s", id);
	pthread_mutex_lock(&m->mu);
	if (m->tail)
		m->tail->next = it;
	else
		m->head = it;
	m->tail = it;
	m->depth++;
	pthread_cond_signal(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static int mq_take(queue *q, char out[RUN_ID_LEN + 1])
{
	memq *m = (memq *)q;
	pthread_mutex_lock(&m->mu);
	while (!m->head && !m->closed)
		pthread_cond_wait(&m->cv, &m->mu);
	if (m->closed) {
		pthread_mutex_unlock(&m->mu);
		return -1;
	}
	qitem *it = m->head;
	m->head = it->next;
	if (!m->head)
		m->tail = NULL;
	m->depth--;
	pthread_mutex_unlock(&m->mu);
	memcpy(out, it->id, RUN_ID_LEN + 1);
	free(it);
	return 0;
}

/* nothing to do in memory: a run taken is gone from the queue */
static void mq_ack(queue *q, const char *id)
{
	(void)q, (void)id;
}

static long mq_depth(queue *q)
{
	memq *m = (memq *)q;
	pthread_mutex_lock(&m->mu);
	long d = m->depth;
	pthread_mutex_unlock(&m->mu);
	return d;
}

static void mq_close(queue *q)
{
	memq *m = (memq *)q;
	pthread_mutex_lock(&m->mu);
	m->closed = 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

static void mq_free(queue *q)
{
	memq *m = (memq *)q;
	for (qitem *it = m->head, *n; it; it = n) {
		n = it->next;
		free(it);
	}
	pthread_mutex_destroy(&m->mu);
	pthread_cond_destroy(&m->cv);
	free(m);
}

static const queue_ops mem_ops = { mq_put, mq_take, mq_ack, mq_depth, mq_close, mq_free };

queue *queue_mem_new(void)
{
	memq *m = xcalloc(1, sizeof *m);
	m->q.ops = &mem_ops;
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	return &m->q;
}
