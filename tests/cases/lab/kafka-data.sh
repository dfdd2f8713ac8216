# The lab's Kafka, budget, delegation and SomaClient faults: a broker taken
# down changes what a Kafka client (the interpreter's kafka primitive) sees
# and fires KafkaBrokerDown (so does a broker that crashes at start,
# crash:kafka-2: scaling back up fails); every broker down fires
# KafkaUnavailable, /health reports Kafka down and delegation tasks are requeued, then
# resolved once it is back; a stopped delegation worker builds consumer lag;
# an exhausted budget refuses the tenant; stuck tasks and the event-loop bug
# fire their alerts.  Each alert clears once fixed.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up

cat >probe.yaml <<'EOF'
runbook: lab-kafka-probe
title: What a Kafka client sees of the lab
version: 1.0.0
owner: test
inputs:
  brokers: { type: string }
  partition: { type: int, default: 0 }
connections:
  bus: { kafka: { brokers: "${{ inputs.brokers }}" } }
steps:
  - id: topics
    kafka: { connection: bus, topics: [delegation.tasks] }
    timeout: 3s
  - id: produce
    kafka:
      connection: bus
      produce: { topic: conversation.outbound, partition: "${{ inputs.partition }}", key: probe, value: hello }
    timeout: 3s
EOF
probe() { rb run probe.yaml --input brokers="$LAB_KAFKA_BROKERS" --input partition="$1" --transcript "$2.jsonl" --quiet; }
probe_ok() { probe "$@"; [ "$RC" -eq 0 ]; }

# --- one broker down: its partitions are gone for a client, the others are not ---
probe 1 t-all-up; expect_rc 0
lab broker down 2 || fail "broker down 2"
wait_firing KafkaBrokerDown '.broker == "2"'
lab status | grep -q 'brokers 1:up 2:down 3:up' || fail "status does not show broker 2 down"
probe 0 t-p0; expect_rc 0
probe 1 t-p1; expect_rc 1
expect_status t-p1.jsonl produce failed
lab broker up 2
wait_clear KafkaBrokerDown
lab_wait probe_ok 1 t-p1-back

# --- a broker that crashes at start (crash:kafka-2): scaling the brokers
# back up fails and says so; cleared, it comes up ---
lab scale kafka 1 || fail "scale kafka 1"
lab fault add crash:kafka-2
lab scale kafka 3 2>scale.err && fail "scale kafka 3 succeeded with broker 2 crashing"
grep -q 'broker 2 crashes at start' scale.err || fail "scale does not say why: $(cat scale.err)"
lab status | grep -q 'brokers 1:up 2:down 3:up' || fail "status: $(lab status | grep kafka)"
wait_firing KafkaBrokerDown '.broker == "2"'
lab fault clear crash:kafka-2
lab scale kafka 3 || fail "scale kafka 3 after the fault"
wait_clear KafkaBrokerDown

# --- every broker down: KafkaUnavailable, /health says so, tasks are requeued ---
lab kill kafka
wait_firing KafkaUnavailable
probe 0 t-down; expect_rc 1
expect_status t-down.jsonl topics failed
wait_health 503 '.components.kafka.status == "down"'
code=$(curl -sS -o task.json -w '%{http_code}' -X POST -d '{"task_id": "t-outage-1"}' "$LAB_GATEWAY_URL/v1/delegation/task")
[ "$code" = 202 ] && jq -e '.status == "requeued"' task.json >/dev/null || fail "submit during the outage: $code $(cat task.json)"
curl -fsS "$LAB_GATEWAY_URL/v1/requeue" >requeue.json
jq -e 'length == 1 and .[0].topic == "delegation.tasks"' requeue.json >/dev/null || fail "requeue: $(cat requeue.json)"
lab start kafka
wait_clear KafkaUnavailable
wait_health 200 '.components.kafka.status == "ok"'
id=$(jq -r '.[0].id' requeue.json)
curl -fsS -X POST -d '{"allow": true}' "$LAB_GATEWAY_URL/v1/requeue/$id/resolve" | jq -e '.status == "published"' >/dev/null ||
	fail "resolve after the outage"
curl -fsS "$LAB_GATEWAY_URL/v1/requeue" | jq -e 'length == 0' >/dev/null || fail "requeue entries left"
done_task() { [ "$(pg_sql "SELECT status FROM delegation_tasks WHERE task_id = '$1'")" = done ]; }
lab_wait done_task t-outage-1

# --- the delegation worker stopped: lag builds on delegation.tasks; started: it drains ---
lab kill delegation-worker
wait_firing DelegationWorkerDown
for i in 1 2 3 4 5 6 7; do
	curl -fsS -X POST -d "{\"task_id\": \"t-lag-$i\"}" "$LAB_GATEWAY_URL/v1/delegation/task" >/dev/null || fail "submit t-lag-$i"
done
wait_firing KafkaConsumerLag '.consumergroup == "delegation-worker"'
[ "$(pg_sql "SELECT count(*) FROM delegation_tasks WHERE task_id LIKE 't-lag-%' AND status = 'queued'")" = 7 ] ||
	fail "the tasks are not queued while the worker is down"
lab start delegation-worker
wait_clear KafkaConsumerLag
all_done() { [ "$(pg_sql "SELECT count(*) FROM delegation_tasks WHERE task_id LIKE 't-lag-%' AND status = 'done'")" = 7 ]; }
lab_wait all_done
wait_clear DelegationWorkerDown

# --- the worker abandons tasks: DelegationTasksStuck; replayed: clear ---
lab fault add stuck-tasks
curl -fsS -X POST -d '{"task_id": "t-stuck-1"}' "$LAB_GATEWAY_URL/v1/delegation/task" >/dev/null
wait_firing DelegationTasksStuck
lab fault clear stuck-tasks
pg_sql "UPDATE delegation_tasks SET status = 'queued' WHERE status = 'stuck'" >/dev/null
lab_wait done_task t-stuck-1
wait_clear DelegationTasksStuck

# --- an exhausted budget: the tenant is refused, TenantBudgetExhausted; reset: served ---
redis-cli -p "$LAB_PORT_REDIS" SET "budget:$LAB_TENANT:tokens" 999999999999 >/dev/null
wait_firing TenantBudgetExhausted ".tenant == \"$LAB_TENANT\""
out=$(cd "$LAB_REPO_DIR" && python3 scripts/send_message.py --tenant "$LAB_TENANT" Ping) && fail "an exhausted tenant was served"
[ "$out" = "Token budget exceeded" ] || fail "refusal: $out"
redis-cli -p "$LAB_PORT_REDIS" DEL "budget:$LAB_TENANT:tokens" >/dev/null
wait_clear TenantBudgetExhausted
[ "$(cd "$LAB_REPO_DIR" && python3 scripts/send_message.py --tenant "$LAB_TENANT" Ping)" = Pong ] || fail "tenant after the reset"

# --- the SomaClient event-loop bug: alert, logs, the probe; rebuilt: clear (unless sticky) ---
lab fault add event-loop
wait_firing SomaClientEventLoopErrors
probe_out=$(cd "$LAB_REPO_DIR" && .venv/bin/python scripts/checks/somaclient_event_loop.py) && fail "the probe passed with the bug"
[ "$probe_out" = "RuntimeError: Event loop is closed" ] || fail "probe: $probe_out"
lab logs gateway delegation-worker --since 30s >logs.txt
grep -q '^gateway | .*RuntimeError: Event loop is closed' logs.txt || fail "the gateway log lacks the error"
grep -q '^delegation-worker-1 | .*RuntimeError: Event loop is closed' logs.txt || fail "the worker log lacks the error"
lab rebuild gateway delegation-worker || fail "rebuild"
[ "$(cd "$LAB_REPO_DIR" && .venv/bin/python scripts/checks/somaclient_event_loop.py)" = ok ] || fail "probe after the rebuild"
wait_clear SomaClientEventLoopErrors
lab fault add event-loop --sticky
lab rebuild gateway || fail "rebuild (sticky)"
lab fault list | grep -qx 'event-loop (sticky)' || fail "a sticky fault did not survive the rebuild"
(cd "$LAB_REPO_DIR" && python3 scripts/checks/somaclient_event_loop.py) >/dev/null && fail "the probe passed with a sticky fault"
lab fault clear event-loop
