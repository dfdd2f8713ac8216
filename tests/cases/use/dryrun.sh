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
