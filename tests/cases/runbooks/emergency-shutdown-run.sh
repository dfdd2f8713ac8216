# runbooks: emergency-shutdown run, then `runbook undo` of its transcript
# as the way back up.  kubectl is a stub keeping each deployment's
# replicas in a file, vault a stub; Slack and Cloudflare are played by
# tests/lib/soma_services.py, Prometheus is the suite's.  A dry run shows
# each deployment's scale-down as its own would-run item and changes
# nothing; the run scales each recorded deployment to 0 exactly once;
# undo scales each back to its own recorded count (one at 0 stays at 0)
# and brings the tunnel connector back.
mkdir bin state
cat >bin/kubectl <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$KUBECTL_LOG"
S=$K8S_STATE
case "$*" in
*"auth can-i"*) echo yes ;;
*"get deploy "*go-template*)
	sep=; printf '{'
	for f in "$S"/*; do printf '%s"%s":%s' "$sep" "${f##*/}" "$(cat "$f")"; sep=,; done
	printf '}\n' ;;
*" scale deploy/"*)
	name=${*#* scale deploy/}; name=${name%% *}; n=${*#*--replicas=}; n=${n%% *}
	[ -f "$S/$name" ] || { echo "deployments.apps \"$name\" not found" >&2; exit 1; }
	echo "$n" >"$S/$name"; echo "deployment.apps/$name scaled" ;;
*"get pods"*) for f in "$S"/*; do [ "$(cat "$f")" -eq 0 ] || echo "pod/${f##*/}-0"; done ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
cat >bin/vault <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$VAULT_LOG"
[ -n "$VAULT_TOKEN" ] || { echo 'permission denied' >&2; exit 2; }
case "$*" in
'token lookup -format=json') echo '{"data": {"ttl": 3600}}' ;;
'lease revoke -prefix soma/') echo 'All revocation operations queued successfully!' ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
chmod +x bin/kubectl bin/vault
export PATH=$PWD/bin:$PATH KUBECTL_LOG=$PWD/kubectl.log VAULT_LOG=$PWD/vault.log K8S_STATE=$PWD/state
export SLACK_BOT_TOKEN=xoxb-es-test-8812 CLOUDFLARE_API_TOKEN=cf-es-test-5521 VAULT_TOKEN=hvs.es-test-9034
echo 3 >state/gateway; echo 2 >state/conversation-worker; echo 2 >state/cloudflared
echo 1 >state/canvas; echo 0 >state/idle-batch
replicas() { for f in state/*; do printf '%s=%s ' "${f##*/}" "$(cat "$f")"; done; }
before=$(replicas)
python3 "$ROOT/tests/lib/soma_services.py" >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
RB=$ROOT/runbooks/emergency-shutdown.yaml
ins=(--input 'reason=credentials leaked in a public log' --input incident=INC-42
	--input cloudflare_account=0123456789abcdef0123456789abcdef
	--input tunnel_id=01234567-89ab-cdef-0123-456789abcdef
	--input kube_context=soma-lab --input namespace=soma-lab --input prometheus_url="$RB_TEST_PROM"
	--input slack_api_url="$SOMA" --input cloudflare_api_url="$SOMA")
cat >ans.yaml <<'Y'
approve-shutdown: { approved: true, comment: incident lead on the bridge }
handover: { confirmed: true, fields: { incident_doc: "https://wiki.example/INC-42" } }
handover-rollback: { confirmed: true, comment: noted in the incident document }
Y
chmod 600 ans.yaml
calls() { curl -fsS "$SOMA/calls"; }
no_secrets() {
	local s
	for s in "$SLACK_BOT_TOKEN" "$CLOUDFLARE_API_TOKEN" "$VAULT_TOKEN"; do expect_no "$s" "$@"; done
}

# a dry run: each recorded deployment is a would-run item with its own command
rb run "$RB" "${ins[@]}" --dry-run --approve ans.yaml --transcript dry.jsonl
expect_rc 0
expect_status dry.jsonl record-replicas ok
expect_status dry.jsonl scale-to-zero would-run
expect_jq dry.jsonl '[.[] | select(.event=="step.end" and .step=="scale-to-zero" and .item) | [.item.value.key, .item.value.value, .status, .would_run.action[4]]]
  == [["canvas",1,"would-run","deploy/canvas"],["cloudflared",2,"would-run","deploy/cloudflared"],
      ["conversation-worker",2,"would-run","deploy/conversation-worker"],["gateway",3,"would-run","deploy/gateway"],
      ["idle-batch",0,"would-run","deploy/idle-batch"]]' "the dry run's items"
expect_out 'scale-to-zero\[3\].*would-run|would-run.*scale-to-zero\[3\]'
[ "$(replicas)" = "$before" ] || fail "a dry run scaled: $(replicas)"
[ "$(calls)" = "[]" ] || fail "a dry run called out: $(calls)"
grep -q 'lease revoke' vault.log && fail "a dry run revoked leases"

# the run: every deployment at 0, each scaled once; tunnel down; leases revoked
: >kubectl.log
rb run "$RB" "${ins[@]}" --approve ans.yaml --transcript t.jsonl
[ "$RC" -eq 0 ] || fail "exit $RC: $(tail -20 out)"
[ "$(replicas)" = "canvas=0 cloudflared=0 conversation-worker=0 gateway=0 idle-batch=0 " ] || fail "after the run: $(replicas)"
for d in canvas conversation-worker gateway idle-batch; do
	[ "$(grep -c "scale deploy/$d --replicas=0" kubectl.log)" -eq 1 ] || fail "$d scaled down $(grep -c "scale deploy/$d " kubectl.log) times"
done
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="scale-to-zero" and .item) | .item.index] | sort == [0,1,2,3,4]' "each item started once"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="scale-to-zero" and (.item | not))][0] | .status == "ok" and .result.ok == 5'
expect_jq t.jsonl '[.[] | select(.event=="manual" and .step=="handover")][0] | .confirmed and .fields.incident_doc == "https://wiki.example/INC-42"' "the handover"
grep -qx 'lease revoke -prefix soma/' vault.log || fail "leases not revoked: $(cat vault.log)"
calls >calls.json
jq -e '[.[] | .method + " " + .path] == ["POST /chat.postMessage", "DELETE /accounts/0123456789abcdef0123456789abcdef/cfd_tunnel/01234567-89ab-cdef-0123-456789abcdef/connections", "POST /chat.postMessage"]' calls.json >/dev/null ||
	fail "calls: $(cat calls.json)"
jq -e --arg s "Bearer $SLACK_BOT_TOKEN" --arg c "Bearer $CLOUDFLARE_API_TOKEN" '.[0].auth == $s and .[1].auth == $c' calls.json >/dev/null ||
	fail "tokens not sent"
no_secrets t.jsonl

# the way back up: undo the run from its transcript
: >kubectl.log
rb undo t.jsonl --approve ans.yaml
[ "$RC" -eq 0 ] || fail "undo: exit $RC: $(tail -20 out) $(tail -5 err)"
[ "$(replicas)" = "$before" ] || fail "after undo: $(replicas), want $before"
for d in canvas conversation-worker gateway idle-batch; do
	[ "$(grep -c "scale deploy/$d " kubectl.log)" -eq 1 ] || fail "$d scaled back $(grep -c "scale deploy/$d " kubectl.log) times: $(cat kubectl.log)"
done
grep -qx -- '--context soma-lab scale deploy/gateway --replicas=3 -n soma-lab' kubectl.log || fail "gateway not back to 3: $(cat kubectl.log)"
# newest first: the handover note, each deployment, the tunnel connector last
grep -qx -- '--context soma-lab scale deploy/cloudflared --replicas=2 -n soma-lab' <(tail -n1 kubectl.log) || fail "tunnel-up is not last: $(cat kubectl.log)"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .phase=="rollback") | .step] == ["notify-done-undo", "handover-rollback",
  "revoke-leases-undo", "scale-back", "scale-back", "scale-back", "scale-back", "scale-back", "tunnel-connections-undo", "tunnel-up",
  "notify-undo"]' "undo order"
expect_jq t.jsonl '[.[] | select(.event=="step.start" and .step=="scale-back" and .item) | .item.index] | sort == [0,1,2,3,4]' "each deployment undone once"
expect_jq t.jsonl '[.[] | select(.event=="run.end")] | last | .status == "undone"'
no_secrets t.jsonl
rb verify t.jsonl --runbook "$RB"
expect_rc 0
# once is enough: a second undo is refused
rb undo t.jsonl --approve ans.yaml
expect_rc 2
