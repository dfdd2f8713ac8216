/*
 * prim_exec.c - the `exec` and `shell` primitives.
 *
 * `exec: [argv...]` runs a program with execve and no shell; `shell: TEXT`
 * is the explicit opt-in to /bin/sh -c TEXT.  Both take the step keys
 * env (name -> scalar, added to the interpreter's environment; the only
 * way a secret reaches a child), cwd and stdin, and run through proc_run:
 * own process group, bounded capture, timeout and cancellation that
 * leave no process behind.
 *
 * Result: exit, stdout, stderr (redacted before they are stored),
 * duration, stdout_truncated, stderr_truncated, timed_out.  A non-zero
 * exit is a result, not an error (`expect` judges it); a spawn failure, a
 * timeout and an interruption are errors (a timeout still has a result).
 */
#include "lang/expr.h"
#include "lang/prim.h"
#include "base/proc.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CAPTURE     ((size_t)1 << 20)       /* per stream, kept in the result */
/*
 * Captured beyond MAX_CAPTURE (at least; more when a secret's longest
 * form is longer) so that the cut at MAX_CAPTURE can be moved before any
 * secret it would split, then the kept part is redacted: no prefix of a
 * secret survives a cut.
 */
#define CAPTURE_SLACK   ((size_t)64 << 10)

static int env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* a string with no NUL byte inside (argv, env, cwd are C strings) */
static int has_nul(const value *v)
{
	return v_type(v) == V_STR && strlen(v_as_str(v)) != v_str_len(v);
}

/* "NAME=value" strings from the env object; NULL with *err */
static char **env_list(const value *env, char **err)
{
	if (v_type(env) != V_OBJ) {
		*err = xasprintf("env must be a mapping of names to values, not a %s",
				 v_type_name(env));
		return NULL;
	}
	size_t n = v_len(env);
	char **set = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *k = v_obj_key(env, i);
		value *v = v_obj_val(env, i);
		vtype t = v_type(v);
		if (!env_name_ok(k))
			*err = xasprintf("invalid environment variable name '%s'", k);
		else if (t == V_NULL || t == V_LIST || t == V_OBJ)
			*err = xasprintf("env '%s' must be a scalar, not a %s", k, v_type_name(v));
		else if (has_nul(v))
			*err = xasprintf("env '%s' contains a NUL byte", k);
		if (*err) {
			argv_free(set);
			return NULL;
		}
		char *text = v_to_text(v);
		set[i] = xasprintf("%s=%s", k, text);
		free(text);
	}
	return set;
}

/* Was argument i rendered from a template (not written literally)? */
static int templated_arg(const prim_call *c, size_t i)
{
	const node *a = c->st ? c->st->action : NULL;
	const node *n = NULL;
	if (!a)
		return 1;
	if (a->kind == N_SEQ)
		n = i < a->n ? a->vals[i] : NULL;
	else if (a->kind == N_SCALAR)
		n = i == 2 ? a : NULL;  /* shell: /bin/sh -c TEXT */
	if (!n)
		return a->kind != N_SCALAR;
	return n->kind != N_SCALAR || (n->cache && !tmpl_is_literal(n->cache));
}

/* Was argument i computed from a secret? */
static int arg_tainted(const prim_call *c, size_t i)
{
	if (c->args && v_type(c->args) == V_LIST)
		return v_is_secret(v_list_get(c->args, i));
	return c->args && v_is_secret(c->args);
}

/*
 * One captured stream as result fields: all of it when it fits in
 * MAX_CAPTURE once redacted, else cut at MAX_CAPTURE where no secret is
 * split, then redacted; `<name>_truncated`, and when the bytes
 * are not UTF-8, `<name>_base64` holding them exactly (the text field is
 * made valid UTF-8 in the transcript).
 */
static void add_stream(const prim_call *c, value *r, const char *name, const char *s,
		       size_t len, int cut_by_proc)
{
	size_t n, keep = len;
	char *p = NULL;
	if (!cut_by_proc) {
		/* all of it, when it fits once redacted */
		p = redact_str(c->red, s, len, &n);
		if (n > MAX_CAPTURE) {
			free(p);
			p = NULL;
		}
	}
	if (!p) {
		keep = redact_safe_cut(c->red, s, len, MAX_CAPTURE);
		p = redact_str(c->red, s, keep, &n);
	}
	char key[32];
	int valid = utf8_valid(p, n);
	char *b = valid ? NULL : b64_encode((const unsigned char *)p, n);
	v_obj_set_take(r, name, v_str_take(p, n));
	snprintf(key, sizeof key, "%s_truncated", name);
	v_obj_set_take(r, key, v_bool(cut_by_proc || keep < len));
	if (b) {
		snprintf(key, sizeof key, "%s_base64", name);
		v_obj_set_take(r, key, v_str_take(b, strlen(b)));
	}
}

/*
 * Run argv (the caller's, freed here) with the step's env/cwd/stdin and
 * fill c->result.  Returns 0, or -1 with c->error.
 */
static int run_argv(prim_call *c, char **argv)
{
	const value *x = c->extra && v_type(c->extra) == V_OBJ ? c->extra : NULL;
	value *env = x ? v_obj_get(x, "env") : NULL;
	value *cwd = x ? v_obj_get(x, "cwd") : NULL;
	value *in = x ? v_obj_get(x, "stdin") : NULL;
	char **env_set = NULL, *stdin_text = NULL;
	char *err = NULL;
	int rc = -1;

	/*
	 * The validator keeps secret inputs out of argv; this is the last
	 * line: a secret that arrived some other way (a step's output, a
	 * query result, a fragment input) never reaches a process list.
	 * What the runbook wrote literally cannot carry one (a secret that
	 * is a common word is not refused for appearing in a literal).
	 */
	for (size_t i = 0; argv[i]; i++)
		if (templated_arg(c, i) && (arg_tainted(c, i) ||
					    redact_contains(c->red, argv[i], strlen(argv[i])))) {
			err = xasprintf("argument %zu holds a secret, which would be visible in the "
					"process list; pass it through env: or stdin:", i + 1);
			goto out;
		}
	if (env && v_type(env) != V_NULL && !(env_set = env_list(env, &err)))
		goto out;
	if (cwd && v_type(cwd) == V_NULL)
		cwd = NULL;
	if (cwd && v_type(cwd) != V_STR)
		err = xasprintf("cwd must be a string, not a %s", v_type_name(cwd));
	else if (cwd && !v_str_len(cwd))
		err = xstrdup("cwd is empty");
	else if (cwd && has_nul(cwd))
		err = xstrdup("cwd contains a NUL byte");
	if (err)
		goto out;
	if (in && v_type(in) == V_NULL)
		in = NULL;
	size_t in_len = 0;
	if (in && v_type(in) == V_STR) {
		stdin_text = xstrndup(v_as_str(in), v_str_len(in));
		in_len = v_str_len(in);
	} else if (in) {
		stdin_text = v_to_text(in);     /* numbers as text, lists as JSON */
		in_len = strlen(stdin_text);
	}

	proc_spec sp = {
		.argv = argv,
		.env_set = env_set,
		.cwd = cwd ? v_as_str(cwd) : NULL,
		.stdin_data = stdin_text,
		.stdin_len = in_len,
		.timeout_ms = c->timeout_ms,
		.max_capture = MAX_CAPTURE + (redact_max_form_len(c->red) > CAPTURE_SLACK
					      ? redact_max_form_len(c->red) : CAPTURE_SLACK),
		.cancel = c->cancel,
		.on_spawn = c->on_spawn,
		.ud = c->spawn_ud,
	};
	proc_result res;
	if (proc_run(&sp, &res) < 0) {
		err = xstrdup(res.err);
		proc_result_release(&res);
		goto out;
	}

	value *r = v_obj();
	v_obj_set_take(r, "exit", v_num(res.exit_code));
	add_stream(c, r, "stdout", res.out, res.out_len, res.out_truncated);
	add_stream(c, r, "stderr", res.err, res.err_len, res.err_truncated);
	v_obj_set_take(r, "duration", v_dur(res.duration_ms));
	v_obj_set_take(r, "timed_out", v_bool(res.timed_out));
	c->result = r;
	rc = 0;
	if (res.timed_out) {
		char buf[32];
		err = xasprintf("timed out after %s", dur_format(c->timeout_ms, buf, sizeof(buf)));
		rc = -1;
	} else if (res.cancelled) {
		err = xstrdup("interrupted");
		rc = -1;
	}
	proc_result_release(&res);
out:
	if (err) {
		c->error = err;
		rc = -1;
	}
	free(stdin_text);
	argv_free(env_set);
	argv_free(argv);
	return rc;
}

/*
 * exec: c->args is the argv list (scalars; numbers and booleans as their
 * text).  Returns 0 when the program ran whatever its exit code, -1 with
 * c->error when the argv is unusable, it could not be started, it timed
 * out (c->result still set) or the run was interrupted.
 */
int prim_exec_run(prim_call *c)
{
	char *err = NULL;
	if (c->args && v_type(c->args) == V_LIST && !v_len(c->args)) {
		c->error = xstrdup("exec needs at least the program to run");
		return -1;
	}
	for (size_t i = 0; c->args && v_type(c->args) == V_LIST && i < v_len(c->args); i++)
		if (has_nul(v_list_get(c->args, i))) {
			c->error = xasprintf("argument %zu contains a NUL byte", i + 1);
			return -1;
		}
	char **argv = argv_from_list(c->args, &err);
	if (!argv) {
		c->error = err;
		return -1;
	}
	return run_argv(c, argv);
}

/*
 * shell: c->args is the script text, run as /bin/sh -c TEXT.  Same
 * results and errors as exec.
 */
int prim_shell_run(prim_call *c)
{
	if (!c->args || v_type(c->args) != V_STR) {
		c->error = xasprintf("shell expects the script as a string, not a %s",
				     c->args ? v_type_name(c->args) : "nothing");
		return -1;
	}
	if (has_nul(c->args)) {
		c->error = xstrdup("the shell script contains a NUL byte");
		return -1;
	}
	char **argv = xcalloc(4, sizeof(char *));
	argv[0] = xstrdup("/bin/sh");
	argv[1] = xstrdup("-c");
	argv[2] = xstrndup(v_as_str(c->args), v_str_len(c->args));
	return run_argv(c, argv);
}
