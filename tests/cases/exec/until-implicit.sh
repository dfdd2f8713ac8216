# `until` without `expect` polls on the primitive's implicit expectation:
# exit 0 for exec and shell, a 2xx status for http.
cat > rb.yaml <<'Y'
runbook: until-implicit
title: Poll on the implicit expectation
steps:
  - id: third-poll
    exec: [sh, -c, 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]']
    effect: read
    until: { every: 100ms, within: 5s }
  - id: shell-third-poll
    shell: 'm=$(cat m 2>/dev/null || echo 0); m=$((m+1)); echo $m > m; [ $m -ge 3 ]'
    effect: read
    until: { every: 100ms, within: 5s }
  - id: http-third-poll
    http: { url: "${{ env.RB_CASE_HTTP }}/ready" }
    until: { every: 100ms, within: 5s }
Y
# an HTTP server that answers 503 twice, then 200
cat > srv.py <<'P'
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class H(BaseHTTPRequestHandler):
    n = 0
    def do_GET(self):
        H.n += 1
        self.send_response(200 if H.n >= 3 else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
P
python3 srv.py > port &
srv=$!
trap 'kill $srv 2>/dev/null' EXIT
wait_for test -s port
RB_CASE_HTTP=http://127.0.0.1:$(cat port) rb run rb.yaml --transcript t.jsonl
expect_rc 0
for s in third-poll shell-third-poll http-third-poll; do
	expect_status t.jsonl $s ok
	expect_jq t.jsonl "[.[] | select(.event==\"step.attempt\" and .step==\"$s\")] | length == 3 and (map(.status) == [\"failed\", \"failed\", \"ok\"]) and (map(.poll) == [1, 2, 3])" \
		"$s: 3 polls, the first two failed"
done
expect_jq t.jsonl '[.[] | select(.event=="step.attempt" and .step=="third-poll")][0].matchers[0] | .path == "exit" and .expected == 0 and .actual == 1' \
	"the failed poll names the implicit exit matcher"
expect_jq t.jsonl '[.[] | select(.event=="step.attempt" and .step=="http-third-poll")][0].matchers[0] | .path == "status" and .actual == 503'

# it still gives up at `within`
cat > never.yaml <<'Y'
runbook: until-implicit-never
title: Never
steps:
  - id: never
    exec: ["false"]
    effect: read
    until: { every: 50ms, within: 300ms }
Y
rb run never.yaml --transcript n.jsonl
expect_rc 1
expect_jq n.jsonl '[.[] | select(.event=="step.end")][0] | .status == "failed" and (.error | test("not met within 300ms \\([0-9]+ polls\\)"))'
expect_jq n.jsonl '[.[] | select(.event=="step.attempt" and .step=="never")] | length >= 2'
