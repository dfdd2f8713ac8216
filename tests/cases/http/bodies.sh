# http: invalid JSON leaves json null, large bodies are cut at max-body
# (1 MiB by default) with body_truncated set.
cat >rb.yaml <<YAML
runbook: http-bodies
title: HTTP bodies
owner: platform-operations
steps:
  - id: invalid
    http: { url: "$RB_TEST_HTTP/invalid-json" }
    expect: { status: 200, body: { contains: broken } }
  - id: large
    http: { url: "$RB_TEST_HTTP/large?bytes=3000000" }
    expect: { body_truncated: true, body: { len: 1048576 } }
  - id: small-cap
    http: { url: "$RB_TEST_HTTP/large?bytes=5000", max-body: 10 }
    expect: { body: xxxxxxxxxx, body_truncated: true }
  - id: whole
    http: { url: "$RB_TEST_HTTP/large?bytes=5000" }
    expect: { body_truncated: false, body: { len: 5000 } }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in invalid large small-cap whole; do expect_status t.jsonl $s ok; done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="invalid") | .result.json] == [null]'
