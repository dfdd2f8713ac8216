# kafka: consumer lag before and after a group consume.  A partition with
# no committed offset counts its whole retained log (high - low) as lag;
# a group consume commits what it read, so lag drops by exactly that; a
# second group keeps its own offsets.
#
# session.timeout.ms: librdkafka's mock coordinator delays the rejoin of a
# group whose members all left by the session timeout less a second (a
# real broker uses group.initial.rebalance.delay.ms), so the second
# consume of the same group would otherwise wait 44 s.
cat >rb.yaml <<YAML
runbook: kafka-lag
title: Kafka consumer lag
owner: platform-operations
connections:
  bus:
    kafka:
      brokers: "$RB_TEST_KAFKA_BOOTSTRAP"
      config: { session.timeout.ms: 3000, heartbeat.interval.ms: 300 }
defaults: { timeout: 20s }
steps:
  - id: empty
    kafka: { connection: bus, lag: { group: billing, topic: rb-lag } }
    expect: { total: 0, partitions: { len: 3 } }
  - id: p0
    kafka: { connection: bus, produce: { topic: rb-lag, partition: 0, value: a } }
  - id: p1
    kafka: { connection: bus, produce: { topic: rb-lag, partition: 1, value: b } }
  - id: p2a
    kafka: { connection: bus, produce: { topic: rb-lag, partition: 2, value: c } }
  - id: p2b
    kafka: { connection: bus, produce: { topic: rb-lag, partition: 2, value: d } }
  - id: before
    kafka: { connection: bus, lag: { group: billing, topic: rb-lag } }
    expect:
      total: 4
      "partitions[0].committed": null
      "partitions[0].low": 0
      "partitions[0].high": 1
      "partitions[2].lag": 2
  - id: consume
    kafka: { connection: bus, consume: { topic: rb-lag, group: billing, max-messages: 3 } }
    expect: { messages: { len: 3 } }
  - id: after
    kafka: { connection: bus, lag: { group: billing, topic: rb-lag } }
    expect: { total: 1 }
  - id: rest
    kafka: { connection: bus, consume: { topic: rb-lag, group: billing, max-messages: 1, timeout: 6s } }
    expect: { messages: { len: 1 } }
  - id: drained
    kafka: { connection: bus, lag: { group: billing, topic: rb-lag } }
    expect:
      total: 0
      "partitions[0].committed": 1
      "partitions[2].committed": 2
  - id: other-group
    kafka: { connection: bus, lag: { group: audit, topic: rb-lag } }
    expect: { total: 4 }
YAML
rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in empty p0 p1 p2a p2b before consume after rest drained other-group; do expect_status t.jsonl $s ok; done
# the 3 + 1 messages consumed are the 4 produced, each once
expect_jq t.jsonl '[.[] | select(.event=="step.end" and (.step=="consume" or .step=="rest")) | .result.messages[].value] | sort == ["a","b","c","d"]' "each message once"
# lag = high - committed, or high - low with no committed offset
expect_jq t.jsonl '[.[] | select(.event=="step.end" and (.step=="before" or .step=="after" or .step=="drained")) | .result.partitions[] | .lag == .high - (.committed // .low)] | all' "lag per partition"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="after") | .result.partitions[] | select(.committed != null)] | length >= 2' "the consume committed"
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="consume") | .effect] == ["read"]' "a group consume is a read"
