/*
 * cmd.h - the commands: one file each (cmd_<name>.c: its entry point and
 * its option rows), collected in main.c's command table, the one list of
 * commands.  main.c defines the table; the commands that list the others
 * (`runbook reference`, help) read it through the declarations below, as
 * the primitive table's rows point at the functions prim/ defines.
 *
 * To add a command: write cmd_<name>.c with `int cmd_<name>(const
 * command *self, int argc, char **argv)` and its `<name>_options[]` rows,
 * declare both here, and add a row to main.c's table.  --help, the
 * usage line and the reference follow from the row.
 */
#ifndef RB_CMD_H
#define RB_CMD_H

#include "cli/options.h"
#include "run/exitcode.h"

#include <stddef.h>
#include <stdio.h>

typedef struct command {
	const char *name;
	int (*fn)(const struct command *self, int argc, char **argv);
	const char *summary;    /* one line: `runbook --help`, its --help, the reference */
	const char *args;       /* its positional arguments as usage shows them:
	                         * "FILE", "PATH...", or "" */
	const cmd_opt *opts;    /* its options, OPT_END last (-h/--help is implicit) */
} command;

/* main.c: every command, in the order `runbook --help` lists them */
extern const command commands[];
extern const size_t command_count;
/* the row of a command, NULL when there is no such command */
const command *command_find(const char *name);
/* its options (OPT_END-terminated, without the implicit --help), or NULL */
const cmd_opt *command_options(const char *name);

int cmd_check(const command *self, int argc, char **argv);
int cmd_plan(const command *self, int argc, char **argv);
int cmd_graph(const command *self, int argc, char **argv);
int cmd_diff(const command *self, int argc, char **argv);
int cmd_run(const command *self, int argc, char **argv);
int cmd_serve(const command *self, int argc, char **argv);
int cmd_fleet(const command *self, int argc, char **argv);
int cmd_drill(const command *self, int argc, char **argv);
int cmd_verify(const command *self, int argc, char **argv);
int cmd_report(const command *self, int argc, char **argv);
int cmd_resume(const command *self, int argc, char **argv);
int cmd_undo(const command *self, int argc, char **argv);
int cmd_schema(const command *self, int argc, char **argv);
int cmd_reference(const command *self, int argc, char **argv);
int cmd_eval(const command *self, int argc, char **argv);
int cmd_explain(const command *self, int argc, char **argv);
int cmd_completion(const command *self, int argc, char **argv);
int cmd_man(const command *self, int argc, char **argv);
int cmd_docs(const command *self, int argc, char **argv);
int cmd_import(const command *self, int argc, char **argv);

extern const cmd_opt check_options[];
extern const cmd_opt plan_options[];
extern const cmd_opt fleet_options[];
extern const cmd_opt graph_options[];
extern const cmd_opt diff_options[];
extern const cmd_opt run_options[];
extern const cmd_opt serve_options[];
extern const cmd_opt drill_options[];
extern const cmd_opt verify_options[];
extern const cmd_opt report_options[];
extern const cmd_opt resume_options[];
extern const cmd_opt undo_options[];
extern const cmd_opt schema_options[];
extern const cmd_opt reference_options[];
extern const cmd_opt eval_options[];
extern const cmd_opt explain_options[];
extern const cmd_opt completion_options[];
extern const cmd_opt man_options[];
extern const cmd_opt docs_options[];
extern const cmd_opt import_options[];

/* "--input name=value": appends to inputs[*n] (key
 * malloc'd); -1 with a usage error when there is no name */
struct kv;
int opt_input(const command *c, const char *v, struct kv *inputs, size_t *n);
/* print "runbook CMD: message" and the usage line; returns EXIT_USAGE */
int usage_error(const command *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* colour on a terminal unless NO_COLOR is set or --no-color was given */
int want_color(FILE *f, int no_color_flag);

/* read and judge a transcript for verify and report (cmd_verify.c):
 * 0, or -1 with the reason printed */
struct tlog;
struct verdict;
struct verify_opts;
int read_verdict(const command *self, const char *path, const struct verify_opts *o,
		 struct tlog *l, struct verdict *vd);

/* plan's rendering (cmd_plan.c), which `runbook docs` reuses: a node as
 * plan shows it (ctx NULL: every ${{ }} as written), a value with its
 * secrets as ***, a step's action as one line (argv shell-quoted), and
 * the context and redactor of a plan with the inputs' defaults (every
 * secret plan would mask registered in red; the expression sink set
 * until expr_set_secret_sink(NULL, NULL)); NULL with *err */
struct value;
struct node;
struct step;
struct redactor;
struct runbook;
struct value *plan_value(const struct node *n, const struct value *ctx, const struct redactor *red);
struct value *plan_shown(const struct value *v, const struct redactor *red);
char *plan_action_text(const struct step *st, const struct value *args);
struct value *plan_context(const struct runbook *rb, struct redactor *red, char **err);

/* resume and undo (cmd_resume.c): the transcript at path, whose chain
 * must hold, read into l, with a run.start: 0, or the exit code (the
 * message printed, l released) */
int record_read(const command *self, const char *path, struct tlog *l);
/* the runbook the run of l ran (rbpath, else run.start's file), valid and
 * unchanged since (same sha256); NULL with the message printed */
struct runbook;
struct runbook *record_runbook(const command *self, const char *rbpath, const struct tlog *l,
			       int no_color);
/* then the run of l goes on (o->mode set): what it left running is ended
 * (reap.h), its run.start inputs and its replay are read into a
 * resume_state, and go() -- resume's or undo's part -- decides and runs
 * it (setting o->resume); returns the exit code */
struct replay;
struct resume_state;
struct run_opts;
int record_continue(struct runbook *rb, const struct tlog *l, struct run_opts *o, const char *path,
		    int (*go)(void *ud, struct runbook *rb, const struct replay *rp,
			      struct resume_state *r, struct run_opts *o), void *ud);

#endif
