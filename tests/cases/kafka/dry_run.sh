# kafka: under --dry-run, reads (lag, consume from the beginning) run and a
# produce is only recorded as would-run: nothing reaches the topic, as a
# real run afterwards shows.  A consume from the beginning ends where the
# log ends (here: at once on the empty topic), not at its timeout.
cat >rb.yaml <<YAML
runbook: kafka-dry
title: Kafka dry run
owner: platform-operations
connections:
  bus: { kafka: "$RB_TEST_KAFKA_BOOTSTRAP" }
steps:
  - id: send
    kafka: { connection: bus, produce: { topic: rb-dry, value: payload } }
    rollback: { log: "nothing to undo in a test topic" }
  - id: lag
    needs: []       # not the produce's: a dry run runs it
    kafka: { connection: bus, lag: { group: dry, topic: rb-dry } }
    expect: { total: 0 }
  - id: peek
    kafka: { connection: bus, consume: { topic: rb-dry, from-beginning: true, max-messages: 10 } }
    expect: { messages: { len: 0 } }
YAML
rb plan rb.yaml
expect_rc 0
expect_out 'send +kafka +write'
expect_out 'lag +kafka +read'
start=$(date +%s%N)
rb run rb.yaml --dry-run --transcript d.jsonl
took=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0
[ "$took" -lt 5000 ] || fail "reading an empty topic took ${took}ms"
expect_status d.jsonl send would-run
expect_status d.jsonl lag ok
expect_status d.jsonl peek ok

# a real run produces; its lag step now sees the message
sed -i 's/expect: { total: 0 }/expect: { total: 1 }/; s/messages: { len: 0 }/messages: { len: 1 }/' rb.yaml
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in send lag peek; do expect_status t.jsonl $s ok; done
