# Sourced by bench/run.sh: redaction of 1 MB of log lines with 100 secrets
# vs with 1 (one pass over the bytes for all of them: the time should not
# grow with the number of secrets)
echo "== redacting 1 MB of log lines: 100 secrets vs 1 (bench/redact.c)"
cc -O2 -D_GNU_SOURCE -Iinterpreter -o "$W/redact" bench/redact.c "$BUILD/librunbook.a" \
	$(pkg-config --libs yaml-0.1 libcurl libpq hiredis rdkafka libpcre2-8 libcjson libcrypto libmicrohttpd) -lm -lpthread
"$W/redact" gen "$W"
read -r t_1 m_1 < <("$W/redact" time "$W/log.txt" "$W/secrets.txt" 1 5)
read -r t_100 m_100 < <("$W/redact" time "$W/log.txt" "$W/secrets.txt" 100 5)
r=$(ratio "$t_100" "$t_1")
echo "   1 secret: ${t_1}s ($m_1 masks)   100 secrets: ${t_100}s ($m_100 masks)   ratio: ${r}x (target $(target redact-scaling)x)"
guard redact-scaling "$r"
