# use: a runbook calls a local fragment and a stdlib fragment; the
# fragment's steps run for real as sub-steps "<use>/<step>" in the using
# step's phase, `with:` values are typed, and the fragment's outputs come
# back as the using step's result and outputs.
mkdir -p frags
cat >frags/write-two.yaml <<'Y'
fragment: write-two
title: Write two files
inputs:
  dir: { type: string }
  count: { type: int, default: 2 }
  mode: { type: enum, values: [fast, slow], default: fast }
steps:
  - id: first
    exec: [sh, -c, 'echo "first $1" >> "$0/log"; touch "$0/one"', "${{ inputs.dir }}", "${{ inputs.mode }}"]
    rollback: { exec: [rm, "${{ inputs.dir }}/one"] }
  - id: second
    exec: [sh, -c, 'echo "second $1" >> "$0/log"; echo "counted $1"', "${{ inputs.dir }}", "${{ inputs.count }}"]
    expect: { stdout: { matches: '^counted [0-9]+$' } }
    outputs: { said: "${{ result.stdout | trim }}" }
    rollback: { exec: [sh, -c, 'echo "undo second" >> "$0/log"', "${{ inputs.dir }}"] }
outputs:
  said: "${{ steps.second.outputs.said }}"
  doubled: "${{ inputs.count * 2 }}"
Y
cat >main.yaml <<Y
runbook: use-run
title: Use a local and a stdlib fragment
inputs:
  dir: { type: string, default: "$T/work" }
  n: { type: string, default: "7" }
checks:
  - id: api
    use: stdlib/http/health
    with: { url: "$RB_TEST_HTTP/health" }
steps:
  - id: prep
    exec: [mkdir, -p, "\${{ inputs.dir }}"]
    rollback: { exec: [rmdir, "\${{ inputs.dir }}"] }
  - id: two
    use: frags/write-two
    with: { dir: "\${{ inputs.dir }}", count: "\${{ inputs.n }}", mode: slow }
  - id: after
    exec: [echo, "\${{ steps.two.outputs.said }}/\${{ steps.two.result.doubled }}/\${{ steps.api.outputs.body_status }}"]
    effect: read
    expect: { stdout: "counted 7/14/ok\n" }
Y
rb check --no-color main.yaml
expect_rc 0
rb run main.yaml --transcript t.jsonl
expect_rc 0
[ "$(cat work/log)" = "$(printf 'first slow\nsecond 7')" ] || fail "log: $(cat work/log)"
for s in api/get-health api two/first two/second two after; do expect_status t.jsonl $s ok; done
# sub-steps carry the using step's phase; `with:` was typed (count: "7" -> 7)
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="api/get-health")][0].phase == "checks"'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="two/second")][0].phase == "steps"'
expect_jq t.jsonl '[.[] | select(.event=="fragment.start" and .step=="two")][0]
	| .fragment == "write-two" and .inputs == {dir: "'"$T"'/work", count: 7, mode: "slow"}'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="two")][0]
	| .result == {said: "counted 7", doubled: 14} and .outputs.said == "counted 7"'
# the events of a sub-step come between the using step's start and end
expect_jq t.jsonl '(map(.step) | index("two")) < (map(.step) | index("two/first"))
	and ([.[] | select(.event=="step.end")] | map(.step) | index("two/second")) <
	    ([.[] | select(.event=="step.end")] | map(.step) | index("two"))'
# the transcript matches the runbook, fragment steps included
rb verify t.jsonl --runbook main.yaml
expect_rc 0
expect_out 'runbook +steps +every step'

# a `with:` value of the wrong type found only at run time fails the using step
sed 's/count: "${{ inputs.n }}"/count: "${{ inputs.dir }}"/' main.yaml >badcount.yaml
grep -q 'count: "${{ inputs.dir }}"' badcount.yaml || fail "sed did not apply"
rm -rf work
rb run badcount.yaml --transcript b.jsonl
expect_rc 1
expect_status b.jsonl two failed
expect_jq b.jsonl '[.[] | select(.event=="step.end" and .step=="two")][0].error | test("fragment .write-two.: input .count. must be of type int")'
[ -e work ] && fail "prep was not rolled back"
true
