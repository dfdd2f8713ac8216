# --workers 2: a second runbook runs while the first waits in a step; a
# second run of the same runbook finds its run lock held and waits in the
# queue (not failed) until the first ends.
. "$ROOT/tests/lib/serve_helpers.sh"
hello_runbook rb
cat >rb/slow.yaml <<'YAML'
runbook: slow
title: waits for ./go
owner: sre
inputs:
  tag: { type: string, pattern: "^[a-z0-9]+$" }
steps:
  - id: wait
    effect: read
    timeout: 60s
    exec: [sh, -c, 'echo x >>"marks-$TAG"; while [ ! -e go ]; do sleep 0.02; done']
    env: { TAG: "${{ inputs.tag }}" }
YAML
rb serve --listen 127.0.0.1:1 --workers 0 --runbooks rb
expect_rc 2
expect_err 'from 1 to 256'
serve_start --runbooks rb --state st --workers 2
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "one"}}'
one=$(jq -r .id resp)
wait_for test -e marks-one
api POST /v1/runs -d '{"runbook": "hello.yaml"}'
h=$(jq -r .id resp)
wait_run "$h" ok
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "two"}}'
two=$(jq -r .id resp)
# the second slot tries it, finds the lock held, puts it back: it stays queued
locked() { grep -q 'lock' "st/runs/$two/run.log" 2>/dev/null; }
wait_for locked
# while it keeps finding the lock held it reads queued, never running:
# polled across several of its tries (a try every second)
tries() { grep -c 'lock' "st/runs/$two/run.log" 2>/dev/null || echo 0; }
n0=$(tries)
for _ in $(seq 300); do
	[ "$(tries)" -lt $((n0 + 2)) ] || break
	run_status_is "$two" queued || fail "the locked run: $(cat resp)"
done
[ "$(tries)" -ge $((n0 + 2)) ] || fail "the locked run was not tried again: $(cat "st/runs/$two/run.log")"
[ ! -e marks-two ] || fail "the second run of slow ran beside the first"
touch go
wait_run "$one" ok
wait_run "$two" ok
[ "$(wc -l <marks-two)" = 1 ] || fail "run two ran $(wc -l <marks-two) times"
serve_kill TERM
