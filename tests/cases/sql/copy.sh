# sql: COPY is refused, not hung on: COPY TO STDOUT's rows are read off
# and dropped, COPY FROM STDIN is ended at once; each fails its step with
# a reason, and the connection serves the next step.
cat >rb.yaml <<YAML
runbook: sql-copy
title: SQL COPY
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: copy-out
    sql: { connection: db, query: "COPY (SELECT g FROM generate_series(1, 20000) g) TO STDOUT" }
    effect: read
    timeout: 10s
    on-failure: continue
  - id: table
    needs: [copy-out]
    sql: { connection: db, query: "CREATE TEMP TABLE copy_t (x int)" }
    effect: read
  - id: copy-from
    needs: [table]
    sql: { connection: db, query: "COPY copy_t FROM STDIN" }
    effect: read
    timeout: 10s
    on-failure: continue
  - id: after
    needs: [copy-from]
    sql: { connection: db, query: "SELECT 42 AS answer" }
    effect: read
    expect: { "rows[0].answer": 42 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
err() { printf '[.[] | select(.event=="step.end" and .step=="%s") | .error] | last' "$1"; }
expect_status t.jsonl copy-out failed
expect_jq t.jsonl "$(err copy-out) | contains(\"COPY TO STDOUT is not supported by the sql primitive\")" "copy out refused"
expect_status t.jsonl copy-from failed
expect_jq t.jsonl "$(err copy-from) | contains(\"COPY FROM STDIN is not supported by the sql primitive\")" "copy from refused"
expect_status t.jsonl after ok
