# runbook undo TRANSCRIPT: a run that ended (an emergency shutdown that
# never rolls itself back) is undone from its record -- the rollbacks of
# its completed write steps in reverse completion order, with the outputs
# those steps recorded, approvals asked as usual -- appended to the same
# transcript (run.undo ... run.end "undone", the chain kept).  Refused: a
# run that did not end, one already undone, a dry run, a changed runbook.
# An interrupted undo is finished by undoing again, each undo step once.
cat > rb.yaml <<'Y'
runbook: shutdown
title: Emergency shutdown
owner: platform-operations
inputs:
  target: { type: string, default: prod }
steps:
  - id: count
    exec: [sh, -c, 'echo 3']
    effect: read
    outputs: { n: "${{ result.stdout | trim }}" }
  - id: scale-down
    exec: [sh, -c, 'echo 0 > replicas; echo scale-down >> log']
    rollback: { exec: [sh, -c, 'echo "$N" > replicas; echo "scale-up $T" >> log'], env: { N: "${{ steps.count.outputs.n }}", T: "${{ inputs.target }}" } }
  - id: tunnel-down
    exec: [sh, -c, 'echo down > tunnel; echo tunnel-down >> log']
    rollback: { exec: [sh, -c, 'echo up > tunnel; echo tunnel-up >> log'] }
  - id: handover
    manual: "Tell the on-call the platform is down."
    rollback:
      - { id: ask-up, approve: "Bring ${{ inputs.target }} back up?" }
  - id: revoke
    exec: [sh, -c, 'echo revoke >> log; exit 1']
    on-failure: abort
    rollback: { exec: [sh, -c, 'echo unrevoke >> log'] }
Y
rb run rb.yaml --approve auto --transcript t.jsonl
expect_rc 1
[ "$(cat replicas tunnel)" = "$(printf '0\ndown')" ] || fail "the shutdown did not happen"
cp t.jsonl before.jsonl
rb undo t.jsonl --approve auto --operator grace
expect_rc 0
[ "$(cat replicas tunnel)" = "$(printf '3\nup')" ] || fail "not brought back up: $(cat replicas tunnel)"
# reverse completion order, with the recorded output (3) and the run's inputs
[ "$(sed -n '4,$p' log)" = "$(printf 'tunnel-up\nscale-up prod')" ] || fail "order or outputs: $(cat log)"
expect_jq t.jsonl '[.[] | .event] | index("run.end") as $i | .[$i + 1] == "run.undo" and .[$i + 2] == "rollback.start" and last == "run.end"' "the undo's record"
expect_jq t.jsonl '[.[] | select(.event=="run.undo")][0] | .operator == "grace" and .from_seq > 0 and (.sha256 | length) == 64 and (.boot | length) > 0' "run.undo"
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")] | last | .reason == "undo" and .steps == ["handover","tunnel-down","scale-down"]' "rollback.start"
expect_jq t.jsonl '[.[] | select(.event=="approve" and .step=="ask-up")] | length == 1' "the undo's approval was asked"
expect_jq t.jsonl '[.[] | select(.event=="run.end")] | (.[0].status == "aborted") and (.[1] | .status == "undone" and .exit == 0 and .rollback == "complete" and (has("failed_step") | not))' "two run.end records"
# appended: what was there is kept byte for byte
cmp before.jsonl <(head -n "$(wc -l < before.jsonl)" t.jsonl) || fail "the undo rewrote the record"
rb verify t.jsonl --runbook rb.yaml
expect_out 'ok +integrity +chain'
expect_out 'ok +completeness +undo +undone at seq [0-9]+ \(run.undo\) to [0-9]+: rollback complete, exit 0'
expect_out 'ok +runbook +steps'
# once undone, never again
rb undo t.jsonl --approve auto
expect_rc 2
expect_err "t.jsonl was undone already \(run.undo at seq [0-9]+, complete at seq [0-9]+\)"
rb resume t.jsonl
expect_rc 2
expect_err "ended \(aborted, exit 1\): nothing to resume"

# an undo whose approval is refused is incomplete (exit 3); undoing again
# runs only what did not end ok
rm -f log
rb run rb.yaml --approve auto --transcript a.jsonl
printf 'ask-up: no\n' > no.yaml
chmod 600 no.yaml
rb undo a.jsonl --approve no.yaml
expect_rc 3
expect_jq a.jsonl '[.[] | select(.event=="run.end")] | last | .status == "rollback-incomplete" and .exit == 3' "incomplete"
rb verify a.jsonl
expect_out 'FAIL +completeness +undo +undone at seq [0-9]+ \(run.undo\) to [0-9]+: rollback incomplete'
rb undo a.jsonl --approve auto
expect_rc 0
[ "$(grep -c tunnel-up log)" = 1 ] || fail "tunnel-up ran twice: $(cat log)"
expect_jq a.jsonl '[.[] | select(.event=="approve" and .step=="ask-up") | .approved] == [false, true]' "asked again"

# an undo killed midway: verify says so, resume points at undo, undo finishes it
rm -f log
rb run rb.yaml --approve auto --transcript b.jsonl
cp b.jsonl probe.jsonl
rb undo probe.jsonl --approve auto
rm -f log
n=$(jq -s '[.[] | .event == "step.end" and .step == "tunnel-down-rollback"] | index(true) + 1' probe.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" undo b.jsonl --approve auto >out 2>err || RC=$?
expect_rc 137
rb verify b.jsonl
expect_out 'FAIL +completeness +undo +the undo begun at seq [0-9]+ \(run.undo\) did not end'
rb resume b.jsonl
expect_rc 2
expect_err "its undo was interrupted: run .runbook undo. again"
rb undo b.jsonl --approve auto
expect_rc 0
[ "$(grep -c tunnel-up log)" = 1 ] && [ "$(grep -c scale-up log)" = 1 ] || fail "each undo step once: $(cat log)"
expect_jq b.jsonl '[.[] | select(.event=="run.undo")] | length == 2' "two run.undo"
rb verify b.jsonl
expect_out 'ok +completeness +undo'

# signed: the checkpoints cover the undo's run.end
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in key.pem -pubout -out key.pub 2>/dev/null
chmod 600 key.pem
rb run rb.yaml --approve auto --transcript s.jsonl --sign-key key.pem
rb undo s.jsonl --approve auto --sign-key key.pem
expect_rc 0
rb verify s.jsonl --pubkey key.pub
expect_out 'ok +signatures +checkpoints'

# refused: a run that did not end, a dry run, a changed runbook
n=$(jq -s '[.[] | .event == "step.end" and .step == "tunnel-down"] | index(true) + 1' t.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run rb.yaml --approve auto --transcript c.jsonl >out 2>err || RC=$?
expect_rc 137
rb undo c.jsonl
expect_rc 2
expect_err "c.jsonl did not end: .runbook resume. continues it"
rb run rb.yaml --dry-run --approve auto --transcript d.jsonl
rb undo d.jsonl
expect_rc 2
expect_err "d.jsonl is a dry run: it changed nothing"
rb run rb.yaml --approve auto --transcript e.jsonl
sed -i 's/^title: Emergency shutdown$/title: Emergency shutdown (edited)/' rb.yaml
n=$(wc -l < e.jsonl)
rb undo e.jsonl --approve auto
expect_rc 2
expect_err "rb.yaml changed since the run started"
[ "$(wc -l < e.jsonl)" = "$n" ] || fail "a refused undo wrote to the transcript"

# a run that rolled back completely has nothing left to undo
cat > rolled.yaml <<'Y'
runbook: rolled
title: Rolled back
owner: platform-operations
steps:
  - { id: w, exec: [touch, w], rollback: { exec: [rm, -f, w] } }
  - { id: bad, exec: [false] }
Y
rb run rolled.yaml --transcript r.jsonl
expect_rc 1
n=$(wc -l < r.jsonl)
rb undo r.jsonl
expect_rc 0
expect_err "nothing to undo"
[ "$(wc -l < r.jsonl)" = "$n" ] || fail "nothing to undo, yet the transcript grew"

# a fragment's completed write steps are undone with the inputs of their
# call and the outputs its steps recorded; a use step with a rollback of
# its own is undone by that rollback alone
mkdir -p lib
cat > lib/scale.yaml <<'Y'
fragment: scale-zero
title: Scale to zero, remembering the count
inputs:
  name: { type: string }
steps:
  - id: record
    exec: [sh, -c, 'echo 5']
    effect: read
    outputs: { n: "${{ result.stdout | trim }}" }
  - id: scale
    exec: [sh, -c, 'echo "$NAME=0" >> flog']
    env: { NAME: "${{ inputs.name }}" }
    rollback: { exec: [sh, -c, 'echo "$NAME=$N" >> flog'], env: { NAME: "${{ inputs.name }}", N: "${{ steps.record.outputs.n }}" } }
Y
cat > frag.yaml <<'Y'
runbook: frag-undo
title: Fragments undone
owner: platform-operations
inputs:
  app: { type: string, default: cart }
steps:
  - id: down
    use: lib/scale
    with: { name: "${{ inputs.app }}-api" }
  - id: down-own
    use: lib/scale
    with: { name: other }
    rollback: { exec: [sh, -c, 'echo "own undo" >> flog'] }
  - id: stop
    exec: [false]
    on-failure: abort
Y
rb run frag.yaml --input app=shop --transcript g.jsonl
expect_rc 1
rb undo g.jsonl
expect_rc 0
[ "$(cat flog)" = "$(printf 'shop-api=0\nother=0\nown undo\nshop-api=5')" ] || fail "fragment undo: $(cat flog)"
expect_status g.jsonl down/scale-rollback ok
rb verify g.jsonl --runbook frag.yaml
expect_out 'ok +runbook +steps'
