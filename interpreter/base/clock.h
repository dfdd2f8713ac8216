/*
 * clock.h - the clocks of the interpreter, in one place.
 *
 * - now_ms(): CLOCK_MONOTONIC, for deadlines, timeouts and durations (it
 *   does not step with the wall clock, and stops during a suspend, as the
 *   timeouts of the services we talk to do);
 * - boottime_ms()/boottime_ns(): CLOCK_BOOTTIME, which keeps counting
 *   through a suspend: the transcript's "mono", and the clock the kernel
 *   stamps a process's start time with;
 * - boot_id(): which boot those readings belong to;
 * - ts_now(): the wall clock as RFC 3339 text, for humans and transcripts;
 * - wall_ms(), ts_format(), ts_parse(): wall-clock times as milliseconds
 *   since the epoch (the expression language's timestamps) and their RFC
 *   3339 text;
 * - sleep_cancellable(): a sleep that a signal handler's flag cuts short.
 */
#ifndef RB_CLOCK_H
#define RB_CLOCK_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* monotonic milliseconds (CLOCK_MONOTONIC) */
int64_t now_ms(void);
/* CLOCK_BOOTTIME in milliseconds (the transcript's "mono") and nanoseconds */
int64_t boottime_ms(void);
int64_t boottime_ns(void);
/* this boot's id (/proc/sys/kernel/random/boot_id, read once): lowercase
 * hex digits and dashes, "" when it cannot be read */
const char *boot_id(void);
/* the current time, RFC 3339 in UTC with milliseconds
 * ("2024-05-01T12:34:56.789Z"), into buf (cap >= 32); returns buf */
char *ts_now(char *buf, size_t cap);
/* the wall clock (CLOCK_REALTIME) in milliseconds since the epoch */
int64_t wall_ms(void);
/*
 * Timestamps are milliseconds since 1970-01-01T00:00:00Z, proleptic
 * Gregorian, no leap seconds, from 0001-01-01 to 9999-12-31 (TS_MIN_MS ..
 * TS_MAX_MS): the years RFC 3339 can write.
 */
#define TS_MIN_MS (-62135596800000LL)
#define TS_MAX_MS (253402300799999LL)
/* ms as "2024-05-01T12:34:56.789Z" into buf (cap >= 32); returns buf.
 * NULL when ms is out of range. */
char *ts_format(int64_t ms, char *buf, size_t cap);
/* the UTC calendar fields of ms (out of range: clamped) */
typedef struct ts_fields {
	int year, month, day, hour, minute, second, ms;
	int yday;               /* 1..366 */
	int wday;               /* 0 Sunday .. 6 Saturday */
} ts_fields;
void ts_split(int64_t ms, ts_fields *f);
/*
 * RFC 3339 text: "2024-05-01T12:34:56Z", with any fraction of a second
 * (cut to milliseconds), 't' or a space for 'T', 'z' for 'Z', or an
 * offset "+02:00"; a date alone ("2024-05-01") is its midnight UTC.  0
 * and *ms, or -1 when s[0..n) is not such a time.
 */
int ts_parse(const char *s, size_t n, int64_t *ms);
/* sleep ms, waking every 100 ms to look at *cancel (may be NULL):
 * 0 when slept, -1 when cancelled */
int sleep_cancellable(int64_t ms, volatile sig_atomic_t *cancel);

#endif
