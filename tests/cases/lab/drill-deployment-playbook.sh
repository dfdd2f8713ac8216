# The deployment playbook rehearsed against the lab (environment local):
# /health green and nothing firing, the release rolled out service by
# service, every service answering, a 5 s soak with no page and the
# gateway up, the smoke test and the targets, verify meets the objectives
# (its guard never tripped).  Then the telemetry worker crashes during
# the soak: the soak fails, the rollback rolls the previous release out
# again -- which brings the worker back -- and verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=deployment-playbook

drill $RB ok --input rollback_ref=lab-previous
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in health-green no-firing-alerts approve-deploy-local apply-local rollouts-done-local soak health-ok smoke targets-up; do
	expect_status ok.jsonl "$s" ok
done
for s in kube-access rollback-ref-exists diff approve-deploy apply rollouts-done; do
	expect_status ok.jsonl "$s" skipped
done
expect_jq ok.jsonl '[.[] | select(.event == "guard.check")] | length > 0 and all(.ok)' "the guard did not check, or failed"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
expect_lab_as before.txt

# --- the release goes bad during the soak: the telemetry worker crashes ---
soak_started() { grep '"event":"step.start"' broken.jsonl 2>/dev/null | grep -q '"step":"soak"'; }
( for i in $(seq 2400); do soak_started && { lab kill telemetry-worker; exit 0; }; sleep 0.025; done ) &
killer=$!
drill $RB broken --input rollback_ref=lab-previous
wait $killer
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl apply-local ok
expect_status broken.jsonl soak failed
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["reapply-previous-local=ok"]' "the rollback is not the release rolled out again"
grep -q 'rollback complete' broken.out || fail "the run does not say the rollback completed"
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +objectives +steps-required +step 'soak' ended failed" broken.verify ||
	fail "verify does not name the failed soak: $(cat broken.verify)"
# the rollback's restarts brought the worker back: nothing to repair by hand
expect_lab_as before.txt
