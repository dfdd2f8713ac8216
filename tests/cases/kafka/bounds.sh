# kafka consume keeps at most max-result bytes of messages: the message
# that does not fit ends the read and is neither returned nor committed
# (the next group consume gets it); a first message larger than the
# bound is returned cut, and committed.
v=$(printf 'v%.0s' $(seq 600))
cat >rb.yaml <<YAML
runbook: kafka-bounds
title: Kafka consume bounds
owner: platform-operations
connections:
  bus:
    kafka:
      brokers: "$RB_TEST_KAFKA_BOOTSTRAP"
      config: { session.timeout.ms: 3000, heartbeat.interval.ms: 300 }
defaults: { timeout: 20s }
steps:
  - { id: p1, kafka: { connection: bus, produce: { topic: rb-bounds, key: k1, value: "1$v" } } }
  - { id: p2, kafka: { connection: bus, produce: { topic: rb-bounds, key: k2, value: "2$v" } } }
  - { id: p3, kafka: { connection: bus, produce: { topic: rb-bounds, key: k3, value: "3$v" } } }
  - id: all
    kafka: { connection: bus, consume: { topic: rb-bounds, from-beginning: true, max-messages: 10 } }
    expect: { count: 3, messages_truncated: false }
  - id: two
    kafka: { connection: bus, max-result: 1300, consume: { topic: rb-bounds, from-beginning: true, max-messages: 10 } }
    expect: { count: 2, messages_truncated: true, "messages[1].key": k2 }
  - id: group-one
    kafka: { connection: bus, max-result: 1000, consume: { topic: rb-bounds, group: bounds, max-messages: 10, timeout: 5s } }
    expect: { count: 1, messages_truncated: true, "messages[0].key": k1 }
  - id: group-cut
    kafka: { connection: bus, max-result: 100, consume: { topic: rb-bounds, group: bounds, max-messages: 10, timeout: 5s } }
    expect: { count: 1, messages_truncated: true, "messages[0].key": k2, "messages[0].value": { len: 90 } }
  - id: group-rest
    kafka: { connection: bus, consume: { topic: rb-bounds, group: bounds, max-messages: 1, timeout: 5s } }
    expect: { count: 1, messages_truncated: false, "messages[0].key": k3 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in p1 p2 p3 all two group-one group-cut group-rest; do expect_status t.jsonl $s ok; done
