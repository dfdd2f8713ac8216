# http: a server nobody listens on fails with curl's message naming host and
# port; a slow answer fails at the step's timeout, not later.
port=${RB_TEST_HTTP_REFUSED##*:}
cat >refused.yaml <<YAML
runbook: http-refused
title: Refused
owner: platform-operations
steps:
  - id: down
    http: { url: "$RB_TEST_HTTP_REFUSED/health" }
YAML
rb run refused.yaml --transcript r.jsonl
expect_rc 1
expect_status r.jsonl down failed
expect_jq r.jsonl "[.[] | select(.event==\"step.end\" and .step==\"down\") | .error | contains(\"GET $RB_TEST_HTTP_REFUSED/health: \") and contains(\"127.0.0.1 port $port\") and contains(\"Couldn't connect to server\")] == [true]" "refused message"

cat >slow.yaml <<YAML
runbook: http-slow
title: Slow
owner: platform-operations
steps:
  - id: slow
    http: { url: "$RB_TEST_HTTP/slow?ms=5000" }
    timeout: 300ms
YAML
start=$(date +%s%N)
rb run slow.yaml --transcript s.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 1
expect_status s.jsonl slow failed
expect_jq s.jsonl '[.[] | select(.event=="step.end" and .step=="slow") | .error | test("timed out")] == [true]' "timeout message"
[ "$took" -lt 3000 ] || fail "a 300ms timeout took ${took}ms"
