# A secret canary never appears in the transcript or the output, in any form.
CANARY='s3cr3t-CANARY-"quoted"\back'
export RB_CANARY="$CANARY"
printf '%s\n' 'file-CANARY-7f3a9' > secret.txt
cat > rb.yaml <<Y
runbook: secrets
title: Secrets stay secret
inputs:
  token: { type: secret, from: env:RB_CANARY }
  filetok: { type: secret, from: "file:$PWD/secret.txt" }
steps:
  - id: leak-attempts
    exec: [python3, -c, "import os,base64,json,sys; t=os.environ['TOKEN']; f=os.environ['FTOK']; print(t); print(base64.b64encode(t.encode()).decode()); print(json.dumps(t)); print(base64.b64encode(b'user:'+t.encode()).decode()); print(t.encode().hex()); print(f); sys.stderr.write(t+'\\\\n')"]
    env: { TOKEN: "\${{ inputs.token }}", FTOK: "\${{ inputs.filetok }}" }
    outputs: { copy: "\${{ result.stdout }}", literal: "prefix \${{ inputs.token }}" }
  - id: fail-with-secret
    exec: [sh, -c, 'echo "\$TOKEN"; exit 3']
    env: { TOKEN: "\${{ inputs.token }}" }
Y
rb run rb.yaml --transcript t.jsonl
expect_rc 1
[ -s t.jsonl ] || fail "no transcript"
python3 - "$CANARY" 'file-CANARY-7f3a9' t.jsonl out err <<'PY' || fail "a secret form leaked"
import base64, json, sys, urllib.parse
secrets, files = sys.argv[1:3], sys.argv[3:]
forms = set()
for s in secrets:
    b = s.encode()
    forms |= {b, base64.b64encode(b), base64.b64encode(b).rstrip(b'='), base64.urlsafe_b64encode(b),
              json.dumps(s)[1:-1].encode(), urllib.parse.quote(s, safe='').encode(), b.hex().encode(),
              base64.b64encode(b'user:' + b)[8:-4]}
bad = 0
for f in files:
    data = open(f, 'rb').read()
    for form in forms:
        if form in data:
            print(f"{f}: contains {form!r}"); bad = 1
sys.exit(bad)
PY
grep -q '\*\*\*' t.jsonl || fail "nothing was masked: did the step run?"
expect_jq t.jsonl '.[0].inputs.token == "***" and .[0].inputs.filetok == "***"' "run.start inputs must mask secrets"
# the transcript is 0600
[ "$(stat -c %a t.jsonl)" = 600 ] || fail "transcript mode $(stat -c %a t.jsonl)"
# a secret can never come from the command line
rb run rb.yaml --transcript t2.jsonl --input token=x
expect_rc 2
expect_err "secret"
# a secret that reaches argv by another road (here: the same value read
# from env) is stopped before the process starts
cat > road.yaml <<'Y'
runbook: secret-road
title: A secret through env into argv
inputs:
  token: { type: secret, from: env:RB_CANARY }
steps:
  - id: leak
    exec: [sh, -c, 'touch ran', "${{ env.RB_CANARY }}"]
Y
rb run road.yaml --transcript road.jsonl
expect_rc 1
[ ! -e ran ] || fail "the process ran with a secret in its argv"
expect_jq road.jsonl '[.[] | select(.event=="step.end")][0].error | test("holds a secret")'
expect_no "$CANARY" road.jsonl
