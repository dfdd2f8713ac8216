/* suggest.c - "did you mean" hints (see suggest.h). */
#include "base/suggest.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define FAR 99  /* the distance of words too long to compare */

static int same_char(char a, char b, int flags)
{
	if (flags & SUGGEST_NOCASE)
		return tolower((unsigned char)a) == tolower((unsigned char)b);
	return a == b;
}

size_t suggest_distance(const char *a, const char *b, int flags)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return FAR;
	size_t d[65][65];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = !same_char(a[i - 1], b[j - 1], flags);
			size_t m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < m)
				m = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && same_char(a[i - 1], b[j - 2], flags) &&
			    same_char(a[i - 2], b[j - 1], flags) && d[i - 2][j - 2] + 1 < m)
				m = d[i - 2][j - 2] + 1;
			d[i][j] = m;
		}
	return d[la][lb];
}

/* does s begin with the first n bytes of prefix */
static int begins(const char *s, const char *prefix, size_t n, int flags)
{
	return flags & SUGGEST_NOCASE ? !strncasecmp(s, prefix, n) : !strncmp(s, prefix, n);
}

const char *suggest_rows(const char *word, const void *rows, size_t n, size_t stride,
			 int flags)
{
	const char *best = NULL, *longer = NULL, *shorter = NULL;
	size_t bestd = 3, wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		const char *c = *(const char *const *)((const char *)rows + i * stride);
		if (!c)
			break;
		size_t d, cl = strlen(c);
		if (!strcmp(c, word))
			continue;
		if (!longer && wl >= 3 && cl > wl && begins(c, word, wl, flags))
			longer = c;
		if (!shorter && cl >= 3 && cl < wl && begins(word, c, cl, flags))
			shorter = c;
		d = suggest_distance(word, c, flags);
		if (d < bestd && d < wl) {
			best = c;
			bestd = d;
		}
	}
	return longer ? longer : best ? best : shorter;
}

const char *suggest(const char *word, const char *const *cands, size_t n, int flags)
{
	return suggest_rows(word, cands, n, sizeof *cands, flags);
}

const void *rows_find(const char *name, const void *rows, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		const char *row = (const char *)rows + i * stride;
		const char *c = *(const char *const *)row;
		if (c && c[0] == name[0] && !strcmp(c, name))
			return row;
	}
	return NULL;
}
