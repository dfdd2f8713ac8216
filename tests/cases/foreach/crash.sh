# kill -9 of the interpreter at every point of a for-each run (items two
# at a time, between a step.start and its child, between items, during
# the rollback), then resume: every item that had ended ran exactly once
# (the marks file), the items in doubt are decided one by one by their
# check: probe (each item's own), the end state is fully applied -- or,
# when an item fails, fully rolled back -- and the transcript verifies.
gen() {  # gen FAILING_ITEM
cat <<Y
runbook: fe-crash
title: for-each killed and resumed
steps:
  - id: first
    exec: [sh, -c, 'echo first >> marks; touch applied-first']
    check: { exec: [test, -e, applied-first], effect: read }
    rollback: { id: undo-first, exec: [sh, -c, 'echo undo-first >> marks; rm -f applied-first'] }
  - id: each
    for-each: [a, b, c, d, e]
    max-concurrency: 2
    exec: [sh, -c, 'echo \$0 >> marks; [ \$0 != $1 ] || exit 1; touch applied-\$0', "\${{ each.item }}"]
    check: { exec: [test, -e, "applied-\${{ each.item }}"], effect: read }
    rollback: { id: undo-each, exec: [sh, -c, 'echo undo-\$0 >> marks; rm -f applied-\$0', "\${{ each.item }}"] }
  - id: last
    exec: [sh, -c, 'echo last >> marks; touch applied-last']
    idempotent: true
Y
}
gen none > ok.yaml
gen d > bad.yaml
rb run ok.yaml --transcript full.jsonl; expect_rc 0
rm -f marks applied-*
rb run bad.yaml --transcript fullbad.jsonl; expect_rc 1
# the failed item d fails before it applies: its probe says so, and its undo does not run
ls applied-* >/dev/null 2>&1 && fail "the failing run left: $(ls applied-*)"
grep -qx undo-d marks && fail "the failed item's undo ran: $(tr '\n' ' ' < marks)"
expect_jq fullbad.jsonl '[.[] | select(.event=="rollback.start")][0].items_in_doubt == [{"step":"each","index":3,"undo":"skipped","why":"check: the effect did not happen"}]'

once() {   # once TRANSCRIPT WHAT: what had ended before the crash ran exactly once
	local x
	for x in $(jq -r 'select(.event=="step.end" and .phase=="steps") | if .item then .item.value else .step end' "$1" | grep -vx each); do
		[ "$(grep -cx "$x" marks)" -eq 1 ] || fail "$2: $x had ended before the crash and ran $(grep -cx "$x" marks) times"
	done
}
for yaml in ok bad; do
	t=full; want=0; [ $yaml = bad ] && t=fullbad && want=1
	total=$(wc -l < $t.jsonl)
	for n in $(seq 1 $((total - 1))); do
		rm -f marks applied-* t.jsonl
		RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run $yaml.yaml --transcript t.jsonl >out 2>err || RC=$?
		# two items at a time: a run may write fewer events than the first one did
		jq -e 'select(.event=="run.end")' t.jsonl >/dev/null && continue
		[ $RC -eq 137 ] || fail "$yaml, crash at $n: exit $RC"
		cp t.jsonl before.jsonl
		rb resume t.jsonl
		[ $RC -eq $want ] || fail "$yaml: resume after a crash at $n: exit $RC, want $want"
		once before.jsonl "$yaml, crash at $n"
		if [ $yaml = ok ]; then
			for x in first a b c d e last; do [ -e applied-$x ] || fail "crash at $n: $x not applied after resume"; done
		else
			ls applied-* >/dev/null 2>&1 && fail "$yaml, crash at $n: not rolled back: $(ls applied-*)"
		fi
		rb verify t.jsonl --runbook $yaml.yaml
		for c in 'integrity +chain' 'runbook +order' 'runbook +items' 'runbook +rollbacks'; do
			grep -qE "^ +ok +$c" out || fail "$yaml, crash at $n: verify check '$c' did not pass: $(cat out)"
		done
	done
done

# resume --rollback in the middle of the items: the ended ones are undone
# in reverse completion order, each with its own item
rm -f marks applied-* t.jsonl
third=$(jq -s '[.[] | select(.event=="step.end" and .item)][2].seq' full.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$third "$RUNBOOK" run ok.yaml --transcript t.jsonl >out 2>err || RC=$?
[ $RC -eq 137 ] || fail "crash: exit $RC"
done_order=$(jq -r 'select(.event=="step.end" and .item) | .item.value' t.jsonl | tac | sed 's/^/undo-/' | tr '\n' ' ')
# an item in flight at the crash is in doubt: its probe decides (did it
# apply?), and its undo comes first
inflight=$(jq -r 'select(.event=="step.start" and .item) | .item.value' t.jsonl | sort -r | while read -r x; do
	jq -e -s --arg x "$x" 'any(.[]; .event=="step.end" and .item.value==$x)' t.jsonl >/dev/null ||
		{ [ -e applied-$x ] && echo "undo-$x"; }; done | tr '\n' ' ')
rb resume t.jsonl --rollback
expect_rc 1
ls applied-* >/dev/null 2>&1 && fail "--rollback left: $(ls applied-*)"
undone=$(grep '^undo-[a-e]' marks | tr '\n' ' ')
[ "$undone" = "$inflight$done_order" ] || fail "rollback order: $undone, want $inflight$done_order"
[ "$(tail -1 marks)" = undo-first ] || fail "the step before the for-each was not undone last: $(tail -1 marks)"
