# runbook fleet: one runbook over many targets, each its own run.
# 200 targets, max-concurrency 10, max-errors 3, 10 of them made to fail.
# The targets talk to a barrier (tests/lib/barrier.py) that holds them and
# lets the oldest go only when 10 are held at once, so what the fleet lets
# run at once is seen, not timed: 10 at every moment and never 11, none
# starts after the 4th failure (target 65), the 9 held then finish.
B=$ROOT/tests/lib/barrier.py
cat > restart.yaml <<Y
runbook: restart-target
title: Restart one target
concurrency-key: "target/\${{ inputs.n }}"
inputs:
  n: { type: int }
  fail: { type: bool, default: false }
  region: { type: string, default: none }
steps:
  - id: restart
    timeout: 60s
    exec: [python3, "$B", wait, "$T/b.sock", "\${{ inputs.n }}", "\${{ inputs.fail ? 1 : 0 }}"]
    effect: read
Y
python3 - > targets.yaml <<'PY'
for n in range(1, 201):
    print(f"- {{n: {n}, fail: {'true' if n % 20 == 5 else 'false'}}}")
PY
mkdir f
python3 "$B" serve "$T/b.sock" barrier.log 10 5,25,45,65,85,105,125,145,165,185 3 "$T/f/fleet.jsonl" &
srv=$!
wait_for test -S b.sock
rb fleet restart.yaml --targets targets.yaml --max-concurrency 10 --max-errors 3 --dir f
kill $srv; wait $srv 2>/dev/null
cat barrier.log >&2
expect_rc 1
grep -q '^late' barrier.log && fail "a target started after the 4th failure: $(grep late barrier.log)"
[ "$(grep '^max' barrier.log)" = "max 10" ] || fail "in flight at once: $(grep '^max' barrier.log), want 10"
[ "$(grep -c '^start' barrier.log)" = 74 ] || fail "targets started: $(grep -c '^start' barrier.log), want 74"
expect_out '^fleet: .*restart.yaml over 200 targets \(max-concurrency 10, max-errors 3\): f/$'
expect_out '^  \[FAILED\] 065 n=65 fail=true: exit 1 '
expect_out '^fleet: 4 failures, more than max-errors 3: no new target starts$'
expect_out '^fleet: 70 ok, 4 failed, 126 not started in '
# the log: targets start in order, none after the 4th failure's end
expect_jq f/fleet.jsonl '[.[] | select(.event=="target.start") | .target] == [range(1; 75)]' "target starts"
expect_jq f/fleet.jsonl '[.[] | select(.event=="target.end" and .exit != 0) | .target] == [5, 25, 45, 65]' "failures"
expect_jq f/fleet.jsonl '(map(.event) | index("fleet.stop")) as $s | [.[$s:][] | select(.event=="target.start")] == []' "a start after the stop"
expect_jq f/fleet.jsonl '[.[] | select(.event=="fleet.stop")][0] | .reason == "max-errors" and .failed == 4'
expect_jq f/fleet.jsonl '.[-1] | .event == "fleet.end" and .ok == 70 and .failed == 4 and .not_started == 126 and .exit == 1'
jq -e '.targets == 200 and .max_concurrency == 10 and .max_errors == 3 and .stopped == "max-errors" and .exit == 1
       and (.results | length) == 200 and .results[4].status == "failed" and .results[4].exit == 1
       and .results[0].status == "ok" and .results[0].transcript == "f/001.jsonl"
       and .results[74].status == "not-started" and (.results[74] | has("transcript") | not)' f/fleet.json >/dev/null ||
	fail "fleet.json: $(head -c 600 f/fleet.json)"
# each target is an ordinary run with its own inputs and transcript
expect_jq f/007.jsonl '.[0] | .event == "run.start" and .inputs.n == 7 and .concurrency_key == "target/7"'
rb verify f/007.jsonl --runbook restart.yaml
expect_rc 0
grep -q 'expected exit eq 0, got 1' f/065.log || fail "target 65's output: $(cat f/065.log)"
[ ! -e f/075.jsonl ] || fail "target 75 ran"

# two targets with one concurrency key never run at once (the second's
# run would be refused the lock); the others run beside them
cat > group.yaml <<'Y'
runbook: group
title: One group at a time
concurrency-key: "group/${{ inputs.group }}"
inputs:
  group: { type: string }
  n: { type: int }
steps:
  - id: hold
    exec: [sh, -c, 'mkdir held-$0 || exit 9; touch seen-$1; sleep 0.2; rmdir held-$0', "${{ inputs.group }}", "${{ inputs.n }}"]
    effect: read
Y
printf -- '- {group: a, n: 1}\n- {group: a, n: 2}\n- {group: b, n: 3}\n- {group: a, n: 4}\n- {group: b, n: 5}\n' > groups.yaml
rb fleet group.yaml --targets groups.yaml --max-concurrency 100% --dir g
expect_rc 0
expect_out 'max-concurrency 5, max-errors 0'
expect_out '^fleet: the targets have 2 concurrency keys .*: at most 2 run at once$'
expect_out '^fleet: 5 ok, 0 failed, 0 not started'
expect_jq g/fleet.jsonl '[.[] | select(.event=="target.start") | .target][0:2] == [1, 3]' "b's first target starts beside a's"

# inputs for every target (a target's own value wins), percentages of the targets
cat > region.yaml <<'Y'
runbook: region
title: Region
concurrency-key: "r/${{ inputs.n }}"
inputs:
  n: { type: int }
  region: { type: string }
steps:
  - id: say
    exec: [sh, -c, 'echo "$0" > region-$1', "${{ inputs.region }}", "${{ inputs.n }}"]
    effect: read
Y
printf -- '- {n: 1}\n- {n: 2, region: eu}\n- {n: 3}\n- {n: 4}\n' > r.yaml
rb fleet region.yaml --targets r.yaml --input region=us --max-concurrency 50% --max-errors 25% --dir r
expect_rc 0
expect_out 'over 4 targets \(max-concurrency 2, max-errors 1\)'
[ "$(cat region-1 region-2 region-3)" = "$(printf 'us\neu\nus')" ] || fail "regions: $(cat region-*)"
expect_out '^  \[ok\] 002 n=2 region=eu '

# everything is checked before anything runs: every bad target, with its position
rm -f region-*
printf -- '- {n: 1}\n- {n: 2, regoin: x}\n- {n: two}\n- 7\n- {n: 5, region: [a, {b: c}]}\n' > bad.yaml
rb fleet region.yaml --targets bad.yaml --input region=us --dir bad
expect_rc 2
expect_err "^bad.yaml:2:10: error: target 2: unknown input 'regoin' \(did you mean 'region'\?\) \[unknown-input\]"
expect_err "^bad.yaml:3:3: error: target 3: input 'n' must be of type int"
expect_err "^bad.yaml:4:3: error: target 4 must be a mapping of input: value, not a "
expect_err "^bad.yaml:5:18: error: target 5: input 'region' must be a value or a list of values, not a list"
expect_err "bad.yaml: 4 errors: nothing was run"
[ ! -e bad ] && [ ! -e region-1 ] || fail "a bad targets file started something"
echo '[]' > empty.json
rb fleet region.yaml --targets empty.json
expect_rc 2
expect_err "a targets file is a list of mappings of input: value \(one per target\), and this one is empty"
# a secret never comes from a targets file
cat > secret.yaml <<'Y'
runbook: secret
title: Secret
inputs:
  n: { type: int }
  token: { type: secret, from: "env:FLEET_TOKEN" }
steps:
  - id: say
    log: hi
Y
echo '- {n: 1, token: hunter2}' > s.yaml
FLEET_TOKEN=x rb fleet secret.yaml --targets s.yaml --dir s
expect_rc 2
expect_err "^s.yaml:1:10: error: target 1: input 'token' is a secret: it comes from env:FLEET_TOKEN, never from a targets file"
expect_no hunter2
# the folder is new or empty: nothing the user has there is touched
mkdir used && echo keep > used/notes.txt
rb fleet region.yaml --targets r.yaml --input region=us --dir used
expect_rc 2
expect_err "used is not empty: a fleet writes into a new or empty folder"
[ "$(cat used/notes.txt)" = keep ] && [ "$(ls used)" = notes.txt ] || fail "the fleet wrote into a used folder"
rb fleet region.yaml --targets r.yaml --max-concurrency 0
expect_rc 2
expect_err "--max-concurrency needs a count from 1 or a percentage like 25%, got '0'"
rb fleet region.yaml --targets r.yaml --max-errors 101%
expect_rc 2
rb fleet - --targets r.yaml
expect_rc 2
expect_err "a fleet's runbook is a file"
# the targets from standard input
printf -- '- {n: 7}\n- {n: 8, region: ap}\n' | "$RUNBOOK" fleet region.yaml --targets - --input region=us --dir in >out 2>err
RC=$?; expect_rc 0
[ "$(cat region-7 region-8)" = "$(printf 'us\nap')" ] || fail "stdin targets: $(cat region-7 region-8)"
