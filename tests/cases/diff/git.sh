# runbook diff --git REV FILE...: each file against its content at REV,
# read with git from the file's own repository (a synthetic one here,
# run from outside it and from inside a subdirectory): changed, added
# (absent at REV), removed (absent now), unchanged; an invalid runbook at
# REV is named REV:path with its line and column; a revision that does
# not exist, or a file neither here nor there, is exit 2.
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
one() {     # one ID ACTION-WORD: a runbook of one write step with a rollback
	printf 'runbook: %s\ntitle: T\nsteps:\n  - id: go\n    exec: [echo, %s]\n    rollback: { id: undo, exec: [echo, undo] }\n' "$1" "$2"
}
mkdir -p repo/rb/old
git -C repo init -q -b main
one a first > repo/rb/a.yaml
one same same > repo/rb/same.yaml
one gone gone > repo/rb/old/gone.yaml
git -C repo add -A && git -C repo commit -qm one || fail "git commit"
one a second > repo/rb/a.yaml
one new new > repo/rb/new.yaml
git -C repo rm -rq rb/old || fail "git rm"
git -C repo add -A && git -C repo commit -qm two || fail "git commit"

rb diff --git HEAD~1 repo/rb/a.yaml repo/rb/new.yaml repo/rb/old/gone.yaml repo/rb/same.yaml --format json
expect_rc 1
jq -e '.different and ([.files[] | .status] == ["changed", "added", "removed", "unchanged"])' out >/dev/null || fail "statuses: $(cat out)"
jq -e '.files[0].old == "HEAD~1:repo/rb/a.yaml" and .files[0].new == "repo/rb/a.yaml"' out >/dev/null || fail "labels"
jq -e '.files[0].changes == [{"kind":"step-changed","step":"go","phase":"steps","field":"action","old":"echo first","new":"echo second"}]' out >/dev/null \
	|| fail "the changed file: $(jq -c '.files[0].changes' out)"
jq -e '[.files[1].changes[] | .kind] | index("step-added") != null and index("rollback-added") != null' out >/dev/null || fail "the added file"
jq -e '[.files[2].changes[] | .kind] | index("step-removed") != null' out >/dev/null || fail "the removed file"
# the unchanged file alone: exit 0; from inside the repository, a relative path
rb diff --git HEAD~1 repo/rb/same.yaml
expect_rc 0
(cd repo/rb && "$RUNBOOK" diff --git HEAD~1 a.yaml >../../out 2>../../err) && fail "no difference from inside the repo"
expect_out '^--- HEAD~1:a.yaml'
expect_out 'step-changed go action: echo first -> echo second'
# a revision is not an option, and must exist
rb diff --git no-such-rev repo/rb/a.yaml
expect_rc 2
expect_err "unknown git revision 'no-such-rev'"
rb diff --git --output=x repo/rb/a.yaml
expect_rc 2
[ ! -e --output=x ] && [ ! -e x ] || fail "a revision went to git as an option"
rb diff --git HEAD repo/rb/nowhere.yaml
expect_rc 2
expect_err 'nowhere.yaml: no such file, neither now nor at HEAD'
# not a repository
one x x > lone.yaml
rb diff --git HEAD lone.yaml
expect_rc 2
expect_err 'not a git repository'
# an invalid runbook at the revision: its diagnostics name REV:path:line:col
printf 'runbook: bad\ntitle: T\nsteps:\n  - id: go\n    exec: [echo, x]\n    effect: maybe\n' > repo/rb/a.yaml
git -C repo commit -qam three || fail "git commit"
one a fixed > repo/rb/a.yaml
rb diff --git HEAD repo/rb/a.yaml
expect_rc 2
expect_err '^HEAD:repo/rb/a.yaml:6:13: '
expect_err 'HEAD:repo/rb/a.yaml is not a valid runbook'
