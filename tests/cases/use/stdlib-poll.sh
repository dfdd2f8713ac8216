# The stdlib fragments that poll take their interval as an input
# (`every`, `within`; http/health: `attempts`, `delay`), with the old
# fixed values as defaults.  Measured through the transcript: k8s/scale
# and k8s/rollout-restart against a fake kubectl that is ready at its
# second poll end well under their old intervals (5s, 10s);
# prometheus/alert-clear against the suite's Prometheus, on an alert that
# keeps firing, polls every 100ms instead of once per 15s.
mkdir -p bin
cat >bin/kubectl <<'SH2'
#!/bin/sh
n=$(cat "$KUBE_N" 2>/dev/null || echo 0); echo $((n+1)) > "$KUBE_N"
case "$*" in
*"get deployment"*"revision"*) echo 4 ;;
*"get deployment"*"spec.replicas"*) echo 3 ;;
*"get deployment"*"readyReplicas"*) if [ -e ready ]; then echo 5; else touch ready; echo 3; fi ;;
*"rollout restart"*) echo "deployment.apps/web restarted" ;;
*"rollout status"*) if [ -e rolled ]; then echo 'deployment "web" successfully rolled out'; else touch rolled; echo waiting; fi ;;
*" scale "*) echo "deployment.apps/web scaled" ;;
*) echo "unexpected: $*" >&2; exit 1 ;;
esac
SH2
chmod +x bin/kubectl
export PATH=$T/bin:$PATH KUBE_N=$T/kube.n
cat >k8s.yaml <<'Y'
runbook: stdlib-poll
title: The stdlib polls as often as asked
owner: platform
inputs:
  every: { type: duration, default: 100ms }
steps:
  - id: restart
    use: stdlib/k8s/rollout-restart
    with: { deployment: web, every: "${{ inputs.every }}", within: 1m }
  - id: scale
    use: stdlib/k8s/scale
    with: { deployment: web, replicas: 5, every: "${{ inputs.every }}" }
Y
rb check --no-color k8s.yaml
expect_rc 0
rb run k8s.yaml --transcript t.jsonl
expect_rc 0
polls() { echo "[.[] | select(.event==\"step.attempt\" and .step==\"$1\")]"; }
for s in restart/rollout-status scale/ready; do
	expect_status t.jsonl $s ok
	expect_jq t.jsonl "$(polls $s) | length == 2 and (.[1].mono - .[0].mono) >= 100" "$s polled twice, 100ms apart"
done
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="restart/rollout-status")][0].duration_ms < 10000' \
	"rollout-restart: under its old 10s interval"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="scale/ready")][0].duration_ms < 5000' \
	"scale: under its old 5s interval"
# the defaults are the old intervals
rb plan k8s.yaml --input every=1m
expect_rc 0
expect_out 'until: every 1m within 1m'
cat >dflt.yaml <<'Y'
runbook: stdlib-poll-defaults
title: The stdlib's default intervals
owner: platform
steps:
  - { id: restart, use: stdlib/k8s/rollout-restart, with: { deployment: web } }
  - { id: scale, use: stdlib/k8s/scale, with: { deployment: web, replicas: 5 } }
  - { id: alert, use: stdlib/prometheus/alert-clear, with: { prometheus_url: "http://127.0.0.1:9", alert: X } }
  - { id: health, use: stdlib/http/health, with: { url: "http://127.0.0.1:9/health" } }
Y
rb plan dflt.yaml
expect_rc 0
expect_out 'until: every 10s within 10m'
expect_out 'until: every 5s within 5m'
expect_out 'until: every 15s within 10m'
expect_out 'retry: 3 attempts'

# alert-clear on an alert that keeps firing (a scrape target nobody
# serves): with every 100ms it polls many times in a short window, where
# its old 15s interval allowed one poll
cat >alert.yaml <<Y
runbook: stdlib-poll-alert
title: alert-clear polls as often as asked
owner: platform
steps:
  - id: firing
    prometheus: { connection: prom, alerts: { name: TestTargetDown, state: firing } }
    until: { every: 250ms, within: 40s }
    expect: { firing: true }
  - id: clear
    use: stdlib/prometheus/alert-clear
    with: { prometheus_url: "$RB_TEST_PROM", alert: TestTargetDown, every: 100ms, within: 700ms }
connections:
  prom: { prometheus: "$RB_TEST_PROM" }
Y
rb run alert.yaml --transcript a.jsonl
expect_rc 1
expect_status a.jsonl clear/alert-clear failed
expect_jq a.jsonl "$(polls clear/alert-clear) | length >= 3 and (.[1].mono - .[0].mono) >= 100" "alert-clear polled every 100ms"
expect_jq a.jsonl '[.[] | select(.event=="step.end" and .step=="clear/alert-clear")][0] | .duration_ms < 15000 and (.error | test("condition not met within 700ms"))'
