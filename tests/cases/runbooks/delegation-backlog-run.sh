# runbooks: delegation-backlog run for real against the suite's PostgreSQL
# and Kafka (mock cluster); kubectl is a stub answering "2 ready replicas".
# Each run works in its own schema (search_path in the DSN) so it cannot
# disturb other cases.  A trigger plays the delegation worker: rows set
# to `queued` are picked up at once.  Then, without the worker, the
# verification cannot pass and the rollback puts exactly the replayed rows
# back to `stuck` -- the other rows untouched.
mkdir bin
printf '#!/bin/sh\necho 2\n' > bin/kubectl
chmod +x bin/kubectl
export PATH=$PWD/bin:$PATH
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

rb run "$RB" "${ins[@]}" --approve auto --transcript ok.jsonl
[ "$RC" -eq 0 ] || fail "with a worker: exit $RC: $(tail -20 out)"
[ "$(statuses)" = "done=done new-stuck=stuck old-stuck-1=done old-stuck-2=done running=running" ] || fail "after replay: $(statuses)"
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="replay")][0].outputs.n == 2'
expect_jq ok.jsonl '[.[] | select(.event=="approve")][0].question | test("Replay 2 stuck delegation tasks")'
rb verify ok.jsonl --runbook "$RB"; expect_rc 0
expect_no "$RB_TEST_PG_PASSWORD" ok.jsonl

# no worker: the replayed rows stay queued, verify times out, rollback restores them
psql -X -q "$RB_TEST_PG_DSN" -c "DROP TRIGGER worker ON $schema.delegation_tasks; UPDATE $schema.delegation_tasks SET status = 'stuck' WHERE task_id LIKE 'old-stuck-%'" >/dev/null
sed 's/until: { every: 30s, within: 15m }/until: { every: 100ms, within: 300ms }/' "$RB" > fast.yaml
rb run fast.yaml "${ins[@]}" --approve auto --transcript fail.jsonl
expect_rc 1
[ "$(statuses)" = "done=done new-stuck=stuck old-stuck-1=stuck old-stuck-2=stuck running=running" ] || fail "after rollback: $(statuses)"
expect_jq fail.jsonl '[.[] | select(.event=="step.end" and .phase=="rollback") | .step] == ["undo-replay"]'
psql -X -q "$RB_TEST_PG_DSN" -c "DROP SCHEMA $schema CASCADE" >/dev/null
