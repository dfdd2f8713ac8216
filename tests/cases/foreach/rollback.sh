# The rollback of a for-each step: the undo of each completed item, in
# reverse completion order (not list order: items overlap), each with
# its own `each`; a failed item is in doubt like any failed step, its
# check: probe or rollback-on-failure deciding for it alone.
cat > rb.yaml <<'Y'
runbook: fe-rollback
title: Undo a partly done for-each
inputs:
  fail: { type: string, default: none }
  later: { type: bool, default: false }
  t: { type: string }
steps:
  - id: before
    exec: [sh, -c, 'echo before >> undo.txt']
    rollback: { id: undo-before, exec: [sh, -c, 'echo undo-before >> undo.txt'] }
  - id: fleet
    for-each: [a, b, c, d]
    max-concurrency: 2
    max-errors: 1
    # two at a time, each item ending only once the transcript has the end
    # of the one before it in the completion order b, a, c, d
    exec: [sh, -c, 'w=; case $0 in a) w=1;; c) w=0;; d) w=2;; esac;
                    [ -z "$w" ] || until grep -q "\"event\":\"step.end\".*\"item\":{\"index\":$w," "$3"; do sleep 0.01; done;
                    [ $0 = $1 ] && exit 1; echo "$0 $2" >> undo.txt; touch done-$0',
           "${{ each.item }}", "${{ inputs.fail }}", "${{ each.index }}", "${{ inputs.t }}"]
    check: { exec: [test, -e, "done-${{ each.item }}"], effect: read }
    rollback: { id: undo-fleet, exec: [sh, -c, 'echo "undo $0 $1" >> undo.txt', "${{ each.item }}", "${{ each.index }}"] }
  - id: later
    exec: [sh, -c, '[ $0 = false ]', "${{ inputs.later }}"]
    effect: read
Y
rb check --no-color rb.yaml
expect_rc 0
run() {  # run YAML TRANSCRIPT ARGS...: a fresh run
	rm -f undo.txt done-*
	local y=$1 t=$2
	shift 2
	rb run "$y" --input t="$t" --transcript "$t" "$@"
}
# everything done, then a later step fails: every item undone, last done first
run rb.yaml t1.jsonl --input later=true
expect_rc 1
want='before
b 1
a 0
c 2
d 3
undo d 3
undo c 2
undo a 0
undo b 1
undo-before'
[ "$(cat undo.txt)" = "$want" ] || fail "rollback of a done for-each: $(cat undo.txt)"
expect_jq t1.jsonl '[.[] | select(.event=="rollback.start")][0].steps == ["fleet","fleet","fleet","fleet","before"]'
expect_jq t1.jsonl '[.[] | select(.event=="step.start" and .step=="undo-fleet") | .item] == [{"index":3,"value":"d"},{"index":2,"value":"c"},{"index":0,"value":"a"},{"index":1,"value":"b"}]'
rb verify t1.jsonl --runbook rb.yaml
expect_rc 5     # the run failed; its record is right
expect_out 'ok +runbook +rollbacks'

# c fails (tolerated: max-errors 1), d is done, then a later step fails:
# c is in doubt, and its own probe (done-c does not exist) says it did nothing
run rb.yaml t2.jsonl --input fail=c --input later=true
expect_rc 1
[ "$(grep undo undo.txt | tr '\n' ' ')" = "undo d 3 undo a 0 undo b 1 undo-before " ] || fail "with c in doubt: $(tr '\n' ' ' < undo.txt)"
expect_jq t2.jsonl '[.[] | select(.event=="rollback.start")][0].items_in_doubt == [{"step":"fleet","index":2,"undo":"skipped","why":"check: the effect did not happen"}]'
expect_jq t2.jsonl '[.[] | select(.event=="step.check" and .step=="fleet") | .item.index] == [2]' "c's probe did not run for c"
rb verify t2.jsonl --runbook rb.yaml
expect_out 'ok +runbook +rollbacks .*1 left in doubt as rollback.start records'

# the same with rollback-on-failure: c's own undo runs, in its place
sed 's/^    check: .*$/    rollback-on-failure: true/' rb.yaml > rof.yaml
run rof.yaml t3.jsonl --input fail=c --input later=true
expect_rc 1
[ "$(grep undo undo.txt | tr '\n' ' ')" = "undo d 3 undo c 2 undo a 0 undo b 1 undo-before " ] || fail "rollback-on-failure: $(tr '\n' ' ' < undo.txt)"
expect_jq t3.jsonl '[.[] | select(.event=="rollback.start")][0].items_in_doubt == [{"step":"fleet","index":2,"undo":"run","why":"rollback-on-failure: true"}]'
rb verify t3.jsonl --runbook rof.yaml
expect_out 'ok +runbook +rollbacks'

# past max-errors: nothing new starts, the item in flight finishes, what
# was done is undone, the failed item is in doubt
sed 's/max-errors: 1/max-errors: 0/' rb.yaml > strict.yaml
run strict.yaml t4.jsonl --input fail=b
expect_rc 1
expect_status t4.jsonl fleet failed
expect_jq t4.jsonl '[.[] | select(.event=="step.start" and .step=="fleet" and .item) | .item.index] == [0,1]' "an item started after b failed"
[ "$(grep undo undo.txt | tr '\n' ' ')" = "undo a 0 undo-before " ] || fail "past max-errors: $(tr '\n' ' ' < undo.txt)"

# the verifier sees a failed item whose rollback did not run
python3 "$ROOT/tests/lib/rehash.py" t1.jsonl f.jsonl '
it = (e.get("item") or {}).get("index")
if e.get("event") == "step.end" and e.get("step") == "fleet" and it == 0: e["status"] = "failed"
if e.get("step") == "undo-fleet" and it == 0: drop = True'
rb verify f.jsonl --runbook rb.yaml
expect_out 'FAIL +runbook +rollbacks +seq [0-9]+: write step .fleet. \(item 0\) failed and its rollback .undo-fleet. did not run'
