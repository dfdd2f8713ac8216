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
/* sleep ms, waking every 100 ms to look at *cancel (may be NULL):
 * 0 when slept, -1 when cancelled */
int sleep_cancellable(int64_t ms, volatile sig_atomic_t *cancel);

#endif
