#!/usr/bin/env bash
# Run fuzz targets built by `make fuzz` (build/fuzz/fuzz_<target>).
#
#   tests/fuzz/run.sh [-j N] SECONDS TARGET...
#
# Each target runs SECONDS seconds (-max_total_time) on its seeds, with a
# hang limit of FUZZ_TIMEOUT seconds of wall time per input (default 10;
# raise it for long runs under nice on a busy machine, where an input that
# takes 1 s of CPU can wait 10 s for it) and a memory limit of 2 GiB; N targets at a
# time (default 1).  New corpus entries go to build/fuzz/corpus/<target>/
# (scratch, never the repo); a crash, hang or leak leaves its input in
# build/fuzz/crashes/<target>/ and makes the script exit 1 -- commit that
# input to tests/fuzz/regress/<target>/ with the fix.
# Each run's CPU time and exec count are appended to build/fuzz/cpu.log.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
F=$ROOT/tests/fuzz
B=${FUZZ_BUILD:-$ROOT/build/fuzz}
jobs=1
if [ "${1:-}" = -j ]; then jobs=$2; shift 2; fi
secs=${1:?usage: run.sh [-j N] SECONDS TARGET...}; shift
[ $# -gt 0 ] || set -- load expr transcript redact

# the seeds of each target: the repo's own files where they fit
seeds() {
	case $1 in
	load) echo "$ROOT/runbooks $ROOT/stdlib $ROOT/tests/cases/check $F/corpus/load" ;;
	*) echo "$F/corpus/$1" ;;
	esac | tr ' ' '\n' | while read -r d; do [ -d "$d" ] && echo "$d"; done
}

one() {
	local t=$1 bin=$B/fuzz_$1 log=$B/logs/$1.log dict=$F/dict/$1.dict
	mkdir -p "$B/corpus/$t" "$B/crashes/$t" "$B/logs"
	[ -x "$bin" ] || { echo "fuzz: $bin is not built (make fuzz)" >&2; return 1; }
	local args=(-max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1
		    -artifact_prefix="$B/crashes/$t/")
	[ -e "$dict" ] && args+=(-dict="$dict")
	# the regression inputs are seeds too, but not the open ones (open.txt):
	# their fix is elsewhere and they would stop the run at once
	local regress=$B/seeds/$t
	rm -rf "$regress" && mkdir -p "$regress"
	for f in "$F/regress/$t"/*; do
		[ -f "$f" ] || continue
		grep -q "^$t/$(basename "$f")[[:space:]]" "$F/regress/open.txt" 2>/dev/null && continue
		cp "$f" "$regress/"
	done
	local rc tm execs
	# bash's `time` gives the fuzzer's CPU time (user + sys; no `exec` in
	# the subshell, or nobody is left to print it)
	TIMEFORMAT='%R %U %S'
	{ time ( cd "$B" && RUNBOOK_PATH=$ROOT RB_FUZZ_DATA=$F/data "$bin" "${args[@]}" \
		"$B/corpus/$t" $(seeds "$t") "$regress" >"$log" 2>&1 ) ; } 2>"$B/logs/$t.time"
	rc=$?
	tm=$(awk '{printf "wall=%.0fs cpu=%.0fs", $1, $2 + $3}' "$B/logs/$t.time")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	printf '%s %s %s execs=%s rc=%s\n' "$(date -u +%FT%TZ)" "$t" "$tm" "${execs:-?}" "$rc" >>"$B/cpu.log"
	if [ $rc -ne 0 ]; then
		echo "fuzz: $t FAILED (exit $rc); log: $log; input in $B/crashes/$t/" >&2
		grep -aE 'ERROR|SUMMARY|invariant|Test unit written' "$log" | head -5 >&2
		return 1
	fi
	echo "fuzz: $t ok: ${execs:-?} inputs, $tm, no finding"
}

fail=0 running=0
for t in "$@"; do
	one "$t" &
	running=$((running+1))
	if [ $running -ge "$jobs" ]; then wait -n || fail=1; running=$((running-1)); fi
done
while [ $running -gt 0 ]; do wait -n || fail=1; running=$((running-1)); done
exit $fail
