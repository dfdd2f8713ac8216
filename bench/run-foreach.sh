# sourced by bench/run.sh: a for-each of 1,000 items against 1,000 steps
echo "== for-each: one step of 1,000 exec: [/bin/true] items vs 1,000 such steps"
python3 bench/gen.py foreach 1000 "$W/foreach.yaml"
python3 bench/gen.py true 1000 "$W/steps.yaml"
t_st=$(cd "$W" && best "$RB" run steps.yaml --quiet)
t_fe=$(cd "$W" && best "$RB" run foreach.yaml --quiet)
r=$(ratio "$t_fe" "$t_st")
echo "   1,000 steps: ${t_st}s   for-each of 1,000 items: ${t_fe}s   ratio: ${r}x (target $(target foreach)x)"
guard foreach "$r"
