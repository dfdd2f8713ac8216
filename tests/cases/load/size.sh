# The loader's size bound: files over 8 MiB are refused without being read
# (fstat for regular files, a bounded read for pipes); 8 MiB exactly loads.

truncate -s $((8 * 1024 * 1024 + 1)) big.yaml
rb check --no-color big.yaml
expect_rc 2
expect_out '^big\.yaml:1:1: error: file is 8388609 bytes, over the limit of 8388608 bytes \[file-too-large\]$'

# a pipe has no size: the read stops one chunk past the limit
mkfifo pipe.yaml
head -c $((64 * 1024 * 1024)) /dev/zero >pipe.yaml 2>/dev/null &
writer=$!
rb check --no-color pipe.yaml
true <>pipe.yaml        # unblock the writer if check never opened the pipe
wait "$writer"
expect_rc 2
expect_out '^pipe\.yaml:1:1: error: file is over the limit of 8388608 bytes \[file-too-large\]$'

# exactly at the limit: a valid runbook padded with comments
python3 - <<'PY'
head = (b"runbook: at-limit\ntitle: Exactly at the size limit\nowner: platform\n"
        b"steps:\n  - id: hello\n    log: hello\n")
pad = 8 * 1024 * 1024 - len(head)
line = b"#" + b"x" * 98 + b"\n"
body = line * (pad // len(line))
rest = pad - len(body)
body += b"#" * (rest - 1) + b"\n"
open("limit.yaml", "wb").write(head + body)
PY
[ "$(stat -c %s limit.yaml)" -eq $((8 * 1024 * 1024)) ] || fail "limit.yaml has the wrong size"
rb check --no-color limit.yaml
expect_rc 0
expect_no 'file-too-large'
