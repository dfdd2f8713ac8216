# runbook diff --format md: a pull-request comment, read back by GitHub's
# own Markdown (cmark-gfm): one heading naming both files, the changes
# that need attention as a list, one table row of five cells per change
# in the order of the JSON; whatever a runbook string holds (| ` <b> a
# link, a line break, a backslash) stays inside its code span, as text.
command -v cmark-gfm >/dev/null || fail "cmark-gfm is not installed (tests/lib/deps.sh test)"
cat > a.yaml <<'Y'
runbook: md
title: Markdown
steps:
  - id: say
    exec: [echo, plain]
    effect: read
  - id: tidy
    exec: [echo, tidy]
    rollback: { id: untidy, exec: [echo, untidy] }
Y
cat > b.yaml <<'Y'
runbook: md
title: Markdown
steps:
  - id: say
    exec: [echo, "a|b", "`x`", "``y ``", "<b>bold</b>", "\\|", "line1\nline2", "**not bold** [l](http://x) @here", "| --- |"]
    effect: read
  - id: tidy
    exec: [echo, tidy]
    rollback: { id: untidy, exec: [echo, untidy] }
  - id: push
    exec: [git, push]
Y
rb diff a.yaml b.yaml --format json
expect_rc 1
cp out d.json
rb diff a.yaml b.yaml --format md
expect_rc 1
cp out d.md
cmark-gfm -e table d.md > d.html || fail "cmark-gfm failed"
python3 - d.html d.json <<'PY' || fail "the Markdown's structure: $(cat d.html)"
import json, sys
from html.parser import HTMLParser

class Tree(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = {"tag": "root", "kids": [], "text": ""}
        self.stack = [self.root]
    def handle_starttag(self, tag, attrs):
        n = {"tag": tag, "kids": [], "text": ""}
        self.stack[-1]["kids"].append(n)
        self.stack.append(n)
    def handle_endtag(self, tag):
        while self.stack[-1]["tag"] != tag:
            self.stack.pop()
        self.stack.pop()
    def handle_data(self, d):
        for n in self.stack:
            n["text"] += d

def find(n, tag):
    out = [n] if n["tag"] == tag else []
    for k in n["kids"]:
        out += find(k, tag)
    return out

t = Tree()
t.feed(open(sys.argv[1]).read())
changes = json.load(open(sys.argv[2]))["files"][0]["changes"]
def show(v):
    if isinstance(v, dict):
        return f'{v["phase"]} {v["primitive"]} {v["effect"]}: {v["action"]}'
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))

h = find(t.root, "h3")
assert len(h) == 1 and [c["text"] for c in find(h[0], "code")] == ["a.yaml", "b.yaml"], h
items = find(t.root, "li")
attn = [c for c in changes if c.get("attention")]
assert len(attn) == 1 and len(items) == 1, items
assert find(items[0], "code")[0]["text"] == "push" and "without a rollback" in items[0]["text"]
tables = find(t.root, "table")
assert len(tables) == 1
assert [th["text"] for th in find(tables[0], "th")] == ["change", "subject", "field", "old", "new"]
rows = find(find(tables[0], "tbody")[0], "tr")
assert len(rows) == len(changes), (len(rows), len(changes))
for row, c in zip(rows, changes):
    cells = find(row, "td")
    assert len(cells) == 5, [x["text"] for x in cells]
    assert cells[0]["text"] == c["kind"], (cells[0]["text"], c["kind"])
    for cell, key in ((cells[3], "old"), (cells[4], "new")):
        if key not in c:
            assert cell["text"] == "(none)" and not find(cell, "code"), cell
            continue
        codes = find(cell, "code")
        assert len(codes) == 1 and not codes[0]["kids"], cell      # text only: no <b>, <a>, <strong>
        want = show(c[key]).replace("\n", " ")
        assert codes[0]["text"] == want, (codes[0]["text"], want)
# the changed argv is there, whole, in one cell
say = [c for c in changes if c.get("step") == "say" and c.get("field") == "action"]
assert len(say) == 1 and "<b>bold</b>" in say[0]["new"] and "``y ``" in say[0]["new"]
assert not find(t.root, "b") and not find(t.root, "a") and len(find(t.root, "strong")) == 1
PY
# no difference: the heading and one line, no table
rb diff a.yaml a.yaml --format md
expect_rc 0
cmark-gfm -e table out > same.html
grep -q '<h3>' same.html && grep -q 'No plan difference' same.html && ! grep -q '<table' same.html \
	|| fail "md without a difference: $(cat same.html)"
