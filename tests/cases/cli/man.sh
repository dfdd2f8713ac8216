# runbook(1), from `runbook man` (the command, option and exit code
# tables): groff renders it without a warning (-ww), man -l formats it,
# lexgrog reads its NAME line, and every command and every option that
# --help lists is on the page.
command -v groff >/dev/null && command -v man >/dev/null || fail "groff and man are not installed (tests/lib/deps.sh test)"
rb man
expect_rc 0
cp out runbook.1
head -2 runbook.1 | grep -q '^\.TH RUNBOOK 1 ' || fail "no .TH line"
grep -qP '[^\x00-\x7f]' runbook.1 && fail "the page is not ASCII: $(grep -nP '[^\x00-\x7f]' runbook.1 | head -3)"
groff -man -Tutf8 -ww -z runbook.1 2>groff.err || fail "groff failed: $(cat groff.err)"
[ -s groff.err ] && fail "groff warns: $(cat groff.err)"
MANWIDTH=200 LC_ALL=C.UTF-8 man --warnings -l runbook.1 >page.txt 2>man.err || fail "man -l failed: $(cat man.err)"
[ -s man.err ] && fail "man -l warns: $(cat man.err)"
grep -q '^NAME' page.txt && grep -q '^COMMANDS' page.txt && grep -q '^EXIT STATUS' page.txt ||
	fail "sections missing: $(grep -E '^[A-Z]' page.txt)"
lexgrog runbook.1 >lex.out 2>&1 || fail "lexgrog: $(cat lex.out)"
grep -q 'runbook - a declarative runbook interpreter' lex.out || fail "lexgrog: $(cat lex.out)"

rb --help
cp out main-help
cmds=$(sed -n '/^commands:/,/^$/p' main-help | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
# every exit code
sed -n '/^exit codes:/,$p' main-help | tail -n +2 | awk '{print $1}' >codes
[ "$(wc -l <codes)" -ge 5 ] || fail "too few exit codes in --help"
while read -r code; do
	grep -qE "^       $code( |\$)" page.txt || fail "exit code $code is not on the page"
done <codes
# every command's section holds each of its options, with its help
for c in $cmds; do
	sed -n "/^   runbook $c\( \|\$\)/,/^   runbook /p" page.txt >sec
	[ -s sec ] || fail "no section for $c"
	rb "$c" --help
	sed -n '/^options:/,$p' out | tail -n +2 | sed -E 's/^  (-[a-z], |    )(--[a-z-]+)( [^ ]+)?  +(.*)$/\2\t\4/' >rows
	[ -s rows ] || fail "$c --help lists no options"
	while IFS=$'\t' read -r opt help; do
		grep -qE -- "^       (-[a-z], )?$opt( |\$)" sec || fail "$c: $opt is not on the page"
		grep -qF -- "${help:0:40}" sec || fail "$c $opt: its help is not on the page: $help"
	done <rows
done
