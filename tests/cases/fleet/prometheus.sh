# Targets and a guard from the real Prometheus of the suite (it scrapes
# httpd.py's gauges every second).  --target-query: one target per series,
# its labels named after the runbook's inputs; --guard-query: asked before
# each target starts (and while targets run), it stops new targets once it
# returns a series, as an alerting rule would fire, or cannot be asked.
G=fleet$$
for t in a b c; do curl -sf "$RB_TEST_HTTP/set?name=$G-$t&value=1" >/dev/null || fail "set $t"; done
q="rb_test_gauge{name=~\"$G-.*\"}"
wait_for sh -c "[ \"\$(curl -sfG '$RB_TEST_PROM/api/v1/query' --data-urlencode 'query=count($q)' | jq -r '.data.result[0].value[1] // 0')\" = 3 ]"
cat > rb.yaml <<'Y'
runbook: per-series
title: One run per series
concurrency-key: "series/${{ inputs.name }}"
inputs:
  name: { type: string }
  job: { type: string, default: none }
steps:
  - id: note
    exec: [sh, -c, 'echo "$0 $1" >> seen', "${{ inputs.name }}", "${{ inputs.job }}"]
    effect: read
Y
rb fleet rb.yaml --target-query "$q" --prometheus "$RB_TEST_PROM" --max-concurrency 3 --dir q
expect_rc 0
expect_out '^fleet: .* over 3 targets \(max-concurrency 3, max-errors 0\)'
[ "$(sort seen)" = "$(printf '%s rbtest\n' $G-a $G-b $G-c)" ] || fail "runs: $(cat seen)"
expect_out "^  \[ok\] 001 name=$G-a job=rbtest "
# the same from the environment's URL
RUNBOOK_PROMETHEUS_URL=$RB_TEST_PROM rb fleet rb.yaml --target-query "$q" --dir q2
expect_rc 0
# nothing to run, the wrong kind of answer, no Prometheus: errors, nothing runs
rm -f seen
rb fleet rb.yaml --target-query 'rb_test_gauge{name="no-such-gauge"}' --prometheus "$RB_TEST_PROM"
expect_rc 2
expect_err '<target-query>: error: --target-query returned 0 series, none with a label named after an input'
rb fleet rb.yaml --target-query 'time()' --prometheus "$RB_TEST_PROM"
expect_rc 2
expect_err 'must return a vector \(a series per target\), not a scalar'
rb fleet rb.yaml --target-query 'sum(' --prometheus "$RB_TEST_PROM"
expect_rc 2
expect_err 'prometheus: HTTP 400: .*parse error'
rb fleet rb.yaml --target-query "$q" --prometheus "http://user:s3cr3t-pw@127.0.0.1:9"
expect_rc 2
expect_err "prometheus: Couldn't connect"
expect_no s3cr3t-pw
rb fleet rb.yaml --target-query "$q"
expect_rc 2
expect_err 'needs --prometheus URL'
rb fleet rb.yaml --targets t.yaml --target-query "$q"
expect_rc 2
expect_err 'one of --targets FILE or --target-query PROMQL'
[ ! -e seen ] || fail "a failed query ran something"

# the guard: target 3 raises a gauge above 10; target 4 holds until
# Prometheus sees it; so the guard asked before target 5 trips
cat > guarded.yaml <<Y
runbook: guarded
title: Guarded
concurrency-key: "g/\${{ inputs.n }}"
inputs:
  n: { type: int }
steps:
  - id: work
    exec: [sh, -c, 'echo \$0 >> ran; [ \$0 = 3 ] && curl -sf "$RB_TEST_HTTP/set?name=$G-guard&value=20" >/dev/null;
           if [ \$0 = 4 ]; then while [ "\$(curl -sfG "$RB_TEST_PROM/api/v1/query" --data-urlencode "query=count(rb_test_gauge{name=\\"$G-guard\\"} > 10)" | jq -r ".data.result[0].value[1] // 0")" != 1 ]; do sleep 0.1; done; fi; exit 0',
           "\${{ inputs.n }}"]
    effect: read
    timeout: 60s
Y
python3 -c 'print("".join(f"- {{n: {n}}}\n" for n in range(1, 21)))' > twenty.yaml
rb fleet guarded.yaml --targets twenty.yaml --guard-query "rb_test_gauge{name=\"$G-guard\"} > 10" \
	--prometheus "$RB_TEST_PROM" --guard-every 200ms --dir g
expect_rc 1
[ "$(cat ran)" = "$(printf '1\n2\n3\n4')" ] || fail "targets run: $(cat ran | tr '\n' ' ')"
expect_out "^fleet: guard \(rb_test_gauge\{name=\"$G-guard\"\} > 10 returned 1 series\): no new target starts$"
expect_out '^fleet: 4 ok, 0 failed, 16 not started'
expect_jq g/fleet.jsonl '[.[] | select(.event=="fleet.stop")][0] | .reason == "guard" and (.detail | test("returned 1 series"))'
expect_jq g/fleet.jsonl '.[0].guard_query | test("> 10")'
# a guard that cannot be asked starts nothing
rm -f ran
rb fleet guarded.yaml --targets twenty.yaml --guard-query up --prometheus http://127.0.0.1:9 --dir g2
expect_rc 1
expect_out "^fleet: guard \(up: prometheus: Couldn't connect"
expect_out '^fleet: 0 ok, 0 failed, 20 not started'
[ ! -e ran ] || fail "a target ran without its guard"
