/*
 * test_transcript.c - the transcript writer, re-opening, and the chain
 * checker against every kind of tampering.
 *
 * Hashes are recomputed here from the raw bytes with EVP directly, by the
 * rule of transcript.h, not with transcript.c's helpers.
 */
#include "unit.h"
#include "record/transcript.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

/* defined in transcript.c, not yet declared in transcript.h */
long transcript_torn_bytes(const transcript *t);

#define SECRET "s3cr3t-CANARY-42"
#define SECRET2 "p@ss w/rd"
#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

static char dir[64];

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	b = malloc((size_t)n + 1);
	*len = fread(b, 1, (size_t)n, f);
	b[*len] = '\0';
	fclose(f);
	return b;
}

static void spit(const char *path, const char *s, size_t len)
{
	FILE *f = fopen(path, "wb");

	fwrite(s, 1, len, f);
	fclose(f);
}

static void sha(const void *s, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned mdlen, i;

	EVP_Digest(s, n, md, &mdlen, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

/* lines of a buffer, split in place */
static int split(char *s, char **v, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *nl = strchr(s, '\n');
		v[n++] = s;
		if (!nl)
			break;
		*nl = '\0';
		s = nl + 1;
	}
	return n;
}

/* the hash recomputed from the line's bytes; 1 if it equals its field */
static int line_verifies(const char *line, char out[65])
{
	const char *p = NULL, *q = line;
	size_t cut;
	char *text;
	int ok;

	while ((q = strstr(q, ",\"hash\":\"")))
		p = q++;
	if (!p)
		return 0;
	cut = (size_t)(p - line);
	text = malloc(cut + 2);
	memcpy(text, line, cut);
	strcpy(text + cut, "}");
	sha(text, cut + 1, out);
	free(text);
	ok = strlen(p) == 9 + 64 + 2 && strncmp(p + 9, out, 64) == 0 && strcmp(p + 73, "\"}") == 0;
	return ok;
}

static int calls;
static size_t last_len;
static void on_event(void *ud, transcript *t, const char *line, size_t len)
{
	calls++;
	last_len = len;
	CHECK(ud == &calls && len > 0 && line[len - 1] == '\n');
}

static cJSON *fields_with_secrets(void)
{
	cJSON *f = cJSON_CreateObject(), *h;
	char *b;

	cJSON_AddStringToObject(f, "password", SECRET);
	cJSON_AddStringToObject(f, "note", "kept as is");
	h = cJSON_AddObjectToObject(f, "headers");
	b = b64_encode((const unsigned char *)"admin:" SECRET, strlen("admin:" SECRET));
	{
		char *v = malloc(strlen(b) + 8);
		sprintf(v, "Basic %s", b);
		cJSON_AddStringToObject(h, "Authorization", v);
		free(v);
	}
	free(b);
	cJSON_AddStringToObject(f, "url", "https://x/?token=" SECRET "&pw=p%40ss%20w%2Frd");
	cJSON_AddStringToObject(f, "form", "user=x&pw=p%40ss+w%2Frd");
	cJSON_AddStringToObject(f, "hex", "7333637233742d43414e4152592d3432");
	cJSON_AddStringToObject(f, "body", "{\"k\":\"" SECRET "\"}");
	/* a key inside data (below the first level of objects) is data */
	cJSON_AddItemToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(f, "result"), "json"),
			      "key-" SECRET, cJSON_CreateString("v"));
	cJSON_AddNumberToObject(f, "seq", 99);
	cJSON_AddNumberToObject(f, "n", 7);
	return f;
}

/* every form the secrets could take must be absent from the raw file */
static void check_no_secret(const char *buf, size_t len)
{
	const char *forms[] = {
		SECRET, "7333637233742d43414e4152592d3432", "7333637233742D43414E4152592D3432",
		SECRET2, "p%40ss%20w%2Frd", "p%40ss+w%2Frd", NULL,
	};
	unsigned char in[64];
	int i, k;

	for (i = 0; forms[i]; i++)
		CHECK(memmem(buf, len, forms[i], strlen(forms[i])) == NULL);
	/* base64 at each alignment: the 16 characters after the first 3 */
	for (k = 0; k < 3; k++) {
		char *b;

		memcpy(in, "::", 2);
		memcpy(in + k, SECRET, strlen(SECRET));
		b = b64_encode(in, (size_t)k + strlen(SECRET));
		CHECK(strlen(b) > 19 && memmem(buf, len, b + 3, 16) == NULL);
		free(b);
	}
}

static void write_run(const char *path, const char *run, const redactor *red, int nsteps, int end)
{
	transcript t;
	char *err = NULL;
	int i;

	CHECK(transcript_open(&t, path, run, red, &err) == 0);
	free(err);
	CHECK(transcript_emit(&t, EV_RUN_START, NULL, NULL, fields_with_secrets()) == 0);
	for (i = 0; i < nsteps; i++) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "attempt", 1);
		cJSON_AddStringToObject(f, "status", "ok");
		CHECK(transcript_emit(&t, EV_STEP_END, "restart", "steps", f) == 0);
	}
	if (end)
		CHECK(transcript_emit(&t, EV_RUN_END, NULL, NULL, NULL) == 0);
	CHECK(transcript_sync(&t) == 0);
	transcript_close(&t);
}

static void test_helpers(void)
{
	char h[65], a[33], b[33], ts[40], p[128];
	int y, mo, d, hh, mi, ss, ms;
	char z = 0;

	sha256_hex("abc", 3, h);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	snprintf(p, sizeof(p), "%s/abc.txt", dir);
	spit(p, "abc", 3);
	CHECK(sha256_file_hex(p, h) == 0);
	CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	snprintf(p, sizeof(p), "%s/missing", dir);
	CHECK(sha256_file_hex(p, h) == -1);

	run_id_new(a);
	run_id_new(b);
	CHECK(strlen(a) == 32 && strspn(a, "0123456789abcdef") == 32);
	CHECK(strcmp(a, b) != 0);

	ts_now(ts, sizeof(ts));
	CHECK(strlen(ts) == 24);
	CHECK(sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3d%c", &y, &mo, &d, &hh, &mi, &ss, &ms, &z) == 8);
	CHECK(z == 'Z' && y >= 2024 && mo >= 1 && mo <= 12 && ms >= 0 && ms <= 999);
}

static void test_write(void)
{
	redactor *red = redactor_new();
	char path[128], sub[128], *buf, *lines[16], prev[65] = ZEROS, h[65], last[65], *err = NULL;
	transcript t;
	struct stat st;
	size_t len;
	int n, i;

	redact_add(red, SECRET, strlen(SECRET));
	redact_add_url_credentials(red, "postgres://u:p%40ss%20w%2Frd@db/x");
	snprintf(path, sizeof(path), "%s/runs/deep/r1.jsonl", dir);
	CHECK(transcript_open(&t, path, "r-one", red, &err) == 0);
	t.on_event = on_event;
	t.ud = &calls;
	CHECK(transcript_emit(&t, EV_RUN_START, NULL, NULL, fields_with_secrets()) == 0);
	CHECK(calls == 1 && last_len > 0);
	CHECK(transcript_emit(&t, EV_STEP_START, "restart-" SECRET, "steps", NULL) == 0);
	CHECK(transcript_emit(&t, EV_RUN_END, NULL, NULL, cJSON_CreateObject()) == 0);
	CHECK(t.seq == 3 && calls == 3);
	CHECK(transcript_sync(&t) == 0);
	memcpy(last, t.prev, 65);

	/* a failed write: -1, nothing advances */
	{
		int saved = dup(t.fd), ro = open(path, O_RDONLY);
		char before[65];

		memcpy(before, t.prev, 65);
		dup2(ro, t.fd);
		CHECK(transcript_emit(&t, EV_STEP_END, NULL, NULL, NULL) == -1);
		CHECK(t.seq == 3 && strcmp(t.prev, before) == 0 && calls == 3);
		dup2(saved, t.fd);
		close(saved);
		close(ro);
	}
	transcript_close(&t);

	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	snprintf(sub, sizeof(sub), "%s/runs/deep", dir);
	CHECK(stat(sub, &st) == 0 && (st.st_mode & 0777) == 0700);

	/* O_EXCL */
	CHECK(transcript_open(&t, path, "r-two", red, &err) == -1);
	CHECK(err && strstr(err, "r1.jsonl") != NULL);
	free(err);
	err = NULL;

	buf = slurp(path, &len);
	{
		/* the one place a secret may stand: the step id (structure) */
		char *copy = malloc(len + 1), *p;
		const char *id = "\"step\":\"restart-" SECRET "\"";
		memcpy(copy, buf, len + 1);
		CHECK((p = memmem(copy, len, id, strlen(id))) != NULL);
		if (p)
			memset(p, '.', strlen(id));
		check_no_secret(copy, len);
		free(copy);
	}
	CHECK(buf[len - 1] == '\n');
	n = split(buf, lines, 16);
	CHECK(n == 3);
	for (i = 0; i < n; i++) {
		cJSON *j = cJSON_Parse(lines[i]);
		char want[32];

		snprintf(want, sizeof(want), "{\"seq\":%d,\"ts\":\"", i + 1);
		CHECK(strncmp(lines[i], want, strlen(want)) == 0);
		CHECK(line_verifies(lines[i], h));
		CHECK(j && strcmp(cJSON_GetObjectItem(j, "prev")->valuestring, prev) == 0);
		CHECK(j && strcmp(cJSON_GetObjectItem(j, "run")->valuestring, "r-one") == 0);
		CHECK(j && strcmp(cJSON_GetObjectItem(j, "hash")->valuestring, h) == 0);
		memcpy(prev, h, 65);
		cJSON_Delete(j);
	}
	/* the caller's fields follow the standard keys; "seq" is not duplicated */
	CHECK(strstr(lines[0], "\"prev\":\"" ZEROS "\",\"password\":\"***\",\"note\":\"kept as is\"") != NULL);
	CHECK(strstr(lines[0], "\"seq\":99") == NULL && strstr(lines[0], "\"n\":7") != NULL);
	CHECK(strstr(lines[0], "\"Authorization\":\"Basic YWRtaW46") != NULL);
	CHECK(strstr(lines[1], "\"event\":\"step.start\",") != NULL);
	/* an id is never redacted: resume must find the step */
	CHECK(strstr(lines[1], "\"step\":\"restart-" SECRET "\",\"phase\":\"steps\",\"hash\"") != NULL);
	CHECK(strstr(lines[2], "\"event\":\"run.end\"") != NULL);
	CHECK(strcmp(last, prev) == 0);
	free(buf);

	CHECK(transcript_check_chain(path, NULL, NULL) == 0);
	redactor_free(red);
}

static void test_short_secret(void)
{
	redactor *red = redactor_new();
	char path[128];

	/* "a" and "0" occur in every hash: the chain must survive them */
	redact_add(red, "a", 1);
	redact_add(red, "0", 1);
	snprintf(path, sizeof(path), "%s/short.jsonl", dir);
	write_run(path, "run-a0", red, 2, 1);
	CHECK(transcript_check_chain(path, NULL, NULL) == 0);
	redactor_free(red);
}

static void test_reopen(void)
{
	char path[128], *err = NULL, last[65], *buf, *why = NULL;
	const char *torn = "{\"seq\":5,\"ts\":\"20";
	transcript t;
	size_t len, len0;
	long badseq = 0;

	snprintf(path, sizeof(path), "%s/resume.jsonl", dir);
	write_run(path, "run-resume", NULL, 3, 0);
	CHECK(transcript_check_chain(path, &badseq, &why) == 2);
	CHECK(badseq == 5 && why && strstr(why, "run.end"));
	free(why);
	buf = slurp(path, &len0);
	{
		char *l = buf + len0 - 1;

		*l = '\0';
		while (l > buf && l[-1] != '\n')
			l--;
		CHECK(line_verifies(l, last));
	}
	/* a torn tail, as if killed in the middle of write() */
	{
		int fd = open(path, O_WRONLY | O_APPEND);
		CHECK(write(fd, torn, strlen(torn)) == (ssize_t)strlen(torn));
		close(fd);
	}
	CHECK(transcript_check_chain(path, &badseq, &why) == 2);
	CHECK(badseq == 5 && why && strstr(why, "torn"));
	free(why);

	CHECK(transcript_reopen(&t, path, NULL, &err) == 0);
	CHECK(t.seq == 4);
	CHECK_STR(t.run_id, "run-resume");
	CHECK_STR(t.prev, last);
	CHECK(transcript_torn_bytes(&t) == (long)strlen(torn));
	free(slurp(path, &len));
	CHECK(len == len0);
	CHECK(transcript_emit(&t, EV_RUN_RESUME, NULL, NULL, NULL) == 0);
	CHECK(transcript_emit(&t, EV_RUN_END, NULL, NULL, NULL) == 0);
	CHECK(t.seq == 6);
	transcript_close(&t);
	CHECK(transcript_check_chain(path, NULL, NULL) == 0);

	/* a clean file: nothing torn */
	CHECK(transcript_reopen(&t, path, NULL, &err) == 0);
	CHECK(transcript_torn_bytes(&t) == 0 && t.seq == 6);
	transcript_close(&t);
	free(buf);

	/* a last line whose hash does not match: refused, file untouched */
	buf = slurp(path, &len);
	buf[len - 20] ^= 1;
	spit(path, buf, len);
	CHECK(transcript_reopen(&t, path, NULL, &err) == -1);
	CHECK(err && strstr(err, "hash"));
	free(err);
	err = NULL;
	free(buf);

	snprintf(path, sizeof(path), "%s/only-torn.jsonl", dir);
	spit(path, torn, strlen(torn));
	CHECK(transcript_reopen(&t, path, NULL, &err) == -1);
	CHECK(err && strstr(err, "no complete event"));
	free(err);
	err = NULL;
	free(slurp(path, &len));
	CHECK(len == strlen(torn));
}

/* body ("{...}") as a transcript line: its hash added by the rule */
static char *hashed(const char *body)
{
	size_t n = strlen(body);
	char h[65], *line = malloc(n + 80);

	sha(body, n, h);
	snprintf(line, n + 80, "%.*s,\"hash\":\"%s\"}\n", (int)(n - 1), body, h);
	return line;
}

/*
 * The writer's clock fields: mono (an integer) on every event, boot and
 * signed_by in run.start and run.resume only, none of them taken from
 * the caller.  Numbers read back go through json_int: a seq of 1e119 is
 * refused, never cast.
 */
static void test_clock_and_numbers(void)
{
	char path[128], *buf, *lines[8], *err = NULL, *why = NULL, bootid[64] = "";
	const char *vals[] = { "0", "7", "-3", "9007199254740992", "9007199254740994",
			       "1.5", "1e119", "-1e300", "\"7\"", "true", NULL };
	const int ok[] = { 1, 1, 1, 1, 0, 0, 0, 0, 0, 0 };
	transcript t;
	size_t len;
	long bad = 0;
	FILE *f;

	for (int i = 0; vals[i]; i++) {
		cJSON *j = cJSON_Parse(vals[i]);
		int64_t v = -42;
		CHECK(json_int(j, &v) == ok[i]);
		if (!ok[i])
			CHECK(v == -42);
		cJSON_Delete(j);
	}
	{
		cJSON *j = cJSON_Parse("9007199254740992");
		int64_t v = 0;
		CHECK(json_int(j, &v) && v == 9007199254740992LL);
		cJSON_Delete(j);
	}

	f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (f) {
		CHECK(fgets(bootid, sizeof(bootid), f) != NULL);
		bootid[strcspn(bootid, "\n")] = '\0';
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/clock.jsonl", dir);
	CHECK(transcript_open(&t, path, "r-clock", NULL, &err) == 0);
	t.signed_by = "0123456789abcdef";
	{
		cJSON *fl = cJSON_CreateObject();
		cJSON_AddNumberToObject(fl, "mono", 5);
		cJSON_AddStringToObject(fl, "boot", "forged");
		cJSON_AddStringToObject(fl, "signed_by", "forged");
		CHECK(transcript_emit(&t, EV_RUN_START, NULL, NULL, fl) == 0);
	}
	CHECK(transcript_emit(&t, EV_STEP_START, "a", "steps", NULL) == 0);
	CHECK(transcript_emit(&t, EV_RUN_RESUME, NULL, NULL, NULL) == 0);
	transcript_close(&t);
	buf = slurp(path, &len);
	CHECK(split(buf, lines, 8) == 3);
	{
		cJSON *a = cJSON_Parse(lines[0]), *b = cJSON_Parse(lines[1]), *c = cJSON_Parse(lines[2]);
		int64_t ma = -1, mb = -1, mc = -1;
		CHECK(json_int(cJSON_GetObjectItem(a, "mono"), &ma) && ma >= 0);
		CHECK(json_int(cJSON_GetObjectItem(b, "mono"), &mb) && mb >= ma);
		CHECK(json_int(cJSON_GetObjectItem(c, "mono"), &mc) && mc >= mb);
		CHECK(strstr(lines[0], "\"forged\"") == NULL && strstr(lines[0], "\"mono\":5,") == NULL);
		CHECK(strncmp(lines[0], "{\"seq\":1,\"ts\":\"", 15) == 0);
		if (bootid[0]) {
			CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(a, "boot")), bootid);
			CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "boot")), bootid);
			CHECK_STR(boot_id(), bootid);
		}
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(a, "signed_by")), "0123456789abcdef");
		CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(c, "signed_by")), "0123456789abcdef");
		CHECK(!cJSON_GetObjectItem(b, "boot") && !cJSON_GetObjectItem(b, "signed_by"));
		cJSON_Delete(a);
		cJSON_Delete(b);
		cJSON_Delete(c);
	}
	free(buf);

	/* a last line with a hash that matches but a seq of 1e119 */
	snprintf(path, sizeof(path), "%s/huge.jsonl", dir);
	buf = hashed("{\"seq\":1e119,\"ts\":\"2024-05-01T12:00:00.000Z\",\"event\":\"x\","
		     "\"run\":\"r\",\"prev\":\"" ZEROS "\"}");
	spit(path, buf, strlen(buf));
	free(buf);
	CHECK(transcript_reopen(&t, path, NULL, &err) == -1);
	CHECK(err && strstr(err, "no valid seq"));
	free(err);
	err = NULL;
	CHECK(transcript_check_chain(path, &bad, &why) == 1);
	CHECK(bad == 1 && why && strstr(why, "seq is not an integer"));
	free(why);
}

static char reason[256];

/* write lines v[0..n) joined by '\n' and check the chain; why in reason */
static int check_lines(char **v, int n, long *bad)
{
	char path[128], *why = NULL;
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int i, rc;

	for (i = 0; i < n; i++)
		cap += strlen(v[i]) + 1;
	buf = malloc(cap + 1);
	for (i = 0; i < n; i++) {
		strcpy(buf + len, v[i]);
		len += strlen(v[i]);
		buf[len++] = '\n';
	}
	snprintf(path, sizeof(path), "%s/tampered.jsonl", dir);
	spit(path, buf, len);
	free(buf);
	*bad = 0;
	rc = transcript_check_chain(path, bad, &why);
	if (rc == 1)
		CHECK(why != NULL && *why);
	snprintf(reason, sizeof(reason), "%s", why ? why : "");
	free(why);
	return rc;
}

static void test_tamper(void)
{
	char a[128], b[128], *bufa, *bufb, *la[16], *lb[16], *v[16], h[65];
	size_t len;
	long bad;
	int na, nb, i;

	snprintf(a, sizeof(a), "%s/a.jsonl", dir);
	snprintf(b, sizeof(b), "%s/b.jsonl", dir);
	write_run(a, "run-aaaa", NULL, 4, 1);
	write_run(b, "run-bbbb", NULL, 4, 1);
	bufa = slurp(a, &len);
	bufb = slurp(b, &len);
	na = split(bufa, la, 16);
	nb = split(bufb, lb, 16);
	CHECK(na == 6 && nb == 6);

	/* intact */
	CHECK(check_lines(la, na, &bad) == 0);

	/* a flipped byte in line 3 */
	{
		char *copy = strdup(la[2]);
		char *st = strstr(copy, "\"ok\"");
		st[1] = 'K';
		memcpy(v, la, sizeof(la));
		v[2] = copy;
		CHECK(check_lines(v, na, &bad) == 1 && bad == 3);
		/* the same edit with the line's hash recomputed: line 4 breaks */
		line_verifies(copy, h);
		memcpy(strstr(copy, ",\"hash\":\"") + 9, h, 64);
		CHECK(line_verifies(copy, h));
		CHECK(check_lines(v, na, &bad) == 1 && bad == 4);
		CHECK_STR(reason, "line 4: prev is not the hash of line 3");
		free(copy);
	}

	/* line 3 deleted */
	for (i = 0; i < na - 1; i++)
		v[i] = la[i < 2 ? i : i + 1];
	CHECK(check_lines(v, na - 1, &bad) == 1 && bad == 3);
	CHECK_STR(reason, "line 3: seq 4, expected 3");

	/* line 3 duplicated */
	for (i = 0; i < na + 1; i++)
		v[i] = la[i <= 2 ? i : i - 1];
	CHECK(check_lines(v, na + 1, &bad) == 1 && bad == 4);

	/* lines 3 and 4 swapped */
	memcpy(v, la, sizeof(la));
	v[2] = la[3];
	v[3] = la[2];
	CHECK(check_lines(v, na, &bad) == 1 && bad == 3);

	/* line 3 replaced by line 3 of another run (valid hash, same seq) */
	memcpy(v, la, sizeof(la));
	v[2] = lb[2];
	CHECK(check_lines(v, na, &bad) == 1 && bad == 3);
	CHECK_STR(reason, "line 3: event of run 'run-bbbb' in run 'run-aaaa'");

	/* the other run's first line spliced in front */
	v[0] = lb[0];
	for (i = 0; i < na; i++)
		v[i + 1] = la[i];
	CHECK(check_lines(v, na + 1, &bad) == 1 && bad == 2);

	/* the last line (run.end) dropped: interrupted, not bad */
	CHECK(check_lines(la, na - 1, &bad) == 2 && bad == 6);

	/* garbage line */
	memcpy(v, la, sizeof(la));
	v[1] = "not json";
	CHECK(check_lines(v, na, &bad) == 1 && bad == 2);

	/* empty file, missing file */
	CHECK(check_lines(la, 0, &bad) == 2);
	{
		char *why = NULL;
		CHECK(transcript_check_chain("/nonexistent/t.jsonl", &bad, &why) == -1);
		CHECK(why && strstr(why, "/nonexistent/t.jsonl"));
		free(why);
	}
	free(bufa);
	free(bufb);
}

/*
 * The table of events: one row per name, each with a meaning and its
 * required fields; event_missing() sees the step and phase the writer
 * takes apart; a field is structural (never redacted) for the events
 * whose row says so, and only for them.
 */
static void test_event_table(void)
{
	redactor *red = redactor_new();
	char path[128], *buf, *lines[4], *err = NULL;
	transcript t;
	size_t len;

	for (int i = 0; i < EV_COUNT; i++) {
		const event_def *d = &event_table[i];
		CHECK(d->name && d->doc && *d->doc && d->required && d->structural);
		CHECK(event_lookup(d->name) == (event_id)i);
		for (int k = 0; k < i; k++)
			CHECK(strcmp(event_table[k].name, d->name) != 0);
	}
	CHECK(event_lookup("log") == EV_UNKNOWN && event_lookup("") == EV_UNKNOWN);
	CHECK(event_missing(EV_UNKNOWN, NULL, NULL, NULL) == NULL);

	{
		cJSON *f = cJSON_CreateObject();
		CHECK_STR(event_missing(EV_STEP_END, f, NULL, NULL), "step");
		CHECK_STR(event_missing(EV_STEP_END, f, "a", "steps"), "status");
		cJSON_AddStringToObject(f, "status", "ok");
		CHECK_STR(event_missing(EV_STEP_END, f, "a", "steps"), "duration_ms");
		cJSON_AddNumberToObject(f, "duration_ms", 1);
		CHECK(event_missing(EV_STEP_END, f, "a", "steps") == NULL);
		CHECK(event_missing(EV_STEP_END, NULL, "a", "steps") != NULL);
		/* the step and phase given as fields (a reader's view) */
		cJSON_AddStringToObject(f, "step", "a");
		CHECK_STR(event_missing(EV_STEP_END, f, NULL, NULL), "phase");
		cJSON_AddStringToObject(f, "phase", "steps");
		CHECK(event_missing(EV_STEP_END, f, NULL, NULL) == NULL);
		cJSON_Delete(f);
	}
	CHECK(event_structural(EV_APPROVE, "mode") && !event_structural(EV_STEP_END, "mode"));
	CHECK(event_structural(EV_STEP_END, "status") && !event_structural(EV_STEP_END, "error"));
	CHECK(!event_structural(EV_UNKNOWN, "status"));

	/* a secret equal to a value: kept where the field is structural */
	redact_add(red, "file", 4);
	snprintf(path, sizeof(path), "%s/structural.jsonl", dir);
	CHECK(transcript_open(&t, path, "r-struct", red, &err) == 0);
	{
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "mode", "file");
		cJSON_AddStringToObject(f, "question", "file");
		CHECK(transcript_emit(&t, EV_APPROVE, "ask", NULL, f) == 0);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "mode", "file");
		cJSON_AddStringToObject(f, "status", "file");
		CHECK(transcript_emit(&t, EV_STEP_END, "ask", "steps", f) == 0);
	}
	transcript_close(&t);
	buf = slurp(path, &len);
	CHECK(split(buf, lines, 4) == 2);
	CHECK(strstr(lines[0], "\"event\":\"approve\",") != NULL);
	CHECK(strstr(lines[0], "\"mode\":\"file\",\"question\":\"***\"") != NULL);
	CHECK(strstr(lines[1], "\"event\":\"step.end\",") != NULL);
	CHECK(strstr(lines[1], "\"mode\":\"***\",\"status\":\"file\"") != NULL);
	free(buf);
	redactor_free(red);
}

int main(void)
{
	char cmd[128];

	umask(0);
	snprintf(dir, sizeof(dir), "/tmp/test_transcript.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_helpers();
	test_write();
	test_short_secret();
	test_reopen();
	test_tamper();
	test_clock_and_numbers();
	test_event_table();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(!"cleanup");
	return unit_done("test_transcript");
}
