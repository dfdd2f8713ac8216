/*
 * events.c - the table of transcript events (see events.h).
 *
 * To add an event: a row here (and its EV_* id in events.h, same place in
 * the order), then emit it with that id; its required fields are checked
 * by the sanitizer build of the suite and by `runbook verify`, its
 * structural fields are kept unredacted, and `make docs` lists it.
 */
#include "record/events.h"

#include <string.h>

#include <cjson/cJSON.h>

#define FIELDS(...) ((const char *const[]){ __VA_ARGS__, NULL })
/*
 * `item`, on the events of a step that runs for a for-each item (the
 * item, its undo, the steps of a fragment it calls): {index, value}.  The
 * writer keeps it as it is -- the index is structure -- because the
 * executor has redacted the value already, as it does a result.
 */
#define NONE ((const char *const[]){ NULL })

const event_def event_table[EV_COUNT] = {
	[EV_RUN_START] = {
		"run.start",
		"a run begins: the runbook (id, title, version, file and its sha256), the mode, "
		"the inputs with secrets masked, the objectives, operator, host, pid and "
		"interpreter; `concurrency_key` (the rendered key the run lock is held on) when "
		"the runbook sets one; `boot` (the boot id) and, when signing, `signed_by` (the key id)",
		FIELDS("runbook", "file", "sha256", "mode", "inputs", "operator", "host", "pid",
		       "interpreter"),
		FIELDS("runbook", "title", "version", "file", "sha256", "mode", "objectives",
		       "operator", "host", "interpreter", "concurrency_key"),
	},
	[EV_RUN_RESUME] = {
		"run.resume",
		"`runbook resume` continues the run: the seq it continues from, the bytes of a "
		"torn line it cut, the runbook's sha256, operator, host, pid, the step in doubt, "
		"the leftover processes it killed (`reaped`), its action "
		"(continue, finish-rollback, rollback) and, when --in-doubt or the runbook's "
		"on-in-doubt decided the step in doubt, `in_doubt_decision` (rerun, skip, rollback) "
		"and `decided_by` (operator or runbook); `boot` and `signed_by` as in run.start",
		FIELDS("from_seq", "torn_bytes", "sha256", "operator", "host", "pid", "action"),
		FIELDS("sha256", "operator", "host", "in_doubt", "reaped", "action",
		       "in_doubt_decision", "decided_by"),
	},
	[EV_RUN_UNDO] = {
		"run.undo",
		"`runbook undo` reverses the run, which had ended: the seq it continues from, the "
		"runbook's sha256, operator, host, pid and the leftover processes of an "
		"interrupted undo it killed (`reaped`); a rollback.start ... rollback.end and a "
		"run.end of its own follow; `boot` and `signed_by` as in run.start",
		FIELDS("from_seq", "sha256", "operator", "host", "pid"),
		FIELDS("sha256", "operator", "host", "reaped"),
	},
	[EV_RUN_END] = {
		"run.end",
		"the run ends: status, exit code, duration, the step that failed, the guard that "
		"stopped it (`guard`) or the probe that failed it (`probe`), what the rollback "
		"did, the count of steps per status, and the signals ignored during the rollback",
		FIELDS("status", "exit", "duration_ms", "rollback", "counts"),
		FIELDS("status", "failed_step", "guard", "probe", "rollback", "counts"),
	},
	[EV_PHASE_START] = {
		"phase.start",
		"a phase begins (checks, steps, verify; a drill's inject, symptoms and cleanup)",
		FIELDS("phase"),
		NONE,
	},
	[EV_PHASE_END] = {
		"phase.end",
		"a phase ends: ok or failed, and its duration",
		FIELDS("phase", "status", "duration_ms"),
		FIELDS("status"),
	},
	[EV_CONNECTION_OPEN] = {
		"connection.open",
		"a step opened a connection, on its first use: its name and kind",
		FIELDS("step", "connection", "kind"),
		FIELDS("connection", "kind", "item"),
	},
	[EV_FRAGMENT_START] = {
		"fragment.start",
		"a `use` step calls a fragment: its id, its file and the call's inputs with "
		"secrets masked",
		FIELDS("step", "phase", "fragment", "file", "inputs"),
		FIELDS("fragment", "file", "item"),
	},
	[EV_STEP_START] = {
		"step.start",
		"a step begins: primitive, effect, title; a rollback step names the step it "
		"undoes (`rollback_of`), a sub-step its fragment, a check sent out with others "
		"how many went at once (`concurrent`); every event of a step that runs for a "
		"for-each item carries `item`: its index and its value (redacted)",
		FIELDS("step", "phase", "primitive", "effect"),
		FIELDS("title", "primitive", "effect", "rollback_of", "fragment", "item"),
	},
	[EV_STEP_SPAWN] = {
		"step.spawn",
		"an exec or shell attempt's process started: attempt, pid, process group, start "
		"time and boot id, so that a resume can end it",
		FIELDS("step", "phase", "attempt", "pid", "pgid"),
		FIELDS("boot_id", "item"),
	},
	[EV_STEP_ATTEMPT] = {
		"step.attempt",
		"one try or poll of a step: attempt, poll, ok or failed, the error, the "
		"matchers of a failed one, and under `until.hold` how long the condition has "
		"held so far (`held_ms`; 0 after a failing poll)",
		FIELDS("step", "phase", "attempt", "status"),
		FIELDS("status", "item"),
	},
	[EV_STEP_END] = {
		"step.end",
		"a step ends: status (ok, failed, skipped, would-run), duration, attempts, the "
		"error, the result, every matcher with expected and actual, the outputs (masked "
		"for a step with `sensitive: true`), and what a dry run would have run; a step "
		"that did not run says why: `skip` (if, needs, uses, dry-run), the step it names "
		"(`need`) and that step's status (`need_status`), and the `reason` in words; a "
		"for-each step's own end: how many `items`, the `max_concurrency` and "
		"`max_errors` they ran under, their counts as the result and the per-item lists "
		"as outputs",
		FIELDS("step", "phase", "status", "duration_ms"),
		FIELDS("status", "skip", "need", "need_status", "item"),
	},
	[EV_STEP_CHECK] = {
		"step.check",
		"a step's `check:` probe ran (on resume, or to decide its own undo): ok or "
		"failed, the error, the result and the matchers",
		FIELDS("step", "phase", "status"),
		FIELDS("status", "item"),
	},
	[EV_STEP_IN_DOUBT] = {
		"step.in-doubt",
		"resume's decision about the step that had started but not ended: rerun or "
		"applied, why, and, when neither its idempotence nor its check: decided, who did "
		"(`decided_by`: operator, by --in-doubt, or runbook, by its on-in-doubt)",
		FIELDS("step", "phase", "decision", "why"),
		FIELDS("decision", "item", "decided_by"),
	},
	[EV_APPROVE] = {
		"approve",
		"an approval: the question, the answer, who gave it, the comment, the mode "
		"(tty, auto, file) and when",
		FIELDS("step", "question", "approved", "by", "comment", "mode", "answered_at"),
		FIELDS("mode", "answered_at", "item"),
	},
	[EV_MANUAL] = {
		"manual",
		"a manual action: its instructions, whether the operator confirmed it done, who, "
		"the comment, the fields entered (secret ones masked), the mode (tty, auto, file) "
		"and when",
		FIELDS("step", "instructions", "confirmed", "by", "comment", "fields", "mode",
		       "answered_at"),
		FIELDS("mode", "answered_at"),
	},
	[EV_APPROVE_WAIT] = {
		"approve.wait",
		"an approve or manual step (`kind`) has no answer yet in the --approve park:FILE "
		"answers file (`answers`): the question or the instructions, and a manual step's "
		"field names; the run stops there (no step.end, no rollback, no run.end, exit 8) "
		"and `runbook resume` asks the file again",
		FIELDS("step", "kind", "answers"),
		FIELDS("kind", "fields", "answers", "item"),
	},
	[EV_ROLLBACK_START] = {
		"rollback.start",
		"the rollback begins: why, the steps it undoes in order, whether the failed "
		"step's own undo runs (`failed_step`, `failed_step_undo` run or skipped, "
		"`failed_step_why`), and the same for each failed for-each item "
		"(`items_in_doubt`: step, index, undo, why)",
		FIELDS("phase", "reason", "steps"),
		FIELDS("failed_step", "failed_step_undo", "steps", "items_in_doubt"),
	},
	[EV_ROLLBACK_END] = {
		"rollback.end",
		"the rollback ends: complete or incomplete, how many steps it undid, the undo "
		"steps that failed",
		FIELDS("phase", "status", "rolled_back", "failed"),
		FIELDS("status", "failed"),
	},
	[EV_SIGNAL] = {
		"signal",
		"SIGINT or SIGTERM stopped the run: its name and number, and the step it "
		"interrupted",
		FIELDS("signal", "number"),
		FIELDS("signal", "during"),
	},
	[EV_GUARD_CHECK] = {
		"guard.check",
		"one check of a drill's guard step: its number `n`, ok or not, the error, the "
		"matchers with expected and actual (masked for `sensitive: true`) and its duration",
		FIELDS("step", "phase", "n", "ok", "duration_ms"),
		FIELDS("n", "ok"),
	},
	[EV_GUARD_TRIPPED] = {
		"guard.tripped",
		"a guard step's check failed: the drill stops (run.end's `failed_step` is the "
		"step it stopped), rolls back and cleans up; the error of that check",
		FIELDS("step", "phase", "error"),
		NONE,
	},
	[EV_PROBE_CHECK] = {
		"probe.check",
		"one check of a continuous probe: its number `n`, ok or not, the failed checks in "
		"a row so far (`failures`) and its `tolerance`, the error, the matchers (masked "
		"for `sensitive: true`) and its duration",
		FIELDS("step", "phase", "n", "ok", "failures", "tolerance", "duration_ms"),
		FIELDS("n", "ok", "failures", "tolerance"),
	},
	[EV_PROBE_FAILED] = {
		"probe.failed",
		"a continuous probe failed more than `tolerance` checks in a row: the run fails "
		"(run.end's `failed_step` is the step it stopped) and rolls back; the last check's "
		"error",
		FIELDS("step", "phase", "failures", "tolerance", "error"),
		FIELDS("failures", "tolerance"),
	},
	[EV_CHECKPOINT] = {
		"checkpoint",
		"`--sign-key`: an Ed25519 signature (`sig`, by `key_id`) over the chain up to "
		"`upto_seq`, whose hash is `upto_hash`; every 50 events and after run.end",
		FIELDS("upto_seq", "upto_hash", "key_id", "sig"),
		FIELDS("upto_seq", "upto_hash", "key_id", "sig"),
	},
};

event_id event_lookup(const char *name)
{
	for (int i = 0; i < EV_COUNT; i++)
		if (!strcmp(event_table[i].name, name))
			return (event_id)i;
	return EV_UNKNOWN;
}

static int in(const char *const *v, const char *key)
{
	for (; *v; v++)
		if (!strcmp(*v, key))
			return 1;
	return 0;
}

int event_structural(event_id ev, const char *key)
{
	return ev < EV_COUNT && in(event_table[ev].structural, key);
}

const char *event_missing(event_id ev, const cJSON *fields, const char *step,
			  const char *phase)
{
	if (ev >= EV_COUNT)
		return NULL;
	for (const char *const *k = event_table[ev].required; *k; k++) {
		if ((step && !strcmp(*k, "step")) || (phase && !strcmp(*k, "phase")))
			continue;
		if (!cJSON_IsObject(fields) || !cJSON_GetObjectItemCaseSensitive(fields, *k))
			return *k;
	}
	return NULL;
}
