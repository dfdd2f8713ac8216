# What a for-each step gives and records: an object's items (each.key,
# each.value, each.item = {key, value}), an empty list (ok, zero items), a
# value that is neither (the step fails with its type), `if` per item,
# steps.<id>.items / outputs / result, `item` on the events with its value
# redacted, a dry run (each write item would-run, rendered), the report's
# item rows, and plan's static items.
export FE_TOKEN=s3cr3t-t0ken-value
cat > items.yaml <<'Y'
runbook: fe-items
title: What for-each gives
inputs:
  replicas: { type: string, default: '{"web": 3, "api": 2, "db": 0}' }
  tok: { type: secret, from: env:FE_TOKEN }
steps:
  - id: obj
    for-each: "${{ json(inputs.replicas) }}"
    if: "${{ each.value > 0 }}"
    exec: [sh, -c, 'echo "$0=$1 ($2)"', "${{ each.key }}", "${{ each.value }}", "${{ each.item.key }}"]
    effect: read
    expect: { stdout: { matches: '^[a-z]+=[0-9]' } }
    outputs: { line: "${{ result.stdout | trim }}", idx: "${{ each.index }}" }
  - id: empty
    for-each: []
    exec: [sh, -c, 'echo never >> never']
  - id: secret-items
    for-each: ["${{ inputs.tok }}", plain]
    log: "item ${{ each.index }}"
  - id: report
    log: "${{ steps.obj.outputs.line }} ${{ steps.obj.items[2].status }} ${{ steps.obj.result.skipped }} ${{ steps.empty.status }} ${{ steps.empty.result.count }} ${{ steps.obj.outputs.idx }}"
  - id: not-a-list
    for-each: "${{ inputs.replicas }}"
    log: never
Y
rb check --no-color items.yaml
expect_rc 0
rb run items.yaml --transcript t.jsonl
expect_rc 1
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="report")][0].result.message == "[\"web=3 (web)\",\"api=2 (api)\",null] skipped 1 ok 0 [0,1,null]"'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="obj" and .item) | [.item.value.key, .status]] == [["web","ok"],["api","ok"],["db","skipped"]]'
expect_status t.jsonl empty ok
[ -e never ] && fail "an item of the empty list ran"
expect_jq t.jsonl '[.[] | select(.step=="empty" and .item)] == []'
expect_status t.jsonl not-a-list failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="not-a-list")][0].error | test("items.yaml:[0-9]+:[0-9]+: for-each: the items must be a list or an object, got string")'
# the item's value is data: the secret is masked, the index is not
grep -q s3cr3t t.jsonl && fail "the secret item reached the transcript"
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="secret-items" and .item) | .item] == [{"index":0,"value":"***"},{"index":1,"value":"plain"}]'
rb verify t.jsonl --runbook items.yaml
expect_out 'ok +runbook +items +4 for-each steps: 5 items started once each'

# the report: one row per item, named <id>[<index>], its value beside it
rb report t.jsonl
expect_out '^\| steps \| obj\\\[1\\\] \| \{"key":"api","value":2\} \| read \| ok \|'
expect_out '^\| steps \| secret-items\\\[0\\\] \| "\\\*\\\*\\\*" \|'
grep -q s3cr3t out && fail "the report shows the secret"

# a dry run: each write item is would-run with its own rendered action
cat > dry.yaml <<'Y'
runbook: fe-dry
title: Dry run of a for-each
steps:
  - id: restart
    for-each: [web, api]
    exec: [systemctl, restart, "${{ each.item }}"]
Y
rb run dry.yaml --dry-run --transcript d.jsonl
expect_rc 0
expect_status d.jsonl restart would-run
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="restart" and .item) | .would_run.action] == [["systemctl","restart","web"],["systemctl","restart","api"]]'
expect_out 'would-run.*restart\[1\]|restart\[1\].*would-run'

# plan: the items of a literal list or of inputs, each with its action;
# a list known only at run time shows its template
cat > plan.yaml <<'Y'
runbook: fe-plan
title: Plan of a for-each
inputs:
  hosts: { type: list, default: [h1, h2, h3] }
  tok: { type: secret, from: env:FE_TOKEN }
steps:
  - id: lit
    for-each: [a, b]
    exec: [echo, "${{ each.item }}-${{ each.index }}"]
  - id: from-input
    for-each: "${{ inputs.hosts }}"
    max-concurrency: 50%
    exec: [ssh, "${{ each.item }}", uptime]
    effect: read
    outputs: { x: "${{ result.stdout }}" }
  - id: runtime
    for-each: "${{ steps.from-input.outputs.x }}"
    log: "${{ each.item }}"
  - id: secret
    for-each: ["${{ inputs.tok }}"]
    log: "t=${{ each.item }}"
Y
rb plan plan.yaml
expect_rc 0
expect_out 'for-each: 2 items \(max-concurrency 1, max-errors 0\)'
expect_out '\[0\] "a": echo a-0'
expect_out '\[1\] "b": echo b-1'
expect_out 'for-each: 3 items \(max-concurrency 50% = 2, max-errors 0\)'
expect_out '\[2\] "h3": ssh h3 uptime'
expect_out 'for-each: \$\{\{ steps.from-input.outputs.x \}\} \(known at run time'
expect_out '\[0\] "\*\*\*": t=\*\*\*'
grep -q s3cr3t out && fail "plan shows the secret"
rb plan plan.yaml --format json --input hosts=x,y
expect_rc 0
jq -e '.steps[1].for_each == {"max_concurrency":"50% = 1","max_errors":"0","items":[{"index":0,"item":"x","action":"ssh x uptime"},{"index":1,"item":"y","action":"ssh y uptime"}]}' out >/dev/null ||
	fail "plan --format json: $(jq -c '.steps[1].for_each' out)"
jq -e '.steps[2].for_each.template == "${{ steps.from-input.outputs.x }}"' out >/dev/null || fail "plan json template"
