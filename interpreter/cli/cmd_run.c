/*
 * cmd_run.c - `runbook run FILE` and `runbook drill FILE`: parse the
 * options, load and validate, hand over to the executor.
 */
#include "cli/cmd.h"
#include "lang/node.h"
#include "run/exec.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	O_INPUT = 1, O_INPUTS, O_DRY_RUN, O_TRANSCRIPT, O_APPROVE, O_OPERATOR, O_SIGN_KEY,
	O_PARALLEL, O_QUIET, O_NO_COLOR,
};

/* the rows run and drill share (drill has no --dry-run) */
#define RUN_ROWS \
	OPT_STRING(O_TRANSCRIPT, "transcript", 0, "PATH", \
		   "write the transcript here (else ./transcripts/ID-TIME.jsonl)"), \
	OPT_APPROVE(O_APPROVE), \
	OPT_OPERATOR(O_OPERATOR), \
	OPT_SIGN_KEY(O_SIGN_KEY), \
	OPT_STRING(O_PARALLEL, "parallel", 0, "N", \
		   "run up to N steps at once, as their needs allow (1 to 256, default 1)"), \
	OPT_QUIET(O_QUIET), \
	OPT_NO_COLOR(O_NO_COLOR), \
	OPT_STDLIB

const cmd_opt run_options[] = {
	OPT_INPUT(O_INPUT),
	OPT_INPUTS(O_INPUTS),
	OPT_FLAG(O_DRY_RUN, "dry-run", 0, "run the read steps only; each write step is recorded as would-run"),
	RUN_ROWS,
	OPT_END
};

const cmd_opt drill_options[] = {
	OPT_INPUT(O_INPUT),
	OPT_INPUTS(O_INPUTS),
	RUN_ROWS,
	OPT_END
};

/*
 * The options of run or drill into o (inputs: argc slots), the runbook
 * into *file: OPTS_DONE, or OPTS_EXIT with the exit code in p->rc.
 */
static int run_args(opt_parser *p, run_opts *o, kv *inputs, const char **file, int *no_color)
{
	const command *self = p->cmd;
	int id;
	while ((id = opts_next(p)) != OPTS_DONE) {
		switch (id) {
		case OPTS_EXIT:
			return OPTS_EXIT;
		case O_INPUT:
			if (opt_input(self, p->val, inputs, &o->ninputs) < 0)
				return opts_stop(p, EXIT_USAGE);
			break;
		case O_INPUTS: o->inputs_file = p->val; break;
		case O_TRANSCRIPT: o->transcript_path = p->val; break;
		case O_APPROVE: o->approve = p->val; break;
		case O_OPERATOR: o->operator_name = p->val; break;
		case O_SIGN_KEY: o->sign_key = p->val; break;
		case O_PARALLEL: {
			char *end;
			long n = strtol(p->val, &end, 10);
			if (*end || n < 1 || n > 256)
				return opts_stop(p, usage_error(self, "--parallel needs a number from 1 to 256, "
								"got '%s'", p->val));
			o->parallel = (int)n;
			break;
		}
		case O_DRY_RUN: o->mode = MODE_DRY_RUN; break;
		case O_QUIET: o->quiet = 1; break;
		case O_NO_COLOR: *no_color = 1; break;
		case OPTS_ARG:
			if (opts_one(p, file, "runbook") == OPTS_EXIT)
				return OPTS_EXIT;
			break;
		}
	}
	if (!*file)
		return opts_stop(p, usage_error(self, "no runbook file given"));
	return OPTS_DONE;
}

/* shared by run and drill; load diagnostics go to stderr */
static int run_common(const command *self, int argc, char **argv, int drill)
{
	const char *cmd = self->name;
	run_opts o;
	memset(&o, 0, sizeof o);
	o.mode = drill ? MODE_DRILL : MODE_RUN;
	o.parallel = 1;
	const char *file = NULL;
	int no_color = 0, rc = EXIT_USAGE;
	kv *inputs = xcalloc((size_t)argc + 1, sizeof(kv));
	opt_parser p;
	opts_init(&p, self, argc, argv);
	if (run_args(&p, &o, inputs, &file, &no_color) == OPTS_EXIT) {
		rc = p.rc;
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
			cmd, load_name(file), dg.nerr, dg.nerr == 1 ? "" : "s");
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

int cmd_run(const command *self, int argc, char **argv)
{
	return run_common(self, argc, argv, 0);
}

int cmd_drill(const command *self, int argc, char **argv)
{
	return run_common(self, argc, argv, 1);
}
