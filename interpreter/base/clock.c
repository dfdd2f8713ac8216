/* clock.c - monotonic, boot and wall clocks, the boot id, sleeping (see clock.h). */
#include "base/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SLEEP_SLICE_MS 100 /* longest sleep before *cancel is looked at */

int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * CLOCK_BOOTTIME does not step with the wall clock and keeps counting
 * through a suspend, so the difference of two readings of one boot is the
 * real time between them.
 */
int64_t boottime_ms(void)
{
	return boottime_ns() / 1000000;
}

/*
 * The boot id tells a reader whether two boot-clock readings (or two
 * process start times) are of the same boot.  Read once; anything but
 * hex digits and dashes (the trailing newline) is cut off.
 */
static char boot[40];
static pthread_once_t boot_once = PTHREAD_ONCE_INIT;

static void boot_read(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = f ? fread(boot, 1, sizeof(boot) - 1, f) : 0;

	if (f)
		fclose(f);
	boot[n] = '\0';
	boot[strspn(boot, "0123456789abcdef-")] = '\0';
}

const char *boot_id(void)
{
	pthread_once(&boot_once, boot_read);
	return boot;
}

char *ts_now(char *buf, size_t cap)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, cap - n, ".%03ldZ", ts.tv_nsec / 1000000);
	return buf;
}

int sleep_cancellable(int64_t ms, volatile sig_atomic_t *cancel)
{
	int64_t end = now_ms() + ms;

	for (;;) {
		if (cancel && *cancel)
			return -1;
		int64_t left = end - now_ms();
		if (left <= 0)
			return 0;
		if (left > SLEEP_SLICE_MS)
			left = SLEEP_SLICE_MS;
		struct timespec ts = { left / 1000, (left % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}
