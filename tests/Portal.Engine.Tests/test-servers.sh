#!/usr/bin/env bash
# Starts throwaway PostgreSQL 15, MariaDB and Redis on loopback for the engine's server tests, or stops them.
# Usage: test-servers.sh start DIR  (prints the PORTAL_TEST_* exports)   |   test-servers.sh stop DIR
# Never touches the machine's own service units; everything lives in DIR and is stopped by PID.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?folder for the servers\' data}
PG_PORT=${PG_PORT:-55432}; MARIADB_PORT=${MARIADB_PORT:-53306}; REDIS_PORT=${REDIS_PORT:-56379}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

start() {
  mkdir -p "$dir"; chmod 755 "$dir"
  mkdir -p "$dir/pg" "$dir/mariadb" "$dir/redis"
  chown postgres "$dir/pg"; chown mysql "$dir/mariadb"
  # PostgreSQL: trust auth on loopback only, socket inside DIR.
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    runuser -u postgres -- "$PGBIN/initdb" -D "$dir/pg/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/pg/initdb.log"
  fi
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/log" -w \
    -o "-p $PG_PORT -k $dir/pg -c listen_addresses=127.0.0.1" start >/dev/null
  # MariaDB: own datadir, socket and pid file; a 'portal' user with every privilege for the tests' own databases.
  if [ ! -d "$dir/mariadb/data/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$dir/mariadb/data" --auth-root-authentication-method=normal >"$dir/mariadb/install.log" 2>&1
  fi
  mariadbd --no-defaults --user=mysql --datadir="$dir/mariadb/data" --port="$MARIADB_PORT" --bind-address=127.0.0.1 \
    --socket="$dir/mariadb/mysqld.sock" --pid-file="$dir/mariadb/mysqld.pid" --log-error="$dir/mariadb/error.log" \
    --tmpdir="$dir/mariadb" --skip-name-resolve >/dev/null 2>&1 &
  for _ in $(seq 1 60); do
    mariadb --no-defaults -uroot --socket="$dir/mariadb/mysqld.sock" -e "SELECT 1" >/dev/null 2>&1 && break; sleep 0.5
  done
  mariadb --no-defaults -uroot --socket="$dir/mariadb/mysqld.sock" -e \
    "CREATE USER IF NOT EXISTS 'portal'@'127.0.0.1' IDENTIFIED BY 'portal'; GRANT ALL ON *.* TO 'portal'@'127.0.0.1' WITH GRANT OPTION;"
  # Redis: no persistence, loopback only.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir/redis" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log"
  for _ in $(seq 1 40); do [ -s "$dir/redis/redis.pid" ] && break; sleep 0.25; done
  echo "export PORTAL_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres'"
  echo "export PORTAL_TEST_MARIADB='Server=127.0.0.1;Port=$MARIADB_PORT;User ID=portal;Password=portal'"
  echo "export PORTAL_TEST_REDIS='127.0.0.1:$REDIS_PORT'"
}

stop() {
  [ -f "$dir/pg/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null || true
  for pidfile in "$dir/mariadb/mysqld.pid" "$dir/redis/redis.pid"; do
    if [ -s "$pidfile" ]; then
      pid=$(cat "$pidfile"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    fi
  done
}

"$cmd"
