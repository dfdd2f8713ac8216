# verify --format json|junit carry the same verdict as text; usage errors
# and unreadable files exit 2, not 5.
cat >rb.yaml <<'YAML'
runbook: formats
title: Formats
owner: platform-operations
steps:
  - id: only
    exec: [echo, "<&'\">"]
YAML
rb run rb.yaml --transcript t.jsonl --quiet
expect_rc 0
sed '3d' t.jsonl >bad.jsonl

rb verify t.jsonl --format json
expect_rc 0
jq -e --arg run "$(head -1 t.jsonl | jq -r .run)" '.ok == true and .run == $run and .runbook == "formats" and
	.first_bad_seq == null and (.checks | length) >= 3 and all(.checks[]; .result != "fail") and
	.authenticated == false and .note == "integrity only: not authenticated (no --pubkey)" and
	([.checks[] | select(.result == "note") | .name] == ["authenticity"])' out >/dev/null ||
	fail "json verdict of an intact transcript"
rb verify t.jsonl
expect_rc 0
expect_out '^  note +signatures +authenticity +integrity only: not authenticated \(no --pubkey\)$'
expect_out '^verify: ok: [0-9]+ checks passed; integrity only: not authenticated \(no --pubkey\)$'


rb verify bad.jsonl --format junit --runbook rb.yaml
expect_rc 5
python3 - out <<'PY' || fail "junit verdict"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find('testsuite')
cases = suite.findall('testcase')
failed = [c for c in cases if c.find('failure') is not None]
assert int(suite.get('tests')) == len(cases) and int(suite.get('failures')) == len(failed), suite.attrib
chain = [c for c in cases if c.get('classname') == 'integrity' and c.get('name') == 'chain'][0]
assert chain.find('failure').get('message').startswith('first bad seq 3: '), chain.find('failure').attrib
assert any(c.get('classname') == 'runbook' and c.get('name') == 'sha256' and c.find('failure') is None for c in cases)
auth = [c for c in cases if c.get('classname') == 'signatures' and c.get('name') == 'authenticity'][0]
assert auth.find('system-out').text == 'integrity only: not authenticated (no --pubkey)', auth
assert suite.find('properties/property[@name="authenticated"]').get('value') == 'false'
PY

rb verify
expect_rc 2
expect_err 'runbook verify: no transcript given'
rb verify t.jsonl --format yaml
expect_rc 2
expect_err "runbook verify: unknown format 'yaml'"
rb verify t.jsonl --frobnicate
expect_rc 2
expect_err "runbook verify: unknown option '--frobnicate'"
rb verify missing.jsonl
expect_rc 2
expect_err "^runbook verify: missing.jsonl: no such file or directory$"
rb verify t.jsonl --pubkey missing.pem
expect_rc 2
expect_err "runbook verify: cannot open key 'missing.pem'"
