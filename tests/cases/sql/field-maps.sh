# any/all/not with field maps over real results: PostgreSQL rows (a
# column called `name`, one called `eq`) and an HTTP server's JSON list
# of objects; each verdict and its record in the transcript.
cat >rb.yaml <<YAML
runbook: field-maps
title: Matchers on lists of objects
owner: platform
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
checks:
  - id: some-zero
    sql:
      connection: db
      query: "SELECT * FROM (VALUES ('web', 0), ('api', 3)) AS t(name, replicas)"
    expect: { rows: { any: { name: web, replicas: { eq: 0 } } } }
  - id: none-zero
    sql:
      connection: db
      query: "SELECT * FROM (VALUES ('web', 2), ('api', 3)) AS t(name, replicas)"
    expect: { rows: { any: { replicas: { eq: 0 } } } }
    on-failure: continue
  - id: all-up
    sql:
      connection: db
      query: "SELECT * FROM (VALUES ('web', 2), ('api', 3)) AS t(name, replicas)"
    expect: { rows: { all: { replicas: { gt: 1 }, name: { ne: db } }, not: { any: { name: db } } } }
  - id: field-eq
    sql: { connection: db, query: "SELECT 1 AS eq, 2 AS other" }
    expect: { rows: { any: { .eq: 1 } } }
  - id: matcher-eq
    sql: { connection: db, query: "SELECT 1 AS eq" }
    expect: { rows: { any: { eq: 1 } } }
    on-failure: continue
  - id: items
    http: { url: "$RB_TEST_HTTP/json" }
    expect:
      json:
        service: conversation-worker
        data.items: { any: { name: b, lag: { gt: 40 } }, all: { status: { in: [ok, degraded] } } }
        data: { items: { any: { name: a, status: ok } } }
  - id: items-all-ok
    http: { url: "$RB_TEST_HTTP/json" }
    expect: { json: { data.items: { all: { status: ok } } } }
    on-failure: continue
YAML
rb check --no-color rb.yaml
expect_rc 0
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in some-zero all-up field-eq items; do expect_status t.jsonl $s ok; done
for s in none-zero matcher-eq items-all-ok; do expect_status t.jsonl $s failed; done
end() { echo "[.[] | select(.event==\"step.end\" and .step==\"$1\")][0]"; }
expect_jq t.jsonl "$(end none-zero).error | test(\"expected rows any\")" "the failed any is named"
expect_jq t.jsonl "$(end items).matchers[:4] | map(.path) == [\"json.service\", \"json.data.items\", \"json.data.items\", \"json.data.items\"]" \
	"json field maps record each field at its path"
expect_jq t.jsonl "$(end items).matchers[:4] | map(.op) == [\"eq\", \"any\", \"all\", \"any\"]"
expect_jq t.jsonl "$(end items-all-ok).matchers[0] | .op == \"all\" and .ok == false and .expected == {status: \"ok\"}"
