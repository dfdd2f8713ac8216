/*
 * render.c - turn a YAML node into a value, evaluating its templates.
 *
 * Templates were parsed by the validator and cached in node->cache; a
 * scalar without a cached template is a literal.  The result of a template
 * is data: it is never scanned for ${{ }} again.
 */
#include "lang/inputs.h"
#include "lang/render.h"
#include "lang/expr.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_int_text(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

/*
 * YAML 1.2 core schema for plain scalars: null, booleans, integers and
 * floats; everything else is a string.  Quoted and block scalars are
 * always strings.
 */
value *scalar_literal(const node *n)
{
	if (n->style != S_PLAIN)
		return v_strn(n->str, n->len);
	const char *s = n->str;
	int b;
	if (node_is_null(n))
		return v_null();
	if (node_bool(n, &b))
		return v_bool(b);
	if (is_int_text(s)) {
		errno = 0;
		long long ll = strtoll(s, NULL, 10);
		if (!errno)
			return v_num((double)ll);
	}
	if (strspn(s, "+-0123456789.eE") == n->len && strpbrk(s, "0123456789")) {
		char *end;
		double d = strtod(s, &end);
		if (*end == 0 && isfinite(d))
			return v_num(d);
	}
	return v_strn(n->str, n->len);
}

value *render_node(const node *n, const value *ctx, char **err)
{
	switch (n->kind) {
	case N_SCALAR: {
		const tmpl *t = n->cache;
		if (!t && has_template(n->str, n->len)) {
			/* not seen by the validator (should not happen): parse now */
			arena tmp;
			size_t off;
			const char *msg;
			arena_init(&tmp);
			tmpl *pt = tmpl_parse(&tmp, n->str, n->len, &off, &msg);
			value *v = NULL;
			if (!pt)
				*err = xasprintf("%s", msg);
			else
				v = tmpl_render(pt, ctx, err);
			arena_free(&tmp);
			return v;
		}
		if (!t || tmpl_is_literal(t))
			return scalar_literal(n);
		if (!ctx) {
			/* no context (input defaults, objectives): only env is known */
			value *c = v_obj();
			v_obj_set_take(c, "env", v_obj());
			value *v = tmpl_render(t, c, err);
			v_release(c);
			return v;
		}
		return tmpl_render(t, ctx, err);
	}
	case N_SEQ: {
		value *l = v_list();
		for (size_t i = 0; i < n->n; i++) {
			value *it = render_node(n->vals[i], ctx, err);
			if (!it) {
				v_release(l);
				return NULL;
			}
			v_list_push_take(l, it);
		}
		return l;
	}
	case N_MAP: {
		value *o = v_obj();
		for (size_t i = 0; i < n->n; i++) {
			value *it = render_node(n->vals[i], ctx, err);
			if (!it) {
				v_release(o);
				return NULL;
			}
			v_obj_set_take(o, n->keys[i]->str, it);
		}
		return o;
	}
	}
	*err = xstrdup("bad node");
	return NULL;
}

/* the process environment as an object (the `env` context) */
value *env_object(void)
{
	extern char **environ;
	value *o = v_obj();
	for (char **e = environ; *e; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || eq == *e)
			continue;
		char *k = xstrndup(*e, (size_t)(eq - *e));
		v_obj_set_take(o, k, v_str(eq + 1));
		free(k);
	}
	return o;
}


/*
 * A node as data: scalars typed as YAML's core schema, mappings and
 * sequences recursively, and no template evaluated -- for files that are
 * data (inputs, answers), never code.
 */
value *literal_node(const node *n)
{
	if (n->kind == N_SCALAR)
		return scalar_literal(n);
	value *v = n->kind == N_MAP ? v_obj() : v_list();
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == N_MAP)
			v_obj_set_take(v, n->keys[i]->str, literal_node(n->vals[i]));
		else
			v_list_push_take(v, literal_node(n->vals[i]));
	}
	return v;
}

/* load_file, or load_buffer of buf when set */
static value *data_mapping(const char *path, const char *buf, size_t len, const char *what,
			   char **err)
{
	arena a;
	doc d;
	diags dg;
	arena_init(&a);
	diags_init(&dg);
	value *v = NULL;
	int rc = buf ? load_buffer(&a, path, buf, len, &d, &dg) : load_file(&a, path, &d, &dg);
	if (rc == 0 && d.root && d.root->kind == N_MAP)
		v = literal_node(d.root);
	else if (dg.n)
		*err = xasprintf("%s:%d:%d: %s", dg.v[0].file, dg.v[0].line, dg.v[0].col, dg.v[0].msg);
	else
		*err = xasprintf("%s: %s", path, what);
	diags_release(&dg);
	arena_free(&a);
	return v;
}

value *load_data_mapping(const char *path, const char *what, char **err)
{
	return data_mapping(path, NULL, 0, what, err);
}

/*
 * As load_data_mapping, for a file that grants something (the answers of
 * --approve): refused when group or others may write it, or when it
 * belongs to someone other than the current user or root.  The check is
 * made on the open file, and what is parsed is what was read from it.
 */
value *load_owned_mapping(const char *path, const char *what, char **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*err = xasprintf("%s: cannot open file: %s", path, strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fd, &sb) < 0 || S_ISDIR(sb.st_mode)) {
		*err = xasprintf("%s: cannot read file: %s", path,
				 S_ISDIR(sb.st_mode) ? strerror(EISDIR) : strerror(errno));
		close(fd);
		return NULL;
	}
	if (sb.st_mode & 022) {
		*err = xasprintf("%s is writable by group or others (mode %04o): refusing it, "
				 "whoever can write it decides (chmod go-w '%s')", path,
				 (unsigned)(sb.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	if (sb.st_uid != geteuid() && sb.st_uid != 0) {
		*err = xasprintf("%s is owned by uid %d, not by the current user (uid %d) or "
				 "root: refusing it", path, (int)sb.st_uid, (int)geteuid());
		close(fd);
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > LOAD_MAX_BYTES)
				break;              /* load_buffer reports the size */
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = xasprintf("%s: cannot read file: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	value *v = data_mapping(path, buf, len, what, err);
	free(buf);
	return v;
}
