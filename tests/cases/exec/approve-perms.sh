# --approve FILE: whoever can write the answers file approves the steps, so
# a file writable by group or others, or owned by another user, is refused
# (exit 2) before anything runs; a symbolic link is judged by its target.
cat > rb.yaml <<'Y'
runbook: approvals-perms
title: Approvals
steps:
  - id: first
    exec: [touch, ran]
  - id: go-ahead
    approve: "Restart production?"
  - id: act
    exec: [touch, acted]
Y
printf 'go-ahead: yes\n' > yes.yaml
for mode in 664 646 666; do
	chmod $mode yes.yaml
	rb run rb.yaml --transcript t$mode.jsonl --approve yes.yaml
	expect_rc 2
	expect_err "yes.yaml is writable by group or others \(mode 0$mode\): refusing it"
	[ ! -e ran ] && [ ! -e acted ] || fail "mode $mode: a step ran"
	[ ! -e t$mode.jsonl ] || fail "mode $mode: the refused run wrote a transcript"
done
# through a symbolic link: the file reached is what counts
chmod 666 yes.yaml; ln -s yes.yaml link.yaml
rb run rb.yaml --transcript tl.jsonl --approve link.yaml
expect_rc 2
expect_err "link.yaml is writable by group or others \(mode 0666\)"
# owned by another user
id -u rbtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin rbtest 2>/dev/null || true
id -u rbtest >/dev/null 2>&1 || fail "no user rbtest"
chmod 644 yes.yaml; chown rbtest yes.yaml
rb run rb.yaml --transcript to.jsonl --approve yes.yaml
expect_rc 2
expect_err "yes.yaml is owned by uid $(id -u rbtest), not by the current user \(uid 0\) or root: refusing it"
[ ! -e ran ] && [ ! -e acted ] || fail "a step ran"
# ours and not writable by others: used, through the link too
chown root yes.yaml
rb run rb.yaml --transcript ok.jsonl --approve link.yaml
expect_rc 0
[ -e acted ] || fail "not approved by a good answers file"
expect_jq ok.jsonl '[.[] | select(.event=="approve")][0] | .approved == true and .mode == "file"'
# the parse errors still point into the file
printf 'go-ahead: [yes\n' > bad.yaml
rb run rb.yaml --transcript bad.jsonl --approve bad.yaml
expect_rc 2
expect_err "bad.yaml:[0-9]+:[0-9]+: "
