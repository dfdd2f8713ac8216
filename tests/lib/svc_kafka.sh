# svc_kafka.sh - a Kafka cluster for the kafka cases (sourced).
#
# Kafka has no Debian package: $BUILD/helpers/kafka_mock (tests/helpers/
# kafka_mock.c) runs librdkafka's mock cluster, which speaks the real
# protocol, with 3 brokers on loopback ports.  Its stdin is a fifo this
# shell holds open, so the cluster also goes away if the suite dies
# without calling stop.  Topics (name:partitions), one set per case file:
#   rb-basic:1  rb-lag:3  rb-topics:2  rb-dry:1  rb-secret:1  rb-bounds:1  rb-until-end:2
# Exports:
#   RB_TEST_KAFKA_BOOTSTRAP  host:port,host:port,host:port
#   RB_TEST_KAFKA_REFUSED    127.0.0.1:PORT where nobody listens
# svc_kafka_stop: stops the cluster and removes its directory.

svc_kafka_start() {
	local dir=${RB_TEST_WORK:?}/kafka build=${BUILD:-build} i line=""
	local bin=$build/helpers/kafka_mock
	[ -x "$bin" ] || { echo "svc_kafka: $bin is not built (make builds the helpers)" >&2; return 1; }
	mkdir -p "$dir" || return 1
	rm -f "$dir/stdin"
	mkfifo "$dir/stdin" || return 1
	exec {_svc_kafka_fd}<>"$dir/stdin"
	"$bin" rb-basic:1 rb-lag:3 rb-topics:2 rb-dry:1 rb-secret:1 rb-bounds:1 rb-until-end:2 \
		<"$dir/stdin" >"$dir/bootstrap" 2>"$dir/log" {_svc_kafka_fd}>&- &
	echo $! >"$dir/pid"
	for i in $(seq 1000); do
		line=$(head -n1 "$dir/bootstrap" 2>/dev/null)
		[ -n "$line" ] && break
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.01
	done
	if [ -z "$line" ]; then
		echo "svc_kafka: the mock cluster did not start:" >&2
		cat "$dir/log" >&2
		svc_kafka_stop
		return 1
	fi
	export RB_TEST_KAFKA_BOOTSTRAP=$line
	export RB_TEST_KAFKA_REFUSED=127.0.0.1:$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
}

svc_kafka_stop() {
	local dir=${RB_TEST_WORK:?}/kafka pid i
	if [ -s "$dir/pid" ]; then
		pid=$(cat "$dir/pid")
		kill "$pid" 2>/dev/null
		for i in $(seq 500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	fi
	if [ -n "${_svc_kafka_fd:-}" ]; then
		exec {_svc_kafka_fd}>&-
		unset _svc_kafka_fd
	fi
	rm -rf "$dir"
	return 0
}
