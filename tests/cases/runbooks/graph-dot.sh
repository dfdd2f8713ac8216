# runbook graph's dot is read by Graphviz itself: every runbook of
# runbooks/ and one with a hostile title render to SVG without a
# warning, and the title arrives as text (quotes, backslashes, angle
# brackets, braces and a literal \n escaped, not interpreted).
for f in "$ROOT"/runbooks/*.yaml; do
	b=$(basename "$f" .yaml)
	rb graph "$f"
	expect_rc 0
	dot -Tsvg out -o "$b.svg" 2>dot.err || fail "$b: dot refused the graph: $(cat dot.err)"
	[ ! -s dot.err ] || fail "$b: dot warned: $(cat dot.err)"
done

cat >odd.yaml <<'YAML'
runbook: odd
title: "say \"hi\" \\ back <b>bold</b> {x|y} ] [ ; -> \\n"
owner: ops
steps:
  - id: a
    effect: read
    exec: [echo, a]
  - id: b-c-9
    needs: [a]
    effect: read
    exec: [echo, b]
YAML
rb graph odd.yaml
expect_rc 0
dot -Tsvg out -o odd.svg 2>dot.err || fail "dot refused the graph: $(cat dot.err) $(cat out)"
[ ! -s dot.err ] || fail "dot warned: $(cat dot.err)"
python3 - <<'PY' || fail "the title did not arrive as text: $(cat out)"
import xml.etree.ElementTree as ET
texts = [t.text or "" for t in ET.parse("odd.svg").iter("{http://www.w3.org/2000/svg}text")]
joined = "\n".join(texts)
assert 'say "hi" \\ back <b>bold</b> {x|y} ] [ ; -> \\n' in texts, texts
PY
