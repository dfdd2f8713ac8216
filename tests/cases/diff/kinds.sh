# runbook diff OLD NEW: the plan difference, one record per change --
# steps added, removed, moved; a changed effect, argv, url, query,
# guard, probe, objective, input, policy; rollbacks added, removed,
# changed -- a write step nothing undoes first; text and JSON; exit 0
# when the plans are the same (also when only the text differs), 1 when
# not.  Secrets stay *** (a canary in the environment and in a DSN).
export DIFF_CANARY='diff-canary-7d1e-secret'
gen() {     # gen VARIANT: the old runbook (a), or the new one (b)
	local v=$1
	cat <<Y
runbook: release
title: Release
owner: platform-operations
inputs:
  ns: { type: string, default: $([ "$v" = a ] && echo prod || echo staging) }
  key: { type: secret, from: env:DIFF_CANARY }
$([ "$v" = b ] && echo "  extra: { type: int, default: 3 }")
$([ "$v" = b ] && echo "rollback: always")
connections:
  db: { postgres: "postgres://app:pw-canary-91@127.0.0.1:1/app" }
  web: { http: "http://127.0.0.1:1" }
objectives: { max-duration: $([ "$v" = a ] && echo 5m || echo 10m) }
checks:
  - id: probe
    exec: [kubectl, get, deploy, -n, "\${{ inputs.ns }}"]
    effect: read
steps:
$([ "$v" = b ] && cat <<'S'
  - id: other
    exec: [echo, b]
    effect: read
S
)
  - id: scale
    exec: [kubectl, scale, "--replicas=$([ "$v" = a ] && echo 0 || echo 1)", deploy/x]
    env: { KEY: "\${{ $([ "$v" = a ] && echo "inputs.key" || echo "upper(inputs.key)") }}" }
$([ "$v" = a ] && cat <<'S'
    rollback:
      id: unscale
      exec: [kubectl, scale, --replicas=1, deploy/x]
S
)
  - id: look
    exec: [echo, a]
    effect: $([ "$v" = a ] && echo read || echo write)
  - id: health
    http: { connection: web, url: /$([ "$v" = a ] && echo healthz || echo ready) }
    effect: read
  - id: rows
    sql: { connection: db, query: "select $([ "$v" = a ] && echo 1 || echo 2)" }
    effect: read
  - id: migrate
    exec: [migrate, up]
    rollback:
      id: migrate-down
      exec: [migrate, $([ "$v" = a ] && echo down || echo "down --all")]
$([ "$v" = a ] && cat <<'S'
  - id: other
    exec: [echo, b]
    effect: read
  - id: gone
    exec: [echo, gone]
    effect: read
S
)
$([ "$v" = b ] && cat <<'S'
  - id: deploy
    exec: [kubectl, apply, -f, deploy.yaml]
  - id: tag
    exec: [git, tag, v2]
    rollback: { id: untag, exec: [git, tag, -d, v2] }
S
)
probes:
  - id: gateway
    every: $([ "$v" = a ] && echo 2s || echo 5s)
    http: { connection: web, url: /health }
    effect: read
drill:
  guard:
    every: 5s
    steps:
      - id: budget
        http: { connection: web, url: /metrics }
        expect: { status: $([ "$v" = a ] && echo 200 || echo 204) }
  inject:
    - { id: inject, exec: [echo, inject], effect: read }
Y
}
gen a > a.yaml
gen b > b.yaml
"$RUNBOOK" check a.yaml b.yaml >/dev/null 2>&1 || { "$RUNBOOK" check a.yaml b.yaml; fail "the test's runbooks are not valid"; }

# the same file, and a copy that differs only in comments and layout: no difference
rb diff a.yaml a.yaml
expect_rc 0
expect_out 'no plan difference'
sed 's/^title: Release$/title: Release   # the same plan/; s/^checks:$/checks:   # a comment/' a.yaml > a2.yaml
rb diff a.yaml a2.yaml --format json
expect_rc 0
jq -e '.different == false and .files[0].status == "unchanged" and .files[0].changes == []' out >/dev/null \
	|| fail "an unchanged plan: $(cat out)"

rb diff a.yaml b.yaml --format json
expect_rc 1
cp out d.json
has() { jq -e "[.files[0].changes[] | select($1)] | length > 0" d.json >/dev/null || fail "no change where $1"; }
has '.kind == "step-added" and .step == "deploy" and .new.effect == "write"'
has '.kind == "step-removed" and .step == "gone"'
has '.kind == "step-moved" and .step == "other" and .phase == "steps" and .old == 6 and .new == 1'
has '.kind == "step-changed" and .step == "look" and .field == "effect" and .old == "read" and .new == "write"'
has '.kind == "step-changed" and .step == "scale" and .field == "action" and .new == "kubectl scale --replicas=1 deploy/x"'
has '.kind == "step-changed" and .step == "health" and .field == "action" and (.new | fromjson | .url) == "/ready"'
has '.kind == "step-changed" and .step == "rows" and .field == "action" and (.new | fromjson | .query) == "select 2"'
has '.kind == "step-changed" and .step == "gateway" and .phase == "probes" and .field == "every" and .old == "2s" and .new == "5s"'
has '.kind == "step-changed" and .step == "budget" and .phase == "guard" and .field == "expect" and .new.status == 204'
has '.kind == "rollback-removed" and .step == "scale" and .rollback == "unscale"'
has '.kind == "rollback-added" and .step == "tag" and .rollback == "untag" and .new.action == "git tag -d v2"'
has '.kind == "rollback-changed" and .step == "migrate" and .rollback == "migrate-down" and .field == "action" and (.new | test("^migrate .down --all.$"))'
has '.kind == "input-changed" and .input == "ns" and .old.default == "prod" and .new.default == "staging"'
has '.kind == "input-added" and .input == "extra" and .new.type == "int"'
has '.kind == "objective-changed" and .objective == "max-duration" and .old == "5m" and .new == "10m"'
has '.kind == "runbook-changed" and .field == "rollback" and .old == "on-failure" and .new == "always"'
# what needs attention comes first: the new write step and the one that became a write (rollback:
# always does not change that: nothing undoes them)
jq -e '[.files[0].changes[] | .attention != null] | . == (sort | reverse)' d.json >/dev/null || fail "attention is not first"
has '.kind == "step-added" and .step == "deploy" and .attention == "write step added without a rollback"'
has '.kind == "step-changed" and .step == "look" and .field == "effect" and (.attention | test("without a rollback"))'
has '.kind == "rollback-removed" and .step == "scale" and .attention == "write step lost its rollback"'
jq -e '[.files[0].changes[] | select(.step == "tag" or .step == "other" or .step == "migrate") | .attention] | all(. == null)' d.json \
	>/dev/null || fail "attention on a step that has a rollback or is a read"
# the env of scale changed (inputs.key -> upper(inputs.key)) but both are *** : no difference shown
jq -e '[.files[0].changes[] | select(.step == "scale" and .field == "env")] | length == 0' d.json >/dev/null || fail "a secret's env shown as changed"
jq -e '.different == true and .files[0].old == "a.yaml" and .files[0].new == "b.yaml" and .files[0].status == "changed"' d.json >/dev/null \
	|| fail "json head"

rb diff a.yaml b.yaml
expect_rc 1
head -3 out | grep -q '^--- a.yaml' || fail "text: the old file first"
sed -n 3p out | grep -qE '^  ! ' || fail "text: attention not first"
expect_out '^  ! step-added deploy: steps exec write: kubectl apply -f deploy.yaml  \[needs attention: write step added without a rollback\]'
expect_out '^  - step-removed gone: steps exec read: echo gone'
expect_out '^  ~ step-moved other position: 6 -> 1'
expect_out '^  ~ step-changed scale action: kubectl scale --replicas=0 deploy/x -> kubectl scale --replicas=1 deploy/x'
expect_out '^  \+ rollback-added untag of tag: rollback exec write: git tag -d v2'
expect_out '^  ~ objective-changed max-duration: 5m -> 10m'

# secrets: neither the environment's nor the DSN's, in any format
for f in text md json; do
	rb diff a.yaml b.yaml --format "$f"
	expect_rc 1
	expect_no "$DIFF_CANARY"
	expect_no pw-canary-91
	expect_no "$(printf %s "$DIFF_CANARY" | tr a-z A-Z)"
done

# a fragment's steps are matched as use-step/id; a changed fragment shows there
mkdir -p f1 f2
printf 'fragment: w\ntitle: W\nsteps:\n  - id: apply\n    exec: [touch, %s]\n    rollback: { id: unapply, exec: [rm, -f, x] }\n' one > f1/w.yaml
printf 'fragment: w\ntitle: W\nsteps:\n  - id: apply\n    exec: [touch, %s]\n    rollback: { id: unapply, exec: [rm, -f, x] }\n' two > f2/w.yaml
printf 'runbook: u\ntitle: U\nsteps:\n  - id: call\n    use: f1/w\n' > u1.yaml
printf 'runbook: u\ntitle: U\nsteps:\n  - id: call\n    use: f2/w\n' > u2.yaml
rb diff u1.yaml u2.yaml --format json
expect_rc 1
jq -e '[.files[0].changes[] | select(.kind == "step-changed") | [.step, .field, .new]] == [["call", "action", "f2/w"], ["call/apply", "action", "touch two"]]' out >/dev/null \
	|| fail "fragment steps: $(jq -c .files[0].changes out)"

# now() is one instant in both plans: a runbook that renders it (in ms, in 300 steps: the
# second plan is rendered well after the first) is the same as itself
{ printf 'runbook: t\ntitle: T\nsteps:\n'
  for i in $(seq 300); do printf '  - id: stamp%s\n    exec: [echo, "${{ now() }}"]\n    effect: read\n' "$i"; done; } > now.yaml
rb diff now.yaml now.yaml
expect_rc 0

# names are compared exactly: an input renamed ns -> NS is one removed and one added
printf 'runbook: c\ntitle: C\ninputs:\n  %s: { type: string, default: x }\nsteps:\n  - { id: s, exec: [echo, x], effect: read }\n' ns > lower.yaml
printf 'runbook: c\ntitle: C\ninputs:\n  %s: { type: string, default: x }\nsteps:\n  - { id: s, exec: [echo, x], effect: read }\n' NS > upper.yaml
rb diff lower.yaml upper.yaml --format json
expect_rc 1
jq -e '[.files[0].changes[] | [.kind, .input]] == [["input-added", "NS"], ["input-removed", "ns"]]' out >/dev/null \
	|| fail "a renamed input: $(jq -c .files[0].changes out)"
