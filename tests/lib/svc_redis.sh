# svc_redis.sh - a throwaway redis-server for the redis cases (sourced).
#
# svc_redis_start: redis-server on 127.0.0.1 and a free port, requirepass
# set to a random password, no persistence, daemonized with its pidfile,
# config and log under $RB_TEST_WORK/redis.  The password is in the 0600
# config file, never in argv.  Exports:
#   RB_TEST_REDIS_URL       redis://:<password>@127.0.0.1:<port>/0
#   RB_TEST_REDIS_PORT      the port
#   RB_TEST_REDIS_PASSWORD  the password
# svc_redis_stop: stops the server and removes its directory.

svc_redis_start() {
	local dir=$RB_TEST_WORK/redis port pw i
	command -v redis-server >/dev/null || { echo "svc_redis: no redis-server" >&2; return 1; }
	port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])') || return 1
	pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	mkdir -p "$dir" || return 1
	chmod 700 "$dir"
	(umask 077; cat >"$dir/redis.conf" <<CONF
bind 127.0.0.1
port $port
requirepass $pw
save ""
appendonly no
daemonize yes
pidfile $dir/redis.pid
logfile $dir/redis.log
dir $dir
CONF
	) || return 1
	redis-server "$dir/redis.conf" || return 1
	for i in $(seq 1000); do
		[ "$(REDISCLI_AUTH=$pw redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] && break
		sleep 0.01
	done
	[ "$(REDISCLI_AUTH=$pw redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ] ||
		{ cat "$dir/redis.log" >&2; return 1; }
	export RB_TEST_REDIS_PORT=$port RB_TEST_REDIS_PASSWORD=$pw
	export RB_TEST_REDIS_URL="redis://:$pw@127.0.0.1:$port/0"
}

svc_redis_stop() {
	local dir=$RB_TEST_WORK/redis pid i
	if [ -s "$dir/redis.pid" ]; then
		pid=$(cat "$dir/redis.pid")
		kill "$pid" 2>/dev/null
		for i in $(seq 500); do kill -0 "$pid" 2>/dev/null || break; sleep 0.01; done
	fi
	rm -rf "$dir"
}
