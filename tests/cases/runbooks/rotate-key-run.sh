# runbooks: rotate-slm-api-key, dev path, run for real: vault, docker and
# kubectl are stubs that log their argv, the SLM API is
# tests/lib/soma_services.py, the repository a temporary directory.  The
# new key is entered at the manual step generate-key (a secret field, from
# the answers file here): it is proven against the SLM API, reaches vault
# on stdin and .env, and never the transcript, the terminal or an argv.
# When the operator does not confirm the old key's revocation, the
# rollback puts .env and Vault back and asks to revoke the new key.
KEY=sk-rot-test-7Qm4c1Zp
mkdir bin repo repo/docs repo/scripts
cat >bin/vault <<'SH'
#!/bin/sh
printf '%s\n' "$*" >>"$ARGV_LOG"
case "$*" in
'status -format=json') echo '{"sealed": false}' ;;
'kv metadata get -format=json kv/slm/api-key') echo '{"data": {"current_version": 4}}' ;;
'kv put -format=json kv/slm/api-key api_key=-') cat >"$VAULT_STORE"; echo '{"data": {"version": 5}}' ;;
'kv metadata patch '*) echo patched ;;
'kv rollback -version=4 kv/slm/api-key') echo 4 >"$VAULT_STORE.current" ;;
*) echo "unexpected: $*" >&2; exit 2 ;;
esac
SH
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"$ARGV_LOG"\necho yes\n' >bin/kubectl
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"$ARGV_LOG"\n' >bin/docker
chmod +x bin/*
printf 'import sys\nprint("pong")\n' >repo/scripts/send_message.py
printf 'OTHER=1\nSLM_API_KEY=sk-old-key\n' >repo/.env
printf '# Changelog\n' >repo/docs/changelog.md
export PATH=$PWD/bin:$PATH ARGV_LOG=$PWD/argv.log VAULT_STORE=$PWD/vault.store VAULT_TOKEN=hvs.rot-test-2291
python3 "$ROOT/tests/lib/soma_services.py" >soma.port 2>soma.log &
spid=$!
trap 'kill $spid 2>/dev/null' EXIT
wait_for test -s soma.port
SOMA=http://127.0.0.1:$(head -n1 soma.port)
RB=$ROOT/runbooks/rotate-slm-api-key.yaml
ins=(--input environment=dev --input ticket=CHG-77 --input slm_url="$SOMA" --input repo_dir="$PWD/repo"
	--input kube_context=soma-lab --input namespace=soma-lab --input vault_addr="$SOMA")
answers() {
	cat >"$1" <<Y
approve-rotation: yes
generate-key: { confirmed: true, by: dana, fields: { key: $KEY } }
old-key-revoked: $2
generate-key-rollback: { confirmed: true, comment: revoked in the portal }
Y
	chmod 600 "$1"
}
leaks() { local f; for f in "$@"; do grep -qF -- "$KEY" "$f" && fail "the new key leaked into $f"; done; return 0; }

answers ok.yaml yes
rb run "$RB" "${ins[@]}" --approve ok.yaml --transcript t.jsonl
[ "$RC" -eq 0 ] || fail "exit $RC: $(tail -20 out)"
[ "$(cat vault.store)" = "$KEY" ] || fail "vault got: $(cat vault.store)"
grep -qx "SLM_API_KEY=$KEY" repo/.env || fail ".env: $(cat repo/.env)"
grep -qx 'OTHER=1' repo/.env || fail ".env lost a line: $(cat repo/.env)"
curl -fsS "$SOMA/calls" | jq -e --arg a "Bearer $KEY" '[.[] | select(.path == "/v1/models") | .auth] == [$a]' >/dev/null ||
	fail "the key was not proven against the SLM API"
expect_jq t.jsonl '[.[] | select(.event=="manual" and .step=="generate-key")][0] | .confirmed and .by == "dana" and .fields == {"key": "***"}' "the manual step"
expect_jq t.jsonl '[.[] | select(.event=="step.end" and .step=="new-key-works")][0].status == "ok"'
leaks t.jsonl out err argv.log
rb verify t.jsonl --runbook "$RB"
expect_rc 0

# the old key's revocation is not confirmed: everything is put back, and
# the operator is asked to revoke the new key
printf 'OTHER=1\nSLM_API_KEY=sk-old-key\n' >repo/.env
printf '# Changelog\n' >repo/docs/changelog.md
rm -f vault.store vault.store.current
answers no.yaml no
rb run "$RB" "${ins[@]}" --approve no.yaml --transcript no.jsonl
expect_rc 1
grep -qx 'SLM_API_KEY=sk-old-key' repo/.env || fail ".env not restored: $(cat repo/.env)"
[ "$(cat vault.store.current 2>/dev/null)" = 4 ] || fail "vault not rolled back to version 4: $(cat argv.log)"
[ "$(cat repo/docs/changelog.md)" = '# Changelog' ] || fail "changelog: $(cat repo/docs/changelog.md)"
expect_jq no.jsonl '[.[] | select(.event=="step.end" and .phase=="rollback") | .step] | last == "generate-key-rollback"' "the new key is revoked last"
expect_jq no.jsonl '[.[] | select(.event=="manual" and .step=="generate-key-rollback")][0] | .confirmed and (.instructions | contains("Revoke the key generated for CHG-77"))'
leaks no.jsonl out err argv.log
