# svc_alertmanager.sh - a real Alertmanager (the prometheus-alertmanager
# Debian package) for the alertmanager cases.  Sourced by tests/run.sh.
#
#   svc_alertmanager_start  write a config whose only receiver sends nothing,
#                           start it on a free loopback port (no cluster
#                           listener, its state under $RB_TEST_WORK), wait for
#                           /-/ready, export RB_TEST_AM=http://127.0.0.1:PORT
#   svc_alertmanager_stop   stop it
#
# Cases push their own alerts (POST /api/v2/alerts) with labels of their
# own, since they share this one instance.

. "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

svc_alertmanager_start() {
	command -v prometheus-alertmanager >/dev/null ||
		{ echo "prometheus-alertmanager not installed" >&2; return 1; }
	local dir=${RB_TEST_WORK:?}/alertmanager port
	mkdir -p "$dir/data"
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	cat >"$dir/alertmanager.yml" <<-CONF
	route:
	  receiver: nobody
	  group_wait: 1s
	  group_interval: 1s
	  repeat_interval: 1h
	receivers:
	  - name: nobody
	CONF
	daemon_start alertmanager "$dir" "http://127.0.0.1:$port/-/ready" \
		prometheus-alertmanager --config.file="$dir/alertmanager.yml" \
		--storage.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" \
		--cluster.listen-address= \
		--log.level=warn || return 1
	export RB_TEST_AM=http://127.0.0.1:$port
}

svc_alertmanager_stop() { daemon_stop "${RB_TEST_WORK:?}/alertmanager"; }
