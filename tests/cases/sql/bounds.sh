# sql result bounds: 300,000 rows come back as the first 1,000 (max-rows)
# with rows_truncated, read one at a time and the read stopped on the
# server (peak RSS and transcript stay small, the connection serves the
# next step); a big cell is cut at max-result, after redaction; a write
# past max-rows is drained, not cancelled, so it still commits; and a read
# inside a transaction an earlier step opened does not abort it.
tbl="case_bounds_$$"
export RB_SQL_SECRET=Sq1-$RANDOM-$RANDOM-secret
cat >rb.yaml <<YAML
runbook: sql-bounds
title: SQL bounds
owner: platform-operations
inputs:
  token: { type: secret, from: env:RB_SQL_SECRET }
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: many
    sql: { connection: db, query: "SELECT g, 'row ' || g AS label FROM generate_series(1, 300000) g" }
    timeout: 2m
    expect: { rows_truncated: true, row_count: 1000, rows: { len: 1000 }, "rows[999].g": 1000 }
  - id: next
    sql: { connection: db, query: "SELECT 42 AS answer" }
    expect: { rows_truncated: false, "rows[0].answer": 42, columns: [answer] }
  - id: few
    sql: { connection: db, query: "SELECT g FROM generate_series(1, 300000) g", max-rows: 3, read-only: true }
    expect: { rows_truncated: true, rows: [{ g: 1 }, { g: 2 }, { g: 3 }] }
  - id: wide
    sql: { connection: db, query: "SELECT repeat('x', 3000000) AS blob" }
    expect: { rows_truncated: true, "rows[0].blob": { len: 1048568 } }
  - id: secret
    sql:
      connection: db
      query: "SELECT repeat('x', 97) || \$1 || repeat('y', 100) AS v"
      params: ["\${{ inputs.token }}"]
      max-result: 116
    expect: { rows_truncated: true }
  - id: create
    sql: { connection: db, query: "CREATE TABLE $tbl (id int)" }
  - id: insert
    sql: { connection: db, query: "INSERT INTO $tbl SELECT generate_series(1, 5000) RETURNING id", max-rows: 10 }
    expect: { rows_truncated: true, rows: { len: 10 }, row_count: 5000 }
  - id: begin
    sql: { connection: db, query: "BEGIN" }
  - id: in-tx
    sql: { connection: db, query: "INSERT INTO $tbl VALUES (-1)" }
  - id: read-in-tx
    sql: { connection: db, query: "SELECT g FROM generate_series(1, 300000) g", max-rows: 5 }
    expect: { rows_truncated: true, rows: { len: 5 } }
  - id: commit
    sql: { connection: db, query: "COMMIT" }
  - id: count
    sql: { connection: db, query: "SELECT count(*)::int AS n FROM $tbl" }
    expect: { "rows[0].n": 5001 }
  - id: drop
    sql: { connection: db, query: "DROP TABLE $tbl" }
YAML
RC=0
# under `make asan`, freed memory waits in ASan's quarantine (256 MB by
# default): a small one lets the peak RSS measure the interpreter's own
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
python3 "$ROOT/tests/lib/maxrss.py" rss "$RUNBOOK" run rb.yaml --transcript t.jsonl >out 2>err </dev/null || RC=$?
expect_rc 0
for s in many next few wide secret create insert begin in-tx read-in-tx commit count drop; do
	expect_status t.jsonl $s ok
done
# 8 bytes per cell, 97 x, the secret masked whole, then y up to 116 - 8 bytes
want="$(printf 'x%.0s' $(seq 97))***$(printf 'y%.0s' $(seq 8))"
expect_jq t.jsonl "[.[] | select(.event==\"step.end\" and .step==\"secret\") | .result.rows[0].v] == [\"$want\"]" "cell cut before redaction"
expect_no "${RB_SQL_SECRET:0:6}" t.jsonl
rss=$(cat rss)
[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KiB"
size=$(stat -c %s t.jsonl)
[ "$size" -lt 4000000 ] || fail "transcript is $size bytes"
