# `runbook eval`: the value as text or JSON (exit 0), an evaluation error
# (exit 1), a syntax error with its column and a caret (exit 2), contexts
# from the command line, secret contexts printed as ***, "--" before an
# expression that starts with '-', usage errors.  And the expression case
# runner reports a wrong expectation (so the data-driven cases can fail).

rb eval "1 + 2"
expect_rc 0
[ "$(cat out)" = 3 ] || fail "1 + 2: $(cat out)"

rb eval "'a' + 'b'"
[ "$(cat out)" = ab ] || fail "text of a string: $(cat out)"
rb eval --format json "'a' + 'b'"
[ "$(cat out)" = '"ab"' ] || fail "json of a string: $(cat out)"
rb eval --format=text "[1, 'x']"
[ "$(cat out)" = '[1,"x"]' ] || fail "text of a list: $(cat out)"

# contexts: any name, JSON values
rb eval --context 'steps={"pods":{"outputs":{"items":[{"name":"a"},{"name":"b"}]}}}' \
	--context n=41 --format json 'join(steps.pods.outputs.items.*.name) + format(" {0}", n + 1)'
expect_rc 0
[ "$(cat out)" = '"a,b 42"' ] || fail "contexts: $(cat out)"
rb eval 'inputs.x'
expect_rc 1
[ "$(cat err)" = "runbook eval: unknown context 'inputs'" ] || fail "no context: $(cat err)"

# an evaluation error: exit 1, the message
rb eval '1 / 0'
expect_rc 1
[ "$(cat err)" = "runbook eval: division by zero" ] || fail "eval error: $(cat err)"
[ ! -s out ] || fail "an error printed a value: $(cat out)"

# a syntax error: exit 2, the column, the expression and a caret under it
rb eval "len('é') +"
expect_rc 2
printf '%s\n' "runbook eval: column 11: unexpected end of expression" "  len('é') +" "            ^" >want
cmp -s err want || fail "caret: $(cat -A err)"
rb eval "$(printf '1 +\n\t(2 @ 3)')"
expect_rc 2
printf '%s\n' "runbook eval: line 2, column 5: unexpected character '@'" "  	(2 @ 3)" "  	   ^" >want
cmp -s err want || fail "multi-line caret: $(cat -A err)"
rb eval ''
expect_rc 2
expect_err "^runbook eval: column 1: unexpected end of expression$"

# "--": what follows is the expression, even when it starts with '-'
rb eval -- -1 + 0xff
expect_rc 2
expect_err "one expression at a time"
rb eval -- '-1 + 0xff'
expect_rc 0
[ "$(cat out)" = 254 ] || fail "after --: $(cat out)"
rb eval --context x=1 -- '-x'
[ "$(cat out)" = -1 ] || fail "context before --: $(cat out)"
rb eval '-1'
expect_rc 2
expect_err "unknown option '-1'"
rb eval --format -- 1
expect_rc 2
expect_err "unknown format '--'"

# secret contexts: what is computed from them prints as ***
rb eval --secret-context 'tok="hunter2"' --context 'p="x"' --format json '[p, upper(tok), len(tok), tok == "x"]'
expect_rc 0
[ "$(cat out)" = '["x","***","***",false]' ] || fail "secret context: $(cat out)"
expect_no hunter2
expect_no HUNTER2
rb eval --secret-context 'tok="hunter2"' 'number(tok)'
expect_rc 1
expect_no hunter2

# usage errors: exit 2
rb eval
expect_rc 2
expect_err "^runbook eval: no expression given$"
rb eval 1 2
expect_rc 2
expect_err "^runbook eval: one expression at a time \('1' and '2'\)"
rb eval --context x 1
expect_rc 2
expect_err "^runbook eval: --context needs NAME=JSON, got 'x'$"
rb eval --context 'x={bad' 1
expect_rc 2
expect_err "^runbook eval: --context x: the value is not JSON: \{bad$"
rb eval --context x=1 --secret-context x=2 1
expect_rc 2
expect_err "^runbook eval: context 'x' is given twice$"
rb eval --format yaml 1
expect_rc 2
expect_err "^runbook eval: unknown format 'yaml' \(text or json\)$"

# the case runner fails on a wrong expectation, prints it, and counts
cat >wrong.test <<'T'
# comment
@ctx n=1

n + 1
3

n + 1
2

1 / 0
error: modulo

1 +
syntax error: 3: unexpected end of expression
T
RC=0
python3 "$ROOT/tests/lib/expr_cases.py" "$RUNBOOK" wrong.test >report 2>&1 || RC=$?
[ "$RC" -eq 1 ] || fail "runner: exit $RC on wrong expectations: $(cat report)"
grep -q '^wrong.test:4: n + 1$' report || fail "runner: no report of line 4: $(cat report)"
grep -q '^wrong.test:10: 1 / 0$' report || fail "runner: no report of line 10: $(cat report)"
grep -q '^wrong.test:13: 1 +$' report || fail "runner: no report of line 13: $(cat report)"
grep -q '^wrong.test:7:' report && fail "runner: reported a passing case: $(cat report)"
grep -q '^1 of 4 expression cases passed$' report || fail "runner: no count: $(cat report)"
