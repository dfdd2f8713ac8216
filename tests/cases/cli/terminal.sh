# The terminal display: live marks and colour on a TTY, NO_COLOR honoured,
# plain lines without escape sequences elsewhere; a summary with the
# transcript path either way.
cat > rb.yaml <<'Y'
runbook: display
title: Display
steps:
  - id: fine
    exec: [echo, ok]
  - id: flaky
    exec: [sh, -c, 'n=$(cat n 2>/dev/null || echo 0); echo $((n+1)) > n; [ $n -ge 1 ]']
    retry: { attempts: 2, delay: 10ms }
Y
script -qec "$RUNBOOK run rb.yaml --transcript tty.jsonl" /dev/null > tty.out 2>&1 </dev/null
grep -q '✓' tty.out || fail "no ✓ on a TTY: $(cat -v tty.out)"
grep -q $'\033\[32m' tty.out || fail "no colour on a TTY"
grep -q 'attempt 1/2 failed' tty.out || fail "the retry is not shown"
grep -q 'transcript: tty.jsonl' tty.out || fail "no transcript path in the summary"
rm -f n
NO_COLOR=1 script -qec "$RUNBOOK run rb.yaml --transcript nc.jsonl" /dev/null > nc.out 2>&1 </dev/null
grep -q '✓' nc.out || fail "no ✓ with NO_COLOR"
grep -q $'\033\[3[0-9]m' nc.out && fail "colour despite NO_COLOR: $(cat -v nc.out | head)"
rm -f n
rb run rb.yaml --transcript plain.jsonl
expect_rc 0
grep -q $'\033' out && fail "escape sequences when not a TTY: $(cat -v out | head)"
expect_out '^  \[ok\] fine \('
expect_out 'flaky.*2 attempts'
expect_out 'display succeeded in .*: 2 ok, 0 failed, 0 skipped'
expect_out '^transcript: plain.jsonl$'
# a step that takes a while shows its running time while it runs
cat > slow.yaml <<'Y'
runbook: slow-display
title: Running clock
steps:
  - id: slowpoke
    exec: [sleep, "2.4"]
Y
script -qec "$RUNBOOK run slow.yaml --transcript slow.jsonl" /dev/null > slow.out 2>&1 </dev/null
python3 - slow.out <<'PY' || fail "no running clock: $(cat -v slow.out)"
import re, sys
segs = [re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', s) for s in open(sys.argv[1], encoding='utf-8', newline='').read().split('\r')]
ticks = [s for s in segs if 'slowpoke' in s and '(exec, write)' in s and re.search(r' [12]s$', s.rstrip())]
sys.exit(0 if ticks else 1)
PY
