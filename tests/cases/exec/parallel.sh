# --parallel N: independent steps overlap (proved by a barrier that only
# opens when all of them run at once), `needs` still orders, a step that
# holds a database connection never overlaps another on the same one, and
# a failure stops new starts and rolls back in completion order.
{
	printf 'runbook: parallel\ntitle: Parallel steps\nsteps:\n'
	for s in a b c d; do
		printf '  - id: %s\n    needs: []\n' $s
		printf "    exec: [sh, -c, 'touch at-%s; for i in \$(seq 200); do [ -e at-a ] && [ -e at-b ] && [ -e at-c ] && [ -e at-d ] && exit 0; sleep 0.02; done; exit 1']\n" $s
		printf "    rollback: { id: undo-%s, exec: [sh, -c, 'echo undo-%s >> undo.log'] }\n" $s $s
	done
	printf '  - id: after\n    needs: [a, b, c, d]\n'
	printf "    exec: [sh, -c, 'ls at-* | wc -l']\n    expect: { stdout: { matches: '^4\$' } }\n"
} > rb.yaml
rb run rb.yaml --parallel 4 --transcript p.jsonl
expect_rc 0
expect_status p.jsonl after ok
# the same runbook one step at a time cannot pass the barrier
rm -f at-*
rb run rb.yaml --transcript s.jsonl
expect_rc 1
# steps on the same postgres connection never overlap, even with --parallel
cat > db.yaml <<Y
runbook: parallel-db
title: One connection, one step at a time
inputs:
  dsn: { type: secret, from: env:RB_TEST_PG_DSN }
connections:
  db: { postgres: "\${{ inputs.dsn }}" }
steps:
  - { id: q1, needs: [], sql: { connection: db, query: 'SELECT pg_sleep(0.05)', read-only: true } }
  - { id: q2, needs: [], sql: { connection: db, query: 'SELECT pg_sleep(0.05)', read-only: true } }
  - { id: q3, needs: [], sql: { connection: db, query: 'SELECT pg_sleep(0.05)', read-only: true } }
Y
rb run db.yaml --parallel 3 --transcript db.jsonl
expect_rc 0
expect_jq db.jsonl '[.[] | select((.event=="step.start" or .event=="step.end") and .phase=="steps") | .event] == ["step.start","step.end","step.start","step.end","step.start","step.end"]' "steps on one connection overlapped"
# a failure: running steps finish, nothing new starts, rollback in completion order
cat > fail.yaml <<'Y'
runbook: parallel-fail
title: Failure under --parallel
steps:
  - id: slow-ok
    needs: []
    exec: [sh, -c, 'while [ ! -e failed ]; do sleep 0.01; done; echo slow-ok >> done.log']
    rollback: { id: undo-slow, exec: [sh, -c, 'echo undo-slow >> undo.log'] }
  - id: fast-ok
    needs: []
    exec: [sh, -c, 'echo fast-ok >> done.log']
    rollback: { id: undo-fast, exec: [sh, -c, 'echo undo-fast >> undo.log'] }
  - id: fails
    needs: [fast-ok]
    exec: [sh, -c, 'touch failed; exit 1']
  - id: never
    needs: [fails]
    exec: [touch, never]
Y
rm -f undo.log done.log failed
rb run fail.yaml --parallel 4 --transcript f.jsonl
expect_rc 1
[ ! -e never ] || fail "a step started after the failure"
[ "$(tr '\n' ' ' < done.log)" = "fast-ok slow-ok " ] || fail "completion: $(cat done.log)"
[ "$(tr '\n' ' ' < undo.log)" = "undo-slow undo-fast " ] || fail "rollback order: $(cat undo.log)"
