# retry with backoff, and until polling.
cat > rb.yaml <<'Y'
runbook: retries
title: Retry and poll
steps:
  - id: third-time-lucky
    exec: [sh, -c, 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]']
    retry: { attempts: 5, delay: 10ms, backoff: 2.0, max-delay: 50ms }
  - id: poll
    exec: [sh, -c, 'p=$(cat p 2>/dev/null || echo 0); p=$((p+1)); echo $p > p; echo count=$p']
    effect: read
    until: { every: 10ms, within: 5s }
    expect: { stdout: { matches: 'count=4' } }
  - id: gives-up
    exec: [sh, -c, 'exit 7']
    retry: { attempts: 2, delay: 10ms }
    expect: { exit: 0 }
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 1
expect_status t.jsonl third-time-lucky ok
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="third-time-lucky")][0].attempts == 3'
expect_jq t.jsonl '[.[] | select(.event=="step.attempt" and .step=="poll")] | length == 4'
expect_status t.jsonl poll ok
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="gives-up")][0] | .attempts == 2 and .status == "failed"'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="gives-up")][0].matchers[0] | .path == "exit" and .expected == 0 and .actual == 7 and .ok == false'
# polling gives up at `within`
cat > p.yaml <<'Y'
runbook: poll-timeout
title: Poll gives up
steps:
  - id: never-true
    exec: [echo, nope]
    effect: read
    until: { every: 50ms, within: 300ms }
    expect: { stdout: { contains: yes } }
Y
rb run p.yaml --transcript t2.jsonl
expect_rc 1
expect_jq t2.jsonl '[.[] | select(.event=="step.end")][0].error | test("not met within 300ms")'
