# alertmanager/alert-firing and alert-cleared against the suite's
# Alertmanager, with alerts this case pushes (POST /api/v2/alerts):
# firing sees a pushed alert (by alertname and filter), waits for one
# pushed while it polls, fails naming the selector when none fires;
# cleared waits while the alert fires and ends once it is resolved,
# fails after `within` while it still fires; both poll every `every`
# and fail at once against a closed port or a filter Alertmanager
# refuses.  No sleeps: the case acts when the transcript shows a poll
# that found the other state.
[ -n "${RB_TEST_AM:-}" ] || fail "no Alertmanager (RB_TEST_AM)"
AM=$RB_TEST_AM
tag=alerts-$$-$RANDOM
# push NAME [ENDS_AT]: an alert NAME{tag, sev=page}, firing, or resolved at ENDS_AT
push() {
	local ends=${2:+,\"endsAt\":\"$2\"}
	curl -fsS -XPOST -H 'Content-Type: application/json' "$AM/api/v2/alerts" \
		-d '[{"labels":{"alertname":"'"$1"'","tag":"'"$tag"'","sev":"page"}'"$ends"'}]' >/dev/null ||
		fail "cannot push an alert to $AM"
}
# polled T STEP STATUS: the transcript T has a poll of STEP that ended STATUS
polled() { jq -e -s --arg s "$2" --arg st "$3" \
	'any(.[]; .event=="step.attempt" and .step==$s and .status==$st and .poll >= 1)' "$1" >/dev/null 2>&1; }
polls() { jq -s --arg s "$2" '[.[] | select(.event=="step.attempt" and .step==$s)] | length' "$1"; }
# gap T STEP: the shortest time in ms between two polls of STEP
gap() { jq -s --arg s "$2" '[.[] | select(.event=="step.attempt" and .step==$s) | .mono]
	| [range(1; length) as $i | .[$i] - .[$i - 1]] | min' "$1"; }
# fl ITEM...: a JSON list of the items, for a list input
fl() { jq -cn '$ARGS.positional' --args "$@"; }

for f in firing cleared; do
	cat >$f.yaml <<Y
runbook: am-$f
title: Alert $f
owner: test
inputs:
  am: { type: url }
  name: { type: string }
  filter: { type: list, default: [] }
  every: { type: duration, default: 2s }
  within: { type: duration, default: 0s }
steps:
  - id: $f
    use: stdlib/alertmanager/alert-$f
    with: { url: "\${{ inputs.am }}", alertname: "\${{ inputs.name }}", filter: "\${{ inputs.filter }}",
            every: "\${{ inputs.every }}", within: "\${{ inputs.within }}" }
Y
	rb check --no-color $f.yaml
	expect_rc 0
	expect_err '0 errors, 0 warnings'
done
sel='tag="'$tag'"'
fsel=$(fl "$sel")

# --- firing: nothing yet, one look ---
rb run firing.yaml --input am="$AM" --input name=AmTestFiring --input filter="$fsel" --transcript f0.jsonl
expect_rc 1
expect_out "firing/wait .*condition not met within 0s \\(1 polls\\): expected len\\(json\\) ge 1, got 0"
expect_out '^    \{alertname="AmTestFiring",tag="'"$tag"'"\}$'
[ "$(polls f0.jsonl firing/wait)" = 1 ] || fail "within 0s polled $(polls f0.jsonl firing/wait) times"

# --- firing: a pushed alert is seen, by name and filter ---
push AmTestFiring
rb run firing.yaml --input am="$AM" --input name=AmTestFiring --input filter="$fsel" --transcript f1.jsonl
expect_rc 0
expect_jq f1.jsonl '[.[] | select(.event=="step.end" and .step=="firing")][0].outputs.count == 1' "count 1"
expect_jq f1.jsonl '[.[] | select(.event=="step.start" and (.step | startswith("firing/")))] | all(.effect == "read")'
# a filter it does not match, or another name: not firing
rb run firing.yaml --input am="$AM" --input name=AmTestFiring --input filter="$(fl "$sel" 'sev=~"tick.*"')" --transcript f2.jsonl
expect_rc 1
expect_status f2.jsonl firing/wait failed
rb run firing.yaml --input am="$AM" --input name=AmTestFiringNot --input filter="$fsel" --transcript f3.jsonl
expect_rc 1

# --- firing: waits, within, for an alert pushed while it polls ---
"$RUNBOOK" run firing.yaml --input am="$AM" --input name=AmTestLate --input filter="$fsel" --input every=200ms --input within=20s \
	--transcript late.jsonl >late.out 2>&1 </dev/null &
bg=$!
wait_for polled late.jsonl firing/wait failed
push AmTestLate
rc=0; wait $bg || rc=$?
[ $rc = 0 ] || fail "alert-firing did not see the late alert (exit $rc): $(tail -5 late.out)"
[ "$(polls late.jsonl firing/wait)" -ge 2 ] || fail "it did not poll"

# --- firing: polls every `every` (at least that far apart) until `within` ends ---
rb run firing.yaml --input am="$AM" --input name=AmTestNever --input filter="$fsel" --input every=100ms --input within=1s \
	--transcript never.jsonl
expect_rc 1
expect_out "firing/wait .*condition not met within 1s \\([0-9]+ polls\\): expected len\\(json\\) ge 1, got 0"
n=$(polls never.jsonl firing/wait)
[ "$n" -ge 3 ] && [ "$n" -le 11 ] || fail "every 100ms within 1s: $n polls"
[ "$(gap never.jsonl firing/wait)" -ge 95 ] || fail "polls $(gap never.jsonl firing/wait)ms apart, every 100ms"

# --- cleared: waits while the alert fires, ends once it is resolved ---
"$RUNBOOK" run cleared.yaml --input am="$AM" --input name=AmTestFiring --input filter="$fsel" --input every=200ms --input within=20s \
	--transcript clear.jsonl >clear.out 2>&1 </dev/null &
bg=$!
wait_for polled clear.jsonl cleared/wait failed
push AmTestFiring "$(date -u -d '-1 sec' +%Y-%m-%dT%H:%M:%SZ)"
rc=0; wait $bg || rc=$?
[ $rc = 0 ] || fail "alert-cleared did not see the alert resolve (exit $rc): $(tail -5 clear.out)"
[ "$(polls clear.jsonl cleared/wait)" -ge 2 ] || fail "it did not poll"
expect_jq clear.jsonl '[.[] | select(.event=="step.end" and .step=="cleared")][0].outputs.cleared == true'
# already clear: one poll
rb run cleared.yaml --input am="$AM" --input name=AmTestFiring --input filter="$fsel" --input within=30s --transcript c1.jsonl
expect_rc 0
[ "$(polls c1.jsonl cleared/wait)" = 1 ] || fail "an already clear alert polled $(polls c1.jsonl cleared/wait) times"

# --- cleared: still firing when `within` ends (at most within/every + 1 polls) ---
rb run cleared.yaml --input am="$AM" --input name=AmTestLate --input filter="$fsel" --input every=500ms --input within=2s \
	--transcript c2.jsonl
expect_rc 1
expect_out "cleared/wait .*condition not met within 2s \\([2-5] polls\\): expected len\\(json\\) eq 0, got 1"
expect_status c2.jsonl cleared/wait failed
n=$(polls c2.jsonl cleared/wait)
[ "$n" -ge 2 ] && [ "$n" -le 5 ] || fail "every 500ms within 2s: $n polls"
expect_jq c2.jsonl '[.[] | select(.event=="step.end" and .step=="cleared")][0].error
	| test("step .wait. of fragment .alertmanager-alert-cleared. failed")'

# --- a closed port, a refused filter: at once, no polling ---
for f in firing cleared; do
	rb run $f.yaml --input am="$RB_TEST_HTTP_REFUSED" --input name=AmTestLate --input within=30s --transcript r-$f.jsonl
	expect_rc 1
	expect_out "$f/reachable .*GET $RB_TEST_HTTP_REFUSED/api/v2/alerts\\?filter=.*[Cc]onnection refused"
	expect_status r-$f.jsonl $f/wait none
	rb run $f.yaml --input am="$AM" --input name=AmTestLate --input filter='["tag==\"x\""]' --input within=30s --transcript b-$f.jsonl
	expect_rc 1
	expect_status b-$f.jsonl $f/reachable failed
	expect_out "$f/reachable .*expected status eq 200, got 400"
	expect_jq b-$f.jsonl '[.[] | select(.event=="step.end" and .step=="'$f'/reachable")][0].result.body | test("matcher")'
	expect_status b-$f.jsonl $f/wait none
done

# the alerts this case leaves firing resolve now
push AmTestLate "$(date -u -d '-1 sec' +%Y-%m-%dT%H:%M:%SZ)"
