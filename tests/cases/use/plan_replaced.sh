# plan: a use step's own rollback replaces its fragment's undos, and only
# the step's own undo is shown.
mkdir -p frag
cat > frag/w.yaml <<'Y'
fragment: w
title: A write with an undo
steps:
  - id: apply
    exec: [touch, applied]
    rollback: { id: unapply, exec: [rm, -f, applied] }
Y
cat > rb.yaml <<'Y'
runbook: replaced
title: Own rollback replaces the fragment's
steps:
  - id: plain
    use: frag/w
  - id: own
    use: frag/w
    rollback: { id: own-undo, log: "the caller undoes this itself" }
Y
rb plan rb.yaml
expect_rc 0
expect_out 'undo: plain/unapply'
expect_out 'undo: own-undo'
grep -q 'undo: own/unapply' out && fail "plan shows an undo that will not run"
rb run rb.yaml --transcript t.jsonl
expect_rc 0
