# sql: an unreachable server and a wrong password fail the step with
# libpq's reason naming host and port (never the password); a statement
# over its timeout fails within it and is cancelled on the server; SQL
# errors carry the SQLSTATE.
dead=$(free_port)
wrong="postgresql://runbook:not-the-pw-4711@127.0.0.1:$RB_TEST_PG_PORT/rbtest"
cat >rb.yaml <<YAML
runbook: sql-failures
title: SQL failures
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
  down: { postgres: "postgresql://runbook:down-pw-0815@127.0.0.1:$dead/rbtest" }
  badauth: { postgres: "$wrong" }
steps:
  - id: refused
    sql: { connection: down, query: SELECT 1 }
    timeout: 5s
    on-failure: continue
  - id: auth
    needs: []
    sql: { connection: badauth, query: SELECT 1 }
    on-failure: continue
  - id: slow
    needs: []
    sql: { connection: db, query: "SELECT pg_sleep(5) /* case-slow */" }
    timeout: 300ms
    on-failure: continue
  - id: missing
    needs: []
    sql: { connection: db, query: SELECT * FROM no_such_table }
    on-failure: continue
YAML
start=$(date +%s%N)
rb run rb.yaml --transcript t.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
for s in refused auth slow missing; do expect_status t.jsonl $s failed; done
err() { printf '[.[] | select(.event=="step.end" and .step=="%s") | .error] | last' "$1"; }
expect_jq t.jsonl "$(err refused) | contains(\"127.0.0.1\") and contains(\"port $dead\") and contains(\"Connection refused\")" "refused names host and port"
expect_jq t.jsonl "$(err auth) | contains(\"password authentication failed for user \\\"runbook\\\"\")" "auth failure reason"
expect_jq t.jsonl "$(err slow) | test(\"timed out|statement timeout\")" "timeout message"
expect_jq t.jsonl "$(err missing) == \"ERROR: relation \\\"no_such_table\\\" does not exist (SQLSTATE 42P01)\"" "SQL error"
[ "$took" -lt 4000 ] || fail "a 300ms statement timeout made the run take ${took}ms"

# the cancelled statement no longer runs on the server
cat >gone.yaml <<YAML
runbook: sql-gone
title: SQL statement cancelled
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: gone
    sql:
      connection: db
      query: >-
        SELECT count(*) AS n FROM pg_stat_activity
        WHERE state = 'active' AND query LIKE '%case-slow%' AND pid <> pg_backend_pid()
    expect: { "rows[0].n": 0 }
YAML
rb run gone.yaml --transcript g.jsonl
expect_rc 0
expect_status g.jsonl gone ok
for pw in not-the-pw-4711 down-pw-0815 "$RB_TEST_PG_PASSWORD"; do expect_no "$pw" t.jsonl; done
