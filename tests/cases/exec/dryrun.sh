# --dry-run runs read steps for real and records write steps as would-run
# with their rendered action; nothing that writes runs.
cat > rb.yaml <<'Y'
runbook: dry
title: Dry run
inputs:
  name: { type: string, default: web }
checks:
  - id: look
    exec: [sh, -c, 'echo looked > looked.txt; echo 3']
    effect: read
    outputs: { replicas: "${{ result.stdout | trim }}" }
steps:
  - id: write-it
    exec: [touch, "created-${{ inputs.name }}-${{ steps.look.outputs.replicas }}"]
    env: { MODE: "${{ run.mode }}" }
    rollback: { id: undo-write, exec: [rm, -f, created] }
  - id: fails-but-write
    exec: [sh, -c, 'exit 1']
Y
rb run rb.yaml --dry-run --transcript t.jsonl --input name=api
expect_rc 0
[ -e looked.txt ] || fail "the read step did not run"
ls created* 2>/dev/null && fail "a write step ran under --dry-run"
expect_status t.jsonl look ok
expect_status t.jsonl write-it would-run
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="write-it")][0].would_run.action == ["touch","created-api-3"]' "rendered action recorded"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="write-it")][0].would_run.with.env.MODE == "dry-run"'
expect_jq t.jsonl '.[0].mode == "dry-run"'
expect_out 'would-run|○'
expect_out 'dry succeeded in .*: 1 ok, 0 failed, 0 skipped, 2 would run \(dry run\)'
