/*
 * ask.h - what the executor asks the operator: an approval (`approve:`)
 * or a manual action (`manual:`: Markdown instructions the operator
 * carries out and confirms, entering the step's `fields`).
 *
 * The answer comes from the controlling terminal (a prompt; a secret
 * field is read without echo), from --approve auto (yes, as the
 * operator; a manual step with fields cannot be answered so), or from an
 * answers file (--approve FILE), keyed by step id:
 *
 *   step-id: yes | no
 *   step-id: { approved: true, comment: ..., by: ... }             approve
 *   step-id: { confirmed: true, comment: ..., by: ..., fields: {...} }   manual
 *
 * Every field is converted to its type and checked against its pattern,
 * values and bounds (lang/inputs.h); a secret field joins the run's
 * redactor before anything can print it, and its value is marked secret.
 */
#ifndef RB_ASK_H
#define RB_ASK_H

#include "base/redact.h"
#include "base/value.h"
#include "lang/runbook.h"

typedef struct asker {
	const char *approve;            /* --approve: NULL (terminal), "auto" or the file's path */
	const value *answers;           /* that file, loaded; NULL without one */
	const char *operator_name;      /* who answers when the answer does not say */
	redactor *red;                  /* prompts are redacted; secret fields join it */
} asker;

typedef struct answer {
	int yes;                        /* approved, confirmed */
	const char *mode;               /* "tty", "auto" or "file" */
	char *by;                       /* who answered */
	char *comment;                  /* NULL when none */
	value *fields;                  /* a manual step's fields (object), NULL for an approval */
	char answered_at[40];           /* RFC 3339 */
} answer;

/* 0 with *a filled (answer_release), or -1 with *err when no answer
 * could be had: no terminal, no entry in the file, a field missing or
 * not of its type */
int ask_approval(const asker *k, const step *st, const char *question, answer *a, char **err);
int ask_manual(const asker *k, const step *st, const char *instructions, answer *a,
	       char **err);
void answer_release(answer *a);

/* the secret fields the answers file gives for rb's manual steps, into
 * the redactor (at run start: nothing can print them before) */
void ask_register_secrets(const asker *k, const runbook *rb);

#endif
