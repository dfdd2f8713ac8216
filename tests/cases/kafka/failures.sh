# kafka: an unreachable bootstrap fails within the step timeout naming the
# address and librdkafka's connect error; an unknown topic fails; a
# mistyped client config property fails when the connection opens, and a
# credential in the config never reaches the transcript or the terminal;
# `check` reports malformed kafka actions at their positions.
export RB_KAFKA_PW=kpw-$RANDOM-s3cr3t
cat >rb.yaml <<YAML
runbook: kafka-failures
title: Kafka failures
owner: platform-operations
inputs:
  pw: { type: secret, from: env:RB_KAFKA_PW }
connections:
  bus: { kafka: "$RB_TEST_KAFKA_BOOTSTRAP" }
  down: { kafka: "$RB_TEST_KAFKA_REFUSED" }
  typo:
    kafka:
      brokers: "$RB_TEST_KAFKA_BOOTSTRAP"
      config: { sasl.password: "\${{ inputs.pw }}", socket.timeout.mss: 1000 }
steps:
  - id: refused
    kafka: { connection: down, topics: true }
    timeout: 5s
    on-failure: continue
  - id: refused-produce
    needs: []
    kafka: { connection: down, produce: { topic: rb-basic, value: x } }
    timeout: 5s
    on-failure: continue
  - id: unknown
    needs: []
    kafka: { connection: bus, lag: { group: g, topic: no-such-topic } }
    on-failure: continue
  - id: typo
    needs: []
    kafka: { connection: typo, topics: true }
    on-failure: continue
  - id: fine
    needs: []
    kafka: { connection: bus, topics: [rb-basic] }
    expect: { "topics[0].error": null }
YAML
start=$(date +%s%N)
rb run rb.yaml --transcript t.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
for s in refused refused-produce unknown typo; do expect_status t.jsonl $s failed; done
expect_status t.jsonl fine ok
err() { printf '[.[] | select(.event=="step.end" and .step=="%s") | .error] | last' "$1"; }
expect_jq t.jsonl "$(err refused) | contains(\"$RB_TEST_KAFKA_REFUSED\") and contains(\"Connection refused\")" "refused names host and port"
expect_jq t.jsonl "$(err refused-produce) | contains(\"$RB_TEST_KAFKA_REFUSED\")" "refused produce names host and port"
expect_jq t.jsonl "$(err unknown) | contains(\"unknown kafka topic 'no-such-topic'\")" "unknown topic"
expect_jq t.jsonl "$(err typo) | contains(\"socket.timeout.mss\")" "config typo"
# refused connections fail fast, well within their 5s timeouts
[ "$took" -lt 5000 ] || fail "unreachable brokers made the run take ${took}ms"
expect_no "$RB_KAFKA_PW" t.jsonl

cat >bad.yaml <<'YAML'
runbook: kafka-bad
title: Malformed kafka actions
owner: platform-operations
connections:
  bus: { kafka: "127.0.0.1:9092" }
steps:
  - id: two
    kafka: { connection: bus, topics: true, lag: { group: g, topic: t } }
  - id: typo
    kafka: { connection: bus, produce: { topic: t, vaule: x } }
  - id: nogroup
    kafka: { connection: bus, consume: { topic: t, max-messages: 0 } }
YAML
rb check --no-color bad.yaml
expect_rc 2
grep -qF "bad.yaml:8:45: error: kafka takes exactly one of produce, consume, lag, topics; found 'topics' and 'lag'" out err || fail "two operations"
grep -qF "bad.yaml:10:52: error: unknown key 'vaule' in kafka produce (did you mean 'value'?)" out err || fail "unknown key"
grep -qF "bad.yaml:12:66: error: kafka consume 'max-messages' must be an integer >= 1" out err || fail "max-messages"
grep -qF "bad.yaml:12:31: error: kafka consume needs 'group' or 'from-beginning: true'" out err || fail "group"
