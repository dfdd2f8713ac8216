# SIGINT/SIGTERM stop the current step, run the rollbacks, record the
# signal and exit 130/143; a second SIGINT does not abort the rollback.
cat > rb.yaml <<'Y'
runbook: signals
title: Signals
steps:
  - id: first
    exec: [sh, -c, 'echo first >> log']
    rollback:
      id: first-undo
      exec: [sh, -c, 'echo undo-start >> log; sleep 1; echo undo-done >> log']
  - id: long
    exec: [sh, -c, 'echo $$ > long.pid; exec sleep 60']
  - id: never
    exec: [sh, -c, 'echo never >> log']
Y
started() { [ -s long.pid ]; }
undo_started() { grep -q undo-start log 2>/dev/null; }
for sig in INT TERM; do
	rm -f log long.pid
	"$RUNBOOK" run rb.yaml --transcript "t-$sig.jsonl" >out 2>err &
	pid=$!
	wait_for started
	kill -s "$sig" "$pid"
	if [ "$sig" = INT ]; then
		wait_for undo_started
		kill -s INT "$pid"       # a second Ctrl-C during rollback
	fi
	RC=0; wait "$pid" || RC=$?
	want=130; [ "$sig" = TERM ] && want=143
	expect_rc $want
	kill -0 "$(cat long.pid)" 2>/dev/null && fail "the step's process survived SIG$sig"
	grep -q undo-done log || fail "rollback did not finish after SIG$sig: $(cat log)"
	grep -q never log && fail "a step ran after SIG$sig"
	expect_jq "t-$sig.jsonl" "[.[] | select(.event==\"signal\")][0].signal == \"SIG$sig\""
	expect_jq "t-$sig.jsonl" '.[-1].event == "run.end" and .[-1].status == "interrupted"'
done
expect_jq t-INT.jsonl '.[-1].signals_ignored_during_rollback >= 1'
