# The canvas-disconnects drill against the lab (environment local): the
# canvas service crashes, the session's stream through the gateway fails
# and CanvasDown fires in Prometheus and Alertmanager; the procedure
# probes, restarts the canvas, the stream stays open for the 5 s probe,
# the users refresh (a manual step), verify meets the objectives.  Then
# the restarted canvas keeps dropping its streams: the verification fails,
# the rollbacks run (the canvas is started), and verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=canvas-disconnects

drill $RB ok --input session=s1
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-kill-local symptom-stream-broken symptom-alert-local symptom-alertmanager-local gateway-up \
	probe-stream restart-canvas-local stream-open users-refresh drill-ensure-running-local; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl restart-canvas skipped
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "probe-stream")][0].outputs.code == "502"' \
	"the procedure's probe did not see the broken stream"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
expect_lab_as before.txt

# --- the remedy fails: the restarted canvas keeps dropping its streams ---
lab fault add canvas-drops
drill $RB broken --input session=s1
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl restart-canvas-local ok
expect_status broken.jsonl stream-open failed
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["undo-restart-canvas-local=ok", "drill-undo-kill-local=ok"]' "the rollbacks are not the restart's and the inject's"
grep -q 'rollback complete' broken.out || fail "the run does not say the rollback completed"
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +outcome +status +the run failed at step 'stream-open'" broken.verify ||
	fail "verify does not name the failed check: $(cat broken.verify)"
lab fault clear canvas-drops
expect_lab_as before.txt
