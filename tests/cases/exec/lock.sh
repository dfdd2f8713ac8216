# One run of a runbook at a time on a host: a second run is denied (exit 4)
# and names the holder; a dry run needs no lock; a crash releases it.
cat > rb.yaml <<'Y'
runbook: locked
title: Lock
steps:
  - id: hold
    exec: [sh, -c, 'touch holding; while [ ! -e release ]; do sleep 0.01; done']
Y
"$RUNBOOK" run rb.yaml --transcript first.jsonl --operator alice >first.out 2>&1 &
pid=$!
wait_for test -e holding
rb run rb.yaml --transcript second.jsonl --operator bob
expect_rc 4
expect_err "lock denied: another run of 'locked' is in progress \(runbook locked, pid $pid, alice"
[ ! -e second.jsonl ] || fail "the denied run wrote a transcript"
rb run rb.yaml --dry-run --transcript dry.jsonl
expect_rc 0
touch release
RC=0; wait $pid || RC=$?
expect_rc 0
rm -f holding release
"$RUNBOOK" run rb.yaml --transcript third.jsonl --operator carol >third.out 2>&1 &
pid=$!
wait_for test -e holding
kill -9 $pid; wait $pid 2>/dev/null
# the lock went with the process: the step's child may linger briefly, the lock does not
rm -f holding; touch release
rb run rb.yaml --transcript fourth.jsonl
expect_rc 0
