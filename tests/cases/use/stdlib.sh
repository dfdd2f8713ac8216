# use: the stdlib fragments, run for real: k8s/rollout-restart and
# k8s/scale against a fake kubectl (it logs its argv), rolled back when a
# later step fails; postgres/not-in-recovery against the suite's
# PostgreSQL (its DSN a secret that never reaches the transcript);
# prometheus/alert-clear against the suite's Prometheus.
mkdir -p bin
cat >bin/kubectl <<'SH'
#!/bin/sh
echo "$*" >> "$KUBE_LOG"
case "$*" in
*"get deployment"*"revision"*) echo 4 ;;
*"get deployment"*"spec.replicas"*) echo 3 ;;
*"get deployment"*"readyReplicas"*) echo 5 ;;
*"rollout restart"*) echo "deployment.apps/$4 restarted" | sed 's|deployment/||' ;;
*"rollout status"*) echo 'deployment "web" successfully rolled out' ;;
*"rollout undo"*) echo "rolled back" ;;
*" scale "*) echo "deployment.apps/web scaled" ;;
*) echo "unexpected: $*" >&2; exit 1 ;;
esac
SH
chmod +x bin/kubectl
export PATH=$T/bin:$PATH KUBE_LOG=$T/kube.log
cat >k8s.yaml <<'Y'
runbook: use-k8s
title: Restart and scale through the stdlib
inputs:
  fail: { type: bool, default: false }
steps:
  - id: restart
    use: stdlib/k8s/rollout-restart
    with: { deployment: web, namespace: shop, context: kind-test }
  - id: scale
    use: stdlib/k8s/scale
    with: { deployment: web, namespace: shop, replicas: 5 }
  - id: report
    exec: [sh, -c, 'echo "rev $0 replicas $1"; [ "$2" = false ]', "${{ steps.restart.outputs.revision }}",
           "${{ steps.scale.outputs.previous }}", "${{ inputs.fail }}"]
    expect: { stdout: "rev 4 replicas 3\n" }
Y
rb check --no-color k8s.yaml
expect_rc 0
rb run k8s.yaml --transcript ok.jsonl
expect_rc 0
want='--context=kind-test get deployment web -n shop -o jsonpath={.metadata.annotations.deployment\.kubernetes\.io/revision}
--context=kind-test rollout restart deployment/web -n shop
--context=kind-test rollout status deployment/web -n shop --watch=false
--context= get deployment web -n shop -o jsonpath={.spec.replicas}
--context= scale deployment/web -n shop --replicas=5
--context= get deployment web -n shop -o jsonpath={.status.readyReplicas}'
[ "$(cat kube.log)" = "$want" ] || fail "kubectl calls: $(cat kube.log)"
rm kube.log
rb run k8s.yaml --input fail=true --transcript f.jsonl
expect_rc 1
expect_jq f.jsonl '[.[] | select(.event=="rollback.start")][0].steps == ["scale/scale", "restart/restart"]'
[ "$(tail -2 kube.log)" = "$(printf '%s\n' '--context= scale deployment/web -n shop --replicas=3' \
	'--context=kind-test rollout undo deployment/web -n shop --to-revision=4')" ] ||
	fail "rollback calls: $(tail -2 kube.log)"

# postgres: the DSN is a secret of the caller, passed to a secret input
export PG_DSN=$RB_TEST_PG_DSN
cat >db.yaml <<'Y'
runbook: use-db
title: Postgres and Prometheus through the stdlib
inputs:
  dsn: { type: secret, from: env:PG_DSN }
  prom: { type: url, default: "http://127.0.0.1:9090" }
checks:
  - id: primary
    use: stdlib/postgres/not-in-recovery
    with: { dsn: "${{ inputs.dsn }}" }
  - id: alert
    use: stdlib/prometheus/alert-clear
    with: { prometheus_url: "${{ inputs.prom }}", alert: RunbookTestNeverFires }
steps:
  - id: show
    log: "${{ steps.primary.outputs.version }} clear=${{ steps.alert.outputs.clear }}"
Y
rb run db.yaml --input prom="$RB_TEST_PROM" --transcript db.jsonl
expect_rc 0
expect_status db.jsonl primary/not-in-recovery ok
expect_status db.jsonl alert/alert-clear ok
expect_jq db.jsonl '[.[] | select(.event=="step.end" and .step=="show")][0].result.message | test("^PostgreSQL [0-9]+.* clear=true$")'
expect_jq db.jsonl '[.[] | select(.event=="fragment.start" and .step=="primary")][0].inputs.dsn == "***"'
expect_no "$RB_TEST_PG_PASSWORD" db.jsonl
