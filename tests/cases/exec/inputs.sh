# Bad inputs: a clear message and exit 2, nothing run.
cat > rb.yaml <<'Y'
runbook: inputs
title: Typed inputs
inputs:
  ns: { type: string, pattern: '^[a-z0-9-]+$' }
  n: { type: int, default: 3 }
  wait: { type: duration, default: 5s }
  env: { type: enum, values: [dev, prod], default: dev }
  flag: { type: bool, default: false }
steps:
  - id: show
    exec: [sh, -c, 'echo "$NS $N $W $E $F" > shown']
    env: { NS: "${{ inputs.ns }}", N: "${{ inputs.n + 1 }}", W: "${{ inputs.wait }}", E: "${{ inputs.env }}", F: "${{ inputs.flag }}" }
Y
rb run rb.yaml --transcript a.jsonl --input ns=web-1 --input n=41 --input env=prod --input flag=true --input wait=1m30s
expect_rc 0
[ "$(cat shown)" = "web-1 42 1m30s prod true" ] || fail "inputs: $(cat shown)"
rm -f shown
for bad in "ns=Web_1" "n=4.5" "n=x" "env=staging" "wait=soon" "flag=maybe" "nosuch=1"; do
	rb run rb.yaml --transcript "b-${bad%%=*}.jsonl" --input ns=ok $( [ "${bad%%=*}" = ns ] && echo "--input $bad" || echo "--input $bad")
	expect_rc 2
	[ -s err ] || fail "no message for $bad"
	[ ! -e shown ] || fail "ran with bad input $bad"
done
rb run rb.yaml --transcript c.jsonl
expect_rc 2
expect_err "input 'ns' is required"
printf 'ns: from-file\nn: 7\n' > in.yaml
rb run rb.yaml --transcript d.jsonl --inputs in.yaml
expect_rc 0
[ "$(cat shown)" = "from-file 8 5s dev false" ] || fail "inputs file: $(cat shown)"
# an inputs file is data: a ${{ }} inside it is text, never evaluated
cat > data.yaml <<'Y'
runbook: inputs-data
title: Inputs files are data
inputs:
  items: { type: list }
  note: { type: string }
steps:
  - id: show
    exec: [sh, -c, 'printf "%s|%s" "$I" "$N" > shown2']
    env: { I: "${{ join(inputs.items, ',') }}", N: "${{ inputs.note }}" }
Y
printf 'items: [a, "${{ env.HOME }}"]\nnote: "${{ 6 * 7 }}"\n' > data-in.yaml
rb run data.yaml --transcript e.jsonl --inputs data-in.yaml
expect_rc 0
[ "$(cat shown2)" = 'a,${{ env.HOME }}|${{ 6 * 7 }}' ] || fail "an inputs file was evaluated: $(cat shown2)"
