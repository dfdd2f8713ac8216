# alertmanager/healthy against the suite's Alertmanager: /-/healthy and
# /-/ready answer 200, the version and cluster state come back as
# outputs; against a closed port it fails at the first request, naming
# the URL and the refusal.
[ -n "${RB_TEST_AM:-}" ] || fail "no Alertmanager (RB_TEST_AM)"

cat >h.yaml <<'Y'
runbook: am-healthy
title: Alertmanager is up
owner: test
inputs:
  am: { type: url }
steps:
  - id: am
    use: stdlib/alertmanager/healthy
    with: { url: "${{ inputs.am }}" }
  - id: show
    log: "version ${{ steps.am.outputs.version }} cluster ${{ steps.am.outputs.cluster }}"
Y
rb check --no-color h.yaml
expect_rc 0
expect_err '0 errors, 0 warnings'
# a trailing slash on the base URL is fine
rb run h.yaml --input am="$RB_TEST_AM/" --transcript ok.jsonl
expect_rc 0
for s in am/healthy am/ready am/status am show; do expect_status ok.jsonl $s ok; done
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="show")][0].result.message
	| test("^version 0\\.[0-9]+\\.[0-9]+ cluster disabled$")' "version and cluster outputs"
expect_jq ok.jsonl '[.[] | select(.event=="step.start" and (.step | startswith("am/")))] | length == 3
	and all(.effect == "read")' "three read sub-steps"
expect_jq ok.jsonl '[.[] | select(.event=="step.end" and .step=="am/healthy")][0].result.status == 200'

# nobody listens: the first request fails, clearly, and nothing else runs
rb run h.yaml --input am="$RB_TEST_HTTP_REFUSED" --transcript refused.jsonl
expect_rc 1
expect_status refused.jsonl am/healthy failed
expect_status refused.jsonl am failed
expect_status refused.jsonl am/ready none
expect_out "am/healthy .*GET $RB_TEST_HTTP_REFUSED/-/healthy: .*[Cc]onnection refused"
expect_jq refused.jsonl '[.[] | select(.event=="step.end" and .step=="am")][0].error
	| test("step .healthy. of fragment .alertmanager-healthy. failed: .*refused")'
