# The telemetry-worker-offline drill against the lab (environment local),
# run by make demo's game day script: the worker scaled to 0 fires
# TelemetryWorkerDown in Prometheus and Alertmanager and degrades /health;
# the procedure scales it back and restarts it, the alert clears, verify
# meets the objectives, the HTML report is written and the lab is as it
# was.  Then new replicas crash at start: the scale-up fails, the
# rollbacks put the lab back, and verify exits 5.  Last, the gateway dies
# during the drill: its guard (no other page) stops it, exit 6.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=telemetry-worker-offline

# make demo's game day, on this case's lab (already up: it is left up)
(cd "$ROOT" && TRANSCRIPTS=$T/gameday tests/lib/gameday.sh "$RUNBOOK") >gameday.out 2>&1 ||
	fail "the game day failed: $(tail -40 gameday.out)"
grep -q '^game day passed' gameday.out || fail "the game day does not say it passed"
grep -qE '^  TelemetryWorkerDown firing$' gameday.out && grep -qE '^  TelemetryWorkerDown resolved$' gameday.out ||
	fail "the game day does not show what the pager received: $(cat gameday.out)"
grep -qE '^verify: ok: ' gameday.out || fail "the game day does not print the verdict"
cp gameday/gameday-telemetry-worker-offline-*.jsonl ok.jsonl || fail "no game day transcript"
grep -q '<svg' gameday/gameday-telemetry-worker-offline-*.html || fail "no HTML drill report with its timeline"
for s in drill-scale-down-local symptom-alert symptom-alertmanager symptom-health lab-up \
	record-state-local scale-up-local restart-local scraped alert-cleared health-ok drill-restore-replicas-local; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl restart skipped
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "record-state-local")][0].outputs.replicas == "0"' \
	"the procedure did not find the worker at 0"
rb verify ok.jsonl --runbook "$ROOT/runbooks/$RB.yaml"
expect_rc 0
expect_out 'ok +objectives +steps-required +all 3 required steps ended ok'
expect_lab_as before.txt
expect_no "$LAB_PG_PASSWORD" ok.jsonl gameday.out

# --- the remedy fails: every new replica 2 crashes at start ---
lab fault add crash:telemetry-worker-2
drill $RB broken
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl symptom-alert ok
expect_status broken.jsonl scale-up-local failed
expect_status broken.jsonl restart-local none
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | .step] == ["undo-scale-up-local", "drill-undo-scale-down-local"]' \
	"the rollbacks are not the scale-up's, then the inject's"
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | .status] | all(. == "ok")' "a rollback failed"
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "verify")] == []' "verify ran after a failed remedy"
expect_status broken.jsonl drill-restore-replicas-local ok
grep -q 'rollback complete' broken.out || fail "the run does not say the rollback completed"
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +objectives +steps-required +none of 'restart' \(skipped\), 'restart-local' \(did not run\)" broken.verify ||
	fail "verify does not name the missing remedy: $(cat broken.verify)"
lab fault clear crash:telemetry-worker-2
expect_lab_as before.txt

# --- a second failure meanwhile: the gateway dies while the drill waits
# for its symptoms; the guard trips at once, the running step is stopped,
# the rollbacks and the cleanup run, exit 6, and verify exits 5 ---
symptoms_started() { grep '"event":"phase.start"' tripped.jsonl 2>/dev/null | grep -q '"phase":"symptoms"'; }
( for i in $(seq 1200); do symptoms_started && { lab kill gateway; exit 0; }; sleep 0.025; done ) &
killer=$!
drill $RB tripped
wait $killer
[ "$RC" -eq 6 ] || fail "the drill with the gateway down: exit $RC, want 6 (aborted by its guard): $(tail -30 tripped.out)"
grep -q "drill aborted by guard 'blast-radius'" err || fail "stderr does not name the guard: $(cat err)"
expect_jq tripped.jsonl '[.[] | select(.event == "guard.tripped")][0].step == "blast-radius"' "no guard.tripped event"
expect_jq tripped.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["drill-undo-scale-down-local=ok"]' "the inject was not undone"
expect_jq tripped.jsonl '[.[] | select(.event == "step.end" and .phase == "steps")] == []' "the procedure ran after the guard tripped"
expect_status tripped.jsonl drill-restore-replicas-local ok
[ "$VRC" -eq 5 ] || fail "verify of the tripped drill: exit $VRC, want 5: $(cat tripped.verify)"
grep -qE 'FAIL +objectives +guard-tripped' tripped.verify || fail "verify does not say the guard tripped: $(cat tripped.verify)"
lab start gateway || fail "the gateway does not start again"
expect_lab_as before.txt
