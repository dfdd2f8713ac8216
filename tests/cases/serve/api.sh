# The runs API against a real serve: a run posted, polled to ok, its
# transcript fetched and verified; Idempotency-Key; a bad runbook's
# diagnostics (422, with positions); paths escaping --runbooks; bounded
# bodies; bad JSON; unknown ids and routes; huge headers.
. "$ROOT/tests/lib/serve_helpers.sh"
hello_runbook rb
mkdir -p rb/sub outside
printf 'runbook: bad\ntitle: bad\nowner: sre\nsteps:\n  - id: a\n    exec: [true]\n    bogus: 1\n' >rb/sub/bad.yaml
cp rb/hello.yaml outside/hello.yaml
ln -s ../outside/hello.yaml rb/escape.yaml
serve_start --runbooks rb --state st

api POST /v1/runs -d '{"runbook": "hello.yaml", "inputs": {"who": "bob"}}'
[ "$CODE" = 202 ] || fail "POST /v1/runs: $CODE $(cat resp)"
[ "$(jq -r .status resp)" = queued ] || fail "not queued: $(cat resp)"
id=$(jq -r .id resp)
[ -f "st/runs/$id/run.json" ] || fail "the admitted run is not in the state directory"
wait_run "$id" ok
jq -e '.exit == 0 and .runbook == "hello.yaml"' resp >/dev/null || fail "run: $(cat resp)"
api GET "/v1/runs/$id/transcript"
[ "$CODE" = 200 ] || fail "transcript: $CODE"
mv resp t.jsonl
rb verify t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event == "step.end" and .step == "greet")] | length == 1'
grep -q 'hello bob' t.jsonl || fail "the input did not reach the run"

# the same Idempotency-Key: the same id, one run
api POST /v1/runs -H 'Idempotency-Key: k-1' -d '{"runbook": "hello.yaml"}'
[ "$CODE" = 202 ] || fail "idempotent POST: $CODE"
a=$(jq -r .id resp)
api POST /v1/runs -H 'Idempotency-Key: k-1' -d '{"runbook": "hello.yaml"}'
[ "$CODE" = 202 ] && [ "$(jq -r .id resp)" = "$a" ] || fail "second POST with the key: $CODE $(cat resp)"
wait_run "$a" ok
[ "$(grep -c '"event":"run.start"' "st/runs/$a/transcript.jsonl")" = 1 ] || fail "the key started two runs"
[ "$(ls st/runs | wc -l)" = 2 ] || fail "runs in the state dir: $(ls st/runs)"

# a bad runbook: 422 with the diagnostics and their positions, nothing queued
api POST /v1/runs -d '{"runbook": "sub/bad.yaml"}'
[ "$CODE" = 422 ] || fail "bad runbook: $CODE $(cat resp)"
jq -e '.diagnostics[] | select(.file == "sub/bad.yaml" and .line == 7 and .col == 5 and (.message | test("bogus")))' resp >/dev/null ||
	fail "no positioned diagnostic: $(cat resp)"
# an input that does not fit: 422
api POST /v1/runs -d '{"runbook": "hello.yaml", "inputs": {"who": "B0B!"}}'
[ "$CODE" = 422 ] || fail "bad input: $CODE $(cat resp)"
api POST /v1/runs -d '{"runbook": "hello.yaml", "inputs": {"nobody": "x"}}'
[ "$CODE" = 422 ] || fail "undeclared input: $CODE $(cat resp)"
[ "$(ls st/runs | wc -l)" = 2 ] || fail "a refused run was stored"

# paths that leave --runbooks
for p in ../outside/hello.yaml /etc/passwd "sub/../../outside/hello.yaml" ..; do
	api POST /v1/runs -d "{\"runbook\": \"$p\"}"
	[ "$CODE" = 400 ] || fail "path '$p': $CODE $(cat resp)"
done
api POST /v1/runs -d '{"runbook": "escape.yaml"}'
[ "$CODE" = 403 ] || fail "symlink out: $CODE $(cat resp)"
api POST /v1/runs -d '{"runbook": "nope.yaml"}'
[ "$CODE" = 404 ] || fail "missing runbook: $CODE"

# bodies: too big, not JSON, not an object, no runbook
head -c 1100000 /dev/zero | tr '\0' ' ' >big
api POST /v1/runs --data-binary @big
[ "$CODE" = 413 ] || fail "oversized body: $CODE"
for body in '{"runbook": ' 'not json' '[1,2]' '{"inputs": {}}' '{"runbook": "hello.yaml", "inputs": [1]}' \
	    '{"runbook": "hello.yaml", "inputs": {"who": {"x": 1}}}'; do
	api POST /v1/runs -d "$body"
	[ "$CODE" = 400 ] || fail "body '$body': $CODE"
	jq -e '.error | length > 0' resp >/dev/null || fail "body '$body': no JSON error: $(cat resp)"
done

# unknown ids, routes and methods
api GET /v1/runs/0000000000000000000000000000000000000000000000000000000000000000
[ "$CODE" = 404 ] || fail "unknown id: $CODE"
api GET /v1/runs/../../etc/passwd --path-as-is
[ "$CODE" = 404 ] || fail "a path as id: $CODE"
api GET /v1/runs/nope/transcript
[ "$CODE" = 404 ] || fail "unknown transcript: $CODE"
api DELETE /v1/runs
[ "$CODE" = 405 ] || fail "DELETE: $CODE"
api GET /nowhere
[ "$CODE" = 404 ] || fail "unknown route: $CODE"

# huge headers: refused, serve still answers
api GET /metrics -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)"
[ "$CODE" != 200 ] || fail "a 100 kB header was accepted"
api GET /v1/runs/$id
[ "$CODE" = 200 ] || fail "serve does not answer after a huge header: $CODE"

# an approve step waits for its answer over the API; a no fails its run
printf 'runbook: appr\ntitle: asks\nowner: sre\nsteps:\n  - id: ok\n    approve: go on?\n' >rb/appr.yaml
api POST /v1/runs -d '{"runbook": "appr.yaml"}'
ap=$(jq -r .id resp)
wait_run "$ap" waiting
jq -e '.exit == 8' resp >/dev/null || fail "waiting approve run: $(cat resp)"
api POST "/v1/runs/$ap/approve" -d '{"step": "ok", "approved": false}'
[ "$CODE" = 202 ] || fail "approve: $CODE $(cat resp)"
wait_run "$ap" failed
jq -e '.exit == 1' resp >/dev/null || fail "approve run: $(cat resp)"

# the metrics, checked by Prometheus' own promtool
api GET /metrics
[ "$CODE" = 200 ] || fail "metrics: $CODE"
command -v promtool >/dev/null || fail "promtool (Debian prometheus) is not installed"
promtool check metrics <resp >lint 2>&1 || fail "promtool: $(cat lint)"
grep -q '^runbook_serve_runs{status="failed"} 1$' resp || fail "failed runs: $(grep runs resp)"
grep -q '^runbook_serve_runs{status="ok"} 2$' resp || fail "runs by status: $(grep runs resp)"
grep -q '^runbook_serve_queue_depth 0$' resp || fail "queue depth: $(grep depth resp)"
grep -q '^runbook_serve_run_duration_seconds_count 3$' resp || fail "durations: $(grep count resp)"

serve_kill TERM
[ "$SERVE_RC" = 0 ] || fail "serve exited $SERVE_RC on SIGTERM"
grep -q 'listening on' serve.out || fail "serve said nothing"

# the route table, as --routes prints it
rb serve --routes
expect_rc 0
for r in 'POST  /v1/runs ' 'GET   /v1/runs/\{id\} ' 'GET   /v1/runs/\{id\}/transcript' 'POST  /v1/runs/\{id\}/approve' 'POST  /v1/alertmanager' 'GET   /metrics'; do
	expect_out "$r"
done
