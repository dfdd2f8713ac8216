# Sourced by bench/run.sh: verify --runbook of a long run.
# 6. a 20,000-step run: verify --runbook vs jq parsing the same transcript,
#    and the time for 20,000 steps over the time for 10,000 (2x is linear)
echo "== 6. verify --runbook of a 20,000-step run vs jq -c . over its transcript"
for n in 10000 20000; do
	python3 bench/gen.py log $n "$W/v$n.yaml"
	(cd "$W" && "$RB" run v$n.yaml --quiet --transcript v$n.jsonl >/dev/null)
done
t_jq=$(best jq -c . "$W/v20000.jsonl")
t_v10=$(best "$RB" verify "$W/v10000.jsonl" --runbook "$W/v10000.yaml")
t_v20=$(best "$RB" verify "$W/v20000.jsonl" --runbook "$W/v20000.yaml")
r=$(ratio "$t_v20" "$t_jq")
echo "   jq: ${t_jq}s   runbook verify --runbook: ${t_v20}s   ratio: ${r}x (target $(target verify)x)"
guard verify "$r"
r=$(ratio "$t_v20" "$t_v10")
echo "   10,000 steps: ${t_v10}s; 20,000 steps: ${r}x the time (target $(target verify-scaling)x: not quadratic)"
guard verify-scaling "$r"
