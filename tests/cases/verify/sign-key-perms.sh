# run --sign-key: as ssh does, a private key that group or others may read
# or write is refused (exit 2) before anything runs; a symbolic link is
# judged by the key it reaches.
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null || fail "openssl genpkey"
printf 'runbook: signed-perms\ntitle: Signed\nsteps:\n  - id: one\n    exec: [touch, ran]\n' > rb.yaml
for mode in 640 604 660 606; do
	chmod $mode key.pem
	rb run rb.yaml --transcript t$mode.jsonl --sign-key key.pem --quiet
	expect_rc 2
	expect_err "private key 'key.pem' is accessible by group or others \(mode 0$mode\): refusing it \(chmod 600 'key.pem'\)"
	[ ! -e ran ] || fail "mode $mode: the step ran"
	[ ! -e t$mode.jsonl ] || fail "mode $mode: the refused run wrote a transcript"
	expect_no "PRIVATE KEY"
done
ln -s key.pem link.pem
rb run rb.yaml --transcript tl.jsonl --sign-key link.pem --quiet
expect_rc 2
expect_err "private key 'link.pem' is accessible by group or others \(mode 0606\)"
chmod 600 key.pem
rb run rb.yaml --transcript ok.jsonl --sign-key link.pem --quiet
expect_rc 0
[ -e ran ] || fail "the step did not run with a private key"
expect_jq ok.jsonl 'any(.[]; .event == "checkpoint")' "no checkpoint with a 0600 key"
