# Outputs flow to later steps; values from runs are never re-templated;
# `if` skips; capture is bounded and truncation recorded.
cat > rb.yaml <<'Y'
runbook: outputs
title: Outputs and data
steps:
  - id: produce
    exec: [sh, -c, 'printf "\$%s and \$%s" "{{ env.HOME }}" "{{ 1 + 1 }}"']
    outputs: { text: "${{ result.stdout }}", n: "${{ len(result.stdout) }}" }
  - id: consume
    exec: [printf, '%s|%s', "${{ steps.produce.outputs.text }}", "${{ steps.produce.outputs.n }}"]
  - id: skipped
    if: "${{ steps.produce.outputs.n > 1000 }}"
    exec: [touch, should-not-exist]
  - id: big
    exec: [sh, -c, 'head -c 3000000 /dev/zero | tr "\0" x']
    effect: read
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="consume")][0].result.stdout == "${{ env.HOME }} and ${{ 1 + 1 }}|32"' "run-time values must stay literal"
expect_status t.jsonl skipped skipped
[ ! -e should-not-exist ] || fail "if: false did not skip"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="big")][0].result | .stdout_truncated == true and (.stdout | length) == 1048576'
