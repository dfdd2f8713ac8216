# The report shows the guards and continuous probes: Markdown and HTML
# list each (checks, failed ones, held or where it tripped), and the
# HTML's chart has a strip under the steps with a row per guard and
# probe, a tick per check coloured by its outcome and a mark at a trip.
KEY=report-$$-$RANDOM
cat >drill.yaml <<Y
runbook: watched
title: A watched drill
owner: platform-operations
inputs:
  trip: { type: string, default: 'no' }
connections:
  web: { http: "$RB_TEST_HTTP" }
probes:
  - id: answers
    every: 30ms
    during: drill
    tolerance: 1
    http: { connection: web, url: "/countdown?key=$KEY&fail=1" }
steps:
  - id: enough
    exec: [sh, -c, 'test "\$(grep -c "\"event\":\"guard.check\"" t.jsonl)" -ge 3 && grep -q "\"event\":\"probe.check\".*\"ok\":true" t.jsonl']
    effect: read
    until: { every: 20ms, within: 30s }
  - id: maybe-trip
    exec: [sh, -c, 'test "\$T" = no || { touch tripped; exec sleep 30; }']
    env: { T: "\${{ inputs.trip }}" }
    effect: read
drill:
  guard:
    every: 30ms
    steps:
      - { id: budget, exec: [sh, -c, '! test -e tripped'], effect: read }
  inject:
    - { id: inject, exec: [true], effect: read }
Y
rb drill drill.yaml --transcript t.jsonl --quiet
expect_rc 0
rb report t.jsonl --runbook drill.yaml
expect_rc 0
expect_out '^## Guards and probes$'
expect_out '^\| guard \| budget \| [0-9]+ \| 0 \| held \|$'
expect_out '^\| probe \| answers \| [0-9]+ \| 1 \| within its tolerance \|$'
rb report t.jsonl --format html -o report.html
expect_rc 0
checks=$(jq -s -c '[.[] | select(.event == "guard.check" or .event == "probe.check") | {step, ok}]' t.jsonl)
python3 - report.html "$checks" <<'PY' || fail "the HTML strip of guards and probes"
import json, sys
from html.parser import HTMLParser
checks = json.loads(sys.argv[2])
class P(HTMLParser):
	def __init__(s):
		super().__init__(); s.svg = 0; s.strip = 0; s.row = None; s.rows = []; s.ticks = []; s.step_y = []; s.trips = []
	def handle_starttag(s, tag, a):
		a = dict(a)
		if tag == 'svg' and 'gantt' in a.get('class', ''): s.svg += 1
		if tag == 'g' and a.get('class') == 'watch-strip': s.strip += 1
		if tag == 'g' and a.get('class') == 'watch-row':
			s.row = a['data-watch']; s.rows.append((a['data-watch'], a['data-kind']))
		if tag == 'rect' and a.get('class') == 'step': s.step_y.append(float(a['y']))
		if tag == 'rect' and a.get('class', '').startswith('check '):
			s.ticks.append((s.row, a['class'].split()[1], float(a['y'])))
		if tag == 'rect' and a.get('class') == 'trip': s.trips.append(s.row)
	def handle_endtag(s, tag):
		if tag == 'g': s.row = None
p = P(); p.feed(open(sys.argv[1]).read())
assert p.svg == 1 and p.strip == 1, (p.svg, p.strip)
assert sorted(p.rows) == [('answers', 'probe'), ('budget', 'guard')], p.rows
want = [(c['step'], 'check-ok' if c['ok'] else 'check-failed') for c in checks]
assert sorted(t[:2] for t in p.ticks) == sorted(want), (p.ticks, want)
assert ('answers', 'check-failed') in [t[:2] for t in p.ticks]
assert min(t[2] for t in p.ticks) > max(p.step_y), 'the strip is not under the steps'
assert p.trips == [], p.trips
PY

# a drill its guard stopped: the trip is marked and listed
mv t.jsonl ok.jsonl
rb drill drill.yaml --transcript t.jsonl --input trip=yes --quiet
expect_rc 6
rb report t.jsonl
expect_rc 0
expect_out '^\| guard \| budget \| [0-9]+ \| 1 \| tripped at \+[0-9.]+s: expected exit eq 0, got 1 \|$'
expect_out '^\| Stopped by guard \| budget \|$'
rb report t.jsonl --format html -o tripped.html
grep -q '<g class="watch-row" data-watch="budget" data-kind="guard">.*<rect class="trip"' tripped.html ||
	fail "no trip mark in the guard's row"
