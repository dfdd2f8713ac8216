/*
 * fuzz_import.c - the input is a Markdown document: `runbook import`'s
 * conversion, whole and with --split.  Invariants: the import fails
 * exactly when it says why (an error with a position), and every runbook
 * it makes loads and validates with no error, as `runbook check` would
 * (written to the scratch directory and loaded from there).
 */
#include "fuzz.h"
#include "lang/import.h"
#include "lang/runbook.h"

static char *out_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	out_path = fuzz_path("out.yaml");
	fuzz_quiet_stdout();
	return 0;
}

static void one(const uint8_t *data, size_t size, int split)
{
	diags dg, rep;
	imp_result r;
	int rc;

	diags_init(&dg);
	diags_init(&rep);
	rc = md_import("in.md", (const char *)data, size, split, &r, &rep, &dg);
	FUZZ_ASSERT((rc < 0) == (dg.nerr > 0), "md_import returned %d with %d errors", rc, dg.nerr);
	if (rc == 0) {
		for (size_t i = 0; i < r.n; i++) {
			diags ck;
			runbook *rb;

			fuzz_write(out_path, r.v[i].yaml, r.v[i].len);
			diags_init(&ck);
			rb = runbook_load(out_path, &ck, 1);
			if (ck.nerr) {
				diags_print(stderr, &ck, DIAG_TEXT, 0, &out_path, 1);
				fwrite(r.v[i].yaml, 1, r.v[i].len > 4000 ? 4000 : r.v[i].len, stderr);
			}
			FUZZ_ASSERT(ck.nerr == 0, "the imported runbook '%s' has %d errors", r.v[i].id, ck.nerr);
			if (rb)
				runbook_free(rb);
			diags_release(&ck);
		}
		imp_result_release(&r);
	}
	diags_release(&dg);
	diags_release(&rep);
	diag_forget_sources();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!out_path)
		LLVMFuzzerInitialize(NULL, NULL);
	one(data, size, 0);
	one(data, size, 1);
	return 0;
}
