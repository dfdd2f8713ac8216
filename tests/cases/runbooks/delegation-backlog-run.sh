# runbooks: delegation-backlog run for real against the suite's PostgreSQL
# and Kafka (mock cluster); kubectl is a stub answering "2 ready replicas".
# Each run works in its own schema (search_path in the DSN) so it cannot
# disturb other cases.  A trigger plays the delegation worker: rows set
# to `queued` are picked up at once.  Then, without the worker, the
# verification cannot pass and the rollback puts exactly the replayed rows
# back to `stuck` -- the other rows untouched.  The requeue entries given
# as input are resolved through the gateway (tests/lib/soma_services.py),
# each exactly once, in order; the poll window comes from inputs.
mkdir bin
printf '#!/bin/sh\necho 2\n' > bin/kubectl
chmod +x bin/kubectl
export PATH=$PWD/bin:$PATH
python3 "$ROOT/tests/lib/soma_services.py" --requeue 'r-1,r/2,r-3' >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
schema=backlog_$$_$RANDOM
psql -X -q -v ON_ERROR_STOP=1 "$RB_TEST_PG_DSN" >psql.out 2>&1 <<SQL || fail "setup: $(cat psql.out)"
CREATE SCHEMA $schema;
SET search_path = $schema;
CREATE TABLE delegation_tasks (task_id text PRIMARY KEY, status text NOT NULL, updated_at timestamptz NOT NULL);
INSERT INTO delegation_tasks VALUES
	('old-stuck-1', 'stuck', now() - interval '2 hours'),
	('old-stuck-2', 'stuck', now() - interval '3 hours'),
	('new-stuck',   'stuck', now()),
	('running',     'running', now() - interval '2 hours'),
	('done',        'done', now() - interval '5 hours');
CREATE FUNCTION pick_up() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN IF NEW.status = 'queued' THEN NEW.status := 'done'; END IF; RETURN NEW; END \$\$;
CREATE TRIGGER worker BEFORE UPDATE ON delegation_tasks FOR EACH ROW EXECUTE FUNCTION pick_up();
SQL
export POSTGRES_DSN="$RB_TEST_PG_DSN?options=-csearch_path%3D$schema"
statuses() { psql -X -qAt "$RB_TEST_PG_DSN" -c "SELECT string_agg(task_id || '=' || status, ' ' ORDER BY task_id) FROM $schema.delegation_tasks"; }
ins=(--input kafka_brokers="$RB_TEST_KAFKA_BOOTSTRAP" --input topic=rb-topics --input consumer_group="grp-$schema")
RB=$ROOT/runbooks/delegation-backlog.yaml

# plan lists the entries given, each with its request
rb plan --no-color "$RB" "${ins[@]}" --input 'requeue_ids=r-1,r/2'
expect_rc 0
expect_out 'for-each: 2 items \(max-concurrency 1, max-errors 0\)'
expect_out '\[0\] "r-1": .*"url":"/v1/requeue/r-1/resolve"'
expect_out '\[1\] "r/2": '

rb run "$RB" "${ins[@]}" --input gateway_url="$SOMA" --input 'requeue_ids=r-1,r/2' --approve auto --transcript ok.jsonl
[ "$RC" -eq 0 ] || fail "with a worker: exit $RC: $(tail -20 out)"
# one POST per entry, in order, the id percent-encoded in the path; r-3 was not asked for
curl -fsS "$SOMA/calls" >calls.json
jq -e '[.[] | select(.method == "POST") | .path] == ["/v1/requeue/r-1/resolve", "/v1/requeue/r%2F2/resolve"]' calls.json >/dev/null ||
	fail "requeue calls: $(cat calls.json)"
jq -e 'all(.[] | select(.method == "POST"); .body == {"allow": true})' calls.json >/dev/null || fail "bodies: $(cat calls.json)"
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="resolve-requeue" and .item) | [.item.value, .status]] == [["r-1","ok"],["r/2","ok"]]' "an ok step.end per entry"
expect_jq ok.jsonl '[.[] | select(.event=="step.start" and .step=="resolve-requeue" and .item) | .item.index] == [0,1]' "each entry started once"
[ "$(statuses)" = "done=done new-stuck=stuck old-stuck-1=done old-stuck-2=done running=running" ] || fail "after replay: $(statuses)"
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="replay")][0].outputs.n == 2'
expect_jq ok.jsonl '[.[] | select(.event=="approve")][0].question | test("Replay 2 stuck delegation tasks")'
rb verify ok.jsonl --runbook "$RB"; expect_rc 0
expect_no "$RB_TEST_PG_PASSWORD" ok.jsonl

# no worker: the replayed rows stay queued, verify times out, rollback restores them
psql -X -q "$RB_TEST_PG_DSN" -c "DROP TRIGGER worker ON $schema.delegation_tasks; UPDATE $schema.delegation_tasks SET status = 'stuck' WHERE task_id LIKE 'old-stuck-%'" >/dev/null
rb run "$RB" "${ins[@]}" --input poll_every=100ms --input replay_within=300ms --approve auto --transcript fail.jsonl
expect_rc 1
expect_jq fail.jsonl '[.[] | select(.event=="step.end" and .step=="replayed-progress")][0].error | test("300ms")' "the window from the input"
[ "$(statuses)" = "done=done new-stuck=stuck old-stuck-1=stuck old-stuck-2=stuck running=running" ] || fail "after rollback: $(statuses)"
expect_jq fail.jsonl '[.[] | select(.event=="step.end" and .phase=="rollback") | .step] == ["undo-replay"]'
psql -X -q "$RB_TEST_PG_DSN" -c "DROP SCHEMA $schema CASCADE" >/dev/null
