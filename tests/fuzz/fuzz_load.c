/*
 * fuzz_load.c - the input is a runbook file: load, validate, build the
 * graph and lint it as `runbook check` does, print the diagnostics in
 * every format, and for a valid runbook also print its graph (dot and
 * mermaid), its plan (text and json), its diff with itself and its JSON
 * instance, as `runbook graph`, `plan`, `diff` and `schema --instance` do.
 *
 * runbook_load() takes a path (fragments are looked for next to the
 * file), so the bytes are written to in.yaml in the scratch directory;
 * `use:` then finds the repo's stdlib/ through RUNBOOK_PATH (set by
 * tests/fuzz/run.sh) and nothing of the scratch directory but itself.
 *
 * Any crash, sanitizer report, hang or leak is a finding; the exit code
 * and the messages are not judged.
 */
#include "fuzz.h"
#include "cli/cmd.h"
#include "lang/runbook.h"

static char *in_path;
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	in_path = fuzz_path("in.yaml");
	devnull = fopen("/dev/null", "we");
	if (!devnull)
		abort();
	fuzz_quiet_stdout();
	return 0;
}

/* the command a0 (its row of the command table) with up to three arguments */
static void run_cmd(const char *a0, const char *a1, const char *a2, const char *a3)
{
	const command *cmd = command_find(a0);
	char *argv[] = { (char *)a0, (char *)a1, (char *)a2, (char *)a3, NULL };
	int argc = a3 ? 4 : a2 ? 3 : 2;
	FILE *err = stderr;
	int rc;

	/* the commands' messages are not judged; sanitizer reports go to
	 * fd 2 directly and are not affected */
	stderr = devnull;
	rc = cmd->fn(cmd, argc, argv);
	stderr = err;

	FUZZ_ASSERT(rc == 0 || rc == 2, "%s exited %d", a0, rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	diags dg;
	runbook *rb;
	char *files[1] = { in_path };
	int fmt;

	if (!in_path)
		LLVMFuzzerInitialize(NULL, NULL);
	fuzz_write(in_path, data, size);
	diags_init(&dg);
	rb = runbook_load(in_path, &dg, 1);
	FUZZ_ASSERT(!rb == (dg.nerr > 0), "runbook_load returned %s with %d errors",
		    rb ? "a runbook" : "NULL", dg.nerr);
	diags_sort(&dg);
	for (fmt = DIAG_TEXT; fmt <= DIAG_JUNIT; fmt++)
		diags_print(devnull, &dg, fmt, fmt == DIAG_TEXT, files, 1);
	diags_release(&dg);
	if (rb) {
		graph_print(devnull, rb, GRAPH_DOT);
		graph_print(devnull, rb, GRAPH_MERMAID);
		runbook_free(rb);
	}
	diag_forget_sources();
	if (rb) {
		run_cmd("plan", in_path, NULL, NULL);
		run_cmd("plan", "--format", "json", in_path);
		run_cmd("diff", in_path, in_path, NULL);
	}
	run_cmd("schema", "--instance", in_path, NULL);
	fflush(stdout);
	return 0;
}
