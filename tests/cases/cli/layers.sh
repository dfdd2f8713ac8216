# The dependency rule of interpreter/: each folder includes only its own
# headers and those of the folders before it -- the `May include:` line of
# its README.md -- always by folder ("base/value.h"), and every header it
# names exists.  main.c may include every folder.
check_tree() {  # check_tree DIR: prints every violation, returns 1 if any
	local dir=$1 folder allowed f rel inc to bad=0
	declare -A may
	local all="" readme
	for readme in "$dir"/*/README.md; do
		folder=$(basename "$(dirname "$readme")")
		allowed=$(sed -n 's/^May include: *//p' "$readme")
		[ -n "$allowed" ] || { echo "$folder/README.md has no 'May include:' line"; bad=1; continue; }
		may[$folder]=" $allowed "
		all+=" $folder"
	done
	may[main.c]="$all "
	[ "${#may[@]}" -ge 7 ] || { echo "too few folder rules (${#may[@]})"; return 1; }
	while IFS= read -r f; do
		rel=${f#$dir/}
		case $rel in */*) folder=${rel%%/*} ;; *) folder=$rel ;; esac
		allowed=${may[$folder]:-}
		[ -n "$allowed" ] || { echo "$rel: folder '$folder' is not in the rule table"; bad=1; continue; }
		while IFS= read -r inc; do
			[ -n "$inc" ] || continue
			to=${inc%%/*}
			if [ "$to" = "$inc" ]; then
				echo "$rel: #include \"$inc\" without its folder"; bad=1
			elif ! grep -qw -- "$to" <<<"$allowed"; then
				echo "$rel: $folder/ may not include $inc (allowed:$allowed)"; bad=1
			elif [ ! -f "$dir/$inc" ]; then
				echo "$rel: #include \"$inc\": no such header"; bad=1
			fi
		done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	done < <(find "$dir" -name '*.[ch]' | sort)
	return $bad
}
check_tree "$ROOT/interpreter" >report || { cat report; fail "the dependency rule is broken (above)"; }
# the check catches what it is for: a back edge, a bare include, a typo
cp -R "$ROOT/interpreter" tree
printf '#include "run/exec.h"\n' >>tree/base/utf8.c
printf '#include "value.h"\n' >>tree/lang/graph.c
printf '#include "lang/nosuch.h"\n' >>tree/prim/prim_core.c
check_tree tree >report && fail "planted violations were not found"
grep -q 'base/utf8.c: base/ may not include run/exec.h' report || fail "back edge missed: $(cat report)"
grep -q 'lang/graph.c: #include "value.h" without its folder' report || fail "bare include missed"
grep -q 'prim/prim_core.c: #include "lang/nosuch.h": no such header' report || fail "missing header missed"
true
