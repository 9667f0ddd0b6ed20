# bench/lib_nginx.sh: a private nginx on loopback for the bench scripts that
# need a fast HTTP server (http_vs_wrk.sh, procs_scaling.sh). Source it, then
#   nginx_start WORKDIR CONNS WORKERS   -> sets ngx_pid, ngx_url (http://127.0.0.1:PORT)
#   nginx_accepts                       -> connections nginx has accepted so far
#   nginx_stop
# It serves a tiny JSON file at /v2/ (with the Distribution API header) and
# stub_status at /nginx_status, keep-alive without limit. The port is random
# (PORT fixes it); a start is bounded to 5 s per try, 5 tries. WORKDIR and
# its parents must be traversable by nginx's workers (another user). NGX_PIN may
# hold a command prefix such as "taskset -c 0".

ngx_pid="" ngx_url=""

nginx_start() {
    local work=$1 conns=$2 workers=$3 p try
    mkdir -p "$work/www/v2" "$work/logs"
    printf '{}' >"$work/www/v2/index.json"
    chmod 755 "$work"
    chmod -R a+rX "$work/www"
    for try in 1 2 3 4 5; do
        p=${PORT:-$((20000 + RANDOM % 30000))}
        cat >"$work/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $workers;
worker_rlimit_nofile $((conns * 2 + 1024));
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections $((conns * 2 + 512)); multi_accept on; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    server {
        listen 127.0.0.1:$p backlog=4096;
        root $work/www;
        location = /v2/ {
            default_type application/json;
            add_header Docker-Distribution-API-Version registry/2.0 always;
            try_files /v2/index.json =404;
        }
        location = /nginx_status { stub_status; }
    }
}
CONF
        ${NGX_PIN:-} nginx -e "$work/logs/error.log" -p "$work" -c "$work/nginx.conf" >"$work/logs/stdout" 2>&1 &
        ngx_pid=$!
        for _ in $(seq 1 50); do
            if curl -fsS -o /dev/null "http://127.0.0.1:$p/v2/" 2>/dev/null; then
                ngx_url="http://127.0.0.1:$p"
                return 0
            fi
            kill -0 "$ngx_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$ngx_pid" 2>/dev/null || true
        wait "$ngx_pid" 2>/dev/null || true
        ngx_pid=""
        [ -n "${PORT:-}" ] && break
    done
    cat "$work/logs/error.log" >&2 2>/dev/null || true
    return 1
}

nginx_accepts() { curl -fsS "$ngx_url/nginx_status" | awk 'NR==3 {print $1}'; }

nginx_stop() {
    if [ -n "$ngx_pid" ] && kill -0 "$ngx_pid" 2>/dev/null; then
        kill -QUIT "$ngx_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$ngx_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$ngx_pid" 2>/dev/null || true
    fi
    ngx_pid=""
}
