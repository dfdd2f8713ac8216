# The Alertmanager webhook: a rules file with errors is refused with
# file:line:col; the same payload posted 50 times starts one run with the
# rendered inputs; a resolved alert starts nothing; an alert that does not
# match starts nothing; a cooldown skips (with its reason) a new run for
# the same fingerprint; and a real Alertmanager, repeating its
# notification, starts exactly one run.
. "$ROOT/tests/lib/serve_helpers.sh"
. "$ROOT/tests/lib/daemon.sh"
mkdir rb
cat >rb/restart.yaml <<'YAML'
runbook: restart
title: restart a worker
owner: sre
inputs:
  namespace: { type: string, pattern: "^[a-z0-9-]+$" }
  summary: { type: string, default: "" }
steps:
  - id: restart
    effect: read
    exec: [echo, "restarting in ${{ inputs.namespace }}"]
YAML
cat >bad-rules.yaml <<'YAML'
rules:
  - name: r
    match: { alertname: "=~(oops" }
    runbook: restart.yaml
    inputs: { namespace: "${{ alert.labels. }}" }
YAML
rb serve --listen 127.0.0.1:$(free_port) --rules bad-rules.yaml --runbooks rb --state st
expect_rc 2
expect_err 'bad-rules.yaml:3:25: error: bad pattern'
expect_err 'bad-rules.yaml:5:45: error: field name expected'
printf 'rules:\n  - name: r\n    runbook: missing.yaml\n  - name: g\n    match: { a: b }\n    runbook: restart.yaml\n    per: group\n    inputs: { namespace: "${{ alert.labels.ns }}" }\n' >bad2.yaml
rb serve --listen 127.0.0.1:$(free_port) --rules bad2.yaml --runbooks rb --state st
expect_rc 2
expect_err "bad2.yaml:3:14: error: no runbook 'missing.yaml'"
expect_err "bad2.yaml:2:5: error: a rule needs 'match'"
expect_err "bad2.yaml:8:31: error: unknown name 'alert': a rule's inputs see group"

cat >rules.yaml <<'YAML'
rules:
  - name: restart-worker
    match: { alertname: ServeTestWorkerDown, severity: "=~critical|page" }
    runbook: restart.yaml
    per: alert
    inputs:
      namespace: "${{ alert.labels.namespace }}"
      summary: "${{ alert.annotations.summary }} (${{ group.receiver }})"
  - name: cooled
    match: { alertname: ServeTestCooled }
    runbook: restart.yaml
    inputs: { namespace: "${{ alert.labels.namespace }}" }
    cooldown: 1h
YAML
serve_start --rules rules.yaml --runbooks rb --state st

payload() {  # payload STATUS ALERTNAME STARTSAT FINGERPRINT SEVERITY
	cat <<-JSON
	{"version": "4", "status": "$1", "receiver": "serve", "groupKey": "{}:{alertname=\"$2\"}",
	 "truncatedAlerts": 0, "groupLabels": {"alertname": "$2"}, "commonLabels": {"alertname": "$2"},
	 "commonAnnotations": {}, "externalURL": "http://am.example",
	 "alerts": [{"status": "$1", "labels": {"alertname": "$2", "namespace": "ns-a", "severity": "$5"},
	             "annotations": {"summary": "\${{ env.HOME }} is data"}, "startsAt": "$3",
	             "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prom.example/graph",
	             "fingerprint": "$4"}]}
	JSON
}
payload firing ServeTestWorkerDown 2026-01-01T00:00:00Z fp1 page >p.json
for i in $(seq 50); do
	api POST /v1/alertmanager --data-binary @p.json
	[ "$CODE" = 202 ] || fail "webhook $i: $CODE $(cat resp)"
	jq -r '.runs[]' resp >>ids
done
[ "$(sort -u ids | wc -l)" = 1 ] || fail "50 notifications gave ids: $(sort -u ids)"
id=$(head -1 ids)
[ "$(ls st/runs | wc -l)" = 1 ] || fail "50 notifications started $(ls st/runs | wc -l) runs"
wait_run "$id" ok
t=st/runs/$id/transcript.jsonl
expect_jq "$t" '[.[] | select(.event == "run.start")] | length == 1'
expect_jq "$t" '.[0].inputs.namespace == "ns-a"' "the rendered input"
# a rendered value is data: the ${{ }} in the annotation was not evaluated
expect_jq "$t" '.[0].inputs.summary == "${{ env.HOME }} is data (serve)"' "the annotation as data"

# resolved, not matching, a severity the pattern does not take whole
payload resolved ServeTestWorkerDown 2026-01-01T00:00:00Z fp1 page >r.json
api POST /v1/alertmanager --data-binary @r.json
[ "$CODE" = 202 ] && [ "$(jq '.runs | length' resp)" = 0 ] || fail "resolved: $CODE $(cat resp)"
payload firing SomethingElse 2026-01-01T00:00:00Z fp2 page >o.json
api POST /v1/alertmanager --data-binary @o.json
[ "$(jq '.runs | length' resp)" = 0 ] || fail "an unmatched alert: $(cat resp)"
payload firing ServeTestWorkerDown 2026-01-01T00:00:00Z fp3 pager >s.json
api POST /v1/alertmanager --data-binary @s.json
[ "$(jq '.runs | length' resp)" = 0 ] || fail "=~ is anchored: $(cat resp)"

# the cooldown: a new startsAt for the same fingerprint within it is skipped
payload firing ServeTestCooled 2026-01-01T00:00:00Z fp4 x >c1.json
payload firing ServeTestCooled 2026-01-01T00:05:00Z fp4 x >c2.json
api POST /v1/alertmanager --data-binary @c1.json
[ "$(jq '.runs | length' resp)" = 1 ] || fail "cooled, first: $(cat resp)"
api POST /v1/alertmanager --data-binary @c2.json
jq -e '(.runs | length) == 0 and (.skipped[0].reason | test("cooldown"))' resp >/dev/null ||
	fail "cooled, second: $(cat resp)"

# payloads that are not webhooks
for body in '{}' '{"status": "firing", "alerts": {}}' '{"version": "3", "status": "firing", "alerts": []}' 'x'; do
	api POST /v1/alertmanager -d "$body"
	[ "$CODE" = 400 ] || fail "payload '$body': $CODE"
done
[ "$(ls st/runs | wc -l)" = 2 ] || fail "runs: $(ls st/runs | wc -l), want 2"

# a real Alertmanager, notifying every second
command -v prometheus-alertmanager >/dev/null || fail "prometheus-alertmanager is not installed"
mkdir -p am/data
amport=$(free_port)
cat >am/am.yml <<YAML
route:
  receiver: serve
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 1s
  repeat_interval: 1s
receivers:
  - name: serve
    webhook_configs:
      - url: $SERVE_URL/v1/alertmanager
        send_resolved: true
YAML
daemon_start alertmanager am "http://127.0.0.1:$amport/-/ready" \
	prometheus-alertmanager --config.file=am/am.yml --storage.path=am/data \
	--web.listen-address=127.0.0.1:$amport --cluster.listen-address= --log.level=warn ||
	fail "alertmanager did not start"
trap 'daemon_stop am; [ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null; true' EXIT
curl -fsS -XPOST -H 'Content-Type: application/json' "http://127.0.0.1:$amport/api/v2/alerts" \
	-d '[{"labels": {"alertname": "ServeTestWorkerDown", "namespace": "ns-real", "severity": "critical"},
	      "annotations": {"summary": "down"}}]' >/dev/null || fail "posting the alert"
sent() {
	local n
	n=$(curl -fsS "http://127.0.0.1:$amport/metrics" |
	    awk '/^alertmanager_notifications_total\{integration="webhook"/ {print $2}')
	[ "${n:-0}" -ge 3 ]
}
wait_for sent
real=$(grep -l '"ns-real"' st/runs/*/run.json | wc -l)
[ "$real" = 1 ] || fail "Alertmanager's repeated notifications started $real runs"
rid=$(basename "$(dirname "$(grep -l '"ns-real"' st/runs/*/run.json)")")
wait_run "$rid" ok
grep -q '"failed"' am/log && fail "Alertmanager's webhook failed: $(tail -5 am/log)"
true
