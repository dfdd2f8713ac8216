# kafka: produce with key, headers and an explicit partition; consume from
# the beginning returns them (key, value, headers, partition, offset,
# timestamp); a consumed value flows into a later step's output and stays
# literal text (run-time values are never evaluated as templates); topic
# metadata; effects (produce writes, the rest reads).
export RB_KAFKA_LITERAL='${{ 6 * 7 }}'
cat >rb.yaml <<YAML
runbook: kafka-basic
title: Kafka basics
owner: platform-operations
inputs:
  text: { type: string, default: "" }
connections:
  bus: { kafka: { brokers: "$RB_TEST_KAFKA_BOOTSTRAP", config: { client.id: runbook-case } } }
steps:
  - id: first
    kafka:
      connection: bus
      produce: { topic: rb-basic, partition: 0, key: order-1, value: created, headers: { trace: t-1, origin: runbook } }
    expect: { partition: 0, offset: 0 }
  - id: second
    kafka: { connection: bus, produce: { topic: rb-basic, key: order-1, value: "\${{ inputs.text }}" } }
    expect: { partition: 0, offset: 1 }
  - id: read
    kafka: { connection: bus, consume: { topic: rb-basic, from-beginning: true, max-messages: 2, timeout: 5s } }
    expect:
      messages: { len: 2 }
      "messages[0].key": order-1
      "messages[0].value": created
      "messages[0].headers.trace": t-1
      "messages[0].headers.origin": runbook
      "messages[0].offset": 0
      "messages[1].offset": 1
      "messages[1].timestamp": { gt: 1600000000000 }
    outputs: { echoed: "\${{ result.messages[1].value }}" }
  - id: reuse
    kafka: { connection: bus, produce: { topic: rb-basic, value: "\${{ steps.read.outputs.echoed }}" } }
    expect: { offset: 2 }
  - id: reread
    kafka: { connection: bus, consume: { topic: rb-basic, from-beginning: true, max-messages: 3 } }
    expect: { "messages[2].value": { eq: "\${{ inputs.text }}" } }
  - id: metadata
    kafka: { connection: bus, topics: [rb-basic, rb-lag] }
    expect:
      "topics[0].name": rb-basic
      "topics[0].partitions": { len: 1 }
      "topics[1].partitions": { len: 3 }
      "topics[1].error": null
  - id: all-topics
    kafka: { connection: bus, topics: true }
    expect: { topics: { len: { ge: 5 } } }
YAML
rb run rb.yaml --input text="$RB_KAFKA_LITERAL" --transcript t.jsonl
expect_rc 0
for s in first second read reuse reread metadata all-topics; do expect_status t.jsonl $s ok; done
# the literal survived two trips through the broker and an output
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="reread") | .result.messages[2].value] == ["${{ 6 * 7 }}"]' "value stays literal"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="read") | .result.count] == [2]' "count"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="metadata") | .result.brokers | length] == [3]' "brokers"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="metadata") | .result.topics[0].partitions[0] | (.leader as $l | .replicas | index($l)) != null] == [true]' "leader is a replica"
expect_jq t.jsonl '[.[] | select(.event=="step.start") | {(.step): .effect}] | add == {"first":"write","second":"write","read":"read","reuse":"write","reread":"read","metadata":"read","all-topics":"read"}' "effects"
