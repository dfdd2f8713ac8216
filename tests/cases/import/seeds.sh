# The SomaAgent team's Markdown runbooks (seeds/, copied from their repo)
# and three alert runbooks in the Meaning / Impact / Diagnosis /
# Mitigation shape (alerts/): each imported whole and with --split, every
# output passes `check` with 0 errors, every command of the document is in
# it byte for byte with an input for each variable (roundtrip.py), and
# `plan` renders each with those inputs.
D=$CASE_DIR
plan_all() {   # plan_all FILE: every input given as its own name
	local args=() n
	for n in $(python3 -c 'import sys,yaml; print(" ".join((yaml.safe_load(open(sys.argv[1])).get("inputs") or {}).keys()))' "$1"); do
		args+=(--input "$n=x-$n")
	done
	rb plan "$1" "${args[@]}"
	expect_rc 0
}
for f in "$D"/seeds/*.md "$D"/alerts/*.md; do
	b=$(basename "$f" .md)
	rb import "$f" -o "$b.yaml" --report "$b.report"
	expect_rc 0
	rb check "$b.yaml"
	expect_rc 0
	grep -q ' 0 errors' err || fail "$b: check: $(tail -1 err)"
	python3 "$D/roundtrip.py" "$f" "$b.yaml" >rt 2>&1 || fail "$b: $(cat rt)"
	plan_all "$b.yaml"
	grep -q '# review: ' "$b.yaml" || fail "$b: no review comment"
	grep -q "^$(basename "$f"):\|/$(basename "$f"):[0-9]*:[0-9]*: warning: .*\[import-review\]" "$b.report" || fail "$b: the report has no review note"
	mkdir "split-$b"
	rb import "$f" --split -o "split-$b"
	expect_rc 0
	rb check "split-$b"
	expect_rc 0
	python3 "$D/roundtrip.py" "$f" "split-$b"/*.yaml >rt 2>&1 || fail "$b --split: $(cat rt)"
done
# dev-runbooks.md holds five procedures (and a maintenance note): one file each
ls split-dev-runbooks >names
for n in deploy-soma-infra-stack-locally-kind restart-conversation-worker-in-production \
	 rotate-soma-slm-api-key restore-backup emergency-shutdown maintenance; do
	grep -qx "$n.yaml" names || fail "--split: no $n.yaml in $(cat names)"
done
# the front matter is the metadata
grep -q '^owner: platform-operations$' dev-runbooks.yaml || fail "owner not taken"
grep -q '^last-reviewed: 2025-10-15$' dev-runbooks.yaml || fail "last-reviewed not taken"
grep -q '^audience: \[developers, sre\]$' dev-runbooks.yaml || fail "audience not a list"
grep -q 'Access to Kubernetes cluster' dev-runbooks.yaml || fail "prerequisites lost"
# the phases: **Verification:** / # Verify into verify, **Cleanup:** into drill.cleanup
python3 - <<'PY' || fail "phases"
import yaml
rb = yaml.safe_load(open("split-dev-runbooks/deploy-soma-infra-stack-locally-kind.yaml"))
assert [s["exec"][:3] for s in rb["verify"][:2]] == [["kubectl", "get", "pods"], ["kubectl", "get", "svc"]], rb["verify"]
assert rb["drill"]["cleanup"][0]["exec"] == ["kind", "delete", "cluster", "--name", "soma-dev"]
assert rb["steps"][0]["exec"][:3] == ["kind", "create", "cluster"]
k = yaml.safe_load(open("kube-pod-crash-looping.yaml"))
assert all(s.get("effect") == "read" for s in k["checks"][:3]), k["checks"]
assert any(s["id"] == "restart-workload" for s in k["steps"])
assert k["inputs"]["deployment"]["default"] == "api"
p = yaml.safe_load(open("postgres-replication-lag.yaml"))
w = [s for s in p["steps"] if s.get("rollback")]
assert w and w[0]["rollback"][0]["exec"][-1] == "statefulset/postgres-replica", p["steps"]
r = yaml.safe_load(open("redis-memory-high.yaml"))
assert r["checks"][0]["effect"] == "read" and "shell" in r["steps"][0]
PY
# never over an existing file, unless --force; --split checks every name first
rb import "$D/seeds/dev-runbooks.md" --split -o split-dev-runbooks
expect_rc 2
expect_err 'exists \(--force replaces it\)'
rb import "$D/seeds/dev-runbooks.md" --split -o split-dev-runbooks --force
expect_rc 0
# without -o the runbook goes to stdout, the report to stderr
rb import "$D/seeds/operations-runbook.md"
expect_rc 0
expect_out '^runbook: somaagent-01-operations-runbook$'
expect_err 'operations-runbook.md:[0-9]+:[0-9]+: warning: effect write'
