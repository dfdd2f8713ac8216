# runbooks: kafka-outage run against the suite's Kafka (mock cluster) and
# the gateway of tests/lib/soma_services.py (3 pending requeue entries,
# /health degraded until they are resolved); kubectl is a stub for the
# broker StatefulSet.  A dry run restarts nothing and replays nothing: the
# replay's entries are listed only after the restart, so the for-each is
# would-run as a whole.  The run resolves each entry exactly once, in
# order, the id percent-encoded in the path.  Poll interval and rollout
# window come from inputs.
mkdir bin
cat >bin/kubectl <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$KUBECTL_LOG"
case "$*" in
*"auth can-i"*) echo yes ;;
*"get pvc"*) echo 'Bound Bound Bound' ;;
*"get statefulset"*) echo '3 kafka-5d8f9' ;;
*"rollout restart"*) echo 'statefulset.apps/kafka restarted' ;;
*"rollout status"*) echo 'partitioned roll out complete: 3 new pods have been updated...' ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
chmod +x bin/kubectl
export PATH=$PWD/bin:$PATH KUBECTL_LOG=$PWD/kubectl.log
python3 "$ROOT/tests/lib/soma_services.py" --requeue 'rq-1,rq/2,rq-3' >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
RB=$ROOT/runbooks/kafka-outage.yaml
ins=(--input kube_context=soma-lab --input namespace=soma-lab --input kafka_brokers="$RB_TEST_KAFKA_BOOTSTRAP"
	--input topics=rb-topics --input consumer_group="grp-kafka-outage-$$" --input max_lag=1000000000
	--input gateway_url="$SOMA" --input prometheus_url="$RB_TEST_PROM" --input poll_every=100ms)
posts() { curl -fsS "$SOMA/calls" | jq -c '[.[] | select(.method == "POST") | .path]'; }

# plan: the polls take the inputs
rb plan --no-color "$RB" --input rollout_within=25m --input poll_every=2s
expect_rc 0
expect_out '^  broker-rolled-out .*$'
grep -A2 '^  broker-rolled-out ' out | grep -q 'until: every 2s within 25m$' || fail "rollout poll: $(grep -A2 broker-rolled-out out)"
grep -A2 '^  health-ok ' out | grep -q 'until: every 2s within 5m$' || fail "health poll: $(grep -A2 '^  health-ok' out)"

# a dry run: checks and reads for real, no restart, no replay
rb run "$RB" "${ins[@]}" --dry-run --approve auto --transcript dry.jsonl
expect_rc 0
expect_status dry.jsonl gateway-reports-kafka-down ok
expect_status dry.jsonl restart-broker would-run
expect_status dry.jsonl replay-requeue would-run
expect_jq dry.jsonl '[.[] | select(.event=="step.end" and .step=="replay-requeue")][0] | .skip == "uses" and .need == "pending-requeue"' "why the replay would run"
expect_jq dry.jsonl '[.[] | select(.step=="replay-requeue" and .item)] == []' "no items in a dry run"
grep -q 'rollout restart' kubectl.log && fail "a dry run restarted the brokers"
[ "$(posts)" = "[]" ] || fail "a dry run replayed: $(posts)"

# the run: each pending entry replayed once, in order
: >kubectl.log
rb run "$RB" "${ins[@]}" --approve auto --transcript t.jsonl
[ "$RC" -eq 0 ] || fail "exit $RC: $(tail -20 out)"
[ "$(posts)" = '["/v1/requeue/rq-1/resolve","/v1/requeue/rq%2F2/resolve","/v1/requeue/rq-3/resolve"]' ] ||
	fail "replay calls: $(posts)"
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="replay-requeue" and .item) | .item] == [{"index":0,"value":"rq-1"},{"index":1,"value":"rq/2"},{"index":2,"value":"rq-3"}]' "each entry started once"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="replay-requeue" and .item) | .status] == ["ok","ok","ok"]'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="replay-requeue" and (.item | not))][0] | .status == "ok" and .result.count == 3 and .result.ok == 3'
expect_status t.jsonl health-ok ok
expect_status t.jsonl no-requeue-left ok
[ "$(grep -c 'rollout restart statefulset/kafka -n soma-lab' kubectl.log)" -eq 1 ] || fail "restarts: $(cat kubectl.log)"
# verify: every check passes but time-to-detect, which only a drill measures
rb verify t.jsonl --runbook "$RB" --format json
expect_rc 5
jq -e '[.checks[] | select(.result != "pass" and .result != "note") | .name] == ["time-to-detect"]' out >/dev/null ||
	fail "verify: $(jq -c '[.checks[] | select(.result != "pass")]' out)"
rb verify t.jsonl --runbook "$RB"
expect_out 'ok +runbook +items +1 for-each step: 3 items started once each, in order'
