# daemon.sh - what the suite's server processes share (sourced by
# tests/lib/svc_*.sh that run one): each keeps its pid in DIR/pid and its
# output in DIR/log.
#
#   daemon_start NAME DIR URL CMD...  start CMD in the background, then poll
#                              URL until it answers 2xx (up to 15s, while the
#                              process lives); else print DIR/log's tail, stop
#                              it and return 1
#   daemon_stop DIR            end DIR/pid's process and wait until it has exited
#                              (so DIR can be removed)

daemon_start() {
	local name=$1 dir=$2 url=$3 i
	shift 3
	"$@" >"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	for i in $(seq 1500); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.01
	done
	echo "$name did not become ready:" >&2; tail -20 "$dir/log" >&2
	daemon_stop "$dir"
	return 1
}

daemon_stop() {
	local pidf=$1/pid pid i
	[ -s "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null
	for i in $(seq 500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	rm -f "$pidf"
	return 0
}
