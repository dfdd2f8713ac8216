# runbooks: circuit-breaker-openings run against the suite's Prometheus and
# the upstream and Alertmanager of tests/lib/soma_services.py; kubectl is
# a stub answering with gateway logs.  The silence's end is computed by an
# expression (now() + silence_hours) once: the approval names it, the
# silence carries it, in the RFC 3339 form Alertmanager takes.  The RCA
# is a manual step recording its link; when it is not confirmed, the
# rollback expires the silence.
mkdir bin
cat >bin/kubectl <<'SH'
#!/bin/sh
case "$*" in
*" logs deploy/gateway "*) printf 'INFO ok\nERROR CircuitOpenError upstream=slm\nERROR CircuitOpenError upstream=slm\n' ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
chmod +x bin/kubectl
export PATH=$PWD/bin:$PATH
python3 "$ROOT/tests/lib/soma_services.py" >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
RB=$ROOT/runbooks/circuit-breaker-openings.yaml
ins=(--input upstream_health_url="$SOMA/health" --input incident=INC-7 --input silence_hours=3
	--input kube_context=soma-lab --input namespace=soma-lab --input alertmanager_url="$SOMA"
	--input prometheus_url="$RB_TEST_PROM" --input poll_every=100ms)
cat >ans.yaml <<'Y'
approve-silence: yes
rca-recorded: { confirmed: true, fields: { rca: "https://wiki.example/INC-7/rca" } }
Y
chmod 600 ans.yaml
rb run "$RB" "${ins[@]}" --approve ans.yaml --transcript t.jsonl
[ "$RC" -eq 0 ] || fail "exit $RC: $(tail -20 out)"
curl -fsS "$SOMA/calls" | jq '[.[] | select(.method == "POST" and .path == "/api/v2/silences")][0].body' >silence.json
ends=$(jq -r .endsAt silence.json)
[[ $ends =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "endsAt: $ends"
# 3 hours after the silence starts (the end is fixed a moment before it)
jq -e '((.endsAt | fromdateiso8601) - (.startsAt | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601)) as $d
  | $d > 3 * 3600 - 120 and $d <= 3 * 3600' silence.json >/dev/null || fail "silence window: $(cat silence.json)"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="silence-window")][0].result.message == "'"$ends"'"' "silence-window"
expect_jq t.jsonl '[.[] | select(.event=="approve" and .step=="approve-silence")][0].question | contains("until '"$ends"' for INC-7")' "the approval names the end"
expect_jq t.jsonl '[.[] | select(.event=="manual" and .step=="rca-recorded")][0] | .confirmed and .fields.rca == "https://wiki.example/INC-7/rca"
  and (.instructions | contains("2") and contains("CircuitOpenError") and contains("silence-1"))' "the RCA entry"
expect_status t.jsonl silence-active ok
rb verify t.jsonl --runbook "$RB"
expect_rc 0

# the RCA is not confirmed: the run fails and the rollback expires the silence
printf 'approve-silence: yes\nrca-recorded: { confirmed: false, comment: "no RCA yet" }\n' >no.yaml
chmod 600 no.yaml
rb run "$RB" "${ins[@]}" --approve no.yaml --transcript no.jsonl
expect_rc 1
expect_status no.jsonl rca-recorded failed
expect_status no.jsonl expire-silence ok
curl -fsS "$SOMA/calls" | jq -e '[.[] | select(.method == "DELETE") | .path] == ["/api/v2/silence/silence-2"]' >/dev/null ||
	fail "the silence was not expired: $(curl -fsS "$SOMA/calls")"
curl -fsS "$SOMA/api/v2/silence/silence-2" | jq -e '.status.state == "expired"' >/dev/null || fail "silence-2 still active"
