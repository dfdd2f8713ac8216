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
# every lint rule that `check --list-rules` lists has its section
rb check --list-rules
expect_rc 0
[ "$(wc -l <out)" -ge 6 ] || fail "check --list-rules lists $(wc -l <out) rules"
for id in $(awk '{print $1}' out); do
	grep -q "^### \`$id\`$" reference.md || fail "lint rule '$id' is not in the reference"
done
