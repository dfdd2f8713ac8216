#!/usr/bin/env bash
# make bench: each figure is a ratio to a reference measured in the same run.
# A figure that misses its target prints a WARNING line; make bench still
# succeeds (a busy machine is no failure).
set -eu
BUILD=${BUILD:-build}
RB=$PWD/$BUILD/runbook

# The targets, one row per figure bench prints: name, comparison, target.
# Ratios are runbook / reference (lower is better) unless the comparison
# is >= (ansible's time over runbook's: higher is better); rss is in MB.
TARGETS='
exec-write      <= 1.05
exec-read       <= 1.05
ansible-step    >= 200
check           <= 1.15
rss             <= 12
http            <= 1.3
ansible-http    >= 1500
sql             <= 1.2
verify          <= 1
verify-scaling  <= 2.5
foreach         <= 1
redact-scaling  <= 2
'
# target ROW: "<= 1.05" (the row's comparison and target)
target() { echo "$TARGETS" | awk -v r="$1" '$1 == r { print $2, $3; f = 1 } END { exit !f }'; }
# guard ROW VALUE: a WARNING line when VALUE misses ROW's target
guard() {
	local t op want
	t=$(target "$1") || { echo "WARNING: $1 has no target in bench/run.sh"; return 0; }
	op=${t% *} want=${t#* }
	if ! python3 -c "import sys; v, t = float(sys.argv[1]), float(sys.argv[3]); sys.exit(not (v <= t if sys.argv[2] == '<=' else v >= t))" "$2" "$op" "$want"; then
		echo "WARNING: $1 $2 is worse than its target $op $want"
	fi
	return 0
}

W=$(mktemp -d /tmp/rbbench.XXXXXX)
chmod 755 "$W"   # the sql benchmark's PostgreSQL (run-services.sh) runs as an unprivileged user
trap 'rm -rf "$W"' EXIT
# a lock directory of this run's own: another run of the same benchmark
# runbooks on this machine must not refuse ours
export RUNBOOK_LOCK_DIR=$W/locks
cc -O2 -o "$W/yaml_parse" bench/yaml_parse.c $(pkg-config --cflags --libs yaml-0.1)
cc -O2 -o "$W/limit" bench/limit.c

# best wall time of 5 runs, in seconds
best() { python3 - "$@" <<'PY'
import subprocess, sys, time
best = None
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    d = time.perf_counter() - t
    best = d if best is None or d < best else best
print(f"{best:.3f}")
PY
}
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

echo "== 1. 1,000 exec: [/bin/true] steps vs the limit (bench/limit.c) and sh"
# the limit: append step.start (fdatasync'ed for a write step), posix_spawn
# /bin/true, wait, append step.end -- what no step can avoid
python3 bench/gen.py true 1000 "$W/true.yaml"
python3 bench/gen.py sh 1000 "$W/true.sh"
# the same steps declared read: no fdatasync of the transcript before each
sed 's|exec: \[/bin/true\]|exec: [/bin/true]\n    effect: read|' "$W/true.yaml" > "$W/read.yaml"
t_sh=$(best sh "$W/true.sh")
t_lw=$(best "$W/limit" write 1000 "$W/limit.jsonl")
t_rb=$(cd "$W" && best "$RB" run true.yaml --quiet)
t_lr=$(best "$W/limit" read 1000 "$W/limit.jsonl")
t_rd=$(cd "$W" && best "$RB" run read.yaml --quiet)
r=$(ratio "$t_rb" "$t_lw")
echo "   write steps: limit ${t_lw}s   runbook ${t_rb}s   ratio: ${r}x (target $(target exec-write)x); sh ${t_sh}s: $(ratio "$t_rb" "$t_sh")x"
guard exec-write "$r"
r=$(ratio "$t_rd" "$t_lr")
echo "   read steps:  limit ${t_lr}s   runbook ${t_rd}s   ratio: ${r}x (target $(target exec-read)x); sh ${t_sh}s: $(ratio "$t_rd" "$t_sh")x"
guard exec-read "$r"
if command -v ansible-playbook >/dev/null; then
	python3 - "$W/play.yml" <<'PY'
import sys
tasks = "".join(f"    - command: /bin/true\n" for _ in range(100))
open(sys.argv[1], "w").write(f"- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n{tasks}")
PY
	t_an=$(best ansible-playbook -i localhost, "$W/play.yml")
	r=$(python3 -c "print(f'{($t_an/100)/($t_rb/1000):.0f}')")
	echo "   ansible-playbook, 100 tasks: ${t_an}s -> per step: ansible $(python3 -c "print(f'{$t_an/100*1000:.1f}')")ms, runbook $(python3 -c "print(f'{$t_rb/1000*1000:.2f}')")ms (${r}x faster; target $(target ansible-step)x)"
	guard ansible-step "$r"
else
	echo "   (ansible-playbook not installed: no ansible comparison)"
fi

echo "== 2. runbook check over 1,000 runbooks of 50 steps vs a bare libyaml parse"
python3 bench/gen.py corpus "$W/corpus" 1000 50
t_y=$(best "$W/yaml_parse" $(ls "$W"/corpus/*.yaml))
t_c=$(best "$RB" check "$W/corpus")
r=$(ratio "$t_c" "$t_y")
echo "   libyaml parse: ${t_y}s   runbook check: ${t_c}s   ratio: ${r}x (target $(target check)x)"
guard check "$r"

echo "== 3. peak RSS running a 10,000-step runbook"
python3 bench/gen.py true 10000 "$W/big.yaml"
r=$(python3 - "$RB" "$W/big.yaml" "$W/big.jsonl" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "run", sys.argv[2], "--quiet", "--transcript", sys.argv[3]],
               stdout=subprocess.DEVNULL, check=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{kb/1024:.1f}")
PY
)
echo "   peak RSS: $r MB (target $(target rss) MB)"
guard rss "$r"
for f in bench/run-*.sh; do [ -e "$f" ] && . "$f"; done
exit 0
