# serve --queue kafka://BROKERS/TOPIC: runs queued on a Kafka topic
# (librdkafka's mock cluster, a separate process with an HTTP control port
# that takes brokers down and up).  A 2xx means the run is in the topic:
# with the brokers down the answer is 503 within 2 s and nothing is kept,
# and the same request afterwards runs once; 200 requests with one
# Idempotency-Key run once; an approval sent while the brokers are down is
# a 503 and the run keeps waiting; a serve killed mid-run gets its message
# again (the offset was not committed) and resumes the run.
. "$ROOT/tests/lib/serve_helpers.sh"
LK=$BUILD/helpers/lab_kafka
cport=$(free_port)
"$LK" cluster -p "$cport" -b 1 runs:2 >boot.txt 2>cluster.log &
kpid=$!
stop_all() { [ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; kill "$kpid" 2>/dev/null; true; }
wait_for test -s boot.txt
BOOT=$(head -1 boot.txt)
ctl() { curl -sf -XPOST "http://127.0.0.1:$cport/brokers/all/$1" >/dev/null || fail "brokers $1"; }
mkdir rb marks
cat >rb/mark.yaml <<'YAML'
runbook: mark
title: leaves a mark
owner: sre
concurrency-key: "mark/${{ inputs.tag }}"
inputs:
  tag: { type: string, pattern: "^[a-z]+$" }
steps:
  - id: mark
    effect: read
    exec: [sh, -c, 'echo x >>"marks/$TAG"']
    env: { TAG: "${{ inputs.tag }}" }
YAML
slow_runbook rb
cat >rb/gate.yaml <<'YAML'
runbook: gate
title: an approval, then a mark
owner: sre
steps:
  - id: go-ahead
    approve: "Go?"
  - id: after
    effect: read
    exec: [sh, -c, 'echo x >>marks/gate']
YAML
serve_start --runbooks rb --state st --workers 2 --queue "kafka://$BOOT/runs"
trap stop_all EXIT
lines() { [ -e "marks/$1" ] && wc -l <"marks/$1" || echo 0; }

# a run goes through the topic
api POST /v1/runs -d '{"runbook": "mark.yaml", "inputs": {"tag": "a"}}'
[ "$CODE" = 202 ] || fail "POST: $CODE $(cat resp)"
a=$(jq -r .id resp)
wait_run "$a" ok
[ "$(lines a)" = 1 ] || fail "run a marked $(lines a) times"

# 200 requests with one Idempotency-Key, 8 at a time: one id, one run
seq 200 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -XPOST -H 'Idempotency-Key: same' \
	-d '{"runbook": "mark.yaml", "inputs": {"tag": "b"}}' "$SERVE_URL/v1/runs" >codes
[ "$(sort -u codes)" = 202 ] || fail "answers: $(sort codes | uniq -c)"
api POST /v1/runs -H 'Idempotency-Key: same' -d '{"runbook": "mark.yaml", "inputs": {"tag": "b"}}'
b=$(jq -r .id resp)
wait_run "$b" ok
[ "$(lines b)" = 1 ] || fail "200 requests with one key marked $(lines b) times"

# the brokers down: 503 within 2 s (not a 2xx that is then lost), nothing kept
rows=$(ls st/runs | wc -l)
ctl down
t0=$(date +%s%N)
api POST /v1/runs -H 'Idempotency-Key: during-outage' -d '{"runbook": "mark.yaml", "inputs": {"tag": "c"}}'
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$CODE" = 503 ] || fail "POST with the brokers down: $CODE $(cat resp)"
grep -q 'the run could not be queued: kafka: ' resp || fail "503 body: $(cat resp)"
[ "$ms" -lt 3000 ] || fail "the 503 took $ms ms"
[ "$(ls st/runs | wc -l)" = "$rows" ] || fail "a refused run was kept: $(ls st/runs)"
# the brokers back: the same request is admitted now, and runs once
ctl up
posted() { api POST /v1/runs -H 'Idempotency-Key: during-outage' -d '{"runbook": "mark.yaml", "inputs": {"tag": "c"}}'
	[ "$CODE" = 202 ]; }
wait_for posted
c=$(jq -r .id resp)
wait_run "$c" ok
[ "$(lines c)" = 1 ] || fail "the retried run marked $(lines c) times"

# an approval sent while the brokers are down: 503, the run still waits;
# sent again once they are back, it resumes the run
api POST /v1/runs -d '{"runbook": "gate.yaml"}'
g=$(jq -r .id resp)
wait_run "$g" waiting
ctl down
api POST "/v1/runs/$g/approve" -d '{"step": "go-ahead", "approved": true}'
[ "$CODE" = 503 ] || fail "approving with the brokers down: $CODE $(cat resp)"
grep -q 'the answer is kept' resp || fail "503 body: $(cat resp)"
run_status_is "$g" waiting || fail "the run after a refused approval: $(cat resp)"
ctl up
approved() { api POST "/v1/runs/$g/approve" -d '{"step": "go-ahead", "approved": true}'; [ "$CODE" = 202 ]; }
wait_for approved
wait_run "$g" ok
[ "$(lines gate)" = 1 ] || fail "the approved run marked $(lines gate) times"

# kill -9 of serve mid-run: the next serve gets the message again and
# resumes the run (the finished step does not run again)
api POST /v1/runs -d '{"runbook": "slow.yaml", "inputs": {"tag": "h"}}'
h=$(jq -r .id resp)
wait_for test -e marks/h-wait
child=$(pgrep -P "$SERVE_PID")
steps=$(pgrep -P "$child" || true)
serve_kill KILL
gone() { ! kill -0 "$child" 2>/dev/null; }
wait_for gone
for p in $steps; do kill -9 "$p" 2>/dev/null || true; done
touch go
serve_start --runbooks rb --state st --workers 2 --queue "kafka://$BOOT/runs"
trap stop_all EXIT
wait_run "$h" ok
for m in h-first h-last a b c; do
	[ "$(lines $m)" = 1 ] || fail "$m ran $(lines $m) times, want 1"
done
[ "$(lines h-wait)" = 2 ] || fail "the step in doubt ran $(lines h-wait) times, want 2"
expect_jq "st/runs/$h/transcript.jsonl" '[.[] | select(.event == "run.resume")] | length == 1' "one resume"
rb verify "st/runs/$h/transcript.jsonl"
expect_rc 0
# a bad URL is a usage error
rb serve --listen 127.0.0.1:1 --queue kafka://nowhere
expect_rc 2
expect_err 'must be kafka://HOST:PORT\[,HOST:PORT...\]/TOPIC'
