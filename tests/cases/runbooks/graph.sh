# runbooks: `runbook graph` draws every runbook in Mermaid and dot, with a
# node for every step id of the file.
for f in "$ROOT"/runbooks/*.yaml; do
	b=$(basename "$f")
	rb graph --format mermaid "$f"
	expect_rc 0
	head -1 out | grep -qE '^(flowchart|graph) ' || fail "$b: not a mermaid flowchart"
	ids=$(grep -E '^ *(- )?id: [a-z0-9-]+$' "$f" | sed -E 's/.*id: //') 
	[ -n "$ids" ] || fail "$b: no step ids found"
	for id in $ids; do
		grep -qF "[\"$id<" out || grep -qF "\"$id\"" out || fail "$b: step '$id' missing from the mermaid graph"
	done
	rb graph --format dot "$f"
	expect_rc 0
	grep -q '^digraph' out || fail "$b: not a dot graph"
done
