/*
 * cmd_reference.c - `runbook reference`: the language and CLI reference as
 * Markdown, generated from the tables the interpreter itself reads (the
 * validator's key tables, the primitive and connection tables, the
 * expression functions, ...), so that the document cannot drift from the
 * code.  `make docs` writes it to docs/reference.md, and a test keeps that
 * file equal to this output.
 *
 * One function per section; each reads one table.
 */
#include "cli/cmd.h"
#include "lang/expr.h"
#include "lang/prim.h"
#include "lang/runbook.h"
#include "run/exec.h"

#include <string.h>

static const char *const USAGE = "runbook reference";

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
	fputs("`rollback:` (the runbook's policy) is one of ", f);
	list_inline(f, rb_keys.policies);
	fputs(".\n\n", f);
}

static void sec_steps(FILE *f)
{
	fputs("## Steps\n\nA step has exactly one action key (a primitive, below) and any of:\n\n", f);
	keys_table(f, &rb_keys.step);
	fputs("`effect` is one of ", f);
	list_inline(f, rb_keys.effects);
	fputs("; `on-failure` one of ", f);
	list_inline(f, rb_keys.on_failure);
	fputs(".\n\n### retry\n\n", f);
	keys_table(f, &rb_keys.retry);
	fputs("### until\n\n", f);
	keys_table(f, &rb_keys.until);
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
	}
	fputs("### Connections\n\nNamed under `connections:`, each with one kind:\n\n", f);
	for (size_t i = 0; i < conn_kind_count; i++)
		fprintf(f, "- `%s` (%s)\n", conn_kinds[i].name, types_text(conn_kinds[i].spec_types, buf, sizeof buf));
	fputc('\n', f);
}

static void sec_matchers(FILE *f)
{
	fputs("## Matchers\n\n`expect` maps result fields (or paths into them, `rows[0].status`) to a\n"
	      "literal or to a matcher object:\n\n", f);
	list_inline(f, rb_keys.matchers);
	fputs(".\n\n", f);
}

static void sec_expressions(FILE *f)
{
	size_t min, max;
	const char *fdoc, *name;
	fputs("## Expressions\n\n`${{ expr }}` inside any string. Contexts: ", f);
	list_inline(f, rb_keys.contexts);
	fputs(".\n\n| function | arguments | meaning |\n|---|---|---|\n", f);
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

int cmd_reference(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (opt_flag(argv, i, "--help") || opt_flag(argv, i, "-h")) {
			printf("usage: %s\n", USAGE);
			return 0;
		}
		return usage_error("reference", USAGE, "unknown argument '%s'", argv[i]);
	}
	FILE *f = stdout;
	fputs("<!-- generated by `runbook reference` (make docs): edit the tables in interpreter/, not this file -->\n"
	      "# The runbook language: reference\n\n"
	      "Every key, primitive, matcher and function the interpreter knows, as it\n"
	      "knows them. The guide to how they behave is README.md.\n\n", f);
	sec_file(f);
	sec_steps(f);
	sec_primitives(f);
	sec_matchers(f);
	sec_expressions(f);
	return 0;
}
