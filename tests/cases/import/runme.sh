# A page in the shape `runbook docs` writes: front matter, phase
# headings, one block per step named after its id (Runme attributes).
# The ids, effects, titles, working directories and rollbacks come back;
# attributes the importer has no key for are review notes.
cat >page.md <<'MD'
---
runbook: restart-worker
title: Restart the worker
owner: platform-operations
last-reviewed: 2026-11-01
---

# Restart the worker

## Checks

```sh {name=deploy-exists effect=read}
kubectl get deploy/worker -n '${{ inputs.namespace }}'
```

## Steps

```sh {name=restart effect=write title="Rolling restart" cwd=/srv interactive=false}
kubectl rollout restart deploy/worker -n "${{ inputs.namespace }}"
```

```sh {name=undo-restart rollback-of=restart}
kubectl rollout undo deploy/worker -n "${{ inputs.namespace }}"
```

1. Tell the channel.

## Verify

```sh {name=rolled-out}
kubectl rollout status deploy/worker -n "${{ inputs.namespace }}" | grep -q 'successfully rolled out'
```
MD
rb import page.md -o page.yaml
expect_rc 0
expect_err "attribute 'interactive=false' has no runbook key"
rb check page.yaml
expect_rc 0
python3 - <<'PY' || fail "page: $(cat page.yaml)"
import yaml
r = yaml.safe_load(open("page.yaml"))
assert r["runbook"] == "restart-worker" and r["owner"] == "platform-operations"
assert r["inputs"] == {"namespace": {"type": "string"}}, r["inputs"]
c = r["checks"][0]
assert c["id"] == "deploy-exists" and c["effect"] == "read"
assert c["exec"] == ["kubectl", "get", "deploy/worker", "-n", "${{ inputs.namespace }}"]
s = r["steps"][0]
assert s["id"] == "restart" and s["effect"] == "write" and s["title"] == "Rolling restart" and s["cwd"] == "/srv", s
assert s["rollback"][0]["id"] == "undo-restart" and s["rollback"][0]["exec"][2] == "undo", s
assert r["steps"][1]["manual"] == "Tell the channel.", r["steps"]
v = r["verify"][0]
assert v["id"] == "rolled-out" and v["effect"] == "read" and v["shell"].startswith("kubectl rollout status"), v
PY
# a name that is no id is made one (and said so); a taken one gets a suffix
printf '## Steps\n\n```sh {name=Deploy_App}\nmake deploy\n```\n\n```sh {name=deploy-app}\nmake deploy\n```\n' >names.md
rb import names.md -o names.yaml
expect_rc 0
expect_err "id 'deploy-app' made from the name 'Deploy_App'"
expect_err "the name 'deploy-app' is taken: id 'deploy-app-2'"
rb check names.yaml
expect_rc 0
