#!/usr/bin/env bash
# Runs the side-by-side benchmark (bench/src, see README "Benchmarks"): the
# bus beside stock Nest, raw Redis and raw BullMQ in one invocation, then the
# four built services as processes. Writes bench/results/latest.json and
# latest.md. Arguments go to the bench: --quick for a one-minute smoke run.
# It builds everything first (the system part runs the built services);
# BENCH_SKIP_BUILD=1 skips that when dist/ is fresh (the e2e test builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-redis.sh
bash scripts/ensure-postgres.sh
if [ "${BENCH_SKIP_BUILD:-}" != "1" ]; then
  npm run build
fi
node dist/bench/bench/src/main.js "$@"
