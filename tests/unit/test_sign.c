/*
 * test_sign.c - Ed25519 checkpoints: sign/verify round trip, a wrong key,
 * altered messages, key loading errors, and checkpoints written into a
 * real transcript judged by verify_transcript().
 *
 * Keys are generated here with OpenSSL and written as the PEM files that
 * `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` make.
 */
#include "unit.h"
#include "record/sign.h"
#include "record/tlog.h"
#include "record/transcript.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define HASH_A "1111111111111111111111111111111111111111111111111111111111111111"
#define HASH_B "2222222222222222222222222222222222222222222222222222222222222222"

static char dir[64];

static char *path_in(const char *name)
{
	static char buf[8][128];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

/* a new key pair of type `type` as <name>.pem and <name>.pub */
static void make_keys(const char *type, const char *name)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, type, !strcmp(type, "EC") ? "P-256" : NULL);
	char p[128];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s.pem", dir, name);
	f = fopen(p, "w");
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	chmod(p, 0600);         /* a key others may read is refused */
	snprintf(p, sizeof(p), "%s/%s.pub", dir, name);
	f = fopen(p, "w");
	PEM_write_PUBKEY(f, k);
	fclose(f);
	chmod(p, 0600);         /* signer_new() must get past the mode to say "public" */
	EVP_PKEY_free(k);
}

static void test_round_trip(void)
{
	char *err = NULL, *sig;
	signer *s = signer_new(path_in("a.pem"), 0, &err);
	sign_pub *pa = sign_pub_load(path_in("a.pub"), &err);
	sign_pub *pb = sign_pub_load(path_in("b.pub"), &err);
	sign_pub *pp = sign_pub_load(path_in("a.pem"), &err);

	CHECK(s && pa && pb && pp);
	if (!s || !pa || !pb || !pp)
		return;
	CHECK_STR(signer_key_id(s), sign_pub_id(pa));
	CHECK_STR(sign_pub_id(pp), sign_pub_id(pa));
	CHECK(strcmp(sign_pub_id(pa), sign_pub_id(pb)) != 0);
	CHECK(strlen(sign_pub_id(pa)) == 16);

	sig = signer_sign(s, "run1", 42, HASH_A);
	CHECK(sig && strlen(sig) == 88);
	CHECK(sign_pub_verify(pa, "run1", 42, HASH_A, sig) == 1);
	CHECK(sign_pub_verify(pp, "run1", 42, HASH_A, sig) == 1);
	/* a wrong key fails */
	CHECK(sign_pub_verify(pb, "run1", 42, HASH_A, sig) == 0);
	/* every part of the message is signed */
	CHECK(sign_pub_verify(pa, "run2", 42, HASH_A, sig) == 0);
	CHECK(sign_pub_verify(pa, "run1", 43, HASH_A, sig) == 0);
	CHECK(sign_pub_verify(pa, "run1", 42, HASH_B, sig) == 0);
	/* a flipped bit of the signature, bad base64, nothing */
	sig[10] = sig[10] == 'A' ? 'B' : 'A';
	CHECK(sign_pub_verify(pa, "run1", 42, HASH_A, sig) == 0);
	CHECK(sign_pub_verify(pa, "run1", 42, HASH_A, "not base64!") == 0);
	CHECK(sign_pub_verify(pa, "run1", 42, HASH_A, NULL) == 0);
	free(sig);

	/* Ed25519 is deterministic: same message, same signature */
	{
		char *x = signer_sign(s, "r", 1, HASH_B), *y = signer_sign(s, "r", 1, HASH_B);
		CHECK_STR(x, y);
		free(x);
		free(y);
	}
	signer_free(s);
	sign_pub_free(pa);
	sign_pub_free(pb);
	sign_pub_free(pp);
}

static void test_load_errors(void)
{
	char *err = NULL;

	CHECK(!signer_new(path_in("missing.pem"), 0, &err));
	CHECK(err && strstr(err, "cannot open key"));
	free(err);
	err = NULL;
	/* a public key cannot sign */
	CHECK(!signer_new(path_in("a.pub"), 0, &err));
	CHECK(err && strstr(err, "not an unencrypted PEM private key"));
	free(err);
	err = NULL;
	/* a private key group or others may read is refused */
	chmod(path_in("a.pem"), 0640);
	CHECK(!signer_new(path_in("a.pem"), 0, &err));
	CHECK(err && strstr(err, "is accessible by group or others (mode 0640)"));
	chmod(path_in("a.pem"), 0600);
	free(err);
	err = NULL;
	CHECK(!signer_new(path_in("ec.pem"), 0, &err));
	CHECK(err && strstr(err, "is not an Ed25519 key"));
	free(err);
	err = NULL;
	CHECK(!sign_pub_load(path_in("ec.pub"), &err));
	CHECK(err && strstr(err, "is not an Ed25519 key"));
	free(err);
	err = NULL;
	/* the messages name the file, never the key material */
	CHECK(!sign_pub_load(path_in("missing.pub"), &err));
	CHECK(err && strstr(err, "missing.pub"));
	free(err);
}

static int count_checkpoints(const tlog *l, long *upto, size_t cap)
{
	int n = 0;

	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].event, "checkpoint")) {
			if ((size_t)n < cap)
				upto[n] = (long)tev_num(&l->v[i], "upto_seq", 0);
			n++;
		}
	return n;
}

static const vcheck *find_check(const verdict *vd, const char *group)
{
	for (size_t i = 0; i < vd->n; i++)
		if (!strcmp(vd->v[i].group, group))
			return &vd->v[i];
	return NULL;
}

/* checkpoints every 3 events in a real transcript, then verify with the key */
/* the fields ev's row requires, each 0: verify finds such an event complete */
static cJSON *required_fields(event_id ev)
{
	cJSON *f = cJSON_CreateObject();

	for (const char *const *k = event_table[ev].required; *k; k++)
		cJSON_AddNumberToObject(f, *k, 0);
	return f;
}

static void test_transcript(void)
{
	char *err = NULL, id[33];
	const char *tp = path_in("t.jsonl");
	transcript t;
	signer *s = signer_new(path_in("a.pem"), 3, &err);
	tlog l;
	verdict vd;
	verify_opts o = { NULL, path_in("a.pub") };
	long upto[8];
	const vcheck *c;

	CHECK(s != NULL);
	if (!s)
		return;
	run_id_new(id);
	unlink(tp);
	CHECK(transcript_open(&t, tp, id, NULL, &err) == 0);
	signer_attach(s, &t);
	for (int i = 0; i < 7; i++)
		CHECK(transcript_emit(&t, i ? EV_PHASE_START : EV_RUN_START, NULL, i ? "steps" : NULL,
				      required_fields(i ? EV_PHASE_START : EV_RUN_START)) == 0);
	{
		cJSON *f = required_fields(EV_RUN_END);
		cJSON_ReplaceItemInObject(f, "status", cJSON_CreateString("ok"));
		CHECK(transcript_emit(&t, EV_RUN_END, NULL, NULL, f) == 0);
	}
	CHECK(signer_finish(s, &t) == 0);
	/* a second finish has nothing left to cover */
	CHECK(signer_finish(s, &t) == 0);
	transcript_close(&t);
	signer_free(s);

	CHECK(tlog_read(&l, tp, &err) == 0);
	/* 8 events: checkpoints after the 3rd and 6th, and after run.end */
	CHECK(count_checkpoints(&l, upto, 8) == 3);
	CHECK(upto[0] == 3 && upto[1] == 7 && upto[2] == 10);
	CHECK(l.n == 11 && l.end && l.end->seq == 10);
	CHECK(verify_transcript(tp, &l, &o, &vd, &err) == 0);
	c = find_check(&vd, "signatures");
	CHECK(c && c->result == VC_PASS);
	CHECK(find_check(&vd, "integrity")->result == VC_PASS);
	CHECK(find_check(&vd, "completeness")->result == VC_PASS);
	CHECK(vd.ok && vd.first_bad_seq == 0);
	verdict_release(&vd);

	/* the other key: every checkpoint is refused */
	o.pubkey_path = path_in("b.pub");
	CHECK(verify_transcript(tp, &l, &o, &vd, &err) == 0);
	c = find_check(&vd, "signatures");
	CHECK(c && c->result == VC_FAIL && c->seq == 1);
	CHECK(c && strstr(c->detail, "signed by key"));
	CHECK(!vd.ok && vd.first_bad_seq == 1);
	verdict_release(&vd);

	/* an unreadable key is an error, not a verdict */
	o.pubkey_path = path_in("missing.pub");
	CHECK(verify_transcript(tp, &l, &o, &vd, &err) == -1);
	CHECK(err && strstr(err, "missing.pub"));
	free(err);
	tlog_release(&l);
}

int main(void)
{
	strcpy(dir, "/tmp/test_sign.XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	make_keys("ED25519", "a");
	make_keys("ED25519", "b");
	make_keys("EC", "ec");
	test_round_trip();
	test_load_errors();
	test_transcript();
	{
		char cmd[128];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
	}
	return unit_done("test_sign");
}
