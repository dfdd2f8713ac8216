# verify: a run killed with -9 leaves no run.end and is reported as
# interrupted (exit 5), naming the last event; a torn last line is named
# and not merged into the events; the chain before it still holds.
cat >rb.yaml <<'YAML'
runbook: crash
title: Crash
owner: platform-operations
steps:
  - id: before
    exec: [echo, before]
  - id: crash
    shell: 'kill -9 $PPID; sleep 5'
  - id: never
    exec: [echo, never]
YAML
rb run rb.yaml --transcript t.jsonl --quiet
[ "$RC" -eq 137 ] || fail "the interpreter was not killed (exit $RC)"
expect_jq t.jsonl 'all(.event != "run.end") and any(.event == "step.start" and .step == "crash")' "a killed run"
last=$(tail -1 t.jsonl | jq -r '"seq \(.seq) \(.event) '"'"'\(.step)'"'"'"')

rb verify t.jsonl
expect_rc 5
expect_out 'ok +integrity +chain'
expect_out "FAIL +completeness +run.end +interrupted: no run.end; the last event is $last"
expect_out 'FAIL +outcome +status +unknown: the run did not end'
expect_out '^verify: failed: .*the run was interrupted$'
rb verify t.jsonl --format json
jq -e '.interrupted == true and .first_bad_seq == null' out >/dev/null || fail "json: interrupted"

# the writer died in the middle of a line
n=$(wc -l <t.jsonl)
cp t.jsonl torn.jsonl
partial='{"seq":'$((n + 1))',"ts":"2030-01-01T00:00:00.000Z","event":"step.e'
printf '%s' "$partial" >>torn.jsonl
rb verify torn.jsonl
expect_rc 5
expect_out "FAIL +completeness +torn-line +line $((n + 1)) is torn \(${#partial} bytes, no newline\)"
expect_out 'ok +integrity +chain +'"$n"' events'
expect_out "interrupted: no run.end; the last event is $last"
