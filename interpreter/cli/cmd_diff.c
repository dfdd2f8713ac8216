/*
 * cmd_diff.c - `runbook diff OLD NEW` and `runbook diff --git REV FILE...`:
 * what changed for the reviewer, as the difference of the two plans
 * (plan.h), not of the texts: steps added, removed or moved (matched by
 * id; a fragment's steps by "use-step/id"), their changed fields (effect,
 * rendered action, if, expect, a guard's or probe's cadence...),
 * rollbacks added, removed or changed, inputs and objectives, the
 * rollback policy.  A write step that nothing would undo is called out
 * first.  Both plans mask every secret as ***, so neither does the diff
 * show one.  Exit 0: no difference, 1: a difference, 2: invalid input.
 */
#include "cli/cmd.h"
#include "cli/plan.h"
#include "base/proc.h"
#include "lang/expr.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { O_GIT = 1, O_FORMAT };

const cmd_opt diff_options[] = {
	OPT_STRING(O_GIT, "git", 0, "REV",
		   "compare each FILE with its content at git revision REV (absent there: added)"),
	OPT_STRING(O_FORMAT, "format", 0, "text|md|json",
		   "text (default), Markdown for a pull-request comment, or JSON"),
	OPT_STDLIB,
	OPT_END
};

enum { FMT_TEXT, FMT_MD, FMT_JSON };

/* o's member k (names compared exactly), or NULL; str_of: its string, or NULL */
static cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str_of(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(get(o, k));
}

/* ---- the comparison ---- */

/* a step's key: its id (a fragment's step's: "use-step/id") */
static const char *plan_key(const cJSON *s)
{
	const char *id = str_of(s, "id");
	return id ? id : "";
}

static int is_rollback(const cJSON *s)
{
	return get(s, "undoes") != NULL;
}

/* the step of steps with key (a rollback or not, as rollback says), or NULL */
static cJSON *find_step(const cJSON *steps, const char *key, int rollback)
{
	cJSON *s;
	cJSON_ArrayForEach(s, steps) {
		if (is_rollback(s) != rollback)
			continue;
		if (!strcmp(plan_key(s), key))
			return s;
	}
	return NULL;
}

/* a change record: kind, and the subject's name under its own key */
static cJSON *change(cJSON *list, const char *kind, const char *what, const char *name)
{
	cJSON *c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "kind", kind);
	if (what)
		cJSON_AddStringToObject(c, what, name);
	cJSON_AddItemToArray(list, c);
	return c;
}

static void put_value(cJSON *c, const char *key, const cJSON *v)
{
	if (v)
		cJSON_AddItemToObject(c, key, cJSON_Duplicate(v, 1));
}

/* the key of the step a rollback undoes */
static const char *owner_key(const cJSON *r)
{
	const char *of = str_of(r, "undoes");
	return of ? of : "";
}

/* one change record per field that differs between objects a and b
 * (NULL: empty), each naming the field; skip: a NULL-ended list of keys
 * not compared */
static void diff_fields(cJSON *list, const char *kind, const cJSON *a, const cJSON *b,
			const char *const *skip, void (*name)(cJSON *c, void *ud), void *ud)
{
	const cJSON *sides[2] = { b, a }, *f;
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(f, sides[k]) {
			int skipped = 0;
			for (size_t i = 0; skip && skip[i]; i++)
				skipped |= !strcmp(f->string, skip[i]);
			const cJSON *o = get(a, f->string);
			const cJSON *n = get(b, f->string);
			if (skipped || (k == 1 && n) || (o && n && cJSON_Compare(o, n, 1)))
				continue;
			cJSON *c = change(list, kind, NULL, NULL);
			if (name)
				name(c, ud);
			cJSON_AddStringToObject(c, "field", f->string);
			put_value(c, "old", o);
			put_value(c, "new", n);
		}
	}
}

typedef struct stepname {
	const cJSON *s;         /* the step (new side, else old) */
	int rollback;
} stepname;

static void name_step(cJSON *c, void *ud)
{
	stepname *n = ud;
	cJSON_AddStringToObject(c, "step", n->rollback ? owner_key(n->s) : plan_key(n->s));
	if (n->rollback)
		cJSON_AddStringToObject(c, "rollback", plan_key(n->s));
	put_value(c, "phase", get(n->s, "phase"));
}

static const char *const step_skip[] = { "id", "no_rollback", NULL };

/* steps (rollback: rollback steps) of b that a lacks, of a that b lacks,
 * and the fields of those in both that differ */
static void diff_steps(cJSON *list, const cJSON *a, const cJSON *b, int rollback)
{
	const char *add = rollback ? "rollback-added" : "step-added";
	const char *gone = rollback ? "rollback-removed" : "step-removed";
	const cJSON *sides[2] = { b, a }, *s;
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(s, sides[k]) {
			if (is_rollback(s) != rollback)
				continue;
			cJSON *other = find_step(k ? b : a, plan_key(s), rollback);
			stepname nm = { s, rollback };
			if (!other) {
				cJSON *c = change(list, k ? gone : add, NULL, NULL);
				name_step(c, &nm);
				put_value(c, k ? "old" : "new", s);
			} else if (!k)
				diff_fields(list, rollback ? "rollback-changed" : "step-changed", other, s,
					    step_skip, name_step, &nm);
		}
	}
}

/* the keys of the steps (not rollbacks) of steps that other has too, in order */
static const char **common_keys(const cJSON *steps, const cJSON *other, size_t *n)
{
	const char **v = xcalloc((size_t)cJSON_GetArraySize(steps) + 1, sizeof *v);
	const cJSON *s;
	*n = 0;
	cJSON_ArrayForEach(s, steps) {
		if (is_rollback(s))
			continue;
		if (find_step(other, plan_key(s), 0))
			v[(*n)++] = plan_key(s);
	}
	return v;
}

/* a step's position in its phase (1-based) */
static int phase_pos(const cJSON *steps, const cJSON *st)
{
	const char *ph = str_of(st, "phase");
	int pos = 0;
	const cJSON *s;
	cJSON_ArrayForEach(s, steps) {
		if (is_rollback(s) || strcmp(ph, str_of(s, "phase")))
			continue;
		pos++;
		if (s == st)
			break;
	}
	return pos;
}

/*
 * Steps in both whose order changed: those outside a longest common
 * subsequence of the two orders (the fewest steps that moved), each with
 * its old and new position in its phase.
 */
static void diff_order(cJSON *list, const cJSON *a, const cJSON *b)
{
	size_t na, nb;
	const char **ka = common_keys(a, b, &na), **kb = common_keys(b, a, &nb);
	size_t w = nb + 1;
	size_t *t = xcalloc((na + 1) * w, sizeof *t);
	for (size_t i = na; i-- > 0;)
		for (size_t j = nb; j-- > 0;)
			t[i * w + j] = !strcmp(ka[i], kb[j]) ? t[(i + 1) * w + j + 1] + 1
				       : t[(i + 1) * w + j] > t[i * w + j + 1] ? t[(i + 1) * w + j]
				       : t[i * w + j + 1];
	char *kept = xcalloc(nb + 1, 1);
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (!strcmp(ka[i], kb[j])) {
			kept[j] = 1;
			i++, j++;
		} else if (t[(i + 1) * w + j] >= t[i * w + j + 1])
			i++;
		else
			j++;
	}
	for (size_t j = 0; j < nb; j++) {
		if (kept[j])
			continue;
		const cJSON *o = find_step(a, kb[j], 0), *n = find_step(b, kb[j], 0);
		cJSON *c = change(list, "step-moved", "step", kb[j]);
		put_value(c, "phase", get(n, "phase"));
		cJSON_AddStringToObject(c, "field", "position");
		cJSON_AddNumberToObject(c, "old", phase_pos(a, o));
		cJSON_AddNumberToObject(c, "new", phase_pos(b, n));
	}
	free(ka);
	free(kb);
	free(t);
	free(kept);
}

/* the members of objects a and b (NULL: none) under key: added, removed, changed */
static void diff_members(cJSON *list, const char *what, const cJSON *a, const cJSON *b)
{
	char add[32], gone[32], chg[32];
	snprintf(add, sizeof add, "%s-added", what);
	snprintf(gone, sizeof gone, "%s-removed", what);
	snprintf(chg, sizeof chg, "%s-changed", what);
	const cJSON *sides[2] = { b, a }, *f;
	for (int k = 0; k < 2; k++) {
		cJSON_ArrayForEach(f, sides[k]) {
			const cJSON *o = get(a, f->string);
			const cJSON *n = get(b, f->string);
			if ((k == 1 && n) || (o && n && cJSON_Compare(o, n, 1)))
				continue;
			cJSON *c = change(list, !o ? add : !n ? gone : chg, what, f->string);
			put_value(c, "old", o);
			put_value(c, "new", n);
		}
	}
}

/* why a change needs attention: a write step nothing would undo, or NULL */
static const char *attention(const cJSON *c, const cJSON *b)
{
	const char *kind = str_of(c, "kind");
	const char *sid = str_of(c, "step");
	const cJSON *s = sid ? find_step(b, sid, 0) : NULL;
	if (!s || !cJSON_IsTrue(get(s, "no_rollback")))
		return NULL;
	if (!strcmp(kind, "step-added"))
		return "write step added without a rollback";
	if (!strcmp(kind, "step-changed") &&
	    !strcmp(str_of(c, "field"), "effect"))
		return "became a write step without a rollback";
	if (!strcmp(kind, "rollback-removed"))
		return "write step lost its rollback";
	return NULL;
}

/*
 * The changes from plan a to plan b (either NULL: the file is absent on
 * that side), those that need attention first.
 */
static cJSON *diff_plans(const cJSON *a, const cJSON *b)
{
	static const char *const top_skip[] = { "inputs", "declared_inputs", "objectives", "steps",
						NULL };
	cJSON *l = cJSON_CreateArray();
	if (a && b)
		diff_fields(l, "runbook-changed", a, b, top_skip, NULL, NULL);
	const cJSON *sa = get(a, "steps"), *sb = get(b, "steps");
	diff_steps(l, sa, sb, 0);
	diff_order(l, sa, sb);
	diff_steps(l, sa, sb, 1);
	diff_members(l, "input", get(a, "declared_inputs"),
		     get(b, "declared_inputs"));
	diff_members(l, "objective", get(a, "objectives"),
		     get(b, "objectives"));
	cJSON *out = cJSON_CreateArray(), *c, *rest = cJSON_CreateArray();
	while ((c = cJSON_DetachItemFromArray(l, 0))) {
		const char *why = attention(c, sb);
		if (why)
			cJSON_AddStringToObject(c, "attention", why);
		cJSON_AddItemToArray(why ? out : rest, c);
	}
	while ((c = cJSON_DetachItemFromArray(rest, 0)))
		cJSON_AddItemToArray(out, c);
	cJSON_Delete(l);
	cJSON_Delete(rest);
	return out;
}

/* ---- the two sides ---- */

typedef struct side {
	char *label;            /* what the report calls it: the path, or REV:path */
	cJSON *plan;            /* NULL: the file is absent on this side */
} side;

/* the plan of file (text: that text instead of the file): 0, or EXIT_USAGE (said) */
static int side_load(side *sd, const char *file, const plan_text *text)
{
	runbook *rb;
	sd->label = xstrdup(text ? text->name : file);
	if (plan_load("diff", file, text, 0, &rb))
		return EXIT_USAGE;
	char *err = NULL;
	input_args none = { 0 };
	sd->plan = plan_build(rb, &none, &err);
	runbook_free(rb);
	if (!sd->plan) {
		fprintf(stderr, "runbook diff: %s: %s\n", sd->label, err);
		free(err);
		return EXIT_USAGE;
	}
	return 0;
}

/* git with args in dir: its exit status (stdout in *out when out; its
 * complaint on stderr unless quiet), or -1 when it could not run (said) */
static int git(const char *dir, const char *const *args, char **out, size_t *len, int quiet)
{
	const char *argv[8] = { "git" };
	size_t n = 1;
	while (*args && n < 7)
		argv[n++] = *args++;
	argv[n] = NULL;
	proc_spec ps = { 0 };
	ps.argv = (char *const *)argv;
	ps.cwd = dir;
	ps.timeout_ms = 60000;
	ps.max_capture = LOAD_MAX_BYTES + 1;
	proc_result r;
	if (proc_run(&ps, &r) < 0) {
		fprintf(stderr, "runbook diff: cannot run git: %s\n", r.err ? r.err : strerror(r.spawn_errno));
		proc_result_release(&r);
		return -1;
	}
	int rc = r.exit_code;
	if (rc && !quiet && r.err_len)
		fprintf(stderr, "runbook diff: git: %s", r.err);
	if (out && !rc) {
		*out = r.out;
		*len = r.out_len;
		r.out = NULL;
	}
	proc_result_release(&r);
	return rc;
}

/* the nearest directory of file that exists (malloc'd), and file's path from it */
static char *existing_dir(const char *file, char **rel)
{
	char *dir = xstrdup(file);
	struct stat st;
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash) {
			*rel = xasprintf("./%s", file);
			free(dir);
			return xstrdup(".");
		}
		*slash = 0;
		if (!*dir || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
			*rel = xasprintf("./%s", file + strlen(dir) + 1);
			if (!*dir) {
				free(dir);
				return xstrdup("/");
			}
			return dir;
		}
	}
}

/* the old side of file: its content at rev (absent there: no plan) */
static int side_git(side *sd, const char *rev, const char *file)
{
	char *rel, *dir = existing_dir(file, &rel);
	char *spec = xasprintf("%s^{commit}", rev), *obj = xasprintf("%s:%s", rev, rel);
	const char *verify[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
	const char *exists[] = { "cat-file", "-e", obj, NULL };
	const char *show[] = { "show", obj, NULL };
	char *text = NULL;
	size_t len = 0;
	int rc = git(dir, verify, NULL, NULL, 0);
	if (rc == 1)            /* else git said why (not a repository...) */
		fprintf(stderr, "runbook diff: %s: unknown git revision '%s'\n", file, rev);
	if (rc)
		rc = EXIT_USAGE;
	else if (git(dir, exists, NULL, NULL, 1))
		sd->label = xasprintf("%s:%s", rev, file);      /* absent at rev: added */
	else if (git(dir, show, &text, &len, 0))
		rc = EXIT_USAGE;
	else {
		char *name = xasprintf("%s:%s", rev, file);
		plan_text t = { name, text, len };
		rc = side_load(sd, file, &t);
		free(name);
	}
	free(text);
	free(spec);
	free(obj);
	free(rel);
	free(dir);
	return rc;
}

/* ---- the report ---- */

/* a value as one line of text (malloc'd): a string as it is, else JSON */
static char *val_text(const cJSON *v)
{
	if (!v)
		return NULL;
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsObject(v) && get(v, "action")) {
		/* a whole step: "phase primitive effect: action" */
		const char *f[] = { "phase", "primitive", "effect", "action" };
		const char *s[4];
		for (int i = 0; i < 4; i++)
			s[i] = str_of(v, f[i]);
		return xasprintf("%s %s %s: %s", s[0] ? s[0] : "", s[1] ? s[1] : "", s[2] ? s[2] : "",
				 s[3] ? s[3] : "");
	}
	return cJSON_PrintUnformatted(v);
}

/* the subject of a change as text: "x" (a step), "u of x" (a rollback of x), "ns" (an input) */
static char *subject_text(const cJSON *c)
{
	const char *sid = str_of(c, "step");
	const char *rb = str_of(c, "rollback");
	const char *in = str_of(c, "input");
	const char *ob = str_of(c, "objective");
	if (rb)
		return xasprintf("%s of %s", rb, sid);
	return xstrdup(sid ? sid : in ? in : ob ? ob : "");
}

/* what a terminal shows of s: control characters as '?' */
static void put_plain(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void text_change(const cJSON *c)
{
	const char *kind = str_of(c, "kind");
	const char *field = str_of(c, "field");
	const char *why = str_of(c, "attention");
	char *subj = subject_text(c);
	char *o = val_text(get(c, "old")), *n = val_text(get(c, "new"));
	printf("  %c %s", why ? '!' : strstr(kind, "added") ? '+' : strstr(kind, "removed") ? '-'
	       : '~', kind);
	if (*subj)
		putchar(' ');
	put_plain(stdout, subj);
	if (field)
		printf(" %s", field);
	printf(": ");
	put_plain(stdout, o && n ? o : o ? o : n);      /* added: the new, removed: the old */
	if (o && n) {
		printf(" -> ");
		put_plain(stdout, n);
	}
	if (why)
		printf("  [needs attention: %s]", why);
	printf("\n");
	free(subj);
	free(o);
	free(n);
}

/* s as a Markdown code span safe in a table cell: a fence longer than any
 * run of backticks in it, | escaped, line breaks and control characters
 * as spaces */
static void md_code(sbuf *b, const char *s)
{
	if (!s || !*s) {
		sbuf_adds(b, "*(none)*");
		return;
	}
	size_t run = 0, longest = 0;
	for (const char *p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	size_t len = strlen(s);
	int pad = s[0] == '`' || s[0] == ' ' || s[len - 1] == '`' || s[len - 1] == ' ';
	for (size_t i = 0; i <= longest; i++)
		sbuf_addc(b, '`');
	if (pad)
		sbuf_addc(b, ' ');
	for (const char *p = s; *p; p++) {
		if (*p == '|')
			sbuf_adds(b, "\\|");
		else
			sbuf_addc(b, (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p);
	}
	if (pad)
		sbuf_addc(b, ' ');
	for (size_t i = 0; i <= longest; i++)
		sbuf_addc(b, '`');
}

static void md_change(sbuf *b, const cJSON *c)
{
	const char *kind = str_of(c, "kind");
	char *subj = subject_text(c);
	char *o = val_text(get(c, "old")), *n = val_text(get(c, "new"));
	sbuf_addf(b, "| %s | ", kind);
	md_code(b, subj);
	sbuf_adds(b, " | ");
	md_code(b, str_of(c, "field"));
	sbuf_adds(b, " | ");
	md_code(b, o);
	sbuf_adds(b, " | ");
	md_code(b, n);
	sbuf_adds(b, " |\n");
	free(subj);
	free(o);
	free(n);
}

/* one file's changes as Markdown: a heading, what needs attention, a table */
static void md_file(const side *a, const side *b, const cJSON *changes)
{
	sbuf s = { 0 };
	const cJSON *c;
	sbuf_adds(&s, "### runbook diff ");
	md_code(&s, a->label);
	sbuf_adds(&s, " → ");
	md_code(&s, b->label);
	sbuf_adds(&s, "\n\n");
	if (!cJSON_GetArraySize(changes))
		sbuf_adds(&s, "No plan difference.\n\n");
	int head = 0;
	cJSON_ArrayForEach(c, changes) {
		const char *why = str_of(c, "attention");
		if (!why)
			continue;
		char *subj = subject_text(c);
		if (!head++)
			sbuf_adds(&s, "**Needs attention**\n\n");
		sbuf_adds(&s, "- ");
		md_code(&s, subj);
		sbuf_addf(&s, ": %s\n", why);
		free(subj);
	}
	if (head)
		sbuf_adds(&s, "\n");
	if (cJSON_GetArraySize(changes))
		sbuf_adds(&s, "| change | subject | field | old | new |\n| --- | --- | --- | --- | --- |\n");
	cJSON_ArrayForEach(c, changes)
		md_change(&s, c);
	if (cJSON_GetArraySize(changes))
		sbuf_adds(&s, "\n");
	char *t = sbuf_detach(&s);
	fputs(t, stdout);
	free(t);
}

static void text_file(const side *a, const side *b, const cJSON *changes)
{
	const cJSON *c;
	printf("--- ");
	put_plain(stdout, a->label);
	printf("%s\n+++ ", a->plan ? "" : " (absent)");
	put_plain(stdout, b->label);
	printf("%s\n", b->plan ? "" : " (absent)");
	if (!cJSON_GetArraySize(changes))
		printf("  no plan difference\n");
	cJSON_ArrayForEach(c, changes)
		text_change(c);
}

static cJSON *json_file(const side *a, const side *b, cJSON *changes)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "old", a->label);
	cJSON_AddStringToObject(f, "new", b->label);
	cJSON_AddStringToObject(f, "status", !a->plan ? "added" : !b->plan ? "removed"
				: cJSON_GetArraySize(changes) ? "changed" : "unchanged");
	cJSON_AddItemToObject(f, "changes", changes);
	return f;
}

/* ---- the command ---- */

/* compare a with b and report in fmt (JSON: into files); 1 when they differ */
static int report(const side *a, const side *b, int fmt, cJSON *files)
{
	cJSON *changes = diff_plans(a->plan, b->plan);
	int differ = cJSON_GetArraySize(changes) > 0 || !a->plan != !b->plan;
	if (fmt == FMT_TEXT)
		text_file(a, b, changes);
	else if (fmt == FMT_MD)
		md_file(a, b, changes);
	if (fmt == FMT_JSON)
		cJSON_AddItemToArray(files, json_file(a, b, changes));
	else
		cJSON_Delete(changes);
	return differ;
}

static void side_release(side *s)
{
	free(s->label);
	cJSON_Delete(s->plan);
	*s = (side){ 0 };
}

/* FILE against its content at rev: 0, 1 (differs), or EXIT_USAGE */
static int diff_git(const char *rev, const char *file, int fmt, cJSON *files)
{
	side a = { 0 }, b = { 0 };
	int rc = side_git(&a, rev, file);
	if (!rc && access(file, F_OK) && errno == ENOENT) {
		b.label = xstrdup(file);
		if (!a.plan) {
			fprintf(stderr, "runbook diff: %s: no such file, neither now nor at %s\n", file, rev);
			rc = EXIT_USAGE;
		}
	} else if (!rc)
		rc = side_load(&b, file, NULL);
	if (!rc)
		rc = report(&a, &b, fmt, files);
	side_release(&a);
	side_release(&b);
	return rc;
}

static int diff_two(const char *old, const char *new, int fmt, cJSON *files)
{
	side a = { 0 }, b = { 0 };
	int rc = side_load(&a, old, NULL);
	if (side_load(&b, new, NULL))
		rc = EXIT_USAGE;
	if (!rc)
		rc = report(&a, &b, fmt, files);
	side_release(&a);
	side_release(&b);
	return rc;
}

int cmd_diff(const command *self, int argc, char **argv)
{
	const char *rev = NULL, *fmtname = "text";
	const char **files = xcalloc((size_t)argc + 1, sizeof *files);
	size_t nfiles = 0;
	opt_parser p;
	int id, rc = EXIT_OK;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE && id != OPTS_EXIT) {
		if (id == OPTS_ARG)
			files[nfiles++] = p.val;
		else if (id == O_GIT)
			rev = p.val;
		else if (id == O_FORMAT)
			fmtname = p.val;
	}
	int fmt = !strcmp(fmtname, "text") ? FMT_TEXT : !strcmp(fmtname, "md") ? FMT_MD
		  : !strcmp(fmtname, "json") ? FMT_JSON : -1;
	if (id == OPTS_EXIT)
		rc = p.rc;
	else if (fmt < 0)
		rc = usage_error(self, "unknown format '%s'", fmtname);
	else if (rev && (!nfiles || *rev == '-' || !*rev))
		rc = usage_error(self, !nfiles ? "no runbook file given" : "bad revision '%s'", rev);
	else if (!rev && nfiles != 2)
		rc = usage_error(self, "two runbook files, OLD and NEW (or --git REV FILE...)");
	if (id == OPTS_EXIT || rc) {
		free(files);
		return rc;
	}
	expr_freeze_now(wall_ms());     /* now() is one instant in both plans */
	cJSON *out = cJSON_CreateObject(), *jf = cJSON_AddArrayToObject(out, "files");
	int differ = 0;
	for (size_t i = 0; i < (rev ? nfiles : 1) && rc != EXIT_USAGE; i++) {
		int r = rev ? diff_git(rev, files[i], fmt, jf) : diff_two(files[0], files[1], fmt, jf);
		if (r == EXIT_USAGE)
			rc = EXIT_USAGE;
		differ |= r == 1;
	}
	cJSON_AddBoolToObject(out, "different", differ);
	if (fmt == FMT_JSON && rc != EXIT_USAGE) {
		char *s = cJSON_Print(out);
		printf("%s\n", s);
		free(s);
	}
	expr_freeze_now(-1);
	cJSON_Delete(out);
	free(files);
	diag_forget_sources();
	return rc == EXIT_USAGE ? rc : differ ? 1 : EXIT_OK;
}
