# sql: parameterised reads against the seeded delegation_tasks table;
# typed columns, outputs feeding the next step's params, an injection
# attempt that stays data, and a DSN password that never reaches the
# transcript or the terminal.
cat >rb.yaml <<YAML
runbook: sql-basic
title: SQL basics
owner: platform-operations
inputs:
  status: { type: string, default: stuck }
  task: { type: string, default: "'; DROP TABLE delegation_tasks; --" }
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: stuck
    sql:
      connection: db
      query: SELECT task_id, status FROM delegation_tasks WHERE status = \$1 ORDER BY task_id
      params: ["\${{ inputs.status }}"]
    expect: { row_count: 2, "rows[0].task_id": task-3, "rows[1].task_id": task-4 }
    outputs: { first: "\${{ result.rows[0].task_id }}" }
  - id: one
    sql:
      connection: db
      query: >-
        SELECT task_id, updated_at < now() AS past, 7::int8 AS n, 2.5::numeric AS x,
               jsonb_build_object('id', task_id, 'tags', jsonb_build_array(1, 'two')) AS doc,
               NULL::text AS nothing
        FROM delegation_tasks WHERE task_id = \$1
      params: ["\${{ steps.stuck.outputs.first }}"]
      read-only: true
    expect: { row_count: 1, "rows[0].past": true, "rows[0].n": { gt: 6 } }
  - id: injection
    sql:
      connection: db
      query: SELECT count(*) AS n, \$1::text AS echoed FROM delegation_tasks WHERE task_id = \$1
      params: ["\${{ inputs.task }}"]
    expect: { "rows[0].n": 0 }
  - id: still-there
    sql: { connection: db, query: "SELECT count(*) AS n FROM delegation_tasks" }
    expect: { "rows[0].n": 5 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in stuck one injection still-there; do expect_status t.jsonl $s ok; done
r='.[] | select(.event=="step.end" and .step=="one") | .result'
expect_jq t.jsonl "[$r | .columns] == [[\"task_id\",\"past\",\"n\",\"x\",\"doc\",\"nothing\"]]" "columns in order"
expect_jq t.jsonl "[$r | .rows[0] | [.task_id, .past, .n, .x, .doc, .nothing]] == [[\"task-3\", true, 7, 2.5, {\"id\":\"task-3\",\"tags\":[1,\"two\"]}, null]]" "typed values"
expect_jq t.jsonl "[.[] | select(.event==\"step.end\" and .step==\"injection\") | .result.rows[0].echoed] == [\"'; DROP TABLE delegation_tasks; --\"]" "injection stays data"
expect_jq t.jsonl '[.[] | select(.event=="step.start") | {(.step): .effect}] | add == {"stuck":"read","one":"read","injection":"read","still-there":"read"}' "literal SELECTs are reads"
expect_no "$RB_TEST_PG_PASSWORD" t.jsonl
