# make install PREFIX=... puts the binary and the stdlib under the prefix.
make -s -C "$ROOT" install PREFIX="$PWD/inst" BUILD="$BUILD" >make.out 2>&1 || fail "make install: $(cat make.out)"
[ -x inst/bin/runbook ] || fail "no inst/bin/runbook"
inst/bin/runbook --version | grep -q '^runbook ' || fail "the installed binary does not run"
[ -d inst/share/runbook/stdlib ] || fail "no stdlib under the prefix"
