# The somaclient-event-loop drill against the lab (environment local): the
# SomaClient bug in the gateway and the delegation worker fires
# SomaClientEventLoopErrors in Prometheus and Alertmanager and fails the
# multi-loop probe; the procedure counts the errors in the logs, rebuilds
# and restarts both, the probe prints ok and the logs stay clean, verify
# meets the objectives (its guard never tripped).  Then the rebuilt
# gateway crashes at start: the rebuild fails, the inject is undone, and
# verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=somaclient-event-loop

drill $RB ok
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-event-loop-bug symptom-alert symptom-alertmanager symptom-probe venv-present \
	log-evidence-local rebuild-local multi-loop-probe no-new-loop-errors-local drill-clear-fault; do
	expect_status ok.jsonl "$s" ok
done
for s in compose-valid log-evidence keep-old-image rebuild redeploy refresh-venv no-new-loop-errors; do
	expect_status ok.jsonl "$s" skipped
done
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "log-evidence-local")][0].outputs.closed > 0' \
	"no event-loop error counted in the logs"
expect_jq ok.jsonl '[.[] | select(.event == "guard.check")] | length > 0 and all(.ok)' "the guard did not check, or failed"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
expect_lab_as before.txt

# --- the remedy fails: the rebuilt gateway crashes at start ---
lab fault add crash:gateway
drill $RB broken
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl symptom-probe ok
expect_status broken.jsonl rebuild-local failed
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["drill-undo-event-loop-bug=ok"]' "the rollback is not the inject's"
expect_status broken.jsonl drill-clear-fault ok
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +outcome +status +the run failed at step 'rebuild-local'" broken.verify ||
	fail "verify does not name the failed step: $(cat broken.verify)"
lab fault clear crash:gateway
lab start gateway || fail "the gateway does not start once the fault is cleared"
expect_lab_as before.txt
