# manual: Markdown instructions the operator carries out and confirms,
# with typed fields: from an answers file, --approve auto (no fields), or
# the terminal (a prompt per field; a secret is not echoed).  A secret
# field joins the redactor: masked in the transcript, the manual event,
# children's output and the terminal, while the step's result and outputs
# hand it on.  `rollback:` text is a manual undo, confirmed the same way.
SECRET=mK7-zq91-XPLUM-secret
cat > rb.yaml <<'Y'
runbook: manual
title: Manual steps
owner: platform-operations
steps:
  - id: gen-key
    manual: |
      Generate a new API key in the **portal** (Settings > API keys),
      then enter it here.
    fields:
      key: { type: secret, description: the new key }
      region: { type: enum, values: [eu, us] }
      count: { type: int, min: 1, max: 9 }
      note:
    rollback: "Revoke the key generated in the portal."
    outputs: { region: "${{ result.fields.region }}", shout: "${{ upper(result.fields.key) }}" }
  - id: use
    exec: [sh, -c, 'echo "key=$K region=$R n=$N note=$O"']
    env:
      K: "${{ steps.gen-key.result.fields.key }}"
      R: "${{ steps.gen-key.outputs.region }}"
      N: "${{ steps.gen-key.result.fields.count + 1 }}"
      O: "${{ steps.gen-key.result.fields.note }}"
    effect: read
    expect: { stdout: { contains: "region=eu n=4 note=kept" } }
  - id: log-it
    log: "shouted ${{ steps.gen-key.outputs.shout }}"
  - id: maybe-fail
    if: "${{ env.FAIL_NOW == '1' }}"
    exec: [false]
Y
cat > ans.yaml <<Y
gen-key: { confirmed: true, comment: stored, by: dana, fields: { key: $SECRET, region: eu, count: 3, note: kept } }
gen-key-rollback: { confirmed: true, comment: revoked }
Y
chmod 600 ans.yaml
rb run rb.yaml --approve ans.yaml --transcript a.jsonl
expect_rc 0
for s in gen-key use log-it; do expect_status a.jsonl $s ok; done
expect_jq a.jsonl '[.[] | select(.event=="manual")][0] | .step == "gen-key" and .confirmed == true and .by == "dana"
  and .comment == "stored" and .mode == "file" and .fields == {"key":"***","region":"eu","count":3,"note":"kept"}
  and (.instructions | startswith("Generate a new API key")) and (.answered_at | length) > 0' "the manual event"
expect_jq a.jsonl '[.[] | select(.event=="step.end" and .step=="gen-key")][0] | .result.confirmed == true
  and .result.fields.key == "***" and .outputs.region == "eu" and .outputs.shout == "***"' "result and outputs, masked"
expect_jq a.jsonl '[.[] | select(.event=="step.start" and .step=="gen-key")][0] | .primitive == "manual" and .effect == "write"' "a write step"
U=$(printf %s "$SECRET" | tr a-z A-Z)
for f in a.jsonl out err; do
	grep -qF -- "$SECRET" $f && fail "the secret field leaked into $f"
	grep -qF -- "$U" $f && fail "a value computed from the secret field leaked into $f"
done
rb verify a.jsonl --runbook rb.yaml
expect_rc 0
# the report lists it with the approvals
rb report a.jsonl --format md
expect_rc 0
grep -q '^| gen-key | Generate a new API key.* | confirmed | dana | stored |' out || fail "the report's approvals: $(grep -A4 -i approvals out)"
grep -qF -- "$SECRET" out && fail "the secret field leaked into the report"

# a failure rolls back: the manual undo is asked like the step
FAIL_NOW=1 rb run rb.yaml --approve ans.yaml --transcript b.jsonl
expect_rc 1
expect_status b.jsonl gen-key-rollback ok
expect_jq b.jsonl '[.[] | select(.event=="manual" and .step=="gen-key-rollback")][0] | .instructions == "Revoke the key generated in the portal." and .confirmed and .comment == "revoked" and .fields == {}' "the manual undo"
expect_jq b.jsonl '[.[] | select(.event=="step.start" and .step=="gen-key-rollback")][0] | .rollback_of == "gen-key" and .phase == "rollback"' "rollback_of"

# not confirmed: the step fails (fields not needed for a no)
printf 'gen-key: { confirmed: false, comment: "portal down" }\n' > no.yaml
chmod 600 no.yaml
rb run rb.yaml --approve no.yaml --transcript c.jsonl
expect_rc 1
expect_jq c.jsonl '[.[] | select(.event=="step.end" and .step=="gen-key")][0] | .status == "failed" and .error == "not confirmed by '"$(id -un)"'@'"$(hostname)"'"' "not confirmed"
expect_status c.jsonl use none

# answers that cannot be used: the step fails and says why
bad() {
	printf '%s\n' "$1" > bad.yaml
	chmod 600 bad.yaml
	rb run rb.yaml --approve bad.yaml --transcript "x$RANDOM.jsonl"
	expect_rc 1
	grep -qF -- "$2" out || fail "for $1: want '$2', got: $(cat out)"
}
bad 'gen-key: { confirmed: true, fields: { key: k1, region: eu, count: 3 } }' "the answer for 'gen-key' in bad.yaml has no field 'note'"
bad 'gen-key: { confirmed: true, fields: { key: k1, region: eu, cuont: 3, note: n } }' "gives field 'cuont', which the step does not ask for; did you mean 'count'?"
bad 'gen-key: { confirmed: true, fields: { key: k1, region: mars, count: 3, note: n } }' "field 'region' must be one of: eu, us; got 'mars'"
bad 'gen-key: { confirmed: true, fields: { key: k1, region: eu, count: 12, note: n } }' "field 'count' must be at most 9, got 12"
bad 'gen-key: { confirmed: true, fields: { key: "", region: eu, count: 1, note: n } }' "field 'key' is a secret: it must be a string, not empty"
bad 'other: yes' "no answer for 'gen-key' in bad.yaml"

# a secret field never goes into an argv (the process list is public)
cat > argv.yaml <<'Y'
runbook: manual-argv
title: A secret field in an argv
owner: platform-operations
steps:
  - id: gen
    manual: "Make a key"
    fields: { key: { type: secret } }
  - id: leak
    exec: [echo, "${{ steps.gen.result.fields.key }}"]
    effect: read
Y
printf 'gen: { confirmed: true, fields: { key: %s } }\n' "$SECRET" > argv-ans.yaml
chmod 600 argv-ans.yaml
rb run argv.yaml --approve argv-ans.yaml --transcript h.jsonl
expect_rc 1
expect_out "leak .*argument 2 holds a secret"
grep -qF -- "$SECRET" h.jsonl out err && fail "the secret field leaked through an argv"

# --approve auto confirms a manual step without fields, never one with them
cat > plain.yaml <<'Y'
runbook: manual-plain
title: A manual step without fields
owner: platform-operations
steps:
  - id: revoke
    manual: "Revoke the old key in the portal."
    rollback: { manual: "Restore it", fields: { ticket: { type: string, pattern: '^[A-Z]+-[0-9]+$' } } }
Y
rb run plain.yaml --approve auto --operator erin --transcript d.jsonl
expect_rc 0
expect_jq d.jsonl '[.[] | select(.event=="manual")][0] | .confirmed and .mode == "auto" and .by == "erin" and .fields == {}' "auto"
rb run rb.yaml --approve auto --transcript e.jsonl
expect_rc 1
expect_out "manual step 'gen-key' asks for field 'key': --approve auto cannot enter it"
# no terminal, no answers
rb run plain.yaml --transcript f.jsonl
expect_rc 1
expect_out "a manual step needs its operator, but there is no terminal"
# a dry run does not ask: the manual step is a write, would-run
rb run plain.yaml --dry-run --transcript g.jsonl
expect_rc 0
expect_status g.jsonl revoke would-run
expect_jq g.jsonl '[.[] | select(.event=="manual")] | length == 0' "a dry run asks nothing"

# on a terminal: the instructions, a prompt per field (a wrong value asked
# again), the secret not echoed, then done?
python3 - "$RUNBOOK" "$SECRET" <<'PY' || fail "the terminal session failed: $(cat tty.out 2>/dev/null | tail -20)"
import os, pty, re, select, sys, time
rb, secret = sys.argv[1], sys.argv[2].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv(rb, [rb, "run", "rb.yaml", "--transcript", "tty.jsonl", "--operator", "frank"])
out = b""
def expect(pat):
    global out
    end = time.time() + 30
    while time.time() < end:
        if re.search(pat, out):
            return
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            out += data
    open("tty.out", "wb").write(out)
    sys.exit("no %r" % pat)
def send(s):
    os.write(fd, s + b"\r")
expect(rb"Generate a new API key in the \*\*portal\*\*")
expect(rb"key \(secret, not echoed\): the new key: ")
send(secret)
expect(rb"region \(enum\): ")
send(b"mars")
expect(rb"field 'region' must be one of: eu, us; got 'mars'")
expect(rb"region \(enum\): $")
send(b"eu")
expect(rb"count \(int\): ")
send(b"3")
expect(rb"note \(string\): ")
send(b"kept")
expect(rb"done\? \[y/N\]")
send(b"y, key in the vault")
expect(rb"transcript: tty.jsonl")
try:
    while os.read(fd, 4096):
        pass
except OSError:
    pass
_, status = os.waitpid(pid, 0)
open("tty.out", "wb").write(out)
sys.exit(0 if os.WEXITSTATUS(status) == 0 else "exit %d" % os.WEXITSTATUS(status))
PY
grep -qF -- "$SECRET" tty.out && fail "the secret was echoed on the terminal"
grep -q 'note (string): kept' tty.out || fail "the other fields are echoed as typed: $(cat -v tty.out | tail)"
expect_jq tty.jsonl '[.[] | select(.event=="manual")][0] | .mode == "tty" and .by == "frank" and .confirmed
  and .comment == "key in the vault" and .fields == {"key":"***","region":"eu","count":3,"note":"kept"}' "the terminal's answer"
grep -qF -- "$SECRET" tty.jsonl && fail "the secret entered on the terminal leaked into the transcript"
expect_status tty.jsonl use ok
