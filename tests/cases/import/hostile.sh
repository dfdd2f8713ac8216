# Hostile documents: a clear error at file:line:col and exit 2, or an
# import whose output passes `check` -- never a crash.
imp_ok() {   # imp_ok NAME: imports NAME.md, the runbook passes check
	rb import "$1.md" -o "$1.yaml"
	expect_rc 0
	rb check "$1.yaml"
	expect_rc 0
}
imp_err() {  # imp_err NAME 'file:line:col: error: text'
	rb import "$1.md" -o "$1.yaml"
	expect_rc 2
	expect_err "$2"
	[ -e "$1.yaml" ] && fail "$1: an output was written"
	return 0
}
printf '# T\n\n```sh\nkubectl get pods\n' >unterminated.md
imp_err unterminated 'unterminated.md:3:1: error: code block opened here is not closed'
printf '# T\n\nkubectl get\0 pods\n' >nul.md
imp_err nul 'nul.md:3:12: error: NUL byte'
printf '# T\n\nbad \xff byte\n' >utf8.md
imp_err utf8 'utf8.md:3:5: error: invalid UTF-8'
printf -- '---\ntitle: [unclosed\n---\n# T\n' >fm-bad.md
imp_err fm-bad 'fm-bad.md:3:1: error'
printf -- '---\n- a\n- b\n---\n# T\n' >fm-list.md
imp_err fm-list 'fm-list.md:2:1: error: front matter is a list'
printf -- '---\ntitle: x\n' >fm-open.md
imp_err fm-open 'fm-open.md:1:1: error: front matter opened here is not closed'
: >empty.md
imp_ok empty
printf '# A\n## B\n### C\n' >headings.md
imp_ok headings
grep -q '### C' headings.yaml || fail "headings lost"
# CRLF, tabs, unicode, a huge line, YAML-looking text and variables named like YAML keys
python3 - <<'PY' || fail "the python check at line 34 failed (above)"
big = "x" * 300000
open("crlf.md", "wb").write(b"# T\r\n\r\n## Steps\r\n\r\n```sh\r\nkubectl get pods -n $NS\r\n```\r\n")
open("mixed.md", "w").write(
    "# Ünïcødé ☃ runbook\n\n## Steps\n\n```bash\n"
    "echo\t'tab\there' \"ü ☃ \\u2028\" $TRUE ${NULL} $ON <yes> ${{ steps.x }} '${{'\n"
    "printf '%s\\n' key: value \"- item\" '# not a comment' '&anchor' '*alias' '!tag' '|' '>'\n"
    "echo " + big + "\n```\n\n- run `kubectl get pods -l app=\"${{ inputs.app }}\"`\n"
    "- \u2028line separator and \u0085next line\n\n---\nkey: value\n---\n")
PY
imp_ok crlf
python3 -c 'import yaml; r=yaml.safe_load(open("crlf.yaml")); assert r["steps"][0]["exec"] == ["kubectl","get","pods","-n","${{ inputs.ns }}"], r' || fail "the python check at line 45 failed (above)"
imp_ok mixed
python3 - <<'PY' || fail "the python check at line 47 failed (above)"
import yaml
r = yaml.safe_load(open("mixed.yaml"))
ins = r["inputs"]
for k in ("true", "null", "on", "yes", "app"):
    assert k in ins, (k, list(ins))
e = r["steps"][0]["exec"]
assert e[1] == "tab\there" and e[2] == "ü ☃ \\u2028", e
assert e[-4:] == ["${{ '${{' }}", "steps.x", "}}", "${{ '${{' }}"], e
PY
# text that YAML reads as syntax when written plain: each one quoted
printf '## Steps\n\n- @\n- `x\n- &a\n- *a\n- !t\n- %%x\n- ? x\n- : x\n- "q"\n- [l]\n- {m}\n- #c\n- 1e3\n- true\n- null\n- ~\n- .5\n- -1\n' >plain.md
imp_ok plain
python3 - <<'PY' || fail "plain: $(cat plain.yaml)"
import yaml
r = yaml.safe_load(open("plain.yaml"))
got = [s["manual"] for s in r["steps"]]
want = ["@", "`x", "&a", "*a", "!t", "%x", "? x", ": x", '"q"', "[l]", "{m}", "#c", "1e3", "true", "null", "~", ".5", "-1"]
assert got == want, got
PY
# an empty program name ("" in a pipeline) is no known read, and no hang
printf '## Steps\n\n```sh\n"" get pods | grep x\n```\n' >empty-prog.md
RC=0; timeout 10 "$RUNBOOK" import empty-prog.md -o empty-prog.yaml >out 2>err || RC=$?
expect_rc 0
grep -q 'effect: write' empty-prog.yaml || fail "empty program: $(cat empty-prog.yaml)"
# a last-reviewed that is no calendar date stays text, the rest imports
printf -- '---\nlast-reviewed: 2025-02-29\nowner: x\n---\n# T\n' >baddate.md
imp_ok baddate
grep -q '^last-reviewed' baddate.yaml && fail "an invalid date became last-reviewed"
grep -q '  last-reviewed: 2025-02-29' baddate.yaml || fail "the invalid date was lost"
# an Inputs table (as `runbook docs` writes it) gives typed inputs; a \| in
# a cell is part of it; a table that is not one, a huge one, or one whose
# types would not validate stays text and strings
cat >intable.md <<'MD'
# T

## Inputs

| Name | Type | Required | Default | Description |
|---|---|---|---|---|
| mode | enum: \["a\|b","c"\] | no | c | a \| b, or c |
| tok | secret (from env:TOK; never shown) | no | \*\*\* | - |
| n | int, min 1, max 72 | no | 2 | - |
| re | string, pattern ^(x\|y)$ | yes | - | - |

## Other

| Name | Type | Required | Default | Description |
|---|---|---|---|---|
| ghost | int | no | 3 | not under Inputs: text |

## Steps

```sh
echo $mode
```
MD
imp_ok intable
python3 - <<'PY' || fail "intable: $(cat intable.yaml)"
import yaml
r = yaml.safe_load(open("intable.yaml"))
i = r["inputs"]
assert i["mode"] == {"type": "enum", "values": ["a|b", "c"], "default": "c", "description": "a | b, or c"}, i["mode"]
assert i["tok"] == {"type": "secret", "from": "env:TOK"}, i["tok"]
assert i["n"] == {"type": "int", "min": 1, "max": 72, "default": 2}, i["n"]
assert i["re"] == {"type": "string", "pattern": "^(x|y)$"}, i["re"]
assert "ghost" not in i and "| ghost |" in r["description"], r
assert "## Inputs" not in r["description"], r["description"]
PY
stays_text() {  # stays_text HEADING KEY TABLE: the table under ## HEADING is text, no KEY:
	rm -f notable.yaml
	printf "# T\n\n## $1\n\n$3\n" >notable.md
	imp_ok notable
	grep -q "^$2:" notable.yaml && fail "not a table of $2 became $2: $3"
	grep -q '^  | ' notable.yaml || fail "the table was lost: $3"
}
# not an Inputs table: other columns, an unknown type, a bad required, an invalid name
for t in '| Name | Kind |\n|---|---|\n| a | b |' \
	'| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n| a | blob | no | - | - |' \
	'| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n| a | int | maybe | - | - |' \
	'| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n| a | int | no | many | - |' \
	'| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n| a | b | c | d | e | f |'; do
	stays_text Inputs inputs "$t"
done
# types that do not validate (a pattern that is no regex, a default out of its
# values, a secret pasted into a command): strings, with a note
printf '# T\n\n## Inputs\n\n| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n| bad name | string, pattern ( | no | x | - |\n| key | secret (from env:K; never shown) | no | - | - |\n\n## Steps\n\n```sh\ncurl -u $KEY x\n```\n' >badtypes.md
imp_ok badtypes
grep -q "the Inputs table's types are not kept" badtypes.yaml || fail "no note: $(cat badtypes.yaml)"
python3 -c 'import yaml; i=yaml.safe_load(open("badtypes.yaml"))["inputs"]; assert i == {"key": {"type": "string"}}, i' || fail "the python check at line 136 failed (above)"
grep -q "# review: from \$KEY: a string" badtypes.yaml || fail "the variable is not named as the document writes it: $(cat badtypes.yaml)"
# a huge table imports in time
python3 -c '
rows = "".join(f"| in_{i} | int, min 0, max 9 | no | {i % 9} | row \\| {i} |\n" for i in range(3000))
open("huge.md", "w").write("# T\n\n## Inputs\n\n| Name | Type | Required | Default | Description |\n|---|---|---|---|---|\n" + rows)' || fail "the python generator before line 141 failed"
RC=0; timeout 60 "$RUNBOOK" import huge.md -o huge.yaml >out 2>err || RC=$?
expect_rc 0
python3 -c 'import yaml; i=yaml.safe_load(open("huge.yaml"))["inputs"]; assert len(i) == 3000 and i["in_5"] == {"type": "int", "min": 0, "max": 9, "default": 5, "description": "row | 5"}, i["in_5"]' || fail "the python check at line 144 failed (above)"
# an Objectives table gives objectives; one with an unknown objective, a
# map for a target, or a duplicate stays text
printf '# T\n\n## Objectives\n\n| Objective | Target |\n|---|---|\n| max-duration | 15m |\n| steps-required | \\["a",\\["b","c"\\]\\] |\n\n## Steps\n\n```sh {name=a}\necho a\n```\n\n```sh {name=b}\necho b\n```\n\n```sh {name=c}\necho c\n```\n' >obj.md
imp_ok obj
python3 -c 'import yaml; o=yaml.safe_load(open("obj.yaml"))["objectives"]; assert o == {"max-duration": "15m", "steps-required": ["a", ["b", "c"]]}, o' || fail "the python check at line 149 failed (above)"
for t in '| nap-time | 1m |' '| steps-required | {a: b} |' '| max-duration | 1m |\n| max-duration | 2m |'; do
	stays_text Objectives objectives "| Objective | Target |\n|---|---|\n$t"
done
# steps-required naming a step the page has no block for: the other objectives stay
printf '# T\n\n## Objectives\n\n| Objective | Target |\n|---|---|\n| max-duration | 15m |\n| steps-required | \\["nope"\\] |\n' >objsr.md
imp_ok objsr
python3 -c 'import yaml; o=yaml.safe_load(open("objsr.yaml"))["objectives"]; assert o == {"max-duration": "15m"}, o' || fail "the python check at line 156 failed (above)"
grep -q "steps-required is not kept (unknown step 'nope'" objsr.yaml || fail "no note: $(cat objsr.yaml)"
# step tables of docs' shape: read back when they are what runbook docs
# writes; malformed, bad JSON, a value its key does not take or a step
# that does not validate: the step comes from its block alone, as
# before, with a note naming the line
python3 - <<'PY' || fail "the python check at line 162 failed (above)"
head = "# T\n\n## Procedure\n\n"
def step(rows, block="```sh {name=s1 effect=read}\necho hi\n```\n", sid="s1", prim="exec"):
    return (f"| Step | `{sid}` |\n|---|---|\n| Effect | read |\n| Primitive | {prim} |\n" + rows +
            "\n" + block)
pages = {
    # a good one: every key back, templates as written
    "tbl-ok": step("| Timeout | `1m` |\n| Retry | `{\"attempts\":3,\"delay\":\"1s\"}` |\n"
                   "| If | `${{ 1 == 1 }}` |\n| Env | `{\"A\":\"x \\| y\"}` |\n"),
    "tbl-http": step("| Expect | `{\"status\":200}` |\n| Parameters | `{\"headers\":{\"X\":\"1\"}}` |\n",
                     "```http {name=s1 effect=read}\nPOST http://127.0.0.1:9/x\n```\n", prim="http"),
    # bad JSON, a cell that is no code span, an unknown row, a value of the wrong shape
    "tbl-json": step("| Retry | `{\"attempts\":3,` |\n"),
    "tbl-span": step("| Timeout | 1m |\n"),
    "tbl-row": step("| Colour | `blue` |\n"),
    "tbl-shape": step("| Env | `[1,2]` |\n"),
    "tbl-cells": step("| Timeout | `1m` | extra |\n"),
    "tbl-twice": step("| Timeout | `1m` |\n| Timeout | `2m` |\n"),
    "tbl-ticks": step("| If | ``` `` ``` |\n| Needs | `` ` `` |\n"),
    # a table of the right shape in a hand-written page, with nonsense
    "tbl-nonsense": step("| If | `${{ steps.nowhere.outputs.x }}` |\n| Timeout | `soon` |\n"),
    "tbl-prim": step("", "```http {name=s1 effect=read}\nnot a request\n```\n", prim="http"),
    "tbl-noprim": "# T\n\n## Procedure\n\n| Step | `s1` |\n|---|---|\n| Effect | read |\n\n```sh {name=s1 effect=read}\necho hi\n```\n",
    "tbl-other": step("", "```sh {name=s2 effect=read}\necho hi\n```\n"),
    "tbl-alone": step("", "and then a paragraph\n"),
    "tbl-badprim": step("", "```warp {name=s1 effect=read}\nengage\n```\n", prim="warp"),
    "tbl-conn": "# T\n\n## Connections\n\n| Name | Kind | Target |\n|---|---|---|\n| db | teleport | `{\"x\":` |\n\n## Defaults\n\n| Default | Value |\n|---|---|\n| timeout | `never` |\n",
}
for name, body in pages.items():
    open(name + ".md", "w").write(head + body if not body.startswith("# T") else body)
PY
for p in tbl-ok tbl-http tbl-json tbl-span tbl-row tbl-shape tbl-cells tbl-twice tbl-ticks tbl-nonsense \
	tbl-prim tbl-noprim tbl-other tbl-alone tbl-badprim tbl-conn; do
	imp_ok "$p"
done
python3 - <<'PY' || fail "the python check at line 197 failed (above)"
import yaml
def st(n):
    return yaml.safe_load(open(n + ".yaml"))["steps"][0]
s = st("tbl-ok")
assert s == {"id": "s1", "exec": ["echo", "hi"], "effect": "read", "timeout": "1m",
             "retry": {"attempts": 3, "delay": "1s"}, "if": "${{ 1 == 1 }}", "env": {"A": "x | y"}}, s
s = st("tbl-http")
assert s["http"] == {"method": "POST", "url": "http://127.0.0.1:9/x", "headers": {"X": "1"}} and \
    s["expect"] == {"status": 200}, s
# each bad one: the exec step from its block, no key of its table
for n in ("tbl-json", "tbl-span", "tbl-row", "tbl-shape", "tbl-cells", "tbl-twice", "tbl-ticks",
          "tbl-nonsense", "tbl-noprim"):
    s = st(n)
    assert s["exec"] == ["echo", "hi"] and not set(s) - {"id", "exec", "effect"}, (n, s)
for n in ("tbl-prim", "tbl-badprim"):
    assert "steps" not in yaml.safe_load(open(n + ".yaml")), n
assert st("tbl-alone") == {"id": "and-then-a-paragraph", "manual": "and then a paragraph"}
r = yaml.safe_load(open("tbl-other.yaml"))
assert [s["id"] for s in r["steps"]] == ["s2"], r
r = yaml.safe_load(open("tbl-conn.yaml"))
assert "connections" not in r and "defaults" not in r, r
PY
[ $? = 0 ] || fail "a step table read wrong (above)"
for p in tbl-json:9 tbl-span:9 tbl-row:9 tbl-shape:9 tbl-cells:5 tbl-twice:10 tbl-noprim:5 tbl-other:5 \
	tbl-alone:5 tbl-prim:5 tbl-badprim:8; do
	n=${p%%:*}
	grep -q "review: the step table of 's1' (line 5) is not read" "$n.yaml" || fail "$n: no note: $(cat "$n.yaml")"
	rb import "$n.md"
	grep -q "^$n.md:${p##*:}:1: warning: the step table of 's1' (line 5) is not read" err ||
		fail "$n: the note's line: $(cat err)"
done
for n in tbl-ticks tbl-nonsense; do
	grep -q "review: its step table's keys are not kept" $n.yaml || fail "$n: no note: $(cat $n.yaml)"
done
