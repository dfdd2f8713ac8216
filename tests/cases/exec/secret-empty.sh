# An empty secret (an environment variable set to "", an empty file, or
# one holding only a newline) is an error at run start that names the
# input, exit 2, before anything runs or any transcript is written.
printf 'tok-7f3a9\n' > good.txt
: > empty.txt
printf '\n' > newline.txt
cat > rb.yaml <<Y
runbook: secret-empty
title: Empty secrets
inputs:
  api_key: { type: secret, from: env:RB_CASE_KEY }
  file_key: { type: secret, from: "file:\${RB_CASE_FILE}" }
checks:
  - id: first
    exec: [touch, ran]
    effect: read
Y
sed -i "s|\${RB_CASE_FILE}|$T/FILE|" rb.yaml
sed "s|$T/FILE|$T/good.txt|" rb.yaml > ok.yaml

RB_CASE_KEY= rb run ok.yaml --transcript e1.jsonl
expect_rc 2
expect_err "secret 'api_key': environment variable RB_CASE_KEY is set but empty"
for f in empty newline; do
	sed "s|$T/FILE|$T/$f.txt|" rb.yaml > $f.yaml
	RB_CASE_KEY=k rb run $f.yaml --transcript $f.jsonl
	expect_rc 2
	expect_err "secret 'file_key': file '$T/$f.txt' is empty"
	RB_CASE_KEY=k rb run $f.yaml --dry-run --transcript $f-dry.jsonl
	expect_rc 2
done
[ ! -e ran ] || fail "a step ran"
for t in e1 empty newline empty-dry newline-dry; do
	[ ! -e $t.jsonl ] || fail "$t: a transcript was written"
done
# set and not empty: the run goes ahead
RB_CASE_KEY=k rb run ok.yaml --transcript ok.jsonl
expect_rc 0
[ -e ran ] || fail "the check did not run"
