# The bash completion (`runbook completion bash`, installed by `make
# install`) is generated from the command and option tables: sourced in a
# real bash, _runbook completes every command, every option of each
# command as its --help lists them, the choices of an option's value
# (--format text|json...), files for runbook arguments and FILE values,
# and --name=value.
rb completion bash
expect_rc 0
cp out runbook.bash
bash -n runbook.bash || fail "the bash completion does not parse"

# comp WORD...: what _runbook puts in COMPREPLY for these words (the last
# one is the word being completed), one per line, sorted
comp() {
	bash --norc --noprofile -c '
		source "$1" || exit 9
		complete -p runbook | grep -q -- "-F _runbook" || exit 8
		shift
		COMP_WORDS=(runbook "$@")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		_runbook runbook "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$PWD/runbook.bash" "$@" 2>comp.err | sed '/^$/d' | sort
}

rb --help
cmds=$(sed -n '/^commands:/,/^$/p' out | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
[ "$(wc -w <<<"$cmds")" -ge 10 ] || fail "runbook --help lists too few commands"
# the first word: every command, and help
comp "" >first
for c in $cmds help; do grep -qx "$c" first || fail "the first word does not complete '$c'"; done
[ "$(comp ch)" = check ] || fail "'ch' does not complete to check: $(comp ch)"
[ "$(comp help pl)" = plan ] || fail "'help pl' does not complete to plan"

for c in $cmds; do
	rb "$c" --help
	expect_rc 0
	# every option --help lists, and nothing else
	sed -n '/^options:/,$p' out | tail -n +2 | sed -E 's/^  (-([a-z]), |    )(--[a-z-]+)( ([^ ]+))?  .*/\3 -\2 \5/' >rows
	awk '{print $1} $2 != "-" {print $2}' rows | sort >want
	comp "$c" - >got
	cmp -s want got || fail "$c -<TAB>: $(diff want got)"
	# each value's choices (a|b|c; auto|FILE below): after the option and as --name=
	while read -r name short mv; do
		case $mv in *FILE*) continue ;; *'|'*) ;; *) continue ;; esac
		tr '|' '\n' <<<"$mv" | sort >want
		comp "$c" "$name" "" >got
		cmp -s want got || fail "$c $name <TAB>: $(diff want got)"
		first=$(head -1 want)
		comp "$c" "$name=${first:0:1}" | grep -qx -- "$name=$first" || fail "$c $name=${first:0:1}<TAB> lacks $name=$first"
	done <rows
done

# files: a runbook argument, a FILE value, auto|FILE (auto and files), DIR (directories only)
mkdir -p sub
: >deploy.yaml
[ "$(comp plan dep)" = deploy.yaml ] || fail "plan dep<TAB>: $(comp plan dep)"
[ "$(comp check su)" = sub ] || fail "check su<TAB>: $(comp check su)"
[ "$(comp run x.yaml --inputs dep)" = deploy.yaml ] || fail "--inputs dep<TAB>: $(comp run x.yaml --inputs dep)"
comp run x.yaml --approve "" >got
grep -qx auto got && grep -qx deploy.yaml got || fail "--approve <TAB>: $(cat got)"
[ "$(comp plan x.yaml --stdlib "")" = sub ] || fail "--stdlib <TAB> is not the directories: $(comp plan x.yaml --stdlib "")"
# bash's own split of --name=value at '=' (COMP_WORDBREAKS)
[ "$(comp check --format = sa)" = sarif ] || fail "check --format = sa<TAB>: $(comp check --format = sa)"
[ "$(comp completion "")" = "$(printf 'bash\nzsh')" ] || fail "completion <TAB>: $(comp completion "")"
# a value that is free text completes nothing, an unknown command nothing
[ -z "$(comp eval --context "")" ] || fail "--context <TAB> completed something"
[ -z "$(comp frobnicate -)" ] || fail "an unknown command completed options"
