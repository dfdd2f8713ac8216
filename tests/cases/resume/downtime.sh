# After a crash and a resume, the run's duration spans the whole run
# (run.start to the final run.end, the time down between them included,
# measured on the monotonic clock of the one boot), and verify and report
# show the time down.
cat >rb.yaml <<'YAML'
runbook: downtime
title: Downtime
owner: platform-operations
objectives:
  max-duration: 10m
  time-to-recover: 10m
steps:
  - id: s1
    exec: [echo, one]
  - id: s2
    exec: [echo, two]
  - id: s3
    exec: [echo, three]
YAML
rb run rb.yaml --transcript full.jsonl --quiet
expect_rc 0
n=$(jq -s '[.[] | select(.event == "step.end" and .step == "s2")][0].seq' full.jsonl)
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run rb.yaml --transcript t.jsonl --quiet >out 2>err || RC=$?
[ $RC -eq 137 ] || fail "the crash: exit $RC"
sleep 1     # the time down, to be measured
rb resume t.jsonl
expect_rc 0
expect_jq t.jsonl '[.[] | select(.event == "run.resume")] | length == 1 and .[0].boot == "'"$(cat /proc/sys/kernel/random/boot_id)"'"'

# the figures by the rule: mono differences (one boot)
fmt() { python3 -c '
import sys
ms, out = int(sys.argv[1]), ""
for u, k in (("d", 86400000), ("h", 3600000), ("m", 60000), ("s", 1000), ("ms", 1)):
    if ms >= k: out += "%d%s" % (ms // k, u); ms %= k
print(out or "0s")' "$1"; }
total=$(jq -s '([.[] | select(.event == "run.end")][-1].mono) - ([.[] | select(.event == "run.start")][0].mono)' t.jsonl)
down=$(jq -s '(map(.event) | index("run.resume")) as $r | .[$r].mono - .[$r - 1].mono' t.jsonl)
rseq=$(jq -s '[.[] | select(.event == "run.resume")][0].seq' t.jsonl)
ttr=$(jq -s '([.[] | select(.event == "step.end" and .phase == "steps")][-1].mono) -
	([.[] | select(.event == "step.start" and .phase == "steps")][0].mono)' t.jsonl)
last=$(jq -s '[.[] | select(.event == "run.end")][-1].duration_ms' t.jsonl)
[ "$down" -ge 1000 ] || fail "down only $down ms"
[ "$last" -lt "$down" ] || fail "the last run.end's own duration ($last ms) is the resumed part only"

rb verify t.jsonl --runbook rb.yaml
expect_rc 0
expect_out "ok +objectives +max-duration +the run took $(fmt "$total") \(run.start to the last run.end, $(fmt "$down") of it down between a crash and its resume\), limit 10m$"
expect_out "ok +objectives +time-to-recover +recovered in \(first steps step.start to last steps step.end ok\) $(fmt "$ttr") \($(fmt "$down") of it down between a crash and its resume\), limit 10m$"
expect_out "note +completeness +resume +resumed 1 time, down $(fmt "$down") in all; down $(fmt "$down") before the run.resume at seq $rseq$"

rb report t.jsonl --format md -o r.md
expect_rc 0
grep -qF "| Duration | $(fmt "$total") |" r.md || fail "report: the whole run's duration"
grep -qF "| Downtime | $(fmt "$down") between a crash and its resume (1 resume) |" r.md || fail "report: the downtime"
grep -qE "^\| down \(crash to resume\) \| \+[0-9.]+s \| \+[0-9.]+s \| $(fmt "$down") \| - \|$" r.md || fail "report: the timeline's down row"
rb report t.jsonl --format html -o r.html
expect_rc 0
grep -q '<rect class="down" ' r.html || fail "report: the Gantt chart's down bar"
