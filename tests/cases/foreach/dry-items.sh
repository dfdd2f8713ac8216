# A dry run of a for-each whose items come from a would-run step: the
# items are not known, so the step is would-run as a whole and says why
# (its for-each uses that step), instead of failing on an empty list; a
# for-each over items a dry run has (a read that ran) still shows each
# item's would-run action.
cat > rb.yaml <<'Y'
runbook: fe-dry-items
title: Dry run of a for-each over a would-run step's output
owner: platform-operations
steps:
  - id: known
    exec: [sh, -c, 'echo "[\"a\",\"b\"]"']
    effect: read
    outputs: { ids: "${{ fromJSON(result.stdout) }}" }
  - id: each-known
    for-each: "${{ steps.known.outputs.ids }}"
    exec: [touch, "${{ each.item }}"]
    rollback: { exec: [rm, -f, "${{ each.item }}"] }
  - id: listed
    title: "a read after a write: would-run in a dry run"
    exec: [sh, -c, 'echo "[\"c\"]"']
    effect: read
    outputs: { ids: "${{ fromJSON(result.stdout) }}" }
  - id: each-unknown
    for-each: "${{ steps.listed.outputs.ids }}"
    exec: [touch, "${{ each.item }}"]
    rollback: { exec: [rm, -f, "${{ each.item }}"] }
Y
rb check --no-color rb.yaml
expect_rc 0
rb run rb.yaml --dry-run --transcript d.jsonl
expect_rc 0
expect_status d.jsonl listed would-run
expect_status d.jsonl each-unknown would-run
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="each-unknown")][0]
  | .skip == "uses" and .need == "listed" and .need_status == "would-run" and .reason == "its for-each uses '"'listed'"' (would-run)"' "why each-unknown did not run"
expect_jq d.jsonl '[.[] | select(.step=="each-unknown" and .item)] == []' "items of an unknown list"
expect_out "each-unknown .*its for-each uses 'listed' \(would-run\)"
expect_jq d.jsonl '[.[] | select(.event=="step.end" and .step=="each-known" and .item) | .would_run.action] == [["touch","a"],["touch","b"]]' "known items"
[ -e a ] || [ -e c ] && fail "a dry run touched a file"
rb verify d.jsonl --runbook rb.yaml
expect_rc 0
