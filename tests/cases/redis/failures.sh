# redis: error replies (WRONGTYPE) fail the step with the server's words;
# a refused port and a wrong password fail with host:port and the reason
# (never the password); a blocking command stops at the step timeout and
# the connection serves the next step; --dry-run only runs reads.
k="case-failures-$$"
dead=$(free_port)
cat >rb.yaml <<YAML
runbook: redis-failures
title: Redis failures
owner: platform-operations
connections:
  cache: { redis: "$RB_TEST_REDIS_URL" }
  down: { redis: "redis://:down-pw-0815@127.0.0.1:$dead/0" }
  badauth: { redis: "redis://:not-the-pw-4711@127.0.0.1:$RB_TEST_REDIS_PORT/0" }
steps:
  - id: set
    redis: { connection: cache, command: [SET, "$k", plain] }
  - id: wrongtype
    redis: { connection: cache, command: [LPUSH, "$k", x] }
    on-failure: continue
  - id: refused
    needs: []
    redis: { connection: down, command: [PING] }
    on-failure: continue
  - id: auth
    needs: []
    redis: { connection: badauth, command: [PING] }
    on-failure: continue
  - id: blocked
    needs: []
    redis: { connection: cache, command: [BLPOP, "$k:empty", 5] }
    timeout: 300ms
    on-failure: continue
  - id: after
    needs: []
    redis: { connection: cache, command: [GET, "$k"] }
    expect: { reply: plain }
YAML
start=$(date +%s%N)
rb run rb.yaml --transcript t.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
for s in wrongtype refused auth blocked; do expect_status t.jsonl $s failed; done
expect_status t.jsonl after ok
err() { printf '[.[] | select(.event=="step.end" and .step=="%s") | .error] | last' "$1"; }
expect_jq t.jsonl "$(err wrongtype) | startswith(\"WRONGTYPE\")" "error reply"
expect_jq t.jsonl "$(err refused) | contains(\"127.0.0.1:$dead\") and contains(\"Connection refused\")" "refused names host and port"
expect_jq t.jsonl "$(err auth) | contains(\"WRONGPASS\")" "auth failure reason"
expect_jq t.jsonl "$(err blocked) | contains(\"timed out after 300ms\")" "timeout message"
[ "$took" -lt 4000 ] || fail "a 300ms timeout made the run take ${took}ms"
for pw in not-the-pw-4711 down-pw-0815 "$RB_TEST_REDIS_PASSWORD"; do expect_no "$pw" t.jsonl; done

cat >dry.yaml <<YAML
runbook: redis-dry
title: Redis dry run
owner: platform-operations
connections:
  cache: { redis: "$RB_TEST_REDIS_URL" }
steps:
  - id: overwrite
    redis: { connection: cache, command: [SET, "$k", changed] }
  - id: read
    needs: []       # not the SET's: a dry run runs it
    redis: { connection: cache, command: [GET, "$k"] }
    expect: { reply: plain }
  - id: config
    redis: { connection: cache, command: [CONFIG, GET, maxmemory] }
    expect: { type: array }
YAML
rb run dry.yaml --dry-run --transcript d.jsonl
expect_rc 0
expect_status d.jsonl overwrite would-run
expect_status d.jsonl read ok
expect_status d.jsonl config ok
REDISCLI_AUTH=$RB_TEST_REDIS_PASSWORD redis-cli -p "$RB_TEST_REDIS_PORT" DEL "$k" >/dev/null
