# rollback: always | never, and on-failure: continue | abort.
mk() { cat > "$1.yaml" <<Y
runbook: policy-$1
title: Rollback policy $1
rollback: $2
steps:
  - id: w
    exec: [sh, -c, 'echo w >> $1.log']
    rollback: { id: w-undo, exec: [sh, -c, 'echo undo >> $1.log'] }
  - id: f
    exec: [sh, -c, 'echo f >> $1.log; exit $3']
    on-failure: $4
  - id: after
    exec: [sh, -c, 'echo after >> $1.log']
Y
}
mk always always 0 rollback
rb run always.yaml --transcript a.jsonl; expect_rc 0
[ "$(tr '\n' ' ' < always.log)" = "w f after undo " ] || fail "always: $(cat always.log)"
mk never never 1 rollback
rb run never.yaml --transcript n.jsonl; expect_rc 1
[ "$(tr '\n' ' ' < never.log)" = "w f " ] || fail "never: $(cat never.log)"
mk cont on-failure 1 continue
rb run cont.yaml --transcript c.jsonl; expect_rc 0
[ "$(tr '\n' ' ' < cont.log)" = "w f after " ] || fail "continue: $(cat cont.log)"
expect_status c.jsonl f failed
mk abort on-failure 1 abort
rb run abort.yaml --transcript ab.jsonl; expect_rc 1
[ "$(tr '\n' ' ' < abort.log)" = "w f " ] || fail "abort: $(cat abort.log)"
expect_jq ab.jsonl '.[-1].status == "aborted" and (.[-1].rollback | test("abort"))'
