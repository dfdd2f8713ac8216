# Numbers in a transcript are read as integers only when they are
# integers in range: a seq of 1e119 makes its line "not a transcript
# event"; any other number the readers use (duration_ms, exit, attempts,
# mono, counts, upto_seq...) is ignored with a message naming it.  Never
# undefined behaviour (make asan runs this case under UBSan).
cat >rb.yaml <<'YAML'
runbook: numbers
title: Numbers
owner: platform-operations
steps:
  - id: one
    exec: [echo, one]
  - id: two
    exec: [echo, two]
YAML
rb run rb.yaml --transcript t.jsonl --quiet
expect_rc 0
n=$(wc -l <t.jsonl)

# a huge seq on line 3, the chain re-hashed around it
python3 "$ROOT/tests/lib/rehash.py" t.jsonl seq.jsonl "
if n == 3: e['seq'] = '#raw:1e119'"
grep -q '"seq":1e119,' seq.jsonl || fail "the crafted line"
rb verify seq.jsonl
expect_rc 5
expect_out 'FAIL +integrity +chain +first bad seq 3: line 3: not a transcript event: seq is not an integer'
rb report seq.jsonl --format html -o seq.html
expect_rc 0
rb resume seq.jsonl
expect_rc 5
expect_err 'line 3: not a transcript event: seq is not an integer'

# a fractional seq, as the last line: the reader drops it as not an event
python3 "$ROOT/tests/lib/rehash.py" t.jsonl frac.jsonl "
if n == $n: e['seq'] = '#raw:$n.5'"
rb verify frac.jsonl
expect_rc 5
expect_out "first bad seq $n: line $n: not a transcript event: seq is not an integer"

# every other number out of range or not an integer, chain intact
python3 "$ROOT/tests/lib/rehash.py" t.jsonl fields.jsonl "
if e['event'] == 'step.end': e['duration_ms'] = '#raw:1e119'; e['attempts'] = '#raw:-1e300'
if e['event'] == 'run.end': e['duration_ms'] = '#raw:1e300'; e['exit'] = 1.5; e['counts']['ok'] = '#raw:1e119'
if e['event'] == 'step.start': e['mono'] = '#raw:-9e18'
"
first=$(jq -s '[.[] | select(.event == "step.start")][0].seq' t.jsonl)
rb verify fields.jsonl
expect_rc 5
expect_out 'ok +integrity +chain'
expect_out "FAIL +integrity +fields +seq $first \(step.start\): 'mono' is -9e\+18, not an integer >= 0: ignored \(and more\)"
expect_out 'ok +completeness +run.end +run.end at seq [0-9]+: status ok, exit \?$'
expect_out 'ok +outcome +status +the run succeeded \(exit \?\)'
rb verify fields.jsonl --format json
expect_rc 5
jq -e '[.checks[] | select(.name == "fields")][0].seq == '"$first" out >/dev/null || fail "json: fields seq"
for fmt in md html; do
	rb report fields.jsonl --format $fmt -o fields.$fmt
	expect_rc 0
	grep -q "not an integer" fields.$fmt || fail "report $fmt: the fields message"
done
# the ignored figures are shown as unknown, not as numbers
grep -qF '| Outcome | ok (exit ?) |' fields.md || fail "report: the exit that is not an integer"
grep -qF '| steps | one | - | write | ok | 0 | - | - |' fields.md || fail "report: the step's attempts and duration"
grep -vF "'mono' is -9e+18" fields.md | grep -qE 'e\+(18|119|300)|[0-9]{19}' && fail "report: a huge number shown"

# a checkpoint whose upto_seq is huge: malformed, not a crash
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null || fail "openssl genpkey"
openssl pkey -in key.pem -pubout -out pub.pem 2>/dev/null
rb run rb.yaml --transcript s.jsonl --sign-key key.pem --quiet
expect_rc 0
python3 "$ROOT/tests/lib/rehash.py" s.jsonl cp.jsonl "
if e['event'] == 'checkpoint': e['upto_seq'] = '#raw:1e119'"
for k in "" "--pubkey pub.pem"; do
	rb verify cp.jsonl $k
	expect_rc 5
	expect_out 'FAIL +signatures +checkpoints +first bad seq 1: checkpoint at seq [0-9]+ is malformed'
	expect_out "FAIL +integrity +fields +seq [0-9]+ \(checkpoint\): 'upto_seq' is 1e\+119"
done
