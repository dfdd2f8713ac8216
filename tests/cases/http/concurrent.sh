# Independent read checks of one group go out at once through the curl
# multi interface: the server's /barrier answers 200 only when all of them
# are in flight together, so a sequential executor would fail this.
g=grp$$
cat > rb.yaml <<Y
runbook: concurrent-checks
title: Concurrent checks
connections:
  svc: { http: "$RB_TEST_HTTP" }
checks:
$(for i in 1 2 3 4 5; do printf '  - id: c%s\n    http: { connection: svc, url: "/barrier?g=%s&n=5" }\n' $i $g; done)
steps:
  - id: after
    exec: [echo, "\${{ steps.c5.result.json.met }}"]
    expect: { stdout: { contains: "true" } }
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .phase=="checks") | .concurrent] == [5,5,5,5,5]'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .phase=="checks") | .result.status] == [200,200,200,200,200]'
# a check whose action uses an earlier check's result is not batched with it
cat > dep.yaml <<Y
runbook: dependent-checks
title: Dependent checks
connections:
  svc: { http: "$RB_TEST_HTTP" }
checks:
  - id: first
    http: { connection: svc, url: "/json" }
  - id: second
    http: { connection: svc, url: "/echo?from=\${{ steps.first.result.status }}" }
Y
rb run dep.yaml --transcript d.jsonl
expect_rc 0
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="second")][0].result.json.query.from == ["200"]'
