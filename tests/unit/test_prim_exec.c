/*
 * test_prim_exec.c - the exec and shell primitives on real processes:
 * argv from a list value, env/cwd/stdin step keys, result fields,
 * redaction of the child's output (also where the capture limit cuts a
 * secret), timeout, interruption and spawn errors.
 */
#include "lang/prim.h"
#include "base/proc.h"
#include "unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static volatile sig_atomic_t no_cancel;
static redactor *red;

static prim_call call(value *args, value *extra)
{
	prim_call c;
	memset(&c, 0, sizeof(c));
	c.args = args;
	c.extra = extra;
	c.cancel = &no_cancel;
	c.red = red;
	c.attempt = 1;
	return c;
}

static void release(prim_call *c, value *args, value *extra)
{
	if (c->result)
		v_release(c->result);
	free(c->error);
	v_release(args);
	if (extra)
		v_release(extra);
}

static const char *field_str(const prim_call *c, const char *k)
{
	value *v = c->result ? v_obj_get(c->result, k) : NULL;
	return v && v_type(v) == V_STR ? v_as_str(v) : NULL;
}

static double field_num(const prim_call *c, const char *k)
{
	value *v = c->result ? v_obj_get(c->result, k) : NULL;
	return v && v_type(v) == V_NUM ? v_as_num(v) : -1;
}

static int field_bool(const prim_call *c, const char *k)
{
	value *v = c->result ? v_obj_get(c->result, k) : NULL;
	return v && v_type(v) == V_BOOL ? v_as_bool(v) : -1;
}

static value *list(const char *const *items)
{
	value *l = v_list();
	for (; *items; items++)
		v_list_push_take(l, v_str(*items));
	return l;
}

static void test_exec_argv(void)
{
	const char *items[] = { "printf", "%s|", "a b", "$(touch x)", "`touch y`",
		"a; touch z", "", "-rf", NULL };
	value *args = list(items);
	v_list_push_take(args, v_num(42));
	v_list_push_take(args, v_bool(1));
	value *extra = v_obj();
	v_obj_set_take(extra, "cwd", v_str(dir));
	prim_call c = call(args, extra);
	CHECK(prim_exec_run(&c) == 0);
	CHECK(c.error == NULL);
	CHECK_STR(field_str(&c, "stdout"), "a b|$(touch x)|`touch y`|a; touch z||-rf|42|true|");
	CHECK_STR(field_str(&c, "stderr"), "");
	CHECK(field_num(&c, "exit") == 0);
	CHECK(field_bool(&c, "stdout_truncated") == 0);
	CHECK(field_bool(&c, "stderr_truncated") == 0);
	CHECK(field_bool(&c, "timed_out") == 0);
	value *d = v_obj_get(c.result, "duration");
	CHECK(d && v_type(d) == V_DUR && v_as_dur(d) >= 0);
	char p[128];
	snprintf(p, sizeof(p), "%s/x", dir);
	CHECK(access(p, F_OK) != 0);
	release(&c, args, extra);
}

static void test_exec_bad_args(void)
{
	value *args = v_list();
	v_list_push_take(args, v_str("echo"));
	v_list_push_take(args, v_obj());
	prim_call c = call(args, NULL);
	CHECK(prim_exec_run(&c) == -1);
	CHECK_STR(c.error, "argument 2 is a object, not a scalar");
	CHECK(c.result == NULL);
	release(&c, args, NULL);

	args = v_list();
	v_list_push_take(args, v_str("echo"));
	v_list_push_take(args, v_strn("a\0b", 3));
	c = call(args, NULL);
	CHECK(prim_exec_run(&c) == -1);
	CHECK_STR(c.error, "argument 2 contains a NUL byte");
	release(&c, args, NULL);

	args = v_list();
	c = call(args, NULL);
	CHECK(prim_exec_run(&c) == -1);
	CHECK_STR(c.error, "exec needs at least the program to run");
	release(&c, args, NULL);

	args = v_str("echo hi");
	c = call(args, NULL);
	CHECK(prim_exec_run(&c) == -1);
	CHECK_STR(c.error, "expected a list of arguments");
	release(&c, args, NULL);

	const char *nf[] = { "kubctl-no-such-program", "get", "pods", NULL };
	args = list(nf);
	c = call(args, NULL);
	CHECK(prim_exec_run(&c) == -1);
	CHECK_STR(c.error, "cannot run 'kubctl-no-such-program': No such file or directory");
	CHECK(c.result == NULL);
	release(&c, args, NULL);
}

static void test_shell(void)
{
	value *args = v_str("echo \"$GREETING\" from $(basename \"$PWD\"); read -r l; echo \"in:$l\"; "
			    "echo oops >&2; exit 3");
	value *extra = v_obj();
	value *env = v_obj();
	v_obj_set_take(env, "GREETING", v_str("hello world"));
	v_obj_set_take(extra, "env", env);
	v_obj_set_take(extra, "cwd", v_str(dir));
	v_obj_set_take(extra, "stdin", v_str("line one\nline two\n"));
	prim_call c = call(args, extra);
	CHECK(prim_shell_run(&c) == 0);        /* a non-zero exit is not an error */
	CHECK(c.error == NULL);
	char want[128];
	snprintf(want, sizeof(want), "hello world from %s\nin:line one\n", strrchr(dir, '/') + 1);
	CHECK_STR(field_str(&c, "stdout"), want);
	CHECK_STR(field_str(&c, "stderr"), "oops\n");
	CHECK(field_num(&c, "exit") == 3);
	release(&c, args, extra);

	args = v_list();
	c = call(args, NULL);
	CHECK(prim_shell_run(&c) == -1);
	CHECK_STR(c.error, "shell expects the script as a string, not a list");
	release(&c, args, NULL);
}

static void test_env_errors(void)
{
	struct { const char *name; value *val; const char *err; } cases[] = {
		{ "A-B", v_str("x"), "invalid environment variable name 'A-B'" },
		{ "1A", v_str("x"), "invalid environment variable name '1A'" },
		{ "", v_str("x"), "invalid environment variable name ''" },
		{ "L", v_list(), "env 'L' must be a scalar, not a list" },
		{ "N", v_strn("a\0b", 3), "env 'N' contains a NUL byte" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		value *args = v_str("true");
		value *extra = v_obj();
		value *env = v_obj();
		v_obj_set_take(env, cases[i].name, cases[i].val);
		v_obj_set_take(extra, "env", env);
		prim_call c = call(args, extra);
		CHECK(prim_shell_run(&c) == -1);
		CHECK_STR(c.error, cases[i].err);
		CHECK(c.result == NULL);
		release(&c, args, extra);
	}

	/* numbers and booleans are passed as text; _X1 is a valid name */
	value *args = v_str("printf '%s,%s' \"$_X1\" \"$on\"");
	value *extra = v_obj();
	value *env = v_obj();
	v_obj_set_take(env, "_X1", v_num(8080));
	v_obj_set_take(env, "on", v_bool(0));
	v_obj_set_take(extra, "env", env);
	prim_call c = call(args, extra);
	CHECK(prim_shell_run(&c) == 0);
	CHECK_STR(field_str(&c, "stdout"), "8080,false");
	release(&c, args, extra);

	args = v_str("true");
	extra = v_obj();
	v_obj_set_take(extra, "cwd", v_str("/nonexistent/dir"));
	c = call(args, extra);
	CHECK(prim_shell_run(&c) == -1);
	CHECK_STR(c.error, "cannot change to directory '/nonexistent/dir': No such file or directory");
	release(&c, args, extra);

	args = v_str("true");
	extra = v_obj();
	v_obj_set_take(extra, "cwd", v_num(1));
	c = call(args, extra);
	CHECK(prim_shell_run(&c) == -1);
	CHECK_STR(c.error, "cwd must be a string, not a number");
	release(&c, args, extra);
}

/* the child's output is redacted before it is stored, encoded forms too */
static void test_redaction(void)
{
	value *args = v_str("echo \"token=$TOKEN\"; printf %s \"$TOKEN\" | base64 >&2");
	value *extra = v_obj();
	value *env = v_obj();
	v_obj_set_take(env, "TOKEN", v_str("s3cr3t-t0ken-value"));
	v_obj_set_take(extra, "env", env);
	prim_call c = call(args, extra);
	CHECK(prim_shell_run(&c) == 0);
	CHECK_STR(field_str(&c, "stdout"), "token=***\n");
	CHECK_STR(field_str(&c, "stderr"), "***\n");
	release(&c, args, extra);

	/* a secret across the 1 MiB capture limit is masked whole */
	args = v_str("head -c 1048570 /dev/zero | tr '\\0' x; printf %s \"$TOKEN\"");
	extra = v_obj();
	env = v_obj();
	v_obj_set_take(env, "TOKEN", v_str("s3cr3t-t0ken-value"));
	v_obj_set_take(extra, "env", env);
	c = call(args, extra);
	CHECK(prim_shell_run(&c) == 0);
	const char *out = field_str(&c, "stdout");
	value *ov = v_obj_get(c.result, "stdout");
	CHECK(out && v_str_len(ov) == 1048573 && strcmp(out + 1048570, "***") == 0);
	CHECK(field_bool(&c, "stdout_truncated") == 0);
	release(&c, args, extra);

	/* 10 MB of secrets: truncated to 1 MiB, and no piece of a cut secret */
	args = v_str("yes \"$TOKEN\" | head -c 10000000");
	extra = v_obj();
	env = v_obj();
	v_obj_set_take(env, "TOKEN", v_str("s3cr3t-t0ken-value"));
	v_obj_set_take(extra, "env", env);
	c = call(args, extra);
	CHECK(prim_shell_run(&c) == 0);
	ov = v_obj_get(c.result, "stdout");
	out = field_str(&c, "stdout");
	CHECK(field_bool(&c, "stdout_truncated") == 1);
	CHECK(out && v_str_len(ov) > 0 && v_str_len(ov) <= ((size_t)1 << 20));
	int clean = out != NULL;
	for (size_t i = 0; out && i < v_str_len(ov); i++)
		if (out[i] != "***\n"[i % 4])
			clean = 0;
	CHECK(clean);
	release(&c, args, extra);
}

static void test_timeout_cancel(void)
{
	value *args = v_str("echo started; exec sleep 100");
	prim_call c = call(args, NULL);
	c.timeout_ms = 200;
	int64_t t0 = now_ms();
	CHECK(prim_shell_run(&c) == -1);
	CHECK(now_ms() - t0 < 2000);
	CHECK_STR(c.error, "timed out after 200ms");
	CHECK(c.result != NULL);
	CHECK(field_bool(&c, "timed_out") == 1);
	CHECK_STR(field_str(&c, "stdout"), "started\n");
	CHECK(field_num(&c, "exit") == 128 + SIGTERM);
	release(&c, args, NULL);

	static volatile sig_atomic_t stop = 1;
	const char *s[] = { "sleep", "100", NULL };
	args = list(s);
	c = call(args, NULL);
	c.cancel = &stop;
	t0 = now_ms();
	CHECK(prim_exec_run(&c) == -1);
	CHECK(now_ms() - t0 < 2000);
	CHECK_STR(c.error, "interrupted");
	CHECK(field_bool(&c, "timed_out") == 0);
	release(&c, args, NULL);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_prim_exec.XXXXXX");
	if (!mkdtemp(dir))
		return 2;
	red = redactor_new();
	redact_add(red, "s3cr3t-t0ken-value", strlen("s3cr3t-t0ken-value"));
	test_exec_argv();
	test_exec_bad_args();
	test_shell();
	test_env_errors();
	test_redaction();
	test_timeout_cancel();
	redactor_free(red);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return unit_done("test_prim_exec");
}
