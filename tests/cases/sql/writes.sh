# sql: writes report row_count from the command tag; read-only: true and
# --dry-run run inside BEGIN READ ONLY, so a write there fails with
# PostgreSQL's own error and changes nothing.
tbl="case_writes_$$"
cat >rb.yaml <<YAML
runbook: sql-writes
title: SQL writes
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: create
    sql: { connection: db, query: "CREATE TABLE $tbl (id int PRIMARY KEY, status text)" }
    expect: { row_count: 0 }
  - id: insert
    sql:
      connection: db
      query: INSERT INTO $tbl SELECT g, \$1 FROM generate_series(1, \$2::int) g
      params: [stuck, 4]
    expect: { row_count: 4 }
  - id: update
    sql:
      connection: db
      query: UPDATE $tbl SET status = \$1 WHERE id <= \$2
      params: [restarted, 3]
    expect: { row_count: 3, rows: { len: 0 } }
  - id: sneaky
    sql: { connection: db, query: "DELETE FROM $tbl", read-only: true }
    on-failure: continue
  - id: count
    needs: [update]
    sql: { connection: db, query: "SELECT count(*) AS n, count(*) FILTER (WHERE status = 'restarted') AS r FROM $tbl" }
    expect: { "rows[0].n": 4, "rows[0].r": 3 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in create insert update count; do expect_status t.jsonl $s ok; done
expect_status t.jsonl sneaky failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="sneaky") | .error] | last | contains("cannot execute DELETE in a read-only transaction (SQLSTATE 25006)")' "read-only violation"
expect_jq t.jsonl '[.[] | select(.event=="step.start") | {(.step): .effect}] | add == {"create":"write","insert":"write","update":"write","sneaky":"read","count":"read"}' "effects"

# --dry-run: reads run (read-only), writes are only announced
cat >dry.yaml <<YAML
runbook: sql-dry
title: SQL dry run
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: wipe
    sql: { connection: db, query: "DELETE FROM $tbl" }
  - id: mislabelled
    needs: []
    effect: read
    sql: { connection: db, query: "DELETE FROM $tbl" }
    on-failure: continue
  - id: look
    needs: []
    sql: { connection: db, query: "SELECT count(*) AS n FROM $tbl" }
    expect: { "rows[0].n": 4 }
YAML
rb run dry.yaml --dry-run --transcript d.jsonl
expect_rc 0
expect_status d.jsonl wipe would-run
expect_status d.jsonl look ok
# a write declared a read still cannot write under --dry-run
expect_status d.jsonl mislabelled failed
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="mislabelled") | .error] | last | contains("read-only transaction")' "dry-run is read-only"

cat >drop.yaml <<YAML
runbook: sql-drop
title: SQL cleanup
owner: platform-operations
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: drop
    sql: { connection: db, query: "DROP TABLE $tbl" }
YAML
rb run drop.yaml --transcript x.jsonl
expect_rc 0
