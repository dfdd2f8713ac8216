# http: a value inserted into a url template is encoded for where it
# lands: one query value (an '&' adds no parameter), one path segment (a
# '/' adds no segment); the literal text stays as written, and a value that
# is the whole URL or its scheme/host part is inserted as it is.  The
# server echoes the request target it received.
host=${RB_TEST_HTTP#http://}
cat >rb.yaml <<YAML
runbook: http-url-encoding
title: URL templates
owner: platform-operations
inputs:
  q: { type: string, default: "a&b=c #x" }
  seg: { type: string, default: "x/../y?z" }
  base: { type: string, default: "$RB_TEST_HTTP" }
  whole: { type: string, default: "$RB_TEST_HTTP/echo?k=a%20b&l=1" }
  host: { type: string, default: "$host" }
  n: { type: number, default: 5 }
connections:
  api: { http: "$RB_TEST_HTTP" }
steps:
  - id: query
    http: { url: "$RB_TEST_HTTP/echo?q=\${{ inputs.q }}&lit=a%2Fb+c&n=\${{ inputs.n }}" }
  - id: path
    http: { url: "$RB_TEST_HTTP/echo/\${{ inputs.seg }}/end" }
    expect: { status: 404 }
  - id: base
    http: { url: "\${{ inputs.base }}/echo?q=\${{ inputs.q }}" }
  - id: whole
    http: { url: "\${{ inputs.whole }}" }
  - id: host
    http: { url: "http://\${{ inputs.host }}/echo?q=\${{ inputs.q }}" }
  - id: relative
    http: { connection: api, url: "/echo?q=\${{ inputs.q }}" }
  - id: mapping
    http: { url: "$RB_TEST_HTTP/echo", query: { q: "\${{ inputs.q }}" } }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
res() { jq -r -s --arg s "$1" "[.[] | select(.event==\"step.end\" and .step==\$s)] | last | .result.json$2" t.jsonl; }
[ "$(res query .target)" = "/echo?q=a%26b%3Dc%20%23x&lit=a%2Fb+c&n=5" ] || fail "query target: $(res query .target)"
[ "$(res query '.query.q[0]')" = "a&b=c #x" ] || fail "query value: $(res query .query)"
[ "$(res query '.query | keys | join(",")')" = "lit,n,q" ] || fail "query keys: $(res query .query)"
[ "$(res path .path)" = "/echo/x%2F..%2Fy%3Fz/end" ] || fail "path: $(res path .path)"
[ "$(res base .target)" = "/echo?q=a%26b%3Dc%20%23x" ] || fail "base: $(res base .target)"
[ "$(res whole .target)" = "/echo?k=a%20b&l=1" ] || fail "whole: $(res whole .target)"
[ "$(res host .target)" = "/echo?q=a%26b%3Dc%20%23x" ] || fail "host: $(res host .target)"
[ "$(res relative '.query.q[0]')" = "a&b=c #x" ] || fail "relative: $(res relative .query)"
[ "$(res mapping '.query.q[0]')" = "a&b=c #x" ] || fail "mapping: $(res mapping .query)"
# plan shows the URL as it will be sent
rb plan rb.yaml
expect_rc 0
expect_out 'echo\?q=a%26b%3Dc%20%23x&lit=a%2Fb\+c&n=5'
