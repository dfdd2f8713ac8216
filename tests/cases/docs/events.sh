# The transcript events are one table: every event a representative set
# of runs writes (a run with secrets, an approval, a manual step, a fragment, retries and
# polls, a failure and its rollback, a dry run, a drill, --parallel, an undo, a
# signed run, a crash and its resume, a parked approval and its resume, a signal, concurrent http checks on
# a connection, guards and continuous probes) is listed in the reference with the fields it always
# carries, and it carries them; every row of the reference is written by
# one of the runs; and verify, which checks the required fields, passes
# each transcript.
mkdir frag
cat >frag/f.yaml <<'Y'
fragment: fr
title: A fragment
inputs:
  name: { type: string }
steps:
  - id: rec
    exec: [sh, -c, 'echo rec-$N']
    env: { N: "${{ inputs.name }}" }
    effect: read
    outputs: { r: "${{ result.stdout | trim }}" }
  - id: wr
    exec: [sh, -c, 'echo wrote >> fragw']
    rollback: { exec: [sh, -c, 'echo unwrote >> fragw'] }
outputs:
  r: "${{ steps.rec.outputs.r }}"
Y
cat >rich.yaml <<Y
runbook: rich
title: Rich
owner: platform-operations
inputs:
  tok: { type: secret, from: env:RB_TOK }
  fail: { type: bool, default: false }
connections:
  web: { http: "$RB_TEST_HTTP" }
checks:
  - { id: h1, http: { connection: web, url: /status/200 }, effect: read }
  - { id: h2, http: { connection: web, url: /status/200 }, effect: read }
steps:
  - id: ask
    approve: "go?"
  - id: by-hand
    manual: "Check the **dashboard**."
  - id: w1
    exec: [sh, -c, 'echo w1 \$T']
    env: { T: "\${{ inputs.tok }}" }
    rollback: { id: w1-undo, exec: [echo, undo-w1] }
  - id: poll
    exec: [sh, -c, 'n=\$(cat p 2>/dev/null || echo 0); echo \$((n+1)) > p; [ \$n -ge 1 ]']
    effect: read
    until: { every: 10ms, within: 5s }
  - id: use-it
    use: ./frag/f
    with: { name: x }
  - id: maybe-fail
    exec: [sh, -c, '[ "\$F" = false ]']
    env: { F: "\${{ inputs.fail }}" }
    rollback: { id: mf-undo, exec: [echo, undo-mf] }
    rollback-on-failure: true
verify:
  - { id: v1, exec: [echo, verified], effect: read }
drill:
  inject:
    - { id: inj, exec: [echo, inject], rollback: { exec: [echo, uninject] } }
  symptoms:
    - { id: sym, exec: [true], effect: read }
  cleanup:
    - { id: tidy, exec: [echo, tidy], effect: read }
Y
export RB_TOK=s3cret-tok
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null || fail "openssl genpkey"
chmod 600 key.pem
rb run rich.yaml --approve auto --transcript ok.jsonl --sign-key key.pem
expect_rc 0
rm -f p
rb run rich.yaml --approve auto --input fail=true --transcript fail.jsonl --parallel 2
expect_rc 1
rm -f p
rb run rich.yaml --approve auto --dry-run --transcript dry.jsonl
expect_rc 0
rm -f p
rb drill rich.yaml --approve auto --transcript drill.jsonl
expect_rc 0
# the undo of a run that ended: run.undo
rb undo ok.jsonl --approve auto --sign-key key.pem
expect_rc 0

# a crash while a step runs, then its resume: step.check and step.in-doubt
cat >res.yaml <<'Y'
runbook: res
title: Resume
owner: platform-operations
steps:
  - { id: one, exec: [sh, -c, 'echo one >> marks'], rollback: { exec: [echo, u1] } }
  - id: two
    exec: [sh, -c, 'echo two >> marks']
    check: { exec: [sh, -c, 'grep -q two marks'], effect: read }
    rollback: { exec: [echo, u2] }
Y
n=$(rb run res.yaml --transcript probe.jsonl; jq -s '[.[] | .event == "step.spawn" and .step == "two"] | index(true) + 1' probe.jsonl)
rm -f marks
RC=0; RUNBOOK_TEST_CRASH_AFTER=$n "$RUNBOOK" run res.yaml --transcript res.jsonl >out 2>err || RC=$?
expect_rc 137
rb resume res.jsonl
expect_rc 0

# a signal while a step runs
cat >sig.yaml <<'Y'
runbook: sig
title: Signal
owner: platform-operations
steps:
  - { id: first, exec: [echo, first], rollback: { exec: [echo, unfirst] } }
  - { id: slow, exec: [sh, -c, 'touch started; exec sleep 30'], rollback: { exec: [echo, unslow] } }
Y
"$RUNBOOK" run sig.yaml --transcript sig.jsonl >out 2>err &
pid=$!
wait_for test -e started
kill -INT $pid
RC=0; wait $pid || RC=$?
expect_rc 130

# guards and continuous probes: their checks, a guard that trips, a probe that fails
cat >watch.yaml <<'Y'
runbook: watch
title: Guards and probes
owner: platform-operations
inputs:
  t: { type: string }
  guard: { type: string, default: 'true' }
  probe: { type: string, default: 'true' }
probes:
  - id: pr
    every: 20ms
    during: run
    exec: [sh, -c, '$C']
    env: { C: "${{ inputs.probe }}" }
    effect: read
steps:
  - id: until-checked
    exec: [sh, -c, 'grep -q guard.check "$T" && grep -q probe.check "$T"']
    env: { T: "${{ inputs.t }}" }
    effect: read
    until: { every: 20ms, within: 20s }
drill:
  guard:
    every: 20ms
    steps:
      - id: gd
        exec: [sh, -c, '$C']
        env: { C: "${{ inputs.guard }}" }
        effect: read
  inject:
    - { id: inj, exec: [true], effect: read }
Y
rb drill watch.yaml --input t=w-ok.jsonl --transcript w-ok.jsonl
expect_rc 0
rb drill watch.yaml --input t=w-guard.jsonl --input guard=false --transcript w-guard.jsonl
expect_rc 6
rb run watch.yaml --input t=w-probe.jsonl --input probe=false --transcript w-probe.jsonl
expect_rc 1

# an approval parked for its answer (approve.wait), answered, resumed
printf 'runbook: park\ntitle: Park\nowner: platform-operations\nsteps:\n  - id: ask\n    approve: go?\n' >park.yaml
rb run park.yaml --approve park:park-ans.yaml --transcript park.jsonl
expect_rc 8
printf 'ask: yes\n' >park-ans.yaml
chmod 600 park-ans.yaml
rb resume park.jsonl --approve park:park-ans.yaml
expect_rc 0

rb reference
cp out reference.md
python3 - reference.md ok.jsonl fail.jsonl dry.jsonl drill.jsonl res.jsonl sig.jsonl w-ok.jsonl \
	w-guard.jsonl w-probe.jsonl park.jsonl <<'PY' || fail "the events and the reference disagree"
import json, re, sys
ref = open(sys.argv[1]).read()
sec = ref[ref.index("## Transcript events"):]
rows = {}
for line in sec.splitlines():
    m = re.match(r"^\| `([a-z.-]+)` \| (.*) \| (.*) \| (.*) \|$", line)
    if m:
        rows[m.group(1)] = re.findall(r"`([a-z_]+)`", m.group(3))
assert len(rows) >= 18, f"only {len(rows)} events in the reference"
common = ["seq", "ts", "mono", "event", "run", "prev", "hash"]
seen, errs = set(), []
for path in sys.argv[2:]:
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        e = json.loads(line)
        name = e.get("event")
        seen.add(name)
        if name not in rows:
            errs.append(f"{path}:{i}: event {name!r} is not in the reference")
            continue
        for k in common + rows[name]:
            if k not in e:
                errs.append(f"{path}:{i}: {name} lacks its required field {k!r}")
for name in sorted(set(rows) - seen):
    errs.append(f"no run wrote a {name} event")
for m in errs[:20]:
    print(m)
sys.exit(1 if errs else 0)
PY
for t in ok fail dry drill res sig w-ok w-guard w-probe park; do
	rb verify $t.jsonl
	expect_out 'ok +integrity +chain'
	expect_no 'required-fields'
done
