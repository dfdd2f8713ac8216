# runbook diff with bad input: exit 2 with a clear message, never a
# partial report -- an invalid runbook (its diagnostics at file:line:col,
# on either side), a missing file, a wrong number of files, an unknown
# format; and a required input without a default does not stop the plan.
cat > ok.yaml <<'Y'
runbook: ok
title: OK
inputs:
  ticket: { type: string }
steps:
  - id: go
    exec: [echo, "${{ inputs.ticket }}"]
    effect: read
Y
printf 'runbook: bad\ntitle: T\nsteps:\n  - id: go\n    exec: [echo, x]\n    retry: { attempts: 0 }\n' > bad.yaml
rb diff ok.yaml bad.yaml
expect_rc 2
expect_err '^bad.yaml:6:[0-9]+: '
expect_err 'bad.yaml is not a valid runbook'
[ -s out ] && fail "a report despite an invalid runbook"
rb diff bad.yaml ok.yaml --format json
expect_rc 2
expect_err '^bad.yaml:6:'
[ -s out ] && fail "a JSON report despite an invalid runbook"
rb diff ok.yaml missing.yaml
expect_rc 2
expect_err 'missing.yaml: .*cannot open file'
rb diff ok.yaml
expect_rc 2
expect_err 'two runbook files'
rb diff ok.yaml ok.yaml ok.yaml
expect_rc 2
rb diff ok.yaml ok.yaml --format html
expect_rc 2
expect_err "unknown format 'html'"
rb diff --git HEAD
expect_rc 2
expect_err 'no runbook file given'
# the required input is planned as <ticket>, the same on both sides
rb diff ok.yaml ok.yaml
expect_rc 0
rb diff --help
expect_rc 0
expect_out '--git REV'
expect_out '--format text\|md\|json'
