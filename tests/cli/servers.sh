# Loopback servers for the command-line tests, sourced by them: nginx serving a folder and
# docker-registry, each on a free port of 127.0.0.1, in the foreground of a background job that
# stop_servers (called from the test's EXIT trap) ends. Nothing listens beyond loopback.
# shellcheck shell=sh
# shellcheck disable=SC2034 # nginx_url, registry and the ports are for the sourcing script

server_pids=""

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT NAME LOG: waits until 127.0.0.1:PORT accepts connections (20 s at most)
wait_port() {
  python3 - "$1" <<'PY' || { echo "$2 did not start; its log:" >&2; cat "$3" >&2; return 1; }
import socket, sys, time
port = int(sys.argv[1])
for _ in range(400):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PY
}

# run_nginx DIR ROOT RATE EXTRA: nginx serving ROOT on a free port of 127.0.0.1, RATE bytes/s
# per connection at most (nginx's limit_rate; 0 is unlimited), EXTRA added to its server block.
# Sets run_nginx_port. DIR/access.log has one line per request: "<uri> <Range header> <body
# bytes sent>".
run_nginx() {
  dir=$1 root=$2 rate=$3 extra=$4
  mkdir -p "$dir/tmp"
  run_nginx_port=$(free_port)
  cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 64; }
http {
  log_format ranges '\$uri \$http_range \$body_bytes_sent';
  access_log $dir/access.log ranges;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$run_nginx_port;
    root $root;
    limit_rate $rate;
$extra
  }
}
CONF
  /usr/sbin/nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" >>"$dir/nginx.out" 2>&1 &
  server_pids="$server_pids $!"
  wait_port "$run_nginx_port" nginx "$dir/error.log"
}

# start_nginx DIR ROOT [RATE]: serves ROOT (see run_nginx); sets nginx_port and nginx_url.
start_nginx() {
  run_nginx "$1" "$2" "${3:-0}" "" || return 1
  nginx_port=$run_nginx_port
  nginx_url="http://127.0.0.1:$nginx_port"
}

# start_registry DIR: docker-registry with filesystem storage in DIR; sets registry (host:port)
start_registry() {
  dir=$1
  mkdir -p "$dir/storage"
  registry_port=$(free_port)
  cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/storage
http:
  addr: 127.0.0.1:$registry_port
CONF
  docker-registry serve "$dir/config.yml" >>"$dir/registry.log" 2>&1 &
  server_pids="$server_pids $!"
  registry="127.0.0.1:$registry_port"
  wait_port "$registry_port" docker-registry "$dir/registry.log"
}

stop_servers() {
  for pid in $server_pids; do kill "$pid" 2>/dev/null; done
  for pid in $server_pids; do wait "$pid" 2>/dev/null; done
  server_pids=""
}

# start_mirror DIR ROOT REGISTRY: one base URL for `bundle --mirror`, on a free port: nginx
# serves the folder ROOT (the release files, checksum files and chart indexes, as
# <host>/<path>) and hands every /v2/ request, unchanged, to the docker-registry at REGISTRY
# (host:port), which holds the images under names that begin with their registry's host
# ("quay.io/cilium/cilium"). Sets mirror_port and mirror_url; DIR/access.log as run_nginx's.
start_mirror() {
  run_nginx "$1" "$2" 0 "    location /v2/ {
      proxy_pass http://$3;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
    }" || return 1
  mirror_port=$run_nginx_port
  mirror_url="http://127.0.0.1:$mirror_port"
}
