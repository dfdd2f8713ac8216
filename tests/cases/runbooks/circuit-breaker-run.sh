# runbooks: circuit-breaker-openings run against the suite's Prometheus and
# Alertmanager, with tests/lib/soma_services.py as the upstream; kubectl is
# a stub answering with gateway logs.  The silence's end is computed by an
# expression (now() + silence_hours) once: the approval names it and the
# silence Alertmanager records carries it, 3 hours after its start.  The
# RCA is a manual step recording its link; when it is not confirmed, the
# rollback expires the silence.
[ -n "${RB_TEST_AM:-}" ] || fail "no Alertmanager (RB_TEST_AM)"
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
# the case's silences (its own incident id in their comment) end with it
inc=INC-$$
mine() { curl -fsS "$RB_TEST_AM/api/v2/silences" | jq -c --arg c "$inc: upstream recovered, RCA in progress" '[.[] | select(.comment == $c)]'; }
cleanup() {
	kill $spid 2>/dev/null
	for id in $(mine | jq -r '.[] | select(.status.state == "active") | .id'); do
		curl -fsS -X DELETE "$RB_TEST_AM/api/v2/silence/$id" >/dev/null
	done
}
trap cleanup EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
RB=$ROOT/runbooks/circuit-breaker-openings.yaml
ins=(--input upstream_health_url="$SOMA/health" --input incident="$inc" --input silence_hours=3
	--input kube_context=soma-lab --input namespace=soma-lab --input alertmanager_url="$RB_TEST_AM"
	--input prometheus_url="$RB_TEST_PROM" --input poll_every=100ms)
cat >ans.yaml <<'Y'
approve-silence: yes
rca-recorded: { confirmed: true, fields: { rca: "https://wiki.example/rca/42" } }
Y
chmod 600 ans.yaml
rb run "$RB" "${ins[@]}" --approve ans.yaml --transcript t.jsonl
[ "$RC" -eq 0 ] || fail "exit $RC: $(tail -20 out)"
ends=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="silence-window")][0].result.message' t.jsonl)
[[ $ends =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "silence-window: $ends"
expect_jq t.jsonl '[.[] | select(.event=="approve" and .step=="approve-silence")][0].question | contains("until '"$ends"' for '"$inc"'")' "the approval names the end"
id=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="silence-alert")][0].outputs.silence_id' t.jsonl)
curl -fsS "$RB_TEST_AM/api/v2/silence/$id" >silence.json || fail "no silence $id"
# the end Alertmanager recorded is the one computed, 3 hours after the start
secs() { sed -E 's/\.[0-9]+Z$/Z/' <<<"$1" | jq -R 'fromdateiso8601'; }
am_ends=$(jq -r .endsAt silence.json) am_starts=$(jq -r .startsAt silence.json)
[ "$(secs "$am_ends")" = "$(secs "$ends")" ] || fail "Alertmanager's end $am_ends, computed $ends"
d=$(( $(secs "$am_ends") - $(secs "$am_starts") ))
[ "$d" -gt $((3 * 3600 - 120)) ] && [ "$d" -le $((3 * 3600)) ] || fail "silence of ${d}s: $(cat silence.json)"
jq -e '.status.state == "active" and (.matchers | any(.name == "alertname" and .value == "CircuitBreakerOpenEvents"))' silence.json >/dev/null ||
	fail "silence: $(cat silence.json)"
expect_jq t.jsonl '[.[] | select(.event=="manual" and .step=="rca-recorded")][0] | .confirmed and .fields.rca == "https://wiki.example/rca/42"
  and (.instructions | contains("2") and contains("CircuitOpenError") and contains("'"$id"'"))' "the RCA entry"
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
id2=$(jq -r -s '[.[] | select(.event=="step.end" and .step=="silence-alert")][0].outputs.silence_id' no.jsonl)
[ "$id2" != "$id" ] || fail "the second run reused silence $id"
curl -fsS "$RB_TEST_AM/api/v2/silence/$id2" | jq -e '.status.state == "expired"' >/dev/null || fail "silence $id2 is still active"
