/*
 * exitcode.c - the table of exit codes, made from RB_EXIT_CODES.
 */
#include "run/exitcode.h"

#define RB_EXIT_ROW(id, value, name, meaning) { value, name, meaning },
const exit_code_def exit_codes[] = { RB_EXIT_CODES(RB_EXIT_ROW) };
#undef RB_EXIT_ROW

const size_t exit_code_count = sizeof exit_codes / sizeof exit_codes[0];
