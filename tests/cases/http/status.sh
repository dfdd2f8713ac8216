# http: without `expect.status` a step wants 2xx; a non-2xx status is a
# result (not an error) that `expect` judges.
cat >ok.yaml <<YAML
runbook: http-status-ok
title: Expected 503
owner: platform-operations
steps:
  - id: unavailable
    http: { url: "$RB_TEST_HTTP/status/503" }
    expect: { status: 503, json: { status: 503 } }
  - id: not-followed
    http: { url: "$RB_TEST_HTTP/redirect" }
    expect: { status: 302, headers.location: /json }
  - id: followed
    http: { url: "$RB_TEST_HTTP/redirect", follow-redirects: true }
    expect: { status: 200, json: { service: conversation-worker } }
YAML
rb run ok.yaml --transcript ok.jsonl
expect_rc 0
expect_status ok.jsonl unavailable ok
expect_status ok.jsonl followed ok

cat >bad.yaml <<YAML
runbook: http-status-bad
title: Default 2xx
owner: platform-operations
steps:
  - id: broken
    http: { url: "$RB_TEST_HTTP/status/500" }
  - id: after
    http: { url: "$RB_TEST_HTTP/health" }
YAML
rb run bad.yaml --transcript bad.jsonl
expect_rc 1
expect_status bad.jsonl broken failed
expect_jq bad.jsonl '[.[] | select(.event=="step.end" and .step=="broken") | .result.status] == [500]'
[ "$(step_status bad.jsonl after)" != ok ] || fail "a step after a failed step ran"
