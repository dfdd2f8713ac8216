/*
 * transcript.h - the tamper-evident JSON-lines record of a run.
 *
 * Each event is one line.  The writer builds the event as a cJSON object
 * with seq, ts, mono (ms of CLOCK_BOOTTIME), boot (the boot id, in
 * run.start and run.resume only), event, run, prev first, then the
 * caller's fields, redacts
 * every string in it, prints it unformatted as S (which ends in '}'), and
 * computes hash = hex(SHA-256(S)).  The line written is
 *
 *     S without its final '}'  +  ,"hash":"<hex>"}  +  '\n'
 *
 * so a verifier recomputes the hash from the exact bytes: take the line,
 * cut at the last `,"hash":"`, append '}', hash.  `prev` of event 1 is
 * 64 zeros.  The file is created 0600 (O_EXCL unless resuming), appended
 * with write(2); transcript_sync() calls fdatasync and is called before a
 * write step starts (and at run end).
 */
#ifndef RB_TRANSCRIPT_H
#define RB_TRANSCRIPT_H

#include <stdint.h>
#include "base/clock.h"     /* ts_now(), boottime_ms(), boot_id(): ts, mono and boot */
#include "base/hash.h"
#include "base/redact.h"
#include "record/events.h"

struct cJSON;

typedef struct transcript {
	int fd;
	char *path;
	char run_id[40];
	int64_t seq;
	char prev[65];
	const redactor *red;
	/* optional signing (sign.h): called after each event */
	void (*on_event)(void *ud, struct transcript *t, const char *line, size_t len);
	void *ud;
	/* the signer's key id (set by signer_attach): the writer records it as
	 * "signed_by" in run.start and run.resume, unredacted */
	const char *signed_by;
} transcript;

/* Open a new transcript at path (creates parent dirs, 0600, fails if it
 * exists).  Returns 0 or -1 with *err set (malloc'd). */
int transcript_open(transcript *t, const char *path, const char *run_id,
		    const redactor *red, char **err);
/* Re-open an existing transcript for appending (resume): reads the last
 * complete line to restore seq/prev/run id; truncates a torn tail line. */
int transcript_reopen(transcript *t, const char *path, const redactor *red,
		      char **err);
void transcript_close(transcript *t);
/* bytes of a torn tail line cut by the last transcript_reopen of t, else 0 */
long transcript_torn_bytes(const transcript *t);

/*
 * Emit one event of the table (events.h): its name is ev's, its
 * structural fields are kept unredacted.  `fields` (may be NULL) is
 * CONSUMED: its items are moved into the event after the standard keys.
 * step/phase may be NULL.
 * Returns 0, or -1 when the write failed (disk full...): the caller must
 * stop the run: the record must precede the effect it announces.
 */
int transcript_emit(transcript *t, event_id ev, const char *step,
		    const char *phase, struct cJSON *fields);
int transcript_sync(transcript *t);
/*
 * A run-time value as an event field: its JSON text with every string
 * redacted (keys below the first level too) and made valid UTF-8, as a
 * raw cJSON node for transcript_emit's fields.  The only way to put raw
 * JSON into an event: the writer does not look inside raw nodes.
 */
struct value;
struct cJSON *transcript_value(const transcript *t, const struct value *v);
/* write n bytes to fd through EINTR and short writes (the checkpoint
 * writer in sign.c appends its own lines with it); 0 or -1 with errno */
int transcript_write_all(int fd, const char *buf, size_t n);

/* a new random run id: 32 hex characters */
void run_id_new(char out[33]);

/*
 * Integrity of a transcript file: every line parses, seq is contiguous from
 * 1, prev links to the previous hash, each hash recomputes from the line's
 * bytes.  Returns 0 when intact and complete, 1 when altered
 * (*first_bad_seq and *why set), 2 when intact but interrupted (no run.end,
 * or a torn last line, named in *why; *first_bad_seq is then the next
 * seq), -1 when the file cannot be read.  *why is malloc'd.
 */
int transcript_check_chain(const char *path, long *first_bad_seq, char **why);

/*
 * A JSON number as an integer: 1 with *out set when it is integral and
 * within +-2^53, else 0.  Every number read from a transcript goes
 * through it (a cast of 1e119 is undefined behaviour).
 */
int json_int(const struct cJSON *x, int64_t *out);

#endif
