# --approve park:FILE: a step FILE does not answer yet stops the run (exit 8,
# approve.wait, no step.end, no rollback, no run.end); once FILE answers,
# `runbook resume --approve park:FILE` asks it again and goes on.
cat > rb.yaml <<'Y'
runbook: parked
title: Parked approval
steps:
  - id: first
    exec: [sh, -c, 'echo x >> first.log']
    rollback:
      exec: [sh, -c, 'echo x >> undone.log']
  - id: go-ahead
    approve: "Restart production?"
  - id: last
    exec: [sh, -c, 'echo x >> last.log']
Y
rb run rb.yaml --transcript t.jsonl --approve park:answers.yaml
expect_rc 8
expect_out 'waiting'
[ ! -e last.log ] || fail "the step after the approval ran"
[ ! -e undone.log ] || fail "a parked run rolled back"
[ ! -e answers.yaml ] || fail "the run wrote the answers file"
expect_jq t.jsonl '[.[] | select(.event=="approve.wait")] | length == 1 and .[0].step == "go-ahead" and .[0].kind == "approve" and .[0].question == "Restart production?"'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="go-ahead")] | length == 0'
expect_jq t.jsonl '[.[] | select(.event=="run.end" or .event=="rollback.start")] | length == 0'
# still no answer: it waits again, nothing more runs
rb resume t.jsonl --approve park:answers.yaml
expect_rc 8
expect_jq t.jsonl '[.[] | select(.event=="approve.wait")] | length == 2'
[ "$(wc -l < first.log)" -eq 1 ] || fail "first ran again"
# answered: it goes on, the approval asked again without --in-doubt
printf 'go-ahead: { approved: true, comment: "green", by: bob }\n' > answers.yaml
chmod 600 answers.yaml
rb resume t.jsonl --approve park:answers.yaml
expect_rc 0
[ "$(wc -l < first.log)" -eq 1 ] || fail "first ran again"
[ "$(wc -l < last.log)" -eq 1 ] || fail "last did not run once"
expect_jq t.jsonl '[.[] | select(.event=="approve")][0] | .approved == true and .by == "bob" and .comment == "green" and .mode == "file"'
expect_jq t.jsonl '[.[] | select(.event=="step.in-doubt" and .step=="go-ahead")][-1].decision == "rerun"'
expect_jq t.jsonl '[.[] | select(.event=="run.end")][0].status == "ok"'
rb verify t.jsonl
expect_rc 0
# rejected: the step fails as without park, and the rollback runs
rm -f first.log last.log answers.yaml
rb run rb.yaml --transcript no.jsonl --approve park:answers.yaml
expect_rc 8
printf 'go-ahead: no\n' > answers.yaml
chmod 600 answers.yaml
rb resume no.jsonl --approve park:answers.yaml
expect_rc 1
[ -e undone.log ] || fail "the rollback of first did not run"
[ ! -e last.log ] || fail "last ran after a no"
expect_jq no.jsonl '[.[] | select(.event=="run.end")][0].status == "failed"'
