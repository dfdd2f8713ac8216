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

. "$(dirname "${BASH_SOURCE[0]}")/daemon.sh"

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
	daemon_start prometheus "$dir" "http://127.0.0.1:$port/-/ready" \
		prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" \
		--web.listen-address="127.0.0.1:$port" \
		--log.level=warn || return 1
	export RB_TEST_PROM=http://127.0.0.1:$port
}

svc_prometheus_stop() { daemon_stop "${RB_TEST_WORK:?}/prometheus"; }
