/*
 * cmd_import.c - `runbook import FILE.md`: a Markdown runbook into a
 * runbook skeleton (lang/import.h does the conversion).
 *
 * Each runbook is written to a temporary file next to its destination,
 * loaded and validated there as `runbook check` would (an import that
 * `check` would refuse is an error of the importer, reported as such and
 * written nowhere), then linked into place: an existing file is never
 * replaced unless --force.  A destination that is no regular file
 * (/dev/null, /dev/stdout, a FIFO) is written into, never replaced, and so
 * is the file a symbolic link leads to (with --force when it exists).  With --split every procedure of the document
 * becomes FILE.yaml in the -o directory (default the current one), named
 * after its heading; all names are checked before any is written.
 *
 * The report -- every guess that needs a human decision, at its place in
 * the Markdown -- goes to stderr, or to --report FILE.
 */
#include "cli/cmd.h"
#include "lang/import.h"
#include "lang/node.h"
#include "lang/runbook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { O_OUTPUT = 1, O_SPLIT, O_FORCE, O_REPORT };

const cmd_opt import_options[] = {
	OPT_STRING(O_OUTPUT, "output", 'o', "PATH",
		   "the runbook file (default stdout); with --split the directory (default .)"),
	OPT_FLAG(O_SPLIT, "split", 0, "one runbook per procedure (each heading of the level that repeats)"),
	OPT_FLAG(O_FORCE, "force", 0, "replace files that exist"),
	OPT_STRING(O_REPORT, "report", 0, "FILE", "write the review report there (default stderr)"),
	OPT_END
};

/* the whole file, up to the loader's limit and one byte more */
static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	sbuf b = { 0 };
	char buf[65536];
	ssize_t n;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) < 0 || S_ISDIR(sb.st_mode)) {
		errno = S_ISDIR(sb.st_mode) ? EISDIR : errno;
		close(fd);
		return NULL;
	}
	while (b.len <= LOAD_MAX_BYTES && (n = read(fd, buf, sizeof buf)) > 0)
		sbuf_add(&b, buf, (size_t)n);
	close(fd);
	*len = b.len;
	return b.buf ? b.buf : xstrdup("");
}

/* write data to a new temporary file in dir: its path, or NULL (errno) */
static char *write_temp(const char *dir, const char *data, size_t len)
{
	char *tmp = xasprintf("%s/.runbook-import.XXXXXX", dir);
	int fd = mkstemp(tmp);
	size_t off = 0;

	if (fd < 0) {
		free(tmp);
		return NULL;
	}
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w <= 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			free(tmp);
			errno = e;
			return NULL;
		}
		off += (size_t)w;
	}
	fchmod(fd, 0644 & ~umask(umask(0)));
	close(fd);
	return tmp;
}

/* the runbook at path passes `check` (no errors); else the diagnostics */
static int self_check(const char *path, const char *name)
{
	diags dg;
	runbook *rb;
	int ok;

	diags_init(&dg);
	rb = runbook_load(path, &dg, 1);
	ok = dg.nerr == 0;
	if (!ok) {
		char *files[1] = { (char *)path };
		fprintf(stderr, "runbook import: the runbook '%s' it made does not pass check "
				"(an importer bug; please report it with the document):\n", name);
		diags_sort(&dg);
		diags_print(stderr, &dg, DIAG_TEXT, 0, files, 1);
	}
	if (rb)
		runbook_free(rb);
	diags_release(&dg);
	return ok ? 0 : -1;
}

/* dst names something that is not a regular file or a directory, like
 * /dev/null, /dev/stdout on a pipe or a FIFO: written into, never replaced,
 * and no --force needed */
static int is_special(const char *dst)
{
	struct stat st;
	return stat(dst, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* a symbolic link is never replaced either: written through (with --force
 * when it leads to a file) */
static int is_link(const char *dst)
{
	struct stat st;
	return lstat(dst, &st) == 0 && S_ISLNK(st.st_mode);
}

static int write_special(const char *dst, const char *data, size_t len)
{
	int fd = open(dst, O_WRONLY | O_TRUNC | O_CREAT | O_NOCTTY | O_CLOEXEC, 0644);
	size_t off = 0;
	ssize_t w = 0;

	while (fd >= 0 && off < len && (w = write(fd, data + off, len - off)) > 0)
		off += (size_t)w;
	if (fd < 0 || off < len || close(fd) < 0) {
		fprintf(stderr, "runbook import: %s: %s\n", dst, strerror(errno));
		if (fd >= 0 && off < len)
			close(fd);
		return -1;
	}
	return 0;
}

/* each output: checked in a temporary file, then put in place (stdout
 * when dst is NULL); 0, or -1 with the message printed */
static int place(const imp_out *o, const char *dir, const char *dst, int force)
{
	char *tmp = write_temp(dir, o->yaml, o->len);
	int rc = 0;

	if (!tmp) {
		fprintf(stderr, "runbook import: cannot write in '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	if (self_check(tmp, o->id) < 0) {
		rc = -1;
	} else if (!dst) {
		fwrite(o->yaml, 1, o->len, stdout);
	} else if (is_special(dst) || is_link(dst)) {
		rc = write_special(dst, o->yaml, o->len);
	} else if (force ? rename(tmp, dst) < 0 : link(tmp, dst) < 0) {
		fprintf(stderr, "runbook import: %s: %s%s\n", dst, strerror(errno),
			errno == EEXIST ? " (--force replaces it)" : "");
		rc = -1;
	}
	unlink(tmp);
	free(tmp);
	return rc;
}

static int write_report(const command *self, const char *path, const diags *rep, const char *file)
{
	FILE *f = path ? fopen(path, "we") : stderr;
	char *files[1] = { (char *)file };

	if (!f) {
		fprintf(stderr, "runbook %s: cannot write '%s': %s\n", self->name, path, strerror(errno));
		return -1;
	}
	diags_print(f, rep, DIAG_TEXT, path ? 0 : want_color(stderr, 0), files, 1);
	return path ? fclose(f) : 0;
}

/* the destinations: none may exist unless force or special (checked before
 * any is written) */
static char **destinations(const imp_result *r, const char *out, int split, int force)
{
	char **dst = xcalloc(r->n + 1, sizeof(*dst));

	for (size_t i = 0; i < r->n; i++) {
		if (split)
			dst[i] = xasprintf("%s/%s.yaml", out ? out : ".", r->v[i].id);
		else if (out)
			dst[i] = xstrdup(out);
		if (dst[i] && !force && access(dst[i], F_OK) == 0 && !is_special(dst[i])) {
			fprintf(stderr, "runbook import: '%s' exists (--force replaces it)\n", dst[i]);
			for (size_t k = 0; k <= i; k++)
				free(dst[k]);
			free(dst);
			return NULL;
		}
	}
	return dst;
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? xstrndup(path, s == path ? 1 : (size_t)(s - path)) : xstrdup(".");
}

static int import_write(const imp_result *r, const char *out, int split, int force)
{
	char **dst;
	int rc = EXIT_OK;

	if (split && out && mkdir(out, 0777) < 0 && errno != EEXIST) {
		fprintf(stderr, "runbook import: cannot make directory '%s': %s\n", out, strerror(errno));
		return EXIT_USAGE;
	}
	if (!(dst = destinations(r, out, split, force)))
		return EXIT_USAGE;
	for (size_t i = 0; i < r->n && rc == EXIT_OK; i++) {
		char *dir = dst[i] ? dir_of(dst[i]) : xstrdup(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (place(&r->v[i], dir, dst[i], force) < 0)
			rc = EXIT_USAGE;
		else if (dst[i])
			fprintf(stderr, "runbook import: wrote %s\n", dst[i]);
		free(dir);
	}
	for (size_t i = 0; i < r->n; i++)
		free(dst[i]);
	free(dst);
	return rc;
}

/*
 * `runbook import FILE.md [-o PATH] [--split] [--force] [--report FILE]`:
 * exit 0 when every runbook was written, 2 for a usage error, a document
 * it cannot read (the error at its file:line:col), or an output that
 * could not be written.
 */
int cmd_import(const command *self, int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *report = NULL;
	int split = 0, force = 0, id, rc;
	opt_parser p;
	diags dg, rep;
	imp_result r;
	size_t len;
	char *src;

	opts_init(&p, self, argc, argv);
	while ((id = opts_next(&p)) != OPTS_DONE) {
		if (id == OPTS_EXIT)
			return p.rc;
		if (id == OPTS_ARG && opts_one(&p, &file, "document") == OPTS_EXIT)
			return p.rc;
		if (id == O_OUTPUT)
			out = p.val;
		else if (id == O_SPLIT)
			split = 1;
		else if (id == O_FORCE)
			force = 1;
		else if (id == O_REPORT)
			report = p.val;
	}
	if (!file)
		return usage_error(self, "which Markdown document?");
	if (!(src = read_all(file, &len))) {
		fprintf(stderr, "runbook import: cannot read '%s': %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	diags_init(&dg);
	diags_init(&rep);
	if (md_import(file, src, len, split, &r, &rep, &dg) < 0) {
		char *files[1] = { (char *)file };
		diags_print(stderr, &dg, DIAG_TEXT, want_color(stderr, 0), files, 1);
		rc = EXIT_USAGE;
	} else {
		rc = import_write(&r, out, split, force);
		if (write_report(self, report, &rep, file) < 0 && rc == EXIT_OK)
			rc = EXIT_USAGE;
		imp_result_release(&r);
	}
	diags_release(&dg);
	diags_release(&rep);
	free(src);
	return rc;
}
