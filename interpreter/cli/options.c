/*
 * options.c - the one option parser, and the help and usage text it
 * writes from the same rows (see options.h for the syntax).
 */
#include "cli/cmd.h"
#include "lang/fragment.h"
#include "lang/inputs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* every command has it; it is not in their tables */
static const cmd_opt help_row = OPT_FLAG(0, "help", 'h', "show this help");

/* the width help wraps the usage line at */
#define USAGE_WIDTH 100

const cmd_opt *opt_row(const command *c, size_t i)
{
	size_t n = 0;
	while (c->opts && c->opts[n].name)
		n++;
	if (i < n)
		return &c->opts[i];
	return i == n ? &help_row : NULL;
}

int opt_stdlib_dir(const char *dir)
{
	struct stat sb;
	int st = stat(dir, &sb);
	if (st < 0 || !S_ISDIR(sb.st_mode)) {
		fprintf(stderr, "runbook: --stdlib %s: %s\n", dir,
			st < 0 ? strerror(errno) : "not a directory");
		return -1;
	}
	fragment_set_stdlib(dir);
	return 0;
}

void opts_init(opt_parser *p, const command *c, int argc, char **argv)
{
	memset(p, 0, sizeof *p);
	p->cmd = c;
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
}

/*
 * The row that word a names, and where its "=value" starts (NULL when
 * there is none): "--name", "--name=v", "-s", "-s=v".
 */
static const cmd_opt *find_row(const command *c, const char *a, const char **eq)
{
	const cmd_opt *o;
	*eq = NULL;
	for (size_t i = 0; (o = opt_row(c, i)); i++) {
		size_t n;
		const char *rest;
		if (a[1] == '-' && (n = strlen(o->name)) && !strncmp(a + 2, o->name, n))
			rest = a + 2 + n;
		else if (a[1] != '-' && o->short_name && a[1] == o->short_name)
			rest = a + 2;
		else
			continue;
		if (*rest == '=') {
			*eq = rest + 1;
			return o;
		}
		if (!*rest)
			return o;
	}
	return NULL;
}

int opt_word_kind(const char *w, size_t n)
{
	static const struct { const char *word; int kind; } words[] = {
		{ "FILE", ARG_FILE }, { "TRANSCRIPT", ARG_FILE }, { "KEY", ARG_FILE },
		{ "PUB", ARG_FILE }, { "PATH", ARG_PATH }, { "DIR", ARG_DIR },
	};
	while (n && (*w == '[' || *w == '<'))
		w++, n--;
	while (n && (w[n - 1] == ']' || w[n - 1] == '>' || w[n - 1] == '.'))
		n--;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].word) == n && !strncmp(w, words[i].word, n))
			return words[i].kind;
	return ARG_OTHER;
}

int opt_arg_kind(const command *c, int n)
{
	const char *w = c->args ? c->args : "";
	for (;;) {
		w += strspn(w, " ");
		size_t len = strcspn(w, " ");
		if (!len)
			return ARG_OTHER;
		const char *next = w + len + strspn(w + len, " ");
		int last = len > 3 && !strncmp(w + len - 3, "...", 3);
		if (!n-- || (last && !*next))
			return opt_word_kind(w, len);
		if (!*next)
			return ARG_OTHER;
		w = next;
	}
}

/* "no such file or directory": strerror without its capital */
static void print_errno(const command *c, const char *path, int e)
{
	char msg[128];
	snprintf(msg, sizeof msg, "%s", strerror(e));
	if (msg[0] >= 'A' && msg[0] <= 'Z' && msg[1] >= 'a' && msg[1] <= 'z')
		msg[0] = (char)(msg[0] - 'A' + 'a');
	fprintf(stderr, "runbook %s: %s: %s\n", c->name, path, msg);
}

/* a positional file or path argument names something readable; else the
 * reason is printed and p->bad_path set */
static void check_path_arg(opt_parser *p, const char *path)
{
	int kind = opt_arg_kind(p->cmd, p->nargs++);
	struct stat sb;
	if ((kind != ARG_FILE && kind != ARG_PATH) || !strcmp(path, "-"))
		return;
	int e = 0;
	if (stat(path, &sb) < 0)
		e = errno;
	else if (kind == ARG_FILE && S_ISDIR(sb.st_mode))
		e = EISDIR;
	else if (access(path, S_ISDIR(sb.st_mode) ? R_OK | X_OK : R_OK) < 0)
		e = errno;
	if (e) {
		print_errno(p->cmd, path, e);
		p->bad_path = 1;
	}
}

int opts_stop(opt_parser *p, int rc)
{
	p->rc = rc;
	return OPTS_EXIT;
}

int opts_next(opt_parser *p)
{
	for (;;) {
		if (p->i >= p->argc)
			return p->bad_path ? opts_stop(p, EXIT_USAGE) : OPTS_DONE;
		const char *a = p->argv[p->i++], *eq;
		p->opt = NULL;
		p->val = NULL;
		if (a[0] != '-' || !a[1]) {
			p->val = a;
			check_path_arg(p, a);
			return OPTS_ARG;
		}
		const cmd_opt *o = find_row(p->cmd, a, &eq);
		if (!o || (eq && o->kind == OPT_KIND_FLAG))
			return opts_stop(p, usage_error(p->cmd, "unknown option '%s'", a));
		if (o == &help_row) {
			opts_help(stdout, p->cmd);
			return opts_stop(p, EXIT_OK);
		}
		p->opt = o;
		if (o->kind != OPT_KIND_FLAG) {
			if (!eq && p->i >= p->argc) {
				/* the name as it was written: "-o" or "--output" */
				fprintf(stderr, "runbook: option '%s' needs a value\n", a);
				return opts_stop(p, EXIT_USAGE);
			}
			p->val = eq ? eq : p->argv[p->i++];
			if (o->check && o->check(p->val) < 0)
				return opts_stop(p, EXIT_USAGE);
		}
		if (o->id)
			return o->id;
	}
}

int opts_one(opt_parser *p, const char **slot, const char *what)
{
	if (*slot)
		return opts_stop(p, usage_error(p->cmd, "one %s at a time ('%s' and '%s')", what, *slot, p->val));
	*slot = p->val;
	return OPTS_DONE;
}

int opts_plain(const command *c, int argc, char **argv, const char **args, int max, int *rc)
{
	opt_parser p;
	int id, n = 0;
	for (int i = 0; i < max; i++)
		args[i] = NULL;
	opts_init(&p, c, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_ARG && n < max) {
			args[n++] = p.val;
			continue;
		}
		*rc = id == OPTS_EXIT ? p.rc : usage_error(c, "unexpected argument '%s'", p.val);
		return -1;
	}
	return n;
}

const char *opt_text(const cmd_opt *o, char *buf, size_t cap)
{
	int n = o->short_name ? snprintf(buf, cap, "-%c, ", o->short_name) : 0;
	snprintf(buf + n, cap - (size_t)n, "--%s%s%s", o->name, o->metavar ? " " : "",
		 o->metavar ? o->metavar : "");
	return buf;
}

void opts_usage(FILE *f, const command *c)
{
	char lead[64], word[160];
	const cmd_opt *o;
	int col = snprintf(lead, sizeof lead, "runbook %s%s%s", c->name, *c->args ? " " : "", c->args);
	int indent = (int)strlen("usage: runbook ") + (int)strlen(c->name) + 1;
	fprintf(f, "usage: %s", lead);
	col += (int)strlen("usage: ");
	for (size_t i = 0; (o = opt_row(c, i)); i++) {
		if (o == &help_row)
			continue;
		char sh[8] = "";
		if (o->short_name)
			snprintf(sh, sizeof sh, "-%c|", o->short_name);
		int n = snprintf(word, sizeof word, "[%s--%s%s%s]%s", sh, o->name, o->metavar ? " " : "",
				 o->metavar ? o->metavar : "", o->kind == OPT_KIND_LIST ? "..." : "");
		if (col + 1 + n > USAGE_WIDTH) {
			fprintf(f, "\n%*s%s", indent, "", word);
			col = indent + n;
		} else {
			fprintf(f, " %s", word);
			col += 1 + n;
		}
	}
	fputc('\n', f);
}

/* help's column of options: "-q, --quiet", or "    --input k=v" under it */
#define SHORT_COL "    "

void opts_help(FILE *f, const command *c)
{
	char buf[160];
	const cmd_opt *o;
	int w = 0;
	opts_usage(f, c);
	fprintf(f, "\n%s\n\noptions:\n", c->summary);
	for (size_t i = 0; (o = opt_row(c, i)); i++) {
		int n = (int)strlen(opt_text(o, buf, sizeof buf));
		n += o->short_name ? 0 : (int)strlen(SHORT_COL);
		w = n > w ? n : w;
	}
	for (size_t i = 0; (o = opt_row(c, i)); i++) {
		const char *pad = o->short_name ? "" : SHORT_COL;
		fprintf(f, "  %s%-*s  %s%s\n", pad, w - (int)strlen(pad), opt_text(o, buf, sizeof buf),
			o->help, o->kind == OPT_KIND_LIST ? " (repeatable)" : "");
	}
}

/* colour on a terminal unless NO_COLOR is set or --no-color was given */
int want_color(FILE *f, int no_color_flag)
{
	const char *nc = getenv("NO_COLOR");
	if (no_color_flag || (nc && *nc))
		return 0;
	return isatty(fileno(f));
}

int opt_input(const command *c, const char *v, kv *inputs, size_t *n)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v) {
		usage_error(c, "--input needs name=value, got '%s'", v);
		return -1;
	}
	inputs[*n].key = xstrndup(v, (size_t)(eq - v));
	inputs[(*n)++].val = eq + 1;
	return 0;
}

int usage_error(const command *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "runbook %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	opts_usage(stderr, c);
	return EXIT_USAGE;
}
