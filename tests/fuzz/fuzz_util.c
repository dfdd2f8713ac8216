/*
 * fuzz_util.c - the scratch directory and output sink of fuzz.h.
 */
#include "fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static char dir[4096];

static void rm_dir(void)
{
	DIR *d;
	struct dirent *e;

	if (!dir[0] || !(d = opendir(dir)))
		return;
	while ((e = readdir(d))) {
		char p[8192];

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		struct stat sb;
		const char *base = stat("/dev/shm", &sb) == 0 && S_ISDIR(sb.st_mode)
			? "/dev/shm" : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

		snprintf(dir, sizeof dir, "%s/rbfuzz.XXXXXX", base);
		if (!mkdtemp(dir)) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(rm_dir);
	}
	return dir;
}

char *fuzz_path(const char *name)
{
	size_t n = strlen(fuzz_dir()) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", fuzz_dir(), name);
	return p;
}

void fuzz_write(const char *path, const void *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	const char *p = data;

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (size) {
		ssize_t w = write(fd, p, size);
		if (w <= 0) {
			perror(path);
			abort();
		}
		p += w;
		size -= (size_t)w;
	}
	close(fd);
}

void fuzz_quiet_stdout(void)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stdout);
	if (fd >= 0) {
		dup2(fd, 1);
		close(fd);
	}
}

char *fuzz_data(const char *name)
{
	const char *d = getenv("RB_FUZZ_DATA") ? getenv("RB_FUZZ_DATA") : FUZZ_DATA;
	size_t n = strlen(d) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p)
		abort();
	snprintf(p, n, "%s/%s", d, name);
	return p;
}
