/*
 * sign.h - signed checkpoints in a transcript, Ed25519 through
 * OpenSSL EVP.
 *
 * The hash chain (transcript.h) makes an edit visible only to someone who
 * does not recompute the hashes after it.  A checkpoint closes that gap:
 * every N events (and once more after run.end) the signer appends
 *
 *     {"event":"checkpoint", ..., "upto_seq":S, "upto_hash":H,
 *      "key_id":K, "sig":B}
 *
 * where H is the hash of the event with seq S, K the first 16 hex digits of
 * SHA-256(raw public key) and B the base64 Ed25519 signature over
 *
 *     "runbook-checkpoint-v1\n" <run id> "\n" <S> "\n" <H>
 *
 * Since H covers every line up to S through the chain, the signature covers
 * them too.  A verifier holding the public key then detects a re-hashed
 * forgery (H no longer matches line S) and a truncated tail (the last
 * checkpoint does not cover run.end).
 *
 * Keys are PEM files: the private key PKCS#8 ("PRIVATE KEY", as written by
 * `openssl genpkey -algorithm ed25519`), the public key SubjectPublicKeyInfo
 * ("PUBLIC KEY", `openssl pkey -in key.pem -pubout`).  Key material never
 * reaches a message, a log or the transcript.
 *
 * Ownership: signer and sign_pub are heap objects freed by their _free.
 * Strings returned by functions marked (malloc'd) are the caller's.
 */
#ifndef RB_SIGN_H
#define RB_SIGN_H

#include "record/transcript.h"

#define SIGN_EVERY_DEFAULT 50
#define SIGN_CONTEXT "runbook-checkpoint-v1"

typedef struct signer signer;
typedef struct sign_pub sign_pub;

/*
 * Load an Ed25519 private key from keyfile and make a signer that writes a
 * checkpoint every `every` events (<= 0: SIGN_EVERY_DEFAULT).  Returns NULL
 * with *err set (malloc'd) when the file cannot be read or is not an
 * Ed25519 private key.
 */
signer *signer_new(const char *keyfile, int every, char **err);

/*
 * Hook the signer into t: sets t->on_event and t->ud.  The transcript calls
 * the hook after each event while it holds its emit lock; the hook appends
 * the checkpoint line itself, in the line format of transcript.h, so that
 * it neither re-enters transcript_emit (the lock is not recursive) nor has
 * its hex and base64 fields redacted.  t must outlive the attachment.
 */
void signer_attach(signer *s, transcript *t);

/*
 * Write the final checkpoint, covering the last event written (call it
 * after run.end).  Nothing is written when the last event is already
 * covered.  Returns 0, or -1 when a checkpoint could not be written, now
 * or earlier from the hook (the transcript then cannot be verified with
 * the public key).
 */
int signer_finish(signer *s, transcript *t);
void signer_free(signer *s);

/* The signer's key id: 16 hex digits, owned by s. */
const char *signer_key_id(const signer *s);

/*
 * The base64 signature over the checkpoint message for (run_id, upto_seq,
 * upto_hash) (malloc'd), or NULL when OpenSSL fails.
 */
char *signer_sign(signer *s, const char *run_id, long long upto_seq,
		  const char *upto_hash);

/*
 * Load an Ed25519 public key (PEM "PUBLIC KEY"; a private key file is
 * accepted too, its public half is used).  NULL with *err (malloc'd).
 */
sign_pub *sign_pub_load(const char *path, char **err);
void sign_pub_free(sign_pub *p);
/* The key id of p: 16 hex digits, owned by p. */
const char *sign_pub_id(const sign_pub *p);

/*
 * Does sig_b64 verify as p's signature over the checkpoint message for
 * (run_id, upto_seq, upto_hash)?  1 yes, 0 no (bad base64 included).
 */
int sign_pub_verify(const sign_pub *p, const char *run_id, long long upto_seq,
		    const char *upto_hash, const char *sig_b64);

#endif
