/*
 * paths.c - a relative path under a folder, resolved and checked.
 */
#include "serve/paths.h"
#include "base/arena.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int has_dotdot(const char *rel)
{
	for (const char *p = rel; *p;) {
		if (p[0] == '.' && p[1] == '.' && (p[2] == '/' || !p[2]))
			return 1;
		const char *slash = strchr(p, '/');
		p = slash ? slash + 1 : p + strlen(p);
	}
	return 0;
}

int path_under(const char *dir, const char *rel, char **real)
{
	*real = NULL;
	if (!*rel || rel[0] == '/' || has_dotdot(rel))
		return PATH_BAD;
	char *joined = xasprintf("%s/%s", dir, rel);
	char *r = realpath(joined, NULL);
	free(joined);
	size_t n = strlen(dir);
	struct stat st;
	int rc = PATH_OK;
	if (!r)
		rc = PATH_MISSING;
	else if (strncmp(r, dir, n) || r[n] != '/')
		rc = PATH_OUTSIDE;
	else if (stat(r, &st) < 0 || !S_ISREG(st.st_mode))
		rc = PATH_MISSING;
	if (rc == PATH_OK)
		*real = r;
	else
		free(r);
	return rc;
}
