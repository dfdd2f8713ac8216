/* hex.c - hex digits, hex encoding, percent-decoding (see hex.h). */
#include "base/hex.h"

int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void hex_encode(const void *b, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = b;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

size_t pct_decode(const char *s, size_t n, char *out, size_t *bad)
{
	size_t o = 0, nbad = 0;

	for (size_t i = 0; i < n; i++) {
		int hi = s[i] == '%' && i + 2 < n ? hex_digit(s[i + 1]) : -1;
		int lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;

		if (lo >= 0) {
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			nbad += s[i] == '%';
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	if (bad)
		*bad = nbad;
	return o;
}
