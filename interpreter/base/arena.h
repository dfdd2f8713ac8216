/*
 * arena.h - bump allocator with one owner.
 *
 * Ownership rule for the whole interpreter: everything that belongs to a
 * loaded runbook (AST nodes, strings, parsed templates, diagnostics text,
 * the step model, the graph) is allocated in that runbook's arena and freed
 * in one call, arena_free().  Run-time values (value.h) are refcounted and
 * live on the heap; library objects (cJSON, CURL, PGresult, redisReply) are
 * freed by the code that made them.
 *
 * Allocation never fails: out of memory aborts the process with a message,
 * as git's xmalloc does.
 */
#ifndef RB_ARENA_H
#define RB_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

typedef struct arena_block arena_block;
typedef struct arena {
	arena_block *head;
	size_t total;           /* bytes handed out, for limits and stats */
} arena;

/* a block: the bump pointer is data + used (here for the inline fast path) */
struct arena_block {
	arena_block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

void arena_init(arena *a);
void arena_free(arena *a);
/* a new block for n bytes (n a multiple of 16), and n bytes of it */
void *arena_alloc_block(arena *a, size_t n);

/* n bytes, 16-byte aligned, not zeroed: for memory the caller fills at
 * once.  Inline: the loader allocates a node or a string per YAML event. */
static inline void *arena_alloc_raw(arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	arena_block *b = a->head;
	if (!b || b->cap - b->used < n)
		return arena_alloc_block(a, n);
	void *p = b->data + b->used;
	b->used += n;
	a->total += n;
	return p;
}

/* the same, zeroed */
static inline void *arena_alloc(arena *a, size_t n)
{
	void *p = arena_alloc_raw(a, n);
	memset(p, 0, n);
	return p;
}
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* an array v of n elements of size bytes, *cap of them allocated, with
 * room for one more: v, or a copy twice as large (at least 8) in a */
void *arena_grow(arena *a, void *v, size_t n, size_t *cap, size_t size);
char *arena_printf(arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* xmalloc family: abort on OOM */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *vxasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* growable byte buffer (heap), used for output capture and JSON building */
typedef struct sbuf {
	char *buf;
	size_t len, cap;
} sbuf;
void sbuf_add(sbuf *b, const char *s, size_t n);
void sbuf_adds(sbuf *b, const char *s);
void sbuf_addc(sbuf *b, char c);
void sbuf_addf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_vaddf(sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
char *sbuf_detach(sbuf *b);     /* NUL-terminated, caller frees; b reset */
void sbuf_release(sbuf *b);

#endif
