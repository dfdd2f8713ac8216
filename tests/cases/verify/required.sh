# verify fails an event that lacks a field its kind always carries (the
# table of events in the reference), naming the event, its seq and the
# field -- even when the chain was recomputed around the edit.  A
# transcript as the writer made it has every required field.
cat >rb.yaml <<'YAML'
runbook: required
title: Required fields
owner: platform-operations
steps:
  - id: one
    exec: [echo, one]
    effect: read
  - id: two
    exec: [echo, two]
    effect: read
YAML
rb run rb.yaml --transcript t.jsonl --quiet
expect_rc 0
rb verify t.jsonl
expect_rc 0
expect_no required-fields

# step.end of 'two' without its status
python3 "$ROOT/tests/lib/rehash.py" t.jsonl status.jsonl "
if e['event'] == 'step.end' and e['step'] == 'two': del e['status']"
seq=$(jq -s '[.[] | select(.event == "step.end" and .step == "two")][0].seq' status.jsonl)
rb verify status.jsonl
expect_rc 5
expect_out 'ok +integrity +chain'
expect_out "FAIL +integrity +required-fields +seq $seq \(step.end\): the required field 'status' is missing$"
expect_out "^verify: failed: .*first bad seq $seq$"
rb verify status.jsonl --format json
expect_rc 5
jq -e --argjson s "$seq" '[.checks[] | select(.name == "required-fields")] |
	length == 1 and .[0].result == "fail" and .[0].seq == $s and
	(.[0].detail | contains("'"'"'status'"'"'"))' out >/dev/null || fail "json: the required-fields check"

# two events without a field: the first is named, "and more"
python3 "$ROOT/tests/lib/rehash.py" t.jsonl two.jsonl "
if e['event'] == 'run.start': del e['sha256']
if e['event'] == 'step.start': del e['step']"
rb verify two.jsonl
expect_rc 5
expect_out "FAIL +integrity +required-fields +seq 1 \(run.start\): the required field 'sha256' is missing \(and more\)"

# a field the row does not require may be absent
python3 "$ROOT/tests/lib/rehash.py" t.jsonl optional.jsonl "
if e['event'] == 'run.start': e.pop('title', None)"
rb verify optional.jsonl
expect_rc 0
expect_no required-fields

# report shows the failed check
rb report status.jsonl --format md -o status.md
expect_rc 0
grep -q "the required field 'status' is missing" status.md || fail "report: the required-fields check"
