# The CI formats against their real consumers' schemas: SARIF against the
# OASIS SARIF 2.1.0 schema (python3-jsonschema), JUnit from check and
# verify against Jenkins' junit-10.xsd (xmllint), the GitHub workflow
# commands' escaping, JSON's real paths.  Attacked with file names with
# spaces, a newline, unicode, '%', ',' and ':', a file that cannot be read
# (a dangling link under a directory), a directory, a path outside the
# current directory, zero diagnostics.
PY=/usr/bin/python3
SCHEMAS=$ROOT/tests/schemas
command -v xmllint >/dev/null || fail "xmllint is missing (tests/lib/deps.sh test)"
$PY -c 'import jsonschema' || fail "python3-jsonschema is missing (tests/lib/deps.sh test)"

bad='runbook: bad
title: Bad
owner: platform
steps:
  - id: a
    log: hello
    rollbak: { log: undo }
  - id: b
    log: hello
    rollbak: { log: undo }
'
warn='runbook: warn
title: Warn
steps:
  - id: a
    log: hello
'
clean='runbook: clean
title: Clean
owner: platform
steps:
  - id: a
    log: hello
'
mkdir -p sub
printf '%s' "$bad" >"with space.yaml"
printf '%s' "$bad" >$'new\nline.yaml'
printf '%s' "$warn" >"ünï😀.yaml"
printf '%s' "$bad" >"100%,a:b.yaml"
printf '%s' "$clean" >clean.yaml
printf '%s' "$clean" >sub/inner.yaml
ln -s nowhere.yaml sub/dangling.yaml
outside=$(mktemp -d)
trap 'rm -rf "$outside"' EXIT
printf '%s' "$bad" >"$outside/abs.yaml"
files=("with space.yaml" $'new\nline.yaml' "ünï😀.yaml" "100%,a:b.yaml" clean.yaml sub "$outside/abs.yaml")

# ---- SARIF ----
version=$("$RUNBOOK" --version | awk '{print $2}')
rb check --format sarif "${files[@]}"
expect_rc 2
cp out all.sarif
$PY - all.sarif "$SCHEMAS/sarif-schema-2.1.0.json" "$version" "$outside" <<'PY' || fail "SARIF: see above"
import json, sys, urllib.parse, jsonschema
log, schema, version, outside = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
jsonschema.Draft4Validator.check_schema(schema)
errs = list(jsonschema.Draft4Validator(schema).iter_errors(log))
for e in errs: print("schema:", list(e.path), e.message)
assert not errs
run = log["runs"][0]
drv = run["tool"]["driver"]
assert drv["version"] == version and drv["informationUri"].startswith("https://"), drv
ids = [r["id"] for r in drv["rules"]]
assert len(ids) == len(set(ids))
for r in drv["rules"]:
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"], r
    assert r["help"]["text"] and r["help"]["markdown"], r
    assert r["helpUri"].startswith("https://") and r["helpUri"].endswith("/rules.md#" + r["id"]), r
root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
assert root.startswith("file:///") and root.endswith("/"), root
def path_of(loc):
    u = loc["uri"]
    if "uriBaseId" in loc:
        assert loc["uriBaseId"] == "%SRCROOT%" and not u.startswith("/") and ":" not in u.split("/")[0], loc
        return urllib.parse.unquote(u)
    assert u.startswith("file:///"), loc
    return urllib.parse.unquote(u[len("file://"):])
arts = [path_of(a["location"]) for a in run["artifacts"]]
for want in ["with space.yaml", "new\nline.yaml", "ünï😀.yaml", "100%,a:b.yaml", "clean.yaml",
             "sub/inner.yaml", "sub/dangling.yaml", outside + "/abs.yaml"]:
    assert want in arts, (want, arts)
res = run["results"]
for r in res:
    assert r["ruleId"] != "io"
    assert drv["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
    assert r["partialFingerprints"]
    path_of(r["locations"][0]["physicalLocation"]["artifactLocation"])
files = {path_of(r["locations"][0]["physicalLocation"]["artifactLocation"]) for r in res}
assert {"with space.yaml", "new\nline.yaml", "ünï😀.yaml", "100%,a:b.yaml", outside + "/abs.yaml"} <= files, files
fps = [list(r["partialFingerprints"].values())[0] for r in res]
assert len(fps) == len(set(fps)), "two results share a fingerprint"
inv = run["invocations"][0]
assert inv["executionSuccessful"] is False
notes = inv["toolExecutionNotifications"]
noted = {path_of(n["locations"][0]["physicalLocation"]["artifactLocation"]) for n in notes}
assert noted == {"sub/dangling.yaml"}, noted
assert all(n["level"] == "error" and n["message"]["text"] for n in notes)
PY

# fingerprints survive an unrelated edit above (lines move, text stays)
fp() { "$RUNBOOK" check --format sarif "$1" | $PY -c 'import json,sys; print(sorted(list(r["partialFingerprints"].values())[0] for r in json.load(sys.stdin)["runs"][0]["results"]))'; }
before=$(fp "with space.yaml")
[ "$(fp "./with space.yaml")" = "$before" ] || fail "fingerprints depend on how the path is spelt"
{ printf '# a comment\n\n'; printf '%s' "$bad"; } >"with space.yaml"
[ "$(fp "with space.yaml")" = "$before" ] || fail "fingerprints changed with the lines above"
printf '%s' "$bad" | sed 's/rollbak: { log: undo }/rollbak: { log: other }/' >"with space.yaml"
[ "$(fp "with space.yaml")" != "$before" ] || fail "fingerprints did not change with the line's text"
printf '%s' "$bad" >"with space.yaml"

# zero diagnostics: still a valid log, the run successful
mkdir cleandir && cp clean.yaml cleandir/
rb check --format sarif clean.yaml cleandir
expect_rc 0
$PY - out "$SCHEMAS/sarif-schema-2.1.0.json" <<'PY' || fail "clean SARIF"
import json, sys, jsonschema
log = json.load(open(sys.argv[1]))
jsonschema.Draft4Validator(json.load(open(sys.argv[2]))).validate(log)
run = log["runs"][0]
assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is True
assert len(run["artifacts"]) == 2
PY

# ---- JUnit: check ----
jvalid() { xmllint --noout --schema "$SCHEMAS/junit-10.xsd" "$1" 2>xmllint.err || fail "$1 is not valid junit-10: $(cat xmllint.err)"; }
rb check --format junit "${files[@]}"
expect_rc 2
cp out check.xml
jvalid check.xml
$PY - check.xml "$outside" <<'PY' || fail "check junit"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suite = root.find("testsuite")
cases = [(c.get("classname"), c.get("name")) for c in suite.findall("testcase")]
want = {("with space.yaml", "unknown-key"), ("new\nline.yaml", "unknown-key"),
        ("ünï😀.yaml", "lint-owner"), ("100%,a:b.yaml", "unknown-key"), ("clean.yaml", "valid"),
        ("sub/inner.yaml", "valid"), ("sub/dangling.yaml", "io"),
        (sys.argv[2] + "/abs.yaml", "unknown-key")}
assert set(cases) == want, set(cases) ^ want
for c in suite.findall("testcase"):
    assert float(c.get("time")) >= 0
    kind = {"unknown-key": "failure", "io": "error"}.get(c.get("name"))
    if kind:
        assert c.find(kind) is not None and c.find(kind).get("type") == c.get("name"), ET.tostring(c)
    else:
        assert c.find("failure") is None and c.find("error") is None
# two unknown keys in one file: one case, both lines in its failure
f = [c for c in suite.findall("testcase") if c.get("classname") == "with space.yaml"][0].find("failure")
assert f.text.count("[unknown-key]") == 2, f.text
assert suite.get("tests") == "8" and suite.get("failures") == "4" and suite.get("errors") == "1", suite.attrib
assert root.get("errors") == "1"
PY
rb check --format junit clean.yaml
expect_rc 0
jvalid out

# ---- JUnit: verify ----
printf '%s' "$clean" >run.yaml
rb run run.yaml --transcript t.jsonl --quiet
expect_rc 0
rb verify --format junit t.jsonl
expect_rc 0
cp out verify.xml
jvalid verify.xml
sed -i '3d' t.jsonl
rb verify --format junit t.jsonl
expect_rc 5
cp out verify-bad.xml
jvalid verify-bad.xml
grep -q '<failure ' verify-bad.xml || fail "a tampered transcript has no failure"

# ---- GitHub and JSON: the real path ----
rb check --format github $'new\nline.yaml' "100%,a:b.yaml" "ünï😀.yaml"
expect_rc 2
grep -qF '::error file=new%0Aline.yaml,line=7,col=5,title=unknown-key::' out || fail "newline in a file name"
grep -qF '::error file=100%25%2Ca%3Ab.yaml,line=7,col=5,title=unknown-key::' out || fail "% , : in a file name"
grep -qF '::warning file=ünï😀.yaml,line=1,col=1,title=lint-owner::' out || fail "unicode file name"
[ "$(grep -c '^::' out)" = "$(wc -l <out)" ] || fail "an annotation spans lines"
rb check --format json $'new\nline.yaml' "ünï😀.yaml"
jq -e '[.diagnostics[].file] | unique == ["new\nline.yaml", "ünï😀.yaml"]' out >/dev/null ||
	fail "json file names: $(jq -c '[.diagnostics[].file] | unique' out)"
