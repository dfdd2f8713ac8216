#!/usr/bin/env bash
# make demo: a game day on this machine.  Starts the SomaAgent lab
# (lab/lab.sh up: real PostgreSQL, Redis, Prometheus, Alertmanager, a
# Kafka mock cluster and the platform's services), runs the
# telemetry-worker-offline drill against it -- the worker scaled to 0,
# the real TelemetryWorkerDown alert fires in Prometheus and reaches
# Alertmanager, the procedure brings the worker back, the alert clears --
# then prints the verify verdict, writes the HTML drill report and stops
# the lab (a lab that was already up is left up).
#   tests/lib/gameday.sh [RUNBOOK]   (from the top of the repository)
# The transcript and the report go in $TRANSCRIPTS (default transcripts/).
set -u
RUNBOOK=${1:-build/runbook}
RB=runbooks/telemetry-worker-offline.yaml
LAB=lab/lab.sh
export LAB_RUN=${LAB_RUN:-$PWD/lab/run}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dir=${TRANSCRIPTS:-transcripts}
mkdir -p "$dir"
tr=$dir/gameday-telemetry-worker-offline-$stamp.jsonl
report=${tr%.jsonl}.html

if [ -s "$LAB_RUN/state.env" ]; then
	echo "== the lab is already up ($LAB_RUN); the game day uses it and leaves it up"
else
	echo "== $LAB up"
	"$LAB" up >/dev/null || { echo "demo: the lab did not start" >&2; exit 1; }
	trap 'echo; echo "== $LAB down"; "$LAB" down' EXIT
fi
. "$LAB_RUN/state.env"
"$LAB" status || { echo "demo: the lab is not healthy" >&2; exit 1; }
echo

echo "== runbook drill $RB --input environment=local --approve auto"
echo "   (inject: the worker scaled to 0; symptoms: TelemetryWorkerDown firing in"
echo "   Prometheus and Alertmanager, /health degraded; then the procedure)"
"$RUNBOOK" drill "$RB" --input environment=local --approve auto --transcript "$tr"
rc=$?
echo
echo "== what the on-call pager received from Alertmanager"
curl -fsS "$LAB_PAGER_URL/notifications" |
	jq -r '.[].alerts[] | select(.alertname == "TelemetryWorkerDown") | "  \(.alertname) \(.status)"'
echo
echo "== runbook verify $tr --runbook $RB"
"$RUNBOOK" verify "$tr" --runbook "$RB"
vrc=$?
echo
echo "== runbook report $tr --format html -o $report"
"$RUNBOOK" report "$tr" --format html -o "$report" && echo "drill report: $report"
[ $rc -eq 0 ] || { echo "demo: the drill failed (exit $rc)" >&2; exit 1; }
[ $vrc -eq 0 ] || { echo "demo: verify failed (exit $vrc)" >&2; exit 1; }
echo "game day passed: the alert fired and cleared, every objective met"
