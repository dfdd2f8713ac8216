# The circuit-breaker-openings drill against the lab (environment local):
# the SLM upstream fails for ten seconds (a fault that heals by itself),
# the gateway's breaker opens, a user's message is refused with
# CircuitOpenError and CircuitBreakerOpenEvents fires in Prometheus and
# Alertmanager; the procedure counts the CircuitOpenError
# lines, waits for the upstream and the counters, silences the alert in
# the real Alertmanager and has the RCA entered (answers file); verify
# sees the silence active, and the cleanup expires it.  Then the upstream
# does not come back: the wait fails, the inject is undone, verify exits 5.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up
lab_snapshot before.txt
RB=circuit-breaker-openings
cat >answers.yaml <<'YAML'
drill-approve: yes
approve-silence: yes
rca-recorded: { confirmed: true, by: drill, fields: { rca: "https://incidents.example/INC-1/rca" } }
YAML
export DRILL_ANSWERS=$PWD/answers.yaml
ins=(--input upstream_health_url="$LAB_UPSTREAM_URL/health" --input incident=INC-1)

drill $RB ok "${ins[@]}"
[ "$RC" -eq 0 ] || fail "the drill: exit $RC: $(tail -30 ok.out)"
for s in drill-upstream-outage symptom-alert symptom-alertmanager alertmanager-healthy gateway-log-evidence-local \
	upstream-healthy breaker-settled silence-alert rca-recorded silence-active still-settled \
	drill-clear-fault drill-expire-silence; do
	expect_status ok.jsonl "$s" ok
done
expect_status ok.jsonl gateway-log-evidence skipped
expect_jq ok.jsonl '[.[] | select(.event == "step.end" and .step == "gateway-log-evidence-local")][0].outputs.open_errors > 0' \
	"no CircuitOpenError line counted in the gateway's log"
id=$(jq -r -s '[.[] | select(.event == "step.end" and .step == "silence-alert")][0].outputs.silence_id' ok.jsonl)
curl -fsS "$LAB_ALERTMANAGER_URL/api/v2/silence/$id" >silence.json || fail "no silence $id in Alertmanager"
jq -e '.status.state == "expired" and .comment == "INC-1: upstream recovered, RCA in progress"' silence.json >/dev/null ||
	fail "the drill's silence is not expired: $(cat silence.json)"
[ "$VRC" -eq 0 ] || fail "verify: exit $VRC: $(cat ok.verify)"
expect_lab_as before.txt

# --- the remedy fails: the upstream does not come back ---
lab kill upstream
drill $RB broken "${ins[@]}"
[ "$RC" -eq 1 ] || fail "the broken drill: exit $RC, want 1: $(tail -30 broken.out)"
expect_status broken.jsonl symptom-alert ok
expect_status broken.jsonl upstream-healthy failed
expect_status broken.jsonl silence-alert none
expect_jq broken.jsonl '[.[] | select(.event == "step.end" and .phase == "rollback") | "\(.step)=\(.status)"] ==
	["drill-undo-upstream-outage=ok"]' "the rollback is not the inject's"
expect_status broken.jsonl drill-expire-silence skipped
[ "$VRC" -eq 5 ] || fail "verify of the broken drill: exit $VRC, want 5: $(cat broken.verify)"
grep -qE "FAIL +outcome +status +the run failed at step 'upstream-healthy'" broken.verify ||
	fail "verify does not name the failed step: $(cat broken.verify)"
lab start upstream || fail "the upstream does not start"
expect_lab_as before.txt
