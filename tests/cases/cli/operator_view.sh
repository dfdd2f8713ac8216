# What the operator sees: a log step's text under its line (redacted,
# control characters shown as '?', not for a sensitive step, not with
# --quiet), and why a step was skipped -- its `if` as written and the value
# it had -- on the terminal and in step.end (`skip` is structure: a secret
# that is the same word does not mask it).
export RB_TOK=hunter2-tok
cat > rb.yaml <<'Y'
runbook: operator-view
title: What the operator sees
inputs:
  env: { type: string, default: dev }
  count: { type: int, default: 0 }
  tok: { type: secret, from: env:RB_TOK }
steps:
  - id: note
    log: "deploying to ${{ inputs.env }}"
  - id: multi
    log: "line one\nline two\n"
  - id: secret-note
    log: "token ${{ inputs.tok }} in use"
  - id: hostile
    log: "a\e[2Jb\rc"
  - id: hidden
    log: "never shown ${{ inputs.env }}"
    sensitive: true
  - id: prod-only
    if: ${{ inputs.env == 'prod' }}
    exec: [echo, deploying]
  - id: zero
    if: ${{ inputs.count }}
    exec: [echo, counted]
  - id: secret-cond
    if: ${{ inputs.env == 'hunter2-tok' }}
    exec: [echo, never]
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 0
grep -A1 -E '^  \[ok\] note \(' out | tail -1 | grep -qx '    deploying to dev' || fail "no log text under its line: $(cat out)"
grep -A2 -E '^  \[ok\] multi \(' out | tail -2 | tr '\n' '|' | grep -qx '    line one|    line two|' ||
	fail "multi-line text: $(grep -A3 multi out)"
grep -A3 -E '^  \[ok\] multi \(' out | tail -1 | grep -q '^  \[ok\] secret-note' || fail "an empty line after the text"
expect_out '^    token \*\*\* in use$'
expect_out '^    a\?\[2Jb\?c$'
grep -q $'\033' out && fail "an escape sequence reached the terminal"
expect_no 'never shown'
expect_no hunter2-tok t.jsonl
expect_out "^  \[skipped\] prod-only \([0-9]+m?s\): if: inputs.env == 'prod' -> false$"
expect_out '^  \[skipped\] zero \([0-9]+m?s\): if: inputs.count -> 0$'
expect_out "^  \[skipped\] secret-cond \([0-9]+m?s\): if: inputs.env == '\*\*\*' -> false$"
end() { echo "[.[] | select(.event==\"step.end\" and .step==\"$1\")][0]"; }
expect_jq t.jsonl "$(end note).result.message == \"deploying to dev\""
expect_jq t.jsonl "$(end secret-note).result.message == \"token *** in use\"" "the log text is a value"
expect_jq t.jsonl "$(end prod-only) | .status == \"skipped\" and .skip == \"if\" and .reason == \"if: inputs.env == 'prod' -> false\" and (has(\"error\") | not)"
expect_jq t.jsonl "$(end secret-cond) | .skip == \"if\" and .reason == \"if: inputs.env == '***' -> false\""

# --quiet: neither the text nor the skipped lines
rb run rb.yaml --quiet --transcript q.jsonl
expect_rc 0
expect_no 'deploying to'
expect_no 'prod-only'

# a secret that is the word "if" masks it in the reason, never in `skip`
RB_TOK=if rb run rb.yaml --transcript s.jsonl
expect_rc 0
expect_jq s.jsonl "$(end prod-only) | .skip == \"if\" and (.reason | startswith(\"***: \"))"

# on a terminal: the text under the step's final line, the reason on the skipped line
script -qec "$RUNBOOK run rb.yaml --transcript tty.jsonl" /dev/null > tty.out 2>&1 </dev/null
python3 - tty.out <<'PY' || fail "terminal: $(cat -v tty.out)"
import re, sys
raw = open(sys.argv[1], encoding='utf-8', newline='').read()
# what stays on screen of each line: the part after its last carriage return
lines = [re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', l.rstrip('\r').split('\r')[-1]) for l in raw.split('\n')]
i = next(k for k, l in enumerate(lines) if re.match(r'  ✓ note \(', l))
assert lines[i + 1] == '    deploying to dev', lines[i:i + 2]
assert any(re.match(r"  - prod-only \(\d+m?s\): if: inputs.env == 'prod' -> false$", l) for l in lines), lines
PY
