# Loader diagnostics through `runbook check --format`: text with the source
# line and a caret, json, github, sarif and junit, each parsed back.

cat >dup.yaml <<'YAML'
runbook: formats
title: First title
owner: platform
steps:
  - id: hello
    log: hello
title: Second title
YAML
cat >clean.yaml <<'YAML'
runbook: clean
title: A clean runbook
owner: platform
steps:
  - id: hello
    log: hello
YAML
printf 'runbook: tabs\ntitle: Tabs\nowner: platform\nsteps:\n  - {id: b,\tlog: x, id: c}\n' >tab.yaml

# text: the message, the source line, the caret; no colour off a terminal
rb check --no-color dup.yaml
expect_rc 2
want="dup.yaml:7:1: error: duplicate key 'title' (first at 2:1) [duplicate-key]
  title: Second title
  ^"
grep -A2 -F "dup.yaml:7:1: error:" out >got || fail "no duplicate-key diagnostic"
[ "$(cat got)" = "$want" ] || fail "text diagnostic: $(cat got)"
grep -q $'\033' out && fail "colour escape in non-terminal output"

# the caret keeps the source line's tabs so it lines up
rb check --no-color tab.yaml
expect_rc 2
expect_out "^tab\.yaml:5:21: error: duplicate key 'id' \(first at 5:6\) \[duplicate-key\]$"
caret=$(printf '  %11s\t%8s^' '' '')
grep -qxF -- "$caret" out || fail "caret not under column 21 with the tab kept"

# json
rb check --format json dup.yaml clean.yaml
expect_rc 2
jq -e '.errors == 1 and ([.diagnostics[] | select(.severity == "error")] | length) == 1
	and (.diagnostics[] | select(.rule == "duplicate-key")
	     | .file == "dup.yaml" and .line == 7 and .col == 1
	       and .message == "duplicate key '"'title'"' (first at 2:1)")' out >/dev/null ||
	fail "json output: $(cat out)"

# github workflow commands
rb check --format github dup.yaml
expect_rc 2
expect_out "^::error file=dup\.yaml,line=7,col=1,title=duplicate-key::duplicate key 'title' \(first at 2:1\)$"

# sarif 2.1.0
rb check --format sarif dup.yaml clean.yaml
expect_rc 2
jq -e '.version == "2.1.0" and .runs[0].tool.driver.name == "runbook"
	and ([.runs[0].tool.driver.rules[].id] | index("duplicate-key") != null)
	and ([.runs[0].artifacts[].location.uri] | sort == ["clean.yaml", "dup.yaml"])
	and (.runs[0].results[] | select(.ruleId == "duplicate-key")
	     | .level == "error"
	       and .locations[0].physicalLocation.artifactLocation.uri == "dup.yaml"
	       and .locations[0].physicalLocation.region.startLine == 7
	       and .locations[0].physicalLocation.region.startColumn == 1)' out >/dev/null ||
	fail "sarif output: $(cat out)"

# junit: a testcase per file, a failure per error
rb check --format junit dup.yaml clean.yaml
expect_rc 2
python3 - <<'PY' || fail "junit output: $(cat out)"
import xml.etree.ElementTree as ET
root = ET.parse("out").getroot()
suites = root.findall("testsuite")
assert len(suites) == 1, suites
cases = {c.get("classname"): c for c in suites[0].findall("testcase")}
assert set(cases) == {"dup.yaml", "clean.yaml"}, cases
assert cases["clean.yaml"].find("failure") is None
fails = cases["dup.yaml"].findall("failure")
assert len(fails) == 1, fails
assert fails[0].get("type") == "duplicate-key"
assert fails[0].get("message") == "duplicate key 'title' (first at 2:1)"
assert "dup.yaml:7:1" in fails[0].text
PY
