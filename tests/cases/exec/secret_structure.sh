# Redaction masks values, never the record's structure; children never
# inherit a secret; connection credentials are secrets from the start.
#
# 1. secret "admin": the finished step grant-admin keeps its id, so a
#    resume after kill -9 does not run it again; statuses and run.end stay.
export RB_TOK=admin
cat >rb.yaml <<'Y'
runbook: structure
title: Structure is not redacted
inputs:
  tok: { type: secret, from: env:RB_TOK }
steps:
  - id: grant-admin
    exec: [sh, -c, 'echo grant >> marks; echo "granted $T"']
    env: { T: "${{ inputs.tok }}" }
  - id: second
    exec: [sh, -c, 'echo second >> marks']
Y
rb run rb.yaml --transcript full.jsonl
expect_rc 0
expect_jq full.jsonl '[.[] | select(.event=="step.end") | .step] == ["grant-admin", "second"]' "ids kept"
expect_jq full.jsonl '[.[] | select(.event=="step.end" and .step=="grant-admin")][0].result.stdout == "granted ***\n"' "the value masked"
# crash right after grant-admin's step.end, then resume: it never runs twice
n=$(jq -s '[.[] | .event=="step.end" and .step=="grant-admin"] | index(true) + 1' full.jsonl)
rm -f marks
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run rb.yaml --transcript t.jsonl >out 2>err || RC=$?
[ $RC -eq 137 ] || fail "crash: exit $RC"
rb resume t.jsonl
expect_rc 0
[ "$(tr '\n' ' ' <marks)" = "grant second " ] || fail "grant-admin ran again: $(cat marks)"

# 2. secrets that are JSON syntax or statuses: every line still parses, the
#    chain verifies, statuses and run.end are intact
for s in ok end '"' ':' false 0 '\'; do
	RB_TOK=$s rb run rb.yaml --transcript "j-$RANDOM.jsonl"
	expect_rc 0
done
for t in j-*.jsonl; do
	python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' "$t" ||
		fail "$t: a line is not JSON"
	rb verify "$t"
	expect_rc 0
	expect_jq "$t" '.[-1].event == "run.end" and .[-1].status == "ok" and .[-1].exit == 0'
	expect_jq "$t" '[.[] | select(.event=="step.end") | .status] == ["ok", "ok"]'
done

# 3. children inherit no secret: neither the secret's source variable nor a
#    variable that holds one (a DSN with its password); `env:` still works
export RB_DSN="postgresql://app:dsn-pass-8841@127.0.0.1:1/db"
cat >env.yaml <<'Y'
runbook: env-scrub
title: Children inherit no secret
inputs:
  tok: { type: secret, from: env:RB_TOK }
  dsn: { type: string, default: "${{ env.RB_DSN }}" }
connections:
  db: { postgres: "${{ inputs.dsn }}" }
steps:
  - id: show-env
    exec: [sh, -c, 'echo "tok=${RB_TOK:-unset} dsn=${RB_DSN:-unset} given=$GIVEN"']
    env: { GIVEN: "${{ inputs.tok }}" }
  - id: quote-dsn
    log: "connecting with ${{ inputs.dsn }}"
Y
RB_TOK=tok-7731 rb run env.yaml --transcript e.jsonl
expect_rc 0
expect_jq e.jsonl '[.[] | select(.event=="step.end" and .step=="show-env")][0].result.stdout == "tok=unset dsn=unset given=***\n"' "a secret was inherited"
# 4. the DSN's password is a secret before the connection is ever used
grep -q 'dsn-pass-8841' e.jsonl out err && fail "the DSN password leaked before the connection was used"
grep -q 'tok-7731' e.jsonl out err && fail "the token leaked"
# plan, the public PR output, prints neither
RB_TOK=tok-7731 rb plan env.yaml
expect_rc 0
expect_no 'dsn-pass-8841'
expect_no 'tok-7731'
RB_TOK=tok-7731 rb plan env.yaml --format json
expect_no 'dsn-pass-8841'
expect_no 'tok-7731'
