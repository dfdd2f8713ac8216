# A step that ignores TERM and leaves background children behind, even one
# in its own session, times out and leaves no process alive.
cat > rb.yaml <<'Y'
runbook: timeout
title: Timeouts kill the whole tree
steps:
  - id: stubborn
    timeout: 300ms
    shell: |
      trap '' TERM
      (trap '' TERM; sleep 300) & echo $! > bg1.pid
      setsid sh -c 'trap "" TERM; echo $$ > bg2.pid; sleep 300' &
      sh -c 'sleep 300 & echo $! > bg3.pid; wait' &
      echo $$ > leader.pid
      while :; do sleep 1; done
Y
start=$(date +%s%N)
rb run rb.yaml --transcript t.jsonl
end=$(date +%s%N)
expect_rc 1
expect_status t.jsonl stubborn failed
expect_jq t.jsonl '[.[] | select(.event=="step.end")][0].error | test("timed out")' "error says timed out"
for f in leader.pid bg1.pid bg2.pid bg3.pid; do
	[ -s "$f" ] || fail "$f not written: the scenario did not start"
	pid=$(cat "$f")
	if kill -0 "$pid" 2>/dev/null; then fail "process from $f ($pid) outlived the step"; fi
done
ms=$(( (end - start) / 1000000 ))
[ $ms -lt 8000 ] || fail "took ${ms}ms: the grace period was not bounded"
# a normal exit with a background child: the child is gone too
cat > bg.yaml <<'Y'
runbook: leftovers
title: Background children do not outlive their step
steps:
  - id: forks
    shell: 'sleep 300 & echo $! > left.pid'
Y
rb run bg.yaml --transcript t2.jsonl
expect_rc 0
pid=$(cat left.pid)
if kill -0 "$pid" 2>/dev/null; then fail "background child $pid outlived the step"; fi
