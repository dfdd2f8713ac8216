# for-each with fleet semantics: max-concurrency 3 over 10 items, 2 of
# which fail, with max-errors 1.  The items talk to a barrier
# (tests/lib/barrier.py) that holds them and lets the oldest go only
# when 3 are held at once, so what the interpreter lets run at once is
# seen, not timed: at most 3 in flight at every moment (and 3 reached),
# the items start in order (step.start), none starts after the 2nd failure, the ones
# in flight finish, and the step fails.
B=$ROOT/tests/lib/barrier.py
cat > fleet.yaml <<Y
runbook: fleet
title: Fleet rate control
inputs:
  hosts:
    type: list
    default: [h0, h1, h2, h3, h4, h5, h6, h7, h8, h9]
steps:
  - id: fleet
    for-each: "\${{ inputs.hosts }}"
    max-concurrency: 3
    max-errors: 1
    timeout: 60s
    exec: [python3, "$B", wait, "$T/b.sock", "\${{ each.index }}",
           "\${{ each.item == 'h2' || each.item == 'h5' ? 1 : 0 }}"]
    effect: read
    outputs: { host: "\${{ each.item }}" }
    on-failure: continue
  - id: after
    log: "\${{ steps.fleet.status }} \${{ steps.fleet.result.failed }} \${{ steps.fleet.items[7].status }} \${{ steps.fleet.items[8].status }} \${{ steps.fleet.outputs.host }}"
Y
python3 "$B" serve "$T/b.sock" barrier.log 3 2,5 1 "$T/t.jsonl" &
srv=$!
wait_for test -S b.sock
rb run fleet.yaml --transcript t.jsonl
kill $srv; wait $srv 2>/dev/null
expect_rc 0
cat barrier.log >&2
grep -q '^late' barrier.log && fail "an item started after the 2nd failure: $(grep late barrier.log)"
[ "$(grep '^max' barrier.log)" = "max 3" ] || fail "in flight at once: $(grep '^max' barrier.log), want 3"
[ "$(grep -c '^start' barrier.log)" = 8 ] || fail "items started: $(grep -c '^start' barrier.log), want 8"
expect_status t.jsonl fleet failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="fleet" and .item == null)][0].error == "2 of 10 items failed (max-errors 1); the rest did not start"'
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="fleet" and .item) | .item.index] == [0,1,2,3,4,5,6,7]' "item starts"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="fleet" and .item and .status=="failed") | .item.index] == [2,5]'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="fleet" and .item == null)][0] | .items == 10 and .max_concurrency == 3 and .max_errors == 1 and .result.not_run == 2'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="after")][0].result.message == "failed 2 ok not-run [\"h0\",\"h1\",null,\"h3\",\"h4\",null,\"h6\",\"h7\",null,null]"'
rb verify t.jsonl --runbook fleet.yaml
expect_out 'ok +runbook +items +1 for-each step: 8 items started once each, in order, within max-concurrency \(at most 3 at once\)'

# the same items one at a time (the default): they start in order, one by one
cat > one.yaml <<'Y'
runbook: one-at-a-time
title: The default is one item at a time
steps:
  - id: each
    for-each: [a, b, c, d]
    exec: [sh, -c, 'ls running-* 2>/dev/null | wc -l >> seen; touch running-$0; rm running-$0', "${{ each.item }}"]
    effect: read
Y
rb run one.yaml --transcript one.jsonl
expect_rc 0
[ "$(sort -u seen)" = 0 ] || fail "items overlapped with the default max-concurrency: $(cat seen)"

# percentages are of the item count, rounded up: 25% of 10 is 3, 10% of 10 is 1
sed -e 's/max-concurrency: 3/max-concurrency: 25%/' -e 's/max-errors: 1/max-errors: "10%"/' fleet.yaml > pct.yaml
rm -f b.sock barrier.log
python3 "$B" serve "$T/b.sock" barrier.log 3 2,5 1 "$T/p.jsonl" &
srv=$!
wait_for test -S b.sock
rb run pct.yaml --transcript p.jsonl
kill $srv; wait $srv 2>/dev/null
expect_rc 0
[ "$(grep '^max' barrier.log)" = "max 3" ] || fail "25% of 10: $(grep '^max' barrier.log)"
grep -q '^late' barrier.log && fail "10% of 10 items: an item started after the 2nd failure"
expect_jq p.jsonl '[.[] | select(.event=="step.end" and .step=="fleet" and .item == null)][0] | .max_concurrency == 3 and .max_errors == 1'
