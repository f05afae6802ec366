# Shared by the project scripts: make sure the two system libraries of the architecture are present.
# shellcheck shell=bash
need_system_libraries() {
  local missing=()
  [ -f /usr/include/sodium.h ] || missing+=(libsodium-dev)
  [ -f /usr/include/qrencode.h ] || missing+=(libqrencode-dev)
  # OpenSSL 3 or later (EVP_PKEY_get_base_id); Debian 12 ships 3.0.
  [ -f /usr/include/openssl/evp.h ] || missing+=(libssl-dev)
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing ${missing[*]} …" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "EduSSO needs these system libraries: ${missing[*]}" >&2
    echo "Install them with: sudo apt-get install ${missing[*]}   (macOS: brew install libsodium qrencode openssl@3)" >&2
    exit 1
  fi
}

# The tests also decode QR codes with an independent reader: zbarimg (Debian's zbar-tools).
need_test_tools() {
  command -v zbarimg >/dev/null 2>&1 && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing zbar-tools …" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zbar-tools >/dev/null
  else
    echo "The tests need zbarimg. Install it with: sudo apt-get install zbar-tools   (macOS: brew install zbar)" >&2
    exit 1
  fi
}

# PostgreSQL 15 from Debian's packages, started by hand on loopback for the tests and benchmarks: `initdb` in a
# throwaway folder, no system service. Sets PG_ADMIN_URL (a superuser URL, for creating databases) and PG_DIR;
# stop_test_postgres stops it and removes the folder.
need_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
    if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
      echo "Installing postgresql-15 …" >&2
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
      # The package starts a cluster as a service; these tests use their own, so stop it.
      command -v pg_ctlcluster >/dev/null 2>&1 && pg_ctlcluster 15 main stop >/dev/null 2>&1 || true
      PG_BIN=/usr/lib/postgresql/15/bin
    else
      echo "The tests need PostgreSQL 15. Install it with: sudo apt-get install postgresql-15" >&2
      exit 1
    fi
  fi
}

# start_test_postgres [DIR [PORT]]: in DIR (default: a new temporary folder) on PORT (default: a random one).
# PG_SETTINGS replaces the durability settings: the tests turn fsync off (a crash loses a throwaway database);
# the benchmarks keep fsync and full-page writes and commit asynchronously, like SQLite's WAL with
# synchronous=NORMAL (a crash may lose the last commits, never corrupts).
start_test_postgres() {
  need_postgres
  PG_DIR=${1:-$(mktemp -d /tmp/edu-sso-pg.XXXXXX)}
  mkdir -p "$PG_DIR"
  local port=${2:-$((40000 + RANDOM % 20000))}
  local as=()
  # initdb and postgres refuse to run as root: run them as the postgres user the package created.
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$PG_DIR -c max_connections=300 ${PG_SETTINGS:--c fsync=off -c synchronous_commit=off -c full_page_writes=off}" >/dev/null
  PG_ADMIN_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  PG_PORT=$port
  PG_AS=("${as[@]}")
  export PG_ADMIN_URL PG_PORT PG_BIN PG_DIR
}

stop_test_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
  PG_DIR=""
}

# Creates database $1 on the test server and prints its URL.
create_test_database() {
  "$PG_BIN/psql" -q -X -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" -c "CREATE DATABASE \"$1\"" >/dev/null
  echo "postgres://postgres@127.0.0.1:$PG_PORT/$1?sslmode=disable"
}

# nginx from Debian's packages, for the several-node topology (scripts/cluster). The package's own service is
# stopped again: the topology runs its own nginx on loopback.
need_nginx() {
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && return 0
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "Installing nginx …" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null 2>&1 \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    /usr/sbin/nginx -s stop >/dev/null 2>&1 || true
  else
    echo "The several-node topology needs nginx. Install it with: sudo apt-get install nginx" >&2
    exit 1
  fi
}
