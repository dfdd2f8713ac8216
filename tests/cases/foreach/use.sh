# for-each over a fragment: `use: stdlib/k8s/rollout-restart` with
# `with: { deployment: "${{ each.item }}" }`, three items at once against
# a fake kubectl whose `rollout restart` is a barrier (it returns only
# when all three restarts are running, so they did run concurrently).
# Each item's call has its own scope: its own inputs, its own recorded
# revision, its own undo when a later step fails; an item whose fragment
# failed is in doubt, its failed sub-step decided by the fragment's probe
# in that item's scope.
mkdir -p bin
cat >bin/kubectl <<'SH'
#!/bin/sh
echo "$*" >> "$KUBE_LOG"
d=$(echo "$*" | sed -n 's|.* deployment/\([a-z]*\) .*|\1|p')
case "$*" in
*"get deployment"*"revision"*)
	case "$*" in *" web "*) echo 4 ;; *" api "*) echo 7 ;; *) echo 9 ;; esac ;;
*"rollout restart"*)
	[ "$d" = "$FAIL" ] && { echo "error: cannot restart $d" >&2; exit 1; }
	touch "$KUBE_DIR/restarting-$d"
	until [ "$(ls "$KUBE_DIR" | grep -c '^restarting-')" -ge "$KUBE_WANT" ]; do sleep 0.01; done
	echo "deployment.apps/$d restarted" ;;
*"rollout status"*) echo "deployment \"$d\" successfully rolled out" ;;
*"rollout undo"*) echo "rolled back" ;;
*) echo "unexpected: $*" >&2; exit 1 ;;
esac
SH
chmod +x bin/kubectl
mkdir kube
export PATH=$T/bin:$PATH KUBE_LOG=$T/kube.log KUBE_DIR=$T/kube KUBE_WANT=3 FAIL=none
cat >fleet.yaml <<'Y'
runbook: fe-use
title: Restart a fleet of deployments
inputs:
  deployments: { type: list, default: [web, api, db] }
  later: { type: bool, default: false }
steps:
  - id: restart-all
    for-each: "${{ inputs.deployments }}"
    max-concurrency: 3
    max-errors: 1
    use: stdlib/k8s/rollout-restart
    with: { deployment: "${{ each.item }}", namespace: shop }
  - id: after
    exec: [sh, -c, 'echo "$0"; [ "$1" = false ]', "${{ toJSON(steps.restart-all.outputs.revision) }}", "${{ inputs.later }}"]
    effect: read
Y
rb check --no-color fleet.yaml
expect_rc 0
rb run fleet.yaml --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="after")][0].result.stdout | fromjson == ["4","7","9"]'
expect_jq t.jsonl '[.[] | select(.event=="fragment.start") | [.item.index, .inputs.deployment]] | sort == [[0,"web"],[1,"api"],[2,"db"]]'
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="restart-all/restart") | .item.index] | sort == [0,1,2]' "sub-steps carry their item"
rb verify t.jsonl --runbook fleet.yaml
expect_rc 0
# a later failure undoes each item's restart, to that item's own revision
rm -f kube.log kube/*
rb run fleet.yaml --input later=true --transcript f.jsonl
expect_rc 1
[ "$(grep 'rollout undo' kube.log | sort | tr '\n' ' ')" = "--context= rollout undo deployment/api -n shop --to-revision=7 --context= rollout undo deployment/db -n shop --to-revision=9 --context= rollout undo deployment/web -n shop --to-revision=4 " ] ||
	fail "undos: $(grep 'rollout undo' kube.log)"
# api fails to restart (tolerated): its sub-step is in doubt, and the
# fragment's probe, run for api, says its revision did not move
rm -f kube.log kube/*
KUBE_WANT=2 FAIL=api rb run fleet.yaml --input later=true --transcript a.jsonl
expect_rc 1
expect_jq a.jsonl '[.[] | select(.event=="step.end" and .step=="restart-all" and .item == null)][0] | .status == "ok" and .result.failed == 1'
grep -q 'rollout undo deployment/api' kube.log && fail "api's failed restart was undone"
[ "$(grep -c 'rollout undo' kube.log)" = 2 ] || fail "undos: $(grep 'rollout undo' kube.log)"
expect_jq a.jsonl '[.[] | select(.event=="rollback.start")][0].items_in_doubt == [{"step":"restart-all/restart","index":1,"undo":"skipped","why":"check: the effect did not happen"}]'
expect_jq a.jsonl '[.[] | select(.event=="step.check" and .step=="restart-all/restart")][0].item.value == "api"'
rb verify a.jsonl --runbook fleet.yaml
expect_out 'ok +runbook +rollbacks'
