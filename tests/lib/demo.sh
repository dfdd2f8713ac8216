#!/usr/bin/env bash
# make demo-local: run the demo runbook twice on this machine: a clean release,
# then a bad release whose verification fails so the rollbacks run.
set -u
RUNBOOK=${1:-build/runbook}
RB=runbooks/demo-local-release.yaml
dir=$(mktemp -d /tmp/runbook-demo.XXXXXX)
echo "== runbook check $RB"
"$RUNBOOK" check "$RB" || exit 1
echo
echo "== runbook plan $RB"
"$RUNBOOK" plan "$RB" --input workdir="$dir" || exit 1
echo
echo "== 1. a good release (2.0.0)"
"$RUNBOOK" run "$RB" --input workdir="$dir" --input version=2.0.0 || exit 1
echo
echo "== 2. a bad release (3.0.0): verification fails, the rollbacks restore 2.0.0"
"$RUNBOOK" run "$RB" --input workdir="$dir" --input version=3.0.0 --input break_health=true
rc=$?
echo
if [ $rc -ne 1 ]; then echo "demo: expected exit 1 (failed, rolled back), got $rc" >&2; exit 1; fi
echo "exit $rc: the run failed and was rolled back; the service runs: $(tr '\n' ' ' < "$dir/running.conf")"
grep -q 'version=2.0.0' "$dir/running.conf" || { echo "demo: rollback did not restore 2.0.0" >&2; exit 1; }
echo "transcripts: $(ls -t transcripts/demo-local-release-*.jsonl | head -2 | tr '\n' ' ')"
rm -rf "$dir"
