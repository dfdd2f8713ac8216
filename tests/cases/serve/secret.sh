# Secrets: a runbook's secret input comes from serve's environment (its
# from: env:NAME), never over the API (422) and never in a child's argv;
# the canary is in no file of the state directory and not in serve's
# output.
. "$ROOT/tests/lib/serve_helpers.sh"
mkdir rb
cat >rb/secret.yaml <<'YAML'
runbook: secret
title: uses a secret
owner: sre
inputs:
  key: { type: secret, from: env:RB_SERVE_CANARY }
  note: { type: string, default: plain }
steps:
  - id: use
    effect: read
    exec: [sh, -c, 'test -n "$K" && touch used && while [ ! -e go ]; do sleep 0.02; done']
    env: { K: "${{ inputs.key }}" }
YAML
canary=canary-$RANDOM-$RANDOM-sekrit
other=other-$RANDOM-$RANDOM-sekrit
RB_SERVE_CANARY=$canary serve_start --runbooks rb --state st

# over the API: refused, and not kept anywhere
api POST /v1/runs -d "{\"runbook\": \"secret.yaml\", \"inputs\": {\"key\": \"$other\"}}"
[ "$CODE" = 422 ] || fail "a secret over the API: $CODE $(cat resp)"
grep -q 'is a secret' resp || fail "no reason: $(cat resp)"

api POST /v1/runs -d '{"runbook": "secret.yaml", "inputs": {"note": "n1"}}'
[ "$CODE" = 202 ] || fail "POST: $CODE $(cat resp)"
id=$(jq -r .id resp)
wait_for test -e used
# every process under serve while the step runs: the canary in no argv
procs() { local p=$1 c; echo "$p"; for c in $(pgrep -P "$p"); do procs "$c"; done; }
n=0
for p in $(procs "$SERVE_PID"); do
	tr '\0' ' ' <"/proc/$p/cmdline" >>cmdlines 2>/dev/null || continue
	echo >>cmdlines
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "expected serve, the run and its step: $(cat cmdlines)"
grep -q ' run .*secret.yaml' cmdlines || fail "no child run: $(cat cmdlines)"
grep -qF -- "$canary" cmdlines && fail "the secret is in an argv"
touch go
wait_run "$id" ok
serve_kill TERM
grep -rqF -- "$canary" st serve.out && fail "the secret is in the state directory or serve's output"
grep -rqF -- "$other" st serve.out && fail "the refused secret was kept"
true
