/*
 * re.c - the process's compiled patterns (see re.h).
 *
 * Open addressing over RE_SLOTS slots, at most RE_CACHE_MAX entries, each
 * read-only once made.  A pattern is compiled outside the lock, so threads
 * checking different files do not wait on each other's compiles; when two
 * compile the same one at once, the first to come back keeps its copy.
 */
#include "base/re.h"
#include "base/arena.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RE_SLOTS (2 * RE_CACHE_MAX)

static struct re_entry {
	char *text;
	size_t len;
	int opts;
	pcre2_code *code;
} re_cache[RE_SLOTS];
static size_t re_count;
static pthread_mutex_t re_lock = PTHREAD_MUTEX_INITIALIZER;

/* the slot of (text, opts): its entry, or the empty slot it would take */
static struct re_entry *re_slot(const char *text, size_t len, int opts)
{
	size_t h = 1469598103934665603u ^ (size_t)opts;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211u;
	for (size_t i = h & (RE_SLOTS - 1);; i = (i + 1) & (RE_SLOTS - 1)) {
		struct re_entry *e = &re_cache[i];
		if (!e->text || (e->len == len && e->opts == opts && !memcmp(e->text, text, len)))
			return e;
	}
}

static uint32_t pcre2_options(int opts)
{
	return PCRE2_UTF | (opts & RE_MULTILINE ? PCRE2_MULTILINE : 0) |
	       (opts & RE_INVALID_UTF ? PCRE2_MATCH_INVALID_UTF : 0);
}

static void set_error(re_error *e, int code, size_t offset)
{
	pcre2_get_error_message(code, (PCRE2_UCHAR *)e->msg, sizeof e->msg);
	e->offset = offset;
}

/*
 * The compiled form of pat: from the cache, or compiled and kept there.
 * *owned: the cache is full and the caller must pcre2_code_free() it.
 * NULL with *e when the pattern does not compile.
 */
static pcre2_code *re_get(const char *pat, size_t len, int opts, int *owned, re_error *e)
{
	*owned = 0;
	pthread_mutex_lock(&re_lock);
	pcre2_code *re = re_slot(pat, len, opts)->code;
	pthread_mutex_unlock(&re_lock);
	if (re)
		return re;

	int ec;
	PCRE2_SIZE eo;
	re = pcre2_compile((PCRE2_SPTR)pat, len, pcre2_options(opts), &ec, &eo, NULL);
	if (!re) {
		memset(e, 0, sizeof *e);
		e->bad_pattern = 1;
		set_error(e, ec, (size_t)eo);
		return NULL;
	}
	pthread_mutex_lock(&re_lock);
	struct re_entry *s = re_slot(pat, len, opts);
	if (s->code) {
		/* another thread got there first */
		pcre2_code_free(re);
		re = s->code;
	} else if (re_count < RE_CACHE_MAX) {
		s->text = xstrndup(pat, len);
		s->len = len;
		s->opts = opts;
		s->code = re;
		re_count++;
	} else
		*owned = 1;
	pthread_mutex_unlock(&re_lock);
	return re;
}

int re_check(const char *pat, size_t len, int opts, re_error *e)
{
	int owned;
	pcre2_code *re = re_get(pat, len, opts, &owned, e);

	if (re && owned)
		pcre2_code_free(re);
	return re ? 0 : -1;
}

int re_match(const char *pat, size_t plen, int opts, const char *s, size_t n, uint32_t limit,
	     re_error *e)
{
	int owned;
	pcre2_code *re = re_get(pat, plen, opts, &owned, e);

	if (!re)
		return -1;
	pcre2_match_context *mc = limit ? pcre2_match_context_create(NULL) : NULL;
	if (mc)
		pcre2_set_match_limit(mc, limit);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = md ? pcre2_match(re, (PCRE2_SPTR)s, n, 0, 0, md, mc) : PCRE2_ERROR_NOMEMORY;
	if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
		memset(e, 0, sizeof *e);
		e->bad_subject = rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21;
		set_error(e, rc, md && e->bad_subject ? (size_t)pcre2_get_startchar(md) : 0);
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	if (owned)
		pcre2_code_free(re);
	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
