# svc_prometheus.sh - a real Prometheus for the prometheus cases.  Sourced by
# tests/run.sh, after svc_http.sh (it scrapes httpd.py's /metrics).
#
#   svc_prometheus_start  generate a config scraping $RB_TEST_HTTP/metrics
#                         every 1s (job rbtest) and a rule file, start
#                         prometheus on a free loopback port with its TSDB
#                         under $RB_TEST_WORK, wait for /-/ready, export
#                         RB_TEST_PROM=http://127.0.0.1:PORT
#   svc_prometheus_stop   stop it
#
# Alerting rules (evaluated every 1s, for: 0s):
#   RbTestGaugeHigh  rb_test_gauge{name="alert"} > 10
#   TestTargetDown   up{job="rbtest-down"} == 0   (a scrape target nobody serves)

svc_prometheus_start() {
	command -v prometheus >/dev/null || { echo "prometheus not installed" >&2; return 1; }
	[ -n "${RB_TEST_HTTP:-}" ] || svc_http_start || return 1
	local dir=${RB_TEST_WORK:?}/prometheus port down
	mkdir -p "$dir/data"
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	down=${RB_TEST_HTTP_REFUSED:-http://127.0.0.1:9}
	cat >"$dir/rules.yml" <<-RULES
	groups:
	  - name: rbtest
	    interval: 1s
	    rules:
	      - alert: RbTestGaugeHigh
	        expr: rb_test_gauge{name="alert"} > 10
	        for: 0s
	        labels: { severity: page }
	        annotations: { summary: "rb_test_gauge is {{ \$value }}" }
	      - alert: TestTargetDown
	        expr: up{job="rbtest-down"} == 0
	        for: 0s
	        labels: { severity: ticket }
	        annotations: { summary: "target {{ \$labels.instance }} is down" }
	RULES
	cat >"$dir/prometheus.yml" <<-CONF
	global:
	  scrape_interval: 1s
	  scrape_timeout: 900ms
	  evaluation_interval: 1s
	rule_files: ["$dir/rules.yml"]
	scrape_configs:
	  - job_name: rbtest
	    static_configs: [{ targets: ["${RB_TEST_HTTP#http://}"] }]
	  - job_name: rbtest-down
	    static_configs: [{ targets: ["${down#http://}"] }]
	CONF
	prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" \
		--log.level=warn >"$dir/log" 2>&1 &
	echo $! >"$dir/pid"
	local i
	for i in $(seq 1500); do
		if curl -fsS -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
			export RB_TEST_PROM=http://127.0.0.1:$port
			return 0
		fi
		kill -0 "$(cat "$dir/pid")" 2>/dev/null || break
		sleep 0.01
	done
	echo "prometheus did not become ready:" >&2; tail -20 "$dir/log" >&2
	svc_prometheus_stop
	return 1
}

svc_prometheus_stop() {
	local pidf=${RB_TEST_WORK:?}/prometheus/pid pid
	[ -s "$pidf" ] || return 0
	pid=$(cat "$pidf")
	kill "$pid" 2>/dev/null
	# wait for it to exit so its TSDB directory can be removed
	local i; for i in $(seq 500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	rm -f "$pidf"
	return 0
}
