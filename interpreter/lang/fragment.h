/*
 * fragment.h - reusable fragments: `use: PATH` + `with: {...}`.
 *
 * A fragment is a file in the runbook language with `fragment: <id>`
 * instead of `runbook:`, typed `inputs`, `steps` (with their rollbacks)
 * and `outputs`.  The validator loads one copy of the fragment per `use`
 * step (validate.c), so the copy can carry that step's phase and its step
 * ids "<use-step>/<fragment-step>"; the copy is owned by the using step
 * (step.frag) and freed with the runbook that holds it.
 *
 * Where `use: P` is looked for, in order (`.yaml` may be left out):
 *   1. the directory of the file that says `use:`;
 *   2. each directory of $RUNBOOK_PATH (colon-separated);
 *   3. P = stdlib/X: X in the stdlib directory, and nowhere else after 1
 *      and 2: --stdlib DIR, else $RUNBOOK_STDLIB, else found at run time
 *      from the binary: ../share/runbook/stdlib (where `make install`
 *      puts it, whatever the prefix was at build time), else ../stdlib or
 *      ../../stdlib (build/runbook and build/asan/runbook in a checkout);
 *   4. any other P: the binary's ../ and ../../.
 * An absolute P is only looked for as itself, and "./P" or "../P" only
 * next to the using file.
 */
#ifndef RB_FRAGMENT_H
#define RB_FRAGMENT_H

#include "lang/runbook.h"
#include "base/value.h"
#include "base/redact.h"

/* the deepest chain of fragments using fragments */
#define FRAGMENT_MAX_DEPTH 16

/*
 * The file `use` names, seen from the file from_file: a malloc'd path, or
 * NULL when there is none; *looked then receives (malloc'd) the places
 * searched, comma-separated, for the error message.
 */
char *fragment_find(const char *use, const char *from_file, char **looked);

/* --stdlib DIR: the stdlib directory, over $RUNBOOK_STDLIB (dir is kept,
 * not copied) */
void fragment_set_stdlib(const char *dir);
/* the directory fragment_set_stdlib() last set, or NULL */
const char *fragment_stdlib(void);

/*
 * The `inputs` context of one call of fragment fr: the rendered `with:`
 * values (borrowed) converted to each input's type and checked against
 * its pattern or values, defaults filled in.  Secret inputs are added to
 * red.  Returns a new object, or NULL with *err (malloc'd).
 */
value *fragment_inputs(const runbook *fr, const value *with, redactor *red, char **err);

#endif
