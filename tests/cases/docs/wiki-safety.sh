# runbook docs: strings of a runbook cannot shape its page.  Pipes,
# backtick runs, <script>, leading #, list and rule markers in titles,
# descriptions, defaults, step titles and commands stay text (read back
# through cmark-gfm with raw HTML let through, and PyYAML for the front
# matter): no element, heading, table row or code block more than the
# runbook's own, and every string reads back exactly.  Secrets: a
# connection's literal password, and a literal equal to it in a step,
# read *** as in plan; a secret input's value (in the environment) is
# nowhere.
command -v cmark-gfm >/dev/null || fail "cmark-gfm is not installed (tests/lib/deps.sh test)"
page() { /usr/bin/python3 "$ROOT/tests/lib/md_page.py" "$1" >"$1.json" || fail "md_page.py $1"; }
cat >evil.yaml <<'YAML'
runbook: evil
title: "Evil | title <script>alert(1)</script> ``` # h"
owner: "a|b [x](javascript:alert(2))"
last-reviewed: 2026-11-20
tags: ["<img src=x onerror=alert(3)>", "a|b"]
description: |
  # Not a heading
  ```sh
  rm -rf /
  ```
  1. not a list
  ---
  <script>alert(4)</script> and `code | <b>` and [link](http://x)
      indented is not code
inputs:
  who: { type: string, default: "x|y``` <img src=x onerror=alert(5)>", description: "d | e\n# f" }
  tok: { type: secret, from: "env:EVIL_TOK" }
connections:
  db: { postgres: "postgres://admin:pw-Zq81xkT4@db.example/app" }
steps:
  - id: pipe
    title: "a | b ``` c <script>x</script>"
    exec: [sh, -c, "echo '```' ; echo \"````\" | cat # <script>", "${{ inputs.who }}"]
    env: { TOK: "${{ inputs.tok }}" }
    rollback:
      id: undo-pipe
      exec: [echo, "undo | ```` <script>"]
  - id: leak
    title: "pw-Zq81xkT4 in a title"
    exec: [echo, "pw-Zq81xkT4"]
    effect: read
YAML
EVIL_TOK=tok-Hh38sKq2 rb docs evil.yaml
expect_rc 0
cp out page.md
page page.md
# the front matter reads back as written
jq -e '.front_matter | .title == "Evil | title <script>alert(1)</script> ``` # h" and
	.owner == "a|b [x](javascript:alert(2))" and .tags == ["<img src=x onerror=alert(3)>", "a|b"]' page.md.json \
	>/dev/null || fail "front matter: $(jq -c .front_matter page.md.json)"
# no element the page does not make itself
jq -e '.tags | keys - ["h1","h2","h3","h4","p","code","pre","table","thead","tbody","tr","th","td","br","blockquote"] == []' \
	page.md.json >/dev/null || fail "unexpected elements: $(jq -c .tags page.md.json)"
jq -e '.tags.a == null and .tags.script == null and .tags.img == null and .tags.hr == null' page.md.json >/dev/null ||
	fail "a link, script, image or rule: $(jq -c .tags page.md.json)"
# headings: the runbook's title, its sections and its two steps
jq -e '[.headings[] | .[1]] == ["Evil | title <script>alert(1)</script> ``` # h", "Purpose", "Inputs",
	"Connections", "Procedure", "Step 1: pipe — a | b ``` c <script>x</script>", "Rollback", "Step 2: leak — *** in a title"]' \
	page.md.json >/dev/null || fail "headings: $(jq -c .headings page.md.json)"
# tables: a row per input, one per connection, cells exact; a step's table
jq -e '.tables[2] == [["Step", "pipe"], ["Title", "a | b ``` c <script>x</script>"], ["Effect", "write"],
	["Primitive", "exec"], ["Env", "{\"TOK\":\"${{ inputs.tok }}\"}"]]' page.md.json >/dev/null ||
	fail "the step's table: $(jq -c '.tables[2]' page.md.json)"
jq -e '.tables[0] | length == 3 and .[1] == ["who", "string", "no", "x|y``` <img src=x onerror=alert(5)>", "d | e\n# f"]' \
	page.md.json >/dev/null || fail "inputs table: $(jq -c '.tables[0]' page.md.json)"
jq -e '.tables[0][2][0:4] == ["tok", "secret (from env:EVIL_TOK; never shown)", "no", "***"]' page.md.json >/dev/null ||
	fail "the secret input: $(jq -c '.tables[0][2]' page.md.json)"
jq -e '.tables[1] | length == 2 and .[1][0:2] == ["db", "postgres"] and (.[1][2] | contains("***"))' page.md.json >/dev/null ||
	fail "connections table: $(jq -c '.tables[1]' page.md.json)"
# a title an info string cannot hold (backticks) is left out of it
grep -q '^`````sh {name=pipe effect=write}$' page.md || fail "pipe's info string"
# code blocks: the three commands, exactly, whatever backticks they hold
jq -e '[.code[] | .[1]] == ["sh -c '"'"'echo '"'"'\\'"'"''"'"'```'"'"'\\'"'"''"'"' ; echo \"````\" | cat # <script>'"'"' '"'"'${{ inputs.who }}'"'"'\n",
	"echo '"'"'undo | ```` <script>'"'"'\n", "echo '"'"'***'"'"'\n"]' page.md.json >/dev/null ||
	fail "code blocks: $(jq -c .code page.md.json)"
# the description: one paragraph of text per line group, nothing it says is structure
jq -e '.text | contains("# Not a heading") and contains("```sh") and contains("1. not a list") and
	contains("<script>alert(4)</script>") and contains("indented is not code")' page.md.json >/dev/null ||
	fail "the description's text: $(jq -c .text page.md.json)"
# secrets: the literal password and the secret input's value nowhere, in any form
expect_no pw-Zq81xkT4 page.md
expect_no tok-Hh38sKq2 page.md
expect_no 'cHctWnE4MXhrVDQ' page.md    # base64 of the password
true
