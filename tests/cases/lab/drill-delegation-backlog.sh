# The delegation-backlog drill against the lab (environment local): the
# worker abandons three tasks (marked stuck, aged past the cut-off) and
# DelegationTasksStuck fires in Prometheus and Alertmanager; the procedure
# counts and replays exactly those, the dispatcher re-publishes them and
# the worker does them, verify meets the objectives, and the drill's rows
# are gone.  Then the replayed tasks are poison (the worker dies on them):
# they stay queued, verify fails, the rollback puts exactly them back to
# stuck, and verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=delegation-backlog
rows() { pg_sql "SELECT count(*) FROM delegation_tasks WHERE task_id LIKE 'drill-backlog-%'"; }

drill $RB ok
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-worker-bug drill-submit drill-abandoned drill-worker-fixed drill-age symptom-alert \
	symptom-alertmanager worker-running-local count-stuck replay none-stuck replayed-progress lag-bounded \
	drill-clear-fault drill-delete-tasks; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl worker-running skipped
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "replay")][0].outputs.n == 3' \
	"the replay did not take exactly the drill's three tasks"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
[ "$(rows)" = 0 ] || fail "the drill's rows are left: $(rows)"
expect_lab_as before.txt

# --- the remedy fails: the replayed tasks crash the worker ---
lab fault add crash-on-replay
drill $RB broken
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl replay ok
expect_status broken.jsonl replayed-progress failed
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback")][0] | .step == "undo-replay" and .status == "ok"' \
	"the replay is not the first step undone"
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | .status] | all(. == "ok")' "a rollback failed"
grep -q 'rollback complete' broken.out || fail "the run does not say the rollback completed"
grep -q 'crashing on the re-published task' "$LAB_RUN/logs/delegation-worker-1.log" || fail "the worker did not die on a replayed task"
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +objectives +steps-required +step 'replayed-progress' ended failed" broken.verify ||
	fail "verify does not name the failed check: $(cat broken.verify)"
lab fault clear crash-on-replay
lab start delegation-worker || fail "the worker does not start once the fault is cleared"
# the worker does what it died on; nothing is left stuck or queued
settled() { [ "$(pg_sql "SELECT count(*) FROM delegation_tasks WHERE status IN ('stuck', 'queued')")" = 0 ]; }
lab_wait settled
expect_lab_as before.txt
