# A wall clock that steps back during a drill is a fact to report, not a
# crash: verify and report say where it stepped back, and take durations
# from the monotonic "mono" readings; a transcript without them (an older
# one) gets durations that are never negative, marked as lower bounds.
cat >d.yaml <<'YAML'
runbook: clock
title: Clock
owner: platform-operations
objectives:
  max-duration: 10m
  time-to-detect: 1m
  time-to-recover: 1m
steps:
  - id: fix
    exec: [echo, fixed]
verify:
  - id: healthy
    exec: [echo, healthy]
drill:
  inject:
    - id: break
      exec: [echo, broken]
  symptoms:
    - id: degraded
      exec: [sleep, "0.05"]
YAML
rb drill d.yaml --transcript d.jsonl --quiet
expect_rc 0
# every event has an integer mono, never decreasing; run.start has the boot id
expect_jq d.jsonl 'all(.[]; (.mono | type) == "number" and .mono == (.mono | floor)) and
	([.[].mono] == ([.[].mono] | sort)) and
	(.[0].boot == "'"$(cat /proc/sys/kernel/random/boot_id)"'") and
	([.[] | select(.boot)] | length) == 1' "mono and boot"

# the wall clock steps back one hour when the symptoms phase starts
s=$(jq -s '[.[] | select(.event == "step.start" and .phase == "symptoms")][0].seq' d.jsonl)
python3 "$ROOT/tests/lib/rehash.py" d.jsonl back.jsonl "
import datetime
if e['seq'] >= $s:
    t = datetime.datetime.strptime(e['ts'], '%Y-%m-%dT%H:%M:%S.%fZ') - datetime.timedelta(hours=1)
    e['ts'] = t.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (t.microsecond // 1000)
"
ttd=$(jq -s '([.[] | select(.event == "step.end" and .phase == "symptoms")][-1].mono) -
	([.[] | select(.event == "step.start" and .phase == "inject")][0].mono)' d.jsonl)
rb verify back.jsonl
expect_rc 0
expect_out 'ok +integrity +chain'
expect_out "note +clock +wall-clock +wall clock stepped back 3[56][0-9]{5} ms at seq $s; durations come from the monotonic clock"
expect_out "ok +objectives +time-to-detect +detected in \(first inject step.start to last symptoms step.end ok\) ${ttd}ms, limit 1m$"
expect_out 'ok +objectives +time-to-recover +recovered in'

# the same without mono and boot: the step back is not measured
python3 "$ROOT/tests/lib/rehash.py" back.jsonl old.jsonl "e.pop('mono', None); e.pop('boot', None)"
rb verify old.jsonl
expect_rc 0
expect_out "note +clock +wall-clock +wall clock stepped back 3[56][0-9]{5} ms at seq $s; no monotonic reading across it"
expect_out 'ok +objectives +time-to-detect +detected in .* [0-9a-z]+ \(the wall clock stepped back in between, with no monotonic reading: a lower bound\), limit 1m$'
expect_out 'ok +objectives +max-duration +the run took [0-9a-z]+, limit 10m$'   # run.end's own figure
expect_no ' -[0-9]'
rb verify old.jsonl --format json
jq -e '.ok == true and ([.checks[] | select(.name == "wall-clock")] | length) == 1' out >/dev/null ||
	fail "json: the clock note"

for f in back old; do
	for fmt in md html; do
		rb report $f.jsonl --format $fmt -o $f.$fmt
		expect_rc 0
		grep -q "wall clock stepped back" $f.$fmt || fail "report $f.$fmt: no clock note"
		# offsets and durations are never negative
		if grep -nE '\+-|>-[0-9]|\| -[0-9]|: -[0-9]|width="-' $f.$fmt; then fail "report $f.$fmt: a negative time"; fi
	done
done
