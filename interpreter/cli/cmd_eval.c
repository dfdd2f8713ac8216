/*
 * cmd_eval.c - `runbook eval EXPR`: one bare expression (no ${{ }}),
 * evaluated against contexts given on the command line, its value
 * printed.  Authors try expressions with it; the expression cases of the
 * test suite (the .test files of tests/cases/expr) run through it.
 *
 * Any context name may be given here; in a runbook only the known
 * contexts exist.  A --secret-context is marked secret: what is computed
 * from it prints as ***, as `plan` would show it.
 *
 * Exit 0 with the value; 1 when the evaluation fails (the message); 2
 * for a lexing or parsing error (its line and column, the line, a caret)
 * or a usage error.
 */
#include "cli/cmd.h"
#include "base/redact.h"
#include "lang/expr.h"

#include <stdlib.h>
#include <string.h>

enum { O_CONTEXT = 1, O_SECRET_CONTEXT, O_FORMAT };

const cmd_opt eval_options[] = {
	OPT_LIST(O_CONTEXT, "context", 0, "NAME=JSON", "a context the expression may read, holding the JSON value"),
	OPT_LIST(O_SECRET_CONTEXT, "secret-context", 0, "NAME=JSON",
		 "the same, marked secret: what is computed from it prints as ***"),
	OPT_STRING(O_FORMAT, "format", 0, "text|json",
		   "print the value as ${{ }} inserts it into text (the default) or as JSON"),
	OPT_END
};

/* NAME=JSON into ctx[NAME]; -1 with a usage error */
static int add_context(const command *self, value *ctx, const char *arg, int secret)
{
	const char *eq = strchr(arg, '=');
	const char *opt = secret ? "--secret-context" : "--context";
	value *v;

	if (!eq || eq == arg) {
		usage_error(self, "%s needs NAME=JSON, got '%s'", opt, arg);
		return -1;
	}
	char *name = xstrndup(arg, (size_t)(eq - arg));
	if (v_obj_get(ctx, name)) {
		usage_error(self, "context '%s' is given twice", name);
		free(name);
		return -1;
	}
	v = v_from_json(eq + 1, strlen(eq + 1));
	if (!v) {
		usage_error(self, "%s %s: the value is not JSON: %s", opt, name, eq + 1);
		free(name);
		return -1;
	}
	v_obj_set_take(ctx, name, secret ? v_secret(v) : v);
	free(name);
	return 0;
}

/*
 * A syntax error: "runbook eval: column C: message" ("line L, column C"
 * for an expression of several lines), then the line and a caret under
 * the character (columns count characters; a tab stays a tab).
 */
static void syntax_error(const char *src, size_t off, const char *msg)
{
	size_t len = strlen(src), line = 1, start = 0, col = 1;

	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		if (src[i] == '\n') {
			line++;
			start = i + 1;
			col = 1;
		} else if (((unsigned char)src[i] & 0xC0) != 0x80) {
			col++;
		}
	}
	size_t end = start + strcspn(src + start, "\n");
	if (strchr(src, '\n'))
		fprintf(stderr, "runbook eval: line %zu, column %zu: %s\n", line, col, msg);
	else
		fprintf(stderr, "runbook eval: column %zu: %s\n", col, msg);
	fprintf(stderr, "  %.*s\n  ", (int)(end - start), src + start);
	for (size_t i = start; i < off; i++)
		if (((unsigned char)src[i] & 0xC0) != 0x80)
			fputc(src[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* the options come before "--"; every word after it is positional, so
 * an expression may start with '-' */
static int words_before_dashes(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return i;
		for (const cmd_opt *o = eval_options; o->name; o++) {
			if (argv[i][0] == '-' && argv[i][1] == '-' && !strcmp(argv[i] + 2, o->name) &&
			    o->kind != OPT_KIND_FLAG) {
				i++;    /* its value */
				break;
			}
		}
	}
	return argc;
}

/* the value, every secret in it as ***: as text (a string's bytes as they
 * are) or as JSON */
static void print_value(const value *v, int json)
{
	value *shown = v_masked(v, REDACT_MASK);

	if (!json && v_type(shown) == V_STR) {
		fwrite(v_as_str(shown), 1, v_str_len(shown), stdout);
	} else {
		char *t = json ? v_to_json(shown) : v_to_text(shown);
		fputs(t, stdout);
		free(t);
	}
	fputc('\n', stdout);
	v_release(shown);
}

/* parse, evaluate, print: the exit code */
static int eval_print(const char *src, const value *ctx, int json)
{
	arena a;
	size_t off = 0;
	const char *msg = NULL;
	char *err = NULL;
	int rc = EXIT_OK;

	arena_init(&a);
	expr *e = expr_parse(&a, src, strlen(src), &off, &msg);
	value *v = e ? expr_eval(e, ctx, &err) : NULL;
	if (!e) {
		syntax_error(src, off, msg);
		rc = EXIT_USAGE;
	} else if (!v) {
		fprintf(stderr, "runbook eval: %s\n", err);
		rc = EXIT_FAILED;
	} else {
		print_value(v, json);
	}
	free(err);
	v_release(v);
	arena_free(&a);
	return rc;
}

int cmd_eval(const command *self, int argc, char **argv)
{
	int dashes = words_before_dashes(argc, argv), id, rc = EXIT_USAGE, json = 0;
	const char *src = NULL;
	value *ctx = v_obj();
	opt_parser p;

	opts_init(&p, self, dashes, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_EXIT) {
			rc = p.rc;
			goto out;
		}
		if (id == OPTS_ARG && opts_one(&p, &src, "expression") == OPTS_EXIT)
			goto out;
		if ((id == O_CONTEXT || id == O_SECRET_CONTEXT) &&
		    add_context(self, ctx, p.val, id == O_SECRET_CONTEXT) < 0)
			goto out;
		if (id == O_FORMAT && strcmp(p.val, "text") && !(json = !strcmp(p.val, "json"))) {
			usage_error(self, "unknown format '%s' (text or json)", p.val);
			goto out;
		}
	}
	for (int i = dashes + 1; i < argc; i++) {
		p.val = argv[i];
		if (opts_one(&p, &src, "expression") == OPTS_EXIT)
			goto out;
	}
	if (!src)
		usage_error(self, "no expression given");
	else
		rc = eval_print(src, ctx, json);
out:
	v_release(ctx);
	return rc;
}
