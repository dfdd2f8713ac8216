/*
 * shword.h - shell command lines as `runbook import` reads them: POSIX
 * quoting ('', "", backslash) into argv words, whether a line is a simple
 * command an `exec` step can run without a shell, the variables and
 * placeholders it uses (which become inputs), and whether a command is a
 * known read (the table of reads: kubectl get, systemctl status, curl
 * without data, psql -c SELECT...).
 */
#ifndef RB_SHWORD_H
#define RB_SHWORD_H

#include "base/arena.h"

#include <stddef.h>

/* a variable ($NS, ${NS:-dev}), a placeholder (<pod>) or an input
 * reference (${{ inputs.x }}) in a command */
typedef struct sh_ref {
	const char *name;       /* the input's name: lower case, snake_case */
	const char *spell;      /* as written */
	const char *def;        /* the default the text gives (${X:-d}), or NULL */
	size_t off;             /* byte offset in the text */
	int env;                /* a shell variable: a shell step gets it through env */
} sh_ref;

typedef struct sh_refs {
	sh_ref *v;
	size_t n, cap;
} sh_refs;

typedef struct sh_cmd {
	char **argv;            /* the words, as ${{ }} templates (arena) */
	char **raw;             /* the same, variables as written (for sh_read) */
	size_t argc;
	sh_refs refs;
	const char *why;        /* NULL for a simple command, else why it is not */
	const char *comment;    /* the text of a trailing `# comment`, or NULL */
} sh_cmd;

/*
 * Split one command line (continuations already joined) into c.  Returns
 * 1 when it is a simple command: words only (no pipe, redirection, list,
 * substitution, glob, here-document, assignment or shell builtin), 0 with
 * c->why otherwise.
 */
int sh_split(arena *a, const char *s, size_t n, sh_cmd *c);

/* "kubectl get" when words[0..n) is a known read, else NULL */
const char *sh_read(arena *a, char *const *words, size_t n);

/*
 * A shell text as a `shell:` step's template: placeholders become ${{
 * inputs.x }}, any other ${{ is escaped; the variables that are inputs
 * (not assigned in the text, not special, not the environment's own) are
 * added to refs with env set.  *is_read: every command in it is a known
 * read and it redirects to no file.
 */
char *sh_shell_text(arena *a, const char *s, size_t n, sh_refs *refs, int *is_read);

/* s[0..n) with every "${{" written as "${{ '${{' }}" (a literal in a template) */
void tmpl_escape(sbuf *out, const char *s, size_t n);

/* a placeholder at s[0..n): <name>, its length (0 when there is none) */
size_t sh_placeholder(const char *s, size_t n);
/* the input name of a variable or placeholder name (arena) */
char *sh_input_name(arena *a, const char *s, size_t n);

#endif
