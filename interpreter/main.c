/*
 * main.c - the command table (git's commands[] style) and shared option
 * helpers.
 */
#include "cli/cmd.h"
#include "run/exec.h"
#include "lang/fragment.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "check", cmd_check, "validate and lint runbooks (files or directories)" },
	{ "plan", cmd_plan, "show the resolved steps, effects and rollbacks; no side effects" },
	{ "graph", cmd_graph, "print the step graph as dot or mermaid" },
	{ "run", cmd_run, "execute a runbook (--dry-run: read steps only)" },
	{ "drill", cmd_drill, "run with the drill section: inject, symptoms, ..., cleanup" },
	{ "verify", cmd_verify, "check a transcript: integrity, signatures, runbook, objectives" },
	{ "resume", cmd_resume, "continue or roll back a run whose interpreter died" },
	{ "report", cmd_report, "a drill report from a transcript (--format md|html)" },
	{ "schema", cmd_schema, "print the JSON Schema of runbook and fragment files" },
	{ "reference", cmd_reference, "print the language reference (Markdown) from the tables" },
};

int opt_flag(char **argv, int i, const char *name)
{
	return strcmp(argv[i], name) == 0;
}

int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n])
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "runbook: option '%s' needs a value\n", name);
		return -1;
	}
	*val = argv[++*i];
	return 1;
}

int opt_stdlib(int argc, char **argv, int *i)
{
	const char *dir;
	int r = opt_value(argc, argv, i, "--stdlib", &dir);
	if (r <= 0)
		return r;
	struct stat sb;
	int st = stat(dir, &sb);
	if (st < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "runbook: --stdlib %s: %s\n", dir,
			st < 0 ? strerror(errno) : "not a directory");
		return -1;
	}
	fragment_set_stdlib(dir);
	return 1;
}

int opt_input(const char *v, kv *inputs, size_t *n, const char *cmd, const char *usage)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v) {
		usage_error(cmd, usage, "--input needs name=value, got '%s'", v);
		return -1;
	}
	inputs[*n].key = xstrndup(v, (size_t)(eq - v));
	inputs[(*n)++].val = eq + 1;
	return 0;
}

int usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "runbook %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return 2;
}

int want_color(FILE *f, int no_color_flag)
{
	const char *nc = getenv("NO_COLOR");
	if (no_color_flag || (nc && *nc))
		return 0;
	return isatty(fileno(f));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: runbook <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'runbook <command> --help' shows a command's options.\n"
		   "exit codes: 0 ok, 1 run failed (rolled back), 2 usage or invalid runbook,\n"
		   "3 rollback incomplete, 5 verify failed, 130/143 interrupted\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("runbook %s\n", RUNBOOK_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "runbook: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
