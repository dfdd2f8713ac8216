#!/usr/bin/env bash
# `make check-formats`: the consumers `make test` cannot run, because they
# come from the npm registry (installed into $BUILD/npm):
#  - runbook check's SARIF through Microsoft's SARIF multitool (`validate
#    --rule-kind "Sarif;Gh"`: the SARIF spec's rules and GitHub code
#    scanning's ingestion rules); fails on any result, notes included;
#  - runbook graph --format mermaid of every runbook of runbooks/ rendered
#    by Mermaid itself (@mermaid-js/mermaid-cli in the system's Chromium);
#    fails on a parse error.
#   tests/lib/check_formats.sh BUILD
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUNBOOK=$ROOT/$BUILD/runbook
NPM=$ROOT/$BUILD/npm
MT=$NPM/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [ ! -e "$MT" ]; then
	mkdir -p "$NPM"
	npm install --silent --no-audit --no-fund --prefix "$NPM" @microsoft/sarif-multitool >/dev/null
fi
chmod u+x "$MT"     # its postinstall script does this, when npm runs scripts
MMDC=$NPM/node_modules/.bin/mmdc
[ -e "$MMDC" ] || PUPPETEER_SKIP_DOWNLOAD=1 npm install --silent --no-audit --no-fund --prefix "$NPM" \
	@mermaid-js/mermaid-cli >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
bad='runbook: bad
title: Bad
steps:
  - id: a
    log: hello
    rollbak: { log: undo }
'
printf '%s' "$bad" >"with space.yaml"
printf '%s' "$bad" >$'new\nline.yaml'
printf '%s' "$bad" >"ünï😀.yaml"
printf '%s' "$bad" >"100%,a:b.yaml"
printf 'runbook: clean\ntitle: Clean\nowner: platform\nsteps:\n  - id: a\n    log: hello\n' >clean.yaml
mkdir sub && ln -s nowhere.yaml sub/dangling.yaml
mkdir -p "$work.out" && printf '%s' "$bad" >"$work.out/abs.yaml"
trap 'rm -rf "$work" "$work.out"' EXIT
"$RUNBOOK" check --format sarif clean.yaml >clean.sarif || true
"$RUNBOOK" check --format sarif ./*.yaml sub "$work.out/abs.yaml" >all.sarif || true
# every rule, each with its example's findings
"$RUNBOOK" check --format sarif "$ROOT"/tests/cases/check/*.yaml >cases.sarif 2>/dev/null || true
fail=0
for f in clean all cases; do
	"$MT" validate --rule-kind "Sarif;Gh" "$f.sarif" -o "$f.validation.sarif" --log ForceOverwrite >"$f.log" 2>&1 || {
		cat "$f.log" >&2
		fail=1
		continue
	}
	n=$(jq '[.runs[].results[]?] | length' "$f.validation.sarif")
	if [ "$n" != 0 ]; then
		grep -E ': (error|warning|note) ' "$f.log" >&2 || cat "$f.log" >&2
		fail=1
	fi
	echo "check-formats: $f.sarif: $n validator results"
done
[ $fail = 0 ] && echo "check-formats: SARIF clean under sarif-multitool validate --rule-kind Sarif;Gh"

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "check-formats: no chromium (tests/lib/deps.sh test installs it)" >&2; exit 1; }
printf '{"executablePath": "%s", "args": ["--no-sandbox", "--disable-gpu"]}\n' "$chromium" >puppeteer.json
n=0
for f in "$ROOT"/runbooks/*.yaml; do
	b=$(basename "$f" .yaml)
	"$RUNBOOK" graph --format mermaid "$f" >"$b.mmd"
	if ! "$MMDC" -q -p puppeteer.json -i "$b.mmd" -o "$b.svg" >"$b.mmdc.log" 2>&1; then
		echo "check-formats: Mermaid cannot render the graph of $b:" >&2
		head -5 "$b.mmdc.log" >&2
		fail=1
	fi
	n=$((n + 1))
done
[ $fail = 0 ] && echo "check-formats: Mermaid renders the graphs of all $n runbooks"
exit $fail
