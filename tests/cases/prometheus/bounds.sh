# prometheus: the series (or alerts) kept are bounded by max-result; what
# does not fit is left out and the result says vector_truncated.
cat >rb.yaml <<YAML
runbook: prom-bounds
title: Prometheus result bounds
owner: platform-operations
connections:
  prom: { prometheus: "$RB_TEST_PROM" }
steps:
  - id: two
    prometheus: { connection: prom, query: 'vector(1) or label_replace(vector(2), "x", "y", "", "")' }
    expect: { vector: { len: 2 }, vector_truncated: false }
  - id: one
    prometheus: { connection: prom, query: 'vector(1) or label_replace(vector(2), "x", "y", "", "")', max-result: 60 }
    expect: { vector: { len: 1 }, vector_truncated: true, "vector[0].value": 1 }
  - id: points
    prometheus: { connection: prom, query: 'vector(1)', range: { start: 1h, step: 1s }, max-result: 1000 }
    expect: { vector: { len: 0 }, vector_truncated: true }
  - id: alerts
    prometheus: { connection: prom, alerts: { name: NoSuchAlert } }
    expect: { alerts: { len: 0 }, alerts_truncated: false }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in two one points alerts; do expect_status t.jsonl $s ok; done
