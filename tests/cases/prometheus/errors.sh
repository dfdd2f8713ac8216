# prometheus: a PromQL error is reported with Prometheus' errorType and
# message; an unreachable Prometheus fails naming host and port.
port=${RB_TEST_HTTP_REFUSED##*:}
cat >bad.yaml <<YAML
runbook: prom-bad-query
title: Bad PromQL
owner: platform-operations
connections:
  prom: { prometheus: "$RB_TEST_PROM" }
steps:
  - id: bad
    prometheus: { connection: prom, query: 'sum(rate(x[5m]' }
YAML
rb run bad.yaml --transcript b.jsonl
expect_rc 1
expect_status b.jsonl bad failed
expect_jq b.jsonl '[.[] | select(.event=="step.end" and .step=="bad") | .error | test("^prometheus: bad_data: .*parse error")] == [true]' "bad_data error"

cat >down.yaml <<YAML
runbook: prom-down
title: Prometheus down
owner: platform-operations
connections:
  prom: { prometheus: "$RB_TEST_HTTP_REFUSED" }
steps:
  - id: query
    prometheus: { connection: prom, query: up }
    timeout: 2s
YAML
rb run down.yaml --transcript d.jsonl
expect_rc 1
expect_status d.jsonl query failed
expect_jq d.jsonl "[.[] | select(.event==\"step.end\" and .step==\"query\") | .error | contains(\"127.0.0.1 port $port\")] == [true]" "names host and port"
