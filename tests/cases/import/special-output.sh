# -o onto something that is not a regular file -- /dev/null, /dev/stdout, a
# FIFO, a character device -- writes into it and never replaces it (as
# root a rename would turn /dev/null into a regular file), with or
# without --force; a regular file is still refused without --force.
printf '# T\n\n## Steps\n\n```sh\nls /tmp\n```\n' >a.md

"$RUNBOOK" import a.md -o /dev/stdout 2>err | cat >piped || fail "-o /dev/stdout: $(cat err)"
grep -q '^runbook: t$' piped || fail "-o /dev/stdout did not write to stdout: $(cat piped)"
[ -L /dev/stdout ] || [ ! -e /dev/stdout ] || [ -c /dev/stdout ] || fail "/dev/stdout was replaced"

mkfifo fifo
cat fifo >fifo.out &
reader=$!
rb import a.md -o fifo --force
expect_rc 0
wait $reader
[ -p fifo ] || fail "the FIFO was replaced"
grep -q '^runbook: t$' fifo.out || fail "nothing came through the FIFO: $(cat fifo.out)"

if mknod null c 1 3 2>/dev/null; then
	for force in "" --force; do
		rb import a.md -o null $force
		expect_rc 0
		[ -c null ] || fail "import -o null $force replaced the character device: $(ls -l null)"
	done
fi

echo keep >mine.yaml
rb import a.md -o mine.yaml
expect_rc 2
[ "$(cat mine.yaml)" = keep ] || fail "an existing regular file was replaced without --force"

# a symbolic link is written through, never replaced; to a file that
# exists only with --force
ln -s mine.yaml link.yaml
rb import a.md -o link.yaml
expect_rc 2
[ "$(cat mine.yaml)" = keep ] || fail "the file behind a link was replaced without --force"
rb import a.md -o link.yaml --force
expect_rc 0
[ -L link.yaml ] || fail "the link was replaced by a file"
grep -q '^runbook: t$' mine.yaml || fail "the file behind the link was not written"
ln -s new.yaml dangling.yaml
rb import a.md -o dangling.yaml
expect_rc 0
[ -L dangling.yaml ] && grep -q '^runbook: t$' new.yaml || fail "a dangling link's file was not made"
