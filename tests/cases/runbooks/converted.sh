# runbooks: the forms the runbooks were converted to, as the plan shows
# them -- manual work as `manual` steps (the operator's checks as reads),
# the soak as until.hold with its window from inputs, the restore policy
# mapped by an expression, the rollout windows from inputs -- and no sh
# loop or date arithmetic left where the language now has a form.
export VAULT_TOKEN=hvs.conv-test SLACK_BOT_TOKEN=xoxb-conv CLOUDFLARE_API_TOKEN=cf-conv \
	BACKUP_STORAGE_TOKEN=st-conv SOMA_UI_TOKEN=ui-conv
R=$ROOT/runbooks
# plan --format json: "id primitive effect phase" of a step
step() { jq -r --arg s "$1" '.steps[] | select(.id == $s) | "\(.id) \(.primitive) \(.effect) \(.phase)"' out; }
undo_of() { jq -r --arg s "$1" '.steps[] | select(.undoes == $s) | "\(.id) \(.primitive)"' out; }

rb plan --format json "$R/rotate-slm-api-key.yaml" --input ticket=CHG-1
expect_rc 0
[ "$(step generate-key)" = "generate-key manual write steps" ] || fail "generate-key: $(step generate-key)"
[ "$(undo_of generate-key)" = "generate-key-rollback manual" ] || fail "generate-key's undo: $(undo_of generate-key)"
[ "$(step new-key-works)" = "new-key-works http read steps" ] || fail "new-key-works: $(step new-key-works)"
rb plan --format json "$R/emergency-shutdown.yaml" --input 'reason=a reason long enough' --input incident=INC-1 \
	--input cloudflare_account=0123456789abcdef0123456789abcdef --input tunnel_id=01234567-89ab-cdef-0123-456789abcdef
expect_rc 0
[ "$(step handover)" = "handover manual write steps" ] || fail "handover: $(step handover)"
jq -e '.steps[] | select(.id == "scale-to-zero") | .for_each.template == "${{ steps.record-replicas.outputs.replicas }}"' out >/dev/null ||
	fail "scale-to-zero: $(jq -c '.steps[] | select(.id == "scale-to-zero")' out)"
rb plan --format json "$R/budget-hard-stop.yaml" --input tenant=acme
[ "$(step raise-limit)" = "raise-limit manual write steps" ] || fail "raise-limit: $(step raise-limit)"
rb plan --format json "$R/circuit-breaker-openings.yaml" --input upstream_health_url=http://u/health --input incident=INC-1
[ "$(step rca-recorded)" = "rca-recorded manual write steps" ] || fail "rca-recorded: $(step rca-recorded)"
[ "$(step silence-window)" = "silence-window log read steps" ] || fail "silence-window: $(step silence-window)"
rb plan --format json "$R/canvas-disconnects.yaml" --input session=s1
[ "$(step users-refresh)" = "users-refresh manual read verify" ] || fail "users-refresh: $(step users-refresh)"
sum=$(printf '%064d' 0)
rb plan --format json "$R/restore-backup.yaml" --input backup_url=https://s/x.zip --input backup_sha256="$sum" --input incident=INC-3
[ "$(step operator-confirms)" = "operator-confirms manual read verify" ] || fail "operator-confirms: $(step operator-confirms)"
[ "$(step incident-tracker)" = "incident-tracker manual write steps" ] || fail "incident-tracker: $(step incident-tracker)"
# the policy the API takes, from an expression
for p in preserve:skip overwrite:overwrite; do
	rb plan --no-color "$R/restore-backup.yaml" --input backup_url=https://s/x.zip --input backup_sha256="$sum" \
		--input incident=INC-3 --input policy="${p%%:*}"
	grep -A1 '^  restore ' out | grep -qF "\"POLICY\":\"${p#*:}\"" || fail "policy ${p%%:*}: $(grep -A1 '^  restore ' out)"
done

# the soak: one poll that must hold, its window from the input
rb plan --no-color "$R/deployment-playbook.yaml" --input rollback_ref=v1 --input soak=2m --input rollout_within=20m
expect_rc 0
grep -A2 '^  soak ' out | grep -q 'until: every 15s within 2m15s hold 2m$' || fail "soak: $(grep -A2 '^  soak ' out)"
grep -A2 '^  rollouts-done ' out | grep -q 'until: every 10s within 20m$' || fail "rollouts-done: $(grep -A2 '^  rollouts-done ' out)"
# its query is valid PromQL: with no gateway target (the suite's Prometheus
# has none) the target counts as missing (other cases may make an alert
# fire meanwhile: at least 1)
q=$(jq -r '.steps[] | select(.id == "soak") | .action' <("$RUNBOOK" plan --format json "$R/deployment-playbook.yaml" --input rollback_ref=v1) | jq -r .query)
curl -fsS "$RB_TEST_PROM/api/v1/query" --data-urlencode "query=$q" >q.json || fail "the soak query: $(cat q.json)"
jq -e '.status == "success" and (.data.result[0].value[1] | tonumber) >= 1' q.json >/dev/null || fail "the soak query: $(cat q.json)"
rb plan --no-color "$R/restart-conversation-worker.yaml" --input rollout_every=30s --input rollout_within=30m
grep -A1 'restart/rollout-status ' out | grep -q 'until: every 30s within 30m$' || fail "rollout window: $(grep -A1 'restart/rollout-status' out)"

# no workaround left where the language has the form
! grep -nE 'while (IFS=* )?read|date -u .*--date|sed -n "s/\^' "$R"/*.yaml || fail "a sh loop or date arithmetic is left"
! grep -n 'wait: 5m' "$R/deployment-playbook.yaml" || fail "the soak is still a wait"
