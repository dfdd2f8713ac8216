# redis: commands as argv (binary safe: a value with spaces and CRLF is one
# argument), every reply type, both connection forms (URL, and a mapping
# whose password is a secret input), and effects by command name.
k="case-basic-$$"
cat >rb.yaml <<YAML
runbook: redis-basic
title: Redis basics
owner: platform-operations
inputs:
  redis_pw: { type: secret, from: env:RB_TEST_REDIS_PASSWORD }
connections:
  cache: { redis: "$RB_TEST_REDIS_URL" }
  db2:
    redis: { host: 127.0.0.1, port: $RB_TEST_REDIS_PORT, password: "\${{ inputs.redis_pw }}", db: 2 }
steps:
  - id: ping
    redis: { connection: cache, command: [PING] }
    expect: { type: status, reply: PONG }
  - id: set
    redis: { connection: cache, command: [SET, "$k:v", "a b\r\nFLUSHALL\r\n"] }
    expect: { reply: OK }
  - id: get
    redis: { connection: cache, command: [GET, "$k:v"] }
    expect: { type: string, reply: "a b\r\nFLUSHALL\r\n" }
  - id: len
    redis: { connection: cache, command: [STRLEN, "$k:v"] }
    expect: { type: integer, reply: 15 }
  - id: incr
    redis: { connection: cache, command: [INCRBY, "$k:n", 41] }
    expect: { type: integer, reply: 41 }
  - id: push
    redis: { connection: cache, command: [RPUSH, "$k:l", one, two, three] }
  - id: range
    redis: { connection: cache, command: [LRANGE, "$k:l", 0, -1] }
    expect: { type: array, reply: { len: 3 }, "reply[2]": three }
    outputs: { last: "\${{ result.reply[2] }}" }
  - id: missing
    redis: { connection: cache, command: [GET, "$k:missing"] }
    expect: { type: nil, reply: null }
  - id: other-db
    redis: { connection: db2, command: [EXISTS, "$k:v"] }
    expect: { reply: 0 }
  - id: echo-output
    redis: { connection: db2, command: [ECHO, "\${{ steps.range.outputs.last }}"] }
    expect: { reply: three }
  - id: cleanup
    redis: { connection: cache, command: [DEL, "$k:v", "$k:n", "$k:l"] }
    expect: { reply: 3 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in ping set get len incr push range missing other-db echo-output cleanup; do expect_status t.jsonl $s ok; done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="range") | .result.reply] == [["one","two","three"]]' "array reply"
expect_jq t.jsonl '[.[] | select(.event=="step.start") | {(.step): .effect}] | add == {"ping":"read","set":"write","get":"read","len":"read","incr":"write","push":"write","range":"read","missing":"read","other-db":"read","echo-output":"read","cleanup":"write"}' "effects by command"
expect_no "$RB_TEST_REDIS_PASSWORD" t.jsonl
