/*
 * transcript.c - the tamper-evident JSON-lines record of a run.
 *
 * Line format (see transcript.h): the event printed unformatted as S, then
 * the line is S minus its final '}' + ,"hash":"<hex SHA-256 of S>"} + '\n'.
 * Every event's `prev` is the hash of the event before it (64 zeros for
 * event 1), so deleting, reordering, duplicating or editing a line breaks
 * the chain at that line; transcript_check_chain() finds the first break.
 *
 * Redaction masks values, never the record's own structure.  What a run
 * produced -- results, outputs, inputs, messages, answers -- is data and
 * every string in it is redacted (and numbers whose digits hold a
 * secret).  What the record is made of is never touched: its keys, the
 * event name, step ids, phases, and the fields whose values are
 * identifiers or enumerations (status, primitive, effect, rollback_of...:
 * each event's structural fields in the table of events.h), nor the
 * numbers and booleans at the top of an
 * event (seq, counts, exit codes, durations).  So a secret that happens to
 * be "ok", "end", "0", "\"" or a step id cannot rewrite a status, hide
 * run.end, break the JSON or make `resume` miss a finished step.  A
 * common word as a secret is still masked wherever it occurs inside a
 * value.  Every string is also made valid UTF-8 (invalid bytes become
 * U+FFFD) so that every line is RFC 8259 JSON.
 *
 * Emitting is serialised by one process-wide mutex, so parallel steps can
 * share a transcript.
 */
#include "record/transcript.h"
#include "base/arena.h"
#include "record/events.h"
#include "base/clock.h"
#include "base/hex.h"
#include "base/utf8.h"
#include "base/value.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define HASH_KEY ",\"hash\":\""

static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

/* torn tail cut by the last transcript_reopen(), and on which fd */
static long torn_bytes;
static int torn_fd = -1;

/*
 * A new run id: 16 random bytes as 32 lowercase hex digits, from OpenSSL's
 * CSPRNG, else /dev/urandom.  Aborts if neither works (no run without an
 * id).
 */
void run_id_new(char out[33])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

		if (fd >= 0)
			close(fd);
		if (n != (ssize_t)sizeof(b)) {
			fputs("runbook: no source of random bytes for the run id\n", stderr);
			abort();
		}
	}
	hex_encode(b, sizeof(b), out);
}

/* mkdir -p of path's parent directory, new directories 0700 */
static int mkdir_parents(const char *path)
{
	char *d = xstrdup(path), *p;
	int rc = 0;

	p = strrchr(d, '/');
	if (!p || p == d) {
		free(d);
		return 0;
	}
	*p = '\0';
	for (p = d + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(d, 0700) < 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(d);
	return rc;
}

static void reset(transcript *t)
{
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	memcpy(t->prev, ZERO_HASH, 65);
}

/*
 * Create a new transcript at path for run run_id (< 40 bytes): parent
 * directories are created (0700), the file must not exist and is made
 * 0600 whatever the umask.  Every field of *t is initialised (set
 * on_event afterwards); red (may be NULL) is borrowed and must outlive t.
 * Returns 0, or -1 with *err set (malloc'd).
 */
int transcript_open(transcript *t, const char *path, const char *run_id,
		    const redactor *red, char **err)
{
	reset(t);
	if (strlen(run_id) >= sizeof(t->run_id)) {
		*err = xasprintf("run id '%s' is too long", run_id);
		return -1;
	}
	if (mkdir_parents(path) < 0) {
		*err = xasprintf("cannot create the directory of '%s': %s", path, strerror(errno));
		return -1;
	}
	t->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (t->fd < 0) {
		*err = xasprintf("cannot create transcript '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(t->fd, 0600) < 0) {
		*err = xasprintf("cannot chmod transcript '%s': %s", path, strerror(errno));
		close(t->fd);
		unlink(path);
		t->fd = -1;
		return -1;
	}
	t->path = xstrdup(path);
	strcpy(t->run_id, run_id);
	t->red = red;
	return 0;
}

/* pread exactly n bytes at off; 0 or -1 */
static int pread_all(int fd, char *buf, size_t n, off_t off)
{
	while (n > 0) {
		ssize_t k = pread(fd, buf, n, off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
		off += k;
	}
	return 0;
}

/* Offset of the last '\n' in [0, end), -1 if none, -2 on read error. */
static off_t rfind_nl(int fd, off_t end)
{
	char buf[65536];

	while (end > 0) {
		size_t n = end > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)end;
		off_t off = end - (off_t)n;
		char *p;

		if (pread_all(fd, buf, n, off) < 0)
			return -2;
		p = memrchr(buf, '\n', n);
		if (p)
			return off + (p - buf);
		end = off;
	}
	return -1;
}

/*
 * Split a transcript line (without its '\n') into the hashed text and the
 * hash: the text is line[0..cut) + '}', the hash the 64 hex digits after
 * the last ,"hash":".  Returns the cut offset, or -1 if malformed.
 */
static long split_line(const char *line, size_t len, char hash[65])
{
	const char *p = NULL, *q;
	size_t klen = strlen(HASH_KEY), i;

	for (q = line; (q = memmem(q, len - (size_t)(q - line), HASH_KEY, klen)); q++)
		p = q;
	if (!p || (size_t)(line + len - p) != klen + 64 + 2)
		return -1;
	p += klen;
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", p[i]) || !p[i])
			return -1;
	if (p[64] != '"' || p[65] != '}')
		return -1;
	memcpy(hash, p, 64);
	hash[64] = '\0';
	return (long)(p - klen - line);
}

/* Does the line's hash recompute from its bytes?  hash receives it. */
static int line_hash_ok(const char *line, size_t len, char hash[65])
{
	long cut = split_line(line, len, hash);
	char *text, got[65];

	if (cut < 0)
		return 0;
	text = xmalloc((size_t)cut + 1);
	memcpy(text, line, (size_t)cut);
	text[cut] = '}';
	sha256_hex(text, (size_t)cut + 1, got);
	free(text);
	return strcmp(got, hash) == 0;
}

/*
 * Re-open an existing transcript to append to it (resume).  The last
 * complete line gives seq, prev (its hash, which must recompute) and the
 * run id.  A torn last line (no '\n': the process died mid-write) is cut
 * off with ftruncate; its length is then reported by
 * transcript_torn_bytes().  Returns 0, or -1 with *err set (malloc'd) and
 * the file untouched.
 */
int transcript_reopen(transcript *t, const char *path, const redactor *red,
		      char **err)
{
	struct stat st;
	off_t last, start;
	char *line = NULL, hash[65];
	size_t len;
	cJSON *j = NULL;
	const cJSON *seq, *run;
	int64_t nseq = 0;

	reset(t);
	t->fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (t->fd < 0) {
		*err = xasprintf("cannot open transcript '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(t->fd, &st) < 0)
		goto ioerr;
	last = rfind_nl(t->fd, st.st_size);
	if (last == -2)
		goto ioerr;
	if (last < 0) {
		*err = xasprintf("transcript '%s' has no complete event", path);
		goto fail;
	}
	start = rfind_nl(t->fd, last);
	if (start == -2)
		goto ioerr;
	start++;
	len = (size_t)(last - start);
	line = xmalloc(len + 1);
	if (pread_all(t->fd, line, len, start) < 0)
		goto ioerr;
	line[len] = '\0';
	if (!line_hash_ok(line, len, hash)) {
		*err = xasprintf("last event of '%s' does not match its hash", path);
		goto fail;
	}
	j = cJSON_ParseWithLength(line, len);
	seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
	run = cJSON_GetObjectItemCaseSensitive(j, "run");
	if (!json_int(seq, &nseq) || nseq < 1 || !cJSON_IsString(run) ||
	    strlen(run->valuestring) >= sizeof(t->run_id)) {
		*err = xasprintf("last event of '%s' has no valid seq and run", path);
		goto fail;
	}
	if (st.st_size > last + 1) {
		if (ftruncate(t->fd, last + 1) < 0 || fdatasync(t->fd) < 0)
			goto ioerr;
	}
	torn_bytes = (long)(st.st_size - last - 1);
	torn_fd = t->fd;
	t->seq = nseq;
	strcpy(t->run_id, run->valuestring);
	memcpy(t->prev, hash, 65);
	t->path = xstrdup(path);
	t->red = red;
	cJSON_Delete(j);
	free(line);
	return 0;
ioerr:
	*err = xasprintf("cannot read transcript '%s': %s", path, strerror(errno));
fail:
	cJSON_Delete(j);
	free(line);
	close(t->fd);
	t->fd = -1;
	return -1;
}

/*
 * Bytes of a torn last line that transcript_reopen() cut from t's file (0
 * when the file ended cleanly, or t was not re-opened), for the caller to
 * log.
 */
long transcript_torn_bytes(const transcript *t)
{
	return t && t->fd >= 0 && t->fd == torn_fd ? torn_bytes : 0;
}

/* Close the file and free t's path (no sync: see transcript_sync()). */
void transcript_close(transcript *t)
{
	if (t->fd >= 0) {
		if (t->fd == torn_fd)
			torn_fd = -1;
		close(t->fd);
	}
	t->fd = -1;
	free(t->path);
	t->path = NULL;
}

/* write n bytes, through EINTR and short writes; 0 or -1 with errno and
 * *done the bytes that went out */
static int write_counted(int fd, const char *buf, size_t n, size_t *done)
{
	*done = 0;
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0) {
			errno = EIO;
			return -1;
		}
		buf += k;
		n -= (size_t)k;
		*done += (size_t)k;
	}
	return 0;
}

/* write n bytes, through EINTR and short writes; 0 or -1 with errno */
int transcript_write_all(int fd, const char *buf, size_t n)
{
	size_t done;

	return write_counted(fd, buf, n, &done);
}

static int reserved_key(const char *k, const char *step, const char *phase)
{
	static const char *const keys[] = { "seq", "ts", "mono", "boot", "signed_by", "event",
					    "run", "prev", "hash", NULL };
	int i;

	for (i = 0; keys[i]; i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return (step && strcmp(k, "step") == 0) || (phase && strcmp(k, "phase") == 0);
}

/* what the filter of a value string needs */
typedef struct filt {
	const redactor *red;
	int redact;             /* the run has secrets */
} filt;

/*
 * A value string as it may be written: redacted (when f->redact), then
 * made valid UTF-8.  kind < 0: a number's text -- "***" when it holds a
 * secret.  Returns a malloc'd replacement, or NULL to keep s as it is.
 */
static char *filter_str(void *ud, const char *s, size_t n, size_t *outn, int kind)
{
	const filt *f = ud;
	char *r = NULL, *u;
	size_t rn = n, un;

	if (f->redact && kind != 2 && redact_contains(f->red, s, n)) {
		if (kind < 0) {
			*outn = strlen(REDACT_MASK);
			return xstrdup(REDACT_MASK);
		}
		r = redact_str(f->red, s, n, &rn);
	}
	if (kind < 0)
		return NULL;
	if (kind == 2) {        /* a name: valid UTF-8, never redacted */
		free(r);
		r = NULL;
		rn = n;
	}
	u = utf8_sanitize(r ? r : s, rn, &un);
	if (u) {
		free(r);
		*outn = un;
		return u;
	}
	*outn = rn;
	return r;
}

/* Replace a cJSON string in place when the filter changes it. */
static void fix_str(const filt *f, char **slot, int *type, int constflag)
{
	size_t n;
	char *r = filter_str((void *)f, *slot, strlen(*slot), &n, 0), *c;

	if (!r)
		return;
	c = cJSON_malloc(n + 1);
	if (c) {
		memcpy(c, r, n + 1);
		if (!(*type & constflag)) {
			explicit_bzero(*slot, strlen(*slot));
			cJSON_free(*slot);
		}
		*slot = c;
		*type &= ~constflag;
	} else {
		memset(*slot, '*', strlen(*slot));      /* rather blank than leak */
	}
	free(r);
}

/*
 * Clean a field's tree: f (redaction on or off) on every string value
 * and, below the first level of objects (objs counts the objects entered
 * above j), on keys, which are data there; the field's own key and the
 * keys of the first level are names and only made valid UTF-8.  Raw
 * nodes were made by transcript_value(), already clean.
 */
static void clean(const filt *f, const filt *names, cJSON *j, int objs)
{
	if (j->string)
		fix_str(objs >= 2 ? f : names, &j->string, &j->type, cJSON_StringIsConst);
	if (cJSON_IsString(j)) {
		fix_str(f, &j->valuestring, &j->type, cJSON_IsReference);
	} else if (cJSON_IsNumber(j) && f->redact) {
		char *num = cJSON_PrintUnformatted(j);
		if (num && redact_contains(f->red, num, strlen(num))) {
			char *mask = cJSON_malloc(sizeof(REDACT_MASK));
			if (mask) {
				memcpy(mask, REDACT_MASK, sizeof(REDACT_MASK));
				j->type = (j->type & ~0xff) | cJSON_String;
				j->valuestring = mask;
				j->valueint = 0;
				j->valuedouble = 0;
			}
		}
		cJSON_free(num);
	}
	for (cJSON *c = j->child; c; c = c->next)
		clean(f, names, c, objs + cJSON_IsObject(j));
}

/*
 * A value as a transcript field: its JSON text, redacted and valid UTF-8,
 * as a raw cJSON node (building a cJSON tree only to print it again was a
 * third of what recording an http check cost).
 */
cJSON *transcript_value(const transcript *t, const value *v)
{
	filt f = { t->red, t->red && redact_count(t->red) > 0 };
	v_json_filter jf = { filter_str, &f };
	char *j;
	cJSON *r;

	if (!v)
		return cJSON_CreateNull();
	j = v_to_json_filtered(v, &jf);
	r = cJSON_CreateRaw(j);
	free(j);
	return r;
}

static cJSON *clean_string(const char *s)
{
	size_t n;
	char *u = utf8_sanitize(s, strlen(s), &n);
	cJSON *j = cJSON_CreateString(u ? u : s);

	free(u);
	return j;
}

/*
 * Write one event (see transcript.h).  fields (an object, may be NULL) is
 * consumed; its keys named like the standard ones (seq, ts, event, run,
 * prev, hash; step and phase when those are given) are dropped, a non-object
 * is stored under "fields".  The line goes out in one write loop; on
 * failure the partial line is cut back (best effort), seq and prev stay as
 * they were, and -1 is returned with errno set.
 */
/*
 * Integral numbers as raw text: cJSON prints every number with
 * sprintf("%1.15g") and reads it back with sscanf to check it, which was
 * a quarter of printing an event.  The bytes are the same for integers.
 */
/* v in decimal at buf (>= 21 bytes), NUL-terminated; its length.  Not
 * snprintf: that alone cost more than a number's share of an event. */
static size_t int_text(long long v, char *buf)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	size_t n = 0, k = 0;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = tmp[--n];
	buf[k] = '\0';
	return k;
}

static void ints_raw(cJSON *j)
{
	for (cJSON *c = j->child; c; c = c->next) {
		if (cJSON_IsNumber(c) && c->valuedouble > -9007199254740992.0 &&
		    c->valuedouble < 9007199254740992.0 &&
		    c->valuedouble == (double)(long long)c->valuedouble) {
			char buf[32];
			size_t n = int_text((long long)c->valuedouble, buf);
			char *txt = cJSON_malloc(n + 1);
			if (!txt)
				continue;
			memcpy(txt, buf, n + 1);
			c->type = cJSON_Raw;
			c->valuestring = txt;
		} else if (cJSON_IsObject(c) || cJSON_IsArray(c))
			ints_raw(c);
	}
}

/*
 * The line of event o: its text S without the final '}', then
 * ,"hash":"<SHA-256 of S>"} and '\n', in one buffer reused from event to
 * event (only under emit_lock: the line stays valid until the next
 * event).  NULL when out of memory.
 */
static char *print_line(cJSON *o, size_t *llen)
{
	static char *buf;
	static size_t cap;
	const size_t tail = strlen(HASH_KEY) + 64 + 3;
	size_t slen;
	char hash[65];

	/* cJSON asks for 5 bytes more than the text when it prints into a buffer */
	if (!cap || !cJSON_PrintPreallocated(o, buf, (int)(cap - tail - 5), 0)) {
		char *s = cJSON_PrintUnformatted(o);
		if (!s)
			return NULL;
		slen = strlen(s);
		if (slen + tail + 5 > cap) {
			cap = 2 * (slen + tail + 5);
			buf = xrealloc(buf, cap);
		}
		memcpy(buf, s, slen + 1);
		cJSON_free(s);
	}
	slen = strlen(buf);
	sha256_hex(buf, slen, hash);
	memcpy(buf + slen - 1, HASH_KEY, strlen(HASH_KEY));
	memcpy(buf + slen - 1 + strlen(HASH_KEY), hash, 64);
	memcpy(buf + slen - 1 + strlen(HASH_KEY) + 64, "\"}\n", 4);
	*llen = slen - 1 + tail;
	return buf;
}

int transcript_emit(transcript *t, event_id ev, const char *step,
		    const char *phase, cJSON *fields)
{
	const char *event = event_table[ev].name;
	char ts[40];
	cJSON *o, *f;
	size_t llen, done;
	char *line;
	off_t end;
	int rc = -1, saved, trunc;

	pthread_mutex_lock(&emit_lock);
	o = cJSON_CreateObject();
	if (!o)
		goto nomem;
	cJSON_AddItemToObject(o, "seq", cJSON_CreateNumber((double)(t->seq + 1)));
	cJSON_AddItemToObject(o, "ts", cJSON_CreateString(ts_now(ts, sizeof(ts))));
	/* writer keys too, not redacted: the monotonic clock on every event, and
	 * in run.start / run.resume the boot id and the signing key id */
	cJSON_AddItemToObject(o, "mono", cJSON_CreateNumber((double)boottime_ms()));
	int starts = ev == EV_RUN_START || ev == EV_RUN_RESUME || ev == EV_RUN_UNDO;
	if (starts && *boot_id())
		cJSON_AddItemToObject(o, "boot", cJSON_CreateString(boot_id()));
	if (starts && t->signed_by)
		cJSON_AddItemToObject(o, "signed_by", cJSON_CreateString(t->signed_by));
	cJSON_AddItemToObject(o, "event", clean_string(event));
	cJSON_AddItemToObject(o, "run", cJSON_CreateString(t->run_id));
	cJSON_AddItemToObject(o, "prev", cJSON_CreateString(t->prev));
	if (step)
		cJSON_AddItemToObject(o, "step", clean_string(step));
	if (phase)
		cJSON_AddItemToObject(o, "phase", clean_string(phase));
	filt data = { t->red, t->red && redact_count(t->red) > 0 }, names = { t->red, 0 };
	if (fields && !cJSON_IsObject(fields)) {
		clean(&data, &names, fields, 0);
		cJSON_AddItemToObject(o, "fields", fields);
		fields = NULL;
	}
	while (fields && (f = fields->child)) {
		cJSON_DetachItemViaPointer(fields, f);
		if (!f->string || reserved_key(f->string, step, phase)) {
			cJSON_Delete(f);
			continue;
		}
		/* top-level numbers and booleans are the record's own */
		int plain = event_structural(ev, f->string) || cJSON_IsNumber(f) || cJSON_IsBool(f);
		clean(plain ? &names : &data, &names, f, 0);
		cJSON_AddItemToObject(o, f->string, f);
	}
	cJSON_Delete(fields);

	ints_raw(o);
	line = print_line(o, &llen);
	cJSON_Delete(o);
	if (!line)
		goto nomem;

	if (write_counted(t->fd, line, llen, &done) < 0) {
		/* cut the partial line back: the end less what went out of it */
		saved = errno;
		end = done ? lseek(t->fd, 0, SEEK_END) : -1;
		trunc = end >= (off_t)done ? ftruncate(t->fd, end - (off_t)done) : 0;
		(void)trunc;
		errno = saved;
		goto out;
	}
	t->seq++;
	memcpy(t->prev, line + llen - 67, 64);
	t->prev[64] = '\0';
	if (t->on_event)
		t->on_event(t->ud, t, line, llen);
	rc = 0;
	goto out;
nomem:
	cJSON_Delete(fields);
	errno = ENOMEM;
out:
	pthread_mutex_unlock(&emit_lock);
	return rc;
}

/*
 * Flush the transcript to disk (fdatasync) so that the record precedes the
 * effect it announces.  Returns 0, or -1 with errno set.
 */
int transcript_sync(transcript *t)
{
	int rc;

	do
		rc = fdatasync(t->fd);
	while (rc < 0 && errno == EINTR);
	return rc;
}

/*
 * A JSON number as an integer, for every number a reader takes from a
 * transcript: 1 with *out set when x is a number with an integral value
 * within +-2^53 (exact in a double, so the conversion is defined), else
 * 0 (not a number, a fraction, 1e119, inf).
 */
int json_int(const cJSON *x, int64_t *out)
{
	double v;

	if (!cJSON_IsNumber(x))
		return 0;
	v = x->valuedouble;
	if (!(v >= -9007199254740992.0 && v <= 9007199254740992.0) || v != floor(v))
		return 0;
	*out = (int64_t)v;
	return 1;
}

/* First-failure report for transcript_check_chain */
static int bad(long seq, long *first_bad_seq, char **why, int rc, char *msg)
{
	if (first_bad_seq)
		*first_bad_seq = seq;
	if (why)
		*why = msg;
	else
		free(msg);
	return rc;
}

/*
 * Check a transcript file's integrity: every line is a JSON object whose
 * hash recomputes from its exact bytes, seq runs 1, 2, 3... without gaps,
 * each prev is the hash of the line before (zeros for the first), and all
 * lines belong to the first line's run.  Returns
 *   0  intact and complete (the last event is run.end);
 *   1  bad: *first_bad_seq is the position (1-based, the seq the line
 *      should have) of the first bad line, *why says what is wrong;
 *   2  intact but interrupted: no run.end at the end, or a torn last line
 *      (no '\n'); *why says which, *first_bad_seq is the next seq;
 *  -1  the file cannot be read (*why says why).
 * *why is malloc'd (set for every result but 0); either out-pointer may be
 * NULL.
 */
int transcript_check_chain(const char *path, long *first_bad_seq, char **why)
{
	FILE *f;
	char *line = NULL, hash[65], prev[65] = ZERO_HASH, run[64] = "";
	size_t cap = 0;
	ssize_t n;
	long pos = 0;
	int rc, ended = 0;

	if (first_bad_seq)
		*first_bad_seq = 0;
	if (why)
		*why = NULL;
	f = fopen(path, "re");
	if (!f)
		return bad(0, first_bad_seq, why, -1,
			   xasprintf("cannot open '%s': %s", path, strerror(errno)));
	while ((n = getline(&line, &cap, f)) > 0) {
		cJSON *j;
		const cJSON *seq, *jprev, *jrun, *ev, *jh;
		size_t len = (size_t)n;
		int64_t nseq;

		pos++;
		if (line[len - 1] != '\n') {
			rc = bad(pos, first_bad_seq, why, 2,
				 xasprintf("torn last line (%zu bytes)", len));
			goto out;
		}
		line[--len] = '\0';
		if (!line_hash_ok(line, len, hash)) {
			rc = bad(pos, first_bad_seq, why, 1,
				 xasprintf("line %ld: hash does not match its content", pos));
			goto out;
		}
		j = cJSON_ParseWithLength(line, len);
		seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
		jprev = cJSON_GetObjectItemCaseSensitive(j, "prev");
		jrun = cJSON_GetObjectItemCaseSensitive(j, "run");
		ev = cJSON_GetObjectItemCaseSensitive(j, "event");
		jh = cJSON_GetObjectItemCaseSensitive(j, "hash");
		if (!cJSON_IsObject(j) || !cJSON_IsNumber(seq) || !cJSON_IsString(jprev) ||
		    !cJSON_IsString(jrun) || !cJSON_IsString(ev) || !cJSON_IsString(jh) ||
		    strcmp(jh->valuestring, hash) != 0) {
			cJSON_Delete(j);
			rc = bad(pos, first_bad_seq, why, 1,
				 xasprintf("line %ld: not a transcript event", pos));
			goto out;
		}
		if (!json_int(seq, &nseq)) {
			cJSON_Delete(j);
			rc = bad(pos, first_bad_seq, why, 1,
				 xasprintf("line %ld: not a transcript event: seq is not an integer",
					   pos));
			goto out;
		}
		if (nseq != pos) {
			char *m = xasprintf("line %ld: seq %lld, expected %ld",
					    pos, (long long)nseq, pos);
			cJSON_Delete(j);
			rc = bad(pos, first_bad_seq, why, 1, m);
			goto out;
		}
		if (pos == 1 && strlen(jrun->valuestring) < sizeof(run))
			strcpy(run, jrun->valuestring);
		if (strcmp(jrun->valuestring, run) != 0) {
			char *m = xasprintf("line %ld: event of run '%s' in run '%s'",
					    pos, jrun->valuestring, run);
			cJSON_Delete(j);
			rc = bad(pos, first_bad_seq, why, 1, m);
			goto out;
		}
		if (strcmp(jprev->valuestring, prev) != 0) {
			cJSON_Delete(j);
			rc = bad(pos, first_bad_seq, why, 1,
				 xasprintf("line %ld: prev is not the hash of line %ld", pos, pos - 1));
			goto out;
		}
		ended = strcmp(ev->valuestring, event_table[EV_RUN_END].name) == 0;
		memcpy(prev, hash, 65);
		cJSON_Delete(j);
	}
	if (ferror(f)) {
		rc = bad(pos + 1, first_bad_seq, why, -1,
			 xasprintf("cannot read '%s': %s", path, strerror(errno)));
	} else if (pos == 0) {
		rc = bad(1, first_bad_seq, why, 2, xstrdup("no events"));
	} else if (!ended) {
		rc = bad(pos + 1, first_bad_seq, why, 2, xstrdup("no run.end event"));
	} else {
		rc = 0;
	}
out:
	free(line);
	fclose(f);
	return rc;
}
