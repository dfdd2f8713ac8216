# prometheus: alerts evaluated by the real Prometheus. RbTestGaugeHigh
# fires once rb_test_gauge{name="alert"} > 10; TestTargetDown fires for
# the scrape target nobody serves; an unknown alert is not firing.
cat >rb.yaml <<YAML
runbook: prom-alerts
title: Prometheus alerts
owner: platform-operations
connections:
  prom: { prometheus: { url: "$RB_TEST_PROM" } }
steps:
  - id: raise
    http: { method: POST, url: "$RB_TEST_HTTP/set?name=alert&value=20" }
  - id: high
    prometheus: { connection: prom, alerts: { name: RbTestGaugeHigh } }
    until: { every: 250ms, within: 40s }
    expect: { firing: true, "alerts[0].name": RbTestGaugeHigh, "alerts[0].labels.severity": page }
  - id: down
    prometheus: { connection: prom, alerts: { name: TestTargetDown, state: firing } }
    until: { every: 250ms, within: 40s }
    expect: { firing: true, alerts: { len: 1 } }
  - id: unknown
    prometheus: { connection: prom, alerts: { name: NoSuchAlert } }
    expect: { firing: false, alerts: { len: 0 } }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in high down unknown; do expect_status t.jsonl $s ok; done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="high") | .result.alerts[0].annotations.summary] == ["rb_test_gauge is 20"]'
