# docs then import: every runbook of runbooks/ rendered as a wiki page by
# `runbook docs`, read back by `runbook import`, gives a runbook with the
# same metadata (front matter), the same inputs (the Inputs table: name,
# type, its constraints, default, required, description, a secret's
# from), the same objectives (steps-required when its steps came back) and, section by section (checks, steps,
# verify, drill cleanup), the same exec steps in the same order: ids and
# argv (templates as written), each step's exec rollbacks right after it,
# and no other imported step.  Both runbooks are read as runbook reads
# them (`runbook schema --instance`).
#
# Not round-tripped (the page documents them, import makes a skeleton):
# connections, defaults, probes, the drill's inject,
# symptoms and guard; steps of other primitives than exec (http, sql,
# prometheus, kafka, redis, approve, manual, use: a fragment's steps are
# listed, not blocks); a step's if, needs, env, expect, outputs, timeout,
# retry, until and for-each; the description's line breaks.
for f in "$ROOT"/runbooks/*.yaml; do
	b=$(basename "$f" .yaml)
	"$RUNBOOK" docs "$f" >"$b.md" 2>err || fail "docs $b: $(cat err)"
	"$RUNBOOK" import "$b.md" >"$b.yaml" 2>err || fail "import $b.md: $(cat err)"
	"$RUNBOOK" schema --instance "$f" >"$b.orig.json" 2>err || fail "schema --instance $f: $(cat err)"
	"$RUNBOOK" schema --instance "$b.yaml" >"$b.back.json" 2>err ||
		fail "schema --instance of the imported $b: $(cat err)"
	python3 - "$b.orig.json" "$b.back.json" <<'PY' || fail "$b does not round-trip (above)"
import json, sys

orig, back = (json.load(open(p)) for p in sys.argv[1:3])
errs = []
for k in ("runbook", "title", "version", "owner", "reviewers", "last-reviewed", "audience", "tags"):
    if k in orig and orig.get(k) != back.get(k):
        errs.append(f"metadata {k}: {orig.get(k)!r} came back as {back.get(k)!r}")


def argv(a):
    # a ${{ of the page that import kept as literal text reads ${{ '${{' }}
    return [x.replace("${{ '${{' }}", "${{") if isinstance(x, str) else x for x in a]


def execs(steps, rollbacks, others):
    """(id, argv) of each exec step, each followed by its exec rollbacks;
    others: a step of another kind too, as (id, its keys): the imported
    runbook has no step the page did not show as an exec block"""
    out = []
    for s in steps or []:
        if not isinstance(s, dict):
            continue
        if "exec" not in s:
            if others:
                out.append((s.get("id"), sorted(s)))
            continue
        out.append((s.get("id"), argv(s["exec"])))
        rb = s.get("rollback")
        if rollbacks and rb:
            for r in rb if isinstance(rb, list) else [rb]:
                if isinstance(r, dict) and "exec" in r:
                    out.append(("undo " + str(r.get("id")), argv(r["exec"])))
    return out


def inputs(rb):
    """each input as it is declared: every key, required as the loader reads it"""
    out = {}
    for name, d in (rb.get("inputs") or {}).items():
        d = dict(d or {})
        d.setdefault("type", "string")
        d.setdefault("required", "default" not in d and d["type"] != "secret")
        out[name] = d
    return out


a, z = inputs(orig), inputs(back)
if list(a) != list(z):
    errs.append(f"inputs: {list(a)} came back as {list(z)}")
for name in a:
    if name in z and a[name] != z[name]:
        errs.append(f"input {name}: {a[name]!r} came back as {z[name]!r}")
def ids(steps):
    for s in steps or []:
        if isinstance(s, dict):
            yield s.get("id")
            rb = s.get("rollback")
            yield from ids(rb if isinstance(rb, list) else [rb])


# steps-required comes back when the steps it names came back
got = set(ids(back.get("steps"))) | set(ids(back.get("checks"))) | set(ids(back.get("verify")))
want = dict(orig.get("objectives") or {})
need = [x for y in want.get("steps-required", []) for x in (y if isinstance(y, list) else [y])]
if not all(x in got for x in need):
    want.pop("steps-required", None)
if want != (back.get("objectives") or {}):
    errs.append(f"objectives: {want!r} came back as {back.get('objectives')!r}")

rollbacks = True
for k in ("checks", "steps", "verify", "cleanup"):
    a = execs(orig.get(k) if k != "cleanup" else (orig.get("drill") or {}).get("cleanup"), rollbacks, False)
    z = execs(back.get(k) if k != "cleanup" else (back.get("drill") or {}).get("cleanup"), rollbacks, True)
    if a != z:
        errs.append(f"{k}: {len(a)} exec steps, {len(z)} back; first difference: " +
                    next((f"{x!r} -> {y!r}" for x, y in zip(a, z) if x != y), "a missing step"))
for e in errs:
    print("   ", e)
sys.exit(1 if errs else 0)
PY
done
