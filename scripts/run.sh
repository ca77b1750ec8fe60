#!/usr/bin/env bash
# Installs what Modelplane needs on a fresh Debian machine with Node 20 and starts the all-in-one
# server: control plane on 127.0.0.1:7070, data plane on 127.0.0.1:8080. With DATABASE_URL and
# REDIS_URL unset it runs on embedded PGlite and an in-process bus (data under ./.modelplane).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm -v 2>/dev/null)" != "12.4.2" ]; then
  echo "installing pnpm 12.4.2"
  npm i -g pnpm@12.4.2 >/dev/null 2>&1
fi
pnpm install --frozen-lockfile
exec pnpm start
