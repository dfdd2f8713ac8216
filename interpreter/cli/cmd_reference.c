/*
 * cmd_reference.c - `runbook reference`: the language and CLI reference as
 * Markdown, generated from the tables the interpreter itself reads (the
 * validator's key tables, the primitive and connection tables, the
 * expression functions, the transcript events...), so that the document cannot drift from the
 * code.  `make docs` writes it to docs/reference.md, and a test keeps that
 * file equal to this output.
 *
 * One function per section; each reads one table.
 */
#include "cli/cmd.h"
#include "lang/expr.h"
#include "lang/lint.h"
#include "lang/match.h"
#include "lang/prim.h"
#include "lang/rules.h"
#include "lang/runbook.h"
#include "record/events.h"
#include "run/exec.h"
#include "run/exitcode.h"

#include <string.h>

const cmd_opt reference_options[] = {
	OPT_END
};

/* a Markdown table cell: | and newlines would break the row */
static void cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void keys_table(FILE *f, const rb_keytable *t)
{
	fputs("| key | meaning |\n|---|---|\n", f);
	for (size_t i = 0; t->names[i]; i++) {
		fprintf(f, "| `%s` | ", t->names[i]);
		cell(f, t->docs[i]);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void list_inline(FILE *f, const char *const *v)
{
	for (size_t i = 0; v[i]; i++)
		fprintf(f, "%s`%s`", i ? ", " : "", v[i]);
}

static void sec_file(FILE *f)
{
	fputs("## The file\n\nA runbook is one YAML document. Its top-level keys:\n\n", f);
	keys_table(f, &rb_keys.top);
	fputs("A fragment (a file for `use:`) has `fragment:` instead of `runbook:`, and these keys:\n\n", f);
	keys_table(f, &rb_keys.fragment_top);
	fputs("### Inputs\n\nEach input under `inputs:` is a mapping:\n\n", f);
	keys_table(f, &rb_keys.input);
	fputs("Types: ", f);
	list_inline(f, rb_keys.input_types);
	fputs(".\n\n### defaults\n\n", f);
	keys_table(f, &rb_keys.defaults);
	fputs("### objectives\n\nJudged by `runbook verify`:\n\n", f);
	keys_table(f, &rb_keys.objectives);
	fputs("### drill\n\n", f);
	keys_table(f, &rb_keys.drill);
	fputs("`drill.guard`:\n\n", f);
	keys_table(f, &rb_keys.guard);
	fputs("A continuous probe's `during` is one of ", f);
	list_inline(f, rb_keys.during);
	fputs(".\n\n", f);
	fputs("`rollback:` (the runbook's policy) is one of ", f);
	list_inline(f, rb_keys.policies);
	fputs(".\n\n", f);
}

/* where a step key is not allowed, from its row's flags: "" when nowhere */
static void step_key_limits(FILE *f, const step_key *r)
{
	static const struct { int flag; const char *where; } places[] = {
		{ SKF_PROBE, "a `check` probe" }, { SKF_ROLLBACK, "a rollback step" },
		{ SKF_USE, "a `use` step" }, { SKF_WATCH, "a guard or continuous probe" },
	};
	int n = 0;
	if (r->flags & SKF_PROBE_ONLY) {
		fputs("any step but a continuous probe", f);
		return;
	}
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
		if (!(r->flags & places[i].flag))
			fprintf(f, "%s%s", n++ ? ", " : "", places[i].where);
}

/* the step key table (step_key_table, validate.c): the keys of every
 * step, then those a primitive adds */
static void sec_steps(FILE *f)
{
	fputs("## Steps\n\nA step has exactly one action key (a primitive, below) and any of:\n\n"
	      "| key | meaning | not allowed in |\n|---|---|---|\n", f);
	for (size_t i = 0; i < step_key_count; i++) {
		const step_key *r = &step_key_table[i];
		if (r->flags & SKF_ROW)
			continue;
		fprintf(f, "| `%s` | ", r->name);
		cell(f, r->doc);
		fputs(" | ", f);
		step_key_limits(f, r);
		fputs(" |\n", f);
	}
	fputs("\nKeys a primitive adds, on the steps of the primitives that list them:\n\n"
	      "| key | meaning | primitives |\n|---|---|---|\n", f);
	for (size_t i = 0; i < step_key_count; i++) {
		const step_key *r = &step_key_table[i];
		if (!(r->flags & SKF_ROW))
			continue;
		fprintf(f, "| `%s` | ", r->name);
		cell(f, r->doc);
		fputs(" | ", f);
		for (size_t j = 0, n = 0; j < prim_count; j++)
			for (size_t k = 0; prim_table[j].step_keys[k]; k++)
				if (!strcmp(prim_table[j].step_keys[k], r->name))
					fprintf(f, "%s`%s`", n++ ? ", " : "", prim_table[j].name);
		fputs(" |\n", f);
	}
	fputs("\n`effect` is one of ", f);
	list_inline(f, rb_keys.effects);
	fputs("; `on-failure` one of ", f);
	list_inline(f, rb_keys.on_failure);
	fputs("; `dry-run` one of ", f);
	list_inline(f, rb_keys.dry_run);
	fputs(".\n\n### retry\n\n", f);
	keys_table(f, &rb_keys.retry);
	fputs("### until\n\n", f);
	keys_table(f, &rb_keys.until);
	fputs("### fields\n\nEach field of a `manual` step (`fields:`) is a mapping (or null: a "
	      "string):\n\n", f);
	keys_table(f, &rb_keys.field);
}

static const char *types_text(int t, char *buf, size_t cap)
{
	static const struct { int bit; const char *name; } names[] = {
		{ P_STR, "string" }, { P_NUM, "number" }, { P_BOOL, "bool" },
		{ P_LIST, "list" }, { P_MAP, "mapping" }, { P_DUR, "duration" },
	};
	size_t n = 0;
	buf[0] = 0;
	if ((t & P_ANY) == P_ANY) {
		snprintf(buf, cap, "any");
		return buf;
	}
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (t & names[i].bit)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " or " : "", names[i].name);
	return buf;
}

static void sec_primitives(FILE *f)
{
	char buf[96];
	fputs("## Primitives\n\nThe action of a step: one of these keys.\n\n", f);
	for (size_t i = 0; i < prim_count; i++) {
		const prim_def *p = &prim_table[i];
		fprintf(f, "### `%s`\n\n", p->name);
		cell(f, p->summary);
		fprintf(f, "\n\nForm: %s. Default effect: %s%s.\n\n", types_text(p->forms, buf, sizeof buf),
			p->default_effect == EFFECT_WRITE ? "write" : "read",
			p->effect_of ? " (it depends on the action)" : "");
		const prim_expect *dx = &p->default_expect;
		if (dx->field && dx->lo == dx->hi)
			fprintf(f, "Unless `expect` names `%s`, it expects `%s` %g.\n\n", dx->field,
				dx->field, dx->lo);
		else if (dx->field)
			fprintf(f, "Unless `expect` names `%s`, it expects `%s` from %g to %g.\n\n",
				dx->field, dx->field, dx->lo, dx->hi);
		if (p->params && p->params[0].name) {
			fputs("| parameter | type | required | meaning |\n|---|---|---|---|\n", f);
			for (const prim_param *q = p->params; q->name; q++) {
				fprintf(f, "| `%s` | %s | %s | ", q->name, types_text(q->types, buf, sizeof buf),
					q->required ? "yes" : "");
				cell(f, q->doc);
				fputs(" |\n", f);
			}
			fputc('\n', f);
		}
		if (p->step_keys && p->step_keys[0]) {
			fputs("Step keys it adds: ", f);
			list_inline(f, p->step_keys);
			fputs(".\n\n", f);
		}
		if (p->result_fields && p->result_fields[0]) {
			fputs("Result fields: ", f);
			list_inline(f, p->result_fields);
			fputs(".\n\n", f);
		}
		if (p->terminal_field)
			fprintf(f, "Its `%s` is printed on the terminal under the step's line.\n\n",
				p->terminal_field);
		if (p->dry_run_skip)
			fprintf(f, "In a dry run it is recorded as would-run (%s) unless the step says "
				"`dry-run: run`.\n\n", p->dry_run_skip);
	}
	fputs("### Connections\n\nNamed under `connections:`, each with one kind:\n\n", f);
	for (size_t i = 0; i < conn_kind_count; i++)
		fprintf(f, "- `%s` (%s)\n", conn_kinds[i].name, types_text(conn_kinds[i].spec_types, buf, sizeof buf));
	fputc('\n', f);
}

/* the matcher table (lang/match.h): a row each, with its operand */
static void sec_matchers(FILE *f)
{
	fputs("## Matchers\n\n`expect` maps result fields (or paths into them, `rows[0].status`) to a\n"
	      "literal or to a matcher object `{ op: operand }`, whose matchers must all hold:\n\n"
	      "| matcher | operand | holds when the actual value is |\n|---|---|---|\n", f);
	for (size_t i = 0; i < matcher_count; i++) {
		const matcher *m = &matcher_table[i];
		fprintf(f, "| `%s` | %s | ", m->name, match_operand_name(m->operand));
		cell(f, m->doc);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void sec_expressions(FILE *f)
{
	size_t min, max;
	const char *fdoc, *name;
	fputs("## Expressions\n\n`${{ expr }}` inside any string. Contexts: ", f);
	list_inline(f, rb_keys.contexts);
	fputs(". The language is GitHub Actions' expressions, with GitHub's semantics "
	      "where the two share something, and the extensions marked below "
	      "(README.md, Expressions, states the rules; `runbook eval` tries an "
	      "expression). Function names ignore case.\n\n"
	      "| function | arguments | meaning |\n|---|---|---|\n", f);
	for (size_t i = 0; (name = expr_function(i, &min, &max, &fdoc)); i++) {
		if (max == (size_t)-1)
			fprintf(f, "| `%s` | %zu or more | ", name, min);
		else if (min == max)
			fprintf(f, "| `%s` | %zu | ", name, min);
		else
			fprintf(f, "| `%s` | %zu to %zu | ", name, min, max);
		cell(f, fdoc);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void list_inline_or_none(FILE *f, const char *const *v)
{
	if (v[0])
		list_inline(f, v);
	else
		fputs("-", f);
}

static void sec_events(FILE *f)
{
	fputs("## Transcript events\n\n"
	      "A transcript is JSON Lines, one event per line. Every event carries `seq`, `ts`,\n"
	      "`mono`, `event`, `run`, `prev` and `hash`; `run.start` and `run.resume` add `boot`\n"
	      "and, when signing, `signed_by`. Below, each event with the fields it always\n"
	      "carries (others as its meaning says) and the fields that are never masked:\n"
	      "strings the run produced are masked where they hold a secret, never the\n"
	      "record's own structure -- the keys, the event name, `step` and `phase`, the\n"
	      "numbers and booleans at the top of an event, and the fields of the last column.\n"
	      "`runbook verify` fails an event that lacks a required field.\n\n"
	      "| event | meaning | required fields | never masked |\n|---|---|---|---|\n", f);
	for (int i = 0; i < EV_COUNT; i++) {
		const event_def *d = &event_table[i];
		fprintf(f, "| `%s` | ", d->name);
		cell(f, d->doc);
		fputs(" | ", f);
		list_inline_or_none(f, d->required);
		fputs(" | ", f);
		list_inline_or_none(f, d->structural);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

/* the rules of diagnostics (rules.h): each explained in docs/rules.md */
static void sec_lint(FILE *f)
{
	fputs("## Diagnostic rules\n\nEvery diagnostic of `runbook check` carries a rule; the lint "
	      "rules (`lint-*`) are advice on a valid runbook. docs/rules.md explains each, with a "
	      "runbook it reports (`runbook explain RULE`):\n\n"
	      "| rule | severity | summary |\n|---|---|---|\n", f);
	for (size_t i = 0; i < rule_count(); i++) {
		diag_rule r = rule_at(i);
		fprintf(f, "| [`%s`](rules.md#%s) | %s | ", r.id, r.id, lint_severity_name(r.severity));
		cell(f, r.summary);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

/*
 * The commands, from main.c's command table: each one's usage, summary
 * and options, from the rows its parser and its --help read.
 */
static void sec_commands(FILE *f)
{
	char buf[160];
	const cmd_opt *o;
	fputs("## Commands\n\n`runbook <command> [options]`. The options of every command follow one\n"
	      "syntax: `--name VALUE` or `--name=VALUE`, `-o VALUE` for a short name, `--name`\n"
	      "for a flag; no abbreviations. Anything else that starts with `-` is an unknown\n"
	      "option (a usage error); the rest are the command's arguments, wherever they\n"
	      "stand. `runbook help CMD` is `runbook CMD --help`.\n\n", f);
	for (size_t i = 0; i < command_count; i++) {
		const command *c = &commands[i];
		fprintf(f, "### `runbook %s%s%s`\n\n", c->name, *c->args ? " " : "", c->args);
		cell(f, c->summary);
		fputs(".\n\n| option | meaning |\n|---|---|\n", f);
		for (size_t k = 0; (o = opt_row(c, k)); k++) {
			fputs("| `", f);
			cell(f, opt_text(o, buf, sizeof buf));
			fputs("` | ", f);
			cell(f, o->help);
			fputs(o->kind == OPT_KIND_LIST ? " (repeatable) |\n" : " |\n", f);
		}
		fputc('\n', f);
	}
}

/* the exit codes, from their table (run/exitcode.h) */
static void sec_exit_codes(FILE *f)
{
	fputs("## Exit codes\n\n| code | name | meaning |\n|---|---|---|\n", f);
	for (size_t i = 0; i < exit_code_count; i++) {
		fprintf(f, "| %d | `%s` | ", exit_codes[i].code, exit_codes[i].name);
		cell(f, exit_codes[i].meaning);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

int cmd_reference(const command *self, int argc, char **argv)
{
	opt_parser p;
	int id;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_EXIT)
			return p.rc;
		return usage_error(self, "unknown argument '%s'", p.val);
	}
	FILE *f = stdout;
	fputs("<!-- generated by `runbook reference` (make docs): edit the tables in interpreter/, not this file -->\n"
	      "# The runbook language: reference\n\n"
	      "Every key, primitive, matcher, function, lint rule and transcript event\n"
	      "the interpreter knows, as it knows them, and its commands and exit codes.\n"
	      "The guide to how they behave is README.md.\n\n", f);
	sec_file(f);
	sec_steps(f);
	sec_primitives(f);
	sec_matchers(f);
	sec_expressions(f);
	sec_lint(f);
	sec_events(f);
	sec_commands(f);
	sec_exit_codes(f);
	return EXIT_OK;
}
