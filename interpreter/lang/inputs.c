/*
 * inputs.c - resolve the typed inputs of a run.
 *
 * Sources, highest first: --input k=v, --inputs FILE (a YAML or JSON
 * mapping), the declared default.  Secrets come only from their `from:`
 * (env:NAME or file:/path), never from the command line, and are added to
 * the run's redactor before anything is printed.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "lang/inputs.h"
#include "lang/render.h"

#include <errno.h>
#include <math.h>
#include <pcre2.h>
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
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF, &ec, &eo, NULL);
	if (!re) {
		*err = xasprintf("bad pattern '%s'", pattern);
		return 0;
	}
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
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
		*err = xasprintf("input '%s' must be a URL (scheme://host...)", in->name);
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
			*err = xasprintf("input '%s' must be an integer", in->name);
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
		*err = xasprintf("input '%s' must be a duration like 30s or 5m", in->name);
		return NULL;
	}
	case IT_LIST:
		if (t == V_LIST)
			return v_retain((value *)v);
		if (s) {
			/* comma separated on the command line */
			value *l = v_list();
			const char *p = s;
			while (*p) {
				size_t n = strcspn(p, ",");
				v_list_push_take(l, v_strn(p, n));
				p += n;
				if (*p == ',')
					p++;
			}
			return l;
		}
		break;
	case IT_ENUM:
		if (in->values) {
			for (size_t i = 0; i < in->values->n; i++) {
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
			*err = xasprintf("input '%s' must be one of: %s", in->name, sb.buf ? sb.buf : "");
			sbuf_release(&sb);
			return NULL;
		}
		break;
	}
	*err = xasprintf("input '%s' must be of type %s, got %s", in->name,
			 type_names[in->type], v_type_name(v));
	return NULL;
}


value *inputs_resolve(const runbook *rb, const input_args *o, redactor *red,
		      int for_plan, char **err)
{
	value *given = NULL;
	if (o->file && !(given = load_data_mapping(o->file,
							  "an inputs file is a mapping of name: value", err)))
		return NULL;
	/* names given that the runbook does not declare are mistakes */
	for (size_t i = 0; i < o->ngiven; i++) {
		const input_def *in = runbook_find_input(rb, o->given[i].key);
		if (!in) {
			*err = xasprintf("unknown input '%s'", o->given[i].key);
			goto fail;
		}
		if (in->type == IT_SECRET) {
			*err = xasprintf("input '%s' is a secret: it comes from %s, never "
					 "from the command line", in->name, in->from ? in->from : "its from:");
			goto fail;
		}
	}
	if (given) {
		for (size_t i = 0; i < v_len(given); i++) {
			const input_def *in = runbook_find_input(rb, v_obj_key(given, i));
			if (!in) {
				*err = xasprintf("%s: unknown input '%s'", o->file, v_obj_key(given, i));
				goto fail;
			}
			if (in->type == IT_SECRET) {
				*err = xasprintf("%s: input '%s' is a secret: it comes from %s",
						 o->file, in->name, in->from ? in->from : "its from:");
				goto fail;
			}
		}
	}

	value *out = v_obj();
	for (size_t i = 0; i < rb->ninputs; i++) {
		const input_def *in = &rb->inputs[i];
		value *raw = NULL;
		if (in->type == IT_SECRET) {
			if (for_plan) {
				v_obj_set_take(out, in->name, v_secret(v_str(REDACT_MASK)));
				continue;
			}
			const char *from = in->from ? in->from : "";
			char *sec = NULL;
			if (!strncmp(from, "env:", 4)) {
				const char *e = getenv(from + 4);
				if (!e) {
					*err = xasprintf("secret '%s': environment variable %s is not set",
							 in->name, from + 4);
					v_release(out);
					goto fail;
				}
				if (!*e) {       /* as an empty file, below */
					*err = xasprintf("secret '%s': environment variable %s is set "
							 "but empty", in->name, from + 4);
					v_release(out);
					goto fail;
				}
				sec = xstrdup(e);
			} else if (!strncmp(from, "file:", 5)) {
				if (!(sec = read_secret_file(from + 5, err))) {
					v_release(out);
					goto fail;
				}
				/* an empty secret is a mistake (a file not yet filled in),
				 * and there would be nothing to redact */
				if (!*sec) {
					*err = xasprintf("secret '%s': file '%s' is empty (or only a newline)",
							 in->name, from + 5);
					free(sec);
					v_release(out);
					goto fail;
				}
			} else {
				*err = xasprintf("secret '%s' has no usable from:", in->name);
				v_release(out);
				goto fail;
			}
			redact_add(red, sec, strlen(sec));
			v_obj_set_take(out, in->name, v_secret(v_str_take(sec, strlen(sec))));
			continue;
		}
		for (size_t j = o->ngiven; j-- > 0;)
			if (!strcmp(o->given[j].key, in->name)) {
				raw = v_str(o->given[j].val);
				break;
			}
		/* resume: the inputs the run started with, never new ones */
		if (!raw && o->resumed && v_obj_get(o->resumed, in->name))
			raw = v_retain(v_obj_get(o->resumed, in->name));
		if (!raw && given && v_obj_get(given, in->name))
			raw = v_retain(v_obj_get(given, in->name));
		if (!raw && in->def) {
			value *dctx = v_obj();
			v_obj_set_take(dctx, "env", env_object());
			raw = render_node(in->def, dctx, err);
			v_release(dctx);
		}
		if (!raw) {
			if (for_plan) {
				/* a default that cannot be rendered yet shows as <name> */
				free(*err);
				*err = NULL;
				v_obj_set_take(out, in->name, v_str_take(xasprintf("<%s>", in->name), strlen(in->name) + 2));
				continue;
			}
			if (!*err)
				*err = xasprintf("input '%s' is required (--input %s=...)", in->name, in->name);
			v_release(out);
			goto fail;
		}
		value *v = input_coerce(in, raw, err);
		v_release(raw);
		if (!v) {
			v_release(out);
			goto fail;
		}
		if (in->pattern && v_type(v) == V_STR && !input_pattern_ok(in->pattern, v_as_str(v), err)) {
			if (!*err)
				*err = xasprintf("input '%s' does not match its pattern '%s'",
						 in->name, in->pattern);
			v_release(v);
			v_release(out);
			goto fail;
		}
		v_obj_set_take(out, in->name, v);
	}
	if (given)
		v_release(given);
	return out;
fail:
	if (given)
		v_release(given);
	return NULL;
}
