# docs/ci.md shows docs/pr-workflow.yml between its markers, byte for byte:
# the page a reader copies from is the workflow the tests run.
python3 - "$ROOT/docs/ci.md" "$ROOT/docs/pr-workflow.yml" <<'PY' || fail "docs/ci.md's copy of pr-workflow.yml differs from the file"
import sys
md, wf = open(sys.argv[1]).read(), open(sys.argv[2]).read()
start = md.index("<!-- pr-workflow.yml -->\n```yaml\n") + len("<!-- pr-workflow.yml -->\n```yaml\n")
end = md.index("```\n<!-- /pr-workflow.yml -->")
sys.exit(md[start:end] != wf)
PY
