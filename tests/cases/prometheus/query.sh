# prometheus: a gauge set on the scraped test target becomes visible to an
# instant query (polled with `until` until Prometheus has scraped it); a
# single-sample vector gives `value`, several give `vector`, a range query
# gives series of [t, v] points.
name=q$RANDOM
cat >rb.yaml <<YAML
runbook: prom-query
title: Prometheus query
owner: platform-operations
connections:
  prom: { prometheus: "$RB_TEST_PROM" }
  target: { http: "$RB_TEST_HTTP" }
steps:
  - id: set-a
    http: { connection: target, method: POST, url: "/set?name=$name-a&value=42" }
  - id: set-b
    http: { connection: target, method: POST, url: "/set?name=$name-b&value=8" }
  - id: one
    prometheus: { connection: prom, query: 'rb_test_gauge{name="$name-a"}' }
    until: { every: 250ms, within: 30s }
    expect: { value: 42, "vector[0].labels.job": rbtest }
  - id: many
    prometheus: { connection: prom, query: 'rb_test_gauge{name=~"$name-.*"}' }
    until: { every: 250ms, within: 30s }
    expect: { vector: { len: 2 }, value: null }
  - id: sum
    prometheus: { connection: prom, query: 'scalar(sum(rb_test_gauge{name=~"$name-.*"}))', time: now }
    expect: { value: 50, vector: { len: 0 } }
  - id: range
    prometheus:
      connection: prom
      query: 'rb_test_gauge{name="$name-a"}'
      range: { start: 1m, step: 1s }
    expect: { vector: { len: 1 }, "vector[0].values": { exists: true }, value: null }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in one many sum range; do expect_status t.jsonl $s ok; done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="range") | .result.vector[0].values[-1][1]] == [42]' "range points are [t, v] numbers"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and (.step=="one" or .step=="sum" or .step=="range")) | .result.resultType] == ["vector","scalar","matrix"]' "resultType"
