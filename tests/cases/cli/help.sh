# `runbook help` lists the commands (stdout, exit 0); `runbook help CMD` is
# CMD --help (options.sh compares them for every command); an unknown
# command, after help or alone, is a usage error with a did-you-mean.
rb help
expect_rc 0
expect_out '^usage: runbook <command>'
expect_out '^  check +validate and lint'
rb --help
cmp -s out <("$RUNBOOK" help) || fail "runbook help and runbook --help differ"
rb help check
expect_rc 0
expect_out '^usage: runbook check PATH\.\.\.'
rb help chek
expect_rc 2
expect_err "^runbook: unknown command 'chek' \(did you mean 'check'\?\)$"
expect_err '^usage: runbook <command>'
[ -s out ] && fail "an unknown help topic printed on stdout"
rb help verfiy
expect_rc 2
expect_err "did you mean 'verify'"
rb shcema
expect_rc 2
expect_err "^runbook: unknown command 'shcema' \(did you mean 'schema'\?\)$"
rb help zzzzzz
expect_rc 2
expect_err "^runbook: unknown command 'zzzzzz'$"
