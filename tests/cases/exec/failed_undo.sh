# A failed step is in doubt, like one a crash interrupted: its own undo
# runs only when its check: probe says the effect happened, or when it
# says rollback-on-failure: true -- never for a failed sql statement, which
# the database already rolled back.  The completed write steps before it
# are undone as always, and rollback.start records why the failed step's
# undo ran or not.  on-failure: abort wins over rollback: always.
gen() {  # gen MODE: plain | check | rof
cat <<Y
runbook: failed-undo
title: A failed step is in doubt
owner: platform-operations
inputs:
  applied: { type: bool, default: false }
steps:
  - id: before
    exec: [sh, -c, 'echo before >> log']
    rollback: { id: undo-before, exec: [sh, -c, 'echo undo-before >> log'] }
  - id: change
    exec: [sh, -c, 'echo change >> log; [ "\$A" = true ] && touch applied; exit 3']
    env: { A: "\${{ inputs.applied }}" }
Y
case $1 in
check) printf '    check: { exec: [test, -e, applied], effect: read }\n' ;;
rof) printf '    rollback-on-failure: true\n' ;;
esac
cat <<'Y'
    rollback: { id: undo-change, exec: [sh, -c, 'echo undo-change >> log; rm -f applied'] }
Y
}

# no check, no rollback-on-failure: only the completed step is undone
gen plain >plain.yaml
rb run plain.yaml --transcript p.jsonl --input applied=true
expect_rc 1
[ "$(tr '\n' ' ' <log)" = "before change undo-before " ] || fail "plain: $(cat log)"
expect_jq p.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step == "change" and .failed_step_undo == "skipped" and (.failed_step_why | contains("in doubt")) and .steps == ["before"]'
expect_out 'change: its own undo does not run'
rb verify p.jsonl --runbook plain.yaml
expect_out 'ok +runbook +rollbacks +1 failed write step: 0 rolled back, 0 not rolled back as run.end says \(rollback complete\), 1 left in doubt'

# check: the probe decides, both ways
gen check >check.yaml
rm -f log applied
rb run check.yaml --transcript c1.jsonl --input applied=true
expect_rc 1
[ "$(tr '\n' ' ' <log)" = "before change undo-change undo-before " ] || fail "check says applied: $(cat log)"
[ -e applied ] && fail "the undo did not run"
expect_jq c1.jsonl '[.[] | select(.event=="step.check" and .step=="change")][0].status == "ok"' "the probe is recorded"
expect_jq c1.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step_undo == "run" and .failed_step_why == "check: the effect happened"'
rb verify c1.jsonl --runbook check.yaml
expect_out 'ok +runbook +rollbacks +1 failed write step: 1 rolled back'
rm -f log applied
rb run check.yaml --transcript c2.jsonl --input applied=false
expect_rc 1
[ "$(tr '\n' ' ' <log)" = "before change undo-before " ] || fail "check says not applied: $(cat log)"
expect_jq c2.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step_undo == "skipped" and .failed_step_why == "check: the effect did not happen"'

# rollback-on-failure: true: a command known to half-apply is undone
gen rof >rof.yaml
rm -f log applied
rb run rof.yaml --transcript r.jsonl
expect_rc 1
[ "$(tr '\n' ' ' <log)" = "before change undo-change undo-before " ] || fail "rollback-on-failure: $(cat log)"
expect_jq r.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step_undo == "run" and .failed_step_why == "rollback-on-failure: true" and .steps == ["change","before"]'

# sql: a failed statement is never undone, whatever its check says
tbl="case_undo_$$"
cat >sql.yaml <<Y
runbook: failed-sql
title: A failed sql statement
connections:
  db: { postgres: "$RB_TEST_PG_DSN" }
steps:
  - id: create
    sql: { connection: db, query: "CREATE TABLE $tbl (id int PRIMARY KEY)" }
    rollback: { sql: { connection: db, query: "DROP TABLE $tbl" } }
  - id: insert
    sql: { connection: db, query: "INSERT INTO $tbl VALUES (1), (1)" }
    check: { exec: ["true"], effect: read }
    rollback: { id: undo-insert, sql: { connection: db, query: "DELETE FROM $tbl" } }
Y
rb run sql.yaml --transcript s.jsonl
expect_rc 1
expect_status s.jsonl insert failed
expect_status s.jsonl undo-insert none
expect_status s.jsonl create-rollback ok
expect_jq s.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step_undo == "skipped" and (.failed_step_why | contains("rolled back by the database"))'
expect_jq s.jsonl '[.[] | select(.event=="step.check")] | length == 0' "the probe of a sql step is not asked"

# on-failure: abort is the step's explicit word: no rollback, even with rollback: always
cat >abort.yaml <<'Y'
runbook: abort-always
title: Abort wins over rollback always
rollback: always
steps:
  - id: one
    exec: [sh, -c, 'echo one >> log']
    rollback: { id: undo-one, exec: [sh, -c, 'echo undo-one >> log'] }
  - id: two
    exec: [sh, -c, 'echo two >> log; exit 1']
    on-failure: abort
    rollback-on-failure: true
    rollback: { id: undo-two, exec: [sh, -c, 'echo undo-two >> log'] }
Y
rm -f log
rb run abort.yaml --transcript a.jsonl
expect_rc 1
[ "$(tr '\n' ' ' <log)" = "one two " ] || fail "abort + always ran rollbacks: $(cat log)"
expect_jq a.jsonl '.[-1] | .status == "aborted" and .rollback == "skipped (on-failure: abort)"'
expect_jq a.jsonl '[.[] | select(.event=="rollback.start")] | length == 0'
# and without a failure, rollback: always still undoes the run
sed -i 's/exit 1/exit 0/' abort.yaml
rm -f log
rb run abort.yaml --transcript a2.jsonl
expect_rc 0
[ "$(tr '\n' ' ' <log)" = "one two undo-two undo-one " ] || fail "rollback: always: $(cat log)"
