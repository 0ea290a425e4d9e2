#!/usr/bin/env bash
# Portal build entry point.
#   ./build.sh test     install prerequisites, start throwaway servers, build, run every test project
#   ./build.sh run      run Portal on its embedded default (SQLite)
#   ./build.sh servers  start the throwaway test servers and print their export lines (Ctrl-C stops them)
# Under CI=true any missing prerequisite fails the run; it is never skipped silently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"

RESULTS_DIR="$ROOT/artifacts/test-results"
PGBIN=/usr/lib/postgresql/15/bin
CHROMIUM=/usr/bin/chromium
# Debian packages the tests need: servers (python3-aiosmtpd: the SMTP server alert e-mail goes to), the browser for
# Playwright, fonts so screenshots render text.
APT_PACKAGES=(postgresql mariadb-server mariadb-client redis-server python3-aiosmtpd chromium zstd sqlite3 fonts-liberation)
# Debian's python, which the python3-aiosmtpd package installs into (a python3 earlier on PATH may not see it).
SMTP_PYTHON=/usr/bin/python3
SERVER_TIMEOUT=${PORTAL_SERVER_TIMEOUT:-60}      # seconds to wait for each server to answer
TEST_TIMEOUT=${PORTAL_TEST_TIMEOUT:-30m}          # per test project, so a hung test cannot eat CI's 90 minutes
IS_CI=false; [[ "${CI:-}" == "true" ]] && IS_CI=true

TMP=""             # the one temp folder holding every server's data
PG_DATA=""         # set once PostgreSQL is started, so cleanup knows to stop it
MARIADB_PID=""
REDIS_PIDFILE=""
SMTP_PID=""
S3RVER_PID=""
S3RVER_VERSION=3.7.1
S3_BUCKET=portal-tests   # created by s3rver at start; the tests' TestServers.S3Bucket names it too
WAIT_PID=""        # the `servers` subcommand's sleep

log()  { printf '==> %s\n' "$*" >&2; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# A prerequisite is missing: fatal under CI (never a silent skip), a warning for a developer.
missing() {
  if $IS_CI; then die "$* (CI=true: a missing prerequisite fails the run)"; fi
  warn "$* — tests that need it will skip"
}

# ---------------------------------------------------------------- prerequisites

install_packages() {
  local missing_pkgs=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing_pkgs+=("$p")
  done
  # s3rver runs on Node.js; a node already installed (e.g. from NodeSource, npm included) is kept, never replaced.
  command -v npm >/dev/null 2>&1 || missing_pkgs+=(nodejs npm)
  if ((${#missing_pkgs[@]} == 0)); then
    log "apt packages: all present"
    return
  fi
  if ((EUID != 0)); then
    die "missing packages: ${missing_pkgs[*]}
  install them with:  sudo apt-get install -y ${missing_pkgs[*]}"
  fi
  log "installing: ${missing_pkgs[*]}"
  local start=$SECONDS
  export DEBIAN_FRONTEND=noninteractive
  # Recommends pull in desktop extras (upower, notification daemons) the tests never use.
  if ! { apt-get update -q && apt-get install -y -q --no-install-recommends "${missing_pkgs[@]}"; } </dev/null; then
    for p in "${missing_pkgs[@]}"; do
      dpkg -s "$p" >/dev/null 2>&1 || missing "apt could not install $p"
    done
  fi
  log "apt took $((SECONDS - start)) s"
}

command -v dotnet >/dev/null 2>&1 || die "dotnet is not on PATH (the .NET SDK pinned in global.json is required)"

# ---------------------------------------------------------------- servers

# True when nothing accepts connections on 127.0.0.1:$1 (a listener on 0.0.0.0 counts as taken too).
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Echo the first free port from $1 upwards, so a busy default never breaks the run.
pick_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

# wait_until NAME LOGFILE CMD...: poll CMD until it succeeds or SERVER_TIMEOUT passes.
wait_until() {
  local name=$1 logfile=$2; shift 2
  local deadline=$((SECONDS + SERVER_TIMEOUT))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      warn "$name did not answer within ${SERVER_TIMEOUT}s; last lines of $logfile:"
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.3
  done
}

# Run a server command as USER when we are root (PostgreSQL refuses to run as root), else as ourselves.
as_user() {
  local user=$1; shift
  if ((EUID == 0)); then runuser -u "$user" -- "$@"; else "$@"; fi
}

start_postgres() {
  [[ -x "$PGBIN/initdb" ]] || { missing "PostgreSQL 15 not found in $PGBIN (apt-get install postgresql)"; return 0; }
  local port dir="$TMP/postgres"
  port=$(pick_port "${PORTAL_PG_PORT:-55432}")
  mkdir -p "$dir"
  ((EUID == 0)) && chown postgres "$dir"
  as_user postgres "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$dir/initdb.log" 2>&1 || { tail -n 20 "$dir/initdb.log" >&2; missing "PostgreSQL initdb failed"; return 0; }
  # -k: the unix socket goes in the temp dir, not /var/run/postgresql (which the machine's cluster owns).
  if ! as_user postgres "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$SERVER_TIMEOUT" \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
    tail -n 20 "$dir/server.log" >&2 || true
    missing "PostgreSQL did not start on 127.0.0.1:$port"; return 0
  fi
  PG_DATA="$dir/data"
  wait_until PostgreSQL "$dir/server.log" "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$port" \
    || { missing "PostgreSQL is not ready on 127.0.0.1:$port"; return 0; }
  export PORTAL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
  log "PostgreSQL 15 on 127.0.0.1:$port"
}

start_mariadb() {
  command -v mariadbd >/dev/null 2>&1 || [[ -x /usr/sbin/mariadbd ]] \
    || { missing "mariadbd not found (apt-get install mariadb-server mariadb-client)"; return 0; }
  command -v mariadb >/dev/null 2>&1 || { missing "mariadb client not found (apt-get install mariadb-client)"; return 0; }
  local port dir="$TMP/mariadb" sock user_opt=()
  port=$(pick_port "${PORTAL_MARIADB_PORT:-53306}")
  sock="$dir/mariadb.sock"
  mkdir -p "$dir/data" "$dir/tmp"
  # mariadbd refuses to run as root; as root, let it drop to the mysql user that owns the datadir.
  if ((EUID == 0)); then chown -R mysql:mysql "$dir"; user_opt=(--user=mysql); fi
  # --no-defaults: ignore /etc/mysql/*.cnf so the machine's configuration (ports, paths) cannot leak in.
  mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db >"$dir/install.log" 2>&1 \
    || { tail -n 20 "$dir/install.log" >&2; missing "mariadb-install-db failed"; return 0; }
  "$(command -v mariadbd || echo /usr/sbin/mariadbd)" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --port="$port" \
    --socket="$sock" --pid-file="$dir/mariadb.pid" --bind-address=127.0.0.1 --skip-name-resolve \
    --log-error="$dir/server.log" --tmpdir="$dir/tmp" --innodb-flush-log-at-trx-commit=0 </dev/null >/dev/null 2>&1 &
  MARIADB_PID=$!
  wait_until MariaDB "$dir/server.log" mariadb-admin --no-defaults --socket="$sock" -uroot ping \
    || { missing "MariaDB did not start on 127.0.0.1:$port"; return 0; }
  # install-db gives root (and, when not root, the calling OS user) socket-only login (unix_socket auth);
  # tests need a password login over TCP, so create one.
  local admin=root; ((EUID == 0)) || admin=$(id -un)
  mariadb --no-defaults --socket="$sock" -u"$admin" -e "
    CREATE USER 'portal'@'127.0.0.1' IDENTIFIED BY 'portal';
    CREATE USER 'portal'@'localhost' IDENTIFIED BY 'portal';
    GRANT ALL PRIVILEGES ON *.* TO 'portal'@'127.0.0.1' WITH GRANT OPTION;
    GRANT ALL PRIVILEGES ON *.* TO 'portal'@'localhost' WITH GRANT OPTION;" \
    || { missing "could not create the MariaDB user portal"; return 0; }
  wait_until "MariaDB over TCP" "$dir/server.log" \
    mariadb-admin --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -uportal -pportal ping \
    || { missing "MariaDB does not accept portal/portal on 127.0.0.1:$port"; return 0; }
  export PORTAL_TEST_MARIADB="Server=127.0.0.1;Port=$port;User ID=portal;Password=portal"
  log "MariaDB $(mariadbd --version 2>/dev/null | awk '{print $3}') on 127.0.0.1:$port (user portal/portal)"
}

start_redis() {
  command -v redis-server >/dev/null 2>&1 || { missing "redis-server not found (apt-get install redis-server)"; return 0; }
  local port dir="$TMP/redis"
  port=$(pick_port "${PORTAL_REDIS_PORT:-56379}")
  mkdir -p "$dir"
  # --save "" / --appendonly no: throwaway data, nothing written to disk.
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/server.log" </dev/null \
    || { missing "redis-server did not start"; return 0; }
  REDIS_PIDFILE="$dir/redis.pid"
  wait_until Redis "$dir/server.log" redis-cli -h 127.0.0.1 -p "$port" ping \
    || { missing "Redis is not answering on 127.0.0.1:$port"; return 0; }
  export PORTAL_TEST_REDIS="127.0.0.1:$port"
  log "Redis on 127.0.0.1:$port"
}

# aiosmtpd (Debian), a real SMTP server that accepts every message and writes it into a Maildir the tests read back.
start_smtp() {
  "$SMTP_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1 \
    || { missing "aiosmtpd not found for $SMTP_PYTHON (apt-get install python3-aiosmtpd): the alert e-mail tests need it"; return 0; }
  local port dir="$TMP/smtp"
  port=$(pick_port "${PORTAL_SMTP_PORT:-58025}")
  # Not the Maildir itself: aiosmtpd creates its cur/new/tmp only when the folder does not exist yet.
  mkdir -p "$dir"
  # -n: stay the calling user (it would switch to nobody as root, who cannot write the Maildir).
  "$SMTP_PYTHON" -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir/maildir" </dev/null >"$dir/server.log" 2>&1 &
  SMTP_PID=$!
  wait_until aiosmtpd "$dir/server.log" "$SMTP_PYTHON" -c "import smtplib; smtplib.SMTP('127.0.0.1', $port, timeout=2).quit()" \
    || { missing "aiosmtpd is not answering on 127.0.0.1:$port"; return 0; }
  export PORTAL_TEST_SMTP="127.0.0.1:$port"
  export PORTAL_TEST_MAILDIR="$dir/maildir"
  log "aiosmtpd on 127.0.0.1:$port (Maildir $dir/maildir)"
}

# s3rver (npm), a small S3-compatible server on the filesystem, for the S3 snapshot store's tests. Installed once into a
# cache outside the repository (never node_modules in the tree), started on loopback with its data in the temp folder.
start_s3rver() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || { missing "node and npm not found (apt-get install nodejs npm): the S3 store tests need s3rver"; return 0; }
  local cache="${PORTAL_S3RVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/portal-test/s3rver-$S3RVER_VERSION}"
  local bin="$cache/node_modules/s3rver/bin/s3rver.js" port dir="$TMP/s3rver"
  if [[ ! -f "$bin" ]]; then
    log "installing s3rver $S3RVER_VERSION with npm into $cache"
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" </dev/null >&2 \
      || { missing "npm could not install s3rver@$S3RVER_VERSION"; return 0; }
  fi
  port=$(pick_port "${PORTAL_S3_PORT:-54568}")
  mkdir -p "$dir/data"
  node "$bin" --silent -d "$dir/data" -a 127.0.0.1 -p "$port" --configure-bucket "$S3_BUCKET" </dev/null >"$dir/server.log" 2>&1 &
  S3RVER_PID=$!
  # Ready once the bucket answers a listing (it is created before s3rver listens).
  wait_until s3rver "$dir/server.log" node -e "require('http').get('http://127.0.0.1:$port/$S3_BUCKET',
      r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))" \
    || { missing "s3rver is not answering on 127.0.0.1:$port"; return 0; }
  export PORTAL_TEST_S3="http://127.0.0.1:$port"
  log "s3rver $S3RVER_VERSION on 127.0.0.1:$port (bucket $S3_BUCKET)"
}

# kill_and_wait PID: TERM, wait up to 30 s, then KILL.
kill_and_wait() {
  local pid=$1 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.3; done
  kill -KILL "$pid" 2>/dev/null || true
}

# Stops only what this script started, by PID / data dir; runs on every exit.
stop_servers() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$PG_DATA" ]]; then
    as_user postgres "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 \
      || { [[ -f "$PG_DATA/postmaster.pid" ]] && kill_and_wait "$(head -n1 "$PG_DATA/postmaster.pid")"; } || true
  fi
  [[ -n "$MARIADB_PID" ]] && kill_and_wait "$MARIADB_PID"
  if [[ -n "$REDIS_PIDFILE" && -f "$REDIS_PIDFILE" ]]; then kill_and_wait "$(cat "$REDIS_PIDFILE")"; fi
  [[ -n "$S3RVER_PID" ]] && kill_and_wait "$S3RVER_PID"
  [[ -n "$SMTP_PID" ]] && kill_and_wait "$SMTP_PID"
  [[ -n "$WAIT_PID" ]] && kill "$WAIT_PID" 2>/dev/null
  [[ -n "$TMP" ]] && rm -rf "$TMP"
  exit "$rc"
}

start_servers() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/portal-test.XXXXXX")
  # Each server's own user (postgres, mysql) must traverse the folder to reach its subfolder.
  chmod 755 "$TMP"
  trap stop_servers EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  start_postgres
  start_mariadb
  start_redis
  start_s3rver
  start_smtp
}

check_chromium() {
  if [[ -x "$CHROMIUM" ]]; then
    export PORTAL_TEST_CHROMIUM="$CHROMIUM"
  else
    missing "Chromium not found at $CHROMIUM (apt-get install chromium)"
  fi
}

export_test_env() {
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1   # no browser download is possible; Playwright uses Debian's chromium
  export DOTNET_CLI_TELEMETRY_OPTOUT=1
  export DOTNET_NOLOGO=1
  export PORTAL_TEST_RESULTS="$RESULTS_DIR"   # where a test may leave a report for this script to print
}

print_exports() {
  local v
  for v in PORTAL_TEST_POSTGRES PORTAL_TEST_MARIADB PORTAL_TEST_REDIS PORTAL_TEST_S3 PORTAL_TEST_SMTP PORTAL_TEST_MAILDIR PORTAL_TEST_CHROMIUM \
           PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD DOTNET_CLI_TELEMETRY_OPTOUT DOTNET_NOLOGO; do
    [[ -n "${!v:-}" ]] && printf "export %s='%s'\n" "$v" "${!v}"
  done
  return 0
}

# ---------------------------------------------------------------- tests

TOTAL_PASSED=0 TOTAL_FAILED=0 TOTAL_SKIPPED=0

# run_project DIR: run one test project, log its output, add its counts to the totals.
run_project() {
  local dir=$1 name logfile rc=0
  name=$(basename "$dir")
  logfile="$RESULTS_DIR/$name.log"
  log "testing $dir"
  # --timeout is the test platform's own: it ends the test host too, which coreutils' timeout would orphan.
  dotnet test --project "$dir" --no-build --timeout "$TEST_TIMEOUT" </dev/null 2>&1 | tee "$logfile" || rc=$?

  # Microsoft.Testing.Platform ends with "Test run summary: Passed!|Failed!|Zero tests ran"
  # then indented "total: N", "failed: N", "succeeded: N", "skipped: N" (and "error: N" on a crash).
  local counts
  counts=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$logfile" | awk '
    /Test run summary:/ { found = 1; f = s = k = e = 0; next }
    found && $1 == "failed:"    { f = $2 }
    found && $1 == "succeeded:" { s = $2 }
    found && $1 == "skipped:"   { k = $2 }
    found && $1 == "error:"     { e = $2 }
    END { if (found) print s, f, k, e; else print "none" }')

  local passed=0 failed=0 skipped=0 errors=0
  if [[ "$counts" == none ]]; then
    failed=1
    warn "$name: no test summary in its output (exit code $rc): counted as 1 failed"
  else
    read -r passed failed skipped errors <<<"$counts"
    if ((errors > 0 || (rc != 0 && failed == 0))); then
      # A crash, a timeout or zero tests run: the runner failed without a failing test to show for it.
      failed=$((failed + 1))
      warn "$name: test run exited with code $rc and $errors error(s) (crash, timeout or no test): counted as 1 more failed"
    fi
  fi
  log "$name: $passed passed, $failed failed, $skipped skipped (log: ${logfile#"$ROOT"/})"
  TOTAL_PASSED=$((TOTAL_PASSED + passed))
  TOTAL_FAILED=$((TOTAL_FAILED + failed))
  TOTAL_SKIPPED=$((TOTAL_SKIPPED + skipped))
}

cmd_test() {
  local start=$SECONDS
  install_packages
  export_test_env
  start_servers
  check_chromium

  log "dotnet build Portal.sln"
  dotnet build Portal.sln </dev/null || die "dotnet build Portal.sln failed"

  rm -rf "$RESULTS_DIR"; mkdir -p "$RESULTS_DIR"
  local csprojs=() csproj in_sln
  shopt -s nullglob
  csprojs=(tests/*/*.csproj e2e/*/*.csproj)
  shopt -u nullglob

  # --no-build needs every test project built above: one left out of the solution would run stale or not at all.
  in_sln=$(dotnet sln Portal.sln list | tr '\\' '/')
  for csproj in "${csprojs[@]}"; do
    grep -qxF "$csproj" <<<"$in_sln" || {
      warn "$csproj is not in Portal.sln (add it: dotnet sln add $csproj): counted as 1 failed"
      TOTAL_FAILED=$((TOTAL_FAILED + 1))
    }
  done

  # A support library (tests/Portal.Testing) says <IsTestProject>false</IsTestProject>: built with the solution, never run.
  local test_projects=()
  for csproj in "${csprojs[@]}"; do
    if grep -q '<IsTestProject>false</IsTestProject>' "$csproj"; then
      log "not a test project (IsTestProject=false): $csproj"
    else
      test_projects+=("$csproj")
    fi
  done

  # One project at a time: the machine has 2 cores and the projects share the servers.
  for csproj in "${test_projects[@]}"; do run_project "$(dirname "$csproj")"; done

  # The restore kill harness writes where each kill landed; say it here, where a reader of the run looks.
  if [[ -f "$RESULTS_DIR/kill-points.txt" ]]; then sed 's/^/    /' "$RESULTS_DIR/kill-points.txt" >&2; fi
  log "${#test_projects[@]} test project(s) in $((SECONDS - start)) s; logs in ${RESULTS_DIR#"$ROOT"/}/"
  ((${#test_projects[@]} > 0)) || warn "no test project found under tests/ or e2e/"
  echo "$TOTAL_PASSED passed, $TOTAL_FAILED failed, $TOTAL_SKIPPED skipped"
  ((TOTAL_FAILED == 0 && TOTAL_PASSED > 0))
}

cmd_servers() {
  install_packages
  export_test_env
  start_servers
  check_chromium
  echo "# Paste into your shell; the servers stop when you press Ctrl-C here."
  print_exports
  sleep infinity &
  WAIT_PID=$!
  wait "$WAIT_PID" || true
}

usage() {
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
}

case "${1:-}" in
  test)    shift; cmd_test "$@" ;;
  run)     shift; exec dotnet run --project src/Portal.Web "$@" ;;
  servers) shift; cmd_servers "$@" ;;
  *)       usage ;;
esac
