# --dry-run does what a reviewer expects: checks and read steps run for
# real; a wait is would-run without sleeping; a read step that needs a
# would-run write (directly, transitively, or by using its values) is
# would-run too; verify steps are would-run unless `dry-run: run`;
# `dry-run: skip` records a read step as would-run.  Each step that did not
# run says why (skip, need, need_status, reason), and the run exits 0 with
# the count of would-run steps in its summary.
cat > rb.yaml <<'Y'
runbook: dry-rules
title: What a dry run runs
checks:
  - id: precheck
    exec: [sh, -c, 'echo precheck >> ran']
    effect: read
steps:
  - id: before
    exec: [sh, -c, 'echo before >> ran; echo 3']
    effect: read
    outputs: { n: "${{ result.stdout | trim }}" }
  - id: pause
    wait: 1h
  - id: after-pause
    exec: [sh, -c, 'echo after-pause >> ran']
    effect: read
  - id: change
    exec: [sh, -c, 'echo change >> ran; echo 5']
    outputs: { n: "${{ result.stdout | trim }}" }
    rollback: { exec: ["true"] }
  - id: status
    exec: [sh, -c, 'echo status >> ran']
    effect: read
  - id: status-2
    exec: [sh, -c, 'echo status-2 >> ran']
    effect: read
  - id: uses-change
    needs: []
    exec: [sh, -c, 'echo "uses-change $0" >> ran', "${{ steps.change.outputs.n }}"]
    effect: read
  - id: if-uses
    needs: []
    if: ${{ steps.change.outputs.n == '5' }}
    exec: [sh, -c, 'echo if-uses >> ran']
    effect: read
  - id: independent
    needs: [before]
    exec: [sh, -c, 'echo "independent $0" >> ran', "${{ steps.before.outputs.n }}"]
    effect: read
  - id: skipped-read
    needs: []
    dry-run: skip
    exec: [sh, -c, 'echo skipped-read >> ran']
    effect: read
  - id: after-skip
    needs: [skipped-read]
    exec: [sh, -c, 'echo after-skip >> ran']
    effect: read
verify:
  - id: changed
    exec: [grep, -q, change, ran]
    effect: read
  - id: forced
    dry-run: run
    exec: [sh, -c, 'echo forced >> ran']
    effect: read
  - id: forced-uses
    dry-run: run
    exec: [sh, -c, 'echo "forced-uses $0" >> ran', "${{ steps.change.outputs.n }}"]
    effect: read
Y
# a wait of an hour: a guard, should it sleep after all (the assertion is its duration)
RC=0; timeout 120 "$RUNBOOK" run rb.yaml --dry-run --transcript t.jsonl >out 2>err </dev/null || RC=$?
expect_rc 0
[ "$(tr '\n' ' ' < ran)" = "precheck before after-pause independent 3 after-skip forced " ] ||
	fail "what ran: $(tr '\n' ' ' < ran)"
for s in precheck before after-pause independent after-skip forced; do expect_status t.jsonl $s ok; done
for s in pause change status status-2 uses-change if-uses skipped-read changed forced-uses; do
	expect_status t.jsonl $s would-run
done
end() { echo "[.[] | select(.event==\"step.end\" and .step==\"$1\")][0]"; }
expect_jq t.jsonl "$(end pause) | .skip == \"dry-run\" and .reason == \"a dry run does not wait\" and .duration_ms < 60000" "wait"
expect_jq t.jsonl "$(end change) | .skip == \"dry-run\" and .reason == \"a write step\" and .would_run.action[0] == \"sh\""
expect_jq t.jsonl "$(end status) | .skip == \"needs\" and .need == \"change\" and .need_status == \"would-run\" and .reason == \"needs 'change' (would-run)\"" "needs a would-run write"
expect_jq t.jsonl "$(end status-2) | .skip == \"needs\" and .need == \"status\"" "transitively"
expect_jq t.jsonl "$(end uses-change) | .skip == \"uses\" and .need == \"change\" and .reason == \"uses 'change' (would-run)\"" "uses its outputs"
expect_jq t.jsonl "$(end if-uses) | .skip == \"uses\" and .reason == \"its if uses 'change' (would-run)\"" "if uses its outputs"
expect_jq t.jsonl "$(end skipped-read) | .skip == \"dry-run\" and .reason == \"dry-run: skip\""
expect_jq t.jsonl "$(end changed) | .skip == \"dry-run\" and (.reason | test(\"verify\"))" "verify would-run"
expect_jq t.jsonl "$(end forced-uses) | .skip == \"uses\" and .need == \"change\"" "dry-run: run does not make values real"
expect_jq t.jsonl "$(end before) | has(\"skip\") | not" "a step that ran has no skip"
expect_out "^  \[would-run\] status \([0-9]+m?s\): needs 'change' \(would-run\)$"
expect_out "^  \[would-run\] pause \([0-9]+m?s\): a dry run does not wait$"
expect_out "^dry-rules succeeded in .*: 6 ok, 0 failed, 0 skipped, 9 would run \(dry run\)$"
expect_jq t.jsonl '.[-1] | .status == "ok" and .exit == 0 and .counts["would-run"] == 9'
rb verify t.jsonl --runbook rb.yaml
expect_rc 0

# the same under --parallel 2 (without the steps that use a value of a step
# they do not need: those may start first there)
sed -i '/^  - id: uses-change$/,/^  - id: independent$/{/^  - id: independent$/!d}' rb.yaml
rm -f ran
RC=0; timeout 120 "$RUNBOOK" run rb.yaml --dry-run --parallel 2 --transcript p.jsonl >out 2>err </dev/null || RC=$?
expect_rc 0
decisions() { jq -s -c '[.[] | select(.event=="step.end" and .step != "uses-change" and .step != "if-uses") | [.step, .status, .skip]] | sort' "$1"; }
[ "$(decisions t.jsonl)" = "$(decisions p.jsonl)" ] || fail "--parallel 2 decides otherwise: $(decisions p.jsonl)"

# `dry-run: run` makes a wait sleep; a dry run of reads only says 0 would run
cat > reads.yaml <<'Y'
runbook: dry-reads
title: Reads only
steps:
  - id: nap
    wait: 300ms
    dry-run: run
  - id: look
    exec: ["true"]
    effect: read
Y
rb run reads.yaml --dry-run --transcript r.jsonl
expect_rc 0
expect_status r.jsonl nap ok
expect_jq r.jsonl "$(end nap) | .duration_ms >= 300" "dry-run: run did not sleep"
expect_out '^dry-reads succeeded in .*: 2 ok, 0 failed, 0 skipped, 0 would run \(dry run\)$'

# exit codes: a failing check, a failing read step, and a write step whose
# action cannot be rendered (a run would fail there too) fail a dry run
for what in check read render; do
	case $what in
	check) body='checks: [{ id: x, exec: ["false"], effect: read }]' ;;
	read) body='steps: [{ id: x, exec: ["false"], effect: read }]' ;;
	render) body="steps: [{ id: x, exec: [echo, \"\${{ json('{') }}\"] }]" ;;
	esac
	printf 'runbook: dry-%s\ntitle: A dry run that errs\n%s\n' "$what" "$body" > $what.yaml
	rb run $what.yaml --dry-run --transcript $what.jsonl
	expect_rc 1
	expect_status $what.jsonl x failed
done
expect_jq render.jsonl "$(end x) | .error | test(\"render.yaml:3:.*json\")" "the render error"

# a write step whose action uses a would-run step's values is would-run even
# when that value does not render
cat > uses.yaml <<'Y'
runbook: dry-uses
title: Values a dry run does not have
steps:
  - id: make
    exec: [sh, -c, 'echo "{}"']
    outputs: { doc: "${{ result.stdout }}" }
  - id: use-doc
    exec: [echo, "${{ json(steps.make.outputs.doc) }}"]
Y
rb run uses.yaml --dry-run --transcript u.jsonl
expect_rc 0
expect_status u.jsonl use-doc would-run
