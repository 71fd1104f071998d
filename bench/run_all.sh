#!/usr/bin/env bash
# Loopback benchmarks of furusato, each figure beside a reference measured in the same run.
#
#   bench/run_all.sh [catalogue] [pages] [donations] [redemptions] [sql] [sqlite] [import] [search]   (no argument = all)
#
#   catalogue    GET /api/v1/gifts (SQLite demo data) vs nginx serving the same bytes; 200 and 304
#   pages        the storefront's list page GET /gifts vs the JSON list with the same filters, and
#                the bytes each page puts on the wire (list, gift)
#   donations    POST /api/v1/donations on PostgreSQL vs pgbench running the same SQL
#   redemptions  POST /api/v1/partner/redemptions on PostgreSQL, distinct vouchers and one hot
#                voucher, each vs pgbench running the same SQL
#   sql          capture the SQL the service sends for one donation and one redemption
#                (log_statement = 'all' on the bench database only) into $OUT/captured-sql.log
#   sqlite       the donation and both redemptions on SQLite, each vs its floor: Python's sqlite3
#                running only the statements it needs with the service's pragmas (sqlite_floor.py)
#   import       POST /api/v1/admin/imports/donations of one portal CSV of $IMPORT_ROWS rows, then of
#                the same file again (0 imported, all skipped), on SQLite and on PostgreSQL:
#                bench/import.py, which starts its own service and database for each engine
#   search       GET /api/v1/admin/donations?q= over $SEARCH_ROWS donations on PostgreSQL: the plans of
#                the count and page queries and the time of $SEARCH_REPEAT requests per query;
#                bench/donor_search.py, which starts its own service and database
#
# Every load generator targets 127.0.0.1, runs for a fixed time and stops by itself. The script
# starts its own service (release binary) and nginx, stops them by PID, and drops its database.
# Knobs (environment): DURATION (10), WARMUP (3) seconds; CAT_CONNS (32); PG_CONNS (8, also the
# service's pool size); THREADS (2); VOUCHERS (200); APP_PORT (18080); NGINX_PORT (18081);
# PG (postgres://postgres@127.0.0.1:5432); BENCH_DB (furusato_bench); KEEP_DB=1 keeps it;
# BUILD=0 skips `cargo build --release`; CARGO_TARGET_DIR (/work/bench-target); IMPORT_ROWS (100000);
# SEARCH_ROWS (1000000), SEARCH_REPEAT (20); PG_LOG (the cluster's log file, read by `sql`).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$BENCH")
TARGET=${CARGO_TARGET_DIR:-/work/bench-target}

# --smoke: every part for about a second with small inputs, on the debug binary CI has just built
# (BIN= another), failing on any failed step or any failed request. The figures mean nothing; it
# proves the benchmark still runs (CI calls it).
SMOKE=0
if [ "${1:-}" = --smoke ]; then
  SMOKE=1
  shift
  DURATION=1 WARMUP=0 VOUCHERS=16 IMPORT_ROWS=2000 SEARCH_ROWS=2000 SEARCH_REPEAT=1 CAT_CONNS=4 PG_CONNS=4 BUILD=0
  BIN=${BIN:-$REPO/target/debug/furusato}
fi
BIN=${BIN:-$TARGET/release/furusato}
# Services start in their own directories: the binary's path must not be relative.
case "$BIN" in /*) ;; *) BIN=$PWD/$BIN ;; esac
WORK=${BENCH_WORK:-/tmp/bench}
OUT=$WORK/results-$(date -u +%Y%m%dT%H%M%SZ)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
THREADS=${THREADS:-2}
CAT_CONNS=${CAT_CONNS:-32}
PG_CONNS=${PG_CONNS:-8}
VOUCHERS=${VOUCHERS:-200}
IMPORT_ROWS=${IMPORT_ROWS:-100000}
SEARCH_ROWS=${SEARCH_ROWS:-1000000}
SEARCH_REPEAT=${SEARCH_REPEAT:-20}
APP_PORT=${APP_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
FLOOR_PORT=${FLOOR_PORT:-18082}
METRICS_PORT=${METRICS_PORT:-18083}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
BENCH_DB=${BENCH_DB:-furusato_bench}
# The local cluster's log (Debian layout), its version found as .ci/run finds the cluster.
PG_LOG=${PG_LOG:-/var/log/postgresql/postgresql-$(ls /etc/postgresql 2>/dev/null | head -n 1 || true)-main.log}
ADMIN_EMAIL=bench-admin@city.example
ADMIN_PASSWORD=bench-admin-password-long
APP=http://127.0.0.1:$APP_PORT
export BENCH_LUA=$BENCH/lua

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(catalogue pages donations redemptions sql sqlite import search)
want() { local p; for p in "${PARTS[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

mkdir -p "$OUT"
RESULTS=$OUT/results.tsv
SVC_PID=""
NGINX_PID=""
FLOOR_PID=""
DB_CREATED=""

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }

stop_service() {
  if [ -n "$SVC_PID" ]; then
    kill "$SVC_PID" 2>/dev/null || true
    wait "$SVC_PID" 2>/dev/null || true
    SVC_PID=""
  fi
}

stop_floor() {
  if [ -n "$FLOOR_PID" ]; then
    kill "$FLOOR_PID" 2>/dev/null || true
    wait "$FLOOR_PID" 2>/dev/null || true
    FLOOR_PID=""
  fi
}

stop_nginx() {
  if [ -n "$NGINX_PID" ]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
}

# start_nginx CONF: the reference nginx (its files under $NGX) with that configuration.
start_nginx() {
  nginx -c "$1" -p "$NGX" &
  NGINX_PID=$!
  sleep 1
}

# serves_body FILE URL: the server at URL answers with FILE's bytes.
serves_body() {
  local copy
  copy="$NGX/check-$(basename "$1")"
  curl -sf -o "$copy" "$2"
  cmp "$1" "$copy"
}

# answers_304 URL ETAG: a client holding ETAG is told its copy is current.
answers_304() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $2" "$1")" = 304 ]
}

cleanup() {
  stop_service
  stop_nginx
  stop_floor
  if [ -n "$DB_CREATED" ] && [ "${KEEP_DB:-0}" != 1 ]; then
    psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" || true
  fi
}
trap cleanup EXIT

# start_service NAME [VAR=value ...]: runs the release binary in its own directory (its data/mail
# lands there) on 127.0.0.1:$APP_PORT and waits until /health/ready answers.
start_service() {
  local name=$1
  shift
  local dir=$OUT/run-$name
  mkdir -p "$dir"
  (cd "$dir" && exec env FURUSATO__SERVER__HOST=127.0.0.1 FURUSATO__SERVER__PORT="$APP_PORT" \
    FURUSATO__LOG__LEVEL=warn "$@" "$BIN" serve >"$dir/service.log" 2>&1) &
  SVC_PID=$!
  local i
  for i in $(seq 1 120); do
    if curl -sf -o /dev/null "$APP/health/ready"; then
      log "service '$name' ready (pid $SVC_PID)"
      return 0
    fi
    kill -0 "$SVC_PID" 2>/dev/null || { cat "$dir/service.log" >&2; echo "service died" >&2; exit 1; }
    sleep 0.5
  done
  echo "service did not become ready" >&2
  exit 1
}

record() { # LABEL TOOL CONCURRENCY RESULT-LINE  (load1 = 1-minute load average just after the run,
  # our own load included: ~4 is what wrk + service + PostgreSQL make on 2 cores)
  printf '%s\t%s\t%s\t%s load1=%s\n' "$1" "$2" "$3" "${4#RESULT }" "$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RESULTS"
}

# wrk_run LABEL CONNS URL [wrk args...]: a warm-up, then the measured run.
wrk_run() {
  local label=$1 conns=$2 url=$3
  shift 3
  [ "$WARMUP" = 0 ] || wrk -t"$THREADS" -c"$conns" -d"${WARMUP}s" "$@" "$url" >/dev/null
  wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency "$@" "$url" >"$OUT/wrk-$label.txt"
  local result
  result=$(grep '^RESULT' "$OUT/wrk-$label.txt")
  record "$label" "wrk -t$THREADS -c$conns -d${DURATION}s" "$conns" "$result"
  # A run with no request or with failed requests measured something else: refuse it.
  case "$result" in
    *" requests=0 "*) echo "bench: $label made no request" >&2; exit 1 ;;
    *" non2xx3xx=0 socket_errors=0"*) ;;
    *) echo "bench: $label had failed requests: $result" >&2; exit 1 ;;
  esac
}

# pgbench_run LABEL CLIENTS SCRIPT [pgbench args...]: a warm-up, then the measured run with a
# per-transaction log for the percentiles. PGB_MODE: query protocol (prepared | extended).
pgbench_run() {
  local label=$1 clients=$2 script=$3 mode=${PGB_MODE:-prepared}
  shift 3
  local dir=$OUT/pgbench-$label
  mkdir -p "$dir"
  settle_pg
  [ "$WARMUP" = 0 ] || pgbench -n -M "$mode" -c "$clients" -j "$THREADS" -T "$WARMUP" -f "$script" "$@" "$PG/$BENCH_DB" >/dev/null 2>"$dir/warmup.err"
  pgbench -n -M "$mode" -c "$clients" -j "$THREADS" -T "$DURATION" -f "$script" "$@" \
    -l --log-prefix="$dir/tx" "$PG/$BENCH_DB" >"$dir/out.txt" 2>&1
  # pgbench exits 0 even when clients abort: a failed transaction fails the benchmark.
  if grep -qE "number of failed transactions: [1-9]|aborted|ERROR" "$dir/out.txt"; then
    cat "$dir/out.txt" >&2
    echo "bench: $label: pgbench transactions failed" >&2
    exit 1
  fi
  record "$label" "pgbench -M $mode -c$clients -j$THREADS -T$DURATION" "$clients" \
    "$(python3 "$BENCH/pgbench_stats.py" "$dir/out.txt" "$dir"/tx.*)"
}

psql_bench() { psql "$PG/$BENCH_DB" -qAtX -v ON_ERROR_STOP=1 "$@"; }

# settle_pg: before every measured PostgreSQL run, service or pgbench alike, so that no run pays
# for the one before it: vacuum what earlier runs left (else autovacuum runs beside it) and write
# their dirty pages now (else the next timed checkpoint writes them during it; after the donation
# runs that made one redemption run's p99 30 ms instead of 2).
settle_pg() { psql_bench -c "VACUUM ANALYZE" -c "CHECKPOINT"; }

# wait_linked: a started service links the donations of earlier runs to donor identities (名寄せ)
# in the background; the redemption runs wait until it has caught up, or they measure that work
# too (sampling pg_stat_activity found it beside them: p99 23 ms instead of 3).
# With a SQLite file as argument it reads that file instead of the PostgreSQL bench database.
UNLINKED="SELECT count(*) FROM donations WHERE NOT EXISTS (SELECT 1 FROM donor_identity_links l WHERE l.donation_id = donations.id)"
wait_linked() {
  local i left
  for i in $(seq 1 600); do
    if [ -n "${1:-}" ]; then
      left=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$UNLINKED")
    else
      left=$(psql_bench -c "$UNLINKED")
    fi
    [ "$left" = 0 ] && return 0
    sleep 0.5
  done
  echo "bench: donor identities still being linked after 300 s" >&2
  exit 1
}

# --- environment ---------------------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "pgbench: $(pgbench --version)"
  echo "nginx: $(nginx -v 2>&1)"
  echo "postgres: $(psql "$PG/postgres" -AtX -c 'show server_version')"
  echo "duration ${DURATION}s, warm-up ${WARMUP}s, threads $THREADS, catalogue conns $CAT_CONNS, pg conns/pool $PG_CONNS"
} | tee "$OUT/env.txt"
printf 'label\ttool\tconcurrency\tresult\n' >"$RESULTS"

if [ "${BUILD:-1}" = 1 ]; then
  log "building release binary into $TARGET"
  (cd "$REPO" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet)
fi
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }

# --- 1. catalogue --------------------------------------------------------------------------------
if want catalogue; then
  log "catalogue: SQLite demo data"
  rm -f "$OUT/furusato.sqlite3"*
  SQLITE_URL="sqlite://$OUT/furusato.sqlite3"
  start_service catalogue FURUSATO__DATABASE__URL="$SQLITE_URL"
  NGX=$OUT/nginx
  mkdir -p "$NGX/www" "$NGX/tmp"
  declare -A PATHS=([experience]='/api/v1/gifts?category=experience&sort=amount_desc' [default]='/api/v1/gifts')
  for name in experience default; do
    curl -sf -D "$OUT/headers-$name.txt" -o "$NGX/www/$name.json" "$APP${PATHS[$name]}"
  done
  sed -e "s#@ROOT@#$NGX#g" -e "s#@PORT@#$NGINX_PORT#g" "$BENCH/nginx.conf.template" >"$NGX/nginx.conf"
  start_nginx "$NGX/nginx.conf"
  for name in experience default; do
    serves_body "$NGX/www/$name.json" "http://127.0.0.1:$NGINX_PORT/$name.json"
    echo "$name: $(wc -c <"$NGX/www/$name.json") body bytes, $(grep -o '"code":' "$NGX/www/$name.json" | wc -l) gifts" | tee -a "$OUT/env.txt"
  done
  for name in experience default; do
    wrk_run "catalogue-$name-200-service" "$CAT_CONNS" "$APP${PATHS[$name]}" -s "$BENCH/lua/get.lua"
    wrk_run "catalogue-$name-200-nginx" "$CAT_CONNS" "http://127.0.0.1:$NGINX_PORT/$name.json" -s "$BENCH/lua/get.lua"
  done
  # 304: the client already has the current body.
  SVC_ETAG=$(grep -i '^etag:' "$OUT/headers-experience.txt" | cut -d' ' -f2- | tr -d '\r')
  NGX_ETAG=$(curl -sI "http://127.0.0.1:$NGINX_PORT/experience.json" | grep -i '^etag:' | cut -d' ' -f2- | tr -d '\r')
  answers_304 "$APP${PATHS[experience]}" "$SVC_ETAG"
  answers_304 "http://127.0.0.1:$NGINX_PORT/experience.json" "$NGX_ETAG"
  wrk_run catalogue-experience-304-service "$CAT_CONNS" "$APP${PATHS[experience]}" -s "$BENCH/lua/get.lua" -H "If-None-Match: $SVC_ETAG"
  wrk_run catalogue-experience-304-nginx "$CAT_CONNS" "http://127.0.0.1:$NGINX_PORT/experience.json" -s "$BENCH/lua/get.lua" -H "If-None-Match: $NGX_ETAG"
  stop_nginx
  # The same nginx with its access log on, as it is out of the box (one line per request to a
  # file, unbuffered): beside the service at its default level, which writes a line too. Not the
  # issue's reference (that one logs nothing); shown beside it.
  sed -e "s#access_log off;#access_log $NGX/access.log;#" "$NGX/nginx.conf" >"$NGX/nginx-logging.conf"
  start_nginx "$NGX/nginx-logging.conf"
  serves_body "$NGX/www/experience.json" "http://127.0.0.1:$NGINX_PORT/experience.json"
  answers_304 "http://127.0.0.1:$NGINX_PORT/experience.json" "$NGX_ETAG"
  wrk_run catalogue-experience-200-nginx-log "$CAT_CONNS" "http://127.0.0.1:$NGINX_PORT/experience.json" -s "$BENCH/lua/get.lua"
  wrk_run catalogue-experience-304-nginx-log "$CAT_CONNS" "http://127.0.0.1:$NGINX_PORT/experience.json" -s "$BENCH/lua/get.lua" -H "If-None-Match: $NGX_ETAG"
  stop_nginx
  # A run that logged nothing measured the other nginx.
  [ -s "$NGX/access.log" ] || { echo "bench: nginx wrote no access log" >&2; exit 1; }
  rm -f "$NGX/access.log"
  # The framework's floor (not in the smoke run: it is a second build): actix-web alone, one
  # route, no middleware, the same bytes and entity tag held in memory (bench/actix_floor).
  if [ "$SMOKE" = 0 ]; then
    FLOOR_TARGET=$TARGET/actix-floor
    [ "${BUILD:-1}" = 1 ] || [ ! -x "$FLOOR_TARGET/release/actix-floor" ] &&
      CARGO_TARGET_DIR=$FLOOR_TARGET cargo build --release --quiet --manifest-path "$BENCH/actix_floor/Cargo.toml"
    "$FLOOR_TARGET/release/actix-floor" "$NGX/www/experience.json" "$FLOOR_PORT" "$SVC_ETAG" &
    FLOOR_PID=$!
    sleep 1
    serves_body "$NGX/www/experience.json" "http://127.0.0.1:$FLOOR_PORT/"
    answers_304 "http://127.0.0.1:$FLOOR_PORT/" "$SVC_ETAG"
    wrk_run catalogue-experience-200-actix-floor "$CAT_CONNS" "http://127.0.0.1:$FLOOR_PORT/" -s "$BENCH/lua/get.lua"
    wrk_run catalogue-experience-304-actix-floor "$CAT_CONNS" "http://127.0.0.1:$FLOOR_PORT/" -s "$BENCH/lua/get.lua" -H "If-None-Match: $SVC_ETAG"
    stop_floor
  fi
  stop_service
  # The same service runs at the default log level (info: one line per request to stdout -> file).
  start_service catalogue-info FURUSATO__DATABASE__URL="$SQLITE_URL" FURUSATO__LOG__LEVEL=info
  answers_304 "$APP${PATHS[experience]}" "$SVC_ETAG"
  wrk_run catalogue-experience-200-service-loginfo "$CAT_CONNS" "$APP${PATHS[experience]}" -s "$BENCH/lua/get.lua"
  wrk_run catalogue-default-200-service-loginfo "$CAT_CONNS" "$APP${PATHS[default]}" -s "$BENCH/lua/get.lua"
  wrk_run catalogue-experience-304-service-loginfo "$CAT_CONNS" "$APP${PATHS[experience]}" -s "$BENCH/lua/get.lua" -H "If-None-Match: $SVC_ETAG"
  stop_service
fi

# --- 1b. storefront pages ------------------------------------------------------------------------
if want pages; then
  log "pages: SQLite demo data"
  rm -f "$OUT/pages.sqlite3"*
  start_service pages FURUSATO__DATABASE__URL="sqlite://$OUT/pages.sqlite3"
  LIST_QUERY='category=experience&sort=amount_desc'
  GIFT_ID=$(curl -sf "$APP/api/v1/gifts?$LIST_QUERY" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  # Bytes on the wire: response headers + body as served (no compression), for a first visit.
  for page in "/gifts?$LIST_QUERY" "/gifts/$GIFT_ID" "/api/v1/gifts?$LIST_QUERY" "/"; do
    curl -sf -o /dev/null -w "transfer $page: %{size_header} header + %{size_download} body bytes\n" "$APP$page" | tee -a "$OUT/env.txt"
  done
  CSS=/static/$(curl -sf "$APP/gifts" | grep -o 'site.css?v=[^"]*' | head -1 || true)
  curl -sf -o /dev/null -w "transfer $CSS: %{size_header} header + %{size_download} body bytes (cached for a year)\n" "$APP$CSS" | tee -a "$OUT/env.txt"
  wrk_run pages-list-html "$CAT_CONNS" "$APP/gifts?$LIST_QUERY" -s "$BENCH/lua/get.lua"
  wrk_run pages-list-json "$CAT_CONNS" "$APP/api/v1/gifts?$LIST_QUERY" -s "$BENCH/lua/get.lua"
  wrk_run pages-gift-html "$CAT_CONNS" "$APP/gifts/$GIFT_ID" -s "$BENCH/lua/get.lua"
  stop_service
fi

# --- PostgreSQL database for 2 and 3 ----------------------------------------------------------------
PG_ENV=(FURUSATO__DATABASE__URL="$PG/$BENCH_DB" FURUSATO__DATABASE__POOL_SIZE="$PG_CONNS"
  FURUSATO__BOOTSTRAP__ADMIN_EMAIL="$ADMIN_EMAIL" FURUSATO__BOOTSTRAP__ADMIN_PASSWORD="$ADMIN_PASSWORD")

if want donations || want redemptions || want sql; then
  psql "$PG/postgres" -q -c "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)"
  psql "$PG/postgres" -q -c "CREATE DATABASE $BENCH_DB"
  DB_CREATED=1
  start_service pg-setup "${PG_ENV[@]}"
  log "redemption setup: partner + $VOUCHERS vouchers through the API"
  python3 "$BENCH/setup_vouchers.py" "$APP" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$VOUCHERS" "$OUT/vouchers" | tee -a "$OUT/env.txt"
  stop_service
  PARTNER_ID=$(cat "$OUT/vouchers/partner_id")
  export PARTNER_TOKEN
  PARTNER_TOKEN=$(cat "$OUT/vouchers/partner_token")
  head -1 "$OUT/vouchers/codes.txt" >"$OUT/vouchers/hot.txt"
  # For pgbench: the code hashes of the bench vouchers by number (the service computes the keyed
  # hash of the code in Rust; pgbench cannot, so it reads it from this table in a subquery), and
  # the partner's session token hash (the service hashes the bearer token in Rust).
  psql_bench -c "CREATE TABLE bench_codes AS SELECT row_number() OVER (ORDER BY id)::int AS n, code_hash FROM vouchers; ALTER TABLE bench_codes ADD PRIMARY KEY (n); ANALYZE"
  TOKEN_HASH=$(psql_bench -c "SELECT s.token_hash FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.partner_id = '$PARTNER_ID' ORDER BY s.created_at DESC LIMIT 1")
  HOT_HASH=$(psql_bench -c "SELECT code_hash FROM bench_codes WHERE n = 1")
  NVOUCHERS=$(psql_bench -c "SELECT count(*) FROM bench_codes")
fi

# --- SQL capture -----------------------------------------------------------------------------------
if want sql; then
  log "capturing the SQL of one donation and one redemption (log_statement = all on $BENCH_DB)"
  psql "$PG/postgres" -q -c "ALTER DATABASE $BENCH_DB SET log_statement = 'all'"
  # A fresh service, so that its new connections pick the setting up; no email worker polling.
  start_service pg-sql "${PG_ENV[@]}" FURUSATO__EMAIL__WORKER_ENABLED=false
  sleep 1
  OFFSET=$(stat -c %s "$PG_LOG")
  PIDS_BEFORE=$(psql "$PG/postgres" -AtX -c "SELECT count(*) FROM pg_stat_activity WHERE datname = '$BENCH_DB'")
  echo "### POST /api/v1/donations (general)" >"$OUT/captured-sql-markers.txt"
  curl -sf -o /dev/null -w '%{http_code}\n' -X POST "$APP/api/v1/donations" -H 'content-type: application/json' \
    --data-binary @"$BENCH/donation.json" | tee -a "$OUT/captured-sql-markers.txt"
  sleep 0.5
  MID=$(stat -c %s "$PG_LOG")
  curl -sf -o /dev/null -w '%{http_code}\n' -X POST "$APP/api/v1/partner/redemptions" -H 'content-type: application/json' \
    -H "authorization: Bearer $PARTNER_TOKEN" --data "{\"voucher_code\":\"$(sed -n 2p "$OUT/vouchers/codes.txt")\",\"amount\":1}" | tee -a "$OUT/captured-sql-markers.txt"
  sleep 0.5
  END=$(stat -c %s "$PG_LOG")
  {
    echo "### POST /api/v1/donations (kind general) — statements on $BENCH_DB"
    tail -c +"$((OFFSET + 1))" "$PG_LOG" | head -c "$((MID - OFFSET))" | grep -A1 "@$BENCH_DB" || true
    echo
    echo "### POST /api/v1/partner/redemptions — statements on $BENCH_DB"
    tail -c +"$((MID + 1))" "$PG_LOG" | head -c "$((END - MID))" | grep -A1 "@$BENCH_DB" || true
  } >"$OUT/captured-sql.log"
  stop_service
  psql "$PG/postgres" -q -c "ALTER DATABASE $BENCH_DB RESET log_statement"
  grep -q INSERT "$OUT/captured-sql.log" || { echo "bench: nothing captured" >&2; exit 1; }
  log "captured SQL in $OUT/captured-sql.log ($PIDS_BEFORE connections were open before)"
fi

# --- 2. donations ----------------------------------------------------------------------------------
if want donations; then
  start_service pg-donations "${PG_ENV[@]}"
  settle_pg
  wrk_run donation-service "$PG_CONNS" "$APP/api/v1/donations" -s "$BENCH/lua/donation.lua"
  stop_service
  # The service's statements are already the floor: one INSERT in its transaction.
  PGB_MODE=extended pgbench_run donation-pgbench "$PG_CONNS" "$BENCH/sql/donation.sql"
  psql_bench -c "SELECT 'donations rows: ' || count(*) FROM donations" | tee -a "$OUT/env.txt"
fi

# --- 3. redemptions --------------------------------------------------------------------------------
if want redemptions; then
  start_service pg-redemptions "${PG_ENV[@]}"
  wait_linked
  settle_pg
  CODES_FILE=$OUT/vouchers/codes.txt WRK_THREADS=$THREADS \
    wrk_run redeem-distinct-service "$PG_CONNS" "$APP/api/v1/partner/redemptions" -s "$BENCH/lua/redeem.lua"
  settle_pg
  CODES_FILE=$OUT/vouchers/hot.txt WRK_THREADS=$THREADS \
    wrk_run redeem-hot-service "$PG_CONNS" "$APP/api/v1/partner/redemptions" -s "$BENCH/lua/redeem.lua"
  stop_service
  PGB_VARS=(-D token_hash="$TOKEN_HASH" -D bucket="voucher-lookup:$PARTNER_ID" -D partner_id="$PARTNER_ID")
  pgbench_run redeem-distinct-pgbench "$PG_CONNS" "$BENCH/sql/redeem_distinct.sql" "${PGB_VARS[@]}" -D nvouchers="$NVOUCHERS" -D nclients="$PG_CONNS"
  pgbench_run redeem-hot-pgbench "$PG_CONNS" "$BENCH/sql/redeem_hot.sql" "${PGB_VARS[@]}" -D code_hash="$HOT_HASH"
  # The floor: only the conditional UPDATE (finding the voucher by its code hash) and the INSERT.
  pgbench_run redeem-floor-distinct-pgbench "$PG_CONNS" "$BENCH/sql/redeem_floor_distinct.sql" -D partner_id="$PARTNER_ID" -D nvouchers="$NVOUCHERS" -D nclients="$PG_CONNS"
  pgbench_run redeem-floor-hot-pgbench "$PG_CONNS" "$BENCH/sql/redeem_floor_hot.sql" -D partner_id="$PARTNER_ID" -D code_hash="$HOT_HASH"
  # The one-statement floor: the service's data-modifying WITH alone (no session lookup).
  pgbench_run redeem-floor1-distinct-pgbench "$PG_CONNS" "$BENCH/sql/redeem_floor1_distinct.sql" -D partner_id="$PARTNER_ID" -D bucket="voucher-lookup:$PARTNER_ID" -D nvouchers="$NVOUCHERS" -D nclients="$PG_CONNS"
  pgbench_run redeem-floor1-hot-pgbench "$PG_CONNS" "$BENCH/sql/redeem_floor1_hot.sql" -D partner_id="$PARTNER_ID" -D bucket="voucher-lookup:$PARTNER_ID" -D code_hash="$HOT_HASH"
  psql_bench -c "SELECT 'redemptions rows: ' || count(*) || ', min balance: ' || min(balance) FROM redemptions, (SELECT min(balance) AS balance FROM vouchers) v GROUP BY v.balance" | tee -a "$OUT/env.txt"
fi

# --- 5. SQLite writes -------------------------------------------------------------------------------
# The same donation and redemptions on the embedded engine, each beside its floor: Python's sqlite3
# running only the statements the operation needs, with the service's pragmas and concurrency, on
# the same database file once the service has stopped (sqlite_floor.py).
if want sqlite; then
  log "sqlite: donations and redemptions on the embedded engine"
  rm -f "$OUT/writes.sqlite3"*
  SQLITE_WRITES=$OUT/writes.sqlite3
  LITE_ENV=(FURUSATO__DATABASE__URL="sqlite://$SQLITE_WRITES" FURUSATO__DATABASE__POOL_SIZE="$PG_CONNS"
    FURUSATO__BOOTSTRAP__ADMIN_EMAIL="$ADMIN_EMAIL" FURUSATO__BOOTSTRAP__ADMIN_PASSWORD="$ADMIN_PASSWORD"
    FURUSATO__METRICS__LISTEN="127.0.0.1:$METRICS_PORT")
  # Writes per COMMIT of the SQLite writer (group commit) over the run just made, warm-up
  # included, from the service's own histogram: "sum count" now, then the mean since the last.
  group_totals() { curl -sf "http://127.0.0.1:$METRICS_PORT/metrics" |
    awk '/^furusato_sqlite_write_group_size_sum/ {s=$2} /^furusato_sqlite_write_group_size_count/ {c=$2} END {print s+0, c+0}'; }
  groups_since() { # LABEL "SUM COUNT"
    local now
    now=$(group_totals)
    echo "$1 $2 $now" | awk '{printf "%s: %d writes in %d COMMITs, %.2f writes per COMMIT\n", $1, $4-$2, $5-$3, ($5>$3) ? ($4-$2)/($5-$3) : 0}' | tee -a "$OUT/sqlite-write-groups.txt"
  }
  start_service sqlite-writes "${LITE_ENV[@]}"
  python3 "$BENCH/setup_vouchers.py" "$APP" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$VOUCHERS" "$OUT/vouchers-sqlite" | tee -a "$OUT/env.txt"
  export PARTNER_TOKEN
  PARTNER_TOKEN=$(cat "$OUT/vouchers-sqlite/partner_token")
  LITE_PARTNER=$(cat "$OUT/vouchers-sqlite/partner_id")
  head -1 "$OUT/vouchers-sqlite/codes.txt" >"$OUT/vouchers-sqlite/hot.txt"
  before=$(group_totals)
  wrk_run sqlite-donation-service "$PG_CONNS" "$APP/api/v1/donations" -s "$BENCH/lua/donation.lua"
  groups_since sqlite-donation-service "$before"
  wait_linked "$SQLITE_WRITES"
  before=$(group_totals)
  CODES_FILE=$OUT/vouchers-sqlite/codes.txt WRK_THREADS=$THREADS \
    wrk_run sqlite-redeem-distinct-service "$PG_CONNS" "$APP/api/v1/partner/redemptions" -s "$BENCH/lua/redeem.lua"
  groups_since sqlite-redeem-distinct-service "$before"
  before=$(group_totals)
  CODES_FILE=$OUT/vouchers-sqlite/hot.txt WRK_THREADS=$THREADS \
    wrk_run sqlite-redeem-hot-service "$PG_CONNS" "$APP/api/v1/partner/redemptions" -s "$BENCH/lua/redeem.lua"
  groups_since sqlite-redeem-hot-service "$before"
  stop_service
  for scenario in donation redeem-distinct redeem-hot; do
    [ "$WARMUP" = 0 ] || python3 "$BENCH/sqlite_floor.py" "$SQLITE_WRITES" "$scenario" "$PG_CONNS" "$WARMUP" "$LITE_PARTNER" >/dev/null
    result=$(python3 "$BENCH/sqlite_floor.py" "$SQLITE_WRITES" "$scenario" "$PG_CONNS" "$DURATION" "$LITE_PARTNER")
    record "sqlite-$scenario-floor-python" "sqlite_floor.py $PG_CONNS threads ${DURATION}s" "$PG_CONNS" "$result"
    case "$result" in
      *" failed=0") ;;
      *) echo "bench: sqlite-$scenario-floor-python failed: $result" >&2; exit 1 ;;
    esac
  done
fi

# --- 4. portal import ------------------------------------------------------------------------------
# import.py starts and stops its own service (by PID) per engine on $APP_PORT, creates and drops its
# own database (furusato_bench_import_<pid>), and raises server.upload_limit_bytes for its service
# when the file is larger than the default 10 MiB. Its markdown rows go to $OUT/import.md here.
if want import; then
  log "import: $IMPORT_ROWS rows, first import and re-import, SQLite and PostgreSQL"
  python3 "$BENCH/import.py" --binary "$BIN" --pg "$PG/postgres" --rows "$IMPORT_ROWS" \
    --port "$APP_PORT" --work "$OUT" --md "$OUT/import.md" --tsv "$OUT/import.tsv" | tee "$OUT/import.txt"
  while IFS=$'\t' read -r label result; do
    record "$label" "import.py --rows $IMPORT_ROWS" 1 "$result"
  done <"$OUT/import.tsv"
fi

# --- 6. donor search -------------------------------------------------------------------------------
# donor_search.py starts and stops its own service (by PID) on $APP_PORT, creates and drops its own
# database (furusato_bench_search_<pid>), prints the plans of the count and page queries it writes by
# hand (diesel's SQL of donations::store::list) and fails when the service's totals differ from them.
if want search; then
  log "search: $SEARCH_ROWS donations, $SEARCH_REPEAT timed requests per query, PostgreSQL"
  python3 "$BENCH/donor_search.py" --binary "$BIN" --pg "$PG/postgres" --rows "$SEARCH_ROWS" \
    --repeat "$SEARCH_REPEAT" --port "$APP_PORT" | tee "$OUT/donor-search.txt"
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/env.txt"
log "results in $OUT/results.tsv"
column -t -s $'\t' "$RESULTS"
