#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine with Node 20, then runs
# typecheck, lint and every test against real PostgreSQL and Redis. Safe to run repeatedly.
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

ensure_pnpm() {
  if ! have pnpm || [ "$(pnpm -v 2>/dev/null)" != "12.4.2" ]; then
    log "installing pnpm 12.4.2 (corepack does not work here)"
    npm i -g pnpm@12.4.2 >/dev/null 2>&1 || { echo "could not install pnpm with npm" >&2; exit 1; }
  fi
}

apt_install() {
  if [ "$(id -u)" != "0" ] || ! have apt-get; then
    echo "missing $*: install it (Debian: apt-get install $*) or run as root so this script can" >&2
    exit 1
  fi
  log "installing $* with apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; } ||
    { echo "apt-get install $* failed" >&2; exit 1; }
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return; fi
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is not accepting connections on 127.0.0.1:5432" >&2; exit 1; }
  # The tests connect as postgres over TCP without a password (trust), as on the CI machines.
  if ! psql -h 127.0.0.1 -U postgres -Atc 'select 1' >/dev/null 2>&1; then
    echo "PostgreSQL needs trust auth for user postgres on 127.0.0.1 (see pg_hba.conf), or set TEST_DATABASE_URL" >&2
    exit 1
  fi
}

ensure_redis() {
  if have redis-cli && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return; fi
  if ! have redis-server; then apt_install redis-server; fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
}

# The dashboard's browser tests drive Debian's chromium (headless) with playwright-core; no browser is downloaded.
ensure_chromium() {
  if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then return; fi
  apt_install chromium
}

ensure_pnpm
ensure_postgres
ensure_redis
ensure_chromium

log "installing dependencies"
pnpm install --frozen-lockfile || exit 1

status=0
log "typecheck"; pnpm typecheck || status=1
log "lint"; pnpm lint || status=1
log "test"; pnpm test 2>&1 | tee /tmp/modelplane-test.log; [ "${PIPESTATUS[0]}" = 0 ] || status=1

# One summary line for CI: vitest prints "Tests  N passed | M failed (T)" per package.
sed -i 's/\x1b\[[0-9;]*m//g' /tmp/modelplane-test.log
passed=$(grep -aoE 'Tests +[^(]*' /tmp/modelplane-test.log | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -aoE 'Tests +[^(]*' /tmp/modelplane-test.log | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit "$status"
