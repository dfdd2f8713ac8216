/*
 * redact.c - the redaction benchmark's driver (bench/run-redact.sh).
 *
 *   redact gen DIR           write DIR/log.txt (about 1 MB of log lines, a
 *                            secret or one of its encodings in some) and
 *                            DIR/secrets.txt (100 secrets, one a line)
 *   redact time FILE SECRETS N REPS
 *                            add the first N secrets, redact FILE REPS
 *                            times; print the best time in seconds and the
 *                            number of masks
 */
#include "base/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSECRETS 100
#define TARGET (1 << 20)

static unsigned long long rng = 88172645463325252ULL;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void secret(char *out, size_t n)
{
	static const char a[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!";

	for (size_t i = 0; i < n; i++)
		out[i] = a[rnd(sizeof(a) - 1)];
	out[n] = '\0';
}

static int gen(const char *dir)
{
	static const char *const lvl[] = { "INFO", "WARN", "DEBUG", "ERROR" };
	static const char *const path[] = { "/v1/items", "/v1/users/42", "/healthz", "/v2/orders?page=3",
					    "/login", "/api/v1/tokens" };
	char sec[NSECRETS][40], fn[4096];
	FILE *log, *sf;
	size_t total = 0;
	unsigned line = 0;

	snprintf(fn, sizeof(fn), "%s/secrets.txt", dir);
	if (!(sf = fopen(fn, "w")))
		return perror(fn), 1;
	for (int i = 0; i < NSECRETS; i++) {
		secret(sec[i], 16 + rnd(17));
		fprintf(sf, "%s\n", sec[i]);
	}
	fclose(sf);
	snprintf(fn, sizeof(fn), "%s/log.txt", dir);
	if (!(log = fopen(fn, "w")))
		return perror(fn), 1;
	while (total < TARGET) {
		int n = fprintf(log, "2026-12-03T07:%02u:%02u.%03uZ %s svc=api req=%08x user=user%u "
				"path=%s status=%u dur=%ums", line / 60 % 60, line % 60, rnd(1000),
				lvl[rnd(4)], rnd(1u << 30), rnd(500), path[rnd(6)],
				rnd(5) ? 200 : 500, rnd(900));
		if (rnd(50) == 0) {
			const char *s = sec[rnd(NSECRETS)];
			char *b = b64_encode((const unsigned char *)s, strlen(s));
			n += rnd(2) ? fprintf(log, " auth=Basic %s", b) : fprintf(log, " password=%s", s);
			free(b);
		}
		n += fprintf(log, "\n");
		total += (size_t)n;
		line++;
	}
	fclose(log);
	return 0;
}

static char *slurp(const char *fn, size_t *len)
{
	FILE *f = fopen(fn, "rb");
	char *buf;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return perror(fn), exit(1), NULL;
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		return perror(fn), exit(1), NULL;
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int timeit(const char *file, const char *secrets, int n, int reps)
{
	size_t len, slen, olen = 0, masks = 0;
	char *text = slurp(file, &len), *sl = slurp(secrets, &slen), *p = sl;
	redactor *r = redactor_new();
	double best = -1;

	for (int i = 0; i < n && *p; i++) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		redact_add(r, p, l);
		p += l + (nl != NULL);
	}
	for (int i = 0; i < reps; i++) {
		double t = now();
		char *out = redact_str(r, text, len, &olen);
		t = now() - t;
		if (best < 0 || t < best)
			best = t;
		masks = 0;
		for (char *q = out; (q = strstr(q, REDACT_MASK)); q += 3)
			masks++;
		free(out);
	}
	printf("%.4f %zu\n", best, masks);
	redactor_free(r);
	free(text);
	free(sl);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "gen"))
		return gen(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "time"))
		return timeit(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	fprintf(stderr, "usage: redact gen DIR | redact time FILE SECRETS N REPS\n");
	return 2;
}
