/*
 * test_load.c - the YAML loader (positions, rejections, node_pos_at) and
 * the diagnostics printer in every format.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "lang/node.h"
#include "base/diag.h"
#include "unit.h"

/* One loaded document with its arena and diagnostics. */
typedef struct loaded {
	arena a;
	doc d;
	diags dg;
	int rc;
} loaded;

static void load_str(loaded *l, const char *name, const char *src)
{
	arena_init(&l->a);
	diags_init(&l->dg);
	l->rc = load_buffer(&l->a, name, src, strlen(src), &l->d, &l->dg);
}

static void unload(loaded *l)
{
	diags_release(&l->dg);
	arena_free(&l->a);
}

/* True when dg holds a diagnostic at line:col with rule and msg inside. */
static int has_diag(const diags *dg, int line, int col, const char *rule,
		    const char *msg)
{
	for (size_t i = 0; i < dg->n; i++) {
		const diag *g = &dg->v[i];
		if (g->line == line && g->col == col && g->rule &&
		    !strcmp(g->rule, rule) && strstr(g->msg, msg))
			return 1;
	}
	fprintf(stderr, "  wanted %d:%d [%s] '%s'; have:\n", line, col, rule, msg);
	for (size_t i = 0; i < dg->n; i++)
		fprintf(stderr, "    %d:%d [%s] %s\n", dg->v[i].line, dg->v[i].col,
			dg->v[i].rule ? dg->v[i].rule : "", dg->v[i].msg);
	return 0;
}

/* Load src and expect exactly one error: at line:col, rule, message part. */
static void expect_reject(const char *src, int line, int col, const char *rule,
			  const char *msg)
{
	loaded l;
	load_str(&l, "t.yaml", src);
	CHECK(l.rc == -1);
	CHECK(l.dg.nerr == 1);
	CHECK(has_diag(&l.dg, line, col, rule, msg));
	unload(&l);
}

static void test_positions(void)
{
	loaded l;
	load_str(&l, "pos.yaml",
		 "# a comment\n"
		 "runbook: restart\n"
		 "title: 'Restart it'\n"
		 "steps:\n"
		 "  - id: one\n"
		 "    exec: [kubectl, \"rollout\"]\n"
		 "  - id: two\n"
		 "    description: |\n"
		 "      first\n"
		 "      second\n"
		 "    empty:\n"
		 "anchored: &x !!str  value\n");
	CHECK(l.rc == 0);
	CHECK(l.dg.n == 0);
	node *r = l.d.root;
	CHECK(r && r->kind == N_MAP && r->n == 4);
	CHECK(r->line == 2 && r->col == 1);
	node *k = node_key(r, "title");
	CHECK(k && k->line == 3 && k->col == 1 && k->offset == 29);
	node *v = node_get(r, "title");
	CHECK(v && v->line == 3 && v->col == 8 && v->style == S_SINGLE);
	CHECK_STR(v->str, "Restart it");
	CHECK_STR(v->file, "pos.yaml");
	node *steps = node_get(r, "steps");
	CHECK(steps && steps->kind == N_SEQ && steps->n == 2);
	CHECK(steps->line == 5 && steps->col == 3);
	node *s1 = steps->vals[0];
	CHECK(s1->kind == N_MAP && s1->line == 5 && s1->col == 5);
	node *ex = node_get(s1, "exec");
	CHECK(ex && ex->kind == N_SEQ && ex->line == 6 && ex->col == 11);
	CHECK(ex->n == 2 && ex->vals[1]->line == 6 && ex->vals[1]->col == 21);
	CHECK(ex->vals[1]->style == S_DOUBLE);
	node *desc = node_get(steps->vals[1], "description");
	CHECK(desc && desc->style == S_LITERAL && desc->line == 8 && desc->col == 18);
	CHECK_STR(desc->str, "first\nsecond\n");
	node *empty = node_get(steps->vals[1], "empty");
	CHECK(empty && node_is_null(empty) && empty->line == 11 && empty->col == 11);
	/* anchors and tags are skipped: the position is the content's */
	node *an = node_get(r, "anchored");
	CHECK(an && an->line == 12 && an->col == 21);
	CHECK(an->style == S_SINGLE);           /* !!str makes it a string */
	CHECK_STR(an->str, "value");
	unload(&l);

	/* BOM, CRLF and multibyte characters: columns count characters */
	load_str(&l, "crlf.yaml", "\xEF\xBB\xBF" "a: 1\r\nb: \"\xC3\xA9\"\r\nc: \xC3\xA9x\r\n");
	CHECK(l.rc == 0);
	r = l.d.root;
	CHECK(r && r->line == 1 && r->col == 1 && r->offset == 3);
	v = node_get(r, "c");
	CHECK(v && v->line == 3 && v->col == 4);
	CHECK(v && l.d.src[v->offset] == '\xC3');
	k = node_key(r, "c");
	CHECK(k && k->offset == 18);
	unload(&l);

	/* an empty document has no root */
	load_str(&l, "empty.yaml", "# nothing\n");
	CHECK(l.rc == 0 && l.d.root == NULL);
	unload(&l);
}

static void test_lookups(void)
{
	loaded l;
	load_str(&l, "l.yaml", "a: ~\nb: null\nc: ''\nd:\ne: x\nf: [1]\ng: {h: 1}\n"
		 "i: !!null ''\nj: ! 1\n");
	CHECK(l.rc == 0);
	node *r = l.d.root;
	CHECK(node_is_null(node_get(r, "a")));
	CHECK(node_is_null(node_get(r, "b")));
	CHECK(!node_is_null(node_get(r, "c")));      /* quoted: a string */
	CHECK(node_is_null(node_get(r, "d")));
	CHECK(!node_is_null(node_get(r, "e")));
	CHECK(node_is_null(node_get(r, "i")));       /* !!null made it plain */
	CHECK(node_get(r, "j")->style == S_SINGLE);  /* ! is non-specific: string */
	CHECK(node_get(r, "missing") == NULL);
	CHECK(node_key(r, "missing") == NULL);
	CHECK(node_get(node_get(r, "e"), "x") == NULL);
	CHECK_STR(node_kind_name(node_get(r, "e")), "string");
	CHECK_STR(node_kind_name(node_get(r, "f")), "list");
	CHECK_STR(node_kind_name(node_get(r, "g")), "mapping");
	unload(&l);
}

static void test_rejections(void)
{
	/* syntax: libyaml's problem and context, at the problem mark */
	expect_reject("a: [1, 2\nb: 3\n", 2, 2, "yaml-syntax",
		      "did not find expected ',' or ']' while parsing a flow "
		      "sequence started at 1:4");
	expect_reject("a: b: c\n", 1, 5, "yaml-syntax",
		      "mapping values are not allowed");
	expect_reject("a: ok\nb: \xff\n", 2, 4, "yaml-syntax",
		      "invalid leading UTF-8 octet");
	expect_reject("a: \"\\q\"\n", 1, 5, "yaml-syntax", "unknown escape");
	expect_reject("a: \x01\n", 1, 4, "yaml-syntax",
		      "control characters are not allowed (U+0001)");
	expect_reject("\t- a\n", 1, 1, "yaml-syntax",
		      "found character that cannot start any token");

	/* duplicates: every repeat, pointing at the first */
	loaded l;
	load_str(&l, "t.yaml", "runbook: x\ntitle: A\nsteps:\n  - id: a\n    id: b\n"
		 "title: B\ntitle: C\n");
	CHECK(l.rc == -1);
	CHECK(l.dg.nerr == 3);
	CHECK(has_diag(&l.dg, 6, 1, "duplicate-key", "duplicate key 'title' (first at 2:1)"));
	CHECK(has_diag(&l.dg, 7, 1, "duplicate-key", "duplicate key 'title' (first at 2:1)"));
	CHECK(has_diag(&l.dg, 5, 5, "duplicate-key", "duplicate key 'id' (first at 4:5)"));
	/* non-fatal: the tree is complete, the first value wins */
	CHECK(l.d.root && !strcmp(node_get(l.d.root, "title")->str, "A"));
	unload(&l);

	/* YAML features that hide things */
	expect_reject("base: &b {x: 1}\nuse:\n  <<: *b\n  x: 2\n", 3, 3, "yaml-feature",
		      "merge key '<<' is not supported");
	expect_reject("? [a, b]\n: 1\n", 1, 3, "yaml-feature",
		      "mapping key must be a scalar, not a list");
	expect_reject("{a: 1}: 1\n", 1, 1, "yaml-feature",
		      "mapping key must be a scalar, not a mapping");
	expect_reject("a: !!binary aGk=\n", 1, 4, "yaml-feature",
		      "unsupported tag '!!binary'");
	expect_reject("a: !custom x\n", 1, 4, "yaml-feature",
		      "unsupported tag '!custom'");
	expect_reject("a: !!seq {b: 1}\n", 1, 4, "yaml-feature",
		      "unsupported tag '!!seq' on a mapping");
	expect_reject("a: !!int twelve\n", 1, 4, "yaml-feature",
		      "'twelve' is not a valid !!int value");
	expect_reject("a: &x [1, *x]\n", 1, 11, "yaml-feature",
		      "alias 'x' is inside its own anchor");
	expect_reject("a: *nope\n", 1, 4, "yaml-syntax", "undefined alias 'nope'");
	/* quoted << is an ordinary key; core tags are fine */
	load_str(&l, "t.yaml", "'<<': 1\nb: !!int 12\nc: !!float '1.5'\nd: !!bool true\n"
		 "e: !!map {}\nf: !!seq []\n");
	CHECK(l.rc == 0 && l.dg.n == 0);
	CHECK(l.rc == 0 && node_get(l.d.root, "c")->style == S_PLAIN);
	unload(&l);

	/* more than one document */
	expect_reject("a: 1\n---\nb: 2\n", 2, 1, "yaml-multi-doc",
		      "more than one YAML document");
	expect_reject("a: 1\n...\n---\nb: 2\n", 3, 1, "yaml-multi-doc",
		      "more than one YAML document");
	load_str(&l, "t.yaml", "---\na: 1\n...\n");
	CHECK(l.rc == 0 && l.d.root && l.d.root->kind == N_MAP);
	unload(&l);
}

static void test_depth(void)
{
	char buf[400];
	/* 64 levels load, 65 do not */
	memset(buf, 0, sizeof(buf));
	memset(buf, '[', 64);
	memset(buf + 64, ']', 64);
	loaded l;
	load_str(&l, "t.yaml", buf);
	CHECK(l.rc == 0);
	unload(&l);
	memset(buf, 0, sizeof(buf));
	memset(buf, '[', 65);
	memset(buf + 65, ']', 65);
	expect_reject(buf, 1, 65, "yaml-depth", "nesting deeper than 64 levels");

	/* block mappings count the same way */
	sbuf b = { 0 };
	for (int i = 0; i < 70; i++)
		sbuf_addf(&b, "%*sk%d:\n", 2 * i, "", i);
	expect_reject(b.buf, 65, 129, "yaml-depth", "nesting deeper than 64");
	sbuf_release(&b);

	/* an alias nests its anchored subtree where it is used */
	sbuf_adds(&b, "a: &x ");
	for (int i = 0; i < 40; i++)
		sbuf_addc(&b, '[');
	for (int i = 0; i < 40; i++)
		sbuf_addc(&b, ']');
	sbuf_adds(&b, "\nb: ");
	for (int i = 0; i < 30; i++)
		sbuf_addc(&b, '[');
	sbuf_adds(&b, "*x");
	for (int i = 0; i < 30; i++)
		sbuf_addc(&b, ']');
	sbuf_addc(&b, '\n');
	expect_reject(b.buf, 2, 34, "yaml-depth", "alias 'x' nests deeper than 64");
	sbuf_release(&b);
}

static void test_alias_bomb(void)
{
	/* the classic: 10 levels of 10 aliases, 10^10 nodes expanded */
	sbuf b = { 0 };
	sbuf_adds(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 10; i++) {
		sbuf_addf(&b, "a%d: &a%d [", i, i);
		for (int j = 0; j < 10; j++)
			sbuf_addf(&b, "%s*a%d", j ? ", " : "", i - 1);
		sbuf_adds(&b, "]\n");
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	loaded l;
	load_str(&l, "lol.yaml", b.buf);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	CHECK(l.rc == -1);
	CHECK(l.dg.nerr == 1);
	/* a5 is the first anchor past 10^6: stopped at its first alias over */
	CHECK(has_diag(&l.dg, 6, 45, "yaml-alias-bomb", "more than 1000000 nodes"));
	CHECK(ms < 1000);
	CHECK(l.a.total < 1024 * 1024);         /* nothing was copied */
	CHECK(l.d.root == NULL);
	unload(&l);
	sbuf_release(&b);

	/* aliases below the bound share the anchored node */
	load_str(&l, "t.yaml", "base: &b {image: nginx}\none: *b\ntwo: *b\n");
	CHECK(l.rc == 0);
	CHECK(node_get(l.d.root, "one") == node_get(l.d.root, "base"));
	CHECK(node_get(l.d.root, "two") == node_get(l.d.root, "base"));
	unload(&l);

	/* plain size counts too: a flat list of a million items */
	sbuf_adds(&b, "[");
	for (int i = 0; i < 1000001; i++)
		sbuf_add(&b, "1,", 2);
	sbuf_adds(&b, "1]");
	load_str(&l, "flat.yaml", b.buf);
	CHECK(l.rc == -1);
	CHECK(l.dg.nerr == 1 && l.dg.v[0].rule && !strcmp(l.dg.v[0].rule, "yaml-alias-bomb"));
	unload(&l);
	sbuf_release(&b);
}

static void test_files(void)
{
	char dir[] = "/tmp/test_load.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char *big = xasprintf("%s/big.yaml", dir);
	char *ok = xasprintf("%s/ok.yaml", dir);
	char *missing = xasprintf("%s/missing.yaml", dir);

	/* over the bound: a sparse file, refused by fstat before any read */
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && ftruncate(fd, (off_t)LOAD_MAX_BYTES + 1) == 0);
	close(fd);
	loaded l;
	arena_init(&l.a);
	diags_init(&l.dg);
	CHECK(load_file(&l.a, big, &l.d, &l.dg) == -1);
	CHECK(l.dg.nerr == 1 && !strcmp(l.dg.v[0].rule, "file-too-large"));
	CHECK(strstr(l.dg.v[0].msg, "8388609 bytes") != NULL);
	CHECK(l.dg.v[0].line == 1 && l.dg.v[0].col == 1);
	CHECK(l.a.total < 64 * 1024);
	unload(&l);

	arena_init(&l.a);
	diags_init(&l.dg);
	CHECK(load_file(&l.a, missing, &l.d, &l.dg) == -1);
	CHECK(l.dg.nerr == 1 && !strcmp(l.dg.v[0].rule, "io"));
	CHECK(strstr(l.dg.v[0].msg, "No such file or directory") != NULL);
	CHECK(l.dg.v[0].line == 0);
	unload(&l);

	arena_init(&l.a);
	diags_init(&l.dg);
	CHECK(load_file(&l.a, dir, &l.d, &l.dg) == -1);
	CHECK(l.dg.nerr == 1 && !strcmp(l.dg.v[0].rule, "io"));
	unload(&l);

	FILE *f = fopen(ok, "w");
	CHECK(f != NULL);
	fputs("runbook: x\nsteps:\n  - log: hi\n", f);
	fclose(f);
	arena_init(&l.a);
	diags_init(&l.dg);
	CHECK(load_file(&l.a, ok, &l.d, &l.dg) == 0);
	CHECK(l.d.root && !strcmp(l.d.path, ok) && l.d.srclen == 30);
	node *st = node_get(l.d.root, "steps");
	node *log = st && st->n == 1 ? node_get(st->vals[0], "log") : NULL;
	CHECK(log && log->line == 3 && log->col == 10 && log->file == l.d.path);
	unload(&l);

	unlink(big);
	unlink(ok);
	rmdir(dir);
	free(big);
	free(ok);
	free(missing);
}

/* node_pos_at on the value of key in src: expect line:col */
static void pos_case(const char *src, const char *key, size_t off, int line, int col)
{
	loaded l;
	load_str(&l, "p.yaml", src);
	node *v = node_get(l.d.root, key);
	int ln = -1, cl = -1;
	if (v)
		node_pos_at(v, off, &ln, &cl);
	if (ln != line || cl != col)
		fprintf(stderr, "  pos_at '%s'+%zu: got %d:%d, want %d:%d\n",
			key, off, ln, cl, line, col);
	CHECK(l.rc == 0 && ln == line && cl == col);
	unload(&l);
}

static void test_pos_at(void)
{
	/* plain: column plus offset */
	pos_case("run: echo ${{ inputs.x }}\n", "run", 5, 1, 11);
	pos_case("run: echo ${{ inputs.x }}\n", "run", 0, 1, 6);
	/* multibyte: columns are characters */
	pos_case("run: \xC3\xA9 ${{ x }}\n", "run", 3, 1, 8);
	/* single quotes: '' is one character of the value */
	pos_case("a: 'it''s ${{ x }}'\n", "a", 5, 1, 11);
	/* double quotes: escapes of every width */
	pos_case("a: \"\\t\\x41\\u00e9\\U0001F600 ${{ x }}\"\n", "a", 9, 1, 28);
	pos_case("a: \"\\\"q\\\" ${{ x }}\"\n", "a", 4, 1, 11);
	/* multi-line plain: the fold is one space */
	pos_case("a: first\n  second ${{ x }}\n", "a", 13, 2, 10);
	/* blank line in a fold is a newline */
	pos_case("a: first\n\n  second\n", "a", 6, 3, 3);
	/* double-quoted escaped line break produces nothing */
	pos_case("a: \"one \\\n    two ${{ x }}\"\n", "a", 8, 2, 9);
	pos_case("a: \"\\\n  x\"\n", "a", 0, 2, 3);
	/* literal block: lines counted, block indentation added */
	pos_case("a: |\n  first\n  second ${{ x }}\n", "a", 13, 3, 10);
	pos_case("a: |\n  first\n\n  third\n", "a", 7, 4, 3);
	/* more-indented line keeps its extra spaces */
	pos_case("a: |\n  x\n    y\n", "a", 4, 3, 5);
	/* explicit indentation indicator */
	pos_case("a: |2\n    lead\n  z\n", "a", 2, 2, 5);
	/* folded block: a single newline became a space */
	pos_case("a: >\n  one\n  two ${{ x }}\n", "a", 8, 3, 7);
	/* a tagged and anchored scalar: offsets start at the content */
	pos_case("a: &n !!str go ${{ x }}\n", "a", 3, 1, 16);
	/* past the end: the end of the value */
	pos_case("a: abc\n", "a", 99, 1, 7);
}

/* Capture diags_print output in a heap string. */
static char *print_to_string(const diags *d, int format, int color,
			     char *const *files, size_t nfiles)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	diags_print(f, d, format, color, files, nfiles);
	fclose(f);
	return buf;
}

static void test_diag_text(void)
{
	diags d;
	diags_init(&d);
	diag_register_source("s.yaml", "a: 1\n\tb:  \"x\"\nc: 3\n", 19);
	diag_add(&d, SEV_WARNING, "s.yaml", 3, 1, "lint-x", "late %s", "warning");
	diag_add(&d, SEV_ERROR, "s.yaml", 2, 6, "bad-value", "bad value '%s'", "x");
	diag_add(&d, SEV_ERROR, "other.yaml", 0, 0, "io", "cannot open file: gone");
	diag_add(&d, SEV_ERROR, "s.yaml", 2, 6, "second", "same place, added later");
	CHECK(d.nerr == 3 && d.nwarn == 1);
	diags_sort(&d);
	CHECK_STR(d.v[0].file, "other.yaml");
	CHECK_STR(d.v[1].rule, "bad-value");     /* stable on ties */
	CHECK_STR(d.v[2].rule, "second");
	CHECK_STR(d.v[3].rule, "lint-x");

	char *s = print_to_string(&d, DIAG_TEXT, 0, NULL, 0);
	CHECK_STR(s,
		  "other.yaml: error: cannot open file: gone [io]\n"
		  "s.yaml:2:6: error: bad value 'x' [bad-value]\n"
		  "  \tb:  \"x\"\n"
		  "  \t    ^\n"
		  "s.yaml:2:6: error: same place, added later [second]\n"
		  "  \tb:  \"x\"\n"
		  "  \t    ^\n"
		  "s.yaml:3:1: warning: late warning [lint-x]\n"
		  "  c: 3\n"
		  "  ^\n");
	free(s);

	s = print_to_string(&d, DIAG_TEXT, 1, NULL, 0);
	CHECK(strstr(s, "\033[1ms.yaml:2:6:\033[0m \033[1;31merror:\033[0m bad value") != NULL);
	CHECK(strstr(s, "\033[1;33mwarning:\033[0m late warning") != NULL);
	free(s);

	/* runbook text is made safe for terminals */
	diags e;
	diags_init(&e);
	diag_add(&e, SEV_ERROR, "s.yaml", 1, 1, "k", "unknown key '\033[31mx'");
	s = print_to_string(&e, DIAG_TEXT, 0, NULL, 0);
	CHECK(strstr(s, "unknown key '\\x1b[31mx'") != NULL);
	CHECK(strchr(s, '\033') == NULL);
	free(s);
	diags_release(&e);

	CHECK(diag_format_from_name("text") == DIAG_TEXT);
	CHECK(diag_format_from_name("json") == DIAG_JSON);
	CHECK(diag_format_from_name("github") == DIAG_GITHUB);
	CHECK(diag_format_from_name("sarif") == DIAG_SARIF);
	CHECK(diag_format_from_name("junit") == DIAG_JUNIT);
	CHECK(diag_format_from_name("xml") == -1);
	diags_release(&d);
	CHECK(d.n == 0 && d.nerr == 0);
}

static void test_diag_machine(void)
{
	diags d;
	diags_init(&d);
	diag_add(&d, SEV_ERROR, "dir/a b.yaml", 4, 7, "unknown-key",
		 "unknown key 'restrat' (did you mean 'restart'?)");
	diag_add(&d, SEV_WARNING, "dir/a b.yaml", 9, 1, "stale", "100%% <stale> & \"old\"\nreview");
	diag_add(&d, SEV_ERROR, "c,d.yaml", 1, 2, "unknown-key", "x");
	char *files[] = { "dir/a b.yaml", "c,d.yaml", "clean.yaml" };

	/* json: parse it back */
	char *s = print_to_string(&d, DIAG_JSON, 0, files, 3);
	cJSON *j = cJSON_Parse(s);
	CHECK(j != NULL);
	cJSON *arr = cJSON_GetObjectItem(j, "diagnostics");
	CHECK(cJSON_GetArraySize(arr) == 3);
	cJSON *o = cJSON_GetArrayItem(arr, 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "file")), "dir/a b.yaml");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "line")) == 4);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "col")) == 7);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "severity")), "error");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "rule")), "unknown-key");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "message")),
		  "unknown key 'restrat' (did you mean 'restart'?)");
	o = cJSON_GetArrayItem(arr, 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "severity")), "warning");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "message")),
		  "100% <stale> & \"old\"\\x0areview");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "errors")) == 2);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(j, "warnings")) == 1);
	cJSON_Delete(j);
	free(s);

	/* sarif: parse it back */
	s = print_to_string(&d, DIAG_SARIF, 0, files, 3);
	j = cJSON_Parse(s);
	CHECK(j != NULL);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(j, "version")), "2.1.0");
	cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "runs"), 0);
	cJSON *driver = cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(driver, "name")), "runbook");
	cJSON *rules = cJSON_GetObjectItem(driver, "rules");
	CHECK(cJSON_GetArraySize(rules) == 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(rules, 1), "id")),
		  "stale");
	CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(run, "artifacts")) == 3);
	cJSON *results = cJSON_GetObjectItem(run, "results");
	CHECK(cJSON_GetArraySize(results) == 3);
	cJSON *r2 = cJSON_GetArrayItem(results, 2);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r2, "ruleId")), "unknown-key");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(r2, "ruleIndex")) == 0);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r2, "level")), "error");
	cJSON *r1 = cJSON_GetArrayItem(results, 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(r1, "level")), "warning");
	cJSON *phys = cJSON_GetObjectItem(cJSON_GetArrayItem(
		cJSON_GetObjectItem(cJSON_GetArrayItem(results, 0), "locations"), 0),
		"physicalLocation");
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(
		cJSON_GetObjectItem(phys, "artifactLocation"), "uri")), "dir/a%20b.yaml");
	cJSON *reg = cJSON_GetObjectItem(phys, "region");
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(reg, "startLine")) == 4);
	CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(reg, "startColumn")) == 7);
	cJSON_Delete(j);
	free(s);

	/* github: workflow commands with their escaping */
	s = print_to_string(&d, DIAG_GITHUB, 0, files, 3);
	CHECK_STR(s,
		  "::error file=dir/a b.yaml,line=4,col=7,title=unknown-key::"
		  "unknown key 'restrat' (did you mean 'restart'?)\n"
		  "::warning file=dir/a b.yaml,line=9,col=1,title=stale::"
		  "100%25 <stale> & \"old\"\\x0areview\n"
		  "::error file=c%2Cd.yaml,line=1,col=2,title=unknown-key::x\n");
	free(s);

	/* junit: one testcase per file and rule ("valid" for a clean file), a
	 * failure per rule with errors, warnings in system-out, XML-escaped */
	s = print_to_string(&d, DIAG_JUNIT, 0, files, 3);
	CHECK(strncmp(s, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
	CHECK(strstr(s, "<testsuite name=\"runbook check\" tests=\"4\" failures=\"2\" errors=\"0\"") != NULL);
	CHECK(strstr(s, "<testcase classname=\"dir/a b.yaml\" name=\"unknown-key\">") != NULL);
	CHECK(strstr(s, "<testcase classname=\"dir/a b.yaml\" name=\"stale\">") != NULL);
	CHECK(strstr(s, "<testcase classname=\"clean.yaml\" name=\"valid\"/>") != NULL);
	CHECK(strstr(s, "<failure message=\"unknown key &apos;restrat&apos; (did you mean "
		      "&apos;restart&apos;?)\" type=\"unknown-key\">dir/a b.yaml:4:7: error: "
		      "unknown key &apos;restrat&apos;") != NULL);
	CHECK(strstr(s, "<system-out>dir/a b.yaml:9:1: warning: 100% &lt;stale&gt; &amp; "
		      "&quot;old&quot;") != NULL);
	CHECK(strstr(s, "c,d.yaml:1:2: error: x [unknown-key]&#10;</failure>") != NULL);
	int nfail = 0;
	for (const char *p = s; (p = strstr(p, "<failure ")); p++)
		nfail++;
	CHECK(nfail == 2);
	CHECK(strstr(s, "</testsuite>\n</testsuites>\n") != NULL);
	free(s);

	/* a clean run still lists the files */
	diags clean;
	diags_init(&clean);
	s = print_to_string(&clean, DIAG_JSON, 0, files, 3);
	CHECK_STR(s, "{\"diagnostics\":[],\"errors\":0,\"warnings\":0}\n");
	free(s);
	s = print_to_string(&clean, DIAG_TEXT, 0, files, 3);
	CHECK_STR(s, "");
	free(s);
	s = print_to_string(&clean, DIAG_JUNIT, 0, files, 3);
	CHECK(strstr(s, "tests=\"3\" failures=\"0\"") != NULL);
	free(s);
	diags_release(&clean);
	diags_release(&d);
}

/* Loader diagnostics print with the source line they came from. */
static void test_load_then_print(void)
{
	loaded l;
	load_str(&l, "dup.yaml", "title: a\nsteps: []\ntitle: b\n");
	CHECK(l.rc == -1);
	arena_free(&l.a);       /* the source's owner is gone, the registry kept a copy */
	char *s = print_to_string(&l.dg, DIAG_TEXT, 0, NULL, 0);
	diags_release(&l.dg);
	CHECK_STR(s, "dup.yaml:3:1: error: duplicate key 'title' (first at 1:1) "
		  "[duplicate-key]\n  title: b\n  ^\n");
	free(s);
}

int main(void)
{
	test_positions();
	test_lookups();
	test_rejections();
	test_depth();
	test_alias_bomb();
	test_files();
	test_pos_at();
	test_diag_text();
	test_diag_machine();
	test_load_then_print();
	diag_forget_sources();
	return unit_done("test_load");
}
