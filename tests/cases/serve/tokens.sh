# Authentication: no tokens file -> loopback only (exit 2 elsewhere); a
# tokens file that group or others can read is refused (as ssh refuses a
# key); with tokens, every request needs the right bearer token (401
# without or with a wrong one), and no token is ever printed.
. "$ROOT/tests/lib/serve_helpers.sh"
hello_runbook rb
tok=tok-$RANDOM$RANDOM-secret
printf '# who\nci %s\nalertmanager other-%s\n' "$tok" "$tok" >tokens

rb serve --listen 0.0.0.0:$(free_port) --runbooks rb --state st
expect_rc 2
expect_err 'refusing to listen on 0.0.0.0:[0-9]+ without --tokens'
rb serve --listen "[::]:$(free_port)" --runbooks rb --state st
expect_rc 2
chmod 0644 tokens
rb serve --listen 127.0.0.1:$(free_port) --tokens tokens --runbooks rb --state st
expect_rc 2
expect_err 'permissions 0644 are too open'
chmod 0600 tokens
printf 'ci\n' >badtokens; chmod 600 badtokens
rb serve --listen 127.0.0.1:$(free_port) --tokens badtokens --runbooks rb --state st
expect_rc 2
expect_err 'badtokens:1:1: error'
rb serve --listen nowhere --runbooks rb --state st
expect_rc 2
expect_err 'HOST:PORT'

serve_start --tokens tokens --runbooks rb --state st
for h in "" "Authorization: Bearer wrong" "Authorization: Bearer ${tok}x" "Authorization: $tok" \
	 "Authorization: Bearer "; do
	api GET /metrics ${h:+-H "$h"}
	[ "$CODE" = 401 ] || fail "'$h': $CODE"
	api POST /v1/runs ${h:+-H "$h"} -d '{"runbook": "hello.yaml"}'
	[ "$CODE" = 401 ] || fail "POST with '$h': $CODE"
done
[ ! -e st/runs ] || [ -z "$(ls st/runs)" ] || fail "an unauthenticated request started a run"
api GET /metrics -H "Authorization: Bearer $tok"
[ "$CODE" = 200 ] || fail "the right token: $CODE"
api POST /v1/runs -H "Authorization: Bearer other-$tok" -d '{"runbook": "hello.yaml"}'
[ "$CODE" = 202 ] || fail "the second token: $CODE"
serve_kill TERM
grep -rqF "$tok" serve.out st && fail "a token was written"
true
