# runbooks: each runbook carries the seeds' metadata (owner, reviewers,
# audience, tags, a review date) and names the team that owns it.
for f in "$ROOT"/runbooks/*.yaml; do
	case $f in */demo-local-release.yaml) continue ;; esac
	b=$(basename "$f")
	grep -qx 'owner: platform-operations' "$f" || fail "$b: owner is not platform-operations"
	grep -qx 'reviewers: \[platform-engineering\]' "$f" || fail "$b: reviewers"
	grep -qE '^last-reviewed: [0-9]{4}-[0-9]{2}-[0-9]{2}$' "$f" || fail "$b: last-reviewed"
	grep -qE '^audience: \[' "$f" || fail "$b: audience"
	grep -qE '^tags: \[soma, ' "$f" || fail "$b: tags"
	grep -qE '^# Source: (dev-runbooks|operations-runbook)\.md' "$f" || fail "$b: no source section named"
done
