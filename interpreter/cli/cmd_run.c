/*
 * cmd_run.c - `runbook run FILE` and `runbook drill FILE`: parse the
 * options, load and validate, hand over to the executor.
 */
#include "cli/cmd.h"
#include "run/exec.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const RUN_USAGE =
	"runbook run FILE [--input k=v]... [--inputs FILE] [--dry-run] [--transcript PATH]\n"
	"                 [--approve auto|FILE] [--operator NAME] [--sign-key KEY] [--parallel N]\n"
	"                 [--quiet] [--no-color] [--stdlib DIR]";
static const char *const DRILL_USAGE =
	"runbook drill FILE [--input k=v]... [--inputs FILE] [--transcript PATH]\n"
	"                   [--approve auto|FILE] [--operator NAME] [--sign-key KEY] [--quiet] [--no-color]\n"
	"                   [--stdlib DIR]";

/* shared by run and drill; load diagnostics go to stderr */
static int run_common(int argc, char **argv, int drill)
{
	const char *cmd = drill ? "drill" : "run";
	const char *use = drill ? DRILL_USAGE : RUN_USAGE;
	run_opts o;
	memset(&o, 0, sizeof o);
	o.mode = drill ? MODE_DRILL : MODE_RUN;
	o.parallel = 1;
	const char *file = NULL, *v;
	int no_color = 0, rc = 2;
	kv *inputs = xcalloc((size_t)argc + 1, sizeof(kv));
	for (int i = 1; i < argc; i++) {
		int r = 0;
		if ((r = opt_value(argc, argv, &i, "--input", &v)) != 0) {
			if (r < 0 || opt_input(v, inputs, &o.ninputs, cmd, use) < 0)
				goto out;
		} else if ((r = opt_value(argc, argv, &i, "--inputs", &o.inputs_file)) != 0 ||
			   (r = opt_value(argc, argv, &i, "--transcript", &o.transcript_path)) != 0 ||
			   (r = opt_value(argc, argv, &i, "--approve", &o.approve)) != 0 ||
			   (r = opt_value(argc, argv, &i, "--operator", &o.operator_name)) != 0 ||
			   (r = opt_value(argc, argv, &i, "--sign-key", &o.sign_key)) != 0 ||
			   (r = opt_stdlib(argc, argv, &i)) != 0) {
			if (r < 0)
				goto out;
		} else if ((r = opt_value(argc, argv, &i, "--parallel", &v)) != 0) {
			if (r < 0)
				goto out;
			char *end;
			long n = strtol(v, &end, 10);
			if (*end || n < 1 || n > 256) {
				usage_error(cmd, use, "--parallel needs a number from 1 to 256, got '%s'", v);
				goto out;
			}
			o.parallel = (int)n;
		} else if (!drill && opt_flag(argv, i, "--dry-run"))
			o.mode = MODE_DRY_RUN;
		else if (opt_flag(argv, i, "--quiet") || opt_flag(argv, i, "-q"))
			o.quiet = 1;
		else if (opt_flag(argv, i, "--no-color"))
			no_color = 1;
		else if (opt_flag(argv, i, "--help") || opt_flag(argv, i, "-h")) {
			printf("usage: %s\n", use);
			rc = 0;
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage_error(cmd, use, "unknown option '%s'", argv[i]);
			goto out;
		} else if (file) {
			usage_error(cmd, use, "one runbook at a time ('%s' and '%s')", file, argv[i]);
			goto out;
		} else
			file = argv[i];
	}
	if (!file) {
		usage_error(cmd, use, "no runbook file given");
		goto out;
	}
	o.inputs = inputs;
	o.tty = isatty(STDOUT_FILENO);
	o.color = want_color(stdout, no_color);

	diags dg;
	diags_init(&dg);
	runbook *rb = runbook_load(file, &dg, 0);
	if (!rb || dg.nerr) {
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, no_color), NULL, 0);
		fprintf(stderr, "runbook %s: %s is not a valid runbook (%d error%s): nothing was run\n",
			cmd, file, dg.nerr, dg.nerr == 1 ? "" : "s");
		diags_release(&dg);
		if (rb)
			runbook_free(rb);
		goto out;
	}
	diags_release(&dg);
	if (drill && !rb->drill) {
		fprintf(stderr, "runbook drill: %s has no drill section (inject, symptoms, cleanup)\n", file);
		runbook_free(rb);
		goto out;
	}
	rc = run_runbook(rb, &o);
	runbook_free(rb);
out:
	for (size_t i = 0; i < o.ninputs; i++)
		free((char *)inputs[i].key);
	free(inputs);
	diag_forget_sources();
	return rc;
}

int cmd_run(int argc, char **argv)
{
	return run_common(argc, argv, 0);
}

int cmd_drill(int argc, char **argv)
{
	return run_common(argc, argv, 1);
}
