# make install PREFIX=... puts the binary, the stdlib, runbook.1 and the
# bash and zsh completions under the prefix (DESTDIR honoured).
# No prefix is compiled in: after a plain `make`, `make install` under any
# prefix gives a binary that finds its stdlib beside itself
# (bin/../share/runbook/stdlib), from any directory; $RUNBOOK_STDLIB and
# --stdlib DIR name another one and win.
make -s -C "$ROOT" BUILD="$BUILD" >make.out 2>&1 || fail "make: $(cat make.out)"
make -s -C "$ROOT" install PREFIX="$PWD/inst" BUILD="$BUILD" >make.out 2>&1 || fail "make install: $(cat make.out)"
[ -x inst/bin/runbook ] || fail "no inst/bin/runbook"
inst/bin/runbook --version | grep -q '^runbook ' || fail "the installed binary does not run"
[ -d inst/share/runbook/stdlib ] || fail "no stdlib under the prefix"
# the manual page and the completions, as the installed binary generates them
inst/bin/runbook man | cmp -s - inst/share/man/man1/runbook.1 || fail "no (or a stale) share/man/man1/runbook.1"
inst/bin/runbook completion bash | cmp -s - inst/share/bash-completion/completions/runbook ||
	fail "no (or a stale) share/bash-completion/completions/runbook"
inst/bin/runbook completion zsh | cmp -s - inst/share/zsh/site-functions/_runbook ||
	fail "no (or a stale) share/zsh/site-functions/_runbook"
make -s -C "$ROOT" install DESTDIR="$PWD/dest" PREFIX=/usr BUILD="$BUILD" >make.out 2>&1 || fail "make install DESTDIR: $(cat make.out)"
[ -f dest/usr/share/man/man1/runbook.1 ] && [ -f dest/usr/share/zsh/site-functions/_runbook ] || fail "DESTDIR is not honoured"
make -s -C "$ROOT" uninstall DESTDIR="$PWD/dest" PREFIX=/usr BUILD="$BUILD" >make.out 2>&1 || fail "make uninstall: $(cat make.out)"
[ -e dest/usr/share/man/man1/runbook.1 ] || [ -e dest/usr/share/bash-completion/completions/runbook ] &&
	fail "make uninstall left the page or a completion"

mkdir elsewhere
cat > elsewhere/rb.yaml <<'Y'
runbook: installed-stdlib
title: A stdlib fragment through the installed binary
inputs:
  url: { type: url }
steps:
  - id: health
    use: stdlib/http/health
    with: { url: "${{ inputs.url }}" }
  - id: said
    log: "body ${{ steps.health.outputs.body_status }}"
Y
cd elsewhere
RUNBOOK=$T/inst/bin/runbook
rb check rb.yaml
expect_rc 0
rb run rb.yaml --input url="$RB_TEST_HTTP/health" --transcript t.jsonl
expect_rc 0
expect_jq t.jsonl 'any(.[]; .event == "fragment.start" and (.file | test("/inst/share/runbook/stdlib/http/health.yaml$")))' \
	"the installed stdlib was used"
expect_status t.jsonl health/get-health ok

# another stdlib: $RUNBOOK_STDLIB, and --stdlib over it
for d in env opt; do
	mkdir -p "$T/$d/http"
	cat > "$T/$d/http/health.yaml" <<Y
fragment: http-health
title: Another health
inputs:
  url: { type: url }
steps:
  - id: from-$d
    log: "the $d stdlib for \${{ inputs.url }}"
outputs:
  body_status: "$d"
Y
done
RUNBOOK_STDLIB=$T/env rb run rb.yaml --input url="$RB_TEST_HTTP/health" --transcript env.jsonl
expect_rc 0
expect_status env.jsonl health/from-env ok
RUNBOOK_STDLIB=$T/env rb run rb.yaml --stdlib "$T/opt" --input url="$RB_TEST_HTTP/health" --transcript opt.jsonl
expect_rc 0
expect_status opt.jsonl health/from-opt ok
expect_jq opt.jsonl 'any(.[]; .event == "step.end" and .step == "said" and .result.message == "body opt")'
for cmd in check plan graph; do
	RUNBOOK_STDLIB=$T/env rb $cmd rb.yaml --stdlib "$T/opt"
	expect_rc 0
done
rb plan rb.yaml --stdlib "$T/opt"
expect_out "from-opt"
# an override is the stdlib: a fragment it lacks is not looked for elsewhere
mkdir "$T/empty"
rb check rb.yaml --stdlib "$T/empty"
expect_rc 2
expect_out "$T/empty/http/health.yaml"
expect_no "inst/share/runbook"
rb run rb.yaml --stdlib "$T/nowhere"
expect_rc 2
expect_err "runbook: --stdlib $T/nowhere: No such file or directory"
# drill and resume take the option too
for cmd in drill resume; do
	rb $cmd nothing.yaml --stdlib "$T/opt"
	expect_no "unknown option"
	rb $cmd nothing.yaml --stdlib "$T/nowhere"
	expect_rc 2
	expect_err "runbook: --stdlib $T/nowhere: No such file or directory"
done
