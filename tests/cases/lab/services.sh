# The lab comes up healthy and idempotently; a worker killed or scaled to 0,
# the canvas service down and the circuit breaker's upstream down (or
# failing for a few seconds: a fault that heals by itself) each fire
# their alert in Prometheus and in Alertmanager and show in /health, and
# clear once fixed; `lab.sh down` leaves no process of the lab running.
. "$ROOT/tests/lib/lab_helpers.sh"
lab_up

# --- up: every process answers, nothing fires, every job is scraped ---
lab status >status.txt || { cat status.txt >&2; fail "status after up"; }
grep -q '^gateway .* answers$' status.txt || fail "status lacks the gateway"
[ "$(stat -c %a "$LAB_RUN/state.env")" = 600 ] || fail "state.env is not 0600"
for v in LAB_GATEWAY_URL LAB_PROMETHEUS_URL LAB_ALERTMANAGER_URL LAB_KAFKA_BROKERS POSTGRES_DSN LAB_REDIS_URL LAB_REPO_DIR; do
	[ -n "${!v:-}" ] || fail "state.env lacks $v"
done
health 200 '.status == "ok" and ([.components[] | .status] | unique) == ["ok"] and (.components | length) == 8' ||
	fail "/health is not all ok: $(cat health.json)"
curl -fsS "$LAB_PROMETHEUS_URL/api/v1/alerts" | jq -e '.data.alerts == []' >/dev/null || fail "alerts fire after up"
curl -fsS "$LAB_ALERTMANAGER_URL/api/v2/alerts" | jq -e '. == []' >/dev/null || fail "alertmanager has alerts after up"
curl -fsS -G "$LAB_PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=count(up == 1)' |
	jq -e '.data.result[0].value[1] == "11"' >/dev/null || fail "not every job is scraped"
# every real server answers its own client
[ "$(pg_sql 'SELECT count(*) FROM delegation_tasks')" = 2 ] || fail "PostgreSQL: delegation_tasks is not seeded"
[ "$(redis-cli -p "$LAB_PORT_REDIS" GET "budget:$LAB_TENANT:tokens")" = 1200 ] || fail "Redis: no budget counter"
curl -fsS "$LAB_ALERTMANAGER_URL/-/healthy" >/dev/null || fail "Alertmanager is not healthy"
curl -fsS "$LAB_PROMETHEUS_URL/api/v1/rules" | jq -e '[.data.groups[].rules[].name] | index("TelemetryWorkerDown")' >/dev/null ||
	fail "Prometheus lacks the lab's alert rules"
curl -fsS "$LAB_KAFKA_CONTROL_URL/brokers" | jq -e 'map(.up) == [true, true, true]' >/dev/null || fail "Kafka: not every broker is up"
before=$(lab pids)
lab up >/dev/null || fail "a second up failed"
[ "$(lab pids)" = "$before" ] || fail "a second up started processes again"

# --- the telemetry worker killed: TelemetryWorkerDown, /health degraded; started: clear ---
lab kill telemetry-worker || fail "kill"
wait_firing TelemetryWorkerDown
wait_health 503 '.status == "degraded" and .components["telemetry-worker"].status != "ok"'
lab status >/dev/null && fail "status exits 0 with a worker down"
lab start telemetry-worker || fail "start"
wait_clear TelemetryWorkerDown
wait_health 200 '.status == "ok"'
# Alertmanager sends the resolved notification on its own schedule, after
# the alert has cleared: wait for it
paged() {
	curl -fsS -m 2 "$LAB_PAGER_URL/notifications" | jq -e '[.[].alerts[] | select(.alertname == "TelemetryWorkerDown") | .status] | index("firing") and index("resolved")' >/dev/null
}
lab_wait paged

# --- scaled to 0 (no target at all), then to 2: two targets scraped ---
lab scale telemetry-worker 0 || fail "scale 0"
wait_firing TelemetryWorkerDown
[ "$(lab replicas telemetry-worker)" = 0 ] || fail "replicas after scale 0"
lab scale telemetry-worker 2 || fail "scale 2"
[ "$(lab ready telemetry-worker)" = 2 ] || fail "ready after scale 2"
wait_clear TelemetryWorkerDown
up2() {
	curl -fsS -G "$LAB_PROMETHEUS_URL/api/v1/query" --data-urlencode 'query=up{job="telemetry-worker"}' |
		jq -e '[.data.result[].value[1]] == ["1", "1"]' >/dev/null
}
lab_wait up2

# --- a crash loop: the restarted replica exits at once ---
lab fault add crash:telemetry-worker || fail "fault add"
lab restart telemetry-worker-1 2>restart.err && fail "a restart into a crash loop succeeded"
grep -q 'crash' restart.err || fail "the failed restart does not show the log: $(cat restart.err)"
lab status | grep -q '^telemetry-worker-1 .* stopped$' || fail "status does not show the crashed replica"
lab fault clear crash:telemetry-worker
lab start telemetry-worker-1 || fail "start after the fault"

# --- the canvas down: CanvasDown, the stream through the gateway fails; back: it streams ---
lab kill canvas
wait_firing CanvasDown
code=$(curl -sS -N --max-time 3 -o /dev/null -w '%{http_code}' "$LAB_GATEWAY_URL/v1/canvas/s1/stream")
[ "$code" = 502 ] || fail "canvas down: stream answered $code"
wait_health 503 '.components.canvas.status == "down"'
lab start canvas
wait_clear CanvasDown
rc=0; code=$(curl -sS -N --max-time 2 -o stream.txt -w '%{http_code}' "$LAB_GATEWAY_URL/v1/canvas/s1/stream" 2>/dev/null) || rc=$?
[ "$rc" = 28 ] && [ "$code" = 200 ] || fail "canvas back: exit $rc, code $code"
grep -q '^event: heartbeat' stream.txt || fail "no heartbeat event in the stream"

# --- the breaker's upstream down: CircuitBreakerOpenEvents, CircuitOpenError; back: clear ---
lab kill upstream
wait_firing CircuitBreakerOpenEvents '.breaker == "slm"'
wait_health 503 '.components.upstream.status != "ok"'
# the breaker half-opens 1 s after each opening, and a half-open call goes
# to the (dead) upstream and opens it again: a call that comes late (a
# loaded machine) sees the upstream's refusal, the next the open breaker
open_seen=
for i in $(seq 20); do
	out=$(cd "$LAB_REPO_DIR" && python3 scripts/send_message.py Ping) && fail "chat answered with the breaker open"
	[[ $out == CircuitOpenError* ]] && { open_seen=1; break; }
	[[ $out == *'Connection refused'* ]] || fail "chat: $out"
done
[ -n "$open_seen" ] || fail "chat never met the open breaker: $out"
lab logs gateway --since 30s | grep -q 'CircuitOpenError' || fail "the gateway log lacks CircuitOpenError"
lab start upstream
wait_clear CircuitBreakerOpenEvents
[ "$(cd "$LAB_REPO_DIR" && python3 scripts/send_message.py Ping)" = Pong ] || fail "chat after the upstream came back"

# --- a transient fault (--for) heals by itself: the upstream fails, the
# breaker opens, then it answers again and the alert clears untouched ---
lab fault add upstream-errors --for 4s || fail "fault add --for"
lab fault list | grep -qx 'upstream-errors (healing)' || fail "fault list: $(lab fault list)"
wait_firing CircuitBreakerOpenEvents '.breaker == "slm"'
upstream_ok() { curl -fsS -o /dev/null "$LAB_UPSTREAM_URL/health"; }
lab_wait upstream_ok
lab fault list | grep -qx 'upstream-errors (healed)' || fail "fault list after: $(lab fault list)"
wait_clear CircuitBreakerOpenEvents
lab fault clear upstream-errors

# --- a runbook step restarts a service: it outlives the step (the lab's
# supervisor starts it, not the step, whose processes die with it) ---
cat >restart.yaml <<EOF
runbook: lab-restart
title: A step that restarts a lab service
owner: test
steps:
  - id: restart-canvas
    exec: ["$ROOT/lab/lab.sh", restart, canvas]
    rollback: { log: "nothing to undo" }
EOF
pid=$(cut -d' ' -f1 "$LAB_RUN/pids/canvas.pid")
rb run restart.yaml --transcript restart.jsonl --quiet
expect_rc 0
[ "$(cut -d' ' -f1 "$LAB_RUN/pids/canvas.pid")" != "$pid" ] || fail "the step did not restart the canvas"
[ "$(lab ready canvas)" = 1 ] || fail "the canvas a runbook step restarted died with the step"
lab status | grep -q '^labd .* listening' || fail "status does not show the supervisor"

# --- usage errors ---
lab kill nosuch 2>err.txt && fail "kill of an unknown name succeeded"
grep -q "unknown process 'nosuch'" err.txt || fail "unknown name: $(cat err.txt)"
lab fault add nosuch 2>err.txt && fail "an unknown fault was accepted"
grep -q "unknown fault 'nosuch'" err.txt || fail "unknown fault: $(cat err.txt)"
lab scale gateway 2 2>err.txt && fail "gateway scaled to 2"

# --- down: nothing of the lab runs any more (by pid), and down again is fine ---
# a pid with its start time, so that a pid reused by another process is not taken for ours
started() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; set -- $s; [ "$1" != Z ] && echo "${20}"; }
pids=$(lab pids)
[ "$(wc -w <<<"$pids")" -ge 14 ] || fail "lab pids lists too little: $pids"
procs=(); for p in $pids; do procs+=("$p:$(started "$p")"); done
lab down || fail "down"
for ps in "${procs[@]}"; do
	p=${ps%%:*}
	[ -n "${ps#*:}" ] && [ "$(started "$p")" = "${ps#*:}" ] && fail "pid $p still runs after down: $(tr '\0' ' ' <"/proc/$p/cmdline")"
done
ps -eo args= | grep -F "$LAB_RUN" | grep -v grep && fail "a process still names the lab's directory"
[ -e "$LAB_RUN/state.env" ] && fail "state.env survives down"
rc=0; lab status >/dev/null || rc=$?
[ "$rc" = 3 ] || fail "status after down exits $rc, want 3"
lab down || fail "a second down failed"
trap - EXIT
