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

# verify checks that would go out at once are would-run in a dry run (none
# reaches the server), except the one that says `dry-run: run`
v1=dryv$RANDOM v2=dryv$RANDOM v3=dryv$RANDOM
cat >verify.yaml <<YAML
runbook: http-dry-verify
title: HTTP verify checks in a dry run
owner: platform-operations
verify:
  - id: v1
    http: { url: "$RB_TEST_HTTP/set?name=$v1&value=1" }
  - id: v2
    http: { url: "$RB_TEST_HTTP/set?name=$v2&value=1" }
  - id: v3
    http: { url: "$RB_TEST_HTTP/set?name=$v3&value=1" }
    dry-run: run
YAML
rb run verify.yaml --dry-run --transcript v.jsonl
expect_rc 0
expect_status v.jsonl v1 would-run
expect_status v.jsonl v2 would-run
expect_status v.jsonl v3 ok
curl -fsS "$RB_TEST_HTTP/metrics" >metrics || fail "cannot read /metrics"
grep -qE "name=\"($v1|$v2)\"" metrics && fail "a would-run verify check reached the server"
grep -q "name=\"$v3\"" metrics || fail "the dry-run: run check did not reach the server"
# the same checks go out at once in a run
rb run verify.yaml --transcript v2.jsonl
expect_rc 0
expect_jq v2.jsonl '[.[] | select(.event=="step.start" and .step=="v1")][0].concurrent == 3' "not batched in a run"
