# The zsh completion (`runbook completion zsh`, installed as _runbook in
# site-functions) is generated from the command and option tables.  A real
# interactive zsh (zsh -f -i under zsh/zpty, compinit, the script on
# $fpath) is typed at: each case is a line and a TAB; compadd is wrapped to
# record what the completion offers, and a key bound to a widget records
# the line after the TAB.  Every command's options as its --help lists
# them, choices, files, directories, --name=value and help CMD.
command -v zsh >/dev/null || fail "zsh is not installed (tests/lib/deps.sh test)"
rb completion zsh
expect_rc 0
mkdir fn
cp out fn/_runbook
head -1 fn/_runbook | grep -qx '#compdef runbook' || fail "no #compdef line"
zsh -n fn/_runbook || fail "the zsh completion does not parse"
mkdir -p bin sub
ln -s "$RUNBOOK" bin/runbook
: >deploy.yaml

rb --help
cmds=$(sed -n '/^commands:/,/^$/p' out | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
{
	echo 'runbook ch'
	echo 'runbook help pl'
	echo 'runbook check --format=sa'
	echo 'runbook report x --format '
	echo 'runbook plan dep'
	echo 'runbook run x --approve '
	echo 'runbook plan x --stdlib s'
	echo 'runbook completion z'
	for c in $cmds; do echo "runbook $c --"; done
} >cases

cat >drive.zsh <<'Z'
# zsh -f drive.zsh FPATH_DIR RESULTS BIN_DIR CASES
zmodload zsh/zpty || exit 9
dir=$1 out=$2
export TERM=dumb
zpty z "PATH=$3:\$PATH zsh -f -i"
integer n=1000
# type $1, then a command printing a number the typed text does not hold, and wait for it
run() {
	local chunk
	(( n++ ))
	zpty -w z "$1"$'\x15'"print OK\$(( $n - 1 + 1 ))"
	zpty -r z chunk "*OK$n*"
}
run "PS1='> '; LISTMAX=100000; fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D"$'\n'
run "compadd() { if (( \${@[(I)-[OAD]]} )); then builtin compadd \"\$@\"; return; fi; local -a m; builtin compadd -O m \"\$@\"; print -rl -- \$m >> $out; builtin compadd \"\$@\"; }"$'\n'
run "mark() { print -r -- \"== \$BUFFER\" >> $out; }; zle -N mark; bindkey '^T' mark; after() { print -r -- \"=> \$BUFFER\" >> $out; }; zle -N after; bindkey '^O' after"$'\n'
run ":"$'\n'
for line in "${(@f)$(<$4)}"; do
	# ^T records the line, TAB completes, ^O records the line again
	for try in 1 2 3; do
		run "$line"$'\x14\t\x0f'
		grep -qxF -- "== $line" $out && break
	done
done
zpty -w z exit
zpty -d z
Z
timeout 120 zsh -f drive.zsh "$PWD/fn" "$PWD/res" "$PWD/bin" cases || fail "the zsh session failed ($?)"

# offered CASE: what the completion offered for the case; after CASE: the line after TAB
offered() { awk -v c="== $1" '$0 == c {on = 1; next} /^=> / {on = 0} on && NF' res | sort -u; }
after() { awk -v c="== $1" '$0 == c {on = 1; next} on && /^=> / {print substr($0, 4); exit}' res; }
while IFS= read -r c; do
	grep -qxF -- "== $c" res || fail "the case '$c' never reached zsh"
done <cases
[ "$(after 'runbook ch')" = "runbook check " ] || fail "ch<TAB>: '$(after 'runbook ch')'"
[ "$(after 'runbook help pl')" = "runbook help plan " ] || fail "help pl<TAB>: '$(after 'runbook help pl')'"
[ "$(after 'runbook check --format=sa')" = "runbook check --format=sarif " ] ||
	fail "--format=sa<TAB>: '$(after 'runbook check --format=sa')'"
[ "$(offered 'runbook report x --format ')" = "$(printf 'html\nmd')" ] ||
	fail "report --format <TAB>: $(offered 'runbook report x --format ')"
[ "$(after 'runbook plan dep')" = "runbook plan deploy.yaml " ] || fail "plan dep<TAB>: '$(after 'runbook plan dep')'"
offered 'runbook run x --approve ' >got
grep -qx auto got && grep -qx deploy.yaml got || fail "--approve <TAB>: $(cat got)"
[ "$(after 'runbook plan x --stdlib s')" = "runbook plan x --stdlib sub/" ] ||
	fail "--stdlib s<TAB> (directories): '$(after 'runbook plan x --stdlib s')'"
[ "$(after 'runbook completion z')" = "runbook completion zsh " ] ||
	fail "completion z<TAB>: '$(after 'runbook completion z')'"
for c in $cmds; do
	rb "$c" --help
	sed -n '/^options:/,$p' out | tail -n +2 | sed -E 's/^  (-[a-z], |    )(--[a-z-]+).*/\2/' | sort >want
	offered "runbook $c --" >got
	cmp -s want got || fail "$c --<TAB>: $(diff want got)"
done
