# "-" is standard input wherever a runbook (or a YAML file) is loaded:
# check, plan, graph, run, --inputs.  Diagnostics call it <stdin>, the
# loader's size limit holds (a huge stdin is refused without reading it
# all), `use:` looks in the current directory, and a second "-" in one
# command is an error rather than an empty file.
cat > rb.yaml <<'Y'
runbook: from-stdin
title: From standard input
owner: me
last-reviewed: 2099-01-01
inputs:
  who: { type: string, default: nobody }
steps:
  - id: greet
    exec: [echo, "hello ${{ inputs.who }}"]
    effect: read
  - id: helper
    use: ./frag
Y
mkdir lib
cat > frag.yaml <<'Y'
fragment: frag
title: A fragment next to the working directory
steps:
  - id: inner
    log: "from the fragment"
Y
# rbin ARGS... < FILE: rb with standard input
rbin() { RC=0; "$RUNBOOK" "$@" >out 2>err || RC=$?; }

rbin check - <rb.yaml
expect_rc 0
expect_err '^1 file checked: 0 errors, 0 warnings'
rbin plan - <rb.yaml
expect_rc 0
expect_out 'greet'
expect_out 'helper/inner'
rbin plan - --input who=stdin --format json <rb.yaml
expect_rc 0
jq -e '.steps | any(.id == "greet")' out >/dev/null || fail "plan --format json from stdin: $(cat out)"
rbin graph - --format mermaid <rb.yaml
expect_rc 0
expect_out 'greet'
rbin run - --transcript t.jsonl <rb.yaml
expect_rc 0
expect_status t.jsonl greet ok
expect_status t.jsonl helper/inner ok
expect_jq t.jsonl '.[0].file == "<stdin>"' "run.start names <stdin>"
# the same bytes from a file and from stdin hash the same (verify --runbook)
"$RUNBOOK" verify t.jsonl --runbook rb.yaml >out 2>err || fail "verify --runbook rb.yaml of a run read from stdin: $(cat out err)"

# use: from stdin looks in the current directory, not the runbook's
( cd lib && "$RUNBOOK" check - <../rb.yaml >../out 2>../err ) && fail "use: ./frag found from lib/"
expect_out '<stdin>:.*frag'

# diagnostics name <stdin>, in every format
printf 'runbook: x\ntitle: y\nowner: me\nlast-reviewed: 2099-01-01\nsteps:\n  - { id: a, exec: [true], effect: read, bogus: 1 }\n' >bad.yaml
rbin check - <bad.yaml
expect_rc 2
expect_out "^<stdin>:6:42: error: unknown key 'bogus'"
rbin check - --format json <bad.yaml
expect_rc 2
jq -e '.diagnostics[0].file == "<stdin>" and .diagnostics[0].line == 6' out >/dev/null || fail "check --format json: $(cat out)"
rbin plan - <bad.yaml
expect_rc 2
expect_err "^<stdin>:6:42: error"
expect_err "runbook plan: <stdin> is not a valid runbook"
# files and stdin together
rbin check rb.yaml - <bad.yaml
expect_rc 2
expect_err '^2 files checked: 1 error'

# over the loader's limit (8 MiB): refused, and without reading all of it
head -c 20000000 /dev/zero | tr '\0' ' ' >huge
rbin check - <huge
expect_rc 2
expect_out '<stdin>:1:1: error: file is 20000000 bytes, over the limit of 8388608 bytes \[file-too-large\]'
RC=0
yes '# a comment line' | "$RUNBOOK" plan - >out 2>err || RC=$?
expect_rc 2
expect_err '<stdin>:1:1: error: file is over the limit of 8388608 bytes'

# "-" once per command; --inputs - reads a mapping from stdin
rbin check - - <rb.yaml
expect_rc 2
expect_out "standard input is already read: give '-' once"
echo '{ who: piped }' >in.yaml
rbin plan rb.yaml --inputs - <in.yaml
expect_rc 0
expect_out 'hello piped'
rbin plan - --inputs - <rb.yaml
expect_rc 2
expect_err 'standard input is already read'
