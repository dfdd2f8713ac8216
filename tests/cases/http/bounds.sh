# http against hostile servers: an endless body is cut at max-body and the
# read stops there (the step ends at once, memory stays bounded); endless
# headers fail the step; a server trickling a byte a second fails the step
# as stalled, long before a generous timeout; and a step that names no
# timeout gets the 30 s default (plan shows it).
cat >rb.yaml <<YAML
runbook: http-bounds
title: HTTP bounds
owner: platform-operations
steps:
  - id: endless
    http: { url: "$RB_TEST_HTTP/endless" }
    timeout: 2m
    expect: { status: 200, body_truncated: true, body: { len: 1048576 } }
  - id: endless-small
    http: { url: "$RB_TEST_HTTP/endless", max-body: 100 }
    expect: { body_truncated: true, body: { len: 100 } }
  - id: headers
    http: { url: "$RB_TEST_HTTP/endless-headers" }
    on-failure: continue
  - id: trickle
    http: { url: "$RB_TEST_HTTP/trickle?bytes=100" }
    timeout: 1m
    on-failure: continue
YAML
start=$(date +%s)
RC=0
# under `make asan`, freed memory waits in ASan's quarantine (256 MB by
# default): a small one lets the peak RSS measure the interpreter's own
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
python3 "$ROOT/tests/lib/maxrss.py" rss "$RUNBOOK" run rb.yaml --transcript t.jsonl >out 2>err </dev/null || RC=$?
elapsed=$(( $(date +%s) - start ))
expect_rc 0
expect_status t.jsonl endless ok
expect_status t.jsonl endless-small ok
expect_status t.jsonl headers failed
expect_status t.jsonl trickle failed
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="headers") | .error] | last | test("response headers exceed 256 KiB")' "endless headers"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="trickle") | .error] | last | test("the response stalled: fewer than 1024 bytes in 10 s")' "trickle"
# a trickle of 100 bytes would take 100 s: the stall check ends it after ~10
[ "$elapsed" -lt 45 ] || fail "the run took ${elapsed}s"
rss=$(cat rss)
[ "$rss" -lt 65536 ] || fail "peak RSS ${rss} KiB"
size=$(stat -c %s t.jsonl)
[ "$size" -lt 4000000 ] || fail "transcript is $size bytes"

# the default timeout: 30 s for I/O steps, none for wait/log, and
# defaults.timeout or the step's own timeout when given
cat >plan.yaml <<YAML
runbook: http-timeouts
title: Default timeouts
owner: platform-operations
steps:
  - { id: get, http: { url: "$RB_TEST_HTTP/health" } }
  - { id: run, exec: [true] }
  - { id: pause, wait: 2m }
  - { id: note, log: hi }
  - { id: own, http: { url: "$RB_TEST_HTTP/health" }, timeout: 5s }
YAML
rb plan --format json plan.yaml
expect_rc 0
jq -e '[.steps[] | [.id, .timeout]] == [["get","30s"],["run","30s"],["pause",null],["note",null],["own","5s"]]' out >/dev/null ||
	fail "timeouts in plan: $(jq -c '[.steps[] | [.id, .timeout]]' out)"
sed -i 's/^steps:/defaults: { timeout: 1s }\nsteps:/' plan.yaml
rb plan --format json plan.yaml
jq -e '[.steps[] | [.id, .timeout]] == [["get","1s"],["run","1s"],["pause",null],["note",null],["own","5s"]]' out >/dev/null ||
	fail "timeouts with defaults in plan: $(jq -c '[.steps[] | [.id, .timeout]]' out)"
# ... and the wait is not cut by defaults.timeout, the http step is
cat >short.yaml <<YAML
runbook: http-short-timeout
title: A short default timeout
owner: platform-operations
defaults: { timeout: 1s }
steps:
  - { id: pause, wait: 1500ms }
  - { id: slow, http: { url: "$RB_TEST_HTTP/trickle?bytes=5" } }
YAML
rb run short.yaml --transcript s.jsonl
expect_rc 1
expect_status s.jsonl pause ok
expect_status s.jsonl slow failed
expect_jq s.jsonl '[.[] | select(.event=="step.end" and .step=="slow") | .error] | last | test("[Tt]imeout|timed out")' "the http step was not cut at 1 s"
