# kafka consume with until-end: true stops once every partition it reads
# has caught up with its high watermark as of the start (kcat -e),
# instead of waiting for max-messages or the whole timeout: 5 messages
# over 2 partitions come back in well under the 20 s timeout, judged by
# the result's own duration; a second consume of the group, caught up
# already, comes back empty just as fast; from the beginning it stops at
# the same point.  See lag.sh for session.timeout.ms.
cat >rb.yaml <<YAML
runbook: kafka-until-end
title: Consume until caught up
owner: platform-operations
connections:
  bus:
    kafka:
      brokers: "$RB_TEST_KAFKA_BOOTSTRAP"
      config: { session.timeout.ms: 3000, heartbeat.interval.ms: 300 }
defaults: { timeout: 30s }
steps:
  - { id: p1, kafka: { connection: bus, produce: { topic: rb-until-end, partition: 0, value: a } } }
  - { id: p2, kafka: { connection: bus, produce: { topic: rb-until-end, partition: 0, value: b } } }
  - { id: p3, kafka: { connection: bus, produce: { topic: rb-until-end, partition: 1, value: c } } }
  - { id: p4, kafka: { connection: bus, produce: { topic: rb-until-end, partition: 1, value: d } } }
  - { id: p5, kafka: { connection: bus, produce: { topic: rb-until-end, partition: 1, value: e } } }
  - id: drain
    kafka: { connection: bus, consume: { topic: rb-until-end, group: drainer, max-messages: 100, timeout: 20s, until-end: true } }
    expect: { count: 5, duration: { lt: 10s } }
  - id: again
    kafka: { connection: bus, consume: { topic: rb-until-end, group: drainer, max-messages: 100, timeout: 20s, until-end: true } }
    expect: { count: 0, duration: { lt: 10s } }
  - id: from-start
    kafka: { connection: bus, consume: { topic: rb-until-end, from-beginning: true, max-messages: 100, timeout: 20s, until-end: true } }
    expect: { count: 5, duration: { lt: 10s } }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in drain again from-start; do expect_status t.jsonl $s ok; done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="drain") | .result.messages[].value] | sort == ["a","b","c","d","e"]' "the five messages"
# without until-end a group consume waits for max-messages or its timeout
cat >wait.yaml <<YAML
runbook: kafka-waits
title: A group consume waits without until-end
owner: platform-operations
connections:
  bus:
    kafka:
      brokers: "$RB_TEST_KAFKA_BOOTSTRAP"
      config: { session.timeout.ms: 3000, heartbeat.interval.ms: 300 }
steps:
  - id: wait
    kafka: { connection: bus, consume: { topic: rb-until-end, group: waiter, max-messages: 100, timeout: 4s } }
    expect: { count: { le: 5 }, duration: { ge: 4s } }
YAML
rb run wait.yaml --transcript w.jsonl
expect_rc 0
cat >bad.yaml <<'YAML'
runbook: kafka-until-end-bad
title: until-end is a boolean
owner: platform-operations
connections:
  bus: { kafka: { brokers: "127.0.0.1:1" } }
steps:
  - id: c
    kafka: { connection: bus, consume: { topic: t, group: g, until-end: soon } }
YAML
rb check bad.yaml
expect_rc 2
grep -qF "bad.yaml:8:73: error: kafka consume 'until-end' must be true or false" out err || fail "until-end type: $(cat out err)"
