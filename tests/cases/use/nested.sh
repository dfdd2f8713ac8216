# use: fragments use fragments; ids nest ("outer/inner/step"), outputs
# flow up two levels, a failure deep inside rolls everything back, and
# `plan` shows the nesting indented.
mkdir -p lib
cat >lib/inner.yaml <<'Y'
fragment: inner
title: Inner
inputs:
  who: { type: string }
steps:
  - id: hello
    exec: [sh, -c, 'echo "inner $0" >> "$1/log"; echo "hello $0"', "${{ inputs.who }}", "${{ env.PWD }}"]
    outputs: { text: "${{ result.stdout | trim }}" }
    rollback: { exec: [sh, -c, 'echo "undo inner $0" >> "$1/log"', "${{ inputs.who }}", "${{ env.PWD }}"] }
outputs: { greeting: "${{ steps.hello.outputs.text }}" }
Y
cat >lib/outer.yaml <<'Y'
fragment: outer
title: Outer
inputs:
  who: { type: string }
  fail: { type: bool, default: false }
steps:
  - id: call
    use: inner
    with: { who: "${{ inputs.who }}-via-outer" }
  - id: check
    exec: [sh, -c, '[ "$0" = false ]', "${{ inputs.fail }}"]
    effect: read
outputs: { greeting: "${{ steps.call.outputs.greeting }}!" }
Y
cat >main.yaml <<'Y'
runbook: use-nested
title: Nested fragments
inputs:
  fail: { type: bool, default: false }
steps:
  - id: top
    use: lib/outer
    with: { who: ann, fail: "${{ inputs.fail }}" }
  - id: show
    exec: [echo, "${{ steps.top.outputs.greeting }}"]
    effect: read
    expect: { stdout: "hello ann-via-outer!\n" }
Y
rb check --no-color main.yaml lib/outer.yaml lib/inner.yaml
expect_rc 0
rb run main.yaml --transcript t.jsonl
expect_rc 0
for s in top/call/hello top/call top/check top show; do expect_status t.jsonl $s ok; done
[ "$(cat log)" = "inner ann-via-outer" ] || fail "log: $(cat log)"
rm -f log
rb run main.yaml --input fail=true --transcript f.jsonl
expect_rc 1
[ "$(cat log)" = "$(printf 'inner ann-via-outer\nundo inner ann-via-outer')" ] || fail "nested rollback: $(cat log)"
expect_jq f.jsonl '[.[] | select(.event=="step.end" and .phase=="rollback") | .step] == ["top/call/hello-rollback"]'
rb plan --no-color main.yaml
expect_rc 0
expect_out '^  top +use +write +lib/outer$'
expect_out '^      fragment outer \(lib/outer.yaml\)$'
expect_out '^      top/call +use +write +inner$'
expect_out '^          fragment inner \(lib/inner.yaml\)$'
expect_out '^          top/call/hello +exec +write +sh -c .* ann-via-outer '
expect_out '^              undo: top/call/hello-rollback '
rb plan --format json main.yaml
expect_rc 0
jq -e '[.steps[] | .id] == ["top", "top/call", "top/call/hello", "top/call/hello-rollback", "top/check", "show"]
	and (.steps[] | select(.id == "top/call/hello-rollback") | .undoes == "top/call/hello")
	and (.steps[] | select(.id == "top") | .fragment == "outer")' out >/dev/null || fail "plan json: $(cat out)"
