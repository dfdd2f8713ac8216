/*
 * fragment.c - finding a fragment's file, and the inputs of one call.
 *
 * The loading and the static checks of a `use` step are the validator's
 * (validate.c); running the fragment's steps is the executor's (exec.c).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lang/fragment.h"
#include "lang/inputs.h"
#include "lang/render.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_file(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int has_ext(const char *s)
{
	size_t n = strlen(s);
	return (n > 5 && !strcmp(s + n - 5, ".yaml")) || (n > 4 && !strcmp(s + n - 4, ".yml"));
}

/* try base/use with the optional extensions; the first name tried goes to looked */
static char *try_base(const char *base, const char *use, sbuf *looked)
{
	static const char *const exts[] = { ".yaml", ".yml", "" };
	int plain = has_ext(use);
	for (size_t i = plain ? 2 : 0; i < 3; i++) {
		char *p = base && strcmp(base, ".") ? xasprintf("%s/%s%s", base, use, exts[i])
			: xasprintf("%s%s", use, exts[i]);
		if (is_file(p))
			return p;
		if (i == (plain ? 2u : 0u))
			sbuf_addf(looked, "%s%s", looked->len ? ", " : "", p);
		free(p);
	}
	return NULL;
}

/* the directory of the running binary, malloc'd, or NULL */
static char *exe_dir(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0)
		return NULL;
	buf[n] = 0;
	char *slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	return xstrdup(buf[0] ? buf : "/");
}

static const char *stdlib_option;       /* --stdlib DIR */

void fragment_set_stdlib(const char *dir)
{
	stdlib_option = dir;
}

const char *fragment_stdlib(void)
{
	return stdlib_option;
}

static int is_dir(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * The stdlib directory (malloc'd): --stdlib, else $RUNBOOK_STDLIB, else
 * the first directory of the binary's ../share/runbook/stdlib (installed),
 * ../stdlib and ../../stdlib (build/runbook, build/asan/runbook in a
 * checkout); when none exists, the installed one, so the "looked in" of
 * an error names it.  NULL when not even the binary's path is known.
 */
static char *stdlib_dir(void)
{
	const char *env = getenv("RUNBOOK_STDLIB");
	if (stdlib_option)
		return xstrdup(stdlib_option);
	if (env && *env)
		return xstrdup(env);
	static const char *const rel[] = { "../share/runbook/stdlib", "../stdlib", "../../stdlib" };
	char *ed = exe_dir(), *dir = NULL;
	for (size_t i = 0; ed && !dir && i < sizeof rel / sizeof rel[0]; i++) {
		char *p = xasprintf("%s/%s", ed, rel[i]);
		char *real = realpath(p, NULL);
		if (real && is_dir(real))
			dir = real;
		else
			free(real);
		free(p);
	}
	if (ed && !dir)
		dir = xasprintf("%s/%s", ed, rel[0]);
	free(ed);
	return dir;
}

/*
 * Look for `use` from the file from_file, in the order of fragment.h.
 * Returns the malloc'd path of the first regular file found, or NULL with
 * *looked (malloc'd) naming every place tried.
 */
char *fragment_find(const char *use, const char *from_file, char **looked)
{
	sbuf tried = { 0 };
	char *found = NULL;
	*looked = NULL;
	if (use[0] == '/') {
		found = try_base(NULL, use, &tried);
		goto out;
	}
	/* 1. next to the using file */
	{
		const char *slash = strrchr(from_file, '/');
		char *dir = slash ? xstrndup(from_file, (size_t)(slash - from_file)) : xstrdup(".");
		if (!*dir) {
			free(dir);
			dir = xstrdup("/");
		}
		found = try_base(dir, use, &tried);
		free(dir);
		/* "./x" and "../x" name a file next to the using one, nowhere else */
		if (found || !strncmp(use, "./", 2) || !strncmp(use, "../", 3))
			goto out;
	}
	/* 2. $RUNBOOK_PATH */
	const char *rp = getenv("RUNBOOK_PATH");
	for (const char *p = rp; p && *p;) {
		size_t n = strcspn(p, ":");
		if (n) {
			char *dir = xstrndup(p, n);
			found = try_base(dir, use, &tried);
			free(dir);
			if (found)
				goto out;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	/* 3. stdlib/X: the stdlib directory, and only it */
	if (!strncmp(use, "stdlib/", 7)) {
		char *sd = stdlib_dir();
		if (sd)
			found = try_base(sd, use + 7, &tried);
		free(sd);
		goto out;
	}
	/* 4. anything else beside the binary: build/runbook's and
	 * build/asan/runbook's checkout */
	char *ed = exe_dir();
	for (int up = 1; ed && up <= 2 && !found; up++) {
		char *base = xasprintf(up == 1 ? "%s/.." : "%s/../..", ed);
		char *real = realpath(base, NULL);
		found = try_base(real ? real : base, use, &tried);
		free(real);
		free(base);
	}
	free(ed);
out:
	if (found)
		sbuf_release(&tried);
	else
		*looked = sbuf_detach(&tried);
	return found;
}

/* ---- the inputs of one call ---- */

/*
 * The inputs of one call of fr: each declared input from `with` (already
 * rendered in the caller's context), else its default (which may only use
 * env), converted and checked.  Secret values join the redactor before
 * anything can print them.  Returns a new object or NULL with *err.
 */
value *fragment_inputs(const runbook *fr, const value *with, redactor *red, char **err)
{
	value *out = v_obj();
	for (size_t i = 0; i < fr->ninputs; i++) {
		const input_def *in = &fr->inputs[i];
		value *raw = with ? v_obj_get(with, in->name) : NULL;
		raw = raw ? v_retain(raw) : NULL;
		if (!raw && in->def) {
			value *dctx = v_obj();
			v_obj_set_take(dctx, "env", env_object());
			raw = render_node(in->def, dctx, err);
			v_release(dctx);
			if (!raw)
				goto fail;
		}
		if (!raw) {
			if (in->required) {
				*err = xasprintf("input '%s' of fragment '%s' is required", in->name, fr->id);
				goto fail;
			}
			v_obj_set_take(out, in->name, v_null());
			continue;
		}
		char *cerr = NULL;
		value *v = input_coerce(in, raw, &cerr);
		if (!v) {
			/* the message names the input, never its (maybe secret) value */
			*err = xasprintf("fragment '%s': %s", fr->id, cerr);
			free(cerr);
			v_release(raw);
			goto fail;
		}
		v_release(raw);
		if (in->type == IT_SECRET)
			redact_add(red, v_as_str(v), v_str_len(v));
		char *perr = NULL;
		if (!input_check(in, v, &perr)) {
			*err = xasprintf("fragment '%s': %s", fr->id, perr);
			free(perr);
			v_release(v);
			goto fail;
		}
		v_obj_set_take(out, in->name, v);
	}
	return out;
fail:
	v_release(out);
	return NULL;
}
