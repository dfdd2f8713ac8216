# kill -9 of the interpreter at every point of a 5-step run (after each
# transcript event: between step.start and the child, between the child's
# exit and step.end, during rollback); each time the transcript verifies as
# interrupted, resume never re-runs a finished step, and the end state is
# fully applied -- or fully rolled back.
gen() {  # gen FAIL_LAST
cat <<Y
runbook: five
title: Five steps
steps:
  - id: s1
    exec: [sh, -c, 'echo s1 >> runs; touch applied-s1']
    check: { exec: [test, -e, applied-s1], effect: read }
    rollback: { id: u1, exec: [sh, -c, 'echo u1 >> runs; rm -f applied-s1'] }
  - id: s2
    exec: [sh, -c, 'echo s2 >> runs; touch applied-s2']
    idempotent: true
    rollback: { id: u2, exec: [sh, -c, 'echo u2 >> runs; rm -f applied-s2'] }
  - id: s3
    exec: [sh, -c, 'echo s3 >> runs; touch applied-s3']
    rollback: { id: u3, exec: [sh, -c, 'echo u3 >> runs; rm -f applied-s3'] }
  - id: s4
    exec: [sh, -c, 'echo s4 >> runs; touch applied-s4']
    check: { exec: [test, -e, applied-s4], effect: read }
    rollback: { id: u4, exec: [sh, -c, 'echo u4 >> runs; rm -f applied-s4'] }
  - id: s5
    exec: [sh, -c, 'echo s5 >> runs; touch applied-s5; exit $1']
    idempotent: true
    rollback-on-failure: true
    rollback: { id: u5, exec: [sh, -c, 'echo u5 >> runs; rm -f applied-s5'] }
Y
}
gen 0 > ok.yaml
gen 1 > bad.yaml
# how many events a whole run writes
rb run ok.yaml --transcript full.jsonl; expect_rc 0
total=$(wc -l < full.jsonl)
rb run bad.yaml --transcript fullbad.jsonl; expect_rc 1
totalbad=$(wc -l < fullbad.jsonl)
rm -f runs applied-*

check_once() {   # steps that ended before the crash ran exactly once overall
	local t=$1 s
	for s in $(jq -r 'select(.event=="step.end" and .phase=="steps") | .step' "$t.before"); do
		[ "$(grep -cx "$s" runs)" -eq 1 ] || fail "$2: finished step $s ran $(grep -cx "$s" runs) times"
	done
}

for n in $(seq 1 $((total - 1))); do
	rm -f runs applied-* t.jsonl
	RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run ok.yaml --transcript t.jsonl >out 2>err || RC=$?
	[ $RC -eq 137 ] || fail "crash at $n: exit $RC"
	cp t.jsonl t.jsonl.before
	rb verify t.jsonl; expect_rc 5
	grep -qi interrupted out || fail "crash at $n: verify does not say interrupted: $(cat out)"
	rb resume t.jsonl --in-doubt rerun
	[ $RC -eq 0 ] || fail "resume after crash at $n: exit $RC: $(cat out err)"
	for s in 1 2 3 4 5; do [ -e applied-s$s ] || fail "crash at $n: s$s not applied after resume"; done
	check_once t.jsonl "crash at $n"
	rb verify t.jsonl --runbook ok.yaml
	[ $RC -eq 0 ] || fail "crash at $n: the resumed transcript does not verify: $(cat out)"
done

# a run that fails and rolls back, killed at every point of its rollback too
first_rb=$(jq -s '[.[] | select(.event=="rollback.start")][0].seq' fullbad.jsonl)
for n in $(seq $((first_rb - 3)) $((totalbad - 1))); do
	rm -f runs applied-* t.jsonl
	RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run bad.yaml --transcript t.jsonl >out 2>err || RC=$?
	[ $RC -eq 137 ] || fail "crash at $n: exit $RC"
	cp t.jsonl t.jsonl.before
	rb resume t.jsonl
	[ $RC -eq 1 ] || fail "resume of the failing run after crash at $n: exit $RC: $(cat out err)"
	ls applied-* >/dev/null 2>&1 && fail "crash at $n: not fully rolled back: $(ls applied-*)"
	check_once t.jsonl "rollback crash at $n"
	rb verify t.jsonl --runbook bad.yaml
	for c in 'integrity +chain' 'completeness +run.end' 'runbook +order' 'runbook +rollbacks'; do
		grep -qE "^ +ok +$c" out || fail "crash at $n: verify check '$c' did not pass: $(cat out)"
	done
done

# resume --rollback: undo what an interrupted run did instead of finishing it
rm -f runs applied-* t.jsonl
seq3=$(jq -s '[.[] | select(.event=="step.end" and .step=="s3")][0].seq' full.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$seq3 "$RUNBOOK" run ok.yaml --transcript t.jsonl >out 2>err || RC=$?
[ $RC -eq 137 ] || fail "crash: exit $RC"
rb resume t.jsonl --rollback
expect_rc 1
ls applied-* >/dev/null 2>&1 && fail "--rollback left: $(ls applied-*)"
[ "$(tail -3 runs | tr '\n' ' ')" = "u3 u2 u1 " ] || fail "rollback order: $(tr '\n' ' ' < runs)"

# a non-idempotent in-doubt step without a check makes resume stop and ask
rm -f runs applied-* t.jsonl
s3start=$(jq -s '[.[] | select(.event=="step.start" and .step=="s3")][0].seq' full.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$s3start "$RUNBOOK" run ok.yaml --transcript t.jsonl >out 2>err || RC=$?
before=$(sha256sum t.jsonl)
rb resume t.jsonl
expect_rc 2
expect_err "in-doubt"
[ "$before" = "$(sha256sum t.jsonl)" ] || fail "resume changed the transcript although it stopped to ask"
# a transcript that already ended cannot be resumed
rb resume full.jsonl
expect_rc 2

# the real thing: kill -9 from outside while a step's child is running
cat > ext.yaml <<'Y'
runbook: external-kill
title: kill -9 from outside
steps:
  - id: e1
    exec: [sh, -c, 'echo e1 >> runs; touch applied-e1']
  - id: e2
    exec: [sh, -c, 'echo e2 >> runs; touch e2-started; while [ ! -e go ]; do sleep 0.01; done; touch applied-e2']
    idempotent: true
  - id: e3
    exec: [sh, -c, 'echo e3 >> runs; touch applied-e3']
Y
rm -f runs applied-* go e2-started t.jsonl
"$RUNBOOK" run ext.yaml --transcript ext.jsonl >out 2>err &
pid=$!
wait_for test -e e2-started
kill -9 $pid; wait $pid 2>/dev/null
touch go
rb verify ext.jsonl; expect_rc 5
rb resume ext.jsonl
expect_rc 0
[ "$(grep -cx e1 runs)" -eq 1 ] || fail "e1 ran again after kill -9"
for s in e1 e2 e3; do [ -e applied-$s ] || fail "$s not applied after resume"; done
rb verify ext.jsonl --runbook ext.yaml; expect_rc 0
