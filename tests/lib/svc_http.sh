# svc_http.sh - the test HTTP server (tests/lib/httpd.py) for http and
# prometheus cases.  Sourced by tests/run.sh.
#
#   svc_http_start   start httpd.py on a free loopback port, export
#                    RB_TEST_HTTP=http://127.0.0.1:PORT and
#                    RB_TEST_HTTP_REFUSED=http://127.0.0.1:PORT2 (nobody listens)
#   svc_http_stop    stop it
#
# The pid is kept in $RB_TEST_WORK/httpd/pid so a later shell can stop it.

svc_http_start() {
	local dir=${RB_TEST_WORK:?}/httpd root
	root=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
	mkdir -p "$dir"
	python3 "$root/tests/lib/httpd.py" >"$dir/port" 2>"$dir/log" &
	echo $! >"$dir/pid"
	local i port=""
	for i in $(seq 500); do
		port=$(head -n1 "$dir/port" 2>/dev/null)
		[ -n "$port" ] && break
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.01
	done
	if [ -z "$port" ]; then
		echo "httpd.py did not start:" >&2; cat "$dir/log" >&2
		return 1
	fi
	export RB_TEST_HTTP=http://127.0.0.1:$port
	# a port that was free a moment ago and that nobody listens on
	export RB_TEST_HTTP_REFUSED=http://127.0.0.1:$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
}

svc_http_stop() {
	local pidf=${RB_TEST_WORK:?}/httpd/pid
	[ -s "$pidf" ] || return 0
	kill "$(cat "$pidf")" 2>/dev/null
	rm -f "$pidf"
	return 0
}
