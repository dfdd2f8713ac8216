# A credential written into a runbook is reported by lint-credential, and
# no output format of `check` repeats it: not the message, not the source
# line the text format prints under a diagnostic.
key=AKIAZQ3CANARY7XYZ123
cat >rb.yaml <<YAML
runbook: leaky
title: Leaky
owner: platform
steps:
  - id: fetch
    exec: [aws, s3, cp, --access-key, $key, s3://bucket/report, .]
    effect: read
    timeout: 10s
YAML
for f in text json github sarif junit; do
	rb check --format "$f" rb.yaml
	expect_rc 0
	grep -q 'lint-credential' out || fail "--format $f: lint-credential not reported"
	expect_no "$key"
	expect_no "CANARY7XYZ"
done
rb check rb.yaml
expect_out 'the line is not shown'
# another rule's diagnostic still shows its line
sed -i 's/owner: platform/owner: platform\nbogus-key: 1/' rb.yaml
rb check rb.yaml
expect_rc 2
expect_out '^  bogus-key: 1$'
expect_no "$key"
