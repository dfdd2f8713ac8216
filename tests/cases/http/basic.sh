# http: GET and POST against the test server; status, headers, json
# matchers, outputs and the request body round trip through /echo.
cat >rb.yaml <<YAML
runbook: http-basic
title: HTTP basics
owner: platform-operations
inputs:
  service: { type: string, default: conversation-worker }
steps:
  - id: health
    http: { url: "$RB_TEST_HTTP/health" }
    expect: { status: 200, json: { status: ok }, headers.content-type: { contains: json } }
  - id: nested
    http: { url: "$RB_TEST_HTTP/json" }
    expect: { json: { "data.items[1].status": degraded, replicas: 3 } }
    outputs: { version: "\${{ result.json.version }}" }
  - id: post
    http:
      method: POST
      url: "$RB_TEST_HTTP/echo"
      query: { q: "a b&c", page: 2 }
      headers: { X-Version: "\${{ steps.nested.outputs.version }}" }
      json: { service: "\${{ inputs.service }}", replicas: 3, tags: [a, b] }
    expect:
      status: 200
      json: { method: POST, headers.x-version: 1.4.2, headers.content-type: application/json }
  - id: head
    http: { method: HEAD, url: "$RB_TEST_HTTP/health" }
    expect: { status: 200, body: "" }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in health nested post head; do expect_status t.jsonl $s ok; done
end='.[] | select(.event=="step.end" and .step=="post") | .result'
expect_jq t.jsonl "[$end | .json.raw_query] == [\"q=a%20b%26c&page=2\"]" "query is URL-encoded"
expect_jq t.jsonl "[$end | .json.body | fromjson] == [{\"service\":\"conversation-worker\",\"replicas\":3,\"tags\":[\"a\",\"b\"]}]" "json body round trip"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="nested") | .result.json.data.items[0].name] == ["a"]'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="health") | .result.headers["content-type"]] == ["application/json"]'
