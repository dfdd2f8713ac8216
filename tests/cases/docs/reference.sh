# docs/reference.md is what `runbook reference` prints (so it is kept
# true), and it is generated from the interpreter's own tables: every
# primitive, top-level key, step key, matcher, context and function the
# code knows appears in it.
rb reference
expect_rc 0
cp out reference.md
cmp -s reference.md "$ROOT/docs/reference.md" ||
	fail "docs/reference.md is not what 'runbook reference' prints: run 'make docs'"
# the tables, as the schema generator sees them, against the document
rb schema
cp out schema.json
for p in $(jq -r '."$defs".step.oneOf[].required[0]' schema.json); do
	grep -q "^### \`$p\`" reference.md || fail "primitive '$p' is not in the reference"
done
for k in $(jq -r '."$defs".runbook.properties | keys[]' schema.json) \
	 $(jq -r '."$defs".step.properties | keys[]' schema.json) \
	 $(jq -r '."$defs".matcher.properties | keys[]' schema.json); do
	grep -qF "\`$k\`" reference.md || fail "'$k' is not in the reference"
done
for fn in contains startsWith format toJSON; do
	grep -q "^| \`$fn\` |" reference.md || fail "function '$fn' is not in the reference"
done
# docs/rules.md is what `runbook explain --format md` prints, and every
# rule that `check --list-rules` lists has its anchored section there
rb explain --format md
expect_rc 0
cp out rules.md
cmp -s rules.md "$ROOT/docs/rules.md" ||
	fail "docs/rules.md is not what 'runbook explain --format md' prints: run 'make docs'"
rb check --list-rules
expect_rc 0
[ "$(wc -l <out)" -ge 40 ] || fail "check --list-rules lists $(wc -l <out) rules"
for id in $(awk '{print $1}' out); do
	grep -q "^### \`$id\`$" rules.md || fail "rule '$id' is not in docs/rules.md"
	grep -qF "<a id=\"$id\"></a>" rules.md || fail "rule '$id' has no anchor in docs/rules.md"
	grep -qF "(rules.md#$id)" reference.md || fail "rule '$id' is not in the reference"
done
