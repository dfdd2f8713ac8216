/*
 * ask.c - approvals and manual actions: the terminal, --approve auto and
 * the answers file (see ask.h).
 */
#include "run/ask.h"
#include "lang/inputs.h"
#include "base/clock.h"
#include "base/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

/* the controlling terminal, unbuffered (what it reads may be a secret), or NULL */
static FILE *tty_open(void)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (tty && !isatty(fileno(tty))) {
		fclose(tty);
		return NULL;
	}
	if (tty)
		setvbuf(tty, NULL, _IONBF, 0);
	return tty;
}

/* print prompt, then read one line from the terminal, without its
 * newline (malloc'd); a secret is not echoed (echo goes off before the
 * prompt shows, so nothing typed after it is echoed).  NULL at its end or
 * on a signal. */
static char *tty_line(FILE *tty, const char *prompt, int secret)
{
	struct termios old, quiet;
	int fd = fileno(tty);
	int hide = secret && tcgetattr(fd, &old) == 0;
	char buf[4096];
	if (hide) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSANOW, &quiet);
	}
	fputs(prompt, tty);
	fflush(tty);
	char *r = fgets(buf, sizeof buf, tty);
	if (hide) {
		tcsetattr(fd, TCSANOW, &old);
		fputc('\n', tty);
	}
	char *line = r ? xstrndup(buf, strcspn(buf, "\r\n")) : NULL;
	explicit_bzero(buf, sizeof buf);
	return line;
}

/* "y, a comment": *yes when the first word is y or yes; what follows is
 * the comment (malloc'd, NULL when none) */
static void parse_yes(const char *line, int *yes, char **comment)
{
	const char *p = line + strspn(line, " ");
	size_t w = strcspn(p, " ,");
	*yes = (w == 1 && (*p == 'y' || *p == 'Y')) || (w == 3 && !strncasecmp(p, "yes", 3));
	p += w;
	p += strspn(p, " ,");
	*comment = *p ? xstrdup(p) : NULL;
}

/* the prompt after the question or the instructions: the answer into *a */
static void tty_confirm(FILE *tty, const char *what, const char *example, answer *a)
{
	char *prompt = xasprintf("    %s? [y/N] (an optional comment may follow: \"y, %s\") ",
				 what, example);
	char *line = tty_line(tty, prompt, 0);
	free(prompt);
	if (line)
		parse_yes(line, &a->yes, &a->comment);
	free(line);
}

static void answer_begin(const asker *k, answer *a, const char *mode)
{
	memset(a, 0, sizeof *a);
	a->by = xstrdup(k->operator_name);
	a->mode = mode;
}

void answer_release(answer *a)
{
	free(a->by);
	free(a->comment);
	if (a->fields)
		v_release(a->fields);
	memset(a, 0, sizeof *a);
}

/*
 * The answers file's entry for st: `yes|no` (also `verb` and `done`: approve,
 * approved; confirm, confirmed), or a mapping of `done`, comment and by; its
 * `fields` in *fields (borrowed, NULL when none).  -1 with *err when the
 * file has no entry for st.
 */
static int file_answer(const asker *k, const step *st, const char *verb, const char *done,
		       answer *a, const value **fields, char **err)
{
	const value *e = v_obj_get(k->answers, st->id);
	*fields = NULL;
	if (!e)
		*err = xasprintf("no answer for '%s' in %s", st->id, k->approve);
	else if (v_type(e) == V_OBJ) {
		value *y = v_obj_get(e, done);
		a->yes = y && v_truthy(y);
		if (v_obj_get(e, "comment"))
			a->comment = v_to_text(v_obj_get(e, "comment"));
		if (v_obj_get(e, "by")) {
			free(a->by);
			a->by = v_to_text(v_obj_get(e, "by"));
		}
		*fields = v_obj_get(e, "fields");
	} else if (v_type(e) == V_STR) {
		const char *s = v_as_str(e);
		a->yes = !strcasecmp(s, "yes") || !strcasecmp(s, "y") || !strcasecmp(s, verb) ||
			 !strcasecmp(s, done);
	} else
		a->yes = v_truthy(e);
	return e ? 0 : -1;
}

int ask_approval(const asker *k, const step *st, const char *question, answer *a, char **err)
{
	const value *fields;
	FILE *tty;
	if (k->approve && !strcmp(k->approve, "auto")) {
		answer_begin(k, a, "auto");
		a->yes = 1;
	} else if (k->answers) {
		answer_begin(k, a, "file");
		if (file_answer(k, st, "approve", "approved", a, &fields, err) < 0) {
			answer_release(a);
			return -1;
		}
	} else {
		answer_begin(k, a, "tty");
		if (!(tty = tty_open())) {
			*err = xstrdup("approval needed but there is no terminal: use "
				       "--approve auto or --approve FILE");
			answer_release(a);
			return -1;
		}
		char *q = redact_str(k->red, question, strlen(question), NULL);
		fprintf(tty, "\n  ? %s\n", q);
		free(q);
		tty_confirm(tty, "approve", "checked the dashboard", a);
		fclose(tty);
	}
	ts_now(a->answered_at, sizeof a->answered_at);
	return 0;
}

/*
 * A field's value as entered (raw: text from the terminal, or a value of
 * the answers file): of its type, matching its pattern, values and
 * bounds.  A secret joins the redactor first and comes back marked.
 * NULL with *err.
 */
static value *field_value(const asker *k, const input_def *f, const value *raw, char **err)
{
	value *v;
	if (f->type == IT_SECRET) {
		if (v_type(raw) != V_STR || !v_str_len(raw)) {
			*err = xasprintf("field '%s' is a secret: it must be a string, not empty", f->name);
			return NULL;
		}
		redact_add(k->red, v_as_str(raw), v_str_len(raw));
		v = v_secret(v_strn(v_as_str(raw), v_str_len(raw)));
	} else if (!(v = input_coerce(f, raw, err)))
		return NULL;
	if (!input_check(f, v, err)) {
		v_release(v);
		return NULL;
	}
	return v;
}

/* a manual step's fields from its answer's `fields` (given) into out: each
 * declared one, nothing else; none needed when the answer is no */
static int file_fields(const asker *k, const step *st, const value *given, int yes,
		       value *out, char **err)
{
	char *e = NULL;
	if (given && v_type(given) != V_OBJ) {
		*err = xasprintf("the answer for '%s' in %s: 'fields' must be a mapping of name: value",
				 st->id, k->approve);
		return -1;
	}
	for (size_t i = 0; given && i < v_len(given); i++) {
		const char *name = v_obj_key(given, i);
		const char *cands[64];
		size_t n = 0, known = 0;
		for (; n < st->nfields && n < 63; n++) {
			cands[n] = st->fields[n].name;
			known |= !strcmp(cands[n], name);
		}
		const char *near = known ? NULL : suggest(name, cands, n, 0);
		if (!known) {
			*err = xasprintf("the answer for '%s' in %s gives field '%s', which the step does "
					 "not ask for%s%s%s", st->id, k->approve, name,
					 near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
			return -1;
		}
	}
	for (size_t i = 0; yes && i < st->nfields; i++) {
		const input_def *f = &st->fields[i];
		const value *raw = given ? v_obj_get(given, f->name) : NULL;
		value *v = raw ? field_value(k, f, raw, &e) : NULL;
		if (!v) {
			*err = raw ? xasprintf("the answer for '%s' in %s: %s", st->id, k->approve, e)
				: xasprintf("the answer for '%s' in %s has no field '%s'", st->id,
					    k->approve, f->name);
			free(e);
			return -1;
		}
		v_obj_set_take(out, f->name, v);
	}
	return 0;
}

/* prompt for one field until it is entered right (3 tries): into out */
static int tty_field(const asker *k, FILE *tty, const input_def *f, value *out, char **err)
{
	int secret = f->type == IT_SECRET;
	for (int tries = 1;; tries++) {
		char *prompt = xasprintf("    %s (%s%s)%s%s: ", f->name, rb_keys.input_types[f->type],
					 secret ? ", not echoed" : "", f->description ? ": " : "",
					 f->description ? f->description : "");
		char *line = tty_line(tty, prompt, secret), *e = NULL;
		free(prompt);
		if (!line) {
			*err = xasprintf("no value was entered for field '%s'", f->name);
			return -1;
		}
		value *v = NULL;
		if (!*line)
			e = xasprintf("field '%s' needs a value", f->name);
		else {
			value *raw = v_str(line);
			v = field_value(k, f, raw, &e);
			v_release(raw);
		}
		explicit_bzero(line, strlen(line));
		free(line);
		if (v) {
			v_obj_set_take(out, f->name, v);
			return 0;
		}
		char *shown = redact_str(k->red, e, strlen(e), NULL);
		fprintf(tty, "    %s\n", shown);
		free(shown);
		if (tries == 3) {
			*err = e;
			return -1;
		}
		free(e);
	}
}

/* a manual step on the terminal: its instructions, its fields, done? */
static int manual_tty(const asker *k, const step *st, const char *instructions, answer *a,
		      char **err)
{
	FILE *tty = tty_open();
	if (!tty) {
		*err = xstrdup("a manual step needs its operator, but there is no terminal: use "
			       "--approve FILE (or --approve auto for a step without fields)");
		return -1;
	}
	char *text = redact_str(k->red, instructions, strlen(instructions), NULL);
	fprintf(tty, "\n  manual step '%s':\n", st->id);
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		fprintf(tty, "    %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	free(text);
	for (size_t i = 0; i < st->nfields; i++)
		if (tty_field(k, tty, &st->fields[i], a->fields, err) < 0) {
			fclose(tty);
			return -1;
		}
	tty_confirm(tty, "done", "done as written", a);
	fclose(tty);
	return 0;
}

int ask_manual(const asker *k, const step *st, const char *instructions, answer *a,
	       char **err)
{
	const value *given;
	int r = 0;
	if (k->approve && !strcmp(k->approve, "auto")) {
		answer_begin(k, a, "auto");
		a->yes = 1;
		if (st->nfields) {
			*err = xasprintf("manual step '%s' asks for field '%s': --approve auto cannot "
					 "enter it (answer with --approve FILE, or on a terminal)", st->id,
					 st->fields[0].name);
			r = -1;
		}
	} else if (k->answers) {
		answer_begin(k, a, "file");
		a->fields = v_obj();
		r = file_answer(k, st, "confirm", "confirmed", a, &given, err) < 0 ||
		    file_fields(k, st, given, a->yes, a->fields, err) < 0 ? -1 : 0;
	} else {
		answer_begin(k, a, "tty");
		a->fields = v_obj();
		r = manual_tty(k, st, instructions, a, err);
	}
	if (!a->fields)
		a->fields = v_obj();
	if (r < 0) {
		answer_release(a);
		return -1;
	}
	ts_now(a->answered_at, sizeof a->answered_at);
	return 0;
}

void ask_register_secrets(const asker *k, const runbook *rb)
{
	for (size_t i = 0; k->answers && i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		const value *e = st->id && st->nfields ? v_obj_get(k->answers, st->id) : NULL;
		const value *fs = e && v_type(e) == V_OBJ ? v_obj_get(e, "fields") : NULL;
		for (size_t j = 0; fs && v_type(fs) == V_OBJ && j < st->nfields; j++) {
			const value *x = v_obj_get(fs, st->fields[j].name);
			if (st->fields[j].type == IT_SECRET && x && v_type(x) == V_STR && v_str_len(x))
				redact_add(k->red, v_as_str(x), v_str_len(x));
		}
	}
}
