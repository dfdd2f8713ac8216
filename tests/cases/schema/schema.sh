# schema: `runbook schema` prints the committed schema/runbook.schema.json
# (so the file is kept true), a draft 2020-12 JSON Schema, and every
# runbook, fragment and the complex check case validate against it; a file
# with an unknown key does not.  The validator below is written here with
# the Python standard library only, for the subset the schema uses.
rb schema
expect_rc 0
cp out schema.json
cmp -s schema.json "$ROOT/schema/runbook.schema.json" ||
	fail "schema/runbook.schema.json is not what 'runbook schema' prints: run 'make schema'"
jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"
	and (."$defs".step.additionalProperties == false)
	and (."$defs".runbook.additionalProperties == false)
	and (."$defs".fragment.required == ["fragment", "title"])
	and ([."$defs".step.oneOf[].required[0]] | index("exec") and index("use") and index("sql"))
	and (."$defs".step.properties.http.properties.url.description | length > 0)
	and (."$defs".connection.properties | has("postgres") and has("kafka"))
	and (."$defs".matcher.properties | has("matches") and has("any"))' schema.json >/dev/null ||
	fail "the schema lacks what the tables say"

cat >validate.py <<'PY'
import json, re, sys

def fail(path, msg):
    raise ValueError("%s: %s" % (path or "/", msg))

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}

def type_ok(t, x):
    if t in ("number", "integer"):
        ok = isinstance(x, (int, float)) and not isinstance(x, bool)
        return ok and (t == "number" or float(x).is_integer())
    return isinstance(x, TYPES[t])

def resolve(root, ref):
    if not ref.startswith("#/"):
        raise SystemExit("unsupported $ref " + ref)
    node = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node

KNOWN = {"$schema", "$ref", "$defs", "title", "description", "type", "properties",
         "required", "additionalProperties", "items", "enum", "oneOf", "anyOf", "pattern"}

def check(root, s, x, path=""):
    unknown = set(s) - KNOWN
    if unknown:
        raise SystemExit("the schema uses keywords this validator lacks: %s" % sorted(unknown))
    if "$ref" in s:
        check(root, resolve(root, s["$ref"]), x, path)
    if "type" in s:
        ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(type_ok(t, x) for t in ts):
            fail(path, "%r is not of type %s" % (x, "/".join(ts)))
    if "enum" in s and x not in s["enum"]:
        fail(path, "%r is not one of %s" % (x, s["enum"]))
    if "pattern" in s and isinstance(x, str) and not re.search(s["pattern"], x):
        fail(path, "%r does not match %s" % (x, s["pattern"]))
    if isinstance(x, dict):
        props = s.get("properties", {})
        for k in s.get("required", []):
            if k not in x:
                fail(path, "missing required key %r" % k)
        for k, v in x.items():
            if k in props:
                check(root, props[k], v, path + "/" + k)
            elif s.get("additionalProperties") is False:
                fail(path, "unknown key %r" % k)
            elif isinstance(s.get("additionalProperties"), dict):
                check(root, s["additionalProperties"], v, path + "/" + k)
    if isinstance(x, list) and "items" in s:
        for i, v in enumerate(x):
            check(root, s["items"], v, "%s/%d" % (path, i))
    for kw in ("anyOf", "oneOf"):
        if kw not in s:
            continue
        passed, why = 0, []
        for sub in s[kw]:
            try:
                check(root, sub, x, path)
                passed += 1
            except ValueError as e:
                why.append(str(e))
        if passed == 0:
            fail(path, "matches no branch of %s: %s" % (kw, "; ".join(why[:4])))
        if kw == "oneOf" and passed > 1:
            fail(path, "matches %d branches of oneOf, not exactly one" % passed)

schema = json.load(open(sys.argv[1]))
instance = json.load(open(sys.argv[2]))
try:
    check(schema, schema, instance)
except ValueError as e:
    print(e)
    sys.exit(1)
PY

# the validator itself: it must reject what it is meant to reject
echo '{"runbook": "x", "title": "t", "steps": [{"id": "a", "exec": ["true"], "log": "two actions"}]}' >two.json
python3 validate.py schema.json two.json >v.out && fail "two actions in one step validated"
grep -q 'oneOf' v.out || fail "two actions: $(cat v.out)"

n=0
for f in "$ROOT"/runbooks/*.yaml "$ROOT"/stdlib/*/*.yaml "$ROOT"/tests/cases/check/valid-complex.yaml; do
	rb schema --instance "$f"
	expect_rc 0
	cp out instance.json
	python3 validate.py schema.json instance.json >v.out ||
		fail "${f#$ROOT/} does not validate against the schema: $(cat v.out)"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n files validated"

# a typo'd key fails it, at the top level and in a step
cat >bad.yaml <<'YAML'
runbook: bad
title: Bad
steps:
  - id: a
    exec: ["true"]
YAML
rb schema --instance bad.yaml && cp out instance.json
python3 validate.py schema.json instance.json >v.out || fail "the good file fails: $(cat v.out)"
sed 's/^title: Bad/title: Bad\nowners: [x]/' bad.yaml >bad-top.yaml
rb schema --instance bad-top.yaml && cp out instance.json
python3 validate.py schema.json instance.json >v.out && fail "unknown top-level key 'owners' validated"
grep -q "unknown key 'owners'" v.out || fail "owners: $(cat v.out)"
sed 's/exec: \["true"\]/exec: ["true"]\n    retries: 3/' bad.yaml >bad-step.yaml
rb schema --instance bad-step.yaml && cp out instance.json
python3 validate.py schema.json instance.json >v.out && fail "unknown step key 'retries' validated"
grep -q "retries" v.out || fail "retries: $(cat v.out)"
# and so does runbook check, which the schema follows
rb check --no-color bad-step.yaml
expect_rc 2
expect_out "unknown key 'retries'"
