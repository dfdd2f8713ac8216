/*
 * test_options.c - the one option parser (cli/options.h) and what is
 * generated from the rows: --help, the usage line of a usage error and
 * the Commands section of `runbook reference`.
 *
 * The command table here stands in for main.c's (it has one command,
 * "frob", with a row of every kind): a row that is only in the table
 * shows in the help, the usage line and the reference without anything
 * else written for it, and the parser accepts it.
 */
#include "unit.h"
#include "cli/cmd.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { F_FORMAT = 1, F_OUT, F_TAG, F_QUIET, F_DRY, F_CHECKED };

static int check_calls;
/* a row's check: refuses "bad" */
static int refuse_bad(const char *v)
{
	check_calls++;
	if (!strcmp(v, "bad")) {
		fprintf(stderr, "runbook: --checked: bad is bad\n");
		return -1;
	}
	return 0;
}

static const cmd_opt frob_options[] = {
	OPT_STRING(F_FORMAT, "format", 0, "text|json", "how to print it"),
	OPT_STRING(F_OUT, "output", 'o', "FILE", "where to write it"),
	OPT_LIST(F_TAG, "tag", 0, "k=v", "a tag for the frob"),
	OPT_FLAG(F_QUIET, "quiet", 'q', "say less"),
	OPT_FLAG(F_DRY, "dry", 0, "the planted row: only in this table"),
	{ F_CHECKED, "checked", 0, OPT_KIND_VALUE, "X", "a value its check reads", refuse_bad },
	{ 0, "silent", 0, OPT_KIND_VALUE, "Y", "a row its check handles alone", refuse_bad },
	OPT_END
};

static int cmd_frob(const command *self, int argc, char **argv)
{
	(void)self, (void)argc, (void)argv;
	return 0;
}

/* what cmd_reference lists: this table instead of main.c's */
const command commands[] = {
	{ "frob", cmd_frob, "frob the runbooks", "NAME...", frob_options },
};
const size_t command_count = 1;

static const command *frob = &commands[0];

/* ---- capturing what a call writes on stdout or stderr ---- */

static char cap_buf[65536];

static int cap_fd, cap_saved, cap_which;

static void cap_begin(int which)
{
	char path[] = "/tmp/test_options.XXXXXX";
	fflush(which == 1 ? stdout : stderr);
	cap_fd = mkstemp(path);
	unlink(path);
	cap_saved = dup(which);
	dup2(cap_fd, which);
	cap_which = which;
}

static const char *cap_end(void)
{
	fflush(cap_which == 1 ? stdout : stderr);
	dup2(cap_saved, cap_which);
	close(cap_saved);
	lseek(cap_fd, 0, SEEK_SET);
	ssize_t n = read(cap_fd, cap_buf, sizeof cap_buf - 1);
	close(cap_fd);
	cap_buf[n > 0 ? n : 0] = 0;
	return cap_buf;
}

/* ---- the parser ---- */

typedef struct got {
	int ids[32];
	const char *vals[32];
	size_t n;
	int last;               /* OPTS_DONE or OPTS_EXIT */
	int rc;
} got;

/* parse a NULL-terminated argv (argv[0] the command), stderr captured into err */
static void parse(got *g, const char **args, const char **err)
{
	char *argv[32];
	int argc = 0;
	opt_parser p;
	int id;
	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	memset(g, 0, sizeof *g);
	cap_begin(2);
	opts_init(&p, frob, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE && id != OPTS_EXIT && g->n < 32) {
		g->ids[g->n] = id;
		g->vals[g->n++] = p.val;
	}
	*err = cap_end();
	g->last = id;
	g->rc = p.rc;
}

static void test_values(void)
{
	const char *err;
	got g;
	parse(&g, (const char *[]){ "frob", "a.yaml", "--format", "json", "--output=x", "-o", "y",
				    "-o=z", "b.yaml", "--tag", "k=1", "--tag=k=2", "-q", "--quiet",
				    "--dry", "-", "--output", "--format", NULL }, &err);
	CHECK(g.last == OPTS_DONE);
	CHECK_STR(err, "");
	int want[] = { OPTS_ARG, F_FORMAT, F_OUT, F_OUT, F_OUT, OPTS_ARG, F_TAG, F_TAG, F_QUIET,
		       F_QUIET, F_DRY, OPTS_ARG, F_OUT };
	const char *vals[] = { "a.yaml", "json", "x", "y", "z", "b.yaml", "k=1", "k=2", NULL, NULL,
			       NULL, "-", "--format" };
	CHECK(g.n == sizeof want / sizeof want[0]);
	for (size_t i = 0; i < g.n && i < sizeof want / sizeof want[0]; i++) {
		CHECK(g.ids[i] == want[i]);
		if (vals[i])
			CHECK_STR(g.vals[i], vals[i]);
		else
			CHECK(g.vals[i] == NULL);
	}
	/* an empty value is a value */
	parse(&g, (const char *[]){ "frob", "--format=", NULL }, &err);
	CHECK(g.n == 1 && g.ids[0] == F_FORMAT && g.vals[0] && !*g.vals[0]);
}

/* every usage error: one message, the usage line, exit 2 */
static void test_errors(void)
{
	static const char *const unknown[] = { "--nosuch", "--form", "--formats", "--quiet=1", "--dry=",
					       "--", "-x", "-qo", "-hq", "-ofile", "--help=1", NULL };
	const char *err;
	char want[128];
	got g;
	for (size_t i = 0; unknown[i]; i++) {
		parse(&g, (const char *[]){ "frob", "a.yaml", unknown[i], "--dry", NULL }, &err);
		snprintf(want, sizeof want, "runbook frob: unknown option '%s'\nusage: runbook frob NAME... ",
			 unknown[i]);
		CHECK(g.last == OPTS_EXIT && g.rc == EXIT_USAGE);
		CHECK(!strncmp(err, want, strlen(want)));
		CHECK(g.n == 1);        /* what came before was read, nothing after */
	}
	parse(&g, (const char *[]){ "frob", "--output", NULL }, &err);
	CHECK(g.last == OPTS_EXIT && g.rc == EXIT_USAGE);
	CHECK_STR(err, "runbook: option '--output' needs a value\n");
	parse(&g, (const char *[]){ "frob", "x", "-o", NULL }, &err);
	CHECK(g.last == OPTS_EXIT && g.rc == EXIT_USAGE);
	CHECK_STR(err, "runbook: option '-o' needs a value\n");

	/* a row's check: run on the value, a refusal stops the parse */
	check_calls = 0;
	parse(&g, (const char *[]){ "frob", "--checked", "good", "--silent=fine", "--checked=bad", "--dry",
				    NULL }, &err);
	CHECK(check_calls == 3);
	CHECK(g.last == OPTS_EXIT && g.rc == EXIT_USAGE);
	CHECK_STR(err, "runbook: --checked: bad is bad\n");
	/* id 0: the check did all, the command never sees the row */
	CHECK(g.n == 1 && g.ids[0] == F_CHECKED && !strcmp(g.vals[0], "good"));
}

/* the option as help writes it, for a row */
static const char *text(const cmd_opt *o)
{
	static char buf[160];
	return opt_text(o, buf, sizeof buf);
}

/* --help: exit 0, the usage, the summary, one line per row (and -h/--help) */
static void test_help(void)
{
	const char *out;
	char *argv[] = { "frob", "a", "--tag", "x=1", "--help", "--nosuch", NULL };
	opt_parser p;
	int id;
	cap_begin(1);
	opts_init(&p, frob, 6, argv);
	while ((id = opts_next(&p)) != OPTS_DONE && id != OPTS_EXIT)
		;
	out = cap_end();
	CHECK(id == OPTS_EXIT && p.rc == EXIT_OK);
	CHECK(!strncmp(out, "usage: runbook frob NAME... [--format text|json] [-o|--output FILE] [--tag k=v]...",
		       strlen("usage: runbook frob NAME... [--format text|json] [-o|--output FILE] [--tag k=v]...")));
	CHECK(strstr(out, "\nfrob the runbooks\n") != NULL);
	const char *opts = strstr(out, "\noptions:\n");
	CHECK(opts != NULL);
	size_t rows = 0, lines = 0;
	const cmd_opt *o;
	for (size_t i = 0; (o = opt_row(frob, i)); i++) {
		char line[256];
		snprintf(line, sizeof line, "%s", text(o));
		const char *at = opts ? strstr(opts, line) : NULL;
		CHECK(at != NULL);
		/* its help on the same line, marked when repeatable */
		const char *eol = at ? strchr(at, '\n') : NULL;
		const char *h = at ? strstr(at, o->help) : NULL;
		CHECK(h && eol && h < eol);
		if (o->kind == OPT_KIND_LIST)
			CHECK(h && eol && !strncmp(eol - strlen(" (repeatable)"), " (repeatable)", 13));
		rows++;
	}
	CHECK(rows == 8);               /* the seven rows and --help */
	for (const char *s = opts ? opts + strlen("\noptions:\n") : ""; *s; s = strchr(s, '\n') + 1) {
		CHECK(!strncmp(s, "  -", 3) || !strncmp(s, "      --", 8));
		lines++;
	}
	CHECK(lines == rows);
	CHECK(strstr(out, "  -o, --output FILE ") && strstr(out, "      --dry "));
	CHECK(strstr(out, "  -h, --help ") != NULL);

	/* the usage line of a usage error: every row but --help */
	cap_begin(2);
	usage_error(frob, "no %s given", "frob");
	out = cap_end();
	CHECK(!strncmp(out, "runbook frob: no frob given\nusage: runbook frob NAME... ", 45));
	for (size_t i = 0; (o = opt_row(frob, i)); i++) {
		char word[64];
		snprintf(word, sizeof word, "--%s", o->name);
		CHECK(!strcmp(o->name, "help") ? !strstr(out, word) : strstr(out, word) != NULL);
	}
}

/* the reference lists the table's commands, each with every row */
static void test_reference(void)
{
	char *argv[] = { "reference", NULL };
	static const command ref = { "reference", cmd_reference, "the reference", "", reference_options };
	cap_begin(1);
	int rc = cmd_reference(&ref, 1, argv);
	const char *out = cap_end();
	CHECK(rc == EXIT_OK);
	const char *sec = strstr(out, "\n## Commands\n");
	CHECK(sec != NULL);
	const char *frobs = sec ? strstr(sec, "\n### `runbook frob NAME...`\n\nfrob the runbooks.\n") : NULL;
	CHECK(frobs != NULL);
	const cmd_opt *o;
	for (size_t i = 0; frobs && (o = opt_row(frob, i)); i++) {
		char row[256], name[160];
		size_t k = 0;
		for (const char *s = text(o); *s && k < sizeof name - 2; s++) {
			if (*s == '|')
				name[k++] = '\\';
			name[k++] = *s;
		}
		name[k] = 0;
		snprintf(row, sizeof row, "| `%s` | %s%s |\n", name, o->help,
			 o->kind == OPT_KIND_LIST ? " (repeatable)" : "");
		CHECK(strstr(frobs, row) != NULL);
		if (!strstr(frobs, row))
			fprintf(stderr, "  not in the reference: %s", row);
	}
	/* and the exit codes, every row */
	const char *ex = strstr(out, "\n## Exit codes\n");
	CHECK(ex != NULL);
	for (size_t i = 0; ex && i < exit_code_count; i++) {
		char row[256];
		snprintf(row, sizeof row, "| %d | `%s` | %s |\n", exit_codes[i].code, exit_codes[i].name,
			 exit_codes[i].meaning);
		CHECK(strstr(ex, row) != NULL);
	}
}

/* the exit codes: the enum and the table are one list */
static void test_exit_codes(void)
{
	static const int want[] = { EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ROLLBACK_INCOMPLETE,
				    EXIT_LOCKED, EXIT_VERIFY_FAILED, EXIT_GUARD_TRIPPED,
				    EXIT_WAITING, EXIT_INTERRUPTED_INT, EXIT_INTERRUPTED_TERM };
	CHECK(exit_code_count == sizeof want / sizeof want[0]);
	for (size_t i = 0; i < exit_code_count && i < sizeof want / sizeof want[0]; i++)
		CHECK(exit_codes[i].code == want[i] && *exit_codes[i].name && *exit_codes[i].meaning);
	CHECK(EXIT_SIGNAL(2) == EXIT_INTERRUPTED_INT && EXIT_SIGNAL(15) == EXIT_INTERRUPTED_TERM);
	CHECK(EXIT_USAGE == 2 && EXIT_VERIFY_FAILED == 5 && EXIT_LOCKED == 4 && EXIT_GUARD_TRIPPED == 6 &&
	      EXIT_WAITING == 8);
}

/* --stdlib: a directory, else the message and a usage error */
static void test_stdlib(void)
{
	const char *err;
	cap_begin(2);
	CHECK(opt_stdlib_dir("/nonexistent-stdlib") < 0);
	err = cap_end();
	CHECK_STR(err, "runbook: --stdlib /nonexistent-stdlib: No such file or directory\n");
	cap_begin(2);
	CHECK(opt_stdlib_dir("/etc/passwd") < 0);
	err = cap_end();
	CHECK_STR(err, "runbook: --stdlib /etc/passwd: not a directory\n");
	CHECK(opt_stdlib_dir("/tmp") == 0);
}

/* positional files and paths: what args calls them, and the parser refusing
 * one that names nothing readable (every one reported, "-" always passes) */
static void test_paths(void)
{
	static const command two = { "two", cmd_frob, "two files", "FILE PATH...", frob_options };
	static const command words = { "w", cmd_frob, "words", "OLD [NEW] EXPR", frob_options };
	CHECK(opt_arg_kind(&two, 0) == ARG_FILE && opt_arg_kind(&two, 1) == ARG_PATH &&
	      opt_arg_kind(&two, 7) == ARG_PATH);
	CHECK(opt_arg_kind(&words, 0) == ARG_OTHER && opt_arg_kind(&words, 3) == ARG_OTHER);
	CHECK(opt_word_kind("[TRANSCRIPT]", 12) == ARG_FILE && opt_word_kind("DIR", 3) == ARG_DIR &&
	      opt_word_kind("FILES", 5) == ARG_OTHER && opt_word_kind("auto", 4) == ARG_OTHER);
	char *argv[] = { "two", "/tmp", "/nonexistent-a", "-", "/nonexistent-b", "/tmp", NULL };
	opt_parser p;
	int id, nargs = 0;
	cap_begin(2);
	opts_init(&p, &two, 6, argv);
	while ((id = opts_next(&p)) != OPTS_DONE && id != OPTS_EXIT)
		nargs += id == OPTS_ARG;
	const char *err = cap_end();
	CHECK(id == OPTS_EXIT && p.rc == EXIT_USAGE && nargs == 5);
	CHECK_STR(err, "runbook two: /tmp: is a directory\n"
		  "runbook two: /nonexistent-a: no such file or directory\n"
		  "runbook two: /nonexistent-b: no such file or directory\n");
	char *good[] = { "two", "/etc/passwd", "-", "/tmp", NULL };
	cap_begin(2);
	opts_init(&p, &two, 4, good);
	while ((id = opts_next(&p)) != OPTS_DONE && id != OPTS_EXIT)
		;
	err = cap_end();
	CHECK(id == OPTS_DONE && !*err);
}

int main(void)
{
	test_paths();
	test_values();
	test_errors();
	test_help();
	test_reference();
	test_exit_codes();
	test_stdlib();
	return unit_done("options");
}
