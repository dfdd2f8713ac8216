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

static const char *const VERIFY_USAGE =
	"runbook verify TRANSCRIPT [--runbook FILE] [--pubkey PUB] [--format text|json|junit]\n"
	"                          [--no-color]";

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
		junit_case(&j, c->group, c->name);
		if (c->result == VC_FAIL)
			junit_failure(&j, c->detail, NULL, NULL);
		else
			junit_output(&j, c->detail);
	}
	junit_print(f, &j, suite, props);
	free(suite);
}

/*
 * `runbook verify`: exit 0 when every check holds, 5 when one does not,
 * 2 for a usage error or a file that cannot be read.
 */
int cmd_verify(int argc, char **argv)
{
	verify_opts o = { 0 };
	const char *path = NULL, *format = "text";
	int no_color = 0, rc, r;
	tlog l;
	verdict vd;
	char *err = NULL;

	for (int i = 1; i < argc; i++) {
		if ((r = opt_value(argc, argv, &i, "--runbook", &o.runbook_path)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--pubkey", &o.pubkey_path)) != 0 ||
		    (r = opt_value(argc, argv, &i, "--format", &format)) != 0) {
			if (r < 0)
				return 2;
		} else if (opt_flag(argv, i, "--no-color")) {
			no_color = 1;
		} else if (opt_flag(argv, i, "--help") || opt_flag(argv, i, "-h")) {
			printf("usage: %s\n", VERIFY_USAGE);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return usage_error("verify", VERIFY_USAGE, "unknown option '%s'", argv[i]);
		} else if (path) {
			return usage_error("verify", VERIFY_USAGE, "one transcript at a time ('%s' and '%s')",
					   path, argv[i]);
		} else {
			path = argv[i];
		}
	}
	if (!path)
		return usage_error("verify", VERIFY_USAGE, "no transcript given");
	if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "junit"))
		return usage_error("verify", VERIFY_USAGE, "unknown format '%s'", format);
	if (tlog_read(&l, path, &err) < 0) {
		fprintf(stderr, "runbook verify: %s\n", err);
		free(err);
		return 2;
	}
	if (verify_transcript(path, &l, &o, &vd, &err) < 0) {
		fprintf(stderr, "runbook verify: %s\n", err);
		free(err);
		tlog_release(&l);
		return 2;
	}
	if (!strcmp(format, "json"))
		print_json(stdout, path, &l, &vd, o.pubkey_path);
	else if (!strcmp(format, "junit"))
		print_junit(stdout, path, &vd);
	else
		print_text(stdout, path, &l, &vd, want_color(stdout, no_color));
	rc = vd.ok ? 0 : 5;
	verdict_release(&vd);
	tlog_release(&l);
	return rc;
}
