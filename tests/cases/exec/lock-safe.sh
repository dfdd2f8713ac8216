# The run lock is opened without following a symbolic link, in a directory
# the interpreter owns: a link or a hard link planted at the lock path
# cannot make a run (as root) clobber another file, and a lock directory
# others may write to, or that another user owns, is refused (exit 2).
cat > rb.yaml <<'Y'
runbook: lock-safe
title: Lock safety
steps:
  - id: one
    exec: [sh, -c, 'echo x >> ran']
Y
id -u rbtest >/dev/null 2>&1 || useradd -r -M -s /usr/sbin/nologin rbtest 2>/dev/null || true
id -u rbtest >/dev/null 2>&1 || fail "no user rbtest"
uid=$(id -u rbtest)
lock=$T/runbook-lock-safe.lock

# a symbolic link to another user's file
printf 'precious\n' > victim
chown rbtest victim
ln -s "$T/victim" "$lock"
rb run rb.yaml --transcript t1.jsonl
expect_rc 2
expect_err "lock file $lock is a symbolic link: refusing"
[ "$(cat victim)" = precious ] || fail "the victim was written: $(cat victim)"
[ ! -e ran ] || fail "the step ran"
[ ! -e t1.jsonl ] || fail "the refused run wrote a transcript"
# ... and to a file of root's own
printf 'mine\n' > own
rm "$lock"; ln -s "$T/own" "$lock"
rb run rb.yaml --transcript t1.jsonl
expect_rc 2
[ "$(cat own)" = mine ] || fail "root's file was written"

# hard links: to another user's file, to one of ours
rm "$lock"; ln "$T/victim" "$lock"
rb run rb.yaml --transcript t2.jsonl
expect_rc 2
expect_err "lock file $lock is not owned by the current user: refusing"
rm "$lock"; ln "$T/own" "$lock"
rb run rb.yaml --transcript t2.jsonl
expect_rc 2
expect_err "lock file $lock is a file with other hard links: refusing"
[ "$(cat victim)" = precious ] && [ "$(cat own)" = mine ] || fail "a linked file was written"
rm "$lock"

# a lock directory others may write to, or owned by another user
mkdir -m 1777 open
RUNBOOK_LOCK_DIR=$T/open rb run rb.yaml --transcript t3.jsonl
expect_rc 2
expect_err "lock directory $T/open \(RUNBOOK_LOCK_DIR\) has mode 1777: refusing it \(it must not be writable by group or others\)"
mkdir -m 755 theirs; chown rbtest theirs
RUNBOOK_LOCK_DIR=$T/theirs rb run rb.yaml --transcript t3.jsonl
expect_rc 2
expect_err "lock directory $T/theirs \(RUNBOOK_LOCK_DIR\) is owned by uid $uid, not by the current user \(uid 0\)"
[ ! -e ran ] && [ ! -e open/runbook-lock-safe.lock ] && [ ! -e theirs/runbook-lock-safe.lock ] ||
	fail "a refused lock directory was used"

# the lock still works: a good run takes it, and the file names the holder
rb run rb.yaml --transcript t4.jsonl --operator alice
expect_rc 0
grep -q "^runbook lock-safe, pid [0-9]*, alice, since " "$lock" || fail "the lock file does not name the holder"
[ "$(stat -c %a "$lock")" = 600 ] || fail "lock file mode $(stat -c %a "$lock")"

# default directories, for a user who is not root: $XDG_RUNTIME_DIR/runbook,
# created 0700; a symbolic link there is refused; else /tmp/runbook-<uid>,
# refused when someone else made it first
mkdir -m 755 u; chown rbtest u; cp rb.yaml u/
as_user() { rm -f u/t.jsonl; (cd u && runuser -u rbtest -- env -u RUNBOOK_LOCK_DIR "$@" "$RUNBOOK" run rb.yaml \
	--transcript t.jsonl >../out 2>../err </dev/null); RC=$?; }
runuser -u rbtest -- mkdir -m 700 u/xdg u/xdg2 u/elsewhere
as_user XDG_RUNTIME_DIR=$T/u/xdg
expect_rc 0
[ "$(stat -c '%a %U' u/xdg/runbook)" = "700 rbtest" ] || fail "lock dir: $(stat -c '%a %U' u/xdg/runbook)"
[ -f u/xdg/runbook/runbook-lock-safe.lock ] || fail "no lock file in \$XDG_RUNTIME_DIR/runbook"
runuser -u rbtest -- ln -s "$T/u/elsewhere" u/xdg2/runbook
as_user XDG_RUNTIME_DIR=$T/u/xdg2
expect_rc 2
expect_err "lock directory $T/u/xdg2/runbook is a symbolic link: refusing it"
[ -z "$(ls u/elsewhere)" ] || fail "the linked directory was used"
runuser -u rbtest -- chmod 755 u/xdg/runbook
as_user XDG_RUNTIME_DIR=$T/u/xdg
expect_rc 2
expect_err "lock directory $T/u/xdg/runbook has mode 0755: refusing it \(it must be 0700\)"
tmpd=/tmp/runbook-$uid
rm -rf "$tmpd"; mkdir -m 700 "$tmpd"    # made first by root
as_user -u XDG_RUNTIME_DIR
expect_rc 2
expect_err "lock directory $tmpd is owned by uid 0, not by the current user \(uid $uid\): refusing it"
rm -rf "$tmpd"
as_user -u XDG_RUNTIME_DIR
expect_rc 0
[ "$(stat -c '%a %U' "$tmpd")" = "700 rbtest" ] || fail "lock dir: $(stat -c '%a %U' "$tmpd")"
rm -rf "$tmpd"
[ "$(wc -l < u/ran)" -eq 2 ] || fail "the user's runs: $(cat u/ran)"

# (an empty RUNBOOK_LOCK_DIR is unset) root's default is /run/runbook, whatever $XDG_RUNTIME_DIR says: every
# root session of the host shares it
mkdir -m 700 xdgroot
sed 's/^runbook: lock-safe/runbook: lock-safe-root/' rb.yaml > root.yaml
RUNBOOK_LOCK_DIR= XDG_RUNTIME_DIR=$T/xdgroot rb run root.yaml --transcript t5.jsonl
expect_rc 0
[ -f /run/runbook/runbook-lock-safe-root.lock ] || fail "no lock in /run/runbook"
[ "$(stat -c '%a %U' /run/runbook)" = "700 root" ] || fail "/run/runbook: $(stat -c '%a %U' /run/runbook)"
[ -z "$(ls xdgroot)" ] || fail "root's lock went to \$XDG_RUNTIME_DIR"
rm -f /run/runbook/runbook-lock-safe-root.lock
