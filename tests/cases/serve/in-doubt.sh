# kill -9 of serve while a step that is neither idempotent nor checked
# runs: the next serve resumes the run, and the runbook's on-in-doubt
# decides the step in doubt.  rerun: it runs again and the run ends ok;
# park (the default): the run is waiting for an operator's --in-doubt.
. "$ROOT/tests/lib/serve_helpers.sh"
mkdir rb marks
gen() {  # gen ID POLICY
	cat <<YAML
runbook: $1
title: the second step waits for ./go
owner: sre
${2:+on-in-doubt: $2}
steps:
  - id: first
    effect: read
    exec: [sh, -c, 'echo x >>marks/$1-first']
  - id: wait
    timeout: 60s
    exec: [sh, -c, 'echo x >>marks/$1-wait; while [ ! -e go ]; do sleep 0.02; done']
    rollback: { none: a test mark }
  - id: last
    effect: read
    exec: [sh, -c, 'echo x >>marks/$1-last']
YAML
}
gen again rerun >rb/again.yaml
gen parked '' >rb/parked.yaml
serve_start --runbooks rb --state st --workers 2
api POST /v1/runs -d '{"runbook": "again.yaml"}'
a=$(jq -r .id resp)
api POST /v1/runs -d '{"runbook": "parked.yaml"}'
p=$(jq -r .id resp)
wait_for test -e marks/again-wait
wait_for test -e marks/parked-wait
wait_run "$a" running
wait_run "$p" running
children=$(pgrep -P "$SERVE_PID")
steps=$(for c in $children; do pgrep -P "$c"; done || true)
serve_kill KILL
gone() { for c in $children; do kill -0 "$c" 2>/dev/null && return 1; done; return 0; }
wait_for gone
for s in $steps; do kill -9 "$s" 2>/dev/null || true; done

touch go
serve_start --runbooks rb --state st --workers 2
wait_run "$a" ok
wait_run "$p" waiting
[ "$(wc -l <marks/again-wait)" = 2 ] || fail "rerun: the step in doubt ran $(wc -l <marks/again-wait) times, want 2"
[ "$(wc -l <marks/again-last)" = 1 ] || fail "rerun: the run did not go on"
[ "$(wc -l <marks/parked-wait)" = 1 ] || fail "park: the step in doubt ran again"
[ ! -e marks/parked-last ] || fail "park: the run went on"
expect_jq "st/runs/$a/transcript.jsonl" '[.[] | select(.event == "step.in-doubt")][0] | .decision == "rerun" and .decided_by == "runbook"'
serve_kill TERM
