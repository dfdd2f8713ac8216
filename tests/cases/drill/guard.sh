# A drill's guard: checked beside the steps on a connection of its own
# (an http check of the test server's /metrics, where the steps set a
# gauge); its first failed check stops the drill at once -- the running
# step's process group is killed, the rollbacks and the cleanup run, exit
# 6 names the guard -- and verify fails the drill on guard-tripped unless
# the runbook expects the trip.  A guard that holds is checked at its
# cadence until the drill ends.
KEY=guard-$$-$RANDOM
gen() {     # gen OBJECTIVES
cat <<Y
runbook: guarded
title: A guarded drill
owner: platform-operations
connections:
  web: { http: "$RB_TEST_HTTP" }
$1
steps:
  - id: arm
    exec: [sh, -c, 'echo arm >> log']
    rollback: { id: arm-undo, exec: [sh, -c, 'echo arm-undo >> log'] }
  - id: long
    shell: 'echo \$\$ > long.pid; curl -fsS "$RB_TEST_HTTP/set?name=$KEY&value=1" >/dev/null; sleep 30; touch marker'
    rollback-on-failure: true
    rollback:
      id: long-undo
      shell: 'echo long-undo >> log; curl -fsS "$RB_TEST_HTTP/set?name=$KEY&value=0" >/dev/null'
drill:
  guard:
    every: 100ms
    steps:
      - id: error-budget
        http: { connection: web, url: /metrics }
        expect: { status: 200, body: { not: { contains: 'rb_test_gauge{name="$KEY"} 1.0' } } }
  inject:
    - { id: inject, exec: [sh, -c, 'echo inject >> log'], effect: read }
  cleanup:
    - { id: tidy, exec: [sh, -c, 'echo cleanup >> log'], effect: read }
Y
}
gen "" > trip.yaml
rb check trip.yaml
expect_rc 0
rb plan trip.yaml
expect_out 'guard \(drill only: each checked every 100ms'
expect_out 'error-budget +http +read'

rb drill trip.yaml --transcript trip.jsonl
expect_rc 6
expect_err "runbook: drill aborted by guard 'error-budget': expected body not"
[ -s long.pid ] || fail "the long step never started"
pg=$(cat long.pid)
if kill -0 -- "-$pg" 2>/dev/null; then fail "the long step's process group $pg is still alive"; fi
[ -e marker ] && fail "the long step ran past its sleep"
[ "$(tr '\n' ' ' < log)" = "inject arm long-undo arm-undo cleanup " ] || fail "order: $(tr '\n' ' ' < log)"
expect_status trip.jsonl long failed
expect_jq trip.jsonl '[.[] | select(.event=="step.end" and .step=="long")][0].error == "stopped: guard '"'error-budget'"' tripped"'
# the order: the trip, the step it stopped, the rollbacks, the cleanup, run.end
expect_jq trip.jsonl '
  def at(f): map(f) | index(true);
  at(.event=="guard.tripped" and .step=="error-budget") as $t |
  at(.event=="step.end" and .step=="long") as $l |
  at(.event=="rollback.start") as $rs |
  at(.event=="step.end" and .step=="long-undo" and .status=="ok") as $u1 |
  at(.event=="step.end" and .step=="arm-undo" and .status=="ok") as $u2 |
  at(.event=="step.end" and .step=="tidy" and .status=="ok") as $c |
  $t < $l and $l < $rs and $rs < $u1 and $u1 < $u2 and $u2 < $c' "trip, stop, rollbacks, cleanup in order"
expect_jq trip.jsonl '[.[] | select(.event=="rollback.start")][0].reason == "guard"'
expect_jq trip.jsonl '.[-1].event == "run.end" and .[-1].status == "guard-tripped" and .[-1].exit == 6 and .[-1].guard == "error-budget"'
expect_jq trip.jsonl '[.[] | select(.event=="guard.check")] | (.[-1].ok == false) and (.[0:-1] | all(.ok)) and (map(.phase) | unique == ["guard"])'
rb verify trip.jsonl --runbook trip.yaml
expect_rc 5
expect_out 'FAIL +outcome +status +the drill was aborted by guard .error-budget.'
expect_out "FAIL +objectives +guard-tripped +guard 'error-budget' tripped at seq [0-9]+"
expect_out 'ok +runbook +steps'

# a drill that expects its guard to trip (a test of the guard itself) verifies
rm -f log long.pid
curl -fsS "$RB_TEST_HTTP/set?name=$KEY&value=0" >/dev/null
gen "objectives: { guard-tripped: true }" > expected.yaml
rb drill expected.yaml --transcript expected.jsonl
expect_rc 6
rb verify expected.jsonl --runbook expected.yaml
expect_rc 0
expect_out 'ok +objectives +guard-tripped +guard .error-budget. tripped at seq [0-9]+: .* \(expected\)'

# a guard that holds: checked every `every` (each check starts at least
# that long after the one before) until the drill ends; the step polls
# for a file the test creates once two checks are recorded
cat > holds.yaml <<Y
runbook: holds
title: A guard that holds
owner: platform-operations
connections:
  web: { http: "$RB_TEST_HTTP" }
steps:
  - id: wait-ready
    exec: [test, -e, ready]
    effect: read
    until: { every: 20ms, within: 30s }
drill:
  guard:
    every: 200ms
    steps:
      - { id: healthy, http: { connection: web, url: /health }, expect: { json: { status: ok } } }
  inject:
    - { id: inject, exec: [true], effect: read }
Y
"$RUNBOOK" drill holds.yaml --transcript holds.jsonl >out 2>err &
pid=$!
checks() { [ "$(jq -s '[.[] | select(.event=="guard.check" and .ok)] | length' holds.jsonl 2>/dev/null || echo 0)" -ge 2 ]; }
wait_for checks
touch ready
RC=0; wait $pid || RC=$?
expect_rc 0
expect_jq holds.jsonl '[.[] | select(.event=="guard.check")] | length >= 2 and all(.ok) and (map(.n) == [range(1; length + 1)])'
expect_jq holds.jsonl '[.[] | select(.event=="guard.check") | .mono - .duration_ms] as $s |
  [range(1; $s | length) | $s[.] - $s[. - 1]] | all(. >= 195)' "guard checks closer than every 200ms"
expect_jq holds.jsonl '[.[] | select(.event=="guard.tripped")] | length == 0'
rb verify holds.jsonl --runbook holds.yaml
expect_rc 0
expect_out 'ok +objectives +guard-tripped +no guard tripped \(as expected\)'
expect_out 'note +guards +healthy +guard: [0-9]+ checks, 0 failed'
# a plain run checks no guard
rb run holds.yaml --transcript run.jsonl
expect_rc 0
expect_jq run.jsonl '[.[] | select(.event=="guard.check")] | length == 0'

# a drill whose interpreter died: its resume starts the guard again
rm -f ready
sed 's/^    effect: read$/    effect: read\n    idempotent: true/' holds.yaml > again.yaml
grep -q 'idempotent: true' again.yaml || fail "again.yaml"
"$RUNBOOK" drill again.yaml --transcript again.jsonl >out 2>err &
pid=$!
checked() { jq -s -e '[.[] | select(.event=="guard.check")] | length >= 1' again.jsonl >/dev/null 2>&1; }
wait_for checked
kill -9 $pid
wait $pid 2>/dev/null
"$RUNBOOK" resume again.jsonl >out 2>err &
pid=$!
rechecked() { jq -s -e '(map(.event=="run.resume") | index(true)) as $r | $r != null and
	([to_entries[] | select(.value.event=="guard.check" and .key > $r)] | length >= 1)' again.jsonl >/dev/null 2>&1; }
wait_for rechecked
touch ready
RC=0; wait $pid || RC=$?
expect_rc 0
expect_jq again.jsonl '.[-1].event == "run.end" and .[-1].status == "ok"'
