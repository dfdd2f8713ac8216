# timeout, wait, retry and until from ${{ }}: rendered when the step
# starts (from inputs and an earlier step's outputs); a bad value fails
# the step with the value and the template's position, a secret's value
# masked; plan shows the rendered durations.
cat >rb.yaml <<'Y'
runbook: templated-durations
title: Durations and counts from expressions
owner: platform
inputs:
  t: { type: string, default: 10m }
  w: { type: duration, default: 300ms }
  n: { type: int, default: 3 }
steps:
  - id: cfg
    exec: [echo, "60ms"]
    effect: read
    outputs: { every: "${{ result.stdout | trim }}" }
  - id: slow
    exec: [sleep, "5"]
    effect: read
    timeout: "${{ inputs.t }}"
    on-failure: continue
  - id: pause
    wait: "${{ inputs.w }}"
  - id: tries
    exec: [sh, -c, 'n=$(cat tries 2>/dev/null || echo 0); echo $((n+1)) > tries; [ $n -ge 2 ]']
    effect: read
    retry: { attempts: "${{ inputs.n }}", delay: "${{ inputs.n * 10 }}ms", max-delay: 1s }
  - id: polls
    exec: [sh, -c, 'n=$(cat polls 2>/dev/null || echo 0); echo $((n+1)) > polls; [ $n -ge 2 ]']
    effect: read
    until: { every: "${{ steps.cfg.outputs.every }}", within: "${{ inputs.w * 10 }}" }
Y
rb check --no-color rb.yaml
expect_rc 0
rb run rb.yaml --input t=200ms --transcript t.jsonl
expect_rc 0
end() { echo "[.[] | select(.event==\"step.end\" and .step==\"$1\")][0]"; }
expect_status t.jsonl slow failed
expect_jq t.jsonl "$(end slow) | .error == \"timed out after 200ms\" and .duration_ms < 4000" "timeout 200ms from an input"
ms='test("^[0-9]+ms$") and (rtrimstr("ms") | tonumber)'
expect_jq t.jsonl "$(end pause) | .status == \"ok\" and (.result.duration | $ms >= 300)" "wait from an input"
expect_jq t.jsonl "$(end tries) | .status == \"ok\" and .attempts == 3" "retry.attempts from an input"
expect_jq t.jsonl "[.[] | select(.event==\"step.attempt\" and .step==\"polls\")] | length == 3 and (.[1].mono - .[0].mono) >= 60" \
	"until.every from an output"
# another value: another wait, and a count the run honours
rm -f tries polls
rb run rb.yaml --input t=200ms --input w=20ms --input n=1 --transcript t2.jsonl
expect_rc 1
expect_jq t2.jsonl "$(end pause).result.duration | $ms >= 20 and $ms < 300"
expect_jq t2.jsonl "$(end tries) | .status == \"failed\" and .attempts == 1"
# plan renders what it can
rb plan rb.yaml --input w=2s --input n=4
expect_rc 0
expect_out 'until: every \$\{\{ steps.cfg.outputs.every \}\} within 20s'
expect_out 'retry: 4 attempts'
rb plan --format json rb.yaml --input t=90s
expect_jq out '.[0].steps[] | select(.id == "slow") | .timeout == "1m30s"' "plan --format json: the rendered timeout"

# bad values: the step fails, naming the value and where the template is
export BAD_SECRET=hunter2-not-a-duration
cat >bad.yaml <<'Y'
runbook: templated-bad
title: Bad durations from expressions
owner: platform
inputs:
  v: { type: string, default: soon }
  s: { type: secret, from: env:BAD_SECRET }
steps:
  - { id: t, log: x, timeout: "${{ inputs.v }}", on-failure: continue }
  - { id: w, wait: "${{ inputs.v }}", on-failure: continue }
  - { id: a, log: x, retry: { attempts: "${{ inputs.v }}" }, on-failure: continue }
  - { id: z, log: x, retry: { attempts: "${{ 0 }}" }, on-failure: continue }
  - { id: u, log: x, until: { every: 1s, within: "${{ inputs.v }}" }, expect: { message: x }, on-failure: continue }
  - { id: n, log: x, timeout: "${{ 5 }}", on-failure: continue }
  - { id: neg, log: x, timeout: "${{ duration('1s') - duration('2s') }}", on-failure: continue }
  - { id: sec, log: x, timeout: "${{ inputs.s }}", on-failure: continue }
Y
rb check --no-color bad.yaml
expect_rc 0
rb run bad.yaml --transcript b.jsonl
expect_rc 0
err() { jq -r -s --arg s "$1" '[.[] | select(.event=="step.end" and .step==$s)][0] | .status + " " + .error' b.jsonl; }
[ "$(err t)" = "failed bad.yaml:8:31: 'timeout' must be a duration like 30s, got \"soon\"" ] || fail "t: $(err t)"
[ "$(err w)" = "failed bad.yaml:9:20: 'wait' must be a duration like 30s, got \"soon\"" ] || fail "w: $(err w)"
[ "$(err a)" = "failed bad.yaml:10:41: 'attempts' must be an int from 1 to 1000, got \"soon\"" ] || fail "a: $(err a)"
[ "$(err z)" = "failed bad.yaml:11:41: 'attempts' must be an int from 1 to 1000, got 0" ] || fail "z: $(err z)"
[ "$(err u)" = "failed bad.yaml:12:50: 'within' must be a duration like 30s, got \"soon\"" ] || fail "u: $(err u)"
[ "$(err n)" = "failed bad.yaml:13:31: 'timeout' must be a duration like 30s, got 5" ] || fail "n: $(err n)"
[ "$(err neg)" = "failed bad.yaml:14:33: 'timeout' must be a duration like 30s, got \"-1s\"" ] || fail "neg: $(err neg)"
[ "$(err sec)" = "failed bad.yaml:15:33: 'timeout' must be a duration like 30s, got \"***\"" ] || fail "sec: $(err sec)"
expect_jq b.jsonl '[.[] | select(.event=="step.attempt" and (.step=="t" or .step=="a" or .step=="u"))] | length == 0' \
	"a step with a bad duration does not run"
expect_no hunter2 b.jsonl
