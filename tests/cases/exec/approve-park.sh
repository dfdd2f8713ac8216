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

# a manual step parks the same way; its secret field, answered later in
# FILE (as JSON, as serve writes it), is masked everywhere
SECRET=qZ81-parked-XPLUM-secret
cat > man.yaml <<'Y'
runbook: parked-manual
title: Parked manual step
steps:
  - id: gen-key
    manual: "Generate a key in the portal, then enter it."
    fields:
      key: { type: secret }
      count: { type: int, min: 1, max: 9 }
  - id: use
    effect: read
    exec: [sh, -c, 'echo "key=$K n=$N"']
    env: { K: "${{ steps.gen-key.result.fields.key }}", N: "${{ steps.gen-key.result.fields.count }}" }
Y
rm -f man-answers.yaml
rb run man.yaml --transcript man.jsonl --approve park:man-answers.yaml
expect_rc 8
expect_jq man.jsonl '[.[] | select(.event=="approve.wait")][0] | .kind == "manual" and .fields == ["key", "count"] and (.instructions | test("portal"))'
printf '{"gen-key": {"confirmed": true, "by": "api", "fields": {"key": "%s", "count": 3}}}\n' "$SECRET" > man-answers.yaml
chmod 600 man-answers.yaml
rb resume man.jsonl --approve park:man-answers.yaml
expect_rc 0
expect_jq man.jsonl '[.[] | select(.event=="manual")][0] | .confirmed == true and .fields.key == "***" and .fields.count == 3'
expect_jq man.jsonl '[.[] | select(.event=="step.end" and .step=="use")][0].result.stdout | test("key=\\*\\*\\* n=3")'
expect_no "$SECRET" man.jsonl
