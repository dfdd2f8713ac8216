/*
 * inputs.c - resolve the typed inputs of a run.
 *
 * Sources, highest first: --input k=v, --inputs FILE (a YAML or JSON
 * mapping), the declared default.  Secrets come only from their `from:`
 * (env:NAME or file:/path), never from the command line, and are added to
 * the run's redactor before anything is printed.
 */
#include "lang/inputs.h"
#include "lang/node.h"
#include "lang/render.h"
#include "base/re.h"
#include "base/suggest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
	"string", "int", "number", "bool", "duration", "url", "secret", "list", "enum",
};

static char *read_secret_file(const char *path, char **err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*err = xasprintf("cannot read secret file '%s': %s", path, strerror(errno));
		return NULL;
	}
	sbuf b = { 0 };
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0 && b.len < (1u << 20))
		sbuf_add(&b, buf, n);
	fclose(f);
	/* a trailing newline is an artefact of editors and `echo` */
	while (b.len && (b.buf[b.len - 1] == '\n' || b.buf[b.len - 1] == '\r'))
		b.buf[--b.len] = 0;
	return sbuf_detach(&b);
}

int input_pattern_ok(const char *pattern, const char *s, char **err)
{
	re_error e;
	int rc = re_match(pattern, strlen(pattern), 0, s, strlen(s), 0, &e);

	if (rc < 0 && e.bad_pattern)
		*err = xasprintf("bad pattern '%s'", pattern);
	return rc == 1;
}

/* a value given, for a message: its JSON, a string as 'text', cut to
 * 60 bytes (at a character); '***' for a secret (malloc'd) */
static char *shown(const value *v)
{
	if (v_is_secret(v))
		return xstrdup("'" REDACT_MASK "'");
	char *t = v_type(v) == V_STR ? xstrdup(v_as_str(v)) : v_to_json(v);
	size_t n = strlen(t);
	if (n > 60) {
		n = 57;
		while (n && (t[n] & 0xC0) == 0x80)
			n--;
		strcpy(t + n, "...");
	}
	if (v_type(v) != V_STR)
		return t;
	char *q = xasprintf("'%s'", t);
	free(t);
	return q;
}

/* a comma list (see list_from_text): NULL with *err */
static value *comma_list(const input_def *in, const char *s, char **err)
{
	value *l = v_list();
	const char *p = s;
	for (size_t i = 1; *s; i++) {
		size_t n = strcspn(p, ",");
		const char *b = p, *e = p + n;
		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (b == e || strcspn(b, "[]{}\"") < (size_t)(e - b)) {
			*err = b == e ? xasprintf("%s '%s': item %zu of the comma list '%s' is empty",
						  input_noun(in), in->name, i, s)
				: xasprintf("%s '%s' must be a JSON or YAML flow list like [a, b] or a "
					    "comma list like a,b; got '%s'", input_noun(in), in->name, s);
			v_release(l);
			return NULL;
		}
		v_list_push_take(l, v_strn(b, (size_t)(e - b)));
		if (!p[n])
			break;
		p += n + 1;
	}
	return l;
}

/*
 * A list input given as text (the command line, a string in an inputs
 * file or a fragment's `with:`): a JSON or YAML flow list ("[cart,
 * payments]"), or items separated by commas ("cart,payments"; spaces
 * around an item are dropped, "" is the empty list).  Anything else --
 * a broken flow list, a mapping, an empty item -- is an error.
 */
static value *list_from_text(const input_def *in, const char *s, char **err)
{
	const char *p = s + strspn(s, " \t");
	if (*p != '[' && *p != '{')
		return comma_list(in, p, err);
	arena a;
	doc d;
	diags dg;
	arena_init(&a);
	diags_init(&dg);
	char *name = xasprintf("%s '%s'", input_noun(in), in->name);
	value *l = NULL;
	if (load_buffer(&a, name, s, strlen(s), &d, &dg) == 0 && d.root && d.root->kind == N_SEQ)
		l = literal_node(d.root);
	else
		*err = xasprintf("%s '%s' must be a list, got '%s'%s%s", input_noun(in), in->name, s,
				 dg.n ? ": " : "", dg.n ? dg.v[0].msg : " (a mapping)");
	free(name);
	diags_release(&dg);
	arena_free(&a);
	return l;
}

int input_in_bounds(const input_def *in, const value *v, char **err)
{
	char *g = NULL;
	if (v_type(v) == V_NUM && in->has_min && v_as_num(v) < in->min)
		*err = xasprintf("%s '%s' must be at least %.15g, got %s", input_noun(in), in->name, in->min,
				 g = shown(v));
	else if (v_type(v) == V_NUM && in->has_max && v_as_num(v) > in->max)
		*err = xasprintf("%s '%s' must be at most %.15g, got %s", input_noun(in), in->name, in->max,
				 g = shown(v));
	else if (v_type(v) == V_LIST && in->min_items >= 0 && (long long)v_len(v) < in->min_items)
		*err = xasprintf("%s '%s' needs at least %lld item%s, got %zu", input_noun(in), in->name,
				 in->min_items, in->min_items == 1 ? "" : "s", v_len(v));
	else if (v_type(v) == V_LIST && in->max_items >= 0 && (long long)v_len(v) > in->max_items)
		*err = xasprintf("%s '%s' takes at most %lld item%s, got %zu", input_noun(in), in->name,
				 in->max_items, in->max_items == 1 ? "" : "s", v_len(v));
	else
		return 1;
	free(g);
	return 0;
}

int input_check(const input_def *in, const value *v, char **err)
{
	if (in->pattern && v_type(v) == V_STR && !input_pattern_ok(in->pattern, v_as_str(v), err)) {
		if (!*err) {
			char *g = shown(v);
			*err = xasprintf("%s '%s' does not match its pattern '%s': got %s", input_noun(in), in->name,
					 in->pattern, g);
			free(g);
		}
		return 0;
	}
	return input_in_bounds(in, v, err);
}

/*
 * Convert a value (text from the command line, or a typed value from a
 * file or default) to the input's type.  Returns a new value or NULL with
 * *err.
 */
value *input_coerce(const input_def *in, const value *v, char **err)
{
	vtype t = v_type(v);
	const char *s = t == V_STR ? v_as_str(v) : NULL;
	switch (in->type) {
	case IT_STRING:
	case IT_SECRET:
		if (t == V_STR)
			return v_retain((value *)v);
		if (t == V_NUM || t == V_BOOL) {
			char *txt = v_to_text(v);
			return v_str_take(txt, strlen(txt));
		}
		break;
	case IT_URL:
		if (s && strstr(s, "://") && strcspn(s, " \t\r\n") == strlen(s))
			return v_retain((value *)v);
		*err = xasprintf("%s '%s' must be a URL (scheme://host...)", input_noun(in), in->name);
		return NULL;
	case IT_INT:
	case IT_NUMBER: {
		double d;
		if (t == V_NUM)
			d = v_as_num(v);
		else if (s && *s) {
			char *end;
			errno = 0;
			d = strtod(s, &end);
			if (*end || errno || !isfinite(d))
				break;
		} else
			break;
		if (in->type == IT_INT && (d != floor(d) || fabs(d) > 9007199254740992.0)) {
			*err = xasprintf("%s '%s' must be an integer", input_noun(in), in->name);
			return NULL;
		}
		return v_num(d);
	}
	case IT_BOOL:
		if (t == V_BOOL)
			return v_retain((value *)v);
		if (s && (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "1")))
			return v_bool(1);
		if (s && (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "0")))
			return v_bool(0);
		break;
	case IT_DURATION: {
		if (t == V_DUR)
			return v_retain((value *)v);
		int64_t ms;
		if (s && dur_parse(s, strlen(s), &ms) == 0)
			return v_dur(ms);
		*err = xasprintf("%s '%s' must be a duration like 30s or 5m", input_noun(in), in->name);
		return NULL;
	}
	case IT_LIST:
		if (t == V_LIST)
			return v_retain((value *)v);
		if (s)
			return list_from_text(in, s, err);
		break;
	case IT_ENUM:
		if (in->values) {
			for (size_t i = 0; i < in->values->n; i++) {
				/* a value that is not a scalar is the validator's to report */
				if (in->values->vals[i]->kind != N_SCALAR)
					continue;
				value *cand = scalar_literal(in->values->vals[i]);
				char *a = v_to_text(cand), *b = v_to_text(v);
				int same = !strcmp(a, b);
				free(a);
				free(b);
				if (same)
					return cand;
				v_release(cand);
			}
			sbuf sb = { 0 };
			for (size_t i = 0; i < in->values->n; i++)
				sbuf_addf(&sb, "%s%s", i ? ", " : "", in->values->vals[i]->str);
			char *g = shown(v);
			*err = xasprintf("%s '%s' must be one of: %s; got %s", input_noun(in), in->name,
					 sb.buf ? sb.buf : "", g);
			free(g);
			sbuf_release(&sb);
			return NULL;
		}
		break;
	}
	*err = xasprintf("%s '%s' must be of type %s, got %s", input_noun(in), in->name,
			 type_names[in->type], v_type_name(v));
	return NULL;
}


/* "; did you mean 'x'?" for a name rb does not declare, or "" (malloc'd) */
static char *input_hint(const runbook *rb, const char *name)
{
	const char **names = xcalloc(rb->ninputs + 1, sizeof *names);
	for (size_t i = 0; i < rb->ninputs; i++)
		names[i] = rb->inputs[i].name;
	const char *s = suggest(name, names, rb->ninputs, 0);
	char *h = s ? xasprintf("; did you mean '%s'?", s) : xstrdup("");
	free(names);
	return h;
}

/* Every name given (--input, --inputs FILE) is a declared input that
 * is not a secret, and --input names each at most once; -1 with *err
 * for the first that is not. */
static int check_given(const runbook *rb, const input_args *o, const value *given, char **err)
{
	for (size_t i = 0; i < o->ngiven; i++) {
		const input_def *in = runbook_find_input(rb, o->given[i].key);
		if (!in) {
			char *h = input_hint(rb, o->given[i].key);
			*err = xasprintf("unknown input '%s'%s", o->given[i].key, h);
			free(h);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(o->given[j].key, in->name)) {
				*err = xasprintf("input '%s' is given twice (--input %s=...): give it once",
						 in->name, in->name);
				return -1;
			}
		if (in->type == IT_SECRET) {
			*err = xasprintf("input '%s' is a secret: it comes from %s, never "
					 "from the command line", in->name, in->from ? in->from : "its from:");
			return -1;
		}
	}
	for (size_t i = 0; given && i < v_len(given); i++) {
		const input_def *in = runbook_find_input(rb, v_obj_key(given, i));
		if (!in) {
			char *h = input_hint(rb, v_obj_key(given, i));
			*err = xasprintf("%s: unknown input '%s'%s", o->file, v_obj_key(given, i), h);
			free(h);
			return -1;
		}
		if (in->type == IT_SECRET) {
			*err = xasprintf("%s: input '%s' is a secret: it comes from %s",
					 o->file, in->name, in->from ? in->from : "its from:");
			return -1;
		}
	}
	return 0;
}

/* A secret input's value, read from its env: or file: source and added
 * to red; NULL with *err when it is unset or empty. */
static value *secret_value(const input_def *in, redactor *red, char **err)
{
	const char *from = in->from ? in->from : "";
	char *sec = NULL;
	if (!strncmp(from, "env:", 4)) {
		const char *e = getenv(from + 4);
		if (!e) {
			*err = xasprintf("secret '%s': environment variable %s is not set",
					 in->name, from + 4);
			return NULL;
		}
		if (!*e) {       /* as an empty file, below */
			*err = xasprintf("secret '%s': environment variable %s is set "
					 "but empty", in->name, from + 4);
			return NULL;
		}
		sec = xstrdup(e);
	} else if (!strncmp(from, "file:", 5)) {
		if (!(sec = read_secret_file(from + 5, err)))
			return NULL;
		/* an empty secret is a mistake (a file not yet filled in),
		 * and there would be nothing to redact */
		if (!*sec) {
			*err = xasprintf("secret '%s': file '%s' is empty (or only a newline)",
					 in->name, from + 5);
			free(sec);
			return NULL;
		}
	} else {
		*err = xasprintf("secret '%s' has no usable from:", in->name);
		return NULL;
	}
	redact_add(red, sec, strlen(sec));
	return v_secret(v_str_take(sec, strlen(sec)));
}

/* The raw value of a plain input, by precedence: its --input, the
 * resumed run's, the inputs file's, the default (rendered); NULL when
 * none (or *err when the default fails to render). */
static value *given_value(const input_def *in, const input_args *o, const value *given,
			  char **err)
{
	for (size_t j = o->ngiven; j-- > 0;)
		if (!strcmp(o->given[j].key, in->name))
			return v_str(o->given[j].val);
	/* resume: the inputs the run started with, never new ones */
	if (o->resumed && v_obj_get(o->resumed, in->name))
		return v_retain(v_obj_get(o->resumed, in->name));
	if (given && v_obj_get(given, in->name))
		return v_retain(v_obj_get(given, in->name));
	if (!in->def)
		return NULL;
	value *dctx = v_obj();
	v_obj_set_take(dctx, "env", env_object());
	value *raw = render_node(in->def, dctx, err);
	v_release(dctx);
	return raw;
}

/* A plain input's value: given or default, of its type, matching its
 * pattern, within its bounds; NULL with *err.  for_plan: a missing one is "<name>". */
static value *plain_value(const input_def *in, const input_args *o, const value *given,
			  int for_plan, char **err)
{
	value *raw = given_value(in, o, given, err);
	if (!raw) {
		if (for_plan) {
			/* a default that cannot be rendered yet shows as <name> */
			free(*err);
			*err = NULL;
			return v_str_take(xasprintf("<%s>", in->name), strlen(in->name) + 2);
		}
		if (!*err)
			*err = xasprintf("input '%s' is required (--input %s=...)", in->name, in->name);
		return NULL;
	}
	value *v = input_coerce(in, raw, err);
	v_release(raw);
	if (!v)
		return NULL;
	if (!input_check(in, v, err)) {
		v_release(v);
		return NULL;
	}
	return v;
}

value *inputs_resolve(const runbook *rb, const input_args *o, redactor *red,
		      int for_plan, char **err)
{
	value *given = NULL;
	if (o->file && !(given = load_data_mapping(o->file,
							  "an inputs file is a mapping of name: value", err)))
		return NULL;
	/* names given that the runbook does not declare are mistakes */
	value *out = check_given(rb, o, given, err) < 0 ? NULL : v_obj();
	for (size_t i = 0; out && i < rb->ninputs; i++) {
		const input_def *in = &rb->inputs[i];
		value *v;
		if (in->type == IT_SECRET && for_plan)
			v = v_secret(v_str(REDACT_MASK));
		else if (in->type == IT_SECRET)
			v = secret_value(in, red, err);
		else
			v = plain_value(in, o, given, for_plan, err);
		if (!v) {
			v_release(out);
			out = NULL;
		} else
			v_obj_set_take(out, in->name, v);
	}
	if (given)
		v_release(given);
	return out;
}

char *inputs_run_key(const runbook *rb, const value *inputs, char **err)
{
	if (!rb->concurrency_key)
		return xstrdup(rb->id);
	value *ctx = v_obj();
	v_obj_set(ctx, "inputs", (value *)inputs);
	v_obj_set_take(ctx, "env", env_object());
	value *v = render_node(rb->concurrency_key, ctx, err);
	v_release(ctx);
	const char *s = v && v_type(v) == V_STR ? v_as_str(v) : NULL;
	char *key = s && *s ? xstrdup(s) : NULL;
	if (v && !key)
		*err = xasprintf("its concurrency-key renders %s", s ? "empty" : "a value that is not a string");
	if (v)
		v_release(v);
	return key;
}
