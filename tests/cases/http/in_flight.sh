# A batch of checks hands curl at most 32 requests at a time, the next as
# each finishes: against six hosts (six ports of one server, which curl
# would give 8 connections each) no more than 32 are ever in flight at
# once.  A check still waiting for its turn when its timeout passes fails
# with a message that says so.
python3 "$ROOT/tests/lib/httpd.py" --ports 6 >ports 2>httpd.log &
hpid=$!
trap 'kill $hpid 2>/dev/null' EXIT
wait_for test -s ports
read -r -a P < ports
[ "${#P[@]}" -eq 6 ] || fail "httpd.py --ports 6 printed: $(cat ports)"
# checks K G MS [TIMEOUT-OF-THE-LAST]: K checks over the six ports, each
# holding its request MS ms in group G
checks() {
	local i t
	for i in $(seq 0 $(($1 - 1))); do
		printf '  - id: c%s\n    http: { url: "http://127.0.0.1:%s/hold?g=%s&ms=%s" }\n' \
			"$i" "${P[$((i % 6))]}" "$2" "$3"
	done
}
held() { curl -s "http://127.0.0.1:${P[0]}/held?g=$1"; }

g=many$$
cat >many.yaml <<YAML
runbook: http-in-flight
title: Many checks at once
owner: platform-operations
checks:
$(checks 96 "$g" 300)
YAML
rb run many.yaml --transcript m.jsonl
expect_rc 0
expect_jq m.jsonl '[.[] | select(.event=="step.start" and .phase=="checks") | .concurrent] | length == 96 and all(. == 96)' "one batch of 96"
h=$(held "$g")
jq -e '.total == 96' <<<"$h" >/dev/null || fail "the server saw $h, want 96 requests"
jq -e '.most <= 32' <<<"$h" >/dev/null || fail "more than 32 requests in flight at once: $h"
# more than one host's 8 connections were busy together: the batch is concurrent
jq -e '.most > 8' <<<"$h" >/dev/null || fail "at most 8 requests in flight at once: $h"

# 32 checks hold every slot for 1.5 s; the 33rd, with a 300 ms timeout,
# never gets one
g=wait$$
cat >wait.yaml <<YAML
runbook: http-wait-for-slot
title: A check that waits for a slot
owner: platform-operations
checks:
$(checks 32 "$g" 1500)
  - id: late
    http: { url: "http://127.0.0.1:${P[0]}/health" }
    timeout: 300ms
YAML
rb run wait.yaml --transcript w.jsonl
expect_rc 1
expect_status w.jsonl c31 ok
expect_status w.jsonl late failed
expect_jq w.jsonl '[.[] | select(.event=="step.end" and .phase=="checks" and .status=="ok")] | length == 32' "the 32 holding checks pass"
expect_jq w.jsonl '[.[] | select(.event=="step.end" and .step=="late") | .error | test("^GET http://127\\.0\\.0\\.1:[0-9]+/health: timed out after 300 ms waiting for a connection")] == [true]' "waited message"
h=$(held "$g")
jq -e '.total == 32' <<<"$h" >/dev/null || fail "the server saw $h, want 32 requests"
