#!/usr/bin/env bash
# Quick start: install, make sure Redis runs, build, start the four services
# and run scripts/demo.mjs to show events flowing. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
scripts/ensure-redis.sh --start
npx nest build --all

# Dev secrets generated once and kept under .data/ (git-ignored): the admin
# account is created on first start, so its password must survive restarts.
secrets=.data/quickstart.env
mkdir -p .data
[ -f "$secrets" ] || cat >"$secrets" <<SECRETS
GENERATED_JWT_SECRET=$(node -p "crypto.randomBytes(32).toString('hex')")
GENERATED_ADMIN_PASSWORD=Admin-$(node -p "crypto.randomBytes(9).toString('hex')")
SECRETS
# shellcheck source=/dev/null
. "$secrets"

if [ -z "${JWT_SECRET:-}" ]; then
  JWT_SECRET=$GENERATED_JWT_SECRET
  echo "Note: JWT_SECRET is unset; using a generated dev-only secret from $secrets."
fi
export JWT_SECRET
export ADMIN_EMAIL=${ADMIN_EMAIL:-admin@example.com}
if [ -z "${ADMIN_PASSWORD:-}" ]; then
  ADMIN_PASSWORD=$GENERATED_ADMIN_PASSWORD
  echo "Admin login: $ADMIN_EMAIL / $ADMIN_PASSWORD (generated, kept in $secrets)"
fi
export ADMIN_PASSWORD
export EVENT_BUS_REDIS_URL=${EVENT_BUS_REDIS_URL:-redis://127.0.0.1:6379}
export NODE_ENV=${NODE_ENV:-development}

app() { echo "PORT=$2 node dist/apps/$1/apps/$1/src/main.js"; }

# The demo waits for the four /health endpoints itself; when it ends (or
# fails) the services keep running.
exec npx concurrently --prefix-colors blue,magenta,cyan,green,yellow \
  --names user,booking,scheduler,notification,demo \
  "$(app user-service 3001)" \
  "$(app booking-service 3002)" \
  "$(app scheduler-service 3003)" \
  "$(app notification-service 3004)" \
  "node scripts/demo.mjs"
