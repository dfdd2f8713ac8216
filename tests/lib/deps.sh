#!/usr/bin/env bash
# Install the Debian packages runbook needs, only those missing.
#   deps.sh build   - compilers' libraries (-dev) for `make`
#   deps.sh test    - plus the real servers the tests start
#   deps.sh demo    - what `make demo` needs: build, plus the lab's servers
#                     (`make demo-local` needs only build)
#   deps.sh fuzz    - plus clang and its libFuzzer/sanitizer runtimes for `make fuzz`
#   deps.sh formats - plus node, npm and chromium for `make check-formats`
# As root it runs apt-get itself; otherwise it prints the command to run.
set -euo pipefail
what=${1:-build}
pkgs=(gcc make pkg-config libc6-dev libyaml-dev libcurl4-openssl-dev libpq-dev
      libhiredis-dev librdkafka-dev libpcre2-dev libcjson-dev libssl-dev libmicrohttpd-dev)
case $what in
test|bench) pkgs+=(jq procps postgresql redis-server prometheus prometheus-alertmanager
                   nginx-light curl python3 util-linux tmux chromium openssl
                   groff-base man-db zsh cmark-gfm python3-yaml git python3-jsonschema libxml2-utils
                   graphviz) ;;
esac
case $what in
bench) pkgs+=(postgresql-client) ;;
demo) pkgs+=(jq procps postgresql redis-server prometheus prometheus-alertmanager curl python3 util-linux) ;;
fuzz) pkgs+=(clang libclang-rt-dev) ;;
formats) pkgs+=(jq chromium); command -v npm >/dev/null || pkgs+=(nodejs npm) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; else
		echo "deps: missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
# services must not start on install (the tests start their own)
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
