# verify judges a drill's objectives, each with its actual figure: a drill
# that meets them exits 0, one that misses them exits 5.  Objectives come
# from --runbook, else from what run.start recorded.  A drill that
# deliberately fails to exercise its rollbacks passes when they ran.
cat >met.yaml <<'YAML'
runbook: drill-met
title: Drill that meets its objectives
owner: platform-operations
objectives:
  max-duration: 2m
  time-to-detect: 1m
  time-to-recover: 1m
  steps-required: [fix]
steps:
  - id: fix
    exec: [echo, fixed]
verify:
  - id: healthy
    exec: [echo, healthy]
drill:
  inject:
    - id: break
      exec: [echo, broken]
  symptoms:
    - id: degraded
      exec: [echo, degraded]
  cleanup:
    - id: tidy
      exec: [echo, tidy]
YAML
rb drill met.yaml --transcript met.jsonl --quiet
expect_rc 0
rb verify met.jsonl --runbook met.yaml
expect_rc 0
expect_out 'ok +objectives +max-duration +the run took [0-9a-z]+, limit 2m$'
expect_out 'ok +objectives +time-to-detect +detected in \(first inject step.start to last symptoms step.end ok\) [0-9a-z]+, limit 1m$'
expect_out 'ok +objectives +time-to-recover +recovered in \(first steps step.start to last verify step.end ok\) [0-9a-z]+, limit 1m$'
expect_out 'ok +objectives +steps-required +all 1 required steps ended ok'
# the detection figure is the span between those two events on the
# monotonic clock (mono)
ttd=$(jq -s '([.[] | select(.event == "step.end" and .phase == "symptoms")][-1].mono) -
	([.[] | select(.event == "step.start" and .phase == "inject")][0].mono)' met.jsonl)
if [ "$ttd" -lt 1000 ]; then expect_out "time-to-detect +detected in .* ${ttd}ms, limit"; fi
rb verify met.jsonl
expect_rc 0
expect_out 'ok +objectives +time-to-recover'

cat >missed.yaml <<'YAML'
runbook: drill-missed
title: Drill that misses its objectives
owner: platform-operations
objectives:
  max-duration: 100ms
  time-to-recover: 200ms
  steps-required: [fix, optional]
steps:
  - id: fix
    exec: [sleep, "0.3"]
  - id: optional
    if: "${{ false }}"
    exec: [echo, never]
drill:
  inject:
    - id: break
      exec: [echo, broken]
  symptoms:
    - id: degraded
      exec: [echo, degraded]
YAML
rb drill missed.yaml --transcript missed.jsonl --quiet
expect_rc 0
expect_status missed.jsonl optional skipped
rb verify missed.jsonl --runbook missed.yaml
expect_rc 5
expect_out 'FAIL +objectives +max-duration +the run took [0-9a-z]+, limit 100ms$'
expect_out 'FAIL +objectives +time-to-recover +recovered in \(first steps step.start to last steps step.end ok\) [0-9a-z]+, limit 200ms$'
expect_out "FAIL +objectives +steps-required +step 'optional' ended skipped"
expect_out 'ok +outcome +status +the run succeeded'
# recorded in run.start: the same verdict without the runbook file
rb verify missed.jsonl
expect_rc 5
expect_out 'FAIL +objectives +time-to-recover'

# a drill that fails on purpose and expects its rollback
cat >rollback.yaml <<'YAML'
runbook: drill-rollback
title: Drill that exercises a rollback
owner: platform-operations
objectives:
  rollbacks-expected: [migrate]
steps:
  - id: migrate
    exec: [echo, migrated]
    rollback:
      exec: [echo, reverted]
  - id: poison
    exec: ["false"]
drill:
  inject:
    - id: break
      exec: [echo, broken]
YAML
rb drill rollback.yaml --transcript rb.jsonl --quiet
expect_rc 1
rb verify rb.jsonl --runbook rollback.yaml
expect_rc 0
expect_out "ok +outcome +status +the run failed at 'poison' and rolled back completely, as the drill expects"
expect_out 'ok +objectives +rollbacks-expected +the rollbacks of all 1 expected steps ran ok'

# the same drill with rollback: never misses it
sed 's/^objectives:/rollback: never\nobjectives:/' rollback.yaml >never.yaml
rb drill never.yaml --transcript never.jsonl --quiet
expect_rc 1
rb verify never.jsonl --runbook never.yaml
expect_rc 5
expect_out "FAIL +objectives +rollbacks-expected +step 'migrate' was not rolled back"

# steps-required: [[a, b], c] -- a step per environment: one of a and b
# must end ok (the other is skipped by its if), and c
cat >branches.yaml <<'YAML'
runbook: drill-branches
title: One remedy per environment
owner: platform-operations
inputs:
  environment: { type: enum, values: [local, prod], default: prod }
  broken: { type: bool, default: false }
objectives:
  steps-required: [[fix-prod, fix-local], healthy]
steps:
  - id: fix-prod
    if: "${{ inputs.environment == 'prod' }}"
    exec: [echo, fixed]
  - id: fix-local
    if: "${{ inputs.environment == 'local' }}"
    exec: [sh, -c, 'test "$BROKEN" = false']
    env: { BROKEN: "${{ inputs.broken }}" }
verify:
  - id: healthy
    exec: [echo, healthy]
drill:
  inject:
    - id: break
      exec: [echo, broken]
YAML
for env in prod local; do
	rb drill branches.yaml --input environment=$env --transcript br-$env.jsonl --quiet
	expect_rc 0
	rb verify br-$env.jsonl --runbook branches.yaml
	expect_rc 0
	expect_out 'ok +objectives +steps-required +all 2 required steps ended ok'
done
rb drill branches.yaml --input environment=local --input broken=true --transcript br-broken.jsonl --quiet
expect_rc 1
rb verify br-broken.jsonl --runbook branches.yaml
expect_rc 5
expect_out "FAIL +objectives +steps-required +none of 'fix-prod' \(skipped\), 'fix-local' \(failed\) ended ok"
# the same judgement from what run.start recorded
rb verify br-broken.jsonl
expect_rc 5
expect_out "FAIL +objectives +steps-required +none of 'fix-prod' \(skipped\), 'fix-local' \(failed\) ended ok"
