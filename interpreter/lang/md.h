/*
 * md.h - the part of Markdown a runbook written as a document uses, read
 * into a flat list of blocks with their positions, for `runbook import`.
 *
 * Read: YAML front matter (a first line `---` up to the next `---` or
 * `...`), ATX (`## x`) and setext (`x` over `===` / `---`) headings,
 * fenced code blocks (``` or ~~~, at any indentation, with their info
 * string), list items (`-`, `*`, `+`, `1.`, `1)`; continuation lines and
 * nested lists belong to the item), paragraphs, and as "other" blocks
 * kept verbatim: tables, block quotes, HTML, thematic breaks, indented
 * code.  Inline markup is left in the text; md_code_span() finds the
 * code spans in it.
 *
 * Line breaks are LF, CRLF or CR (the text is normalised to LF; lines and
 * columns are those of the file).  A NUL byte, invalid UTF-8, an
 * unterminated fence or front matter are errors at their file:line:col.
 */
#ifndef RB_MD_H
#define RB_MD_H

#include "base/arena.h"
#include "base/diag.h"

#include <stddef.h>

enum md_kind { MD_HEADING, MD_PARA, MD_FENCE, MD_ITEM, MD_OTHER };

typedef struct md_block {
	int kind;               /* MD_* */
	int line, col;          /* 1-based: its first character */
	int end_line;           /* its last line */
	size_t off, end;        /* its whole lines in md_doc.src: [off, end) */
	int level;              /* heading: 1-6 */
	int ordered;            /* item: a numbered one */
	int item;               /* fence: index of the list item it is in, or -1 */
	const char *text;       /* heading: its text; paragraph, item: the text
	                         * (marker and indentation removed, lines kept);
	                         * fence: the content, each line ending in LF */
	const char *info;       /* fence: the info string, trimmed */
	int content_line;       /* fence: line of its first content line */
} md_block;

typedef struct md_doc {
	char *src;              /* the text, LF line breaks (in the arena) */
	size_t len;
	int has_fm;             /* front matter was there */
	const char *fm;         /* its text (between the --- lines) */
	size_t fm_len;
	int fm_line;            /* line of its first text line */
	md_block *v;
	size_t n;
} md_doc;

/*
 * Parse src[0..len) (file names it in diagnostics) into d, allocated in
 * a.  Returns 0, or -1 with errors added to dg.
 */
int md_parse(arena *a, const char *file, const char *src, size_t len, md_doc *d, diags *dg);

/*
 * The next code span of text at or after *pos: its content (the CommonMark
 * rule: one leading and trailing space stripped when both are there) at
 * *start, *len bytes long, and *pos moved past it.  Returns 0 when there is none.
 */
int md_code_span(const char *text, size_t *pos, size_t *start, size_t *len);

#endif
