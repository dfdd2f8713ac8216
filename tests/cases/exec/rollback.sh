# Rollbacks run in reverse completion order (the failed step's own first
# when it says rollback-on-failure); a failing rollback does not stop the
# others and the exit is 3.
cat > rb.yaml <<'Y'
runbook: rollback-order
title: Rollback order
inputs:
  break_undo: { type: bool, default: false }
steps:
  - id: one
    exec: [sh, -c, 'echo one >> log']
    rollback: { id: undo-one, exec: [sh, -c, 'echo undo-one >> log'] }
  - id: two
    exec: [sh, -c, 'echo two >> log']
    rollback:
      - id: undo-two-a
        exec: [sh, -c, 'echo undo-two-a >> log; [ "$BREAK" != true ]']
        env: { BREAK: "${{ inputs.break_undo }}" }
      - { id: undo-two-b, exec: [sh, -c, 'echo undo-two-b >> log'] }
  - id: read-only
    exec: [sh, -c, 'echo read >> log']
    effect: read
    rollback: { id: undo-read, exec: [sh, -c, 'echo undo-read >> log'] }
  - id: three
    exec: [sh, -c, 'echo three >> log; exit 4']
    rollback-on-failure: true
    rollback: { id: undo-three, exec: [sh, -c, 'echo undo-three >> log'] }
  - id: never-runs
    exec: [sh, -c, 'echo never >> log']
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 1
want=$'one\ntwo\nread\nthree\nundo-three\nundo-two-a\nundo-two-b\nundo-one'
[ "$(cat log)" = "$want" ] || fail "order was: $(tr '\n' ' ' < log)"
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")][0].steps == ["three","two","one"]' "rollback.start lists the owners"
expect_jq t.jsonl '[.[] | select(.event=="rollback.end")][0].status == "complete"'
expect_jq t.jsonl '[.[] | select(.phase=="rollback" and .event=="step.end") | .step] == ["undo-three","undo-two-a","undo-two-b","undo-one"]'
expect_jq t.jsonl '.[-1].event == "run.end" and .[-1].exit == 1 and .[-1].failed_step == "three"'
rm -f log
rb run rb.yaml --transcript t2.jsonl --input break_undo=true
expect_rc 3
grep -q undo-one log || fail "a failing rollback stopped the others"
expect_jq t2.jsonl '[.[] | select(.event=="rollback.end")][0] | .status == "incomplete" and .failed == ["undo-two-a"]'
