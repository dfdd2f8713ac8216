# A drill: inject -> symptoms (polled until visible) -> checks -> steps ->
# verify, and cleanup always -- after success, after failure (with the
# rollbacks first) and after a signal.
gen() {
cat <<Y
runbook: drill-phases
title: Drill phases
inputs:
  fix_works: { type: bool, default: true }
steps:
  - id: remediate
    exec: [sh, -c, 'echo remediate >> log; rm -f broken; [ "\$W" = true ] && touch fixed; [ "\$W" = true ]']
    env: { W: "\${{ inputs.fix_works }}" }
    rollback-on-failure: true
    rollback: { id: remediate-undo, exec: [sh, -c, 'echo undo >> log'] }
verify:
  - id: healthy
    exec: [test, -e, fixed]
    effect: read
drill:
  inject:
    - id: break-it
      exec: [sh, -c, 'echo inject >> log; touch broken']
  symptoms:
    - id: broken-visible
      exec: [sh, -c, 'n=\$(cat polls 2>/dev/null || echo 0); echo \$((n+1)) > polls; [ \$n -ge 2 ] && test -e broken']
      effect: read
      until: { every: 50ms, within: 5s }
      expect: { exit: 0 }
  cleanup:
    - id: tidy
      exec: [sh, -c, 'echo cleanup >> log; $1']
Y
}
gen true > ok.yaml
rb drill ok.yaml --transcript ok.jsonl
expect_rc 0
[ "$(tr '\n' ' ' < log)" = "inject remediate cleanup " ] || fail "order: $(cat log)"
expect_jq ok.jsonl '.[0].mode == "drill"'
expect_jq ok.jsonl '[.[] | select(.event=="phase.start") | .phase] == ["inject","symptoms","steps","verify","cleanup"]'
expect_jq ok.jsonl '[.[] | select(.event=="step.attempt" and .step=="broken-visible")] | length >= 2' "symptoms were polled"
expect_jq ok.jsonl '[.[] | select(.event=="phase.end")] | all(.duration_ms >= 0)'
# failure: rollback, then cleanup
rm -f log fixed broken polls
rb drill ok.yaml --transcript bad.jsonl --input fix_works=false
expect_rc 1
[ "$(tr '\n' ' ' < log)" = "inject remediate undo cleanup " ] || fail "failure order: $(cat log)"
# a signal during the drill: cleanup still runs
rm -f log fixed broken polls
gen 'sleep 0' | sed 's/echo remediate >> log;/echo remediate >> log; sleep 30;/' > slow.yaml
"$RUNBOOK" drill slow.yaml --transcript sig.jsonl >out 2>err &
pid=$!
wait_for grep -q remediate log
kill -INT $pid
RC=0; wait $pid || RC=$?
expect_rc 130
grep -q cleanup log || fail "cleanup did not run after SIGINT: $(cat log)"
# run (not drill) ignores the drill section
rm -f log
rb run ok.yaml --transcript run.jsonl
expect_rc 0
if grep -q inject log; then fail "run executed the inject phase"; fi
expect_jq run.jsonl '[.[] | select(.event=="phase.start") | .phase] == ["steps","verify"]' 
# drill without a drill section is a usage error
printf 'runbook: nodrill\ntitle: t\nsteps:\n  - id: a\n    exec: [true]\n' > nodrill.yaml
rb drill nodrill.yaml
expect_rc 2
