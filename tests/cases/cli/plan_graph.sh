# plan: order, effects, rendered actions, rollbacks; no side effects at all.
export PLAN_SECRET='plan-secret-canary-99'
cat > rb.yaml <<'Y'
runbook: plan-me
title: Plan me
inputs:
  ns: { type: string, default: soma-prod }
  key: { type: secret, from: env:PLAN_SECRET }
checks:
  - id: probe
    exec: [kubectl, get, deploy, -n, "${{ inputs.ns }}"]
    effect: read
steps:
  - id: scale
    exec: [touch, "made-by-plan-${{ inputs.ns }}"]
    env: { KEY: "${{ inputs.key }}" }
    outputs: { before: "${{ result.stdout }}" }
    rollback:
      id: unscale
      exec: [echo, "${{ steps.scale.outputs.before }}"]
  - id: independent
    needs: []
    exec: [echo, x]
    effect: read
Y
rb plan rb.yaml --input ns=web
expect_rc 0
expect_out 'probe +exec +read +kubectl get deploy -n web'
expect_out 'scale +exec +write +touch made-by-plan-web'
expect_out 'undo: unscale .*steps.scale.outputs.before'
expect_out 'env: \{"KEY":"\*\*\*"\}'
expect_no "$PLAN_SECRET"
ls made-by-plan-* 2>/dev/null && fail "plan ran a step"
[ ! -e transcripts ] || fail "plan wrote a transcript"
rb plan rb.yaml --format json
expect_rc 0
jq -e '.steps | map(.id) == ["probe","scale","unscale","independent"]' out >/dev/null || fail "json plan order: $(cat out)"
# plan does not read secrets: it works without the variable
env -u PLAN_SECRET "$RUNBOOK" plan rb.yaml >/dev/null 2>&1 || fail "plan needed the secret"
rb graph rb.yaml --format dot
expect_rc 0
expect_out '^digraph'
expect_out 'scale'
rb graph rb.yaml --format mermaid
expect_rc 0
expect_out '^(flowchart|graph) '
rb graph rb.yaml --format png
expect_rc 2
