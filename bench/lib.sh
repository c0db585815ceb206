# Sourced by the bench scripts: what they share. Not run on its own.

# Runs a command as root (directly, or through sudo); $bench_name names the script in the error.
bench_as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else echo "$bench_name: need root (or sudo) to install: $*" >&2; exit 1; fi
}

# Installs wrk and nginx from Debian when missing, stops the packaged nginx that Debian starts on port 80, and sets
# NGINX to the binary.
bench_install_wrk_nginx() {
    local missing=()
    command -v wrk >/dev/null || missing+=(wrk)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || {
        if apt-cache show nginx-light >/dev/null 2>&1; then missing+=(nginx-light); else missing+=(nginx); fi
    }
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}" >&2
        bench_as_root apt-get update -qq >&2
        bench_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
        bench_as_root sh -c 'command -v systemctl >/dev/null && systemctl stop nginx 2>/dev/null; \
            [ -f /run/nginx.pid ] && kill "$(cat /run/nginx.pid)" 2>/dev/null; true'
    fi
    NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
}

# Exits when one of the given ports is already listened on.
bench_ports_free() {
    local port
    for port in "$@"; do
        if ss -Hltn "sport = :$port" | grep -q .; then
            echo "$bench_name: port $port is in use (set BENCH_PORT_BASE)" >&2; exit 1
        fi
    done
}

# Writes WORK/nginx.conf: two workers, no access log, long keep-alive, everything under WORK, and the http-block
# content given on stdin (server and upstream blocks).
bench_nginx_conf() { # work
    local work=$1
    {
        echo "worker_processes 2;"
        echo "pid $work/nginx.pid;"
        echo "error_log $work/nginx-error.log warn;"
        echo "daemon on;"
        [ "$(id -u)" = 0 ] && echo "user root;"
        echo "events { worker_connections 4096; }"
        echo "http {"
        echo "    access_log off;"
        echo "    client_body_temp_path $work/body; proxy_temp_path $work/proxy; fastcgi_temp_path $work/fcgi;"
        echo "    uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;"
        echo "    keepalive_requests 1000000;"
        cat
        echo "}"
    } >"$work/nginx.conf"
}

# User and kernel CPU ticks (of CLK_TCK a second) of the given processes together: "user kernel".
bench_ticks() { # pid...
    local p
    for p in "$@"; do awk '{print $14, $15}' "/proc/$p/stat"; done | awk '{u += $1; k += $2} END {print u + 0, k + 0}'
}

# BENCH_POSTGRES=1: a throwaway PostgreSQL cluster with its defaults' durability (fsync on), started in a directory of its own
# and stopped by bench_postgres_stop; sets BENCH_POSTGRES_URL. A URL given in BENCH_POSTGRES_URL is used instead.
bench_postgres_start() {
    [ -n "${BENCH_POSTGRES_URL:-}" ] && return 0
    [ "${BENCH_POSTGRES:-0}" = 1 ] || return 0
    command -v psql >/dev/null || { echo "$bench_name: BENCH_POSTGRES=1 needs Debian's postgresql (scripts/setup)" >&2; exit 1; }
    # Not under WORK: the server runs as the postgres user, who cannot enter a directory of root's made by mktemp.
    bench_postgres_dir="$(mktemp -d "${TMPDIR:-/tmp}/cgw-bench-postgres.XXXXXX")"
    BENCH_POSTGRES_URL="$(TEST_POSTGRES_DURABLE=1 scripts/test-postgres start "$bench_postgres_dir")"
    export BENCH_POSTGRES_URL
}
bench_postgres_made=()
bench_postgres_stop() {
    if [ -n "${bench_postgres_dir:-}" ]; then
        scripts/test-postgres stop "$bench_postgres_dir" >/dev/null 2>&1 || true
    else
        local db
        for db in "${bench_postgres_made[@]}"; do
            psql "$BENCH_POSTGRES_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
        done
    fi
}

# A new database on BENCH_POSTGRES_URL's server, its URL in bench_database_url (not a subshell's output: the
# databases made are remembered, to be dropped on a server that outlives the bench).
bench_postgres_database() {
    local base="${BENCH_POSTGRES_URL%%\?*}" query="${BENCH_POSTGRES_URL#"${BENCH_POSTGRES_URL%%\?*}"}"
    local db="cgw_bench_$$_$RANDOM"
    psql "$BENCH_POSTGRES_URL" -qc "CREATE DATABASE $db" >&2
    bench_postgres_made+=("$db")
    bench_database_url="${base%/*}/$db$query"
}

