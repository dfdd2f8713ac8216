# The transcript: fields, chain, mode, default path.
cat > rb.yaml <<'Y'
runbook: chain
title: Transcript chain
version: 2.1.0
steps:
  - id: a
    exec: [echo, hello]
    outputs: { said: "${{ result.stdout | trim }}" }
  - id: b
    exec: [echo, "${{ steps.a.outputs.said }} again"]
    expect: { stdout: { contains: again } }
Y
rb run rb.yaml
expect_rc 0
f=$(ls transcripts/chain-*.jsonl) || fail "no transcript at the default path"
[ "$(stat -c %a "$f")" = 600 ] || fail "mode $(stat -c %a "$f")"
expect_out "transcript: transcripts/chain-"
python3 - "$f" <<'PY' || fail "chain does not verify"
import hashlib, json, sys
prev = "0" * 64
for i, line in enumerate(open(sys.argv[1], "rb").read().splitlines(), 1):
    ev = json.loads(line)
    assert ev["seq"] == i, (i, ev["seq"])
    assert ev["prev"] == prev, i
    cut = line.rindex(b',"hash":"')
    h = hashlib.sha256(line[:cut] + b"}").hexdigest()
    assert h == ev["hash"], i
    for k in ("seq", "ts", "event", "run", "prev", "hash"):
        assert k in ev, (i, k)
    assert ev["ts"].endswith("Z") and "." in ev["ts"], ev["ts"]
    prev = ev["hash"]
PY
expect_jq "$f" '.[0] | .event == "run.start" and .runbook == "chain" and .version == "2.1.0" and (.sha256 | length) == 64 and .mode == "run" and (.operator | length) > 0 and (.host | length) > 0'
expect_jq "$f" "[.[0].sha256] == [\"$(sha256sum rb.yaml | cut -d' ' -f1)\"]" "run.start sha256 is the file's"
expect_jq "$f" '[.[] | select(.event=="step.end" and .step=="b")][0] | .phase == "steps" and .result.stdout == "hello again\n" and .status == "ok" and (.duration_ms >= 0)'
expect_jq "$f" '.[-1] | .event == "run.end" and .status == "ok" and .exit == 0'
expect_jq "$f" '[.[].run] | unique | length == 1'
# --transcript PATH refuses to overwrite
rb run rb.yaml --transcript "$f"
expect_rc 2
