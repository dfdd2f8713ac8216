# A `matches` that PCRE2 cannot decide (invalid UTF-8 in the subject, a
# catastrophic pattern past the match limit) fails the step with PCRE2's
# error, whatever surrounds it: `not`, `any`, `all`.  An error is never
# taken for "no match".
cat > utf.yaml <<'Y'
runbook: regex-utf
title: Invalid UTF-8
steps:
  - id: bytes
    exec: [sh, -c, "printf '\\377\\376'"]
    expect: { stdout: { not: { matches: 'x' } } }
  - id: after
    exec: [touch, after]
Y
rb run utf.yaml --transcript utf.jsonl
expect_rc 1
expect_status utf.jsonl bytes failed
[ ! -e after ] || fail "the run went on after the failed match"
expect_jq utf.jsonl '[.[] | select(.event=="step.end" and .step=="bytes")][0].error | test("^expect: stdout: PCRE2 error matching .x.: UTF-8 error: illegal byte \\(0xfe or 0xff\\) at offset 0")' \
	"the error names PCRE2's"
expect_out "PCRE2 error matching 'x': UTF-8 error"

# a pattern that backtracks exponentially hits the match limit, fast
cat > limit.yaml <<'Y'
runbook: regex-limit
title: Match limit
steps:
  - id: long
    exec: [sh, -c, "printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'"]
    expect: { stdout: { not: { matches: '^(a+)+$' } } }
Y
rb run limit.yaml --transcript limit.jsonl
expect_rc 1
expect_jq limit.jsonl '[.[] | select(.event=="step.end" and .step=="long")][0] | .status == "failed" and (.error | test("PCRE2 error matching .*: match limit exceeded"))' \
	"the match limit fails the step"

# inside any / all, and under not inside them
cat > lists.yaml <<'Y'
runbook: regex-lists
title: Lists
steps:
  - id: bytes
    exec: [sh, -c, "printf 'ok,\\377\\376'"]
    outputs: { items: "${{ split(result.stdout, ',') }}" }
  - id: any-not
    assert: "${{ steps.bytes.outputs.items }}"
    expect: { value: { any: { not: { matches: 'zzz' } } } }
    on-failure: continue
  - id: all-not
    assert: "${{ split('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!,b', ',') }}"
    expect: { value: { all: { not: { matches: '^(a+)+$' } } } }
    on-failure: continue
  - id: all-utf
    assert: "${{ steps.bytes.outputs.items }}"
    expect: { value: { all: { not: { matches: 'zzz' } } } }
    on-failure: continue
Y
rb run lists.yaml --transcript lists.jsonl
expect_status lists.jsonl any-not ok         # "ok" decides before the bad item
expect_status lists.jsonl all-not failed
expect_status lists.jsonl all-utf failed
expect_jq lists.jsonl '[.[] | select(.event=="step.end" and .step=="all-not")][0].error | test("^expect: value: PCRE2 error matching .*: match limit exceeded")'
expect_jq lists.jsonl '[.[] | select(.event=="step.end" and .step=="all-utf")][0].error | test("^expect: value: PCRE2 error matching .zzz.: UTF-8 error")'
