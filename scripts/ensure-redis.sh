#!/usr/bin/env bash
# Makes sure a redis-server binary is on PATH (tests start private servers).
# With --start, also makes sure a Redis answers on 127.0.0.1:6379 (quick start).
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "redis-server not found: installing it with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  else
    echo "redis-server (Redis >= 7) is missing: install it (e.g. 'sudo apt-get install redis-server' or 'brew install redis') and retry." >&2
    exit 1
  fi
fi

if [ "${1:-}" = "--start" ]; then
  # Debian's redis-server package ships redis-cli alongside it.
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "Starting redis-server on 127.0.0.1:6379 (no persistence)..."
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 50); do
      redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && exit 0
      sleep 0.1
    done
    echo "redis-server did not answer on 127.0.0.1:6379 (is the port taken by something else?)" >&2
    exit 1
  fi
fi
