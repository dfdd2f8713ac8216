/*
 * md.c - Markdown blocks for `runbook import` (md.h).  Line by line, as
 * CommonMark's block structure, reduced to what runbooks use.
 */
#include "lang/md.h"
#include "base/utf8.h"

#include <string.h>

typedef struct line {
	size_t off, len;        /* in the normalised text, without the LF */
} line;

typedef struct mdp {
	arena *a;
	const char *file;
	diags *dg;
	md_doc *d;
	line *ln;
	size_t nln;
	size_t cap;             /* of d->v */
	int item;               /* the open list item (index in d->v), or -1 */
	size_t item_indent;     /* its content's indentation */
	int blank;              /* a blank line since the open item's last line */
} mdp;

/* column (1-based, in characters) of byte off of a line starting at base */
static int col_of(const char *s, size_t base, size_t off)
{
	int col = 1;

	for (size_t i = base; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			col++;
	return col;
}

/* NUL bytes and invalid UTF-8 are refused at their position (the YAML the
 * import writes must be UTF-8, and a NUL cannot be in it) */
static int check_bytes(const char *file, const char *s, size_t n, diags *dg)
{
	size_t i = 0, bol = 0;
	int lineno = 1;

	while (i < n) {
		size_t len;
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || (c == '\r' && (i + 1 >= n || s[i + 1] != '\n'))) {
			lineno++;
			bol = ++i;
			continue;
		}
		if (c == 0) {
			diag_add(dg, SEV_ERROR, file, lineno, col_of(s, bol, i), "import",
				 "NUL byte in the document");
			return -1;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (utf8_decode((const unsigned char *)s, i, n, &len) < 0) {
			diag_add(dg, SEV_ERROR, file, lineno, col_of(s, bol, i), "import",
				 "invalid UTF-8 (byte 0x%02x)", c);
			return -1;
		}
		i += len;
	}
	return 0;
}

/* the text with LF line breaks, and its lines */
static void split_lines(mdp *P, const char *s, size_t n)
{
	char *t = arena_alloc(P->a, n + 1);
	size_t k = 0, start = 0;

	P->ln = arena_alloc(P->a, (n + 2) * sizeof(line));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			t[k++] = '\n';
		} else {
			t[k++] = s[i];
		}
		if (t[k - 1] == '\n') {
			P->ln[P->nln++] = (line){ start, k - 1 - start };
			start = k;
		}
	}
	if (start < k)
		P->ln[P->nln++] = (line){ start, k - start };
	t[k] = 0;
	P->d->src = t;
	P->d->len = k;
}

static const char *lp(const mdp *P, size_t i)
{
	return P->d->src + P->ln[i].off;
}

static int is_blank(const mdp *P, size_t i)
{
	const char *s = lp(P, i);

	for (size_t k = 0; k < P->ln[i].len; k++)
		if (s[k] != ' ' && s[k] != '\t')
			return 0;
	return 1;
}

/* indentation in columns (a tab to the next multiple of 4), bytes in *nb */
static size_t indent_of(const mdp *P, size_t i, size_t *nb)
{
	const char *s = lp(P, i);
	size_t col = 0, k = 0;

	for (; k < P->ln[i].len && (s[k] == ' ' || s[k] == '\t'); k++)
		col = s[k] == '\t' ? (col / 4 + 1) * 4 : col + 1;
	if (nb)
		*nb = k;
	return col;
}

/* bytes of line i after removing up to `cols` columns of indentation */
static const char *dedent(const mdp *P, size_t i, size_t cols, size_t *len)
{
	const char *s = lp(P, i);
	size_t col = 0, k = 0;

	while (k < P->ln[i].len && col < cols && (s[k] == ' ' || s[k] == '\t')) {
		col = s[k] == '\t' ? (col / 4 + 1) * 4 : col + 1;
		k++;
	}
	*len = P->ln[i].len - k;
	return s + k;
}

static md_block *add_block(mdp *P, int kind, size_t first, size_t last, size_t textcol)
{
	md_doc *d = P->d;

	d->v = arena_grow(P->a, d->v, d->n, &P->cap, sizeof(*d->v));
	md_block *b = &d->v[d->n++];
	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->line = (int)first + 1;
	b->col = col_of(d->src, P->ln[first].off, P->ln[first].off + textcol);
	b->end_line = (int)last + 1;
	b->off = P->ln[first].off;
	b->end = P->ln[last].off + P->ln[last].len + (P->ln[last].off + P->ln[last].len < d->len);
	b->item = -1;
	return b;
}

/* a fence opener: its character, length and info string; 0 when not one */
static int fence_open(const mdp *P, size_t i, char *ch, size_t *flen, const char **info, size_t *ilen)
{
	size_t nb, k, n = P->ln[i].len;
	const char *s = lp(P, i);

	indent_of(P, i, &nb);
	k = nb;
	if (k >= n || (s[k] != '`' && s[k] != '~'))
		return 0;
	*ch = s[k];
	while (k < n && s[k] == *ch)
		k++;
	*flen = k - nb;
	if (*flen < 3)
		return 0;
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	*info = s + k;
	*ilen = n - k;
	while (*ilen && (s[k + *ilen - 1] == ' ' || s[k + *ilen - 1] == '\t'))
		--*ilen;
	if (*ch == '`' && memchr(*info, '`', *ilen))
		return 0;
	return 1;
}

static int fence_close(const mdp *P, size_t i, char ch, size_t flen)
{
	size_t nb, k, n = P->ln[i].len;
	const char *s = lp(P, i);

	indent_of(P, i, &nb);
	for (k = nb; k < n && s[k] == ch; k++)
		;
	if (k - nb < flen)
		return 0;
	for (; k < n; k++)
		if (s[k] != ' ' && s[k] != '\t')
			return 0;
	return 1;
}

/* a fenced block from line i; returns the line after it, or 0 (error) */
static size_t parse_fence(mdp *P, size_t i)
{
	char ch;
	size_t flen, ilen, nb, j;
	const char *info;
	size_t ind = indent_of(P, i, &nb);
	sbuf t = { 0 };

	fence_open(P, i, &ch, &flen, &info, &ilen);
	for (j = i + 1; j < P->nln && !fence_close(P, j, ch, flen); j++) {
		size_t len;
		const char *s = dedent(P, j, ind, &len);
		sbuf_add(&t, s, len);
		sbuf_addc(&t, '\n');
	}
	if (j >= P->nln) {
		md_block *b = add_block(P, MD_FENCE, i, i, nb);
		diag_add(P->dg, SEV_ERROR, P->file, b->line, b->col, "import",
			 "code block opened here is not closed (no %.*s line)", (int)flen,
			 ch == '`' ? "``````````" : "~~~~~~~~~~");
		P->d->n--;
		sbuf_release(&t);
		return 0;
	}
	md_block *b = add_block(P, MD_FENCE, i, j, nb);
	b->text = arena_strndup(P->a, t.buf ? t.buf : "", t.len);
	b->info = arena_strndup(P->a, info, ilen);
	b->content_line = (int)i + 2;
	b->item = P->item >= 0 && ind >= P->item_indent ? P->item : -1;
	sbuf_release(&t);
	return j + 1;
}

/* `#`..`######` heading: its level and text; 0 when not one */
static int atx(const mdp *P, size_t i, int *level, const char **text, size_t *tlen)
{
	size_t nb, k, n = P->ln[i].len;
	const char *s = lp(P, i);

	if (indent_of(P, i, &nb) > 3)
		return 0;
	for (k = nb; k < n && s[k] == '#'; k++)
		;
	if (k == nb || k - nb > 6 || (k < n && s[k] != ' ' && s[k] != '\t'))
		return 0;
	*level = (int)(k - nb);
	while (k < n && (s[k] == ' ' || s[k] == '\t'))
		k++;
	size_t e = n;
	while (e > k && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	size_t h = e;
	while (h > k && s[h - 1] == '#')
		h--;
	if (h < e && (h == k || s[h - 1] == ' ' || s[h - 1] == '\t'))
		for (e = h; e > k && (s[e - 1] == ' ' || s[e - 1] == '\t'); e--)
			;
	*text = s + k;
	*tlen = e - k;
	return 1;
}

/* a line of one repeated c (3 or more, spaces between allowed): ---, * * * */
static int rule_line(const mdp *P, size_t i, char c, int min, int spaces)
{
	size_t nb, n = P->ln[i].len;
	const char *s = lp(P, i);
	int count = 0;

	if (indent_of(P, i, &nb) > 3)
		return 0;
	for (size_t k = nb; k < n; k++) {
		if (s[k] == c)
			count++;
		else if (!(s[k] == ' ' || s[k] == '\t') || (!spaces && count && k + 1 < n && s[k + 1] == c))
			return 0;
	}
	return count >= min;
}

static int thematic(const mdp *P, size_t i)
{
	return rule_line(P, i, '-', 3, 1) || rule_line(P, i, '*', 3, 1) || rule_line(P, i, '_', 3, 1);
}

/* a list marker: the content's column and whether it is numbered; 0 if not */
static int list_marker(const mdp *P, size_t i, size_t *content, size_t *byte, int *ordered)
{
	size_t nb, k, n = P->ln[i].len;
	const char *s = lp(P, i);
	size_t ind = indent_of(P, i, &nb);

	k = nb;
	if (k < n && (s[k] == '-' || s[k] == '*' || s[k] == '+')) {
		*ordered = 0;
		k++;
	} else {
		size_t d = k;
		while (k < n && k - d < 9 && s[k] >= '0' && s[k] <= '9')
			k++;
		if (k == d || k >= n || (s[k] != '.' && s[k] != ')'))
			return 0;
		*ordered = 1;
		k++;
	}
	if (k < n && s[k] != ' ' && s[k] != '\t')
		return 0;
	if (thematic(P, i))
		return 0;
	size_t sp = 0;
	while (k + sp < n && s[k + sp] == ' ')
		sp++;
	*content = ind + (k - nb) + (sp >= 1 && sp <= 4 ? sp : 1);
	if (byte)
		*byte = k + (sp >= 1 && sp <= 4 ? sp : sp ? 1 : 0);
	return 1;
}

static int starts_other(const mdp *P, size_t i)
{
	size_t nb;
	const char *s = lp(P, i);

	indent_of(P, i, &nb);
	return nb < P->ln[i].len && (s[nb] == '>' || s[nb] == '|' || s[nb] == '<');
}

/* does line i start a block of its own (ends a paragraph)? */
static int interrupts(const mdp *P, size_t i)
{
	int level, ord;
	const char *t, *info;
	size_t tl, c, fl, il;
	char ch;

	return is_blank(P, i) || atx(P, i, &level, &t, &tl) || fence_open(P, i, &ch, &fl, &info, &il) ||
	       thematic(P, i) || list_marker(P, i, &c, NULL, &ord) || starts_other(P, i);
}

/* a table, quote or HTML block: lines up to a blank one */
static size_t parse_other(mdp *P, size_t i, int indented)
{
	size_t j = i + 1, nb;

	if (indented) {
		/* indented code: lines indented 4 or more, blank ones between */
		while (j < P->nln && (is_blank(P, j) || indent_of(P, j, NULL) >= 4))
			j++;
		while (j > i + 1 && is_blank(P, j - 1))
			j--;
	} else {
		while (j < P->nln && !is_blank(P, j))
			j++;
	}
	indent_of(P, i, &nb);
	add_block(P, MD_OTHER, i, j - 1, nb);
	return j;
}

/* lines i..j-1 dedented by cols, joined with LF */
static const char *join_lines(mdp *P, size_t i, size_t j, size_t first_skip, size_t cols)
{
	sbuf t = { 0 };

	for (size_t k = i; k < j; k++) {
		size_t len;
		const char *s;

		if (k == i) {
			s = lp(P, k) + first_skip;
			len = P->ln[k].len - first_skip;
		} else {
			s = dedent(P, k, cols, &len);
		}
		if (k > i)
			sbuf_addc(&t, '\n');
		sbuf_add(&t, s, len);
	}
	const char *r = arena_strndup(P->a, t.buf ? t.buf : "", t.len);
	sbuf_release(&t);
	return r;
}

/* a paragraph, or a setext heading */
static size_t parse_para(mdp *P, size_t i)
{
	size_t j = i + 1, nb;
	int level = 0;

	while (j < P->nln && !interrupts(P, j)) {
		if (rule_line(P, j, '=', 1, 0)) {
			level = 1;
			break;
		}
		j++;
	}
	if (!level && j < P->nln && rule_line(P, j, '-', 1, 0) && !list_marker(P, j, &nb, NULL, &level))
		level = 2;
	indent_of(P, i, &nb);
	if (level) {
		md_block *b = add_block(P, MD_HEADING, i, j, nb);
		const char *t = join_lines(P, i, j, nb, 4);
		size_t tl = strlen(t);
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
			tl--;
		b->text = arena_strndup(P->a, t, tl);
		b->level = level;
		return j + 1;
	}
	md_block *b = add_block(P, MD_PARA, i, j - 1, nb);
	b->text = join_lines(P, i, j, nb, 4);
	return j;
}

/* a list item from line i: its first line, continuation lines (indented
 * to its content, or lazy ones right after its text) and nested lists */
static size_t parse_item(mdp *P, size_t i)
{
	size_t content, nb, j = i + 1, last = i;
	int ordered;

	size_t skip, len;

	list_marker(P, i, &content, &skip, &ordered);
	indent_of(P, i, &nb);
	while (j < P->nln) {
		if (is_blank(P, j)) {
			j++;
			continue;
		}
		char ch;
		size_t fl, il;
		const char *info;
		int blank_before = is_blank(P, j - 1);
		if (fence_open(P, j, &ch, &fl, &info, &il))
			break;
		if (indent_of(P, j, NULL) >= content || (!blank_before && !interrupts(P, j))) {
			last = j++;
			continue;
		}
		break;
	}
	md_block *b = add_block(P, MD_ITEM, i, last, nb);
	b->ordered = ordered;
	/* the first line's text starts after the marker */
	(void)len;
	b->text = join_lines(P, i, last + 1, skip, content);
	P->item = (int)(P->d->n - 1);
	P->item_indent = content;
	return last + 1;
}

/* only spaces and tabs after byte k of line i */
static int is_blank_tail(const mdp *P, size_t i, size_t k)
{
	for (; k < P->ln[i].len; k++)
		if (lp(P, i)[k] != ' ' && lp(P, i)[k] != '\t')
			return 0;
	return 1;
}

static int parse_front_matter(mdp *P)
{
	md_doc *d = P->d;
	size_t j;

	if (P->nln == 0 || P->ln[0].len < 3 || memcmp(lp(P, 0), "---", 3) || !is_blank_tail(P, 0, 3))
		return 0;
	for (j = 1; j < P->nln; j++) {
		const char *s = lp(P, j);
		if (P->ln[j].len >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)) && is_blank_tail(P, j, 3))
			break;
	}
	if (j >= P->nln) {
		diag_add(P->dg, SEV_ERROR, P->file, 1, 1, "import",
			 "front matter opened here is not closed (no '---' line)");
		return -1;
	}
	d->has_fm = 1;
	d->fm = d->src + (j > 1 ? P->ln[1].off : P->ln[j].off);
	d->fm_len = P->ln[j].off - (size_t)(d->fm - d->src);
	d->fm_line = 2;
	return (int)j + 1;
}

/* one block from line i; returns the next line, 0 after an error */
static size_t parse_block(mdp *P, size_t i)
{
	int level, ord;
	const char *t, *info;
	size_t tl, c, fl, il, nb;
	char ch;
	size_t ind = indent_of(P, i, &nb);

	if (fence_open(P, i, &ch, &fl, &info, &il))
		return parse_fence(P, i);
	if (P->item >= 0 && !(ind >= P->item_indent || !P->blank))
		P->item = -1;
	if (atx(P, i, &level, &t, &tl)) {
		md_block *b = add_block(P, MD_HEADING, i, i, nb);
		b->text = arena_strndup(P->a, t, tl);
		b->level = level;
		P->item = -1;
		return i + 1;
	}
	if (list_marker(P, i, &c, NULL, &ord))
		return parse_item(P, i);
	P->item = -1;
	if (thematic(P, i) || starts_other(P, i))
		return parse_other(P, i, 0);
	if (ind >= 4)
		return parse_other(P, i, 1);
	return parse_para(P, i);
}

int md_parse(arena *a, const char *file, const char *src, size_t len, md_doc *d, diags *dg)
{
	mdp P = { .a = a, .file = file, .dg = dg, .d = d, .item = -1 };
	int first;

	memset(d, 0, sizeof(*d));
	if (check_bytes(file, src, len, dg) < 0)
		return -1;
	split_lines(&P, src, len);
	if ((first = parse_front_matter(&P)) < 0)
		return -1;
	for (size_t i = (size_t)first; i < P.nln;) {
		if (is_blank(&P, i)) {
			P.blank = 1;
			i++;
			continue;
		}
		size_t next = parse_block(&P, i);
		if (!next)
			return -1;
		P.blank = 0;
		i = next;
	}
	return 0;
}

/* runs of backticks longer than this are not code spans */
#define SPAN_MAX_RUN 256

int md_code_span(const char *text, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos, n = strlen(text);
	/* a run that found no closing run: no later run of its length will */
	unsigned char unclosed[SPAN_MAX_RUN + 1] = { 0 };

	while (i < n) {
		if (text[i] == '\\' && i + 1 < n) {
			i += 2;
			continue;
		}
		if (text[i] != '`') {
			i++;
			continue;
		}
		size_t run = 0, k;
		while (i + run < n && text[i + run] == '`')
			run++;
		if (run > SPAN_MAX_RUN || unclosed[run]) {
			i += run;
			continue;
		}
		/* the closing run: exactly as long */
		for (k = i + run; k < n; k++) {
			if (text[k] != '`')
				continue;
			size_t r = 0;
			while (k + r < n && text[k + r] == '`')
				r++;
			if (r == run)
				break;
			k += r - 1;
		}
		if (k >= n) {
			unclosed[run] = 1;
			i += run;
			continue;
		}
		size_t s = i + run, e = k;
		if (e - s >= 2 && text[s] == ' ' && text[e - 1] == ' ')
			s++, e--;
		*start = s;
		*len = e - s;
		*pos = k + run;
		return 1;
	}
	*pos = n;
	return 0;
}
