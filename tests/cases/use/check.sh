# use: `runbook check` and fragments: a fragment's own errors are reported
# at its own file:line:col (once, even when the fragment is also checked
# on its own), cycles across files are errors, and the lookup order is
# the using file's directory, then $RUNBOOK_PATH, then the stdlib.
mkdir -p lib other
cat >lib/broken.yaml <<'Y'
fragment: broken
title: A fragment with errors
inputs:
  n: { type: int }
steps:
  - id: s
    exec: [echo, "${{ inputs.m }}"]
    retries: 2
Y
cat >main.yaml <<'Y'
runbook: uses-broken
title: Uses a broken fragment
owner: platform
steps:
  - id: b
    use: lib/broken
    with: { n: 1 }
Y
rb check --no-color main.yaml lib/broken.yaml
expect_rc 2
expect_out "^lib/broken.yaml:7:23: error: unknown input 'm' \\[unknown-input\\]"
expect_out "^lib/broken.yaml:8:5: error: unknown key 'retries' in step 's'"
expect_out "^main.yaml:6:10: error: fragment 'lib/broken' \\(lib/broken.yaml\\) is not valid: 2 errors"
expect_err '^2 files checked: 3 errors, '
[ "$(grep -c "^lib/broken.yaml:7:23: error" out)" = 1 ] || fail "the fragment's error is reported more than once"

# a cycle across two fragments
cat >lib/a.yaml <<'Y'
fragment: a
title: A uses B
steps:
  - { id: call-b, use: b }
Y
cat >lib/b.yaml <<'Y'
fragment: b
title: B uses A
steps:
  - { id: call-a, use: a.yaml }
Y
rb check --no-color lib/a.yaml
expect_rc 2
expect_out "^lib/b.yaml:4:24: error: fragment cycle: .*/lib/a.yaml -> .*/lib/b.yaml -> .*/lib/a.yaml \\[fragment-cycle\\]"
expect_out "^lib/a.yaml:4:24: error: fragment 'b' \\(lib/b.yaml\\) is not valid: 1 error"

# lookup: next to the file first, then $RUNBOOK_PATH, then the stdlib
cat >other/health.yaml <<'Y'
fragment: other-health
title: A look-alike of the stdlib's
steps:
  - { id: s, log: from RUNBOOK_PATH }
Y
cat >look.yaml <<'Y'
runbook: lookup
title: Lookup order
owner: platform
steps:
  - { id: h, use: stdlib/http/health, with: { url: "http://127.0.0.1:1/health" } }
  - { id: o, use: health }
Y
rb check --no-color look.yaml
expect_rc 2
expect_out "fragment 'health' not found; looked in health.yaml, "
RUNBOOK_PATH=$T/nowhere:$T/other rb check --no-color look.yaml
expect_rc 0
rb plan --no-color look.yaml
expect_rc 2
RUNBOOK_PATH=$T/other rb plan --no-color look.yaml
expect_rc 0
expect_out "fragment http-health \\(.*/stdlib/http/health.yaml\\)"
expect_out "fragment other-health \\(.*/other/health.yaml\\)"
# a read-only fragment makes a read step: no lint about a missing rollback
expect_out '^  h +use +read '
expect_no 'no rollback'
# a local copy wins over RUNBOOK_PATH and the stdlib
mkdir -p stdlib/http
cat >stdlib/http/health.yaml <<'Y'
fragment: local-health
title: A local copy of the stdlib's
inputs: { url: { type: url } }
steps:
  - { id: s, log: "local ${{ inputs.url }}" }
Y
RUNBOOK_PATH=$T/other rb plan --no-color look.yaml
expect_out "fragment local-health \\(stdlib/http/health.yaml\\)"
