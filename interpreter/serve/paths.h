/*
 * paths.h - a runbook path as a request or a rule names it, under the
 * --runbooks folder.
 */
#ifndef RB_SERVE_PATHS_H
#define RB_SERVE_PATHS_H

enum {
	PATH_OK,
	PATH_BAD,       /* empty, absolute, or with a ".." segment */
	PATH_OUTSIDE,   /* it resolves (a symlink) outside the folder */
	PATH_MISSING,   /* it names no regular file */
};

/* rel under dir (itself a real path): PATH_OK with *real (malloc'd, the
 * resolved path), or one of the others with *real NULL */
int path_under(const char *dir, const char *rel, char **real);

#endif
