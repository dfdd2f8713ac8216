# The budget-hard-stop drill against the lab (environment local): the
# tenant's counter exhausted, its messages are refused with "Token budget
# exceeded" and TenantBudgetExhausted fires in Prometheus and
# Alertmanager; the procedure has the limit change entered (a manual step,
# answered from a file), restarts the gateway and resets the counter, the
# tenant is served, verify meets the objectives, and the counter recorded
# before the drill is back.  Then the new gateway crashes at start: the
# redeploy fails, the rollbacks and cleanup run, verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=budget-hard-stop
counter() { redis-cli -p "$LAB_PORT_REDIS" GET "budget:$LAB_TENANT:tokens"; }
[ "$(counter)" = 1200 ] || fail "the lab's counter: $(counter)"
cat >answers.yaml <<'YAML'
raise-limit: { confirmed: true, by: drill, fields: { change: "https://git.example/soma/conf/pull/1" } }
YAML
export DRILL_ANSWERS=$PWD/answers.yaml

drill $RB ok --input tenant="$LAB_TENANT"
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-exhaust symptom-refused symptom-alert-local symptom-alertmanager-local tenants-file \
	show-override raise-limit redeploy-gateway-local reset-counter counter-reset health-ok tenant-served \
	drill-restore-counter; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl redeploy-gateway skipped
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "read-counter")][0].outputs.used == "999999999999"' \
	"the procedure did not find the exhausted counter"
expect_jq ok.jsonl '[.[] | select(.event == "manual")][0].fields.change | test("pull/1")' "the manual step's field is not recorded"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
[ "$(counter)" = 1200 ] || fail "the counter after the drill: $(counter), want the recorded 1200"
expect_lab_as before.txt
lab logs gateway --since 1m | grep -q 'tenants: acme=100000' || fail "the gateway did not restart reading conf/tenants.yaml"

# --- the remedy fails: the restarted gateway crashes at start ---
lab fault add crash:gateway
drill $RB broken --input tenant="$LAB_TENANT"
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl symptom-refused ok
expect_status broken.jsonl redeploy-gateway-local failed
expect_status broken.jsonl reset-counter none
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["raise-limit-undo=ok", "drill-undo-exhaust=ok"]' "the rollbacks are not the manual step's and the inject's"
expect_status broken.jsonl drill-restore-counter ok
grep -q 'rollback complete' broken.out || fail "the run does not say the rollback completed"
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +objectives +steps-required +none of 'redeploy-gateway' \(skipped\), 'redeploy-gateway-local' \(failed\)" broken.verify ||
	fail "verify does not name the failed remedy: $(cat broken.verify)"
[ "$(counter)" = 1200 ] || fail "the counter after the broken drill: $(counter)"
lab fault clear crash:gateway
lab start gateway || fail "the gateway does not start once the fault is cleared"
expect_lab_as before.txt
