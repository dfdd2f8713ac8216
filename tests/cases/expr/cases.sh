# The expression language, case by case: every tests/cases/expr/*.test
# file through `runbook eval` (tests/lib/expr_cases.py says the format).
# Each failing case is printed with its file and line.
python3 "$ROOT/tests/lib/expr_cases.py" "$RUNBOOK" "$CASE_DIR"/*.test >report 2>&1 || {
	cat report >&2
	fail "expression cases failed"
}
tail -1 report
grep -qE '^[0-9]+ of [0-9]+ expression cases passed$' report || fail "no summary: $(tail -3 report)"
