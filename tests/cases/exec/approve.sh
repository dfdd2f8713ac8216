# approve: TTY prompt, --approve auto, an answers file, and no TTY at all.
cat > rb.yaml <<'Y'
runbook: approvals
title: Approvals
steps:
  - id: go-ahead
    approve: "Restart production?"
  - id: act
    exec: [touch, acted]
Y
rb run rb.yaml --transcript none.jsonl
expect_rc 1
expect_out 'no terminal'
[ ! -e acted ] || fail "acted without approval"
rb run rb.yaml --transcript auto.jsonl --approve auto --operator alice@ops
expect_rc 0
expect_jq auto.jsonl '[.[] | select(.event=="approve")][0] | .approved == true and .mode == "auto" and .by == "alice@ops" and (.answered_at | length) > 0'
rm -f acted
printf 'go-ahead: { approved: false, comment: "not during peak", by: bob }\n' > no.yaml
rb run rb.yaml --transcript no.jsonl --approve no.yaml
expect_rc 1
[ ! -e acted ] || fail "acted although the answer was no"
expect_jq no.jsonl '[.[] | select(.event=="approve")][0] | .approved == false and .comment == "not during peak" and .by == "bob" and .mode == "file"'
printf 'go-ahead: yes\n' > yes.yaml
rb run rb.yaml --transcript yes.jsonl --approve yes.yaml
expect_rc 0
# on a terminal: answered at the prompt, with a comment
rm -f acted
printf 'y, dashboards are green\n' | script -qec "$RUNBOOK run rb.yaml --transcript tty.jsonl --operator carol" /dev/null > tty.out 2>&1
[ -e acted ] || { cat tty.out; fail "not approved on the TTY"; }
grep -q 'Restart production?' tty.out || fail "the question was not shown"
expect_jq tty.jsonl '[.[] | select(.event=="approve")][0] | .approved == true and .mode == "tty" and .comment == "dashboards are green" and .by == "carol"'
