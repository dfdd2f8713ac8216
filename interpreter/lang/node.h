/*
 * node.h - the YAML document tree with source positions (the AST).
 *
 * load_file() parses one YAML document with libyaml into a tree of nodes
 * allocated in the document's arena.  Every node knows its file, line and
 * column (1-based) and its byte offset in the source.  Aliases point at the
 * anchored node (shared, not copied); the loader bounds the expanded size.
 *
 * Loader rejections (each a diagnostic, the load returns -1):
 *   syntax errors, duplicate keys, non-scalar keys, tags other than the
 *   core ones, files over LOAD_MAX_BYTES, nesting over LOAD_MAX_DEPTH,
 *   alias expansion over LOAD_MAX_NODES, more than one document.
 */
#ifndef RB_NODE_H
#define RB_NODE_H

#include <stddef.h>
#include "base/arena.h"
#include "base/diag.h"

#define LOAD_MAX_BYTES  (8u * 1024 * 1024)
#define LOAD_MAX_DEPTH  64
#define LOAD_MAX_NODES  1000000u    /* counting alias expansions */

typedef enum { N_SCALAR, N_MAP, N_SEQ } node_kind;

/* scalar styles */
enum { S_PLAIN, S_SINGLE, S_DOUBLE, S_LITERAL, S_FOLDED };

typedef struct node node;
struct node {
	node_kind kind;
	int line, col;          /* 1-based position of the node's first char */
	size_t offset;          /* byte offset of the node in the source */
	const char *file;
	/* N_SCALAR */
	char *str;              /* NUL-terminated value (may hold NULs: use len) */
	size_t len;
	int style;              /* S_* */
	/* N_MAP: keys[i] (scalars) -> vals[i];  N_SEQ: vals[i] */
	size_t n;
	node **keys;
	node **vals;
	void *cache;            /* free slot for a parsed template (expr.h) */
};

typedef struct doc {
	arena *a;               /* owns everything below */
	const char *path;
	char *src;              /* whole file, NUL-terminated */
	size_t srclen;
	node *root;             /* NULL for an empty document */
} doc;

/*
 * Load path into d (arena a must be initialised).  Returns 0, or -1 with
 * diagnostics added to dg.  The source is registered for diag printing.
 * The path "-" is standard input, with the same size limit; diagnostics
 * (and d->path) name it "<stdin>", and `use:` looks next to it in the
 * current directory.  A process reads it once: a second "-" is an error.
 * Every command that loads through load_file() or runbook_load() takes
 * "-" this way.
 */
#define LOAD_STDIN_PATH "-"
#define LOAD_STDIN_NAME "<stdin>"
int load_file(arena *a, const char *path, doc *d, diags *dg);
/* path is "-" */
int load_is_stdin(const char *path);
/* the name diagnostics give path: "<stdin>" for "-", else path itself */
const char *load_name(const char *path);
/* Same, from memory (name is used in diagnostics). */
int load_buffer(arena *a, const char *name, const char *buf, size_t len,
		doc *d, diags *dg);

/* Lookups (NULL when absent or n is not a map) */
node *node_get(const node *map, const char *key);
node *node_key(const node *map, const char *key);   /* the key node */
int node_is_null(const node *n);      /* ~, null, empty plain scalar */

/*
 * Booleans, one answer for every reader of the tree: the YAML 1.2 core
 * schema's, as render.c's scalar_literal() types a scalar.  true, True,
 * TRUE, false, False and FALSE are booleans when plain (or tagged !!bool);
 * a quoted 'true' is a string, and so is yes/on/1.
 * yaml_bool_text: 1 or 0 for those words, -1 for any other text.
 * node_bool: 1 with *b set when n is a boolean scalar, else 0.
 * node_is_true: n is the boolean true.
 */
int yaml_bool_text(const char *s);
int node_bool(const node *n, int *b);
int node_is_true(const node *n);

/*
 * Position of byte `off` inside a scalar's value, mapped back to the
 * source (best effort for escapes and folded lines).  Used to point at an
 * error inside a ${{ }} expression.
 */
void node_pos_at(const node *scalar, size_t off, int *line, int *col);

const char *node_kind_name(const node *n);   /* "string", "mapping", "list" */

#endif
