/*
 * graph.c - the step graph: `needs`, cycles, execution order, and its
 * pictures (Graphviz dot, Mermaid).
 *
 * Each list (checks, steps, verify, inject, symptoms, cleanup, and every
 * step's rollback list) is its own graph: `needs` names steps of the same
 * list; without `needs` a step needs the one before it, so a plain list
 * runs top to bottom.  The order is a stable topological sort (Kahn's
 * algorithm, always taking the ready step that comes first in the file),
 * so list order is kept wherever `needs` allows.
 */
#include "lang/runbook.h"
#include "lang/prim.h"
#include "base/suggest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct glist {
	runbook *rb;
	diags *dg;
	steplist *l;
	const char *name;       /* for messages: "steps"; NULL for a rollback list */
	const step *owner;      /* a rollback list's step, named only in messages */
	struct byid { const char *id; size_t pos; } *byid;  /* sorted by id */
	size_t nbyid;
	size_t *pos;            /* pos[k]: the position in l of needs edge k */
	size_t *first;          /* edges of step i: pos[first[i] .. first[i+1]) */
} glist;

/* the list's name for messages: "steps", "the rollback of 'x'" */
static const char *list_name(glist *g)
{
	if (!g->name)
		g->name = arena_printf(&g->rb->a, "the rollback of '%s'",
				       g->owner && g->owner->id ? g->owner->id : "?");
	return g->name;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(((const struct byid *)a)->id, ((const struct byid *)b)->id);
}

/* the position of step `id` in the list, or (size_t)-1 */
static size_t find_in(const glist *g, const char *id)
{
	size_t lo = 0, hi = g->nbyid;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(g->byid[mid].id, id);
		if (!c)
			return g->byid[mid].pos;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static void bad_need(glist *g, const step *st, const node *item)
{
	runbook *rb = g->rb;
	const char *id = item->str;
	const char *sid = st->id ? st->id : "?";
	step *other = runbook_find_step(rb, id);
	if (other) {
		const char *where = other->phase == PH_ROLLBACK ? "a rollback list"
			: phase_names[other->phase];
		diag_add(g->dg, SEV_ERROR, item->file, item->line, item->col, "unknown-step",
			 "step '%s' needs '%s', which is in %s; 'needs' names steps of %s",
			 sid, id, where, list_name(g));
		return;
	}
	const char **ids = xcalloc(g->l->n + 1, sizeof *ids);
	size_t n = 0;
	for (size_t i = 0; i < g->l->n; i++)
		if (g->l->v[i]->id)
			ids[n++] = g->l->v[i]->id;
	const char *s = suggest(id, ids, n, 0);
	diag_add(g->dg, SEV_ERROR, item->file, item->line, item->col, "unknown-step",
		 "step '%s' needs unknown step '%s'%s%s%s", sid, id,
		 s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
	free(ids);
}

/* st->needs and the edge arrays from needs_node (or the previous step) */
static void resolve_needs(glist *g)
{
	steplist *l = g->l;
	size_t cap = 0;
	for (size_t i = 0; i < l->n; i++) {
		const node *nd = l->v[i]->needs_node;
		cap += !nd ? 1 : nd->kind == N_SEQ ? nd->n : 1;
	}
	g->pos = xcalloc(cap + 1, sizeof *g->pos);
	g->first = xcalloc(l->n + 1, sizeof *g->first);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++) {
		step *st = l->v[i];
		const node *nd = st->needs_node;
		g->first[i] = k;
		st->needs.n = 0;
		if (!nd) {
			if (i > 0) {
				st->needs.v = arena_alloc(&g->rb->a, sizeof(step *));
				st->needs.v[st->needs.n++] = l->v[i - 1];
				g->pos[k++] = i - 1;
			}
			continue;
		}
		const node *const *items = nd->kind == N_SEQ ? (const node *const *)nd->vals : &nd;
		size_t nitems = nd->kind == N_SEQ ? nd->n : node_is_null(nd) ? 0 : 1;
		st->needs.v = arena_alloc(&g->rb->a, (nitems + 1) * sizeof(step *));
		for (size_t j = 0; j < nitems; j++) {
			const node *item = items[j];
			if (item->kind != N_SCALAR)
				continue;
			size_t dpos = find_in(g, item->str);
			if (dpos == (size_t)-1) {
				bad_need(g, st, item);
				continue;
			}
			step *dep = l->v[dpos];
			int dup = 0;
			for (size_t q = 0; q < st->needs.n; q++)
				dup |= st->needs.v[q] == dep;
			if (dup)
				continue;
			st->needs.v[st->needs.n++] = dep;
			g->pos[k++] = dpos;
		}
	}
	g->first[l->n] = k;
}

/* ---- cycles: Tarjan's strongly connected components ---- */

typedef struct tarjan {
	glist *g;
	const unsigned char *live;      /* only steps Kahn could not order */
	int *index, *low;
	unsigned char *onstack;
	size_t *stack, sp;
	int counter;
	size_t *comp;                   /* component id per position, (size_t)-1 none */
	size_t ncomp;
} tarjan;

static void strongconnect(tarjan *t, size_t v)
{
	glist *g = t->g;
	t->index[v] = t->low[v] = t->counter++;
	t->stack[t->sp++] = v;
	t->onstack[v] = 1;
	for (size_t e = g->first[v]; e < g->first[v + 1]; e++) {
		size_t w = g->pos[e];
		if (!t->live[w])
			continue;
		if (t->index[w] < 0) {
			strongconnect(t, w);
			if (t->low[w] < t->low[v])
				t->low[v] = t->low[w];
		} else if (t->onstack[w] && t->index[w] < t->low[v])
			t->low[v] = t->index[w];
	}
	if (t->low[v] == t->index[v]) {
		size_t w;
		do {
			w = t->stack[--t->sp];
			t->onstack[w] = 0;
			t->comp[w] = t->ncomp;
		} while (w != v);
		t->ncomp++;
	}
}

/* a step of the list by position, for messages: its id, or "(step 3, no id)"
 * when it has none (that is reported as an error of its own) */
static void add_step_name(sbuf *sb, const glist *g, size_t pos)
{
	char buf[48];

	if (g->l->v[pos]->id) {
		sbuf_adds(sb, g->l->v[pos]->id);
		return;
	}
	snprintf(buf, sizeof buf, "(step %zu, no id)", pos + 1);
	sbuf_adds(sb, buf);
}

/* "needs cycle: a -> b -> a": the shortest way from the component's first
 * step back to itself, following needs edges inside the component */
static void report_cycle(glist *g, const tarjan *t, size_t start)
{
	size_t n = g->l->n, c = t->comp[start];
	size_t *prev = xmalloc(n * sizeof *prev);
	size_t *queue = xmalloc(n * sizeof *queue);
	for (size_t i = 0; i < n; i++)
		prev[i] = (size_t)-1;
	size_t qh = 0, qt = 0, last = (size_t)-1;
	queue[qt++] = start;
	while (qh < qt && last == (size_t)-1) {
		size_t u = queue[qh++];
		for (size_t e = g->first[u]; e < g->first[u + 1]; e++) {
			size_t w = g->pos[e];
			if (!t->live[w] || t->comp[w] != c)
				continue;
			if (w == start) {
				last = u;
				break;
			}
			if (prev[w] == (size_t)-1) {
				prev[w] = u;
				queue[qt++] = w;
			}
		}
	}
	/* walk back from last to start, then print forwards */
	size_t len = 0;
	for (size_t u = last; u != start && u != (size_t)-1; u = prev[u])
		queue[len++] = u;
	sbuf sb = { 0 };
	add_step_name(&sb, g, start);
	for (size_t i = len; i-- > 0;) {
		sbuf_adds(&sb, " -> ");
		add_step_name(&sb, g, queue[i]);
	}
	sbuf_adds(&sb, " -> ");
	add_step_name(&sb, g, start);

	const step *st = g->l->v[start];
	const node *at = st->needs_node ? st->needs_node : node_get(st->n, "id");
	if (!at)
		at = st->n;
	diag_add(g->dg, SEV_ERROR, at->file, at->line, at->col, "cycle", "needs cycle: %s",
		 sb.buf);
	sbuf_release(&sb);
	free(prev);
	free(queue);
}

static void find_cycles(glist *g, const unsigned char *live)
{
	size_t n = g->l->n;
	tarjan t = { 0 };
	t.g = g;
	t.live = live;
	t.index = xmalloc(n * sizeof *t.index);
	t.low = xmalloc(n * sizeof *t.low);
	t.onstack = xcalloc(n, 1);
	t.stack = xmalloc(n * sizeof *t.stack);
	t.comp = xmalloc(n * sizeof *t.comp);
	for (size_t i = 0; i < n; i++) {
		t.index[i] = -1;
		t.comp[i] = (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		if (live[i] && t.index[i] < 0)
			strongconnect(&t, i);

	/* one report per cycle, at the component's first step in the file */
	size_t *size = xcalloc(t.ncomp + 1, sizeof *size);
	unsigned char *done = xcalloc(t.ncomp + 1, 1);
	for (size_t i = 0; i < n; i++)
		if (live[i])
			size[t.comp[i]]++;
	for (size_t i = 0; i < n; i++) {
		if (!live[i] || done[t.comp[i]])
			continue;
		int self = 0;
		for (size_t e = g->first[i]; e < g->first[i + 1]; e++)
			self |= g->pos[e] == i;
		if (size[t.comp[i]] > 1 || self) {
			done[t.comp[i]] = 1;
			report_cycle(g, &t, i);
		}
	}
	free(size);
	free(done);
	free(t.index);
	free(t.low);
	free(t.onstack);
	free(t.stack);
	free(t.comp);
}

/* ---- stable Kahn ---- */

static void heap_push(size_t *h, size_t *n, size_t x)
{
	size_t i = (*n)++;
	h[i] = x;
	while (i && h[(i - 1) / 2] > h[i]) {
		size_t p = (i - 1) / 2, tmp = h[p];
		h[p] = h[i];
		h[i] = tmp;
		i = p;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0];
	h[0] = h[--*n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t tmp = h[m];
		h[m] = h[i];
		h[i] = tmp;
		i = m;
	}
	return top;
}

static void build_list(runbook *rb, diags *dg, steplist *l, const char *name,
		       const step *owner)
{
	size_t n = l->n;
	if (!n)
		return;
	if (n == 1 && !l->v[0]->needs_node) {
		/* one step needing nothing (most rollback lists): nothing to sort */
		l->v[0]->needs.n = 0;
		l->v[0]->order = 0;
		return;
	}
	glist g = { rb, dg, l, name, owner, NULL, 0, NULL, NULL };
	g.byid = xmalloc(n * sizeof *g.byid);
	for (size_t i = 0; i < n; i++)
		if (l->v[i]->id)
			g.byid[g.nbyid++] = (struct byid){ l->v[i]->id, i };
	qsort(g.byid, g.nbyid, sizeof *g.byid, cmp_id);
	resolve_needs(&g);

	/* dependents in CSR form, and the count of unmet needs */
	size_t *indeg = xcalloc(n, sizeof *indeg);
	size_t *dfirst = xcalloc(n + 1, sizeof *dfirst);
	size_t nedges = g.first[n];
	size_t *dep = xmalloc((nedges + 1) * sizeof *dep);
	for (size_t i = 0; i < n; i++) {
		indeg[i] = g.first[i + 1] - g.first[i];
		for (size_t e = g.first[i]; e < g.first[i + 1]; e++)
			dfirst[g.pos[e] + 1]++;
	}
	for (size_t i = 0; i < n; i++)
		dfirst[i + 1] += dfirst[i];
	size_t *fill = xmalloc((n + 1) * sizeof *fill);
	memcpy(fill, dfirst, (n + 1) * sizeof *fill);
	for (size_t i = 0; i < n; i++)
		for (size_t e = g.first[i]; e < g.first[i + 1]; e++)
			dep[fill[g.pos[e]]++] = i;

	size_t *heap = xmalloc(n * sizeof *heap), nh = 0;
	size_t *order = xmalloc(n * sizeof *order), no = 0;
	unsigned char *placed = xcalloc(n, 1);
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(heap, &nh, i);
	while (nh) {
		size_t u = heap_pop(heap, &nh);
		order[no++] = u;
		placed[u] = 1;
		for (size_t e = dfirst[u]; e < dfirst[u + 1]; e++)
			if (--indeg[dep[e]] == 0)
				heap_push(heap, &nh, dep[e]);
	}
	if (no < n) {
		unsigned char *live = xcalloc(n, 1);
		for (size_t i = 0; i < n; i++)
			live[i] = !placed[i];
		find_cycles(&g, live);
		free(live);
		/* keep a total order anyway: the rest in file order */
		for (size_t i = 0; i < n; i++)
			if (!placed[i])
				order[no++] = i;
	}

	step **sorted = xmalloc(n * sizeof *sorted);
	for (size_t k = 0; k < n; k++) {
		sorted[k] = l->v[order[k]];
		sorted[k]->order = k;
	}
	memcpy(l->v, sorted, n * sizeof *sorted);

	free(sorted);
	free(placed);
	free(order);
	free(heap);
	free(fill);
	free(dep);
	free(dfirst);
	free(indeg);
	free(g.byid);
	free(g.pos);
	free(g.first);
}

/*
 * Resolve every list's `needs`, report unknown names and cycles (each
 * cycle once), and sort each list into its execution order (step->order,
 * and the list itself).  Returns -1 when it added an error.
 */
int graph_build(runbook *rb, diags *dg)
{
	int nerr = dg->nerr;
	for (int ph = 0; ph < PH__COUNT; ph++)
		if (ph == PH_GUARD || ph == PH_PROBES)  /* checked side by side: no order */
			for (size_t i = 0; i < rb->lists[ph].n; i++)
				rb->lists[ph].v[i]->order = i;
		else if (ph != PH_ROLLBACK)
			build_list(rb, dg, &rb->lists[ph], phase_names[ph], NULL);
	for (size_t i = 0; i < rb->all.n; i++) {
		step *st = rb->all.v[i];
		if (st->rollback.n)
			build_list(rb, dg, &st->rollback, NULL, st);
	}
	return dg->nerr > nerr ? -1 : 0;
}

/* ---- pictures ---- */

/* the order lists run in during a drill (a plain run skips the drill ones) */
static const int run_order[] = { PH_INJECT, PH_SYMPTOMS, PH_CHECKS, PH_STEPS, PH_VERIFY, PH_CLEANUP };
#define NRUN (sizeof run_order / sizeof run_order[0])

static const char *prim_name(const step *st)
{
	return st->prim ? st->prim->name : "?";
}

static void dot_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void dot_node(FILE *out, const step *st, const char *indent)
{
	fprintf(out, "%s", indent);
	dot_str(out, st->id);
	fprintf(out, " [label=\"%s\\n%s\"", st->id, prim_name(st));
	if (st->effect == EFFECT_WRITE)
		fputs(", shape=box, style=\"filled,bold\", fillcolor=\"#fde0dc\"", out);
	fputs("];\n", out);
}

static void dot_needs(FILE *out, const steplist *l, const char *attrs)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t j = 0; j < l->v[i]->needs.n; j++)
			fprintf(out, "\t\"%s\" -> \"%s\"%s;\n", l->v[i]->needs.v[j]->id, l->v[i]->id, attrs);
}

static void mm_id(FILE *out, const char *id)
{
	fputs("n_", out);
	for (; *id; id++)
		fputc(*id == '-' ? '_' : *id, out);
}

static void mm_node(FILE *out, const step *st)
{
	fputs("\t\t", out);
	mm_id(out, st->id);
	fprintf(out, "[\"%s<br/>%s\"]\n", st->id, prim_name(st));
}

static void mm_edge(FILE *out, const char *from, const char *arrow, const char *to)
{
	fputc('\t', out);
	mm_id(out, from);
	fprintf(out, " %s ", arrow);
	mm_id(out, to);
	fputc('\n', out);
}

/* the guard and the continuous probes: a cluster each, no edges (they
 * are checked beside the lists, not in their order) */
static void watch_clusters(FILE *out, const runbook *rb, int format)
{
	static const int watched[] = { PH_GUARD, PH_PROBES };
	for (size_t p = 0; p < 2; p++) {
		const steplist *l = &rb->lists[watched[p]];
		const char *name = phase_names[watched[p]];
		if (!l->n)
			continue;
		if (format == GRAPH_DOT)
			fprintf(out, "\tsubgraph cluster_%s {\n\t\tlabel=\"%s (checked beside the steps)\";\n"
				"\t\tstyle=dotted;\n", name, name);
		else
			fprintf(out, "\tsubgraph ph_%s [%s, checked beside the steps]\n", name, name);
		for (size_t i = 0; i < l->n; i++)
			if (format == GRAPH_DOT)
				dot_node(out, l->v[i], "\t\t");
			else
				mm_node(out, l->v[i]);
		fputs(format == GRAPH_DOT ? "\t}\n" : "\tend\n", out);
	}
}

/* edges from the sinks of one list to the sources of the next one */
static void phase_edges(FILE *out, const runbook *rb, int format)
{
	const steplist *prev = NULL;
	unsigned char *needed = NULL;   /* of prev, by order: not a sink */
	for (size_t p = 0; p < NRUN; p++) {
		const steplist *l = &rb->lists[run_order[p]];
		if (!l->n)
			continue;
		if (prev)
			for (size_t i = 0; i < prev->n; i++) {
				if (needed[i])
					continue;
				for (size_t j = 0; j < l->n; j++) {
					if (l->v[j]->needs.n)
						continue;
					if (format == GRAPH_DOT)
						fprintf(out, "\t\"%s\" -> \"%s\" [style=bold, color=gray50];\n",
							prev->v[i]->id, l->v[j]->id);
					else
						mm_edge(out, prev->v[i]->id, "==>", l->v[j]->id);
				}
			}
		prev = l;
		free(needed);
		needed = xcalloc(l->n, 1);
		for (size_t i = 0; i < l->n; i++)
			for (size_t j = 0; j < l->v[i]->needs.n; j++)
				if (l->v[i]->needs.v[j]->order < l->n)
					needed[l->v[i]->needs.v[j]->order] = 1;
	}
	free(needed);
}

/*
 * Print the graph of a loaded runbook: one cluster (subgraph) per list in
 * run order, a node per step labelled with its id and primitive, write
 * steps filled, needs edges solid, the flow from one list to the next
 * bold, rollback edges dashed.  Steps appear in execution order, so the
 * output is the same for the same file.
 */
void graph_print(FILE *out, const runbook *rb, int format)
{
	int has_rb = 0;
	for (size_t i = 0; i < rb->all.n; i++)
		has_rb |= rb->all.v[i]->rollback.n > 0;

	if (format == GRAPH_DOT) {
		fputs("digraph ", out);
		dot_str(out, rb->id ? rb->id : "runbook");
		fputs(" {\n\tgraph [rankdir=TB, fontname=\"Helvetica\", labelloc=t, label=", out);
		dot_str(out, rb->title ? rb->title : "");
		fputs("];\n\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
		      "\tedge [fontname=\"Helvetica\"];\n", out);
		for (size_t p = 0; p < NRUN; p++) {
			const steplist *l = &rb->lists[run_order[p]];
			if (!l->n)
				continue;
			fprintf(out, "\tsubgraph cluster_%s {\n\t\tlabel=\"%s\";\n",
				phase_names[run_order[p]], phase_names[run_order[p]]);
			for (size_t i = 0; i < l->n; i++)
				dot_node(out, l->v[i], "\t\t");
			fputs("\t}\n", out);
		}
		if (has_rb) {
			fputs("\tsubgraph cluster_rollback {\n\t\tlabel=\"rollback\";\n\t\tstyle=dashed;\n", out);
			for (size_t i = 0; i < rb->all.n; i++)
				for (size_t j = 0; j < rb->all.v[i]->rollback.n; j++)
					dot_node(out, rb->all.v[i]->rollback.v[j], "\t\t");
			fputs("\t}\n", out);
		}
		watch_clusters(out, rb, format);
		for (size_t p = 0; p < NRUN; p++)
			dot_needs(out, &rb->lists[run_order[p]], "");
		phase_edges(out, rb, format);
		for (size_t i = 0; i < rb->all.n; i++) {
			const step *st = rb->all.v[i];
			dot_needs(out, &st->rollback, " [style=dashed]");
			for (size_t j = 0; j < st->rollback.n; j++)
				if (!st->rollback.v[j]->needs.n)
					fprintf(out, "\t\"%s\" -> \"%s\" [style=dashed, label=\"rollback\"];\n",
						st->id, st->rollback.v[j]->id);
		}
		fputs("}\n", out);
		return;
	}

	fputs("flowchart TD\n", out);
	for (size_t p = 0; p < NRUN; p++) {
		const steplist *l = &rb->lists[run_order[p]];
		if (!l->n)
			continue;
		fprintf(out, "\tsubgraph ph_%s [%s]\n", phase_names[run_order[p]],
			phase_names[run_order[p]]);
		for (size_t i = 0; i < l->n; i++)
			mm_node(out, l->v[i]);
		fputs("\tend\n", out);
	}
	if (has_rb) {
		fputs("\tsubgraph ph_rollback [rollback]\n", out);
		for (size_t i = 0; i < rb->all.n; i++)
			for (size_t j = 0; j < rb->all.v[i]->rollback.n; j++)
				mm_node(out, rb->all.v[i]->rollback.v[j]);
		fputs("\tend\n", out);
	}
	watch_clusters(out, rb, format);
	for (size_t p = 0; p < NRUN; p++) {
		const steplist *l = &rb->lists[run_order[p]];
		for (size_t i = 0; i < l->n; i++)
			for (size_t j = 0; j < l->v[i]->needs.n; j++)
				mm_edge(out, l->v[i]->needs.v[j]->id, "-->", l->v[i]->id);
	}
	phase_edges(out, rb, format);
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		for (size_t j = 0; j < st->rollback.n; j++) {
			const step *r = st->rollback.v[j];
			for (size_t k = 0; k < r->needs.n; k++)
				mm_edge(out, r->needs.v[k]->id, "-.->", r->id);
			if (!r->needs.n)
				mm_edge(out, st->id, "-.->|rollback|", r->id);
		}
	}
	int any = 0;
	for (size_t i = 0; i < rb->all.n; i++) {
		const step *st = rb->all.v[i];
		if (st->effect != EFFECT_WRITE || !st->id)
			continue;
		fputs(any ? "," : "\tclass ", out);
		mm_id(out, st->id);
		any = 1;
	}
	if (any)
		fputs(" write\n", out);
	fputs("\tclassDef write fill:#fde0dc,stroke:#c0392b,stroke-width:2px\n", out);
}
