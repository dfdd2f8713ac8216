# runbooks: `runbook plan` succeeds for every runbook, shows the undo of
# every write step (steps and drill inject), and never prints a secret even
# when the secrets are set in the environment.
export VAULT_TOKEN=hvs.plan-test-77ab \
	SLACK_BOT_TOKEN=xoxb-plan-test-31 CLOUDFLARE_API_TOKEN=cf-plan-test-52 \
	BACKUP_STORAGE_TOKEN=st-plan-test-18 SOMA_UI_TOKEN=ui-plan-test-90
checked=0
for f in "$ROOT"/runbooks/*.yaml; do
	b=$(basename "$f")
	rb plan --no-color "$f"
	expect_rc 0
	expect_out "^plan: ${b%.yaml} "
	expect_out 'rollback: (on-failure|always|never)$'
	for s in "$VAULT_TOKEN" "$SLACK_BOT_TOKEN" "$CLOUDFLARE_API_TOKEN" \
		"$BACKUP_STORAGE_TOKEN" "$SOMA_UI_TOKEN"; do
		expect_no "$s"
	done
	# every write step of the procedure (and of a drill's inject) has an
	# undo: its own, or one of a `use` step above it (which replaces the
	# fragment's).  A `use` step without one answers through its write
	# sub-steps ("<use-step>/<fragment-step>"), each held to the same rule.
	rb plan --format json "$f"
	expect_rc 0
	missing=$(jq -r '. as $p | [$p.steps[] | select(.undoes) | .undoes] as $undone
		| [$p.steps[] | select((.phase == "steps" or .phase == "inject") and .effect == "write")] as $w
		| $w[] | .id as $id
		| select(any($undone[]; . as $u | $id == $u or ($id | startswith($u + "/"))) | not)
		| select(.fragment == null or ([$w[] | select(.id | startswith($id + "/"))] | length == 0))
		| $id' out) ||
		fail "$b: plan --format json is not JSON"
	[ -z "$missing" ] || fail "$b: write steps without a rollback: $missing"
	writes=$(jq '[.steps[] | select(.phase == "steps" and .effect == "write")] | length' out)
	[ "$writes" -gt 0 ] || fail "$b: no write step at all"
	undos=$(jq '[.steps[] | select(.undoes)] | length' out)
	# the text plan shows those undos too
	rb plan --no-color "$f"
	[ "$(grep -c 'undo: ' out)" -ge "$undos" ] || fail "$b: text plan shows fewer undos than the JSON plan"
	checked=$((checked + 1))
done
[ "$checked" -ge 14 ] || fail "only $checked runbooks planned"

# inputs render into the plan: a namespace given on the command line shows
# in the rendered kubectl argv (through the stdlib fragment's `with:`),
# and a bad one is refused by its pattern
rb plan --no-color "$ROOT/runbooks/restart-conversation-worker.yaml" --input namespace=soma-staging
expect_rc 0
expect_out 'restart/restart +exec +write +kubectl --context=soma-prod rollout restart deployment/conversation-worker -n soma-staging$'
expect_out 'undo: restart/restart-rollback +exec +write +kubectl --context=soma-prod rollout undo deployment/conversation-worker -n soma-staging'
rb plan --no-color "$ROOT/runbooks/restart-conversation-worker.yaml" --input 'namespace=Soma Prod'
expect_rc 2
expect_err "namespace"
# secrets never come from the command line
rb plan --no-color "$ROOT/runbooks/rotate-slm-api-key.yaml" --input vault_token=hvs-argv
expect_rc 2
expect_err "secret"
