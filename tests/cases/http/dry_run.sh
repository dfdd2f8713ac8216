# http: under --dry-run a GET runs and a POST is only recorded as would-run
# (the server's state shows the POST never arrived).
name=dry$RANDOM
cat >rb.yaml <<YAML
runbook: http-dry-run
title: HTTP dry run
owner: platform-operations
steps:
  - id: look
    http: { url: "$RB_TEST_HTTP/health" }
  - id: change
    http: { method: POST, url: "$RB_TEST_HTTP/set?name=$name&value=1" }
YAML
rb run rb.yaml --dry-run --transcript t.jsonl
expect_rc 0
expect_status t.jsonl look ok
expect_status t.jsonl change would-run
curl -fsS "$RB_TEST_HTTP/metrics" >metrics || fail "cannot read /metrics"
grep -q "name=\"$name\"" metrics && fail "the POST reached the server under --dry-run"
rb run rb.yaml --transcript t2.jsonl
expect_rc 0
curl -fsS "$RB_TEST_HTTP/metrics" >metrics || fail "cannot read /metrics"
grep -q "name=\"$name\"" metrics || fail "the POST did not reach the server"
