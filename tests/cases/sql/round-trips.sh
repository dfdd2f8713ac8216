# sql: a read-only step costs three round trips, like psql's
# BEGIN READ ONLY; ...; ROLLBACK -- counted by a proxy in front of the
# server (tests/lib/pg_trips.py).  What the fewer trips must keep: the
# parameters travel apart from the SQL text, a read-only step cannot
# write, and the step timeout holds on the server and on the client.
python3 "$ROOT/tests/lib/pg_trips.py" "$RB_TEST_PG_PORT" trips.json port &
proxy=$!
trap 'kill $proxy 2>/dev/null' EXIT
for _ in $(seq 500); do [ -s port ] && break; sleep 0.01; done
[ -s port ] || fail "the proxy did not start"
# expect_trips FILTER MSG: jq -e FILTER over the proxy's counts
expect_trips() { jq -e "$1" trips.json >/dev/null || fail "$2: $1 ($(jq -c '{connections, ready, setup}' trips.json))"; }
via="postgresql://runbook:$RB_TEST_PG_PASSWORD@127.0.0.1:$(cat port)/rbtest"

python3 - "$via" >rb.yaml <<'PY'
import sys
print(f"""runbook: sql-round-trips
title: SQL round trips
owner: platform-operations
connections:
  db: {{ postgres: "{sys.argv[1]}" }}
steps:""")
for i in range(20):
    print(f"""  - id: q{i}
    sql: {{ connection: db, query: "SELECT task_id, status FROM delegation_tasks WHERE task_id = $1", params: [task-{i % 5 + 1}], read-only: true }}
    timeout: 5s
    expect: {{ row_count: 1, "rows[0].task_id": task-{i % 5 + 1} }}""")
PY
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_status t.jsonl q19 ok
expect_trips '.connections == 1' "one connection for all the steps"
expect_trips '.ready - .setup <= 60' "20 read-only steps took more than 3 round trips each"
# only our own fixed text goes through the simple protocol; the step's
# statement is parsed with its \$1, the value never spliced into it
expect_trips '.queries | all(. == "BEGIN READ ONLY; SET LOCAL statement_timeout = 5000" or . == "ROLLBACK" or . == "SELECT task_id, status FROM delegation_tasks WHERE task_id = $1")' "only the expected statements were sent: $(jq -c '.queries | unique' trips.json)"
expect_trips '.queries | any(contains("task-")) | not' "a parameter value in the SQL text"

# the guarantees, through the same proxy
cat >keep.yaml <<YAML
runbook: sql-round-trips-keep
title: SQL read-only guarantees
owner: platform-operations
connections:
  db: { postgres: "$via" }
steps:
  - id: sneaky
    sql: { connection: db, query: "INSERT INTO delegation_tasks (task_id, status) VALUES (\$1, 'x')", params: [task-sneaky], read-only: true }
    on-failure: continue
  - id: local-timeout
    needs: []
    sql: { connection: db, query: SHOW statement_timeout, read-only: true }
    timeout: 1500ms
    expect: { "rows[0].statement_timeout": 1500ms }
  - id: slow
    needs: []
    sql: { connection: db, query: "SELECT pg_sleep(5)", read-only: true }
    timeout: 300ms
    on-failure: continue
  - id: session-timeout
    needs: []
    sql: { connection: db, query: SHOW statement_timeout }
    timeout: 2s
    expect: { "rows[0].statement_timeout": 2s }
  - id: untouched
    needs: []
    sql: { connection: db, query: "SELECT count(*) AS n FROM delegation_tasks WHERE task_id = 'task-sneaky'" }
    expect: { "rows[0].n": 0 }
YAML
start=$(date +%s%N)
rb run keep.yaml --transcript k.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
for s in local-timeout session-timeout untouched; do expect_status k.jsonl $s ok; done
for s in sneaky slow; do expect_status k.jsonl $s failed; done
err() { printf '[.[] | select(.event=="step.end" and .step=="%s") | .error] | last' "$1"; }
expect_jq k.jsonl "$(err sneaky) | contains(\"cannot execute INSERT in a read-only transaction (SQLSTATE 25006)\")" "read-only violation"
expect_jq k.jsonl "$(err slow) | test(\"timed out|statement timeout\")" "timeout message"
[ "$took" -lt 4000 ] || fail "a 300ms timeout on a read-only step made the run take ${took}ms"
expect_no "$RB_TEST_PG_PASSWORD" k.jsonl
