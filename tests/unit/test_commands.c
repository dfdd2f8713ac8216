/*
 * test_commands.c - main.c's real command table and every option row of
 * every command, against what is generated from them: the command's
 * --help has one line per row (the option and its help), the manual page
 * (`runbook man`) and the bash and zsh completions (`runbook completion`)
 * name each one in the command's part.  Linked with main.c (its main()
 * renamed), so a command or an option added to the tables is checked
 * here without an edit.
 */
#include "unit.h"
#include "cli/cmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* what fn writes on stdout, malloc'd */
static char *capture(int (*fn)(const command *, int, char **), const command *c, char *arg)
{
	char path[] = "/tmp/test_commands.XXXXXX";
	int fd = mkstemp(path), saved = dup(1);
	unlink(path);
	fflush(stdout);
	dup2(fd, 1);
	char *argv[] = { (char *)c->name, arg, NULL };
	int rc = fn(c, arg ? 2 : 1, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	CHECK(rc == 0);
	off_t n = lseek(fd, 0, SEEK_END);
	char *buf = calloc(1, (size_t)n + 1);
	CHECK(pread(fd, buf, (size_t)n, 0) == n);
	close(fd);
	return buf;
}

/* the line of the options section that begins (after its indent) with
 * text, or NULL: another option's help may mention the option too */
static const char *option_line(const char *opts, const char *text)
{
	for (const char *l = strchr(opts, '\n'); l && *++l; l = strchr(l, '\n')) {
		const char *p = l + strspn(l, " ");
		if (!strncmp(p, text, strlen(text)))
			return p;
	}
	return NULL;
}

static char *help_of(const command *c)
{
	char path[] = "/tmp/test_commands.XXXXXX";
	FILE *f = fdopen(mkstemp(path), "w+");
	unlink(path);
	opts_help(f, c);
	long n = ftell(f);
	char *buf = calloc(1, (size_t)n + 1);
	rewind(f);
	CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n);
	fclose(f);
	return buf;
}

/* the part of text from the first `start` to the next `end` (or its end), malloc'd */
static char *part(const char *text, const char *start, const char *end)
{
	const char *a = strstr(text, start);
	if (!a)
		return calloc(1, 1);
	const char *b = strstr(a + strlen(start), end);
	size_t n = b ? (size_t)(b - a) : strlen(a);
	char *s = calloc(1, n + 1);
	memcpy(s, a, n);
	return s;
}

/* "--name" as roff writes it: \-\-na\-me */
static void roff_name(char *buf, size_t cap, const char *name)
{
	size_t n = (size_t)snprintf(buf, cap, "\\fB\\-\\-");
	for (; *name && n + 3 < cap; name++)
		n += (size_t)snprintf(buf + n, cap - n, *name == '-' ? "\\-" : "%c", *name);
}

int main(void)
{
	const command *man = command_find("man"), *comp = command_find("completion");
	CHECK(man && comp && command_count >= 12);
	if (!man || !comp)
		return unit_done("commands");
	char *page = capture(cmd_man, man, NULL);
	char *bash = capture(cmd_completion, comp, "bash");
	char *zsh = capture(cmd_completion, comp, "zsh");
	size_t rows = 0;
	for (size_t i = 0; i < command_count; i++) {
		const command *c = &commands[i];
		char key[128], buf[256];
		CHECK(command_find(c->name) == c && c->summary && *c->summary && c->args);
		char *help = help_of(c);
		snprintf(key, sizeof key, ".SS \"runbook %s", c->name);
		char *msec = part(page, key, ".SS ");
		snprintf(key, sizeof key, "_runbook_%s() {", c->name);
		char *bsec = part(bash, key, "\n}\n");
		snprintf(key, sizeof key, "\n\t%s)\n", c->name);
		char *zsec = part(zsh, key, ";;\n");
		CHECK(*msec && *bsec && *zsec && strstr(help, c->summary));
		const cmd_opt *o;
		for (size_t k = 0; (o = opt_row(c, k)); k++, rows++) {
			/* --help: "  -q, --quiet   help" on one line */
			const char *opts = strstr(help, "\noptions:\n");
			const char *at = opts ? option_line(opts, opt_text(o, buf, sizeof buf)) : NULL;
			const char *eol = at ? strchr(at, '\n') : NULL;
			const char *h = at ? strstr(at, o->help) : NULL;
			CHECK(at && h && eol && h < eol);
			if (!(at && h && eol && h < eol))
				fprintf(stderr, "  %s --%s: not in its --help\n", c->name, o->name);
			roff_name(buf, sizeof buf, o->name);
			CHECK(strstr(msec, buf) != NULL);
			snprintf(buf, sizeof buf, "--%s", o->name);
			CHECK(strstr(bsec, buf) != NULL);
			CHECK(strstr(zsec, buf) != NULL);
			if (!strstr(bsec, buf) || !strstr(zsec, buf))
				fprintf(stderr, "  %s --%s: not in the page or a completion\n", c->name, o->name);
		}
		free(help);
		free(msec);
		free(bsec);
		free(zsec);
	}
	CHECK(rows > 60);
	free(page);
	free(bash);
	free(zsh);
	return unit_done("commands");
}
