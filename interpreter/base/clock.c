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

int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *ts_now(char *buf, size_t cap)
{
	return ts_format(wall_ms(), buf, cap);
}

/*
 * Days since 1970-01-01 of a proleptic Gregorian date and back (the
 * algorithms of Howard Hinnant's "chrono-compatible low-level date
 * algorithms"): no time zone, no libc, any year.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

void ts_split(int64_t ms, ts_fields *f)
{
	if (ms < TS_MIN_MS)
		ms = TS_MIN_MS;
	if (ms > TS_MAX_MS)
		ms = TS_MAX_MS;
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t in_day = ms - days * 86400000;

	civil_from_days(days, &f->year, &f->month, &f->day);
	f->hour = (int)(in_day / 3600000);
	f->minute = (int)(in_day / 60000 % 60);
	f->second = (int)(in_day / 1000 % 60);
	f->ms = (int)(in_day % 1000);
	f->yday = (int)(days - days_from_civil(f->year, 1, 1)) + 1;
	f->wday = (int)(((days % 7) + 11) % 7);     /* 1970-01-01 was a Thursday */
}

/* v (0 <= v < 10^n) as exactly n decimal digits at s */
static void put_digits(char *s, int v, int n)
{
	while (n-- > 0) {
		s[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *ts_format(int64_t ms, char *buf, size_t cap)
{
	ts_fields f;

	if (ms < TS_MIN_MS || ms > TS_MAX_MS || cap < 25)
		return NULL;
	ts_split(ms, &f);
	/* by hand: snprintf was a tenth of writing a transcript event */
	put_digits(buf, f.year, 4);
	buf[4] = '-';
	put_digits(buf + 5, f.month, 2);
	buf[7] = '-';
	put_digits(buf + 8, f.day, 2);
	buf[10] = 'T';
	put_digits(buf + 11, f.hour, 2);
	buf[13] = ':';
	put_digits(buf + 14, f.minute, 2);
	buf[16] = ':';
	put_digits(buf + 17, f.second, 2);
	buf[19] = '.';
	put_digits(buf + 20, f.ms, 3);
	memcpy(buf + 23, "Z", 2);
	return buf;
}

/* n digits at s[*i] as a number, or -1 */
static int digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0;

	if (*i + (size_t)n > len)
		return -1;
	for (int k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (c - '0');
	}
	*i += (size_t)n;
	return v;
}

static int lit(const char *s, size_t len, size_t *i, const char *any)
{
	if (*i < len && strchr(any, s[*i]) && s[*i]) {
		(*i)++;
		return 1;
	}
	return 0;
}

int ts_parse(const char *s, size_t n, int64_t *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t i = 0;
	int y = digits(s, n, &i, 4), mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;

	if (y < 1 || !lit(s, n, &i, "-") || (mo = digits(s, n, &i, 2)) < 1 || mo > 12 ||
	    !lit(s, n, &i, "-") || (d = digits(s, n, &i, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
		return -1;
	if (i < n) {
		if (!lit(s, n, &i, "Tt ") || (h = digits(s, n, &i, 2)) < 0 || h > 23 ||
		    !lit(s, n, &i, ":") || (mi = digits(s, n, &i, 2)) < 0 || mi > 59 ||
		    !lit(s, n, &i, ":") || (sec = digits(s, n, &i, 2)) < 0 || sec > 60)
			return -1;
		if (lit(s, n, &i, ".")) {
			int scale = 100, any = 0;
			for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, any = 1) {
				frac += (s[i] - '0') * scale;
				scale /= 10;
			}
			if (!any)
				return -1;
		}
		if (i < n && (s[i] == '+' || s[i] == '-')) {
			int sign = s[i++] == '-' ? -1 : 1, oh, om;
			if ((oh = digits(s, n, &i, 2)) < 0 || oh > 23 || !lit(s, n, &i, ":") ||
			    (om = digits(s, n, &i, 2)) < 0 || om > 59)
				return -1;
			off = sign * (oh * 60 + om);
		} else if (!lit(s, n, &i, "Zz")) {
			return -1;
		}
	}
	if (i != n)
		return -1;
	int64_t t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off * 60) * 1000 +
		    frac;
	if (t < TS_MIN_MS || t > TS_MAX_MS)
		return -1;
	*ms = t;
	return 0;
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
