# runbook docs --transcript: the page ends with the last run's result as
# `runbook verify` judges it (the verdict, mode, when, duration, outcome)
# and each step's status as the transcript records it (record/replay.c),
# rollbacks included.  A transcript of another runbook is refused.
command -v cmark-gfm >/dev/null || fail "cmark-gfm is not installed (tests/lib/deps.sh test)"
page() { /usr/bin/python3 "$ROOT/tests/lib/md_page.py" "$1" >"$1.json" || fail "md_page.py $1"; }
# run_and_page NAME EXIT: run small.yaml (it exits EXIT), then its page with NAME.jsonl, read into NAME.md.json
run_and_page() {
	rb run small.yaml --transcript "$1.jsonl"
	expect_rc "$2"
	rb docs small.yaml --transcript "$1.jsonl"
	expect_rc 0
	cp out "$1.md"
	page "$1.md"
}
cat >small.yaml <<'YAML'
runbook: small
title: Small
owner: ops
last-reviewed: 2026-11-20
checks:
  - id: c1
    exec: ["true"]
    effect: read
steps:
  - id: s1
    exec: [sh, -c, "echo hi"]
    rollback: { id: u1, exec: [echo, undo] }
  - id: s2
    exec: [sh, -c, "exit 3"]
verify:
  - id: v1
    exec: ["true"]
    effect: read
YAML
run_and_page failed 1
jq -e '.headings[-1] == [2, "Last run"]' failed.md.json >/dev/null || fail "no Last run section"
jq -e '.tables[-2] as $t | ($t | map({(.[0]): .[1]}) | add) as $m |
	($m.Verdict | startswith("FAIL")) and $m.Mode == "run" and ($m.Outcome == "failed (exit 1)") and
	($m.Started | test("^[0-9]{4}-")) and ($m.Duration | test("[0-9]+m?s$")) and $m."Runbook version" == "this file"' \
	failed.md.json >/dev/null || fail "run summary: $(jq -c '.tables[-2]' failed.md.json)"
jq -e '.tables[-1] == [["Phase","Step","Status"], ["checks","c1","ok"], ["steps","s1","ok"],
	["rollback","u1 (undoes s1)","ok"], ["steps","s2","failed"], ["verify","v1","not run"]]' failed.md.json >/dev/null ||
	fail "step statuses: $(jq -c '.tables[-1]' failed.md.json)"
# a run that passes
sed -i 's/exit 3/exit 0/' small.yaml
run_and_page ok 0
jq -e '(.tables[-2][] | select(.[0] == "Verdict") | .[1] | startswith("PASS")) and
	(.tables[-1] | map(.[2]) == ["Status","ok","ok","not run","ok","ok"])' ok.md.json >/dev/null ||
	fail "a passing run: $(jq -c '.tables[-2:]' ok.md.json)"
# a forged transcript: it does not verify, and its strings stay text
jq -c 'if .event == "step.end" and .step == "s2" then .status = "<script>x</script> | y" else . end' ok.jsonl >forged.jsonl
rb docs small.yaml --transcript forged.jsonl
expect_rc 0
cp out forged.md
page forged.md
jq -e '(.tags.script == null) and (.tables[-2][] | select(.[0] == "Verdict") | .[1] | startswith("FAIL")) and
	(.tables[-1][] | select(.[1] == "s2") | .[2] == "<script>x</script> | y")' forged.md.json >/dev/null ||
	fail "a forged transcript: $(jq -c '.tables[-2:], .tags' forged.md.json)"
# the failed transcript against the changed file: another version
rb docs small.yaml --transcript failed.jsonl
expect_rc 0
expect_out '^\| Runbook version \| another version of this file'
# a transcript of another runbook, a file that is not one
sed 's/^runbook: small/runbook: other/' small.yaml >other.yaml
rb docs other.yaml --transcript ok.jsonl
expect_rc 2
expect_err "ok.jsonl is a transcript of runbook 'small', not of 'other'"
rb docs small.yaml --transcript small.yaml
expect_rc 2
expect_err 'small.yaml is not the transcript of a run'
rb docs small.yaml --transcript missing.jsonl
expect_rc 2
expect_err 'missing.jsonl'
true
