/*
 * fuzz_transcript.c - the input is a transcript file (JSON lines).  It is
 * read and judged as `runbook verify` and `runbook report` do (tlog_read,
 * verify_transcript with and without --pubkey and --runbook, every output
 * format, through the commands themselves), checked with transcript_check_chain(), and a copy is re-opened
 * for appending as `runbook resume` does (transcript_reopen, one event,
 * close).
 *
 * Random bytes never carry a valid SHA-256 chain, so every input is run
 * twice: as it is, and "re-hashed": each line's prev and hash recomputed
 * in the line format of transcript.h, and each checkpoint's upto_hash and
 * signature redone with the key in tests/fuzz/data.  The second pass
 * reaches what lies behind the integrity checks (the resume append, the
 * signature and objective judgements).
 *
 * The event appended carries the fields of the input's first event (resume
 * writes back what it read), so the writer's printing of arbitrary values
 * is fuzzed too.
 *
 * Invariant besides "no crash": a file whose chain is intact (complete or
 * interrupted) stays intact after transcript_reopen() and one more event:
 * resume continues the chain.
 */
#include "fuzz.h"
#include "base/arena.h"
#include "cli/cmd.h"
#include "record/sign.h"
#include "record/transcript.h"

#include <cjson/cJSON.h>

static char *t_path, *copy_path, *runbook_path, *pub_path;
static signer *sg;

/* a copy of path in the scratch directory, mode 0600 (a signing key must
 * not be readable by others, and git does not keep the mode) */
static char *private_copy(const char *path, const char *name)
{
	FILE *f = fopen(path, "rbe");
	char buf[4096], *copy = fuzz_path(name);
	size_t n;

	if (!f) {
		perror(path);
		abort();
	}
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	fuzz_write(copy, buf, n);
	return copy;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *data_key = fuzz_data("key.pem"), *key = private_copy(data_key, "key.pem"), *err = NULL;

	t_path = fuzz_path("t.jsonl");
	copy_path = fuzz_path("copy.jsonl");
	runbook_path = fuzz_data("runbook.yaml");
	pub_path = fuzz_data("pub.pem");
	sg = signer_new(key, 0, &err);
	if (!sg) {
		fprintf(stderr, "fuzz_transcript: %s\n", err);
		abort();
	}
	free(key);
	free(data_key);
	fuzz_quiet_stdout();
	return 0;
}

/* ---- re-hashing ---- */

typedef struct seqhash {
	long seq;
	char hash[65];
} seqhash;

/* the 64 characters after `key":"` in line[0..n), or NULL */
static char *field64(char *line, size_t n, const char *key)
{
	size_t kl = strlen(key);
	char *p = memmem(line, n, key, kl);

	if (!p || (size_t)(p - line) + kl + 65 > n || p[kl + 64] != '"')
		return NULL;
	return p + kl;
}

static void add_str(sbuf *b, const char *s)
{
	sbuf_adds(b, s);
}

/*
 * One line (without '\n') re-hashed onto prev into out; returns the new
 * hash in hash (or leaves the line as it is when it has no hash field).
 */
static long to_long(double d)
{
	return d >= -1e15 && d <= 1e15 ? (long)d : -1;
}

static void rehash_line(char *line, size_t n, const char *prev, const seqhash *sh,
			size_t nsh, int resign, sbuf *out, char hash[65])
{
	char *p = field64(line, n, "\"prev\":\"");
	const char *cut = NULL;
	sbuf text = { 0 };

	if (p)
		memcpy(p, prev, 64);
	if (resign && memmem(line, n, "\"event\":\"checkpoint\"", 20)) {
		cJSON *j = cJSON_ParseWithLength(line, n);
		const cJSON *run = cJSON_GetObjectItemCaseSensitive(j, "run");
		const cJSON *upto = cJSON_GetObjectItemCaseSensitive(j, "upto_seq");
		char *uh = field64(line, n, "\"upto_hash\":\"");

		if (cJSON_IsString(run) && cJSON_IsNumber(upto) && uh) {
			for (size_t i = 0; i < nsh; i++)
				if (sh[i].seq == to_long(upto->valuedouble))
					memcpy(uh, sh[i].hash, 64);
			char keep = uh[64];
			uh[64] = 0;
			char *sig = signer_sign(sg, run->valuestring, to_long(upto->valuedouble), uh);
			uh[64] = keep;
			char *s = memmem(line, n, "\"sig\":\"", 7);
			if (sig && s) {
				/* rebuild the line with the new signature */
				char *e = memchr(s + 7, '"', n - (size_t)(s + 7 - line));
				if (e) {
					sbuf nl = { 0 };
					sbuf_add(&nl, line, (size_t)(s + 7 - line));
					add_str(&nl, sig);
					sbuf_add(&nl, e, n - (size_t)(e - line));
					free(sig);
					cJSON_Delete(j);
					rehash_line(nl.buf, nl.len, prev, NULL, 0, 0, out, hash);
					sbuf_release(&nl);
					return;
				}
			}
			free(sig);
		}
		cJSON_Delete(j);
	}
	for (const char *q = line; (q = memmem(q, n - (size_t)(q - line), ",\"hash\":\"", 9)); q++)
		cut = q;
	if (!cut) {
		sbuf_add(out, line, n);
		memcpy(hash, prev, 65);
		return;
	}
	sbuf_add(&text, line, (size_t)(cut - line));
	sbuf_addc(&text, '}');
	sha256_hex(text.buf, text.len, hash);
	sbuf_add(out, line, (size_t)(cut - line));
	sbuf_addf(out, ",\"hash\":\"%s\"}", hash);
	sbuf_release(&text);
}

static char *rehash(const uint8_t *data, size_t size, size_t *outlen)
{
	sbuf out = { 0 };
	char prev[65], hash[65];
	seqhash *sh = NULL;
	size_t nsh = 0, i = 0;

	memset(prev, '0', 64);
	prev[64] = 0;
	while (i < size) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t n;
		char *line;

		if (!nl) {      /* a torn last line stays as it is */
			sbuf_add(&out, (const char *)data + i, size - i);
			break;
		}
		n = (size_t)(nl - (data + i));
		line = xstrndup((const char *)data + i, n);
		rehash_line(line, n, prev, sh, nsh, 1, &out, hash);
		sbuf_addc(&out, '\n');
		{
			cJSON *j = cJSON_ParseWithLength(line, n);
			const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "seq");
			if (cJSON_IsNumber(seq)) {
				sh = xrealloc(sh, (nsh + 1) * sizeof *sh);
				sh[nsh].seq = to_long(seq->valuedouble);
				memcpy(sh[nsh].hash, hash, 65);
				nsh++;
			}
			cJSON_Delete(j);
		}
		memcpy(prev, hash, 65);
		free(line);
		i += n + 1;
	}
	free(sh);
	*outlen = out.len;
	return out.buf ? sbuf_detach(&out) : xstrdup("");
}

/* ---- the readers ---- */

static FILE *saved_err;

static void quiet(int on)
{
	static FILE *devnull;

	if (!devnull && !(devnull = fopen("/dev/null", "we")))
		abort();
	if (on) {
		saved_err = stderr;
		stderr = devnull;
	} else {
		stderr = saved_err;
	}
}

/* the command args[0] (its row of the command table) on args */
static void cmd(const char **args)
{
	const command *c = command_find(args[0]);
	int argc = 0, rc;

	while (args[argc])
		argc++;
	quiet(1);
	rc = c->fn(c, argc, (char **)args);
	quiet(0);
	FUZZ_ASSERT(rc == 0 || rc == 2 || rc == 5, "%s exited %d", args[0], rc);
}

static void readers(const char *path)
{
	char *why = NULL;
	long bad = 0;
	int rc = transcript_check_chain(path, &bad, &why);

	FUZZ_ASSERT(rc >= -1 && rc <= 2, "transcript_check_chain returned %d", rc);
	free(why);

	/* tlog_read + verify_transcript + the printers, as the commands run them */
	const char *v1[] = { "verify", "--format", "json", "--pubkey", pub_path,
			     "--runbook", runbook_path, path, NULL };
	const char *v2[] = { "verify", "--no-color", path, NULL };
	const char *v3[] = { "verify", "--format", "junit", path, NULL };
	const char *r1[] = { "report", "--format", "html", "--pubkey", pub_path,
			     "-o", "/dev/null", path, NULL };
	const char *r2[] = { "report", "-o", "/dev/null", path, NULL };
	cmd(v1);
	cmd(v2);
	cmd(v3);
	cmd(r1);
	cmd(r2);
}

/*
 * The fields of the first complete line of data that parses as an object,
 * without the keys the writer sets: resume writes what it read back into
 * new events (a finished step's outputs), so the writer gets them too.
 */
static cJSON *fields_of_first(const void *data, size_t size)
{
	static const char *const own[] = { "seq", "ts", "event", "run", "prev", "hash", "mono" };
	const char *p = data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		cJSON *j;

		if (!nl)
			break;
		j = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (cJSON_IsObject(j)) {
			for (size_t i = 0; i < sizeof own / sizeof *own; i++)
				cJSON_DeleteItemFromObjectCaseSensitive(j, own[i]);
			return j;
		}
		cJSON_Delete(j);
		p = nl + 1;
	}
	return cJSON_CreateObject();
}

/* resume's part: re-open a copy, append one event, judge the chain again */
static void reopen(const void *data, size_t size)
{
	transcript t;
	char *err = NULL, *why = NULL;
	long bad = 0;
	int before, after;

	fuzz_write(copy_path, data, size);
	before = transcript_check_chain(copy_path, &bad, &why);
	free(why);
	why = NULL;
	if (transcript_reopen(&t, copy_path, NULL, &err) < 0) {
		free(err);
		return;
	}
	(void)transcript_torn_bytes(&t);
	cJSON *f = fields_of_first(data, size);
	cJSON_AddStringToObject(f, "note", "appended by the fuzzer");
	int emitted = transcript_emit(&t, EV_RUN_RESUME, NULL, NULL, f);
	transcript_close(&t);
	after = transcript_check_chain(copy_path, &bad, &why);
	FUZZ_ASSERT(emitted < 0 || (before != 0 && before != 2) || after == 0 || after == 2,
		    "chain intact before (%d) and broken after a resume append (%d): %s",
		    before, after, why ? why : "");
	free(why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	char *re;

	if (!t_path)
		LLVMFuzzerInitialize(NULL, NULL);
	fuzz_write(t_path, data, size);
	readers(t_path);
	reopen(data, size);

	re = rehash(data, size, &n);
	if (n != size || memcmp(re, data, size)) {
		fuzz_write(t_path, re, n);
		readers(t_path);
		reopen(re, n);
	}
	free(re);
	fflush(stdout);
	return 0;
}
