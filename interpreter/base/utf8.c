/* utf8.c - validating and repairing UTF-8 (see utf8.h). */
#include "base/utf8.h"
#include "base/arena.h"

#include <string.h>

long utf8_decode(const unsigned char *s, size_t i, size_t n, size_t *len)
{
	unsigned char c = s[i];
	size_t k, need;
	long cp;

	*len = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF)
		need = 1, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, cp = c & 0x07;
	else
		return -1;
	for (k = 1; k <= need; k++) {
		if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i + k] & 0x3F);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = need + 1;
	return cp;
}

int utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		/* ASCII runs are the common case */
		while (i < n && u[i] < 0x80)
			i++;
		if (i == n)
			break;
		if (utf8_decode(u, i, n, &len) < 0)
			return 0;
		i += len;
	}
	return 1;
}

char *utf8_sanitize(const char *s, size_t n, size_t *outn)
{
	const unsigned char *u = (const unsigned char *)s;
	sbuf b = { 0 };
	size_t i = 0, len;

	if (utf8_valid(s, n))
		return NULL;
	while (i < n) {
		if (utf8_decode(u, i, n, &len) < 0) {
			sbuf_adds(&b, "\xEF\xBF\xBD");
			i++;
			continue;
		}
		sbuf_add(&b, s + i, len);
		i += len;
	}
	*outn = b.len;
	return b.buf ? sbuf_detach(&b) : xstrdup("");
}
