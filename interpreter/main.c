/*
 * main.c - the command table (git's commands[] style): every command, its
 * summary, its positional arguments and its option rows, the one list
 * `runbook --help`, each command's --help and `runbook reference` print.
 */
#include "cli/cmd.h"
#include "run/exec.h"
#include "run/exitcode.h"
#include "base/suggest.h"

#include <string.h>

const command commands[] = {
	{ "check", cmd_check, "validate and lint runbooks (files or directories)", "PATH...",
	  check_options },
	{ "plan", cmd_plan, "show the resolved steps, effects and rollbacks; no side effects", "FILE",
	  plan_options },
	{ "diff", cmd_diff, "what changed between two runbooks' plans (--git REV: since a revision)",
	  "OLD NEW | --git REV FILE...", diff_options },
	{ "graph", cmd_graph, "print the step graph as dot or mermaid", "FILE", graph_options },
	{ "run", cmd_run, "execute a runbook (--dry-run: read steps only)", "FILE", run_options },
	{ "drill", cmd_drill, "run with the drill section: inject, symptoms, ..., cleanup", "FILE",
	  drill_options },
	{ "serve", cmd_serve, "serve runs over HTTP: an API and an Alertmanager webhook", "",
	  serve_options },
	{ "fleet", cmd_fleet, "run one runbook over many targets, with max-concurrency and max-errors",
	  "FILE", fleet_options },
	{ "verify", cmd_verify, "check a transcript: integrity, signatures, runbook, objectives",
	  "TRANSCRIPT", verify_options },
	{ "resume", cmd_resume, "continue or roll back a run whose interpreter died", "TRANSCRIPT",
	  resume_options },
	{ "undo", cmd_undo, "undo a run that ended: the rollbacks of its completed write steps",
	  "TRANSCRIPT", undo_options },
	{ "report", cmd_report, "a drill report from a transcript (--format md|html)", "TRANSCRIPT",
	  report_options },
	{ "docs", cmd_docs, "render runbooks as Markdown pages for a wiki (FILE, DIR or -)",
	  "FILE|DIR|-", docs_options },
	{ "eval", cmd_eval, "evaluate one expression against contexts given as JSON", "EXPR",
	  eval_options },
	{ "explain", cmd_explain, "explain a diagnostic rule: why, and a runbook it reports", "[RULE]",
	  explain_options },
	{ "import", cmd_import, "turn a Markdown runbook into a runbook skeleton to review",
	  "FILE.md", import_options },
	{ "schema", cmd_schema, "print the JSON Schema of runbook and fragment files", "",
	  schema_options },
	{ "reference", cmd_reference, "print the language reference (Markdown) from the tables", "",
	  reference_options },
	{ "completion", cmd_completion, "print the bash or zsh completion script", "bash|zsh",
	  completion_options },
	{ "man", cmd_man, "print the runbook(1) manual page (roff) from the tables", "", man_options },
};

const size_t command_count = sizeof commands / sizeof commands[0];

const command *command_find(const char *name)
{
	for (size_t i = 0; i < command_count; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

const cmd_opt *command_options(const char *name)
{
	const command *c = command_find(name);
	return c ? c->opts : NULL;
}

/* `runbook --help`: the commands and the exit codes, from their tables */
static void usage(FILE *f)
{
	fprintf(f, "usage: runbook <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < command_count; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'runbook <command> --help' (or 'runbook help <command>') shows a command's options.\n"
		   "\nexit codes:\n");
	for (size_t i = 0; i < exit_code_count; i++)
		fprintf(f, "  %-4d %-20s %s\n", exit_codes[i].code, exit_codes[i].name, exit_codes[i].meaning);
}

/* "runbook: unknown command 'chek' (did you mean 'check'?)", the usage: EXIT_USAGE */
static int unknown_command(const char *name)
{
	const char *best = suggest_rows(name, commands, command_count, sizeof commands[0], 0);
	fprintf(stderr, "runbook: unknown command '%s'", name);
	if (best)
		fprintf(stderr, " (did you mean '%s'?)", best);
	fputs("\n", stderr);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		const command *c = NULL;
		if (!strcmp(name, "help") && argc > 2 && !(c = command_find(argv[2])))
			return unknown_command(argv[2]);
		if (c)
			opts_help(stdout, c);
		else
			usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("runbook %s\n", RUNBOOK_VERSION);
		return EXIT_OK;
	}
	const command *c = command_find(name);
	if (c)
		return c->fn(c, argc - 1, argv + 1);
	return unknown_command(name);
}
