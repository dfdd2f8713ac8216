/*
 * cmd_verify.c - `runbook verify TRANSCRIPT`: print the verdict of
 * verify_transcript() (tlog.c) as text, JSON or JUnit, and exit 0 when
 * every check holds, 5 when one does not.
 */
#include "cli/cmd.h"
#include "base/arena.h"
#include "base/junit.h"
#include "record/tlog.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

enum { O_RUNBOOK = 1, O_PUBKEY, O_FORMAT, O_NO_COLOR };

const cmd_opt verify_options[] = {
	OPT_STRING(O_RUNBOOK, "runbook", 0, "FILE",
		   "check the transcript against this runbook file (sha256, steps, order)"),
	OPT_STRING(O_PUBKEY, "pubkey", 0, "PUB",
		   "require every checkpoint to verify with this Ed25519 public key (PEM)"),
	OPT_STRING(O_FORMAT, "format", 0, "text|json|junit", "how to print the verdict (default text)"),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_END
};

/* ---------- output ---------- */

/* said of a verdict reached without --pubkey: anyone can forge a chain */
#define NOT_AUTHENTICATED "integrity only: not authenticated (no --pubkey)"

static const char *const result_names[] = { "FAIL", "ok", "note" };

static void print_text(FILE *f, const char *path, const tlog *l, const verdict *vd, int color)
{
	size_t nfail = 0;
	const tlog_event *s = l->start;

	fprintf(f, "transcript %s\n", path);
	if (s)
		fprintf(f, "  run %s  runbook %s%s%s  mode %s  operator %s  host %s\n",
			tev_str(s, "run") ? tev_str(s, "run") : "?",
			tev_str(s, "runbook") ? tev_str(s, "runbook") : "?",
			tev_str(s, "version") ? " " : "",
			tev_str(s, "version") ? tev_str(s, "version") : "",
			tev_str(s, "mode") ? tev_str(s, "mode") : "?",
			tev_str(s, "operator") ? tev_str(s, "operator") : "?",
			tev_str(s, "host") ? tev_str(s, "host") : "?");
	for (size_t i = 0; i < vd->n; i++) {
		const vcheck *c = &vd->v[i];
		const char *on = "", *off = "";
		if (color) {
			on = c->result == VC_FAIL ? "\033[31m" : c->result == VC_INFO ? "\033[33m"
										: "\033[32m";
			off = "\033[0m";
		}
		if (c->result == VC_FAIL)
			nfail++;
		fprintf(f, "  %s%-4s%s  %-12s  %-18s  %s\n", on, result_names[c->result], off,
			c->group, c->name, c->detail);
	}
	if (vd->ok)
		fprintf(f, "verify: ok: %zu checks passed%s\n", vd->n,
			vd->authenticated ? "" : "; " NOT_AUTHENTICATED);
	else if (vd->first_bad_seq)
		fprintf(f, "verify: failed: %zu of %zu checks; first bad seq %ld\n", nfail, vd->n,
			vd->first_bad_seq);
	else
		fprintf(f, "verify: failed: %zu of %zu checks%s\n", nfail, vd->n,
			vd->interrupted ? "; the run was interrupted" : "");
}

static void print_json(FILE *f, const char *path, const tlog *l, const verdict *vd,
		       const char *pubkey)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	char *s;

	cJSON_AddStringToObject(o, "transcript", path);
	if (l->start && tev_str(l->start, "run"))
		cJSON_AddStringToObject(o, "run", tev_str(l->start, "run"));
	if (l->start && tev_str(l->start, "runbook"))
		cJSON_AddStringToObject(o, "runbook", tev_str(l->start, "runbook"));
	cJSON_AddBoolToObject(o, "ok", vd->ok);
	cJSON_AddBoolToObject(o, "interrupted", vd->interrupted);
	cJSON_AddBoolToObject(o, "authenticated", vd->authenticated);
	if (!vd->authenticated && !pubkey)
		cJSON_AddStringToObject(o, "note", NOT_AUTHENTICATED);
	if (vd->first_bad_seq)
		cJSON_AddNumberToObject(o, "first_bad_seq", (double)vd->first_bad_seq);
	else
		cJSON_AddNullToObject(o, "first_bad_seq");
	arr = cJSON_AddArrayToObject(o, "checks");
	for (size_t i = 0; i < vd->n; i++) {
		const vcheck *c = &vd->v[i];
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "group", c->group);
		cJSON_AddStringToObject(x, "name", c->name);
		cJSON_AddStringToObject(x, "result", c->result == VC_FAIL ? "fail" :
					c->result == VC_INFO ? "note" : "pass");
		cJSON_AddStringToObject(x, "detail", c->detail);
		if (c->seq)
			cJSON_AddNumberToObject(x, "seq", (double)c->seq);
		cJSON_AddItemToArray(arr, x);
	}
	s = cJSON_Print(o);
	fprintf(f, "%s\n", s);
	cJSON_free(s);
	cJSON_Delete(o);
}

static void print_junit(FILE *f, const char *path, const verdict *vd)
{
	junit j = { 0 };
	char *suite = xasprintf("runbook verify %s", path);
	const char *const props[] = { "authenticated", vd->authenticated ? "true" : "false", NULL };

	for (size_t i = 0; i < vd->n; i++) {
		const vcheck *c = &vd->v[i];
		junit_case(&j, c->group, c->name, -1);
		if (c->result == VC_FAIL)
			junit_failure(&j, c->detail, NULL, NULL);
		else
			junit_output(&j, c->detail);
	}
	junit_print(f, &j, suite, props);
	free(suite);
}

/*
 * Read the transcript at path and judge it (tlog_read + verify_transcript),
 * for verify and report.  0, or -1 with the reason printed as "runbook
 * CMD: ..." (l is then released).
 */
int read_verdict(const command *self, const char *path, const verify_opts *o, tlog *l,
		 verdict *vd)
{
	char *err = NULL;
	if (tlog_read(l, path, &err) < 0) {
		fprintf(stderr, "runbook %s: %s\n", self->name, err);
		free(err);
		return -1;
	}
	if (verify_transcript(path, l, o, vd, &err) < 0) {
		fprintf(stderr, "runbook %s: %s\n", self->name, err);
		free(err);
		tlog_release(l);
		return -1;
	}
	return 0;
}

/*
 * `runbook verify`: exit 0 when every check holds, 5 when one does not,
 * 2 for a usage error or a file that cannot be read.
 */
int cmd_verify(const command *self, int argc, char **argv)
{
	verify_opts o = { 0 };
	const char *path = NULL, *format = "text";
	int no_color = 0, rc, id;
	tlog l;
	verdict vd;
	opt_parser p;

	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT:
			return p.rc;
		case O_RUNBOOK: o.runbook_path = p.val; break;
		case O_PUBKEY: o.pubkey_path = p.val; break;
		case O_FORMAT: format = p.val; break;
		case O_NO_COLOR: no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(&p, &path, "transcript") == OPTS_EXIT)
				return p.rc;
			break;
		}
	}
	if (!path)
		return usage_error(self, "no transcript given");
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "junit"))
		return usage_error(self, "unknown format '%s'", format);
	if (read_verdict(self, path, &o, &l, &vd) < 0)
		return EXIT_USAGE;
	if (!strcmp(format, "json"))
		print_json(stdout, path, &l, &vd, o.pubkey_path);
	else if (!strcmp(format, "junit"))
		print_junit(stdout, path, &vd);
	else
		print_text(stdout, path, &l, &vd, want_color(stdout, no_color));
	rc = vd.ok ? EXIT_OK : EXIT_VERIFY_FAILED;
	verdict_release(&vd);
	tlog_release(&l);
	return rc;
}
