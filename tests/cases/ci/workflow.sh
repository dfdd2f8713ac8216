# docs/pr-workflow.yml, run here as GitHub Actions would run it: the
# test reads the workflow (YAML, not a copy of its commands), then runs
# each `run:` step in order the way a runner does (bash --noprofile
# --norc -eo pipefail, in the checkout, with the job's and the step's
# env, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY files, and the `${{ }}` it uses
# set to a synthetic repository's values) on a pull request of two
# commits that changes a runbook: its `check --format sarif` writes a
# SARIF log with results where the upload step reads it, its diff names
# the changed step in the comment it posts, its dry run exits 0.  Two
# things are not GitHub's here: the build step (the binary under test
# stands in for what it builds, on PATH) and `gh`, a stub that keeps
# what it was asked to post.
command -v cmark-gfm >/dev/null || fail "cmark-gfm is not installed (tests/lib/deps.sh test)"
python3 -c 'import yaml' 2>/dev/null || fail "python3 yaml is not installed (tests/lib/deps.sh test)"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.invalid GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.invalid
mkdir -p repo/runbooks bin
git -C repo init -q -b main
gen() {     # gen REPLICAS: a runbook without an owner (a lint warning: a SARIF result)
	cat <<Y
runbook: scale-web
title: Scale web
steps:
  - id: look
    exec: [echo, looking]
    effect: read
  - id: scale-web
    exec: [kubectl, scale, deploy/web, "--replicas=$1"]
    rollback: { id: unscale, exec: [kubectl, scale, deploy/web, --replicas=1] }
Y
}
gen 1 > repo/runbooks/scale.yaml
printf 'runbook: other\ntitle: Other\nowner: ops\nsteps:\n  - { id: s, exec: [echo, x], effect: read }\n' > repo/runbooks/other.yaml
git -C repo add -A && git -C repo commit -qm base || fail "git commit"
BASE=$(git -C repo rev-parse HEAD)
gen 3 > repo/runbooks/scale.yaml
git -C repo commit -qam "scale to 3" || fail "git commit"
# gh: keep the command line and the comment's body
cat > bin/gh <<'G'
#!/bin/sh
printf '%s\n' "$*" >> "$GH_LOG"
while [ $# -gt 0 ]; do [ "$1" = --body-file ] && cp "$2" "$GH_LOG.body"; shift; done
exit 0
G
chmod +x bin/gh
export GH_LOG=$PWD/gh.log PATH="$PWD/bin:$(dirname "$RUNBOOK"):$PATH"
[ "$(command -v runbook)" = "$(dirname "$RUNBOOK")/runbook" ] || fail "runbook on PATH is not the one under test"

python3 - "$ROOT/docs/pr-workflow.yml" "$PWD/repo" "$BASE" > steps.log 2>&1 <<'PY' || fail "the workflow's steps: $(tail -40 steps.log)"
import json, os, re, subprocess, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
repo, base = sys.argv[2], sys.argv[3]
job = wf["jobs"]["review"]
outputs = {}                       # step id -> {name: value}, from its GITHUB_OUTPUT
known = {"github.event.pull_request.base.sha": base, "github.event.pull_request.number": "7",
         "github.token": "test-token"}

def expr(m):
    e = m.group(1).strip()
    s = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", e)
    if s:
        return outputs.get(s.group(1), {}).get(s.group(2), "")
    if e not in known:
        sys.exit(f"the workflow uses ${{{{ {e} }}}}, which this test does not set")
    return known[e]

def resolve(env):
    return {k: re.sub(r"\$\{\{(.*?)\}\}", expr, str(v)) for k, v in (env or {}).items()}

ran, uses = [], []
for i, st in enumerate(job["steps"]):
    if "uses" in st:
        uses.append(st)
        continue
    if st.get("id") == "build":    # the binary under test is on PATH instead
        continue
    assert "if" not in st, f"step {st.get('id')}: an if: this test cannot evaluate"
    sid = st.get("id") or f"step{i}"
    out = os.path.join(repo, "..", f"output.{sid}")
    open(out, "w").close()
    script = os.path.join(repo, "..", f"step.{sid}.sh")
    open(script, "w").write(st["run"])
    env = dict(os.environ, GITHUB_WORKSPACE=repo, GITHUB_OUTPUT=out, GITHUB_ACTIONS="true",
               GITHUB_EVENT_NAME="pull_request", GITHUB_SHA=subprocess.check_output(
                   ["git", "-C", repo, "rev-parse", "HEAD"], text=True).strip(),
               GITHUB_STEP_SUMMARY=os.path.join(repo, "..", "summary.md"),
               GITHUB_PATH=os.path.join(repo, "..", "path.txt"))
    env.update(resolve(job.get("env")))
    env.update(resolve(st.get("env")))
    r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=repo,
                       env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    outputs[sid] = dict(l.split("=", 1) for l in open(out).read().splitlines() if "=" in l)
    print(f"== {sid}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    if r.returncode and not st.get("continue-on-error"):
        sys.exit(f"step {sid} failed")
    ran.append(sid)
for want in ("changed", "check", "diff", "comment", "dry-run", "verdict"):
    assert want in ran, f"no step {want} ran: {ran}"
# the upload reads the file the check step wrote
up = [u for u in uses if u["uses"].startswith("github/codeql-action/upload-sarif@")]
assert len(up) == 1, uses
json.dump({"sarif": up[0]["with"]["sarif_file"], "outputs": outputs}, open(os.path.join(repo, "..", "ci.json"), "w"))
PY

sarif=repo/$(jq -r .sarif ci.json)
jq -e '.runs[0].results | length > 0' "$sarif" >/dev/null || fail "the SARIF log has no results: $(head -c 600 "$sarif")"
jq -e '[.runs[0].results[] | .locations[0].physicalLocation.artifactLocation.uri] | any(test("runbooks/scale.yaml"))' "$sarif" >/dev/null \
	|| fail "the SARIF results do not name runbooks/scale.yaml"
jq -e '.outputs.check.rc == "0" and .outputs.changed.touched == "1"' ci.json >/dev/null || fail "step outputs: $(jq -c .outputs ci.json)"
# the comment: posted on pull request 7, naming the changed step as GitHub would render it
grep -q '^pr comment 7 --edit-last --body-file runbook-diff.md$' gh.log || fail "gh was asked: $(cat gh.log)"
cmark-gfm -e table gh.log.body > comment.html || fail "cmark-gfm"
grep -q '<code>scale-web</code>' comment.html || fail "the comment does not name scale-web: $(cat comment.html)"
grep -q '<code>kubectl scale deploy/web --replicas=3</code>' comment.html || fail "the comment lacks the new action"
grep -q "<code>HEAD\|<code>$BASE:runbooks/scale.yaml</code>" comment.html || fail "the comment does not name the base"
grep -q 'other.yaml' gh.log.body && fail "the comment names a runbook the pull request did not touch"
grep -q 'scale-web' summary.md || fail "the job summary lacks the diff"
# the dry run: exit 0 (the step ran), the write step would-run, its transcript kept
grep -q '^== dry-run: exit 0' steps.log || fail "dry run: $(sed -n '/== dry-run/,$p' steps.log)"
expect_status repo/runbook-dry-run/scale.jsonl scale-web would-run
expect_status repo/runbook-dry-run/scale.jsonl look ok
[ ! -e repo/runbook-dry-run/other.jsonl ] || fail "a dry run of an unchanged runbook"
