# A dry run killed after a would-run write, then resumed: the read step
# that needs the write is still would-run (the resumed run knows the
# write's effect is not there), and the one that does not need it runs.
cat > rb.yaml <<'Y'
runbook: dry-resume
title: A resumed dry run
steps:
  - id: change
    exec: [sh, -c, 'echo change >> ran']
    rollback: { exec: ["true"] }
  - id: status
    exec: [sh, -c, 'echo status >> ran']
    effect: read
  - id: other
    needs: []
    exec: [sh, -c, 'echo other >> ran']
    effect: read
Y
rb run rb.yaml --dry-run --transcript full.jsonl
expect_rc 0
expect_status full.jsonl status would-run
n=$(jq -s '[.[] | .event=="step.end" and .step=="change"] | index(true) + 1' full.jsonl)
rm -f ran
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run rb.yaml --dry-run --transcript t.jsonl >out 2>err || RC=$?
[ $RC -eq 137 ] || fail "crash: exit $RC"
expect_status t.jsonl change would-run
rb resume t.jsonl
expect_rc 0
expect_status t.jsonl status would-run
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="status")][0] | .skip == "needs" and .need == "change"'
expect_status t.jsonl other ok
[ "$(cat ran)" = other ] || fail "what ran: $(cat ran)"
