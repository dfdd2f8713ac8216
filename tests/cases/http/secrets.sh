# http: bearer and basic credentials from secret inputs are sent, and never
# reach the transcript or the terminal, even when the server echoes them.
export RB_HTTP_TOKEN=tok-$RANDOM-s3cr3t-$RANDOM
export RB_HTTP_PASS=pw-$RANDOM-h1dden
cat >rb.yaml <<YAML
runbook: http-secrets
title: HTTP credentials
owner: platform-operations
inputs:
  token: { type: secret, from: env:RB_HTTP_TOKEN }
  password: { type: secret, from: env:RB_HTTP_PASS }
steps:
  - id: bearer
    http:
      url: "$RB_TEST_HTTP/echo"
      auth: { bearer: "\${{ inputs.token }}" }
    expect: { json.headers.authorization: { matches: "^Bearer " } }
  - id: basic
    http:
      url: "$RB_TEST_HTTP/echo"
      auth: { basic: { user: ops, password: "\${{ inputs.password }}" } }
    expect: { json.headers.authorization: { matches: "^Basic " } }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_status t.jsonl bearer ok
expect_status t.jsonl basic ok
b64=$(printf 'ops:%s' "$RB_HTTP_PASS" | base64)
expect_no "$RB_HTTP_TOKEN" t.jsonl
expect_no "$RB_HTTP_PASS" t.jsonl
expect_no "$b64" t.jsonl
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="bearer") | .result.json.headers.authorization] == ["Bearer ***"]'
