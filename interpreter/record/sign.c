/*
 * sign.c - Ed25519 checkpoints in a transcript (see sign.h).
 *
 * Signing and verifying go through EVP_DigestSign/EVP_DigestVerify with a
 * NULL digest: Ed25519 hashes the message itself (PureEdDSA).  The key id
 * lets a verifier say "signed by another key" rather than only "bad
 * signature".
 */
#include "record/sign.h"
#include "base/arena.h"
#include "record/events.h"
#include "base/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define HASH_KEY ",\"hash\":\""

struct signer {
	EVP_PKEY *key;
	char key_id[17];
	int every;
	int since;              /* events since the last checkpoint */
	long long covered;      /* seq covered by the last checkpoint */
	long long last;         /* seq of the last event that is not a checkpoint */
	int failed;             /* a checkpoint could not be written */
};

struct sign_pub {
	EVP_PKEY *key;
	char key_id[17];
};

/* never prompt for a passphrase: an encrypted key is refused */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static int key_id_of(EVP_PKEY *k, char out[17])
{
	unsigned char raw[64];
	size_t len = sizeof(raw);
	char hex[65];

	if (EVP_PKEY_get_raw_public_key(k, raw, &len) != 1)
		return -1;
	sha256_hex(raw, len, hex);
	memcpy(out, hex, 16);
	out[16] = '\0';
	return 0;
}

static char *message(const char *run_id, long long seq, const char *hash, size_t *len)
{
	char *m = xasprintf(SIGN_CONTEXT "\n%s\n%lld\n%s", run_id, seq, hash);

	*len = strlen(m);
	return m;
}

/* Read a PEM key from path: private (want_private) or public. */
static EVP_PKEY *read_key(const char *path, int want_private, char **err)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k = NULL;

	if (!f) {
		*err = xasprintf("cannot open key '%s': %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	/* as ssh does: a private key others may read (or write) is not used */
	if (want_private && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077)) {
		*err = xasprintf("private key '%s' is accessible by group or others (mode %04o): "
				 "refusing it (chmod 600 '%s')", path,
				 (unsigned)(sb.st_mode & 07777), path);
		fclose(f);
		return NULL;
	}
	if (want_private) {
		k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	} else {
		k = PEM_read_PUBKEY(f, NULL, no_passphrase, NULL);
		if (!k) {
			rewind(f);
			ERR_clear_error();
			k = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
		}
	}
	fclose(f);
	ERR_clear_error();
	if (!k) {
		*err = xasprintf("'%s' is not an unencrypted PEM %s key", path,
				 want_private ? "private" : "public");
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(k);
		*err = xasprintf("'%s' is not an Ed25519 key", path);
		return NULL;
	}
	return k;
}

/*
 * Load the private key and make a signer (see sign.h).  Fails when the key
 * file is unreadable, encrypted, or not Ed25519.
 */
signer *signer_new(const char *keyfile, int every, char **err)
{
	EVP_PKEY *k = read_key(keyfile, 1, err);
	signer *s;

	if (!k)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->key = k;
	s->every = every > 0 ? every : SIGN_EVERY_DEFAULT;
	if (key_id_of(k, s->key_id) < 0) {
		*err = xasprintf("cannot read the public half of '%s'", keyfile);
		signer_free(s);
		return NULL;
	}
	return s;
}

void signer_free(signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->key);
	free(s);
}

const char *signer_key_id(const signer *s)
{
	return s->key_id;
}

/*
 * Sign the checkpoint message for (run_id, upto_seq, upto_hash).  Returns
 * the signature in base64 (malloc'd), or NULL when OpenSSL fails.
 */
char *signer_sign(signer *s, const char *run_id, long long upto_seq,
		  const char *upto_hash)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[64];
	size_t siglen = sizeof(sig), mlen;
	char *m = message(run_id, upto_seq, upto_hash, &mlen), *b64 = NULL;

	if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)m, mlen) == 1) {
		b64 = xmalloc(4 * ((siglen + 2) / 3) + 1);
		EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	}
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(m);
	return b64;
}


/*
 * Append a checkpoint covering t's last event, in transcript.h's line
 * format, and advance t's seq and prev.  The caller holds the emit lock
 * (the hook) or is the only writer left (signer_finish).
 */
static int write_checkpoint(signer *s, transcript *t)
{
	long long upto = (long long)t->seq;
	char ts[40], hash[65], *sig, *text, *line;
	cJSON *o;
	size_t tlen, llen;
	off_t before;

	sig = signer_sign(s, t->run_id, upto, t->prev);
	if (!sig)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)(t->seq + 1));
	cJSON_AddStringToObject(o, "ts", ts_now(ts, sizeof(ts)));
	cJSON_AddNumberToObject(o, "mono", (double)boottime_ms());
	cJSON_AddStringToObject(o, "event", event_table[EV_CHECKPOINT].name);
	cJSON_AddStringToObject(o, "run", t->run_id);
	cJSON_AddStringToObject(o, "prev", t->prev);
	cJSON_AddNumberToObject(o, "upto_seq", (double)upto);
	cJSON_AddStringToObject(o, "upto_hash", t->prev);
	cJSON_AddStringToObject(o, "key_id", s->key_id);
	cJSON_AddStringToObject(o, "sig", sig);
	free(sig);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return -1;
	tlen = strlen(text);
	sha256_hex(text, tlen, hash);
	line = xasprintf("%.*s" HASH_KEY "%s\"}\n", (int)(tlen - 1), text, hash);
	cJSON_free(text);
	llen = strlen(line);
	before = lseek(t->fd, 0, SEEK_END);
	if (transcript_write_all(t->fd, line, llen) < 0) {
		if (before >= 0 && ftruncate(t->fd, before) < 0)
			s->failed = 1;
		free(line);
		return -1;
	}
	free(line);
	t->seq++;
	memcpy(t->prev, hash, 65);
	s->covered = upto;
	s->since = 0;
	return 0;
}

static void on_event(void *ud, transcript *t, const char *line, size_t len)
{
	signer *s = ud;

	s->last = (long long)t->seq;
	if (++s->since < s->every)
		return;
	if (write_checkpoint(s, t) < 0)
		s->failed = 1;
}

void signer_attach(signer *s, transcript *t)
{
	t->on_event = on_event;
	t->ud = s;
	t->signed_by = s->key_id;
	s->since = 0;
	s->last = s->covered = (long long)t->seq;
}

/*
 * The final checkpoint (see sign.h): after it, the last checkpoint of the
 * file covers the last event the executor wrote, normally run.end.
 */
int signer_finish(signer *s, transcript *t)
{
	if (s->last > s->covered && write_checkpoint(s, t) < 0)
		s->failed = 1;
	if (transcript_sync(t) < 0)
		s->failed = 1;
	return s->failed ? -1 : 0;
}

sign_pub *sign_pub_load(const char *path, char **err)
{
	EVP_PKEY *k = read_key(path, 0, err);
	sign_pub *p;

	if (!k)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->key = k;
	if (key_id_of(k, p->key_id) < 0) {
		*err = xasprintf("cannot read the public key in '%s'", path);
		sign_pub_free(p);
		return NULL;
	}
	return p;
}

void sign_pub_free(sign_pub *p)
{
	if (!p)
		return;
	EVP_PKEY_free(p->key);
	free(p);
}

const char *sign_pub_id(const sign_pub *p)
{
	return p->key_id;
}

/* base64 of exactly 64 bytes (an Ed25519 signature) into out; 0 or -1 */
static int decode_sig(const char *b64, unsigned char out[64])
{
	unsigned char buf[96];
	size_t n = strlen(b64);
	int k;

	if (n != 88 || b64[86] != '=' || b64[87] != '=')
		return -1;
	k = EVP_DecodeBlock(buf, (const unsigned char *)b64, (int)n);
	if (k != 66)
		return -1;
	memcpy(out, buf, 64);
	return 0;
}

int sign_pub_verify(const sign_pub *p, const char *run_id, long long upto_seq,
		    const char *upto_hash, const char *sig_b64)
{
	unsigned char sig[64];
	EVP_MD_CTX *ctx;
	size_t mlen;
	char *m;
	int ok = 0;

	if (!sig_b64 || decode_sig(sig_b64, sig) < 0)
		return 0;
	m = message(run_id, upto_seq, upto_hash, &mlen);
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, p->key) == 1)
		ok = EVP_DigestVerify(ctx, sig, sizeof(sig), (const unsigned char *)m, mlen) == 1;
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	free(m);
	return ok;
}
