# Approvals over the API: a run reaching an approve step with no answer
# parks (approve.wait, row waiting, its slot free); POST
# /v1/runs/{id}/approve answers it and the run resumes from its
# transcript: approved, it ends ok with every step run once; rejected, the
# step fails and the rollback runs.  409 for a run not waiting, 404 for an
# unknown one, 400 for another step or a bad answer; with --tokens the
# answer is by the token's name.
. "$ROOT/tests/lib/serve_helpers.sh"
mkdir -p rb marks
hello_runbook rb
cat > rb/gate.yaml <<'YAML'
runbook: gate
title: a write, an approval, a write
owner: sre
inputs:
  tag: { type: string, pattern: "^[a-z]+$" }
steps:
  - id: first
    exec: [sh, -c, 'echo x >>"marks/$TAG-first"']
    env: { TAG: "${{ inputs.tag }}" }
    rollback:
      exec: [sh, -c, 'echo x >>"marks/$TAG-undone"']
      env: { TAG: "${{ inputs.tag }}" }
  - id: go-ahead
    approve: "Restart ${{ inputs.tag }}?"
  - id: last
    exec: [sh, -c, 'echo x >>"marks/$TAG-last"']
    env: { TAG: "${{ inputs.tag }}" }
YAML
serve_start --runbooks rb --state st --workers 1
api POST /v1/runs -d '{"runbook": "gate.yaml", "inputs": {"tag": "a"}}'
a=$(jq -r .id resp)
wait_run "$a" waiting
t=st/runs/$a/transcript.jsonl
expect_jq "$t" '[.[] | select(.event == "approve.wait")] | length == 1 and .[0].step == "go-ahead" and .[0].question == "Restart a?"'
expect_jq "$t" '[.[] | select(.event == "step.end" and .step == "go-ahead")] | length == 0'
[ ! -e marks/a-last ] || fail "the step after the approval ran"
# the slot is free: another run completes while a waits
api POST /v1/runs -d '{"runbook": "hello.yaml"}'
h=$(jq -r .id resp)
wait_run "$h" ok
run_status_is "$a" waiting || fail "run a: $(cat resp)"

# the errors
api POST "/v1/runs/$h/approve" -d '{"step": "greet", "approved": true}'
[ "$CODE" = 409 ] || fail "approving an ended run: $CODE $(cat resp)"
api POST /v1/runs/0123456789abcdef/approve -d '{"step": "go-ahead", "approved": true}'
[ "$CODE" = 404 ] || fail "approving an unknown run: $CODE $(cat resp)"
api POST "/v1/runs/$a/approve" -d '{"step": "first", "approved": true}'
[ "$CODE" = 400 ] || fail "approving another step: $CODE $(cat resp)"
grep -q "go-ahead" resp || fail "the 400 does not name the step waited on: $(cat resp)"
api POST "/v1/runs/$a/approve" -d '{"step": "go-ahead"}'
[ "$CODE" = 400 ] || fail "an answer without approved: $CODE $(cat resp)"
api POST "/v1/runs/$a/approve" -d 'not json'
[ "$CODE" = 400 ] || fail "a body that is not JSON: $CODE $(cat resp)"
[ ! -e "st/runs/$a/answers.yaml" ] || fail "a refused answer was written"
run_status_is "$a" waiting || fail "run a after the errors: $(cat resp)"

# approved: the run resumes and ends ok, each step once
api POST "/v1/runs/$a/approve" -d '{"step": "go-ahead", "approved": true, "comment": "dashboards green"}'
[ "$CODE" = 202 ] || fail "approve: $CODE $(cat resp)"
[ "$(jq -r .id resp)" = "$a" ] || fail "approve's reply: $(cat resp)"
[ "$(stat -c %a "st/runs/$a/answers.yaml")" = 600 ] || fail "the answers file's mode"
wait_run "$a" ok
for m in a-first a-last; do
	[ "$(wc -l <"marks/$m")" = 1 ] || fail "$m ran $(wc -l <"marks/$m") times, want 1"
done
[ ! -e marks/a-undone ] || fail "run a rolled back"
expect_jq "$t" '[.[] | select(.event == "approve")] | length == 1 and .[0].approved == true and .[0].by == "api" and .[0].comment == "dashboards green"'
expect_jq "$t" '[.[] | select(.event == "run.end")] | length == 1 and .[0].status == "ok"'
rb verify "$t"
expect_rc 0
api POST "/v1/runs/$a/approve" -d '{"step": "go-ahead", "approved": true}'
[ "$CODE" = 409 ] || fail "approving a run that ended: $CODE $(cat resp)"

# rejected: the approval fails, the rollback undoes first
api POST /v1/runs -d '{"runbook": "gate.yaml", "inputs": {"tag": "b"}}'
b=$(jq -r .id resp)
wait_run "$b" waiting
api POST "/v1/runs/$b/approve" -d '{"step": "go-ahead", "approved": false, "comment": "not now"}'
[ "$CODE" = 202 ] || fail "reject: $CODE $(cat resp)"
wait_for test -e "st/runs/$b/run.json"
wait_for sh -c "jq -e '.status != \"running\" and .status != \"waiting\"' st/runs/$b/run.json >/dev/null"
st=$(jq -r .status "st/runs/$b/run.json")
[ "$st" = rolled-back ] || [ "$st" = failed ] || fail "run b ended $st"
[ "$(wc -l <marks/b-undone)" = 1 ] || fail "the rollback of first did not run once"
[ ! -e marks/b-last ] || fail "run b went on after a no"
expect_jq "st/runs/$b/transcript.jsonl" '[.[] | select(.event == "approve")][0] | .approved == false and .comment == "not now"'
serve_kill TERM

# with --tokens: the answer is by the token's name
tok=tok-$RANDOM$RANDOM-secret
printf 'oncall %s\n' "$tok" >tokens
chmod 600 tokens
serve_start --runbooks rb --state st2 --workers 1 --tokens tokens
auth=(-H "Authorization: Bearer $tok")
api POST /v1/runs "${auth[@]}" -d '{"runbook": "gate.yaml", "inputs": {"tag": "c"}}'
c=$(jq -r .id resp)
wait_for sh -c "curl -s -H 'Authorization: Bearer $tok' $SERVE_URL/v1/runs/$c | jq -e '.status == \"waiting\"' >/dev/null"
api POST "/v1/runs/$c/approve" -d '{"step": "go-ahead", "approved": true}'
[ "$CODE" = 401 ] || fail "approve without a token: $CODE"
api POST "/v1/runs/$c/approve" "${auth[@]}" -d '{"step": "go-ahead", "approved": true}'
[ "$CODE" = 202 ] || fail "approve with a token: $CODE $(cat resp)"
wait_for sh -c "jq -e '.status == \"ok\"' st2/runs/$c/run.json >/dev/null"
expect_jq "st2/runs/$c/transcript.jsonl" '[.[] | select(.event == "approve")][0].by == "oncall"'
expect_no "$tok" serve.out "st2/runs/$c/transcript.jsonl"
