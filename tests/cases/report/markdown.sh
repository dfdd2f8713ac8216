# report --format md: the drill report as Markdown tables: who ran what
# where, the verdict, objectives with figures, the timeline, each step with
# expected vs actual, approvals and rollbacks.  Strings from the transcript
# are escaped: a step's output cannot break a table or inject HTML.
cat >drill.yaml <<'YAML'
runbook: report-drill
title: Report <drill>
version: 2.1.0
owner: platform-operations
objectives:
  max-duration: 5m
  time-to-detect: 1m
  rollbacks-expected: [migrate]
steps:
  - id: gate
    approve: "Proceed with the migration?"
  - id: migrate
    exec: [echo, "<script>alert(1)</script> | pipe"]
    expect: { stdout: { contains: "alert" } }
    rollback:
      exec: [echo, reverted]
  - id: poison
    exec: [echo, "healthy"]
    expect: { stdout: { matches: "^degraded" } }
drill:
  inject:
    - id: break
      exec: [echo, broken]
  symptoms:
    - id: degraded
      exec: [echo, degraded]
  cleanup:
    - id: tidy
      exec: [echo, tidy]
YAML
cat >answers.yaml <<'YAML'
gate: { approved: true, by: alice, comment: "checked <b>dash</b> | ok" }
YAML
rb drill drill.yaml --transcript t.jsonl --approve answers.yaml --operator 'ops@example' --quiet
expect_rc 1

rb report t.jsonl
expect_rc 0
cp out report.md
expect_out '^# Drill report: Report &lt;drill&gt;$'
for h in 'Verify verdict' Objectives Timeline 'Checks and steps' 'Expected vs actual' Approvals 'Rollbacks and signals'; do
	expect_out "^## $h$"
done
expect_out '^\| Runbook \| report-drill \|$'
expect_out '^\| Version \| 2\.1\.0 \|$'
expect_out '^\| Operator \| ops@example \|$'
expect_out "^\| Host \| $(hostname) \|$"
expect_out '^\| Mode \| drill \|$'
expect_out '^\| SHA-256 \| [0-9a-f]{64} \|$'
expect_out '^\*\*PASS: all [0-9]+ checks hold\.\*\*$'
expect_out '^\| time-to-detect \| met \| detected in .*, limit 1m \|$'
expect_out '^\| rollbacks-expected \| met \| the rollbacks of all 1 expected steps ran ok \|$'
expect_out '^\| steps \| poison \| - \| write \| failed \| 1 \| [0-9a-z]+ \| expected stdout matches '
expect_out '^\| poison \| stdout \| matches \| "\^degraded" \| "healthy\\\\n" \| failed \|$'
expect_out '^\| gate \| Proceed with the migration\? \| approved \| alice \| checked &lt;b&gt;dash&lt;/b&gt; \\\| ok \| [0-9T:.-]+Z \| file \|$'
expect_out '^\| rollback step \| \+[0-9.]+s \| migrate-rollback: ok \|$'
expect_no '<script>'
expect_no '<b>'

# every row of every table has as many cells as its header
python3 - report.md <<'PY' || fail "a table row has the wrong number of cells"
import re, sys
cells = lambda l: len(re.findall(r'(?<!\\)\|', l)) - 1
width = None
for n, l in enumerate(open(sys.argv[1]), 1):
	if not l.startswith('|'):
		width = None
		continue
	if width is None:
		width = cells(l)
	elif cells(l) != width:
		sys.exit('line %d: %d cells, want %d: %s' % (n, cells(l), width, l))
PY

rb report t.jsonl --format md -o r2.md
expect_rc 0
cmp -s report.md r2.md || fail "-o writes what stdout shows"
rb report missing.jsonl
expect_rc 2
expect_err "^runbook report: missing.jsonl: no such file or directory$"
rb report t.jsonl --format pdf
expect_rc 2
expect_err "runbook report: unknown format 'pdf'"
