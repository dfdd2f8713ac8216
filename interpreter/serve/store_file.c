/*
 * store_file.c - the state directory store: DIR/runs/<id>/run.json, one
 * file per run, replaced atomically (temporary file, fsync, rename, fsync
 * of the folder), so that a row read back is always a whole one.
 */
#include "serve/store.h"
#include "base/arena.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct fstore {
	store s;
	char *dir;              /* DIR/runs */
	pthread_mutex_t mu;     /* one writer of a row at a time */
} fstore;

void run_row_release(run_row *r)
{
	free(r->runbook);
	free(r->status);
	free(r->key);
	free(r->ckey);
	cJSON_Delete(r->inputs);
	memset(r, 0, sizeof *r);
}

cJSON *run_row_json(const run_row *r)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "runbook", r->runbook);
	cJSON_AddStringToObject(o, "status", r->status);
	if (r->exit_code < 0)
		cJSON_AddNullToObject(o, "exit");
	else
		cJSON_AddNumberToObject(o, "exit", r->exit_code);
	return o;
}

/* the whole row, as stored */
static char *row_text(const run_row *r)
{
	cJSON *o = run_row_json(r);
	cJSON_AddItemToObject(o, "inputs", r->inputs ? cJSON_Duplicate(r->inputs, 1)
						     : cJSON_CreateObject());
	if (r->key)
		cJSON_AddStringToObject(o, "key", r->key);
	if (r->ckey)
		cJSON_AddStringToObject(o, "concurrency_key", r->ckey);
	cJSON_AddNumberToObject(o, "created", r->created);
	cJSON_AddNumberToObject(o, "started", r->started);
	cJSON_AddNumberToObject(o, "ended", r->ended);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int write_durably(const char *path, const char *folder, const char *data)
{
	char *tmp = xasprintf("%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc = -1;
	if (fd >= 0) {
		size_t len = strlen(data), off = 0;
		while (off < len) {
			ssize_t n = write(fd, data + off, len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (off == len && fsync(fd) == 0 && close(fd) == 0) {
			fd = -1;
			rc = rename(tmp, path) == 0 ? fsync_path(folder) : -1;
		}
		if (fd >= 0)
			close(fd);
	}
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int fs_put(store *s, const run_row *r, char **err)
{
	fstore *f = (fstore *)s;
	char *folder = xasprintf("%s/%s", f->dir, r->id);
	char *path = xasprintf("%s/run.json", folder);
	char *text = row_text(r);
	pthread_mutex_lock(&f->mu);
	int rc = 0;
	if (mkdir(folder, 0700) < 0 && errno != EEXIST)
		rc = -1;
	else if (errno = 0, fsync_path(f->dir) < 0 || write_durably(path, folder, text) < 0)
		rc = -1;
	pthread_mutex_unlock(&f->mu);
	if (rc < 0)
		*err = xasprintf("cannot write %s: %s", path, strerror(errno));
	free(text);
	free(path);
	free(folder);
	return rc;
}

static char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

static double jnum(const cJSON *o, const char *k, double def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

/* a row from its file's text: 0, or -1 when it is not one */
static int row_parse(const char *text, const char *id, run_row *out)
{
	cJSON *o = cJSON_Parse(text);
	memset(out, 0, sizeof *out);
	if (!o)
		return -1;
	snprintf(out->id, sizeof out->id, "%s", id);
	out->runbook = jstr(o, "runbook");
	out->status = jstr(o, "status");
	out->key = jstr(o, "key");
	out->ckey = jstr(o, "concurrency_key");
	out->exit_code = (int)jnum(o, "exit", -1);
	out->created = jnum(o, "created", 0);
	out->started = jnum(o, "started", 0);
	out->ended = jnum(o, "ended", 0);
	cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "inputs");
	out->inputs = cJSON_IsObject(in) ? cJSON_DetachItemViaPointer(o, in) : cJSON_CreateObject();
	cJSON_Delete(o);
	if (!out->runbook || !out->status) {
		run_row_release(out);
		return -1;
	}
	return 0;
}

static int id_ok(const char *id)
{
	size_t n = strlen(id);
	if (n != RUN_ID_LEN)
		return 0;
	return strspn(id, "0123456789abcdef") == n;
}

static int fs_get(store *s, const char *id, run_row *out)
{
	fstore *f = (fstore *)s;
	if (!id_ok(id))
		return -1;
	char *path = xasprintf("%s/%s/run.json", f->dir, id);
	FILE *fp = fopen(path, "re");
	free(path);
	if (!fp)
		return -1;
	struct stat st;
	if (fstat(fileno(fp), &st) < 0 || st.st_size > (16 << 20)) {
		fclose(fp);
		return -1;
	}
	char *buf = xmalloc((size_t)st.st_size + 1);
	size_t n = fread(buf, 1, (size_t)st.st_size, fp);
	fclose(fp);
	buf[n] = 0;
	int rc = row_parse(buf, id, out);
	free(buf);
	return rc;
}

static void fs_each(store *s, void (*fn)(const run_row *r, void *arg), void *arg)
{
	fstore *f = (fstore *)s;
	DIR *d = opendir(f->dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		run_row r;
		if (id_ok(e->d_name) && fs_get(s, e->d_name, &r) == 0) {
			fn(&r, arg);
			run_row_release(&r);
		}
	}
	if (d)
		closedir(d);
}

static int fs_del(store *s, const char *id)
{
	fstore *f = (fstore *)s;
	if (!id_ok(id))
		return -1;
	char *folder = xasprintf("%s/%s", f->dir, id);
	char *path = xasprintf("%s/run.json", folder);
	pthread_mutex_lock(&f->mu);
	int rc = unlink(path) == 0 || errno == ENOENT ? 0 : -1;
	if (rc == 0) {
		rmdir(folder);  /* empty unless a transcript was started */
		rc = fsync_path(f->dir);
	}
	pthread_mutex_unlock(&f->mu);
	free(path);
	free(folder);
	return rc;
}

static char *fs_transcript(store *s, const char *id)
{
	return xasprintf("%s/%s/transcript.jsonl", ((fstore *)s)->dir, id);
}

static void fs_close(store *s)
{
	fstore *f = (fstore *)s;
	pthread_mutex_destroy(&f->mu);
	free(f->dir);
	free(f);
}

static const store_ops file_ops = { fs_put, fs_get, fs_each, fs_del, fs_transcript, fs_close };

store *store_file_open(const char *dir, char **err)
{
	char *runs = xasprintf("%s/runs", dir);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(runs, 0700) < 0 && errno != EEXIST)) {
		*err = xasprintf("cannot create the state directory %s: %s", runs, strerror(errno));
		free(runs);
		return NULL;
	}
	fstore *f = xcalloc(1, sizeof *f);
	f->s.ops = &file_ops;
	f->dir = runs;
	pthread_mutex_init(&f->mu, NULL);
	return &f->s;
}
