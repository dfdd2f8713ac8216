# http: a connection gives the base URL and default headers; relative URLs
# are joined to it, step headers win; a group of read checks runs (possibly
# concurrently) with every result correct.
cat >rb.yaml <<YAML
runbook: http-connection
title: HTTP connection
owner: platform-operations
connections:
  api: { http: { url: "$RB_TEST_HTTP/", headers: { X-Team: sre, X-Env: conn } } }
checks:
  - { id: c1, http: { connection: api, url: /echo?n=1 }, expect: { json: { "query.n[0]": "1" } } }
  - { id: c2, http: { connection: api, url: /echo?n=2 }, expect: { json: { "query.n[0]": "2" } } }
  - { id: c3, http: { connection: api, url: /slow?ms=100 }, expect: { json: { slept: 100 } } }
  - { id: c4, http: { connection: api, url: health }, expect: { json: { status: ok } } }
steps:
  - id: headers
    http: { connection: api, url: echo, headers: { X-Env: step } }
    expect: { json: { headers.x-team: sre, headers.x-env: step, path: /echo } }
YAML
rb run rb.yaml --transcript t.jsonl --parallel 4
expect_rc 0
for s in c1 c2 c3 c4 headers; do expect_status t.jsonl $s ok; done
