# runbooks: every SomaAgent procedure of the seeds has its runbook, and
# `runbook check` finds no error and no warning in any of them.
for id in deploy-soma-local-kind restart-conversation-worker rotate-slm-api-key \
	restore-backup emergency-shutdown telemetry-worker-offline kafka-outage \
	budget-hard-stop delegation-backlog canvas-disconnects circuit-breaker-openings \
	somaclient-event-loop deployment-playbook; do
	[ -f "$ROOT/runbooks/$id.yaml" ] || fail "runbooks/$id.yaml is missing"
	grep -qx "runbook: $id" "$ROOT/runbooks/$id.yaml" || fail "runbooks/$id.yaml does not declare 'runbook: $id'"
done

rb check --no-color "$ROOT/runbooks"
expect_rc 0
expect_err '^[0-9]+ files checked: 0 errors, 0 warnings$'
# the JSON report agrees, diagnostic by diagnostic
rb check --format json "$ROOT/runbooks"
expect_rc 0
jq -e '.errors == 0 and .warnings == 0 and (.diagnostics | length) == 0' out >/dev/null ||
	fail "check --format json reports diagnostics: $(head -c 600 out)"

# The runbooks call stdlib fragments without a rollback of their own, and
# lint-no-rollback stays quiet since every write step of those fragments
# has one.  The check harness requires a case's listed warnings but not
# their absence, so the quiet check case of that rule is held to it here.
rb check --no-color "$ROOT/tests/cases/check/lint-use-quiet.yaml"
expect_rc 0
expect_err '^1 file checked: 0 errors, 0 warnings$'
rb check --no-color "$ROOT/tests/cases/check/lint-use-warn.yaml"
expect_rc 0
expect_err '^1 file checked: 0 errors, 3 warnings$'
