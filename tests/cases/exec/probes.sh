# Continuous probes: checked every `every` beside the steps, on a
# connection of their own, against the test server's /countdown (the
# first N requests of a key fail with 503, the later ones pass: a service
# that recovers, without timing).  More failed checks in a row than the
# tolerance fail the run like a failed step: the running step is
# stopped, the rollbacks run, exit 1 names the probe.  As many or fewer
# do not; max-probe-failures judges them all together in verify.
gen() {     # gen KEY FAIL MAX-FAILURES
cat <<Y
runbook: probed
title: A probed run
owner: platform-operations
connections:
  gateway: { http: "$RB_TEST_HTTP" }
objectives: { max-probe-failures: $3 }
probes:
  - id: gateway-answers
    every: 100ms
    during: steps
    http: { connection: gateway, url: "/countdown?key=$1&fail=$2" }
    expect: { status: 200 }
    tolerance: 2
steps:
  - id: change
    exec: [sh, -c, 'echo change >> log']
    rollback: { id: change-undo, exec: [sh, -c, 'echo undo >> log'] }
  - id: until-recovered
    exec: [sh, -c, 'jq -e -s "[.[] | select(.event == \"probe.check\" and .ok)] | length > 0" t.jsonl']
    effect: read
    until: { every: 20ms, within: 60s }
Y
}
# three failures in a row with a tolerance of 2: the run fails
gen "p3-$$-$RANDOM" 3 10 > fails.yaml
rb check fails.yaml
expect_rc 0
rb plan fails.yaml
expect_out 'every 100ms during steps, tolerance 2'
rb run fails.yaml --transcript t.jsonl
expect_rc 1
expect_err "runbook: run failed: probe 'gateway-answers' failed more than 2 checks in a row: expected status eq 200, got 503"
[ "$(tr '\n' ' ' < log)" = "change undo " ] || fail "rollbacks: $(cat log)"
expect_status t.jsonl until-recovered failed
expect_jq t.jsonl '[.[] | select(.event=="probe.check")] | map(.ok) == [false, false, false] and map(.failures) == [1, 2, 3] and all(.tolerance == 2)'
expect_jq t.jsonl '[.[] | select(.event=="probe.failed")] | length == 1 and .[0].step == "gateway-answers" and .[0].failures == 3'
expect_jq t.jsonl '.[-1].status == "failed" and .[-1].exit == 1 and .[-1].probe == "gateway-answers" and .[-1].failed_step == "until-recovered"'
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")][0].reason == "probe"'

# two failures, then a pass: within the tolerance, the run goes on and succeeds
rm -f log t.jsonl
gen "p2-$$-$RANDOM" 2 2 > recovers.yaml
rb run recovers.yaml --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event=="probe.check")] | .[0:3] | map(.ok) == [false, false, true] and map(.failures) == [1, 2, 0]'
expect_jq t.jsonl '[.[] | select(.event=="probe.failed")] | length == 0'
expect_jq t.jsonl '[.[] | select(.event=="probe.check")] | map(.phase) | unique == ["probes"]'
rb verify t.jsonl --runbook recovers.yaml
expect_rc 0
expect_out 'ok +objectives +max-probe-failures +2 failed probe checks, limit 2'
expect_out 'note +probes +gateway-answers +probe: [0-9]+ checks, 2 failed, at most 2 in a row'
# the same run judged against a smaller budget fails verify
mv t.jsonl recovers.jsonl
gen "p1-$$-$RANDOM" 2 1 > strict.yaml
rb run strict.yaml --transcript t.jsonl
expect_rc 0
rb verify t.jsonl --runbook strict.yaml
expect_rc 5
expect_out 'FAIL +objectives +max-probe-failures +2 failed probe checks, limit 1'

# `during: steps` is checked in the steps phase (a check in flight when it
# ends may finish after), `run` in every phase, `drill` not in a plain run
cat > windows.yaml <<Y
runbook: windows
title: Probe windows
owner: platform-operations
connections:
  gateway: { http: "$RB_TEST_HTTP" }
probes:
  - { id: in-steps, every: 20ms, http: { connection: gateway, url: /health } }
  - { id: in-drill, every: 20ms, during: drill, http: { connection: gateway, url: /health } }
  - { id: in-run, every: 20ms, during: run, http: { connection: gateway, url: /health } }
steps:
  - id: seen
    exec: [sh, -c, 'grep -q "\"step\":\"in-steps\"" w.jsonl && grep -q "\"step\":\"in-run\"" w.jsonl']
    effect: read
    until: { every: 20ms, within: 30s }
verify:
  - id: after-steps
    exec: [sh, -c, 'n=\$(grep -c "\"step\":\"in-run\"" w.jsonl); while [ \$(grep -c "\"step\":\"in-run\"" w.jsonl) -lt \$((n + 3)) ]; do sleep 0.01; done']
    effect: read
drill:
  inject:
    - { id: inject, exec: [true], effect: read }
Y
rb run windows.yaml --transcript w.jsonl
expect_rc 0
expect_jq w.jsonl '
  (map(.event=="phase.start" and .phase=="verify") | index(true)) as $v |
  [to_entries[] | select(.value.event=="probe.check")] as $c |
  ($c | map(select(.value.step=="in-steps" and .key < $v)) | length > 0) and
  ($c | map(select(.value.step=="in-steps" and .key > $v)) | length <= 1) and
  ($c | map(select(.value.step=="in-run" and .key > $v)) | length >= 3) and
  ($c | map(select(.value.step=="in-drill")) | length == 0)' "probe windows in a run"

# a probe has clients of its own: a redis probe beside a step polling on
# the same connection never reads the step's replies (nor the step the
# probe's), and each opened the connection for itself
K=probe-own-$$-$RANDOM
cat > own.yaml <<Y
runbook: own-clients
title: A probe's own connection
owner: platform-operations
connections:
  cache: { redis: "$RB_TEST_REDIS_URL" }
probes:
  - id: cache-up
    every: 5ms
    redis: { connection: cache, command: [PING] }
    expect: { type: status, reply: PONG }
steps:
  - id: counts
    redis: { connection: cache, command: [INCR, "$K"] }
    expect: { type: integer, reply: { ge: 60 } }
    until: { every: 5ms, within: 60s }
Y
rb run own.yaml --transcript own.jsonl
expect_rc 0
expect_jq own.jsonl '[.[] | select(.event=="step.attempt" and .step=="counts")] |
  (map(.error) | .[0:-1]) == [range(1; 60) | "expected reply ge 60, got \(.)"] and .[-1].status == "ok"' "the step read every reply of its own, in order"
expect_jq own.jsonl '[.[] | select(.event=="probe.check")] | length >= 2 and all(.ok)'
expect_jq own.jsonl '[.[] | select(.event=="connection.open" and .connection=="cache") | .step] | sort == ["cache-up", "counts"]'
