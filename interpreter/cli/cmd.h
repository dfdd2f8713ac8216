/*
 * cmd.h - subcommands (one file each, collected in main.c's table) and
 * the small option parser they share.
 */
#ifndef RB_CMD_H
#define RB_CMD_H

#include <stdio.h>

int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_drill(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_schema(int argc, char **argv);
int cmd_reference(int argc, char **argv);

/*
 * Option parsing: opt_value(argc, argv, &i, "--format", &val) matches
 * "--format X" and "--format=X" at argv[i], advancing i past the value.
 * Returns 1 on a match, 0 when argv[i] is another option, -1 when the
 * option is there but its value is missing (a message is printed).
 */
int opt_value(int argc, char **argv, int *i, const char *name, const char **val);
int opt_flag(char **argv, int i, const char *name);
/* "--stdlib DIR" (check, plan, graph, run, drill, resume): the directory
 * `use: stdlib/...` names; as opt_value, -1 also when DIR is no directory */
int opt_stdlib(int argc, char **argv, int *i);
/* "--input name=value": appends to inputs[*n] (key malloc'd); -1 with a
 * usage message when there is no name */
struct kv;
int opt_input(const char *v, struct kv *inputs, size_t *n, const char *cmd, const char *usage);
/* print "runbook CMD: message" and the usage line; returns 2 */
int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* colour on a terminal unless NO_COLOR is set or --no-color was given */
int want_color(FILE *f, int no_color_flag);

#endif
