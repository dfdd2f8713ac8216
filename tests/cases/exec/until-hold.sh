# until.hold: a soak.  Once expect holds, polling goes on every `every`;
# the step is ok when it has held for `hold` without a failing poll (a
# failing poll starts the hold again, held_ms in each step.attempt says
# how long it has held); `within` bounds the whole, and a hold that can
# no longer be reached in it fails at once, saying how long it held at best.
cat > rb.yaml <<'Y'
runbook: soak
title: Soak
steps:
  - id: soak
    # ok on every poll but the third
    exec: [sh, -c, 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ne 3 ]']
    effect: read
    until: { every: 50ms, within: 20s, hold: 300ms }
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 0
expect_status t.jsonl soak ok
# poll 3 failed and reset the hold: held_ms is 0 there and counts again from poll 4
expect_jq t.jsonl '[.[] | select(.event=="step.attempt" and .step=="soak")] as $a
  | ($a[2].status == "failed" and $a[2].held_ms == 0 and $a[3].status == "ok" and $a[3].held_ms == 0
     and $a[1].held_ms > 0 and ($a | last | .held_ms >= 300) and ($a[:-1] | map(.held_ms) | max) < 300)' \
  "held_ms per poll, reset by the failing poll"
# the hold had to be earned after the failure: at least 4 more ok polls of 50 ms
expect_jq t.jsonl '[.[] | select(.event=="step.attempt" and .step=="soak")] | length >= 8' "polls after the reset"

# a condition that keeps flapping never holds long enough: the window ends it
cat > flap.yaml <<'Y'
runbook: flap
title: Flapping
steps:
  - id: flap
    exec: [sh, -c, 'n=$(cat f 2>/dev/null || echo 0); n=$((n+1)); echo $n > f; [ $((n % 3)) -ne 0 ]']
    effect: read
    until: { every: 20ms, within: 600ms, hold: 200ms }
Y
rb run flap.yaml --transcript f.jsonl
expect_rc 1
expect_jq f.jsonl '[.[] | select(.event=="step.end" and .step=="flap")][0].error
  | test("^condition did not hold for 200ms within 600ms \\([0-9]+ polls; it held [0-9]+ms at best\\)")' "the message"
expect_jq f.jsonl '[.[] | select(.event=="step.attempt" and .step=="flap") | .held_ms] | max < 200' "never held 200ms"

# a hold that cannot fit in what is left of the window fails at once,
# long before the window closes
cat > late.yaml <<'Y'
runbook: late
title: Too late to hold
steps:
  - id: late
    exec: [sh, -c, 'n=$(cat l 2>/dev/null || echo 0); n=$((n+1)); echo $n > l; [ $n -gt 5 ]']
    effect: read
    until: { every: 500ms, within: 10s, hold: 9s }
Y
rb run late.yaml --transcript l.jsonl
expect_rc 1
expect_jq l.jsonl '[.[] | select(.event=="step.attempt" and .step=="late")] | length <= 2' "out of reach after at most two polls"
expect_jq l.jsonl '[.[] | select(.event=="step.end" and .step=="late")][0] | (.error | test("did not hold for 9s within 10s \\([12] polls; it held 0s at best\\): ")) and .duration_ms < 5000' "fails early"

# hold from an expression: read when the step starts, a bad value fails it
cat > tpl.yaml <<'Y'
runbook: soak-input
title: Soak from an input
inputs:
  soak: { type: string, default: 200ms }
steps:
  - id: soak
    exec: [true]
    effect: read
    until: { every: 20ms, within: 10s, hold: "${{ inputs.soak }}" }
Y
rb run tpl.yaml --transcript tp.jsonl
expect_rc 0
expect_jq tp.jsonl '[.[] | select(.event=="step.attempt" and .step=="soak")] | (last.held_ms >= 200) and (.[:-1] | map(.held_ms) | max) < 200' "templated hold"
rb run tpl.yaml --transcript tq.jsonl --input soak=soon
expect_rc 1
expect_jq tq.jsonl '[.[] | select(.event=="step.end" and .step=="soak")][0].error | test("tpl.yaml:9:.*.hold. must be a duration like 30s, got .soon.")' "a bad templated hold"

# plan shows the hold beside every and within: literal, and from an input
cat > plan.yaml <<'Y'
runbook: soak-plan
title: Soak in the plan
inputs:
  soak: { type: duration, default: 5m }
steps:
  - id: lit
    exec: [true]
    effect: read
    until: { every: 15s, within: 6m, hold: 5m }
  - id: tmpl
    exec: [true]
    effect: read
    until: { every: 15s, within: "${{ inputs.soak + 15s }}", hold: "${{ inputs.soak }}" }
  - id: plain
    exec: [true]
    effect: read
    until: { every: 1s, within: 5s }
Y
rb plan --no-color plan.yaml --input soak=2m
expect_rc 0
expect_out 'until: every 15s within 6m hold 5m$'
expect_out 'until: every 15s within 2m15s hold 2m$'
expect_out 'until: every 1s within 5s$'
