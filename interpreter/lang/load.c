/*
 * load.c - YAML to node tree, with positions and bounded resources.
 *
 * The loader pulls libyaml events (yaml_parser_parse) and builds the tree by
 * recursive descent, bounded by LOAD_MAX_DEPTH.  libyaml marks count
 * characters from 0; they are turned into 1-based line/col here, once, and
 * the character index into a byte offset with a forward-moving cursor.
 *
 * A node's position is that of its content: anchors and tags in front of it
 * are skipped, so an error about a value points at the value itself.
 *
 * Errors come in two kinds.  Fatal ones (syntax, depth, alias bomb, second
 * document) stop the parse and leave d->root NULL.  The others (duplicate
 * keys, merge keys, non-scalar keys, unsupported tags, bad aliases) are
 * recorded and the parse goes on, so a user sees all of them at once; the
 * load still returns -1 but d->root holds the complete tree.
 */
#include "lang/node.h"
#include "base/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define YAML_TAG_PREFIX "tag:yaml.org,2002:"

/* The text of a stand-in for a rejected key: never a duplicate. */
static char no_key[] = "";

typedef struct anchor {
	char *name;             /* heap; NULL for an empty slot */
	node *n;                /* NULL while the anchored node is being built */
	size_t size;            /* expanded node count of the subtree */
	int height;             /* nesting levels of the subtree */
} anchor;

typedef struct loader {
	arena *a;
	diags *dg;
	const char *file;
	const char *src;        /* whole source */
	size_t len;
	size_t base;            /* bytes skipped before libyaml's input (BOM) */
	size_t cur_c, cur_b;    /* cursor: libyaml char index -> byte offset */
	int ascii;              /* no byte >= 0x80: a char index is a byte offset */
	yaml_parser_t p;
	size_t total;           /* nodes so far, alias expansions included */
	int nerr;
	int fatal;
	anchor *anchors;        /* open addressing, power-of-two size */
	size_t nanchors, cap;
} loader;

/* Position of a node in the source: 1-based line and column, byte offset. */
typedef struct pos {
	int line, col;
	size_t off;
} pos;

static void lerr(loader *L, pos at, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void lerr(loader *L, pos at, const char *rule, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(L->dg, SEV_ERROR, L->file, at.line, at.col, rule, fmt, ap);
	va_end(ap);
	L->nerr++;
}


/* Bytes in the UTF-8 character starting with lead byte c. */
static size_t utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xF0 && c <= 0xF7)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/* A walker over source text that keeps line and column (in characters). */
typedef struct cur {
	const char *p, *end;
	int line, col;
} cur;

/* Step over one character or one line break. */
static void cur_adv(cur *c)
{
	if (c->p >= c->end)
		return;
	size_t b = yaml_break_len(c->p, c->end);
	if (b) {
		c->p += b;
		c->line++;
		c->col = 1;
		return;
	}
	size_t n = utf8_len((unsigned char)*c->p);
	if (n > (size_t)(c->end - c->p))
		n = (size_t)(c->end - c->p);
	c->p += n;
	c->col++;
}

/* Byte offset (in L->src) of libyaml character index ci. */
static size_t byte_of(loader *L, size_t ci)
{
	if (L->ascii)
		return L->base + ci < L->len ? L->base + ci : L->len;
	if (ci < L->cur_c) {
		L->cur_c = 0;
		L->cur_b = L->base;
	}
	while (L->cur_c < ci && L->cur_b < L->len) {
		L->cur_b += utf8_len((unsigned char)L->src[L->cur_b]);
		L->cur_c++;
	}
	if (L->cur_b > L->len)
		L->cur_b = L->len;
	return L->cur_b;
}

static pos mark_pos(loader *L, yaml_mark_t m)
{
	pos p = { (int)m.line + 1, (int)m.column + 1, byte_of(L, m.index) };
	return p;
}

/* Line and column of byte offset off, counting from the start. */
static pos byte_pos(loader *L, size_t off)
{
	cur c = { L->src, L->src + L->len, 1, 1 };
	const char *stop = L->src + (off < L->len ? off : L->len);
	while (c.p < stop)
		cur_adv(&c);
	pos p = { c.line, c.col, (size_t)(c.p - L->src) };
	return p;
}

/*
 * Where a node's content starts: skip the anchor and tag properties and
 * the blanks, comments and line breaks after them.  Never goes past limit.
 */
static pos content_pos(loader *L, pos start, size_t limit)
{
	cur c = { L->src + start.off, L->src + (limit < L->len ? limit : L->len),
		  start.line, start.col };
	for (;;) {
		if (c.p >= c.end)
			break;
		char ch = *c.p;
		if (ch == '&' || ch == '!') {
			while (c.p < c.end && *c.p != ' ' && *c.p != '\t' &&
			       !yaml_break_len(c.p, c.end))
				cur_adv(&c);
		} else if (ch == ' ' || ch == '\t' || yaml_break_len(c.p, c.end)) {
			cur_adv(&c);
		} else if (ch == '#') {
			while (c.p < c.end && !yaml_break_len(c.p, c.end))
				cur_adv(&c);
		} else {
			break;
		}
	}
	pos p = { c.line, c.col, (size_t)(c.p - L->src) };
	return p;
}

/* ---- anchors ---- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

static anchor *anchor_slot(loader *L, const char *name)
{
	size_t i = hash_str(name) & (L->cap - 1);
	while (L->anchors[i].name && strcmp(L->anchors[i].name, name))
		i = (i + 1) & (L->cap - 1);
	return &L->anchors[i];
}

static anchor *anchor_find(loader *L, const char *name)
{
	if (!L->cap)
		return NULL;
	anchor *e = anchor_slot(L, name);
	return e->name ? e : NULL;
}

/* Define (or redefine: YAML allows it) an anchor, unfinished for now. */
static void anchor_begin(loader *L, const char *name)
{
	if ((L->nanchors + 1) * 2 > L->cap) {
		anchor *old = L->anchors;
		size_t ocap = L->cap;
		L->cap = ocap ? ocap * 2 : 64;
		L->anchors = xcalloc(L->cap, sizeof(anchor));
		for (size_t i = 0; i < ocap; i++)
			if (old[i].name)
				*anchor_slot(L, old[i].name) = old[i];
		free(old);
	}
	anchor *e = anchor_slot(L, name);
	if (!e->name) {
		e->name = xstrdup(name);
		L->nanchors++;
	}
	e->n = NULL;
	e->size = 0;
	e->height = 0;
}

static void anchor_end(loader *L, const char *name, node *n, size_t size, int height)
{
	anchor *e = anchor_find(L, name);
	if (e) {
		e->n = n;
		e->size = size;
		e->height = height;
	}
}

static void anchors_free(loader *L)
{
	for (size_t i = 0; i < L->cap; i++)
		free(L->anchors[i].name);
	free(L->anchors);
	L->anchors = NULL;
	L->cap = L->nanchors = 0;
}

/* ---- tags ---- */

/* "!!str" for core tags, the tag itself otherwise (for messages). */
static const char *tag_short(loader *L, const char *tag)
{
	size_t pl = strlen(YAML_TAG_PREFIX);
	if (!strncmp(tag, YAML_TAG_PREFIX, pl))
		return arena_printf(L->a, "!!%s", tag + pl);
	return tag;
}

static int full_match_int(const char *s)
{
	char *end;
	if (!*s)
		return 0;
	errno = 0;
	if (!strncmp(s, "0o", 2))
		strtoll(s + 2, &end, 8);
	else
		strtoll(s, &end, 0);
	return !*end && !errno;
}

static int full_match_float(const char *s)
{
	static const char *const special[] = {
		".inf", "+.inf", "-.inf", ".Inf", "+.Inf", "-.Inf", ".INF",
		"+.INF", "-.INF", ".nan", ".NaN", ".NAN", NULL
	};
	for (size_t i = 0; special[i]; i++)
		if (!strcmp(s, special[i]))
			return 1;
	if (!*s || strpbrk(s, "xXnN"))
		return 0;
	char *end;
	strtod(s, &end);
	return !*end;
}

static int is_null_text(const char *s)
{
	switch (s[0]) {
	case 0:
		return 1;
	case '~':
		return !s[1];
	case 'n':
	case 'N':
		return !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
	default:
		return 0;
	}
}

/* 1 for the core schema's true words, 0 for its false ones, else -1 */
int yaml_bool_text(const char *s)
{
	static const char *const words[] = {
		"true", "True", "TRUE", "false", "False", "FALSE", NULL
	};
	for (size_t i = 0; words[i]; i++)
		if (!strcmp(s, words[i]))
			return i < 3;
	return -1;
}

/*
 * Accept the core-schema tags that fit the node, reject everything else
 * (!!binary, !!timestamp, application tags...).  A scalar explicitly
 * tagged !!str is marked quoted, one tagged !!int and friends plain, so
 * the validator's typing by style sees what the author asked for.
 */
static void check_tag(loader *L, pos at, const char *tag, node *n)
{
	if (!tag)
		return;
	if (!strcmp(tag, "!")) {
		/* the non-specific tag: a scalar is a string, as if quoted */
		if (n->kind == N_SCALAR && n->style == S_PLAIN)
			n->style = S_SINGLE;
		return;
	}
	size_t pl = strlen(YAML_TAG_PREFIX);
	const char *t = strncmp(tag, YAML_TAG_PREFIX, pl) ? NULL : tag + pl;
	if (t && n->kind == N_MAP && !strcmp(t, "map"))
		return;
	if (t && n->kind == N_SEQ && !strcmp(t, "seq"))
		return;
	if (t && n->kind == N_SCALAR) {
		int ok = -1;
		if (!strcmp(t, "str")) {
			if (n->style == S_PLAIN)
				n->style = S_SINGLE;
			return;
		}
		if (!strcmp(t, "int"))
			ok = full_match_int(n->str);
		else if (!strcmp(t, "float"))
			ok = full_match_float(n->str);
		else if (!strcmp(t, "bool"))
			ok = yaml_bool_text(n->str) >= 0;
		else if (!strcmp(t, "null"))
			ok = is_null_text(n->str);
		if (ok == 1) {
			n->style = S_PLAIN;
			return;
		}
		if (ok == 0) {
			lerr(L, at, "yaml-feature", "'%s' is not a valid %s value",
			     n->str, tag_short(L, tag));
			return;
		}
	}
	lerr(L, at, "yaml-feature", "unsupported tag '%s' on a %s",
	     tag_short(L, tag), node_kind_name(n));
}

/* ---- events ---- */

/* Pull the next event; on a libyaml error report it and return -1. */
static int next_event(loader *L, yaml_event_t *ev)
{
	if (yaml_parser_parse(&L->p, ev))
		return 0;
	pos at;
	if (L->p.error == YAML_READER_ERROR) {
		/* the value is a byte for UTF-8 decoding errors, else a character */
		const char *prob = L->p.problem ? L->p.problem : "cannot read the input";
		int v = L->p.problem_value;
		at = byte_pos(L, L->base + L->p.problem_offset);
		if (v < 0)
			lerr(L, at, "yaml-syntax", "%s", prob);
		else if (strstr(prob, "octet") && v <= 0xff)
			lerr(L, at, "yaml-syntax", "%s (byte 0x%02x)", prob, (unsigned)v);
		else
			lerr(L, at, "yaml-syntax", "%s (U+%04X)", prob, (unsigned)v);
	} else if (L->p.error == YAML_MEMORY_ERROR) {
		at = byte_pos(L, 0);
		lerr(L, at, "yaml-syntax", "out of memory while parsing");
	} else {
		at = mark_pos(L, L->p.problem_mark);
		const char *prob = L->p.problem ? L->p.problem : "invalid YAML";
		if (L->p.context)
			lerr(L, at, "yaml-syntax", "%s %s started at %d:%d", prob,
			     L->p.context, (int)L->p.context_mark.line + 1,
			     (int)L->p.context_mark.column + 1);
		else
			lerr(L, at, "yaml-syntax", "%s", prob);
	}
	L->fatal = 1;
	return -1;
}

static node *new_node(loader *L, node_kind k, pos at)
{
	node *n = arena_alloc(L->a, sizeof(*n));
	n->kind = k;
	n->line = at.line;
	n->col = at.col;
	n->offset = at.off;
	n->file = L->file;
	return n;
}

/* Count nodes (alias expansions included); a fatal error past the bound. */
static int count_nodes(loader *L, size_t k, pos at)
{
	L->total += k;
	if (L->total <= LOAD_MAX_NODES)
		return 0;
	lerr(L, at, "yaml-alias-bomb",
	     "document expands to more than %u nodes (aliases included)",
	     LOAD_MAX_NODES);
	L->fatal = 1;
	return -1;
}

static int parse_node(loader *L, yaml_event_t *ev, int depth, node **out,
		      size_t *size, int *height);

/* Grow a child array to cap entries; the first growth leaves the stack
 * buffer stackbuf for the heap. */
static node **grow_children(node **v, node **stackbuf, size_t cnt, size_t cap)
{
	if (v != stackbuf)
		return xrealloc(v, cap * sizeof(*v));
	node **h = xmalloc(cap * sizeof(*h));
	memcpy(h, v, cnt * sizeof(*h));
	return h;
}

static const char *collection_name(yaml_event_type_t t)
{
	return t == YAML_MAPPING_START_EVENT ? "mapping" : "list";
}

/* Sort helper for duplicate detection: keys by text, then by index. */
typedef struct keyref {
	const node *k;
	size_t i;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
	const keyref *x = a, *y = b;
	size_t n = x->k->len < y->k->len ? x->k->len : y->k->len;
	int c = memcmp(x->k->str, y->k->str, n);
	if (c)
		return c;
	if (x->k->len != y->k->len)
		return x->k->len < y->k->len ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int same_key(const node *a, const node *b)
{
	return a->len == b->len && !memcmp(a->str, b->str, a->len);
}

static void report_duplicate(loader *L, const node *k, const node *first)
{
	pos at = { k->line, k->col, k->offset };
	lerr(L, at, "duplicate-key", "duplicate key '%s' (first at %d:%d)",
	     k->str, first->line, first->col);
}

/*
 * Report every key that repeats an earlier one of the same mapping.  Small
 * mappings (nearly all of them) compare pairwise, which costs less than
 * sorting; large ones sort the keys, so a hostile file stays O(n log n).
 */
static void check_duplicates(loader *L, node *map)
{
	if (map->n < 2)
		return;
	if (map->n <= 16) {
		for (size_t i = 1; i < map->n; i++) {
			const node *k = map->keys[i];
			if (k->str == no_key)
				continue;
			for (size_t j = 0; j < i; j++)
				if (map->keys[j]->str != no_key && same_key(map->keys[j], k)) {
					report_duplicate(L, k, map->keys[j]);
					break;
				}
		}
		return;
	}
	keyref *r = xmalloc(map->n * sizeof(*r));
	size_t n = 0;
	for (size_t i = 0; i < map->n; i++) {
		if (map->keys[i]->str == no_key)
			continue;
		r[n].k = map->keys[i];
		r[n++].i = i;
	}
	qsort(r, n, sizeof(*r), keyref_cmp);
	size_t first = 0;
	for (size_t i = 1; i < n; i++) {
		if (same_key(r[i].k, r[first].k))
			report_duplicate(L, r[i].k, r[first].k);
		else
			first = i;
	}
	free(r);
}

/* A mapping key: a scalar, or an alias of one (copied, placed at the alias). */
static node *parse_key(loader *L, yaml_event_t *ev, int depth, size_t *size,
		       int *height)
{
	pos at = mark_pos(L, ev->start_mark);
	if (ev->type == YAML_ALIAS_EVENT) {
		const char *name = arena_strdup(L->a, (char *)ev->data.alias.anchor);
		anchor *e = anchor_find(L, name);
		yaml_event_delete(ev);
		if (count_nodes(L, 1, at))
			return NULL;
		node *k = new_node(L, N_SCALAR, at);
		k->str = no_key;
		*size = 1;
		*height = 0;
		if (!e)
			lerr(L, at, "yaml-syntax", "undefined alias '%s'", name);
		else if (!e->n)
			lerr(L, at, "yaml-feature",
			     "alias '%s' is inside its own anchor (a recursive structure)",
			     name);
		else if (e->n->kind != N_SCALAR)
			lerr(L, at, "yaml-feature", "mapping key must be a scalar, not a %s",
			     node_kind_name(e->n));
		else {
			k->str = e->n->str;
			k->len = e->n->len;
			k->style = e->n->style;
		}
		return k;
	}
	if (ev->type != YAML_SCALAR_EVENT) {
		lerr(L, at, "yaml-feature", "mapping key must be a scalar, not a %s",
		     collection_name(ev->type));
		node *junk = NULL;
		if (parse_node(L, ev, depth, &junk, size, height))
			return NULL;
		node *k = new_node(L, N_SCALAR, junk ? (pos){ junk->line, junk->col, junk->offset } : at);
		k->str = no_key;
		return k;
	}
	int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    !ev->data.scalar.tag;
	int merge = plain && !strcmp((char *)ev->data.scalar.value, "<<");
	node *k = NULL;
	if (parse_node(L, ev, depth, &k, size, height))
		return NULL;
	if (merge) {
		pos kp = { k->line, k->col, k->offset };
		lerr(L, kp, "yaml-feature",
		     "merge key '<<' is not supported: it can hide duplicate keys");
	}
	return k;
}

/* An alias as a node: the anchored node itself (shared), or an empty
 * scalar after an error.  Consumes *ev. */
static int parse_alias(loader *L, yaml_event_t *ev, int depth, pos start, node **out,
		       size_t *size, int *height)
{
	anchor *e = anchor_find(L, (char *)ev->data.alias.anchor);
	node *n = NULL;
	if (!e) {
		lerr(L, start, "yaml-syntax", "undefined alias '%s'",
		     (char *)ev->data.alias.anchor);
	} else if (!e->n) {
		lerr(L, start, "yaml-feature",
		     "alias '%s' is inside its own anchor (a recursive structure)",
		     e->name);
	} else if (depth + e->height > LOAD_MAX_DEPTH) {
		lerr(L, start, "yaml-depth", "alias '%s' nests deeper than %d levels",
		     e->name, LOAD_MAX_DEPTH);
		L->fatal = 1;
	} else {
		n = e->n;
		*size = e->size;
		*height = e->height;
	}
	yaml_event_delete(ev);
	if (L->fatal)
		return -1;
	if (!n) {
		n = new_node(L, N_SCALAR, start);
		n->str = arena_strdup(L->a, "");
		*size = 1;
	}
	*out = n;
	return count_nodes(L, *size, start);
}

/* The anchor and tag of the event that starts a node (NULL when it has
 * none); -1 for an event that starts no node. */
static int event_props(const yaml_event_t *ev, char **anchor_name, char **tag)
{
	if (ev->type == YAML_SCALAR_EVENT) {
		*anchor_name = (char *)ev->data.scalar.anchor;
		*tag = (char *)ev->data.scalar.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		*anchor_name = (char *)ev->data.sequence_start.anchor;
		*tag = (char *)ev->data.sequence_start.tag;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		*anchor_name = (char *)ev->data.mapping_start.anchor;
		*tag = (char *)ev->data.mapping_start.tag;
	} else
		return -1;
	return 0;
}

/* A scalar node from its event: the value and its style. */
static node *new_scalar(loader *L, const yaml_event_t *ev, pos at)
{
	node *n = new_node(L, N_SCALAR, at);
	n->len = ev->data.scalar.length;
	n->str = arena_strndup(L->a, (char *)ev->data.scalar.value, n->len);
	n->end = byte_of(L, ev->end_mark.index);
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = S_SINGLE; break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = S_DOUBLE; break;
	case YAML_LITERAL_SCALAR_STYLE: n->style = S_LITERAL; break;
	case YAML_FOLDED_SCALAR_STYLE: n->style = S_FOLDED; break;
	default: n->style = S_PLAIN; break;
	}
	return n;
}

/*
 * The children of the mapping or list n, up to its end event: keys and
 * values of a mapping (duplicate keys reported), items of a list.  *size
 * and *height as for parse_node.  Returns -1 on a fatal error.
 */
static int parse_children(loader *L, node *n, int depth, size_t *size, int *height)
{
	int is_map = n->kind == N_MAP;
	pos at = { n->line, n->col, n->offset };
	if (depth + 1 > LOAD_MAX_DEPTH) {
		lerr(L, at, "yaml-depth", "nesting deeper than %d levels",
		     LOAD_MAX_DEPTH);
		L->fatal = 1;
		return -1;
	}
	/* children collect on the stack, then move to the arena at
	 * their final size; only long collections touch the heap */
	node *kbuf[16], *vbuf[16];
	size_t cap = 16, cnt = 0, sz = 1;
	node **keys = kbuf, **vals = vbuf;
	int h = 0;
	yaml_event_type_t endt = is_map ? YAML_MAPPING_END_EVENT :
				 YAML_SEQUENCE_END_EVENT;
	for (;;) {
		yaml_event_t ce;
		if (next_event(L, &ce))
			break;
		if (ce.type == endt) {
			yaml_event_delete(&ce);
			break;
		}
		size_t csz;
		int ch;
		node *k = NULL, *v = NULL;
		if (is_map) {
			k = parse_key(L, &ce, depth + 1, &csz, &ch);
			if (!k)
				break;
			sz += csz;
			if (ch > h)
				h = ch;
			if (next_event(L, &ce))
				break;
		}
		if (parse_node(L, &ce, depth + 1, &v, &csz, &ch))
			break;
		sz += csz;
		if (ch > h)
			h = ch;
		if (cnt == cap) {
			cap *= 2;
			vals = grow_children(vals, vbuf, cnt, cap);
			if (is_map)
				keys = grow_children(keys, kbuf, cnt, cap);
		}
		if (is_map)
			keys[cnt] = k;
		vals[cnt++] = v;
	}
	if (!L->fatal) {
		n->n = cnt;
		if (cnt) {
			n->vals = arena_alloc_raw(L->a, cnt * sizeof(*vals));
			memcpy(n->vals, vals, cnt * sizeof(*vals));
			if (is_map) {
				n->keys = arena_alloc_raw(L->a, cnt * sizeof(*keys));
				memcpy(n->keys, keys, cnt * sizeof(*keys));
			}
		}
	}
	if (keys != kbuf)
		free(keys);
	if (vals != vbuf)
		free(vals);
	if (L->fatal)
		return -1;
	if (is_map)
		check_duplicates(L, n);
	*size = sz;
	*height = h + 1;
	return 0;
}

/*
 * Build the node whose first event is *ev (consumed).  depth is the number
 * of collections around it.  *size gets the expanded node count of the
 * subtree, *height its nesting levels.  Returns -1 on a fatal error.
 */
static int parse_node(loader *L, yaml_event_t *ev, int depth, node **out,
		      size_t *size, int *height)
{
	pos start = mark_pos(L, ev->start_mark);
	*out = NULL;
	*size = 0;
	*height = 0;

	if (ev->type == YAML_ALIAS_EVENT)
		return parse_alias(L, ev, depth, start, out, size, height);

	char *anchor_name = NULL, *tag = NULL;
	if (event_props(ev, &anchor_name, &tag) < 0) {
		lerr(L, start, "yaml-syntax", "unexpected YAML event");
		yaml_event_delete(ev);
		L->fatal = 1;
		return -1;
	}
	pos at = start;
	if (anchor_name || tag)
		at = content_pos(L, start, ev->type == YAML_SCALAR_EVENT ?
				 byte_of(L, ev->end_mark.index) : L->len);
	if (anchor_name)
		anchor_begin(L, anchor_name);
	if (count_nodes(L, 1, at)) {
		yaml_event_delete(ev);
		return -1;
	}

	node *n;
	if (ev->type == YAML_SCALAR_EVENT) {
		n = new_scalar(L, ev, at);
		*size = 1;
	} else {
		n = new_node(L, ev->type == YAML_MAPPING_START_EVENT ? N_MAP : N_SEQ, at);
		if (parse_children(L, n, depth, size, height) < 0) {
			yaml_event_delete(ev);
			return -1;
		}
	}
	check_tag(L, start, tag, n);
	if (anchor_name)
		anchor_end(L, anchor_name, n, *size, *height);
	yaml_event_delete(ev);
	*out = n;
	return 0;
}

/* Parse the stream: at most one document. */
static void parse_stream(loader *L, doc *d)
{
	yaml_event_t ev;
	int ndocs = 0;
	while (!next_event(L, &ev)) {
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return;
		}
		if (t == YAML_DOCUMENT_START_EVENT && ndocs++) {
			pos at = mark_pos(L, ev.start_mark);
			yaml_event_delete(&ev);
			lerr(L, at, "yaml-multi-doc",
			     "more than one YAML document in the file");
			L->fatal = 1;
			return;
		}
		if (t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT ||
		    t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT) {
			size_t sz;
			int h;
			if (parse_node(L, &ev, 0, &d->root, &sz, &h))
				return;
			continue;
		}
		yaml_event_delete(&ev);
	}
}

/* No byte of s[0..n) has its high bit set (eight bytes at a time). */
static int is_ascii(const char *s, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= (unsigned char)s[i];
	return !(acc & 0x8080808080808080u);
}

/* The common part: src is already in the arena and registered. */
static int load_src(arena *a, doc *d, diags *dg)
{
	loader L = { .a = a, .dg = dg, .file = d->path, .src = d->src,
		     .len = d->srclen };
	if (L.len >= 3 && !memcmp(L.src, "\xEF\xBB\xBF", 3))
		L.base = 3;
	L.cur_b = L.base;
	L.ascii = is_ascii(L.src, L.len);
	if (!yaml_parser_initialize(&L.p)) {
		diag_add(dg, SEV_ERROR, d->path, 0, 0, "io",
			 "cannot initialise the YAML parser");
		return -1;
	}
	/* UTF-8 only: a UTF-16 file fails as invalid UTF-8 */
	yaml_parser_set_encoding(&L.p, YAML_UTF8_ENCODING);
	yaml_parser_set_input_string(&L.p, (const unsigned char *)L.src + L.base,
				     L.len - L.base);
	parse_stream(&L, d);
	yaml_parser_delete(&L.p);
	anchors_free(&L);
	if (L.fatal)
		d->root = NULL;
	return L.nerr ? -1 : 0;
}

static void doc_init(arena *a, doc *d, const char *name)
{
	memset(d, 0, sizeof(*d));
	d->a = a;
	d->path = arena_strdup(a, name);
}

/*
 * Load a YAML document from memory.  The buffer is copied into the arena
 * (so the tree and the diagnostics' source view outlive it) and registered
 * with diag_register_source().  Returns 0, or -1 with diagnostics in dg.
 */
int load_buffer(arena *a, const char *name, const char *buf, size_t len,
		doc *d, diags *dg)
{
	doc_init(a, d, name);
	if (len > LOAD_MAX_BYTES) {
		diag_add(dg, SEV_ERROR, d->path, 1, 1, "file-too-large",
			 "file is %zu bytes, over the limit of %u bytes",
			 len, LOAD_MAX_BYTES);
		return -1;
	}
	d->src = arena_strndup(a, buf, len);
	d->srclen = len;
	diag_register_source(d->path, d->src, len);
	return load_src(a, d, dg);
}

/* "-" is standard input: read at most once per process */
static int stdin_taken;

int load_is_stdin(const char *path)
{
	return path && !strcmp(path, LOAD_STDIN_PATH);
}

const char *load_name(const char *path)
{
	return load_is_stdin(path) ? LOAD_STDIN_NAME : path;
}

/*
 * Read all of fd (named name in diagnostics) into d.  st is its fstat: a
 * regular file's size is checked before any read, and the read itself
 * stops past LOAD_MAX_BYTES (pipes, /proc, a terminal), so a huge input
 * costs neither time nor memory.
 */
static int load_fd(arena *a, int fd, const struct stat *st, doc *d, diags *dg)
{
	const char *name = d->path;
	if (S_ISREG(st->st_mode) && (uintmax_t)st->st_size > LOAD_MAX_BYTES) {
		diag_add(dg, SEV_ERROR, name, 1, 1, "file-too-large",
			 "file is %jd bytes, over the limit of %u bytes",
			 (intmax_t)st->st_size, LOAD_MAX_BYTES);
		return -1;
	}
	/* read straight into the arena: a regular file's size is known, and
	 * anything else (or a file that grows meanwhile) doubles the buffer */
	size_t cap = S_ISREG(st->st_mode) ? (size_t)st->st_size + 1 : 4096, len = 0;
	char *buf = arena_alloc_raw(a, cap + 1);
	for (;;) {
		if (len == cap) {
			if (cap > LOAD_MAX_BYTES)
				break;
			size_t ncap = 2 * cap < LOAD_MAX_BYTES + 1 ? 2 * cap : LOAD_MAX_BYTES + 1;
			char *bigger = arena_alloc_raw(a, ncap + 1);
			memcpy(bigger, buf, len);
			buf = bigger;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_add(dg, SEV_ERROR, name, 0, 0, "io", "cannot read file: %s",
				 strerror(errno));
			return -1;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	if (len > LOAD_MAX_BYTES) {
		diag_add(dg, SEV_ERROR, name, 1, 1, "file-too-large",
			 "file is over the limit of %u bytes", LOAD_MAX_BYTES);
		return -1;
	}
	buf[len] = 0;
	d->src = buf;
	d->srclen = len;
	diag_register_source(d->path, d->src, d->srclen);
	return load_src(a, d, dg);
}

/*
 * Load the YAML file at path ("-": standard input, named LOAD_STDIN_NAME).
 * I/O errors are diagnostics with rule "io" and no position.
 */
int load_file(arena *a, const char *path, doc *d, diags *dg)
{
	doc_init(a, d, load_name(path));
	struct stat st;
	if (load_is_stdin(path)) {
		if (stdin_taken++) {
			diag_add(dg, SEV_ERROR, d->path, 0, 0, "io",
				 "standard input is already read: give '-' once");
			return -1;
		}
		if (fstat(STDIN_FILENO, &st) < 0) {
			diag_add(dg, SEV_ERROR, d->path, 0, 0, "io", "cannot read: %s", strerror(errno));
			return -1;
		}
		return load_fd(a, STDIN_FILENO, &st, d, dg);
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_add(dg, SEV_ERROR, path, 0, 0, "io", "cannot open file: %s",
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		diag_add(dg, SEV_ERROR, path, 0, 0, "io", "cannot read file: %s",
			 S_ISDIR(st.st_mode) ? strerror(EISDIR) : strerror(errno));
		close(fd);
		return -1;
	}
	int rc = load_fd(a, fd, &st, d, dg);
	close(fd);
	return rc;
}

/* ---- lookups ---- */

/* Index of key in map, or map->n when absent. */
static size_t key_index(const node *map, const char *key)
{
	size_t kl = strlen(key), i;
	for (i = 0; i < map->n; i++)
		if (map->keys[i]->len == kl && !memcmp(map->keys[i]->str, key, kl))
			break;
	return i;
}

/* The key node of `key` in map, NULL when absent or map is not a mapping. */
node *node_key(const node *map, const char *key)
{
	if (!map || map->kind != N_MAP)
		return NULL;
	size_t i = key_index(map, key);
	return i < map->n ? map->keys[i] : NULL;
}

/* The value of `key` in map (the first one: duplicates are load errors). */
node *node_get(const node *map, const char *key)
{
	if (!map || map->kind != N_MAP)
		return NULL;
	size_t i = key_index(map, key);
	return i < map->n ? map->vals[i] : NULL;
}

/* True for ~, null, Null, NULL and the empty plain scalar (and no node). */
int node_is_null(const node *n)
{
	if (!n)
		return 1;
	return n->kind == N_SCALAR && n->style == S_PLAIN && is_null_text(n->str);
}

/* A plain boolean scalar (see node.h): *b gets its value. */
int node_bool(const node *n, int *b)
{
	if (!n || n->kind != N_SCALAR || n->style != S_PLAIN)
		return 0;
	int t = yaml_bool_text(n->str);
	if (t < 0)
		return 0;
	*b = t;
	return 1;
}

int node_is_true(const node *n)
{
	int b;
	return node_bool(n, &b) && b;
}

/* "string", "mapping" or "list", for messages. */
const char *node_kind_name(const node *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case N_MAP: return "mapping";
	case N_SEQ: return "list";
	default: return "string";
	}
}

/* ---- node_pos_at ---- */

/*
 * A double-quoted escape at p (just after the backslash): sets *vb to the
 * bytes it produces in the value and returns the source characters it
 * takes after the backslash.
 */
static size_t escape_size(const char *p, const char *end, size_t *vb)
{
	if (p >= end) {
		*vb = 0;
		return 0;
	}
	size_t digits = 0;
	switch (*p) {
	case 'N': case '_': *vb = 2; return 1;
	case 'L': case 'P': *vb = 3; return 1;
	case 'x': digits = 2; break;
	case 'u': digits = 4; break;
	case 'U': digits = 8; break;
	default: *vb = 1; return 1;
	}
	uint32_t cp = 0;
	size_t i;
	for (i = 0; i < digits && p + 1 + i < end && hex_digit(p[1 + i]) >= 0; i++)
		cp = cp * 16 + (uint32_t)hex_digit(p[1 + i]);
	*vb = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	return 1 + i;
}

/* Blanks from p; returns the end of the run. */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Plain and quoted scalars: walk the source and the value side by side.
 * Line folding (blanks, a break, blank lines, indentation) produces one
 * space or n-1 newlines; '' one quote; an escape its UTF-8 bytes.
 */
static void flow_pos(const node *n, const char *src, const char *end, size_t off,
		     int q, int *line, int *col)
{
	cur c = { src + n->offset, end, n->line, n->col };
	if (q)
		cur_adv(&c);
	size_t vi = 0;
	while (c.p < c.end) {
		char ch = *c.p;
		if (q == '"' && ch == '\\' && yaml_break_len(c.p + 1, c.end)) {
			/* an escaped line break: no value bytes, even at off */
			cur_adv(&c);
			cur_adv(&c);
			while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
				cur_adv(&c);
			continue;
		}
		if (vi >= off)
			break;
		if (q == '\'' && ch == '\'') {
			if (c.p + 1 >= c.end || c.p[1] != '\'')
				break;
			cur_adv(&c);
			cur_adv(&c);
			vi++;
			continue;
		}
		if (q == '"' && ch == '"')
			break;
		if (q == '"' && ch == '\\') {
			size_t vb, sc = escape_size(c.p + 1, c.end, &vb);
			if (vi + vb > off)
				break;
			for (size_t i = 0; i <= sc; i++)
				cur_adv(&c);
			vi += vb;
			continue;
		}
		if (ch == ' ' || ch == '\t' || yaml_break_len(c.p, c.end)) {
			const char *r = skip_blanks(c.p, c.end);
			if (!yaml_break_len(r, c.end)) {
				cur_adv(&c);
				vi++;
				continue;
			}
			/* a fold: count the breaks, blank lines included */
			size_t breaks = 0;
			const char *s = r;
			while (yaml_break_len(s, c.end)) {
				s += yaml_break_len(s, c.end);
				breaks++;
				s = skip_blanks(s, c.end);
			}
			size_t vb = breaks == 1 ? 1 : breaks - 1;
			if (vi + vb > off)
				break;
			while (c.p < s)
				cur_adv(&c);
			vi += vb;
			continue;
		}
		size_t bl = utf8_len((unsigned char)ch);
		if (vi + bl > off)
			break;
		cur_adv(&c);
		vi += bl;
	}
	*line = c.line;
	*col = c.col;
}

/* Characters in the first nbytes of p. */
static int count_chars(const char *p, size_t nbytes)
{
	int k = 0;
	for (size_t i = 0; i < nbytes; i += utf8_len((unsigned char)p[i]))
		k++;
	return k;
}

/*
 * Literal and folded block scalars: each source line after the header,
 * less the block's indentation, is a run of the value; the runs are
 * separated by one newline or space (blank lines: a newline each).  The
 * indentation is the first content line's in the source minus its
 * leading spaces in the value, which also covers indentation indicators.
 */
static void block_pos(const node *n, const char *src, const char *end, size_t off,
		      int *line, int *col)
{
	*line = n->line;
	*col = n->col;
	const char *p = src + n->offset;
	while (p < end && !yaml_break_len(p, end))
		p++;
	if (p >= end)
		return;
	p += yaml_break_len(p, end);
	int ln = n->line + 1;

	size_t fv = 0;
	while (fv < n->len && n->str[fv] == '\n')
		fv++;
	size_t vs = 0;
	while (fv + vs < n->len && n->str[fv + vs] == ' ')
		vs++;
	const char *q = p;
	size_t ss = 0;
	while (q < end) {
		const char *b = q;
		while (b < end && *b == ' ')
			b++;
		if (b < end && !yaml_break_len(b, end)) {
			ss = (size_t)(b - q);
			break;
		}
		if (b >= end)
			break;
		q = b + yaml_break_len(b, end);
	}
	size_t indent = ss > vs ? ss - vs : 0;

	size_t vi = 0;
	while (p < end) {
		const char *eol = p;
		while (eol < end && !yaml_break_len(eol, end))
			eol++;
		size_t sp = 0;
		while (p + sp < eol && p[sp] == ' ' && sp < indent)
			sp++;
		if (sp < indent && p + sp < eol)
			break;          /* less indented: the scalar has ended */
		size_t llen = (size_t)(eol - p) - sp;
		if (!llen) {
			if (vi < n->len && n->str[vi] == '\n')
				vi++;
		} else {
			if (off <= vi + llen) {
				*line = ln;
				*col = (int)indent + 1 + count_chars(p + sp, off - vi);
				return;
			}
			vi += llen;
			if (vi < n->len && (n->str[vi] == '\n' || n->str[vi] == ' '))
				vi++;
		}
		if (vi > off) {
			*line = ln;
			*col = (int)(sp + llen) + 1;
			return;
		}
		if (eol >= end)
			break;
		p = eol + yaml_break_len(eol, end);
		ln++;
	}
}

/*
 * Map byte `off` of a scalar's value back to a source line and column.
 * The scalar's kind is read from the source at its offset (the style may
 * have been changed by an explicit tag).  Exact for plain and quoted
 * scalars, line-exact for block scalars.  Other nodes: their own position.
 */
void node_pos_at(const node *scalar, size_t off, int *line, int *col)
{
	*line = scalar ? scalar->line : 0;
	*col = scalar ? scalar->col : 0;
	if (!scalar || scalar->kind != N_SCALAR || !scalar->file)
		return;
	const char *src;
	size_t len;
	if (diag_source(scalar->file, &src, &len) || scalar->offset >= len)
		return;
	if (off > scalar->len)
		off = scalar->len;
	const char *end = src + len;
	char c = src[scalar->offset];
	if (c == '|' || c == '>')
		block_pos(scalar, src, end, off, line, col);
	else
		flow_pos(scalar, src, end, off, c == '\'' || c == '"' ? c : 0, line, col);
}
