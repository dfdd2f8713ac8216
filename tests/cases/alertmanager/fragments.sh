# The alertmanager fragments check clean (no error, no warning), and a
# plan of a runbook using each shows the silence as the only write (its
# create and its expire), the others as reads.
rb check --no-color "$ROOT/stdlib/alertmanager"
expect_rc 0
expect_err '^4 files checked: 0 errors, 0 warnings$'

# effects: the plan of a runbook using every fragment shows the silence
# as the only write (its rollback too), the others as reads
cat >all.yaml <<'Y'
runbook: am-all
title: Every alertmanager fragment
owner: test
steps:
  - { id: healthy, use: stdlib/alertmanager/healthy, with: { url: "http://127.0.0.1:1" } }
  - { id: firing, use: stdlib/alertmanager/alert-firing, with: { url: "http://127.0.0.1:1", alertname: A } }
  - { id: cleared, use: stdlib/alertmanager/alert-cleared, with: { url: "http://127.0.0.1:1", alertname: A } }
  - id: silence
    use: stdlib/alertmanager/silence
    with: { url: "http://127.0.0.1:1", alertname: A, comment: test }
Y
rb check --no-color all.yaml
expect_rc 0
expect_err '0 errors, 0 warnings'
rb plan --no-color all.yaml
expect_rc 0
expect_out '^  healthy +use +read '
expect_out '^  firing +use +read '
expect_out '^  cleared +use +read '
expect_out '^  silence +use +write '
expect_out '^      silence/create +http +write '
expect_out 'undo: silence/expire +http +write '
[ "$(grep -cE ' write  ' out)" -eq 3 ] || fail "writes in the plan: $(grep -E ' write  ' out)"
expect_out '^1 write step'
