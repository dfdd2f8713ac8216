/*
 * fuzz.h - what the fuzz targets share: a private scratch directory for
 * the files the interpreter's path-taking entry points read, and a sink
 * for the text they print.
 *
 * Each target is a libFuzzer entry point (LLVMFuzzerTestOneInput).  The
 * same source is linked either with libFuzzer (`make fuzz`, clang) or with
 * replay.c (`make test`, any compiler), which feeds it files.
 */
#ifndef RB_FUZZ_H
#define RB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the files the targets share (tests/fuzz/data), set by the Makefile */
#ifndef FUZZ_DATA
#define FUZZ_DATA "tests/fuzz/data"
#endif

/* Abort with a message: an invariant of the code under test is broken. */
#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz invariant broken (%s:%d): ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		abort(); \
	} \
} while (0)

/*
 * A private directory (on /dev/shm when it exists, else $TMPDIR or /tmp)
 * made once per process and removed at exit; fuzz_path("x") is the path
 * of x in it.
 */
const char *fuzz_dir(void);
char *fuzz_path(const char *name);              /* malloc'd */
/* Write data to path (truncating); aborts when it cannot. */
void fuzz_write(const char *path, const void *data, size_t size);
/* Send stdout to /dev/null (the commands print their results there). */
void fuzz_quiet_stdout(void);
/* The absolute path of a file in FUZZ_DATA (malloc'd). */
char *fuzz_data(const char *name);

#endif
