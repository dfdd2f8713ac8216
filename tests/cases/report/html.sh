# report --format html: one self-contained page (inline CSS, inline SVG,
# no script, no external asset) that headless Chromium renders: the
# screenshot is a real PNG, and the DOM has the Gantt chart with one bar
# per step coloured by status, and the objectives table.  Hostile strings
# from the transcript stay text.
command -v chromium >/dev/null || fail "chromium is not installed (tests/lib/deps.sh test)"
cat >drill.yaml <<'YAML'
runbook: html-drill
title: HTML <drill>
owner: platform-operations
objectives:
  max-duration: 5m
  time-to-recover: 1m
  steps-required: [fix]
steps:
  - id: fix
    exec: [echo, "<script>alert(1)</script><img src=x onerror=alert(2)>"]
    expect: { stdout: { contains: alert } }
  - id: skipped
    if: "${{ false }}"
    exec: [echo, never]
  - id: flaky
    needs: [fix]
    exec: ["false"]
    on-failure: continue
verify:
  - id: healthy
    exec: [echo, healthy]
drill:
  inject:
    - id: break
      exec: [echo, broken]
  symptoms:
    - id: degraded
      exec: [echo, degraded]
  cleanup:
    - id: tidy
      exec: [echo, tidy]
YAML
rb drill drill.yaml --transcript t.jsonl --quiet
expect_rc 0
rb report t.jsonl --format html -o report.html --runbook drill.yaml
expect_rc 0
[ -s report.html ] || fail "no report.html"
[ ! -s out ] || fail "-o FILE still wrote to stdout"

# self-contained and inert
for bad in '<script' '<link' '<img' '<iframe' '@import' 'url\(' '<[a-z]+ [^>]*(src|href)='; do
	grep -qiE -- "$bad" report.html && fail "report.html matches /$bad/"
done
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;' report.html ||
	fail "the step output is not escaped as text"

chrome() {
	local ud; ud=$(mktemp -d "$T/chrome.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$ud" --window-size=1200,1600 "$@" "file://$T/report.html" 2>>chrome.log
}
chrome --screenshot="$T/shot.png" >/dev/null || fail "chromium --screenshot failed: $(tail -3 chrome.log)"
python3 - shot.png <<'PY' || fail "the screenshot is not a 1200x1600 PNG"
import struct, sys
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\x89PNG\r\n\x1a\n' and len(b) > 10000, len(b)
w, h = struct.unpack('>II', b[16:24])
assert (w, h) == (1200, 1600), (w, h)
PY

chrome --dump-dom >dom.html || fail "chromium --dump-dom failed"
steps=$(jq -s -c '[.[] | select(.event == "step.start") | .step]' t.jsonl)
python3 - dom.html "$steps" <<'PY' || fail "the rendered page lacks the expected elements"
import json, sys
from html.parser import HTMLParser
steps = json.loads(sys.argv[2])
class P(HTMLParser):
	def __init__(s):
		super().__init__(); s.rects = []; s.svg = 0; s.tables = {}; s.table = None; s.rows = 0; s.h1 = ''; s.in_h1 = 0; s.scripts = 0
	def handle_starttag(s, tag, a):
		a = dict(a)
		if tag == 'svg' and 'gantt' in a.get('class', ''): s.svg += 1
		if tag == 'rect' and a.get('class') == 'step': s.rects.append(a)
		if tag == 'table': s.table = a.get('class'); s.tables[s.table] = 0
		if tag == 'tr' and s.table: s.tables[s.table] += 1
		if tag == 'h1': s.in_h1 = 1
		if tag == 'script': s.scripts += 1
	def handle_endtag(s, tag):
		if tag == 'h1': s.in_h1 = 0
	def handle_data(s, d):
		if s.in_h1: s.h1 += d
p = P(); p.feed(open(sys.argv[1]).read())
assert p.svg == 1, 'svg.gantt: %d' % p.svg
assert [r['data-step'] for r in p.rects] == steps, ([r['data-step'] for r in p.rects], steps)
st = {r['data-step']: r for r in p.rects}
assert st['fix']['data-status'] == 'ok' and st['flaky']['data-status'] == 'failed', st
assert st['skipped']['data-status'] == 'skipped'
assert len({st['fix']['fill'], st['flaky']['fill'], st['skipped']['fill']}) == 3
assert all(float(r['width']) > 0 for r in p.rects)
# objectives: a header row and outcome, max-duration, time-to-recover, steps-required
assert p.tables.get('objectives') == 5, p.tables
for t in ('summary', 'verdict', 'timeline', 'steps', 'matchers'):
	assert p.tables.get(t, 0) > 1, (t, p.tables)
assert p.h1 == 'Drill report: HTML <drill>', p.h1
assert p.scripts == 0
PY
grep -q 'class="banner pass">PASS: all [0-9]* checks hold' report.html || fail "the verdict banner"
