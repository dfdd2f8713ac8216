# check: --strict, and the lint policy of a repository: the nearest
# .runbook.yaml up to the directory holding .git (rules, review-interval,
# stdlib), --config FILE, --no-config, and errors in the policy file.
mkdir -p repo/.git repo/team/sub repo/lib
old=$(date -u -d '-100 days' +%F)
printf 'runbook: a\ntitle: A\nlast-reviewed: %s\nsteps:\n  - { id: s, exec: [echo, s], effect: read }\n' \
	"$old" >repo/team/sub/a.yaml

# no policy: warnings do not fail, unless --strict (exit 1; errors stay 2)
rb check --no-color repo/team/sub/a.yaml
expect_rc 0
expect_out "no 'owner'.*\[lint-owner\]"
expect_out "100 days ago \(more than 90\).*\[lint-stale\]"
rb check --strict --no-color repo/team/sub/a.yaml
expect_rc 1
printf 'runbook: b\ntitle: B\nowner: o\nsteps: 3\n' >repo/b.yaml
rb check --strict --no-color repo/team/sub/a.yaml repo/b.yaml
expect_rc 2

# a policy above the repository's top (.git) is not read
printf 'rules: { lint-owner: off }\n' >.runbook.yaml
rb check --no-color repo/team/sub/a.yaml
expect_out '\[lint-owner\]'

# the repository's policy: severities, the review interval
printf 'rules:\n  lint-owner: error\n  unused-suppression: off\nreview-interval: 180d\n' >repo/.runbook.yaml
printf '# runbook: ignore[lint-tls-insecure] nothing to hide here\n' >>repo/team/sub/a.yaml
rb check --no-color repo/team/sub/a.yaml
expect_rc 2
expect_out "a.yaml:1:1: error: no 'owner'"
expect_no '[lint-stale]'
expect_no '[unused-suppression]'
# the environment still sets the review interval over the policy
RUNBOOK_STALE_DAYS=30 rb check --no-color repo/team/sub/a.yaml
expect_out '\(more than 30\).*\[lint-stale\]'
# the nearest policy alone counts
printf 'rules: { lint-owner: off, lint-stale: warning }\nreview-interval: 13w\n' >repo/team/.runbook.yaml
rb check --strict --no-color repo/team/sub/a.yaml
expect_rc 1
expect_no '[lint-owner]'
expect_out '\(more than 91\).*\[lint-stale\]'
expect_out '\[unused-suppression\]'
# --no-config: the rows' own severities; --config FILE: that policy for every file
rb check --no-config --no-color repo/team/sub/a.yaml
expect_rc 0
expect_out "warning: no 'owner'"
rb check --config repo/.runbook.yaml --no-color repo/team/sub/a.yaml
expect_rc 2
rb check --config repo/.runbook.yaml --no-config repo/team/sub/a.yaml
expect_rc 2
expect_err 'exclude each other'

# stdlib: relative to the policy file; --stdlib wins over it
printf 'fragment: greet\ntitle: Greet\nsteps:\n  - { id: hello, exec: [echo, hello], effect: read }\n' \
	>repo/lib/greet.yaml
printf 'runbook: c\ntitle: C\nowner: o\nsteps:\n  - { id: greet, use: stdlib/greet }\n' >repo/c.yaml
printf 'stdlib: lib\n' >repo/.runbook.yaml
rb check --strict --no-color repo/c.yaml
expect_rc 0
rb check --no-config --no-color repo/c.yaml
expect_rc 2
expect_out "c.yaml:5:[0-9]+: error: .*stdlib/greet"
mkdir other
rb check --stdlib other --no-color repo/c.yaml
expect_rc 2

# every problem of a policy file is an error at its line and column
printf 'rulez: {}\nrules:\n  lint-ownr: off\n  unknown-key: off\n  lint-stale: loud\nreview-interval: 90\nstdlib: nowhere\n' \
	>repo/.runbook.yaml
rb check --no-color repo/c.yaml
expect_rc 2
expect_out "\.runbook\.yaml:1:1: error: unknown key 'rulez' \(did you mean 'rules'\?\)"
expect_out "\.runbook\.yaml:3:3: error: no lint rule 'lint-ownr' \(did you mean 'lint-owner'\?\)"
expect_out "\.runbook\.yaml:4:3: error: no lint rule 'unknown-key'.*validation errors cannot be changed"
expect_out "\.runbook\.yaml:5:15: error: the severity of 'lint-stale' must be error, warning or off"
expect_out "\.runbook\.yaml:6:18: error: 'review-interval' must be a number of days or weeks"
expect_out "\.runbook\.yaml:7:9: error: stdlib '.*nowhere' is not a directory"
[ "$(grep -c '\.runbook\.yaml:[0-9]*:[0-9]*: error' out)" = 6 ] || fail "want 6 policy errors"
