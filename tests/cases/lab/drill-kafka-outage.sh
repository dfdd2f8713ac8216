# The kafka-outage drill against the lab (environment local): every broker
# stopped fires KafkaUnavailable in Prometheus and Alertmanager, /health
# reports Kafka down and a delegation task submitted meanwhile is
# requeued; the procedure brings the brokers back and restarts them, the
# topics are served, the requeued task is replayed (and done), the lag is
# bounded, verify meets the objectives and the lab is as it was.  Then a
# broker crashes at start: the scale-up fails, its undo and the drill's
# run -- the drill's cannot bring that broker back either (exit 3,
# rollback incomplete) -- and verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=kafka-outage

drill $RB ok
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-stop-brokers-local symptom-health symptom-alert-local symptom-alertmanager-local \
	symptom-task-requeued-local topics-persistent-local scale-up-local restart-broker-local \
	broker-rolled-out-local broker-stable replay-requeue health-ok lag-bounded no-requeue-left \
	drill-restore-replicas-local drill-drop-requeue-local; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl restart-broker skipped
task=$(jq -r -s '[.[] | select(.event == "step.end" and .step == "symptom-task-requeued-local")][0].result.json.task_id' ok.jsonl)
expect_jq ok.jsonl '([.[] | select(.event == "step.end" and .step == "symptom-task-requeued-local")][0].result.json.requeue_id) as $id |
	[.[] | select(.event == "step.end" and .step == "replay-requeue" and .item != null) | .item.value] == [$id]' \
	"the replay did not resolve exactly the drill's requeue entry"
done_task() { [ "$(pg_sql "SELECT status FROM delegation_tasks WHERE task_id = '$task'")" = done ]; }
lab_wait done_task
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
grep -qE 'ok +objectives +steps-required +all 3 required steps ended ok' ok.verify || fail "objectives: $(cat ok.verify)"
expect_lab_as before.txt
curl -fsS "$LAB_GATEWAY_URL/v1/requeue" | jq -e '. == []' >/dev/null || fail "requeue entries left"

# --- the remedy fails: broker 2 crashes at start ---
lab fault add crash:kafka-2
drill $RB broken
[ "$RC" -eq 3 ] || fail "the broken drill: exit $RC, want 3: $(tail -30 broken.out)"
expect_status broken.jsonl symptom-alert-local ok
expect_status broken.jsonl scale-up-local failed
expect_status broken.jsonl restart-broker-local none
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["undo-scale-up-local=ok", "symptom-task-requeued-local-undo=ok", "drill-undo-stop-brokers-local=failed"]' \
	"the rollbacks are not the scale-up's, the symptom's and the inject's"
grep -q 'rollback INCOMPLETE' broken.out || fail "the run does not say the rollback is incomplete"
expect_status broken.jsonl drill-drop-requeue-local ok
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +objectives +steps-required +none of 'restart-broker' \(skipped\), 'restart-broker-local' \(did not run\)" broken.verify ||
	fail "verify does not name the missing remedy: $(cat broken.verify)"
curl -fsS "$LAB_GATEWAY_URL/v1/requeue" | jq -e '. == []' >/dev/null || fail "the cleanup left the drill's requeue entry"
lab fault clear crash:kafka-2
lab scale kafka 3 || fail "the brokers do not come back once the fault is cleared"
expect_lab_as before.txt
