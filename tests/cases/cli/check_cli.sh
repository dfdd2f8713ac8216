# check: directories recurse, every file and every error is reported, all formats.
mkdir -p dir/sub dir/.hidden
cat > dir/good.yaml <<'Y'
runbook: good
title: Good
owner: me
last-reviewed: 2099-01-01
steps:
  - id: s
    exec: [echo, ok]
    effect: read
Y
cat > dir/sub/bad.yml <<'Y'
runbook: Bad_Id
title: Bad
owner: me
last-reviewed: 2099-01-01
steps:
  - id: s
    exce: [echo, ok]
  - id: t
    needs: [nosuch]
    exec: [echo]
    effect: read
Y
printf 'not: [a runbook\n' > dir/.hidden/ignored.yaml
echo "ignored" > dir/notes.txt
rb check dir
expect_rc 2
expect_out 'sub/bad.yml:1:10: error: '
expect_out "did you mean 'exec'"
expect_out "unknown step 'nosuch'"
grep -q ignored out && fail "hidden dir was read"
expect_err '2 files checked: [3-9] errors'
rb check dir/good.yaml
expect_rc 0
rb check --format json dir
expect_rc 2
jq -e '.errors >= 3 and (.diagnostics | all(.file and .line and .col and .severity and .message))' out >/dev/null || fail "json: $(head -c 500 out)"
rb check --format github dir
expect_out '^::error file=dir/sub/bad.yml,line=1,col=10'
rb check --format sarif dir
jq -e '.version == "2.1.0" and (.runs[0].results | length) >= 3' out >/dev/null || fail "sarif"
rb check --format junit dir
expect_out '<testsuite'
expect_out '<failure'
rb check --format yaml dir
expect_rc 2
rb check nosuch.yaml
expect_rc 2
expect_err 'nosuch.yaml'
