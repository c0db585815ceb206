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


# BENCH_WRITE_CAP=<MB/s>: a block-I/O cgroup that caps writes to the disk under DIRECTORY at that rate, to stand in
# for a cloud volume's bandwidth limit. cgroup v1's blkio throttle, else v2's io.max; root only. Sets
# bench_cap_tasks to the file a thread id is written into to join it (empty when no controller is at hand, with the
# reason in bench_cap_missing), and bench_cap_root to the file that takes it back out.
bench_write_cap_start() { # directory mb_per_s
    bench_cap_tasks=""; bench_cap_missing=""
    local dev bps=$(($2 * 1024 * 1024))
    dev="$(findmnt -no MAJ:MIN -T "$1" | tr -d ' ')"
    # The throttle wants the whole disk, not a partition of it.
    [ -f "/sys/dev/block/$dev/partition" ] && dev="$(cat "/sys/dev/block/$dev/../dev")"
    if [ "$(id -u)" != 0 ]; then bench_cap_missing="not root"; return 0; fi
    if [ -d /sys/fs/cgroup/blkio ]; then
        bench_cap_dir=/sys/fs/cgroup/blkio/cgw-bench-$$
        mkdir -p "$bench_cap_dir"
        echo "$dev $bps" >"$bench_cap_dir/blkio.throttle.write_bps_device"
        bench_cap_tasks="$bench_cap_dir/tasks"; bench_cap_root=/sys/fs/cgroup/blkio/tasks
    elif grep -qw io /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
        echo +io >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
        bench_cap_dir=/sys/fs/cgroup/cgw-bench-$$
        mkdir -p "$bench_cap_dir"
        echo "$dev wbps=$bps" >"$bench_cap_dir/io.max"
        # cgroup v2 moves whole processes (threads follow).
        bench_cap_tasks="$bench_cap_dir/cgroup.procs"; bench_cap_root=/sys/fs/cgroup/cgroup.procs
    else
        bench_cap_missing="no blkio (cgroup v1) or io (cgroup v2) controller"
    fi
}
# Moves every thread of PID into the capped cgroup (in) or back to the root one (out).
bench_write_cap_move() { # in|out pid
    local file="$bench_cap_tasks" t
    [ "$1" = out ] && file="$bench_cap_root"
    if [[ "$file" == */cgroup.procs ]]; then echo "$2" >"$file"; return; fi
    for t in /proc/"$2"/task/*; do echo "${t##*/}" >"$file" 2>/dev/null || true; done
}
bench_write_cap_stop() {
    [ -n "${bench_cap_dir:-}" ] || return 0
    local t
    for t in $(cat "$bench_cap_tasks" 2>/dev/null); do echo "$t" >"$bench_cap_root" 2>/dev/null || true; done
    rmdir "$bench_cap_dir" 2>/dev/null || true
}
# Bytes a process has caused to be written to storage so far (/proc/PID/io's write_bytes).
bench_written() { awk '/^write_bytes:/ {print $2}' "/proc/$1/io"; }
