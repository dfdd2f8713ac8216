# verify --runbook: the file's sha256 must be the one run.start recorded,
# every step in the transcript must exist in it (in its phase), steps start
# after their needs end, and a failed write step is followed by its
# rollback.  The last three are checked on forgeries whose chain was
# recomputed, which only the runbook (or a signature) can expose.
cat >rb.yaml <<'YAML'
runbook: faithful
title: Faithful
owner: platform-operations
steps:
  - id: prepare
    exec: [echo, prepare]
  - id: apply
    exec: [echo, apply]
  - id: switch
    exec: ["false"]
    rollback-on-failure: true
    rollback:
      exec: [echo, undo]
YAML
rb run rb.yaml --transcript t.jsonl --quiet
expect_rc 1
expect_jq t.jsonl 'any(.event == "step.end" and .step == "switch-rollback" and .phase == "rollback")' "switch was rolled back"

rb verify t.jsonl --runbook rb.yaml
expect_out 'ok +runbook +sha256 '
expect_out 'ok +runbook +steps +every step of [0-9]+ step events is in the runbook'
expect_out 'ok +runbook +order +'
expect_out 'ok +runbook +rollbacks +1 failed write step: 1 rolled back'
expect_out 'FAIL +outcome +status +the run failed at step .switch.'
expect_rc 5

# an edited runbook is not the one that ran
cp rb.yaml edited.yaml
printf '# reviewed later\n' >>edited.yaml
want=$(head -1 t.jsonl | jq -r .sha256)
got=$(sha256sum edited.yaml | cut -d' ' -f1)
rb verify t.jsonl --runbook edited.yaml
expect_rc 5
expect_out "FAIL +runbook +sha256 +sha256 of 'edited.yaml' is $got, run.start recorded $want"

rb verify t.jsonl --runbook missing.yaml
expect_rc 2
expect_err "runbook verify: cannot read runbook 'missing.yaml'"

rehash() {
	python3 - "$1" "$2" <<'PY'
import sys, re, hashlib
prev, out = b'0' * 64, []
for i, line in enumerate(open(sys.argv[1], 'rb').read().split(b'\n')[:-1], 1):
	body = line[:line.rindex(b',"hash":"')]
	body = re.sub(rb'^\{"seq":\d+,', b'{"seq":%d,' % i, body)
	body = re.sub(rb'"prev":"[0-9a-f]{64}"', b'"prev":"' + prev + b'"', body, count=1)
	prev = hashlib.sha256(body + b'}').hexdigest().encode()
	out.append(body + b',"hash":"' + prev + b'"}')
open(sys.argv[2], 'wb').write(b'\n'.join(out) + b'\n')
PY
}

# a step the runbook does not have
sed 's/"step":"apply"/"step":"exfiltrate"/g' t.jsonl >x.jsonl
rehash x.jsonl unknown.jsonl
rb verify unknown.jsonl
expect_out 'ok +integrity +chain'
rb verify unknown.jsonl --runbook rb.yaml
expect_rc 5
expect_out "FAIL +runbook +steps +seq [0-9]+: step 'exfiltrate' is not in the runbook"

# apply (which needs prepare) moved before prepare
python3 - t.jsonl <<'PY' >x.jsonl
import sys, json
lines = open(sys.argv[1]).read().splitlines()
step = lambda l: json.loads(l).get('step')
p = [i for i, l in enumerate(lines) if step(l) == 'prepare']
a = [i for i, l in enumerate(lines) if step(l) == 'apply']
assert p[-1] + 1 == a[0]
print('\n'.join(lines[:p[0]] + lines[a[0]:a[-1] + 1] + lines[p[0]:p[-1] + 1] + lines[a[-1] + 1:]))
PY
rehash x.jsonl reordered.jsonl
rb verify reordered.jsonl --runbook rb.yaml
expect_rc 5
expect_out "FAIL +runbook +order +seq [0-9]+: step 'apply' started before its need 'prepare' finished"

# the rollback of the failed write step removed
grep -v '"phase":"rollback","primitive"\|"step":"switch-rollback"' t.jsonl >x.jsonl
rehash x.jsonl norollback.jsonl
rb verify norollback.jsonl --runbook rb.yaml
expect_rc 5
expect_out "FAIL +runbook +rollbacks +seq [0-9]+: write step 'switch' failed and its rollback 'switch-rollback' did not run \(run.end says rollback complete\)"
