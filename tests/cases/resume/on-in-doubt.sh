# on-in-doubt: what resume does with a step in doubt (started, never
# ended: the interpreter was killed while it ran) when the operator gives
# no --in-doubt.  rerun runs it again (its effect twice), skip assumes it
# took effect (once), rollback rolls back the run as --rollback does, park
# (the default) stops and asks as before.  A step's key wins over the
# runbook's, --in-doubt over both, and the transcript and the terminal say
# who decided.
gen() {  # gen TOP STEP: the runbook's on-in-doubt and the step's ('' for none)
	echo "runbook: doubt"
	echo "title: a step killed in flight"
	[ -n "$1" ] && echo "on-in-doubt: $1"
	cat <<'Y'
steps:
  - id: first
    exec: [sh, -c, 'echo first >> runs']
    rollback: { id: undo-first, exec: [sh, -c, 'echo undo-first >> runs'] }
  - id: doubt
    exec: [sh, -c, 'echo doubt >> count; touch started; while [ ! -e go ]; do sleep 0.01; done']
    rollback: { id: undo-doubt, exec: [sh, -c, 'echo undo-doubt >> runs'] }
Y
	[ -n "$2" ] && echo "    on-in-doubt: $2"
	cat <<'Y'
  - id: last
    exec: [sh, -c, 'echo last >> runs']
Y
}
crash() {  # crash YAML: run it, kill -9 the interpreter while step 'doubt' waits
	rm -f count runs started go t.jsonl
	"$RUNBOOK" run "$1" --transcript t.jsonl >out 2>err &
	local pid=$!
	wait_for test -e started
	kill -9 $pid; wait $pid 2>/dev/null
	touch go
	[ "$(wc -l < count)" -eq 1 ] || fail "$1: the step in doubt did not take effect once before the kill"
}
lines() { if [ -e "$1" ]; then grep -cx "$2" "$1"; else echo 0; fi; }
doubt_event() {  # doubt_event DECISION BY: the step.in-doubt record says so
	expect_jq t.jsonl "[.[] | select(.event==\"step.in-doubt\")] | length == 1 and .[0].step == \"doubt\" and .[0].decision == \"$1\" and .[0].decided_by == \"$2\"" \
		"step.in-doubt: want $1 by $2, got $(jq -c 'select(.event=="step.in-doubt") | [.decision, .decided_by, .why]' t.jsonl)"
}
resume_event() {  # resume_event DECISION BY
	expect_jq t.jsonl "[.[] | select(.event==\"run.resume\")][0] | .in_doubt == \"doubt\" and .in_doubt_decision == \"$1\" and .decided_by == \"$2\"" \
		"run.resume: want $1 by $2, got $(jq -c 'select(.event=="run.resume") | [.in_doubt_decision, .decided_by]' t.jsonl)"
}
ran_on() {  # the run went on: first once, last once, nothing undone, verifies
	[ "$(lines runs first)" -eq 1 ] || fail "$1: first ran $(lines runs first) times"
	[ "$(lines runs last)" -eq 1 ] || fail "$1: last did not run once after resume"
	grep -q undo runs && fail "$1: something was undone: $(tr '\n' ' ' < runs)"
	rb verify t.jsonl --runbook "$2"; expect_rc 0
}

# rerun: the step runs again, its effect happens twice, the run ends ok
gen rerun '' > rerun.yaml
crash rerun.yaml
rb resume t.jsonl; expect_rc 0
[ "$(lines count doubt)" -eq 2 ] || fail "rerun: the step in doubt ran $(lines count doubt) times, want 2"
expect_out "in doubt: on-in-doubt: rerun, the runbook's policy"
doubt_event rerun runbook
resume_event rerun runbook
ran_on rerun rerun.yaml

# skip: assumed applied, not run again, the run goes on
gen skip '' > skip.yaml
crash skip.yaml
rb resume t.jsonl; expect_rc 0
[ "$(lines count doubt)" -eq 1 ] || fail "skip: the step in doubt ran $(lines count doubt) times, want 1"
expect_out "on-in-doubt: skip, the runbook's policy"
doubt_event applied runbook
resume_event skip runbook
ran_on skip skip.yaml

# rollback: the same as --in-doubt rollback (--rollback, the step in
# doubt's own undo too) and its exit code
gen '' '' > plain.yaml
crash plain.yaml
rb resume t.jsonl --rollback
want_rc=$RC
crash plain.yaml
rb resume t.jsonl --in-doubt rollback; expect_rc "$want_rc"
resume_event rollback operator
want_runs=$(tr '\n' ' ' < runs)
[ "$want_runs" = "first undo-doubt undo-first " ] || fail "--in-doubt rollback undid: $want_runs"
gen rollback '' > rollback.yaml
crash rollback.yaml
rb resume t.jsonl; expect_rc "$want_rc"
[ "$(tr '\n' ' ' < runs)" = "$want_runs" ] || fail "rollback: undid $(tr '\n' ' ' < runs), want $want_runs"
[ "$(lines count doubt)" -eq 1 ] || fail "rollback: the step in doubt ran again"
expect_out "on-in-doubt: rollback, the runbook's policy"
resume_event rollback runbook
expect_jq t.jsonl '[.[] | select(.event=="run.resume")][0].action == "rollback"'
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")][0] | .failed_step == "doubt" and .failed_step_undo == "run" and (.failed_step_why | test("on-in-doubt: rollback"))' \
	"rollback.start does not say the runbook's policy undid the step in doubt"

# park, written or by default: resume asks, changes nothing, runs nothing
for top in park ''; do
	gen "$top" '' > park.yaml
	crash park.yaml
	before=$(sha256sum < t.jsonl)
	rb resume t.jsonl; expect_rc 2
	expect_err "--in-doubt rerun"
	[ "$before" = "$(sha256sum < t.jsonl)" ] || fail "park '$top': resume changed the transcript"
	[ "$(lines count doubt)" -eq 1 ] || fail "park '$top': the step in doubt ran again"
	[ "$(lines runs last)" -eq 0 ] || fail "park '$top': the run went on"
	if [ -n "$top" ]; then expect_err "on-in-doubt: park, the runbook's policy"; else expect_no "on-in-doubt"; fi
done

# the step's key wins over the runbook's
gen skip rerun > over.yaml
crash over.yaml
rb resume t.jsonl; expect_rc 0
[ "$(lines count doubt)" -eq 2 ] || fail "step rerun over runbook skip: ran $(lines count doubt) times, want 2"
expect_out "on-in-doubt: rerun, the policy of step 'doubt'"
doubt_event rerun runbook
ran_on "step over runbook" over.yaml
gen rerun park > overpark.yaml
crash overpark.yaml
rb resume t.jsonl; expect_rc 2
expect_err "on-in-doubt: park, the policy of step 'doubt'"
[ "$(lines count doubt)" -eq 1 ] || fail "step park over runbook rerun: the step ran again"

# --in-doubt on the command line wins over both
gen rerun rerun > cli.yaml
crash cli.yaml
rb resume t.jsonl --in-doubt skip; expect_rc 0
[ "$(lines count doubt)" -eq 1 ] || fail "--in-doubt skip over rerun: ran $(lines count doubt) times, want 1"
doubt_event applied operator
resume_event skip operator
expect_no "policy"
ran_on "--in-doubt skip" cli.yaml
gen park park > cli2.yaml
crash cli2.yaml
rb resume t.jsonl --in-doubt rerun; expect_rc 0
[ "$(lines count doubt)" -eq 2 ] || fail "--in-doubt rerun over park: ran $(lines count doubt) times, want 2"
doubt_event rerun operator
ran_on "--in-doubt rerun" cli2.yaml

# for-each: the step's policy decides its item in doubt
fe() {  # fe POLICY
cat <<Y
runbook: doubt-items
title: an item killed in flight
steps:
  - id: each
    for-each: [a, b, c]
    exec: [sh, -c, 'echo \$0 >> count; [ \$0 != b ] || { touch started; while [ ! -e go ]; do sleep 0.01; done; }', "\${{ each.item }}"]
    rollback: { id: undo-each, exec: [sh, -c, 'echo undo-\$0 >> runs', "\${{ each.item }}"] }
    on-in-doubt: $1
Y
}
fe rerun > fe-rerun.yaml
crash_fe() { rm -f count runs started go t.jsonl; "$RUNBOOK" run "$1" --transcript t.jsonl >out 2>err & local pid=$!; wait_for test -e started; kill -9 $pid; wait $pid 2>/dev/null; touch go; }
crash_fe fe-rerun.yaml
rb resume t.jsonl; expect_rc 0
[ "$(tr '\n' ' ' < count)" = "a b b c " ] || fail "for-each rerun: items ran $(tr '\n' ' ' < count), want a b b c"
expect_jq t.jsonl '[.[] | select(.event=="step.in-doubt")] | length == 1 and .[0].item.index == 1 and .[0].decision == "rerun" and .[0].decided_by == "runbook"'
fe skip > fe-skip.yaml
crash_fe fe-skip.yaml
rb resume t.jsonl; expect_rc 0
[ "$(tr '\n' ' ' < count)" = "a b c " ] || fail "for-each skip: items ran $(tr '\n' ' ' < count), want a b c"
expect_jq t.jsonl '[.[] | select(.event=="step.in-doubt")] | length == 1 and .[0].decision == "applied" and .[0].decided_by == "runbook"'
fe rollback > fe-rollback.yaml
crash_fe fe-rollback.yaml
rb resume t.jsonl; expect_rc "$want_rc"
[ "$(tr '\n' ' ' < count)" = "a b " ] || fail "for-each rollback: items ran $(tr '\n' ' ' < count)"
[ "$(tr '\n' ' ' < runs)" = "undo-b undo-a " ] || fail "for-each rollback: undid $(tr '\n' ' ' < runs), want undo-b undo-a"
expect_jq t.jsonl '[.[] | select(.event=="rollback.start")][0].items_in_doubt[0] | .index == 1 and .undo == "run" and (.why | test("on-in-doubt: rollback, the policy of step .each."))' \
	"rollback.start does not say the step's policy undid the item in doubt"
fe park > fe-park.yaml
crash_fe fe-park.yaml
rb resume t.jsonl; expect_rc 2
[ "$(tr '\n' ' ' < count)" = "a b " ] || fail "for-each park: items ran $(tr '\n' ' ' < count)"

# plan shows a policy that is not the default, text and JSON
gen skip rerun > plan.yaml
rb plan plan.yaml; expect_rc 0
expect_out "^on-in-doubt: skip"
expect_out "on-in-doubt: rerun"
rb plan plan.yaml --format json; expect_rc 0
jq -e '.on_in_doubt == "skip" and ([.steps[] | select(.id=="doubt")][0].on_in_doubt == "rerun") and ([.steps[] | select(.id=="first")][0] | has("on_in_doubt") | not)' out >/dev/null ||
	fail "plan --format json does not show the policies: $(cat out)"
rb plan plain.yaml; expect_rc 0
expect_no "on-in-doubt"

# a bad value is a check error at its place, with the words allowed
gen rerunn '' > bad.yaml
rb check bad.yaml; expect_rc 2
grep -q "bad.yaml:3:14: error: 'on-in-doubt' must be rerun, skip, rollback or park, got 'rerunn'; did you mean 'rerun'?" out err ||
	fail "check does not place the bad value: $(cat out err)"
gen '' maybe > bad2.yaml
rb check bad2.yaml; expect_rc 2
grep -q "bad2.yaml:10:18: error: 'on-in-doubt' must be" out err || fail "check does not place the step's bad value: $(cat out err)"
