# use: a failure inside a fragment rolls back the fragment's completed
# writes and the caller's earlier writes, in reverse completion order, the
# failed sub-step's own undo first (it says rollback-on-failure); each undo sees the inputs of its own
# fragment call.  A rollback on the using step replaces the fragment's.
cat >frag.yaml <<'Y'
fragment: frag-three
title: Three writes, the last one fails when asked to
inputs:
  tag: { type: string }
  fail: { type: bool, default: false }
steps:
  - id: a
    exec: [sh, -c, 'echo "do $0/a" >> log', "${{ inputs.tag }}"]
    rollback: { exec: [sh, -c, 'echo "undo $0/a" >> log', "${{ inputs.tag }}"] }
  - id: b
    exec: [sh, -c, 'echo "do $0/b" >> log', "${{ inputs.tag }}"]
    rollback: { exec: [sh, -c, 'echo "undo $0/b" >> log', "${{ inputs.tag }}"] }
  - id: c
    exec: [sh, -c, 'echo "do $0/c" >> log; [ "$1" = false ]', "${{ inputs.tag }}", "${{ inputs.fail }}"]
    rollback-on-failure: true
    rollback: { exec: [sh, -c, 'echo "undo $0/c" >> log', "${{ inputs.tag }}"] }
outputs: { tag: "${{ inputs.tag }}" }
Y
cat >main.yaml <<'Y'
runbook: use-rollback
title: Failure inside a fragment
steps:
  - id: before
    exec: [sh, -c, 'echo "do before" >> log']
    rollback: { exec: [sh, -c, 'echo "undo before" >> log'] }
  - id: x
    use: frag
    with: { tag: x }
  - id: y
    use: frag
    with: { tag: y, fail: true }
  - id: never
    exec: [sh, -c, 'echo never >> log']
Y
rb run main.yaml --transcript t.jsonl
expect_rc 1
want='do before
do x/a
do x/b
do x/c
do y/a
do y/b
do y/c
undo y/c
undo y/b
undo y/a
undo x/c
undo x/b
undo x/a
undo before'
[ "$(cat log)" = "$want" ] || fail "order: $(cat log)"
expect_status t.jsonl y/c failed
expect_status t.jsonl y failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="y")][0].error | test("step .c. of fragment .frag-three. failed")'
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")][0].steps ==
	["y/c", "y/b", "y/a", "x/c", "x/b", "x/a", "before"]'
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .phase=="rollback") | .step] ==
	["y/c-rollback", "y/b-rollback", "y/a-rollback", "x/c-rollback", "x/b-rollback", "x/a-rollback", "before-rollback"]'
expect_jq t.jsonl '.[-1].status == "failed" and .[-1].rollback == "complete" and .[-1].failed_step == "y"'
rb verify t.jsonl --runbook main.yaml
expect_out 'ok +runbook +rollbacks'

# the using step's own rollback replaces the fragment's rollbacks
rm -f log
cat >own.yaml <<'Y'
runbook: use-own-rollback
title: The using step's rollback replaces the fragment's
steps:
  - id: before
    exec: [sh, -c, 'echo "do before" >> log']
    rollback: { exec: [sh, -c, 'echo "undo before" >> log'] }
  - id: x
    use: frag
    with: { tag: x }
    rollback: { exec: [sh, -c, 'echo "undo x as a whole" >> log'] }
  - id: y
    use: frag
    with: { tag: y, fail: true }
    rollback: { exec: [sh, -c, 'echo "undo y as a whole" >> log'] }
Y
rb run own.yaml --transcript o.jsonl
expect_rc 1
want='do before
do x/a
do x/b
do x/c
do y/a
do y/b
do y/c
undo y as a whole
undo x as a whole
undo before'
[ "$(cat log)" = "$want" ] || fail "own rollback: $(cat log)"
