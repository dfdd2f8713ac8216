# A secret canary matrix (random, short, word-like, JSON-syntax-like,
# unicode, multi-line) against every output: transcript, terminal, plan
# text/json, diff text/md/json, report md/html, docs, verify text/json/junit, check sarif/junit and
# error messages -- no form of the secret in any value, the record's
# structure (ids, statuses, run.end, the JSON itself) intact.  See
# tests/lib/canary.py for the forms and the rules.
python3 "$ROOT/tests/lib/canary.py" "$RUNBOOK" "$PWD" || fail "a canary leaked or broke the record"
