# runbooks: restart-conversation-worker, run against a fake kubectl that
# records its argv.  The prod approval gates the restart; outside prod
# none is asked; every call names the context; the stdlib fragment
# records the revision; when the restart keeps failing (3 tries) verify
# never runs, and its undo (back to that revision) runs only when the
# revision moved -- a restart refused before it did anything must not roll
# back the release that is running.
mkdir bin
cat >bin/kubectl <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$KUBECTL_LOG"
case "$*" in
*"auth can-i"*) echo yes ;;
*"get deploy"*revision*) cat rev 2>/dev/null || echo 7 ;;
*"rollout restart"*)
	# APPLIES=yes: the restart happens, but its output is not what is expected
	[ "${APPLIES:-}" = yes ] && { echo 8 >rev; echo 'Warning: unexpected'; exit 0; }
	echo 'error: deployments.apps "conversation-worker" is forbidden' >&2; exit 1 ;;
*"rollout undo"*) echo 'deployment.apps/conversation-worker rolled back' ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
chmod +x bin/kubectl
export PATH=$PWD/bin:$PATH KUBECTL_LOG=$PWD/kubectl.log
RB=$ROOT/runbooks/restart-conversation-worker.yaml
ins=(--input kube_context=soma-staging --input namespace=soma-staging --input "prometheus_url=$RB_TEST_PROM")

# prod: the operator says no, and nothing is restarted
printf 'approve-restart: no\n' >no.yaml
rb run "$RB" "${ins[@]}" --approve no.yaml --transcript no.jsonl
expect_rc 1
expect_jq no.jsonl '[.[] | select(.event=="approve")][0] | .step == "approve-restart" and .approved == false' "the denial is recorded"
expect_jq no.jsonl '[.[] | select(.event=="approve")][0].question | contains("now at revision 7")' "the question names the revision"
grep -q 'rollout' kubectl.log && fail "restarted without approval: $(cat kubectl.log)"

# staging: no approval is asked (there is no terminal and no --approve)
: >kubectl.log
rb run "$RB" "${ins[@]}" --input environment=staging --transcript st.jsonl
expect_rc 1
expect_status st.jsonl approve-restart skipped
expect_status st.jsonl restart/record-revision ok
expect_status st.jsonl restart/restart failed
expect_status st.jsonl restart failed
expect_jq st.jsonl '[.[] | select(.event=="step.attempt" and .step=="restart/restart")] | length == 3' "the restart is tried 3 times"
expect_jq st.jsonl '[.[] | select(.event=="step.start" and .phase=="verify")] | length == 0' "verify ran after a failure"
[ "$(grep -c 'rollout restart deployment/conversation-worker -n soma-staging' kubectl.log)" -eq 3 ] ||
	fail "restart calls: $(cat kubectl.log)"
# refused: nothing restarted, so nothing is undone, and the record says why
expect_status st.jsonl restart/restart-rollback none
grep -q 'rollout undo' kubectl.log && fail "a refused restart was undone: $(cat kubectl.log)"
expect_jq st.jsonl '[.[] | select(.event=="step.check" and .step=="restart/restart")][0].status == "failed"' "the check probe ran"
expect_jq st.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step == "restart/restart" and .failed_step_undo == "skipped" and (.failed_step_why | contains("did not happen"))'

# the restart did happen but failed its expectation: the probe sees the
# new revision, and the undo goes back to the recorded one
: >kubectl.log
APPLIES=yes rb run "$RB" "${ins[@]}" --input environment=staging --transcript ap.jsonl
expect_rc 1
expect_status ap.jsonl restart/restart failed
expect_status ap.jsonl restart/restart-rollback ok
expect_jq ap.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step_undo == "run" and (.failed_step_why | contains("happened"))'
grep -qx -- '--context=soma-staging rollout undo deployment/conversation-worker -n soma-staging --to-revision=7' kubectl.log ||
	fail "no undo to the recorded revision: $(cat kubectl.log)"
# every call names the context, none relies on the current one
! grep -v -e '^--context=soma-staging ' -e '^--context soma-staging ' kubectl.log ||
	fail "a kubectl call without the context"
