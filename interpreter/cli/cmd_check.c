/*
 * cmd_check.c - `runbook check PATH...`: validate and lint files and
 * directories (recursing into *.yaml / *.yml, skipping hidden entries).
 * Every file is checked and every error of each file is reported; a
 * file found under a directory that cannot be read (a dangling link) is
 * a diagnostic of rule "io" like any other.
 * Exit EXIT_USAGE (2) when any file has an error; with --strict
 * EXIT_FAILED (1) when there are warnings and no error; else EXIT_OK.
 *
 * The lint policy of a file is the first .runbook.yaml found walking up
 * from its directory, stopping after a directory that holds .git (the
 * repository's top) or at the filesystem root; --config FILE names one
 * for every file, --no-config uses none.
 */
#include "cli/cmd.h"
#include "lang/fragment.h"
#include "lang/lint.h"
#include "base/clock.h"
#include "lang/node.h"
#include "lang/rules.h"
#include "lang/runbook.h"
#include "run/exec.h"

#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { O_FORMAT = 1, O_NO_COLOR, O_LIST_RULES, O_STRICT, O_CONFIG, O_NO_CONFIG };

const cmd_opt check_options[] = {
	OPT_STRING(O_FORMAT, "format", 0, "text|json|github|sarif|junit",
		   "how to print the diagnostics (default text)"),
	OPT_NO_COLOR(O_NO_COLOR),
	OPT_STDLIB,
	OPT_FLAG(O_LIST_RULES, "list-rules", 0, "list every rule a diagnostic can carry (id, severity, summary) and exit"),
	OPT_FLAG(O_STRICT, "strict", 0, "warnings fail too: exit 1 when there are warnings and no error"),
	OPT_STRING(O_CONFIG, "config", 0, "FILE", "the lint policy of every file (else each file's .runbook.yaml)"),
	OPT_FLAG(O_NO_CONFIG, "no-config", 0, "no lint policy: every rule as its row says"),
	OPT_END
};

typedef struct pathlist {
	char **v;
	size_t n, cap;
} pathlist;

static void pl_add(pathlist *pl, char *p)
{
	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 16;
		pl->v = xrealloc(pl->v, pl->cap * sizeof(char *));
	}
	pl->v[pl->n++] = p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_yaml_ext(const char *name)
{
	size_t n = strlen(name);
	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

/* collect runbook files under dir, sorted for stable output */
static int walk(const char *dir, pathlist *pl, int depth)
{
	if (depth > 32)
		return 0;
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "runbook check: cannot read directory '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	pathlist local = { 0 };
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		pl_add(&local, xasprintf("%s/%s", dir, e->d_name));
	}
	closedir(d);
	if (local.n)
		qsort(local.v, local.n, sizeof(char *), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < local.n; i++) {
		struct stat sb;
		if (stat(local.v[i], &sb) < 0) {
			/* a dangling link: loading it reports why (rule io) */
			if (has_yaml_ext(local.v[i]))
				pl_add(pl, local.v[i]);
			else
				free(local.v[i]);
			continue;
		}
		if (S_ISDIR(sb.st_mode)) {
			if (walk(local.v[i], pl, depth + 1) < 0)
				rc = -1;
			free(local.v[i]);
		} else if (S_ISREG(sb.st_mode) && has_yaml_ext(local.v[i]))
			pl_add(pl, local.v[i]);
		else
			free(local.v[i]);
	}
	free(local.v);
	return rc;
}

static void pl_release(pathlist *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		free(pl->v[i]);
	free(pl->v);
	pl->v = NULL;
	pl->n = pl->cap = 0;
}

/* the policies met so far, by file (a repository's files share one) */
typedef struct policies {
	char **path;
	lint_policy *v;
	size_t n;
	const char *fixed;      /* --config FILE */
	int none;               /* --no-config */
	/* the last directory searched (as named, the file in it no symlink)
	 * and the .runbook.yaml found for it (NULL: none) */
	char *dir, *dir_found;
} policies;

static int is_file(const char *dir, const char *name, int want_dir)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat sb;
	int ok = stat(p, &sb) == 0 && (want_dir ? 1 : S_ISREG(sb.st_mode));
	free(p);
	return ok;
}

/* the .runbook.yaml that governs file (malloc'd), or NULL */
static char *find_policy(const char *file)
{
	char *dir = NULL, *found = NULL;
	if (load_is_stdin(file)) {
		/* standard input: the search starts in the current directory */
		char *cwd = realpath(".", NULL);
		dir = cwd ? xasprintf("%s/-", cwd) : NULL;
		free(cwd);
	} else
		dir = realpath(file, NULL);
	for (char *slash; dir && !found && (slash = strrchr(dir, '/'));) {
		*slash = 0;
		const char *d = *dir ? dir : "/";
		if (is_file(d, ".runbook.yaml", 0))
			found = xasprintf("%s/.runbook.yaml", *dir ? dir : "");
		else if (is_file(d, ".git", 1) || !*dir)
			break;
	}
	free(dir);
	return found;
}

/*
 * find_policy(), searched once for the files of one directory: a file
 * that is no symlink has its real directory where its name says, so the
 * next such file named in the same directory has the same answer (a
 * directory of 1,000 runbooks: one search, not 1,000 of 8 stat calls).
 */
static char *find_policy_cached(policies *ps, const char *file)
{
	struct stat sb;
	if (load_is_stdin(file) || lstat(file, &sb) < 0 || S_ISLNK(sb.st_mode))
		return find_policy(file);
	const char *slash = strrchr(file, '/');
	size_t dl = slash ? (size_t)(slash - file) : 0;
	if (!ps->dir || strlen(ps->dir) != dl || strncmp(ps->dir, file, dl)) {
		free(ps->dir);
		free(ps->dir_found);
		ps->dir = xstrndup(file, dl);
		ps->dir_found = find_policy(file);
	}
	return ps->dir_found ? xstrdup(ps->dir_found) : NULL;
}

/* the policy of file (loaded once per .runbook.yaml, its errors to dg), or NULL */
static const lint_policy *policy_of(policies *ps, const char *file, diags *dg)
{
	if (ps->none)
		return NULL;
	char *path = ps->fixed ? xstrdup(ps->fixed) : find_policy_cached(ps, file);
	if (!path)
		return NULL;
	for (size_t i = 0; i < ps->n; i++)
		if (!strcmp(ps->path[i], path)) {
			free(path);
			return &ps->v[i];
		}
	ps->path = xrealloc(ps->path, (ps->n + 1) * sizeof *ps->path);
	ps->v = xrealloc(ps->v, (ps->n + 1) * sizeof *ps->v);
	ps->path[ps->n] = path;
	lint_policy_load(path, &ps->v[ps->n], dg);
	return &ps->v[ps->n++];
}

static void policies_release(policies *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->path[i]);
		lint_policy_release(&ps->v[i]);
	}
	free(ps->path);
	free(ps->v);
	free(ps->dir);
	free(ps->dir_found);
	lint_set_policy(NULL);
}

/* load, validate and lint every file under its policy; diagnostics to dg,
 * each file's time to secs */
static void check_files(pathlist *files, policies *ps, diags *dg, double *secs)
{
	const char *cli_stdlib = fragment_stdlib();
	for (size_t i = 0; i < files->n; i++) {
		const lint_policy *pol = policy_of(ps, files->v[i], dg);
		lint_set_policy(pol);
		fragment_set_stdlib(cli_stdlib ? cli_stdlib : pol ? pol->stdlib : NULL);
		int64_t t0 = boottime_ns();
		runbook *rb = runbook_load(files->v[i], dg, 1);
		if (rb)
			runbook_free(rb);
		secs[i] = (double)(boottime_ns() - t0) / 1e9;
		if (load_is_stdin(files->v[i])) {
			free(files->v[i]);
			files->v[i] = xstrdup(LOAD_STDIN_NAME);
		}
	}
	fragment_set_stdlib(cli_stdlib);
}

/* the named files, and the runbook files under the named directories (the
 * parser has refused the paths that name nothing readable) */
static int collect(const char **paths, int npaths, pathlist *files)
{
	int rc = EXIT_OK;
	for (int i = 0; i < npaths; i++) {
		struct stat sb;
		size_t before = files->n;
		if (load_is_stdin(paths[i]))
			pl_add(files, xstrdup(paths[i]));
		else if (stat(paths[i], &sb) < 0) {
			fprintf(stderr, "runbook check: %s: %s\n", paths[i], strerror(errno));
			rc = EXIT_USAGE;
		} else if (S_ISDIR(sb.st_mode)) {
			if (walk(paths[i], files, 0) < 0)
				rc = EXIT_USAGE;
			else if (files->n == before) {
				fprintf(stderr, "runbook check: %s: no runbook files (*.yaml, *.yml) in this directory\n",
					paths[i]);
				rc = EXIT_USAGE;
			}
		} else
			pl_add(files, xstrdup(paths[i]));
	}
	return rc;
}

/*
 * `runbook check [--format F] [--no-color] [--strict] [--config FILE |
 * --no-config] PATH...`: every file named or found under a named
 * directory is loaded, validated and linted, and all diagnostics are
 * printed together, sorted.  Options are read before any path is walked,
 * so a usage error leaves nothing behind.  Returns 0; 2 when a file (or
 * a policy file) has an error or a path cannot be read; under --strict 1
 * when there are warnings and no error.
 */
int cmd_check(const command *self, int argc, char **argv)
{
	const char *fmt = "text";
	int no_color = 0, strict = 0;
	policies ps = { 0 };
	pathlist files = { 0 };
	int rc, npaths = 0, id;
	/* the paths, in order: options are all read before any path is walked */
	const char **paths = xcalloc((size_t)argc + 1, sizeof *paths);
	opt_parser p;
	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_EXIT) {
			free(paths);
			return p.rc;
		}
		if (id == O_FORMAT)
			fmt = p.val;
		else if (id == O_NO_COLOR)
			no_color = 1;
		else if (id == O_STRICT)
			strict = 1;
		else if (id == O_CONFIG)
			ps.fixed = p.val;
		else if (id == O_NO_CONFIG)
			ps.none = 1;
		else if (id == O_LIST_RULES) {
			free(paths);
			rules_list(stdout);
			return EXIT_OK;
		} else if (id == OPTS_ARG)
			paths[npaths++] = p.val;
	}
	int format = diag_format_from_name(fmt);
	if (format < 0 || (ps.fixed && ps.none)) {
		free(paths);
		return format < 0 ? usage_error(self, "unknown format '%s'", fmt)
				  : usage_error(self, "--config and --no-config exclude each other");
	}
	if (!npaths) {
		free(paths);
		return usage_error(self, "no runbook files given");
	}
	rc = collect(paths, npaths, &files);
	free(paths);
	if (!files.n) {
		pl_release(&files);
		return EXIT_USAGE;
	}

#ifdef M_TRIM_THRESHOLD
	/*
	 * Each file's arena (a few hundred KB) is freed before the next file
	 * is loaded.  glibc would hand that memory back to the kernel every
	 * time and fault it in again for the next file, which costs more than
	 * the checking; keep it instead (the peak stays one file's worth).
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
	diags dg;
	diags_init(&dg);
	double *secs = xcalloc(files.n + 1, sizeof *secs);
	check_files(&files, &ps, &dg, secs);
	diags_sort(&dg);
	diag_tool tool = { .name = "runbook", .version = RUNBOOK_VERSION,
			   .information_uri = RUNBOOK_DOCS_URL "/reference.md",
			   .rules_uri = RUNBOOK_RULES_URL, .rule = rule_lookup,
			   .files = files.v, .nfiles = files.n, .seconds = secs };
	diags_print_tool(stdout, &dg, format, want_color(stdout, no_color), &tool);
	free(secs);
	if (format == DIAG_TEXT)
		fprintf(stderr, "%zu file%s checked: %d error%s, %d warning%s\n", files.n,
			files.n == 1 ? "" : "s", dg.nerr, dg.nerr == 1 ? "" : "s", dg.nwarn,
			dg.nwarn == 1 ? "" : "s");
	if (dg.nerr)
		rc = EXIT_USAGE;
	else if (strict && dg.nwarn && !rc)
		rc = EXIT_FAILED;
	diags_release(&dg);
	diag_forget_sources();
	policies_release(&ps);
	pl_release(&files);
	return rc;
}
