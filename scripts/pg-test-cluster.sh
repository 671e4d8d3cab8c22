#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the test suite, from Debian's server binaries.
#
#   scripts/pg-test-cluster.sh start   # prints the SQLAlchemy URL on stdout
#   scripts/pg-test-cluster.sh url     # prints it again while the cluster runs
#   scripts/pg-test-cluster.sh stop    # stops the server and deletes the cluster
#
# The cluster lives in $NEWSLEDGER_PG_DIR (default: a per-user folder under $TMPDIR),
# listens on 127.0.0.1 on a free port, trusts local connections and runs with
# fsync off: it is for tests only. initdb refuses to run as root, so as root the
# server runs as the `postgres` user that Debian's package creates.
# Needs: apt-get install -y postgresql   (or postgresql-15 etc.)
set -euo pipefail

DIR="${NEWSLEDGER_PG_DIR:-${TMPDIR:-/tmp}/newsledger-pg-$(id -u)}"
DB=newsledger_test
ROLE=newsledger

die() { echo "pg-test-cluster: $*" >&2; exit 1; }

find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then echo "$PG_BINDIR"; return; fi
    local d
    # the highest major version Debian installed
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4n | tail -1)"
    if [[ -z "$d" || ! -x "$d/initdb" ]]; then
        command -v initdb >/dev/null \
            || die "no PostgreSQL server binaries found; run: apt-get install -y postgresql"
        d="$(dirname "$(readlink -f "$(command -v initdb)")")"
    fi
    echo "$d"
}

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (apt-get install -y postgresql)"
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
        fi
    else
        "$@"
    fi
}

free_port() {
    python3 - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

is_running() {
    [[ -f "$DIR/url" && -f "$DIR/data/postmaster.pid" ]] || return 1
    as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

start() {
    if is_running; then cat "$DIR/url"; return; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    [[ "$(id -u)" == 0 ]] && chown postgres: "$DIR"
    local port
    port="$(free_port)"
    as_owner "$BIN/initdb" -D "$DIR/data" -U "$ROLE" --auth=trust -E UTF8 --no-locale -N \
        >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
        -o "-p $port -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$DIR/server.log" >&2; die "server did not start"; }
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$ROLE" "$DB" \
        || die "createdb failed"
    echo "postgresql+psycopg://$ROLE@127.0.0.1:$port/$DB" >"$DIR/url"
    cat "$DIR/url"
}

stop() {
    if [[ -f "$DIR/data/postmaster.pid" ]]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DIR"
}

BIN="$(find_bindir)"
case "${1:-}" in
    start) start ;;
    stop) stop ;;
    url) is_running && cat "$DIR/url" || die "not running" ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
