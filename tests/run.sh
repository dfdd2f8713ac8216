#!/usr/bin/env bash
# The test harness: unit tests, diagnostics cases, script cases.
#
#   tests/unit/test_*.c          C unit tests (built by make), each prints "name: N passed, N failed"
#   tests/cases/check/*.yaml     a runbook plus "# expect: error L:C substring" lines;
#                                `runbook check` must report exactly those errors (and
#                                any "# expect: warning L:C substring" lines), exit 2 if
#                                any error is expected, else 0; "# expect-count: RULE N"
#                                lines hold the number of RULE's diagnostics to N
#   tests/cases/<group>/*.sh     a script case: runs in a fresh temp dir with RUNBOOK,
#                                ROOT, CASE_DIR set and tests/lib/assert.sh sourced; exit 0 = pass
#
# Services (PostgreSQL, Redis, Prometheus, Alertmanager, HTTP, Kafka mock) are started once
# for the suite by tests/lib/svc_*.sh and described to cases by env vars.
# Usage: tests/run.sh [PATTERN]   (only cases whose path under tests/ contains PATTERN,
#                                  e.g. cases/serve/, lab/, unit/test_expr)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export ROOT BUILD RUNBOOK=$BUILD/runbook
pat=${1:-}
WORK=$(mktemp -d /tmp/rbtest.XXXXXX)
chmod 755 "$WORK"
export RB_TEST_WORK=$WORK WORK
results=$WORK/results; mkdir -p "$results"

svcs=()
for f in "$ROOT"/tests/lib/svc_*.sh; do [ -e "$f" ] && . "$f" && svcs+=("$(basename "$f" .sh)"); done
cleanup() {
	for s in "${svcs[@]}"; do "${s}_stop" >/dev/null 2>&1 || true; done
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass=0 fail=0
note() { printf '%s\n' "$*"; }

# --- services (the unit tests of the primitives use them too) ---
for s in "${svcs[@]}"; do
	if ! "${s}_start" >"$WORK/$s.log" 2>&1; then
		note "FAIL service $s did not start:"; tail -20 "$WORK/$s.log"; fail=$((fail+1))
	fi
done

# --- unit tests ---
for u in "$BUILD"/unit/test_*; do
	[ -x "$u" ] || continue
	[ -n "$pat" ] && [[ unit/${u##*/} != *"$pat"* ]] && continue
	if out=$("$u" 2>&1); then pass=$((pass+1)); else fail=$((fail+1)); note "FAIL unit $(basename "$u")"; printf '%s\n' "$out" | tail -20; fi
done

# --- check cases ---
check_case() {
	local f=$1 out rc exp_err=0 ok=1 msg=""
	out=$(cd "$(dirname "$f")" && "$RUNBOOK" check --no-color "$(basename "$f")" 2>&1); rc=$?
	local base; base=$(basename "$f")
	while IFS= read -r line; do
		local sev lc sub
		sev=$(sed -E 's/^# expect: (error|warning) .*/\1/' <<<"$line")
		lc=$(sed -E 's/^# expect: (error|warning) ([0-9]+:[0-9]+) .*/\2/' <<<"$line")
		sub=$(sed -E 's/^# expect: (error|warning) [0-9]+:[0-9]+ (.*)$/\2/' <<<"$line")
		[ "$sev" = error ] && exp_err=$((exp_err+1))
		if ! grep -F -- "$base:$lc: $sev: " <<<"$out" | grep -qF -- "$sub"; then
			ok=0; msg+="missing: $sev $lc $sub"$'\n'
		fi
	done < <(grep -E '^# expect: (error|warning) [0-9]+:[0-9]+ ' "$f")
	while read -r _ _ rule n; do
		local got; got=$(grep -cE "^[^ ]+:[0-9]+:[0-9]+: (error|warning): .* \[$rule\]$" <<<"$out")
		[ "$got" -eq "$n" ] || { ok=0; msg+="expected $n [$rule], got $got"$'\n'; }
	done < <(grep -E '^# expect-count: [a-z0-9-]+ [0-9]+$' "$f")
	local got_err; got_err=$(grep -cE "^[^ ]+:[0-9]+:[0-9]+: error: " <<<"$out")
	[ "$got_err" -eq "$exp_err" ] || { ok=0; msg+="expected $exp_err errors, got $got_err"$'\n'; }
	local want_rc=0; [ $exp_err -gt 0 ] && want_rc=2
	[ $rc -eq $want_rc ] || { ok=0; msg+="exit $rc, want $want_rc"$'\n'; }
	if [ $ok = 1 ]; then echo ok; else printf '%s--- output:\n%s\n' "$msg" "$out"; fi
}

run_script_case() {
	local f=$1 name=$2 t
	t=$(mktemp -d "$WORK/case.XXXXXX")
	chmod 755 "$t"
	( cd "$t" && CASE_DIR=$(dirname "$f") T=$t RUNBOOK_LOCK_DIR=$t timeout 300 bash -c '. "$ROOT/tests/lib/assert.sh"; . "$1"' _ "$f" ) >"$t/log" 2>&1
	local rc=$?
	if [ $rc -eq 0 ]; then echo ok >"$results/$name"; else { echo "exit $rc"; tail -40 "$t/log"; } >"$results/$name"; fi
}
export -f run_script_case
export results

cases=()
while IFS= read -r f; do
	[ -n "$pat" ] && [[ ${f#"$ROOT"/tests/} != *"$pat"* ]] && continue
	cases+=("$f")
done < <(find "$ROOT/tests/cases" -type f \( -name '*.yaml' -path '*/check/*' -o -name '*.sh' \) | sort)

for f in "${cases[@]}"; do
	[[ $f == *.yaml ]] || continue
	r=$(check_case "$f")
	if [ "$r" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); note "FAIL ${f#$ROOT/}"; printf '%s\n' "$r" | head -30; fi
done

# script cases, in parallel on every core
printf '%s\n' "${cases[@]}" | grep '\.sh$' | while IFS= read -r f; do
	printf '%s\0%s\0' "$f" "$(echo "${f#$ROOT/tests/cases/}" | tr / _)"
done | xargs -r -0 -n 2 -P "$(nproc)" bash -c 'run_script_case "$1" "$2"' _

for r in "$results"/*; do
	[ -e "$r" ] || continue
	if [ "$(cat "$r")" = ok ]; then pass=$((pass+1)); else fail=$((fail+1)); note "FAIL $(basename "$r")"; cat "$r"; fi
done
# a case that left no result never ran to its end (the suite was stopped,
# or the runner died): a failure, never a silent pass
while IFS= read -r f; do
	name=$(echo "${f#$ROOT/tests/cases/}" | tr / _)
	[ -e "$results/$name" ] || { fail=$((fail+1)); note "FAIL $name: no result (it did not run to its end)"; }
done < <(printf '%s\n' "${cases[@]}" | grep '\.sh$')

echo
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
