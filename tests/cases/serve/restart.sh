# kill -9 of serve while a run's step runs: the next serve resumes that run
# from its transcript (the steps that had ended do not run again) and runs
# the one that was still queued.
. "$ROOT/tests/lib/serve_helpers.sh"
mkdir rb marks
slow_runbook rb
serve_start --runbooks rb --state st --workers 1
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "a"}}'
a=$(jq -r .id resp)
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "b"}}'
b=$(jq -r .id resp)
wait_for test -e marks/a-wait
wait_run "$a" running
run_status_is "$b" queued || fail "the second run is not queued: $(cat resp)"
child=$(pgrep -P "$SERVE_PID")
[ -n "$child" ] || fail "no child run"
steps=$(pgrep -P "$child" || true)
serve_kill KILL
# the child dies with serve (its parent-death signal); its step may outlive it
gone() { ! kill -0 "$child" 2>/dev/null; }
wait_for gone
for p in $steps; do kill -9 "$p" 2>/dev/null || true; done
[ "$(jq -r .status "st/runs/$a/run.json")" = running ] || fail "run a's row is not running"

touch go
serve_start --runbooks rb --state st --workers 1
wait_run "$a" ok
wait_run "$b" ok
for m in a-first a-last b-first b-wait b-last; do
	[ "$(wc -l <"marks/$m")" = 1 ] || fail "$m ran $(wc -l <"marks/$m") times, want 1"
done
[ "$(wc -l <marks/a-wait)" = 2 ] || fail "the step in doubt ran $(wc -l <marks/a-wait) times, want 2"
t=st/runs/$a/transcript.jsonl
rb verify "$t"
expect_rc 0
expect_jq "$t" '[.[] | select(.event == "step.end" and .step == "first")] | length == 1'

# SIGTERM while a step runs: serve stops its child (which stops the step and
# ends the run: aborted), waits for it and exits 0
rm go
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "c"}}'
c=$(jq -r .id resp)
wait_for test -e marks/c-wait
serve_kill TERM
[ "$SERVE_RC" = 0 ] || fail "serve exited $SERVE_RC"
[ "$(jq -r .status "st/runs/$c/run.json")" = aborted ] || fail "run c: $(cat "st/runs/$c/run.json")"
expect_jq "st/runs/$c/transcript.jsonl" '.[-1].event == "run.end"' "run c has no run.end"
[ ! -e marks/c-last ] || fail "run c went on after SIGTERM"
