/*
 * hash.h - SHA-256 as 64 lowercase hex digits: of bytes (every transcript
 * line, a runbook's source) or of a file, streamed.
 */
#ifndef RB_HASH_H
#define RB_HASH_H

#include <stddef.h>

/* hex SHA-256 of data into out[65]; aborts when SHA-256 is unavailable */
void sha256_hex(const void *data, size_t len, char out[65]);
/* of a file's contents: 0, or -1 with errno when it cannot be read */
int sha256_file_hex(const char *path, char out[65]);

#endif
