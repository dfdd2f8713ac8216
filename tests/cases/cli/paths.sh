# A path that names nothing readable is said as such, for every command
# whose arguments are files or paths (as its usage line names them: FILE,
# PATH..., TRANSCRIPT), exit 2 and nothing run: "runbook CMD: /x: no such
# file or directory", a directory where a file is wanted, an unreadable
# file.  check says so of a directory without runbooks, and prints no
# "0 files checked".
rb --help
cmds=$(sed -n '/^commands:/,/^$/p' out | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
mkdir emptydir
n=0
for c in $cmds; do
	rb "$c" --help
	arg=$(head -1 out | sed -E "s/^usage: runbook $c ?//; s/ .*//" | tr -d "[].")
	case $arg in FILE|PATH|TRANSCRIPT) ;; *) continue ;; esac
	n=$((n + 1))
	rb "$c" /nonexistent/x.yaml
	expect_rc 2
	[ "$(cat err)" = "runbook $c: /nonexistent/x.yaml: no such file or directory" ] || fail "$c /nonexistent/x.yaml: $(cat err)"
	[ -s out ] && fail "$c /nonexistent/x.yaml printed on stdout: $(cat out)"
	# a usage error in the same command line still wins over nothing
	rb "$c" /nonexistent/x.yaml --help
	expect_rc 0
	if [ "$arg" != PATH ]; then
		rb "$c" emptydir
		expect_rc 2
		expect_err "^runbook $c: emptydir: is a directory$"
	fi
done
[ "$n" -ge 8 ] || fail "only $n commands take files"

# check: no "0 files checked", every bad path said, a directory without runbooks
rb check /missing
expect_rc 2
[ "$(cat err)" = "runbook check: /missing: no such file or directory" ] || fail "check /missing: $(cat err)"
expect_no "files checked"
printf 'runbook: ok\ntitle: Ok\nowner: me\nlast-reviewed: 2099-01-01\nsteps:\n  - { id: a, exec: [true], effect: read }\n' >ok.yaml
rb check ok.yaml /missing /missing2
expect_rc 2
expect_err '^runbook check: /missing: no such file or directory$'
expect_err '^runbook check: /missing2: no such file or directory$'
rb check emptydir
expect_rc 2
expect_err '^runbook check: emptydir: no runbook files \(\*\.yaml, \*\.yml\) in this directory$'
expect_no "files checked"
mkdir -p notes && echo text >notes/README.txt
rb check ok.yaml notes
expect_rc 2
expect_err '^runbook check: notes: no runbook files'
expect_err '^1 file checked: 0 errors'
rb check ok.yaml
expect_rc 0

# unreadable files and directories (as root: as a user the permissions hold for)
if [ "$(id -u)" -eq 0 ]; then
	id -u rbtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin rbtest 2>/dev/null || true
	id -u rbtest >/dev/null 2>&1 || fail "no user rbtest"
	as_user() { runuser -u rbtest -- "$@"; }
else
	as_user() { "$@"; }
fi
chmod 000 ok.yaml
mkdir locked && cp /dev/null locked/a.yaml && chmod 000 locked
RC=0; as_user "$RUNBOOK" check ok.yaml >out 2>err || RC=$?
expect_rc 2
[ "$(cat err)" = "runbook check: ok.yaml: permission denied" ] || fail "check of an unreadable file: $(cat err)"
RC=0; as_user "$RUNBOOK" plan ok.yaml >out 2>err || RC=$?
expect_rc 2
expect_err '^runbook plan: ok.yaml: permission denied$'
RC=0; as_user "$RUNBOOK" check locked >out 2>err || RC=$?
expect_rc 2
expect_err '^runbook check: locked: permission denied$'
chmod 755 locked
chmod 644 ok.yaml
