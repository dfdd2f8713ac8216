/*
 * test_rules.c - every rule a diagnostic can carry has a row (rules.h),
 * and each row's example is reported with that rule: written as
 * <id>.yaml in an empty directory and loaded as `runbook check` loads
 * it.  Rows without an example (a file that cannot be read, one over the
 * size bound) get that file made here.  The rules used in the source and
 * by the check cases are matched against the rows by
 * tests/cases/check/rules.sh.
 */
#include "unit.h"
#include "lang/import.h"
#include "lang/lint.h"
#include "lang/node.h"
#include "lang/rules.h"
#include "lang/runbook.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int reported(const diags *dg, const char *rule, int severity)
{
	for (size_t i = 0; i < dg->n; i++)
		if (dg->v[i].rule && !strcmp(dg->v[i].rule, rule) && dg->v[i].severity == severity)
			return 1;
	return 0;
}

/* the file a row's example stands for, made at path */
static void make_example(const diag_rule *r, const char *path)
{
	if (r->example) {
		FILE *f = fopen(path, "w");
		if (f) {
			fputs(r->example, f);
			fclose(f);
		}
	} else if (!strncmp(r->id, "import", 6)) {
		/* none: the page is in memory */
	} else if (!strcmp(r->id, "config")) {
		FILE *f = fopen(path, "w");
		if (f) {
			fputs("rules: { lint-owner: loud }\n", f);
			fclose(f);
		}
	} else if (!strcmp(r->id, "io")) {
		CHECK(mkdir(path, 0755) == 0);
	} else if (!strcmp(r->id, "file-too-large")) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		CHECK(fd >= 0 && ftruncate(fd, (off_t)LOAD_MAX_BYTES + 1) == 0);
		close(fd);
	} else {
		fprintf(stderr, "rule %s has no example and none is made here\n", r->id);
		CHECK(0);
	}
}

static void example(const diag_rule *r)
{
	char dir[] = "/tmp/test_rules_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *path = xasprintf("%s/%s.yaml", dir, r->id);
	make_example(r, path);
	diags dg;
	diags_init(&dg);
	if (!strncmp(r->id, "import", 6)) {
		/* a Markdown page for runbook import: with a NUL byte (an
		 * error), or with a command whose effect is a guess */
		static const char page[] = "# Fix\n\n```sh\nsystemctl restart x\n```\n\0";
		imp_result res = { 0 };
		diags report;
		diags_init(&report);
		md_import(path, page, strcmp(r->id, "import") ? sizeof page - 2 : sizeof page - 1, 0,
			  &res, &report, &dg);
		imp_result_release(&res);
		for (size_t i = 0; i < report.n; i++)
			diag_add(&dg, report.v[i].severity, NULL, 0, 0, report.v[i].rule, "%s",
				 report.v[i].msg);
		diags_release(&report);
	} else if (!strcmp(r->id, "config")) {
		/* a policy file, not a runbook */
		lint_policy p;
		lint_policy_load(path, &p, &dg);
		lint_policy_release(&p);
	} else
		runbook_free(runbook_load(path, &dg, 1));
	if (!reported(&dg, r->id, r->severity)) {
		fprintf(stderr, "the example of %s does not report it; it reports:\n", r->id);
		for (size_t i = 0; i < dg.n; i++)
			fprintf(stderr, "  %d:%d [%s] %s\n", dg.v[i].line, dg.v[i].col,
				dg.v[i].rule ? dg.v[i].rule : "-", dg.v[i].msg);
	}
	CHECK(reported(&dg, r->id, r->severity));
	diags_release(&dg);
	diag_forget_sources();
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		rmdir(path);
	else
		unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	size_t n = rule_count();
	CHECK(n > check_rule_count);
	for (size_t i = 0; i < n; i++) {
		diag_rule r = rule_at(i), back;
		CHECK(r.id && r.summary && *r.summary && r.rationale && *r.rationale);
		/* ids are unique and the lookup finds each row */
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(rule_at(j).id, r.id) != 0);
		CHECK(rule_lookup(r.id, &back) == 0 && !strcmp(back.summary, r.summary));
		example(&r);
	}
	diag_rule none;
	CHECK(rule_lookup("no-such-rule", &none) == -1);
	CHECK(rule_lookup(NULL, &none) == -1);
	CHECK_STR(rule_suggest("lint-ownr"), "lint-owner");
	CHECK_STR(rule_suggest("unknwn-key"), "unknown-key");
	CHECK(rule_suggest("zzzzzzzzzzzz") == NULL);
	return unit_done("test_rules");
}
