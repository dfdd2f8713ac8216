# Every service failure class is a failed step with a clear message, and
# the rollbacks of what ran before it run: unreachable server, auth
# failure, timeout, malformed reply, server-side error.
export PGDSN_BAD="postgresql://runbook:wrong-password@127.0.0.1:$RB_TEST_PG_PORT/rbtest"
refused_port=${RB_TEST_HTTP_REFUSED##*:}
n=0
fail_case() {   # fail_case NAME CONNECTIONS-YAML ACTION-YAML ERROR-REGEX
	n=$((n+1))
	rm -f marker
	cat > "f$n.yaml" <<Y
runbook: failure-$1
title: Failure $1
inputs:
  pg: { type: secret, from: env:RB_TEST_PG_DSN }
  pgbad: { type: secret, from: env:PGDSN_BAD }
connections:
$2
steps:
  - id: before
    exec: [touch, marker]
    rollback: { id: before-undo, exec: [rm, -f, marker] }
  - id: failing
    timeout: 500ms
$3
  - id: never
    exec: [touch, never]
Y
	rb run "f$n.yaml" --transcript "f$n.jsonl"
	[ "$RC" -eq 1 ] || fail "$1: exit $RC, want 1: $(cat out err)"
	[ ! -e marker ] || fail "$1: the rollback of 'before' did not run"
	[ ! -e never ] || fail "$1: a step ran after the failure"
	local e; e=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="failing")][0].error // ""' "f$n.jsonl")
	grep -qE -- "$4" <<<"$e" || fail "$1: error '$e' does not match /$4/"
	expect_jq "f$n.jsonl" '[.[] | select(.event=="rollback.end")][0].status == "complete"'
	grep -q "$RB_TEST_PG_PASSWORD" "f$n.jsonl" out err && fail "$1: the database password leaked"
	return 0
}
H="  web: { http: \"$RB_TEST_HTTP\" }"
fail_case http-refused "  down: { http: \"$RB_TEST_HTTP_REFUSED\" }" \
	"    http: { connection: down, url: /health }" "127.0.0.1.*$refused_port|refused|connect"
fail_case http-timeout "$H" "    http: { connection: web, url: '/slow?ms=3000' }" "[Tt]ime"
fail_case http-malformed "$H" "    http: { connection: web, url: /invalid-json }
    expect: { json: { status: ok } }" "json"
fail_case http-status "$H" "    http: { connection: web, url: /status/503 }" "status.*503|503"
fail_case sql-refused "  db: { postgres: \"postgresql://runbook:x@127.0.0.1:$refused_port/rbtest\" }" \
	"    sql: { connection: db, query: 'SELECT 1' }" "127.0.0.1.*$refused_port|refused"
fail_case sql-auth "  db: { postgres: \"\${{ inputs.pgbad }}\" }" \
	"    sql: { connection: db, query: 'SELECT 1' }" "password authentication failed|authentication"
fail_case sql-timeout "  db: { postgres: \"\${{ inputs.pg }}\" }" \
	"    sql: { connection: db, query: 'SELECT pg_sleep(5)' }" "cancel|timeout|timed out"
fail_case sql-error "  db: { postgres: \"\${{ inputs.pg }}\" }" \
	"    sql: { connection: db, query: 'SELECT * FROM no_such_table' }" "no_such_table.*does not exist"
fail_case redis-refused "  cache: { redis: \"redis://127.0.0.1:$refused_port/0\" }" \
	"    redis: { connection: cache, command: [PING] }" "127.0.0.1.*$refused_port|refused"
fail_case redis-auth "  cache: { redis: \"redis://:wrong@127.0.0.1:$RB_TEST_REDIS_PORT/0\" }" \
	"    redis: { connection: cache, command: [PING] }" "WRONGPASS|invalid|auth"
fail_case redis-error "  cache: { redis: \"$RB_TEST_REDIS_URL\" }" \
	"    redis: { connection: cache, command: [NOSUCHCOMMAND, x] }" "unknown command"
fail_case kafka-refused "  bus: { kafka: \"$RB_TEST_KAFKA_REFUSED\" }" \
	"    kafka: { connection: bus, topics: true }" "$refused_port|refused|brokers|transport"
fail_case prometheus-bad-query "  prom: { prometheus: \"$RB_TEST_PROM\" }" \
	"    prometheus: { connection: prom, query: 'sum(' }" "bad_data|parse"
