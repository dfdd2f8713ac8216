#!/usr/bin/env bash
# make bench: each figure is a ratio to a reference measured in the same run.
set -eu
BUILD=${BUILD:-build}
RB=$PWD/$BUILD/runbook
W=$(mktemp -d /tmp/rbbench.XXXXXX)
chmod 755 "$W"   # the sql benchmark's PostgreSQL (run-services.sh) runs as an unprivileged user
trap 'rm -rf "$W"' EXIT
cc -O2 -o "$W/yaml_parse" bench/yaml_parse.c $(pkg-config --cflags --libs yaml-0.1)

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

echo "== 1. 1,000 exec: [/bin/true] steps vs sh running the same 1,000 commands"
python3 bench/gen.py true 1000 "$W/true.yaml"
python3 bench/gen.py sh 1000 "$W/true.sh"
t_sh=$(best sh "$W/true.sh")
t_rb=$(cd "$W" && best "$RB" run true.yaml --quiet)
echo "   sh: ${t_sh}s   runbook: ${t_rb}s   ratio: $(ratio "$t_rb" "$t_sh")x (target <= 1.5x)"
# the same steps declared read: no fdatasync of the transcript before each
sed 's|exec: \[/bin/true\]|exec: [/bin/true]\n    effect: read|' "$W/true.yaml" > "$W/read.yaml"
t_rd=$(cd "$W" && best "$RB" run read.yaml --quiet)
echo "   (declared read, so no fdatasync before each step: ${t_rd}s, $(ratio "$t_rd" "$t_sh")x)"
if command -v ansible-playbook >/dev/null; then
	python3 - "$W/play.yml" <<'PY'
import sys
tasks = "".join(f"    - command: /bin/true\n" for _ in range(100))
open(sys.argv[1], "w").write(f"- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n{tasks}")
PY
	t_an=$(best ansible-playbook -i localhost, "$W/play.yml")
	echo "   ansible-playbook, 100 tasks: ${t_an}s -> per step: ansible $(python3 -c "print(f'{$t_an/100*1000:.1f}')")ms, runbook $(python3 -c "print(f'{$t_rb/1000*1000:.2f}')")ms ($(python3 -c "print(f'{($t_an/100)/($t_rb/1000):.0f}')")x faster)"
else
	echo "   (ansible-playbook not installed: no ansible comparison)"
fi

echo "== 2. runbook check over 1,000 runbooks of 50 steps vs a bare libyaml parse"
python3 bench/gen.py corpus "$W/corpus" 1000 50
t_y=$(best "$W/yaml_parse" $(ls "$W"/corpus/*.yaml))
t_c=$(best "$RB" check "$W/corpus")
echo "   libyaml parse: ${t_y}s   runbook check: ${t_c}s   ratio: $(ratio "$t_c" "$t_y")x (target <= 2x)"

echo "== 3. peak RSS running a 10,000-step runbook"
python3 bench/gen.py true 10000 "$W/big.yaml"
python3 - "$RB" "$W/big.yaml" "$W/big.jsonl" <<'PY'
import resource, subprocess, sys
subprocess.run([sys.argv[1], "run", sys.argv[2], "--quiet", "--transcript", sys.argv[3]],
               stdout=subprocess.DEVNULL, check=True)
kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"   peak RSS: {kb/1024:.1f} MB (target <= 64 MB)")
PY
for f in bench/run-*.sh; do [ -e "$f" ] && . "$f"; done
exit 0
