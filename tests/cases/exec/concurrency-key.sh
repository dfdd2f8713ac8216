# concurrency-key: the run lock is held on a rendered key instead of the
# runbook id.  Two runs on one target never run at once, whichever runbook
# they come from; runs on different targets do; a resume takes the key its
# run recorded; a key can never be a secret.
hold_step() {
	cat <<Y
steps:
  - id: hold
    exec: [sh, -c, 'touch holding-\$NS; while [ ! -e release-\$NS ]; do sleep 0.01; done']
    env: { NS: "\${{ inputs.namespace }}" }
Y
}
{ cat <<'Y'
runbook: restart-worker
title: Restart a worker
inputs:
  namespace: { type: string }
concurrency-key: "${{ inputs.namespace }}/telemetry-worker"
Y
hold_step; } > restart.yaml
{ cat <<'Y'
runbook: scale-worker
title: Scale a worker
inputs:
  namespace: { type: string }
concurrency-key: "${{ inputs.namespace }}/telemetry-worker"
Y
hold_step; } > scale.yaml

"$RUNBOOK" run restart.yaml --input namespace=prod --transcript a.jsonl --operator alice >a.out 2>&1 &
pa=$!
wait_for test -e holding-prod
# the same target, from the same runbook and from another one: denied, naming the key and holder
rb run restart.yaml --input namespace=prod --transcript b.jsonl
expect_rc 4
expect_err "another run holds concurrency key 'prod/telemetry-worker' \(runbook restart-worker, pid $pa, alice"
[ ! -e b.jsonl ] || fail "the denied run wrote a transcript"
rb run scale.yaml --input namespace=prod --transcript c.jsonl
expect_rc 4
expect_err "concurrency key 'prod/telemetry-worker'"
# another target runs beside it
"$RUNBOOK" run restart.yaml --input namespace=staging --transcript d.jsonl >d.out 2>&1 &
pd=$!
wait_for test -e holding-staging
touch release-staging release-prod
RC=0; wait $pd || RC=$?; expect_rc 0
RC=0; wait $pa || RC=$?; expect_rc 0
expect_jq a.jsonl '.[0].concurrency_key == "prod/telemetry-worker"' "run.start records the key"
# plan shows the key a run would lock
rb plan restart.yaml --input namespace=prod
expect_out '^concurrency key: prod/telemetry-worker$'

# a key spelt like a runbook id is that runbook's own lock
cat > plain.yaml <<'Y'
runbook: plain
title: Holds its default lock
steps:
  - id: hold
    exec: [sh, -c, 'touch holding-plain; while [ ! -e release-plain ]; do sleep 0.01; done']
Y
cat > same.yaml <<'Y'
runbook: same
title: Keyed on plain
concurrency-key: plain
steps:
  - id: a
    log: hi
Y
"$RUNBOOK" run plain.yaml --transcript p.jsonl >p.out 2>&1 &
pp=$!
wait_for test -e holding-plain
rb run same.yaml --transcript s.jsonl
expect_rc 4
expect_err "concurrency key 'plain' \(runbook plain,"
touch release-plain
RC=0; wait $pp || RC=$?; expect_rc 0

# resume takes the key the run recorded, whatever the environment says now
cat > envkey.yaml <<'Y'
runbook: envkey
title: Keyed on the environment
concurrency-key: "${{ env.CLUSTER }}/db"
steps:
  - id: slow
    exec: [sh, -c, 'touch holding-env; sleep 30']
    idempotent: true
Y
CLUSTER=eu "$RUNBOOK" run envkey.yaml --transcript e.jsonl >e.out 2>&1 &
pe=$!
wait_for test -e holding-env
kill -9 $pe; wait $pe 2>/dev/null
"$RUNBOOK" run restart.yaml --input namespace=x --transcript hold.jsonl >/dev/null 2>&1 &
ph=$!
wait_for test -e holding-x
cat > eu.yaml <<'Y'
runbook: eu-holder
title: Holds eu/db
concurrency-key: eu/db
steps:
  - id: hold
    exec: [sh, -c, 'touch holding-eu; while [ ! -e release-eu ]; do sleep 0.01; done']
Y
"$RUNBOOK" run eu.yaml --transcript eu.jsonl >eu.out 2>&1 &
pu=$!
wait_for test -e holding-eu
RC=0; CLUSTER=us "$RUNBOOK" resume e.jsonl >out 2>err </dev/null || RC=$?
expect_rc 4
expect_err "concurrency key 'eu/db'"
touch release-eu release-x
RC=0; wait $pu || RC=$?; expect_rc 0
wait $ph 2>/dev/null
pkill -f 'touch holding-env; sleep 30' 2>/dev/null || true

# static errors: a secret, a step's value, an empty key
cat > bad.yaml <<'Y'
runbook: bad
title: Bad keys
inputs:
  tok: { type: secret, from: "env:TOK" }
concurrency-key: "${{ inputs.tok }}-${{ steps.a.outputs.x }}"
steps:
  - id: a
    log: hi
Y
rb check bad.yaml
expect_rc 2
expect_out "bad.yaml:5:23: error: secret 'tok' in 'concurrency-key'.*\[secret-in-key\]"
expect_out "bad.yaml:5:41: error: 'steps' is not available in 'concurrency-key'"
# rendered empty at run time: an error with its position, nothing run
{ cat <<'Y'
runbook: bare-key
title: Keyed on the namespace alone
inputs:
  namespace: { type: string }
concurrency-key: "${{ inputs.namespace }}"
Y
hold_step; } > bare.yaml
rb run bare.yaml --input namespace= --transcript empty.jsonl
expect_rc 2
expect_err "bare.yaml:5:18: 'concurrency-key' rendered empty"
[ ! -e holding- ] && [ ! -e empty.jsonl ] || fail "a run with an empty key started"
