# use: --dry-run runs a fragment's read sub-steps for real and records
# its write sub-steps as would-run; the using step is would-run too.
cat >frag.yaml <<'Y'
fragment: rw
title: A read then a write
inputs:
  name: { type: string }
steps:
  - id: look
    exec: [sh, -c, 'echo "looked $0" >> log', "${{ inputs.name }}"]
    effect: read
  - id: change
    exec: [sh, -c, 'echo "changed $0" >> log', "${{ inputs.name }}"]
    rollback: { exec: [sh, -c, 'echo undo >> log'] }
Y
cat >main.yaml <<'Y'
runbook: use-dry
title: Dry run through a fragment
steps:
  - id: f
    use: frag
    with: { name: "n1" }
Y
rb run main.yaml --dry-run --transcript t.jsonl
expect_rc 0
[ "$(cat log)" = "looked n1" ] || fail "dry run ran a write: $(cat log)"
expect_status t.jsonl f/look ok
expect_status t.jsonl f/change would-run
expect_status t.jsonl f would-run
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="f/change")][0].would_run.action
	== ["sh", "-c", "echo \"changed $0\" >> log", "n1"]'
expect_jq t.jsonl '.[-1].status == "ok"'
# a fragment file is not run on its own
rb run frag.yaml
expect_rc 2
expect_err 'is a fragment'

# a fragment that only reads and waits runs, its wait would-run, and its
# outputs are real; after a fragment that would write, a read that needs
# it is would-run; a `use` step in verify is would-run unless `dry-run: run`
cat >waits.yaml <<'Y'
fragment: waits
title: A wait then a read
steps:
  - id: settle
    wait: 1h
  - id: read
    exec: [sh, -c, 'echo read >> log2; echo seen']
    effect: read
    outputs: { v: "${{ result.stdout | trim }}" }
outputs:
  v: "${{ steps.read.outputs.v }}"
Y
cat >main2.yaml <<'Y'
runbook: use-dry-rules
title: Dry run rules through fragments
steps:
  - id: w
    use: waits
  - id: show
    exec: [sh, -c, 'echo "show $0" >> log2', "${{ steps.w.outputs.v }}"]
    effect: read
  - id: f
    use: frag
    with: { name: "n2" }
  - id: after-f
    exec: [sh, -c, 'echo after-f >> log2']
    effect: read
verify:
  - id: v-skipped
    use: waits
  - id: v-forced
    use: waits
    dry-run: run
Y
rm -f log2
RC=0; timeout 120 "$RUNBOOK" run main2.yaml --dry-run --transcript t2.jsonl >out 2>err </dev/null || RC=$?
expect_rc 0
expect_status t2.jsonl w/settle would-run
expect_status t2.jsonl w ok
expect_status t2.jsonl show ok
expect_status t2.jsonl f would-run
expect_status t2.jsonl after-f would-run
expect_jq t2.jsonl '[.[] | select(.event=="step.end" and .step=="after-f")][0] | .skip == "needs" and .need == "f"'
expect_status t2.jsonl v-skipped would-run
expect_jq t2.jsonl '[.[] | select(.step=="v-skipped/read")] == []' "a would-run use step was entered"
expect_status t2.jsonl v-forced ok
[ "$(tr '\n' ' ' < log2)" = "read show seen read " ] || fail "what ran: $(tr '\n' ' ' < log2)"
